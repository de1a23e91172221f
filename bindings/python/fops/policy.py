"""The guard of a load: its settings, and the :class:`fops.Guard` for a mode.

A Tiltfile's ``guard_settings(...)`` (:mod:`fops.modes`) and the kube
contexts it may deploy to (:mod:`fops.cluster`) are kept in the load's
context here; ``helm_release`` (:mod:`fops.helm`) and the ``fops`` command
ask for the guard they make::

    from fops import policy

    guard = policy.guard_for(project.context)              # the load's mode
    guard.refusal(["helm", "upgrade", ...])                # None, or (rule id, message)
    policy.guard_for(ctx, "staging", staging_targets=[("api", "prod")])

See docs/guard.md for the rules and docs/modes.md for the modes.
"""
from __future__ import annotations

from fops import _fops

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, Optional, Tuple

__all__ = ["Guard", "GUARD_KEY", "STAGING_TARGETS_KEY", "settings_of", "set_settings",
           "guard_for"]

Guard = _fops.Guard

#: ctx.extras key: the keyword arguments of fops.Guard the load gave
#: (guard_settings(...), the kube contexts allowed).
GUARD_KEY = "guard"
#: ctx.extras key: the (release, namespace) pairs a staging run may upgrade live.
STAGING_TARGETS_KEY = "staging_targets"


def settings_of(ctx: Any) -> Dict[str, Any]:
    """The guard's settings of the load ``ctx`` (a copy; empty: the defaults)."""
    return dict(getattr(ctx, "extras", {}).get(GUARD_KEY, {}))


def set_settings(ctx: Any, settings: Dict[str, Any]) -> None:
    """Replaces the guard's settings of the load ``ctx`` (checked by the caller)."""
    ctx.extras[GUARD_KEY] = dict(settings)


def guard_for(ctx: Any, mode: Optional[str] = None,
              staging_targets: Optional[Iterable[Tuple[str, str]]] = None) -> _fops.Guard:
    """The guard for ``ctx`` (a LoadContext) in ``mode`` (default: the
    load's), with the load's settings; ``staging_targets`` (default: those
    a staging run set) are the canonical releases staging may upgrade."""
    mode = _fops.parse_mode(mode or getattr(ctx, "mode", "development"))
    targets = staging_targets
    if targets is None:
        targets = getattr(ctx, "extras", {}).get(STAGING_TARGETS_KEY, [])
    return Guard(mode=mode, staging_targets=[tuple(t) for t in targets], **settings_of(ctx))
