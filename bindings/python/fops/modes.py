"""Modes, the guard and the transitions (docs/modes.md, docs/guard.md).

In a Tiltfile:

- ``current_mode()``: what this load is for — ``"development"`` (``fops up``,
  ``fops ci``), ``"staging"`` (``fops mode staging``) or ``"deployment"``
  (``fops mode deploy``).
- ``guard_settings(dev_namespaces=[...], dev_release_suffix="-dev", ...)``:
  what the guard calls a dev namespace and a dev release, for this repo.
- ``argocd_apps([...], server=None)``: the canonical Argo CD applications
  ``fops mode deploy`` syncs and waits for.

For the ``fops`` command and harnesses:

- ``command_policy(ctx)``: the hook fops.session calls; the :class:`fops.Guard`
  for the load's mode and the Tiltfile's settings.
- ``guard_for(ctx, mode=None)``: the same guard, for another mode if asked.
- transitions with ``plan()`` and ``execute()``: :class:`UpTransition`,
  :class:`DownTransition`, :class:`StagingTransition`, :class:`DeployTransition`.
"""
from __future__ import annotations

import os

from fops import _fops
from fops import context as _context
from fops.errors import ConfigError, PolicyError
from fops.images import _str_list  # the Tiltfile argument checks images and helm share
from fops.loader import call_error as _error
from fops.loader import reject_unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

__all__ = ["current_mode", "guard_settings", "argocd_apps"]

#: ctx.extras keys this module owns.
GUARD_KEY = "guard"
ARGOCD_KEY = "argocd"
STAGING_TARGETS_KEY = "staging_targets"

Guard = _fops.Guard
ModeState = _fops.ModeState
TransitionPlan = _fops.TransitionPlan
TransitionResult = _fops.TransitionResult


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

    Helm releases declared before this call are checked again against the
    new settings (in development mode), so the order of calls cannot hide one.
    """
    call = "guard_settings"
    reject_unknown(call, unknown)
    ctx = _context.current()
    settings: Dict[str, Any] = dict(ctx.extras.get(GUARD_KEY, {}))
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
        Guard(**settings)  # validates (ConfigError naming the field)
    except ConfigError as exc:
        raise _error(call, str(exc)) from None
    ctx.extras[GUARD_KEY] = settings
    from fops import helm

    helm._recheck_releases(ctx)


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
        from fops import durations

        try:
            config["timeout"] = durations.parse(str(timeout)) if isinstance(timeout, str) \
                else float(timeout)
        except (TypeError, ValueError) as exc:
            raise _error(call, f"argument 'timeout': {exc}") from None
    _context.current().extras[ARGOCD_KEY] = config
    return names


# --- hooks -----------------------------------------------------------------------

def guard_settings_of(ctx) -> Dict[str, Any]:
    """The Tiltfile's guard_settings(...) (empty: the defaults)."""
    return dict(getattr(ctx, "extras", {}).get(GUARD_KEY, {}))


def guard_for(ctx, mode: Optional[str] = None,
              staging_targets: Optional[Iterable[Tuple[str, str]]] = None) -> _fops.Guard:
    """The guard for ``ctx`` (a LoadContext) in ``mode`` (default: the load's)."""
    mode = _fops.parse_mode(mode or getattr(ctx, "mode", "development"))
    targets = staging_targets
    if targets is None:
        targets = getattr(ctx, "extras", {}).get(STAGING_TARGETS_KEY, [])
    return Guard(mode=mode, staging_targets=[tuple(t) for t in targets], **guard_settings_of(ctx))


def command_policy(ctx) -> _fops.Guard:
    """Hook called by fops.session: the guard for the load's mode."""
    return guard_for(ctx)


# --- the mode store ------------------------------------------------------------------

def mode_state(state_dir: str) -> _fops.ModeState:
    """The recorded mode of the repo whose state directory is ``state_dir``."""
    return _fops.load_mode_state(state_dir)


def session_holder(state_dir: str):
    """Who holds the repo's session (a fops.SessionInfo), or None."""
    return _fops.SessionLock.read_holder(state_dir)


def enter_development(state_dir: str) -> None:
    """What ``fops up`` does once it holds the session lock: record development mode."""
    _fops.UpTransition(state_dir).execute()


# --- transitions ------------------------------------------------------------------------

UpTransition = _fops.UpTransition
DownTransition = _fops.DownTransition


class DeployTransition:
    """``fops mode deploy``: stop the local session, ask Argo CD to sync each
    canonical app, wait until every one is Synced and Healthy or the
    deadline passes, record deployment mode. ``plan()`` prints the steps
    and does nothing; ``execute(on_line=print)`` runs them and returns a
    fops.TransitionResult (``ok``, ``apps``, ``lines``, ``summary``).

    ``apps`` default to the Tiltfile's ``argocd_apps([...])``; server and
    token to ARGOCD_SERVER / ARGOCD_AUTH_TOKEN / ARGOCD_OPTS, then the
    Tiltfile's ``server=``.
    """

    def __init__(self, state_dir: str, apps: Sequence[str], *, server: Optional[str] = None,
                 token: Optional[str] = None, insecure: Optional[bool] = None,
                 plaintext: Optional[bool] = None, timeout: float = 300.0,
                 stop_timeout: float = 30.0, prune: bool = False,
                 poll_interval: Optional[float] = None,
                 request_timeout: Optional[float] = None):
        self.state_dir = state_dir
        self.apps = list(apps)
        self._transition = _fops.DeployTransition(
            state_dir, self.apps, server=server, token=token, insecure=insecure,
            plaintext=plaintext, timeout=timeout, stop_timeout=stop_timeout, prune=prune,
            poll_interval=poll_interval, request_timeout=request_timeout)

    @classmethod
    def from_project(cls, project, apps: Sequence[str] = (), **options) -> "DeployTransition":
        """From a loaded Tiltfile: its argocd_apps(...) unless ``apps`` are given."""
        config = project.context.extras.get(ARGOCD_KEY, {})
        names = list(apps) or list(config.get("apps", []))
        if not names:
            raise ConfigError(f"{project.tiltfile}: no canonical Argo CD applications: declare "
                              f"argocd_apps([...]) in the Tiltfile, or pass --app NAME")
        if options.get("server") is None and not os.environ.get("ARGOCD_SERVER"):
            options["server"] = config.get("server")
        for key in ("insecure", "plaintext"):
            if options.get(key) is None and key in config:
                options[key] = config[key]
        if options.get("timeout") is None:
            options["timeout"] = config.get("timeout", 300.0)
        options = {k: v for k, v in options.items() if v is not None}
        return cls(project.state_dir, names, **options)

    def plan(self) -> _fops.TransitionPlan:
        return self._transition.plan()

    def execute(self, on_line: Optional[Callable[[str], Any]] = None) -> _fops.TransitionResult:
        return self._transition.execute(on_line)


