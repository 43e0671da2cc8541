"""The shared k-nearest-neighbour graph, computed once and reused by hubness and maps.

Backend: faiss. Exact search uses ``IndexFlatIP`` on L2-normalised float32 rows for cosine and
``IndexFlatL2`` for Euclidean; the approximate search uses ``IndexHNSWFlat`` (Malkov & Yashunin,
"Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small World
graphs", IEEE TPAMI 2020) on the same rows with the L2 metric (on unit vectors the L2 order is the
cosine order, and HNSW's pruning heuristic assumes a metric). ``method="auto"`` is exact up to
``exact_max_n`` points (50,000) and HNSW above.

Choices where the specification is silent, documented here:

- Distances. Cosine distance is ``1 - cos`` clipped to [0, 2]; Euclidean is the true L2 distance (not
  its square). faiss works in float32, and its exact L2 uses ``|x|^2 + |y|^2 - 2 x.y``, which loses
  digits for close pairs; so the distances of the neighbours faiss returns are recomputed in float64
  from the rows themselves (direct differences for Euclidean) and each row is re-sorted (stable) by
  them before being stored as float32. The candidate *set* is faiss's.
- Self exclusion. faiss is asked for k + 1 neighbours and the query's own index is removed wherever it
  appears: with duplicate points a twin can come before the point itself, so dropping column 0 would be
  wrong. If the point itself is not among the k + 1 (it has more than k exact twins, or HNSW missed
  it), the first k others are kept. Duplicates of a point *are* its neighbours (at distance 0).
- ``exclude_self=False`` returns k columns of which the first is the point itself at distance 0 and the
  rest its k - 1 nearest other points, whatever the duplicates; so k may equal n.
- HNSW recall. recall@k is estimated on ``recall_sample`` queries drawn with ``random_state``: the share
  of returned neighbours whose float64 distance is within the exact k-th neighbour distance (a
  tie-aware recall: with duplicate points, set-intersection recall would count an equally near twin as
  a miss). When ``ef_search`` is not given it starts at ``max(64, 2 (k + 1))`` and doubles (up to
  4096) until the sample's recall reaches ``min_recall``; the value used, the recall and the sample size
  are stored in the graph. A recall still below ``min_recall`` gives a
  :class:`~core.exceptions.CorpusCompassWarning`.
- Reproducibility. The HNSW level generator is seeded from ``random_state``; faiss links the points in
  parallel, so with several threads the graph can differ in rare details between runs (not observed at
  the sizes tested). Exact graphs are deterministic.
- Threads: every call sets ``faiss.omp_set_num_threads(os.cpu_count())``.
"""

from __future__ import annotations

import numbers
import os
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from core.exceptions import (
    CorpusCompassWarning,
    InputError,
    InsufficientDataError,
    ParameterError,
)

__all__ = [
    "EXACT_MAX_N",
    "KNN_METHODS",
    "KNN_METRICS",
    "KnnGraph",
    "check_embeddings",
    "knn_from_distance_matrix",
    "knn_graph",
]

KNN_METRICS = ("cosine", "euclidean")
KNN_METHODS = ("auto", "exact", "hnsw")
EXACT_MAX_N = 50_000
_EF_MAX = 4096
# rows of float64 neighbour vectors gathered at once when recomputing distances (~64 MB)
_GATHER_ELEMENTS = 8_000_000


