"""Secrets stay secret everywhere: canary values set in the environment
(a secret-looking variable) and in a Tiltfile's env= (a secret-looking
name), echoed by real commands to stdout and stderr, in the output of a
failure and in reasons, never appear in what fops prints, returns, hands a
Python observer, raises, or writes under .fops/ — on the Python path, on
the native plan-cache path, and through fops.testing. The commands still
get the real values.

A Tiltfile that writes a secret value into env= is never recorded in the
plan cache (FOPS_PLAN_CACHE=explain says where the value was); one that
reads it from the environment is, as a reference to the variable, and the
native command replays it."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

import fops
from fops import testing as fops_testing
from fops.errors import ConfigError
from fops.session import Session
from fixtures.telemetry_run import fops_env

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
ENV_CANARY = "canary-env-4b8e1f"      # FOPS_TEST_API_TOKEN in the environment
LITERAL_CANARY = "canary-lit-7c2d90"  # written in the Tiltfile: env={"API_TOKEN": ...}
VALUE_CANARY = "canary-val-31e5aa"    # FOPS_TEST_PLAIN_VALUE, a name that does not look secret
CANARIES = (ENV_CANARY, LITERAL_CANARY, VALUE_CANARY)

# Every way a Tiltfile can put a secret written in it into what fops shows:
# output (stdout and stderr) of a failure, a step's command in its reason,
# an image build's values in what the update gate stores.
LITERAL_TILTFILE = textwrap.dedent(f"""\
    from fops.tiltfile import *
    from fops import _fops, context

    TOKEN = "{LITERAL_CANARY}"
    local_resource(
        "leaky",
        cmd='test "$API_TOKEN" = {LITERAL_CANARY} && echo the command has the real value; '
            'echo out $API_TOKEN $FOPS_TEST_API_TOKEN; '
            'echo err $API_TOKEN $FOPS_TEST_API_TOKEN >&2; exit 3',
        env={{"API_TOKEN": TOKEN}})
    context.current().add(_fops.Resource(
        name="steps", cmd="true", then_cmds=["echo push " + TOKEN + "; exit 4"]))
    context.current().add(_fops.Resource(
        name="image", kind="image", cmd="echo building image",
        inputs=_fops.UpdateInputs(paths=["src"], values={{"target": "t-" + TOKEN}})))
""")

# The same secrets read from the environment: a plan the native command replays.
ENVIRONMENT_TILTFILE = textwrap.dedent("""\
    import os
    from fops.tiltfile import *

    local_resource(
        "leaky",
        cmd='test "$API_TOKEN" = "$FOPS_TEST_PLAIN_VALUE" && echo the command has the real value; '
            'echo out $API_TOKEN $FOPS_TEST_API_TOKEN; '
            'echo err $DEPLOY_PASSWORD >&2; exit 3',
        env={"API_TOKEN": os.environ["FOPS_TEST_PLAIN_VALUE"],
             "DEPLOY_PASSWORD": os.environ["FOPS_TEST_API_TOKEN"]})
    local_resource("fine", cmd="echo fine $API_TOKEN", env={"API_TOKEN": os.environ["FOPS_TEST_PLAIN_VALUE"]})
