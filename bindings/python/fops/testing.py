"""Test harnesses: run a Tiltfile without running anything, assert the calls.

::

    from fops.testing import ScriptedExecutor, run_tiltfile

    ex = ScriptedExecutor()
    ex.rule("make test", exit_code=2, output=["FAIL: test_api"])
    result = run_tiltfile("Tiltfile.py", ex, args=["--worker"])
    assert ex.commands() == ["make api", "make test"]
    assert result["test"].status == fops.ResourceStatus.FAILED

Time in a ScriptedExecutor is virtual: a rule's ``delay`` orders
completions, nothing sleeps.

A harness never touches the repo: the runs here keep their skip-if-unchanged
state in a private temporary directory (``state_dir=`` to choose one), and a
simulated executor records nothing and emits no telemetry, so a later real
``fops ci`` trusts nothing a test did.
"""
from __future__ import annotations

import tempfile

from fops import _fops
from fops.loader import LoadedProject, load
from fops.session import Session

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Iterable, List, Optional, Sequence, Union

__all__ = ["ScriptedExecutor", "run_tiltfile", "run_project"]


class ScriptedExecutor(_fops.ScriptedExecutor):
    """A :class:`fops.ScriptedExecutor` with a friendlier surface.

    - ``rule(pattern, exit_code=0, output=..., delay=0, serve_until_stopped=False)``:
      ``pattern`` is a glob (``*``, ``?``) over the shell-joined argv, or over
      the script alone for ``sh -c SCRIPT``; newest rules win; ``output`` is
      a list of lines or one str (split on newlines). Returns self.
    - ``calls``: every command started, as argv lists, in start order;
      ``specs``: the same as :class:`fops.CommandSpec` (resource, dir, env ...).
    - ``commands()``: what a user reads: the script of a ``sh -c`` command,
      else the shell-joined argv.
    """

    def rule(self, pattern: str, exit_code: int = 0, output: Union[str, Sequence[str]] = (),
             delay: float = 0.0, serve_until_stopped: bool = False) -> "ScriptedExecutor":
        lines = output.splitlines() if isinstance(output, str) else list(output)
        self.add_rule(pattern, exit_code, lines, delay, serve_until_stopped)
        return self

    @property
    def specs(self) -> List[_fops.CommandSpec]:
        return list(_fops.ScriptedExecutor.calls.fget(self))

    @property
    def calls(self) -> List[List[str]]:  # type: ignore[override]
        return [list(spec.argv) for spec in self.specs]

    def commands(self, resource: Optional[str] = None) -> List[str]:
        """Each command as a user wrote it; only ``resource``'s when given."""
        out = []
        for spec in self.specs:
            if resource is not None and spec.resource != resource:
                continue
            argv = spec.argv
            if len(argv) == 3 and argv[0] == "sh" and argv[1] == "-c":
                out.append(argv[2])
            else:
                out.append(_fops.shell_join(argv))
        return out


def run_project(project: _fops.Project, executor: _fops.Executor, *,
                resources: Optional[Iterable[str]] = None, state_dir: Optional[str] = None,
                **engine_options) -> _fops.RunResult:
    """Runs ``project`` through ``executor`` (``fops ci`` semantics) with the
    same hooks as the fops command. Skip-if-unchanged state lives in
    ``state_dir``, by default a private temporary directory removed after
    the run: the repo's ``.fops/`` is never read or written."""
    if state_dir is not None:
        with Session(project, executor, resources=resources, state_dir=state_dir,
                     **engine_options) as session:
            return session.ci()
    with tempfile.TemporaryDirectory(prefix="fops-test-state-") as private:
        with Session(project, executor, resources=resources, state_dir=private,
                     **engine_options) as session:
            return session.ci()


def run_tiltfile(path: str, executor: _fops.Executor, args: Sequence[str] = (),
                 mode: str = "development", resources: Iterable[str] = (),
                 state_dir: Optional[str] = None, **engine_options) -> _fops.RunResult:
    """Loads ``path`` (as ``fops ci -f path RESOURCES -- ARGS`` would) and runs
    it through ``executor`` (``fops ci`` semantics). Returns the RunResult;
    the executor holds the calls. Raises ConfigError/PolicyError as fops does.
    ``state_dir`` as for :func:`run_project` (default: private, temporary).
    """
    if state_dir is not None:
        project: LoadedProject = load(path, args=args, mode=mode, resources=resources,
                                      subcommand="ci", state_dir=state_dir)
        return run_project(project, executor, state_dir=state_dir, **engine_options)
    with tempfile.TemporaryDirectory(prefix="fops-test-state-") as private:
        project = load(path, args=args, mode=mode, resources=resources, subcommand="ci",
                       state_dir=private)
        return run_project(project, executor, state_dir=private, **engine_options)
