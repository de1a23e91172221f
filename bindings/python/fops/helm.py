"""Helm dev releases in a Tiltfile (docs/helm.md).

::

    runtime = image_build("runtime", plane=plane)
    helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
                 namespace="fractalops-dev", image=runtime, autoscaling=(2, 6),
                 values=["charts/fractalops-api/values-dev.yaml"],
                 canonical=("fractalops-api", "fractalops"))

The release becomes a resource of kind ``"helm"`` that runs
``helm upgrade --install RELEASE CHART --namespace NS [-f …] [--set …]
--wait --timeout 5m``, depends on the image build, and is skipped when the
chart, the values and the image are unchanged since its last success. In
development mode a release that is not a dev release, or not in a dev
namespace, is refused (fops.PolicyError naming the Tiltfile line) before
anything runs; releases are checked again against the Tiltfile's final
``guard_settings`` once it has finished.
"""
from __future__ import annotations

import os

from fops import _fops
from fops import cluster
from fops import context as _context
from fops import durations
from fops import policy
from fops.args import call_error as _error
from fops.args import reject_unknown
from fops.args import str_list as _str_list
from fops.errors import PolicyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

__all__ = ["helm_release"]

#: ctx.extras key: {resource name: {"release": HelmRelease, "canonical": (release, ns) | None}}
RELEASES_KEY = "helm_releases"

def _str(call: str, arg: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _error(call, f"argument '{arg}': expected a non-empty str, got {value!r}")
    return value


def _pair(call: str, arg: str, value: Any, kind: type) -> Tuple[Any, Any]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2 or
            not all(isinstance(v, kind) and not isinstance(v, bool) for v in value)):
        raise _error(call, f"argument '{arg}': expected a pair ({kind.__name__}, "
                           f"{kind.__name__}), got {value!r}")
    return value[0], value[1]


