"""Deploy mode and staging against a real Kubernetes API server (the local
cluster, fixtures/kube.py) with the Argo CD stand-in in live mode
(fixtures/argocd.py): it reads each canonical app's state from the cluster
and really applies Git's state when asked to sync.

- `fops ci` installs the example's dev releases with real Helm (`--wait`);
  a real `fops up` runs on them; `fops mode deploy` stops it, the stand-in
  installs the canonical releases, and fops records deployment mode only
  once each app reads Synced and Healthy from the cluster.
- An app whose pods can never be scheduled ends Degraded, one whose chart
  does not render ends with a failed sync: exit 1, recorded per app.
- `fops mode staging portal` upgrades only the canonical fractalops-portal
  release with the staging image; `--build-only` touches nothing in the
  cluster — checked through the API (Helm releases, Deployments,
  ReplicaSets, Services, HPAs in every namespace, their resourceVersions
  and generations).

The releases, charts, HPA bounds and `canonical=(release, namespace)` pairs
are the example's (examples/fractalops/Tiltfile.py). Tests share the
cluster, so each works in namespaces of its own: the example's `fractalops`
and `fractalops-dev` get a suffix (`fractalops-1a2b3c4d`,
`fractalops-1a2b3c4d-dev`). No container runs (kwok marks pods Ready): an
image reference only has to be well formed, except in the staging test,
which builds FROM-scratch images with buildah and pushes them to a loopback
registry.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import uuid

import pytest

import fops
from fixtures.argocd import argocd  # noqa: F401  (pytest fixture)
from fixtures.fractalops_repo import fractalops_repo  # noqa: F401
from fixtures.kube import kube  # noqa: F401
from fixtures.processes import wait_until
from fixtures.registry import registry, registry_factory  # noqa: F401

# The example's Helm releases: resource, chart (= canonical release), image
# target, HPA bounds (api 2-6, portal 1-4, worker 1-4).
RELEASES = [("api", "fractalops-api", "runtime", (2, 6)),
            ("portal", "fractalops-portal", "portal", (1, 4)),
            ("worker", "fractalops-worker", "runtime", (1, 4))]
APPS = [chart for _, chart, _, _ in RELEASES]
DEV_IMAGE = "127.0.0.1:5000/x/{image}:dev-1"   # never pulled: kwok runs no container
GIT_TAG = "v0.1.0"                             # the immutable tag Git pins for the canonical apps


def git_values(image, **more):
    """What Git says for a canonical app: the release tag, and ``more`` values."""
    return dict({"image": {"repository": f"ghcr.io/yamonco/fractalops-{image}", "tag": GIT_TAG}},
                **more)


@pytest.fixture
def namespaces(kube):
    """(canonical, dev) namespaces of this test: the dev one exists, as a
    team's does; Argo CD creates the canonical one (CreateNamespace=true)."""
    suffix = uuid.uuid4().hex[:8]
    canonical, dev = f"fractalops-{suffix}", f"fractalops-{suffix}-dev"
    kube.kubectl("create", "namespace", dev)
    try:
        yield canonical, dev
    finally:
        kube.kubectl("delete", "namespace", canonical, dev, "--wait=false", "--ignore-not-found",
                     check=False)


def tiltfile(canonical, dev, plane=False, timeout="90s"):
    """The example's helm_release declarations in these namespaces; the
    images are fixed references, or (plane=True) built by the test plane."""
    lines = ["from fops.tiltfile import *"]
    if plane:
        lines += ['plane = build_plane("plane.yaml")',
                  'runtime = image_build("runtime", plane=plane)',
                  'portal = image_build("portal", plane=plane)']
    lines.append(f"guard_settings(dev_namespaces=[{dev!r}])")
    for name, chart, image, (low, high) in RELEASES:
        ref = image if plane else repr(DEV_IMAGE.format(image=image))
        lines.append(f'helm_release({name!r}, release="{chart}-dev", chart="charts/{chart}", '
                     f'namespace={dev!r}, image={ref}, autoscaling=({low}, {high}), '
                     f'values=["charts/{chart}/values-dev.yaml"], '
                     f'canonical=({chart!r}, {canonical!r}))')
    lines.append(f"argocd_apps({APPS!r}, timeout={timeout!r})")
    return "\n".join(lines) + "\n"


