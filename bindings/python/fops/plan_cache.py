"""Recording a Tiltfile load for the plan cache (docs/cli.md, "The plan cache").

``fops ci`` loads the Tiltfile under a :class:`LoadRecorder`, which notes
everything the load depends on:

- files it opened for reading (the Tiltfile, files it reads, modules beside
  it): by content digest;
- modules it imported from the Python installation, and fops' own modules:
  by identity (device, inode, size, mtime);
- paths it only tested (``os.path.exists``, ``os.stat``): by presence;
- directories it listed (``os.listdir``, ``glob``): by their names;
- environment variables it read: by a digest of the value (never the value).

A load that did something a replay would not repeat or could not see — ran
a command (``local()``, ``git``), used the network, wrote or removed a file,
changed the environment or the directory, read the whole environment or a
file under /proc — is not recorded. Nor is one whose Tiltfile calls
``update_settings(plan_cache=False)``. Python's audit hooks
(:func:`sys.addaudithook`) report those events; ``os.environ`` and
``os.stat`` are wrapped only while the Tiltfile runs.

A plan never holds a secret value: an ``env=``/``serve_env=`` value that is
one (a secret-looking name, or a secret of the environment) is stored as the
name of the environment variable the load read it from; a load whose plan
would hold any other secret value is not recorded (the C++ StoreCachedPlan
decides, and says where the value was).

The native ``fops`` command re-observes every input and runs the recorded
plan only when all are unchanged. ``FOPS_PLAN_CACHE=0`` turns it off;
``FOPS_PLAN_CACHE=explain`` says on stderr why a plan was or was not used or
recorded.
"""
from __future__ import annotations

import builtins
import os
import sys
from _collections_abc import MutableMapping  # already loaded by os: no import cost

from fops import _fops

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Tuple

__all__ = ["LoadRecorder", "note", "setting", "store"]

#: Audit events after which a replay would differ from a load.
_REFUSING_EVENTS = {
    "subprocess.Popen": "ran a command", "os.system": "ran a command",
    "os.exec": "ran a command", "os.posix_spawn": "ran a command",
    "os.spawn": "ran a command", "os.fork": "ran a command", "os.forkpty": "ran a command",
    "pty.spawn": "ran a command",
    "socket.connect": "used the network", "socket.bind": "used the network",
    "socket.getaddrinfo": "used the network", "socket.gethostbyname": "used the network",
    "urllib.Request": "used the network",
    "os.putenv": "changed the environment", "os.unsetenv": "changed the environment",
    "os.chdir": "changed the working directory",
    "os.remove": "removed a file", "os.rmdir": "removed a directory",
    "os.rename": "renamed a file", "os.mkdir": "created a directory",
    "os.link": "linked a file", "os.symlink": "linked a file", "os.truncate": "wrote a file",
    "os.chmod": "changed a file", "os.chown": "changed a file", "os.utime": "changed a file",
    "shutil.copyfile": "wrote a file", "shutil.rmtree": "removed a directory",
    "shutil.move": "moved a file", "tempfile.mkstemp": "wrote a file",
    "tempfile.mkdtemp": "created a directory", "ctypes.dlopen": "loaded a native library",
}

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

_active: "Optional[LoadRecorder]" = None
_hook_installed = False


def setting() -> str:
    """FOPS_PLAN_CACHE as "off", "explain" or "on": the native command's own reading."""
    return _fops.plan_cache_setting()


def _installation_dirs() -> "Tuple[str, ...]":
    """Directories whose files are part of an installation, not of the project."""
    dirs = {os.path.dirname(os.path.abspath(_fops.__file__))}
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        dirs.add(os.path.join(os.path.abspath(prefix), "lib"))
    return tuple(d.rstrip(os.sep) + os.sep for d in dirs)


