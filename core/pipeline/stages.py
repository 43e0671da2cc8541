"""The stages of :func:`core.pipeline.run.run_analysis`, one function each.

Each ``stage_*`` function reads the outputs of the earlier stages from a
:class:`core.pipeline.context.RunContext` and returns its own, a frozen dataclass of
:mod:`core.pipeline.outputs` (None when it was skipped: the reason is in ``ctx.skipped``);
:func:`core.pipeline.assemble.finalise` turns them into the tables of
:class:`~core.results.result.AnalysisResult`. The choices they make are listed in the docstring of
:mod:`core.pipeline.run`. Internal module: use :func:`core.pipeline.run_analysis`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.exceptions import InsufficientDataError
from core.pipeline.context import RunContext
from core.pipeline.outputs import (
    DepthOutput,
    EmbedOutput,
    HubnessOutput,
    KnnOutput,
    LoadOutput,
    MapOutput,
    ModelsOutput,
    SpreadOutput,
    TestsOutput,
    TransformOutput,
    WordsOutput,
)
from core.results.result import TABLE_SCHEMAS

_DOC_FIXED = [c for c, _ in TABLE_SCHEMAS["documents"]]
# umap-learn runs 500 epochs up to 10,000 points and 200 above; seeded UMAP is single-threaded, and
# from a few thousand points on 200 epochs give the same picture at 40% of the cost
_UMAP_FULL_EPOCHS_MAX_N = 2000
_UMAP_LARGE_EPOCHS = 200
_NOT_REQUESTED = "not requested (it was not selected when the analysis was run)"


def _pairs(names: list[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]


def _pooled(ctx: RunContext) -> np.ndarray:
    return np.vstack([ctx.X[n] for n in ctx.names])


def _skip_if_too_small(ctx: RunContext, stage: str, what: str, minimum: int = 2) -> bool:
    """Skip ``stage`` with a reason that names the corpus when one has fewer than ``minimum`` documents."""
    small = [(n, ctx.X[n].shape[0]) for n in ctx.names if ctx.X[n].shape[0] < minimum]
    if not small:
        return False
    listed = ", ".join(f"'{n}' has {k} document{'s' if k != 1 else ''}" for n, k in small)
    ctx.skip(stage, f"{listed}; {what} needs at least {minimum} documents in every corpus.")
    return True


def _offsets(ctx: RunContext) -> dict[str, slice]:
    out, start = {}, 0
    for name in ctx.names:
        n = ctx.X[name].shape[0] if name in ctx.X else len(ctx.spec.corpora[ctx.names.index(name)])
        out[name] = slice(start, start + n)
        start += n
    return out


def _doc_rows(ctx: RunContext, name: str, idx: np.ndarray) -> tuple[list[str], list[str]]:
    corpus = ctx.spec.corpora[ctx.names.index(name)]
    return [corpus.ids[i] for i in idx], [corpus.texts[i] for i in idx]


def _wanted(ctx: RunContext, stage: str) -> bool:
    if stage in ctx.spec.analyses:
        return True
    ctx.skip(stage, _NOT_REQUESTED)
    return False


# --------------------------------------------------------------------------- load


def _metadata_frame(meta: pd.DataFrame) -> pd.DataFrame:
    """Metadata with string column names that do not collide with the contract's columns."""
    out = meta.reset_index(drop=True).copy()
    names: list[str] = []
    for column in out.columns:
        name = str(column)
        while name in _DOC_FIXED or name in names:
            name = f"meta_{name}"
        names.append(name)
    out.columns = names
    return out


def _tidy_metadata(series: pd.Series) -> pd.Series:
    """One type per column (Parquet needs it): booleans, numbers or text, missing values kept."""
    if pd.api.types.is_bool_dtype(series):
        return series
    present = series.dropna()
    if pd.api.types.is_numeric_dtype(series) or (
            len(present) and pd.to_numeric(present, errors="coerce").notna().all()
            and not present.map(lambda v: isinstance(v, str)).any()):
        numbers = pd.to_numeric(series, errors="coerce").astype(np.float64)
        finite = numbers.dropna()
        # whole numbers (a year, a count) stay integers, with missing values where a corpus lacks them
        if len(finite) and np.all(np.isfinite(finite)) and np.all(finite == np.round(finite)) \
                and finite.abs().max() < 2**53:
            return numbers.astype("Int64")
        return numbers
    return series.astype(object).where(series.notna(), None).map(
        lambda v: v if v is None or isinstance(v, str) else str(v)).astype("str")


