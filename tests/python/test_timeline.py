"""`fops ci --timeline FILE` on a real Tiltfile: a chain (fetch → build → test)
with sleeps and a shorter parallel branch (lint → docs). The SVG has one bar
per resource, bars follow the dependencies, and the critical path is the
chain. Without --timeline, `fops ci` keeps no status board."""
import os
import socket
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

from fixtures.browser import images_dir, playwright, screenshot_file  # noqa: F401

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
SVG = "{http://www.w3.org/2000/svg}"


def _tiltfile(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        local_resource("fetch", cmd="sleep 0.3; echo fetched")
        local_resource("build", cmd="sleep 0.6; echo built", resource_deps=["fetch"])
        local_resource("test", cmd="sleep 0.5; echo tested", resource_deps=["build"])
        local_resource("lint", cmd="sleep 0.2; echo linted")
        local_resource("docs", cmd="sleep 0.2; echo documented", resource_deps=["lint"])
        local_resource("web", serve_cmd="exec python3 -m http.server 0 --bind 127.0.0.1",
                       resource_deps=["build"])
    """))
    return dict(os.environ, FOPS_STATE_DIR=str(tmp_path / "state"), FOPS_PLAN_CACHE="0")


def _bars(svg_path):
    root = ET.parse(svg_path).getroot()
    return {g.get("data-resource"): g for g in root.iter(f"{SVG}g") if g.get("class", "").startswith("bar")}


def test_the_timeline_has_a_bar_per_resource_in_dependency_order_and_marks_the_chain(tmp_path):
    env = _tiltfile(tmp_path)
    out = tmp_path / "t.svg"
    done = subprocess.run([FOPS, "ci", "--timeline", str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.endswith(f"fops ci: timeline written to {out}\n")

    bars = _bars(out)
    assert sorted(bars) == ["build", "docs", "fetch", "lint", "test", "web"]
    times = {name: (float(g.get("data-queued")), float(g.get("data-start")), float(g.get("data-end")))
             for name, g in bars.items()}
    for name, (queued, start, end) in times.items():
        assert 0 <= queued <= start <= end, (name, times[name])
        assert bars[name].get("data-result") == "succeeded"
    # Each starts after what it depends on ended (a server: became ready).
    for dependent, dep in [("build", "fetch"), ("test", "build"), ("docs", "lint"), ("web", "build")]:
        assert times[dependent][1] >= times[dep][2] - 0.01, (dependent, dep, times)
    # What waited on deps shows it as a segment of its own, named.
    build_waits = [r for r in bars["build"].iter(f"{SVG}rect") if "wait-deps" in r.get("class", "")]
    assert len(build_waits) == 1
    assert build_waits[0].find(f"{SVG}title").text == "waits on deps: fetch"
    assert [r for r in bars["build"].iter(f"{SVG}rect") if r.get("class") == "run"]
    # The chain decided the end; the parallel branch did not.
    critical = {name for name, g in bars.items() if g.get("data-critical") == "true"}
    assert critical == {"fetch", "build", "test"}
    root = ET.parse(out).getroot()
    title = root.find(f"{SVG}text").text
    assert title.endswith("critical path: fetch → build → test"), title
    ticks = [line for line in root.iter(f"{SVG}line") if line.get("class") == "tick"]
    assert len(ticks) >= 3

    # With a recorded plan the native command runs `fops ci`; asked for a
    # timeline, it hands the run to Python, which draws it.
    cached = dict(env, FOPS_PLAN_CACHE="explain")
    for _ in range(2):
        plain = subprocess.run([FOPS, "ci"], cwd=tmp_path, env=cached, capture_output=True,
                               text=True, timeout=120)
        assert plain.returncode == 0, plain.stderr
    os.unlink(out)
    again = subprocess.run([FOPS, "ci", "--timeline", str(out)], cwd=tmp_path, env=cached,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert sorted(_bars(out)) == sorted(bars)


def test_without_timeline_fops_ci_keeps_no_status_board(tmp_path):
    env = _tiltfile(tmp_path)
    # The Python command: the board would be made here if it were made at all.
    code = ("import sys, fops._fops as f\n"
            "made = []\n"
            "class Spy(f.StatusBoard):\n"
            "    def __init__(self, *a, **k):\n"
            "        made.append(1); super().__init__(*a, **k)\n"
            "import fops; fops.StatusBoard = Spy\n"
            "from fops.cli import main\n"
            "code = main(['ci'])\n"
            "print('boards', len(made), 'timeline' in sys.modules or 'fops.timeline' in sys.modules)\n"
            "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "boards 0 False"


def test_a_picture_of_the_timeline_for_the_docs(tmp_path, playwright):  # noqa: F811
    target = images_dir()
    env = _tiltfile(tmp_path)
    # Two slots: something waits for one; a server waits for its probe.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent(f"""\
        update_settings(max_parallel_updates=2)
        local_resource("fetch", cmd="sleep 0.3")
        local_resource("codegen", cmd="sleep 0.2")
        local_resource("build", cmd="sleep 0.6", resource_deps=["fetch", "codegen"])
        local_resource("lint", cmd="sleep 0.4")
        local_resource("api", serve_cmd="sleep 0.3; exec python3 -m http.server {port} --bind 127.0.0.1",
                       resource_deps=["build"],
                       readiness_probe=probe(http_get=http_get_action(port={port})))
        local_resource("smoke", cmd="sleep 0.2", resource_deps=["api"])
        local_resource("docs", cmd="sleep 0.3", resource_deps=["lint"])
    """))
    out = tmp_path / "t.svg"
    done = subprocess.run([FOPS, "ci", "--timeline", str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    png = os.path.join(target or str(tmp_path), "timeline.png")
    screenshot_file(playwright, out, png, width=960, height=300)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
