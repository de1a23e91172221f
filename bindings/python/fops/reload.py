"""Reloading the Tiltfile of a running ``fops up``, as Tilt does (docs/engine.md, "Reload").

The first load and every reload run under a recorder of what the load read
(:class:`fops.plan_cache.LoadRecorder`: the Tiltfile, files it opened, modules
beside it that it imported, directories it listed, paths it tested). A
:class:`Reloader` watches those files and, when one changes, loads the
Tiltfile again and hands the new project to the running engine
(``Engine.reload``), which starts what was added, stops what was removed,
restarts what changed and leaves the rest running. A load that fails (a
syntax error, a bad argument: the error names file:line) or a reload the
engine refuses (the guard, a bad graph) changes nothing: the old project
keeps running and the views show the error until the next good load.

Images whose tag is rendered from their inputs (``{inputs}``) are computed
when the Tiltfile loads, so an edit of their build context is a load input
too: the reload gives the image resource a new tag, which makes it (and the
Helm release that deploys it) a changed resource, rebuilt, pushed and
upgraded under the new tag. The engine's own watcher does not rebuild such
an image (its ``deps`` are taken over by the reloader), or it would push the
new content under the old tag.

::

    project, watched = reload.load_watched(load)
    images = reload.take_over_image_inputs(project)   # before the engine sees it
    session = Session(project, ...)
    reloader = reload.Reloader(session.engine, load, project, watched, images)
    reloader.start()
    session.up()
    reloader.stop()
"""
from __future__ import annotations

import os
import select
import sys
import threading

from fops import _fops, plan_cache
from fops.errors import Error

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Callable, Dict, List, Optional, Set, Tuple

__all__ = ["Reloader", "load_watched", "take_over_image_inputs", "Watched"]

#: Kinds of recorded inputs a change of which means a new load.
_WATCHED_KINDS = ("content", "presence", "listing")


class _WatchRecorder(plan_cache.LoadRecorder):
    """Notes every input, even after the load did something a plan could
    not replay (``local()``): a reload needs them all, not a plan."""

    def refuse(self, why: str) -> None:
        pass


class Watched:
    """What one load read: ``files`` (whose content or presence matters),
    ``dirs`` (whose listing matters) and ``modules`` (the project's own
    modules it imported, dropped before the next load so it imports them
    afresh)."""

    def __init__(self, files=(), dirs=(), modules=()):
        self.files: Set[str] = set(files)
        self.dirs: Set[str] = set(dirs)
        self.modules: Set[str] = set(modules)

    def __or__(self, other: "Watched") -> "Watched":
        return Watched(self.files | other.files, self.dirs | other.dirs,
                       self.modules | other.modules)

    def paths(self) -> "List[str]":
        return sorted(self.files | self.dirs)


def _forget_modules(names) -> None:
    for name in names:
        sys.modules.pop(name, None)


def load_watched(load: "Callable[[], object]", forget: "Set[str]" = frozenset()):
    """Runs ``load()`` (a Tiltfile load) under a recorder; returns
    ``(project, Watched)``. ``forget``: modules to import afresh. When the
    load raises, the exception gets a ``watched`` attribute: what it read
    until then, so a fixed file is seen."""
    _forget_modules(forget)
    recorder = _WatchRecorder()
    before = set(sys.modules)
    project = None
    try:
        with recorder:
            project = load()
    except BaseException as exc:
        exc.watched = _watched(recorder, before)  # type: ignore[attr-defined]
        raise
    return project, _watched(recorder, before)


def _watched(recorder: _WatchRecorder, before: set) -> Watched:
    files, dirs = set(), set()
    for kind, path, _ in recorder.inputs():
        if kind == "listing":
            dirs.add(path)
        elif kind in _WATCHED_KINDS:
            files.add(path)
    # The project's own modules (a helper beside the Tiltfile): those whose
    # file is one the load read, not the installation's.
    modules = set()
    for name in set(sys.modules) - before:
        path = getattr(sys.modules.get(name), "__file__", None)
        if path and os.path.abspath(path) in files:
            modules.add(name)
    return Watched(files, dirs, modules)


