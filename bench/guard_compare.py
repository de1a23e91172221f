"""Compares two builds of guard_bench (say, before and after a change to the
guard) in a way a shared, loaded machine cannot blur:

- CPU time: the two binaries run in turns, ROUNDS times each, 5 repetitions
  per run; the minimum and median per check are printed.
- Instructions per check: each benchmark under callgrind, counting only
  inside Guard::CheckArgv / Guard::CheckShell, divided by the checks made.
  The same code gives the same count however busy the machine is.

    cp build/main/bench/guard_bench /tmp/guard_bench_before   # before the change
    make install                                              # after it
    .venv/bin/python bench/guard_compare.py /tmp/guard_bench_before build/main/bench/guard_bench

Needs valgrind for the instruction counts (skipped without it).
"""
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROUNDS = 6
# The function each benchmark calls once per check.
CHECKS = {"BM_GuardArgv": "fops::Guard::CheckArgv",
          "BM_GuardShellOneLine": "fops::Guard::CheckShell",
          "BM_GuardShellScript": "fops::Guard::CheckShell"}


def cpu_times(binaries):
    times = {b: {} for b in binaries}
    for _ in range(ROUNDS):
        for b in binaries:
            out = subprocess.run([b, "--benchmark_filter=Guard", "--benchmark_repetitions=5",
                                  "--benchmark_format=json"], capture_output=True, text=True,
                                 check=True).stdout
            for bm in json.loads(out)["benchmarks"]:
                if bm.get("run_type") == "iteration":
                    times[b].setdefault(bm["run_name"], []).append(bm["cpu_time"] / 1000)
    return times


def instructions(binary, benchmark, out_file):
    func = CHECKS[benchmark]
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                    f"--toggle-collect={func}*", binary, f"--benchmark_filter=^{benchmark}$",
                    "--benchmark_min_time=" + ("3" if benchmark == "BM_GuardShellScript" else "0.5")],
                   capture_output=True, check=True)
    names, calls, total, target = {}, 0, 0, None
    with open(out_file, errors="replace") as f:
        for line in f:
            m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line)
            if m:
                if m.group(3):
                    names[m.group(2)] = m.group(3)
                if m.group(1) == "cfn":
                    target = names.get(m.group(2), "")
                continue
            m = re.match(r"calls=(\d+)", line)
            if m and target and target.startswith(func + "("):
                calls += int(m.group(1))
            m = re.match(r"(summary|totals): (\d+)", line)
            if m:
                total = int(m.group(2))
    return total // max(calls, 1), calls


def main(binaries):
    times = cpu_times(binaries)
    print("CPU time per check, µs (min / median of", ROUNDS * 5, "runs each, in turns):")
    for name in CHECKS:
        cells = [f"{min(times[b][name]):.2f} / {statistics.median(times[b][name]):.2f}"
                 for b in binaries]
        print(f"  {name:22} " + "   ".join(f"{b}: {c}" for b, c in zip(binaries, cells)))
    if shutil.which("valgrind") is None:
        print("instructions: valgrind not installed, skipped")
        return
    print("Instructions per check (callgrind):")
    with tempfile.TemporaryDirectory() as tmp:
        for name in CHECKS:
            cells = []
            for b in binaries:
                per_check, calls = instructions(b, name, f"{tmp}/callgrind.out")
                cells.append(f"{b}: {per_check} ({calls} checks)")
            print(f"  {name:22} " + "   ".join(cells))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
