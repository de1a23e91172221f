"""``fops mode``: the repo's mode, and the transitions between modes.

::

    fops mode                                   # current mode (per app after deploy), session
    fops mode deploy [--plan] [--timeout 5m]    # hand back to Argo CD
    fops mode staging [--build-only] [TARGET ...] [--plan]
    fops mode development                       # record development mode (fops up does too)

See docs/modes.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from fops import cmdline


def _file_arg(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: `fops mode -f X deploy` keeps X (a subparser default would
    # overwrite the value the parent parsed).
    parser.add_argument("-f", "--file", default=argparse.SUPPRESS, metavar="FILE",
                        help=f"the Tiltfile (default: {cmdline.DEFAULT_TILTFILE})")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "mode", usage="fops mode [-f FILE] [development | staging ... | deploy ...]",
        help="show the mode, or change it (staging, deploy)",
        description="Without a subcommand: prints the repo's mode (development, staging, "
                    "deployment; kept in the state directory; for deployment, what each Argo "
                    "CD app confirmed) and the fops session holding "
                    "the repo, if any. `fops mode deploy` hands the canonical apps back to "
                    "Argo CD; `fops mode staging` builds staging-tagged images.")
    cmdline.add_tiltfile_args(parser, resources=False)
    sub = parser.add_subparsers(dest="mode_command", metavar="MODE")

    deploy = sub.add_parser(
        "deploy", aliases=["deployment"], usage="fops mode deploy [options]",
        help="stop the session, sync the canonical apps with Argo CD, wait for Synced/Healthy",
        description="Stops the local fops session (SIGTERM, then waits), asks Argo CD to sync "
                    "each canonical app (the Tiltfile's argocd_apps([...]) or --app), waits "
                    "until every one is Synced and Healthy or the timeout passes, prints a line "
                    "per app and records deployment mode with what each app confirmed -- only "
                    "when Argo CD accepted at least one sync request; otherwise the mode stays "
                    "as it was. Exits 1 when an app was not reached, is Degraded, its sync "
                    "failed, or the wait timed out. Server and token: ARGOCD_SERVER, "
                    "ARGOCD_AUTH_TOKEN, ARGOCD_OPTS (as for the argocd CLI).")
    _file_arg(deploy)
    deploy.add_argument("--plan", action="store_true", help="print the steps; do nothing")
    deploy.add_argument("--timeout", type=cmdline.parse_duration, metavar="DURATION",
                        help="the wait for Synced/Healthy (default: argocd_apps(timeout=) or 5m)")
    deploy.add_argument("--app", action="append", default=[], metavar="NAME",
                        help="a canonical app (repeatable; replaces the Tiltfile's list)")
    deploy.add_argument("--server", help="Argo CD server (host:port or URL; default ARGOCD_SERVER)")
    deploy.add_argument("--insecure", action="store_true", default=None,
                        help="do not verify the server's TLS certificate")
    deploy.add_argument("--plaintext", action="store_true", default=None,
                        help="plain HTTP instead of HTTPS")
    deploy.add_argument("--prune", action="store_true", help="sync with prune")
    deploy.add_argument("--poll-interval", type=cmdline.parse_duration, metavar="DURATION",
                        help="between reads of each app while waiting (default 2s)")
    deploy.add_argument("--stop-timeout", type=cmdline.parse_duration, default=30.0,
                        metavar="DURATION",
                        help="how long the session may take to stop (default 30s)")
    deploy.set_defaults(func=run_deploy)

    staging = sub.add_parser(
        "staging", usage="fops mode staging [--build-only] [--plan] [TARGET ...] [-- ARGS ...]",
        help="build staging-tagged images; apply them live only to named targets",
        description="Loads the Tiltfile in staging mode and builds and pushes staging-tagged "
                    "images with the staging cache scopes. Build-only is the default; naming "
                    "targets without --build-only also upgrades their canonical releases "
                    "(helm_release(..., canonical=(release, namespace))) through Helm — never "
                    "anything else. Records staging mode.")
    _file_arg(staging)
    staging.add_argument("targets", nargs="*", metavar="TARGET",
                         help="plane targets, image builds or helm_release names")
    staging.add_argument("--build-only", action="store_true",
                         help="build and push only, even for named targets")
    staging.add_argument("--plan", action="store_true", help="print the steps; do nothing")
    staging.add_argument("--force", action="store_true", help="rebuild even unchanged images")
    staging.set_defaults(func=run_staging)

    development = sub.add_parser(
        "development", aliases=["dev"], usage="fops mode development",
        help="record development mode (fops up does this too)",
        description="Records development mode without starting a session.")
    _file_arg(development)
    development.set_defaults(func=run_development)
    parser.set_defaults(func=run_show)


def _state_dir(args: argparse.Namespace) -> str:
    from fops import _fops

    return _fops.state_dir_for(os.path.dirname(os.path.abspath(args.file)))


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def run_show(args: argparse.Namespace) -> int:
    from fops import transitions

    state_dir = _state_dir(args)
    state = transitions.mode_state(state_dir)
    print(f"mode: {state.describe()}")
    for app in state.apps:  # deployment: what each app confirmed when it was recorded
        print(f"  {app.app}: {app.describe()}")
    holder = transitions.session_holder(state_dir)
    if holder is None:
        print("session: none")
    else:
        print(f"session: fops {holder.mode} (PID {holder.pid}, since {_when(holder.started)}, "
              f"{holder.tiltfile})")
    return cmdline.EXIT_OK


def run_development(args: argparse.Namespace) -> int:
    from fops import _fops

    _fops.save_mode_state(_state_dir(args), "development", by="fops mode development")
    print("mode: development")
    return cmdline.EXIT_OK


def _say(line: str) -> None:
    print(line, flush=True)


#: Set in the process `fops mode deploy` continues in when it was started
#: inside the session it stops (the value: that session's pid).
_OUTSIDE_SESSION = "FOPS_MODE_DEPLOY_OUTSIDE"


def _ancestors() -> list:
    """The pids above this process, parent first."""
    found, pid = [], os.getpid()
    while pid > 1:
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
        found.append(pid)
    return found


def _continue_outside(args: argparse.Namespace, state_dir: str, holder) -> int:
    """Runs this `fops mode deploy` again outside the session it must stop.

    Started from that session (a Tiltfile resource running `make
    deploy-mode`), it would be stopped with the session in step 1, before
    anything was synced. So it runs again in a session of its own, without
    the session's process tag (FOPS_EXEC_TAG: the session stops the
    processes that carry it), writing its lines to the state directory,
    and this process returns at once."""
    import subprocess

    log_path = os.path.join(state_dir, "mode-deploy.log")
    env = {k: v for k, v in os.environ.items() if k != "FOPS_EXEC_TAG"}
    env[_OUTSIDE_SESSION] = str(holder.pid)
    with open(log_path, "w") as log:
        child = subprocess.Popen([sys.executable, "-m", "fops", *args.command_line],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 env=env, start_new_session=True)
    _say(f"fops mode deploy: started inside the session it stops (fops {holder.mode or 'up'}, "
         f"PID {holder.pid}); it continues outside it as PID {child.pid}, its lines in "
         f"{log_path}; `fops mode` shows the outcome")
    return cmdline.EXIT_OK


def run_deploy(args: argparse.Namespace) -> int:
    import fops
    from fops import transitions

    options = dict(server=args.server, insecure=args.insecure, plaintext=args.plaintext,
                   timeout=args.timeout, stop_timeout=args.stop_timeout, prune=args.prune,
                   poll_interval=args.poll_interval)
    if os.path.isfile(args.file):
        project = fops.load(args.file, args=args.tiltfile_args, mode="deployment",
                            subcommand="mode")
        transition = transitions.DeployTransition.from_project(project, args.app, **options)
    elif args.app:
        options = {k: v for k, v in options.items() if v is not None}
        transition = transitions.DeployTransition(_state_dir(args), args.app, **options)
    else:
        raise fops.ConfigError(f"{args.file}: no such Tiltfile, and no --app: name the canonical "
                               f"Argo CD applications")
    if args.plan:
        sys.stdout.write(str(transition.plan()))
        return cmdline.EXIT_OK
    holder = transitions.session_holder(transition.state_dir)
    if (holder is not None and not os.environ.get(_OUTSIDE_SESSION)
            and holder.pid in _ancestors() and getattr(args, "command_line", None)):
        return _continue_outside(args, transition.state_dir, holder)
    result = transition.execute(_say)
    return cmdline.EXIT_OK if result.ok else cmdline.EXIT_FAILED


def run_staging(args: argparse.Namespace) -> int:
    import fops
    from fops import transitions

    project = fops.load(args.file, args=args.tiltfile_args, mode="staging", subcommand="mode")
    transition = transitions.StagingTransition(project, args.targets, build_only=args.build_only)
    plan = transition.plan()
    if args.plan:
        sys.stdout.write(str(plan))
        return cmdline.EXIT_OK
    if not plan.records_mode:  # refused: a session runs
        raise fops.PolicyError(plan.steps[0][1])
    result = transition.execute(force=args.force, reporter="stdout")
    return cmdline.EXIT_OK if result.ok else cmdline.EXIT_FAILED
