"""Smokes as resources: http_smoke, browser_smoke and port_forward.

Real `fops ci` runs against a small site served by a serve resource of the
same Tiltfile (tests/python/fixtures/site_server.py): the route smoke checks
status and text and its verdict becomes the resource's reason; the browser
smoke drives real Chromium through playwright-core, writes a PNG, and fails
on a script error or an error page; both emit `smoke.finished`. The
browser tests need node, playwright-core (.ci/tools/playwright.sh) and
chromium, and say which is missing when they skip. port_forward is checked
by its kubectl argv, the guard's verdict on it, and a real kubectl that
cannot reach its cluster.
"""
import functools
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

import pytest

import fops
from fixtures.ports import free_port

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

PAGE = """\
<!doctype html>
<html><head><title>FractalOps portal</title><link rel="icon" href="data:,"></head>
<body><div id="app"><h1>Welcome to the portal</h1></div><script src="app.js"></script></body>
</html>
"""
APP_JS = 'document.getElementById("app").insertAdjacentHTML("beforeend", "<p id=ready>ready</p>");\n'
BROKEN_PAGE = """\
<!doctype html>
<html><head><link rel="icon" href="data:,"></head>
<body><h1>Portal</h1><script>window.portalConfig.load();</script></body></html>
"""


def browser_tools_or_skip():
    from fops.errors import ExecError
    from fops.smoke import browser

    try:
        browser.find_node()
        browser.find_playwright()
        browser.find_chromium()
    except ExecError as exc:
        pytest.skip(str(exc))


