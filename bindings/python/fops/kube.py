"""The cluster a Tiltfile deploys to (docs/helm.md, "The cluster is pinned").

::

    allow_k8s_contexts("lab-dev")        # besides clusters on this machine
    print(k8s_context())                 # the context kubectl and Helm use now

Every Helm command fops renders (and ``port_forward``'s kubectl) carries the
kube context that was current when the Tiltfile was loaded, and the
kubeconfig file it came from: a later ``kubectl config use-context`` cannot
send a planned upgrade to another cluster. The dev loop deploys without
being told only to clusters that can be on this machine alone (kind,
minikube, k3d, Docker Desktop, fops-local, or an API server on loopback);
any other current context must be allowed with ``allow_k8s_contexts``, or
the load is refused before anything runs, naming the context.
"""
from __future__ import annotations

import os

from fops import _fops
from fops import context as _context
from fops import plan_cache
from fops.errors import PolicyError
from fops.loader import call_error as _error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List, Optional, Tuple

__all__ = ["k8s_context", "allow_k8s_contexts"]

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
    settings = ctx.extras.setdefault("guard", {})
    settings["allowed_contexts"] = allowed
    settings["current_context"] = config.current_context


def pin(ctx, call: str) -> Tuple[str, str]:
    """(kube context, kubeconfig file) a command rendered for ``call`` is
    pinned to: the current context ('' without a kubeconfig: nothing to
    pin), and KUBECONFIG when it names one file. The context is checked
    against allow_k8s_contexts once the Tiltfile has finished."""
    config = kube_config(ctx)
    state = _state(ctx)
    if not state.pinned_by:
        ctx.end_checks.append(_check_allowed)
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


# --- Tiltfile functions ----------------------------------------------------------

def k8s_context() -> str:
    """The kube context kubectl and Helm use now ('' without a kubeconfig)."""
    return kube_config(_context.current()).current_context


def allow_k8s_contexts(contexts: Any) -> None:
    """Allows the dev loop to deploy to these contexts (a name or a list),
    besides clusters that can only be on this machine."""
    ctx = _context.current()
    names = [contexts] if isinstance(contexts, str) else contexts
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
        raise _error("allow_k8s_contexts", "argument 'contexts': expected a context name or a "
                                           "list of names")
    state = _state(ctx)
    state.allowed.extend(n for n in names if n not in state.allowed)
    kube_config(ctx)
    _share_with_guard(ctx)
