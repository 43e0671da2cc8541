"""One pipeline for the dashboard and the command line: an :class:`Analysis` spec in, an
:class:`~core.results.AnalysisResult` out.

Stages, in order (:data:`STAGES`)::

    load → embed → transform → knn → depth → tests → hubness → spread → map → words → models

``load`` describes the corpora already loaded (:func:`core.corpus.load_corpora`); ``embed`` uses each
corpus's precomputed ``vectors`` when every corpus has them, else the embedder through the embedding
cache (:func:`core.cache.embed_texts`); ``transform`` applies the chosen transforms to the pooled
space; ``knn`` computes the pooled k-nearest-neighbour graph ONCE (faiss), reused by ``hubness``
(N_k) and ``map`` (UMAP's ``precomputed_knn``). The stage functions live in
:mod:`core.pipeline_stages`.

Progress: ``progress(stage, done, total, message)`` is called when a stage starts (``done = 0``),
inside long stages, and when it ends (``done = total``); a skipped stage reports ``1, 1`` with a
message starting ``"skipped: "``. ``should_stop()`` is polled between stages and inside the long ones
(every embedding batch, every two-sample test, every word2vec epoch) and raises
:class:`~core.exceptions.AnalysisCancelled`; embeddings finished before the stop stay in the cache,
so a rerun resumes from them.

Choices the specification leaves open, made here (and tested):

- **Precomputed vectors** are all or nothing: every corpus has ``vectors`` or none does (mixing
  spaces of different models would make every comparison meaningless). With vectors no model is
  loaded unless a transform or analysis needs one (``zipfian`` needs the model's tokenizer).
- **Transforms** are fitted on the pooled corpora (so the corpora stay comparable) and applied in a
  fixed order whatever order they are given in: ``zipfian`` (Zipfian-whitened bag-of-words sentence
  vectors, Yokoi et al. 2024, which *replace* the model's sentence embeddings), then ``center``, then
  ``whiten`` (PCA whitening, which also centres). Every analysis runs on the transformed space; the
  symmetry table shows the space before and after each transform.
- **Small corpora**: a stage whose method refuses the data (:class:`InsufficientDataError`: too few
  documents for a test, too little text for word2vec) is skipped and its reason kept in
  ``result.skipped``; the other stages still run. Anything else (bad input, bad parameters) stops the
  run with its error.
- **Multiple testing**: ``tests.pvalue_adjusted`` is Holm over *every* row of the tests table (all
  pairs, both depth directions). The plain-language verdict of a pair
  (:func:`core.analysis.verdict.summarize_comparison`) corrects over that pair's own tests; with two
  corpora the two corrections are the same family, with three or more the table's is the stricter
  one, and the report says which applies.
- **Classifier probabilities** (``documents.classifier_prob``): the out-of-fold probability of
  belonging to another corpus from :func:`core.analysis.twosample.classifier_attribution` (fully
  fitted logistic regression, 5 folds, every document); with three or more corpora, own corpus
  against all others pooled.
- **Extremes**: ``central``/``outlying`` are the highest/lowest in-sample depths of each corpus;
  ``separating`` are the documents with the *lowest* ``classifier_prob`` (the classifier is most sure
  they belong to their own corpus: they carry the difference) and ``crossover`` those with the
  highest (they look like another corpus).
- **Hubness**: N_k on the pooled graph (``scope = "all"``) and on each corpus's own graph; the
  kNN accuracy is the leave-one-out accuracy of predicting a document's *corpus* from its k
  neighbours in the pooled space (how separated the corpora are locally), NaN for single-corpus
  scopes. A hubness reduction is computed exactly (full matrix) up to ``reduction_max_full_n``
  points and on a 100-candidate kNN graph above (``approximate`` and ``note`` say which).
- **UMAP epochs**: ``umap_n_epochs=None`` means umap-learn's default (500) up to 2,000 documents and
  200 above (umap-learn itself switches to 200 only above 10,000). A seeded UMAP runs single-threaded,
  and on 10,000 documents the 500 epochs were the largest cost after embedding; 200 epochs give the
  same layout structure.
- **Word shift** trains CADE once on all corpora (:func:`core.analysis.shift.train_cade`, its
  Procrustes baseline included) and ranks words for every unordered pair.
- **Model comparison** compares the model's embeddings (before transforms) with the second model's
  over all documents of all corpora together.
- **Names**: ``"all"`` names the pooled scope of the hubness and symmetry tables, so no corpus may be
  called ``"all"``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import os
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.corpus import Corpus
from core.exceptions import AnalysisCancelled, ParameterError
from core.results import AnalysisResult

__all__ = [
    "ANALYSES",
    "HUBNESS_REDUCTIONS",
    "STAGES",
    "TRANSFORMS",
    "Analysis",
    "file_sha256",
    "library_versions",
    "model_info",
    "run_analysis",
]

#: Analyses that can be switched on or off.
ANALYSES: tuple[str, ...] = ("depth", "tests", "hubness", "spread", "map", "words", "models")
#: Transforms, in the order they are applied.
TRANSFORMS: tuple[str, ...] = ("zipfian", "center", "whiten")
#: Every stage, in the order it runs and reports progress.
STAGES: tuple[str, ...] = ("load", "embed", "transform", "knn", "depth", "tests", "hubness", "spread",
                           "map", "words", "models")
#: Hubness reductions (the keys of ``core.transform.hubness_reduction.REDUCTIONS``).
HUBNESS_REDUCTIONS: tuple[str, ...] = ("mp_empirical", "mp_gaussian", "local_scaling", "nicdm", "csls",
                                       "dissim_local")
_ANCHOR_METHODS = ("uniform", "kmeans", "farthest")
_PRECISIONS = ("auto", "fp32", "bf16")
_BACKENDS = ("torch", "onnx")  # core.embed.BACKENDS, without importing torch
_RESERVED_NAME = "all"

Progress = Callable[[str, int, int, str], None]


def _is_int(value: Any) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True, eq=False)
class Analysis:
    """What to analyse and how: the one input of :func:`run_analysis`.

    Parameters
    ----------
    corpora : tuple of Corpus
        At least two, with distinct names (see :func:`core.corpus.load_corpora`). Lists are accepted.
    model : str
        Embedding model: ``"default"`` (bundled all-MiniLM-L6-v2), a local directory or a cached hub id.
        Ignored for the main space when every corpus has precomputed ``vectors``.
    precision : {"auto", "fp32", "bf16"}
    backend : {"torch", "onnx"}
        How the model runs: ``"torch"`` (default) or ONNX Runtime (fp32, CPU; the optional packages
        ``onnx`` and ``onnxruntime``; faster than torch fp32, slower than bf16 autocast where the CPU
        has native bf16); see :func:`core.embed.load_embedder`. Not used for ``"fast"``.
    second_model : str, optional
        A second model for the model comparison (``"models"``).
    transforms : tuple of {"zipfian", "center", "whiten"}
        Applied to the pooled space in the order of :data:`TRANSFORMS`.
    hubness_reduction : str, optional
        One of :data:`HUBNESS_REDUCTIONS`; its before/after measures join the hubness table.
    analyses : frozenset of str
        Subset of :data:`ANALYSES` to run (default: all).
    k : int
        Neighbours for hubness (N_k) and for the model comparison's kNN overlap (10).
    n_anchors, anchor_method
        Relative-representation anchors for the model comparison (300, "uniform").
    n_permutations : int
        Permutations of each two-sample test (999: p-values in steps of 0.001).
    max_test_n : int
        Documents per corpus used by the permutation tests (seeded subsample above it; 2,000).
    alpha : float
        Significance level of the verdicts (0.05).
    map_max_points : int
        Most points drawn on the report's map (a seeded sample above it; the map itself covers all).
    umap_n_neighbors, umap_min_dist, umap_n_epochs
        UMAP settings (15, 0.1, None = 500 epochs up to 2,000 documents, 200 above).
    n_extremes : int
        Documents listed per corpus and kind of extreme (10).
    n_hubs : int
        Hubs (and sampled antihubs) listed in ``hubs`` (10 each).
    reduction_max_full_n : int
        Largest pooled size for an exact (full-matrix) hubness reduction (5,000).
    words_min_freq, words_top, words_neighbours
        Word shift: least occurrences in both corpora (20), words per pair (100), neighbours (5).
    w2v_dim, w2v_window, w2v_negative, w2v_epochs, w2v_min_count, w2v_baseline
        CADE word2vec settings (100, 5, 10, None = 5 to 20 by corpus size, 5, Procrustes baseline on).
    seed : int
        Seeds every random choice (tests, anchors, UMAP, word2vec, samples).
    input_sha256 : tuple of str or None, optional
        SHA-256 of each corpus's input file bytes, when the caller has them (uploads). Default: hashed
        from ``corpus.report.path`` when that file exists.
    keep_embeddings : bool
        Keep the analysed vectors in ``result.embeddings`` (True).
    """

    corpora: tuple[Corpus, ...]
    model: str = "default"
    precision: str = "auto"
    backend: str = "torch"
    second_model: str | None = None
    transforms: tuple[str, ...] = ()
    hubness_reduction: str | None = None
    analyses: frozenset[str] = frozenset(ANALYSES)
    k: int = 10
    n_anchors: int = 300
    anchor_method: str = "uniform"
    n_permutations: int = 999
    max_test_n: int = 2000
    alpha: float = 0.05
    map_max_points: int = 5000
    umap_n_neighbors: int = 15
    umap_min_dist: float = 0.1
    umap_n_epochs: int | None = None
    n_extremes: int = 10
    n_hubs: int = 10
    reduction_max_full_n: int = 5000
    words_min_freq: int = 20
    words_top: int = 100
    words_neighbours: int = 5
    w2v_dim: int = 100
    w2v_window: int = 5
    w2v_negative: int = 10
    w2v_epochs: int | None = None
    w2v_min_count: int = 5
    w2v_baseline: bool = True
    seed: int = 0
    input_sha256: tuple[str | None, ...] | None = None
    keep_embeddings: bool = True

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def corpus_names(self) -> list[str]:
        return [c.name for c in self.corpora]

    def parameters(self) -> dict[str, Any]:
        """Every setting except the corpora themselves, as plain JSON values (for the manifest)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("corpora", "input_sha256"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                value = [a for a in ANALYSES if a in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def replace(self, **changes: Any) -> Analysis:
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _set(spec: Analysis, name: str, value: Any) -> None:
    object.__setattr__(spec, name, value)


def _check_int(spec: Analysis, name: str, low: int, *, allow_none: bool = False) -> None:
    value = getattr(spec, name)
    if value is None and allow_none:
        return
    if not _is_int(value) or value < low:
        extra = " or None" if allow_none else ""
        raise ParameterError(f"{name} must be an integer >= {low}{extra}, got {value!r}")
    _set(spec, name, int(value))


def _choices(value: Any, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, Iterable):
        raise ParameterError(f"{name} must be a list of names from {list(allowed)}, got {value!r}")
    items = list(value)
    bad = [v for v in items if v not in allowed]
    if bad:
        raise ParameterError(f"{name}: unknown {', '.join(map(repr, bad))}; choose from {', '.join(allowed)}")
    return tuple(a for a in allowed if a in items)


def _validate(spec: Analysis) -> None:
    corpora = spec.corpora
    if isinstance(corpora, Corpus) or not isinstance(corpora, (list, tuple)):
        raise ParameterError("corpora must be a list of Corpus objects (core.corpus.load_corpora)")
    corpora = tuple(corpora)
    for i, c in enumerate(corpora):
        if not isinstance(c, Corpus):
            raise ParameterError(f"corpora[{i}] must be a Corpus, got {type(c).__name__}")
    if len(corpora) < 2:
        raise ParameterError(f"a comparison needs at least 2 corpora, got {len(corpora)}")
    names = [c.name for c in corpora]
    if len(set(names)) != len(names):
        raise ParameterError(f"corpus names must be distinct, got {names}; load them with "
                             "core.corpus.load_corpora, which makes names unique")
    if _RESERVED_NAME in names:
        raise ParameterError(f"no corpus may be called {_RESERVED_NAME!r} (it names all corpora pooled); "
                             "rename it")
    _set(spec, "corpora", corpora)
    for name in ("model",):
        if not isinstance(getattr(spec, name), str) or not getattr(spec, name).strip():
            raise ParameterError(f"{name} must be 'default', a model directory or a hub id, "
                                 f"got {getattr(spec, name)!r}")
    if spec.second_model is not None and (not isinstance(spec.second_model, str)
                                          or not spec.second_model.strip()):
        raise ParameterError(f"second_model must be a model name or None, got {spec.second_model!r}")
    if spec.precision not in _PRECISIONS:
        raise ParameterError(f"precision must be one of {', '.join(_PRECISIONS)}, got {spec.precision!r}")
    if spec.backend not in _BACKENDS:
        raise ParameterError(f"backend must be one of {', '.join(_BACKENDS)}, got {spec.backend!r}")
    if spec.backend == "onnx" and spec.precision == "bf16":
        raise ParameterError("backend 'onnx' runs fp32: use precision 'auto' or 'fp32' with it")
    _set(spec, "transforms", _choices(spec.transforms, "transforms", TRANSFORMS))
    _set(spec, "analyses", frozenset(_choices(spec.analyses, "analyses", ANALYSES)))
    if spec.hubness_reduction is not None and spec.hubness_reduction not in HUBNESS_REDUCTIONS:
        raise ParameterError(f"hubness_reduction must be one of {', '.join(HUBNESS_REDUCTIONS)} or None, "
                             f"got {spec.hubness_reduction!r}")
    if spec.anchor_method not in _ANCHOR_METHODS:
        raise ParameterError(f"anchor_method must be one of {', '.join(_ANCHOR_METHODS)}, "
                             f"got {spec.anchor_method!r}")
    for name, low in (("k", 1), ("n_anchors", 1), ("n_permutations", 1), ("max_test_n", 10),
                      ("map_max_points", 10), ("umap_n_neighbors", 2), ("n_extremes", 1), ("n_hubs", 1),
                      ("reduction_max_full_n", 10), ("words_min_freq", 1), ("words_top", 1),
                      ("words_neighbours", 0), ("w2v_dim", 1), ("w2v_window", 1), ("w2v_negative", 1),
                      ("w2v_min_count", 1), ("seed", 0)):
        _check_int(spec, name, low)
    _check_int(spec, "umap_n_epochs", 1, allow_none=True)
    _check_int(spec, "w2v_epochs", 1, allow_none=True)
    for name, low, high in (("alpha", 0.0, 1.0), ("umap_min_dist", 0.0, 1.0)):
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low <= value <= high) \
                or (name == "alpha" and value in (0.0, 1.0)):
            raise ParameterError(f"{name} must be a number in {'(0, 1)' if name == 'alpha' else '[0, 1]'}, "
                                 f"got {value!r}")
        _set(spec, name, float(value))
    for name in ("w2v_baseline", "keep_embeddings"):
        if not isinstance(getattr(spec, name), bool):
            raise ParameterError(f"{name} must be True or False, got {getattr(spec, name)!r}")
    if spec.input_sha256 is not None:
        hashes = tuple(spec.input_sha256)
        if len(hashes) != len(corpora) or not all(h is None or (isinstance(h, str) and len(h) == 64)
                                                  for h in hashes):
            raise ParameterError("input_sha256 must hold one 64-hex-digit SHA-256 (or None) per corpus")
        _set(spec, "input_sha256", hashes)
    with_vectors = [c.vectors is not None for c in corpora]
    if any(with_vectors) and not all(with_vectors):
        missing = [c.name for c, v in zip(corpora, with_vectors) if not v]
        raise ParameterError(f"precomputed vectors are given for some corpora but not for {missing}; "
                             "give vectors for every corpus or for none")
    if all(with_vectors):
        dims = {c.vectors.shape[1] for c in corpora}
        if len(dims) != 1:
            raise ParameterError(f"the precomputed vectors have different dimensions {sorted(dims)}; "
                                 "all corpora must be embedded by the same model")


# --------------------------------------------------------------------------- manifest


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _input_hashes(spec: Analysis) -> list[str | None]:
    if spec.input_sha256 is not None:
        return list(spec.input_sha256)
    out: list[str | None] = []
    for corpus in spec.corpora:
        path = corpus.report.path
        out.append(file_sha256(path) if path and Path(path).is_file() else None)
    return out


_PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "pyarrow", "faiss-cpu", "umap-learn", "numba",
             "torch", "transformers", "sentence-transformers", "altair", "vl-convert-python")


