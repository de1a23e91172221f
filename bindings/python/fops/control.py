"""Reaching the ``fops up`` session of a repo from another process.

``fops trigger``, ``fops status`` and ``fops logs`` ask the session through
its control socket (``session.sock`` in the repo's state directory, see
docs/cli.md). Without ``-f`` they work from any directory of the repo: the
state directory is found as ``fops.state_dir_for`` finds it (the top of the
git work tree, or ``FOPS_STATE_DIR``), and any ``fops up`` session there
answers. With ``-f FILE`` the session must run that Tiltfile.
"""
from __future__ import annotations

import os

from fops import cmdline

#: No `fops up` session runs for the Tiltfile or the repo (or it does not listen).
EXIT_NO_SESSION = 2


class NoSession(Exception):
    """No `fops up` session answers; the message says why and what to do."""


def add_session_args(parser, short: bool = True) -> None:
    """-f/--file FILE: which session (default: the one running in this repo)."""
    names = ("-f", "--file") if short else ("--file",)
    parser.add_argument(*names, default=None, metavar="FILE",
                        help="the Tiltfile whose session to ask (default: the session "
                             "running in this repo, from any of its directories)")


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def find_session(file: "str | None") -> str:
    """The state directory of the `fops up` session to ask; NoSession if none runs."""
    from fops import _fops

    default = cmdline.DEFAULT_TILTFILE
    named = file if file is not None else (default if os.path.isfile(default) else None)
    where = os.path.dirname(os.path.abspath(named)) if named else os.getcwd()
    state_dir = _fops.state_dir_for(where)
    holder = _fops.SessionLock.read_holder(state_dir)
    if holder is None or holder.mode != "up":
        running = "" if holder is None else f" (PID {holder.pid} runs `fops {holder.mode}`)"
        if named:
            raise NoSession(f"no `fops up` session is running for {named}{running}; "
                            f"start one with `fops up -f {named}`")
        raise NoSession(f"no `fops up` session is running in this repo{running}; "
                        "start one with `fops up`")
    if file is not None and holder.tiltfile and not _same_file(holder.tiltfile, file):
        raise NoSession(f"the `fops up` session in this repo (PID {holder.pid}) runs "
                        f"{holder.tiltfile}, not {file}")
    return state_dir


def request(state_dir: str, line: str, timeout: float = 10.0) -> str:
    """One request to the session; its ok answer. NoSession when it stopped listening."""
    from fops import _fops
    from fops.errors import Error

    try:
        return _fops.send_session_request(state_dir, line, timeout)
    except Error as exc:
        if exc.code == "UNAVAILABLE":
            raise NoSession(str(exc)) from None
        raise
