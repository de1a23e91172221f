"""Resources, probes, settings and ``config`` in a Tiltfile, with Tilt's names and meaning.

``local_resource``, ``probe`` and its actions, ``link``, ``update_settings``,
``ci_settings``, ``fail`` and ``config`` (the Tiltfile's own arguments).
Tiltfiles get them through :mod:`fops.tiltfile`. Every bad argument (wrong
type, unknown keyword, bad trigger mode) raises :class:`fops.ConfigError`
that names the Tiltfile line of the call and the argument::

    Tiltfile.py:12: local_resource('api'): argument 'deps': expected a str or
    a list of str, got int

See docs/tiltfile.md for every function and how it differs from Tilt.
"""
from __future__ import annotations

import os

from fops import _fops
from fops import context as _context
from fops import durations
from fops.args import boolean as _bool
from fops.args import call_error as _error
from fops.args import located_error
from fops.args import reject_unknown as _reject_unknown
from fops.args import suggest as _suggest
from fops.args import warn as _warn
from fops.args import trigger_mode as _trigger_mode
from fops.args import type_name as _type_name

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

TriggerMode = _fops.TriggerMode
#: Runs at start (if auto_init) and when its deps change. Tilt's default.
TRIGGER_MODE_AUTO = _fops.TriggerMode.AUTO
#: Runs only when triggered by name.
TRIGGER_MODE_MANUAL = _fops.TriggerMode.MANUAL

__all__ = [
    "local_resource", "probe", "http_get_action", "tcp_socket_action", "exec_action",
    "link", "update_settings", "config", "fail",
    "TRIGGER_MODE_AUTO", "TRIGGER_MODE_MANUAL",
]

# --- argument checking -------------------------------------------------------

def _str(call: str, arg: str, value: Any, optional: bool = False) -> Optional[str]:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _error(call, f"argument '{arg}': expected a str, got {_type_name(value)}")
    return value


