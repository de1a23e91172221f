"""The fault matrix's end-to-end cells (docs/reliability.md, "Faults"): real
`fops` commands meet a full `.fops/`, a `kill -9` in the middle of their
writes, a Helm that is not installed, and a Kubernetes API server, an
Argo CD, a ClickHouse or an OTLP collector that refuses, stalls, fails
with 5xx or answers what is not its protocol. Each test checks what a user
sees (a clear error naming the component), that nothing in `.fops/` is
half-written, and that no process is left behind."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from fixtures.fault_server import FaultServer, NotHttpServer
from fixtures.argocd import argocd  # noqa: F401  (pytest fixture)
from fixtures.fractalops_repo import fractalops_repo  # noqa: F401  (pytest fixture)
from fixtures.full_disk import run_with_full_dir
from fixtures.ports import free_port
from fixtures.processes import processes_with, wait_until

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
TOOLS_BIN = os.path.join(os.environ.get("FOPS_TOOLS_DIR", os.path.expanduser(
    "~/.cache/fops/tools")), "bin")


def clean_env(**more):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CI", "OTEL_", "FRACTALOPS_", "FOPS_STATE_DIR", "ARGOCD_"))}
    env.update({k: str(v) for k, v in more.items()})
    return env


def git_repo(path, tiltfile):
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / "Tiltfile.py").write_text(textwrap.dedent(tiltfile))
    return path


def unreadable_state(files):
    """The state files of a `.fops/` snapshot ({relative path: bytes}) that a
    reader could not use: [(path, why)]. Temporaries (`*.tmp.<pid>`) are
    listed separately by `temporaries`."""
    problems = []
    for path, data in files.items():
        name = os.path.basename(path)
        if path.endswith("/") or ".tmp." in name or name == "session.lock":
            continue
        if name.endswith(".json"):
            try:
                json.loads(data)
            except ValueError as e:
                problems.append((path, f"not JSON: {e}"))
        elif name.endswith(".jsonl") or ".jsonl." in name:
            if data and not data.endswith(b"\n"):
                problems.append((path, f"a torn last line: {data[-60:]!r}"))
            for n, line in enumerate(data.splitlines(), 1):
                try:
                    json.loads(line)
                except ValueError as e:
                    problems.append((path, f"line {n} not JSON: {e}"))
        elif name.endswith(".cache"):
            if data and not data.startswith(b"FOPSDGC1"):
                problems.append((path, "not an input digest cache"))
        else:
            problems.append((path, "a file fops does not write"))
    return problems


def temporaries(files):
    return sorted(p for p in files if ".tmp." in os.path.basename(p))


def snapshot(directory):
    """{relative path: bytes} of every regular file under `directory`."""
    files = {}
    for root, _dirs, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    files[os.path.relpath(path, directory)] = f.read()
    return files


# ---------------------------------------------------------------- disk full

MARKER = "fops-fault-matrix"


def marked_project(path, resources=30, pause=0):
    """A repo with `resources` quick commands (each sleeping `pause` s) and
    a server, each carrying a marker in its command line so a test can find
    what is left running."""
    tag = f"{MARKER}-{os.getpid()}-{time.monotonic_ns()}"
    command = f"sleep {pause}; true {tag}" if pause else f"true {tag}"
    lines = [f"local_resource('r{i}', cmd={command!r})" for i in range(resources)]
    server = f"exec {sys.executable} -c 'import time; time.sleep(300)' {tag}"
    lines.append(f"local_resource('srv', serve_cmd={server!r}, resource_deps=['r0'])")
    lines.append("local_resource('after', cmd='true', resource_deps=['srv'])")
    git_repo(path, "\n".join(lines) + "\n")
    return tag


def test_a_full_state_dir_fails_each_command_naming_the_file_and_leaves_nothing_half_written(
        tmp_path):
    tag = marked_project(tmp_path)
    run = run_with_full_dir(tmp_path / ".fops", [FOPS, "ci"], cwd=tmp_path, env=clean_env(),
                            free=0)
    assert run.returncode == 1, run.stdout + run.stderr
    # fops runs no command it cannot record (a killed fops' commands are
    # found through the record): each fails, saying where and why.
    state = tmp_path / ".fops"
    assert (f"r0 │ ✘ failed in" in run.stdout and
            f"cannot start: recording the processes fops runs: writing '{state}/processes/"
            in run.stdout), run.stdout
    assert "no space left on device" in run.stdout
    assert "30 failed, 2 blocked" in run.stdout
    assert (f"telemetry: jsonl {state}/events.jsonl: 0 delivered, 0 dropped, 64 failed "
            f"(last error: writing {state}/events.jsonl: No space left on device)") in run.stderr
    assert unreadable_state(run.files) == []
    assert temporaries(run.files) == []
    assert run.files.get("events.jsonl", b"") == b""  # nothing, rather than half a line
    assert not any(p.startswith("plan-cache/") and not p.endswith("/") for p in run.files)
    assert processes_with(tag) == []


def test_a_state_dir_that_fills_up_during_a_run_keeps_whole_lines_and_says_what_was_lost(
        tmp_path):
    tag = marked_project(tmp_path)
    # Room for the process record, not for the run's events (about 25 KB).
    run = run_with_full_dir(tmp_path / ".fops", [FOPS, "ci"], cwd=tmp_path, env=clean_env(),
                            free=12 * 1024)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "32 succeeded" in run.stdout
    state = tmp_path / ".fops"
    assert (f"(last error: writing {state}/events.jsonl: No space left on device)"
            in run.stderr), run.stderr
    # What could not be written whole was not written at all.
    assert unreadable_state(run.files) == []
    assert temporaries(run.files) == []
    assert processes_with(tag) == []


def test_a_success_that_cannot_be_recorded_says_the_next_run_updates_it_again(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.c").write_text("int main(void) { return 0; }\n")
    # A typed resource with declared inputs, as image builds and Helm releases
    # are: its success is recorded under .fops/<kind>/ for skip-if-unchanged.
    git_repo(tmp_path, """\
        from fops import _fops, context
        context.current().add(_fops.Resource(name="gen", kind="local", cmd="echo generated",
                                             inputs=_fops.UpdateInputs(paths=["src"])))
    """)
    # Room for the process record and the input digests, not for the record.
    run = run_with_full_dir(tmp_path / ".fops", [FOPS, "ci"], cwd=tmp_path,
                            env=clean_env(FOPS_PLAN_CACHE="0"), free=8 * 1024)
    assert run.returncode == 0, run.stdout + run.stderr  # the command itself succeeded
    state = tmp_path / ".fops"
    assert (f"gen │ fops: not recorded, so the next run updates it again: writing "
            f"'{state}/local/gen") in run.stdout, run.stdout
    assert "No space left on device" in run.stdout
    assert "local/gen.json" not in run.files  # no record of a success it could not keep
    assert unreadable_state(run.files) == []
    assert temporaries(run.files) == []


def test_fops_up_on_a_full_state_dir_stops_before_anything_runs_naming_the_file(tmp_path):
    tag = marked_project(tmp_path, resources=2)
    run = run_with_full_dir(tmp_path / ".fops", [FOPS, "up", "--no-web"], cwd=tmp_path,
                            env=clean_env(), free=0, timeout=60)
    assert run.returncode != 0, run.stdout + run.stderr
    state = tmp_path / ".fops"
    assert (f"fops: recording the session: writing '{state}/session.json': "
            f"No space left on device") in run.stderr, run.stderr
    assert "r0 │" not in run.stdout  # nothing ran
    assert unreadable_state(run.files) == []
    assert temporaries(run.files) == []
    assert processes_with(tag) == []


# ------------------------------------------------------------- kill -9 of fops


def ready(repo, env, resource):
    """Whether the `fops up` session of `repo` reports `resource` ready."""
    status = subprocess.run([FOPS, "status", "--json"], cwd=repo, env=env, capture_output=True,
                            text=True, timeout=30)
    if status.returncode != 0:
        return False
    return any(r["name"] == resource and r["state"] == "ready"
               for r in json.loads(status.stdout)["resources"])


def test_kill_9_in_the_middle_of_writes_leaves_every_state_file_whole_or_absent(tmp_path):
    """`fops ci` and `fops up` killed at many points of their runs: loading
    and recording the plan, starting commands (the process record), sending
    events, recording a success, the session and the mode. After each kill every state
    file reads; what the killed fops started is stopped by the next fops;
    its temporaries go with the next write of their file."""
    tag = marked_project(tmp_path, resources=40, pause=0.03)
    tiltfile = tmp_path / "Tiltfile.py"
    # And a typed resource, whose success is recorded under .fops/local/.
    (tmp_path / "src").mkdir()
    with open(tiltfile, "a") as f:
        f.write("from fops import _fops, context\n"
                "context.current().add(_fops.Resource(name='gen', kind='local', cmd='true',\n"
                "    inputs=_fops.UpdateInputs(paths=['src'])))\n")
    state = tmp_path / ".fops"
    env = clean_env()
    rng = random.Random(1234)  # the same points on every run of the test
    kills = 0
    killed = set()
    for round_ in range(16):
        # Every other round changes the Tiltfile: a Python load that records a plan.
        if round_ % 2 == 0:
            with open(tiltfile, "a") as f:
                f.write(f"# round {round_}\n")
        (tmp_path / "src" / "input.txt").write_text(f"round {round_}\n")  # gen runs, is recorded
        command = [FOPS, "up", "--no-web"] if round_ % 4 == 3 else [FOPS, "ci"]
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.02, 0.6))
        if process.poll() is None:
            kills += 1
        process.kill()  # SIGKILL: no handler, no clean-up
        process.wait()
        files = snapshot(state)
        assert unreadable_state(files) == [], f"round {round_}: {command}"
        killed.add(process.pid)
        for tmp in temporaries(files):  # only ever a killed writer's, until its file is written
            assert int(tmp.rsplit(".", 1)[1]) in killed, tmp
    assert kills >= 12  # most rounds were really cut short

    # The next complete runs stop what the killed ones left, record a plan
    # and a session (taking the leftover temporaries with them) and leave
    # everything whole.
    with open(tiltfile, "a") as f:
        f.write("# the last round\n")
    last = subprocess.run([FOPS, "ci"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert last.returncode == 0, last.stdout + last.stderr
    assert processes_with(tag) == []
    up = subprocess.Popen([FOPS, "up", "--no-web"], cwd=tmp_path, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: ready(tmp_path, env, "srv"), what="fops up to serve")
    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=60) == 0
    assert processes_with(tag) == []
    files = snapshot(state)
    assert unreadable_state(files) == []
    assert temporaries(files) == []
    assert "local/gen.json" in files
    assert not any(p.startswith("processes/") for p in files)  # every record closed


# ----------------------------------------------------- Helm, the Kubernetes API

HELM_RELEASE = """\
helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
             namespace="fractalops-dev", image="ghcr.io/yamonco/fractalops-runtime:dev-1a2b")
