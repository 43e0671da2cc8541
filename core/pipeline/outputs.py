"""What each stage of :func:`core.pipeline.run.run_analysis` hands on: one frozen dataclass per stage.

A stage function (:mod:`core.pipeline.stages`) reads the outputs of the stages before it from the
:class:`~core.pipeline.context.RunContext` and returns its own output, or None when it was skipped
(the reason is then in ``ctx.skipped``). :meth:`RunContext.record` keeps it under the stage's name,
and :func:`core.pipeline.assemble.finalise` builds the tables of
:class:`~core.results.result.AnalysisResult` from these objects only. Nothing is computed twice: the
pooled kNN graph (:class:`KnnOutput`) serves hubness and the map, the depths of every corpus in every
other (:class:`DepthOutput`) serve the documents table, the extremes, both directions of the tests and
the report's histograms.

The dataclasses are frozen (a stage cannot change what an earlier one produced); the arrays and
frames they hold are the stage's own and are not modified afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__: list[str] = []  # internal to the pipeline, like the context that holds them

Pair = tuple[str, str]


@dataclass(frozen=True)
class LoadOutput:
    """``corpora`` and ``documents`` tables (documents' measured columns still empty) and the SHA-256
    of each input file (None where the corpus did not come from a file), hashed once."""

    corpora: pd.DataFrame
    documents: pd.DataFrame
    sha256: tuple[str | None, ...]


@dataclass(frozen=True)
class EmbedOutput:
    """The model's embeddings of every corpus (float32, before transforms) and the model's identity."""

    raw: dict[str, np.ndarray]
    model: dict[str, Any]


@dataclass(frozen=True)
class TransformOutput:
    """The space every analysis runs on, and each space along the way as ``(label, vectors)`` (the
    model's embeddings first), for the symmetry table."""

    X: dict[str, np.ndarray]
    spaces: tuple[tuple[str, dict[str, np.ndarray]], ...]


@dataclass(frozen=True)
class KnnOutput:
    """The pooled k-nearest-neighbour graph (:class:`core.knn.KnnGraph`), built once."""

    graph: Any


@dataclass(frozen=True)
class DepthOutput:
    """Every depth of the run (:class:`core.analysis.depth.CorpusDepths`), the both-ways test of each
    pair, and the most central and most outlying documents of each corpus."""

    depths: Any
    tests: dict[Pair, Any]
    extremes: tuple[tuple[str, str, np.ndarray, np.ndarray], ...]

    def in_sample(self, corpus: str) -> np.ndarray:
        return self.depths.in_sample[corpus]


@dataclass(frozen=True)
class TestsOutput:
    """MMD, energy and classifier tests of each pair, and each document's out-of-fold probability of
    belonging to another corpus."""

    results: dict[Pair, tuple[Any, ...]]
    classifier_prob: dict[str, np.ndarray]


@dataclass(frozen=True)
class HubnessOutput:
    """Rows of the ``hubness`` and ``hubs`` tables and N_k of every document on the pooled graph."""

    rows: tuple[dict[str, Any], ...]
    hubs: tuple[dict[str, Any], ...]
    k_occurrence: np.ndarray


@dataclass(frozen=True)
class SpreadOutput:
    """Rows of the ``spread``, ``eigenspectrum`` and ``symmetry`` tables."""

    spread: tuple[dict[str, Any], ...]
    eigenspectrum: pd.DataFrame
    symmetry: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class MapOutput:
    """UMAP coordinates of every document, in pooled order (corpus by corpus)."""

    coords: np.ndarray


@dataclass(frozen=True)
class WordsOutput:
    """The ``words`` table, and the vocabulary with each corpus's counts and the CADE slice vectors
    (None and empty for a method without them)."""

    rows: pd.DataFrame
    vocabulary: pd.DataFrame | None
    word_vectors: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelsOutput:
    """The comparison of the two models' spaces, its per-document table and the second model's
    identity."""

    comparison: dict[str, Any]
    documents: pd.DataFrame
    second_model: dict[str, Any]


#: stage name → the type of its output (what :meth:`RunContext.record` accepts)
STAGE_OUTPUTS: dict[str, type] = {
    "load": LoadOutput, "embed": EmbedOutput, "transform": TransformOutput, "knn": KnnOutput,
    "depth": DepthOutput, "tests": TestsOutput, "hubness": HubnessOutput, "spread": SpreadOutput,
    "map": MapOutput, "words": WordsOutput, "models": ModelsOutput,
}
