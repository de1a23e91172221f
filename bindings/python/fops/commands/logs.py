"""``fops logs``: a running ``fops up`` session's log lines, optionally followed."""
from __future__ import annotations

import argparse
import json
import sys

from fops import cmdline, control

#: How long one follow request waits for new lines (seconds): short, so
#: Ctrl-C is seen soon.
_WAIT = 1.0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "logs", usage="fops logs [--file FILE] [-f] [RESOURCE]",
        help="print the log lines the running `fops up` session keeps",
        description="Prints the log lines the `fops up` session running in this repo keeps "
                    "(the last 256 KiB of each resource), of RESOURCE or of all of them, with "
                    "fops up's prefixes. -f (--follow) then prints new lines as they come, until "
                    "the session ends or Ctrl-C. Exit codes: 0; 1 an unknown resource; 2 no "
                    "`fops up` session runs.")
    control.add_session_args(parser, short=False)  # -f is --follow, as in `tilt logs -f`
    parser.add_argument("resource", nargs="?", default="", metavar="RESOURCE",
                        help="only this resource's lines")
    parser.add_argument("-f", "--follow", action="store_true",
                        help="keep printing new lines until the session ends")
    parser.set_defaults(func=run)


def _print(lines) -> None:
    out = sys.stdout
    for line in lines:
        out.write(f"{line['resource']:>13} │ {line['text']}\n")
    out.flush()


def run(args: argparse.Namespace) -> int:
    from fops.errors import Error

    try:
        state_dir = control.find_session(args.file)
    except control.NoSession as exc:
        cmdline.error(str(exc))
        return control.EXIT_NO_SESSION
    after = 0
    first = True
    while True:
        request = " ".join(["logs", *([args.resource] if args.resource else []), f"after={after}"])
        if not first and args.follow:
            request += f" wait={_WAIT}"
        try:
            answer = json.loads(control.request(state_dir, request, timeout=_WAIT + 10))
        except control.NoSession:
            if first:
                cmdline.error("the `fops up` session stopped listening")
                return control.EXIT_NO_SESSION
            return cmdline.EXIT_OK  # the session ended: so does following it
        except Error as exc:
            cmdline.error(str(exc))
            return cmdline.EXIT_FAILED
        if first and answer.get("dropped"):
            print("fops logs: earlier lines are no longer kept (the session keeps the last "
                  "256 KiB of each resource)", file=sys.stderr)
        first = False
        _print(answer["lines"])
        after = answer["next"]
        if len(answer["lines"]) >= 2000:
            continue  # more is kept: ask again at once
        if not args.follow or not answer.get("running", False):
            return cmdline.EXIT_OK
