"""What a run of a loaded project gets besides the project: the hooks
:class:`fops.session.Session` gives the engine.

- :func:`command_policy`: the guard of the load's mode, with the
  Tiltfile's ``guard_settings``;
- :func:`registry_logins`: the registry logins the project's images need,
  checked before a real run starts;
- :func:`update_gate`: skip-if-unchanged for image builds and Helm upgrades,
  confirmed in the registry and the cluster.

The Tiltfile functions only declare what they mean (:mod:`fops.images`,
:mod:`fops.modes`); what a run does with it is decided here.

::

    policy = hooks.command_policy(project.context)
    gate = hooks.update_gate(project.context, policy, logins=hooks.registry_logins(project))
    fops.Engine(project, executor, policy=policy, gate=gate).ci()
"""
from __future__ import annotations

from fops import _fops
from fops import images
from fops import policy as _policy

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["command_policy", "update_gate", "registry_logins"]


def command_policy(ctx) -> _fops.Guard:
    """The guard every command of a run of ``ctx`` (a LoadContext) passes:
    the load's mode, the Tiltfile's guard_settings (docs/guard.md)."""
    return _policy.guard_for(ctx)


def update_gate(ctx, policy: Optional[_fops.CommandPolicy] = None,
                state_dir: Optional[str] = None,
                logins: Optional["_fops.RegistryLogins"] = None) -> Optional[_fops.InputGate]:
    """The skip-if-unchanged gate for a loaded project: state under
    ``<state_dir>/images/`` (``state_dir``: instead of the load's). It
    skips an image or a Helm release only when its registry or the cluster
    confirms what fops recorded; ``policy`` checks the ``helm status`` it
    runs for that, ``logins`` (:func:`registry_logins`) answers the
    registries' logins. None when there is no state directory, or for
    ``fops plan`` (a dry run prints every command)."""
    state_dir = state_dir or getattr(ctx, "state_dir", "")
    if not state_dir:
        return None
    if getattr(ctx, "extras", {}).get("subcommand") in images.DRY_SUBCOMMANDS:
        return None
    return _fops.InputGate(state_dir, policy=policy, logins=logins)


def registry_logins(project, state_dir: Optional[str] = None) -> "_fops.RegistryLogins":
    """The registry logins the project's images need, resolved and checked
    before a real run starts (ConfigError / PolicyError naming the
    registry); the run's login file is written for the builders."""
    ctx = getattr(project, "context", None)
    state_dir = state_dir or getattr(ctx, "state_dir", "") or _fops.state_dir_for(project.root)
    return _fops.RegistryLogins.prepare(list(project.resources), state_dir, True)
