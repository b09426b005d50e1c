"""``python -m calc``: the same as the ``calc`` command."""

from calc.cli import main

raise SystemExit(main())
