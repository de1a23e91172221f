"""Image builds and the build plane in a Tiltfile (docs/build-plane.md).

::

    plane = build_plane("ops/infra/topology/lxc-pve-lab.yaml")
    runtime = image_build("runtime", context=".", dockerfile="docker/runtime.Dockerfile")
    helm_release("api", ..., image=runtime)           # receives runtime.ref
    local_resource("smoke", cmd="...", resource_deps=[runtime])

Every image gets its registry, tag and cache scope from the plane: it is
pushed to the final registry with the stage's tag, and imports/exports the
remote build cache of its (stage, target) scope when that is on (off in dev
unless ``cache_import=True`` / ``cache_export=True`` or the environment
flags ``FOPS_CACHE_IMPORT=1`` / ``FOPS_CACHE_EXPORT=1``). The stage follows
the load's mode: development builds ``dev``, staging builds ``staging``.

The skip-if-unchanged gate the ``fops`` command gives the engine is
:func:`fops.hooks.update_gate`; the staging channel (``fops mode staging
--build-only``) is :func:`fops.transitions.staging_build`.
"""
from __future__ import annotations

import os

from fops import _fops
from fops import context as _context
from fops import plan_cache
from fops.args import call_error as _error
from fops.args import reject_unknown
from fops.args import str_list as _str_list

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

ImageRef = _fops.ImageRef
BuildPlane = _fops.BuildPlane
CacheScope = _fops.CacheScope
InputGate = _fops.InputGate

__all__ = ["build_plane", "image_build", "Image", "ImageRef", "BuildPlane", "CacheScope"]

#: The plane stage an image builds in, by the mode of the load.
STAGE_FOR_MODE = {"development": "dev", "staging": "staging", "deployment": "dev"}

#: Resource kinds that act on a cluster; the build-only channel never runs them.
CLUSTER_KINDS = ("helm", "k8s", "kubectl", "argocd")

#: ctx.extras key: every :class:`Image` the load declared, in order (a
#: helm_release given an image build's name finds its reference there).
IMAGES_KEY = "images"

#: Subcommands that run nothing real: they must neither skip (``fops plan``
#: prints every command) nor record a build that did not happen.
DRY_SUBCOMMANDS = ("plan", "graph")

_BUILDERS = ("buildah", "buildx", "buildctl")


class Image(str):
    """What :func:`image_build` returns: the resource name (a ``str``, so it
    goes in ``resource_deps``) that also knows what it pushes.

    - ``ref``: the pushed reference, ``ghcr.io/yamonco/fractalops-runtime:dev-1a2b…``
    - ``repository`` / ``tag``: its two halves (for ``--set image.repository=…``)
    - ``image_ref``: the same as a :class:`fops.ImageRef`
    - ``target``, ``stage``, ``cache_scope`` (``None`` without a cache registry)
    - ``resource``: the registered :class:`fops.Resource` (kind ``"image"``)
    - ``tag_from_inputs``: the tag is rendered from a digest of the build's
      inputs (``{inputs}``) when the Tiltfile loads, so an edit of the
      context needs a new load for its new tag (``fops up`` reloads)
    """

    def __new__(cls, resource: _fops.Resource, target: str, stage: str,
                cache_scope: Optional[_fops.CacheScope]):
        image = super().__new__(cls, resource.name)
        image.resource = resource
        image.target = target
        image.stage = stage
        image.cache_scope = cache_scope
        image.image_ref = _fops.ImageRef.parse(resource.inputs.produces)
        image.tag_from_inputs = False
        return image

    @property
    def name(self) -> str:
        return str.__str__(self)

    @property
    def ref(self) -> str:
        return str(self.image_ref)

    @property
    def repository(self) -> str:
        return self.image_ref.name

    @property
    def tag(self) -> str:
        return self.image_ref.tag

    def __repr__(self) -> str:
        return f"Image({self.name!r}, ref={self.ref!r})"


# --- argument checking --------------------------------------------------------

