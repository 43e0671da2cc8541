"""Hubness measurement: k-occurrence, k-skewness, Robin Hood index, hubs and antihubs.

Sources: Radovanović, Nanopoulos & Ivanović, "Hubs in space", JMLR 2010 (k-occurrence, k-skewness,
hubs); Feldbauer & Flexer, "A comprehensive empirical comparison of hubness reduction in
high-dimensional spaces", KAIS 2019 (Robin Hood index, antihub and hub occurrence).

Everything here runs on a :class:`~core.knn.KnnGraph` (self excluded), so the graph computed once
for the maps can be reused. Choices where the specification is silent, documented here:

- ``N_k`` counts the first ``k`` columns of the graph; a graph with more neighbours is truncated, one
  with fewer is refused. With duplicate points a twin is an ordinary neighbour.
- k-skewness is ``scipy.stats.skew(N_k)`` (biased). When every point has the same ``N_k`` the sample
  has no spread and scipy returns NaN; it is reported as 0.0 (no skew), not NaN.
- Hubs are the points with ``N_k >= hub_factor * k`` (``hub_factor = 2``), listed by decreasing
  ``N_k`` (ties by index); antihubs are the points with ``N_k = 0``, listed by index. Hub occurrence is
  the share of all ``n k`` neighbour slots taken by hubs.
- ``loo_knn_accuracy`` predicts each point's label by a majority vote of its k neighbours (itself
  excluded); a tied vote goes to the tied class whose member is nearest.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.exceptions import InputError, ParameterError
from core.knn import KnnGraph, knn_from_distance_matrix, knn_graph
from core.transform.hubness_reduction import _is_int, make_reducer

__all__ = [
    "HubnessReductionResult",
    "HubnessResult",
    "hubness_report",
    "k_occurrence",
    "loo_knn_accuracy",
    "reduce_hubness",
]

_DEFAULT_K = 10


def _as_graph(graph_or_X: Any, k: int, *, metric: str, method: str, random_state: Any) -> KnnGraph:
    """A k-column graph from a KnnGraph, an (n, d) embedding matrix or a precomputed (n, n) matrix."""
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
        raise ParameterError(f"k must be a positive integer; got {k!r}")
    if isinstance(graph_or_X, KnnGraph):
        graph = graph_or_X
        if graph.includes_self:
            raise ParameterError(
                "the graph includes each point as its own first neighbour; build it with exclude_self=True"
            )
        if k > graph.k:
            raise ParameterError(
                f"k={k} is larger than the graph's k={graph.k}; pass k<={graph.k} or build the graph "
                f"with at least {k} neighbours"
            )
        return graph.truncated(k)
    if metric == "precomputed":
        return knn_from_distance_matrix(graph_or_X, k)
    return knn_graph(graph_or_X, k, metric=metric, method=method, random_state=random_state)


def _occurrence(graph: KnnGraph) -> np.ndarray:
    return np.bincount(graph.indices.ravel(), minlength=graph.n).astype(np.int64)


def k_occurrence(graph_or_X: Any, k: int = _DEFAULT_K, *, metric: str = "cosine", method: str = "auto",
                 random_state: Any = 0) -> np.ndarray:
    """N_k: how many other points have each point among their k nearest neighbours.

    Parameters
    ----------
    graph_or_X : KnnGraph, array-like of shape (n, d), or (n, n) with ``metric="precomputed"``
        A neighbour graph (self excluded; its first ``k`` columns are used), embeddings, or a square
        matrix of (possibly secondary) distances.
    k : int
        Neighbourhood size.
    metric : {"cosine", "euclidean", "precomputed"}
        Distance for embeddings; ignored for a graph.
    method : {"auto", "exact", "hnsw"}
        kNN search for embeddings (see :func:`core.knn.knn_graph`).
    random_state : int, None or Generator
        Seeds an approximate search.

    Returns
    -------
    ndarray of shape (n,), int64
        ``N_k``; it sums to ``n k``.
    """
    return _occurrence(_as_graph(graph_or_X, k, metric=metric, method=method, random_state=random_state))


@dataclass(frozen=True, eq=False)
class HubnessResult:
    """Hubness measures of one neighbour graph (Radovanović et al. 2010; Feldbauer & Flexer 2019).

    Attributes
    ----------
    k, n : int
        Neighbourhood size and number of points.
    k_skewness : float
        Biased sample skewness of N_k (0 when N_k is constant).
    robin_hood : float
        ``½ Σ|N_k − k| / Σ N_k``, in [0, 1): the share of neighbour slots that would have to move to make
        every N_k equal to k.
    antihub_occurrence : float
        Fraction of points with N_k = 0.
    hub_occurrence : float
        Share of the ``n k`` neighbour slots taken by hubs (N_k ≥ ``hub_threshold``).
    hub_threshold : float
        ``hub_factor * k``.
    k_occurrence : ndarray of shape (n,), int64
        N_k of every point.
    hubs : ndarray of int64
        Indices of hubs, by decreasing N_k (ties by index).
    antihubs : ndarray of int64
        Indices of points with N_k = 0, ascending.
    histogram_values, histogram_counts : ndarray of int64
        ``histogram_counts[i]`` points have N_k = ``histogram_values[i]`` (values 0 … max N_k).
    metric, graph_method : str
        The graph's metric and search method; ``recall`` its estimated recall.
    """

    k: int
    n: int
    k_skewness: float
    robin_hood: float
    antihub_occurrence: float
    hub_occurrence: float
    hub_threshold: float
    k_occurrence: np.ndarray = field(repr=False)
    hubs: np.ndarray = field(repr=False)
    antihubs: np.ndarray = field(repr=False)
    histogram_values: np.ndarray = field(repr=False)
    histogram_counts: np.ndarray = field(repr=False)
    metric: str = "cosine"
    graph_method: str = "exact"
    recall: float = 1.0

    def __post_init__(self) -> None:
        for name in ("k_occurrence", "hubs", "antihubs", "histogram_values", "histogram_counts"):
            getattr(self, name).setflags(write=False)

    @property
    def measures(self) -> dict[str, float]:
        """The four scalar measures, by name."""
        return {"k_skewness": self.k_skewness, "robin_hood": self.robin_hood,
                "antihub_occurrence": self.antihub_occurrence, "hub_occurrence": self.hub_occurrence}

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary (JSON-ready), with N_k, hubs, antihubs and the histogram as lists."""
        return {
            "k": self.k, "n": self.n, **{key: float(v) for key, v in self.measures.items()},
            "hub_threshold": float(self.hub_threshold), "n_hubs": int(self.hubs.size),
            "n_antihubs": int(self.antihubs.size), "hubs": self.hubs.tolist(),
            "antihubs": self.antihubs.tolist(), "k_occurrence": self.k_occurrence.tolist(),
            "histogram": {"n_k": self.histogram_values.tolist(), "count": self.histogram_counts.tolist()},
            "metric": self.metric, "graph_method": self.graph_method, "recall": float(self.recall),
        }

    def to_frame(self) -> Any:
        """One row per point: ``index``, ``n_k`` and ``role`` ("hub", "antihub" or "")."""
        import pandas as pd

        role = np.full(self.n, "", dtype=object)
        role[self.hubs] = "hub"
        role[self.antihubs] = "antihub"
        return pd.DataFrame({"index": np.arange(self.n), "n_k": self.k_occurrence, "role": role})


