"""The Tiltfile being loaded, for the functions a Tiltfile calls.

Tiltfile functions (``local_resource``, ``image_build``, ``helm_release`` ...)
register what they declare with the current :class:`LoadContext`. Each
declaration remembers the Tiltfile line that made it, so errors can name it.

The context is also how the groups of Tiltfile functions share what one of
them needs from another, since none imports another: state under
``extras`` (owned by one module of the core, e.g. :mod:`fops.policy` for
the guard's settings), and checks that need the whole Tiltfile
(:meth:`LoadContext.at_end`), run once it has finished.
"""
from __future__ import annotations

import os
import sys

from fops.errors import ConfigError

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Any, Optional

_current: Optional["LoadContext"] = None


class LoadContext:
    """State of one Tiltfile load. Created by :func:`fops.load`.

    A plain class, not a dataclass: importing dataclasses costs ~10 ms and
    2.5 MiB on every `fops` start (see docs/performance.md).
    """

    def __init__(self, tiltfile: str, root: str, args: Optional[list] = None,
                 state_dir: str = "", mode: str = "development",
                 resources: Optional[list] = None, settings: Optional[dict] = None,
                 extras: Optional[dict] = None) -> None:
        self.tiltfile = tiltfile  #: path of the Tiltfile as given
        self.root = root  #: absolute directory of the Tiltfile; the default ``dir``
        self.args = list(args or [])  #: args after ``--``
        self.state_dir = state_dir  #: the repo's state directory (.fops/)
        self.mode = mode  #: development | staging | deployment (what the run is for)
        self.resources = list(resources or [])  #: fops.Resource, in order
        self.settings = dict(settings or {})  #: update_settings(...)
        self.extras = dict(extras or {})  #: per-module state (e.g. "plane")
        #: checks that need the whole load (f(ctx)), run once the Tiltfile finished
        self.end_checks: list = []
        self._tiltfile_names: dict = {}  # co_filename -> is it the Tiltfile

    def __repr__(self) -> str:
        return (f"LoadContext(tiltfile={self.tiltfile!r}, root={self.root!r}, "
                f"mode={self.mode!r}, resources={len(self.resources)})")

    def add(self, resource: Any) -> Any:
        """Registers a resource; stamps it with the declaring Tiltfile line."""
        file, line = self.caller_location()
        resource.declared_file = file
        resource.declared_line = line
        self.resources.append(resource)
        return resource

    def at_end(self, check: Any) -> None:
        """Runs ``check(ctx)`` once the Tiltfile has finished (once, however
        often it is registered): for a rule that depends on calls the
        Tiltfile may make later (``guard_settings`` after ``helm_release``)."""
        if check not in self.end_checks:
            self.end_checks.append(check)

    def caller_location(self) -> tuple:
        """(file, line) of the innermost frame that belongs to the Tiltfile."""
        frame = sys._getframe(1)
        while frame is not None:
            if self._is_tiltfile(frame.f_code.co_filename):
                return self.tiltfile, frame.f_lineno
            frame = frame.f_back
        return self.tiltfile, 0

    def _is_tiltfile(self, filename: str) -> bool:
        # The loader compiles the Tiltfile under its own name; code run from
        # another spelling of its path matches by absolute path. Each file
        # name is decided once per load: every Tiltfile call asks.
        known = self._tiltfile_names.get(filename)
        if known is None:
            known = (filename == self.tiltfile or
                     os.path.abspath(filename) == os.path.abspath(self.tiltfile))
            self._tiltfile_names[filename] = known
        return known


def current() -> LoadContext:
    """The context of the Tiltfile being loaded; ConfigError outside a load."""
    if _current is None:
        raise ConfigError("this function can only be called while a Tiltfile is loaded "
                          "(use fops.load(path) or the fops command)")
    return _current


def activate(ctx: Optional[LoadContext]) -> Optional[LoadContext]:
    """Makes ``ctx`` current (None: none); returns the previous one, to
    restore once the load ends (loads may nest). Called by :func:`fops.load`."""
    global _current
    previous, _current = _current, ctx
    return previous