class Site:
    """A Tiltfile in a temporary directory whose first resource serves a
    small site; `fops ci` runs with its own state directory and JSON-lines
    telemetry."""

    def __init__(self, tmp_path):
        self.dir = tmp_path
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        site = tmp_path / "site"
        (site / "api").mkdir(parents=True)
        (site / "index.html").write_text(PAGE)
        (site / "app.js").write_text(APP_JS)
        (site / "broken.html").write_text(BROKEN_PAGE)
        (site / "api" / "health").write_text('{"status":"ok"}\n')
        self.state = tmp_path / "state"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("CI", "OTEL_", "FRACTALOPS_", "FOPS_STATE_DIR"))}
        self.env.update(FOPS_STATE_DIR=str(self.state), FRACTALOPS_BUILD_EVENTS_JSONL="true")

    def write(self, smokes):
        server = os.path.join(FIXTURES, "site_server.py")
        (self.dir / "Tiltfile.py").write_text(textwrap.dedent(f"""\
            local_resource("web", serve_cmd=["python3", {server!r}, "{self.port}", "site"],
                           readiness_probe=probe(http_get=http_get_action({self.port})))
        """) + textwrap.dedent(smokes))

    def fops(self, *args, timeout=240):
        return subprocess.run([FOPS, *args], cwd=self.dir, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def events(self, name):
        path = self.state / "events.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        return [e for e in map(json.loads, lines) if e["event"] == name]

    @staticmethod
    def summary_row(stdout, resource):
        """The summary table's row of ``resource``: (status, reason), read
        by the header's columns."""
        lines = stdout.splitlines()
        start = max(i for i, line in enumerate(lines) if re.match(r"RESOURCE +STATUS ", line))
        header = lines[start]
        status_at, duration_at, reason_at = (header.index(h) for h in
                                             ("STATUS", "DURATION", "REASON"))
        for line in lines[start + 1:]:
            if not line.strip():
                break
            if line[:status_at].strip() == resource:
                return line[status_at:duration_at].strip(), line[reason_at:]
        raise AssertionError(f"no summary row for {resource}:\n{stdout}")


@pytest.fixture
def site(tmp_path):
    return Site(tmp_path)


def assert_png(path, at_least=2000):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    assert len(data) >= at_least, f"{path} is only {len(data)} bytes"


# --- fops ci with real smokes ------------------------------------------------

def test_route_and_browser_smokes_pass_against_a_served_site(site):
    browser_tools_or_skip()
    site.write("""\
        http_smoke("routes", base=BASE, routes=["/", "/api/health", "/app.js"],
                   expect_text={"/": "Welcome", "/api/health": '"status":"ok"'},
                   resource_deps=["web"])
        browser_smoke("portal", url=BASE + "/", expect_text="Welcome to the portal",
                      wait_for="#ready", resource_deps=["routes"])
    """.replace("BASE", repr(site.base)))

    ci = site.fops("ci")

    assert ci.returncode == 0, ci.stdout + ci.stderr
    out = ci.stdout
    assert f"       routes │ GET {site.base}/api/health → 200 in " in out
    assert f"       portal │ GET {site.base}/ → 200 in " in out
    assert '       portal │ selector "#ready" visible ✔' in out
    assert '       portal │ text "Welcome to the portal" ✔' in out
    status, reason = site.summary_row(out, "routes")
    assert status == "succeeded"
    assert reason.startswith("3 routes ok, slowest ") and reason.endswith(" ms")
    status, reason = site.summary_row(out, "portal")
    assert status == "succeeded"
    assert reason.startswith(f"{site.base}/ loaded in ")
    assert reason.endswith("no errors; screenshot output/playwright/portal.png")
    assert_png(site.dir / "output" / "playwright" / "portal.png")

    finished = {e["resource"]: e for e in site.events("smoke.finished")}
    assert sorted(finished) == ["portal", "routes"]
    assert finished["routes"]["kind"] == "smoke"
    assert finished["routes"]["status"] == "succeeded"
    assert finished["routes"]["detail"] == site.summary_row(out, "routes")[1]
    assert finished["portal"]["status"] == "succeeded"
    assert finished["portal"]["duration_ms"] > 0


def test_a_failing_route_fails_the_smoke_naming_what_was_expected_and_what_came(site):
    site.write("""\
        http_smoke("routes", base=BASE, routes=["/", "/status/503"], retries=1,
                   retry_delay="50ms", resource_deps=["web"])
    """.replace("BASE", repr(site.base)))

    ci = site.fops("ci")

    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert (f"GET {site.base}/status/503 → 503 in " in ci.stdout and
            '✘ expected status 200, got 503: "status 503: something broke" '
            "(attempt 1 of 2, again in 50ms)" in ci.stdout)
    status, reason = site.summary_row(ci.stdout, "routes")
    assert status == "failed"
    assert reason == ('exit 1: 1 of 2 routes failed: /status/503: expected status 200, got 503: '
                      '"status 503: something broke"')
    [event] = site.events("smoke.finished")
    assert event["status"] == "failed"
    assert event["detail"] == reason


def test_a_script_error_fails_the_browser_smoke_naming_the_error(site):
    browser_tools_or_skip()
    site.write("""\
        browser_smoke("portal", url=BASE + "/broken.html", resource_deps=["web"])
    """.replace("BASE", repr(site.base)))

    ci = site.fops("ci")

    assert ci.returncode == 1, ci.stdout + ci.stderr
    error = "page error: TypeError: Cannot read properties of undefined (reading 'load')"
    assert f"       portal │ ✘ {error}" in ci.stdout
    status, reason = site.summary_row(ci.stdout, "portal")
    assert status == "failed"
    assert reason == (f"exit 1: {site.base}/broken.html: {error}; "
                      "screenshot output/playwright/portal.png")
    # The screenshot shows what a user saw, also when the smoke failed.
    assert_png(site.dir / "output" / "playwright" / "portal.png", at_least=500)
    [event] = site.events("smoke.finished")
    assert event["status"] == "failed" and error in event["detail"]


def test_an_error_page_fails_the_browser_smoke_with_its_status_and_text(site):
    browser_tools_or_skip()
    site.write("""\
        browser_smoke("portal", url=BASE + "/status/500", screenshot="shots/error.png",
                      resource_deps=["web"])
    """.replace("BASE", repr(site.base)))

    ci = site.fops("ci")

    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert f"       portal │ GET {site.base}/status/500 → 500 in " in ci.stdout
    status, reason = site.summary_row(ci.stdout, "portal")
    assert status == "failed"
    assert ('expected a 2xx answer, got 500: "status 500: something broke"; '
            "screenshot shots/error.png") in reason
    assert_png(site.dir / "shots" / "error.png", at_least=500)


def test_a_failed_subresource_fails_the_browser_smoke(site):
    browser_tools_or_skip()
    (site.dir / "site" / "index.html").write_text(PAGE.replace("app.js", "missing.js"))
    site.write("""\
        browser_smoke("portal", url=BASE + "/", resource_deps=["web"])
    """.replace("BASE", repr(site.base)))

    ci = site.fops("ci")

    assert ci.returncode == 1, ci.stdout + ci.stderr
    status, reason = site.summary_row(ci.stdout, "portal")
    assert status == "failed"
    assert f"request failed: GET {site.base}/missing.js → 404" in reason


@pytest.fixture
def scratch():
    """A short TMPDIR of the test's own (Chromium's socket path under it
    must stay under 108 bytes, which pytest's tmp_path may not)."""
    path = tempfile.mkdtemp(prefix="fsmk-", dir="/tmp")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


def test_a_browser_smoke_stopped_by_the_run_timeout_leaves_no_browser_and_no_profile(site,
                                                                                    scratch):
    browser_tools_or_skip()
    site.env["TMPDIR"] = str(scratch)  # Chromium's profile goes under TMPDIR
    site.write("""\
        browser_smoke("portal", url=BASE + "/", wait_for="#never-there", timeout="60s",
                      resource_deps=["web"])
    """.replace("BASE", repr(site.base)))

    ci = site.fops("ci", "--timeout", "12s")

    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert "timed out after 12s" in ci.stdout
    assert "not visible" not in ci.stdout  # stopped: the page is not blamed
    assert site.summary_row(ci.stdout, "portal")[0] == "cancelled"
    assert list(scratch.iterdir()) == []
    left = subprocess.run(["pgrep", "-f", f"user-data-dir={scratch}"], capture_output=True,
                          text=True)
    assert left.stdout == ""


def test_a_browser_smoke_writes_nothing_into_the_users_home(site, tmp_path):
    browser_tools_or_skip()
    home = tmp_path / "home"
    home.mkdir()
    # The tools are found where they are; only the home is the test's own.
    site.env.setdefault("FOPS_TOOLS_DIR", os.path.expanduser("~/.cache/fops/tools"))
    site.env.update(HOME=str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        site.env.pop(name, None)
    site.write("""\
        browser_smoke("portal", url=BASE + "/", wait_for="#ready", resource_deps=["web"])
    """.replace("BASE", repr(site.base)))

    ci = site.fops("ci")

    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert_png(site.dir / "output" / "playwright" / "portal.png")
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []


# --- what a smoke runs -------------------------------------------------------

def load(tmp_path, body):
    path = tmp_path / "Tiltfile.py"
    path.write_text(textwrap.dedent(body))
    return fops.load(str(path), state_dir=str(tmp_path / "state"))


def test_smokes_are_typed_resources_that_run_the_fops_command(tmp_path):
    project = load(tmp_path, """\
        http_smoke("routes", base="http://127.0.0.1:8080", routes=["/", "/api/health"],
                   expect_status="2xx", expect_text={"/api/health": "ok"}, retries=5,
                   retry_delay="250ms", timeout="3s", labels=["smoke"])
        http_smoke("metrics", urls="http://127.0.0.1:9090/metrics", expect_status=range(200, 300))
        http_smoke("home", base="http://127.0.0.1:8080", expect_text={"/": "Welcome"})
        browser_smoke("tilt-portal-smoke", url="http://127.0.0.1:8080/", wait_for="#app",
                      expect_text=["Portal", "Sign in"], timeout="20s",
                      resource_deps=["routes"], trigger_mode=TRIGGER_MODE_MANUAL)
    """)
    routes = project.resource("routes")
    assert routes.kind == "smoke"
    assert list(routes.labels) == ["smoke"]
    argv = list(routes.cmd.argv)
    assert os.path.basename(argv[0]) == "fops" and os.access(argv[0], os.X_OK)
    assert argv[1:] == ["smoke", "http", "--base", "http://127.0.0.1:8080", "--route", "/",
                        "--route", "/api/health", "--expect-status", "2xx",
                        "--expect-text-at", "/api/health", "ok", "--retries", "5",
                        "--retry-delay", "250ms", "--timeout", "3s"]
    assert list(project.resource("metrics").cmd.argv)[1:] == [
        "smoke", "http", "--url", "http://127.0.0.1:9090/metrics", "--expect-status", "200-299"]
    assert list(project.resource("home").cmd.argv)[1:] == [
        "smoke", "http", "--base", "http://127.0.0.1:8080", "--route", "/",
        "--expect-text-at", "/", "Welcome"]
    browser = project.resource("tilt-portal-smoke")
    assert browser.kind == "smoke"
    assert browser.trigger_mode == fops.TriggerMode.MANUAL
    assert list(browser.resource_deps) == ["routes"]
    assert list(browser.cmd.argv)[1:] == [
        "smoke", "browser", "--url", "http://127.0.0.1:8080/",
        "--screenshot", "output/playwright/tilt-portal-smoke.png",
        "--expect-text", "Portal", "--expect-text", "Sign in", "--wait-for", "#app",
        "--timeout", "20s"]
    assert browser.dir == str(tmp_path)  # the screenshot path is the Tiltfile's


def test_the_route_smoke_command_runs_from_python_too(tmp_path):
    port = free_port()  # nothing listens: both report the refused connection
    args = ["smoke", "http", "--url", f"http://127.0.0.1:{port}/", "--retries", "0"]
    native = subprocess.run([FOPS, *args], capture_output=True, text=True, timeout=60)
    python = subprocess.run([sys.executable, "-m", "fops", *args], capture_output=True,
                            text=True, timeout=60)
    assert native.returncode == python.returncode == 1
    assert native.stdout.splitlines()[-1].startswith(
        f"1 of 1 route failed: http://127.0.0.1:{port}/: no answer: ")
    # The same lines, but for curl's own timing ("after 0 ms").
    same = functools.partial(re.sub, r"after \d+ ms", "after N ms")
    assert same(python.stdout) == same(native.stdout)


@pytest.mark.parametrize("env, message", [
    ({"FOPS_PLAYWRIGHT_DIR": "/nonexistent/pw"},
     "playwright-core not found in FOPS_PLAYWRIGHT_DIR=/nonexistent/pw: install it with "
     "`npm install --prefix"),
    ({"FOPS_PLAYWRIGHT_DIR": "", "NODE_PATH": "", "FOPS_TOOLS_DIR": "/nonexistent/tools"},
     "playwright-core not found (looked in /nonexistent/tools/playwright): install it with "
     "`npm install --prefix /nonexistent/tools/playwright playwright-core@"),
    ({"FOPS_CHROMIUM": "/nonexistent/chromium"},
     "FOPS_CHROMIUM=/nonexistent/chromium is not an executable file"),
    ({"FOPS_NODE": "/nonexistent/node"}, "FOPS_NODE=/nonexistent/node is not an executable file"),
    ({"PATH": "/nonexistent"},
     "node (Node.js) not found on PATH: install it (Debian: apt-get install nodejs npm)"),
])
def test_a_missing_browser_tool_is_named_with_how_to_install_it(tmp_path, env, message):
    environment = {k: v for k, v in os.environ.items() if k not in ("FOPS_NODE",)}
    environment.update(env)
    if "FOPS_PLAYWRIGHT_DIR" in env and not env["FOPS_PLAYWRIGHT_DIR"]:
        del environment["FOPS_PLAYWRIGHT_DIR"]
    if "FOPS_NODE" not in env and not shutil.which("node"):
        pytest.skip("node is not installed: the node check comes first")
    if "FOPS_CHROMIUM" in env or "PATH" in env or "FOPS_NODE" in env:
        # Checked after playwright-core: give it one so the check is reached.
        environment.setdefault("FOPS_PLAYWRIGHT_DIR", str(tmp_path))
        pw = tmp_path / "node_modules" / "playwright-core"
        pw.mkdir(parents=True)
        (pw / "package.json").write_text('{"name": "playwright-core"}')
    run = subprocess.run([FOPS, "smoke", "browser", "--url", "http://127.0.0.1:9/",
                          "--screenshot", str(tmp_path / "x.png")],
                         capture_output=True, text=True, env=environment, timeout=60)
    assert run.returncode == 1
    assert f"fops: browser smoke: {message}" in run.stderr
    assert not (tmp_path / "x.png").exists()


# --- port_forward ------------------------------------------------------------

def test_port_forward_runs_kubectl_on_loopback_and_is_ready_when_its_port_accepts(tmp_path):
    project = load(tmp_path, """\
        port_forward("portal-pf", namespace="fractalops-dev", context="kind-fractalops",
                     kubeconfig="kube/config", labels=["portal"])
    """)
    pf = project.resource("portal-pf")
    assert list(pf.serve_cmd.argv) == [
        "kubectl", "--context", "kind-fractalops", "--kubeconfig", str(tmp_path / "kube" / "config"),
        "-n", "fractalops-dev", "port-forward", "--address", "127.0.0.1",
        "svc/fractalops-portal", "8080:80"]
    assert not pf.cmd.argv
    action = pf.readiness_probe.action
    assert isinstance(action, fops.TcpSocketAction)
    assert (action.host, action.port) == ("127.0.0.1", 8080)
    # kubectl logs each probe's connection: a ready forward is asked every
    # 10 s, so `fops up` does not print a line a second for it.
    assert pf.readiness_probe.period == 10
    assert [link.url for link in pf.links] == ["http://127.0.0.1:8080"]


KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: {current}
clusters:
- name: local
  cluster: {{server: "https://127.0.0.1:6443"}}
- name: lab
  cluster: {{server: "https://10.0.3.20:6443"}}
contexts:
- name: fops-local
  context: {{cluster: local, user: admin}}
- name: lab-prod
  context: {{cluster: lab, user: admin}}
users:
- name: admin
  user: {{token: not-a-real-token}}
"""


def test_port_forward_is_pinned_to_the_kube_context_current_at_load(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG.format(current="fops-local"))
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    project = load(tmp_path, """\
        port_forward("portal-pf", target="svc/fractalops-portal-dev", namespace="fractalops-dev")
    """)
    assert list(project.resource("portal-pf").serve_cmd.argv) == [
        "kubectl", "--context", "fops-local", "--kubeconfig", str(kubeconfig),
        "-n", "fractalops-dev", "port-forward", "--address", "127.0.0.1",
        "svc/fractalops-portal-dev", "8080:80"]


def test_port_forward_to_a_context_not_allowed_is_refused_at_its_line(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG.format(current="lab-prod"))
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    path = tmp_path / "Tiltfile.py"
    path.write_text('# a remote cluster\nport_forward("portal-pf", namespace="fractalops-dev")\n')
    with pytest.raises(fops.PolicyError) as info:
        fops.load(str(path), state_dir=str(tmp_path / "state"))
    assert str(info.value).startswith(
        f"{path}:2: port_forward('portal-pf'): the current kube context 'lab-prod' "
        "(https://10.0.3.20:6443) is not allowed for the dev loop")
    path.write_text('allow_k8s_contexts("lab-prod")\n'
                    'port_forward("portal-pf", namespace="fractalops-dev")\n')
    argv = list(fops.load(str(path), state_dir=str(tmp_path / "state"))
                .resource("portal-pf").serve_cmd.argv)
    assert argv[:3] == ["kubectl", "--context", "lab-prod"]


@pytest.mark.parametrize("argv", [
    ["kubectl", "-n", "x", "port-forward", "svc/y", "8080:80"],
    ["kubectl", "--context", "kind-fractalops", "--kubeconfig", "/tmp/kubeconfig", "-n",
     "fractalops-dev", "port-forward", "--address", "127.0.0.1", "svc/fractalops-portal",
     "8080:80"],
])
def test_the_guard_allows_a_port_forward(argv):
    run = subprocess.run([FOPS, "guard", "--", *argv], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("allowed (development mode): kubectl ")


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl is needed (apt-get install kubectl)")
def test_a_port_forward_that_cannot_reach_its_cluster_fails_with_kubectls_words(site):
    # A kubeconfig whose API server refuses connections: kubectl gives up at
    # once, and the serve resource fails before it was ready.
    (site.dir / "kubeconfig").write_text(textwrap.dedent(f"""\
        apiVersion: v1
        kind: Config
        clusters:
        - cluster: {{server: "https://127.0.0.1:{free_port()}"}}
          name: nowhere
        contexts:
        - context: {{cluster: nowhere, user: nobody}}
          name: nowhere
        current-context: nowhere
        users:
        - name: nobody
          user: {{token: not-a-real-token}}
    """))
    (site.dir / "Tiltfile.py").write_text(textwrap.dedent(f"""\
        port_forward("portal-pf", namespace="fractalops-dev", kubeconfig="kubeconfig",
                     local_port={free_port()})
        http_smoke("routes", base="http://127.0.0.1:1", resource_deps=["portal-pf"])
    """))

    ci = site.fops("ci", timeout=120)

    assert ci.returncode == 1, ci.stdout + ci.stderr
    status, reason = site.summary_row(ci.stdout, "portal-pf")
    assert status == "failed"
    assert reason == "serve_cmd exited before it was ready: exit 1"
    assert "refused" in ci.stdout
    assert site.summary_row(ci.stdout, "routes")[0] == "blocked"
    assert site.events("smoke.finished")[0]["status"] == "blocked"


# --- Tiltfile errors ---------------------------------------------------------

def load_error(tmp_path, body):
    path = tmp_path / "Tiltfile.py"
    path.write_text("# smokes\n" + textwrap.dedent(body))
    with pytest.raises(fops.ConfigError) as info:
        fops.load(str(path), state_dir=str(tmp_path / "state"))
    return str(info.value).replace(str(tmp_path) + os.sep, "")


@pytest.mark.parametrize("call, message", [
    ('http_smoke("r")',
     "http_smoke('r'): needs base= (with routes=, default '/') or urls="),
    ('http_smoke("r", routes=["/"])',
     "http_smoke('r'): argument 'routes': needs base= (the URL the routes are joined to); "
     "or give full URLs with urls="),
    ('http_smoke("r", base="127.0.0.1:8080")',
     "http_smoke('r'): argument 'base': expected an http:// or https:// URL, got '127.0.0.1:8080'"),
    ('http_smoke("r", base="http://a", routes=["api/health"])',
     "http_smoke('r'): argument 'routes': a route starts with '/', got 'api/health' "
     "(full URLs go in urls=)"),
    ('http_smoke("r", base="http://a", routes=[1])',
     "http_smoke('r'): argument 'routes': expected a str or a list of str, got list"),
    ('http_smoke("r", urls=["ftp://a/"])',
     "http_smoke('r'): argument 'urls': expected an http:// or https:// URL, got 'ftp://a/'"),
    ('http_smoke("r", base="http://a", expect_status="ok")',
     "http_smoke('r'): argument 'expect_status': 'ok' is not a status code, a class like '2xx' "
     "or a range like '200-299'"),
    ('http_smoke("r", base="http://a", expect_status=600)',
     "http_smoke('r'): argument 'expect_status': expected a status code (100-599), got 600"),
    ('http_smoke("r", base="http://a", expect_status=range(200, 300, 2))',
     "http_smoke('r'): argument 'expect_status': expected a non-empty range with step 1, "
     "got range(200, 300, 2)"),
    ('http_smoke("r", base="http://a", routes=["/"], expect_text={"/x": "hi"})',
     "http_smoke('r'): argument 'expect_text': '/x' is not one of the routes or urls of this "
     "smoke"),
    ('http_smoke("r", base="http://a", expect_text=3)',
     "http_smoke('r'): argument 'expect_text': expected a non-empty str or a dict {route: text}, "
     "got 3"),
    ('http_smoke("r", base="http://a", retries=-1)',
     "http_smoke('r'): argument 'retries': expected an int from 0 to 1000, got -1"),
    ('http_smoke("r", base="http://a", timeout="soon")',
     "http_smoke('r'): argument 'timeout': bad duration 'soon'"),
    ('http_smoke("r", base="http://a", timeout=0)',
     "http_smoke('r'): argument 'timeout': must be positive, got 0"),
    ('http_smoke("r", base="http://a", trigger_mode="manual")',
     "http_smoke('r'): argument 'trigger_mode': expected TRIGGER_MODE_AUTO or "
     "TRIGGER_MODE_MANUAL, got 'manual'"),
    ('http_smoke("r", base="http://a", route="/")',
     "http_smoke('r'): unexpected argument 'route'"),
    ('http_smoke(None, base="http://a")',
     "http_smoke: argument 'name': expected a non-empty str, got None"),
    ('browser_smoke("b")', "browser_smoke('b'): argument 'url': required (the page to open)"),
    ('browser_smoke("b", url="http://a/", screenshot="shot.jpg")',
     "browser_smoke('b'): argument 'screenshot': expected a path ending in .png, got 'shot.jpg'"),
    ('browser_smoke("b", url="http://a/", wait_for="")',
     "browser_smoke('b'): argument 'wait_for': expected a CSS selector, got ''"),
    ('browser_smoke("b", url="http://a/", expect_text=["ok", 3])',
     "browser_smoke('b'): argument 'expect_text': expected a str or a list of str, got list"),
    ('browser_smoke("b", url="http://a/", timeout="-1s")',
     "browser_smoke('b'): argument 'timeout': bad duration '-1s'"),
    ('browser_smoke("b", url="http://a/", auto_init="yes")',
     "browser_smoke('b'): argument 'auto_init': expected True or False, got str"),
    ('browser_smoke("b", url="http://a/", screenshots="x.png")',
     "browser_smoke('b'): unexpected argument 'screenshots'"),
    ('port_forward("pf")',
     "port_forward('pf'): argument 'namespace': required: fops never lets kubectl fall back to "
     "the kube context's namespace"),
    ('port_forward("pf", namespace="Dev_NS")',
     "port_forward('pf'): argument 'namespace': expected a namespace name, got 'Dev_NS'"),
    ('port_forward("pf", namespace="dev", target="svc/a b")',
     "port_forward('pf'): argument 'target': expected TYPE/NAME (svc/fractalops-portal, "
     "deploy/api, pod/api-0) or a pod name, got 'svc/a b'"),
    ('port_forward("pf", namespace="dev", local_port=0)',
     "port_forward('pf'): argument 'local_port': expected a port (1-65535), got 0"),
    ('port_forward("pf", namespace="dev", remote_port="80")',
     "port_forward('pf'): argument 'remote_port': expected a port (1-65535), got '80'"),
    ('port_forward("pf", namespace="dev", context="")',
     "port_forward('pf'): argument 'context': expected a kube context name, got ''"),
    ('port_forward("pf", namespace="dev", resource_deps=[1])',
     "port_forward('pf'): argument 'resource_deps': expected a str or a list of str, got list"),
])
def test_every_argument_error_names_the_tiltfile_line(tmp_path, call, message):
    assert load_error(tmp_path, call).startswith(f"Tiltfile.py:2: {message}")


def test_an_error_through_a_helper_names_the_tiltfile_line_that_called_http_smoke(tmp_path):
    message = load_error(tmp_path, """\
        def smoke(name, **kw):
            return http_smoke(name, **kw)

        smoke("ok", base="http://127.0.0.1:8080")
        smoke("bad", base="http://127.0.0.1:8080", retries="3")
    """)
    assert message.startswith("Tiltfile.py:3: http_smoke('bad'): argument 'retries'")
