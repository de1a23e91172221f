"""`fops trigger` against a real `fops up`: a manual resource runs on demand
(its output reaches fops up's stdout), an unknown name exits 1 naming the
defined resources, no session exits 2, and SIGINT to fops up removes the
control socket and leaves no child behind."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from fixtures.processes import alive, descendants, kill_tree, wait_until

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        local_resource("build", cmd="echo built")
        local_resource("seed", cmd="echo seeded by trigger",
                       trigger_mode=TRIGGER_MODE_MANUAL, resource_deps=["fixtures"])
        local_resource("fixtures", cmd="echo fixtures loaded", auto_init=False)
        local_resource("web", serve_cmd="echo $$ > web.pid; exec sleep 300", resource_deps=["build"])
    """))
    env = dict(os.environ, FOPS_STATE_DIR=str(tmp_path / "state"))
    env.pop("CI", None)
    started = []

    def start():
        log = open(tmp_path / "up.log", "w")
        process = subprocess.Popen([FOPS, "up"], cwd=tmp_path, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        started.append(process)
        return process

    def run(*args):
        return subprocess.run([FOPS, *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=60)

    yield tmp_path, start, run
    for process in started:  # leave nothing running, whatever the test did
        kill_tree(process)


def test_fops_trigger_runs_a_manual_resource_in_the_running_fops_up(repo):
    tmp_path, start, run = repo
    log = tmp_path / "up.log"
    socket_path = tmp_path / "state" / "session.sock"

    up = start()
    wait_until(lambda: "web │ ✔ ready" in log.read_text() and socket_path.exists(),
               what="fops up to be ready and listening")
    assert "seeded by trigger" not in log.read_text()  # manual: not run by itself
    children = descendants(up.pid)
    web_pid = int((tmp_path / "web.pid").read_text())
    assert web_pid in children

    triggered = run("trigger", "seed")
    assert triggered.returncode == 0, triggered.stderr
    assert triggered.stdout == "fops trigger: triggered seed\n"
    # Its dependency had not run yet (auto_init=False): it runs first.
    wait_until(lambda: "seed │ seeded by trigger" in log.read_text(),
               what="the triggered resource's output in fops up's stdout")
    text = log.read_text()
    assert "fixtures │ ▶ starting (triggered: needed by 'seed')" in text
    assert text.index("fixtures │ fixtures loaded") < text.index("seed │ seeded by trigger")
    assert "seed │ ▶ starting (triggered)" in text

    # Again: it runs once more, its dependency does not.
    assert run("trigger", "seed").returncode == 0
    wait_until(lambda: log.read_text().count("seed │ seeded by trigger") == 2,
               what="the second triggered run")
    assert log.read_text().count("fixtures │ fixtures loaded") == 1

    unknown = run("trigger", "sed")
    assert unknown.returncode == 1
    assert unknown.stdout == ""
    assert unknown.stderr == ("fops: unknown resource 'sed' (did you mean 'seed'?); "
                              "defined: build, seed, fixtures, web\n")

    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=30) == 0, log.read_text()
    assert not socket_path.exists()
    wait_until(lambda: not any(alive(pid) for pid in children), timeout=5,
               what=f"no process left of {sorted(children)}")
    assert not alive(web_pid)

    after = run("trigger", "seed")
    assert after.returncode == 2
    assert after.stderr == ("fops: no `fops up` session is running for Tiltfile.py; "
                            "start one with `fops up -f Tiltfile.py`\n")


def test_fops_trigger_for_another_tiltfile_in_the_repo_says_which_one_runs(repo):
    tmp_path, start, run = repo
    (tmp_path / "other.py").write_text('local_resource("x", cmd="true")\n')
    up = start()
    wait_until(lambda: (tmp_path / "state" / "session.sock").exists(), what="fops up to listen")
    other = run("trigger", "-f", "other.py", "x")
    assert other.returncode == 2
    assert other.stderr == (f"fops: the `fops up` session in this repo (PID {up.pid}) runs "
                            f"{tmp_path / 'Tiltfile.py'}, not other.py\n")
    up.send_signal(signal.SIGTERM)
    assert up.wait(timeout=30) == 0


def test_a_stop_signal_while_fops_up_starts_stops_it_cleanly(repo):
    # The session listens, then starts its web view and reloader, then its
    # run takes the signals over: a SIGTERM in between must stop it like one
    # during the run (exit 0, the socket gone, nothing left), not kill it.
    tmp_path, start, _ = repo
    up = start()
    sock = tmp_path / "state" / "session.sock"
    deadline = time.monotonic() + 20
    while not sock.exists():  # as soon as it listens, not 50 ms later
        assert time.monotonic() < deadline, "timed out waiting for fops up to listen"
        time.sleep(0.001)
    up.send_signal(signal.SIGTERM)
    assert up.wait(timeout=30) == 0
    assert "stopped by SIGTERM" in (tmp_path / "up.log").read_text()
    assert not sock.exists()
