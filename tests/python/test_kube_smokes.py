"""The end of the FractalOps dev loop on the local Kubernetes cluster
(docs/local-cluster.md): `fops ci` forwards a Service with port_forward
(pinned to the kube context of the load), smokes its routes through the
forward with http_smoke, and opens it in real Chromium with browser_smoke,
which writes the screenshot. The pods are kwok's: a forward rule sends the
Service's port to a site this test serves on the machine."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest

from fixtures.kube import binary, kube, kube_namespace  # noqa: F401  (pytest fixtures)
from fixtures.ports import free_port

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

PORTAL = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: fractalops-portal-dev
spec:
  replicas: 1
  selector:
    matchLabels: {app: portal}
  template:
    metadata:
      labels: {app: portal}
    spec:
      containers:
        - name: portal
          image: registry.invalid/fops/portal:dev-1
          ports: [{containerPort: 3000}]
---
apiVersion: v1
kind: Service
metadata:
  name: fractalops-portal-dev
spec:
  selector: {app: portal}
  ports: [{port: 80, targetPort: 3000}]
"""

PAGE = """\
<!doctype html>
<html><head><title>FractalOps portal</title><link rel="icon" href="data:,"></head>
<body><div id="app"><h1>Welcome to the portal</h1></div></body></html>
"""


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def serve(directory, port):
    return subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port),
                             "--directory", str(directory)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def wait_for_the_forward_rule(kube, namespace, site, app_port):
    """kwok takes the forward rule up from a watch, and a connection that
    comes first fails (kubectl port-forward may then exit): wait, with a
    server of the test's own, until a forward reaches it. Not a thing a
    real cluster needs."""
    app = serve(site, app_port)
    forwarder = None
    local = free_port()
    try:
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline, "the forward rule never reached the site"
            if forwarder is None or forwarder.poll() is not None:
                forwarder = subprocess.Popen(
                    [binary("kubectl"), "--context", kube.context, "-n", namespace,
                     "port-forward", "--address", "127.0.0.1", "svc/fractalops-portal-dev",
                     f"{local}:80"],
                    env=kube.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{local}/", timeout=5) as r:
                    if b"Welcome" in r.read():
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
    finally:
        if forwarder is not None:
            stop(forwarder)
        stop(app)


def test_port_forward_then_route_and_browser_smokes_through_it(kube, kube_namespace, tmp_path):
    from fops.errors import ExecError
    from fops.smoke import browser

    try:
        browser.find_node(), browser.find_playwright(), browser.find_chromium()
    except ExecError as exc:
        pytest.skip(str(exc))
    site = tmp_path / "site"
    (site / "api").mkdir(parents=True)
    (site / "index.html").write_text(PAGE)
    (site / "api" / "health").write_text('{"status":"ok"}\n')
    app_port, local_port = free_port(), free_port()
    kube.apply(PORTAL, kube_namespace)
    kube.kubectl("wait", "-n", kube_namespace, "--for=condition=Available",
                 "deployment/fractalops-portal-dev", "--timeout=90s")
    kube.forward(kube_namespace, "svc/fractalops-portal-dev", 80, f"127.0.0.1:{app_port}")
    wait_for_the_forward_rule(kube, kube_namespace, site, app_port)

    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent(f"""\
        local_resource("portal-app", serve_cmd=["python3", "-m", "http.server", "{app_port}",
                                                "--bind", "127.0.0.1", "--directory", "site"],
                       readiness_probe=probe(http_get=http_get_action({app_port})))
        port_forward("portal-forward", target="svc/fractalops-portal-dev",
                     namespace="{kube_namespace}", local_port={local_port}, remote_port=80,
                     resource_deps=["portal-app"])
        http_smoke("routes", base="http://127.0.0.1:{local_port}", routes=["/", "/api/health"],
                   expect_text={{"/": "Welcome", "/api/health": '"status":"ok"'}},
                   resource_deps=["portal-forward"])
        browser_smoke("tilt-portal-smoke", url="http://127.0.0.1:{local_port}/", wait_for="#app",
                      resource_deps=["routes"])
    """))
    env = dict(kube.env, FOPS_STATE_DIR=str(tmp_path / "state"),
               FRACTALOPS_BUILD_EVENTS_JSONL="true")
    env.pop("CI", None)

    plan = subprocess.run([FOPS, "plan"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert plan.returncode == 0, plan.stderr
    assert (f"kubectl --context fops-local --kubeconfig {kube.kubeconfig} -n {kube_namespace} "
            f"port-forward --address 127.0.0.1 svc/fractalops-portal-dev {local_port}:80  "
            "# serve: portal-forward") in plan.stdout

    ci = subprocess.run([FOPS, "ci"], cwd=tmp_path, env=env, capture_output=True, text=True,
                        timeout=240)

    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert f"GET http://127.0.0.1:{local_port}/api/health → 200 in " in ci.stdout
    assert "2 routes ok, slowest " in ci.stdout
    assert 'selector "#app" visible ✔' in ci.stdout
    shot = tmp_path / "output" / "playwright" / "tilt-portal-smoke.png"
    assert shot.read_bytes()[:8] == PNG_MAGIC
    events = [json.loads(line) for line in (tmp_path / "state" / "events.jsonl").read_text()
              .splitlines()]
    smokes = {e["resource"]: e["status"] for e in events if e["event"] == "smoke.finished"}
    assert smokes == {"routes": "succeeded", "tilt-portal-smoke": "succeeded"}
