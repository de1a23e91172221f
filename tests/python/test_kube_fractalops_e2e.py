"""The FractalOps example end to end, as a user runs it: a copy of
examples/fractalops (outside any git work tree) and its own Makefile.

`make local-e2e` starts the local control plane and the three loopback
registries (TLS from a CA they make, a login with a random password),
builds both images with buildah and pushes them with the login, installs
the Helm dev releases, serves the portal from its pushed image, reaches it
through a real `kubectl port-forward` of its Service, smokes its routes and
opens it in Chromium. Then: a second run skips what did not change and
says why; an edited portal file rebuilds the portal image and upgrades only
its release; a `make tilt-up` session with `-- --worker --agent_server`
installs the worker's release and serves the agent server, runs the manual
browser smoke when triggered, and its manual deploy-mode resource stops
that session and hands the apps to Argo CD (its stand-in); the
password never shows in any output or in the state directory; nothing is
written into the home directory; `make local-down` leaves no process
running.

`make local-e2e` starts a control plane of its own in the copy's .local/
and `make local-down` stops it, as a user sees them; so this test runs
its own cluster beside the run's shared one (about 10 s and 0.5 GiB while
it runs), which it does not touch.
"""
import base64
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from conftest import REPO_ROOT
from fixtures.argocd import HEALTHY, OUT_OF_SYNC, RUNNING, argocd  # noqa: F401
from fixtures.kube import skip_reason as kube_skip_reason, tools_bin
from fixtures.ports import free_port
from fixtures.processes import wait_until

EXAMPLE = os.path.join(REPO_ROOT, "examples", "fractalops")
FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROW = re.compile(r"^(\S+)\s+(succeeded|up to date|failed|blocked|cancelled|not run)\b\s*(\S+)?"
                 r"\s*(.*)$")


def missing_tools():
    missing = [tool for tool in ("buildah", "skopeo", "make", "openssl", "node")
               if shutil.which(tool) is None]
    if not os.access("/usr/bin/docker-registry", os.X_OK):
        missing.append("docker-registry")
    if not os.access(os.path.join(tools_bin(), "helm"), os.X_OK):
        missing.append(f"helm (in {tools_bin()})")
    return missing


def skip_reason():
    reason = kube_skip_reason()
    if reason:
        return reason
    missing = missing_tools()
    if missing:
        return f"missing {', '.join(missing)} (make tools / .ci/install-system-deps)"
    from fops.errors import ExecError
    from fops.smoke import browser

    try:
        browser.find_node(), browser.find_playwright(), browser.find_chromium()
    except ExecError as exc:
        return str(exc)
    return None


class Example:
    """The copy, and `make` run in it as a user would, with free ports and
    a home directory of its own."""

    def __init__(self, root, home):
        self.root = root
        self.home = home
        self.portal_port, self.portal_local_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("FOPS_", "FRACTALOPS_", "ARGOCD_", "KUBE", "HELM_", "CI",
                                    "MAKE", "XDG_"))}
        env.update(HOME=str(home), FOPS_TOOLS_DIR=os.path.dirname(tools_bin()))
        self.env = env
        self.outputs = []

    def make(self, target, timeout=600):
        result = subprocess.run(
            ["make", "-C", str(self.root), target, f"FOPS={FOPS}", f"FOPS_REPO={REPO_ROOT}",
             f"PYTHON={sys.executable}", f"FRACTALOPS_PORTAL_PORT={self.portal_port}",
             f"FRACTALOPS_PORTAL_LOCAL_PORT={self.portal_local_port}"],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=timeout)
        self.outputs.append(result.stdout)
        return result.returncode, result.stdout

    def start(self, target, *assignments, env=None):
        """`make TARGET` in the background (its own process group), output
        in up_log."""
        self.up_log = self.root.parent / f"{target}.log"
        with open(self.up_log, "w") as out:
            return subprocess.Popen(
                ["make", "-C", str(self.root), target, f"FOPS={FOPS}", f"FOPS_REPO={REPO_ROOT}",
                 f"PYTHON={sys.executable}", f"FRACTALOPS_PORTAL_PORT={self.portal_port}",
                 f"FRACTALOPS_PORTAL_LOCAL_PORT={self.portal_local_port}", *assignments],
                env=dict(self.env, **(env or {})), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)

    def in_site(self, *argv):
        """A command with the local site's environment (.local/env)."""
        script = 'set -a && . .local/env && set +a && exec "$@"'
        return subprocess.run(["bash", "-c", script, "in-site", *argv], cwd=self.root,
                              env=self.env, capture_output=True, text=True, timeout=120)

    def rows(self, out):
        """resource -> (status, reason) from the last summary table of `out`."""
        lines = out.splitlines()
        start = max(i for i, line in enumerate(lines) if line.startswith("RESOURCE "))
        rows = {}
        for line in lines[start + 1:]:
            match = ROW.match(line)
            if not match:
                break
            status, reason = match.group(2), match.group(4)
            if match.group(3) and not re.match(r"^[0-9.]+(ms|s|m\S*)$", match.group(3)):
                reason = f"{match.group(3)} {reason}"
            rows[match.group(1)] = (status, reason.strip())
        return rows

    def password(self):
        text = (self.root / ".local" / "registries.env").read_text()
        return re.search(r"^export FRACTALOPS_REGISTRY_PASSWORD=(\S+)$", text, re.M).group(1)

    def processes(self):
        """Live processes that run from the copy or name it in their command line."""
        marker, found = str(self.root), []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        continue
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
                cwd = os.readlink(f"/proc/{pid}/cwd")
            except OSError:
                continue
            if marker in cmdline or cwd.startswith(marker):
                found.append(f"{pid} {cmdline.strip()} (in {cwd})")
        return found


