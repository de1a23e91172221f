"""Subcommands of the ``fops`` command, one module each.

Every module here defines ``register(subparsers)`` which adds its parser and
sets ``func`` (``args -> exit code``) as the parser's default. fops.cli
imports them all, so a new subcommand is a new file.
"""
import importlib
import pkgutil


def register_all(subparsers) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
