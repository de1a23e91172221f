"""``fops telemetry ddl | config``: the ClickHouse table for Build Plane
Events, and which sinks the environment turns on (docs/telemetry.md)."""
from __future__ import annotations

import argparse
import os
import sys

from fops import cmdline


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "telemetry", help="Build Plane telemetry: the ClickHouse DDL, the active sinks",
        description="Build Plane Events go to OTLP/HTTP logs, ClickHouse or "
                    "<state dir>/events.jsonl, configured by environment variables "
                    "(docs/telemetry.md).")
    sub = parser.add_subparsers(dest="telemetry_command", metavar="COMMAND", required=True)

    ddl = sub.add_parser(
        "ddl", help="print the ClickHouse DDL of the build events table",
        description="Prints CREATE DATABASE and CREATE TABLE statements for the build events "
                    "table; they work on ClickHouse 18.16 and current releases. Apply with "
                    "`fops telemetry ddl | clickhouse-client --multiquery`.")
    ddl.add_argument("--database", default=None,
                     help="database (default: FRACTALOPS_CLICKHOUSE_DATABASE, else 'default')")
    ddl.add_argument("--table", default=None,
                     help="table (default: FRACTALOPS_BUILD_EVENTS_TABLE, else 'build_events')")
    ddl.add_argument("--statement", choices=("all", "database", "table"), default="all",
                     help="print only one statement (ClickHouse's HTTP interface takes one "
                          "per request)")
    ddl.set_defaults(func=run_ddl)

    config = sub.add_parser(
        "config", help="print which sinks the environment turns on",
        description="Prints each active sink (no credentials), strict mode, the flush timeout "
                    "and any configuration warning, for the repo of the Tiltfile's directory "
                    "(or the current one).")
    config.add_argument("-f", "--file", default=cmdline.DEFAULT_TILTFILE, metavar="FILE",
                        help="the Tiltfile whose repo's state directory holds events.jsonl")
    config.set_defaults(func=run_config)


def run_ddl(args: argparse.Namespace) -> int:
    from fops import telemetry

    database = args.database or os.environ.get("FRACTALOPS_CLICKHOUSE_DATABASE") or "default"
    table = args.table or os.environ.get("FRACTALOPS_BUILD_EVENTS_TABLE") or "build_events"
    ddl = telemetry.clickhouse_ddl(database, table)
    statements = [s.strip() + ";\n" for s in ddl.split(";") if s.strip()]
    if args.statement == "database":
        sys.stdout.write(statements[0])
    elif args.statement == "table":
        sys.stdout.write(statements[1])
    else:
        sys.stdout.write(ddl)
    return cmdline.EXIT_OK


def run_config(args: argparse.Namespace) -> int:
    from fops import _fops, telemetry

    root = os.path.dirname(os.path.abspath(args.file))
    cfg = telemetry.config(_fops.state_dir_for(root))
    for sink in cfg.sinks:
        print(f"sink: {sink}")
    if not cfg.sinks:
        print("sink: none (every sink is off)")
    print(f"strict: {'true' if cfg.strict else 'false'}")
    print(f"flush timeout: {cfg.flush_timeout:g}s")
    for warning in cfg.warnings:
        print(f"warning: {warning}")
    return cmdline.EXIT_OK
