"""How soon `fops up` starts a resource's command after one of its deps is
written, and that a burst of writes still gives one run.

A real `fops up --no-web` runs on a Tiltfile in a scratch repo:

    local_resource("edit", cmd=["bash", "-c", "echo $EPOCHREALTIME >> <starts>"],
                   deps=["src"])

The benchmark waits for the first run, then edits src/dep.txt (open,
write, close) `--edits` times, one edit after the run of the one before has
finished and the tree has been quiet for `--gap` seconds, and takes for
each the time from just before the write to the command's own first line
(bash's $EPOCHREALTIME, the same clock as Python's time.time()). The
command's start includes bash's own start-up (about 1 ms). Then the burst:
`--burst` writes to the file, one every `--burst-ms / --burst` ms (the
benchmark spins between them), and the runs it gave are counted once everything has been quiet for a second and a
half (one is right).

    .venv/bin/python bench/edit_latency.py --edits 20

Prints each latency, the median and p90 (nearest rank), and the burst's
runs; exits 1 if the burst gave other than one run. Figures:
docs/performance.md, "## Edit to run in fops up".
"""
import argparse
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FOPS = os.path.join(HERE, "..", ".venv", "bin", "fops")


def read_starts(path):
    try:
        with open(path) as f:
            return [float(line) for line in f.read().split()]
    except FileNotFoundError:
        return []


def wait_for(predicate, timeout, step=0.001):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def percentile(values, p):
    """Nearest rank: the smallest value with at least p% of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=20, help="edits to time (default 20)")
    parser.add_argument("--gap", type=float, default=0.3,
                        help="quiet seconds after a run before the next edit (default 0.3)")
    parser.add_argument("--burst", type=int, default=50, help="writes in the burst (default 50)")
    parser.add_argument("--burst-ms", type=float, default=100,
                        help="over this many milliseconds (default 100)")
    parser.add_argument("--fops", default=FOPS, help="the fops command (default .venv/bin/fops)")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="fops-edit-latency-")
    repo = os.path.join(scratch, "repo")  # watched; the starts file and the log are outside it
    os.makedirs(os.path.join(repo, "src"))
    starts_file = os.path.join(scratch, "starts")
    dep = os.path.join(repo, "src", "dep.txt")
    write(dep, "0\n")
    write(os.path.join(repo, "Tiltfile.py"), textwrap.dedent(f"""\
        local_resource("edit", cmd=["bash", "-c", "echo $EPOCHREALTIME >> {starts_file}"],
                       deps=["src"])
    """))
    log = open(os.path.join(scratch, "fops.log"), "w")
    proc = subprocess.Popen([args.fops, "up", "--no-web"], cwd=repo, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    code = 0
    try:
        if not wait_for(lambda: len(read_starts(starts_file)) == 1, 30):
            sys.exit(f"fops up did not run the resource; see {log.name}")
        time.sleep(args.gap)
        latencies = []
        for i in range(args.edits):
            seen = len(read_starts(starts_file))
            written = time.time()
            write(dep, f"{i + 1}\n")
            starts = wait_for(lambda: (lambda s: s if len(s) > seen else None)(
                read_starts(starts_file)), 10)
            if not starts:
                sys.exit(f"edit {i + 1}: no run within 10 s; see {log.name}")
            latencies.append((starts[seen] - written) * 1000)
            print(f"edit {i + 1:2}: {latencies[-1]:6.1f} ms", flush=True)
            time.sleep(args.gap)
        if len(read_starts(starts_file)) != args.edits + 1:
            print(f"note: {len(read_starts(starts_file)) - 1} runs for {args.edits} edits",
                  flush=True)
        print(f"write -> command start over {len(latencies)} edits: "
              f"median {statistics.median(latencies):.1f} ms, "
              f"p90 {percentile(latencies, 90):.1f} ms, "
              f"min {min(latencies):.1f} ms, max {max(latencies):.1f} ms")

        seen = len(read_starts(starts_file))
        interval = args.burst_ms / 1000 / args.burst
        began = time.monotonic()
        for i in range(args.burst):
            write(dep, f"burst {i}\n")
            next_write = began + (i + 1) * interval
            while time.monotonic() < next_write:  # spin: sleep() overshoots 2 ms by far
                pass
        took = (time.monotonic() - began) * 1000
        time.sleep(1.5)
        runs = len(read_starts(starts_file)) - seen
        print(f"burst: {args.burst} writes in {took:.0f} ms -> {runs} run{'s' if runs != 1 else ''}")
        if runs != 1:
            code = 1
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
