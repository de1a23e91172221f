"""The ``fops`` command: ``fops ci | up | down | plan | graph [-f FILE] [RESOURCE ...] [-- ARGS ...]``.

Each subcommand is a module in :mod:`fops.commands` with ``register(subparsers)``.
Exit codes: 0 success; 1 a resource failed (or the run timed out); 2 bad
usage or a bad Tiltfile (``fops: <file>:<line>: <message>``); 3 refused by
policy (guard or mode); 128+N stopped by signal N (``fops ci``).
"""
from __future__ import annotations

import argparse
import os
import sys

from fops.errors import ConfigError, Error, PolicyError

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import List, Optional, Sequence

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_POLICY = 3

DEFAULT_TILTFILE = "Tiltfile.py"
#: The usage line of the Tiltfile commands.
USAGE = "fops {} [options] [RESOURCE ...] [-- ARGS ...]"


def add_tiltfile_args(parser: argparse.ArgumentParser, resources: bool = True) -> None:
    """-f FILE and the RESOURCE names every Tiltfile command takes."""
    parser.add_argument("-f", "--file", default=DEFAULT_TILTFILE, metavar="FILE",
                        help=f"the Tiltfile (default: {DEFAULT_TILTFILE} in the current directory)")
    if resources:
        parser.add_argument("resources", nargs="*", metavar="RESOURCE",
                            help="run only these resources and what they depend on")


def add_run_args(parser: argparse.ArgumentParser) -> None:
    """Options of the commands that run the engine (ci, up)."""
    parser.add_argument("--max-parallel", type=positive_int, default=0, metavar="N",
                        help="updates at once (default: update_settings(max_parallel_updates=), 3)")
    parser.add_argument("--force", action="store_true",
                        help="rebuild and upgrade even what is unchanged since its last success")


def load_project(args: argparse.Namespace, subcommand: str):
    """Loads the Tiltfile named by ``-f`` with the args after ``--``.

    ``fops ci`` records the load in the plan cache when it can be replayed
    (fops/plan_cache.py), so the native command runs the next one without
    Python."""
    import fops

    resources = list(getattr(args, "resources", ()))

    def load():
        return fops.load(args.file, args=args.tiltfile_args, resources=resources,
                         subcommand=subcommand)

    if subcommand != "ci":
        return load()
    from fops import plan_cache

    setting = plan_cache.setting()
    if setting == "off":
        return load()
    recorder = plan_cache.LoadRecorder()
    with recorder:
        project = load()
    _record_plan(recorder, project, subcommand, args, resources, explain=setting == "explain")
    return project


def _record_plan(recorder, project, subcommand: str, args, resources, explain: bool) -> None:
    from fops import plan_cache, policy

    why = recorder.refusal
    if not why and project.context.extras.get("plan_cache") is False:
        why = "the Tiltfile says update_settings(plan_cache=False)"
    if not why:
        try:
            plan_cache.store(recorder, project, subcommand, args.file, args.tiltfile_args,
                             resources, policy.guard_for(project.context))
        except PolicyError as exc:  # it would hold a secret value: never written
            why = str(exc)
        except (Error, OSError) as exc:  # a cache that cannot be written is only slower
            why = f"cannot write it: {exc}"
    if explain:
        print(f"fops: plan cache: {'not recorded: ' + why if why else 'recorded'} "
              f"({len(recorder.inputs())} inputs)", file=sys.stderr)


def positive_int(text: str) -> int:
    """argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def parse_duration(text: str) -> float:
    """argparse type: seconds, or a duration like 90s, 5m, 1h30m; positive."""
    from fops import durations

    try:
        seconds = durations.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return seconds


def _new_parser():
    parser = argparse.ArgumentParser(
        prog="fops", description="A typed dev-loop engine: Tilt's local_resource vocabulary, "
                                 "run as a build engine.",
        epilog="Args after -- reach the Tiltfile's config.parse() (fops up -- --worker). "
               "Exit codes: 0 ok, 1 failed, 2 bad usage or Tiltfile, 3 refused by policy.")
    return parser, parser.add_subparsers(dest="command", metavar="COMMAND", required=True)


def build_parser(command: str = "") -> argparse.ArgumentParser:
    """The parser. With ``command``, only that subcommand's module is imported
    (the common case, so startup stays light); ``--help`` and names no module
    registers get every subcommand."""
    from fops import commands

    if command:
        parser, subparsers = _new_parser()
        if commands.register_one(subparsers, command):
            return parser
    parser, subparsers = _new_parser()
    commands.register_all(subparsers)
    return parser


def split_args(argv: Sequence[str]):
    """(fops args, Tiltfile args): everything after the first ``--`` is the Tiltfile's."""
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def error(message: str) -> None:
    """Prints ``fops: message`` on stderr, each line of a multi-line message prefixed."""
    for line in str(message).splitlines() or [""]:
        print(f"fops: {line}", file=sys.stderr)


def stop_leftovers(state_dir: str, command: str, out=None, project=None) -> int:
    """Stops what fops processes that died without cleaning up left running
    in the repo (docs/cli.md, "Processes a killed fops left") and says so
    as ``fops COMMAND: stopped ...`` on ``out`` (default stderr), without
    ``project``'s secrets. Returns the number of processes stopped."""
    from fops import _fops

    report = _fops.stop_leftover_processes(state_dir, project=project)
    for line in report.lines():
        print(f"fops {command}: {line}", file=out if out is not None else sys.stderr)
    return sum(found.processes for found in report.found)


def main(argv: Optional[List[str]] = None) -> int:
    own, tiltfile_args = split_args(sys.argv[1:] if argv is None else argv)
    parser = build_parser(own[0] if own and not own[0].startswith("-") else "")
    args = parser.parse_args(own)
    args.tiltfile_args = tiltfile_args
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_CONFIG
    except PolicyError as exc:
        error(str(exc))
        return EXIT_POLICY
    except Error as exc:
        error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `fops plan | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_FAILED
