"""One pipeline for the dashboard and the command line: an :class:`Analysis` spec in, an
:class:`~core.results.AnalysisResult` out.

Stages, in order (:data:`STAGES`)::

    load → embed → transform → knn → depth → tests → hubness → spread → map → words → models

``load`` describes the corpora already loaded (:func:`core.load.read.load_corpora`); ``embed`` uses each
corpus's precomputed ``vectors`` when every corpus has them, else the embedder through the embedding
cache (:func:`core.embed.cache.embed_texts`); ``transform`` applies the chosen transforms to the pooled
space; ``knn`` computes the pooled k-nearest-neighbour graph ONCE (faiss), reused by ``hubness``
(N_k) and ``map`` (UMAP's ``precomputed_knn``). The stage functions live in
:mod:`core.pipeline.stages`.

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
- **Word shift** (:func:`core.analysis.shift.methods.shift_words`) trains the CADE ensemble once on
  all corpora (and, with ``words_method`` "contextual" or "combined", reads the model's token
  vectors), then ranks the words of every unordered pair with their noise, p- and q-values.
- **Model comparison** compares the model's embeddings (before transforms) with the second model's
  over all documents of all corpora together.
- **Names**: ``"all"`` names the pooled scope of the hubness and symmetry tables, so no corpus may be
  called ``"all"``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from core.exceptions import ParameterError
from core.pipeline.assemble import finalise
from core.pipeline.context import RunContext
from core.pipeline.manifest import _manifest
from core.pipeline.notes import collect
from core.pipeline.spec import STAGES, Analysis, Progress
from core.pipeline.stages import (
    stage_depth,
    stage_embed,
    stage_hubness,
    stage_knn,
    stage_load,
    stage_map,
    stage_models,
    stage_spread,
    stage_tests,
    stage_transform,
    stage_words,
)
from core.results.result import AnalysisResult

__all__ = ["run_analysis"]


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
        With the warnings the methods gave during the run (:class:`~core.exceptions.CorpusCompassWarning`)
        as ``result.notes``, once each; they are not re-raised.

    Raises
    ------
    AnalysisCancelled
        ``should_stop()`` returned True.
    InputError, ParameterError, ModelError, CacheError
        Bad input or settings, or a model that cannot be loaded; the message says what to fix.
    """
    if not isinstance(spec, Analysis):
        raise ParameterError(f"spec must be an Analysis, got {type(spec).__name__}")
    if progress is not None and not callable(progress):
        raise ParameterError("progress must be a callable progress(stage, done, total, message) or None")
    if should_stop is not None and not callable(should_stop):
        raise ParameterError("should_stop must be a callable returning True to stop, or None")
    ctx = RunContext(spec=spec, embedder=embedder, second_embedder=second_embedder, cache=cache,
                     progress=progress, should_stop=should_stop, names=spec.corpus_names)
    runners = {"load": stage_load, "embed": stage_embed, "transform": stage_transform, "knn": stage_knn,
               "depth": stage_depth, "tests": stage_tests, "hubness": stage_hubness, "spread": stage_spread,
               "map": stage_map, "words": stage_words, "models": stage_models}
    # the methods' warnings (a fallback, an approximation, small corpora) become the result's notes
    with collect() as notes, _engine(spec) as engine:
        ctx.engine = engine
        for stage in STAGES:
            ctx.check_stop()
            started = time.perf_counter()
            ctx.record(stage, runners[stage](ctx))
            ctx.timings[stage] = round(time.perf_counter() - started, 4)
        engine_info = engine.info() if engine is not None else None
    ctx.check_stop()
    tables = finalise(ctx)
    models = {"model": ctx.embed.model} if ctx.embed is not None else {}
    if ctx.models is not None:
        models["second_model"] = ctx.models.second_model
    hashes = list(ctx.load.sha256) if ctx.load is not None else [None] * len(spec.corpora)
    manifest = _manifest(spec, hashes, models, engine_info)
    result = AnalysisResult(**tables, skipped=dict(ctx.skipped), timings=dict(ctx.timings), manifest=manifest,
                            embeddings=({n: ctx.X[n].astype("float32") for n in ctx.names}
                                        if spec.keep_embeddings and ctx.X else {}))
    return result.with_notes(notes)


def _engine(spec: Analysis) -> Any:
    """A context manager yielding the run's Ray engine (``engine="ray"``: Ray started or joined for the
    run, and a Ray started here stopped after it) or None (local)."""
    import contextlib

    if spec.engine != "ray":
        return contextlib.nullcontext(None)
    from core.pipeline.ray_engine import ray_engine

    return ray_engine(spec.ray_address)
