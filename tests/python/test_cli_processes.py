"""Real processes under the fops command: `fops up` stops every process it
started on SIGINT (grandchildren, a process that left its group, a
double-forked daemon), `fops down` stops a running `fops up` from another
process, and a second `fops up` in the same repo is refused. After a
`kill -9` of `fops up`, `fops down` or the next `fops up` stops what it left
running, and a serve resource whose port another process holds fails,
naming that process and leaving it alone."""
import os
import signal
import socket
import subprocess
import sys
import textwrap
import urllib.request

import pytest

from fixtures.ports import free_port
from fixtures.processes import alive, descendants, processes_with, wait_until

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


def listening(port):
    """Something accepts connections on 127.0.0.1:port (the kernel does, for
    a listening socket, even when the server behind it cannot answer)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def tagged_by(fops_pid):
    """Pids of live processes an executor of the fops process `fops_pid` tagged."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        for entry in env:
            if entry.startswith(b"FOPS_EXEC_TAG=") and any(
                    tag.startswith(f"{fops_pid}-".encode()) for tag in entry[14:].split(b",")):
                if alive(int(pid)):
                    found.append(int(pid))
    return found


def killed_session(repo):
    """Runs `fops up` serving HTTP, waits until it serves, kill -9s it.
    Returns (port, the fops pid, the server's pid)."""
    port = repo.write_server()
    up = repo.start("up")
    wait_until(lambda: answers(port), what="fops up to serve")
    children = descendants(up.pid)
    repo.seen |= children
    (server,) = [pid for pid in children if f"http.server {port}".encode() in
                 open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ")]
    records = os.listdir(repo.dir / "state" / "processes")
    assert len(records) == 1 and records[0].startswith(f"{up.pid}-")

    up.send_signal(signal.SIGKILL)
    up.wait(timeout=10)
    # Nothing stopped it: the server runs on, holding its port, unknown to
    # any fops. (It may no longer answer: its output pipe has no reader.)
    assert alive(server) and listening(port)
    return port, up.pid, server


def test_fops_down_stops_what_a_killed_fops_up_left_running(repo):
    port, fops_pid, server = killed_session(repo)

    down = repo.run("down")
    assert down.returncode == 0, down.stderr
    assert down.stdout == (
        "fops down: no fops session is running in this repo\n"
        f"fops down: stopped 1 process left by fops up (PID {fops_pid}), which did not exit "
        f"cleanly: PID {server} web (exec python3 -m http.server {port} --bind 127.0.0.1)\n")
    assert not alive(server)
    assert not listening(port)
    # No process of that session is left, by command line or by its tag.
    assert [pid for pid in processes_with(f"http.server {port}") if alive(pid)] == []
    assert tagged_by(fops_pid) == []
    assert not (repo.dir / "state" / "processes").exists()

    again = repo.run("down")
    assert again.stdout == "fops down: no fops session is running in this repo\n"


def test_the_next_fops_up_stops_the_leftover_and_serves_itself(repo):
    port, fops_pid, server = killed_session(repo)

    up = repo.start("up")
    wait_until(lambda: "web │ ✔ ready" in up.log.read_text(), what="the new fops up's server")
    repo.seen |= descendants(up.pid)
    log = up.log.read_text()
    assert (f"fops up: stopped 1 process left by fops up (PID {fops_pid}), which did not exit "
            f"cleanly: PID {server} web (exec python3 -m http.server {port} --bind 127.0.0.1)"
            in log), log
    assert not alive(server)
    # What answers now is the new session's own server.
    (new_server,) = [pid for pid in descendants(up.pid) if alive(pid)]
    assert new_server != server and answers(port)

    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=30) == 0, up.log.read_text()
    assert not alive(new_server)
    assert not (repo.dir / "state" / "processes").exists()


def test_a_port_another_process_holds_fails_the_serve_resource_naming_it(repo):
    port = repo.write_server()
    other = subprocess.Popen(["python3", "-m", "http.server", str(port), "--bind",
                              "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: answers(port), what="the unrelated server")
        ci = repo.run("ci")
        assert ci.returncode == 1, ci.stdout + ci.stderr
        # As /proc shows it: python3 may be a wrapper that execs the interpreter.
        with open(f"/proc/{other.pid}/cmdline", "rb") as f:
            command = f.read().rstrip(b"\0").replace(b"\0", b" ").decode()
        assert command.endswith(f"-m http.server {port} --bind 127.0.0.1")
        holder = f"PID {other.pid} ({command})"
        assert f"port {port} is already in use by {holder}" in ci.stdout, ci.stdout
        # Not ours to stop: it still runs and answers.
        assert other.poll() is None and answers(port)
    finally:
        other.terminate()
        other.wait(timeout=10)


def test_a_session_records_its_processes_only_under_this_process_s_lock(tmp_path, monkeypatch):
    """`fops mode staging` builds its executor elsewhere: the Session records
    for it because the run holds the repo's session lock; a run without the
    lock (a test, fops.testing) writes nothing in the state directory."""
    import json

    import fops
    from fops import _fops
    from fops.session import Session

    monkeypatch.setenv("FOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "Tiltfile.py").write_text('local_resource("hello", cmd="true")\n')
    project = fops.load(str(tmp_path / "Tiltfile.py"))

    unlocked = fops.ProcessExecutor()
    with Session(project, unlocked) as session:
        assert session.ci().ok
    assert not unlocked.recording and unlocked.process_record is None
    assert not (tmp_path / "state" / "processes").exists()

    with _fops.SessionLock.acquire(project.state_dir, os.getpid(), "mode staging",
                                   str(tmp_path / "Tiltfile.py")):
        locked = fops.ProcessExecutor()
        with Session(project, locked) as session:
            assert locked.recording
            assert os.path.dirname(locked.process_record) == \
                os.path.join(project.state_dir, "processes")
            assert session.ci().ok
            with open(locked.process_record) as f:
                header = json.loads(f.readline())
            assert header["owner"] == {"pid": os.getpid(), "command": "fops mode staging",
                                       "start_ticks": header["owner"]["start_ticks"]}
