"""``fops ci``: run every enabled resource once, print a summary, exit 0 or 1."""
from __future__ import annotations

from fops import cmdline

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ci", usage=cmdline.USAGE.format("ci"),
        help="run the resources once and exit 0 if all succeeded",
        description="Runs every enabled auto_init resource (or the RESOURCEs named, with their "
                    "deps), waits for serve resources to pass readiness, stops them, prints the "
                    "summary table and exits 0 if all succeeded, 1 otherwise. Never waits on "
                    "manual or auto_init=False resources.")
    cmdline.add_tiltfile_args(parser)
    cmdline.add_run_args(parser)
    parser.add_argument("--timeout", type=cmdline.parse_duration, default=None, metavar="DURATION",
                        help="stop the whole run after this long: seconds or 90s/5m/1h "
                             "(default: update_settings(ci_timeout=), 30m)")
    parser.add_argument("--timeline", default=None, metavar="FILE",
                        help="write the run's timeline to FILE as SVG: a bar per resource from "
                             "queued to start to end, what it waited on, the critical path")
    parser.set_defaults(func=run)


def quick_args(words):
    """``fops ci [RESOURCE ...]`` without any option, parsed as the parser
    above parses it (tests/python/test_cli.py compares the two) but without
    building it; None when a word is an option (the parser then decides)."""
    if any(word.startswith("-") for word in words):
        return None
    return cmdline.Arguments(command="ci", file=cmdline.DEFAULT_TILTFILE,
                             resources=list(words), max_parallel=0, force=False,
                             timeout=None, timeline=None, func=run)


def run(args: argparse.Namespace) -> int:
    import fops
    from fops.session import Session

    project = cmdline.load_project(args, "ci")
    cmdline.stop_leftovers(project.state_dir, "ci", project=project)
    # Only a run asked for its timeline keeps a status board.
    board = fops.StatusBoard(project, command="ci") if args.timeline else None
    executor = fops.ProcessExecutor(subreaper=True, record=project.state_dir,
                                    record_owner="fops ci", project=project)
    with Session(project, executor, max_parallel=args.max_parallel, timeout=args.timeout,
                 force=args.force, reporter="stdout", board=board) as session:
        result = session.ci(handle_signals=True)
        signal = session.engine.stop_signal
    if board is not None:
        _write_timeline(board, args.timeline)
    # Nothing of the run is left open (the executor went with the session's
    # engine): the process may end without the interpreter's teardown.
    del session, executor, board
    cmdline.closed_everything = True
    if signal:
        return 128 + signal
    return cmdline.EXIT_OK if result.ok else cmdline.EXIT_FAILED


def _write_timeline(board, path: str) -> None:
    import json
    import os
    import sys

    from fops import timeline

    svg = timeline.render_svg(json.loads(board.snapshot_json()))
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(svg)
    os.replace(temporary, path)
    print(f"fops ci: timeline written to {path}", file=sys.stderr)
