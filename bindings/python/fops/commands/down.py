"""``fops down``: stop the session `fops up` runs in this repo. Touches no cluster."""
from __future__ import annotations

import argparse
import os
import sys

from fops import cmdline


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "down", usage="fops down [-f FILE] [--timeout DURATION]",
        help="stop the fops session running in this repo",
        description="Finds the fops session holding this repo's session lock (in the state "
                    "directory, .fops/ at the top of the git work tree), sends it SIGTERM and "
                    "waits until it has stopped everything it started and exited. Then stops "
                    "the processes a fops that was killed left running, and names them. It "
                    "touches no cluster and no release: use `fops mode deploy` to hand back to "
                    "Argo CD.")
    cmdline.add_tiltfile_args(parser, resources=False)
    parser.add_argument("--timeout", type=cmdline.parse_duration, default=30.0, metavar="DURATION",
                        help="how long to wait for the session to exit (default 30s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fops import _fops
    from fops.errors import Error

    root = os.path.dirname(os.path.abspath(args.file))
    state_dir = _fops.state_dir_for(root)
    try:
        # The same stop-and-wait `fops mode deploy` uses (engine/mode_transition.h).
        stopped = _fops.stop_session(state_dir, args.timeout)
    except Error as exc:
        cmdline.error(str(exc))
        return cmdline.EXIT_FAILED
    if stopped is None:
        print("fops down: no fops session is running in this repo")
    else:
        print(f"fops down: stopped fops {stopped.mode} (PID {stopped.pid})")
    # A session that exited cleanly took its processes with it; one that was
    # killed (kill -9, OOM) left them running, recorded in the state dir.
    cmdline.stop_leftovers(state_dir, "down", out=sys.stdout)
    sys.stdout.flush()
    return cmdline.EXIT_OK
