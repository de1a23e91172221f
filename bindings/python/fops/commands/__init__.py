"""Subcommands of the ``fops`` command, one module each.

Every module here defines ``register(subparsers)`` which adds its parser and
sets ``func`` (``args -> exit code``) as the parser's default. fops.cli
imports them all, so a new subcommand is a new file; what they share
(arguments, loading the project, exit codes) is :mod:`fops.cmdline`.
"""
import importlib


def register_all(subparsers) -> None:
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)


def register_one(subparsers, command: str) -> bool:
    """Registers only the module named ``command`` (the common case: the
    other modules need not be imported). True when that registered it.
    Looks for the file itself: pkgutil's listing imports inspect (~5 ms)."""
    import os

    if not command.isidentifier() or \
            not os.path.isfile(os.path.join(__path__[0], command + ".py")):
        return False
    module = importlib.import_module(f"{__name__}.{command}")
    register = getattr(module, "register", None)
    if register is None:
        return False
    register(subparsers)
    return command in subparsers.choices
