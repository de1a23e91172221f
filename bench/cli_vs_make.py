#!/usr/bin/env python3
"""End-to-end: `fops ci` against `make -j2` on the same work, in one go.

Two workloads, those docs/performance.md quotes: 100 independent no-op (`true`) resources, and
a chain of 20. For each, the best of N wall times of `fops ci` and of
`make -j2`, the ratio fops/make (target <= 1.5), and fops' peak RSS
(target <= 30 MiB). `fops ci` is measured twice: as it runs day to day
(the Tiltfile unchanged, so the native command replays the plan cache
without starting Python) and with FOPS_PLAN_CACHE=0 (Python loads the
Tiltfile every time, as on the first run or after an edit). Then where the
Python command's startup goes (CPU time of each import step, and of what
`fops ci` imports, which builds no parser).

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


def measure(cmd, cwd, runs, env=None):
    """(best wall seconds, best CPU seconds, peak RSS KiB) over `runs` runs.

    posix_spawn starts the command, so no fork of this Python process adds
    to its time. The peak RSS is taken separately (peak_rss): Linux carries
    the high-water mark of the address space a process exec()s from, which
    for a vfork from here is this ~20 MiB interpreter.
    """
    best_wall = best_cpu = float("inf")
    here = os.getcwd()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for _ in range(runs):
            if cwd:
                os.chdir(cwd)
            start = time.perf_counter()
            pid = os.posix_spawnp(cmd[0], cmd, env if env is not None else os.environ,
                                  file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
            _, status, usage = os.wait4(pid, 0)
            wall = time.perf_counter() - start
            os.chdir(here)
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                sys.exit(f"{' '.join(cmd)} failed in {cwd} (exit {code})")
            best_wall = min(best_wall, wall)
            best_cpu = min(best_cpu, usage.ru_utime + usage.ru_stime)
    finally:
        os.close(devnull)
        os.chdir(here)
    return best_wall, best_cpu, peak_rss(cmd, cwd, env)


def peak_rss(cmd, cwd, env=None):
    """Peak RSS KiB of one run, as GNU time reports it (it fork()s from its
    own small process, so the figure is the command's); 0 without it."""
    if not os.path.exists("/usr/bin/time"):
        return 0
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name, *cmd], cwd=cwd, env=env,
                       stdout=subprocess.DEVNULL, check=True)
        return int(out.read().split()[-1])


def startup_breakdown(runs):
    """CPU ms each import step of the Python command adds to a bare interpreter."""
    site = os.path.dirname(os.path.dirname(os.path.abspath(
        subprocess.check_output([sys.executable, "-c", "import fops; print(fops.__file__)"],
                                text=True).strip())))
    steps = [
        ("python -c pass", "pass"),
        ("+ the _fops extension alone", f"import sys; sys.path.insert(0, {os.path.join(site, 'fops')!r}); import _fops"),
        ("+ import fops", "import fops"),
        ("+ the CLI parser for one command", "import fops.cli as c; c.build_parser('ci')"),
        ("+ the Tiltfile vocabulary", "import fops.cli as c; c.build_parser('ci'); import fops.tiltfile, fops.session"),
        # `fops ci [RESOURCE ...]` builds no parser: what it imports in all
        ("fops ci's imports (no parser)",
         "import fops.cli, fops.commands.ci, fops.session, fops.tiltfile"),
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
        cold_env = dict(os.environ, FOPS_PLAN_CACHE="0")
        print(f"{'workload':16s} {'fops ci':>14s} {'make -j2':>9s} {'ratio':>6s} "
              f"{'fops CPU':>9s} {'make CPU':>9s} {'fops RSS':>9s}")
        for name, n, chain in (("100 independent", 100, False), ("chain of 20", 20, True)):
            path = write_workload(root, name.replace(" ", "-"), n, chain)
            make_wall, make_cpu, _ = measure(["make", "-s", "-j2"], path, args.runs)
            for how, env in (("plan cache", None), ("Python load", cold_env)):
                fops_wall, fops_cpu, fops_rss = measure([FOPS, "ci"], path, args.runs, env)
                print(f"{name:16s} {how:>11s} {fops_wall * 1000:5.1f}ms {make_wall * 1000:7.1f}ms "
                      f"{fops_wall / make_wall:6.2f} {fops_cpu * 1000:7.1f}ms "
                      f"{make_cpu * 1000:7.1f}ms {fops_rss / 1024:6.1f}MiB")
        print()
        print(f"{'startup step (cumulative)':36s} {'CPU':>8s}")
        for name, cpu in startup_breakdown(args.runs):
            print(f"{name:36s} {cpu:6.1f}ms")
        print(f"\nload average: {open('/proc/loadavg').read().split()[0]} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