def _int(call: str, arg: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(call, f"argument '{arg}': expected an int, got {_type_name(value)}")
    if value < minimum:
        raise _error(call, f"argument '{arg}': must be at least {minimum}, got {value}")
    return value


def _str_list(call: str, arg: str, value: Any) -> List[str]:
    """None -> [], a str -> [str], a list/tuple of str -> list (as Tilt
    accepts); unlike fops.args.str_list, an error names the item that is not a str."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        for item in value:
            if not isinstance(item, str):
                raise _error(call, f"argument '{arg}': expected a list of str, "
                                   f"found {_type_name(item)} {item!r}")
        return list(value)
    raise _error(call, f"argument '{arg}': expected a str or a list of str, got {_type_name(value)}")


def _env(call: str, arg: str, value: Any) -> Dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _error(call, f"argument '{arg}': expected a dict of str to str, got {_type_name(value)}")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise _error(call, f"argument '{arg}': expected a dict of str to str, "
                               f"found {key!r}: {_type_name(item)}")
    return dict(value)


def _command(call: str, arg: str, value: Any) -> Optional[_fops.Command]:
    """A str runs with ``sh -c`` (as in Tilt); a list runs as argv; ''/[]/None: none."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        return _fops.Command.shell(value)
    if isinstance(value, (list, tuple)) and all(isinstance(w, str) for w in value):
        return _fops.Command.from_argv(list(value))
    raise _error(call, f"argument '{arg}': expected a str (run with sh -c) or a list of str "
                       f"(argv), got {_type_name(value)}")


def _seconds(call: str, arg: str, value: Any) -> float:
    """A number of seconds, or a Go duration string as Tilt takes ("90s", "1h30m")."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise _error(call, f"argument '{arg}': must not be negative, got {value}")
        return float(value)
    if isinstance(value, str):
        try:
            return durations.parse(value)
        except ValueError as exc:
            raise _error(call, f"argument '{arg}': {exc}") from None
    raise _error(call, f"argument '{arg}': expected a number of seconds or a duration string, "
                       f"got {_type_name(value)}")


def _dir(ctx: _context.LoadContext, call: str, arg: str, value: Any) -> str:
    """Absolute; relative paths are relative to the Tiltfile's directory."""
    if value is None:
        return ctx.root
    path = _str(call, arg, value)
    return os.path.normpath(os.path.join(ctx.root, path))


# --- local_resource ----------------------------------------------------------

def local_resource(name, cmd=None, deps=None, resource_deps=None, ignore=None,
                   auto_init=True, allow_parallel=True, serve_cmd=None, env=None,
                   serve_env=None, dir=None, serve_dir=None, readiness_probe=None,
                   trigger_mode=TRIGGER_MODE_AUTO, labels=None, links=None, timeout=None,
                   **unknown) -> _fops.Resource:
    """Declares a resource that runs ``cmd`` on the host and/or serves ``serve_cmd``.

    ``cmd``/``serve_cmd``: a str runs with ``sh -c``, a list runs as argv.
    ``dir`` (default: the Tiltfile's directory) and ``serve_dir`` (default:
    the Tiltfile's directory, as in Tilt) are relative to the Tiltfile.
    ``deps`` are files whose change re-runs ``cmd`` under ``fops up``.
    ``timeout`` (fops only): seconds or a duration string, per command.
    Returns the registered :class:`fops.Resource`.
    """
    ctx = _context.current()
    if not isinstance(name, str):
        raise _error("local_resource", f"argument 'name': expected a str, got {_type_name(name)}")
    call = f"local_resource({name!r})"
    _reject_unknown(call, unknown)
    resource = _fops.Resource()
    resource.name = name
    command = _command(call, "cmd", cmd)
    if command is not None:
        resource.cmd = command
    serve = _command(call, "serve_cmd", serve_cmd)
    if serve is not None:
        resource.serve_cmd = serve
    resource.deps = [os.path.normpath(os.path.join(ctx.root, p))
                     for p in _str_list(call, "deps", deps)]
    for given, path in zip(_str_list(call, "deps", deps), resource.deps):
        if not os.path.exists(path):
            # Not an error: a build output may appear later; `fops up`
            # watches for it. Said now, for the typo it usually is.
            _warn(call, f"deps path {given!r} does not exist (yet); fops up re-runs "
                        f"{name!r} when it appears")
    resource.ignore = _str_list(call, "ignore", ignore)
    resource.resource_deps = _str_list(call, "resource_deps", resource_deps)
    resource.auto_init = _bool(call, "auto_init", auto_init)
    resource.allow_parallel = _bool(call, "allow_parallel", allow_parallel)
    resource.env = _env(call, "env", env)
    resource.serve_env = _env(call, "serve_env", serve_env)
    resource.dir = _dir(ctx, call, "dir", dir)
    resource.serve_dir = _dir(ctx, call, "serve_dir", serve_dir)
    if readiness_probe is not None:
        if not isinstance(readiness_probe, _fops.Probe):
            raise _error(call, "argument 'readiness_probe': expected probe(...), "
                               f"got {_type_name(readiness_probe)}")
        if serve is None:
            raise _error(call, "argument 'readiness_probe': needs a serve_cmd to probe")
        resource.readiness_probe = readiness_probe
    resource.trigger_mode = _trigger_mode(call, trigger_mode)
    resource.labels = _str_list(call, "labels", labels)
    resource.links = _links(call, links)
    if timeout is not None:
        resource.timeout = _seconds(call, "timeout", timeout)
    if command is None and serve is None:
        raise _error(call, "needs a cmd or a serve_cmd")
    return ctx.add(resource)


def _links(call: str, value: Any) -> List[_fops.Link]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    links = []
    for item in items:
        if isinstance(item, str):
            links.append(_fops.Link(url=item))
        elif isinstance(item, _fops.Link):
            links.append(item)
        else:
            raise _error(call, "argument 'links': expected a URL str, link(...) or a list of "
                               f"them, got {_type_name(item)}")
    return links


# --- probes and links --------------------------------------------------------

def probe(initial_delay_secs=0, timeout_secs=1, period_secs=10, success_threshold=1,
          failure_threshold=3, exec=None, http_get=None, tcp_socket=None,
          **unknown) -> _fops.Probe:
    """A readiness probe: exactly one of ``exec``, ``http_get``, ``tcp_socket``.

    As Tilt's ``probe()`` (a ready server is probed every ``period_secs``,
    10 by default), except that before the first success fops probes sooner
    (from 25 ms, doubling up to 1 s or the period if shorter) so a new
    server is seen as ready at once.
    """
    call = "probe"
    _reject_unknown(call, unknown)
    actions = [(n, a) for n, a in (("exec", exec), ("http_get", http_get),
                                   ("tcp_socket", tcp_socket)) if a is not None]
    if len(actions) != 1:
        raise _error(call, "needs exactly one of exec=, http_get=, tcp_socket= "
                           f"(got {len(actions)})")
    arg, action = actions[0]
    expected = {"exec": _fops.ExecAction, "http_get": _fops.HttpGetAction,
                "tcp_socket": _fops.TcpSocketAction}[arg]
    if not isinstance(action, expected):
        raise _error(call, f"argument '{arg}': expected {arg}_action(...), got {_type_name(action)}")
    result = _fops.Probe()
    result.action = action
    result.initial_delay = _seconds(call, "initial_delay_secs", initial_delay_secs)
    result.timeout = _seconds(call, "timeout_secs", timeout_secs)
    result.period = _seconds(call, "period_secs", period_secs)
    if result.timeout <= 0 or result.period <= 0:
        raise _error(call, "timeout_secs and period_secs must be positive")
    result.success_threshold = _int(call, "success_threshold", success_threshold, 1)
    result.failure_threshold = _int(call, "failure_threshold", failure_threshold, 1)
    return result


def _port(call: str, port: Any) -> int:
    port = _int(call, "port", port, 1)
    if port > 65535:
        raise _error(call, f"argument 'port': must be at most 65535, got {port}")
    return port


def http_get_action(port, host="127.0.0.1", scheme="http", path="/",
                    **unknown) -> _fops.HttpGetAction:
    """Ready when GET scheme://host:port/path answers 2xx or 3xx."""
    call = "http_get_action"
    _reject_unknown(call, unknown)
    scheme = _str(call, "scheme", scheme)
    if scheme not in ("http", "https"):
        raise _error(call, f"argument 'scheme': expected 'http' or 'https', got {scheme!r}")
    path = _str(call, "path", path)
    if not path.startswith("/"):
        path = "/" + path
    return _fops.HttpGetAction(port=_port(call, port), host=_str(call, "host", host),
                               path=path, scheme=scheme)


def tcp_socket_action(port, host="127.0.0.1", **unknown) -> _fops.TcpSocketAction:
    """Ready when a TCP connection to host:port is accepted."""
    call = "tcp_socket_action"
    _reject_unknown(call, unknown)
    return _fops.TcpSocketAction(port=_port(call, port), host=_str(call, "host", host))


def exec_action(command, **unknown) -> _fops.ExecAction:
    """Ready when ``command`` (a list: argv, no shell) exits 0."""
    call = "exec_action"
    _reject_unknown(call, unknown)
    if isinstance(command, str):
        raise _error(call, "argument 'command': expected a list of str (argv, no shell), got str; "
                           "for a shell write ['sh', '-c', '...']")
    argv = _str_list(call, "command", command)
    if not argv:
        raise _error(call, "argument 'command': must not be empty")
    return _fops.ExecAction(command=argv)


def link(url, name="", **unknown) -> _fops.Link:
    """A link shown next to a resource: ``links=[link('http://...', 'app')]``."""
    call = "link"
    _reject_unknown(call, unknown)
    return _fops.Link(url=_str(call, "url", url), name=_str(call, "name", name))


# --- settings ----------------------------------------------------------------

def update_settings(max_parallel_updates=None, ci_timeout=None,
                    k8s_upsert_timeout_secs=None, suppress_unused_image_warnings=None,
                    plan_cache=None, **unknown) -> None:
    """Project settings, as Tilt's ``update_settings``.

    ``max_parallel_updates``: updates at once (default 3). ``ci_timeout``:
    the whole ``fops ci`` run (seconds or '30m'; default 30 minutes; Tilt
    sets it with ``ci_settings(timeout=)``, which fops also accepts).
    ``plan_cache=False``: never replay this Tiltfile's load from the plan
    cache (for a Tiltfile that depends on the clock or on randomness, which
    the cache cannot see; docs/cli.md). Tilt's Kubernetes-only settings are
    accepted and ignored.
    """
    ctx = _context.current()
    call = "update_settings"
    _reject_unknown(call, unknown)
    if max_parallel_updates is not None:
        ctx.settings["max_parallel_updates"] = _int(call, "max_parallel_updates",
                                                    max_parallel_updates, 1)
    if ci_timeout is not None:
        seconds = _seconds(call, "ci_timeout", ci_timeout)
        if seconds <= 0:
            raise _error(call, "argument 'ci_timeout': must be positive")
        ctx.settings["ci_timeout"] = seconds
    if plan_cache is not None:
        if not isinstance(plan_cache, bool):
            raise _error(call, f"argument 'plan_cache': expected a bool, got "
                               f"{type(plan_cache).__name__}")
        ctx.extras["plan_cache"] = plan_cache


def ci_settings(timeout=None, k8s_grace_period=None, readiness_timeout=None, **unknown) -> None:
    """Tilt's ``ci_settings(timeout=)``: same as ``update_settings(ci_timeout=)``."""
    _reject_unknown("ci_settings", unknown)
    if timeout is not None:
        update_settings(ci_timeout=timeout)


__all__.append("ci_settings")


def fail(message) -> None:
    """Stops loading with ``message`` (Tilt's ``fail``), named at the calling line."""
    raise _error("fail", str(message))


# --- config ------------------------------------------------------------------

class _Setting:
    __slots__ = ("name", "kind", "args", "usage")

    def __init__(self, name: str, kind: str, args: bool, usage: str):
        self.name, self.kind, self.args, self.usage = name, kind, args, usage

    def flag(self) -> str:
        value = {"bool": "", "string": " VALUE", "string_list": " VALUE (repeatable)"}[self.kind]
        return f"--{self.name}{value}" + (f"  {self.usage}" if self.usage else "")


class _ConfigState:
    def __init__(self) -> None:
        self.settings: Dict[str, _Setting] = {}
        self.parsed: Optional[Dict[str, Any]] = None
        self.enabled: Optional[List[str]] = None


_TRUE = {"1", "t", "T", "true", "TRUE", "True"}
_FALSE = {"0", "f", "F", "false", "FALSE", "False"}


class Config:
    """Tilt's ``config``: define settings, then ``parse()`` the args after ``--``.

    ::

        config.define_bool("worker")
        config.define_string_list("to-run", args=True)
        cfg = config.parse()             # fops up -- --worker api
        cfg.get("worker")                # True, or absent when not given

    Flags: ``--flag`` (bool; ``--flag=false`` too), ``--name=value`` or
    ``--name value``, repeated for lists; positional args go to the one
    setting defined with ``args=True``. An unknown flag is a ConfigError
    naming it. As in Tilt, only settings given on the command line appear
    in the result.
    """

    @staticmethod
    def _state() -> _ConfigState:
        ctx = _context.current()
        state = ctx.extras.get("config")
        if state is None:
            state = ctx.extras["config"] = _ConfigState()
        return state

    def _define(self, call: str, kind: str, name: Any, args: Any, usage: Any) -> None:
        state = self._state()
        name = _str(call, "name", name)
        if not name or name.startswith("-") or "=" in name:
            raise _error(call, f"argument 'name': bad setting name {name!r}")
        args = _bool(call, "args", args)
        usage = _str(call, "usage", usage)
        if state.parsed is not None:
            raise _error(call, f"setting {name!r} defined after config.parse()")
        if name in state.settings:
            raise _error(call, f"setting {name!r} is already defined")
        if args and any(s.args for s in state.settings.values()):
            other = next(s.name for s in state.settings.values() if s.args)
            raise _error(call, f"setting {name!r}: only one setting may take args=True "
                               f"({other!r} already does)")
        if args and kind == "bool":
            raise _error(call, f"setting {name!r}: a bool setting cannot take args=True")
        state.settings[name] = _Setting(name, kind, args, usage)

    def define_bool(self, name, args=False, usage="", **unknown) -> None:
        """A ``--name`` flag; ``cfg.get(name)`` is True when given."""
        _reject_unknown("config.define_bool", unknown)
        self._define("config.define_bool", "bool", name, args, usage)

    def define_string(self, name, args=False, usage="", **unknown) -> None:
        """A ``--name VALUE`` setting (the last one given wins)."""
        _reject_unknown("config.define_string", unknown)
        self._define("config.define_string", "string", name, args, usage)

    def define_string_list(self, name, args=False, usage="", **unknown) -> None:
        """A ``--name VALUE`` setting that may repeat; a list of str."""
        _reject_unknown("config.define_string_list", unknown)
        self._define("config.define_string_list", "string_list", name, args, usage)

    def parse(self, **unknown) -> Dict[str, Any]:
        """Parses the Tiltfile's args; returns {name: value} for settings given."""
        _reject_unknown("config.parse", unknown)
        state = self._state()
        if state.parsed is None:
            state.parsed = self._parse(state, _context.current().args)
            _context.current().extras["config_values"] = state.parsed
        return dict(state.parsed)

    def _parse(self, state: _ConfigState, args: List[str]) -> Dict[str, Any]:
        values: Dict[str, Any] = {}
        positional: List[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if arg == "--":
                positional.extend(args[i:])
                break
            if not arg.startswith("-") or arg == "-":
                positional.append(arg)
                continue
            name, has_value, value = arg.lstrip("-").partition("=")
            setting = state.settings.get(name)
            if setting is None:
                raise _error("config.parse", self._unknown_flag(state, f"--{name}"))
            if setting.kind == "bool":
                if not has_value:
                    values[name] = True
                elif value in _TRUE or value in _FALSE:
                    values[name] = value in _TRUE
                else:
                    raise _error("config.parse", f"--{name}: expected true or false, got {value!r}")
                continue
            if not has_value:
                if i >= len(args):
                    raise _error("config.parse", f"--{name}: needs a value")
                value = args[i]
                i += 1
            if setting.kind == "string":
                values[name] = value
            else:
                values.setdefault(name, []).append(value)
        if positional:
            setting = next((s for s in state.settings.values() if s.args), None)
            if setting is None:
                raise _error("config.parse", f"positional args {positional} given, but no setting "
                                             "takes them (define one with args=True)")
            if setting.kind == "string":
                if len(positional) > 1:
                    raise _error("config.parse", f"setting {setting.name!r} takes one positional "
                                                 f"arg, got {positional}")
                values[setting.name] = positional[0]
            else:
                values[setting.name] = values.get(setting.name, []) + positional
        return values

    @staticmethod
    def _unknown_flag(state: _ConfigState, flag: str) -> str:
        flags = [s.name for s in state.settings.values() if not s.args]
        hint = _suggest(flag.lstrip("-"), flags)
        defined = "; ".join(s.flag() for s in state.settings.values() if not s.args)
        return f"unknown flag {flag}" + (f" (did you mean --{hint}?)" if hint else "") + \
            (f" (defined: {defined})" if defined else " (the Tiltfile defines no flags)")

    def set_enabled_resources(self, resources, **unknown) -> None:
        """Runs only these resources (and their deps), as in Tilt."""
        _reject_unknown("config.set_enabled_resources", unknown)
        self._state().enabled = _str_list("config.set_enabled_resources", "resources", resources)

    def clear_enabled_resources(self) -> None:
        """Runs every auto_init resource again (undoes set_enabled_resources)."""
        self._state().enabled = []

    @property
    def tilt_subcommand(self) -> str:
        """The fops subcommand running the Tiltfile: 'up', 'ci', 'plan', ... or ''."""
        return _context.current().extras.get("subcommand", "")

    @property
    def main_dir(self) -> str:
        """The absolute directory of the Tiltfile."""
        return _context.current().root

    @property
    def main_path(self) -> str:
        """The absolute path of the Tiltfile."""
        return os.path.abspath(_context.current().tiltfile)


config = Config()


def selection(ctx: _context.LoadContext) -> List[str]:
    """After the Tiltfile ran: the resources its args select (Tilt's rules):
    those of ``config.set_enabled_resources``; none (all) when it called
    ``config.parse()``; else the positional args, where a flag is an error."""
    state: Optional[_ConfigState] = ctx.extras.get("config")
    if state is not None and state.enabled is not None:
        return list(state.enabled)
    if state is not None and state.parsed is not None:
        return []
    selection = []
    for arg in ctx.args:
        if arg.startswith("-") and arg != "--":
            message = f"unknown flag {arg}: the Tiltfile does not call config.parse()"
            raise located_error(message, ctx.tiltfile, 0)
        if arg != "--":
            selection.append(arg)
    return selection
