"""The ``fops`` command: ``fops ci | up | down | plan | graph [-f FILE] [RESOURCE ...] [-- ARGS ...]``.

Each subcommand is a module in :mod:`fops.commands` with ``register(subparsers)``;
what they share (arguments, loading, exit codes) is :mod:`fops.cmdline`.
Exit codes: 0 success; 1 a resource failed (or the run timed out); 2 bad
usage or a bad Tiltfile (``fops: <file>:<line>: <message>``); 3 refused by
policy (guard or mode); 128+N stopped by signal N (``fops ci``).
"""
from __future__ import annotations

import os
import sys

from fops import cmdline
from fops.cmdline import EXIT_CONFIG, EXIT_FAILED, EXIT_POLICY, error, explain_refusals
from fops.errors import ConfigError, Error, PolicyError

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    import argparse
    from typing import List, Optional, Sequence


_parser_class = None


def _parser(**kwargs):
    """An argparse parser whose help text is as wide as shutil would find
    the terminal, without importing shutil: argparse does for every
    argument it adds, and shutil with the compression modules it imports
    costs ~2 ms of every command's start-up. Subcommands' parsers are of
    the same class."""
    global _parser_class
    if _parser_class is None:
        import argparse

        width = 0

        class Parser(argparse.ArgumentParser):
            def _get_formatter(self):
                nonlocal width
                if not width:
                    try:
                        columns = int(os.environ.get("COLUMNS", "0"))
                    except ValueError:
                        columns = 0
                    if columns <= 0:
                        try:
                            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
                        except (AttributeError, ValueError, OSError):
                            columns = 0
                    width = (columns or 80) - 2  # as HelpFormatter takes shutil's width
                return self.formatter_class(prog=self.prog, width=width)

        _parser_class = Parser
    return _parser_class(**kwargs)


def _new_parser():
    parser = _parser(
        prog="fops", description="A typed dev-loop engine: Tilt's local_resource vocabulary, "
                                 "run as a build engine.",
        epilog="Args after -- reach the Tiltfile's config.parse() (fops up -- --worker). "
               "Exit codes: 0 ok, 1 failed, 2 bad usage or Tiltfile, 3 refused by policy.")
    parser.add_argument("--version", action="version", version=version(),
                        help="print fops' version and exit")
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


def version() -> str:
    """"fops 0.1.0": what ``fops --version`` prints."""
    from fops import __version__

    return f"fops {__version__}"


def split_args(argv: Sequence[str]):
    """(fops args, Tiltfile args): everything after the first ``--`` is the Tiltfile's."""
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def run() -> None:
    """The ``fops`` command as a process (the native command's hand-over,
    ``python -m fops``): :func:`main`, then exit with its code.

    A command that closed everything it opened (``fops ci``) ends the
    process without the interpreter's teardown: freeing every module and
    object one by one is about 2 ms that no one waits for. The exit handler
    below is registered first so that it runs after every other one; it
    flushes Python's and C's standard streams, then exits. If a stream
    cannot be flushed, or main() raised, the usual teardown runs and reports
    it as it always does."""
    import atexit

    finished = []
    atexit.register(_exit_now, finished)
    code = main()
    if cmdline.closed_everything:
        finished.append(code)
    sys.exit(code)


def _exit_now(finished) -> None:
    if not finished:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    from fops import _fops

    _fops.exit_now(finished[0])


def main(argv: Optional[List[str]] = None) -> int:
    from fops import commands

    command_line = list(sys.argv[1:] if argv is None else argv)
    own, tiltfile_args = split_args(command_line)
    if own == ["--version"]:  # no parser needed
        print(version())
        return 0
    args = commands.quick_args(own)  # the common forms need no parser
    if args is None:
        parser = build_parser(own[0] if own and not own[0].startswith("-") else "")
        args = parser.parse_args(own)
    args.tiltfile_args = tiltfile_args
    args.command_line = command_line  # as given, for a command that runs itself again
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        error(str(exc))
        explain_refusals(str(exc))
        return EXIT_CONFIG
    except PolicyError as exc:
        error(str(exc))
        explain_refusals(str(exc))
        return EXIT_POLICY
    except Error as exc:
        error(str(exc))
        explain_refusals(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `fops plan | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_FAILED
