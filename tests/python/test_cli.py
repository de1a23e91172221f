"""The fops command: plan (exact output, dependency order), plan --json,
graph (DOT), ci (exit codes, summary naming failures and their last lines,
--timeout), config errors (exit 2, file:line), args after --, --help."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")


def fops(*args, cwd, timeout=60):
    env = dict(os.environ)
    env.pop("CI", None)
    env["FOPS_STATE_DIR"] = os.path.join(str(cwd), ".fops-state")
    return subprocess.run([FOPS, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def tiltfile(tmp_path, body, name="Tiltfile.py"):
    (tmp_path / name).write_text(textwrap.dedent(body))
    return tmp_path


PIPELINE = """\
    local_resource("test", cmd="pytest -q", resource_deps=["build"])
    local_resource("build", cmd=["make", "-j2", "app"])
    local_resource("web", serve_cmd=["python3", "-m", "http.server", "8000"], resource_deps=["build"])
    local_resource("lint", cmd="ruff check 'src dir'")
    local_resource("deploy", cmd="./deploy.sh", trigger_mode=TRIGGER_MODE_MANUAL)
    local_resource("e2e", cmd="npx playwright test", resource_deps=["web"], auto_init=False)
"""


def test_plan_prints_every_command_shell_quoted_in_dependency_order(tmp_path):
    run = fops("plan", cwd=tiltfile(tmp_path, PIPELINE))
    assert run.returncode == 0, run.stderr
    # build has the longest chain, so it starts first; manual and
    # auto_init=False resources are not part of the plan.
    assert run.stdout == (
        "make -j2 app\n"
        "sh -c 'ruff check '\\''src dir'\\'''\n"
        "sh -c 'pytest -q'\n"
        "python3 -m http.server 8000  # serve: web\n")
    assert run.stderr == ""


def test_plan_of_named_resources_includes_their_deps_only(tmp_path):
    run = fops("plan", "e2e", cwd=tiltfile(tmp_path, PIPELINE))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "make -j2 app", "python3 -m http.server 8000  # serve: web", "sh -c 'npx playwright test'"]


def test_plan_lines_read_back_as_the_same_argv(tmp_path):
    tiltfile(tmp_path, """\
        local_resource("odd", cmd=["printf", "%s|", "it's", "a b", "$HOME", ""])
    """)
    line = fops("plan", cwd=tmp_path).stdout.rstrip("\n")
    echo = subprocess.run(["sh", "-c", line], capture_output=True, text=True)
    assert echo.stdout == "it's|a b|$HOME||"


def test_plan_json_is_the_project(tmp_path):
    run = fops("plan", "--json", cwd=tiltfile(tmp_path, PIPELINE))
    assert run.returncode == 0, run.stderr
    project = json.loads(run.stdout)
    resources = {r["name"]: r for r in project["resources"]}
    assert list(resources) == ["test", "build", "web", "lint", "deploy", "e2e"]
    assert resources["test"]["cmd"] == "pytest -q"
    assert resources["build"]["cmd"] == ["make", "-j2", "app"]
    assert resources["web"]["serve_cmd"] == ["python3", "-m", "http.server", "8000"]
    assert resources["e2e"]["resource_deps"] == ["web"]
    assert resources["test"]["declared_at"]["line"] == 1


def test_plan_json_hides_secret_values(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_PASSWORD", "pw-canary-5521")
    tiltfile(tmp_path, """\
        import os
        local_resource("push", cmd="login --password " + os.environ["REGISTRY_PASSWORD"],
                       env={"DEPLOY_TOKEN": "tok-canary-8812", "LOG_LEVEL": "debug"})
    """)
    run = fops("plan", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "pw-canary-5521" not in run.stdout and "tok-canary-8812" not in run.stdout
    resource = json.loads(run.stdout)["resources"][0]
    assert resource["env"] == {"DEPLOY_TOKEN": "[REDACTED]", "LOG_LEVEL": "debug"}
    assert resource["cmd"] == "login --password [REDACTED]"


def test_graph_prints_dot(tmp_path):
    run = fops("graph", cwd=tiltfile(tmp_path, PIPELINE))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("digraph fops {")
    assert '"build" -> "test";' in run.stdout
    assert '"build" -> "web";' in run.stdout
    assert '"web" -> "e2e";' in run.stdout
    only = fops("graph", "test", cwd=tmp_path).stdout
    assert '"build" -> "test";' in only and '"web"' not in only


def summary_rows(stdout):
    """{resource: row} of the summary table (up to its first blank line)."""
    table = stdout[stdout.index("RESOURCE"):].split("\n\n")[0]
    return {line.split()[0]: line for line in table.splitlines()[1:]}


def test_ci_runs_real_commands_and_exits_0(tmp_path):
    tiltfile(tmp_path, """\
        local_resource("gen", cmd="echo generated > out.txt")
        local_resource("check", cmd=["grep", "-q", "generated", "out.txt"], resource_deps=["gen"])
    """)
    run = fops("ci", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "out.txt").read_text() == "generated\n"
    header = run.stdout[run.stdout.index("RESOURCE"):].splitlines()[0]
    assert header.split() == ["RESOURCE", "STATUS", "DURATION", "REASON"]
    rows = summary_rows(run.stdout)
    assert rows["gen"].split()[1] == "succeeded"
    assert rows["check"].split()[1] == "succeeded"


def test_ci_prints_output_with_tilts_prefix(tmp_path):
    tiltfile(tmp_path, 'local_resource("api", cmd="echo listening")\n')
    run = fops("ci", cwd=tmp_path)
    assert "          api │ listening\n" in run.stdout


def test_ci_failure_names_the_resource_and_its_last_lines_and_exits_1(tmp_path):
    tiltfile(tmp_path, """\
        local_resource("build", cmd="echo compiling; echo 'error: x.c:3: boom' >&2; exit 2")
        local_resource("test", cmd="echo never", resource_deps=["build"])
        local_resource("docs", cmd="true")
    """)
    run = fops("ci", cwd=tmp_path)
    assert run.returncode == 1
    rows = summary_rows(run.stdout)
    assert rows["build"].split()[1] == "failed" and "exit 2" in rows["build"]
    assert rows["test"].split()[1] == "blocked"
    assert rows["docs"].split()[1] == "succeeded"
    summary = run.stdout[run.stdout.index("RESOURCE"):]
    failure = summary[summary.index("build failed"):]
    assert "error: x.c:3: boom" in failure
    assert "never" not in run.stdout


def test_ci_timeout_stops_the_run_and_fails(tmp_path):
    tiltfile(tmp_path, 'local_resource("slow", cmd="sleep 30")\n')
    run = fops("ci", "--timeout", "1s", cwd=tmp_path)
    assert run.returncode == 1
    assert "timed out" in run.stdout


def test_ci_selects_named_resources_with_their_deps(tmp_path):
    tiltfile(tmp_path, """\
        local_resource("a", cmd="echo ran-a")
        local_resource("b", cmd="echo ran-b", resource_deps=["a"])
        local_resource("c", cmd="echo ran-c")
    """)
    run = fops("ci", "b", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ran-a" in run.stdout and "ran-b" in run.stdout and "ran-c" not in run.stdout


def test_args_after_double_dash_reach_config_parse(tmp_path):
    tiltfile(tmp_path, """\
        config.define_bool("worker")
        cfg = config.parse()
        local_resource("api", cmd="echo api")
        if cfg.get("worker"):
            local_resource("worker", cmd="echo worker-ran")
    """)
    assert "worker-ran" not in fops("ci", cwd=tmp_path).stdout
    assert "worker-ran" in fops("ci", "--", "--worker", cwd=tmp_path).stdout
    bad = fops("ci", "--", "--wroker", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr == ("fops: Tiltfile.py:2: config.parse: unknown flag --wroker "
                          "(did you mean --worker?) (defined: --worker)\n")


def test_a_bad_tiltfile_exits_2_with_file_and_line(tmp_path):
    tiltfile(tmp_path, """\
        local_resource("api", cmd="make api", resource_deps=["portal"])
        local_resource("portal", cmd="make portal", resource_deps=["api"])
    """)
    for command in ("ci", "plan", "graph", "up"):
        run = fops(command, cwd=tmp_path)
        assert run.returncode == 2, command
        assert run.stderr == "fops: Tiltfile.py:1: dependency cycle: api -> portal -> api\n"
        assert run.stdout == ""


def test_file_flag_and_missing_tiltfile(tmp_path):
    tiltfile(tmp_path, 'local_resource("x", cmd="echo from-other")\n', name="other.py")
    assert fops("ci", "-f", "other.py", cwd=tmp_path).returncode == 0
    missing = fops("ci", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith("fops: Tiltfile.py: no such Tiltfile")


@pytest.mark.parametrize("command", ["ci", "up", "down", "plan", "graph"])
def test_every_command_has_help(tmp_path, command):
    run = fops(command, "--help", cwd=tmp_path)
    assert run.returncode == 0
    assert run.stdout.startswith(f"usage: fops {command}")
    assert "-f FILE" in run.stdout


def test_unknown_command_is_a_usage_error(tmp_path):
    run = fops("deploy", cwd=tmp_path)
    assert run.returncode == 2
    assert "invalid choice" in run.stderr


@pytest.mark.parametrize("argv", [["ci"], ["ci", "api"], ["ci", "api", "web", "api"]])
def test_ci_without_options_is_parsed_as_the_parser_parses_it(argv):
    # `fops ci [RESOURCE ...]` skips building the parser (start-up); what it
    # gets must be what the parser would give, default for default.
    from fops import cli, commands

    quick = commands.quick_args(argv)
    assert quick is not None
    assert vars(quick) == vars(cli.build_parser("ci").parse_args(argv))


@pytest.mark.parametrize("argv", [["ci", "-f", "x.py"], ["ci", "--force"], ["ci", "--help"],
                                  ["plan"], ["--help"], []])
def test_any_option_goes_to_the_parser(argv):
    from fops import commands

    assert commands.quick_args(argv) is None