def stage_load(ctx: RunContext) -> LoadOutput:
    from core.pipeline.manifest import input_hashes

    spec = ctx.spec
    ctx.report("load", 0, len(spec.corpora), "describing the corpora")
    from core.load.overview import corpus_fingerprint

    rows, frames = [], []
    for i, corpus in enumerate(spec.corpora):
        r = corpus.report
        rows.append({"corpus": corpus.name, "n_documents": len(corpus), "source": r.filename, "sha256": None,
                     "fingerprint": corpus_fingerprint(corpus), "text_column": r.text_column,
                     "n_empty_removed": r.n_empty_removed, "n_duplicates_removed": r.n_duplicates_removed})
        n = len(corpus)
        base = pd.DataFrame({"corpus": [corpus.name] * n, "doc_id": list(corpus.ids), "text": list(corpus.texts),
                             **{c: np.full(n, np.nan) for c in _DOC_FIXED[3:]}})
        frames.append(pd.concat([base, _metadata_frame(corpus.metadata)], axis=1))
        ctx.report("load", i + 1, len(spec.corpora), corpus.name)
    hashes = tuple(input_hashes(spec))  # each input file read and hashed once, here
    corpora = pd.DataFrame(rows, columns=[c for c, _ in TABLE_SCHEMAS["corpora"]])
    corpora["sha256"] = list(hashes)
    documents = pd.concat(frames, ignore_index=True, sort=False)
    for column in documents.columns[len(_DOC_FIXED):]:
        documents[column] = _tidy_metadata(documents[column])
    return LoadOutput(corpora=corpora, documents=documents, sha256=hashes)


# --------------------------------------------------------------------------- embed


def _note_fidelity(embedder: Any) -> None:
    """A quantised model's measured fidelity becomes a note of the result (a CorpusCompassWarning)."""
    fidelity = getattr(embedder, "fidelity", None)
    if fidelity:
        import warnings

        from core.exceptions import CorpusCompassWarning

        warnings.warn(
            f"The embeddings come from the model quantised to {getattr(embedder, 'precision', 'int8')}: on "
            f"{fidelity['documents']} held-out real texts its vectors had a cosine of at least "
            f"{fidelity['min_cosine']:.4f} (mean {fidelity['mean_cosine']:.4f}) to the full-precision model's.",
            CorpusCompassWarning, stacklevel=2)


def _load_model(name: str, precision: str, backend: str = "auto") -> Any:
    from core.embed.factory import load_embedder

    return load_embedder(name, precision=precision, backend=backend)


def _embed_all(ctx: RunContext, embedder: Any, stage: str) -> dict[str, np.ndarray]:
    from core.embed.cache import embed_texts

    spec = ctx.spec
    total = sum(len(c) for c in spec.corpora)
    out: dict[str, np.ndarray] = {}
    offset = 0
    for corpus in spec.corpora:
        def callback(done: int, n: int, _offset: int = offset, _name: str = corpus.name) -> None:
            ctx.check_stop()
            ctx.report(stage, _offset + done, total, f"{_name}: {done:,} of {n:,} documents")

        out[corpus.name] = embed_texts(list(corpus.texts), embedder, cache=ctx.cache, progress=callback)
        offset += len(corpus)
    return out


