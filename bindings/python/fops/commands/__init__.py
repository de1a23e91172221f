"""Subcommands of the ``fops`` command, one module each.

Every module here defines ``register(subparsers)`` which adds its parser and
sets ``func`` (``args -> exit code``) as the parser's default. fops.cli
imports them all, so a new subcommand is a new file; what they share
(arguments, loading the project, exit codes) is :mod:`fops.cmdline`.
"""
import sys


def _module(name: str):
    """fops.commands.NAME, imported with the builtin __import__: the
    importlib package would import warnings besides, on every start."""
    __import__(f"{__name__}.{name}")
    return sys.modules[f"{__name__}.{name}"]


def register_all(subparsers) -> None:
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = _module(info.name)
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)


def quick_args(argv):
    """The parsed arguments of ``argv`` (the fops args, its subcommand
    first) when that subcommand's module parses them without a parser
    (``quick_args(words)``, for its most common form), else None.

    Building any parser imports argparse and the re module it needs, ~8 ms
    of the start-up of, say, the first ``fops ci`` after a Tiltfile edit."""
    import os

    if not argv or not argv[0].isidentifier() or \
            not os.path.isfile(os.path.join(__path__[0], argv[0] + ".py")):
        return None
    quick = getattr(_module(argv[0]), "quick_args", None)
    return quick(list(argv[1:])) if quick is not None else None


def register_one(subparsers, command: str) -> bool:
    """Registers only the module named ``command`` (the common case: the
    other modules need not be imported). True when that registered it.
    Looks for the file itself: pkgutil's listing imports inspect (~5 ms)."""
    import os

    if not command.isidentifier() or \
            not os.path.isfile(os.path.join(__path__[0], command + ".py")):
        return False
    module = _module(command)
    register = getattr(module, "register", None)
    if register is None:
        return False
    register(subparsers)
    return command in subparsers.choices
