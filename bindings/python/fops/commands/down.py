"""``fops down``: stop the session `fops up` runs in this repo. Touches no cluster."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from fops import cli


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "down", usage="fops down [-f FILE] [--timeout DURATION]",
        help="stop the fops session running in this repo",
        description="Finds the fops session holding this repo's session lock (in the state "
                    "directory, .fops/ at the top of the git work tree), sends it SIGTERM and "
                    "waits until it has stopped everything it started and exited. It touches "
                    "no cluster and no release: use `fops mode deploy` to hand back to Argo CD.")
    cli.add_tiltfile_args(parser, resources=False)
    parser.add_argument("--timeout", type=cli.parse_duration, default=30.0, metavar="DURATION",
                        help="how long to wait for the session to exit (default 30s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fops import _fops

    root = os.path.dirname(os.path.abspath(args.file))
    state_dir = _fops.state_dir_for(root)
    holder = _fops.SessionLock.read_holder(state_dir)
    if holder is None:
        print("fops down: no fops session is running in this repo")
        return cli.EXIT_OK
    what = f"fops {holder.mode} (PID {holder.pid})"
    try:
        os.kill(holder.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    except PermissionError:
        cli.error(f"cannot signal {what}: permission denied")
        return cli.EXIT_FAILED
    deadline = time.monotonic() + args.timeout
    delay = 0.01
    while True:
        current = _fops.SessionLock.read_holder(state_dir)
        if current is None or current.pid != holder.pid:
            break
        if time.monotonic() > deadline:
            cli.error(f"{what} did not stop within {args.timeout:g}s")
            return cli.EXIT_FAILED
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    print(f"fops down: stopped {what}")
    sys.stdout.flush()
    return cli.EXIT_OK
