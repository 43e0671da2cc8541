"""core.pipeline.progress: per-stage rate and time left from the pipeline's progress calls."""

from __future__ import annotations

import pytest

from core.exceptions import ParameterError
from core.pipeline.progress import ProgressMeter, format_seconds


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_and_time_left_per_stage() -> None:
    clock = Clock()
    meter = ProgressMeter(clock=clock, min_seconds=0.5)
    first = meter.update("embedding", 200, 1000)  # e.g. 200 cache hits at once
    assert first.rate is None and first.seconds_left is None
    assert first.fraction == pytest.approx(0.2)
    assert "time left: estimating…" in first.text()
    clock.now += 2.0
    info = meter.update("embedding", 400, 1000, "batch 3")
    assert info.rate == pytest.approx(100.0)  # the 200 hits of the first call are not counted
    assert info.seconds_left == pytest.approx(6.0)
    assert info.text() == ("embedding (batch 3) · 400 of 1,000 documents · 100 documents/s · "
                           "about 6 s left")
    clock.now += 1.0
    other = meter.update("map", 0, 50)  # a new stage restarts the measurement
    assert other.rate is None
    clock.now += 1.0
    done = meter.update("map", 50, 50)
    assert done.rate == pytest.approx(50.0) and done.seconds_left == 0.0
    assert done.fraction == 1.0 and "left" not in done.text()
    assert done.to_dict()["stage"] == "map"


def test_fraction_is_clipped_and_zero_total_is_complete() -> None:
    meter = ProgressMeter(clock=Clock())
    assert meter.update("x", 5, 0).fraction == 1.0
    assert meter.update("y", 7, 5).fraction == 1.0


def test_slow_rates_keep_a_decimal() -> None:
    times = iter([0.0, 4.0])
    meter = ProgressMeter(clock=lambda: next(times))
    meter.update("s", 0, 10)
    assert "2.5 docs/s" in meter.update("s", 10, 20).text(unit="docs")


def test_format_seconds() -> None:
    assert format_seconds(None) == "estimating…"
    assert format_seconds(4.4) == "4 s"
    assert format_seconds(185) == "3 min 05 s"
    assert format_seconds(3720) == "1 h 02 min"
    with pytest.raises(ParameterError, match="seconds must be a non-negative number"):
        format_seconds(-1)


def test_invalid_parameters() -> None:
    with pytest.raises(ParameterError, match="min_seconds must be a non-negative number"):
        ProgressMeter(min_seconds=-1)
    with pytest.raises(ParameterError, match="done and total must be non-negative integers"):
        ProgressMeter().update("x", -1, 3)
