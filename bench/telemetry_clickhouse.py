#!/usr/bin/env python3
"""100,000 Build Plane Events into a real ClickHouse, end to end.

Starts Debian's clickhouse-server the way the test fixture does (free
loopback ports, a temp data dir), creates bench.build_events with the DDL
`fops telemetry ddl` prints, runs BM_ClickHouse100k of the telemetry
benchmark against it, and stops the server. Figures: docs/performance.md,
"## Telemetry".

    .venv/bin/python bench/telemetry_clickhouse.py [BUILD_DIR]   # default build/main
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))

from fixtures.clickhouse import ClickHouseServer  # noqa: E402

def ddl() -> str:
    """`fops telemetry ddl --database bench`, with the Python running this script."""
    run = subprocess.run([sys.executable, "-m", "fops", "telemetry", "ddl", "--database", "bench"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"fops telemetry ddl failed (is fops installed? make install): {run.stderr}")
    return run.stdout


def main() -> int:
    build_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "main")
    bench = os.path.join(build_dir, "bench", "telemetry_bench")
    if not os.access(bench, os.X_OK):
        raise SystemExit(f"{bench} is missing: build with -DFOPS_BUILD_BENCH=ON")
    statements = [s.strip() for s in ddl().split(";") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="fops-bench-clickhouse-") as tmp:
        with ClickHouseServer.start(tmp) as server:
            for statement in statements:
                server.query(statement)
            env = dict(os.environ, FOPS_BENCH_CLICKHOUSE_HOST_PORT=server.host_port)
            return subprocess.run([bench, "--benchmark_filter=ClickHouse100k"], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
