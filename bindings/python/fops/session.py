"""An engine for a loaded project, with the hooks of :mod:`fops.hooks` and telemetry.

The ``fops`` command and :func:`fops.testing.run_tiltfile` build engines
here so every run gets the same hooks:

- ``fops.hooks.update_gate(ctx, policy)``: skip-if-unchanged for image
  builds and Helm upgrades, confirmed in the registry and the cluster
  (None: always run);
- ``fops.hooks.command_policy(ctx)``: the guard for the repo's mode, with
  the Tiltfile's guard_settings;
- ``fops.telemetry.observers(ctx, runner)``: Build Plane Event emitters, with
  runner "ci" when the CI environment variable is set, else "local";
  ``fops.telemetry.finish(observers)`` after the run. A simulated executor
  (``executor.simulated``: dry-run, scripted, a test's) gets none: nothing
  of its run happened, so no event may say it did.

::

    with Session(project, executor) as session:
        result = session.ci()
"""
from __future__ import annotations

import os

from fops import _fops
from fops import context as _context
from fops import hooks, telemetry
from fops.engine import Engine

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Iterable, List, Optional

__all__ = ["Session", "runner"]


def runner() -> str:
    """"ci" when the CI environment variable is set (as CI systems do), else "local"."""
    return "ci" if os.environ.get("CI") else "local"


def _context_of(project: _fops.Project) -> _context.LoadContext:
    ctx = getattr(project, "context", None)
    if ctx is None:  # a Project built by hand, not by fops.load
        root = project.root or os.path.dirname(os.path.abspath(project.tiltfile or "."))
        ctx = _context.LoadContext(tiltfile=project.tiltfile, root=root,
                                   state_dir=_fops.state_dir_for(root))
    return ctx


def _record_under_lock(executor, state_dir: str, project: _fops.Project) -> None:
    """A run under this process's session lock (``fops mode staging``, or a
    command that did not ask itself) records its process groups in the
    repo's state directory, so a later fops stops them if this one is
    killed (docs/executors.md, "The process record"). Runs without the lock
    (tests, fops.testing) record nothing."""
    if not isinstance(executor, _fops.ProcessExecutor) or executor.recording:
        return
    holder = _fops.SessionLock.read_holder(state_dir)
    if holder is not None and holder.pid == os.getpid():
        executor.record_processes(state_dir, f"fops {holder.mode}", project)


class Session:
    """An :class:`fops.Engine` for ``project`` with the gate, policy and telemetry hooks.

    Takes the same keyword arguments as :class:`fops.Engine` (except the
    hooks, which come from :mod:`fops.hooks` and :mod:`fops.telemetry`; ``observers`` are added to
    the telemetry ones). ``state_dir``: keep skip-if-unchanged state there
    instead of the repo's ``.fops/`` (test harnesses use a private one).
    ``board``: a :class:`fops.StatusBoard` the views read (``fops up``'s
    terminal table and web view, ``fops ci --timeline``).
    """

    def __init__(self, project: _fops.Project, executor: Optional[_fops.Executor] = None, *,
                 resources: Optional[Iterable[str]] = None, max_parallel: int = 0,
                 timeout: Optional[float] = None, force: bool = False,
                 observers: Iterable[_fops.Observer] = (), reporter: Optional[str] = None,
                 prober: Optional[_fops.Prober] = None, state_dir: Optional[str] = None,
                 board: Optional[_fops.StatusBoard] = None):
        ctx = _context_of(project)
        self.context = ctx
        if executor is None:
            executor = _fops.ProcessExecutor()
        _record_under_lock(executor, ctx.state_dir, project)
        self.policy = hooks.command_policy(ctx)
        # A real run logs in to the registries its images use, checked now.
        self.logins = None if executor.simulated else hooks.registry_logins(project, state_dir)
        self.gate = hooks.update_gate(ctx, self.policy, state_dir, self.logins)
        self.telemetry: List = ([] if executor.simulated
                                else list(telemetry.observers(ctx, runner()) or []))
        self._finished = False
        self.board = board
        self.engine = Engine(project, executor, resources=resources, max_parallel=max_parallel,
                             timeout=timeout, force=force, policy=self.policy, gate=self.gate,
                             prober=prober, observers=[*observers, *self.telemetry],
                             reporter=reporter, board=board)

    def ci(self, handle_signals: bool = False) -> _fops.RunResult:
        """Engine.ci(), then flushes telemetry."""
        try:
            return self.engine.ci(handle_signals)
        finally:
            self._finish()

    def up(self, handle_signals: bool = False) -> _fops.RunResult:
        """Engine.up(), then flushes telemetry."""
        try:
            return self.engine.up(handle_signals)
        finally:
            self._finish()

    def request_stop(self) -> None:
        self.engine.request_stop()

    def trigger(self, name: str) -> None:
        """Queues one update of ``name`` in the running up() (Engine.trigger)."""
        self.engine.trigger(name)

    def set_enabled(self, name: str, enabled: bool) -> None:
        """Disables or enables ``name`` in the running up() (Engine.set_enabled)."""
        self.engine.set_enabled(name, enabled)

    def listen(self) -> str:
        """Answers ``fops trigger``, ``fops status`` and ``fops logs`` on the
        socket in the repo's state directory until close(); returns its path
        (see docs/cli.md, ``fops trigger``)."""
        return self.engine.listen(self.context.state_dir)

    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            telemetry.finish(self.telemetry)

    def close(self) -> None:
        """Stops whatever still runs."""
        self.engine.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
