"""Loading a Tiltfile: :func:`load` runs it and returns a validated project.

The Tiltfile is plain Python. Before it runs, every name of
:mod:`fops.tiltfile` (``local_resource``, ``config``, ``probe`` ...) is put in
its globals, so ``from fops.tiltfile import *`` is optional. What it declares
goes to the current :class:`fops.context.LoadContext`; afterwards the resource
graph is validated (duplicates, unknown ``resource_deps``, empty names,
cycles: all in one error, each naming the Tiltfile line). Any exception the
Tiltfile raises becomes a :class:`fops.ConfigError` that starts with the
``file:line`` of the Tiltfile line that raised it.
"""
from __future__ import annotations

import os
import sys

from fops import _fops
from fops import context as _context
from fops.args import located_error, suggest
from fops.errors import ConfigError, Error, PolicyError

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Any, Iterable, Optional, Sequence

__all__ = ["load", "LoadedProject"]


class LoadedProject(_fops.Project):
    """A :class:`fops.Project` loaded from a Tiltfile, plus what the load decided.

    It is a ``fops.Project`` (pass it to :class:`fops.Engine`), with:

    - ``selection``: the resources to run (plus their deps); empty means every
      ``auto_init`` resource. Comes from the positional args (when the
      Tiltfile does not call ``config.parse()``), ``config.set_enabled_resources``
      and the ``resources=`` argument of :func:`load`.
    - ``config``: what ``config.parse()`` returned (``{}`` if not called).
    - ``context``: the :class:`fops.context.LoadContext` of the load (``mode``,
      ``state_dir``, ``extras`` of other modules).
    - ``graph``: the validated :class:`fops.ResourceGraph`.
    """

    def __init__(self, tiltfile: str, root: str, resources: list, settings: _fops.Settings,
                 context: _context.LoadContext, selection: list, config: dict):
        super().__init__(tiltfile=tiltfile, root=root, resources=resources, settings=settings)
        self.context = context
        self.selection = list(selection)
        self.config = dict(config)
        self.graph: _fops.ResourceGraph = None  # set by load() once validated

    @property
    def mode(self) -> str:
        return self.context.mode

    @property
    def state_dir(self) -> str:
        return self.context.state_dir

    def resource(self, name: str) -> _fops.Resource:
        """The resource called ``name``; KeyError if there is none."""
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise KeyError(name)

    def __repr__(self) -> str:
        return f"LoadedProject({self.tiltfile!r}, {len(self.resources)} resources)"


def _tiltfile_frame_line(tb, tiltfile: str) -> int:
    """The line of the innermost traceback frame that belongs to the Tiltfile."""
    target = os.path.abspath(tiltfile)
    line = 0
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _as_config_error(exc: BaseException, tiltfile: str) -> ConfigError:
    """``exc`` raised while a Tiltfile ran, as a ConfigError naming its line."""
    if isinstance(exc, (ConfigError, PolicyError)) and getattr(exc, "file", None):
        return exc  # already located; a guard refusal stays a PolicyError (exit 3)
    message = str(exc)
    if isinstance(exc, SyntaxError) and exc.filename and \
            os.path.abspath(exc.filename) == os.path.abspath(tiltfile):
        return located_error(f"syntax error: {exc.msg}", tiltfile, exc.lineno or 0)
    if isinstance(exc, ConfigError) and message.startswith(f"{tiltfile}:"):
        return exc  # already located by the module that raised it
    line = _tiltfile_frame_line(exc.__traceback__, tiltfile)
    if not isinstance(exc, Error):
        message = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return located_error(message, tiltfile, line)


def _missing(path: str) -> str:
    """The error for a Tiltfile that is not there, naming the one beside it
    under the other name (Tilt's ``Tiltfile``, or ``Tiltfile.py``) if any."""
    other = path[:-3] if path.endswith(".py") else path + ".py"
    if os.path.basename(path) in ("Tiltfile.py", "Tiltfile") and os.path.isfile(other):
        return f"{path}: no such Tiltfile, but {other} is there: pass -f {other}"
    return f"{path}: no such Tiltfile (pass -f FILE, or run where Tiltfile.py is)"


def _tiltfile_globals(path: str) -> dict:
    # Imported on the first load, not with `import fops`: the vocabulary is
    # every Tiltfile module, which `fops trigger` or `fops status` never need.
    from fops import tiltfile

    namespace = {name: getattr(tiltfile, name) for name in tiltfile.__all__}
    namespace.update({"__file__": os.path.abspath(path), "__name__": "__tiltfile__",
                      "__builtins__": __builtins__})
    return namespace


def load(path: str = "Tiltfile.py", args: Sequence[str] = (), mode: str = "development",
         resources: Iterable[str] = (), subcommand: str = "",
         state_dir: Optional[str] = None) -> LoadedProject:
    """Runs the Tiltfile at ``path`` and returns the validated project.

    ``args`` are the Tiltfile's arguments (what follows ``--`` on the command
    line): they reach ``config.parse()``, or, when the Tiltfile does not call
    it, name the resources to run (with their deps), as in Tilt. ``resources``
    adds names to that selection. ``mode`` is what the run is for
    (development, staging, deployment); ``subcommand`` is what
    ``config.tilt_subcommand`` reads ("up", "ci", ...). ``state_dir``: the
    state directory the load and its runs use, instead of the repo's
    ``.fops/`` (``fops.testing`` passes a private one).

    Raises :class:`fops.ConfigError` (with ``file:line``) for a missing file,
    an exception in the Tiltfile, a bad argument or an invalid graph.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ConfigError(_missing(path))
    root = os.path.dirname(os.path.abspath(path))
    ctx = _context.LoadContext(tiltfile=path, root=root, args=[str(a) for a in args],
                               state_dir=state_dir or _fops.state_dir_for(root), mode=mode)
    ctx.extras["subcommand"] = subcommand
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None

    previous = _context.activate(ctx)
    added_path = root not in sys.path
    if added_path:
        sys.path.insert(0, root)  # so the Tiltfile can import modules beside it
    try:
        try:
            code = compile(source, path, "exec")
            exec(code, _tiltfile_globals(path))
            import fops.resources  # imported with the Tiltfile's names above

            selection = fops.resources.selection(ctx)
            for check in ctx.end_checks:
                check(ctx)
        except Exception as exc:  # every Tiltfile error names its line
            raise _as_config_error(exc, path).with_traceback(None) from None
    finally:
        if added_path:
            try:
                sys.path.remove(root)
            except ValueError:
                pass
        _context.activate(previous)

    for resource in ctx.resources:
        if not resource.dir:
            resource.dir = root
    settings = _fops.Settings()
    for key, value in ctx.settings.items():
        setattr(settings, key, value)
    graph = _fops.ResourceGraph.build(ctx.resources)  # ConfigError listing every problem
    selection = list(dict.fromkeys(list(selection) + [str(r) for r in resources]))
    unknown = [name for name in selection if graph.find(name) < 0]
    if unknown:
        names = [r.name for r in ctx.resources]
        known = ", ".join(names) or "none"
        named = []
        for name in unknown:
            hint = suggest(name, names)
            named.append(f"{name!r} (did you mean {hint!r}?)" if hint else repr(name))
        raise ConfigError(f"{path}: unknown resource{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(named)} (defined: {known})")
    project = LoadedProject(path, root, ctx.resources, settings, ctx, selection,
                            ctx.extras.get("config_values", {}))
    project.graph = graph
    return project
