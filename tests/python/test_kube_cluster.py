"""The local Kubernetes cluster (.ci/local-cluster, fixtures/kube.py): the
fake node is Ready, a Deployment with a Service becomes Available, Helm
installs with --wait, upgrades, rolls back and uninstalls, `kubectl
port-forward svc/...` reaches a process on this machine, and `stop` leaves
no process behind."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from conftest import REPO_ROOT
from fixtures.kube import binary, kube, kube_namespace, local_cluster, skip_reason  # noqa: F401  (pytest fixtures)
from fixtures.ports import free_port
from fixtures.processes import alive, processes_with, wait_until

CHART = os.path.join(REPO_ROOT, "tests", "data", "kube-chart")

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.invalid/fops/web:1
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


def test_the_node_is_ready_and_the_kubeconfig_has_one_context(kube):
    node = kube.get_json("node", kube.node)
    conditions = {c["type"]: c["status"] for c in node["status"]["conditions"]}
    assert conditions["Ready"] == "True"
    assert not node["spec"].get("taints")
    assert {"type": "InternalIP", "address": "127.0.0.1"} in node["status"]["addresses"]
    config = json.loads(kube.kubectl("config", "view", "-o", "json").stdout)
    assert [c["name"] for c in config["contexts"]] == ["fops-local"]
    assert config["current-context"] == "fops-local"


def test_a_deployment_with_a_service_becomes_available(kube, kube_namespace):
    kube.apply(WEB, kube_namespace)
    kube.kubectl("wait", "-n", kube_namespace, "--for=condition=Available", "deployment/web",
                 "--timeout=90s")
    pods = kube.get_json("pods", ns=kube_namespace)["items"]
    assert len(pods) == 2
    for pod in pods:
        assert pod["status"]["phase"] == "Running"
        assert pod["spec"]["nodeName"] == kube.node
        assert {"type": "Ready", "status": "True"} in [
            {"type": c["type"], "status": c["status"]} for c in pod["status"]["conditions"]]
    # The Service selects them: the EndpointSlice controller lists both as ready.
    def ready_endpoints():
        slices = kube.get_json("endpointslices", ns=kube_namespace)["items"]
        return sum(1 for s in slices for e in s.get("endpoints") or []
                   if e.get("conditions", {}).get("ready"))
    wait_until(lambda: ready_endpoints() == 2, 30, "two ready endpoints of service web")


def helm_status(kube, namespace):
    return json.loads(kube.helm("status", "web", "-n", namespace, "-o", "json").stdout)


def deployed_image(kube, namespace):
    deployment = kube.get_json("deployment", "web", namespace)
    return deployment["spec"]["template"]["spec"]["containers"][0]["image"]


def test_helm_install_wait_upgrade_rollback_uninstall(kube, kube_namespace):
    ns = kube_namespace
    kube.helm("upgrade", "--install", "web", CHART, "-n", ns, "--wait", "--timeout", "120s")
    status = helm_status(kube, ns)
    assert (status["version"], status["info"]["status"]) == (1, "deployed")
    assert kube.get_json("deployment", "web", ns)["status"]["readyReplicas"] == 2

    kube.helm("upgrade", "web", CHART, "-n", ns, "--set", "image.tag=2")
    assert helm_status(kube, ns)["version"] == 2
    assert deployed_image(kube, ns).endswith(":2")

    kube.helm("rollback", "web", "1", "-n", ns, "--wait", "--timeout", "120s")
    status = helm_status(kube, ns)
    assert (status["version"], status["info"]["status"]) == (3, "deployed")
    assert deployed_image(kube, ns).endswith(":1")

    kube.helm("uninstall", "web", "-n", ns)
    assert json.loads(kube.helm("list", "-n", ns, "-o", "json").stdout) == []
    kube.kubectl("wait", "-n", ns, "--for=delete", "pod", "-l", "app.kubernetes.io/name=web",
                 "--timeout=60s")
    missing = kube.kubectl("get", "deployment", "web", "-n", ns, check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def stop_group(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_port_forward_of_a_service_reaches_a_local_process(kube, kube_namespace, tmp_path):
    token = uuid.uuid4().hex
    (tmp_path / "token").write_text(token)
    app_port = free_port()
    app = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                            str(app_port), "--directory", str(tmp_path)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    forwarder = None
    try:
        kube.apply(WEB, kube_namespace)
        kube.kubectl("wait", "-n", kube_namespace, "--for=condition=Available", "deployment/web",
                     "--timeout=90s")
        kube.forward(kube_namespace, "svc/web", 80, f"127.0.0.1:{app_port}")
        local = free_port()
        deadline = time.monotonic() + 60
        body = None
        while body != token:
            assert time.monotonic() < deadline, "port-forward never reached the local server"
            # kwok picks the rule up from a watch: a connection that comes
            # first fails, and kubectl port-forward may exit; start it again.
            if forwarder is None or forwarder.poll() is not None:
                forwarder = subprocess.Popen(
                    [binary("kubectl"), "--context", kube.context, "-n", kube_namespace,
                     "port-forward", "--address", "127.0.0.1", "svc/web", f"{local}:80"],
                    env=kube.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{local}/token", timeout=5) as r:
                    body = r.read().decode()
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
    finally:
        if forwarder is not None:
            stop_group(forwarder)
        stop_group(app)


def test_start_twice_a_crash_and_stop_leave_nothing_running(tmp_path):
    """A cluster of its own: start on a running cluster is a no-op, start
    after a crash cleans the stale directory, stop kills every process."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    directory = str(tmp_path / "cluster")
    started = local_cluster("start", directory)
    assert started.returncode == 0, started.stdout
    seen = set()
    try:
        state = json.load(open(os.path.join(directory, "state.json")))
        first = {name: c["pid"] for name, c in state["components"].items()}
        seen.update(first.values())
        assert set(first) == {"etcd", "kube-apiserver", "kube-controller-manager",
                              "kube-scheduler", "kwok"}
        assert all(alive(pid) for pid in first.values())

        again = local_cluster("start", directory)
        assert again.returncode == 0 and "already running" in again.stdout, again.stdout
        assert {n: c["pid"] for n, c in json.load(open(os.path.join(directory, "state.json")))
                ["components"].items()} == first

        os.kill(first["kube-scheduler"], signal.SIGKILL)  # a crash
        wait_until(lambda: not alive(first["kube-scheduler"]), 10, "the scheduler to die")
        assert local_cluster("status", directory).returncode == 1

        restarted = local_cluster("start", directory)
        assert restarted.returncode == 0 and "stale" in restarted.stdout, restarted.stdout
        assert not any(alive(pid) for pid in first.values())
        second = {n: c["pid"] for n, c in json.load(open(os.path.join(directory, "state.json")))
                  ["components"].items()}
        seen.update(second.values())
        assert local_cluster("status", directory).returncode == 0
    finally:
        stopped = local_cluster("stop", directory)
    assert stopped.returncode == 0, stopped.stdout
    assert not [pid for pid in seen if alive(pid)]
    assert processes_with(directory) == []
    assert local_cluster("status", directory).returncode == 3
    assert os.path.exists(os.path.join(directory, "logs", "kube-apiserver.log"))