def _opt_str(call: str, arg: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _error(call, f"argument '{arg}': expected a str, got {type(value).__name__}")
    return value


def _opt_bool(call: str, arg: str, value: Any) -> Optional[bool]:
    if value is None or isinstance(value, bool):
        return value
    raise _error(call, f"argument '{arg}': expected True, False or None, got {type(value).__name__}")


def _str_dict(call: str, arg: str, value: Any) -> Dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _error(call, f"argument '{arg}': expected a dict of str to str")
    return dict(value)


def _env_flag(name: str) -> Optional[bool]:
    """FOPS_CACHE_IMPORT=1 turns the remote cache on; =0 off; unset: the plane decides."""
    return _fops.parse_flag(os.environ.get(name, ""))


def _git_revision(ctx: _context.LoadContext) -> str:
    """HEAD of the Tiltfile's git work tree, once per load; '' outside git."""
    if "git_revision" not in ctx.extras:
        import subprocess  # only for a Tiltfile with images: ~6 ms at start-up otherwise

        try:
            out = subprocess.run(["git", "-C", ctx.root, "rev-parse", "--verify", "-q", "HEAD"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 timeout=10, check=False)
            ctx.extras["git_revision"] = out.stdout.strip() if out.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            ctx.extras["git_revision"] = ""
    return ctx.extras["git_revision"]


# --- the Tiltfile functions -------------------------------------------------

def build_plane(path: str, **unknown) -> _fops.BuildPlane:
    """Loads the build plane (topology YAML, relative to the Tiltfile) and
    makes it the default of every later :func:`image_build`.

    A bad topology is an error naming the YAML file:line:column, the field
    and what was expected (a role-rule violation names the rule).
    """
    reject_unknown(f"build_plane({path!r})", unknown)
    ctx = _context.current()
    if not isinstance(path, (str, os.PathLike)):
        raise _error("build_plane", f"argument 'path': expected a str, got {type(path).__name__}")
    full = os.path.normpath(os.path.join(ctx.root, os.fspath(path)))
    plan_cache.note("content", full)  # read by C++, unseen by the recorder's hooks
    plane = _fops.BuildPlane.load(full)
    ctx.extras["plane"] = plane
    return plane


def image_build(target, context=None, dockerfile=None, plane=None, stage=None, build_args=None,
                platform=None, builder=None, target_stage=None, cache_import=None,
                cache_export=None, tag=None, repository=None, cache_ref=None, name=None,
                resource_deps=None, labels=None, **unknown) -> Image:
    """Declares an image build of a plane ``target`` and returns an :class:`Image`.

    - ``context``, ``dockerfile``: relative to the Tiltfile (default: the
      target's in the plane; ``<context>/Dockerfile`` when only ``context`` is given).
    - ``plane``: a :func:`build_plane` (default: the last one loaded).
    - ``stage``: a plane stage (default: ``dev`` in development mode,
      ``staging`` in staging mode).
    - ``build_args``, ``platform``, ``target_stage`` (Dockerfile ``--target``):
      merged over / instead of the target's.
    - ``builder``: ``"buildah"`` (where no Docker engine runs), ``"buildx"``
      or ``"buildctl"`` (default: the plane's).
    - ``cache_import``, ``cache_export``: remote cache from/to the (stage,
      target) scope (default: the stage's; off in dev).
    - ``tag``: a fixed tag instead of the stage's template (release tags are
      refused); ``repository``: push elsewhere in the final registry;
      ``cache_ref``: another repository in the cache registry.
    - ``name``: the resource name (default ``<target>-image``);
      ``resource_deps``, ``labels``: as for local_resource.

    The resource (kind ``"image"``) runs the builder argv ``fops plan``
    prints, and is skipped when its inputs are unchanged since its last push.
    """
    ctx = _context.current()
    if not isinstance(target, str):
        raise _error("image_build", f"argument 'target': expected a str, got {type(target).__name__}")
    call = f"image_build({target!r})"
    reject_unknown(call, unknown)
    if plane is None:
        plane = ctx.extras.get("plane")
        if plane is None:
            raise _error(call, "no build plane: call build_plane('ops/infra/topology/<site>.yaml') "
                               "first, or pass plane=")
    elif not isinstance(plane, _fops.BuildPlane):
        raise _error(call, f"argument 'plane': expected build_plane(...), got {type(plane).__name__}")
    if stage is None:
        stage = STAGE_FOR_MODE.get(ctx.mode, "dev")
    stage = _opt_str(call, "stage", stage)
    builder = _opt_str(call, "builder", builder) or None
    if builder is not None and builder not in _BUILDERS:
        raise _error(call, f"argument 'builder': expected one of {', '.join(_BUILDERS)}, "
                           f"got {builder!r}")
    cache_import = _opt_bool(call, "cache_import", cache_import)
    cache_export = _opt_bool(call, "cache_export", cache_export)
    if cache_import is None:
        cache_import = _env_flag("FOPS_CACHE_IMPORT")
    if cache_export is None:
        cache_export = _env_flag("FOPS_CACHE_EXPORT")
    # A dry run (`fops plan`, `fops graph`) writes nothing under the state
    # directory, not even the file-hash cache of the {inputs} tag.
    dry = ctx.extras.get("subcommand") in DRY_SUBCOMMANDS
    kwargs = dict(
        target=target, stage=stage, dir=ctx.root, state_dir="" if dry else ctx.state_dir,
        revision=_git_revision(ctx), name=_opt_str(call, "name", name),
        context=_opt_str(call, "context", context),
        dockerfile=_opt_str(call, "dockerfile", dockerfile),
        target_stage=_opt_str(call, "target_stage", target_stage),
        build_args=_str_dict(call, "build_args", build_args),
        platform=_opt_str(call, "platform", platform), builder=builder,
        cache_import=cache_import, cache_export=cache_export, tag=_opt_str(call, "tag", tag),
        repository=_opt_str(call, "repository", repository),
        cache_ref=_opt_str(call, "cache_ref", cache_ref),
        resource_deps=_str_list(call, "resource_deps", resource_deps),
        labels=_str_list(call, "labels", labels),
        # Where the run writes the logins the plane names (outside the repo).
        login_file=_fops.registry_login_file(ctx.state_dir) if ctx.state_dir else "")
    # Errors name the image and the rule; the loader adds the Tiltfile line.
    resource = _fops.compile_image_build(plane, **kwargs)
    ctx.add(resource)
    scope = None
    if plane.cache_registry is not None:
        scope = plane.scope_for(stage, target)
    images = ctx.extras.setdefault(IMAGES_KEY, [])
    image = Image(resource, target, stage, scope)
    template = next((s.tag_template for s in plane.stages if s.name == stage), "")
    image.tag_from_inputs = not kwargs["tag"] and "{inputs" in template
    images.append(image)
    return image