def note(kind: str, path: str) -> None:
    """Records ``path`` as an input of the load being recorded, if any: for
    files the C++ library reads (a build plane's YAML), which Python's audit
    hooks cannot see. ``kind`` as in the module doc ("content", "presence")."""
    if _active is not None and not _active.refusal:
        _active._note(kind, os.path.abspath(path))


def _audit(event: str, args: tuple) -> None:
    recorder = _active
    if recorder is None or recorder.refusal:
        return
    if event in ("open", "os.listdir", "os.scandir") and \
            sys._getframe(1).f_code.co_filename.startswith("<frozen importlib"):
        return  # the import system: modules are noted by what sys.modules gained
    if event == "open":
        recorder._on_open(*args[:3])
    elif event in ("os.listdir", "os.scandir"):
        recorder._on_listing(args[0] if args else None)
    elif event in _REFUSING_EVENTS:
        recorder.refuse(f"{_REFUSING_EVENTS[event]} ({event})")


class _TrackedEnviron(MutableMapping):
    """os.environ while a Tiltfile loads: notes each variable read; reading
    the whole environment or changing it makes the load unrecordable."""

    def __init__(self, real, recorder: "LoadRecorder"):
        self._real = real
        self._recorder = recorder

    def _read(self, key):
        if isinstance(key, str):
            self._recorder._note("env", key)

    def __getitem__(self, key):
        self._read(key)
        return self._real[key]

    def get(self, key, default=None):
        self._read(key)
        return self._real.get(key, default)

    def __contains__(self, key):
        self._read(key)
        return key in self._real

    def _whole(self):
        self._recorder.refuse("read the whole environment")
        return self._real

    def __iter__(self):
        return iter(self._whole())

    def __len__(self):
        return len(self._whole())

    def keys(self):
        return self._whole().keys()

    def items(self):
        return self._whole().items()

    def values(self):
        return self._whole().values()

    def copy(self):
        return self._whole().copy()

    def __repr__(self):
        return repr(self._whole())

    def _change(self):
        self._recorder.refuse("changed the environment")
        return self._real

    def __setitem__(self, key, value):
        self._change()[key] = value

    def __delitem__(self, key):
        del self._change()[key]

    def setdefault(self, key, default=None):
        return self._change().setdefault(key, default)

    def pop(self, key, *default):
        return self._change().pop(key, *default)

    def update(self, *args, **kwargs):
        self._change().update(*args, **kwargs)

    def clear(self):
        self._change().clear()

    def __getattr__(self, name):  # encodekey, decodevalue, ...
        return getattr(self._real, name)


class _Tee:
    """sys.stdout/stderr while a Tiltfile loads: writes through and keeps a copy to replay."""

    def __init__(self, real):
        self._real = real
        self.text: "List[str]" = []

    def write(self, text):
        self.text.append(text)
        return self._real.write(text)

    def flush(self):
        self._real.flush()

    def __getattr__(self, name):
        return getattr(self._real, name)


