"""`make demo`: the quickstart runs on a fresh machine with nothing started by
hand, serves the site, passes readiness and the smoke, exits 0."""
import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
TILTFILE = os.path.join("examples", "quickstart", "Tiltfile.py")


def run(*args):
    env = dict(os.environ)
    env.pop("CI", None)
    return subprocess.run([FOPS, *args], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env=env)


def test_quickstart_ci_succeeds_with_the_summary_table():
    ci = run("ci", "-f", TILTFILE)
    assert ci.returncode == 0, ci.stdout + ci.stderr
    table = ci.stdout[ci.stdout.index("RESOURCE"):].split("\n\n")[0].splitlines()
    assert table[0].split() == ["RESOURCE", "STATUS", "DURATION", "REASON"]
    assert {row.split()[0]: row.split()[1] for row in table[1:]} == {
        "unit": "succeeded", "site": "succeeded", "web": "succeeded", "smoke": "succeeded"}
    assert "smoke │ smoke: 2 pages OK at http://127.0.0.1:" in ci.stdout
    assert "web │ ✔ ready" in ci.stdout


def test_quickstart_writes_nothing_inside_its_watched_paths():
    run("ci", "-f", TILTFILE)
    app = os.path.join(REPO, "examples", "quickstart", "app")
    content = os.path.join(REPO, "examples", "quickstart", "content")
    assert sorted(os.listdir(app)) == ["build_site.py", "test_build_site.py"]
    assert sorted(os.listdir(content)) == ["about.txt", "index.txt"]


def test_quickstart_plan_shows_the_pipeline_in_order():
    plan = run("plan", "-f", TILTFILE, "--", "--port", "8123")
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.splitlines() == [
        "python3 app/build_site.py content dist",
        "sh -c 'python3 -m unittest -q test_build_site'",
        "python3 -m http.server 8123 --bind 127.0.0.1 --directory dist  # serve: web",
        "python3 smoke.py http://127.0.0.1:8123",
    ]
