"""`python -m trafsim`."""

import sys

from trafsim.cli import main

sys.exit(main())
