"""fops: a typed dev-loop engine (Python front of libfops).

::

    import fops
    project = fops.load("Tiltfile.py", args=["--worker"])
    result = fops.Engine(project).ci()          # real processes
    print(result.summary())

The Tiltfile functions (``local_resource``, ``config``, ``probe`` ...) are
also here (``fops.local_resource``), imported on first use; see
:mod:`fops.tiltfile`. Test harnesses use :mod:`fops.testing`.
"""
from fops import _fops
from fops._fops import (
    Command, CommandPolicy, CommandResult, CommandSpec, DryRunExecutor, ExecAction, Executor,
    ExitKind, GateDecision, HttpGetAction, Link, Observer, Probe, Prober, ProcessExecutor,
    Project, Resource, ResourceGraph, ResourceResult, ResourceStatus, RunResult, Settings,
    StatusBoard, Stream, TcpSocketAction, TerminalReporter, TriggerMode, UpdateGate, UpdateInputs,
    format_summary, project_from_json, project_to_json, shell_join, shell_quote,
)
from fops._fops import Guard, HelmRelease  # the guard (docs/guard.md), Helm releases (docs/helm.md)
from fops.engine import Engine
from fops.errors import ConfigError, Error, ExecError, PolicyError, TimeoutError, UnavailableError
from fops.loader import LoadedProject, load

__version__ = "0.1.0"

__all__ = [
    # loading and running
    "load", "LoadedProject", "Engine", "RunResult", "ResourceResult", "ResourceStatus",
    "ResourceGraph", "format_summary", "project_to_json", "project_from_json",
    # the model
    "Resource", "Command", "Probe", "HttpGetAction", "TcpSocketAction", "ExecAction", "Link",
    "UpdateInputs", "Settings", "Project", "TriggerMode",
    # executors and hooks
    "Executor", "ProcessExecutor", "DryRunExecutor", "CommandSpec", "CommandResult", "ExitKind",
    "Stream", "CommandPolicy", "UpdateGate", "GateDecision", "Prober", "Observer",
    "TerminalReporter", "StatusBoard", "shell_join", "shell_quote",
    # policy and Helm
    "Guard", "HelmRelease",
    # errors
    "Error", "ConfigError", "PolicyError", "ExecError", "UnavailableError", "TimeoutError",
]


def _is_submodule(name: str) -> bool:
    import os

    here = os.path.dirname(__file__)
    return os.path.exists(os.path.join(here, name + ".py")) or \
        os.path.isdir(os.path.join(here, name))


def __getattr__(name):
    # The Tiltfile vocabulary, imported on first use: it pulls in every
    # Tiltfile module (images, helm, modes), which `import fops` need not.
    if name.startswith("_") or _is_submodule(name):
        # A submodule not imported yet: `from fops import commands` asks here
        # before importing it, and must not pull in the whole vocabulary.
        raise AttributeError(f"module 'fops' has no attribute {name!r}")
    import importlib

    tiltfile = importlib.import_module("fops.tiltfile")

    if name in tiltfile.__all__:
        return getattr(tiltfile, name)
    raise AttributeError(f"module 'fops' has no attribute {name!r}")


def __dir__():
    import importlib

    tiltfile = importlib.import_module("fops.tiltfile")
    return sorted(set(globals()) | set(tiltfile.__all__))
