"""What the stage functions share while one analysis runs (internal to the pipeline): the settings,
the loaded models, and the typed output of every stage that has run (:mod:`core.pipeline.outputs`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.exceptions import AnalysisCancelled
from core.pipeline import outputs as out
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
    skipped: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    #: the Ray side of an ``engine="ray"`` run (:class:`core.pipeline.ray_engine.RayEngine`), else None
    engine: Any = None
    # the output of each stage that ran (None: not run yet, skipped, or nothing to hand on)
    load: out.LoadOutput | None = None
    embed: out.EmbedOutput | None = None
    transform: out.TransformOutput | None = None
    knn: out.KnnOutput | None = None
    depth: out.DepthOutput | None = None
    tests: out.TestsOutput | None = None
    hubness: out.HubnessOutput | None = None
    spread: out.SpreadOutput | None = None
    map: out.MapOutput | None = None
    words: out.WordsOutput | None = None
    models: out.ModelsOutput | None = None

    def record(self, stage: str, output: Any) -> None:
        """Keep ``output``, the value ``stage`` returned (None for a skipped stage)."""
        if output is None:
            return
        expected = out.STAGE_OUTPUTS[stage]
        if not isinstance(output, expected):
            raise TypeError(f"stage {stage!r} returned {type(output).__name__}, not {expected.__name__}")
        setattr(self, stage, output)

    @property
    def raw(self) -> dict[str, np.ndarray]:
        """The model's embeddings of each corpus (before transforms)."""
        return self.embed.raw if self.embed is not None else {}

    @property
    def X(self) -> dict[str, np.ndarray]:
        """The space every analysis runs on: the transformed embeddings, or the model's."""
        return self.transform.X if self.transform is not None else self.raw

    @property
    def spaces(self) -> tuple[tuple[str, dict[str, np.ndarray]], ...]:
        """Each space along the way, the model's embeddings first."""
        if self.transform is not None:
            return self.transform.spaces
        return (("model embeddings", self.raw),) if self.embed is not None else ()

    @property
    def graph(self) -> Any:
        """The pooled kNN graph, or None when the ``knn`` stage did not build one."""
        return self.knn.graph if self.knn is not None else None

    def report(self, stage: str, done: int, total: int, message: str = "") -> None:
        if self.progress is not None:
            self.progress(stage, int(done), int(total), message)

    def check_stop(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise AnalysisCancelled("the analysis was cancelled; nothing was kept except cached embeddings")

    def skip(self, stage: str, reason: str) -> None:
        self.skipped[stage] = reason
        self.report(stage, 1, 1, f"skipped: {reason}")