""")


def environment(tmp_path, **more):
    env = fops_env(FOPS_TEST_API_TOKEN=ENV_CANARY, FOPS_TEST_PLAIN_VALUE=VALUE_CANARY,
                   FRACTALOPS_BUILD_EVENTS_JSONL="true", FOPS_PLAN_CACHE="explain",
                   FOPS_STATE_DIR=str(tmp_path / ".fops"))
    env.update(more)
    return env


def run_fops(tmp_path, env):
    return subprocess.run([FOPS, "ci"], cwd=tmp_path, env=env, capture_output=True, timeout=120)


def assert_no_canary(where, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for canary in CANARIES:
        assert canary not in text, f"{canary} in {where}:\n{text}"


def assert_state_has_no_canary(state_dir):
    """Walks every file fops wrote under the state directory."""
    files = [os.path.join(d, name) for d, _, names in os.walk(state_dir) for name in names]
    assert files
    for path in files:
        with open(path, "rb") as f:
            assert_no_canary(path, f.read())
    return files


def prepare(tmp_path, tiltfile):
    (tmp_path / "Tiltfile.py").write_text(tiltfile)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hi')\n")


def test_a_secret_written_in_the_tiltfile_stays_secret_and_is_never_cached(tmp_path):
    prepare(tmp_path, LITERAL_TILTFILE)
    env = environment(tmp_path)
    first = run_fops(tmp_path, env)
    second = run_fops(tmp_path, env)
    for run in (first, second):
        assert run.returncode == 1, run.stderr
        assert_no_canary("stdout", run.stdout)
        assert_no_canary("stderr", run.stderr)
        stdout = run.stdout.decode()
        assert "the command has the real value" in stdout
        assert "leaky │ out [REDACTED] [REDACTED]" in stdout
        assert "leaky │ err [REDACTED] [REDACTED]" in stdout
        assert "echo push [REDACTED]; exit 4: exit 4" in stdout
        # Never recorded, so the second run loads in Python too.
        assert ("fops: plan cache: not recorded: the plan would hold a secret value "
                "(project.resources[0].cmd)") in run.stderr.decode()
    assert "image │ ✔ up to date" in second.stdout.decode()
    files = assert_state_has_no_canary(tmp_path / ".fops")
    assert '"target": "t-[REDACTED] (xxh128:' in (tmp_path / ".fops" / "images" / "image.json").read_text()
    assert not (tmp_path / ".fops" / "plan-cache").exists() or \
        not os.listdir(tmp_path / ".fops" / "plan-cache")
    events = (tmp_path / ".fops" / "events.jsonl").read_text()
    assert "[REDACTED]" in events and str(tmp_path / ".fops" / "events.jsonl") in files


def test_a_secret_read_from_the_environment_stays_secret_on_the_native_path(tmp_path):
    prepare(tmp_path, ENVIRONMENT_TILTFILE)
    env = environment(tmp_path)
    first = run_fops(tmp_path, env)
    assert b"fops: plan cache: recorded" in first.stderr, first.stderr
    second = run_fops(tmp_path, env)
    assert b"fops: plan cache: used" in second.stderr, second.stderr
    for run in (first, second):
        assert run.returncode == 1, run.stderr
        assert_no_canary("stdout", run.stdout)
        assert_no_canary("stderr", run.stderr)
        stdout = run.stdout.decode()
        assert "leaky │ the command has the real value" in stdout
        assert "leaky │ out [REDACTED] [REDACTED]" in stdout
        assert "leaky │ err [REDACTED]" in stdout
        assert "fine │ fine [REDACTED]" in stdout
    assert_state_has_no_canary(tmp_path / ".fops")
    (plan,) = (tmp_path / ".fops" / "plan-cache").glob("*.json")
    assert "FOPS_TEST_PLAIN_VALUE" in plan.read_text()  # a reference, not the value
    assert (tmp_path / ".fops" / "events.jsonl").read_text().count("session.started") == 2

    # The native command's own messages are masked too: a plan (edited by
    # hand, as nothing else can) that selects an unknown resource.
    doc = json.loads(plan.read_text())
    doc["selection"] = ["no-such-" + ENV_CANARY]
    plan.write_text(json.dumps(doc))
    refused = run_fops(tmp_path, env)
    assert b"fops: plan cache: used" in refused.stderr
    assert refused.returncode == 2, refused.stderr
    assert b"unknown resource 'no-such-[REDACTED]'" in refused.stderr
    assert_no_canary("stderr", refused.stderr)

    # A rotated secret is a changed input: loaded anew, with the new value.
    rotated = run_fops(tmp_path, environment(tmp_path, FOPS_TEST_PLAIN_VALUE="canary-val-rotated"))
    assert b"not used: $FOPS_TEST_PLAIN_VALUE changed" in rotated.stderr
    assert b"leaky \xe2\x94\x82 the command has the real value" in rotated.stdout
    assert b"canary-val-rotated" not in rotated.stdout


class Everything(fops.Observer):
    """Writes down every argument of every callback, as text."""

    def __init__(self):
        super().__init__()
        self.lines = []
        self.text = []

    def _note(self, *values):
        for value in values:
            if isinstance(value, fops.Resource):
                self.text.append(f"{value.name} {value.cmd} {value.then_cmds} {dict(value.env)} "
                                 f"{value.inputs.produces} {dict(value.inputs.values)}")
            elif isinstance(value, fops.CommandSpec):
                self.text.append(f"{list(value.argv)} {dict(value.env)} {value.dir}")
            elif isinstance(value, fops.ResourceResult):
                self.text.append(f"{value.reason} {list(value.last_lines)} {value!r}")
            elif isinstance(value, fops.RunResult):
                self.text.append(f"{value.error} {value.summary()} {value!r}")
            else:
                self.text.append(str(value))

    def on_resource_started(self, resource, reason):
        self._note(resource, reason)

    def on_command_started(self, resource, spec):
        self._note(resource, spec)

    def on_output(self, resource, stream, line):
        self.lines.append(line)
        self._note(resource, line)

    def on_resource_finished(self, resource, result):
        self._note(resource, result)

    def on_run_finished(self, result):
        self._note(result)


def result_text(result):
    parts = [result.error, result.summary(), repr(result)]
    for r in result.resources:
        parts += [r.name, r.reason, repr(r), *r.last_lines]
    return "\n".join(parts)


def test_python_observers_results_and_errors_never_hold_a_secret(tmp_path, monkeypatch):
    prepare(tmp_path, LITERAL_TILTFILE)
    for name, value in environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    project = fops.load("Tiltfile.py")
    observer = Everything()
    with Session(project, fops.ProcessExecutor(), observers=[observer]) as session:
        result = session.ci()
    assert not result.ok
    assert "the command has the real value" in result["leaky"].last_lines
    assert "out [REDACTED] [REDACTED]" in observer.lines
    assert "err [REDACTED] [REDACTED]" in observer.lines
    assert_no_canary("the RunResult", result_text(result))
    assert_no_canary("the observer", "\n".join(observer.text))
    assert "{'API_TOKEN': '[REDACTED]'}" in "\n".join(observer.text)
    # The project itself still holds the value the command needs.
    assert project.resources[0].env["API_TOKEN"] == LITERAL_CANARY

    # Errors name what was asked for, masked.
    with pytest.raises(ConfigError) as error:
        fops.Engine(project, fops.DryRunExecutor(), resources=["no-such-" + LITERAL_CANARY])
    assert "no-such-[REDACTED]" in str(error.value)
    assert_no_canary("the error", str(error.value))

    # fops.testing: scripted output holding both secrets.
    scripted = fops_testing.ScriptedExecutor()
    scripted.rule("*", exit_code=2, output=[f"leak {LITERAL_CANARY}", f"env {ENV_CANARY}"])
    seen = Everything()
    tested = fops_testing.run_tiltfile("Tiltfile.py", scripted, observers=[seen])
    assert tested["leaky"].last_lines == ["leak [REDACTED]", "env [REDACTED]"]
    assert_no_canary("the fops.testing result", result_text(tested))
    assert_no_canary("the fops.testing observer", "\n".join(seen.text))
    # The scripted executor was asked to run the real command.
    assert scripted.specs[0].env["API_TOKEN"] == LITERAL_CANARY
    assert_state_has_no_canary(tmp_path / ".fops")