class StagingTransition:
    """``fops mode staging [--build-only] [TARGET ...]`` on a Tiltfile loaded
    in staging mode: build and push staging-tagged images (with the staging
    cache scopes); only when targets are named and ``build_only`` is False,
    upgrade the canonical releases of those targets through Helm (their
    ``helm_release(..., canonical=(release, namespace))``); record staging
    mode. A target is a plane target (``runtime``), an image resource, or a
    helm_release name. No targets, or ``build_only``: build and push only.
    """

    def __init__(self, project, targets: Sequence[str] = (), build_only: bool = False):
        if project.mode != "staging":
            raise PolicyError(f"{project.tiltfile}: a staging transition needs the Tiltfile "
                              f"loaded in staging mode (got {project.mode})")
        self.project = project
        self.targets = list(targets)
        self.build_only = build_only or not self.targets
        self.images, self.releases = self._select()

    def _select(self) -> Tuple[List[str], List[Any]]:
        from fops import helm, images

        project = self.project
        known = helm.releases_of(project.context)
        by_release = {info["release"].release: name for name, info in known.items()}
        helm_named = [t for t in self.targets if t in known or t in by_release]
        image_targets = [t for t in self.targets if t not in helm_named]
        selected = (images._select_images(project, image_targets)
                    if image_targets or not self.targets else [])
        for target in helm_named:
            release = known[target if target in known else by_release[target]]["release"]
            if release.image_resource and release.image_resource not in selected:
                selected.append(release.image_resource)
        if self.build_only:
            closure = project.graph.closure(selected)
            cluster = [project.graph.resource(i) for i in closure
                       if project.graph.resource(i).kind in images.CLUSTER_KINDS]
            if cluster:
                names = ", ".join(f"{r.name} ({r.kind})" for r in cluster)
                raise PolicyError(f"{project.tiltfile}: staging --build-only never touches the "
                                  f"cluster, but the selected images depend on {names}")
            return selected, []
        target_of = {getattr(i, "name", ""): getattr(i, "target", "")
                     for i in project.context.extras.get("images", [])}
        releases = []
        for name, info in known.items():
            release = info["release"]
            uses_named_image = bool(release.image_resource) and (
                release.image_resource in image_targets or
                target_of.get(release.image_resource) in image_targets)
            if not (name in helm_named or release.release in helm_named or uses_named_image):
                continue
            if info.get("canonical") is None:
                if not (name in helm_named or release.release in helm_named):
                    continue  # uses the image, but has no canonical release to check live
                raise PolicyError(
                    f"{release.declared_file}:{release.declared_line}: helm_release({name!r}) "
                    f"has no canonical=(release, namespace): staging mode applies images only "
                    f"to canonical releases it is told about")
            releases.append(release)
            if release.image_resource and release.image_resource not in selected:
                selected.append(release.image_resource)
        return selected, releases

    @property
    def live_targets(self) -> List[Tuple[str, str]]:
        """(release, namespace) of the canonical releases this run upgrades."""
        return [(r.release, r.namespace) for r in self.releases]

    def plan(self) -> _fops.TransitionPlan:
        return _fops.plan_staging(self.project.state_dir, self.images, self.live_targets,
                                  self.build_only, self.targets)

    def execute(self, executor=None, *, force: bool = False, reporter: Optional[str] = "stdout",
                timeout: Optional[float] = None) -> _fops.RunResult:
        """Takes the session lock, runs the selection through the staging
        guard, records staging mode when it succeeded for real (never for a
        simulated executor: scripted, dry-run or Python test executors)."""
        from fops.session import Session

        project = self.project
        project.context.extras[STAGING_TARGETS_KEY] = self.live_targets
        selection = list(self.images) + [r.name for r in self.releases]
        if executor is None:
            executor = _fops.ProcessExecutor()
        with _fops.SessionLock.acquire(project.state_dir, os.getpid(), "mode staging",
                                       os.path.abspath(project.tiltfile)):
            with Session(project, executor, resources=selection, force=force, reporter=reporter,
                         timeout=timeout) as session:
                result = session.ci()
        if result.ok and not executor.simulated:  # nothing was built or applied otherwise
            note = ("built " + ", ".join(self.images)) if self.images else "nothing to build"
            if self.releases:
                note += "; applied to " + ", ".join(f"{r.release} ({r.namespace})"
                                                    for r in self.releases)
            _fops.save_mode_state(project.state_dir, "staging", by="fops mode staging",
                                  note=note, targets=self.targets)
        return result
