"""`fops up` on a real terminal (a tmux pane): the status table stays below
the scrolling log, redrawn in place (never left behind in the scrollback),
fits a narrowed terminal, and is gone when the session ends. The docs'
picture of it is drawn from the pane's capture."""
import html
import os
import re
import shlex
import subprocess
import sys
import textwrap

import pytest

from fixtures.browser import images_dir, playwright, screenshot_file  # noqa: F401
from fixtures.processes import wait_until

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")
HEADER = re.compile(r"RESOURCE +STATE")


@pytest.fixture
def pane(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        local_resource("compile", cmd="for i in 1 2 3; do echo compiling part $i; done",
                       labels=["backend"])
        local_resource("unit-tests", cmd="sleep 0.5; echo 42 passed", resource_deps=["compile"],
                       labels=["backend"])
        local_resource("api", serve_cmd="echo listening on 127.0.0.1:8080; exec sleep 300",
                       resource_deps=["compile"], labels=["backend"],
                       links=["http://127.0.0.1:8080/"])
        local_resource("seed-db", cmd="echo seeded 12 rows", trigger_mode=TRIGGER_MODE_MANUAL,
                       labels=["data"])
        local_resource("docs", cmd="echo docs built", auto_init=False)
    """))
    socket_name = f"fops-test-{os.getpid()}"
    state = tmp_path / "state"
    env = {"FOPS_STATE_DIR": str(state), "TERM": "xterm-256color", "PATH": os.environ["PATH"],
           "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    command = " ".join([*(f"{k}={shlex.quote(v)}" for k, v in env.items()),
                        shlex.quote(FOPS), "up", "--no-web", ";", "echo", "fops-exited-$?", ";",
                        "sleep", "600"])
    tmux = ["tmux", "-L", socket_name]
    # tmux keeps a screen cleared from its top-left corner in its history
    # (scroll-on-clear), so the table's first erase, made while the log is still
    # empty, would look like a copy left behind.
    config = tmp_path / "tmux.conf"
    config.write_text("set -g scroll-on-clear off\n")
    subprocess.run([*tmux, "-f", str(config), "new-session", "-d", "-x", "120", "-y", "40",
                    "-s", "fops", "-c", str(tmp_path), command], check=True)

    def capture(*extra):
        return subprocess.run([*tmux, "capture-pane", "-p", "-t", "fops", *extra],
                              capture_output=True, text=True, check=True).stdout

    def keys(*k):
        subprocess.run([*tmux, "send-keys", "-t", "fops", *k], check=True)

    yield tmp_path, capture, keys, tmux, env
    subprocess.run([*tmux, "kill-server"], capture_output=True)


def test_the_table_stays_below_the_log_and_is_redrawn_in_place(pane, playwright):  # noqa: F811
    tmp_path, capture, keys, tmux, env = pane
    screens = []

    def settled():
        screens.append(capture())
        return re.search(r"api +ready", screens[-1]) and "unit-tests │ ✔ succeeded" in screens[-1] \
            and re.search(r"  unit-tests +succeeded", screens[-1]) \
            and re.search(r"  docs +idle", screens[-1])

    wait_until(settled, timeout=30, what="the table to show api ready")
    screen = screens[-1].rstrip("\n").splitlines()
    at = next(i for i, line in enumerate(screen) if line.startswith("fops up · development"))
    table = screen[at:]
    assert HEADER.match(table[1])
    assert table[2] == "backend"
    assert re.match(r"  compile +succeeded +\d\d:\d\d:\d\d \S+ +initial run$", table[3])
    assert re.match(r"  unit-tests +succeeded +\d\d:\d\d:\d\d \S+ +initial run$", table[4])
    assert re.match(r"  api +ready .*✔ +http://127\.0\.0\.1:8080/$", next(l for l in table if "  api" in l))
    assert any(re.match(r"  seed-db +idle +manual: fops trigger seed-db", l) for l in table)
    assert any(re.match(r"  docs +idle +auto_init=False: fops trigger docs", l) for l in table)
    # The log scrolls above it, with its prefixes.
    log = "\n".join(screen[:at])
    assert "    compile │ compiling part 3" in log
    assert "        api │ listening on 127.0.0.1:8080" in log

    if images_dir():
        _picture(playwright, tmux, os.path.join(images_dir(), "terminal-view.png"))

    # A trigger from another terminal: its lines go above, the table stays one.
    done = subprocess.run([FOPS, "trigger", "seed-db"], cwd=tmp_path, capture_output=True,
                          text=True, env=dict(os.environ, **env), timeout=30)
    assert done.returncode == 0, done.stderr
    wait_until(lambda: re.search(r"seed-db +succeeded", capture()), what="seed-db in the table")
    screen = capture()
    assert "    seed-db │ seeded 12 rows" in screen
    assert screen.index("seeded 12 rows") < screen.index("fops up · development")
    history = capture("-S", "-")
    assert len(HEADER.findall(history)) == 1, history  # never left behind

    # Narrowed, it drops columns rather than wrapping.
    subprocess.run([*tmux, "resize-window", "-t", "fops", "-x", "50"], check=True)
    wait_until(lambda: "LINKS" not in capture() and re.search(r"^  api +ready", capture(), re.M),
               what="the table redrawn for 50 columns")
    for line in capture().splitlines()[-10:]:
        assert len(line) < 50, line

    # Ctrl-C: the table goes, the summary stays.
    keys("C-c")
    wait_until(lambda: "fops-exited-0" in capture(), what="fops up to exit")
    final = capture("-S", "-")
    assert not HEADER.search(final.split("fops up · development")[-1])
    assert re.search(r"RESOURCE +STATUS +DURATION", final)


def _picture(playwright, tmux, out):  # noqa: F811
    """The pane as Chromium draws its colours: a PNG for the docs."""
    text = subprocess.run([*tmux, "capture-pane", "-p", "-e", "-t", "fops"],
                          capture_output=True, text=True, check=True).stdout.rstrip("\n")
    colours = {"31": "#ff7b72", "32": "#3fb950", "33": "#d29922", "35": "#d2a8ff"}
    body, open_spans = [], 0
    for part in re.split(r"(\x1b\[[0-9;]*m)", text):
        match = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
        if not match:
            body.append(html.escape(part))
            continue
        for code in (match.group(1) or "0").split(";"):
            if code in ("0", "39", "22", ""):
                body.append("</span>" * open_spans)
                open_spans = 0
            elif code in colours:
                body.append(f'<span style="color:{colours[code]}">')
                open_spans += 1
            elif code == "1":
                body.append('<span style="font-weight:bold">')
                open_spans += 1
            elif code == "2":
                body.append('<span style="opacity:.6">')
                open_spans += 1
    body.append("</span>" * open_spans)
    page = ("<!doctype html><meta charset=utf-8><body style='margin:0;background:#0d1117'>"
            "<pre style='margin:0;padding:12px;color:#e6edf3;font:13px/1.35 \"DejaVu Sans Mono\","
            "monospace'>" + "".join(body) + "</pre>")
    path = out + ".html"
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    try:
        screenshot_file(playwright, path, out, width=1000, height=560)
    finally:
        os.unlink(path)
