"""Finding what a browser smoke needs, and running it.

A browser smoke runs ``browser_smoke.js`` (beside this file) with node; the
script drives Chromium through ``playwright-core``. Each is looked up in
order, and a missing one is an :class:`fops.ExecError` that says where fops
looked and how to install it:

- node: ``FOPS_NODE``, else ``node`` on PATH.
- playwright-core: ``FOPS_PLAYWRIGHT_DIR`` (the ``--prefix`` of an npm
  install, its ``node_modules``, or the package itself), else each entry of
  ``NODE_PATH``, else ``$FOPS_TOOLS_DIR/playwright`` (by default
  ``~/.cache/fops/tools/playwright``, where ``.ci/tools/playwright.sh``
  installs the pinned version).
- Chromium: ``FOPS_CHROMIUM``, else Debian's ``/usr/lib/chromium/chromium``
  (the binary itself: quieter than the ``/usr/bin/chromium`` wrapper), else
  ``/usr/bin/chromium``, ``/usr/bin/chromium-browser``.
"""
from __future__ import annotations

import os
import shutil

from fops.errors import ExecError

#: The playwright-core version .ci/tools/playwright.sh installs.
PLAYWRIGHT_VERSION = "1.61.1"
#: Where Chromium is looked for when FOPS_CHROMIUM is not set.
CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
#: The runner script, shipped with the package.
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser_smoke.js")

_INSTALL_PLAYWRIGHT = (
    "install it with `npm install --prefix {prefix} playwright-core@{version}` (what "
    "`bash .ci/tools/playwright.sh` in the fops repo does), or point FOPS_PLAYWRIGHT_DIR at "
    "an npm prefix that has it")


def tools_dir() -> str:
    """$FOPS_TOOLS_DIR, else ~/.cache/fops/tools (as .ci/install-tools)."""
    return os.environ.get("FOPS_TOOLS_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "fops", "tools")


def find_node() -> str:
    """The node executable; ExecError saying how to install it."""
    given = os.environ.get("FOPS_NODE")
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given
        raise ExecError(f"browser smoke: FOPS_NODE={given} is not an executable file")
    found = shutil.which("node")
    if found:
        return found
    raise ExecError("browser smoke: node (Node.js) not found on PATH: install it "
                    "(Debian: apt-get install nodejs npm) or set FOPS_NODE to its path")


def _package_in(directory: str):
    """playwright-core's directory under ``directory`` (a prefix, a
    node_modules, or the package itself), or None."""
    for candidate in (os.path.join(directory, "node_modules", "playwright-core"),
                      os.path.join(directory, "playwright-core"), directory):
        if os.path.isfile(os.path.join(candidate, "package.json")) and \
                os.path.basename(os.path.normpath(candidate)) == "playwright-core":
            return os.path.abspath(candidate)
    return None


def playwright_candidates() -> list:
    """The directories searched for playwright-core, in order."""
    given = os.environ.get("FOPS_PLAYWRIGHT_DIR")
    if given:
        return [given]  # set on purpose: nothing else is tried
    dirs = [d for d in os.environ.get("NODE_PATH", "").split(os.pathsep) if d]
    dirs.append(os.path.join(tools_dir(), "playwright"))
    return dirs


def find_playwright() -> str:
    """playwright-core's package directory; ExecError saying how to install it."""
    candidates = playwright_candidates()
    for directory in candidates:
        found = _package_in(directory)
        if found:
            return found
    where = ", ".join(candidates)
    how = _INSTALL_PLAYWRIGHT.format(prefix=os.path.join(tools_dir(), "playwright"),
                                     version=PLAYWRIGHT_VERSION)
    if os.environ.get("FOPS_PLAYWRIGHT_DIR"):
        raise ExecError(f"browser smoke: playwright-core not found in FOPS_PLAYWRIGHT_DIR={where}: "
                        f"{how}")
    raise ExecError(f"browser smoke: playwright-core not found (looked in {where}): {how}")


def find_chromium() -> str:
    """The Chromium executable; ExecError saying how to install it."""
    given = os.environ.get("FOPS_CHROMIUM")
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given
        raise ExecError(f"browser smoke: FOPS_CHROMIUM={given} is not an executable file")
    for path in CHROMIUM_PATHS:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise ExecError(f"browser smoke: Chromium not found (looked at {', '.join(CHROMIUM_PATHS)}): "
                    "install it (Debian: apt-get install chromium) or set FOPS_CHROMIUM to its path")


def argv(url: str, screenshot: str, expect_text=(), wait_for: str = "", timeout: float = 30.0,
         insecure: bool = False) -> list:
    """The node command line of one browser smoke (the tools found now)."""
    node, playwright, chromium = find_node(), find_playwright(), find_chromium()
    command = [node, SCRIPT, "--playwright", playwright, "--chromium", chromium,
               "--url", url, "--screenshot", screenshot,
               "--timeout-ms", str(max(1, int(timeout * 1000)))]
    for text in expect_text:
        command += ["--expect-text", text]
    if wait_for:
        command += ["--wait-for", wait_for]
    if insecure:
        command.append("--insecure")
    return command


def run(url: str, screenshot: str, expect_text=(), wait_for: str = "", timeout: float = 30.0,
        insecure: bool = False) -> int:
    """Replaces this process with the browser smoke (same pid, so the engine's
    timeout and stop reach node and Chromium); returns only on error."""
    import sys

    command = argv(url, screenshot, expect_text, wait_for, timeout, insecure)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(command[0], command)
    except OSError as exc:
        raise ExecError(f"browser smoke: cannot run {command[0]}: {exc.strerror}") from None
    return 1  # not reached
