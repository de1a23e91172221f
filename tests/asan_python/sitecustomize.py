"""The sanitizer runtime for the pythons of an AddressSanitizer test run.

In a build tree configured with FOPS_SANITIZE=address,undefined, ctest runs
each pytest file with this directory on PYTHONPATH and the runtime to preload
in PYTHON_ASAN_PRELOAD (cmake/FopsSanitize.cmake; not a FOPS_ name, which
tests clear to run fops in a clean environment). The sanitized _fops
extension loads only into a python that had the runtime preloaded, while the
programs the tests start besides (node, Chromium, shells, servers) are not
instrumented and are best left without it (Chromium does not run with it).
So a python started with the runtime keeps it and starts its children
without it; a python started without it (the fops command's python, a
fixture's `sys.executable`) starts again with it.
"""
import os
import sys

_preload = os.environ.get("PYTHON_ASAN_PRELOAD")
if _preload:
    if os.environ.get("LD_PRELOAD") == _preload:
        del os.environ["LD_PRELOAD"]
    elif sys.executable:
        os.execve(sys.executable, sys.orig_argv, {**os.environ, "LD_PRELOAD": _preload})
