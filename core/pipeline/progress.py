"""Progress of a running analysis as people read it: the share done, items per second, time left.

:class:`ProgressMeter` turns the pipeline's ``progress(stage, done, total, message)`` calls into a
:class:`ProgressInfo` that the dashboard's progress bar and the CLI print. The rate and the time left
are measured per stage (embedding a document and projecting it cost very different amounts), from the
first call of the stage, so a stage that starts with cache hits (``done`` jumps at once) is not shown
as impossibly fast: the jump of the first call is not counted in the rate.

Time left is only estimated once a stage has run for ``min_seconds`` and made progress since its
first call; before that it is None (shown as "estimating…"), rather than a wild first guess.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from core.exceptions import ParameterError

__all__ = ["ProgressInfo", "ProgressMeter", "format_seconds"]


def format_seconds(seconds: float | None) -> str:
    """``"45 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``; ``"estimating…"`` for None."""
    if seconds is None:
        return "estimating…"
    if not seconds >= 0:  # also refuses NaN
        raise ParameterError(f"seconds must be a non-negative number or None, got {seconds!r}")
    s = round(float(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


@dataclass(frozen=True)
class ProgressInfo:
    """One progress report.

    Attributes
    ----------
    stage : str
    done, total : int
    fraction : float
        ``done / total`` clipped to [0, 1] (1 when ``total`` is 0).
    rate : float or None
        Items per second in this stage (None until measurable).
    seconds_left : float or None
        Estimated time to finish the stage (None until measurable).
    message : str
    """

    stage: str
    done: int
    total: int
    fraction: float
    rate: float | None
    seconds_left: float | None
    message: str

    def text(self, unit: str = "documents") -> str:
        """One line for a progress bar: stage, counts, rate and time left."""
        parts = [self.stage]
        if self.message:
            parts[0] += f" ({self.message})"
        if self.total > 0:
            parts.append(f"{self.done:,} of {self.total:,} {unit}")
        if self.rate is not None:
            parts.append(f"{self.rate:,.0f} {unit}/s" if self.rate >= 10 else f"{self.rate:.1f} {unit}/s")
        if self.done < self.total:
            parts.append(f"about {format_seconds(self.seconds_left)} left"
                         if self.seconds_left is not None else "time left: estimating…")
        return " · ".join(parts)

    def to_dict(self) -> dict:
        return {"stage": self.stage, "done": self.done, "total": self.total, "fraction": self.fraction,
                "rate": self.rate, "seconds_left": self.seconds_left, "message": self.message}


class ProgressMeter:
    """Keeps the start of each stage and turns progress calls into :class:`ProgressInfo`.

    Parameters
    ----------
    clock : callable, optional
        Seconds as a float (default :func:`time.monotonic`); tests pass a fake clock.
    min_seconds : float
        A stage must have run this long before a rate and time left are given.
    """

    def __init__(self, *, clock: Callable[[], float] | None = None, min_seconds: float = 0.5) -> None:
        if not min_seconds >= 0:
            raise ParameterError(f"min_seconds must be a non-negative number, got {min_seconds!r}")
        self.clock = clock or time.monotonic
        self.min_seconds = float(min_seconds)
        self._stage: str | None = None
        self._start = 0.0
        self._start_done = 0

    def update(self, stage: str, done: int, total: int, message: str = "") -> ProgressInfo:
        """Record a progress call of the pipeline and describe it."""
        if isinstance(done, bool) or isinstance(total, bool) or done < 0 or total < 0:
            raise ParameterError(f"done and total must be non-negative integers, got {done!r}, {total!r}")
        now = self.clock()
        if stage != self._stage or done < self._start_done:
            self._stage, self._start, self._start_done = stage, now, int(done)
        elapsed = now - self._start
        progressed = int(done) - self._start_done
        rate = seconds_left = None
        if elapsed >= self.min_seconds and progressed > 0:
            rate = progressed / elapsed
            seconds_left = max(int(total) - int(done), 0) / rate
        fraction = 1.0 if total == 0 else min(max(done / total, 0.0), 1.0)
        return ProgressInfo(stage=str(stage), done=int(done), total=int(total), fraction=float(fraction),
                            rate=rate, seconds_left=seconds_left, message=str(message or ""))
