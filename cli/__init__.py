"""The ``corpus-compass`` command line (``cli.main``; the ``compare`` sub-command in ``cli.compare``).

The one place besides the dashboard (``app/``) that talks to a terminal: it prints, ``core`` does not.
"""
