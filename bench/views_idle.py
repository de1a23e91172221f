"""What the status views cost an idle `fops up` session: CPU time of the fops
process over a quiet minute, and its resident memory, in four set-ups:

  no-web    `fops up --no-web`, output to a file (no terminal table)
  web       `fops up` serving the web view, no page open
  page      `fops up` with the page open in headless Chromium (an event
            stream connected, the page's clock ticking)
  terminal  `fops up --no-web` in a tmux pane (the table redrawn each second)

    .venv/bin/python bench/views_idle.py --seconds 60

CPU is the fops process's own (its servers are other processes and not
counted): the sum of its threads' /proc/<pid>/task/*/schedstat, and utime +
stime from /proc/<pid>/stat (10 ms ticks) beside it; RSS is VmRSS at the
end. Figures:
docs/performance.md, "## Status views".
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FOPS = os.path.join(HERE, "..", ".venv", "bin", "fops")
TICK = os.sysconf("SC_CLK_TCK")
TILTFILE = textwrap.dedent("""\
    local_resource("build", cmd="echo built", labels=["backend"])
    local_resource("api", serve_cmd="exec sleep 100000", resource_deps=["build"],
                   labels=["backend"], links=["http://127.0.0.1:8080/"])
    local_resource("web", serve_cmd="exec sleep 100000", labels=["frontend"])
    local_resource("fill", cmd="echo filled", trigger_mode=TRIGGER_MODE_MANUAL)
""")
PAGE = """
const { chromium } = require('playwright-core');
(async () => {
  const [url, seconds] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: '/usr/lib/chromium/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('tr.res[data-state="ready"]');
  console.log('open');
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000 + 5000));
  await browser.close();
})();
"""


def cpu_seconds(pid):
    """CPU time of every thread of `pid`, in nanoseconds' precision
    (/proc/<pid>/task/*/schedstat; /proc/<pid>/stat counts 10 ms ticks).
    Threads that ended meanwhile are missed: the web server's request
    threads; their share is in the stat figure printed beside it."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e9


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.1)


def fops_pid(parent):
    """The fops process: the child of the tmux shell, or `parent` itself."""
    for _ in range(100):
        out = subprocess.run(["pgrep", "-P", str(parent), "-f", "fops up"], capture_output=True,
                             text=True).stdout.split()
        if out:
            return int(out[0])
        time.sleep(0.1)
    raise SystemExit("no fops process")


def measure(setup, seconds, playwright_dir):
    work = tempfile.mkdtemp(prefix="fops-idle-")
    with open(os.path.join(work, "Tiltfile.py"), "w") as f:
        f.write(TILTFILE)
    env = dict(os.environ, FOPS_STATE_DIR=os.path.join(work, "state"))
    env.pop("CI", None)
    log_path = os.path.join(work, "up.log")
    browser = tmux = None
    if setup == "terminal":
        tmux = ["tmux", "-L", f"fops-idle-{os.getpid()}"]
        subprocess.run([*tmux, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", "-c",
                        work, f"FOPS_STATE_DIR={work}/state TERM=xterm-256color {FOPS} up --no-web"],
                       check=True)
        shell = int(subprocess.run([*tmux, "display", "-p", "#{pane_pid}"], capture_output=True,
                                   text=True).stdout)
        pid = shell if "fops" in open(f"/proc/{shell}/cmdline").read() else fops_pid(shell)
        wait_for(lambda: b"ready" in subprocess.run([*tmux, "capture-pane", "-p"],
                                                    capture_output=True).stdout)
    else:
        args = [FOPS, "up"] + (["--no-web"] if setup == "no-web" else ["--port", "0"])
        log = open(log_path, "w")
        up = subprocess.Popen(args, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
        pid = up.pid
        wait_for(lambda: "api │ ✔ ready" in open(log_path).read())
        if setup == "page":
            url = re.search(r"web view: (\S+)", open(log_path).read()).group(1)
            script = os.path.join(work, "page.js")
            with open(script, "w") as f:
                f.write(PAGE)
            browser = subprocess.Popen(["node", script, url, str(seconds)], stdout=subprocess.PIPE,
                                       text=True, env=dict(os.environ, NODE_PATH=playwright_dir))
            assert browser.stdout.readline().strip() == "open"
    time.sleep(2)  # settle
    before, ticks_before = cpu_seconds(pid), cpu_ticks(pid)
    time.sleep(seconds)
    cpu = cpu_seconds(pid) - before
    ticks = cpu_ticks(pid) - ticks_before
    rss = rss_mib(pid)
    if tmux:
        subprocess.run([*tmux, "kill-server"])
    else:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=30)
    if browser:
        browser.kill()
        browser.wait()
    shutil.rmtree(work, ignore_errors=True)
    return {"setup": setup, "seconds": seconds, "cpu_ms": round(cpu * 1000, 2),
            "cpu_ms_stat": round(ticks * 1000), "rss_mib": round(rss, 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--setups", default="no-web,web,page,terminal")
    args = parser.parse_args()
    playwright_dir = os.environ.get("FOPS_PLAYWRIGHT_DIR") or \
        os.path.join(tempfile.gettempdir(), f"fops-playwright-{os.getuid()}", "node_modules")
    for setup in args.setups.split(","):
        print(json.dumps(measure(setup, args.seconds, playwright_dir)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