def take_over_image_inputs(project) -> "List[Tuple[List[str], List[str]]]":
    """Clears the ``deps`` of ``project``'s images whose tag is rendered from
    their inputs and returns them as (deps, ignore) pairs for the reloader
    to watch: an edit there needs a new load (a new tag), not a rebuild under
    the old one. Every load of a session goes through it, so the resources
    compare equal across reloads when nothing else changed."""
    images = getattr(project, "context", None)
    images = images.extras.get("images", []) if images is not None else []
    names = {image.name for image in images if getattr(image, "tag_from_inputs", False)}
    if not names:
        return []
    taken = []
    resources = list(project.resources)
    for resource in resources:
        if resource.name in names and resource.deps:
            taken.append((list(resource.deps), list(resource.ignore)))
            resource.deps = []
    project.resources = resources
    return taken


class Reloader:
    """Watches what the loads of a ``fops up`` session read and reloads the
    Tiltfile into ``engine`` (a :class:`fops.Engine`) when it changes.

    ``load``: loads the Tiltfile as the session's first load did (same
    file, arguments, selection); ``project``, ``watched`` and ``images``:
    that first load (:func:`load_watched`, :func:`take_over_image_inputs`).
    ``log``: where "fops up: ..." lines about the watch itself go;
    what a reload did or why it failed goes through the engine to its
    observers (the log, the status table, the web view)."""

    def __init__(self, engine, load: "Callable[[], object]", project, watched: Watched,
                 images: "List[Tuple[List[str], List[str]]]" = (), log=None):
        self._engine = engine
        self._load = load
        self._root = project.root
        self._log = log if log is not None else sys.stderr
        self._stop = threading.Event()
        self._thread: "Optional[threading.Thread]" = None
        # (watcher, watches an image's inputs rather than the load's files)
        self._watchers: "List[Tuple[_fops.FileWatcher, bool]]" = []
        self._watched = watched
        self._images = list(images)
        self.reloads = 0  # loads handed to the engine, for tests and logs
        self._watch()

    # --- watching ---------------------------------------------------------------

    def _watch(self) -> None:
        watchers = []
        try:
            paths = self._watched.paths()
            if paths:
                watchers.append((_fops.FileWatcher(paths, root=self._root), False))
            for deps, ignore in self._images:
                watchers.append((_fops.FileWatcher(deps, root=self._root, ignore=ignore), True))
        except Error as exc:
            print(f"fops up: the Tiltfile will not be reloaded on changes: {exc}",
                  file=self._log, flush=True)
        self._watchers = watchers

    def _relevant(self, changed: "List[str]", image_watch: bool) -> "List[str]":
        if image_watch:
            return changed
        out = []
        for path in changed:
            if path in self._watched.files or os.path.dirname(path) in self._watched.dirs:
                out.append(path)
        return out

    # --- the thread ---------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fops-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._watchers = []

    def _run(self) -> None:
        while not self._stop.is_set():
            watchers = self._watchers
            if not watchers:
                self._stop.wait(0.5)
                continue
            ready, _, _ = select.select([w.fd for w, _ in watchers], [], [], 0.25)
            changed = []
            for watcher, image_watch in watchers:
                if watcher.fd in ready:
                    changed += self._relevant(watcher.read_changes(), image_watch)
            if changed and not self._stop.is_set():
                self.reload()

    def reload(self) -> bool:
        """Loads the Tiltfile again and hands it to the engine; False when
        the load failed or the engine refused it (the views say why)."""
        try:
            project, watched = load_watched(self._load, forget=self._watched.modules)
        except Exception as exc:  # every load error names its file:line
            # Keep watching what the old load read and what this one did,
            # so the fix is seen wherever it is made.
            self._watched = self._watched | getattr(exc, "watched", Watched())
            self._watch()
            self._engine.reload_failed(str(exc))
            return False
        images = take_over_image_inputs(project)
        try:
            self._engine.reload(project)
        except Error:
            self._watched = self._watched | watched  # the engine told the views why
            self._watch()
            return False
        self.reloads += 1
        self._watched, self._images, self._root = watched, images, project.root
        self._watch()
        return True
