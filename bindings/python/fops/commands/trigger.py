"""``fops trigger``: ask the running ``fops up`` to update resources now (Tilt's ``tilt trigger``)."""
from __future__ import annotations

import argparse
import os
import sys

from fops import cli

#: No `fops up` session runs for the Tiltfile (or it does not listen).
EXIT_NO_SESSION = 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "trigger", usage="fops trigger [-f FILE] [--timeout DURATION] RESOURCE [RESOURCE ...]",
        help="run resources now in the running `fops up` session",
        description="Asks the `fops up` session running for the Tiltfile to update each "
                    "RESOURCE now, as `tilt trigger` does: a manual (trigger_mode=manual) "
                    "resource runs, an auto one runs again, and resource_deps that have not "
                    "succeeded yet run first. A resource whose update is running gets one more "
                    "update after it. The session is reached through the socket "
                    "`.fops/session.sock` in the repo's state directory. Exit codes: 0 "
                    "triggered, 1 an unknown resource (nothing triggered), 2 no `fops up` "
                    "session runs for the Tiltfile.")
    cli.add_tiltfile_args(parser, resources=False)
    parser.add_argument("resources", nargs="+", metavar="RESOURCE", help="resources to update")
    parser.add_argument("--timeout", type=cli.parse_duration, default=10.0, metavar="DURATION",
                        help="how long to wait for the session's answer (default 10s)")
    parser.set_defaults(func=run)


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def run(args: argparse.Namespace) -> int:
    from fops import _fops
    from fops.errors import Error

    tiltfile = os.path.abspath(args.file)
    state_dir = _fops.state_dir_for(os.path.dirname(tiltfile))
    holder = _fops.SessionLock.read_holder(state_dir)
    if holder is None or holder.mode != "up":
        running = "" if holder is None else f" (PID {holder.pid} runs `fops {holder.mode}`)"
        cli.error(f"no `fops up` session is running for {args.file}{running}; "
                  f"start one with `fops up -f {args.file}`")
        return EXIT_NO_SESSION
    if holder.tiltfile and not _same_file(holder.tiltfile, tiltfile):
        cli.error(f"the `fops up` session in this repo (PID {holder.pid}) runs {holder.tiltfile}, "
                  f"not {args.file}")
        return EXIT_NO_SESSION
    try:
        answer = _fops.request_trigger(state_dir, args.resources, args.timeout)
    except Error as exc:
        cli.error(str(exc))
        # Nobody listens, or the session is not in `up`: as if none ran.
        return EXIT_NO_SESSION if exc.code in ("UNAVAILABLE", "FAILED_PRECONDITION") else cli.EXIT_FAILED
    print(f"fops trigger: {answer}")
    sys.stdout.flush()
    return cli.EXIT_OK