def library_versions() -> dict[str, str | None]:
    """Installed versions of Python and the libraries whose numbers the results depend on."""
    from importlib import metadata

    out: dict[str, str | None] = {"python": platform.python_version(), "platform": platform.platform()}
    for package in _PACKAGES:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def model_info(embedder: Any, *, vectors: bool = False, dimension: int | None = None) -> dict[str, Any]:
    """The manifest's description of the model (or of precomputed vectors)."""
    if vectors:
        return {"name": "precomputed vectors", "identity": None, "weight_sha256": None, "precision": None,
                "dimension": dimension}
    return {"name": str(getattr(embedder, "name", "")), "identity": str(getattr(embedder, "identity", "")),
            "weight_sha256": getattr(embedder, "weight_sha256", None),
            "precision": getattr(embedder, "precision", None), "dimension": int(embedder.dimension)}


def _manifest(spec: Analysis, hashes: list[str | None], models: dict[str, Any]) -> dict[str, Any]:
    import core

    inputs = []
    for corpus, sha in zip(spec.corpora, hashes):
        r = corpus.report
        inputs.append({"name": corpus.name, "file": r.filename, "sha256": sha, "format": r.format,
                       "rows": r.n_rows_read, "documents": len(corpus), "text_column": r.text_column,
                       "metadata_columns": [str(c) for c in corpus.metadata.columns],
                       "n_empty_removed": r.n_empty_removed,
                       "n_duplicates_removed": r.n_duplicates_removed})
    seed = spec.seed
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {
        "corpus_compass_version": getattr(core, "__version__", None),
        "created": created,
        "inputs": inputs,
        "parameters": spec.parameters(),
        "seeds": {"seed": seed, "two_sample_tests": seed, "classifier_attribution": seed, "umap": seed,
                  "word2vec": seed, "anchors": seed, "samples": seed},
        "model": models.get("model"),
        "second_model": models.get("second_model"),
        "versions": library_versions(),
    }