@dataclass(frozen=True, eq=False)
class KnnGraph:
    """A k-nearest-neighbour graph.

    Attributes
    ----------
    indices : ndarray of shape (n, k), int64
        Row ``i`` holds the neighbours of point ``i``, nearest first.
    distances : ndarray of shape (n, k), float32
        The matching distances, ascending along each row.
    metric : str
        ``"cosine"`` (1 - cos, in [0, 2]), ``"euclidean"`` (L2), ``"precomputed"``, or for graphs of
        secondary distances the name of the hubness reduction with the primary metric in brackets.
    method : str
        How the neighbours were searched: ``"exact"`` or ``"hnsw"``.
    k, n : int
        Number of neighbours per row and of points.
    recall : float
        Estimated recall@k against exact search (1.0 for exact graphs).
    recall_sample : int
        Number of queries the recall was estimated on (0 for exact graphs).
    includes_self : bool
        True when column 0 is the point itself (``exclude_self=False``).
    params : dict
        Search parameters (HNSW ``m``, ``ef_construction``, ``ef_search``) or provenance of derived
        graphs.
    """

    indices: np.ndarray = field(repr=False)
    distances: np.ndarray = field(repr=False)
    metric: str
    method: str
    k: int
    n: int
    recall: float = 1.0
    recall_sample: int = 0
    includes_self: bool = False
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # frozen means frozen: a shared graph must not be edited in place by one of its users
        for name in ("indices", "distances"):
            getattr(self, name).setflags(write=False)

    @property
    def approximate(self) -> bool:
        return self.method != "exact"

    def truncated(self, k: int) -> KnnGraph:
        """The same graph keeping only the first ``k`` neighbours of each point."""
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 1 <= k <= self.k:
            raise ParameterError(f"k must be an integer between 1 and the graph's k={self.k}; got {k!r}")
        if k == self.k:
            return self
        return replace(self, indices=np.ascontiguousarray(self.indices[:, :k]),
                       distances=np.ascontiguousarray(self.distances[:, :k]), k=int(k))

    def for_umap(self, n_neighbors: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The graph in the form umap-learn's ``precomputed_knn`` expects.

        umap-learn (0.5.x, ``UMAP.__init__`` docstring and ``fuzzy_simplicial_set``) counts a point as
        its own first neighbour: row ``i`` must start with ``i`` at distance 0, and ``n_neighbors``
        includes it. So a graph built with ``k`` neighbours (self excluded) gives ``k + 1`` columns
        here and serves ``UMAP(n_neighbors=k + 1, precomputed_knn=graph.for_umap())``; umap prunes
        extra columns itself, and ignores the graph (with a warning) if it has fewer columns than
        ``n_neighbors``.

        Parameters
        ----------
        n_neighbors : int, optional
            Number of columns to return, self included; at most ``k + 1`` (``k`` for a graph that
            already includes self). Default: all.

        Returns
        -------
        indices : ndarray of shape (n, n_neighbors), int64
        distances : ndarray of shape (n, n_neighbors), float32
        """
        available = self.k if self.includes_self else self.k + 1
        if n_neighbors is None:
            n_neighbors = available
        if (not isinstance(n_neighbors, numbers.Integral) or isinstance(n_neighbors, bool)
                or not 2 <= n_neighbors <= available):
            raise ParameterError(
                f"n_neighbors must be an integer between 2 and {available} (the graph's k={self.k}"
                f"{'' if self.includes_self else ' plus the point itself'}); got {n_neighbors!r}. "
                "Build the graph with a larger k for more neighbours."
            )
        if self.includes_self:
            return (np.array(self.indices[:, :n_neighbors], dtype=np.int64),
                    np.array(self.distances[:, :n_neighbors], dtype=np.float32))
        indices = np.empty((self.n, n_neighbors), dtype=np.int64)
        distances = np.empty((self.n, n_neighbors), dtype=np.float32)
        indices[:, 0] = np.arange(self.n)
        distances[:, 0] = 0.0
        indices[:, 1:] = self.indices[:, : n_neighbors - 1]
        distances[:, 1:] = self.distances[:, : n_neighbors - 1]
        return indices, distances

    def to_dict(self, *, include_arrays: bool = True) -> dict[str, Any]:
        """Plain-Python summary (JSON-ready); the arrays as nested lists unless ``include_arrays=False``."""
        out: dict[str, Any] = {
            "metric": self.metric,
            "method": self.method,
            "k": self.k,
            "n": self.n,
            "recall": float(self.recall),
            "recall_sample": self.recall_sample,
            "includes_self": self.includes_self,
            "params": dict(self.params),
        }
        if include_arrays:
            out["indices"] = self.indices.tolist()
            out["distances"] = self.distances.astype(float).tolist()
        return out


# --------------------------------------------------------------------------- validation


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_embeddings(X: Any, *, metric: str = "cosine", name: str = "X", min_rows: int = 2) -> np.ndarray:
    """Validate an (n, d) embedding matrix and return it as a numeric ndarray (no copy when possible).

    Raises :class:`~core.exceptions.InputError` for a non-numeric or non-2-D input, NaN/inf values and,
    with ``metric="cosine"``, all-zero rows (their cosine distance is undefined), and
    :class:`~core.exceptions.InsufficientDataError` for fewer than ``min_rows`` rows.
    """
    if metric not in KNN_METRICS:
        raise ParameterError(f"metric must be one of {', '.join(map(repr, KNN_METRICS))}; got {metric!r}")
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a numeric array of shape (n_points, n_dims): {exc}") from exc
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise InputError(f"{name} must be a numeric array of shape (n_points, n_dims); got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise InputError(f"{name} must be a 2-D array of shape (n_points, n_dims); got shape {arr.shape}")
    n, d = arr.shape
    if d == 0:
        raise InputError(f"{name} has {n} rows but no columns (dimensions)")
    if n < min_rows:
        raise InsufficientDataError(f"{name} needs at least {min_rows} points (rows); got {n}")
    finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise InputError(
            f"{name} contains NaN or infinite values in {bad.size} row(s) (first: {bad[:5].tolist()}); "
            "remove or re-embed those documents"
        )
    if metric == "cosine":
        zero = ~np.any(arr != 0, axis=1)
        if zero.any():
            bad = np.flatnonzero(zero)
            raise InputError(
                f"{name} has {bad.size} all-zero row(s) (first: {bad[:5].tolist()}): their cosine "
                "distance is undefined; drop them or use metric='euclidean'"
            )
    return arr


def _check_k(k: Any, n: int, *, exclude_self: bool = True) -> int:
    if not _is_int(k) or k < 1:
        raise ParameterError(f"k must be a positive integer; got {k!r}")
    if exclude_self and k >= n:
        raise ParameterError(
            f"k={k} must be smaller than the number of points n={n} (a point is not its own neighbour)"
        )
    if not exclude_self and k > n:
        raise ParameterError(f"k={k} must be at most the number of points n={n} when exclude_self=False")
    return int(k)


def _check_options(method: str, hnsw_m: Any, ef_construction: Any, ef_search: Any, min_recall: Any,
                   recall_sample: Any, exact_max_n: Any) -> None:
    if method not in KNN_METHODS:
        raise ParameterError(f"method must be one of {', '.join(map(repr, KNN_METHODS))}; got {method!r}")
    if not _is_int(hnsw_m) or not 4 <= hnsw_m <= 256:
        raise ParameterError(f"hnsw_m must be an integer between 4 and 256; got {hnsw_m!r}")
    if not _is_int(ef_construction) or ef_construction < 8:
        raise ParameterError(f"ef_construction must be an integer >= 8; got {ef_construction!r}")
    if ef_search is not None and (not _is_int(ef_search) or ef_search < 1):
        raise ParameterError(f"ef_search must be a positive integer or None (tuned); got {ef_search!r}")
    if isinstance(min_recall, bool) or not isinstance(min_recall, numbers.Real) or not 0 < min_recall <= 1:
        raise ParameterError(f"min_recall must be a number in (0, 1]; got {min_recall!r}")
    if not _is_int(recall_sample) or recall_sample < 1:
        raise ParameterError(f"recall_sample must be a positive integer; got {recall_sample!r}")
    if not _is_int(exact_max_n) or exact_max_n < 0:
        raise ParameterError(f"exact_max_n must be a non-negative integer; got {exact_max_n!r}")


def _seed(random_state: Any) -> int:
    """An int seed for faiss from an int, None or a numpy Generator."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    if random_state is None:
        return int(np.random.default_rng().integers(0, 2**31 - 1))
    if _is_int(random_state) and random_state >= 0:
        return int(random_state) % (2**31 - 1)
    raise ParameterError(f"random_state must be a non-negative int, None or a numpy Generator; got {random_state!r}")


# --------------------------------------------------------------------------- distances


def _pair_distances(X: np.ndarray, rows: np.ndarray, cols: np.ndarray, metric: str) -> np.ndarray:
    """float64 distances between ``X[rows[i]]`` and ``X[cols[i, j]]``; shape of ``cols``.

    ``X`` must already be L2-normalised for cosine. Euclidean uses direct differences, not the Gram
    trick, so close pairs keep their digits.
    """
    out = np.empty(cols.shape, dtype=np.float64)
    m, c = cols.shape
    if c == 0:
        return out
    step = max(1, _GATHER_ELEMENTS // (c * X.shape[1]))
    for start in range(0, m, step):
        stop = min(m, start + step)
        a = X[rows[start:stop]].astype(np.float64, copy=False)
        b = X[cols[start:stop]].astype(np.float64, copy=False)
        if metric == "cosine":
            out[start:stop] = 1.0 - np.einsum("id,ijd->ij", a, b)
        else:
            diff = b - a[:, None, :]
            out[start:stop] = np.sqrt(np.einsum("ijd,ijd->ij", diff, diff))
    if metric == "cosine":
        np.clip(out, 0.0, 2.0, out=out)
    return out


_NORM_BLOCK = 8192


def _unit_rows(X: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    Y = np.array(X, dtype=dtype, copy=True)
    # np.linalg.norm over row blocks: the same digits as one call (each row's sum is its own), without
    # an (n, d) temporary of squares for the whole array
    for start in range(0, Y.shape[0], _NORM_BLOCK):
        block = Y[start:start + _NORM_BLOCK]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    return Y


def _drop_self(I: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the first ``k`` entries of each row that are neither the query itself nor -1 (missing).

    Returns the (m, k) indices and a boolean (m,) mask of rows that had fewer than k such entries.
    """
    valid = (I != rows[:, None]) & (I >= 0)
    short = valid.sum(axis=1) < k
    # a stable sort of the "invalid" flag moves the valid entries to the front, in their order
    order = np.argsort(~valid, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(I, order, axis=1), short


def _refine(Xf: np.ndarray, rows: np.ndarray, I: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Recompute the neighbours' distances in float64 and re-sort each row by them (stable)."""
    D = _pair_distances(Xf, rows, I, metric)
    order = np.argsort(D, axis=1, kind="stable")
    return np.take_along_axis(I, order, axis=1), np.take_along_axis(D, order, axis=1)


def _flat_index(Xf32: np.ndarray, metric: str) -> Any:
    import faiss

    index = faiss.IndexFlatIP(Xf32.shape[1]) if metric == "cosine" else faiss.IndexFlatL2(Xf32.shape[1])
    index.add(Xf32)
    return index


def _exact_search(index: Any, Xf32: np.ndarray, Xf: np.ndarray, rows: np.ndarray, k: int,
                  metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest other points of ``rows``; float64 distances."""
    n = index.ntotal
    want = min(k + 1, n)
    _, I = index.search(np.ascontiguousarray(Xf32[rows]), want)
    I, short = _drop_self(I.astype(np.int64, copy=False), rows, k)
    if short.any():  # only possible when faiss returned -1, i.e. never for a flat index; be safe
        raise InputError("faiss returned fewer neighbours than requested; check the input for duplicates")
    return _refine(Xf, rows, I, metric)


# --------------------------------------------------------------------------- public


def knn_graph(
    X: Any,
    k: int,
    *,
    metric: str = "cosine",
    method: str = "auto",
    exclude_self: bool = True,
    random_state: Any = 0,
    hnsw_m: int = 32,
    ef_construction: int = 100,
    ef_search: int | None = None,
    min_recall: float = 0.95,
    recall_sample: int = 1000,
    exact_max_n: int = EXACT_MAX_N,
) -> KnnGraph:
    """The k nearest neighbours of every row of ``X``, exact or with HNSW.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Embeddings. Any float or integer dtype; searched in float32, distances recomputed in float64.
    k : int
        Neighbours per point; ``k < n`` (``k <= n`` with ``exclude_self=False``).
    metric : {"cosine", "euclidean"}
        Cosine distance ``1 - cos`` or L2 distance.
    method : {"auto", "exact", "hnsw"}
        ``"auto"`` is exact for ``n <= exact_max_n`` and HNSW above.
    exclude_self : bool
        If True (default) a point is never its own neighbour (duplicates still are). If False, column 0
        is the point itself at distance 0, followed by its k - 1 nearest other points.
    random_state : int, None or numpy Generator
        Seeds the HNSW level generator and the recall sample.
    hnsw_m, ef_construction, ef_search : int
        HNSW graph degree, build beam and search beam (``None``: tuned to reach ``min_recall``).
    min_recall : float
        Target recall@k for the tuned ``ef_search``; a warning is given if it is not reached.
    recall_sample : int
        Number of seeded queries the recall is estimated on.
    exact_max_n : int
        Largest n searched exactly with ``method="auto"``.

    Returns
    -------
    KnnGraph
        ``indices`` (n, k) int64 and ``distances`` (n, k) float32, ascending.
    """
    return _knn_graph_and_distances(
        X, k, metric=metric, method=method, exclude_self=exclude_self, random_state=random_state,
        hnsw_m=hnsw_m, ef_construction=ef_construction, ef_search=ef_search, min_recall=min_recall,
        recall_sample=recall_sample, exact_max_n=exact_max_n)[0]


def _knn_graph_and_distances(X: Any, k: int, *, metric: str = "cosine", method: str = "auto",
                             exclude_self: bool = True, random_state: Any = 0, hnsw_m: int = 32,
                             ef_construction: int = 100, ef_search: int | None = None,
                             min_recall: float = 0.95, recall_sample: int = 1000,
                             exact_max_n: int = EXACT_MAX_N) -> tuple[KnnGraph, np.ndarray]:
    """:func:`knn_graph` and its distances in float64 (n, k), for callers that need those digits
    (the hubness reductions) without recomputing them."""
    _check_options(method, hnsw_m, ef_construction, ef_search, min_recall, recall_sample, exact_max_n)
    if not isinstance(exclude_self, (bool, np.bool_)):
        raise ParameterError(f"exclude_self must be True or False; got {exclude_self!r}")
    arr = check_embeddings(X, metric=metric)
    n = arr.shape[0]
    k = _check_k(k, n, exclude_self=exclude_self)
    if method == "auto":
        method = "exact" if n <= exact_max_n else "hnsw"
    seed = _seed(random_state)

    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    # float64 rows for the distance refinement (unit rows for cosine); float32 copies for faiss
    Xf = _unit_rows(arr) if metric == "cosine" else np.asarray(arr, dtype=np.float64)
    Xf32 = np.ascontiguousarray(Xf, dtype=np.float32)
    k_other = k if exclude_self else k - 1
    rows = np.arange(n, dtype=np.int64)
    params: dict[str, Any] = {}
    recall, n_sample = 1.0, 0

    if k_other == 0:
        I = np.empty((n, 0), dtype=np.int64)
        D = np.empty((n, 0), dtype=np.float64)
    elif method == "exact":
        I, D = _exact_search(_flat_index(Xf32, metric), Xf32, Xf, rows, k_other, metric)
    else:
        I, D, recall, n_sample, params = _hnsw_search(
            Xf32, Xf, k_other, metric, seed, hnsw_m, ef_construction, ef_search, min_recall, recall_sample
        )

    if not exclude_self:
        I = np.concatenate([rows[:, None], I], axis=1)
        D = np.concatenate([np.zeros((n, 1)), D], axis=1)
    graph = KnnGraph(
        indices=np.ascontiguousarray(I, dtype=np.int64),
        distances=np.ascontiguousarray(D, dtype=np.float32),
        metric=metric, method=method, k=k, n=n, recall=float(recall), recall_sample=n_sample,
        includes_self=not exclude_self, params=params,
    )
    return graph, D


def _hnsw_search(Xf32: np.ndarray, Xf: np.ndarray, k: int, metric: str, seed: int, m: int,
                 ef_construction: int, ef_search: int | None, min_recall: float,
                 recall_sample: int) -> tuple[np.ndarray, np.ndarray, float, int, dict]:
    import faiss

    n, d = Xf32.shape
    index = faiss.IndexHNSWFlat(d, m, faiss.METRIC_L2)
    index.hnsw.rng = faiss.RandomGenerator(seed)
    index.hnsw.efConstruction = ef_construction
    index.add(Xf32)

    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, recall_sample), replace=False)).astype(np.int64)
    _, exact_d = _exact_search(_flat_index(Xf32, metric), Xf32, Xf, sample, k, metric)
    kth = exact_d[:, -1]

    def search(rows: np.ndarray, ef: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        index.hnsw.efSearch = ef
        _, I = index.search(np.ascontiguousarray(Xf32[rows]), min(k + 1, n))
        I, short = _drop_self(I.astype(np.int64, copy=False), rows, k)
        if short.any():  # HNSW found fewer than k others for these rows: search them exactly
            bad = rows[short]
            I[short], _ = _exact_search(_flat_index(Xf32, metric), Xf32, Xf, bad, k, metric)
        I, D = _refine(Xf, rows, I, metric)
        return I, D, short

    def recall_of(D: np.ndarray) -> float:
        # tie-aware: a returned neighbour counts if it is as near as the exact k-th neighbour
        tol = 1e-12 * np.maximum(1.0, kth)
        return float(np.mean(D <= (kth + tol)[:, None]))

    tune = ef_search is None
    ef = max(64, 2 * (k + 1)) if tune else int(ef_search)
    ef = max(ef, k + 1)
    _, sample_d, _ = search(sample, ef)
    recall = recall_of(sample_d)
    while tune and recall < min_recall and ef < _EF_MAX:
        ef = min(_EF_MAX, 2 * ef)
        _, sample_d, _ = search(sample, ef)
        recall = recall_of(sample_d)
    if recall < min_recall:
        warnings.warn(
            f"HNSW recall@{k} estimated at {recall:.3f} on {sample.size} queries, below min_recall="
            f"{min_recall} (ef_search={ef}); use method='exact' or a larger hnsw_m / ef_construction",
            CorpusCompassWarning, stacklevel=3,
        )
    I, D, short = search(np.arange(n, dtype=np.int64), ef)
    params = {"m": m, "ef_construction": ef_construction, "ef_search": ef,
              "rows_searched_exactly": int(short.sum())}
    return I, D, recall, int(sample.size), params


def knn_from_distance_matrix(D: Any, k: int, *, metric: str = "precomputed") -> KnnGraph:
    """The k nearest neighbours (self excluded) from a square distance matrix.

    Parameters
    ----------
    D : array-like of shape (n, n)
        Distances (any real values: secondary distances may be negative). The diagonal is ignored,
        so a point is never its own neighbour; ties are broken by the lower index.
    k : int
        Neighbours per point, ``k < n``.
    metric : str
        Label stored in the graph.

    Returns
    -------
    KnnGraph
        ``method="exact"``.
    """
    arr = np.asarray(D, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError(f"D must be a square (n, n) distance matrix; got shape {arr.shape}")
    n = arr.shape[0]
    if n < 2:
        raise InsufficientDataError(f"D needs at least 2 points; got {n}")
    if np.isnan(arr).any():
        raise InputError("D contains NaN values; a distance matrix must be fully defined")
    k = _check_k(k, n)
    I = np.empty((n, k), dtype=np.int64)
    Dk = np.empty((n, k), dtype=np.float64)
    step = max(1, _GATHER_ELEMENTS // n)
    for start in range(0, n, step):
        stop = min(n, start + step)
        I[start:stop], Dk[start:stop] = _block_topk(arr[start:stop], np.arange(start, stop), k)
    return KnnGraph(indices=I, distances=Dk.astype(np.float32), metric=metric, method="exact", k=k, n=n)


def _block_topk(block: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest entries of each row of ``block`` (b, n), skipping column ``rows[i]`` in row i.

    Ties are broken by the lower column index, also at the k-th place.
    """
    b = np.array(block, dtype=np.float64, copy=True)
    b[np.arange(len(rows)), rows] = np.inf
    part = np.argpartition(b, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(b, part, axis=1)
    kth = vals.max(axis=1, keepdims=True)
    # argpartition picks arbitrarily among entries tied with the k-th value: redo those rows by index
    unfair = np.flatnonzero((b == kth).sum(axis=1) > (vals == kth).sum(axis=1))
    for r in unfair:
        less = np.flatnonzero(b[r] < kth[r, 0])
        equal = np.flatnonzero(b[r] == kth[r, 0])[: k - less.size]
        part[r] = np.concatenate([less, equal])
        vals[r] = b[r, part[r]]
    order = np.lexsort((part, vals), axis=1)  # by value, then by index (lexsort's last key is primary)
    return (np.take_along_axis(part, order, axis=1).astype(np.int64),
            np.take_along_axis(vals, order, axis=1))
