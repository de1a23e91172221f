#!/usr/bin/env python3
"""What the FractalOps example costs on this machine (examples/fractalops,
its local site): a cold `make local-e2e` (control plane, registries, both
images built and pushed, Helm dev releases, the portal served from its
image, route and browser smokes), a second one with nothing changed, one
dev iteration after each edit of a portal file (image, Helm upgrade, the
portal from the new image, port-forward, smokes), and `make local-down`.
Figures: docs/performance.md, "The FractalOps example".

    .venv/bin/python bench/fractalops_loop.py [--iterations 5] [--e2e]

It works on a copy of the example in a temporary directory, with free
ports, and stops everything at the end.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))

from fixtures.ports import free_port  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "fractalops")
FOPS = os.path.join(ROOT, ".venv", "bin", "fops")
ROW = re.compile(r"^(\S+)\s+(succeeded|up to date|failed|blocked|cancelled|not run)\s+"
                 r"([0-9.]+(?:ms|s))\b")
STEPS = ["portal-image", "portal", "portal-local", "portal-forward", "routes", "portal-e2e-smoke"]


def seconds(text: str) -> float:
    return float(text[:-2]) / 1000 if text.endswith("ms") else float(text[:-1])


def make(root: str, ports, *args) -> tuple:
    started = time.monotonic()
    out = subprocess.run(["make", "-C", root, *args, f"FOPS={FOPS}", f"FOPS_REPO={ROOT}",
                          f"FRACTALOPS_PORTAL_PORT={ports[0]}",
                          f"FRACTALOPS_PORTAL_LOCAL_PORT={ports[1]}"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.monotonic() - started
    if out.returncode != 0:
        sys.exit(f"make {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
    durations = {m.group(1): seconds(m.group(3)) for m in map(ROW.match, out.stdout.splitlines())
                 if m}
    total = re.search(r" in ([0-9.]+)s — ok", out.stdout)
    return wall, durations, float(total.group(1)) if total else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--e2e", action="store_true", help="iterations with the browser smoke")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="fops-fractalops-")
    root = os.path.join(tmp, "fractalops")
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".local", "output", ".fops",
                                                                  "__pycache__"))
    ports = (free_port(), free_port())
    try:
        wall, _, run = make(root, ports, "local-e2e")
        print(f"make local-e2e, cold: {wall:.1f} s (fops ci {run:.1f} s)")
        wall, _, run = make(root, ports, "local-e2e")
        print(f"make local-e2e, nothing changed: {wall:.1f} s (fops ci {run:.1f} s)")
        page = os.path.join(root, "portal", "public", "index.html")
        tilt_args = ["TILT_ARGS=-- --e2e"] if args.e2e else []
        print(f"{'iteration':10} {'wall':>6} {'fops ci':>8} " +
              " ".join(f"{s:>16}" for s in STEPS))
        for i in range(args.iterations):
            with open(page, "a") as f:
                f.write(f"<!-- edit {i} -->\n")
            wall, steps, run = make(root, ports, "tilt-ci", "FRACTALOPS_SITE=local", *tilt_args)
            print(f"{i + 1:<10} {wall:6.1f} {run:8.1f} " +
                  " ".join(f"{steps.get(s, 0):16.2f}" for s in STEPS), flush=True)
        started = time.monotonic()
        subprocess.run(["make", "-C", root, "local-down", f"FOPS={FOPS}", f"FOPS_REPO={ROOT}"],
                       check=True, capture_output=True)
        print(f"make local-down: {time.monotonic() - started:.1f} s")
    finally:
        subprocess.run(["make", "-C", root, "local-down", f"FOPS={FOPS}", f"FOPS_REPO={ROOT}"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
