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

from fixtures.kube import Kube, local_cluster, skip_reason  # noqa: E402
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


def start_cluster_with_a_release(directory: str, env: dict) -> bool:
    """The local control plane with one release Helm installed (tests/data/kube-chart);
    adds its env to `env`. False (and helm status is skipped) without the binaries."""
    reason = skip_reason()
    if reason:
        print(f"confirm_cost: helm status is skipped: {reason}", file=sys.stderr)
        return False
    started = local_cluster("start", directory)
    if started.returncode != 0:
        raise SystemExit(f"local-cluster start failed:\n{started.stdout}")
    kube = Kube(directory)
    kube.kubectl("create", "namespace", "bench")
    kube.helm("upgrade", "--install", "bench-dev", os.path.join(ROOT, "tests", "data", "kube-chart"),
              "-n", "bench", "--wait")
    env.update(kube.env)
    env.update(FOPS_BENCH_HELM_RELEASE="bench-dev", FOPS_BENCH_HELM_NAMESPACE="bench")
    return True


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
            cluster = os.path.join(tmp, "kube")
            started = start_cluster_with_a_release(cluster, env)
            try:
                return subprocess.run([bench, "--benchmark_repetitions=3",
                                       "--benchmark_report_aggregates_only=true"],
                                      env=env).returncode
            finally:
                if started:
                    local_cluster("stop", cluster, timeout=120)
        finally:
            registry.stop()
            shutil.rmtree(os.path.join(tmp, "storage"), ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
