"""The repo's mode and the transitions between modes (docs/modes.md).

What the ``fops`` command (``fops up``, ``fops mode ...``) and harnesses
do with what a Tiltfile declared in :mod:`fops.modes`, :mod:`fops.images`
and :mod:`fops.helm`:

- the mode store: :func:`mode_state`, :func:`session_holder`,
  :func:`enter_development` (what ``fops up`` records);
- transitions with ``plan()`` and ``execute()``: :class:`UpTransition`,
  :class:`DownTransition`, :class:`StagingTransition`, :class:`DeployTransition`;
- the staging channel: :func:`staging_build` (``fops mode staging
  --build-only`` for a harness).

::

    from fops import transitions

    transitions.mode_state(state_dir).mode                 # "development", ...
    staging = transitions.StagingTransition(fops.load("Tiltfile.py", mode="staging"), ["runtime"])
    print(staging.plan()); staging.execute()
"""
from __future__ import annotations

import os

from fops import _fops
from fops import helm, images, modes, policy
from fops.errors import ConfigError, PolicyError
from fops.loader import load
from fops.session import Session

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

__all__ = ["mode_state", "session_holder", "enter_development", "UpTransition",
           "DownTransition", "DeployTransition", "StagingTransition", "select_images",
           "staging_build"]

ModeState = _fops.ModeState
TransitionPlan = _fops.TransitionPlan
TransitionResult = _fops.TransitionResult


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
        config = project.context.extras.get(modes.ARGOCD_KEY, {})
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
        project = self.project
        known = helm.releases_of(project.context)
        by_release = {info["release"].release: name for name, info in known.items()}
        helm_named = [t for t in self.targets if t in known or t in by_release]
        image_targets = [t for t in self.targets if t not in helm_named]
        selected = (select_images(project, image_targets)
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
                     for i in project.context.extras.get(images.IMAGES_KEY, [])}
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
        project = self.project
        project.context.extras[policy.STAGING_TARGETS_KEY] = self.live_targets
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


# --- the staging channel ---------------------------------------------------------------

def select_images(project, targets: Sequence[str]) -> List[str]:
    """The image resources of ``targets`` (plane targets or image resource
    names; every image when empty); ConfigError naming an unknown one."""
    built = [r for r in project.resources if r.kind == "image"]
    if not built:
        raise ConfigError(f"{project.tiltfile}: declares no image_build; nothing to build")
    by_target: Dict[str, List[str]] = {}
    for image in project.context.extras.get(images.IMAGES_KEY, []):
        by_target.setdefault(image.target, []).append(image.name)
    if not targets:
        return [r.name for r in built]
    selected: List[str] = []
    unknown = []
    image_names = {r.name for r in built}
    for t in targets:
        names = by_target.get(t) or ([t] if t in image_names else [])
        if not names:
            unknown.append(t)
        selected.extend(n for n in names if n not in selected)
    if unknown:
        known = sorted(set(by_target) | image_names)
        raise ConfigError(f"{project.tiltfile}: no image build for "
                          f"{', '.join(repr(u) for u in unknown)} (images and targets: "
                          f"{', '.join(known)})")
    return selected


def staging_build(tiltfile: str = "Tiltfile.py", targets: Iterable[str] = (),
                  args: Sequence[str] = (), executor: Optional[_fops.Executor] = None, *,
                  force: bool = False, reporter: Optional[str] = None,
                  max_parallel: int = 0, timeout: Optional[float] = None,
                  observers: Iterable[_fops.Observer] = ()) -> _fops.RunResult:
    """The staging channel: loads ``tiltfile`` in staging mode (staging tags,
    staging cache scopes) and builds and pushes only its images — those of
    ``targets`` (plane target or image resource names; all when empty) and
    what they depend on — with no cluster step at all.

    ``executor``: default a :class:`fops.ProcessExecutor`. ``force``: rebuild
    even unchanged images. ``reporter``: ``"stdout"``/``"stderr"`` to print
    progress and the summary; ``observers``: more :class:`fops.Observer` objects.
    Raises ConfigError for an unknown target and PolicyError when an image
    depends on a cluster resource (a Helm release).
    """
    project = load(tiltfile, args=list(args), mode="staging", subcommand="ci")
    selected = select_images(project, list(targets))
    closure = project.graph.closure(selected)
    cluster = [project.graph.resource(i) for i in closure
               if project.graph.resource(i).kind in images.CLUSTER_KINDS]
    if cluster:
        names = ", ".join(f"{r.name} ({r.kind})" for r in cluster)
        raise PolicyError(f"{tiltfile}: staging --build-only never touches the cluster, but the "
                          f"selected images depend on {names}")
    if executor is None:
        executor = _fops.ProcessExecutor()
    with Session(project, executor, resources=selected, force=force, reporter=reporter,
                 max_parallel=max_parallel, timeout=timeout,
                 observers=list(observers)) as session:
        return session.ci()