def stage_embed(ctx: RunContext) -> EmbedOutput:
    from core.pipeline.manifest import model_info

    spec = ctx.spec
    total = sum(len(c) for c in spec.corpora)
    if all(c.vectors is not None for c in spec.corpora):
        raw = {c.name: np.asarray(c.vectors, dtype=np.float32) for c in spec.corpora}
        dim = next(iter(raw.values())).shape[1]
        ctx.report("embed", total, total, "precomputed vectors given; no model run")
        return EmbedOutput(raw=raw, model=model_info(None, vectors=True, dimension=int(dim)))
    if ctx.engine is not None and ctx.embedder is None:  # engine="ray": embedded on the cluster
        raw, info = ctx.engine.embed(ctx, spec.model, "embed")
        ctx.report("embed", total, total, "done")
        return EmbedOutput(raw=raw, model=info)
    if ctx.embedder is None:
        ctx.report("embed", 0, total, f"loading model {spec.model}")
        ctx.embedder = _load_model(spec.model, spec.precision, spec.backend)
    ctx.report("embed", 0, total, f"embedding with {getattr(ctx.embedder, 'name', 'the model')}")
    raw = _embed_all(ctx, ctx.embedder, "embed")
    _note_fidelity(ctx.embedder)
    ctx.report("embed", total, total, "done")
    return EmbedOutput(raw=raw, model=model_info(ctx.embedder))


# --------------------------------------------------------------------------- transform


def stage_transform(ctx: RunContext) -> TransformOutput | None:
    spec = ctx.spec
    if not spec.transforms:
        ctx.skip("transform", "no transform chosen (the model's embeddings are analysed as they are)")
        return None
    total = len(spec.transforms)
    sizes = [ctx.raw[n].shape[0] for n in ctx.names]
    split = np.cumsum(sizes)[:-1]
    X = dict(ctx.raw)
    spaces = [("model embeddings", dict(ctx.raw))]

    def store(label: str, pooled: np.ndarray) -> None:
        nonlocal X
        parts = np.split(pooled, split)
        X = {n: np.ascontiguousarray(p) for n, p in zip(ctx.names, parts)}
        spaces.append((label, X))

    def current() -> np.ndarray:
        return np.vstack([X[n] for n in ctx.names])

    for i, name in enumerate(spec.transforms):
        ctx.check_stop()
        ctx.report("transform", i, total, name)
        if name == "zipfian":
            from core.transform.whitening import zipfian_sentence_vectors_from_model

            embedder = ctx.embedder
            if embedder is None:  # precomputed vectors: the bag of words uses the named model's tokens
                embedder = ctx.embedder = _load_model(spec.model, spec.precision, spec.backend)
            texts = [t for c in spec.corpora for t in c.texts]
            store("Zipfian-whitened bag of words", zipfian_sentence_vectors_from_model(texts, embedder))
        elif name == "center":
            from core.transform.whitening import Centering

            pooled = current()
            store("centred", Centering().fit(pooled).transform(pooled))
        else:
            from core.transform.whitening import PCAWhitening

            pooled = current()
            store("whitened", PCAWhitening().fit(pooled).transform(pooled))
    ctx.report("transform", total, total, "done")
    return TransformOutput(X=X, spaces=tuple(spaces))


# --------------------------------------------------------------------------- knn


def _umap_neighbors(ctx: RunContext, n: int) -> int:
    return max(2, min(ctx.spec.umap_n_neighbors, n - 1))


def stage_knn(ctx: RunContext) -> KnnOutput | None:
    spec = ctx.spec
    if not ({"hubness", "map"} & spec.analyses):
        ctx.skip("knn", "not needed: hubness and map are both off")
        return None
    n = sum(ctx.X[name].shape[0] for name in ctx.names)
    k_graph = min(max(spec.k, _umap_neighbors(ctx, n) - 1), n - 1)
    if n < 3 or k_graph < 1:
        ctx.skip("knn", f"{n} documents in all: too few for a neighbour graph")
        return None
    ctx.report("knn", 0, 1, f"{k_graph} nearest neighbours of {n:,} documents")
    from core.knn import knn_graph

    graph = knn_graph(_pooled(ctx), k_graph, metric="cosine", random_state=spec.seed)
    ctx.report("knn", 1, 1, f"{graph.method} search")
    return KnnOutput(graph=graph)


# --------------------------------------------------------------------------- depth


