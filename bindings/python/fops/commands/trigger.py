"""``fops trigger``: ask the running ``fops up`` to update resources now (Tilt's ``tilt trigger``)."""
from __future__ import annotations

import argparse
import sys

from fops import cmdline, control

#: No `fops up` session runs for the Tiltfile (or it does not listen).
EXIT_NO_SESSION = control.EXIT_NO_SESSION


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "trigger", usage="fops trigger [-f FILE] [--timeout DURATION] RESOURCE [RESOURCE ...]",
        help="run resources now in the running `fops up` session",
        description="Asks the `fops up` session running in this repo (from any of its "
                    "directories; with -f, the one running that Tiltfile) to update each "
                    "RESOURCE now, as `tilt trigger` does: a manual (trigger_mode=manual) "
                    "resource runs, an auto one runs again, and resource_deps that have not "
                    "succeeded yet run first. A resource whose update is running gets one more "
                    "update after it. The session is reached through the socket "
                    "`.fops/session.sock` in the repo's state directory. Exit codes: 0 "
                    "triggered, 1 an unknown or disabled resource (nothing triggered), 2 no "
                    "`fops up` session runs.")
    control.add_session_args(parser)
    parser.add_argument("resources", nargs="+", metavar="RESOURCE", help="resources to update")
    parser.add_argument("--timeout", type=cmdline.parse_duration, default=10.0, metavar="DURATION",
                        help="how long to wait for the session's answer (default 10s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fops import _fops
    from fops.errors import Error

    try:
        state_dir = control.find_session(args.file)
    except control.NoSession as exc:
        cmdline.error(str(exc))
        return EXIT_NO_SESSION
    try:
        answer = _fops.request_trigger(state_dir, args.resources, args.timeout)
    except Error as exc:
        cmdline.error(str(exc))
        # Nobody listens, or the session is not in `up` yet: as if none ran.
        if exc.code == "UNAVAILABLE" or (exc.code == "FAILED_PRECONDITION"
                                         and "no `fops up` session" in str(exc)):
            return EXIT_NO_SESSION
        return cmdline.EXIT_FAILED
    print(f"fops trigger: {answer}")
    sys.stdout.flush()
    return cmdline.EXIT_OK