class LoadRecorder:
    """Context manager around a Tiltfile load; see the module doc.

    ``refusal`` is why the load cannot be recorded ("" when it can);
    ``inputs()`` the (kind, path, observed) triples to store.
    """

    def __init__(self) -> None:
        self.refusal = ""
        self._inputs: "Dict[Tuple[str, str], str]" = {}
        self._installed = _installation_dirs()
        self._modules_before: "set" = set()
        self._saved: tuple = ()
        self._tees: "Tuple[_Tee, _Tee]" = ()  # type: ignore[assignment]

    # --- what the hooks call ---------------------------------------------------

    def refuse(self, why: str) -> None:
        if not self.refusal:
            self.refusal = why

    def _note(self, kind: str, path: str) -> None:
        key = (kind, path)
        if key not in self._inputs:
            self._inputs[key] = _fops.observe_plan_input(kind, path)

    def _project_path(self, path) -> "Optional[str]":
        """The absolute path when it is the project's concern, else None."""
        if isinstance(path, int):
            return None
        path = os.path.abspath(os.fsdecode(path))
        if "/__pycache__/" in path or path.startswith(self._installed):
            return None
        if path.startswith(("/proc/", "/sys/", "/dev/")):
            self.refuse(f"read {path}")
            return None
        return path

    def _on_open(self, path, mode=None, flags=0) -> None:
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                 (isinstance(flags, int) and flags & _WRITE_FLAGS)
        full = self._project_path(path) if path is not None else None
        if writes:
            if full is not None:
                self.refuse(f"wrote {full}")
            return
        if full is not None:
            self._note("content", full)

    def _on_listing(self, path) -> None:
        full = self._project_path(path if path is not None else ".")
        if full is not None:
            self._note("listing", full)

    def _stat_wrapper(self, real):
        recorder = self

        def stat(path, *args, **kwargs):
            if not isinstance(path, int) and kwargs.get("dir_fd") is None:
                full = recorder._project_path(path)
                if full is not None:
                    recorder._note("presence", full)
            return real(path, *args, **kwargs)

        return stat

    def _import_wrapper(self, real):
        recorder = self

        def __import__(name, *args, **kwargs):
            try:
                return real(name, *args, **kwargs)
            except ImportError:
                # A project import that failed may succeed once a file
                # appears: nothing records that absence, so the load is not
                # replayable. The installation's own optional imports
                # (subprocess trying msvcrt) do not depend on the project.
                caller = sys._getframe(1).f_code.co_filename
                if not caller.startswith(("<", *recorder._installed)):
                    recorder.refuse(f"an import failed ({name})")
                raise

        return __import__

    # --- the context manager -----------------------------------------------------

    def __enter__(self) -> "LoadRecorder":
        global _active, _hook_installed
        if not _hook_installed:
            sys.addaudithook(_audit)  # permanent; inert while no recorder is active
            _hook_installed = True
        self._modules_before = set(sys.modules)
        self._tees = (_Tee(sys.stdout), _Tee(sys.stderr))
        self._saved = (os.environ, os.stat, os.lstat, sys.stdout, sys.stderr, builtins.__import__)
        os.environ = _TrackedEnviron(os.environ, self)
        os.stat = self._stat_wrapper(self._saved[1])
        os.lstat = self._stat_wrapper(self._saved[2])
        sys.stdout, sys.stderr = self._tees
        builtins.__import__ = self._import_wrapper(self._saved[5])
        _active = self
        return self

    def __exit__(self, *exc) -> None:
        global _active
        _active = None
        os.environ, os.stat, os.lstat, sys.stdout, sys.stderr, builtins.__import__ = self._saved
        self._note_modules(set(sys.modules) - self._modules_before)

    def _note_modules(self, new: set) -> None:
        """Modules the load imported, and fops' own: what the loader is made of."""
        names = new | {n for n in sys.modules if n == "fops" or n.startswith("fops.")}
        for name in sorted(names):
            path = getattr(sys.modules.get(name), "__file__", None)
            if not path:
                continue
            path = os.path.abspath(path)
            self._note("identity" if path.startswith(self._installed) else "content", path)
        self._note("identity", os.path.abspath(_fops.__file__))

    # --- results ---------------------------------------------------------------------

    def inputs(self) -> "List[Tuple[str, str, str]]":
        return [(kind, path, observed) for (kind, path), observed in self._inputs.items()]

    @property
    def stdout(self) -> str:
        return "".join(self._tees[0].text) if self._tees else ""

    @property
    def stderr(self) -> str:
        return "".join(self._tees[1].text) if self._tees else ""


def store(recorder: LoadRecorder, project, subcommand: str, tiltfile: str, args, resources,
          guard) -> str:
    """Records ``project`` as the plan of this command; returns the plan's path."""
    return _fops.store_plan(tiltfile, subcommand, list(args), list(resources), recorder.inputs(),
                            recorder.stdout, recorder.stderr, project,
                            list(getattr(project, "selection", ())), guard)
