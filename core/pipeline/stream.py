"""Corpora larger than memory on a Ray cluster: depth, the two-sample tests, spread and Zipf counts
from folders of Parquet, CSV or JSONL files, with the driver holding no corpus.

:func:`stream_compare` reads each corpus's folder as a Ray dataset (one map step per file, see
:mod:`core.pipeline.stream_steps`) and runs these passes, each a Ray Data job over the workers:

1. **embed** (actor pool, one model per actor, the embedding cache consulted and filled by the
   workers): the vectors are written as Parquet under ``out/_vectors`` by the workers; what comes
   back to the driver is, per batch and file, the document count and the sums of the (unit) vectors:
   the map side of the reductions for every corpus's mean unit vector (depth) and mean (spread).
2. **depth** (map step): each document's TTE depth in its own corpus (itself left out) and in every
   other corpus, from the closed form ``1 + x̂ · m / n`` (:mod:`core.analysis.depth`); written as
   Parquet under ``out/documents`` by the workers (the per-document output), while only the depths
   (8 bytes per document and corpus) come back for the rank-sum tests, which need every depth.
3. **spread** (reduction): per corpus the scatter matrix about its mean, summed over batches; its
   eigenvalues give IsoScore, EEE and the eigenspectrum exactly as :mod:`core.analysis.spread`, and
   the mean unit vector of pass 1 the average cosine.
4. **tests** (seeded samples on the driver): the MMD, energy and classifier tests already work on at
   most ``max_test_n`` documents per corpus; the driver draws the same seeded positions as the local
   engine, a map step fetches those documents' vectors, and the tests run on the driver. VRM (its
   Vasicek entropies sort every projection) is computed on the same sample.
5. **zipf** (reduction): token counts per batch, merged per corpus on the driver.

Not distributed, and not run by this path (the in-memory engines run them): the kNN graph, hubness
and the UMAP map (they need the pooled space at once), the classifier probability of every
document (out-of-fold fits over all documents), the CADE word shift (word2vec trains one model over
all texts), transforms and the model comparison. :data:`NOT_DISTRIBUTED` records why, and the
manifest carries it.

With the same data and seed, depths, test statistics and p-values equal those of the local engine on
the same documents (same order: files sorted by name, rows in file order, empty texts left out);
duplicates are kept, since finding them needs every text at once. The folders and ``out`` must be
readable and writable by every worker (the local disk for a Ray on one machine, a shared file system
for a cluster).
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.exceptions import AnalysisCancelled, CorpusCompassError, CorpusLoadError, ParameterError
from core.pipeline.ray_cluster import (
    MAX_RETRIES,
    import_ray,
    quiet_deprecations,
    ray_session,
    unwrap_worker_error,
)
from core.pipeline.stream_steps import (
    FORMATS,
    EmbedWriteActor,
    depth_batch,
    moments_batch,
    read_files_batch,
    sample_batch,
    word_counts_batch,
)

__all__ = ["NOT_DISTRIBUTED", "STREAM_ANALYSES", "StreamResult", "stream_compare"]

#: Analyses of the streaming path.
STREAM_ANALYSES: tuple[str, ...] = ("depth", "tests", "spread", "zipf")
#: What the streaming path does not run, and why (recorded in the manifest).
NOT_DISTRIBUTED: dict[str, str] = {
    "knn, hubness, map": "need the pooled neighbour graph of all documents at once",
    "classifier probability of every document": "out-of-fold fits over all documents",
    "words": "CADE trains one word2vec compass over all texts",
    "transforms, models": "fitted on, or compared over, the pooled space",
    "duplicate removal": "finding duplicates needs every text at once",
}
_BLOCK = 4096  # documents per batch of the embedding and map steps


@dataclass(frozen=True)
class StreamResult:
    """What :func:`stream_compare` computed. The per-document depths are Parquet files in ``documents``.

    Attributes
    ----------
    corpora : DataFrame
        ``corpus``, ``n_documents``, ``n_files``, ``folder``, ``format``.
    depth_tests, tests : DataFrame
        As :attr:`core.results.AnalysisResult.depth_tests` and ``.tests`` (Holm over all rows).
    spread : DataFrame
        ``corpus``, ``isoscore``, ``eee``, ``average_cosine`` (all documents), ``vrm_sample`` (the
        seeded test sample), ``n``.
    zipf : DataFrame
        ``corpus``, ``tokens``, ``vocabulary``, ``zipf_exponent``, ``zipf_r2``.
    documents : Path
        Folder of Parquet files: ``corpus``, ``doc_id``, ``index`` (position in the corpus),
        ``depth`` and ``depth_in:<corpus>`` for every corpus.
    manifest : dict
    timings : dict of str to float
    """

    corpora: pd.DataFrame
    depth_tests: pd.DataFrame
    tests: pd.DataFrame
    spread: pd.DataFrame
    zipf: pd.DataFrame
    documents: Path
    manifest: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


def _plan(sources: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Check the folders: each exists, holds files of one format, and the names are distinct."""
    if not isinstance(sources, Mapping) or len(sources) < 2:
        raise ParameterError("sources must map at least 2 corpus names to folders of Parquet, CSV or JSONL files")
    plans = []
    for name, folder in sources.items():
        if not isinstance(name, str) or not name.strip() or name == "all":
            raise ParameterError(f"corpus name {name!r} is not allowed: give a non-empty name other than 'all'")
        path = Path(folder)
        if not path.is_dir():
            raise CorpusLoadError(f"{path}: not a folder; give one folder of files per corpus", path=str(path))
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        formats = {FORMATS.get(p.suffix.lower()) for p in files}
        if not files:
            raise CorpusLoadError(f"{path}: holds no files", path=str(path))
        if None in formats:
            odd = next(p for p in files if p.suffix.lower() not in FORMATS)
            raise CorpusLoadError(f"{odd}: not a Parquet, CSV or JSONL file (extensions: "
                                  f"{', '.join(sorted(FORMATS))})", path=str(odd))
        if len(formats) > 1:
            raise CorpusLoadError(f"{path}: mixes formats ({', '.join(sorted(formats))}); keep one format "
                                  "per folder", path=str(path))
        plans.append({"name": name, "folder": str(path), "format": formats.pop(), "files": files})
    return plans


