"""``python -m fops`` is the ``fops`` command."""
from fops.cli import run

run()
