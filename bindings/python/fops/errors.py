"""The exceptions fops raises. Every one is a subclass of :class:`Error`.

C++ errors are mapped to these once, by status code (bindings/python/src/
bind_errors.cc): a bad Tiltfile, YAML or image reference is a ConfigError,
a guard refusal or a wrong mode a PolicyError, a failed command an ExecError.
"""


class Error(Exception):
    """Base class of every fops error. ``code`` is the absl status code name."""

    code = "UNKNOWN"


class ConfigError(Error):
    """Bad input: Tiltfile, YAML, image reference, argument. Names file:line."""


class PolicyError(Error):
    """Refused by the guard or the current mode; names the rule it breaks."""


class ExecError(Error):
    """A command or run failed, or was interrupted."""


class UnavailableError(Error):
    """A service did not answer (connection refused, 5xx); may be retried."""


class TimeoutError(Error):  # noqa: A001 - fops.TimeoutError, a subclass of fops.Error
    """A wait ran past its deadline."""