class _Run:
    """Progress, cancellation and Ray error handling shared by the passes of one streaming run."""

    def __init__(self, progress: Callable[[str, int, int, str], None] | None,
                 should_stop: Callable[[], bool] | None) -> None:
        self.progress, self.should_stop = progress, should_stop
        self.timings: dict[str, float] = {}

    def report(self, stage: str, done: int, total: int, message: str = "") -> None:
        if self.should_stop is not None and self.should_stop():
            raise AnalysisCancelled("the analysis was cancelled; nothing was kept except cached embeddings")
        if self.progress is not None:
            self.progress(stage, int(done), int(total), message)

    def batches(self, ds: Any, what: str):
        """Iterate the result batches of ``ds``, turning a worker's failure into one clear error."""
        ray = import_ray()
        try:
            yield from ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=0)
        except Exception as exc:
            if isinstance(exc, CorpusCompassError) and not isinstance(exc, ray.exceptions.RayError):
                raise
            raise unwrap_worker_error(exc, what) from None


def _task_retries() -> dict[str, int]:
    return {"max_retries": MAX_RETRIES}


def _tasks(**kwargs: Any) -> dict[str, Any]:
    """map_batches arguments of a retried task step (a worker that dies is replaced, its batch rerun
    up to ``MAX_RETRIES`` times; Ray Data's default is forever)."""
    return {"batch_format": "numpy", "ray_remote_args_fn": _task_retries, **kwargs}


def _draw(n: int, max_n: int, rng: np.random.Generator) -> np.ndarray:
    # the same draw as core.analysis.twosample's seeded subsample
    return np.sort(rng.choice(n, size=max_n, replace=False)) if n > max_n else np.arange(n)


