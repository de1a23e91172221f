"""The cluster a load deploys to (docs/helm.md, "The cluster is pinned").

Every Helm command fops renders (and ``port_forward``'s kubectl) carries the
kube context that was current when the Tiltfile was loaded, and the
kubeconfig file it came from: a later ``kubectl config use-context`` cannot
send a planned upgrade to another cluster. The dev loop deploys without
being told only to clusters that can be on this machine alone (kind,
minikube, k3d, Docker Desktop, fops-local, or an API server on loopback);
any other current context must be allowed with ``allow_k8s_contexts``, or
the load is refused before anything runs, naming the context.

This is the state the Tiltfile functions of :mod:`fops.kube` (which allow
contexts), :mod:`fops.helm` and :mod:`fops.smokes` (which pin one) share::

    context, kubeconfig = cluster.pin(ctx, "helm_release('api')")
    cluster.allow(ctx, ["lab-dev"])
    cluster.kube_config(ctx).current_context
"""
from __future__ import annotations

import os

from fops import _fops
from fops import plan_cache
from fops import policy
from fops.errors import PolicyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional, Tuple

__all__ = ["kube_config", "pin", "allow"]

_KEY = "kube"


class _KubeState:
    """What a load learned of the cluster: the kubeconfig (read once), the
    contexts the Tiltfile allows, and the calls that pinned a context."""

    def __init__(self) -> None:
        self.config: Optional[_fops.KubeConfig] = None
        self.kubeconfig = ""  # the one file KUBECONFIG names, if it names one
        self.allowed: List[str] = []
        self.pinned_by: List[Tuple[str, str, int]] = []  # (call, file, line)


def _state(ctx) -> _KubeState:
    state = ctx.extras.get(_KEY)
    if state is None:
        state = ctx.extras[_KEY] = _KubeState()
    return state


def kube_config(ctx) -> _fops.KubeConfig:
    """The kubeconfig as kubectl would read it now (once per load)."""
    state = _state(ctx)
    if state.config is None:
        env = os.environ.get("KUBECONFIG", "")  # through os.environ: the plan cache notes it
        paths = _fops.KubeConfig.paths(env, os.path.expanduser("~"))
        for path in paths:
            plan_cache.note("content", path)  # read by C++: unseen by the recorder's hooks
        state.config = _fops.KubeConfig.load(paths)
        if len(paths) == 1 and env:
            state.kubeconfig = os.path.abspath(paths[0])
    return state.config


def _share_with_guard(ctx) -> None:
    """What the guard judges helm commands by: the contexts allowed (the
    Tiltfile's, the kubeconfig's local clusters, and the current one, which
    the end of the load checks with its own message) and the current one."""
    state = _state(ctx)
    config = state.config
    if config is None or not config.current_context:
        return
    allowed = list(state.allowed)
    for name in [c.name for c in config.contexts if c.local] + [config.current_context]:
        if name not in allowed:
            allowed.append(name)
    settings = policy.settings_of(ctx)
    settings["allowed_contexts"] = allowed
    settings["current_context"] = config.current_context
    policy.set_settings(ctx, settings)


def pin(ctx, call: str) -> Tuple[str, str]:
    """(kube context, kubeconfig file) a command rendered for ``call`` is
    pinned to: the current context ('' without a kubeconfig: nothing to
    pin), and KUBECONFIG when it names one file. The context is checked
    against allow_k8s_contexts once the Tiltfile has finished."""
    config = kube_config(ctx)
    state = _state(ctx)
    ctx.at_end(_check_allowed)
    file, line = ctx.caller_location()
    state.pinned_by.append((call, file, line))
    _share_with_guard(ctx)
    return config.current_context, state.kubeconfig


def _check_allowed(ctx) -> None:
    state = _state(ctx)
    config = state.config
    if config is None or not config.current_context:
        return
    name = config.current_context
    context = config.find(name)
    if name in state.allowed or (context is not None and context.local):
        return
    call, file, line = state.pinned_by[0]
    where = f"{file}:{line}: " if line else f"{file}: "
    allowed = ", ".join(state.allowed) if state.allowed else "none besides local clusters"
    server = f" ({context.server})" if context is not None and context.server else ""
    error = PolicyError(
        f"{where}{call}: the current kube context {name!r}{server} is not allowed for the dev "
        f"loop (allowed: {allowed}); if fops may deploy there, add "
        f"allow_k8s_contexts({name!r}) to the Tiltfile, or switch context "
        f"(kubectl config use-context ...)")
    error.file, error.line = file, line
    raise error


def allow(ctx, names: List[str]) -> None:
    """Allows the dev loop of ``ctx`` to deploy to the contexts ``names``
    (checked by the caller), besides clusters that can only be on this machine."""
    state = _state(ctx)
    state.allowed.extend(n for n in names if n not in state.allowed)
    kube_config(ctx)
    _share_with_guard(ctx)
