"""The plan cache: `fops ci` with an unchanged Tiltfile runs in the native
command without Python, gives the same output and exit codes as a Python
load, and loads anew as soon as anything the Tiltfile read has changed.

Each test runs the real installed `fops` command; FOPS_PLAN_CACHE=explain
makes it say on stderr whether a plan was used or recorded, and why not."""
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

from fixtures.processes import processes_with

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
USED = "fops: plan cache: used"
RECORDED = "fops: plan cache: recorded"


def fops(*args, cwd, env=None, timeout=60, explain=True):
    full_env = dict(os.environ)
    full_env.pop("CI", None)
    full_env["FOPS_STATE_DIR"] = os.path.join(str(cwd), ".fops-state")
    if explain:
        full_env["FOPS_PLAN_CACHE"] = "explain"
    full_env.update(env or {})
    return subprocess.run([FOPS, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=full_env)


def write(path, text):
    path.write_text(textwrap.dedent(text))


def without_timings(text):
    """The text with durations as T and the table columns they widen squeezed."""
    return re.sub(r" +", " ", re.sub(r"\d+(\.\d+)?(µs|ms|s)\b", "T", text))


def without_cache_lines(text):
    return "".join(line for line in text.splitlines(True) if "plan cache" not in line)


def plans(tmp_path):
    return list((tmp_path / ".fops-state" / "plan-cache").glob("*.json"))


def test_second_run_uses_the_plan_and_prints_what_a_python_load_prints(tmp_path):
    write(tmp_path / "Tiltfile.py", """\
        print("loading the pipeline")
        local_resource("build", cmd="echo built > out.txt && echo building")
        local_resource("test", cmd=["cat", "out.txt"], resource_deps=["build"])
    """)
    first = fops("ci", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert RECORDED in first.stderr
    second = fops("ci", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert USED in second.stderr
    # The Tiltfile's own output is replayed; the run prints the same lines.
    assert second.stdout.startswith("loading the pipeline\n")
    assert without_timings(second.stdout) == without_timings(first.stdout)
    assert without_cache_lines(second.stderr) == without_cache_lines(first.stderr)
    assert "test │ built" in second.stdout


def test_failures_and_guard_refusals_exit_as_with_python(tmp_path):
    write(tmp_path / "Tiltfile.py", """\
        local_resource("ok", cmd="true")
        local_resource("broken", cmd="echo last words; exit 3", resource_deps=["ok"])
        local_resource("after", cmd="true", resource_deps=["broken"])
    """)
    first = fops("ci", cwd=tmp_path)
    second = fops("ci", cwd=tmp_path)
    assert USED in second.stderr
    assert first.returncode == second.returncode == 1
    assert "last words" in second.stdout
    assert without_timings(second.stdout) == without_timings(first.stdout)

    write(tmp_path / "Tiltfile.py", """\
        local_resource("deploy", cmd="kubectl -n fractalops-dev set image deploy/api api=x:1")
    """)
    first = fops("ci", cwd=tmp_path)
    second = fops("ci", cwd=tmp_path)
    assert USED in second.stderr
    # The guard refuses before anything runs: exit 3, naming the line and the rule.
    assert first.returncode == second.returncode == 3
    for run in (first, second):
        assert "Tiltfile.py:1: resource 'deploy': refused by guard rule kubectl-mutation" \
            in run.stderr
        # The full reason is one command away, from the native command as from Python.
        assert run.stderr.endswith("\nfops: `fops guard --explain kubectl-mutation`: why the "
                                   "rule exists and what to do instead\n")
        assert run.stdout == ""  # nothing started


def test_an_edit_to_the_tiltfile_or_a_module_it_imports_is_seen_at_once(tmp_path):
    (tmp_path / "settings.py").write_text("GREETING = 'one'\n")
    write(tmp_path / "Tiltfile.py", """\
        import settings
        local_resource("hello", cmd=["echo", settings.GREETING])
    """)
    assert fops("ci", cwd=tmp_path).returncode == 0
    assert "hello │ one" in fops("ci", cwd=tmp_path).stdout
    (tmp_path / "settings.py").write_text("GREETING = 'two'\n")  # same size, same second
    run = fops("ci", cwd=tmp_path)
    assert f"not used: {tmp_path / 'settings.py'} changed" in run.stderr
    assert "hello │ two" in run.stdout
    write(tmp_path / "Tiltfile.py", """\
        import settings
        local_resource("hello", cmd=["echo", settings.GREETING, "again"])
    """)
    run = fops("ci", cwd=tmp_path)
    assert f"not used: {tmp_path / 'Tiltfile.py'} changed" in run.stderr
    assert "hello │ two again" in run.stdout
    assert USED in fops("ci", cwd=tmp_path).stderr


def test_environment_files_and_directories_the_tiltfile_read_are_inputs(tmp_path):
    (tmp_path / "version.txt").write_text("1.0\n")
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "api").write_text("")
    write(tmp_path / "Tiltfile.py", """\
        import os
        version = open("version.txt").read().strip()
        flavour = os.environ.get("FLAVOUR", "plain")
        extra = "extra" if os.path.exists("extra.flag") else "no-extra"
        for name in sorted(os.listdir("services")):
            local_resource(name, cmd=["echo", version, flavour, extra, name])
    """)
    assert fops("ci", cwd=tmp_path).returncode == 0
    run = fops("ci", cwd=tmp_path, env={"UNRELATED": "x"})
    assert USED in run.stderr and "api │ 1.0 plain no-extra api" in run.stdout

    run = fops("ci", cwd=tmp_path, env={"FLAVOUR": "spicy"})
    assert "not used: $FLAVOUR changed" in run.stderr and "1.0 spicy" in run.stdout
    run = fops("ci", cwd=tmp_path, env={"FLAVOUR": "spicy"})
    assert USED in run.stderr

    (tmp_path / "version.txt").write_text("2.0\n")
    run = fops("ci", cwd=tmp_path, env={"FLAVOUR": "spicy"})
    assert "version.txt changed" in run.stderr and "2.0 spicy no-extra" in run.stdout

    (tmp_path / "extra.flag").write_text("")
    run = fops("ci", cwd=tmp_path, env={"FLAVOUR": "spicy"})
    assert "extra.flag changed" in run.stderr and "2.0 spicy extra api" in run.stdout

    (tmp_path / "services" / "web").write_text("")
    run = fops("ci", cwd=tmp_path, env={"FLAVOUR": "spicy"})
    assert f"{tmp_path / 'services'} changed" in run.stderr
    assert "web │ 2.0 spicy extra web" in run.stdout


def test_a_build_plane_read_by_the_library_is_an_input(tmp_path):
    source = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "fractalops",
                          "ops", "infra", "topology", "lxc-pve-lab.yaml")
    plane = tmp_path / "plane.yaml"
    plane.write_text(open(source).read())
    write(tmp_path / "Tiltfile.py", """\
        plane = build_plane("plane.yaml")
        local_resource("a", cmd=["echo", str(len(plane.registries))])
    """)
    assert RECORDED in fops("ci", cwd=tmp_path).stderr
    assert USED in fops("ci", cwd=tmp_path).stderr
    plane.write_text(plane.read_text() + "\n# reviewed\n")
    run = fops("ci", cwd=tmp_path)
    assert f"not used: {plane} changed" in run.stderr and run.returncode == 0


def test_loads_a_replay_could_not_repeat_are_not_recorded(tmp_path):
    cases = {
        "subprocess": ("import subprocess\nsubprocess.run(['true'])\n", "ran a command"),
        "write": ("open('generated.txt', 'w').write('x')\n", "wrote"),
        "whole env": ("import os\nnames = dict(os.environ)\n", "read the whole environment"),
        "env change": ("import os\nos.environ['X'] = '1'\n", "changed the environment"),
        "opt out": ("update_settings(plan_cache=False)\n", "update_settings(plan_cache=False)"),
        "failed import": ("try:\n    import no_such_module_here\nexcept ImportError:\n"
                          "    pass\n", "an import failed"),
    }
    for name, (code, why) in cases.items():
        case = tmp_path / name.replace(" ", "-")
        case.mkdir()
        (case / "Tiltfile.py").write_text(code + "local_resource('a', cmd='true')\n")
        run = fops("ci", cwd=case)
        assert run.returncode == 0, (name, run.stderr)
        assert f"not recorded: " in run.stderr and why in run.stderr, (name, run.stderr)
        assert plans(case) == [], name
        again = fops("ci", cwd=case)
        assert "no plan recorded" in again.stderr, name


def test_requests_differ_by_resources_args_and_file(tmp_path):
    write(tmp_path / "Tiltfile.py", """\
        config.define_bool("loud")
        cfg = config.parse()
        local_resource("a", cmd=["echo", "LOUD" if cfg.get("loud") else "quiet"])
        local_resource("b", cmd="true")
    """)
    assert "a │ quiet" in fops("ci", cwd=tmp_path).stdout
    run = fops("ci", "--", "--loud", cwd=tmp_path)
    assert "no plan recorded" in run.stderr and "a │ LOUD" in run.stdout
    run = fops("ci", "--", "--loud", cwd=tmp_path)
    assert USED in run.stderr and "a │ LOUD" in run.stdout
    assert "a │ quiet" in fops("ci", cwd=tmp_path).stdout
    assert len(plans(tmp_path)) == 2
    # Options that are not part of the load reuse the plan.
    run = fops("ci", "--max-parallel", "1", "--timeout", "5m", "--force", cwd=tmp_path)
    assert USED in run.stderr and run.returncode == 0


def test_what_the_native_command_does_not_read_goes_to_python(tmp_path):
    write(tmp_path / "Tiltfile.py", "local_resource('a', cmd='true')\n")
    fops("ci", cwd=tmp_path)
    help_run = fops("ci", "--help", cwd=tmp_path)
    assert help_run.returncode == 0 and "usage: fops ci" in help_run.stdout
    bad = fops("ci", "--max-parallel", "0", cwd=tmp_path)
    assert bad.returncode == 2 and "must be at least 1" in bad.stderr
    plan = fops("plan", cwd=tmp_path)
    assert plan.returncode == 0 and plan.stdout == "sh -c true\n"
    off = fops("ci", cwd=tmp_path, env={"FOPS_PLAN_CACHE": "0"})
    assert off.returncode == 0 and "plan cache" not in off.stderr


def test_a_damaged_plan_is_loaded_anew(tmp_path):
    write(tmp_path / "Tiltfile.py", "local_resource('a', cmd=['echo', 'fine'])\n")
    fops("ci", cwd=tmp_path)
    (plan,) = plans(tmp_path)
    plan.write_text('{"format": 1, "request": {')
    run = fops("ci", cwd=tmp_path)
    assert run.returncode == 0 and "a │ fine" in run.stdout
    assert "invalid JSON" in run.stderr and RECORDED in run.stderr
    assert USED in fops("ci", cwd=tmp_path).stderr


def test_plans_keep_no_secret_values(tmp_path):
    write(tmp_path / "Tiltfile.py", """\
        import os
        token = os.environ["DEPLOY_TOKEN"]
        local_resource("a", cmd="true", env={"HAS_TOKEN": "yes" if token else "no"})
    """)
    env = {"DEPLOY_TOKEN": "canary-7f3a9-secret"}
    assert fops("ci", cwd=tmp_path, env=env).returncode == 0
    (plan,) = plans(tmp_path)
    assert "canary-7f3a9-secret" not in plan.read_text()
    assert oct(plan.stat().st_mode & 0o777) == "0o600"
    assert USED in fops("ci", cwd=tmp_path, env=env).stderr
    rotated = fops("ci", cwd=tmp_path, env={"DEPLOY_TOKEN": "rotated"})
    assert "not used: $DEPLOY_TOKEN changed" in rotated.stderr
    assert "canary-7f3a9-secret" not in rotated.stdout + rotated.stderr


def test_sigint_stops_a_cached_run_and_leaves_no_process(tmp_path):
    marker = f"fops-plan-cache-{os.getpid()}-{time.monotonic_ns()}"
    child = "import time; time.sleep(30)"
    parent = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}, " \
             f"{marker!r}]); time.sleep(30)"
    write(tmp_path / "Tiltfile.py", f"""\
        local_resource("slow", cmd=[{sys.executable!r}, "-c", {parent!r}, {marker!r}])
    """)
    env = dict(os.environ, FOPS_STATE_DIR=str(tmp_path / ".fops-state"),
               FOPS_PLAN_CACHE="explain")
    env.pop("CI", None)
    # Record the plan with a quick variant of the same request, then restore it.
    subprocess.run([FOPS, "ci", "--timeout", "0.5"], cwd=tmp_path, env=env,
                   capture_output=True, timeout=30)
    process = subprocess.Popen([FOPS, "ci"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(processes_with(marker)) < 2:
        time.sleep(0.02)
    assert len(processes_with(marker)) == 2, "the command and its child never started"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=20)
    assert USED in stderr
    assert process.returncode == 130
    assert processes_with(marker) == []


def test_the_plan_names_its_request(tmp_path):
    write(tmp_path / "Tiltfile.py", "local_resource('a', cmd='true')\n")
    fops("ci", "a", cwd=tmp_path)
    (plan,) = plans(tmp_path)
    request = json.loads(plan.read_text())["request"]
    assert request == {"tiltfile": str(tmp_path / "Tiltfile.py"), "cwd": str(tmp_path),
                       "subcommand": "ci", "args": [], "resources": ["a"]}


def test_the_cache_keeps_the_32_plans_used_last(tmp_path):
    write(tmp_path / "Tiltfile.py", "local_resource('a', cmd=['echo', 'fine'])\n")
    assert RECORDED in fops("ci", cwd=tmp_path).stderr
    (used,) = plans(tmp_path)
    # Forty plans of other commands, all recorded before it (the plan itself
    # serves as their content: their requests differ from any run's).
    old = time.time() - 3600
    for n in range(40):
        other = used.with_name(f"{n:032x}.json")
        other.write_bytes(used.read_bytes())
        os.utime(other, (old + n, old + n))
    os.utime(used, (old - 60, old - 60))  # recorded first of all, then:
    assert USED in fops("ci", cwd=tmp_path).stderr  # used now
    recorded = fops("ci", "a", cwd=tmp_path)  # another command: a new plan
    assert RECORDED in recorded.stderr, recorded.stderr
    kept = {p.name for p in plans(tmp_path)}
    others = {f"{n:032x}.json" for n in range(40)}
    (new,) = kept - others - {used.name}
    # The ten plans used least recently are gone; the one used just now stays.
    assert kept == {used.name, new} | {f"{n:032x}.json" for n in range(10, 40)}
    assert USED in fops("ci", cwd=tmp_path).stderr
    assert USED in fops("ci", "a", cwd=tmp_path).stderr