def _measures(nk: np.ndarray, k: int, hub_factor: float) -> tuple[float, float, float, float, float]:
    from scipy.stats import skew

    total = nk.sum()  # = n k
    if nk.max() == nk.min():
        skewness = 0.0
    else:
        skewness = float(skew(nk.astype(np.float64), bias=True))
    robin_hood = float(0.5 * np.abs(nk - k).sum() / total)
    antihub = float(np.mean(nk == 0))
    threshold = hub_factor * k
    hub = float(nk[nk >= threshold].sum() / total)
    return skewness, robin_hood, antihub, hub, threshold


def hubness_report(graph_or_X: Any, k: int = _DEFAULT_K, *, metric: str = "cosine", method: str = "auto",
                   hub_factor: float = 2.0, random_state: Any = 0) -> HubnessResult:
    """k-occurrence and the hubness measures of the specification.

    Parameters
    ----------
    graph_or_X : KnnGraph, array-like of shape (n, d), or (n, n) with ``metric="precomputed"``
        As in :func:`k_occurrence`.
    k : int
        Neighbourhood size (default 10).
    metric, method, random_state
        As in :func:`k_occurrence`.
    hub_factor : float
        Hubs are points with ``N_k >= hub_factor * k`` (default 2).

    Returns
    -------
    HubnessResult
    """
    if isinstance(hub_factor, bool) or not isinstance(hub_factor, numbers.Real) or not hub_factor > 1:
        raise ParameterError(f"hub_factor must be a number greater than 1; got {hub_factor!r}")
    graph = _as_graph(graph_or_X, k, metric=metric, method=method, random_state=random_state)
    nk = _occurrence(graph)
    skewness, robin_hood, antihub, hub, threshold = _measures(nk, graph.k, float(hub_factor))
    hub_idx = np.flatnonzero(nk >= threshold)
    hub_idx = hub_idx[np.lexsort((hub_idx, -nk[hub_idx]))]
    counts = np.bincount(nk)
    return HubnessResult(
        k=graph.k, n=graph.n, k_skewness=skewness, robin_hood=robin_hood, antihub_occurrence=antihub,
        hub_occurrence=hub, hub_threshold=threshold, k_occurrence=nk, hubs=hub_idx.astype(np.int64),
        antihubs=np.flatnonzero(nk == 0).astype(np.int64),
        histogram_values=np.arange(counts.size, dtype=np.int64), histogram_counts=counts.astype(np.int64),
        metric=graph.metric, graph_method=graph.method, recall=graph.recall,
    )


