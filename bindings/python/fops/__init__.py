"""fops: a typed dev-loop engine (Python front of libfops)."""
from fops.errors import ConfigError, Error, ExecError, PolicyError, TimeoutError, UnavailableError

__all__ = ["Error", "ConfigError", "PolicyError", "ExecError", "UnavailableError", "TimeoutError"]
