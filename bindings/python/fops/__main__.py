"""``python -m fops`` is the ``fops`` command."""
import sys

from fops.cli import main

sys.exit(main())