def stage_depth(ctx: RunContext) -> DepthOutput | None:
    if not _wanted(ctx, "depth"):
        return None
    from core.analysis.depth import corpus_depths

    if _skip_if_too_small(ctx, "depth", "the depth test"):
        return None

    spec = ctx.spec
    pairs = _pairs(ctx.names)
    total = len(ctx.names) + len(pairs)
    try:
        # every depth once: each corpus normalised and summed once; its in-sample depths serve the
        # documents table, the extremes and both directions of the tests
        ctx.report("depth", 0, total, "depth of every document")
        all_depths = corpus_depths({name: ctx.X[name] for name in ctx.names})
        extremes, results = [], {}
        for i, name in enumerate(ctx.names):
            ctx.report("depth", i, total, f"depth of {name}")
            ex = all_depths.extremes(name, spec.n_extremes)
            extremes.append((name, "central", ex.central_indices, ex.central_depths))
            extremes.append((name, "outlying", ex.outlying_indices, ex.outlying_depths))
        for j, (a, b) in enumerate(pairs):
            ctx.check_stop()
            ctx.report("depth", len(ctx.names) + j, total, f"{a} vs {b}")
            results[(a, b)] = all_depths.test(a, b)
    except InsufficientDataError as exc:
        ctx.skip("depth", str(exc))
        return None
    ctx.report("depth", total, total, "done")
    return DepthOutput(depths=all_depths, tests=results, extremes=tuple(extremes))


# --------------------------------------------------------------------------- tests


def stage_tests(ctx: RunContext) -> TestsOutput | None:
    if not _wanted(ctx, "tests"):
        return None
    from core.analysis.attribution import classifier_attribution
    from core.analysis.twosample import classifier_test, energy_test, mmd_test

    if _skip_if_too_small(ctx, "tests", "a two-sample test"):
        return None

    spec = ctx.spec
    pairs = _pairs(ctx.names)
    n_attr = 1 if len(ctx.names) == 2 else len(ctx.names)
    total = 3 * len(pairs) + n_attr
    done = 0
    results: dict[tuple[str, str], list[Any]] = {}
    probs: dict[str, np.ndarray] = {}
    try:
        for a, b in pairs:
            results[(a, b)] = []
            for test in (mmd_test, energy_test, classifier_test):
                ctx.check_stop()
                ctx.report("tests", done, total, f"{test.__name__.replace('_test', '')}: {a} vs {b}")
                results[(a, b)].append(test(ctx.X[a], ctx.X[b], n_permutations=spec.n_permutations,
                                            max_n=spec.max_test_n, random_state=spec.seed, names=(a, b)))
                done += 1
        if len(ctx.names) == 2:
            a, b = ctx.names
            ctx.check_stop()
            ctx.report("tests", done, total, "classifier probability of every document")
            att = classifier_attribution(ctx.X[a], ctx.X[b], random_state=spec.seed, names=(a, b))
            probs[a], probs[b] = att.prob_other_a, att.prob_other_b
        else:
            for name in ctx.names:
                ctx.check_stop()
                ctx.report("tests", done, total, f"classifier probability: {name} vs the others")
                others = np.vstack([ctx.X[o] for o in ctx.names if o != name])
                att = classifier_attribution(ctx.X[name], others, random_state=spec.seed,
                                             names=(name, "the other corpora"))
                probs[name] = att.prob_other_a
                done += 1
    except InsufficientDataError as exc:
        ctx.skip("tests", str(exc))
        return None
    ctx.report("tests", total, total, "done")
    return TestsOutput(results={pair: tuple(r) for pair, r in results.items()}, classifier_prob=probs)


# --------------------------------------------------------------------------- hubness


def _hub_row(scope: str, method: str, k: int, res: Any, *, accuracy: float | None, approximate: bool,
             note: str) -> dict[str, Any]:
    return {"scope": scope, "method": method, "k": k, "k_skewness": res.k_skewness,
            "robin_hood": res.robin_hood, "antihub_occurrence": res.antihub_occurrence,
            "hub_occurrence": res.hub_occurrence, "knn_accuracy": np.nan if accuracy is None else accuracy,
            "approximate": bool(approximate), "note": note}


