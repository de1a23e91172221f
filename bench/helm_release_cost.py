#!/usr/bin/env python3
"""What one Helm dev release costs in `fops ci` on the local control plane:
an image built with buildah and pushed to a loopback docker-registry, and
the example's portal chart installed with `helm upgrade --install --wait`.
Three kinds of run, each repeated:

- unchanged: nothing to do; the image is confirmed in the registry and the
  release with `helm status`, then both are skipped;
- values changed: an environment value of the dev release is edited, so
  only the release is upgraded (a new pod template rolls out) (the image is confirmed and skipped);
- image changed: a file of the image's context is edited, so the image is
  built and pushed again and the release upgraded to it.

Prints the wall time of each `fops ci` (median and range). Figures:
docs/performance.md, "Local Kubernetes cluster".

    .venv/bin/python bench/helm_release_cost.py [RUNS]   # default 5
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))

from fixtures.kube import Kube, local_cluster, skip_reason  # noqa: E402
from fixtures.registry import Registry  # noqa: E402

NAMESPACE = "bench-dev"


def write_repo(root: str, registry: Registry) -> None:
    """The portal chart of the example and a one-file image, in a git work tree."""
    shutil.copytree(os.path.join(ROOT, "examples", "fractalops", "charts", "fractalops-portal"),
                    os.path.join(root, "chart"))
    os.makedirs(os.path.join(root, "web"))
    with open(os.path.join(root, "web", "Dockerfile"), "w") as f:
        f.write("FROM scratch\nCOPY content.txt /content.txt\n")
    with open(os.path.join(root, "web", "content.txt"), "w") as f:
        f.write("portal 0\n")
    with open(os.path.join(root, "values-bench.yaml"), "w") as f:
        f.write("env: {FRACTALOPS_ENV: dev, BENCH_EDIT: \"0\"}\n")
    storage = os.path.join(root, "storage")
    with open(os.path.join(root, "plane.yaml"), "w") as f:
        f.write(f"""version: 1
project: bench
registries:
  final: {{role: final, host: "{registry.host}", namespace: bench, tls_verify: false}}
stages:
  dev: {{tag: "dev-{{inputs}}"}}
targets:
  portal: {{context: web}}
builder:
  kind: buildah
  buildah: {{storage_driver: vfs, isolation: chroot, root: {storage}/root, runroot: {storage}/run}}
""")
    with open(os.path.join(root, "Tiltfile.py"), "w") as f:
        f.write(f"""guard_settings(dev_namespaces=[{NAMESPACE!r}])
build_plane('plane.yaml')
portal = image_build('portal')
helm_release('portal', release='fractalops-portal-dev', chart='chart', namespace={NAMESPACE!r},
             image=portal, values=['chart/values-dev.yaml', 'values-bench.yaml'], timeout='90s')
""")
    with open(os.path.join(root, ".gitignore"), "w") as f:
        f.write("storage/\n.fops/\n")
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, check=True)


def fops_ci(root: str, env: dict) -> float:
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "fops", "ci"], cwd=root, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    took = time.monotonic() - start
    if out.returncode != 0:
        raise SystemExit(f"fops ci failed:\n{out.stdout}")
    return took


def report(name: str, times: list) -> None:
    ms = sorted(t * 1000 for t in times)
    print(f"{name:<16} median {statistics.median(ms):7.0f} ms   "
          f"min {ms[0]:7.0f} ms   max {ms[-1]:7.0f} ms   ({len(ms)} runs)")


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    reason = skip_reason()
    if reason:
        raise SystemExit(f"helm_release_cost: {reason}")
    with tempfile.TemporaryDirectory(prefix="fops-bench-helm-") as tmp:
        registry = Registry(os.path.join(tmp, "registry")).start()
        cluster = os.path.join(tmp, "kube")
        try:
            started = local_cluster("start", cluster)
            if started.returncode != 0:
                raise SystemExit(f"local-cluster start failed:\n{started.stdout}")
            kube = Kube(cluster)
            kube.kubectl("create", "namespace", NAMESPACE)
            root = os.path.join(tmp, "repo")
            os.makedirs(root)
            write_repo(root, registry)
            env = dict(os.environ, **kube.env)
            env.pop("FOPS_STATE_DIR", None)
            report("first install", [fops_ci(root, env)])
            unchanged, values, image = [], [], []
            for i in range(1, runs + 1):
                unchanged.append(fops_ci(root, env))
                with open(os.path.join(root, "values-bench.yaml"), "w") as f:
                    f.write(f"env: {{FRACTALOPS_ENV: dev, BENCH_EDIT: \"{i}\"}}\n")
                values.append(fops_ci(root, env))
                with open(os.path.join(root, "web", "content.txt"), "w") as f:
                    f.write(f"portal {i}\n")
                image.append(fops_ci(root, env))
            report("unchanged", unchanged)
            report("values changed", values)
            report("image changed", image)
            status = kube.helm("status", "fractalops-portal-dev", "-n", NAMESPACE, "-o", "json")
            print("release revision after the runs:",
                  __import__("json").loads(status.stdout)["version"])
            return 0
        finally:
            local_cluster("stop", cluster, timeout=120)
            registry.stop()


if __name__ == "__main__":
    sys.exit(main())
