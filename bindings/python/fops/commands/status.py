"""``fops status``: the live status table of the repo's running ``fops up``."""
from __future__ import annotations

import argparse
import sys

from fops import cmdline, control


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "status", usage="fops status [-f FILE] [--json]",
        help="print the status of the running `fops up` session",
        description="Prints the status table of the `fops up` session running in this repo "
                    "(from any of its directories): each resource's state, last run and its "
                    "duration, why it ran, was skipped or waits, readiness and links, grouped "
                    "by label. --json prints the status as JSON (docs/views.md). Exit codes: "
                    "0, or 2 when no `fops up` session runs.")
    control.add_session_args(parser)
    parser.add_argument("--json", action="store_true", help="print the status as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import shutil

    from fops import _fops

    try:
        state_dir = control.find_session(args.file)
        snapshot = control.request(state_dir, "status")
    except control.NoSession as exc:
        cmdline.error(str(exc))
        return control.EXIT_NO_SESSION
    if args.json:
        print(snapshot)
        return cmdline.EXIT_OK
    tty = sys.stdout.isatty()
    width = shutil.get_terminal_size((120, 24)).columns if tty else 200
    for line in _fops.format_status_table(snapshot, width=width, color=tty):
        print(line)
    return cmdline.EXIT_OK
