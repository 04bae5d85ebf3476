"""``python -m bench``: the server benchmark suite (see :mod:`bench.run`)."""

from bench.run import main

raise SystemExit(main())
