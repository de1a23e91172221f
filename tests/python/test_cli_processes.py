"""Real processes under the fops command: `fops up` stops every process it
started on SIGINT (grandchildren, a process that left its group, a
double-forked daemon), `fops down` stops a running `fops up` from another
process, and a second `fops up` in the same repo is refused."""
import os
import signal
import subprocess
import sys
import textwrap
import urllib.request

import pytest

from fixtures.ports import free_port
from fixtures.processes import alive, descendants, wait_until

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")

SERVE = """\
import http.server, os, subprocess, sys

pidfile, port = sys.argv[1], int(sys.argv[2])
def record(pid):
    with open(pidfile, "a") as f:
        f.write(f"{pid}\\n")

record(os.getpid())
record(subprocess.Popen(["sleep", "300"]).pid)                          # same process group
record(subprocess.Popen(["sleep", "301"], start_new_session=True).pid)  # left the group
child = os.fork()
if child == 0:                      # a daemon: double fork, new session, parent exits
    if os.fork() == 0:
        os.setsid()
        record(os.getpid())
        os.execvp("sleep", ["sleep", "302"])
    os._exit(0)
os.waitpid(child, 0)
http.server.HTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def answers(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class Repo:
    """A Tiltfile in a temporary directory with its own state directory."""

    def __init__(self, tmp_path):
        self.dir = tmp_path
        self.env = dict(os.environ, FOPS_STATE_DIR=str(tmp_path / "state"))
        self.env.pop("CI", None)
        self.started = []
        self.seen = set()  # pids a test saw; killed at the end if still alive

    def write(self, body):
        (self.dir / "Tiltfile.py").write_text(textwrap.dedent(body))

    def write_server(self):
        """A Tiltfile serving HTTP on a free port; returns the port."""
        port = free_port()
        self.write(f"""\
            local_resource("web", serve_cmd="exec python3 -m http.server {port} --bind 127.0.0.1",
                           readiness_probe=probe(http_get=http_get_action({port})))
        """)
        return port

    def start(self, *args):
        out = open(self.dir / f"up-{len(self.started)}.log", "w")
        process = subprocess.Popen([FOPS, *args], cwd=self.dir, env=self.env, stdout=out,
                                   stderr=subprocess.STDOUT)
        process.log = self.dir / f"up-{len(self.started)}.log"
        self.started.append(process)
        return process

    def run(self, *args, timeout=60):
        return subprocess.run([FOPS, *args], cwd=self.dir, env=self.env, capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture
def repo(tmp_path):
    r = Repo(tmp_path)
    yield r
    for process in r.started:  # leave nothing running, whatever the test did
        r.seen |= descendants(process.pid)
    for pid in r.seen:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    for process in r.started:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_sigint_to_fops_up_leaves_no_process_behind(repo, tmp_path):
    port = free_port()
    pidfile = tmp_path / "pids"
    (tmp_path / "serve.py").write_text(SERVE)
    repo.write(f"""\
        local_resource("build", cmd="echo built")
        local_resource("web", serve_cmd=["python3", "serve.py", "{pidfile}", "{port}"],
                       resource_deps=["build"],
                       readiness_probe=probe(http_get=http_get_action({port})))
    """)
    up = repo.start("up")
    wait_until(lambda: pidfile.exists() and len(pidfile.read_text().split()) == 4 and answers(port),
               what="the server and its children")
    seen = set(int(p) for p in pidfile.read_text().split()) | descendants(up.pid)
    repo.seen |= seen
    assert len(seen) >= 4 and all(alive(pid) for pid in seen)

    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=30) == 0, up.log.read_text()
    wait_until(lambda: not any(alive(pid) for pid in seen), timeout=5,
               what=f"no process left of {sorted(seen)}")
    log = up.log.read_text()
    assert "stopped by SIGINT" in log
    assert not answers(port)


def test_fops_down_stops_a_running_fops_up(repo):
    port = repo.write_server()
    up = repo.start("up")
    wait_until(lambda: answers(port), what="fops up to serve")
    children = descendants(up.pid)
    repo.seen |= children

    down = repo.run("down")
    assert down.returncode == 0, down.stderr
    assert down.stdout == f"fops down: stopped fops up (PID {up.pid})\n"
    # `fops down` returns once the session is over: nothing it started is left.
    assert up.wait(timeout=5) == 0
    assert not any(alive(pid) for pid in children)
    assert "stopped by SIGTERM" in up.log.read_text()

    again = repo.run("down")
    assert again.returncode == 0
    assert again.stdout == "fops down: no fops session is running in this repo\n"


def test_a_second_fops_up_in_the_same_repo_is_refused_with_the_holders_pid(repo):
    port = repo.write_server()
    first = repo.start("up")
    wait_until(lambda: answers(port), what="the first fops up to serve")

    second = repo.run("up")
    assert second.returncode == 3
    assert f"PID {first.pid}" in second.stderr
    assert second.stderr.startswith("fops: another fops session holds this repo")
    assert first.poll() is None  # the first session is untouched

    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
