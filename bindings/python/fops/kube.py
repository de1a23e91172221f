"""The cluster a Tiltfile deploys to (docs/helm.md, "The cluster is pinned").

::

    allow_k8s_contexts("lab-dev")        # besides clusters on this machine
    print(k8s_context())                 # the context kubectl and Helm use now

Every Helm command fops renders (and ``port_forward``'s kubectl) carries the
kube context that was current when the Tiltfile was loaded; a context that
is not a cluster on this machine must be allowed here, or the load is
refused naming it (the rules: :mod:`fops.cluster`).
"""
from __future__ import annotations

from fops import cluster
from fops import context as _context
from fops.args import call_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["k8s_context", "allow_k8s_contexts"]


def k8s_context() -> str:
    """The kube context kubectl and Helm use now ('' without a kubeconfig)."""
    return cluster.kube_config(_context.current()).current_context


def allow_k8s_contexts(contexts: Any) -> None:
    """Allows the dev loop to deploy to these contexts (a name or a list),
    besides clusters that can only be on this machine."""
    ctx = _context.current()
    names = [contexts] if isinstance(contexts, str) else contexts
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
        raise call_error("allow_k8s_contexts", "argument 'contexts': expected a context name or "
                                               "a list of names")
    cluster.allow(ctx, list(names))