def stage_hubness(ctx: RunContext) -> HubnessOutput | None:
    if not _wanted(ctx, "hubness"):
        return None
    if ctx.graph is None:
        ctx.skip("hubness", ctx.skipped.get("knn", "no neighbour graph"))
        return None
    from core.analysis.hubness import hubness_report, loo_knn_accuracy
    from core.knn import knn_graph

    spec = ctx.spec
    k = min(spec.k, ctx.graph.k)
    scopes = ["all"] + ctx.names
    total = len(scopes) * (2 if spec.hubness_reduction else 1)
    labels = np.repeat(np.arange(len(ctx.names)), [ctx.X[n].shape[0] for n in ctx.names])
    rows: list[dict[str, Any]] = []
    graphs = {"all": ctx.graph}  # each scope's graph built once, for its N_k and its reduction's "before"
    ctx.report("hubness", 0, total, "all corpora pooled")
    pooled = hubness_report(ctx.graph, k)
    graph_note = ("exact kNN search" if ctx.graph.method == "exact"
                  else f"HNSW kNN search, estimated recall {ctx.graph.recall:.3f}")
    rows.append(_hub_row("all", "none", k, pooled, accuracy=loo_knn_accuracy(ctx.graph, labels, k=k),
                         approximate=ctx.graph.approximate, note=f"all corpora pooled; {graph_note}; "
                         "neighbours from the same corpus: share of documents whose corpus is the majority of their neighbours"))
    for i, name in enumerate(ctx.names, start=1):
        ctx.check_stop()
        ctx.report("hubness", i, total, name)
        n = ctx.X[name].shape[0]
        if n <= k:
            rows.append({"scope": name, "method": "none", "k": k, "approximate": False,
                         "note": f"{n} documents: N_k needs more than k={k}"})
            continue
        g = graphs[name] = knn_graph(ctx.X[name], k, metric="cosine", random_state=spec.seed)
        rows.append(_hub_row(name, "none", k, hubness_report(g, k), accuracy=None,
                             approximate=g.approximate, note=f"within {name} only"))
    if spec.hubness_reduction:
        from core.analysis.hubness import reduce_hubness

        for j, scope in enumerate(scopes):
            ctx.check_stop()
            ctx.report("hubness", len(scopes) + j, total, f"{spec.hubness_reduction}: {scope}")
            X = _pooled(ctx) if scope == "all" else ctx.X[scope]
            if X.shape[0] <= k + 1:
                rows.append({"scope": scope, "method": spec.hubness_reduction, "k": k, "approximate": False,
                             "note": f"{X.shape[0]} documents: too few for the reduction"})
                continue
            rr = reduce_hubness(X, spec.hubness_reduction, k, labels=labels if scope == "all" else None,
                                approximate=True if X.shape[0] > spec.reduction_max_full_n else None,
                                random_state=spec.seed, primary_graph=graphs.get(scope))
            rows.append(_hub_row(scope, spec.hubness_reduction, k, rr.after, accuracy=rr.accuracy_after,
                                 approximate=rr.approximate, note=rr.note))
    nk = pooled.k_occurrence
    # hubs: the top n_hubs by N_k; antihubs: a seeded sample of n_hubs
    rng = np.random.default_rng(spec.seed)
    anti = pooled.antihubs
    if anti.size > spec.n_hubs:
        anti = np.sort(rng.choice(anti, size=spec.n_hubs, replace=False))
    owner = np.repeat(np.array(ctx.names, dtype=object), [ctx.X[n].shape[0] for n in ctx.names])
    starts = _offsets(ctx)
    hubs = []
    for kind, idx in (("hub", pooled.hubs[: spec.n_hubs]), ("antihub", anti)):
        for i in idx:
            name = owner[i]
            local = int(i - starts[name].start)
            ids, texts = _doc_rows(ctx, name, np.array([local]))
            hubs.append({"corpus": name, "doc_id": ids[0], "text": texts[0], "k_occurrence": int(nk[i]),
                         "kind": kind})
    ctx.report("hubness", total, total, "done")
    return HubnessOutput(rows=tuple(rows), hubs=tuple(hubs), k_occurrence=nk)


