"""``fops up``: run, keep serving until SIGINT/SIGTERM, then stop everything."""
from __future__ import annotations

import argparse
import os
import signal as _signal
import sys

from fops import cmdline


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "up", usage=cmdline.USAGE.format("up"),
        help="run, then keep serve processes up until stopped",
        description="Takes the repo's session lock (one session per repo), runs like `fops ci`, "
                    "then keeps serve processes running until SIGINT (Ctrl-C) or SIGTERM "
                    "(`fops down`), and stops every process it started, grandchildren included. "
                    "Processes a fops that was killed left running in this repo are stopped "
                    "first. "
                    "Meanwhile `fops trigger RESOURCE` runs a resource (a manual one too) on "
                    "demand, `fops status` and `fops logs` show the session, and a web view "
                    "serves the same on 127.0.0.1 (the address, with its token, is printed at "
                    "the start). On a terminal the status table stays below the log. "
                    "A change to the Tiltfile or to a file its load read reloads it: added "
                    "resources start, removed ones stop, changed ones restart, the others keep "
                    "running; a load that fails changes nothing and its error stays shown until "
                    "the next good load.")
    cmdline.add_tiltfile_args(parser)
    cmdline.add_run_args(parser)
    parser.add_argument("--port", type=_port, default=None, metavar="N",
                        help="the web view's port on 127.0.0.1 (default 10350, as Tilt; 0: a free "
                             "port; one in use is said and a free one taken)")
    parser.add_argument("--no-web", action="store_true", help="serve no web view")
    parser.set_defaults(func=run)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0 to 65535: {text!r}")
    return port


def run(args: argparse.Namespace) -> int:
    import fops
    from fops import reload
    from fops.session import Session

    def load():
        return fops.load(args.file, args=args.tiltfile_args, resources=list(args.resources),
                         subcommand="up")

    # What the load read is what a reload watches.
    project, watched = reload.load_watched(load)
    images = reload.take_over_image_inputs(project)  # before the engine sees the project
    # From here a stop signal stops the session cleanly, also before the run
    # takes the signals over (listening, the web view and the reloader start
    # first): it is kept and asks the engine to stop as soon as there is one.
    early = _EarlyStop()
    try:
        with fops._fops.SessionLock.acquire(project.state_dir, os.getpid(), "up",
                                            os.path.abspath(project.tiltfile)):
            from fops import transitions

            # Servers a killed fops left would hold the ports this session needs.
            cmdline.stop_leftovers(project.state_dir, "up", project=project)
            # `fops up` is the way into development mode
            transitions.enter_development(project.state_dir)
            board = fops.StatusBoard(project, command="up",
                                     mode=transitions.mode_state(project.state_dir).mode)
            executor = fops.ProcessExecutor(subreaper=True, record=project.state_dir,
                                            record_owner="fops up", project=project)
            with Session(project, executor, max_parallel=args.max_parallel, force=args.force,
                         reporter="live", board=board) as session:
                early.stop(session)
                try:  # `fops trigger` asks through this socket; closing the session removes it
                    session.listen()
                except fops.Error as exc:  # the session works without it
                    print(f"fops up: `fops trigger` will not reach this session: {exc}",
                          file=sys.stderr)
                reloader = reload.Reloader(session.engine, load, project, watched, images)
                web = None
                if not args.no_web:
                    from fops.web import server

                    web = server.start(board, session,
                                       server.DEFAULT_PORT if args.port is None else args.port)
                    if web is not None:
                        print(f"fops up: web view: {web.url}", flush=True)
                reloader.start()
                try:
                    result = session.up(handle_signals=True)
                finally:
                    reloader.stop()
                    if web is not None:
                        web.stop()
                signal = session.engine.stop_signal or early.signal
    finally:
        early.restore()
    if signal:
        print(f"fops up: stopped by {_signal.Signals(signal).name}; nothing left running",
              file=sys.stderr)
    failed = [r for r in result.resources
              if r.status in (fops.ResourceStatus.FAILED, fops.ResourceStatus.BLOCKED)]
    return cmdline.EXIT_FAILED if failed else cmdline.EXIT_OK


class _EarlyStop:
    """SIGINT, SIGTERM and SIGHUP while `fops up` sets up: the signal is kept
    and the session, once there is one, is asked to stop, so that its run
    ends at once and cleans up, as it does for a signal during the run."""

    SIGNALS = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)

    def __init__(self):
        self.signal = 0
        self._session = None
        self._previous = {s: _signal.signal(s, self._on_signal) for s in self.SIGNALS}

    def _on_signal(self, signum, frame) -> None:
        self.signal = self.signal or signum
        if self._session is not None:
            self._session.request_stop()

    def stop(self, session) -> None:
        """The session to stop, now if a signal came already."""
        self._session = session
        if self.signal:
            session.request_stop()

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            _signal.signal(signum, handler)
