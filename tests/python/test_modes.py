"""Modes and transitions end to end: a real `fops up` session in one
process, a second `fops up` refused with the holder's PID, `fops mode`
naming mode and holder, `fops mode deploy` stopping the session and
handing the canonical apps back to the Argo CD stand-in (Synced/Healthy,
Degraded, timeouts, 500s and dropped connections, an unreachable server, a
refused token, an unknown app, an app whose server hangs) and recording
deployment mode only for what Argo CD took, and `fops mode staging`
building staging images, applying them live only to named targets."""
import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import textwrap

import pytest

import fops
from fixtures.argocd import (HEALTHY, OUT_OF_SYNC, PROGRESSING, RUNNING, argocd,  # noqa: F401
                             degraded)
from fixtures.fractalops_repo import fractalops_repo  # noqa: F401
from fixtures.ports import free_port
from fixtures.processes import wait_until
from fops import testing, transitions


def fops_cmd(*args, cwd=None, env_extra=None, timeout=60):
    env = dict(os.environ)
    for name in ("ARGOCD_SERVER", "ARGOCD_AUTH_TOKEN", "ARGOCD_OPTS"):
        env.pop(name, None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "fops", *args], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)


APPS_TILTFILE = """\
    argocd_apps(["fractalops-api", "fractalops-portal"], timeout="20s")
    local_resource("serve", serve_cmd="sleep 300")
"""


@pytest.fixture
def session_repo(tmp_path, monkeypatch):
    monkeypatch.delenv("FOPS_STATE_DIR", raising=False)
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent(APPS_TILTFILE))
    return tmp_path