# --------------------------------------------------------------------------- run


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

    def report(self, stage: str, done: int, total: int, message: str = "") -> None:
        if self.progress is not None:
            self.progress(stage, int(done), int(total), message)

    def check_stop(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise AnalysisCancelled("the analysis was cancelled; nothing was kept except cached embeddings")

    def skip(self, stage: str, reason: str) -> None:
        self.skipped[stage] = reason
        self.report(stage, 1, 1, f"skipped: {reason}")


def run_analysis(spec: Analysis, *, embedder: Any = None, cache: Any = None, progress: Progress | None = None,
                 should_stop: Callable[[], bool] | None = None,
                 second_embedder: Any = None) -> AnalysisResult:
    """Run the whole pipeline (see the module docstring) and return its result.

    Parameters
    ----------
    spec : Analysis
    embedder : Embedder, optional
        The main model, already loaded (``core.embed.Embedder``); default
        ``load_embedder(spec.model, precision=spec.precision)`` when it is needed.
    cache : EmbeddingCache, None or False
        Embedding cache: None opens the default cache, False disables caching.
    progress : callable(stage, done, total, message), optional
    should_stop : callable() -> bool, optional
        Polled between and inside stages; True raises :class:`~core.exceptions.AnalysisCancelled`.
    second_embedder : Embedder, optional
        The second model for ``"models"``, already loaded; default ``load_embedder(spec.second_model)``.

    Returns
    -------
    AnalysisResult

    Raises
    ------
    AnalysisCancelled
        ``should_stop()`` returned True.
    InputError, ParameterError, ModelError, CacheError
        Bad input or settings, or a model that cannot be loaded; the message says what to fix.
    """
    from core import pipeline_stages as st

    if not isinstance(spec, Analysis):
        raise ParameterError(f"spec must be an Analysis, got {type(spec).__name__}")
    if progress is not None and not callable(progress):
        raise ParameterError("progress must be a callable progress(stage, done, total, message) or None")
    if should_stop is not None and not callable(should_stop):
        raise ParameterError("should_stop must be a callable returning True to stop, or None")
    ctx = RunContext(spec=spec, embedder=embedder, second_embedder=second_embedder, cache=cache,
                     progress=progress, should_stop=should_stop, names=spec.corpus_names)
    runners = {"load": st.stage_load, "embed": st.stage_embed, "transform": st.stage_transform,
               "knn": st.stage_knn, "depth": st.stage_depth, "tests": st.stage_tests,
               "hubness": st.stage_hubness, "spread": st.stage_spread, "map": st.stage_map,
               "words": st.stage_words, "models": st.stage_models}
    hashes = None
    for stage in STAGES:
        ctx.check_stop()
        started = time.perf_counter()
        runners[stage](ctx)
        ctx.timings[stage] = round(time.perf_counter() - started, 4)
        if stage == "load":
            hashes = _input_hashes(spec)
            ctx.tables["corpora"]["sha256"] = hashes
    ctx.check_stop()
    tables = st.finalise(ctx)
    manifest = _manifest(spec, hashes or [None] * len(spec.corpora), ctx.models)
    return AnalysisResult(**tables, skipped=dict(ctx.skipped), timings=dict(ctx.timings), manifest=manifest,
                          embeddings=({n: ctx.X[n].astype("float32") for n in ctx.names}
                                      if spec.keep_embeddings and ctx.X else {}))