"""


def helm_env(kubeconfig=None, path=None):
    env = clean_env(PATH=path or f"{TOOLS_BIN}:{os.environ['PATH']}")
    env.pop("KUBECONFIG", None)
    if kubeconfig:
        env["KUBECONFIG"] = str(kubeconfig)
    return env


def run_ci(repo, env, *args, timeout=120):
    return subprocess.run([FOPS, "ci", *args], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=timeout)


needs_helm = pytest.mark.skipif(
    not (os.access(os.path.join(TOOLS_BIN, "helm"), os.X_OK) or shutil.which("helm")),
    reason="helm is needed (make tools)")


@needs_helm
@pytest.mark.parametrize("fault, helm_says", [
    ("refused", "Error: Kubernetes cluster unreachable: Get \"http://127.0.0.1:{port}/version\": "
                "dial tcp 127.0.0.1:{port}: connect: connection refused"),
    ("500", "Error: Kubernetes cluster unreachable: an error on the server (\"unknown\") has "
            "prevented the request from succeeding"),
    ("html", "Error: Kubernetes cluster unreachable: unable to parse the server version: "
             "invalid character '<' looking for beginning of value"),
], ids=["refused", "500", "html"])
def test_a_kubernetes_api_that_fails_fails_the_release_with_helms_reason_and_records_nothing(
        fractalops_repo, fault, helm_says):  # noqa: F811
    (fractalops_repo / "Tiltfile.py").write_text(HELM_RELEASE)
    kubeconfig = fractalops_repo / "kubeconfig"
    if fault == "refused":
        port = free_port()  # nothing listens there
        FaultServer.write_kubeconfig(kubeconfig, port)
        run = run_ci(fractalops_repo, helm_env(kubeconfig))
    else:
        with FaultServer(fault) as api:
            port = api.port
            api.kubeconfig(kubeconfig)
            run = run_ci(fractalops_repo, helm_env(kubeconfig))
            assert ("GET", "/version") in api.requests
    assert run.returncode == 1, run.stdout + run.stderr
    assert "api │ ✘ failed in" in run.stdout and "exit 1" in run.stdout
    assert f"api │ {helm_says.format(port=port)}" in run.stdout, run.stdout
    state = fractalops_repo / ".fops"
    assert not (state / "helm" / "api.json").exists()  # no success recorded
    assert unreadable_state(snapshot(state)) == []
    assert processes_with(str(kubeconfig)) == []


@needs_helm
def test_a_kubernetes_api_that_never_answers_is_cut_off_at_the_run_timeout(
        fractalops_repo):  # noqa: F811
    (fractalops_repo / "Tiltfile.py").write_text(HELM_RELEASE)
    kubeconfig = fractalops_repo / "kubeconfig"
    with FaultServer("slow") as api:
        api.kubeconfig(kubeconfig)
        run = run_ci(fractalops_repo, helm_env(kubeconfig), "--timeout", "3s")
        assert api.requests  # helm asked, and waited
        assert run.returncode == 1, run.stdout + run.stderr
        assert "api │ ✘ cancelled in" in run.stdout and "timed out after 3s" in run.stdout
        # helm is stopped with the run, not left waiting on the server.
        assert processes_with(str(kubeconfig)) == []
    assert not (fractalops_repo / ".fops" / "helm" / "api.json").exists()


def test_helm_not_installed_fails_the_release_naming_helm(fractalops_repo):  # noqa: F811
    (fractalops_repo / "Tiltfile.py").write_text(HELM_RELEASE)
    bare = fractalops_repo / "bin"
    bare.mkdir()
    for tool in ("git", "sh"):  # what a load may run, and nothing else
        os.symlink(shutil.which(tool), bare / tool)
    run = run_ci(fractalops_repo, helm_env(path=str(bare)))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "api │ ✘ failed in" in run.stdout
    assert "command not found: helm" in run.stdout, run.stdout
    assert not (fractalops_repo / ".fops" / "helm" / "api.json").exists()


# ------------------------------------------------- ClickHouse, the OTLP collector

TELEMETRY_TILTFILE = 'local_resource("build", cmd="echo building")\n'
EVENTS = 4  # session.started, resource.started, resource.finished, session.stopped


def telemetry_env(sink, url, **more):
    if sink == "otlp":
        variables = dict(OTEL_EXPORTER_OTLP_ENDPOINT=url)
    else:
        variables = dict(FRACTALOPS_BUILD_EVENTS_ENABLED="true",
                         FRACTALOPS_CLICKHOUSE_HOST_PORT=url.replace("http://", ""))
    return clean_env(FRACTALOPS_BUILD_EVENTS_FLUSH_TIMEOUT_MS="2000", **variables, **more)


def summary(run, sink):
    lines = [line for line in run.stderr.splitlines() if line.startswith(f"telemetry: {sink} ")]
    assert len(lines) == 1, run.stderr
    return lines[0]


@pytest.mark.parametrize("sink", ["otlp", "clickhouse"])
@pytest.mark.parametrize("fault, says", [
    ("refused", "Couldn't connect to server"),
    ("500", "HTTP 500: {\"kind\": \"Status\""),
    ("slow", "Operation timed out after"),
    ("not http", "Received HTTP/0.9 when not allowed"),
    ("a web page", "HTTP 200, but the answer is not "),
], ids=["refused", "500", "slow", "not http", "a web page"])
def test_a_telemetry_sink_that_fails_is_named_the_build_goes_on_and_strict_runs_fail(
        tmp_path, sink, fault, says):
    from fixtures.otlp_receiver import Answer, Receiver

    git_repo(tmp_path, TELEMETRY_TILTFILE)
    servers = {
        "500": lambda: Receiver(default=Answer(500, '{"kind": "Status", "code": 500}')),
        "slow": lambda: Receiver(default=Answer(200, delay=4)),
        "not http": NotHttpServer,
        "a web page": lambda: Receiver(default=Answer(200, "<html>Please sign in</html>")),
    }
    for strict in (False, True):
        more = {"FRACTALOPS_BUILD_EVENTS_STRICT": "true"} if strict else {}
        if fault == "refused":
            server, url = None, f"http://127.0.0.1:{free_port()}"
        else:
            server = servers[fault]()
            url = server.url
        try:
            run = run_ci(tmp_path, telemetry_env(sink, url, **more))
        finally:
            if server is not None:
                server.close()
        line = summary(run, sink)
        assert f"0 delivered, 0 dropped, {EVENTS} failed" in line or (
            fault == "slow" and "0 delivered" in line), line
        assert says in line, line
        assert url.replace("http://", "") in line  # names where it sent them
        if strict:
            assert run.returncode == 1
            assert "fops: build events not delivered" in run.stderr, run.stderr
        else:
            assert run.returncode == 0, run.stdout + run.stderr  # the build itself succeeded
            assert "1 succeeded" in run.stdout
    # Another sink is on: no events file appears in `.fops/`.
    assert not (tmp_path / ".fops" / "events.jsonl").exists()


# ------------------------------------------------------------------- Argo CD

APPS_TILTFILE = """\
argocd_apps(["fractalops-api", "fractalops-portal"], timeout="20s")
local_resource("serve", serve_cmd="sleep 300")
"""


def mode_deploy(repo, env, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", "fops", "mode", "deploy", *args], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=timeout)


def test_argo_cd_answering_a_web_page_is_not_reached_and_nothing_is_recorded(tmp_path, argocd):
    from fixtures.argocd import HEALTHY, OUT_OF_SYNC

    git_repo(tmp_path, APPS_TILTFILE)
    for app in ("fractalops-api", "fractalops-portal"):
        argocd.add_app(app, OUT_OF_SYNC, [HEALTHY])
        argocd.fault_app(app, {"page": "<html><body>Sign in to continue</body></html>"})
    deploy = mode_deploy(tmp_path, clean_env(**argocd.env()), "--timeout", "3s")
    assert deploy.returncode == 1, deploy.stdout + deploy.stderr
    lines = deploy.stdout.splitlines()
    assert ("fractalops-api: not reached: argocd: GET application 'fractalops-api': argocd: "
            "the answer is not an Application") in lines
    assert lines[-1] == (f"deployment mode not recorded: Argo CD at http://{argocd.server} "
                         f"accepted no sync request (fractalops-api, fractalops-portal not "
                         f"reached); the mode stays development")
    assert argocd.syncs("fractalops-api") == 0
    assert not (tmp_path / ".fops" / "mode.json").exists()


def test_a_full_disk_after_argo_cd_took_the_apps_says_the_mode_was_not_recorded(
        tmp_path, argocd):
    from fixtures.argocd import HEALTHY, OUT_OF_SYNC

    git_repo(tmp_path, APPS_TILTFILE)
    for app in ("fractalops-api", "fractalops-portal"):
        argocd.add_app(app, OUT_OF_SYNC, [HEALTHY])
    run = run_with_full_dir(tmp_path / ".fops", [sys.executable, "-m", "fops", "mode", "deploy"],
                            cwd=tmp_path, env=clean_env(**argocd.env()), free=0)
    assert run.returncode != 0, run.stdout + run.stderr
    assert "fractalops-api: Synced Healthy" in run.stdout  # Argo CD did its part
    state = tmp_path / ".fops"
    assert (f"Argo CD took fractalops-api, fractalops-portal, but deployment mode was not "
            f"recorded (recording the mode: writing '{state}/mode.json': No space left on "
            f"device); the mode on record stays development: make room and run "
            f"`fops mode deploy` again") in run.stderr, run.stderr
    assert unreadable_state(run.files) == []
    assert temporaries(run.files) == []
    assert "mode.json" not in run.files
