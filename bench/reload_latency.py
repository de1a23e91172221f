"""Tiltfile edit -> the changed server running again, under `fops up`: the
Tiltfile is replaced as an editor saves it (a new file renamed over it),
changing the serve_cmd of its one serve resource; the time runs until the
new process has written its pid. That is the reload's whole path: the
watcher's debounce, the Tiltfile loaded again in Python, Engine::Reload's
checks, stopping the old process, starting the new one.

    .venv/bin/python bench/reload_latency.py --edits 20

Figures: docs/performance.md, "## Engine", "Tiltfile reload".
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")


def write(root, n):
    tmp = os.path.join(root, "Tiltfile.py.tmp")
    with open(tmp, "w") as f:
        f.write(f'local_resource("web", serve_cmd="echo $$ > web.pid; exec sleep {300 + n}")\n')
    os.replace(tmp, os.path.join(root, "Tiltfile.py"))


def pid(root):
    try:
        with open(os.path.join(root, "web.pid")) as f:
            return f.read().strip()
    except OSError:
        return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as state:
        write(root, 0)
        env = dict(os.environ, FOPS_STATE_DIR=state)
        with open(os.path.join(state, "up.log"), "w") as log:
            up = subprocess.Popen([FOPS, "up", "--no-web"], cwd=root, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            while not pid(root):
                time.sleep(0.01)
            times = []
            for n in range(1, args.edits + 1):
                old = pid(root)
                time.sleep(0.3)  # quiet, as between two saves
                start = time.monotonic()
                write(root, n)
                while pid(root) in ("", old):
                    time.sleep(0.002)
                times.append((time.monotonic() - start) * 1000)
        finally:
            up.send_signal(signal.SIGINT)
            up.wait(timeout=60)
    times.sort()
    p90 = times[max(0, int(len(times) * 0.9) - 1)]
    print(f"Tiltfile edit -> changed server running again: median {statistics.median(times):.0f} ms,"
          f" p90 {p90:.0f} ms, min {times[0]:.0f} ms, max {times[-1]:.0f} ms ({len(times)} edits)")


if __name__ == "__main__":
    main()
