"""Collect the warnings the methods give during one analysis run: :func:`core.pipeline.run.run_analysis`
keeps them in the result (``result.notes``), so the command line, the dashboard, the report and a
shared view show the same notes without each catching them.

``warnings.catch_warnings`` swaps process-wide state and is not safe when several analyses run at the
same time in one process (the dashboard's server runs each session in its own thread: one run's exit
would restore another's hooks). Instead, one ``warnings.showwarning`` hook is installed for the
process: a :class:`~core.exceptions.CorpusCompassWarning` raised in a thread that is collecting goes
to that thread's list; everything else goes where it went before.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from core.exceptions import CorpusCompassWarning

__all__: list[str] = []  # internal: run_analysis collects, callers read result.notes

_local = threading.local()
_lock = threading.Lock()
_previous = warnings.showwarning


def _showwarning(message, category, filename, lineno, file=None, line=None):
    sink = getattr(_local, "sink", None)
    if sink is not None and issubclass(category, CorpusCompassWarning):
        sink.append(str(message))
        return
    _previous(message, category, filename, lineno, file, line)


def _install() -> None:
    global _previous
    with _lock:
        if warnings.showwarning is not _showwarning:
            # (re)install: something (e.g. a test harness) replaced the hook since
            _previous = warnings.showwarning
            warnings.showwarning = _showwarning
        # shown every time, not once per code location: each run must report its own
        warnings.filterwarnings("always", category=CorpusCompassWarning)


@contextmanager
def collect() -> Iterator[list[str]]:
    """Within the block, this thread's CorpusCompassWarnings are appended to the yielded list."""
    _install()
    sink: list[str] = []
    outer = getattr(_local, "sink", None)
    _local.sink = sink
    try:
        yield sink
    finally:
        _local.sink = outer
