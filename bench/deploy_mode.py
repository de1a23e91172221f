#!/usr/bin/env python3
"""How long `fops mode deploy` takes for the example's three canonical apps
(fractalops-api, -portal, -worker) on the local Kubernetes cluster, with
the Argo CD stand-in in live mode (tests/python/fixtures/argocd.py): each
sync really installs the chart's release with Helm, and each read compares
the cluster with Git's state. Every run deploys into a fresh namespace, so
each one installs three releases from nothing. Figures: docs/performance.md,
"fops mode deploy on the local cluster".

    .venv/bin/python bench/deploy_mode.py [--runs 5] [--poll-interval 2s] [--cluster DIR]

Without --cluster it starts a cluster of its own and stops it at the end.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))

from fixtures.argocd import ArgoCdStandIn  # noqa: E402
from fixtures.kube import Kube, local_cluster, skip_reason  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "fractalops")
APPS = [("fractalops-api", "runtime"), ("fractalops-portal", "portal"),
        ("fractalops-worker", "runtime")]


def repo_copy(tmp: str) -> str:
    root = os.path.join(tmp, "fractalops")
    # Not what runs leave in the example (its local site, screenshots).
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".fops", ".local", "output",
                                                                  "Tiltfile.py"))
    with open(os.path.join(root, "Tiltfile.py"), "w") as f:
        f.write(f"argocd_apps({[app for app, _ in APPS]!r}, timeout='5m')\n")
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def one_run(kube: Kube, repo: str, poll: str) -> tuple:
    namespace = f"fractalops-bench-{uuid.uuid4().hex[:8]}"
    argocd = ArgoCdStandIn()
    try:
        for app, image in APPS:
            argocd.add_live_app(app, kube, chart=os.path.join(repo, "charts", app), release=app,
                                namespace=namespace, create_namespace=True,
                                values={"image": {"repository": f"ghcr.io/yamonco/fractalops-{image}",
                                                  "tag": "v0.1.0"}})
        env = dict(kube.env, **argocd.env())
        env.pop("FOPS_STATE_DIR", None)
        started = time.monotonic()
        done = subprocess.run([os.path.join(ROOT, ".venv", "bin", "fops"), "mode", "deploy",
                               "--poll-interval", poll], cwd=repo, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)
        wall = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(f"fops mode deploy exited {done.returncode}:\n{done.stdout}{done.stderr}")
        per_app = [float(m) for m in re.findall(r": Synced Healthy \(revision \w+, ([\d.]+)s\)",
                                                done.stdout)]
        reads = sum(argocd.reads(app) for app, _ in APPS)
        # What one read of a deployed app costs the stand-in (helm status,
        # helm get metadata, kubectl get): the desired state is cached by then.
        started = time.monotonic()
        for app, _ in APPS:
            argocd.get(app)
        read = (time.monotonic() - started) / len(APPS)
        return wall, max(per_app), reads, read
    finally:
        argocd.close()
        kube.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--poll-interval", default="2s")
    parser.add_argument("--cluster", help="a running cluster's directory (default: start one)")
    args = parser.parse_args()
    reason = skip_reason()
    if reason:
        raise SystemExit(reason)
    with tempfile.TemporaryDirectory(prefix="fops-bench-deploy-") as tmp:
        directory = args.cluster or os.path.join(tmp, "cluster")
        if not args.cluster:
            started = local_cluster("start", directory)
            if started.returncode != 0:
                raise SystemExit(started.stdout)
        try:
            kube = Kube(directory)
            repo = repo_copy(tmp)
            print(f"fops mode deploy, 3 apps, --poll-interval {args.poll_interval}, "
                  f"load {os.getloadavg()[0]:.1f}")
            for i in range(args.runs):
                wall, last, reads, read = one_run(kube, repo, args.poll_interval)
                print(f"run {i + 1}: {wall:.2f} s wall; last app Synced Healthy at {last:.1f} s; "
                      f"{reads} reads; one read of a deployed app afterwards {read:.2f} s")
        finally:
            if not args.cluster:
                local_cluster("stop", directory, timeout=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
