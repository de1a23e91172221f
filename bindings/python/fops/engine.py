"""fops.Engine: runs a project's resources through an executor.

::

    project = fops.load("Tiltfile.py")
    with fops.Engine(project, executor=fops.ProcessExecutor()) as engine:
        result = engine.ci()             # RunResult; result["api"].status

``ci()`` and ``up()`` release the GIL while they wait, so other Python
threads run, and ``request_stop()`` may be called from any thread.
"""
from __future__ import annotations


from fops import _fops

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Iterable, Optional

__all__ = ["Engine"]


class Engine(_fops.Engine):
    """One scheduling loop over a project (see docs/python-api.md).

    - ``project``: a :class:`fops.Project` (``fops.load`` returns one).
    - ``executor``: where commands run; default a new :class:`fops.ProcessExecutor`.
    - ``resources``: names to run (with their deps); default the project's
      ``selection`` (from the Tiltfile's args), else every ``auto_init`` resource.
    - ``max_parallel``: updates at once; 0 takes the Tiltfile's setting (default 3).
    - ``timeout``: seconds for the whole run; 0/None takes the Tiltfile's ``ci_timeout``.
    - ``force``: run even what the update gate would skip as unchanged.
    - ``policy``, ``gate``, ``prober``, ``observers``: hooks (:class:`fops.CommandPolicy`,
      :class:`fops.UpdateGate`, :class:`fops.Prober`, :class:`fops.Observer`).
    - ``reporter``: ``"stdout"``/``"stderr"`` to print the run as ``fops ci`` does;
      ``"live"``: on a terminal, also keep the status table of ``board`` below
      the log (plain ``"stdout"`` elsewhere).
    - ``board``: a :class:`fops.StatusBoard` that keeps the live status every
      view reads (docs/views.md); it sees each event first.

    The engine keeps every object passed in alive as long as it lives.
    """

    def __init__(self, project: _fops.Project, executor: Optional[_fops.Executor] = None, *,
                 resources: Optional[Iterable[str]] = None, max_parallel: int = 0,
                 timeout: Optional[float] = None, force: bool = False,
                 policy: Optional[_fops.CommandPolicy] = None,
                 gate: Optional[_fops.UpdateGate] = None,
                 prober: Optional[_fops.Prober] = None,
                 observers: Iterable[_fops.Observer] = (),
                 reporter: Optional[str] = None,
                 board: Optional[_fops.StatusBoard] = None):
        if resources is None:
            resources = getattr(project, "selection", ())
        super().__init__(project, executor, [str(r) for r in resources], int(max_parallel),
                         timeout or 0.0, bool(force), policy, gate, prober, list(observers),
                         reporter, board)
