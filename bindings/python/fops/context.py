"""The Tiltfile being loaded, for the functions a Tiltfile calls.

Tiltfile functions (``local_resource``, ``image_build``, ``helm_release`` ...)
register what they declare with the current :class:`LoadContext`. Each
declaration remembers the Tiltfile line that made it, so errors can name it.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

from fops.errors import ConfigError

_current: Optional["LoadContext"] = None


@dataclass
class LoadContext:
    """State of one Tiltfile load. Created by :func:`fops.load`."""

    tiltfile: str  #: path of the Tiltfile as given
    root: str  #: absolute directory of the Tiltfile; the default ``dir``
    args: list = field(default_factory=list)  #: args after ``--``
    state_dir: str = ""  #: the repo's state directory (.fops/)
    mode: str = "development"  #: development | staging | deployment (what the run is for)
    resources: list = field(default_factory=list)  #: fops.Resource, in order
    settings: dict = field(default_factory=dict)  #: update_settings(...)
    extras: dict = field(default_factory=dict)  #: per-module state (e.g. "plane")

    def add(self, resource: Any) -> Any:
        """Registers a resource; stamps it with the declaring Tiltfile line."""
        file, line = self.caller_location()
        resource.declared_file = file
        resource.declared_line = line
        self.resources.append(resource)
        return resource

    def caller_location(self) -> tuple:
        """(file, line) of the innermost frame that belongs to the Tiltfile."""
        target = os.path.abspath(self.tiltfile)
        frame = sys._getframe(1)
        while frame is not None:
            if os.path.abspath(frame.f_code.co_filename) == target:
                return self.tiltfile, frame.f_lineno
            frame = frame.f_back
        return self.tiltfile, 0


def current() -> LoadContext:
    """The context of the Tiltfile being loaded; ConfigError outside a load."""
    if _current is None:
        raise ConfigError("this function can only be called while a Tiltfile is loaded "
                          "(use fops.load(path) or the fops command)")
    return _current


def _activate(ctx: Optional[LoadContext]) -> Optional[LoadContext]:
    """Makes ``ctx`` current; returns the previous one (for nesting)."""
    global _current
    previous, _current = _current, ctx
    return previous
