"""Checking the arguments of a Tiltfile function, with errors that name the line.

Every Tiltfile function checks what it was given before it declares
anything, and a bad argument is a :class:`fops.ConfigError` that starts
with the Tiltfile line calling the function::

    Tiltfile.py:12: local_resource('api'): argument 'auto_init': expected True or False, got str

The checks several Tiltfile modules share are here; a check only one module
makes stays in that module, with its own wording.

::

    from fops import args

    def my_function(name, labels=None, **unknown):
        call = f"my_function({name!r})"
        args.reject_unknown(call, unknown)
        labels = args.str_list(call, "labels", labels)
"""
from __future__ import annotations

from fops import _fops
from fops import context as _context
from fops.errors import ConfigError

TYPE_CHECKING = False  # typing is not imported at run time: startup stays light
if TYPE_CHECKING:
    from typing import Any, List

__all__ = ["located_error", "call_error", "reject_unknown", "type_name", "boolean",
           "trigger_mode", "str_list", "suggest", "warn"]


def located_error(message: str, file: str, line: int) -> ConfigError:
    """A ConfigError whose message starts with ``file:line: ``."""
    error = ConfigError(f"{file}:{line}: {message}" if line else f"{file}: {message}")
    error.file = file
    error.line = line
    return error


def call_error(call: str, message: str) -> ConfigError:
    """A ConfigError for the Tiltfile function ``call``, located at the
    Tiltfile line calling it: ``Tiltfile.py:3: call: message``."""
    file, line = _context.current().caller_location()
    return located_error(f"{call}: {message}", file, line)


def reject_unknown(call: str, unknown) -> None:
    """Raises a located ConfigError naming the keyword arguments in
    ``unknown`` (those ``call`` does not take), if any, each with the
    closest argument the calling function takes ("did you mean 'deps'?")."""
    if unknown:
        import sys

        code = sys._getframe(1).f_code  # the Tiltfile function that got **unknown
        known = [n for n in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
                 if n != "self"]
        names = []
        for name in unknown:
            hint = suggest(name, known)
            names.append(f"{name!r} (did you mean {hint!r}?)" if hint else repr(name))
        raise call_error(call, f"unexpected argument{'s' if len(unknown) > 1 else ''} "
                               f"{', '.join(names)}")


def suggest(name: str, candidates) -> str:
    """The candidate closest to ``name`` for a "did you mean" hint, or "":
    within an edit distance of a third of its length (1 to 3), ties going
    to the earlier candidate (the C++ graph's rule for resource names)."""
    limit = max(1, min(3, len(name) // 3))
    best, best_distance = "", limit + 1
    for candidate in candidates:
        distance = _distance(name, candidate, limit)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or limit + 1 when above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def warn(call: str, message: str) -> None:
    """Prints ``fops: Tiltfile.py:3: warning: call: message`` on stderr,
    located at the Tiltfile line calling ``call``; the load goes on."""
    import sys

    file, line = _context.current().caller_location()
    where = f"{file}:{line}" if line else file
    print(f"fops: {where}: warning: {call}: {message}", file=sys.stderr)


def type_name(value: Any) -> str:
    """The name of ``value``'s type, as errors say it ("str", "int", "NoneType")."""
    return type(value).__name__


def boolean(call: str, arg: str, value: Any) -> bool:
    """``value`` when it is True or False; a located ConfigError otherwise."""
    if not isinstance(value, bool):
        raise call_error(call, f"argument '{arg}': expected True or False, got {type_name(value)}")
    return value


def trigger_mode(call: str, value: Any) -> _fops.TriggerMode:
    """``value`` when it is TRIGGER_MODE_AUTO or TRIGGER_MODE_MANUAL."""
    if not isinstance(value, _fops.TriggerMode):
        raise call_error(call, "argument 'trigger_mode': expected TRIGGER_MODE_AUTO or "
                               f"TRIGGER_MODE_MANUAL, got {value!r}")
    return value


def str_list(call: str, arg: str, value: Any) -> List[str]:
    """None -> [], a str -> [str], a list or tuple of str -> a list of them
    (as Tilt accepts); anything else is a located ConfigError."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [str(v) for v in value]
    raise call_error(call, f"argument '{arg}': expected a str or a list of str")