# --------------------------------------------------------------------------- spread


def stage_spread(ctx: RunContext) -> SpreadOutput | None:
    if not _wanted(ctx, "spread"):
        return None
    from core.analysis.spread import spread_report
    from core.transform.whitening import symmetry_scores

    if _skip_if_too_small(ctx, "spread", "the spread measures"):
        return None
    total = len(ctx.names) + len(ctx.spaces)
    spread, eigen, symmetry = [], [], []
    try:
        for i, name in enumerate(ctx.names):
            ctx.check_stop()
            ctx.report("spread", i, total, name)
            X = ctx.X[name]
            sr = spread_report(X, name=name)
            spread.append({"corpus": name, "isoscore": sr.isoscore, "eee": sr.eee, "vrm": sr.vrm,
                           "average_cosine": sr.average_cosine})
            explained = sr.spectrum.explained  # from the one eigendecomposition of spread_report
            eigen.append(pd.DataFrame({"corpus": name, "component": np.arange(1, explained.size + 1),
                                       "eigenvalue": sr.spectrum.eigenvalues, "explained": explained,
                                       "cumulative": sr.spectrum.cumulative}))
        for j, (label, space) in enumerate(ctx.spaces):
            ctx.check_stop()
            ctx.report("spread", len(ctx.names) + j, total, f"symmetry: {label}")
            for name in ctx.names + ["all"]:
                X = np.vstack([space[n] for n in ctx.names]) if name == "all" else space[name]
                s = symmetry_scores(X)
                symmetry.append({"corpus": name, "space": label, "first_moment": s.first_moment,
                                 "second_moment": s.second_moment})
    except InsufficientDataError as exc:
        ctx.skip("spread", str(exc))
        return None
    ctx.report("spread", total, total, "done")
    return SpreadOutput(spread=tuple(spread), eigenspectrum=pd.concat(eigen, ignore_index=True),
                        symmetry=tuple(symmetry))


# --------------------------------------------------------------------------- map


def stage_map(ctx: RunContext) -> MapOutput | None:
    if not _wanted(ctx, "map"):
        return None
    if ctx.graph is None:
        ctx.skip("map", ctx.skipped.get("knn", "no neighbour graph"))
        return None
    from core.analysis.projection import project_corpora

    spec = ctx.spec
    n = ctx.graph.n
    if n < 5:
        ctx.skip("map", f"{n} documents in all: UMAP needs at least 5")
        return None
    nn = _umap_neighbors(ctx, n)
    epochs = spec.umap_n_epochs
    if epochs is None and n > _UMAP_FULL_EPOCHS_MAX_N:
        epochs = _UMAP_LARGE_EPOCHS
    ctx.report("map", 0, 1, f"UMAP of {n:,} documents")
    proj = project_corpora([ctx.X[name] for name in ctx.names], n_neighbors=nn, min_dist=spec.umap_min_dist,
                           metric="cosine", random_state=spec.seed, knn=ctx.graph, n_epochs=epochs)
    ctx.report("map", 1, 1, "shared kNN graph" if proj.knn_source == "shared" else proj.knn_source)
    return MapOutput(coords=proj.coords)


# --------------------------------------------------------------------------- words


