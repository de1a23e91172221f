"""Readiness after ready, as a user sees it: under `fops ci`, an app whose
health endpoint starts failing while its smoke test runs fails the run, and
the summary names it with the probe failure."""
import os
import subprocess
import sys
import textwrap

from fixtures.ports import free_port

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def test_fops_ci_fails_when_the_app_stops_answering_under_its_smoke_test(tmp_path):
    port = free_port()
    server = os.path.join(FIXTURES, "health_server.py")  # 500 while ./sick exists
    smoke = os.path.join(FIXTURES, "make_app_sick.py")  # creates ./sick, waits for the app to go
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent(f"""\
        local_resource("app", serve_cmd=["python3", "{server}", "{port}"],
                       readiness_probe=probe(period_secs=0.1, failure_threshold=3,
                                             http_get=http_get_action({port}, path="/healthz")))
        local_resource("smoke", cmd=["python3", "{smoke}", "{port}"], resource_deps=["app"])
    """))
    env = dict(os.environ, FOPS_STATE_DIR=str(tmp_path / "state"))
    env.pop("CI", None)
    ci = subprocess.run([FOPS, "ci", "--timeout", "60"], cwd=tmp_path, env=env,
                        capture_output=True, text=True, timeout=120)
    why = f"not ready: http_get http://127.0.0.1:{port}/healthz failed 3 times: HTTP 500"
    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert "          app │ ✔ ready\n" in ci.stdout
    assert f"          app │ ✘ {why}\n" in ci.stdout
    assert "        smoke │ app gone\n" in ci.stdout
    assert f"\napp failed: {why}\n" in ci.stdout
    summary = [line.split() for line in ci.stdout.splitlines() if line.startswith(("app ", "smoke "))]
    assert ["app", "failed"] == summary[0][:2]
    assert ["smoke", "succeeded"] == summary[1][:2]
    assert ci.stdout.rstrip().endswith("— FAILED")
