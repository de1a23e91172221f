"""Modes, the guard and transitions (issue: Helm and modes).

Hook used by fops.session: ``command_policy(ctx)`` returns the guard for the
repo's current mode, or None for the engine's default (development guard).
"""
__all__: list = []


def command_policy(ctx):  # replaced by the modes work
    return None