def _set_value(value: Any) -> str:
    """A --set value: bools as Helm spells them, numbers and strings as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _image(call: str, ctx, image: Any) -> Tuple[str, str]:
    """(reference, image resource name) from an image_build result, a
    fops.ImageRef, an image Resource, or a reference string."""
    if image is None:
        return "", ""
    ref = getattr(image, "ref", None)
    if ref is not None:  # fops.images.Image: a resource name that knows its ref
        return str(ref), getattr(image, "name", "")
    if isinstance(image, _fops.Resource):
        if image.kind != "image" or not image.inputs.produces:
            raise _error(call, f"argument 'image': resource {image.name!r} is not an image build")
        return image.inputs.produces, image.name
    if isinstance(image, str):
        # the name of an image build: fops.images keeps them in the context
        for known in ctx.extras.get("images", []):
            if getattr(known, "name", None) == image:
                return str(known.ref), image
        return image, ""
    if type(image).__name__ == "ImageRef":
        return str(image), ""
    raise _error(call, f"argument 'image': expected image_build(...) or an image reference, "
                       f"got {type(image).__name__}")


def _is_local_chart(root: str, chart: str) -> bool:
    if chart.startswith(("oci://", "http://", "https://")):
        return False
    if os.path.exists(os.path.join(root, chart)):
        return True
    # "repo/chart" from `helm repo add` is not a path, unless the Tiltfile's
    # directory has a directory of that first name (then it is a missing chart)
    first = chart.split("/", 1)[0]
    return (chart.startswith((".", "/")) or chart.count("/") != 1 or
            os.path.isdir(os.path.join(root, first)))


def releases_of(ctx) -> Dict[str, Dict[str, Any]]:
    """Every helm_release of a load: {resource name: {"release", "canonical"}}."""
    return dict(getattr(ctx, "extras", {}).get(RELEASES_KEY, {}))


def _check_mode(ctx, release: _fops.HelmRelease, call: str) -> None:
    """Development mode: only dev releases into dev namespaces, checked
    with the guard on the exact argv (so the rule and its words match)."""
    if ctx.mode != "development":
        return
    where = f"{release.declared_file}:{release.declared_line}: " if release.declared_line else ""
    if not release.dev:
        raise _located_policy(where, f"{call}: release {release.release!r} is declared "
                                     f"dev=False: development mode upgrades only dev releases; "
                                     f"canonical releases belong to Argo CD", release)
    refusal = policy.guard_for(ctx, "development").refusal(release.upgrade_argv())
    if refusal is not None:
        raise _located_policy(where, f"{call}: {refusal[1]}", release)


def _located_policy(where: str, message: str, release: _fops.HelmRelease) -> PolicyError:
    error = PolicyError(f"{where}{message}")
    error.file, error.line = release.declared_file, release.declared_line
    return error


def _recheck_releases(ctx) -> None:
    """Once the Tiltfile has finished: every release again, against the
    final guard_settings (a call after a release cannot let it through)."""
    for name, info in releases_of(ctx).items():
        release = info["release"]
        if ctx.mode == "development":
            _check_mode(ctx, release, f"helm_release({name!r})")


def helm_release(name, release=None, chart=None, namespace=None, image=None, image_keys=None,
                 image_key=None, values=None, set=None, autoscaling=None, autoscaling_keys=None,
                 dev=True, canonical=None, wait=True, timeout="5m", atomic=False,
                 create_namespace=False, flags=None, resource_deps=None, labels=None,
                 kube_context=None, kubeconfig=None, **unknown) -> _fops.Resource:
    """Declares a Helm release upgraded with ``helm upgrade --install``.

    - ``release``: the Helm release name (default: ``name``); ``chart``: the
      chart directory, relative to the Tiltfile (or ``repo/chart``,
      ``oci://…``); ``namespace``: required — Helm never falls back to the
      kube context's namespace.
    - ``image``: what an :func:`image_build` returned (the release then
      depends on it), or an image reference. Passed with ``--set-string``
      as ``image_keys=('image.repository', 'image.tag')`` (the default), or
      as one full reference with ``image_key='image.ref'``.
    - ``values``: values files (``-f``), relative to the Tiltfile;
      ``set``: ``{key: value}`` for ``--set`` (Helm's syntax: ``{a,b}`` is a list).
    - ``autoscaling=(min, max)``: HPA bounds, checked ``1 <= min <= max``, passed
      as ``autoscaling.enabled/minReplicas/maxReplicas`` (``autoscaling_keys=
      (min key, max key[, enabled key])`` to rename). The loop never scales anything.
    - ``dev``: a dev release (default). In development mode only dev
      releases in dev namespaces are accepted (see ``guard_settings``).
    - ``canonical=(release, namespace)``: the Argo-owned release of the same
      chart; ``fops mode staging TARGET`` upgrades it with the staging image,
      only when the target is named.
    - ``wait``, ``timeout`` (seconds or "5m"), ``atomic``, ``create_namespace``,
      ``flags`` (more helm flags, appended): the rollout. Never ``--reuse-values``.
    - ``resource_deps``, ``labels``: as for local_resource.
    - ``kube_context``, ``kubeconfig``: the cluster (default: the context
      current at load time and KUBECONFIG's file, see :mod:`fops.cluster`);
      every helm command of the release carries them.

    Returns the registered :class:`fops.Resource` (kind ``"helm"``).
    """
    ctx = _context.current()
    if not isinstance(name, str) or not name:
        raise _error("helm_release", f"argument 'name': expected a non-empty str, got {name!r}")
    call = f"helm_release({name!r})"
    reject_unknown(call, unknown)
    if chart is None:
        raise _error(call, "argument 'chart': required (the chart's directory)")
    chart = _str(call, "chart", chart)
    release_name = _str(call, "release", release if release is not None else name)
    if namespace is None:
        raise _error(call, "argument 'namespace': required: fops never lets Helm fall back to "
                           "the kube context's namespace")
    namespace = _str(call, "namespace", namespace)
    if not isinstance(dev, bool):
        raise _error(call, "argument 'dev': expected True or False")
    if canonical is not None:
        canonical = _pair(call, "canonical", canonical, str)
    file, line = ctx.caller_location()

    r = _fops.HelmRelease()
    r.name = name
    r.declared_file, r.declared_line = file, line
    r.chart = chart
    r.dev = dev
    r.release, r.namespace = release_name, namespace
    if ctx.mode == "staging" and canonical is not None:
        # A staging live check upgrades the canonical release, only when named.
        r.release, r.namespace = canonical
        r.dev = False
    local_chart = _is_local_chart(ctx.root, chart)
    if local_chart and not os.path.isfile(os.path.join(ctx.root, chart, "Chart.yaml")):
        raise _error(call, f"argument 'chart': no chart at {chart!r} (no Chart.yaml under "
                           f"{os.path.join(ctx.root, chart)})")
    r.values_files = _str_list(call, "values", values)
    for path in r.values_files:
        if not os.path.isfile(os.path.join(ctx.root, path)):
            raise _error(call, f"argument 'values': no such file {path!r}")
    if set is not None:
        if not isinstance(set, dict) or not all(isinstance(k, str) for k in set):
            raise _error(call, "argument 'set': expected a dict of str to values")
        r.set_values = [(k, _set_value(v)) for k, v in set.items()]
    ref, image_resource = _image(call, ctx, image)
    r.image, r.image_resource = ref, image_resource
    if image_key is not None and image_keys is not None:
        raise _error(call, "pass image_keys=(repository key, tag key) or image_key=, not both")
    if image_keys is not None:
        r.image_keys = _pair(call, "image_keys", image_keys, str)
    if image_key is not None:
        r.image_key = _str(call, "image_key", image_key)
    if autoscaling is not None:
        r.autoscaling = _pair(call, "autoscaling", autoscaling, int)
        if autoscaling_keys is not None:
            keys = autoscaling_keys
            if (not isinstance(keys, (list, tuple)) or len(keys) not in (2, 3) or
                    not all(isinstance(k, str) for k in keys)):
                raise _error(call, "argument 'autoscaling_keys': expected (min key, max key"
                                   "[, enabled key])")
            r.autoscaling_keys = list(keys)
    elif autoscaling_keys is not None:
        raise _error(call, "argument 'autoscaling_keys': needs autoscaling=(min, max)")
    r.wait = bool(wait)
    if timeout is not None:
        try:
            r.timeout = durations.parse(timeout) if isinstance(timeout, str) else float(timeout)
        except (TypeError, ValueError) as exc:
            raise _error(call, f"argument 'timeout': {exc}") from None
    r.atomic = bool(atomic)
    r.create_namespace = bool(create_namespace)
    r.flags = _str_list(call, "flags", flags)
    if "--reuse-values" in r.flags:
        raise _error(call, "argument 'flags': --reuse-values would keep values fops did not "
                           "state; every upgrade passes all its values")
    r.resource_deps = _str_list(call, "resource_deps", resource_deps)
    r.labels = _str_list(call, "labels", labels)
    if kube_context is not None:
        r.kube_context = _str(call, "kube_context", kube_context)
        if kubeconfig is not None:
            r.kubeconfig = os.path.join(ctx.root, _str(call, "kubeconfig", kubeconfig))
    else:
        r.kube_context, pinned_kubeconfig = cluster.pin(ctx, call)
        r.kubeconfig = (os.path.join(ctx.root, _str(call, "kubeconfig", kubeconfig))
                        if kubeconfig is not None else pinned_kubeconfig)

    resource = r.compile()  # ConfigError naming the line and the field
    if not local_chart:
        inputs = resource.inputs
        inputs.paths = [p for p in inputs.paths if p != chart]
        values_map = dict(inputs.values)
        values_map["chart"] = chart
        inputs.values = values_map
        resource.inputs = inputs
    if ctx.mode != "development":
        # Staging runs name what they run; deployment mode runs no Helm at all.
        resource.auto_init = False
    _check_mode(ctx, r, call)
    ctx.at_end(_recheck_releases)
    ctx.extras.setdefault(RELEASES_KEY, {})[name] = {"release": r, "canonical": canonical}
    return ctx.add(resource)
