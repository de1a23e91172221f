"""The run timeline: a session's status (``fops.StatusBoard``) drawn as SVG.

One row per resource that ran, one bar per run: from when it was queued, through
what it waited on (its deps, a free slot, the update gate checking its inputs),
to when it started and ended (or became ready, for serve resources), coloured by
its result. A serve resource's wait for its readiness probe is a segment of its
own. A time axis with ticks runs along the top, and the critical path — the
chain of dependencies that decided when the run ended — is outlined and named.

``fops ci --timeline FILE`` writes it after the run; the web view draws it live.

::

    svg = fops.timeline.render_svg(json.loads(board.snapshot_json()))
"""
from __future__ import annotations

import math
from xml.sax.saxutils import escape

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional

__all__ = ["critical_path", "render_svg", "runs"]

#: Fill per result; running bars (no result yet) are amber.
RESULT_COLOURS = {
    "succeeded": "#2da44e", "up to date": "#1b7c83", "failed": "#cf222e",
    "blocked": "#8c959f", "cancelled": "#8c959f", "": "#d4a72c",
}
#: Fill per wait, each distinct from every result colour.
WAIT_COLOURS = {"deps": "#d0d7de", "slot": "#f6c28b", "inputs": "#9ecbff", "probe": "#c297ff"}
WAIT_LABELS = {"deps": "waits on deps", "slot": "waits for a slot",
               "inputs": "checks inputs", "probe": "waits for probe"}


def _end(span: dict, now: float) -> float:
    """When a run was done: ready for a server, else ended; still going: now."""
    for key in ("ready", "ended"):
        if span.get(key) is not None:
            return span[key]
    return now


def runs(snapshot: dict) -> "Dict[str, List[dict]]":
    """Each resource's recorded runs (spans), for those that have any."""
    return {r["name"]: r["spans"] for r in snapshot.get("resources", []) if r.get("spans")}


def _measured(snapshot: dict) -> int:
    """Which run of each resource the critical path is about: a `ci` run's
    only one; a `fops up` session's first (its start-up), since later runs
    answer file changes and triggers, not each other."""
    return 0 if snapshot.get("command") == "up" else -1


def critical_path(snapshot: dict) -> "List[str]":
    """The chain of resources that decided when the run (for `fops up`: the
    start-up) ended, first to last.

    From the run that ended last, back through the dependency that ended last
    among those it was still waiting for when it was queued, until a run that
    waited on no dependency."""
    now = snapshot.get("now") or 0.0
    deps = {r["name"]: r.get("resource_deps", []) for r in snapshot.get("resources", [])}
    which = _measured(snapshot)
    last = {name: spans[which] for name, spans in runs(snapshot).items()}
    if not last:
        return []
    current = max(last, key=lambda n: _end(last[n], now))
    chain = [current]
    while True:
        span = last[current]
        waited = [d for d in deps.get(current, []) if d in last and d not in chain
                  and _end(last[d], now) >= span["queued"]]
        if not waited:
            break
        current = max(waited, key=lambda d: _end(last[d], now))
        chain.append(current)
    chain.reverse()
    return chain


def _nice_step(span: float, ticks: int = 8) -> float:
    raw = max(span, 1e-3) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _label(seconds: float, step: float) -> str:
    if step >= 60:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    if step >= 1:
        return f"{seconds:.0f}s"
    digits = max(0, -int(math.floor(math.log10(step))))
    return f"{seconds:.{digits}f}s"