def loo_knn_accuracy(graph: KnnGraph, labels: Any, *, k: int | None = None) -> float:
    """Leave-one-out k-nearest-neighbour classification accuracy.

    Each point's label is predicted by a majority vote of its ``k`` nearest neighbours in ``graph``
    (the point itself excluded); a tie goes to the tied class whose member comes first in the
    neighbour list, i.e. is nearest.

    Parameters
    ----------
    graph : KnnGraph
        Neighbour graph with self excluded, by primary or secondary distance.
    labels : array-like of shape (n,)
        Any hashable labels (strings, ints); missing values are not allowed.
    k : int, optional
        Number of voting neighbours; default the graph's k.

    Returns
    -------
    float
        Share of points whose predicted label equals their own.
    """
    if not isinstance(graph, KnnGraph):
        raise ParameterError(f"graph must be a KnnGraph; got {type(graph).__name__}")
    g = _as_graph(graph, graph.k if k is None else k, metric="cosine", method="exact", random_state=0)
    codes = _label_codes(labels, g.n)
    n_classes = int(codes.max()) + 1
    neighbour_codes = codes[g.indices]
    correct = 0
    step = max(1, 4_000_000 // max(n_classes, 1))
    for start in range(0, g.n, step):
        nc = neighbour_codes[start:start + step]
        counts = np.zeros((nc.shape[0], n_classes), dtype=np.int64)
        np.add.at(counts, (np.arange(nc.shape[0])[:, None], nc), 1)
        at = np.take_along_axis(counts, nc, axis=1)
        first_best = np.argmax(at == at.max(axis=1, keepdims=True), axis=1)
        predicted = nc[np.arange(nc.shape[0]), first_best]
        correct += int(np.sum(predicted == codes[start:start + step]))
    return correct / g.n


def _label_codes(labels: Any, n: int) -> np.ndarray:
    import pandas as pd

    values = labels.to_numpy() if hasattr(labels, "to_numpy") else np.asarray(labels, dtype=object)
    if values.ndim != 1 or values.shape[0] != n:
        raise InputError(f"labels must be a 1-D sequence with one label per point (n={n}); got shape {values.shape}")
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    if (codes < 0).any():
        bad = np.flatnonzero(codes < 0)
        raise InputError(f"labels has {bad.size} missing value(s) (first at {bad[:5].tolist()}); "
                         "drop those points or give them a label")
    return codes.astype(np.int64)


# --------------------------------------------------------------------------- before / after a reduction


@dataclass(frozen=True, eq=False)
class HubnessReductionResult:
    """Hubness before and after one reduction, and kNN accuracy when labels were given.

    Attributes
    ----------
    method : str
        Reduction name (a key of :data:`REDUCTIONS`).
    k : int
        Neighbourhood size of the measures and of the kNN vote.
    metric : str
        Primary distance.
    before, after : HubnessResult
        Measures on the primary and on the secondary kNN graph.
    accuracy_before, accuracy_after : float or None
        Leave-one-out kNN classification accuracy (None without labels).
    approximate : bool
        True when the secondary distances were computed on a kNN candidate graph.
    n_candidates : int or None
        Candidates per point in that case.
    primary_graph, secondary_graph : KnnGraph
    params : dict
        The estimator's parameters.
    """

    method: str
    k: int
    metric: str
    before: HubnessResult
    after: HubnessResult
    accuracy_before: float | None
    accuracy_after: float | None
    approximate: bool
    n_candidates: int | None
    primary_graph: KnnGraph
    secondary_graph: KnnGraph
    params: dict

    @property
    def note(self) -> str:
        """One sentence on how the secondary distances were computed."""
        if not self.approximate:
            return f"{self.method}: exact, from the full {self.before.n}×{self.before.n} distance matrix."
        g = self.primary_graph
        search = "exact search" if g.method == "exact" else f"HNSW, estimated recall {g.recall:.3f}"
        return (f"{self.method}: kNN-graph approximation on the {self.n_candidates} nearest candidates of "
                f"each point ({search}); neighbours outside the candidates are not considered.")

    def to_frame(self) -> Any:
        """One row per measure: ``measure``, ``before``, ``after``, ``change`` (after - before)."""
        import pandas as pd

        rows = [(name, self.before.measures[name], self.after.measures[name]) for name in self.before.measures]
        if self.accuracy_before is not None:
            rows.append(("knn_accuracy", self.accuracy_before, self.accuracy_after))
        frame = pd.DataFrame(rows, columns=["measure", "before", "after"])
        frame["change"] = frame["after"] - frame["before"]
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary (JSON-ready)."""
        return {
            "method": self.method, "k": self.k, "metric": self.metric, "approximate": self.approximate,
            "n_candidates": self.n_candidates, "note": self.note,
            "before": self.before.to_dict(), "after": self.after.to_dict(),
            "accuracy_before": self.accuracy_before, "accuracy_after": self.accuracy_after,
            "params": {key: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v))
                       for key, v in self.params.items()},
        }


def reduce_hubness(X: Any, method: str = "mp_gaussian", k: int = 10, *, labels: Any = None,
                   metric: str = "cosine", approximate: bool | None = None, n_candidates: int = 100,
                   knn_method: str = "auto", random_state: Any = 0,
                   params: dict | None = None, primary_graph: Any = None) -> HubnessReductionResult:
    """Apply one hubness reduction and measure hubness (and kNN accuracy) before and after.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Embeddings.
    method : str
        One of :data:`REDUCTIONS`. The default, Gaussian mutual proximity, is bounded, symmetric and
        O(n^2) as a full matrix (the empirical variant is O(n^3)).
    k : int
        Neighbourhood size for the measures and the kNN vote (10).
    labels : array-like of shape (n,), optional
        Class labels; gives leave-one-out kNN accuracy by primary and by secondary distance.
    metric, approximate, n_candidates, knn_method, random_state
        As in the estimators.
    params : dict, optional
        Further estimator parameters, e.g. ``{"k": 5}`` for the reduction's own neighbourhood.
    primary_graph : KnnGraph, optional
        The kNN graph of ``X`` (at least ``k`` neighbours, :func:`core.knn.knn_graph`) that the
        "before" measures use, when the caller has it already (the pipeline's pooled graph); default:
        the reduction's own candidate graph when approximate, else an exact graph built here.

    Returns
    -------
    HubnessReductionResult
    """
    reducer = make_reducer(method, metric=metric, approximate=approximate, n_candidates=n_candidates,
                           knn_method=knn_method, random_state=random_state, **(params or {}))
    if not _is_int(k) or k < 1:
        raise ParameterError(f"k must be a positive integer; got {k!r}")
    reducer.fit(X)
    n = reducer.n_samples_fit_
    if k >= n:
        raise ParameterError(f"k={k} must be smaller than the number of points n={n}")
    if reducer.approximate_ and k > reducer.n_candidates_:
        raise ParameterError(f"k={k} must be at most n_candidates={reducer.n_candidates_}")
    if primary_graph is not None:
        if primary_graph.n != n or primary_graph.k < k:
            raise ParameterError(f"primary_graph must hold at least k={k} neighbours of each of the {n} "
                                 f"points; it has {primary_graph.k} of {primary_graph.n}")
        primary = primary_graph.truncated(k)  # the graph itself when it has exactly k
    elif reducer.approximate_:
        primary = reducer.graph_.truncated(k)
    else:
        primary = knn_graph(X, k, metric=metric, method="exact")
    secondary = reducer.secondary_knn(k)
    acc_before = acc_after = None
    if labels is not None:
        acc_before = loo_knn_accuracy(primary, labels)
        acc_after = loo_knn_accuracy(secondary, labels)
    return HubnessReductionResult(
        method=method, k=k, metric=metric, before=hubness_report(primary, k),
        after=hubness_report(secondary, k), accuracy_before=acc_before, accuracy_after=acc_after,
        approximate=reducer.approximate_, n_candidates=reducer.n_candidates_, primary_graph=primary,
        secondary_graph=secondary, params=reducer.get_params(),
    )
