"""Build Plane telemetry: typed events of every run, to OTLP/HTTP logs,
ClickHouse, or a JSON lines file in the repo's state directory.

The ``fops`` command calls the two hooks itself (through
:class:`fops.session.Session`); embedders do the same::

    from fops import telemetry

    observers = telemetry.observers(ctx, runner="local")
    engine = fops.Engine(project, executor, observers=observers)
    engine.ci()
    report = telemetry.finish(observers)   # prints the per-sink summary

Configuration is environment only (``OTEL_EXPORTER_OTLP_*``,
``FRACTALOPS_BUILD_EVENTS_*``, ``FRACTALOPS_CLICKHOUSE_*``); see
docs/telemetry.md for every variable, event name and field.
"""
from __future__ import annotations

import sys

from fops import _fops
from fops.errors import ExecError

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Iterable, List, Optional, TextIO

__all__: list = []  # nothing for Tiltfiles: telemetry is configured by the environment

TelemetryObserver = _fops.TelemetryObserver
TelemetryReport = _fops.TelemetryReport
EVENT_NAMES: List[str] = list(_fops.build_event_names())
EVENT_FIELDS: List[str] = list(_fops.build_event_fields())


def clickhouse_ddl(database: str = "default", table: str = "build_events") -> str:
    """The ClickHouse DDL for the build events table (works on 18.16 and current)."""
    return _fops.clickhouse_ddl(database, table)


def config(state_dir: str) -> "_fops.TelemetryConfig":
    """Which sinks the environment turns on; ConfigError in strict mode when a
    variable is malformed (otherwise it only disables its sink, see ``.warnings``)."""
    return _fops.TelemetryConfig.from_environment(state_dir)


def observers(ctx, runner: Optional[str] = None, *, stream: Optional[TextIO] = None) -> list:
    """The engine observers that emit this run's Build Plane Events.

    ``ctx`` is the :class:`fops.context.LoadContext` of the Tiltfile (its
    ``state_dir`` holds events.jsonl, its ``root`` is where ``git rev-parse``
    runs, its ``mode`` is stamped on every event); ``runner`` is "local" or
    "ci" (None: "ci" when the CI variable is set). Configuration warnings go
    to ``stream`` (stderr). Returns [] when every sink is off.
    """
    stream = stream or sys.stderr
    cfg = config(ctx.state_dir or ".fops")
    for warning in cfg.warnings:
        print(f"fops: telemetry: {warning}", file=stream)
    if not cfg.sinks:
        return []
    observer = _fops.TelemetryObserver(cfg, runner=runner or "", root=ctx.root or ".",
                                       mode=getattr(ctx, "mode", "") or "development")
    observer.flush_timeout = cfg.flush_timeout
    return [observer]


def emit(observers: Iterable, name: str, **fields) -> None:
    """Records an event the engine does not see (``mode.changed``) through
    every telemetry observer in ``observers``; fields by their docs names."""
    for observer in observers:
        if isinstance(observer, _fops.TelemetryObserver):
            observer.emit(name, **fields)


def finish(observers: Iterable, deadline: Optional[float] = None, *,
           stream: Optional[TextIO] = None) -> Optional["_fops.TelemetryReport"]:
    """Flushes the telemetry observers within ``deadline`` seconds (default:
    FRACTALOPS_BUILD_EVENTS_FLUSH_TIMEOUT_MS, 5 s), prints one summary line
    per sink on ``stream`` (stderr) — except a JSON lines file that got every
    event — and returns the report (None without telemetry observers).

    Raises :class:`fops.ExecError` in strict mode
    (FRACTALOPS_BUILD_EVENTS_STRICT=true) when any sink lost an event,
    naming the sink and its answer.
    """
    stream = stream or sys.stderr
    report = None
    errors = []
    for observer in observers:
        if not isinstance(observer, _fops.TelemetryObserver):
            continue
        timeout = deadline if deadline is not None else getattr(observer, "flush_timeout", 5.0)
        report = observer.finish(timeout)
        for line in report.end_of_run_lines():
            print(line, file=stream)
        if report.strict_error:
            errors.append(report.strict_error)
    stream.flush()
    if errors:
        raise ExecError("; ".join(errors))
    return report
