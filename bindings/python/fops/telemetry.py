"""Build Plane telemetry (issue: telemetry).

Hook used by fops.session: ``observers(ctx, runner)`` returns engine observers
that emit Build Plane Events, and ``finish(observers)`` flushes them.
"""
__all__: list = []


def observers(ctx, runner="local"):  # replaced by the telemetry work
    return []


def finish(observers):  # replaced by the telemetry work
    return None
