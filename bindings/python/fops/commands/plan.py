"""``fops plan``: print every command that would run, in dependency order; run nothing."""
from __future__ import annotations

import argparse
import sys

from fops import cmdline


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "plan", usage=cmdline.USAGE.format("plan"),
        help="print every command that would run; run nothing",
        description="Drives the engine with a dry-run executor and prints each command it would "
                    "start, one per line as shell-quoted argv, in an order that respects "
                    "resource_deps. A serve command is followed by '  # serve: <resource>'. "
                    "Nothing runs (the Tiltfile itself is executed, as in Tilt).")
    cmdline.add_tiltfile_args(parser)
    parser.add_argument("--json", action="store_true",
                        help="print the loaded project as JSON instead (the format C++ tools load)")
    parser.set_defaults(func=run)


def format_plan(specs) -> str:
    """One line per command: the argv shell-quoted; serve commands marked."""
    import fops

    lines = []
    for spec in specs:
        line = fops.shell_join(spec.argv)
        if spec.serve:
            line += f"  # serve: {spec.resource}"
        lines.append(line)
    return "".join(line + "\n" for line in lines)


def run(args: argparse.Namespace) -> int:
    import fops
    from fops.session import Session

    project = cmdline.load_project(args, "plan")
    if args.json:
        sys.stdout.write(fops.project_to_json(project, redact=True))
        return cmdline.EXIT_OK
    executor = fops.DryRunExecutor()
    with Session(project, executor) as session:
        result = session.ci()
    sys.stdout.write(format_plan(executor.recorded))
    refused = [r for r in result.resources if r.status == fops.ResourceStatus.FAILED]
    for r in refused:  # a dry run fails only when a command is refused before it starts
        cmdline.error(f"{r.name}: {r.reason}")
    cmdline.explain_refusals("\n".join(r.reason for r in refused))
    if refused:
        return cmdline.EXIT_POLICY
    return cmdline.EXIT_OK if result.ok else cmdline.EXIT_FAILED