def render_svg(snapshot: dict, width: int = 960, title: "Optional[str]" = None) -> str:
    """The timeline of ``snapshot`` (a parsed ``StatusBoard.snapshot_json()``) as SVG text.

    Each bar is a ``<g class="bar">`` with ``data-resource``, ``data-queued``,
    ``data-start``, ``data-end`` (seconds from the session's start),
    ``data-result`` and ``data-critical``; its segments are ``<rect>``\\ s with
    class ``wait wait-<kind>`` or ``run``."""
    now = snapshot.get("now") or 0.0
    origin = snapshot.get("started") or now
    names = [r["name"] for r in snapshot.get("resources", []) if r.get("spans")]
    all_runs = runs(snapshot)
    path = critical_path(snapshot)
    on_path = set(path)
    end = max([origin + 0.001] + [_end(s, now) for spans in all_runs.values() for s in spans])
    total = end - origin
    label_w, right_pad, row_h, top = 150, 64, 26, 56
    plot_w = width - label_w - right_pad
    height = top + row_h * max(1, len(names)) + 64

    def x(t: float) -> float:
        return label_w + (t - origin) / total * plot_w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="ui-monospace, Menlo, monospace" '
           f'font-size="12" class="fops-timeline">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    up = snapshot.get("command") == "up"
    heading = title or (f"fops {snapshot.get('command', '')} — {total:.2f}s"
                        + (f", {'start-up ' if up else ''}critical path: {' → '.join(path)}"
                           if path else ""))
    out.append(f'<text x="10" y="18" font-size="13" font-weight="bold" class="title">'
               f'{escape(heading)}</text>')
    # The axis: ticks at 1, 2 or 5 × 10^k seconds, about eight of them.
    step = _nice_step(total)
    out.append('<g class="axis">')
    out.append(f'<line x1="{label_w}" y1="{top - 8}" x2="{label_w + plot_w}" y2="{top - 8}" '
               'stroke="#57606a"/>')
    t = 0.0
    while t <= total + 1e-9:
        tx = x(origin + t)
        out.append(f'<line class="tick" x1="{tx:.1f}" y1="{top - 12}" x2="{tx:.1f}" '
                   f'y2="{top + row_h * len(names)}" stroke="#eaeef2"/>')
        out.append(f'<text x="{tx:.1f}" y="{top - 16}" text-anchor="middle" fill="#57606a">'
                   f'{_label(t, step)}</text>')
        t += step
    out.append('</g>')

    for row, name in enumerate(names):
        y = top + row * row_h
        critical = name in on_path
        out.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" '
                   f'font-weight="{"bold" if critical else "normal"}">{escape(name)}</text>')
        which = _measured(snapshot) % len(all_runs[name])
        for index, span in enumerate(all_runs[name]):
            latest = index == len(all_runs[name]) - 1
            measured = index == which
            s_end = _end(span, now)
            started = span.get("started")
            result = span.get("result", "")
            attrs = (f'data-resource="{escape(name)}" data-queued="{span["queued"] - origin:.3f}" '
                     f'data-start="{"" if started is None else f"{started - origin:.3f}"}" '
                     f'data-end="{s_end - origin:.3f}" data-result="{escape(result)}" '
                     f'data-critical="{"true" if critical and measured else "false"}"')
            out.append(f'<g class="bar{" critical" if critical and measured else ""}" {attrs}>')
            tip = f"{name}: {result or 'running'}"
            if span.get("reason"):
                tip += f" ({span['reason']})"
            out.append(f'<title>{escape(tip)}</title>')
            for wait in span.get("waits", []):
                kind = wait["kind"]
                w_from = wait["from"]
                w_to = wait["to"] if wait.get("to") is not None else s_end
                if w_to - w_from <= 0:
                    continue
                detail = f": {wait['detail']}" if wait.get("detail") else ""
                out.append(f'<rect class="wait wait-{kind}" x="{x(w_from):.1f}" y="{y + 5}" '
                           f'width="{max(1.0, x(w_to) - x(w_from)):.1f}" height="{row_h - 10}" '
                           f'fill="{WAIT_COLOURS.get(kind, "#d0d7de")}">'
                           f'<title>{escape(WAIT_LABELS.get(kind, kind) + detail)}</title></rect>')
            if started is not None:
                # The run itself, less the probe wait drawn above it.
                probe_from = next((w["from"] for w in span.get("waits", [])
                                   if w["kind"] == "probe"), None)
                run_end = probe_from if probe_from is not None else s_end
                out.append(f'<rect class="run" x="{x(started):.1f}" y="{y + 3}" '
                           f'width="{max(1.5, x(run_end) - x(started)):.1f}" height="{row_h - 6}" '
                           f'fill="{RESULT_COLOURS.get(result, "#d4a72c")}"'
                           + (' stroke="#000000" stroke-width="2"' if critical and measured else "")
                           + '/>')
            if latest:
                label = f"{s_end - (started if started is not None else span['queued']):.2f}s"
                out.append(f'<text x="{x(s_end) + 4:.1f}" y="{y + 16}" fill="#57606a" '
                           f'class="duration">{label}</text>')
            out.append('</g>')

    # The legend.
    ly = top + row_h * len(names) + 24
    lx = label_w
    items = [("run: succeeded", RESULT_COLOURS["succeeded"]), ("failed", RESULT_COLOURS["failed"]),
             ("up to date", RESULT_COLOURS["up to date"])]
    items += [(WAIT_LABELS[k], WAIT_COLOURS[k]) for k in ("deps", "slot", "inputs", "probe")]
    out.append('<g class="legend">')
    for text, colour in items:
        out.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{lx + 16}" y="{ly + 10}" fill="#57606a">{escape(text)}</text>')
        lx += 22 + 7 * len(text)
    out.append(f'<rect x="{label_w}" y="{ly + 20}" width="24" height="12" fill="#ffffff" '
               'stroke="#000000" stroke-width="2"/>')
    out.append(f'<text x="{label_w + 30}" y="{ly + 30}" fill="#57606a" class="critical-label">'
               f'{"start-up " if up else ""}critical path{": " + escape(" → ".join(path)) if path else ""}</text>')
    out.append('</g></svg>')
    return "\n".join(out) + "\n"
