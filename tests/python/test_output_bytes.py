"""Bytes are not text: a command that prints bytes that are not UTF-8 (an
invalid pair, a multi-byte character cut short) never makes the Python API
raise UnicodeDecodeError. Results, summaries, observers and the executor's
own wait() give str with U+FFFD where the bytes were; the `fops` command
prints the bytes as they are, on the Python path and the native one."""
import os
import subprocess
import sys
import textwrap

import fops

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
# \377\376: not UTF-8 at all; \342\202: the first two bytes of "€", cut short.
SCRIPT = r"printf 'bin \377\376 end\n'; printf 'cut \342\202\n' >&2; exit 1"
TILTFILE = textwrap.dedent(f"""\
    local_resource("raw", cmd=r\"\"\"{SCRIPT}\"\"\")
    local_resource("after", cmd="true", resource_deps=["raw"])
""")
BIN = "bin \ufffd\ufffd end"
CUT = "cut \ufffd"


class Lines(fops.Observer):
    def __init__(self):
        super().__init__()
        self.lines = []
        self.results = []
        self.summaries = []

    def on_output(self, resource, stream, line):
        self.lines.append(line)

    def on_resource_finished(self, resource, result):
        self.results.append((result.reason, list(result.last_lines)))

    def on_run_finished(self, result):
        self.summaries.append(result.summary())


def test_results_and_observers_get_replacement_characters(tmp_path):
    observer = Lines()
    project = fops.Project(tiltfile=str(tmp_path / "Tiltfile.py"), root=str(tmp_path),
                           resources=[fops.Resource(name="raw", cmd=SCRIPT)])
    with fops.Engine(project, fops.ProcessExecutor(), observers=[observer]) as engine:
        result = engine.ci()
    assert sorted(observer.lines) == sorted([BIN, CUT])
    raw = result["raw"]
    assert raw.status == fops.ResourceStatus.FAILED
    assert sorted(raw.last_lines) == sorted([BIN, CUT])
    assert observer.results == [("exit 1", raw.last_lines)]
    summary = result.summary()
    assert f"raw │ {BIN}" in summary and f"raw │ {CUT}" in summary
    assert observer.summaries == [summary]
    assert BIN in fops.format_summary(result) and "raw" in repr(raw)


def test_the_executor_gives_replacement_characters_too():
    executor = fops.ProcessExecutor()
    executor.start(fops.CommandSpec(id=1, resource="raw", argv=["sh", "-c", SCRIPT]))
    lines = []
    while True:
        result, more = executor.wait(timeout=30)
        lines += [line for _, _, line in more]
        if result is not None:
            break
    assert sorted(lines) == sorted([BIN, CUT])


def test_the_command_prints_the_bytes_as_they_are(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(TILTFILE)
    env = dict(os.environ, FOPS_PLAN_CACHE="explain", FOPS_STATE_DIR=str(tmp_path / ".fops"))
    env.pop("CI", None)
    first = subprocess.run([FOPS, "ci"], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    second = subprocess.run([FOPS, "ci"], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert b"plan cache: used" in second.stderr, second.stderr
    for run in (first, second):
        assert run.returncode == 1, run.stderr
        assert b"raw \xe2\x94\x82 bin \xff\xfe end\n" in run.stdout
        assert b"raw \xe2\x94\x82 cut \xe2\x82\n" in run.stdout
        assert b"Traceback" not in run.stderr
