"""The ``fops`` command: ``fops ci | up | down | plan | graph [-f FILE] [RESOURCE ...] [-- ARGS ...]``.

Each subcommand is a module in :mod:`fops.commands` with ``register(subparsers)``;
what they share (arguments, loading, exit codes) is :mod:`fops.cmdline`.
Exit codes: 0 success; 1 a resource failed (or the run timed out); 2 bad
usage or a bad Tiltfile (``fops: <file>:<line>: <message>``); 3 refused by
policy (guard or mode); 128+N stopped by signal N (``fops ci``).
"""
from __future__ import annotations

import argparse
import os
import sys

from fops.cmdline import EXIT_CONFIG, EXIT_FAILED, EXIT_POLICY, error
from fops.errors import ConfigError, Error, PolicyError

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import List, Optional, Sequence


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
