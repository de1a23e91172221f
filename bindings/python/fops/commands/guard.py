"""``fops guard``: check a command against the guard without running it.

::

    fops guard -- kubectl set image deploy/api api=x     # exit 3, prints the rule
    fops guard --shell 'make && helm upgrade --install api-dev charts/api -n fractalops-dev'
    fops guard --mode deployment -- argocd app sync fractalops-api
    fops guard --script ops/deploy.sh                   # every command of a script, by line
    fops guard --rules                                  # the rule table
    fops guard --explain kubectl-mutation               # why a rule exists, what to do instead

Exit 0 when allowed, 3 (refused by policy) when refused, 2 for bad usage
(an unknown rule too), so a team can check its scripts in CI. A script's
refused commands are each reported as ``FILE:LINE: COMMAND: refused by guard
rule ...``, LINE being where the command starts; then, once per rule
refused, the ``fops guard --explain RULE`` line.
"""
from __future__ import annotations

import argparse
import os
import sys

from fops import cmdline


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "guard", usage="fops guard [--mode MODE] [options] (--shell STRING | --script FILE | "
                       "-- ARGV ... | --rules | --explain RULE)",
        help="check a command against the guard without running it",
        description="Checks a command as the engine would before running it: argv after --, "
                    "a shell string with --shell (as `sh -c STRING`), or a shell script file "
                    "with --script. Exit 0: allowed; exit 3: refused (the rule, its reason and "
                    "what the guard saw are printed). Nothing is run. --explain RULE tells why a "
                    "rule exists and what to do instead.")
    parser.add_argument("--mode", default="development",
                        help="development (default), staging or deployment")
    parser.add_argument("--shell", action="append", default=[], metavar="STRING",
                        help="a shell string, checked as `sh -c STRING` (repeatable)")
    parser.add_argument("--script", action="append", default=[], metavar="FILE",
                        help="a shell script file: every command in it, each refused one "
                             "reported as FILE:LINE (repeatable)")
    parser.add_argument("-f", "--file", metavar="FILE",
                        help="take the guard settings (guard_settings(...)) from this Tiltfile")
    parser.add_argument("--dev-namespace", action="append", metavar="NS",
                        help="a dev namespace (repeatable; default fractalops-dev)")
    parser.add_argument("--dev-release-suffix", metavar="SUFFIX",
                        help="dev releases end with this (default -dev)")
    parser.add_argument("--staging-target", action="append", default=[], metavar="RELEASE/NS",
                        help="staging mode: a canonical release named as a target")
    parser.add_argument("--rules", action="store_true",
                        help="print every rule (id and what it refuses) and exit")
    parser.add_argument("--explain", metavar="RULE",
                        help="print why RULE exists, what it refuses, what to do instead and "
                             "examples, and exit")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing when allowed")
    parser.set_defaults(func=run)


def _guard(args: argparse.Namespace):
    from fops import _fops, policy

    settings = {}
    if args.file:
        import fops

        project = fops.load(args.file, mode=_fops.parse_mode(args.mode), subcommand="guard")
        settings = policy.settings_of(project.context)
    if args.dev_namespace:
        settings["dev_namespaces"] = args.dev_namespace
    if args.dev_release_suffix is not None:
        settings["dev_release_suffix"] = args.dev_release_suffix
    targets = []
    for target in args.staging_target:
        release, _, namespace = target.partition("/")
        if not release or not namespace:
            raise SystemExit(f"fops guard: --staging-target {target!r}: expected RELEASE/NAMESPACE")
        targets.append((release, namespace))
    return _fops.Guard(mode=_fops.parse_mode(args.mode), staging_targets=targets, **settings)


def run(args: argparse.Namespace) -> int:
    from fops import _fops

    if args.explain is not None:
        print(_fops.explain_guard_rule(args.explain), end="")
        return cmdline.EXIT_OK
    if args.rules:
        for rule_id, _reason, refuses in _fops.guard_rules():
            print(rule_id)
            print(f"  {refuses}")
        print("\n`fops guard --explain RULE`: why a rule exists, what to do instead, examples")
        return cmdline.EXIT_OK
    commands = []
    if args.tiltfile_args:
        commands.append(("argv", list(args.tiltfile_args)))
    commands += [("shell", s) for s in args.shell]
    for path in args.script:
        try:
            with open(path, encoding="utf-8") as f:
                commands.append(("script " + path, f.read()))
        except OSError as exc:
            cmdline.error(f"guard: --script {path}: {exc.strerror}")
            return cmdline.EXIT_CONFIG
    if not commands:
        cmdline.error("guard: nothing to check: pass -- ARGV ..., --shell STRING or --script FILE")
        return cmdline.EXIT_CONFIG
    guard = _guard(args)
    refusals = []
    for kind, command in commands:
        if kind.startswith("script "):
            refusals += _check_script(guard, kind[len("script "):], command, args.quiet)
            continue
        shown = _fops.shell_join(command) if kind == "argv" else command
        refusal = guard.refusal(command, dir=os.getcwd())
        if refusal is None:
            if not args.quiet:
                print(f"allowed ({guard.mode} mode): {shown}")
            continue
        rule, message = refusal
        refusals.append(message)
        print(f"refused ({guard.mode} mode): {shown}", file=sys.stderr)
        print(f"  {message}", file=sys.stderr)
    cmdline.explain_refusals("\n".join(refusals))
    return cmdline.EXIT_POLICY if refusals else cmdline.EXIT_OK


def _check_script(guard, path: str, text: str, quiet: bool) -> list:
    """Reports every refused command of a script by the line it starts on;
    returns their refusal messages."""
    refusals = guard.script_refusals(text, dir=os.getcwd())
    if not refusals:
        if not quiet:
            print(f"allowed ({guard.mode} mode): {path}")
        return []
    for line, command, _rule, message in refusals:
        print(f"{path}:{line}: {command}: {message}", file=sys.stderr)
    return [message for *_, message in refusals]
