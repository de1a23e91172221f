"""``fops plane env FILE [--format sh|json]``: the build plane contract as
environment variables (docs/build-plane.md lists every one);
``fops plane registries-conf FILE``: a registries.conf that pulls through
the plane's mirrors.

``eval "$(fops plane env ops/infra/topology/lxc-pve-lab.yaml)"`` in bash
exports them; values are shell-quoted, so scripts that build outside a
Tiltfile (CI jobs, Makefiles) take the same registries, tags and cache
scopes from the plane instead of spelling hosts themselves.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys

from fops import cmdline


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "plane", help="the build plane: print its contract",
        description="The build plane (registries and their roles, stages, targets, cache "
                    "scopes, tag policy) loaded from a topology YAML; see docs/build-plane.md.")
    sub = parser.add_subparsers(dest="plane_command", metavar="COMMAND", required=True)
    env = sub.add_parser(
        "env", help="print the contract as environment variables",
        description="Loads and checks FILE, then prints each FOPS_PLANE_* variable: as "
                    "`export NAME=value` lines with shell-quoted values (eval-able in bash), "
                    "or as one JSON object. A bad topology exits 2 with file:line:column.")
    env.add_argument("file", metavar="FILE", help="the topology YAML (e.g. "
                                                  "ops/infra/topology/lxc-pve-lab.yaml)")
    env.add_argument("--format", choices=("sh", "json"), default="sh",
                     help="sh: export lines (default); json: an object of name -> value")
    env.set_defaults(func=run_env)

    conf = sub.add_parser(
        "registries-conf", help="print a registries.conf that pulls through the mirrors",
        description="Prints containers-registries.conf(5) text that sends pulls of each "
                    "mirrored upstream (e.g. docker.io, ghcr.io) through the plane's mirror, "
                    "for buildah, podman and skopeo: install it as a drop-in "
                    "(/etc/containers/registries.conf.d/50-fops-plane.conf) or point "
                    "CONTAINERS_REGISTRIES_CONF at it. Exits 1 when the plane has no mirror.")
    conf.add_argument("file", metavar="FILE", help="the topology YAML")
    conf.set_defaults(func=run_registries_conf)


def format_env(variables, fmt: str = "sh") -> str:
    """``[(name, value)]`` as export lines or a JSON object."""
    if fmt == "json":
        return json.dumps(dict(variables), indent=2) + "\n"
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables)


def run_env(args: argparse.Namespace) -> int:
    from fops import _fops

    plane = _fops.BuildPlane.load(args.file)
    sys.stdout.write(format_env(plane.environment(), args.format))
    return cmdline.EXIT_OK


def run_registries_conf(args: argparse.Namespace) -> int:
    from fops import _fops

    plane = _fops.BuildPlane.load(args.file)
    text = plane.registries_conf()
    if not text:
        cmdline.error(f"{args.file}: the build plane has no mirror registry (role: mirror)")
        return cmdline.EXIT_FAILED
    sys.stdout.write(text)
    return cmdline.EXIT_OK

