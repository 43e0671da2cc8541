"""What the stage functions share while one analysis runs (internal to the pipeline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.exceptions import AnalysisCancelled
from core.pipeline.spec import Analysis, Progress

__all__: list[str] = []


@dataclass
class RunContext:
    """What the stage functions share while one analysis runs (internal to the pipeline)."""

    spec: Analysis
    embedder: Any
    second_embedder: Any
    cache: Any
    progress: Progress | None
    should_stop: Callable[[], bool] | None
    names: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    spaces: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    X: dict[str, Any] = field(default_factory=dict)
    graph: Any = None
    tables: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    #: the Ray side of an ``engine="ray"`` run (:class:`core.pipeline.ray_engine.RayEngine`), else None
    engine: Any = None

    def report(self, stage: str, done: int, total: int, message: str = "") -> None:
        if self.progress is not None:
            self.progress(stage, int(done), int(total), message)

    def check_stop(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise AnalysisCancelled("the analysis was cancelled; nothing was kept except cached embeddings")

    def skip(self, stage: str, reason: str) -> None:
        self.skipped[stage] = reason
        self.report(stage, 1, 1, f"skipped: {reason}")