@pytest.fixture
def example(tmp_path):
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    root = tmp_path / "fractalops"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".local", "output", ".fops",
                                                                  "__pycache__"))
    home = tmp_path / "home"
    home.mkdir()
    example = Example(root, home)
    try:
        yield example
    finally:
        if example.processes():
            example.make("local-down", timeout=180)
        shutil.rmtree(root / ".local", ignore_errors=True)  # buildah's storage, etcd


def registry_tags(example, repository):
    """The final registry's tags of `repository`, read with the CA and the login."""
    topology = (example.root / ".local" / "topology.yaml").read_text()
    host = re.search(r"local-final:.*?host: (\S+)", topology, re.S).group(1)
    context = ssl.create_default_context(cafile=str(example.root / ".local/tls/ca/ca.crt"))
    anonymous = urllib.request.Request(f"https://{host}/v2/")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous, context=context, timeout=5)
    assert refused.value.code == 401  # the registry wants the login
    request = urllib.request.Request(f"https://{host}/v2/{repository}/tags/list")
    token = base64.b64encode(f"fops:{example.password()}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, context=context, timeout=5) as response:
        return host, json.load(response)["tags"]


def test_make_local_e2e_from_a_copy_of_the_example(example, argocd):  # noqa: F811
    # The first run: everything is built, pushed, installed, served and smoked.
    code, out = example.make("local-e2e")
    assert code == 0, out
    rows = example.rows(out)
    for name in ("runtime-image", "portal-image", "runtime", "portal"):
        assert rows[name] == ("succeeded", "rebuilt: no previous build" if name.endswith("image")
                              else "updated: no previous build"), (name, out)
    assert rows["routes"][0] == "succeeded" and rows["routes"][1].startswith("2 routes ok")
    assert rows["portal-e2e-smoke"][0] == "succeeded"
    assert rows["portal-e2e-smoke"][1].endswith(
        "no errors; screenshot output/playwright/tilt-portal-smoke.png")
    assert rows["deploy-mode"] == ("not run", "")
    assert f"Forwarding from 127.0.0.1:{example.portal_port} -> 8080" in out
    shot = example.root / "output" / "playwright" / "tilt-portal-smoke.png"
    data = shot.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 10_000, len(data)
    assert data[16:24] == (1280).to_bytes(4, "big") + (720).to_bytes(4, "big")  # IHDR: 1280×720
    assert (example.root / ".local" / "kubeconfig").is_file()

    # The releases are in the cluster, with the images the registry holds.
    for release, repository in (("fractalops-api-dev", "fractalops-runtime"),
                                ("fractalops-portal-dev", "fractalops-portal")):
        status = example.in_site("helm", "status", release, "-n", "fractalops-dev", "-o", "json")
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["info"]["status"] == "deployed"
        deployment = example.in_site("kubectl", "get", "deployment", release, "-n",
                                     "fractalops-dev", "-o", "json")
        image = json.loads(deployment.stdout)["spec"]["template"]["spec"]["containers"][0]["image"]
        host, tags = registry_tags(example, f"yamonco/{repository}")
        assert len(tags) == 1 and image == f"{host}/yamonco/{repository}:{tags[0]}", (image, tags)
        assert re.fullmatch(r"dev-[0-9a-f]{12}", tags[0])  # {inputs}: no git here

    # Nothing changed: the second run skips, confirmed, and says why.
    code, again = example.make("local-e2e")
    assert code == 0, again
    assert "local-cluster: already running in " in again
    assert "registries: already running in " in again
    assert "namespace fractalops-dev exists; nothing to do" in again
    rows = example.rows(again)
    for name in ("runtime-image", "portal-image"):
        assert rows[name][0] == "up to date" and rows[name][1].startswith(
            "skipped: unchanged since 127.0.0.1:"), rows[name]
    for name, release in (("runtime", "fractalops-api-dev"), ("portal", "fractalops-portal-dev")):
        assert rows[name][0] == "up to date" and rows[name][1].startswith(
            f"skipped: unchanged since {release} in fractalops-dev with 127.0.0.1:"), rows[name]
    assert "STEP 1/" not in again  # nothing built
    assert rows["portal-e2e-smoke"][0] == "succeeded"

    # A dev iteration: a portal file changes; its image and release move on.
    page = example.root / "portal" / "public" / "index.html"
    page.write_text(page.read_text().replace("dev release", "dev release (edited)"))
    code, edited = example.make("local-e2e")
    assert code == 0, edited
    rows = example.rows(edited)
    assert rows["portal-image"] == ("succeeded", "rebuilt: portal/public/index.html changed")
    assert rows["portal"][0] == "succeeded" and rows["portal"][1].startswith(
        "updated: image changed ("), rows["portal"]
    assert rows["runtime-image"][0] == rows["runtime"][0] == "up to date"
    assert rows["portal-e2e-smoke"][0] == "succeeded"
    served = example.root / ".local" / "portal" / "rootfs" / "srv" / "public" / "index.html"
    assert "dev release (edited)" in served.read_text()  # what the new image holds

    # A `make tilt-up` session with the optional parts: the worker's dev
    # release and the agent server on this machine. Its manual browser
    # smoke runs when triggered; then the team's button back to Argo CD:
    # the deploy-mode resource (make deploy-mode) stops the session it runs
    # in and hands the canonical apps to Argo CD (here its stand-in).
    for app in ("fractalops-api", "fractalops-portal", "fractalops-worker"):
        argocd.add_app(app, OUT_OF_SYNC, [RUNNING, HEALTHY])
    agent_port = free_port()
    up = example.start("tilt-up", "TILT_ARGS=--no-web -- --worker --agent_server",
                       "FRACTALOPS_SITE=local",
                       env=dict(argocd.env(), FRACTALOPS_AGENT_PORT=str(agent_port)))

    def trigger(resource):
        triggered = subprocess.run([FOPS, "trigger", resource], cwd=example.root,
                                   env=example.env, capture_output=True, text=True, timeout=60)
        assert triggered.returncode == 0, triggered.stderr

    try:
        for line in ("routes │ ✔ succeeded", "worker │ ✔ succeeded", "agent-server │ ✔ ready"):
            wait_until(lambda: line in example.up_log.read_text(), 120, line)
        with urllib.request.urlopen(f"http://127.0.0.1:{agent_port}/api/health",
                                    timeout=5) as response:
            assert json.load(response) == {"status": "ok", "service": "agent-server"}
        assert "portal-e2e-smoke │ ✔" not in example.up_log.read_text()  # manual
        shot.unlink()
        trigger("portal-e2e-smoke")
        wait_until(lambda: "portal-e2e-smoke │ ✔ succeeded" in example.up_log.read_text(), 120,
                   "the triggered browser smoke")
        assert shot.read_bytes()[:8] == PNG_MAGIC
        trigger("deploy-mode")
        assert up.wait(timeout=60) == 0, example.up_log.read_text()
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
    session = example.up_log.read_text()
    example.outputs.append(session)
    status = example.in_site("helm", "status", "fractalops-worker-dev", "-n", "fractalops-dev",
                             "-o", "json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["info"]["status"] == "deployed"
    assert "deploy-mode │ fops mode deploy: started inside the session it stops" in session
    assert "fops up: stopped by SIGTERM; nothing left running" in session
    state_dir = example.root / ".fops"
    # The hand-back goes on after the session: its last line comes when it is done.
    summary = "deployment mode: 3 of 3 apps Synced and Healthy"
    log = state_dir / "mode-deploy.log"
    wait_until(lambda: log.exists() and summary in log.read_text(), 60,
               "the hand-back to finish")
    assert log.read_text().splitlines()[-1] == summary, log.read_text()
    assert b'"mode": "deployment"' in (state_dir / "mode.json").read_bytes()
    assert all(argocd.syncs(app) == 1 for app in ("fractalops-api", "fractalops-portal"))

    # The password: in its 0600 file only, never in output or the state directory.
    password = example.password()
    assert oct((example.root / ".local" / "registries.env").stat().st_mode & 0o777) == "0o600"
    login = base64.b64encode(f"fops:{password}".encode()).decode()
    state = [p for p in (example.root / ".fops").rglob("*") if p.is_file()]
    assert state, "no state directory beside the Tiltfile"
    for text in example.outputs + [p.read_bytes().decode(errors="replace") for p in state]:
        assert password not in text and login not in text

    code, down = example.make("local-down", timeout=180)
    assert code == 0, down
    assert "registries: stopped final, mirror, cache" in down
    assert "local-cluster: stopped etcd, kube-apiserver" in down
    assert example.processes() == []
    assert not (example.root / ".local" / "kubeconfig").exists()
    assert password not in down
    assert sorted(str(p.relative_to(example.home)) for p in example.home.rglob("*")) == []
