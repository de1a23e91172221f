"""What the subcommands of the ``fops`` command share (one module each in
:mod:`fops.commands`; :mod:`fops.cli` dispatches to them).

- the exit codes: 0 success; 1 a resource failed (or the run timed out); 2
  bad usage or a bad Tiltfile (``fops: <file>:<line>: <message>``); 3
  refused by policy (guard or mode);
- the arguments of the Tiltfile commands (``-f FILE``, ``RESOURCE ...``,
  the args after ``--``) and of those that run the engine;
- loading the project for a command (``fops ci`` records the load in the
  plan cache), stopping what a killed fops left, printing an error.

::

    from fops import cmdline

    def register(subparsers):
        parser = subparsers.add_parser("ci", usage=cmdline.USAGE.format("ci"))
        cmdline.add_tiltfile_args(parser)
        parser.set_defaults(func=run)

    def run(args):
        project = cmdline.load_project(args, "ci")
        ...
        return cmdline.EXIT_OK
"""
from __future__ import annotations

import sys

from fops.errors import Error, PolicyError

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    import argparse  # imported by the parser, when one is built (fops.cli)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_POLICY = 3

DEFAULT_TILTFILE = "Tiltfile.py"

# Set by a command that has closed everything it opened (its engine, its
# processes, telemetry): the process may then end without the interpreter's
# teardown (fops.cli.run).
closed_everything = False


class Arguments:
    """What a command's quick_args gives: the attributes its parser would
    set, without importing argparse (or `types`) for them."""

    def __init__(self, **values):
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"Arguments({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


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

    args.file = find_tiltfile(args.file)
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


def find_tiltfile(file: str) -> str:
    """``file``, or Tilt's ``Tiltfile`` when ``file`` is the default
    Tiltfile.py, which is not there, and a ``Tiltfile`` is: a Tilt project
    runs as it is (its Starlark is read as Python; docs/tiltfile.md)."""
    import os

    if file == DEFAULT_TILTFILE and not os.path.isfile(file) and os.path.isfile("Tiltfile"):
        return "Tiltfile"
    return file


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
    import argparse  # already imported: argparse is calling this

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def parse_duration(text: str) -> float:
    """argparse type: seconds, or a duration like 90s, 5m, 1h30m; positive."""
    import argparse  # already imported: argparse is calling this
    from fops import durations

    try:
        seconds = durations.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return seconds


def error(message: str) -> None:
    """Prints ``fops: message`` on stderr, each line of a multi-line message prefixed."""
    for line in str(message).splitlines() or [""]:
        print(f"fops: {line}", file=sys.stderr)


def explain_refusals(text: str) -> None:
    """After an error: for each guard rule refused in ``text``, the
    ``fops guard --explain RULE`` line, so a refusal's full reason is one
    command away (the native command prints the same lines)."""
    from fops import _fops

    for hint in _fops.guard_explain_hints(str(text)):
        error(hint)


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
