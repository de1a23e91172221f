"""Modes, the guard and Argo CD in a Tiltfile (docs/modes.md, docs/guard.md).

- ``current_mode()``: what this load is for — ``"development"`` (``fops up``,
  ``fops ci``), ``"staging"`` (``fops mode staging``) or ``"deployment"``
  (``fops mode deploy``).
- ``guard_settings(dev_namespaces=[...], dev_release_suffix="-dev", ...)``:
  what the guard calls a dev namespace and a dev release, for this repo.
- ``argocd_apps([...], server=None)``: the canonical Argo CD applications
  ``fops mode deploy`` syncs and waits for.

What the ``fops`` command and harnesses do with them is elsewhere: the
guard of a load is :func:`fops.policy.guard_for`; the mode store and the
transitions (``plan()``, ``execute()``) are in :mod:`fops.transitions`.
"""
from __future__ import annotations

from fops import context as _context
from fops import durations
from fops import policy
from fops.args import call_error as _error
from fops.args import reject_unknown
from fops.args import str_list as _str_list
from fops.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List

__all__ = ["current_mode", "guard_settings", "argocd_apps"]

#: ctx.extras key: the Tiltfile's argocd_apps(...) ({"apps", "server", ...}).
ARGOCD_KEY = "argocd"


# --- Tiltfile functions --------------------------------------------------------

def current_mode() -> str:
    """The mode this load is for: "development", "staging" or "deployment"."""
    return _context.current().mode


def guard_settings(dev_namespaces=None, dev_release_suffix=None, dev_releases=None,
                   preview_namespaces=None, release_tags=None, inspect_scripts=None,
                   **unknown) -> None:
    """Configures the guard for this repo (defaults: dev namespace
    ``fractalops-dev``, dev releases end with ``-dev``, preview namespaces
    ``preview-*`` and ``pr-*``, release tags ``latest``, ``stable``,
    ``release*``, ``prod``, ``production`` plus every semantic version).

    Helm releases are checked against the settings of the whole Tiltfile
    once it has finished (in development mode), so the order of calls
    cannot hide one.
    """
    call = "guard_settings"
    reject_unknown(call, unknown)
    ctx = _context.current()
    settings: Dict[str, Any] = policy.settings_of(ctx)
    for arg, value in (("dev_namespaces", dev_namespaces), ("dev_releases", dev_releases),
                       ("preview_namespaces", preview_namespaces), ("release_tags", release_tags)):
        if value is not None:
            settings[arg] = _str_list(call, arg, value)
    if dev_release_suffix is not None:
        if not isinstance(dev_release_suffix, str):
            raise _error(call, "argument 'dev_release_suffix': expected a str")
        settings["dev_release_suffix"] = dev_release_suffix
    if inspect_scripts is not None:
        if not isinstance(inspect_scripts, bool):
            raise _error(call, "argument 'inspect_scripts': expected True or False")
        settings["inspect_scripts"] = inspect_scripts
    try:
        policy.Guard(**settings)  # validates (ConfigError naming the field)
    except ConfigError as exc:
        raise _error(call, str(exc)) from None
    policy.set_settings(ctx, settings)


def argocd_apps(apps, server=None, insecure=None, plaintext=None, timeout=None,
                **unknown) -> List[str]:
    """The canonical Argo CD applications (``fops mode deploy`` syncs them
    and waits until each is Synced and Healthy). ``name`` or
    ``namespace/name``. ``server``: the Argo CD server when ARGOCD_SERVER is
    not set; ``insecure``/``plaintext`` as the argocd CLI's flags;
    ``timeout``: the default wait (seconds or "5m"). The token is never
    written here: it comes from ARGOCD_AUTH_TOKEN.
    """
    call = "argocd_apps"
    reject_unknown(call, unknown)
    names = _str_list(call, "apps", apps)
    if not names or any(not n or n.count("/") > 1 for n in names):
        raise _error(call, "argument 'apps': expected application names (name or namespace/name)")
    if len(set(names)) != len(names):
        raise _error(call, "argument 'apps': an application is listed twice")
    config: Dict[str, Any] = {"apps": names}
    if server is not None:
        if not isinstance(server, str) or not server:
            raise _error(call, "argument 'server': expected host[:port] or a URL")
        config["server"] = server
    for name, value in (("insecure", insecure), ("plaintext", plaintext)):
        if value is not None:
            if not isinstance(value, bool):
                raise _error(call, f"argument '{name}': expected True or False")
            config[name] = value
    if timeout is not None:
        try:
            config["timeout"] = durations.parse(str(timeout)) if isinstance(timeout, str) \
                else float(timeout)
        except (TypeError, ValueError) as exc:
            raise _error(call, f"argument 'timeout': {exc}") from None
    _context.current().extras[ARGOCD_KEY] = config
    return names
