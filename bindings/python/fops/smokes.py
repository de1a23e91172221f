"""Smokes and port-forwards in a Tiltfile (docs/smoke.md).

::

    pf = port_forward("portal-pf", target="svc/fractalops-portal", namespace="fractalops-dev",
                      local_port=8080, remote_port=80, resource_deps=["portal"])
    http_smoke("routes", base="http://127.0.0.1:8080", routes=["/", "/api/health"],
               expect_text={"/api/health": '"ok"'}, resource_deps=[pf])
    browser_smoke("tilt-portal-smoke", url="http://127.0.0.1:8080/", wait_for="#app",
                  resource_deps=["routes"])

A smoke is a resource of kind ``"smoke"`` whose command is the ``fops``
command itself (``fops smoke http …`` / ``fops smoke browser …``), so it
shows in ``fops plan``, runs under every executor, passes the guard like
any command, and emits ``smoke.finished``. The last line it prints (``3
routes ok, slowest /api/health 41 ms``) is its reason in the summary.
``port_forward`` is a serve resource running ``kubectl port-forward``, ready
when its local port accepts connections.
"""
from __future__ import annotations

import os
import sys

from fops import _fops
from fops import cluster
from fops import context as _context
from fops import durations
from fops.args import boolean as _bool
from fops.args import call_error as _error
from fops.args import reject_unknown
from fops.args import trigger_mode as _trigger_mode
from fops.args import type_name as _type

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

__all__ = ["http_smoke", "browser_smoke", "port_forward"]

#: A resource's kind for smokes (telemetry: smoke.finished).
KIND = "smoke"

#: One item of an expect_status string: a class ("2xx"), a code or a range.
_STATUS_ITEM = r"^\s*(?:([1-5])[xX][xX]|([1-5]\d\d)(?:\s*-\s*([1-5]\d\d))?)\s*$"


# --- argument checks ---------------------------------------------------------