@pytest.fixture
def fops_up(session_repo):
    """A real `fops up` in session_repo; stopped (group SIGKILL) at the end."""
    processes = []

    def start():
        process = subprocess.Popen([sys.executable, "-m", "fops", "up"], cwd=session_repo,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        processes.append(process)
        state_dir = fops._fops.state_dir_for(str(session_repo))
        wait_until(lambda: (fops._fops.SessionLock.read_holder(state_dir) or None) is not None
                   and fops._fops.SessionLock.read_holder(state_dir).pid == process.pid,
                   what="fops up to take the session lock")
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_show_mode_without_state(tmp_path, monkeypatch):
    monkeypatch.delenv("FOPS_STATE_DIR", raising=False)
    shown = fops_cmd("mode", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "mode: development (default: no mode recorded)\nsession: none\n"


def test_up_refused_mode_shown_then_deploy_hands_back_to_argo(session_repo, fops_up, argocd):
    up = fops_up()
    # One dev session per repo: the second is refused with the holder's PID.
    second = fops_cmd("up", cwd=session_repo)
    assert second.returncode != 0
    assert f"PID {up.pid}" in second.stderr

    shown = fops_cmd("mode", cwd=session_repo)
    assert shown.stdout.startswith("mode: development (since ")
    assert "by fops up)" in shown.stdout
    assert f"session: fops up (PID {up.pid}, since " in shown.stdout

    argocd.add_app("fractalops-api", OUT_OF_SYNC, [RUNNING, PROGRESSING, HEALTHY])
    argocd.add_app("fractalops-portal", OUT_OF_SYNC, [RUNNING, HEALTHY])
    plan = fops_cmd("mode", "deploy", "--plan", cwd=session_repo, env_extra=argocd.env())
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.splitlines() == [
        "fops mode deploy -> deployment mode",
        f"  1. stop the local session (fops up, PID {up.pid}): SIGTERM, then wait until it has "
        f"stopped everything it started",
        f"  2. ask Argo CD at http://{argocd.server} to sync fractalops-api, fractalops-portal",
        "  3. wait until every app is Synced and Healthy after its sync (at most 20s; Degraded or "
        "a failed sync ends the wait)",
        "  4. record deployment mode in the repo's state directory (mode.json) with what each "
        "app confirmed, once Argo CD accepted a sync request (none accepted: the mode stays as "
        "it is)",
    ]
    assert argocd.requests == [] and up.poll() is None  # --plan does nothing

    deploy = fops_cmd("mode", "deploy", "--poll-interval", "50ms", cwd=session_repo, env_extra=argocd.env())
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    lines = deploy.stdout.splitlines()
    assert lines[0] == f"stopped the local session: fops up (PID {up.pid})"
    assert lines[1:3] == ["fractalops-api: sync requested", "fractalops-portal: sync requested"]
    assert any(l.startswith("fractalops-api: Synced Healthy (revision 0123456, ") for l in lines)
    assert any(l.startswith("fractalops-portal: Synced Healthy (revision 0123456, ") for l in lines)
    assert lines[-1] == "deployment mode: 2 of 2 apps Synced and Healthy"
    assert argocd.token not in deploy.stdout + deploy.stderr
    assert up.wait(timeout=10) is not None  # the session is gone
    assert argocd.syncs("fractalops-api") == 1 and argocd.syncs("fractalops-portal") == 1
    assert all(r["authorization"] == f"Bearer {argocd.token}" for r in argocd.requests)

    shown = fops_cmd("mode", cwd=session_repo)
    assert shown.stdout.startswith("mode: deployment (since ")
    assert "by fops mode deploy): 2 of 2 apps Synced and Healthy" in shown.stdout
    assert shown.stdout.splitlines()[1:] == [
        "  fractalops-api: Synced Healthy at revision 0123456",
        "  fractalops-portal: Synced Healthy at revision 0123456",
        "session: none",
    ]


def test_deploy_run_by_a_resource_of_the_session_it_stops_continues_outside_it(
        session_repo, argocd):  # noqa: F811
    # A Tiltfile's manual deploy-mode resource (what `make deploy-mode` is
    # to a team): triggered in `fops up`, its `fops mode deploy` stops that
    # very session, which stops the resource's processes.
    (session_repo / "Tiltfile.py").write_text(textwrap.dedent(APPS_TILTFILE) + textwrap.dedent(f"""\
        local_resource("deploy-mode", cmd="{sys.executable} -m fops mode deploy --poll-interval 50ms",
                       trigger_mode=TRIGGER_MODE_MANUAL, auto_init=False)
    """))
    argocd.add_app("fractalops-api", OUT_OF_SYNC, [RUNNING, HEALTHY])
    argocd.add_app("fractalops-portal", OUT_OF_SYNC, [RUNNING, HEALTHY])
    env = dict(os.environ, **argocd.env())
    log = session_repo / "up.log"
    with open(log, "w") as out:
        up = subprocess.Popen([sys.executable, "-m", "fops", "up", "--no-web"], cwd=session_repo,
                              env=env, stdin=subprocess.DEVNULL, stdout=out,
                              stderr=subprocess.STDOUT, start_new_session=True)
    state_dir = fops._fops.state_dir_for(str(session_repo))
    outside = None
    try:
        wait_until(lambda: "serve │ ✔ ready" in log.read_text(), what="the session to be up")
        triggered = fops_cmd("trigger", "deploy-mode", cwd=session_repo)
        assert triggered.returncode == 0, triggered.stderr

        assert up.wait(timeout=30) == 0  # stopped by SIGTERM, nothing failed
        text = log.read_text()
        said = [l for l in text.splitlines() if "started inside the session it stops" in l]
        assert len(said) == 1, text
        assert said[0].startswith(f"  deploy-mode │ fops mode deploy: started inside the session "
                                  f"it stops (fops up, PID {up.pid}); it continues outside it as "
                                  f"PID ")
        outside = int(said[0].split("outside it as PID ")[1].split(",")[0])
        assert "fops up: stopped by SIGTERM; nothing left running" in text
        wait_until(lambda: fops._fops.load_mode_state(state_dir).mode == "deployment", 30,
                   "deployment mode to be recorded")
        wait_until(lambda: not os.path.exists(f"/proc/{outside}") or
                   open(f"/proc/{outside}/stat").read().rsplit(")", 1)[1].split()[0] == "Z",
                   what="the deploy outside the session to end")
        lines = (pathlib.Path(state_dir) / "mode-deploy.log").read_text().splitlines()
        assert lines[0] == f"stopped the local session: fops up (PID {up.pid})"
        assert lines[-1] == "deployment mode: 2 of 2 apps Synced and Healthy"
        assert argocd.syncs("fractalops-api") == 1 and argocd.syncs("fractalops-portal") == 1
        assert argocd.token not in text + "\n".join(lines)
    finally:
        for pid in (up.pid, outside):
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
        up.wait(timeout=10)


def test_deploy_exits_non_zero_on_degraded(session_repo, argocd):
    argocd.add_app("fractalops-api", OUT_OF_SYNC, [RUNNING, degraded("pods crash-looping")])
    argocd.add_app("fractalops-portal", OUT_OF_SYNC, [HEALTHY])
    deploy = fops_cmd("mode", "deploy", "--poll-interval", "50ms", cwd=session_repo, env_extra=argocd.env())
    assert deploy.returncode == 1
    assert "fractalops-api: Degraded after the sync: pods crash-looping" in deploy.stdout
    assert "fractalops-portal: Synced Healthy" in deploy.stdout
    assert deploy.stdout.splitlines()[-1] == ("deployment mode: 1 of 2 apps Synced and Healthy; "
                                              "fractalops-api Degraded")


def test_deploy_times_out_and_retries_faults(session_repo, argocd):
    argocd.add_app("fractalops-api", OUT_OF_SYNC, [RUNNING, PROGRESSING])
    argocd.add_app("fractalops-portal", OUT_OF_SYNC, [RUNNING, HEALTHY])
    # fractalops-api's requests meet them all: retried with backoff (250ms,
    # 500ms, 1s) within its share of the deadline (half of 6s).
    argocd.queue_faults({"status": 500}, {"drop": True}, {"status": 503}, {"delay": 0.2})
    deploy = fops_cmd("mode", "deploy", "--timeout", "6s", "--poll-interval", "50ms",
                      cwd=session_repo, env_extra=argocd.env())
    assert deploy.returncode == 1, deploy.stdout + deploy.stderr
    assert "fractalops-api: timed out after 6s: Synced Progressing" in deploy.stdout
    assert "fractalops-portal: Synced Healthy" in deploy.stdout


def test_deploy_needs_apps_and_a_server(tmp_path, argocd, monkeypatch):
    monkeypatch.delenv("FOPS_STATE_DIR", raising=False)
    (tmp_path / "Tiltfile.py").write_text('local_resource("x", cmd="true")\n')
    no_apps = fops_cmd("mode", "deploy", cwd=tmp_path, env_extra=argocd.env())
    assert no_apps.returncode == 2
    assert "declare argocd_apps([...]) in the Tiltfile, or pass --app NAME" in no_apps.stderr
    no_server = fops_cmd("mode", "deploy", "--app", "fractalops-api", cwd=tmp_path)
    assert no_server.returncode == 2
    assert "set ARGOCD_SERVER" in no_server.stderr
    argocd.add_app("fractalops-api", OUT_OF_SYNC, [HEALTHY])
    unknown = fops_cmd("mode", "deploy", "--app", "fractalops-api", "--app", "typo",
                       "--poll-interval", "50ms", cwd=tmp_path,
                       env_extra=argocd.env())
    assert unknown.returncode == 1
    assert "typo: not reached: argocd: GET application 'typo': HTTP 403: permission denied" \
        in unknown.stdout


def mode_json(repo) -> bytes:
    """The repo's mode.json, byte for byte (b"" when there is none)."""
    path = os.path.join(fops._fops.state_dir_for(str(repo)), "mode.json")
    return open(path, "rb").read() if os.path.exists(path) else b""


CANARY_TOKEN = "canary-token-never-printed-7c41"


def test_deploy_to_an_unreachable_server_records_nothing_and_names_it(session_repo):
    recorded = fops_cmd("mode", "development", cwd=session_repo)
    assert recorded.returncode == 0, recorded.stderr
    before = mode_json(session_repo)
    assert before
    server = f"127.0.0.1:{free_port()}"  # nothing listens there
    deploy = fops_cmd("mode", "deploy", "--timeout", "2s", cwd=session_repo,
                      env_extra={"ARGOCD_SERVER": server, "ARGOCD_AUTH_TOKEN": CANARY_TOKEN,
                                 "ARGOCD_OPTS": "--plaintext"})
    assert deploy.returncode == 1, deploy.stdout + deploy.stderr
    lines = deploy.stdout.splitlines()
    assert lines[-1] == (f"deployment mode not recorded: Argo CD at http://{server} accepted no "
                         f"sync request (fractalops-api, fractalops-portal not reached); the mode "
                         f"stays development")
    assert any(l.startswith("fractalops-api: not reached: ") and server in l for l in lines)
    assert mode_json(session_repo) == before
    assert CANARY_TOKEN not in deploy.stdout + deploy.stderr
    shown = fops_cmd("mode", cwd=session_repo)
    assert shown.stdout.startswith("mode: development (since ")


def test_deploy_with_a_token_argo_refuses_records_nothing(session_repo, argocd):
    argocd.add_app("fractalops-api", OUT_OF_SYNC, [HEALTHY])
    argocd.add_app("fractalops-portal", OUT_OF_SYNC, [HEALTHY])
    env = dict(argocd.env(), ARGOCD_AUTH_TOKEN=CANARY_TOKEN)
    deploy = fops_cmd("mode", "deploy", cwd=session_repo, env_extra=env)
    assert deploy.returncode == 1, deploy.stdout + deploy.stderr
    assert ("fractalops-api: not reached: argocd: GET application 'fractalops-api': HTTP 401: "
            "invalid session") in deploy.stdout
    assert f"Argo CD at http://{argocd.server} accepted no sync request" in deploy.stdout
    assert argocd.syncs("fractalops-api") == 0 and argocd.syncs("fractalops-portal") == 0
    assert mode_json(session_repo) == b""
    assert CANARY_TOKEN not in deploy.stdout + deploy.stderr


def test_one_unknown_app_still_records_deployment_for_the_other(session_repo, argocd):
    argocd.unknown_status = 404
    argocd.add_app("fractalops-api", OUT_OF_SYNC, [RUNNING, HEALTHY])  # fractalops-portal: unknown
    deploy = fops_cmd("mode", "deploy", "--poll-interval", "50ms", cwd=session_repo,
                      env_extra=argocd.env())
    assert deploy.returncode == 1, deploy.stdout + deploy.stderr
    not_found = ("fractalops-portal: not reached: argocd: GET application 'fractalops-portal': "
                 "HTTP 404: applications.argoproj.io \"fractalops-portal\" not found")
    assert not_found in deploy.stdout.splitlines()
    assert deploy.stdout.splitlines()[-1] == ("deployment mode: 1 of 2 apps Synced and Healthy; "
                                              "fractalops-portal not reached")
    assert argocd.syncs("fractalops-api") == 1

    shown = fops_cmd("mode", cwd=session_repo)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[1:] == [
        "  fractalops-api: Synced Healthy at revision 0123456",
        "  " + not_found,
        "session: none",
    ]
    state = fops._fops.load_mode_state(fops._fops.state_dir_for(str(session_repo)))
    assert [(a.app, a.confirmed, a.synced) for a in state.apps] == [
        ("fractalops-api", "Synced Healthy", True), ("fractalops-portal", "not reached", False)]
    text = mode_json(session_repo).decode()
    assert '"confirmed": "not reached"' in text and argocd.token not in text
    assert argocd.token not in deploy.stdout + deploy.stderr + shown.stdout


@pytest.mark.parametrize("fault", [{"delay": 60}, {"drop": True}], ids=["hangs", "drops"])
def test_an_app_whose_server_hangs_does_not_keep_the_next_from_its_sync(session_repo, argocd,
                                                                        fault):
    argocd.add_app("fractalops-api", OUT_OF_SYNC, [HEALTHY])
    argocd.add_app("fractalops-portal", OUT_OF_SYNC, [RUNNING, HEALTHY])
    argocd.fault_app("fractalops-api", fault)
    deploy = fops_cmd("mode", "deploy", "--timeout", "6s", "--poll-interval", "50ms",
                      cwd=session_repo, env_extra=argocd.env())
    assert deploy.returncode == 1, deploy.stdout + deploy.stderr
    lines = deploy.stdout.splitlines()
    assert any(l.startswith("fractalops-api: not reached: argocd: GET /api/v1/applications/"
                            "fractalops-api: no usable answer before the deadline") for l in lines)
    assert any(l.startswith("fractalops-portal: Synced Healthy (revision 0123456, ") for l in lines)
    assert argocd.syncs("fractalops-api") == 0 and argocd.syncs("fractalops-portal") == 1
    assert lines[-1] == "deployment mode: 1 of 2 apps Synced and Healthy; fractalops-api not reached"


def test_a_mode_json_fops_cannot_read_is_named_and_left_alone(session_repo, argocd):
    state_dir = fops._fops.state_dir_for(str(session_repo))
    os.makedirs(state_dir, exist_ok=True)
    path = os.path.join(state_dir, "mode.json")
    with open(path, "w") as f:
        f.write('{"mode": "deployment", ')
    shown = fops_cmd("mode", cwd=session_repo)
    assert shown.returncode == 2
    assert f"fops: {path}: not a JSON object" in shown.stderr
    argocd.add_app("fractalops-api", OUT_OF_SYNC, [HEALTHY])
    argocd.add_app("fractalops-portal", OUT_OF_SYNC, [HEALTHY])
    deploy = fops_cmd("mode", "deploy", cwd=session_repo, env_extra=argocd.env())
    assert deploy.returncode == 2
    assert f"{path}: not a JSON object" in deploy.stderr
    assert argocd.requests == []
    assert mode_json(session_repo) == b'{"mode": "deployment", '


STAGING_TILTFILE = """\
    plane = build_plane("ops/infra/topology/lxc-pve-lab.yaml")
    runtime = image_build("runtime", context=".", dockerfile="docker/runtime.Dockerfile", plane=plane)
    portal = image_build("portal", context="portal", dockerfile="portal/Dockerfile", plane=plane)
    helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
                 namespace="fractalops-dev", image=runtime, autoscaling=(2, 6),
                 canonical=("fractalops-api", "fractalops"))
    helm_release("portal", release="fractalops-portal-dev", chart="charts/fractalops-portal",
                 namespace="fractalops-dev", image=portal, autoscaling=(1, 4),
                 canonical=("fractalops-portal", "fractalops"))
"""


def staging(repo, targets=(), build_only=False):
    (repo / "Tiltfile.py").write_text(textwrap.dedent(STAGING_TILTFILE))
    project = fops.load(str(repo / "Tiltfile.py"), mode="staging")
    return project, transitions.StagingTransition(project, targets, build_only=build_only)


def test_staging_is_build_only_by_default(fractalops_repo):  # noqa: F811
    project, transition = staging(fractalops_repo)
    assert "build only: no cluster step at all" in str(transition.plan())
    executor = testing.ScriptedExecutor()
    result = transition.execute(executor, reporter=None)
    assert result.ok, result.summary()
    tools = {call[0] for call in executor.calls}
    assert tools == {"buildah"}
    pushed = [c[-1] for c in executor.calls if c[:2] == ["buildah", "push"]] or \
             [c for c in executor.calls if "push" in c]
    assert pushed and all(":staging-" in " ".join(map(str, p)) for p in pushed)
    # Nothing was built for real: the recorded mode is untouched.
    assert not transitions.mode_state(project.state_dir).recorded


def test_staging_applies_live_only_to_named_targets_through_helm(fractalops_repo):  # noqa: F811
    project, transition = staging(fractalops_repo, ["runtime"])
    plan = str(transition.plan())
    assert ("apply the staging images to the canonical releases named as targets, through Helm "
            "only: fractalops-api (fractalops)") in plan
    executor = testing.ScriptedExecutor()
    assert transition.execute(executor, reporter=None).ok
    helm = [c for c in executor.calls if c[0] == "helm"]
    assert len(helm) == 1
    assert helm[0][:7] == ["helm", "upgrade", "--install", "fractalops-api", "charts/fractalops-api",
                           "--namespace", "fractalops"]
    assert any(a.startswith("image.tag=staging-") for a in helm[0])
    assert not any("portal" in " ".join(c) for c in executor.calls)

    _, build_only = staging(fractalops_repo, ["runtime"], build_only=True)
    executor = testing.ScriptedExecutor()
    assert build_only.execute(executor, force=True, reporter=None).ok
    assert {c[0] for c in executor.calls} == {"buildah"}


def test_a_simulated_staging_run_leaves_mode_json_unchanged(fractalops_repo):  # noqa: F811
    project, transition = staging(fractalops_repo, ["runtime"])
    fops._fops.save_mode_state(project.state_dir, "development", by="fops up")
    before = mode_json(fractalops_repo)
    executor = testing.ScriptedExecutor()
    assert executor.simulated
    result = transition.execute(executor, reporter=None)
    assert result.ok, result.summary()
    assert any(c[0] == "helm" for c in executor.calls)  # the run went as far as the live step
    assert mode_json(fractalops_repo) == before
    assert transitions.mode_state(project.state_dir).mode == "development"


def test_fops_mode_staging_cli_plans_and_refuses_beside_a_session(fractalops_repo):  # noqa: F811
    (fractalops_repo / "Tiltfile.py").write_text(textwrap.dedent(STAGING_TILTFILE))
    plan = fops_cmd("mode", "staging", "--plan", "portal", cwd=fractalops_repo)
    assert plan.returncode == 0, plan.stderr
    assert "fractalops-portal (fractalops)" in plan.stdout
    state_dir = fops._fops.state_dir_for(str(fractalops_repo))
    with fops._fops.SessionLock.acquire(state_dir, os.getpid(), "up", "Tiltfile.py"):
        refused = fops_cmd("mode", "staging", cwd=fractalops_repo)
    assert refused.returncode == 3
    assert f"this repo has a running session (fops up, PID {os.getpid()})" in refused.stderr


def test_tiltfile_sees_its_mode(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        local_resource("mode-" + current_mode(), cmd="true")
    """))
    assert fops.load(str(tmp_path / "Tiltfile.py")).resources[0].name == "mode-development"
    assert fops.load(str(tmp_path / "Tiltfile.py"), mode="staging").resources[0].name == "mode-staging"


def test_staging_targets_may_name_a_helm_release(fractalops_repo):  # noqa: F811
    _, transition = staging(fractalops_repo, ["portal"])
    assert transition.images == ["portal-image"]
    assert transition.live_targets == [("fractalops-portal", "fractalops")]
    (fractalops_repo / "Tiltfile.py").write_text(textwrap.dedent(STAGING_TILTFILE).replace(
        'canonical=("fractalops-portal", "fractalops")', "dev=True"))
    project = fops.load(str(fractalops_repo / "Tiltfile.py"), mode="staging")
    with pytest.raises(fops.PolicyError, match=r"helm_release\('portal'\) has no canonical="):
        transitions.StagingTransition(project, ["portal"])
    # Build-only never needs one.
    assert transitions.StagingTransition(project, ["portal"], build_only=True).images == ["portal-image"]


@pytest.mark.parametrize("call, message", [
    ('argocd_apps([])', "argocd_apps: argument 'apps': expected application names"),
    ('argocd_apps(["a", "a"])', "an application is listed twice"),
    ('argocd_apps(["a"], insecure="yes")', "argument 'insecure': expected True or False"),
    ('argocd_apps(["a"], timeout="soon")', "argument 'timeout': bad duration 'soon'"),
    ('guard_settings(dev_namespaces=[])', "guard_settings: guard: dev_namespaces: at least one"),
    ('guard_settings(dev_namespaces=["pr-7"])', "matches a preview namespace pattern"),
    ('guard_settings(colour="red")', "guard_settings: unexpected argument 'colour'"),
])
def test_mode_tiltfile_functions_check_their_arguments(tmp_path, call, message):
    (tmp_path / "Tiltfile.py").write_text(f"# line 1\n{call}\n")
    with pytest.raises(fops.ConfigError) as error:
        fops.load(str(tmp_path / "Tiltfile.py"))
    assert str(error.value).startswith(f"{tmp_path / 'Tiltfile.py'}:2: ")
    assert message in str(error.value)
