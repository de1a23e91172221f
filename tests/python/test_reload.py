"""`fops up` reloads its Tiltfile, as Tilt does, with real processes: an
edited Tiltfile starts an added serve resource, stops a removed one,
restarts a changed one (a new pid) and leaves an unchanged one running (the
same pid throughout); a Tiltfile that does not load (a syntax error, a bad
argument) changes nothing and its file:line stays shown (log, `fops status
--json`) until a good load applies; a reload adding a command the guard
refuses never runs it and names the rule; an edit of a helper module the
Tiltfile imports, or of a YAML file it reads, reloads too."""
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from fixtures.processes import alive, kill_tree, wait_until

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")

SERVE = 'serve_cmd="echo $$ > {name}.pid; exec sleep {seconds}"'


def serve(name, seconds=300, extra=""):
    """A serve resource whose process writes its pid to NAME.pid."""
    return (f'local_resource("{name}", ' + SERVE.format(name=name, seconds=seconds) +
            (f", {extra}" if extra else "") + ")\n")


@pytest.fixture
def session(tmp_path):
    # bin/ first on PATH: where a test puts a stand-in for a tool.
    env = dict(os.environ, FOPS_STATE_DIR=str(tmp_path / "state"),
               PATH=f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    env.pop("CI", None)
    started = []

    def start():
        log = open(tmp_path / "up.log", "w")
        process = subprocess.Popen([FOPS, "up", "--no-web"], cwd=tmp_path, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        started.append(process)
        return process

    def status():
        out = subprocess.run([FOPS, "status", "--json"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    yield tmp_path, start, status
    for process in started:  # leave nothing running, whatever the test did
        kill_tree(process)


def write(path, text):
    """Replaces a file as an editor does: a new file renamed over the old."""
    tmp = path.with_name(path.name + ".tmp~")
    tmp.write_text(textwrap.dedent(text))
    os.replace(tmp, path)


def pid(root, name):
    text = (root / f"{name}.pid").read_text().strip() if (root / f"{name}.pid").exists() else ""
    return int(text) if text else 0


def started(root, *names):
    """Waits for each server to have written its pid (it is "ready" at once:
    no probe), and returns the pids."""
    wait_until(lambda: all(pid(root, name) for name in names), what=f"pids of {names}")
    return [pid(root, name) for name in names]


def log(root):
    return (root / "up.log").read_text()


def stop(up, root):
    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=30) == 0, log(root)


def test_added_start_removed_stop_changed_restart_unchanged_keep_running(session):
    root, start, status = session
    write(root / "Tiltfile.py", serve("keep") + serve("gone") + serve("change"))
    up = start()
    wait_until(lambda: log(root).count("✔ ready") == 3, what="three servers ready")
    keep, gone, change = started(root, "keep", "gone", "change")
    assert alive(keep) and alive(gone) and alive(change)

    # A line added on top moves "keep" down: where it is declared does not count.
    write(root / "Tiltfile.py", "# reordered\n" + serve("keep") + serve("change", 301) +
          serve("fresh"))
    wait_until(lambda: "fops: reloaded Tiltfile.py: added fresh; changed change; removed gone"
               in log(root), what="the reload line")
    wait_until(lambda: pid(root, "fresh") and pid(root, "change") not in (0, change),
               what="the added server and the restarted one")
    wait_until(lambda: not alive(gone), timeout=10, what="the removed server to stop")
    assert not alive(change)  # the old process of the changed one is gone
    assert alive(pid(root, "change")) and alive(pid(root, "fresh"))
    assert pid(root, "keep") == keep and alive(keep)  # never restarted
    assert "change │ ▶ starting (reloaded: definition changed)" in log(root)
    assert "fresh │ ▶ starting (reloaded: new resource)" in log(root)
    names = [r["name"] for r in status()["resources"]]
    assert names == ["keep", "change", "fresh"]
    assert status()["reload"]["error"] == ""
    assert status()["reload"]["summary"] == "added fresh; changed change; removed gone"

    stop(up, root)
    assert pid(root, "keep") == keep
    for name in ("keep", "change", "fresh"):
        assert not alive(pid(root, name))


def test_a_tiltfile_that_does_not_load_keeps_the_old_project_and_shows_where(session):
    root, start, status = session
    write(root / "Tiltfile.py", serve("web"))
    up = start()
    wait_until(lambda: "web │ ✔ ready" in log(root), what="web ready")
    web, = started(root, "web")

    # A syntax error: its line, and web keeps running.
    write(root / "Tiltfile.py", serve("web") + "local_resource(\"api\", cmd=\n")
    wait_until(lambda: "fops: Tiltfile.py not reloaded (the last good load keeps running):"
               in log(root), what="the load error")
    assert "Tiltfile.py:2: syntax error" in log(root)
    error = status()["reload"]["error"]
    assert error.startswith("Tiltfile.py:2: syntax error"), error
    assert alive(web) and pid(root, "web") == web

    # A bad argument: named with its line, still nothing changes.
    write(root / "Tiltfile.py", serve("web") + serve("api", extra="serve_dir=3"))
    wait_until(lambda: "Tiltfile.py:2:" in status()["reload"]["error"] and
               "serve_dir" in status()["reload"]["error"], what="the argument error")
    assert [r["name"] for r in status()["resources"]] == ["web"]
    assert not (root / "api.pid").exists()
    assert alive(web)

    # Fixed: applied, and the error is gone from the status.
    write(root / "Tiltfile.py", serve("web") + serve("api"))
    wait_until(lambda: pid(root, "api") and alive(pid(root, "api")), what="api started")
    assert status()["reload"]["error"] == ""
    assert [r["name"] for r in status()["resources"]] == ["web", "api"]
    assert pid(root, "web") == web and alive(web)
    stop(up, root)


def test_a_reload_adding_a_refused_command_never_runs_it_and_names_the_rule(session):
    root, start, status = session
    (root / "bin").mkdir()
    kubectl = root / "bin" / "kubectl"
    kubectl.write_text(f"#!/bin/sh\ntouch {root / 'kubectl-ran'}\n")
    kubectl.chmod(0o755)
    write(root / "Tiltfile.py", serve("web"))
    up = start()
    wait_until(lambda: "web │ ✔ ready" in log(root), what="web ready")
    web, = started(root, "web")

    write(root / "Tiltfile.py", serve("web", 301) + serve("more") +
          'local_resource("deploy", cmd="kubectl apply -f k8s/")\n')
    wait_until(lambda: "not reloaded" in log(root), what="the refusal")
    text = log(root)
    assert "reload refused, nothing of it applied" in text
    assert "Tiltfile.py:3: resource 'deploy'" in text
    assert "kubectl-mutation" in text
    assert "apply -f k8s/" in text
    error = status()["reload"]["error"]
    assert "kubectl-mutation" in error and "Tiltfile.py:3" in error
    # Nothing of it ran: not the refused command, not the changed or added server.
    assert not (root / "kubectl-ran").exists()
    assert not (root / "more.pid").exists()
    assert pid(root, "web") == web and alive(web)
    assert [r["name"] for r in status()["resources"]] == ["web"]
    stop(up, root)
    assert not (root / "kubectl-ran").exists()


def test_an_edit_of_a_module_or_a_file_the_tiltfile_reads_reloads_it(session):
    root, start, status = session
    (root / "helper.py").write_text("NAMES = ['one']\n")
    (root / "more.yaml").write_text("two\n")
    write(root / "Tiltfile.py", """\
        import helper
        names = list(helper.NAMES)
        with open("more.yaml") as f:
            names += [line.strip() for line in f if line.strip()]
        for name in names:
            local_resource(name, serve_cmd="echo $$ > %s.pid; exec sleep 300" % name)
        """)
    up = start()
    wait_until(lambda: log(root).count("✔ ready") == 2, what="one and two ready")
    one, _ = started(root, "one", "two")

    write(root / "helper.py", "NAMES = ['one', 'three']\n")
    wait_until(lambda: pid(root, "three") and alive(pid(root, "three")),
               what="the resource the helper module added")
    write(root / "more.yaml", "four\n")
    wait_until(lambda: pid(root, "four") and alive(pid(root, "four")),
               what="the resource the YAML file added")
    wait_until(lambda: not alive(pid(root, "two")), timeout=10, what="two (gone from the YAML)")
    assert [r["name"] for r in status()["resources"]] == ["one", "three", "four"]
    assert pid(root, "one") == one and alive(one)
    stop(up, root)
