"""`fops status`, `fops logs` and `fops trigger` against a real `fops up`, from
a subdirectory of the repo: the live table and its JSON, a resource's
buffered lines, following new ones until the session ends; without a
terminal `fops up` prints plain lines."""
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
def repo(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        local_resource("build", cmd="echo built; echo twice", labels=["backend"])
        local_resource("seed", cmd="echo seeded by trigger", trigger_mode=TRIGGER_MODE_MANUAL,
                       labels=["backend"])
        local_resource("web", serve_cmd="echo serving; exec sleep 300", resource_deps=["build"],
                       links=["http://127.0.0.1:9/"], labels=["frontend"])
    """))
    (tmp_path / "src" / "deep").mkdir(parents=True)
    env = dict(os.environ)
    for name in ("CI", "FOPS_STATE_DIR"):
        env.pop(name, None)
    log = open(tmp_path / "up.log", "w")
    up = subprocess.Popen([FOPS, "up", "--no-web"], cwd=tmp_path, env=env, stdout=log,
                          stderr=subprocess.STDOUT)

    def run(*args, timeout=60):
        return subprocess.run([FOPS, *args], cwd=tmp_path / "src" / "deep", env=env,
                              capture_output=True, text=True, timeout=timeout)

    wait_until(lambda: "web │ ✔ ready" in (tmp_path / "up.log").read_text()
               and (tmp_path / ".fops" / "session.sock").exists(), what="fops up to be ready")
    yield tmp_path, up, run
    kill_tree(up)


def test_status_from_a_subdirectory_shows_the_live_table_and_its_json(repo):
    tmp_path, up, run = repo
    status = run("status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0].startswith("fops up · development · 3 resources · 1/1 ready")
    assert lines[1].split() == ["RESOURCE", "STATE", "LAST", "RUN", "WHY", "READY", "LINKS"]
    assert lines[2] == "backend"
    assert lines[3].split()[:2] == ["build", "succeeded"]
    assert lines[4].split() == ["seed", "idle", "manual:", "fops", "trigger", "seed"]
    assert lines[5] == "frontend"
    assert lines[6].split()[:2] == ["web", "ready"]
    assert lines[6].split()[-2:] == ["✔", "http://127.0.0.1:9/"]
    assert "\x1b" not in status.stdout  # not a terminal: no colours

    snapshot = json.loads(run("status", "--json").stdout)
    assert snapshot["command"] == "up" and snapshot["running"] is True
    web = next(r for r in snapshot["resources"] if r["name"] == "web")
    assert web["state"] == "ready" and web["links"] == [{"url": "http://127.0.0.1:9/", "name": ""}]
    # Without a terminal, `fops up` printed plain lines.
    assert "\x1b" not in (tmp_path / "up.log").read_text()


def test_logs_prints_a_resource_and_follows_it_until_the_session_ends(repo):
    tmp_path, up, run = repo
    logs = run("logs", "build")
    assert logs.returncode == 0, logs.stderr
    assert logs.stdout.splitlines() == [
        "        build │ ▶ starting", "        build │ built", "        build │ twice",
        next(line for line in logs.stdout.splitlines() if line.startswith("        build │ ✔ succeeded")),
    ]
    every = run("logs").stdout
    assert "          web │ serving" in every and "        build │ built" in every

    unknown = run("logs", "biuld")
    assert unknown.returncode == 1
    assert unknown.stderr == "fops: unknown resource 'biuld'; defined: build, seed, web\n"

    follower = subprocess.Popen([FOPS, "logs", "-f", "seed"], cwd=tmp_path / "src",
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)  # following, with nothing yet: seed has not run
    triggered = run("trigger", "seed")
    assert triggered.returncode == 0, triggered.stderr
    assert triggered.stdout == "fops trigger: triggered seed\n"
    wait_until(lambda: "seed │ seeded by trigger" in (tmp_path / "up.log").read_text(),
               what="seed to run")
    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=30) == 0
    out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    assert "         seed │ seeded by trigger" in out.splitlines()

    gone = run("status")
    assert gone.returncode == 2
    assert gone.stderr == ("fops: no `fops up` session is running in this repo; "
                           "start one with `fops up`\n")
