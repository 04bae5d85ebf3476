"""``python -m chinwag``: the same as the ``chinwag`` command."""

import sys

from chinwag.cli import main

sys.exit(main())
