"""The web view of a real `fops up`, in real Chromium: resources and their
states, a manual resource triggered from the page and its log line streamed
in, disable and enable; every request without the session's token is
refused (403), as are another Host and another site's Origin."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request

import pytest

from fixtures.browser import images_dir, playwright  # noqa: F401
from fixtures.processes import kill_tree, wait_until

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")

PAGE_SCRIPT = r"""
(async () => {
  const [url, shot] = process.argv.slice(2);
  const seen = {};
  const context = await launch();
  const page = await context.newPage();
  await page.goto(url);
  const state = (name) => page.getAttribute(`tr.res[data-resource="${name}"]`, 'data-state');
  await page.waitForSelector('tr.res[data-resource="web"][data-state="ready"]', { timeout: 30000 });
  seen.address_after_load = page.url();
  seen.seed_before = await state('seed');
  seen.groups = await page.$$eval('tr.group td', (tds) => tds.map((t) => t.textContent));
  seen.link = await page.getAttribute('tr.res[data-resource="web"] td.links a', 'href');
  seen.mode = await page.textContent('#mode');
  await page.click('button.trigger[data-resource="seed"]');
  await page.waitForSelector('#log .line[data-resource="seed"]:has-text("seeded from the page")', { timeout: 30000 });
  await page.waitForSelector('tr.res[data-resource="seed"][data-state="succeeded"]', { timeout: 30000 });
  seen.seed_after = await state('seed');
  seen.seed_why = await page.textContent('tr.res[data-resource="seed"] td.why');
  await page.click('button.toggle[data-resource="seed"]');
  await page.waitForSelector('tr.res[data-resource="seed"][data-state="disabled"]', { timeout: 30000 });
  seen.disabled = await state('seed');
  await page.click('button.toggle[data-resource="seed"]');
  await page.waitForSelector('tr.res[data-resource="seed"][data-state="succeeded"]', { timeout: 30000 });
  seen.enabled_again = await state('seed');
  await page.click('tr.res[data-resource="build"]');
  seen.build_log = await page.$$eval('#log .line', (ls) => ls.map((l) => l.textContent));
  await page.click('#show-all');
  await page.waitForFunction(() => document.querySelector('#timeline').complete &&
                                   document.querySelector('#timeline').naturalWidth > 0);
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify(seen));
  await context.close();
})();
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def session(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        local_resource("build", cmd="sleep 0.3; echo built", labels=["backend"])
        local_resource("seed", cmd="echo seeded from the page", trigger_mode=TRIGGER_MODE_MANUAL,
                       labels=["backend"])
        local_resource("web", serve_cmd="exec python3 -m http.server %d --bind 127.0.0.1",
                       resource_deps=["build"], links=["http://127.0.0.1:%d/"], labels=["frontend"],
                       readiness_probe=probe(http_get=http_get_action(port=%d)))
    """) % ((_free_port(),) * 3))
    env = dict(os.environ, FOPS_STATE_DIR=str(tmp_path / "state"))
    env.pop("CI", None)
    log = open(tmp_path / "up.log", "w")
    up = subprocess.Popen([FOPS, "up", "--port", "0"], cwd=tmp_path, env=env, stdout=log,
                          stderr=subprocess.STDOUT)
    wait_until(lambda: "web view: http" in (tmp_path / "up.log").read_text(),
               what="fops up to print its web view's address")
    url = re.search(r"fops up: web view: (\S+)", (tmp_path / "up.log").read_text()).group(1)
    yield tmp_path, up, url
    kill_tree(up)


def _get(url, headers=None, data=None):
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_page_shows_the_session_triggers_a_manual_resource_and_streams_its_log(
        session, playwright):  # noqa: F811
    tmp_path, up, url = session
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{20,}", url)
    target = images_dir()
    shot = os.path.join(target, "web-view.png") if target else ""
    seen = json.loads(playwright(PAGE_SCRIPT, url, shot).strip().splitlines()[-1])
    assert "token" not in seen["address_after_load"]  # kept out of the address bar
    assert seen["seed_before"] == "idle"
    assert seen["groups"] == ["backend", "frontend"]
    assert seen["link"].startswith("http://127.0.0.1:")
    assert seen["mode"] == "development"
    assert seen["seed_after"] == "succeeded"
    assert seen["seed_why"] == "triggered"
    assert seen["disabled"] == "disabled"
    assert seen["enabled_again"] == "succeeded"
    assert any(line.endswith("built") for line in seen["build_log"])
    assert not any("seeded" in line for line in seen["build_log"])
    # The terminal saw the same run.
    assert "seed │ seeded from the page" in (tmp_path / "up.log").read_text()
    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=30) == 0


def test_requests_without_the_token_or_from_elsewhere_are_refused(session):
    tmp_path, up, url = session
    base, token = url.split("?token=")
    wait_until(lambda: json.loads(_get(base + "api/status", {"X-Fops-Token": token})[1])
               ["resources"][2]["state"] == "ready", what="web to be ready")
    for path in ("", "api/status", "api/events", "api/logs", "static/app.js", "api/timeline.svg"):
        status, body = _get(base + path)
        assert status == 403, path
        assert "token" in body
    assert _get(base + "api/status?token=wrong")[0] == 403
    # A page on another origin: its requests carry its Origin, or another Host.
    assert _get(base + "api/status", {"X-Fops-Token": token, "Origin": "http://127.0.0.1:1"})[0] == 403
    assert _get(base + "api/status", {"X-Fops-Token": token, "Host": "evil.example:80"})[0] == 403
    # Changes need the token in the header: the cookie alone (what another
    # page's form would send) is not enough.
    port = base.rsplit(":", 1)[1].strip("/")
    cookie = {"Cookie": f"fops_token_{port}={token}", "Content-Type": "application/json"}
    status, _ = _get(base + "api/trigger", cookie, data=b'{"resource": "seed"}')
    assert status == 403
    status, body = _get(base + "api/trigger", {"X-Fops-Token": token}, data=b'{"resource": "sed"}')
    assert status == 404 and "unknown resource 'sed'" in json.loads(body)["error"]
    assert "seeded" not in (tmp_path / "up.log").read_text()  # nothing ran
    status, body = _get(base + "api/status", {"X-Fops-Token": token})
    assert status == 200 and json.loads(body)["command"] == "up"
    up.send_signal(signal.SIGTERM)
    assert up.wait(timeout=30) == 0


def test_a_port_in_use_is_said_and_a_free_one_taken(tmp_path):
    (tmp_path / "Tiltfile.py").write_text('local_resource("a", cmd="true")\n')
    env = dict(os.environ, FOPS_STATE_DIR=str(tmp_path / "state"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        log = open(tmp_path / "up.log", "w")
        up = subprocess.Popen([FOPS, "up", "--port", str(port)], cwd=tmp_path, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: "web view: http" in (tmp_path / "up.log").read_text(),
                       what="the web view's address")
            text = (tmp_path / "up.log").read_text()
            assert f"fops up: port {port} is in use" in text
            assert "the web view takes a free port instead" in text
            assert f"127.0.0.1:{port}/" not in text
        finally:
            up.send_signal(signal.SIGTERM)
            assert up.wait(timeout=30) == 0


RELOAD_SCRIPT = r"""
(async () => {
  const [url, marker] = process.argv.slice(2);
  const seen = {};
  const context = await launch();
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('tr.res[data-resource="web"][data-state="ready"]', { timeout: 30000 });
  seen.hidden_before = await page.isHidden('#reload-error');
  require('fs').writeFileSync(marker + '.broken', '');
  await page.waitForSelector('#reload-error', { state: 'visible', timeout: 30000 });
  seen.error = await page.textContent('#reload-error-text');
  require('fs').writeFileSync(marker + '.seen', '');
  await page.waitForSelector('#reload-error', { state: 'hidden', timeout: 30000 });
  await page.waitForSelector('tr.res[data-resource="extra"]', { timeout: 30000 });
  seen.rows = await page.$$eval('tr.res', (rs) => rs.map((r) => r.dataset.resource));
  console.log(JSON.stringify(seen));
  await context.close();
})();
"""


def test_the_page_shows_a_failed_reload_until_a_good_one(session, playwright):  # noqa: F811
    import threading

    tmp_path, up, url = session
    tiltfile = tmp_path / "Tiltfile.py"
    good = tiltfile.read_text()
    marker = str(tmp_path / "page")

    def edit():  # as the page asks: break the Tiltfile, then fix it
        wait_until(lambda: os.path.exists(marker + ".broken"), timeout=60, what="the page")
        tiltfile.write_text(good + 'local_resource("extra", cmd="true"\n')
        wait_until(lambda: os.path.exists(marker + ".seen"), timeout=60, what="the banner")
        tiltfile.write_text(good + 'local_resource("extra", cmd="true")\n')

    editor = threading.Thread(target=edit, daemon=True)
    editor.start()
    seen = json.loads(playwright(RELOAD_SCRIPT, url, marker).strip().splitlines()[-1])
    editor.join(timeout=60)
    assert seen["hidden_before"] is True
    assert seen["error"].startswith("Tiltfile.py:7: syntax error"), seen["error"]
    assert "extra" in seen["rows"]
    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=30) == 0
