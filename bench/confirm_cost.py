#!/usr/bin/env python3
"""What confirming an effect before a skip costs, per resource, on real
components: a manifest HEAD in Debian's docker-registry on loopback (an
image pushed with buildah) and, when the local control plane can start,
`helm status` of a release Helm installed there. Runs bench/confirm_bench
against them, then stops everything. Figures: docs/performance.md,
"Confirming before skipping".

    .venv/bin/python bench/confirm_cost.py [BUILD_DIR]   # default build/main
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))

from fixtures.registry import Registry  # noqa: E402


def push_scratch_image(storage: str, ref: str) -> None:
    """A one-file FROM-scratch image, committed and pushed with buildah."""
    base = ["buildah", "--root", os.path.join(storage, "root"), "--runroot",
            os.path.join(storage, "run"), "--storage-driver", "vfs"]
    container = subprocess.run(base + ["from", "scratch"], check=True, text=True,
                               stdout=subprocess.PIPE).stdout.strip()
    subprocess.run(base + ["commit", "-q", container, ref], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(base + ["push", "-q", "--tls-verify=false", ref], check=True,
                   stdout=subprocess.DEVNULL)


def main() -> int:
    build_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "main")
    bench = os.path.join(build_dir, "bench", "confirm_bench")
    if not os.access(bench, os.X_OK):
        raise SystemExit(f"{bench} is missing: build with -DFOPS_BUILD_BENCH=ON (make install)")
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="fops-bench-confirm-") as tmp:
        registry = Registry(os.path.join(tmp, "registry")).start()
        try:
            ref = f"{registry.host}/bench/app:dev-1"
            push_scratch_image(os.path.join(tmp, "storage"), ref)
            env["FOPS_BENCH_IMAGE"] = ref
            cluster = None
            try:
                from fixtures.kube import LocalCluster  # the local control plane, if built
                cluster = LocalCluster.start_for_bench(os.path.join(tmp, "kube"))
                env.update(cluster.bench_env())
            except Exception as exc:  # noqa: BLE001  (the registry figures stand alone)
                print(f"confirm_cost: no local control plane, helm status is skipped: {exc}",
                      file=sys.stderr)
            try:
                return subprocess.run([bench, "--benchmark_repetitions=3",
                                       "--benchmark_report_aggregates_only=true"],
                                      env=env).returncode
            finally:
                if cluster is not None:
                    cluster.stop()
        finally:
            registry.stop()
            shutil.rmtree(os.path.join(tmp, "storage"), ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