def declare_apps(argocd, kube, repo, canonical, values=None, **options):  # noqa: F811
    """The canonical apps in the stand-in: each chart's release in the
    canonical namespace, with Git's values (``values``: per app, instead)."""
    for _, chart, image, _ in RELEASES:
        argocd.add_live_app(chart, kube, chart=repo / "charts" / chart, release=chart,
                            namespace=canonical,
                            values=(values or {}).get(chart, git_values(image)),
                            create_namespace=True, **options)


def fops_cmd(kube, repo, *args, env_extra=None, timeout=240):  # noqa: F811
    env = dict(kube.env)  # KUBECONFIG of the local cluster, its Helm dirs, the tools on PATH
    for name in ("ARGOCD_SERVER", "ARGOCD_AUTH_TOKEN", "ARGOCD_OPTS", "FOPS_STATE_DIR",
                 "FOPS_CACHE_IMPORT", "FOPS_CACHE_EXPORT", "FOPS_PLAN_CACHE"):
        env.pop(name, None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "fops", *args], cwd=repo, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def releases(kube, namespace):  # noqa: F811
    """{release: (revision, status, chart)} in ``namespace``."""
    listed = json.loads(kube.helm("list", "-n", namespace, "-a", "-o", "json").stdout)
    return {r["name"]: (int(r["revision"]), r["status"], r["chart"]) for r in listed}


def deployments(kube, namespace):  # noqa: F811
    return {d["metadata"]["name"]: d for d in kube.get_json("deployments", ns=namespace)["items"]}


def image_of(deployment):
    return deployment["spec"]["template"]["spec"]["containers"][0]["image"]


def mode_json(repo):
    path = os.path.join(fops._fops.state_dir_for(str(repo)), "mode.json")
    return json.load(open(path)) if os.path.exists(path) else None


