"""What `fops up` does not re-run on, against real processes: files that
.tiltignore, a resource's ignore=, an image context's .dockerignore or the
state directory (.fops/) cover; and a command that writes inside its own
deps, which is paused with a message naming the file and the ignore that
stops it instead of running again and again. A person saving a file
several times in a row is not taken for such a command."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from fixtures.processes import kill_tree, wait_until

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")


@pytest.fixture
def up(tmp_path):
    """start(tiltfile) runs `fops up --no-web` in tmp_path/repo (its state in
    repo/.fops, inside the watched tree); runs() counts the lines the
    resources' commands append to tmp_path/runs (outside it)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    env = dict(os.environ)
    for name in ("FOPS_STATE_DIR", "CI"):
        env.pop(name, None)
    started = []

    class Session:
        root = repo
        log = tmp_path / "up.log"
        runs_file = tmp_path / "runs"

        def start(self, tiltfile):
            (repo / "Tiltfile.py").write_text(textwrap.dedent(tiltfile).replace(
                "RUNS", str(self.runs_file)))
            out = open(self.log, "w")
            process = subprocess.Popen([FOPS, "up", "--no-web"], cwd=repo, env=env, stdout=out,
                                       stderr=subprocess.STDOUT)
            started.append(process)
            return process

        def runs(self, name=None):
            if not self.runs_file.exists():
                return 0
            lines = self.runs_file.read_text().split()
            return len(lines) if name is None else lines.count(name)

        def text(self):
            return self.log.read_text()

        def fops(self, *args):
            return subprocess.run([FOPS, *args], cwd=repo, env=env, capture_output=True,
                                  text=True, timeout=60)

        def quiet_for(self, seconds):
            """The number of runs, once none has started for `seconds`."""
            seen = self.runs()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                time.sleep(0.05)
                if self.runs() != seen:
                    seen = self.runs()
                    deadline = time.monotonic() + seconds
            return seen

    yield Session()
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        kill_tree(process)