def stage_words(ctx: RunContext) -> WordsOutput | None:
    if not _wanted(ctx, "words"):
        return None
    from core.analysis.shift.methods import shift_words
    from core.exceptions import ModelError

    spec = ctx.spec

    def callback(stage: str, done: int, total: int) -> None:
        ctx.check_stop()
        ctx.report("words", done, total, stage)

    ctx.report("words", 0, 1, "tokenising")
    embedder = ctx.embedder
    if (spec.words_method in ("contextual", "combined") and getattr(embedder, "model", None) is None
            and getattr(embedder, "base", None) is None):
        # the token vectors need the torch model (precomputed vectors or static: load it here; OpenVINO
        # and ONNX Runtime embedders lend the one they were converted from, see shift_words)
        embedder = _load_model(spec.model, spec.precision, "torch")
    # the contextual pass's sums are kept beside the embedding cache (none when caching is off)
    cache_path = getattr(ctx.cache, "path", None)
    cache_dir = Path(cache_path).parent / "word-usages" if cache_path is not None else None
    try:
        out = shift_words({c.name: list(c.texts) for c in spec.corpora}, method=spec.words_method,
                          min_freq=spec.words_min_freq, top=spec.words_top, n_neighbours=spec.words_neighbours,
                          embedder=embedder, seed=spec.seed, epochs=spec.w2v_epochs, dim=spec.w2v_dim,
                          min_count=spec.w2v_min_count, window=spec.w2v_window, negative=spec.w2v_negative,
                          cache_dir=cache_dir, progress=callback)
    except (InsufficientDataError, ModelError) as exc:
        ctx.skip("words", str(exc))
        return None
    for pair, reason in out.skipped.items():
        ctx.skipped[f"words: {pair}"] = reason
    vocab = None
    if out.counts is not None:
        vocab = pd.DataFrame({"word": list(out.vocabulary)})
        for c, name in enumerate(ctx.names):
            vocab[f"freq:{name}"] = np.asarray(out.counts[c], dtype=np.int64)
    ctx.report("words", 1, 1, "done")
    return WordsOutput(rows=out.rows, vocabulary=vocab,
                       word_vectors=dict(out.word_vectors) if vocab is not None else {})


# --------------------------------------------------------------------------- models


def stage_models(ctx: RunContext) -> ModelsOutput | None:
    if not _wanted(ctx, "models"):
        return None
    spec = ctx.spec
    if spec.second_model is None and ctx.second_embedder is None:
        ctx.skip("models", "no second model given (second_model / --second-model)")
        return None
    from core.analysis.models import compare_spaces
    from core.pipeline.manifest import model_info

    if ctx.engine is not None and ctx.second_embedder is None:  # engine="ray": embedded on the cluster
        second, second_info = ctx.engine.embed(ctx, spec.second_model, "models")
    else:
        if ctx.second_embedder is None:
            ctx.report("models", 0, 1, f"loading model {spec.second_model}")
            ctx.second_embedder = _load_model(spec.second_model, spec.precision, spec.backend)
        second = _embed_all(ctx, ctx.second_embedder, "models")
        second_info = model_info(ctx.second_embedder)
    A = np.vstack([ctx.raw[n] for n in ctx.names])
    B = np.vstack([second[n] for n in ctx.names])
    n = A.shape[0]
    ctx.check_stop()
    try:
        mc = compare_spaces(A, B, n_anchors=min(spec.n_anchors, n), anchor_method=spec.anchor_method,
                            k=min(spec.k, n - 1), random_state=spec.seed)
    except InsufficientDataError as exc:
        ctx.skip("models", str(exc))
        return None
    first = ctx.embed.model if ctx.embed is not None else {}
    comparison = {
        "model_a": first.get("name"), "model_b": str(second_info.get("name") or spec.second_model),
        "n_anchors": mc.n_anchors, "anchor_method": mc.anchor_method, "k": mc.k,
        "relative_cosine": mc.relative_cosine, "knn_jaccard": mc.jaccard, "mrr": mc.mrr, "cka": mc.cka}
    corpus_of = np.repeat(np.array(ctx.names, dtype=object), [ctx.raw[m].shape[0] for m in ctx.names])
    ids = [i for c in spec.corpora for i in c.ids]
    texts = [t for c in spec.corpora for t in c.texts]
    order = np.lexsort((mc.relative_cosine_per_document, mc.jaccard_per_document))
    documents = pd.DataFrame({
        "corpus": corpus_of[order], "doc_id": [ids[i] for i in order], "text": [texts[i] for i in order],
        "relative_cosine": mc.relative_cosine_per_document[order],
        "knn_jaccard": mc.jaccard_per_document[order]})
    ctx.report("models", 1, 1, "done")
    return ModelsOutput(comparison=comparison, documents=documents, second_model=second_info)
