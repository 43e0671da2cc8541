"""``python -m cli``: the ``corpus-compass`` command line."""

from cli.main import main

raise SystemExit(main())