def write(path, text="x\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def status_of(session, name):
    answer = session.fops("status", "--json")
    assert answer.returncode == 0, answer.stderr
    return next(r for r in json.loads(answer.stdout)["resources"] if r["name"] == name)


def test_a_command_writing_into_its_own_deps_is_paused_naming_the_file_and_the_ignore(up):
    up.start("""\
        local_resource("gen", cmd="echo gen >> RUNS; date +%s%N > out/stamp.txt", deps=["."])
    """)
    write(up.root / "out" / "keep")
    wait_until(lambda: "gen │ ⏸ paused" in up.text(), what="gen to be paused")
    text = up.text()
    assert ("gen │ ⏸ paused: it re-triggered itself 3 times in a row by writing in its own "
            "deps: out/stamp.txt; add ignore=['out/stamp.txt'] to local_resource('gen') or the "
            "line out/stamp.txt to .tiltignore; an edit or `fops trigger gen` resumes it") in text
    # The initial run and two re-runs, then nothing: it does not loop.
    assert up.quiet_for(1.0) == 3
    assert text.count("gen │ ▶ starting") == 3

    # The status board says so: the table, the web view and `fops status` read it.
    gen = status_of(up, "gen")
    assert gen["state"] == "paused"
    assert gen["reason"].startswith("paused: it re-triggered itself 3 times in a row")
    table = up.fops("status")
    assert "paused" in table.stdout.splitlines()[2]

    # A person's edit resumes it (and it pauses again: the file is still not ignored).
    write(up.root / "notes.txt", "edited\n")
    wait_until(lambda: up.text().count("gen │ ⏸ paused") == 2, what="the second pause")
    assert up.quiet_for(1.0) == 6
    assert "gen │ ▶ starting (rebuilt: notes.txt changed)" in up.text()

    # So does a trigger.
    assert up.fops("trigger", "gen").returncode == 0
    wait_until(lambda: up.text().count("gen │ ⏸ paused") == 3, what="the third pause")
    assert up.quiet_for(1.0) == 9
    assert "gen │ ▶ starting (triggered)" in up.text()


def test_the_ignore_it_suggests_stops_the_loop(up):
    up.start("""\
        local_resource("gen", cmd="echo gen >> RUNS; date +%s%N > out/stamp.txt", deps=["."],
                       ignore=["out/stamp.txt"])
    """)
    write(up.root / "out" / "keep")
    wait_until(lambda: up.runs() >= 1, what="the first run")
    assert up.quiet_for(1.0) == 1
    assert "paused" not in up.text()
    write(up.root / "src.txt")
    wait_until(lambda: up.runs() == 2, what="a run for a real edit")


def test_a_person_saving_a_file_several_times_in_a_row_is_not_paused(up):
    # Each run takes 0.3 s; the saves come every 0.15 s, so after the first
    # one all land while it runs, and each asks for one more run.
    write(up.root / "src" / "app.py", "v0\n")
    up.start("""\
        local_resource("test", cmd="echo test >> RUNS; sleep 0.3", deps=["src"])
    """)
    wait_until(lambda: up.runs() == 1 and "test │ ✔ succeeded" in up.text(),
               what="the first run")
    # A person's first save comes a moment after the run, not within the
    # kernel's timestamp tick (4 ms) of its end, which no rule can tell apart.
    time.sleep(0.1)
    for i in range(8):
        write(up.root / "src" / "app.py", f"v{i + 1}\n")
        time.sleep(0.15)
    runs = up.quiet_for(1.0)
    assert runs >= 4, up.text()  # the saves were seen, a run after each run they overlapped
    assert "paused" not in up.text()
    assert status_of(up, "test")["state"] == "succeeded"


def test_tiltignore_and_the_state_dir_are_not_watched_and_a_real_edit_still_runs(up):
    write(up.root / ".tiltignore", textwrap.dedent("""\
        # outputs
        **/*.log
        build
        !build/keep.txt
    """))
    write(up.root / "build" / "obj" / "a.o")
    (up.root / "sub" / "deep").mkdir(parents=True)  # a new directory is a change itself
    up.start("""\
        local_resource("app", cmd="echo app >> RUNS", deps=["."])
    """)
    wait_until(lambda: up.runs() == 1, what="the first run")
    write(up.root / "server.log")
    write(up.root / "sub" / "deep" / "trace.log")
    write(up.root / "build" / "obj" / "a.o", "rebuilt\n")
    write(up.root / "build" / "new" / "b.o")
    write(up.root / ".fops" / "scratch.json", "{}\n")
    assert up.quiet_for(1.0) == 1, up.text()
    # `!` re-includes under an ignored directory, as in .dockerignore.
    write(up.root / "build" / "keep.txt")
    wait_until(lambda: up.runs() == 2, what="a run for the re-included file")
    assert "app │ ▶ starting (rebuilt: build/keep.txt changed)" in up.text()
    write(up.root / "main.c")
    wait_until(lambda: up.runs() == 3, what="a run for a real edit")
    assert "app │ ▶ starting (rebuilt: main.c changed)" in up.text()


def test_a_bad_tiltignore_pattern_stops_fops_up_naming_its_line(up):
    write(up.root / ".tiltignore", "dist\n[z-a]\n")
    process = up.start("""\
        local_resource("app", cmd="echo app >> RUNS", deps=["."])
    """)
    assert process.wait(timeout=60) == 2
    assert f"{up.root / '.tiltignore'}:2: ignore pattern \"[z-a]\"" in up.text()
    assert up.runs() == 0


def test_per_resource_ignore_applies_to_that_resource_only(up):
    up.start("""\
        local_resource("docs", cmd="echo docs >> RUNS", deps=["src"], ignore=["src/*.md"])
        local_resource("all", cmd="echo all >> RUNS", deps=["src"])
    """)
    write(up.root / "src" / "README.md")
    wait_until(lambda: up.runs("all") == 1 and up.runs("docs") == 1, what="the first runs")
    up.quiet_for(0.5)
    write(up.root / "src" / "README.md", "edited\n")
    wait_until(lambda: up.runs("all") == 2, what="'all' to run for the README")
    assert up.quiet_for(1.0) == 3 and up.runs("docs") == 1


PLANE = """\
version: 1
project: demo
registries:
  local:
    role: final
    host: 127.0.0.1:5999
    namespace: demo
stages:
  dev:
    tag: dev-{inputs}
targets:
  portal:
    context: portal
builder:
  buildctl: {}
"""


def test_an_image_contexts_dockerignore_is_not_watched(up):
    # The builder is not installed: each run of the image fails at once,
    # which is all the test needs to see when it runs.
    write(up.root / "plane.yaml", PLANE)
    write(up.root / "portal" / "Dockerfile", "FROM scratch\n")
    write(up.root / "portal" / ".dockerignore", "node_modules\n*.tmp\n")
    write(up.root / "portal" / "index.js", "1\n")
    write(up.root / "portal" / "node_modules" / "left.js")
    up.start("""\
        build_plane("plane.yaml")
        image_build("portal", builder="buildctl")
    """)
    starts = lambda: up.text().count("portal-image │ ▶ starting")  # noqa: E731
    wait_until(lambda: "portal-image │ ✘ failed" in up.text(), what="the first run")
    write(up.root / "portal" / "node_modules" / "left.js", "2\n")
    write(up.root / "portal" / "scratch.tmp")
    time.sleep(1.0)
    assert starts() == 1, up.text()
    write(up.root / "portal" / "index.js", "2\n")
    wait_until(lambda: starts() == 2, what="a run for the context's own file")
