"""``fops smoke``: what smoke resources run (docs/smoke.md).

::

    fops smoke http --base http://127.0.0.1:8080 --route / --route /api/health
    fops smoke browser --url http://127.0.0.1:8080/ --screenshot output/playwright/portal.png

``fops smoke http`` is run by the native ``fops`` command without starting
Python; this module reaches the same code (``_fops.smoke_http_main``) when
Python runs it (``python -m fops smoke http``). ``fops smoke browser`` finds
node, playwright-core and Chromium and runs the browser smoke in place of
this process. Exit codes: 0 passed, 1 failed, 2 bad usage.
"""
from __future__ import annotations

import argparse
import sys

from fops import cmdline


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "smoke", usage="fops smoke (http | browser) [options]",
        help="check a running service: its routes (http) or a page in Chromium (browser)",
        description="The checks http_smoke and browser_smoke resources run. `fops smoke http "
                    "--help` and `fops smoke browser --help` list their options.")
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)

    # Everything after `http` goes, unread, to the same C++ the native command
    # runs (no prefix character: argparse must not take its flags as its own).
    http = kinds.add_parser("http", add_help=False, prefix_chars="\0",
                            help="GET routes and check status and text")
    http.add_argument("argv", nargs=argparse.REMAINDER)
    http.set_defaults(func=run_http)

    browser = kinds.add_parser(
        "browser", usage="fops smoke browser --url URL [--screenshot PATH] [--expect-text TEXT]... "
                         "[--wait-for SELECTOR] [--timeout D] [--insecure]",
        help="open a page in Chromium, fail on errors, write a screenshot",
        description="Opens URL in headless Chromium (playwright-core) and fails when the main "
                    "document answers outside 2xx, a script throws an uncaught exception, a "
                    "request fails or answers 4xx/5xx, an --expect-text is missing from the "
                    "page, or the --wait-for selector never becomes visible. Writes the "
                    "screenshot (PNG, 1280x720; directories are created). Needs node, "
                    "playwright-core and Chromium: see docs/smoke.md.")
    browser.add_argument("--url", required=True, help="the page to open")
    browser.add_argument("--screenshot", default="output/playwright/browser-smoke.png",
                         metavar="PATH", help="where the PNG goes (default %(default)s)")
    browser.add_argument("--expect-text", action="append", default=[], metavar="TEXT",
                         help="the page's text must contain TEXT (repeatable)")
    browser.add_argument("--wait-for", default="", metavar="SELECTOR",
                         help="a CSS selector that must become visible")
    browser.add_argument("--timeout", type=cmdline.parse_duration, default=30.0, metavar="D",
                         help="for loading the page, each wait and the screenshot (default 30s)")
    browser.add_argument("--insecure", action="store_true", help="accept any TLS certificate")
    browser.set_defaults(func=run_browser)


def run_http(args: argparse.Namespace) -> int:
    from fops import _fops

    argv = list(args.argv)
    if args.tiltfile_args:
        argv += ["--"] + list(args.tiltfile_args)  # not an option of `smoke http`: it says so
    sys.stdout.flush()
    return _fops.smoke_http_main(argv)


def run_browser(args: argparse.Namespace) -> int:
    from fops.smoke import browser

    if args.tiltfile_args:
        cmdline.error(f"fops smoke browser: unexpected arguments after --: {args.tiltfile_args}")
        return cmdline.EXIT_CONFIG
    return browser.run(args.url, args.screenshot, args.expect_text, args.wait_for, args.timeout,
                       args.insecure)
