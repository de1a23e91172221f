#!/usr/bin/env python3
"""End-to-end: `fops ci` against `make -j2` on the same work, in one go.

Two workloads, as in issue 2: 100 independent no-op (`true`) resources, and
a chain of 20. For each, the best of N wall times of `fops ci` and of
`make -j2`, the ratio fops/make (target <= 1.5), and fops' peak RSS
(target <= 30 MiB). Then where fops' startup goes (CPU time of each import
step), since that is most of the difference.

    .venv/bin/python bench/cli_vs_make.py [--runs N]

Not a test: it prints figures and always exits 0 (docs/performance.md).
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")


def write_workload(root, name, n, chain):
    path = os.path.join(root, name)
    os.makedirs(path)
    names = [f"r{i}" for i in range(n)]
    with open(os.path.join(path, "Tiltfile.py"), "w") as f:
        for i, r in enumerate(names):
            dep = f", resource_deps=[{names[i - 1]!r}]" if chain and i else ""
            f.write(f'local_resource("{r}", cmd="true"{dep})\n')
    with open(os.path.join(path, "Makefile"), "w") as f:
        f.write(f"all: {' '.join(names)}\n.PHONY: all {' '.join(names)}\n")
        for i, r in enumerate(names):
            dep = names[i - 1] if chain and i else ""
            f.write(f"{r}: {dep}\n\t@true\n")
    return path


def measure(cmd, cwd, runs):
    """(best wall seconds, best CPU seconds, peak RSS KiB) over `runs` runs.

    The RSS is wait4's ru_maxrss, which also counts this Python process's
    size at the fork (about 12 MiB): it is exact only above that, as fops is.
    """
    best_wall = best_cpu = float("inf")
    peak = 0
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed in {cwd} (exit {process.returncode})")
        best_wall = min(best_wall, wall)
        best_cpu = min(best_cpu, usage.ru_utime + usage.ru_stime)
        peak = max(peak, usage.ru_maxrss)
    return best_wall, best_cpu, peak


def startup_breakdown(runs):
    """CPU ms each import step adds to a bare interpreter."""
    site = os.path.dirname(os.path.dirname(os.path.abspath(
        subprocess.check_output([sys.executable, "-c", "import fops; print(fops.__file__)"],
                                text=True).strip())))
    steps = [
        ("python -c pass", "pass"),
        ("+ the _fops extension alone", f"import sys; sys.path.insert(0, {os.path.join(site, 'fops')!r}); import _fops"),
        ("+ import fops", "import fops"),
        ("+ the CLI parser for one command", "import fops.cli as c; c.build_parser('ci')"),
        ("+ the Tiltfile vocabulary", "import fops.cli as c; c.build_parser('ci'); import fops.tiltfile, fops.session"),
    ]
    rows = []
    for name, code in steps:
        _, cpu, _ = measure([sys.executable, "-c", code], None, runs)
        rows.append((name, cpu * 1000))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per measurement (best is kept)")
    args = parser.parse_args()
    if not shutil.which("make"):
        sys.exit("make is not installed")
    root = tempfile.mkdtemp(prefix="fops-bench-")
    env_dir = os.path.join(root, "state")
    os.environ["FOPS_STATE_DIR"] = env_dir
    try:
        print(f"{'workload':22s} {'fops ci':>9s} {'make -j2':>9s} {'ratio':>6s} "
              f"{'fops CPU':>9s} {'make CPU':>9s} {'fops RSS':>9s}")
        for name, n, chain in (("100 independent", 100, False), ("chain of 20", 20, True)):
            path = write_workload(root, name.replace(" ", "-"), n, chain)
            fops_wall, fops_cpu, fops_rss = measure([FOPS, "ci"], path, args.runs)
            make_wall, make_cpu, _ = measure(["make", "-s", "-j2"], path, args.runs)
            print(f"{name:22s} {fops_wall * 1000:7.1f}ms {make_wall * 1000:7.1f}ms "
                  f"{fops_wall / make_wall:6.2f} {fops_cpu * 1000:7.1f}ms {make_cpu * 1000:7.1f}ms "
                  f"{fops_rss / 1024:6.1f}MiB")
        print()
        print(f"{'startup step (cumulative)':36s} {'CPU':>8s}")
        for name, cpu in startup_breakdown(args.runs):
            print(f"{name:36s} {cpu:6.1f}ms")
        print(f"\nload average: {open('/proc/loadavg').read().split()[0]} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