def _name(function: str, name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise _error(function, f"argument 'name': expected a non-empty str, got {name!r}")
    return name


def _strs(call: str, arg: str, value: Any) -> List[str]:
    """None -> [], a str -> [str], a list/tuple of str -> list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise _error(call, f"argument '{arg}': expected a str or a list of str, got {_type(value)}")


def _url(call: str, arg: str, value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")) or \
            len(value.split("://", 1)[1]) == 0:
        raise _error(call, f"argument '{arg}': expected an http:// or https:// URL, got {value!r}")
    return value


def _seconds(call: str, arg: str, value: Any, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _error(call, f"argument '{arg}': expected a number of seconds or a duration "
                           f"string, got {_type(value)}")
    try:
        seconds = durations.parse(value) if isinstance(value, str) else float(value)
    except ValueError as exc:
        raise _error(call, f"argument '{arg}': {exc}") from None
    if seconds < 0 or (positive and seconds <= 0):
        raise _error(call, f"argument '{arg}': must be {'positive' if positive else 'at least 0'}, "
                           f"got {value!r}")
    return seconds


def _port(call: str, arg: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise _error(call, f"argument '{arg}': expected a port (1-65535), got {value!r}")
    return value


def _status_code(call: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise _error(call, f"argument 'expect_status': expected a status code (100-599), "
                           f"got {value!r}")
    return value


def _expect_status(call: str, value: Any) -> str:
    """200, [200, 204], range(200, 300) or "2xx" / "200-299" / "200,204", as
    `fops smoke http --expect-status` reads it."""
    if isinstance(value, range):
        if value.step != 1 or len(value) == 0:
            raise _error(call, f"argument 'expect_status': expected a non-empty range with step "
                               f"1, got {value!r}")
        low, high = _status_code(call, value.start), _status_code(call, value.stop - 1)
        return f"{low}-{high}" if high != low else str(low)
    if isinstance(value, (list, tuple)):
        if not value:
            raise _error(call, "argument 'expect_status': must not be empty")
        return ",".join(str(_status_code(call, v)) for v in value)
    if isinstance(value, str):
        items = value.split(",")
        for item in items:
            import re  # only for a status string: start-up stays light (re costs ~4 ms)

            m = re.match(_STATUS_ITEM, item)
            if not m or (m.group(3) and int(m.group(3)) < int(m.group(2))):
                raise _error(call, f"argument 'expect_status': {item.strip()!r} is not a status "
                                   "code, a class like '2xx' or a range like '200-299'")
        return ",".join(i.strip().replace(" ", "").lower() for i in items)
    return str(_status_code(call, value))


def _duration_arg(seconds: float) -> str:
    """Seconds as the fops command reads them, shortest first: 10s, 250ms, 1.5s."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:g}s"
    return f"{seconds * 1000:g}ms"


def _fops_argv() -> List[str]:
    """How a resource runs the fops command: the native ``fops`` beside this
    Python (a virtualenv's bin/), else ``fops`` on PATH, else this Python
    with ``-m fops``."""
    import shutil

    beside = os.path.join(os.path.dirname(sys.executable), "fops")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return [beside]
    found = shutil.which("fops")
    if found:
        return [os.path.abspath(found)]
    return [sys.executable, "-m", "fops"]


def _resource(ctx, call: str, name: str, kind: str, resource_deps, labels, trigger_mode,
              auto_init) -> _fops.Resource:
    resource = _fops.Resource()
    resource.name = name
    resource.kind = kind
    resource.dir = ctx.root
    resource.serve_dir = ctx.root
    resource.resource_deps = _strs(call, "resource_deps", resource_deps)
    resource.labels = _strs(call, "labels", labels)
    resource.trigger_mode = _trigger_mode(call, trigger_mode)
    resource.auto_init = _bool(call, "auto_init", auto_init)
    return resource


# --- http_smoke --------------------------------------------------------------

def http_smoke(name, base=None, routes=None, urls=None, expect_status=200, expect_text=None,
               retries=3, retry_delay="1s", timeout="10s", insecure=False, resource_deps=None,
               labels=None, trigger_mode=_fops.TriggerMode.AUTO, auto_init=True,
               **unknown) -> _fops.Resource:
    """Declares a smoke that GETs routes of a running service and checks them.

    - ``base`` + ``routes``: each route (``"/api/health"``) joined to the base
      URL; ``urls``: full URLs. With ``base`` and no routes, ``"/"``.
    - ``expect_status``: what passes: ``200`` (default), ``[200, 204]``,
      ``range(200, 300)`` or ``"2xx"``. Redirects are not followed.
    - ``expect_text``: a str every body must contain, or ``{route: text}``
      for some routes (the routes, when ``routes`` is not given).
    - ``retries`` (per route, after a failed attempt), ``retry_delay``,
      ``timeout`` (per request): seconds or duration strings.
    - ``insecure``: accept any TLS certificate (a dev server's own).
    - ``resource_deps``, ``labels``, ``trigger_mode``, ``auto_init``: as for
      local_resource.

    Runs ``fops smoke http …``; returns the registered :class:`fops.Resource`
    (kind ``"smoke"``).
    """
    ctx = _context.current()
    call = f"http_smoke({_name('http_smoke', name)!r})"
    reject_unknown(call, unknown)
    if base is not None:
        base = _url(call, "base", base)
    route_list = _strs(call, "routes", routes)
    url_list = [_url(call, "urls", u) for u in _strs(call, "urls", urls)]
    texts: Dict[str, str] = {}
    all_text = ""
    if isinstance(expect_text, dict):
        for key, text in expect_text.items():
            if not isinstance(key, str) or not isinstance(text, str) or not text:
                raise _error(call, "argument 'expect_text': expected {route or URL: non-empty "
                                   f"text}}, found {key!r}: {text!r}")
        texts = dict(expect_text)
        if routes is None and urls is None:  # the routes are the keys
            route_list = [k for k in texts if not k.startswith(("http://", "https://"))]
            url_list = [_url(call, "expect_text", k) for k in texts
                        if k.startswith(("http://", "https://"))]
    elif expect_text is not None:
        if not isinstance(expect_text, str) or not expect_text:
            raise _error(call, "argument 'expect_text': expected a non-empty str or a dict "
                               f"{{route: text}}, got {expect_text!r}")
        all_text = expect_text
    for route in route_list:
        if not route.startswith("/"):
            raise _error(call, f"argument 'routes': a route starts with '/', got {route!r} "
                               "(full URLs go in urls=)")
    if route_list and base is None:
        raise _error(call, "argument 'routes': needs base= (the URL the routes are joined to); "
                           "or give full URLs with urls=")
    if base is None and not url_list:
        raise _error(call, "needs base= (with routes=, default '/') or urls=")
    if base is not None and routes is None and not route_list and not url_list:
        route_list = ["/"]
    for key in texts:
        if key not in route_list and key not in url_list:
            raise _error(call, f"argument 'expect_text': {key!r} is not one of the routes or urls "
                               "of this smoke")
    status = _expect_status(call, expect_status)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 1000:
        raise _error(call, f"argument 'retries': expected an int from 0 to 1000, got {retries!r}")
    delay = _seconds(call, "retry_delay", retry_delay, positive=False)
    per_request = _seconds(call, "timeout", timeout, positive=True)
    insecure = _bool(call, "insecure", insecure)

    argv = _fops_argv() + ["smoke", "http"]
    if base is not None:
        argv += ["--base", base]
    for route in route_list:
        argv += ["--route", route]
    for url in url_list:
        argv += ["--url", url]
    if status != "200":
        argv += ["--expect-status", status]
    if all_text:
        argv += ["--expect-text", all_text]
    for key, text in texts.items():
        argv += ["--expect-text-at", key, text]
    if retries != 3:
        argv += ["--retries", str(retries)]
    if delay != 1.0:
        argv += ["--retry-delay", _duration_arg(delay)]
    if per_request != 10.0:
        argv += ["--timeout", _duration_arg(per_request)]
    if insecure:
        argv.append("--insecure")

    resource = _resource(ctx, call, name, KIND, resource_deps, labels, trigger_mode, auto_init)
    resource.cmd = _fops.Command.from_argv(argv)
    resource.links = [_fops.Link(url=base or url_list[0])]
    return ctx.add(resource)


# --- browser_smoke -----------------------------------------------------------

def browser_smoke(name, url=None, screenshot=None, expect_text=None, wait_for=None,
                  timeout="30s", insecure=False, resource_deps=None, labels=None,
                  trigger_mode=_fops.TriggerMode.AUTO, auto_init=True,
                  **unknown) -> _fops.Resource:
    """Declares a smoke that opens ``url`` in real Chromium and writes a screenshot.

    Fails when the page answers outside 2xx, a script throws an uncaught
    exception, a request fails or answers 4xx/5xx, a text of
    ``expect_text`` (a str or a list) is not on the page, or the
    ``wait_for`` CSS selector never becomes visible. ``screenshot``: a PNG
    path relative to the Tiltfile (default ``output/playwright/<name>.png``;
    directories are created). ``timeout``: for loading the page, each wait
    and the screenshot (default 30s; Chromium's start has its own 60s). Needs node, playwright-core and
    Chromium when it runs (docs/smoke.md), not when the Tiltfile loads.

    Runs ``fops smoke browser …``; returns the registered
    :class:`fops.Resource` (kind ``"smoke"``).
    """
    ctx = _context.current()
    call = f"browser_smoke({_name('browser_smoke', name)!r})"
    reject_unknown(call, unknown)
    if url is None:
        raise _error(call, "argument 'url': required (the page to open)")
    url = _url(call, "url", url)
    if screenshot is None:
        screenshot = f"output/playwright/{name}.png"
    if not isinstance(screenshot, str) or not screenshot.lower().endswith(".png"):
        raise _error(call, f"argument 'screenshot': expected a path ending in .png, "
                           f"got {screenshot!r}")
    texts = _strs(call, "expect_text", expect_text)
    if any(not t for t in texts):
        raise _error(call, "argument 'expect_text': texts must not be empty")
    if wait_for is not None and (not isinstance(wait_for, str) or not wait_for.strip()):
        raise _error(call, f"argument 'wait_for': expected a CSS selector, got {wait_for!r}")
    seconds = _seconds(call, "timeout", timeout, positive=True)
    insecure = _bool(call, "insecure", insecure)

    argv = _fops_argv() + ["smoke", "browser", "--url", url, "--screenshot", screenshot]
    for text in texts:
        argv += ["--expect-text", text]
    if wait_for:
        argv += ["--wait-for", wait_for]
    if seconds != 30.0:
        argv += ["--timeout", _duration_arg(seconds)]
    if insecure:
        argv.append("--insecure")

    resource = _resource(ctx, call, name, KIND, resource_deps, labels, trigger_mode, auto_init)
    resource.cmd = _fops.Command.from_argv(argv)
    resource.links = [_fops.Link(url=url)]
    # A safety net for a browser that hangs: its steps are bounded already
    # (Chromium's start by 60s, loading, each wait and the screenshot by
    # `timeout`), so this only stops what ignores its own bounds.
    resource.timeout = 4 * seconds + 90
    return ctx.add(resource)


# --- port_forward ------------------------------------------------------------

def port_forward(name, target="svc/fractalops-portal", namespace=None, local_port=8080,
                 remote_port=80, context=None, kubeconfig=None, resource_deps=None,
                 labels=None, trigger_mode=_fops.TriggerMode.AUTO, auto_init=True,
                 **unknown) -> _fops.Resource:
    """Declares a serve resource that runs ``kubectl port-forward`` to ``target``.

    ``kubectl [--context C] [--kubeconfig K] -n NAMESPACE port-forward
    --address 127.0.0.1 TARGET LOCAL:REMOTE``, ready when 127.0.0.1:LOCAL
    accepts a connection. ``target``: ``svc/NAME``, ``deploy/NAME``,
    ``pod/NAME``, ...; ``namespace`` is required (never the kube context's);
    ``kubeconfig`` is relative to the Tiltfile. Without either, the kube
    context current at load time is pinned, as for Helm releases
    (docs/helm.md, "The cluster is pinned"). Only loopback listens, so the
    forward is not exposed to the network. Returns the registered
    :class:`fops.Resource`.
    """
    import re  # only for a port_forward: start-up stays light (re costs ~4 ms)

    ctx = _context.current()
    call = f"port_forward({_name('port_forward', name)!r})"
    reject_unknown(call, unknown)
    if not isinstance(target, str) or not re.match(r"^([a-z.]+/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
                                                   target):
        raise _error(call, f"argument 'target': expected TYPE/NAME (svc/fractalops-portal, "
                           f"deploy/api, pod/api-0) or a pod name, got {target!r}")
    if namespace is None:
        raise _error(call, "argument 'namespace': required: fops never lets kubectl fall back "
                           "to the kube context's namespace")
    if not isinstance(namespace, str) or not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                                                      namespace):
        raise _error(call, f"argument 'namespace': expected a namespace name, got {namespace!r}")
    local = _port(call, "local_port", local_port)
    remote = _port(call, "remote_port", remote_port)
    if context is not None and (not isinstance(context, str) or not context):
        raise _error(call, f"argument 'context': expected a kube context name, got {context!r}")
    if kubeconfig is not None:
        if not isinstance(kubeconfig, str) or not kubeconfig:
            raise _error(call, f"argument 'kubeconfig': expected a path, got {kubeconfig!r}")
        kubeconfig = os.path.normpath(os.path.join(ctx.root, kubeconfig))
    if context is None and kubeconfig is None:
        # As Helm commands: the context current at load time (and KUBECONFIG's
        # file), so a later `kubectl config use-context` cannot redirect it.
        # A kubeconfig= of the Tiltfile's own is used with its own context.
        context, kubeconfig = cluster.pin(ctx, call)
    argv = ["kubectl"]
    if context:
        argv += ["--context", context]
    if kubeconfig:
        argv += ["--kubeconfig", kubeconfig]
    argv += ["-n", namespace, "port-forward", "--address", "127.0.0.1", target,
             f"{local}:{remote}"]

    resource = _resource(ctx, call, name, "local", resource_deps, labels, trigger_mode, auto_init)
    resource.serve_cmd = _fops.Command.from_argv(argv)
    probe = _fops.Probe()
    probe.action = _fops.TcpSocketAction(port=local, host="127.0.0.1")
    probe.timeout = 1.0
    # Once ready, every probe is a connection kubectl logs ("Handling
    # connection for 8080"): ask every 10 s, as Tilt's default period, not
    # every second. Before the first success probes come quickly anyway,
    # and a forward that exits is seen at once (its process ends).
    probe.period = 10.0
    resource.readiness_probe = probe
    resource.links = [_fops.Link(url=f"http://127.0.0.1:{local}")]
    return ctx.add(resource)
