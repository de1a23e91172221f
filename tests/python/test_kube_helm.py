"""Helm dev releases for real: `fops ci` builds two FROM-scratch images
with buildah, pushes them to a loopback docker-registry, and installs the
three example charts with `helm upgrade --install --wait` into a dev
namespace of the local Kubernetes control plane. Checked through the API:
Deployments Available, Services, the HPAs' bounds, the image each
Deployment runs. Then the skip rules against the real cluster: an
unchanged run skips, confirmed by the registry and `helm status`; a new
image upgrades; a rollback or an uninstall made outside fops is upgraded
again, with the reason."""
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from fixtures.fractalops_repo import fractalops_repo  # noqa: F401  (pytest fixture)
from fixtures.kube import kube, kube_namespace  # noqa: F401  (pytest fixtures)
from fixtures.registry import registry, registry_factory  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.skipif(not shutil.which("buildah"), reason="buildah is needed")

RELEASES = {  # resource: (release, HPA min, max, image)
    "api": ("fractalops-api-dev", 2, 6, "runtime"),
    "portal": ("fractalops-portal-dev", 1, 4, "portal"),
    "worker": ("fractalops-worker-dev", 1, 4, "runtime"),
}


@pytest.fixture
def loop(fractalops_repo, registry, kube, kube_namespace):  # noqa: F811
    root = fractalops_repo
    for name, text in (("app", "runtime v1\n"), ("web", "portal v1\n")):
        (root / name).mkdir()
        (root / name / "Dockerfile").write_text("FROM scratch\nCOPY content.txt /content.txt\n")
        (root / name / "content.txt").write_text(text)
    (root / "plane.yaml").write_text(textwrap.dedent(f"""\
        version: 1
        project: fopstest
        registries:
          final: {{role: final, host: "{registry.host}", namespace: fopstest, tls_verify: false}}
        stages:
          dev: {{tag: "dev-{{inputs}}"}}
        targets:
          runtime: {{context: app}}
          portal: {{context: web}}
        builder:
          kind: buildah
          buildah: {{storage_driver: vfs, isolation: chroot, root: {root}/storage/root,
                     runroot: {root}/storage/run}}
        """))
    releases = "".join(
        f"helm_release({name!r}, release={release!r}, chart='charts/fractalops-{name}',\n"
        f"             namespace={kube_namespace!r}, image={image}, autoscaling=({lo}, {hi}),\n"
        f"             values=['charts/fractalops-{name}/values-dev.yaml'], timeout='90s')\n"
        for name, (release, lo, hi, image) in RELEASES.items())
    (root / "Tiltfile.py").write_text(
        f"guard_settings(dev_namespaces=[{kube_namespace!r}])\n"
        "build_plane('plane.yaml')\n"
        "runtime = image_build('runtime')\n"
        "portal = image_build('portal')\n" + releases)
    # A copy of the cluster's kubeconfig, so a test can break its own.
    shutil.copy(kube.kubeconfig, root / "kubeconfig")
    env = dict(kube.env, KUBECONFIG=str(root / "kubeconfig"))
    env.pop("FOPS_STATE_DIR", None)

    def fops_ci():
        out = subprocess.run([sys.executable, "-m", "fops", "ci"], cwd=root, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        return out.returncode, out.stdout

    loop = type("Loop", (), {})()
    loop.root, loop.ns, loop.kube, loop.registry, loop.ci = root, kube_namespace, kube, registry, fops_ci
    loop.kubeconfig = root / "kubeconfig"
    yield loop
    shutil.rmtree(root / "storage", ignore_errors=True)


SUMMARY_ROW = re.compile(r"^(\S+)\s+(succeeded|up to date|failed|blocked|cancelled|not run)"
                         r"\s+\S+\s+(.*)$")


def reasons(out):
    """resource -> the reason its row of the summary table gives."""
    rows = {}
    for line in out.splitlines():
        match = SUMMARY_ROW.match(line)
        if match and match.group(1) in (*RELEASES, "runtime-image", "portal-image"):
            rows[match.group(1)] = match.group(3)
    return rows


def test_three_dev_releases_installed_and_kept_true(loop):
    code, out = loop.ci()
    assert code == 0, out
    pushed = {t: loop.registry.tags(f"fopstest/{t}") for t in ("runtime", "portal")}
    assert all(len(tags) == 1 for tags in pushed.values()), pushed
    for name, (release, lo, hi, image) in RELEASES.items():
        deployment = loop.kube.get_json("deployment", release, loop.ns)
        available = {c["type"]: c["status"] for c in deployment["status"]["conditions"]}
        assert available.get("Available") == "True", (release, deployment["status"])
        ref = f"{loop.registry.host}/fopstest/{image}:{pushed[image][0]}"
        assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == ref
        hpa = loop.kube.get_json("hpa", release, loop.ns)
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (lo, hi)
        assert loop.kube.get_json("service", release, loop.ns)["spec"]["ports"]
        status = json.loads(loop.kube.helm("status", release, "-n", loop.ns, "-o", "json").stdout)
        assert (status["version"], status["info"]["status"]) == (1, "deployed")

    # Nothing changed: every skip is confirmed by the registry and the cluster.
    code, out = loop.ci()
    assert code == 0, out
    rows = reasons(out)
    for name, (release, *_rest) in RELEASES.items():
        assert rows[name].startswith(f"skipped: unchanged since {release} in {loop.ns}"), rows
    assert "STEP" not in out

    # A new runtime image: its image and the two releases that run it move on.
    (loop.root / "app" / "content.txt").write_text("runtime v2\n")
    code, out = loop.ci()
    assert code == 0, out
    rows = reasons(out)
    assert rows["runtime-image"] == "rebuilt: app/content.txt changed"
    assert rows["api"].startswith("updated: image changed (")
    assert rows["worker"].startswith("updated: image changed (")
    assert rows["portal"].startswith("skipped: unchanged since")
    api = json.loads(loop.kube.helm("status", "fractalops-api-dev", "-n", loop.ns,
                                    "-o", "json").stdout)
    assert api["version"] == 2

    # Someone rolls the api back, and removes the worker, outside fops.
    loop.kube.helm("rollback", "fractalops-api-dev", "1", "-n", loop.ns, "--wait")
    loop.kube.helm("uninstall", "fractalops-worker-dev", "-n", loop.ns, "--wait")
    code, out = loop.ci()
    assert code == 0, out
    rows = reasons(out)
    assert rows["api"] == "updated: release changed in the cluster: revision 3, fops applied 2", rows
    assert rows["worker"] == (f"updated: release fractalops-worker-dev is not in namespace "
                              f"{loop.ns} of the cluster"), rows
    assert rows["portal"].startswith("skipped: unchanged since")
    for release in ("fractalops-api-dev", "fractalops-worker-dev"):
        status = json.loads(loop.kube.helm("status", release, "-n", loop.ns, "-o", "json").stdout)
        assert status["info"]["status"] == "deployed"
    code, out = loop.ci()
    assert code == 0, out
    assert all(r.startswith("skipped") for r in reasons(out).values()), out


def test_a_cluster_that_cannot_be_asked_is_not_taken_as_confirmation(loop):
    code, out = loop.ci()
    assert code == 0, out
    # The same kubeconfig file, but its API server address now refuses.
    text = loop.kubeconfig.read_text()
    loop.kubeconfig.write_text(re.sub(r'(server"?:\s*"?)https://127\.0\.0\.1:\d+',
                                      r"\1https://127.0.0.1:9", text))
    assert "127.0.0.1:9\"" in loop.kubeconfig.read_text() or "127.0.0.1:9\n" in \
        loop.kubeconfig.read_text()
    code, out = loop.ci()
    for name, (release, *_rest) in RELEASES.items():
        assert re.search(rf"{name} │ ▶ starting \(updated: cannot confirm in the cluster: helm "
                         rf"status {release}: exit 1: Error: Kubernetes cluster unreachable", out), out
    assert code == 1, out  # the upgrades then fail: nothing was skipped on faith
    rows = reasons(out)
    assert rows["runtime-image"].startswith("skipped: unchanged since")  # the registry answers