@pytest.fixture
def fops_up(kube):  # noqa: F811
    """Starts a real `fops up` in a repo; its output lines are collected;
    whatever still runs at the end is killed (process group)."""
    started = []

    def start(repo):
        env = dict(kube.env)
        env.pop("FOPS_STATE_DIR", None)
        process = subprocess.Popen([sys.executable, "-m", "fops", "up"], cwd=repo, env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        process.lines = []
        reader = threading.Thread(target=lambda: process.lines.extend(process.stdout), daemon=True)
        reader.start()
        process.reader = reader
        started.append((process, reader))
        return process

    yield start
    for process, reader in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        reader.join(timeout=10)


def test_deploy_hands_the_canonical_apps_to_argo_and_waits_for_the_cluster(
        kube, argocd, fractalops_repo, namespaces, fops_up):  # noqa: F811
    canonical, dev = namespaces
    repo = fractalops_repo
    (repo / "Tiltfile.py").write_text(tiltfile(canonical, dev))

    # Development: the dev releases, installed by a real `fops ci` (helm --wait).
    ci = fops_cmd(kube, repo, "ci")
    assert ci.returncode == 0, ci.stdout + ci.stderr
    dev_releases = releases(kube, dev)
    assert dev_releases == {f"{chart}-dev": (1, "deployed", f"{chart}-0.1.0") for chart in APPS}
    assert {n: image_of(d) for n, d in deployments(kube, dev).items()} == {
        f"{chart}-dev": DEV_IMAGE.format(image=image) for _, chart, image, _ in RELEASES}

    # Argo CD knows the canonical apps; nothing of them is in the cluster yet.
    declare_apps(argocd, kube, repo, canonical)
    for app in APPS:
        status = argocd.get(app)["status"]
        assert (status["sync"]["status"], status["health"]["status"]) == ("OutOfSync", "Missing")
        assert "operationState" not in status

    # A real `fops up` holds the repo; its releases are unchanged, so skipped.
    up = fops_up(repo)
    wait_until(lambda: sum("up to date" in line for line in up.lines) == len(RELEASES), 60,
               "fops up to find the dev releases unchanged")

    deploy = fops_cmd(kube, repo, "mode", "deploy", "--poll-interval", "300ms",
                      env_extra=argocd.env())
    out = deploy.stdout + deploy.stderr
    assert deploy.returncode == 0, out
    lines = deploy.stdout.splitlines()
    assert lines[0] == f"stopped the local session: fops up (PID {up.pid})"
    assert lines[1:4] == [f"{app}: sync requested" for app in APPS]
    for app in APPS:
        assert any(l.startswith(f"{app}: Synced Healthy (revision {argocd.revision(app)[:7]}, ")
                   for l in lines), out
    assert lines[-1] == "deployment mode: 3 of 3 apps Synced and Healthy"
    assert argocd.token not in out
    assert up.wait(timeout=10) is not None  # stopped (line 1) before any sync (lines 2-4)
    up.reader.join(timeout=10)
    assert "fops up: stopped by SIGTERM; nothing left running\n" in up.lines
    assert all(argocd.syncs(app) == 1 for app in APPS)

    # The cluster has what Git says: the canonical releases, each Deployment
    # with the pinned image and Available; the dev releases are untouched.
    assert releases(kube, canonical) == {chart: (1, "deployed", f"{chart}-0.1.0") for chart in APPS}
    live = deployments(kube, canonical)
    for _, chart, image, _ in RELEASES:
        assert image_of(live[chart]) == f"ghcr.io/yamonco/fractalops-{image}:{GIT_TAG}"
        available = [c for c in live[chart]["status"]["conditions"] if c["type"] == "Available"]
        assert available and available[0]["status"] == "True", live[chart]["status"]
    assert releases(kube, dev) == dev_releases
    for app in APPS:  # and Argo CD, reading the cluster again, agrees
        status = argocd.get(app)["status"]
        assert (status["sync"]["status"], status["health"]["status"]) == ("Synced", "Healthy")
        assert status["operationState"]["phase"] == "Succeeded"
        assert status["sync"]["revision"] == argocd.revision(app)

    state = mode_json(repo)
    assert (state["mode"], state["by"]) == ("deployment", "fops mode deploy")
    assert [(a["app"], a["confirmed"], a.get("revision")) for a in state["apps"]] == [
        (app, "Synced Healthy", argocd.revision(app)[:7]) for app in APPS]
    shown = fops_cmd(kube, repo, "mode")
    assert shown.stdout.splitlines()[1:] == [
        f"  {app}: Synced Healthy at revision {argocd.revision(app)[:7]}" for app in APPS
    ] + ["session: none"]


def test_deploy_of_apps_that_never_become_available_or_do_not_render(
        kube, argocd, fractalops_repo, namespaces):  # noqa: F811
    canonical, dev = namespaces
    repo = fractalops_repo
    (repo / "Tiltfile.py").write_text(tiltfile(canonical, dev))
    declare_apps(argocd, kube, repo, canonical, progress_deadline=3, values={
        # More CPU than the node has: the pods are never scheduled.
        "fractalops-api": git_values("runtime", resources={"requests": {"cpu": "2000"}}),
        # The chart refuses these bounds: nothing renders.
        "fractalops-worker": git_values("runtime", autoscaling={"minReplicas": 5,
                                                                 "maxReplicas": 2}),
    })
    before = argocd.get("fractalops-worker")["status"]
    assert before["sync"]["status"] == "Unknown"
    assert before["conditions"][0]["type"] == "ComparisonError"
    assert "need 1 <= minReplicas <= maxReplicas" in before["conditions"][0]["message"]

    deploy = fops_cmd(kube, repo, "mode", "deploy", "--poll-interval", "300ms",
                      env_extra=argocd.env())
    out = deploy.stdout + deploy.stderr
    assert deploy.returncode == 1, out
    lines = deploy.stdout.splitlines()
    assert lines[:4] == ["no local session to stop"] + [f"{app}: sync requested" for app in APPS]
    outcome = {app: next(l for l in lines[4:] if l.startswith(f"{app}: ")) for app in APPS}
    degraded = outcome["fractalops-api"]
    assert degraded.startswith("fractalops-api: Degraded after the sync: Deployment "
                               "'fractalops-api' is not available 3s after the sync"), out
    assert "Unschedulable: 0/1 nodes are available" in degraded
    failed = outcome["fractalops-worker"]
    assert failed.startswith("fractalops-worker: sync Failed: "), out
    assert "autoscaling: need 1 <= minReplicas <= maxReplicas, got 5 and 2" in failed
    assert outcome["fractalops-portal"].startswith(
        f"fractalops-portal: Synced Healthy (revision {argocd.revision('fractalops-portal')[:7]}, ")
    assert lines[-1] == ("deployment mode: 1 of 3 apps Synced and Healthy; "
                         "fractalops-api Degraded, fractalops-worker sync failed")

    # What the cluster holds says the same: api's pods wait for a node that
    # has the CPU, worker has no release, portal is deployed.
    pods = kube.get_json("pods", ns=canonical)["items"]
    api_pods = [p for p in pods if p["metadata"]["name"].startswith("fractalops-api-")]
    assert api_pods and all(p["status"]["phase"] == "Pending" for p in api_pods)
    assert set(releases(kube, canonical)) == {"fractalops-api", "fractalops-portal"}

    state = mode_json(repo)
    assert state["mode"] == "deployment"
    records = {a["app"]: a for a in state["apps"]}
    assert records["fractalops-api"]["confirmed"] == "Degraded"
    assert "Unschedulable: 0/1 nodes are available" in records["fractalops-api"]["detail"]
    assert records["fractalops-worker"]["confirmed"] == "sync failed"
    assert "got 5 and 2" in records["fractalops-worker"]["detail"]
    assert records["fractalops-portal"]["confirmed"] == "Synced Healthy"
    shown = fops_cmd(kube, repo, "mode").stdout.splitlines()
    assert shown[0].endswith("1 of 3 apps Synced and Healthy; fractalops-api Degraded, "
                             "fractalops-worker sync failed")
    assert shown[1].startswith("  fractalops-api: Degraded: Deployment 'fractalops-api' is not "
                               "available 3s after the sync")


# --- staging ------------------------------------------------------------------------

def plane_yaml(registry, storage):  # noqa: F811
    return textwrap.dedent(f"""\
        version: 1
        project: fractalops
        registries:
          final:
            role: final
            host: {registry.host}
            namespace: fractalops
            tls_verify: false
        stages:
          dev:
            tag: dev-{{git}}-{{inputs}}
          staging:
            tag: staging-{{git}}
        targets:
          runtime:
            repository: fractalops-runtime
            context: scratch/runtime
          portal:
            repository: fractalops-portal
            context: scratch/portal
        builder:
          kind: buildah
          buildah:
            storage_driver: vfs
            isolation: chroot
            root: {storage}/root
            runroot: {storage}/run
        """)


#: Namespaces of the tests that run beside this one on the shared cluster:
#: pytest's kube_namespace and the C++ KubeHelmReleaseTest's.
OTHER_TESTS = re.compile(r"^(t-[0-9a-f]{10}|kube-cpp-[0-9]+)$")
KINDS = "deployments,replicasets,services,horizontalpodautoscalers"


def cluster_state(kube):  # noqa: F811
    """What the API server holds, in every namespace: namespaces (and
    whether they are being deleted), Helm releases (revision, status, chart)
    and the workload objects' resourceVersion and generation (and images)."""
    spaces = {n["metadata"]["name"]: n["status"].get("phase")
              for n in kube.get_json("namespaces")["items"]}
    objects = {}
    for o in json.loads(kube.kubectl("get", KINDS, "-A", "-o", "json").stdout)["items"]:
        meta = o["metadata"]
        images = [c["image"] for c in o["spec"].get("template", {}).get("spec", {})
                  .get("containers", [])]
        objects[(meta["namespace"], o["kind"], meta["name"])] = (
            meta["resourceVersion"], meta.get("generation"), images)
    charts = {(r["namespace"], r["name"]): (int(r["revision"]), r["status"], r["chart"])
              for r in json.loads(kube.helm("list", "-A", "-a", "-o", "json").stdout)}
    return {"namespaces": spaces, "objects": objects, "releases": charts}


def changes(before, after):
    """Namespaces, objects and releases that differ (appeared, went, changed),
    leaving out other tests' namespaces and ones being deleted."""
    ignore = {n for state in (before, after) for n, phase in state["namespaces"].items()
              if OTHER_TESTS.match(n) or phase == "Terminating"}
    found = {}
    for part in ("namespaces", "objects", "releases"):
        def ns(key):
            return key if part == "namespaces" else key[0]
        keys = {k for k in list(before[part]) + list(after[part]) if ns(k) not in ignore}
        found[part] = {k: (before[part].get(k), after[part].get(k)) for k in keys
                       if before[part].get(k) != after[part].get(k)}
    return found


def settled(kube, namespace):  # noqa: F811
    """Every Deployment rolled out, at its HPA's replicas, nothing pending:
    from here on the controllers leave the objects alone."""
    items = json.loads(kube.kubectl("get", "deployments,horizontalpodautoscalers", "-n", namespace,
                                    "-o", "json").stdout)["items"]
    hpas = {o["metadata"]["name"]: o for o in items if o["kind"] == "HorizontalPodAutoscaler"}
    for d in (o for o in items if o["kind"] == "Deployment"):
        s, want = d["status"], d["spec"].get("replicas")
        hpa = hpas.get(d["metadata"]["name"], {"spec": {}, "status": {}})
        # No metrics server: the HPA only raises replicas to its minimum,
        # and has reconciled once it reports whether it can scale.
        reconciled = {c["type"] for c in hpa["status"].get("conditions") or []} >= {
            "AbleToScale", "ScalingActive"}
        if (d["metadata"]["generation"] != s.get("observedGeneration")
                or not (want == s.get("replicas") == s.get("updatedReplicas")
                        == s.get("readyReplicas") == s.get("availableReplicas"))
                or not reconciled or want < hpa["spec"].get("minReplicas", 1)):
            return False
    return True


needs_buildah = pytest.mark.skipif(not shutil.which("buildah"),
                                   reason="buildah is needed (apt-get install buildah)")


@needs_buildah
def test_staging_upgrades_only_the_named_canonical_release(
        kube, argocd, fractalops_repo, namespaces, registry, tmp_path):  # noqa: F811
    canonical, dev = namespaces
    repo = fractalops_repo
    for target in ("runtime", "portal"):  # images that need nothing to pull
        (repo / "scratch" / target).mkdir(parents=True)
        (repo / "scratch" / target / "Dockerfile").write_text(f"FROM scratch\nCOPY {target}.txt /\n")
        (repo / "scratch" / target / f"{target}.txt").write_text(f"{target}\n")
    (repo / "plane.yaml").write_text(plane_yaml(registry, tmp_path / "buildah"))
    (repo / "Tiltfile.py").write_text(tiltfile(canonical, dev, plane=True))
    for args in (["add", "-A"], ["-c", "user.email=t@example.com", "-c", "user.name=t",
                                 "commit", "-qm", "staging plane"]):
        subprocess.run(["git", *args], cwd=repo, check=True)

    try:
        # The dev loop built dev images and installed the dev releases;
        # Argo CD installed the canonical apps from Git.
        ci = fops_cmd(kube, repo, "ci")
        assert ci.returncode == 0, ci.stdout + ci.stderr
        declare_apps(argocd, kube, repo, canonical)
        for app in APPS:
            argocd.sync(app)

        def all_synced():
            return all(argocd.get(app)["status"]["sync"]["status"] == "Synced" and
                       argocd.get(app)["status"]["health"]["status"] == "Healthy"
                       for app in APPS)
        wait_until(all_synced, 60, "Argo CD to sync the canonical apps")
        wait_until(lambda: settled(kube, dev) and settled(kube, canonical), 90,
                   "every rollout and HPA to settle")
        before = cluster_state(kube)
        assert set(releases(kube, canonical)) == set(APPS)

        # --build-only: staging images pushed, nothing in the cluster touched.
        build_only = fops_cmd(kube, repo, "mode", "staging", "--build-only")
        assert build_only.returncode == 0, build_only.stdout + build_only.stderr
        assert changes(before, cluster_state(kube)) == {"namespaces": {}, "objects": {},
                                                        "releases": {}}
        staging_tags = {t: [x for x in registry.tags(f"fractalops/fractalops-{t}")
                            if x.startswith("staging-")] for t in ("runtime", "portal")}
        assert all(len(tags) == 1 for tags in staging_tags.values()), staging_tags
        assert mode_json(repo)["mode"] == "staging"

        # `fops mode staging portal`: the canonical fractalops-portal release,
        # and nothing else, gets the staging image.
        staging = fops_cmd(kube, repo, "mode", "staging", "portal")
        assert staging.returncode == 0, staging.stdout + staging.stderr
        found = changes(before, cluster_state(kube))
        assert found["namespaces"] == {}
        assert found["releases"] == {
            (canonical, "fractalops-portal"): ((1, "deployed", "fractalops-portal-0.1.0"),
                                               (2, "deployed", "fractalops-portal-0.1.0"))}
        staged = f"{registry.host}/fractalops/fractalops-portal:{staging_tags['portal'][0]}"
        old, new = found["objects"][(canonical, "Deployment", "fractalops-portal")]
        assert new[1] == old[1] + 1 and new[2] == [staged]
        assert all(ns == canonical and name.startswith("fractalops-portal")
                   for ns, _, name in found["objects"]), sorted(found["objects"])
        # Argo CD sees the live check: portal differs from Git, the rest does not.
        assert argocd.get("fractalops-portal")["status"]["sync"]["status"] == "OutOfSync"
        assert [argocd.get(a)["status"]["sync"]["status"] for a in ("fractalops-api",
                                                                     "fractalops-worker")] == \
            ["Synced", "Synced"]
        state = mode_json(repo)
        assert (state["mode"], state["targets"]) == ("staging", ["portal"])
        assert f"applied to fractalops-portal ({canonical})" in state["note"]
    finally:
        shutil.rmtree(tmp_path / "buildah", ignore_errors=True)