def stream_compare(sources: Mapping[str, str | Path], out: str | Path, *, model: str = "fast",
                   precision: str = "auto", backend: str = "torch", text_column: str = "text",
                   id_column: str | None = None, cache: Any = None,
                   analyses: tuple[str, ...] = STREAM_ANALYSES, n_permutations: int = 999,
                   max_test_n: int = 2000, seed: int = 0, ray_address: str | None = None,
                   threads_per_actor: int | None = None, keep_vectors: bool = False,
                   progress: Callable[[str, int, int, str], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> StreamResult:
    """Compare corpora stored as folders of files, on a Ray cluster (see the module docstring).

    Parameters
    ----------
    sources : mapping of str to path
        Corpus name -> folder of ``.parquet``, ``.csv`` or ``.jsonl`` files (one format per folder).
    out : path
        Output folder (created): ``documents/`` (per-document Parquet), and ``vectors/`` with
        ``keep_vectors``.
    model, precision, backend : str
        As in :func:`core.embed.load_embedder` (default ``"fast"``, the static model).
    text_column, id_column : str
        The text column, and an optional id column (default ids: ``file name:record number``).
    cache : EmbeddingCache, None or False
        The embedding cache the workers read and fill (None: the default cache; False: none).
    analyses : tuple of str
        Subset of :data:`STREAM_ANALYSES` (``depth`` is always computed: the other passes reuse it).
    n_permutations, max_test_n, seed : int
        As in :class:`core.pipeline.Analysis`.
    ray_address : str, optional
        Ray cluster to join (default ``CORPUS_COMPASS_RAY_ADDRESS``, else a local Ray).
    threads_per_actor : int, optional
        torch threads of each embedding actor; default :func:`core.pipeline.ray_embed.actor_threads`.
    keep_vectors : bool
        Keep the embeddings as Parquet in ``out/vectors`` (default: deleted at the end).
    progress : callable(stage, done, total, message), optional
    should_stop : callable() -> bool, optional

    Returns
    -------
    StreamResult
    """
    from core.pipeline.ray_embed import _cache_arguments, actor_threads, describe_model

    plans = _plan(sources)
    bad = [a for a in analyses if a not in STREAM_ANALYSES]
    if bad:
        raise ParameterError(f"analyses: unknown {', '.join(map(repr, bad))}; choose from "
                             f"{', '.join(STREAM_ANALYSES)}")
    for pname, value, low in (("n_permutations", n_permutations, 1), ("max_test_n", max_test_n, 10),
                              ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ParameterError(f"{pname} must be an integer >= {low}, got {value!r}")
    cache_path, use_cache = _cache_arguments(cache)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    vectors_dir, docs_dir = out / "vectors", out / "documents"
    for folder in (vectors_dir, docs_dir):
        shutil.rmtree(folder, ignore_errors=True)
    names = [p["name"] for p in plans]
    run = _Run(progress, should_stop)
    with ray_session(ray_address) as cluster, quiet_deprecations():
        ray = import_ray()
        started = time.perf_counter()
        run.report("embed", 0, 1, f"loading model {model} on the Ray workers")
        model_info, node_threads = describe_model(model, precision, backend)
        threads_per_actor = actor_threads(model_info, node_threads, threads_per_actor)
        items = [{"corpus": c, "file": f, "path": str(p), "format": plan["format"]}
                 for c, plan in enumerate(plans) for f, p in enumerate(plan["files"])]
        docs = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            read_files_batch, batch_size=1,
            fn_kwargs={"text_column": text_column, "id_column": id_column},
            # reading asks for no CPU of its own: the embedding actors hold one CPU each, and a read
            # step waiting for a free CPU would wait for ever; at most one file per CPU at a time
            **_tasks(num_cpus=0, compute=ray.data.TaskPoolStrategy(size=max(1, cluster.cpus))))
        from core.pipeline.ray_embed import _retry_policy, actor_pool_size

        embedded = docs.map_batches(
            EmbedWriteActor, batch_size=_BLOCK, batch_format="numpy",
            fn_constructor_kwargs={"vectors_dir": str(vectors_dir), "model": model, "precision": precision,
                                   "backend": backend, "cache_path": cache_path, "use_cache": use_cache,
                                   "threads": int(threads_per_actor)},
            compute=ray.data.ActorPoolStrategy(size=actor_pool_size(10**9, cluster.cpus, threads_per_actor)),
            num_cpus=int(threads_per_actor), ray_remote_args_fn=_retry_policy)
        k = len(plans)
        d = int(model_info["dimension"])
        sums, raw_sums = np.zeros((k, d)), np.zeros((k, d))
        file_counts: dict[tuple[int, int], int] = {}
        done = 0
        for batch in run.batches(embedded, f"embedding with the model {model!r}"):
            np.add.at(sums, batch["corpus"], batch["unit_sum"])
            np.add.at(raw_sums, batch["corpus"], batch["sum"])
            for c, f, n in zip(batch["corpus"], batch["file"], batch["count"]):
                file_counts[(int(c), int(f))] = file_counts.get((int(c), int(f)), 0) + int(n)
            done += int(batch["count"].sum())
            run.report("embed", done, max(done, 1), f"{done:,} documents embedded on {cluster.cpus} Ray CPUs")
        run.timings["embed"] = round(time.perf_counter() - started, 4)
        counts = np.array([sum(n for (c, _), n in file_counts.items() if c == i) for i in range(k)])
        empty = [names[i] for i in range(k) if counts[i] < 2]
        if empty:
            raise CorpusLoadError(f"corpus {empty[0]!r} has {counts[names.index(empty[0])]} non-empty "
                                  f"documents in column {text_column!r}; the comparison needs at least 2")
        offsets = _offsets(file_counts, plans)
        vectors = ray.data.read_parquet(str(vectors_dir))
        result = _analyse(run, vectors, names, sums, raw_sums / counts[:, None], counts, offsets, analyses,
                          n_permutations, max_test_n, seed, str(docs_dir), docs)
        cluster_info = cluster.to_dict()
    if not keep_vectors:
        shutil.rmtree(vectors_dir, ignore_errors=True)
    corpora = pd.DataFrame({"corpus": names, "n_documents": counts.astype(np.int64),
                            "n_files": [len(p["files"]) for p in plans], "folder": [p["folder"] for p in plans],
                            "format": [p["format"] for p in plans]})
    manifest = _manifest(plans, counts, model_info, cluster_info, {
        "model": model, "precision": precision, "backend": backend, "text_column": text_column,
        "id_column": id_column, "analyses": list(analyses), "n_permutations": n_permutations,
        "max_test_n": max_test_n, "seed": seed, "threads_per_actor": threads_per_actor, "cache": use_cache})
    return StreamResult(corpora=corpora, documents=docs_dir, manifest=manifest, timings=dict(run.timings),
                        **result)


def _offsets(file_counts: dict[tuple[int, int], int], plans: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """Position of each file's first document in its corpus (files in name order)."""
    out = {}
    for c, plan in enumerate(plans):
        start = 0
        for f in range(len(plan["files"])):
            out[(c, f)] = start
            start += file_counts.get((c, f), 0)
    return out


def _collect_depths(run: _Run, vectors: Any, names: list[str], sums: np.ndarray, counts: np.ndarray,
                    offsets: dict[tuple[int, int], int], docs_dir: str) -> list[np.ndarray]:
    """Pass 2: every document's depth in every corpus; (n_c, k) per corpus, rows in corpus order."""
    k = len(names)
    depth = [np.empty((int(n), k)) for n in counts]
    ds = vectors.map_batches(depth_batch, batch_size=_BLOCK, fn_kwargs={
        "sums": sums, "counts": counts.astype(np.float64), "names": names, "offsets": offsets,
        "out_dir": docs_dir}, **_tasks())
    done, total = 0, int(counts.sum())
    run.report("depth", 0, total, "depth of every document")
    for batch in run.batches(ds, "computing depths"):
        corpus = batch["corpus"]
        block = np.stack([batch[f"depth_{j}"] for j in range(k)], axis=1)
        for c in np.unique(corpus):
            mine = corpus == c
            depth[int(c)][batch["index"][mine]] = block[mine]
        done += corpus.size
        run.report("depth", done, total, f"{done:,} of {total:,} documents")
    return depth


def _depth_tests(names: list[str], depth: list[np.ndarray]) -> dict[tuple[str, str], tuple[Any, Any]]:
    # the rank-sum test and Q of core.analysis.depth, on the depths the workers computed
    from core.analysis.depth import _test_result

    out = {}
    for i, a in enumerate(names):
        for j in range(i + 1, len(names)):
            b = names[j]
            out[(a, b)] = (_test_result(depth[i][:, i], depth[j][:, i], "greater", a, b),
                           _test_result(depth[j][:, j], depth[i][:, j], "greater", b, a))
    return out


def _fetch_samples(run: _Run, vectors: Any, wanted: dict[int, np.ndarray], offsets: dict[tuple[int, int], int],
                   ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The vectors of the documents at the ``wanted`` positions: corpus -> (sorted positions, vectors)."""
    ds = vectors.map_batches(sample_batch, batch_size=_BLOCK, fn_kwargs={"wanted": wanted, "offsets": offsets},
                             **_tasks())
    parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {c: [] for c in wanted}
    for batch in run.batches(ds, "drawing the seeded samples"):
        for c in np.unique(batch["corpus"]):
            mine = batch["corpus"] == c
            parts[int(c)].append((batch["index"][mine], batch["vector"][mine]))
    out = {}
    for c, chunks in parts.items():
        index = np.concatenate([i for i, _ in chunks])
        X = np.concatenate([v for _, v in chunks])
        order = np.argsort(index)
        out[c] = (index[order], X[order])
    return out


def _rows(sample: tuple[np.ndarray, np.ndarray], positions: np.ndarray) -> np.ndarray:
    index, X = sample
    return X[np.searchsorted(index, positions)]


def _two_sample(run: _Run, vectors: Any, names: list[str], counts: np.ndarray,
                offsets: dict[tuple[int, int], int], n_permutations: int, max_test_n: int, seed: int,
                ) -> tuple[dict[tuple[str, str], list[Any]], dict[int, np.ndarray]]:
    """Pass 4: the three permutation tests per pair on the local engine's seeded samples, and each
    corpus's own seeded sample (for VRM)."""
    from core.analysis.twosample import classifier_test, energy_test, mmd_test

    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    wanted: dict[int, set[int]] = {c: set() for c in range(len(names))}
    for i, j in pairs:
        rng = np.random.default_rng(seed)
        wanted[i].update(_draw(int(counts[i]), max_test_n, rng).tolist())
        wanted[j].update(_draw(int(counts[j]), max_test_n, rng).tolist())
    own = {c: _draw(int(counts[c]), max_test_n, np.random.default_rng(seed)) for c in wanted}
    for c, positions in own.items():
        wanted[c].update(positions.tolist())
    samples = _fetch_samples(run, vectors, {c: np.array(sorted(v), dtype=np.int64) for c, v in wanted.items()},
                             offsets)
    results: dict[tuple[str, str], list[Any]] = {}
    total, done = 3 * len(pairs), 0
    for i, j in pairs:
        a, b = names[i], names[j]
        results[(a, b)] = []
        for test in (mmd_test, energy_test, classifier_test):
            run.report("tests", done, total, f"{test.__name__.replace('_test', '')}: {a} vs {b}")
            # the generator in the state the local test leaves it after drawing its two subsamples
            rng = np.random.default_rng(seed)
            A = _rows(samples[i], _draw(int(counts[i]), max_test_n, rng))
            B = _rows(samples[j], _draw(int(counts[j]), max_test_n, rng))
            res = test(A, B, n_permutations=n_permutations, max_n=max_test_n, random_state=rng, names=(a, b))
            results[(a, b)].append(dataclasses.replace(res, n_a=int(counts[i]), n_b=int(counts[j]),
                                                       random_state=seed))
            done += 1
    run.report("tests", total, total, "done")
    return results, {c: _rows(samples[c], own[c]) for c in own}


def _spread(run: _Run, vectors: Any, names: list[str], sums: np.ndarray, means: np.ndarray, counts: np.ndarray,
            samples: dict[int, np.ndarray] | None) -> pd.DataFrame:
    """Pass 3: scatter matrices summed over the workers' batches; IsoScore, EEE, average cosine."""
    from core.analysis.spread import _eee, _isoscore, vrm

    d = means.shape[1]
    scatter = np.zeros((len(names), d * d))
    run.report("spread", 0, 1, "scatter matrices")
    ds = vectors.map_batches(moments_batch, batch_size=_BLOCK, fn_kwargs={"means": means}, **_tasks())
    for batch in run.batches(ds, "computing the spread"):
        np.add.at(scatter, batch["corpus"], batch["scatter"])
    rows = []
    for c, name in enumerate(names):
        n = int(counts[c])
        vals = np.clip(np.linalg.eigvalsh(scatter[c].reshape(d, d) / (n - 1))[::-1], 0.0, None)
        vals[vals < vals[0] * 1e-12 * d] = 0.0  # as core.analysis.spread: rounding-level eigenvalues are 0
        s = sums[c]
        rows.append({"corpus": name, "n": n, "isoscore": _isoscore(vals), "eee": _eee(vals),
                     "average_cosine": float(np.clip((s @ s - n) / (n * (n - 1)), -1.0, 1.0)),
                     "vrm_sample": (vrm(samples[c]) if samples is not None and len(samples[c]) >= 4
                                    else float("nan"))})
    run.report("spread", 1, 1, "done")
    return pd.DataFrame(rows)


def _zipf(run: _Run, docs: Any, names: list[str]) -> pd.DataFrame:
    """Pass 5: token counts per batch, merged per corpus; Zipf's law fitted to each."""
    from core.load.stats import fit_zipf

    counters = [Counter() for _ in names]
    run.report("zipf", 0, 1, "counting words")
    ds = docs.map_batches(word_counts_batch, batch_size=_BLOCK, **_tasks())
    for batch in run.batches(ds, "counting words"):
        for c, word, n in zip(batch["corpus"], batch["word"], batch["count"]):
            counters[int(c)][word] += int(n)
    rows = []
    for name, counter in zip(names, counters):
        s, _, r2 = fit_zipf(np.fromiter(counter.values(), dtype=np.float64)) if len(counter) >= 2 \
            else (float("nan"), float("nan"), float("nan"))
        rows.append({"corpus": name, "tokens": int(sum(counter.values())), "vocabulary": len(counter),
                     "zipf_exponent": float(s), "zipf_r2": float(r2)})
    run.report("zipf", 1, 1, "done")
    return pd.DataFrame(rows)


def _test_tables(names: list[str], depth: dict[tuple[str, str], tuple[Any, Any]],
                 tests: dict[tuple[str, str], list[Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    from core.analysis.multitest import adjust_pvalues

    rows, depth_rows = [], []
    for pair in [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]:
        for r in depth.get(pair, ()):
            rows.append({"test": "depth", "reference": r.reference_name, "other": r.sample_name,
                         "statistic": r.statistic, "pvalue": r.pvalue, "effect_size": r.quality_index,
                         "effect_size_name": "Liu–Singh Q (0.5 = no difference, 0 = outlying)"})
            depth_rows.append({"reference": r.reference_name, "other": r.sample_name, "W": r.statistic,
                               "pvalue": r.pvalue, "Q": r.quality_index, "n_reference": r.n_reference,
                               "n_other": r.n_sample})
        for t in tests.get(pair, ()):
            rows.append({"test": t.test_id, "reference": t.name_a, "other": t.name_b,
                         "statistic": t.statistic, "pvalue": t.pvalue, "effect_size": t.effect_size,
                         "effect_size_name": t.effect_size_name, "n_permutations": t.n_permutations,
                         "random_state": t.random_state, "n_used_a": t.n_used_a, "n_used_b": t.n_used_b})
    table = pd.DataFrame(rows)
    if len(table):
        table["pvalue_adjusted"] = adjust_pvalues(table["pvalue"].to_numpy(), method="holm")
    return pd.DataFrame(depth_rows), table


def _analyse(run: _Run, vectors: Any, names: list[str], sums: np.ndarray, means: np.ndarray, counts: np.ndarray,
             offsets: dict[tuple[int, int], int], analyses: tuple[str, ...], n_permutations: int,
             max_test_n: int, seed: int, docs_dir: str, docs: Any) -> dict[str, Any]:
    started = time.perf_counter()
    depth = _collect_depths(run, vectors, names, sums, counts, offsets, docs_dir)
    depth_results = _depth_tests(names, depth)
    del depth
    run.timings["depth"] = round(time.perf_counter() - started, 4)
    tests: dict[tuple[str, str], list[Any]] = {}
    samples = None
    if "tests" in analyses or "spread" in analyses:
        started = time.perf_counter()
        tests, samples = _two_sample(run, vectors, names, counts, offsets, n_permutations, max_test_n, seed) \
            if "tests" in analyses else ({}, None)
        run.timings["tests"] = round(time.perf_counter() - started, 4)
    spread = pd.DataFrame(columns=["corpus", "n", "isoscore", "eee", "average_cosine", "vrm_sample"])
    if "spread" in analyses:
        started = time.perf_counter()
        spread = _spread(run, vectors, names, sums, means, counts, samples)
        run.timings["spread"] = round(time.perf_counter() - started, 4)
    zipf = pd.DataFrame(columns=["corpus", "tokens", "vocabulary", "zipf_exponent", "zipf_r2"])
    if "zipf" in analyses:
        started = time.perf_counter()
        zipf = _zipf(run, docs, names)
        run.timings["zipf"] = round(time.perf_counter() - started, 4)
    depth_tests, table = _test_tables(names, depth_results if "depth" in analyses else {}, tests)
    return {"depth_tests": depth_tests, "tests": table, "spread": spread, "zipf": zipf}


#: Where each pass of the streaming path runs (recorded in the manifest).
STREAM_PLACEMENT: dict[str, str] = {
    "read": "distributed: one map step per input file",
    "embed": "distributed: Ray Data actor pool; vectors written as Parquet by the workers; the sums for "
             "the corpus means reduced from per-batch partial sums",
    "depth": "distributed map step, depths written as Parquet by the workers; the rank-sum test and Q "
             "on the driver from the depths alone (8 bytes per document and corpus)",
    "spread": "distributed reduction of scatter matrices; eigenvalues on the driver; VRM on the seeded "
              "test sample (its entropy estimate sorts every projection)",
    "tests": "driver: MMD, energy and classifier tests on the local engine's seeded samples of at most "
             "max_test_n documents per corpus, fetched by a distributed filter",
    "zipf": "distributed reduction of token counts",
}


def _manifest(plans: list[dict[str, Any]], counts: np.ndarray, model_info: dict[str, Any],
              cluster: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt

    import core
    from core.pipeline.manifest import library_versions

    created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    inputs = [{"name": p["name"], "folder": p["folder"], "format": p["format"],
               "files": [f.name for f in p["files"]], "bytes": int(sum(f.stat().st_size for f in p["files"])),
               "documents": int(n)} for p, n in zip(plans, counts)]
    seed = parameters["seed"]
    return {"corpus_compass_version": getattr(core, "__version__", None), "created": created, "inputs": inputs,
            "parameters": parameters, "seeds": {"seed": seed, "two_sample_tests": seed, "samples": seed},
            "model": model_info, "versions": library_versions(),
            "engine": {"name": "ray", "mode": "streaming", "cluster": cluster, "stages": dict(STREAM_PLACEMENT),
                       "not_run": dict(NOT_DISTRIBUTED)}}
