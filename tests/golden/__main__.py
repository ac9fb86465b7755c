"""``python -m tests.golden record|check``."""

import sys

from . import main

sys.exit(main(sys.argv))
