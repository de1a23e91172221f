"""Shared pytest set-up. Fixtures live in tests/python/fixtures/<name>.py,
one module per real component (registry, clickhouse, argocd stand-in, ...);
test files import them, e.g. ``from fixtures.registry import registry``."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
