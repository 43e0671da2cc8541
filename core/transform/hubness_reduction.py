"""Hubness reduction: secondary distances that make neighbourhoods more symmetric.

Sources: Schnitzer, Flexer, Schedl & Widmer, "Local and global scaling reduce hubs in space", JMLR
2012 (mutual proximity, local scaling, NICDM); Zelnik-Manor & Perona, "Self-tuning spectral
clustering", NIPS 2004 (local scaling); Conneau et al., "Word translation without parallel data",
ICLR 2018 (CSLS); Hara, Suzuki, Kobayashi, Fukumizu & Radovanović, "Flattening the density gradient
for eliminating spatial centrality to reduce hubness", AAAI 2016 (DisSimLocal); Nielsen & Hansen,
"Hubness reduction improves sentence-BERT semantic spaces" (the case for doing this on sentence
embeddings).

With ``d`` the primary distance (cosine ``1 - cos`` or Euclidean) and every neighbourhood excluding
the point itself:

=================  ======================================================  ===========================
method             secondary distance                                      statistic per point
=================  ======================================================  ===========================
``mp_empirical``   ``|{j : d(x,j) <= d or d(y,j) <= d}| / n``               none
``mp_gaussian``    ``1 - SF(d; mu_x, s_x) SF(d; mu_y, s_y)``                mean, sd of d to the others
``local_scaling``  ``1 - exp(-d^2 / (r_x r_y))``                            d to the k-th NN (k = 7)
``nicdm``          ``d / sqrt(r_x r_y)``                                    mean d to the k NN (k = 7)
``csls``           ``2 d - r_x - r_y``                                      mean d to the k NN (k = 10)
``dissim_local``   ``|x-y|^2 - |x-c_x|^2 - |y-c_y|^2``                      c = mean of the k NN
=================  ======================================================  ===========================

The empirical mutual proximity above is the specification's ``1 - #{j : d(x,j) > d and d(y,j) > d} / n``
rewritten by complement (it counts the points inside either ball of radius d). Its smallest value for
two distinct points is 2/n (x and y are always inside); we keep the specification's denominator n (the
hub-toolbox's sparse variant divides by the number of points other than x and y instead).

Choices where the specification is silent, documented here:

- Transductive estimators. ``fit(X)`` learns every point's statistic from X itself; ``transform``
  gives the secondary distances among the fitted points only (passing other data raises). To compare
  corpora, fit on all of them together.
- Full matrix vs kNN graph. Up to ``max_full_n`` points (10,000; 2,000 for ``mp_empirical``, whose
  full matrix costs O(n^3)) the primary distances are computed exactly in float64, row block by row
  block, and ``transform`` returns the (n, n) secondary matrix. Above it (or with
  ``approximate=True``) each point gets ``n_candidates`` (100) nearest candidates from
  :func:`core.knn.knn_graph`; the statistics come from the candidates' float64 distances and
  ``transform`` returns a :class:`~core.knn.KnnGraph` of the candidates re-ranked by secondary
  distance. Neighbours outside the candidates are never considered; ``approximate_`` and
  ``n_candidates_`` say so, and the graph's ``params`` record it.
- Mutual proximity on the graph. Gaussian: mean and sd must describe each point's distances to ALL
  points (the candidates' own distances would be biased low; scikit-hubness uses them). With the
  cosine metric they are computed exactly in closed form from the mean row and the scatter matrix
  (O(n d^2) time, O(d^2) extra memory; added for issue 8, because a sample of 2,000 left the
  secondary 10-NN only 95% equal to the full matrix's at n = 3,000, and 87% with 500). With the
  Euclidean metric (a mean of square roots has no closed form) they come from a seeded sample of
  ``n_reference`` (default 2,000) points. Empirical: for a candidate y of x at distance d, the ball
  of x is known exactly from x's candidates, and so is the ball of y when d is within y's candidate
  radius; the value then equals the full-matrix one. Otherwise the size of y's ball is estimated as
  n times the share of y's distances to the ``n_reference`` sample (default 2,000) that are <= d
  (from a 65-quantile table per point, linearly
  interpolated), and never below the members actually found (y's candidates and those of x's ball
  within d of y, whose distances are computed directly).
- Degenerate statistics. A radius r = 0 (a point with at least k exact duplicates) is floored at
  1e-150, so its duplicates stay at secondary distance 0 and every other point at the largest value;
  a zero sd is floored at 1e-12 times the mean distance. Both are documented limits, not NaN.
- Diagonals. A full matrix's diagonal holds its formula at d = 0 (0 for local scaling and NICDM;
  ``-2 r_x`` for CSLS and DisSimLocal, which are differences of distances and can be negative;
  ``(1 + number of exact duplicates) / n`` for empirical MP). Neighbour graphs always exclude the
  point itself, by index, so exact duplicates remain each other's neighbours. DisSimLocal uses squared Euclidean distances of the unit vectors
  (``2 d``) under the cosine metric. CSLS is defined by Conneau et al. on cosine; with
  ``metric="euclidean"`` the same formula is applied to L2 distances.
- Full matrices are symmetrised, ``(S + S^T) / 2``, to remove last-digit differences of x.y vs y.x.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from core.exceptions import ParameterError
from core.knn import (
    KNN_METHODS,
    KNN_METRICS,
    KnnGraph,
    _block_topk,
    _knn_graph_and_distances,
    _unit_rows,
    check_embeddings,
)
from core.transform._reduction_kernels import (
    _BLOCK_ELEMENTS,
    _FLOOR,
    _cosine_moments,
    _distance_block,
    _full_knn,
    _moments,
    _mp_full,
    _mp_graph,
    _quantiles,
    _row_blocks,
)
from core.transform.estimator import check_fitted, no_sample_weight

__all__ = [
    "CSLS",
    "NICDM",
    "REDUCTIONS",
    "DisSimLocal",
    "LocalScaling",
    "MutualProximity",
    "csls",
    "dissim_local",
    "local_scaling",
    "make_reducer",
    "mutual_proximity",
    "nicdm",
]

_DEFAULT_N_REFERENCE = 2000


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


# --------------------------------------------------------------------------- estimators


class _HubnessReducer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Shared fitting, validation and output of the reductions; subclasses define the formula.

    Output wrapping (``set_output``) is off: ``transform`` returns a distance matrix or a graph, not
    features.
    """

    name = ""
    _default_full_max_n = 10_000

    # -- subclass hooks
    def _k(self) -> int:
        return 0

    def _check_own_params(self) -> None:
        k = getattr(self, "k", None)
        if k is not None and (not _is_int(k) or k < 1):
            raise ParameterError(f"k must be a positive integer; got {k!r}")

    def _fit_full(self, Xf: np.ndarray, sq: np.ndarray) -> None:
        I, D = _full_knn(Xf, sq, self._k(), self.metric)
        self._set_knn_stats(Xf, I, D)

    def _fit_graph(self, Xf: np.ndarray) -> None:
        k = self._k()
        self._set_knn_stats(Xf, self.candidate_indices_[:, :k], self.candidate_distances_[:, :k])

    def _set_knn_stats(self, Xf: np.ndarray, I: np.ndarray, D: np.ndarray) -> None:
        raise NotImplementedError

    def _secondary(self, D: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- validation
    def _check_params(self) -> None:
        if self.metric not in KNN_METRICS:
            raise ParameterError(f"metric must be one of {', '.join(map(repr, KNN_METRICS))}; got {self.metric!r}")
        if self.approximate not in (None, True, False):
            raise ParameterError(f"approximate must be None (decide by size), True or False; got {self.approximate!r}")
        if self.max_full_n is not None and (not _is_int(self.max_full_n) or self.max_full_n < 2):
            raise ParameterError(f"max_full_n must be an integer >= 2 or None; got {self.max_full_n!r}")
        if not _is_int(self.n_candidates) or self.n_candidates < 1:
            raise ParameterError(f"n_candidates must be a positive integer; got {self.n_candidates!r}")
        if self.knn_method not in KNN_METHODS:
            raise ParameterError(f"knn_method must be one of {', '.join(map(repr, KNN_METHODS))}; "
                                 f"got {self.knn_method!r}")
        self._check_own_params()

    # -- API
    def fit(self, X: Any, y: Any = None, *, sample_weight: Any = None) -> _HubnessReducer:
        """Learn each point's neighbourhood statistic from ``X`` (n, d); returns ``self``. ``y`` is
        ignored; ``sample_weight`` must stay None (every point counts once)."""
        no_sample_weight(self, sample_weight)
        self._check_params()
        arr = check_embeddings(X, metric=self.metric)
        n = arr.shape[0]
        k = self._k()
        if k >= n:
            raise ParameterError(f"k={k} must be smaller than the number of points n={n}")
        Xf = _unit_rows(arr) if self.metric == "cosine" else np.array(arr, dtype=np.float64)
        limit = self._default_full_max_n if self.max_full_n is None else self.max_full_n
        self.approximate_ = bool(n > limit) if self.approximate is None else bool(self.approximate)
        self.X_fit_ = Xf
        self.n_features_in_ = arr.shape[1]
        self.n_samples_fit_ = n
        if self.approximate_:
            c = min(self.n_candidates, n - 1)
            if c < k:
                raise ParameterError(f"n_candidates={self.n_candidates} must be at least k={k}")
            self.n_candidates_ = c
            # the float64 distances of the candidates come with the graph (the same _pair_distances
            # of the same unit rows), so they are not computed a second time
            self.graph_, D = _knn_graph_and_distances(arr, c, metric=self.metric, method=self.knn_method,
                                                      random_state=self.random_state)
            # rows are ascending in these float64 values (knn sorted them stably): the kernels rely on it
            order = np.argsort(D, axis=1, kind="stable")
            self.candidate_indices_ = np.take_along_axis(self.graph_.indices, order, axis=1)
            self.candidate_distances_ = np.take_along_axis(D, order, axis=1)
            self._fit_graph(Xf)
        else:
            self.n_candidates_ = None
            self.graph_ = self.candidate_indices_ = self.candidate_distances_ = None
            self._fit_full(Xf, np.einsum("ij,ij->i", Xf, Xf))
        return self

    def _check_same(self, X: Any) -> None:
        check_fitted(self, "X_fit_", f"this {type(self).__name__} is not fitted yet; call fit(X) first")
        if X is None:
            return
        arr = check_embeddings(X, metric=self.metric)
        Xf = _unit_rows(arr) if self.metric == "cosine" else np.asarray(arr, dtype=np.float64)
        if Xf.shape != self.X_fit_.shape or not np.array_equal(Xf, self.X_fit_):
            raise ParameterError(
                "transform only accepts the data given to fit (or None): hubness reduction is transductive, "
                "every point's statistic comes from the fitted set; fit on all documents together"
            )

    def _graph(self, I: np.ndarray, D: np.ndarray) -> KnnGraph:
        base = self.graph_
        params = {"reduction": self.name, "approximate": self.approximate_, "n_candidates": self.n_candidates_}
        params.update(self._extra_params())
        return KnnGraph(indices=np.ascontiguousarray(I, dtype=np.int64),
                        distances=np.ascontiguousarray(D, dtype=np.float32),
                        metric=f"{self.name}({self.metric})", method="exact" if base is None else base.method,
                        k=I.shape[1], n=I.shape[0], recall=1.0 if base is None else base.recall,
                        recall_sample=0 if base is None else base.recall_sample, params=params)

    def _extra_params(self) -> dict:
        return {}

    def _candidate_secondary(self) -> np.ndarray:
        n = self.n_samples_fit_
        return self._secondary(self.candidate_distances_, np.arange(n), self.candidate_indices_)

    def transform(self, X: Any = None) -> np.ndarray | KnnGraph:
        """Secondary distances among the fitted points.

        Parameters
        ----------
        X : None or the array given to ``fit``

        Returns
        -------
        ndarray of shape (n, n), float64
            The symmetric secondary distance matrix (full-matrix mode), or
        KnnGraph
            each point's ``n_candidates_`` candidates re-ranked by secondary distance (graph mode).
        """
        self._check_same(X)
        if self.approximate_:
            S = self._candidate_secondary()
            order = np.argsort(S, axis=1, kind="stable")
            return self._graph(np.take_along_axis(self.candidate_indices_, order, axis=1),
                               np.take_along_axis(S, order, axis=1))
        return self._full_matrix()

    def _full_matrix(self) -> np.ndarray:
        Xf, n = self.X_fit_, self.n_samples_fit_
        sq = np.einsum("ij,ij->i", Xf, Xf)
        S = np.empty((n, n))
        cols = np.arange(n)
        for start in _row_blocks(n):
            stop = min(n, start + max(1, _BLOCK_ELEMENTS // n))
            S[start:stop] = self._secondary(_distance_block(Xf, sq, start, stop, self.metric),
                                            np.arange(start, stop), cols)
        _symmetrise(S)
        return S

    def secondary_knn(self, k: int = 10) -> KnnGraph:
        """The k nearest other points of each fitted point by secondary distance.

        In full-matrix mode this works block by block and never holds the (n, n) matrix.
        """
        self._check_same(None)
        n = self.n_samples_fit_
        limit = self.n_candidates_ if self.approximate_ else n - 1
        if not _is_int(k) or not 1 <= k <= limit:
            raise ParameterError(f"k must be an integer between 1 and {limit}"
                                 f"{' (n_candidates)' if self.approximate_ else ' (n - 1)'}; got {k!r}")
        if self.approximate_:
            S = self._candidate_secondary()
            order = np.argsort(S, axis=1, kind="stable")[:, :k]
            return self._graph(np.take_along_axis(self.candidate_indices_, order, axis=1),
                               np.take_along_axis(S, order, axis=1))
        if isinstance(self, MutualProximity) and self.method == "empirical":
            S = self._full_matrix()
            I = np.empty((n, k), dtype=np.int64)
            D = np.empty((n, k))
            for start in _row_blocks(n):
                stop = min(n, start + max(1, _BLOCK_ELEMENTS // n))
                I[start:stop], D[start:stop] = _block_topk(S[start:stop], np.arange(start, stop), k)
            return self._graph(I, D)
        Xf = self.X_fit_
        sq = np.einsum("ij,ij->i", Xf, Xf)
        cols = np.arange(n)
        I = np.empty((n, k), dtype=np.int64)
        D = np.empty((n, k))
        for start in _row_blocks(n):
            stop = min(n, start + max(1, _BLOCK_ELEMENTS // n))
            rows = np.arange(start, stop)
            S = self._secondary(_distance_block(Xf, sq, start, stop, self.metric), rows, cols)
            I[start:stop], D[start:stop] = _block_topk(S, rows, k)
        return self._graph(I, D)


def _symmetrise(S: np.ndarray) -> None:
    n = S.shape[0]
    step = max(1, int(np.sqrt(_BLOCK_ELEMENTS)))
    for i in range(0, n, step):
        for j in range(i, n, step):
            a = S[i:i + step, j:j + step]
            b = S[j:j + step, i:i + step]
            avg = 0.5 * (a + b.T)
            S[i:i + step, j:j + step] = avg
            S[j:j + step, i:i + step] = avg.T


def _pair_stat(stat: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return stat[rows][:, None], stat[cols] if cols.ndim == 2 else stat[cols][None, :]


class MutualProximity(_HubnessReducer):
    """Mutual proximity (Schnitzer et al. 2012): how unlikely a third point is nearer to both.

    Parameters
    ----------
    method : {"empirical", "gaussian"}
        Count the other points (exact, O(n^3) as a full matrix) or model each point's distances as a
        normal distribution.
    metric : {"cosine", "euclidean"}
    approximate : bool or None
        Force or forbid the kNN-graph version; None decides by ``max_full_n``.
    max_full_n : int, optional
        Largest n computed as a full matrix (default 2,000 empirical, 10,000 Gaussian).
    n_candidates : int
        Candidates per point in the graph version (100).
    n_reference : int or None
        Graph version only: points sampled to estimate each point's distance distribution (the
        Gaussian's mean and sd, or the empirical quantiles). None (default): for the Gaussian with the
        cosine metric, the exact moments over all points (closed form, O(n d^2)); otherwise a sample
        of 2,000.
    knn_method : {"auto", "exact", "hnsw"}
        Candidate search (:func:`core.knn.knn_graph`).
    random_state : int, None or Generator

    Attributes
    ----------
    approximate_ : bool
    n_candidates_ : int or None
    mu_, sigma_ : ndarray of shape (n,)
        Gaussian only: mean and sd of each point's distances.
    n_reference_ : int or None
        Gaussian only: points the moments were estimated from.
    graph_ : KnnGraph or None
        Candidate graph in graph mode.
    """

    def __init__(self, *, method: str = "empirical", metric: str = "cosine", approximate: bool | None = None,
                 max_full_n: int | None = None, n_candidates: int = 100, n_reference: int | None = None,
                 knn_method: str = "auto", random_state: Any = 0) -> None:
        self.method = method
        self.metric = metric
        self.approximate = approximate
        self.max_full_n = max_full_n
        self.n_candidates = n_candidates
        self.n_reference = n_reference
        self.knn_method = knn_method
        self.random_state = random_state

    @property
    def name(self) -> str:  # type: ignore[override]
        return "mp_empirical" if self.method == "empirical" else "mp_gaussian"

    @property
    def _default_full_max_n(self) -> int:  # type: ignore[override]
        return 2_000 if self.method == "empirical" else 10_000

    def _check_own_params(self) -> None:
        if self.method not in ("empirical", "gaussian"):
            raise ParameterError(f"method must be 'empirical' or 'gaussian'; got {self.method!r}")
        if self.n_reference is not None and (not _is_int(self.n_reference) or self.n_reference < 2):
            raise ParameterError(f"n_reference must be an integer >= 2 (or None); got {self.n_reference!r}")

    def _extra_params(self) -> dict:
        return {"n_reference": getattr(self, "n_reference_", None)}

    def _fit_full(self, Xf: np.ndarray, sq: np.ndarray) -> None:
        self.n_reference_ = None
        if self.method == "gaussian":
            self.mu_, self.sigma_ = _moments(Xf, np.arange(Xf.shape[0]), self.metric)

    def _fit_graph(self, Xf: np.ndarray) -> None:
        n = Xf.shape[0]
        if self.n_reference is None and self.method == "gaussian" and self.metric == "cosine":
            # exact moments over all points in O(n d^2), no sample needed (see _cosine_moments)
            self.n_reference_ = n
            self.mu_, self.sigma_ = _cosine_moments(Xf)
            return
        size = _DEFAULT_N_REFERENCE if self.n_reference is None else self.n_reference
        rng = np.random.default_rng(self.random_state)
        reference = np.arange(n) if size >= n else np.sort(rng.choice(n, size=size, replace=False))
        self.n_reference_ = int(reference.size)
        if self.method == "gaussian":
            self.mu_, self.sigma_ = _moments(Xf, reference, self.metric)
        else:
            self.quantiles_ = _quantiles(Xf, reference, self.metric)

    def _secondary(self, D: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        if self.method == "empirical":
            return self._empirical(D, rows, cols)
        from scipy.special import ndtr

        mu_x, mu_y = _pair_stat(self.mu_, rows, cols)
        sd_x, sd_y = _pair_stat(self.sigma_, rows, cols)
        # 1 - SF_x SF_y written as CDF_x + CDF_y - CDF_x CDF_y: no cancellation for close pairs (where
        # both CDFs are tiny) and exactly symmetric in x and y
        cx = ndtr((D - mu_x) / sd_x)
        cy = ndtr((D - mu_y) / sd_y)
        return np.clip(cx + cy - cx * cy, 0.0, 1.0)

    def _empirical(self, D: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        if self.approximate_:
            return _mp_graph(self.candidate_indices_, np.ascontiguousarray(D), self.X_fit_,
                             self.quantiles_, self.metric == "cosine")
        return _mp_full(D)

    def _full_matrix(self) -> np.ndarray:
        if self.method == "gaussian":
            return super()._full_matrix()
        Xf, n = self.X_fit_, self.n_samples_fit_
        sq = np.einsum("ij,ij->i", Xf, Xf)
        D = np.empty((n, n))
        for start in _row_blocks(n):
            stop = min(n, start + max(1, _BLOCK_ELEMENTS // n))
            D[start:stop] = _distance_block(Xf, sq, start, stop, self.metric)
        _symmetrise(D)
        return self._empirical(D, np.arange(n), np.arange(n))


class LocalScaling(_HubnessReducer):
    """Local scaling (Zelnik-Manor & Perona 2004; Schnitzer et al. 2012): ``1 - exp(-d^2 / (r_x r_y))``.

    ``r`` is the distance to the k-th nearest neighbour (k = 7). Other parameters as in
    :class:`MutualProximity`. Learned: ``r_`` (n,).
    """

    name = "local_scaling"

    def __init__(self, *, k: int = 7, metric: str = "cosine", approximate: bool | None = None,
                 max_full_n: int | None = None, n_candidates: int = 100, knn_method: str = "auto",
                 random_state: Any = 0) -> None:
        self.k = k
        self.metric = metric
        self.approximate = approximate
        self.max_full_n = max_full_n
        self.n_candidates = n_candidates
        self.knn_method = knn_method
        self.random_state = random_state

    def _k(self) -> int:
        return int(self.k)

    def _set_knn_stats(self, Xf: np.ndarray, I: np.ndarray, D: np.ndarray) -> None:
        self.r_ = np.maximum(D[:, -1], _FLOOR)

    def _secondary(self, D: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        rx, ry = _pair_stat(self.r_, rows, cols)
        return -np.expm1(-(D * D) / (rx * ry))


class NICDM(LocalScaling):
    """Non-iterative contextual dissimilarity measure (Schnitzer et al. 2012): ``d / sqrt(r_x r_y)``.

    ``r`` is the mean distance to the k nearest neighbours (k = 7). Learned: ``r_`` (n,).
    """

    name = "nicdm"

    def _set_knn_stats(self, Xf: np.ndarray, I: np.ndarray, D: np.ndarray) -> None:
        self.r_ = np.maximum(D.mean(axis=1), _FLOOR)

    def _secondary(self, D: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        rx, ry = _pair_stat(self.r_, rows, cols)
        return D / np.sqrt(rx * ry)


class CSLS(LocalScaling):
    """Cross-domain similarity local scaling (Conneau et al. 2018) as a distance: ``2 d - r_x - r_y``.

    ``r`` is the mean distance to the k nearest neighbours (k = 10); equals ``-CSLS`` of the paper's
    cosine-similarity form plus 0. Learned: ``r_`` (n,).
    """

    name = "csls"

    def __init__(self, *, k: int = 10, metric: str = "cosine", approximate: bool | None = None,
                 max_full_n: int | None = None, n_candidates: int = 100, knn_method: str = "auto",
                 random_state: Any = 0) -> None:
        super().__init__(k=k, metric=metric, approximate=approximate, max_full_n=max_full_n,
                         n_candidates=n_candidates, knn_method=knn_method, random_state=random_state)

    def _set_knn_stats(self, Xf: np.ndarray, I: np.ndarray, D: np.ndarray) -> None:
        self.r_ = D.mean(axis=1)

    def _secondary(self, D: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        rx, ry = _pair_stat(self.r_, rows, cols)
        return 2.0 * D - rx - ry


class DisSimLocal(CSLS):
    """DisSimLocal (Hara et al. 2016): ``|x - y|^2 - |x - c_x|^2 - |y - c_y|^2``.

    ``c_x`` is the mean of x's k nearest neighbours (k = 10), x excluded; unit vectors under the cosine
    metric. Learned: ``q_`` (n,), the squared distance of each point to its local centroid.
    """

    name = "dissim_local"

    def _set_knn_stats(self, Xf: np.ndarray, I: np.ndarray, D: np.ndarray) -> None:
        q = np.empty(Xf.shape[0])
        step = max(1, 8_000_000 // (I.shape[1] * Xf.shape[1]))
        for start in range(0, Xf.shape[0], step):
            centroid = Xf[I[start:start + step]].mean(axis=1)
            diff = Xf[start:start + step] - centroid
            q[start:start + step] = np.einsum("ij,ij->i", diff, diff)
        self.q_ = q

    def _secondary(self, D: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        qx, qy = _pair_stat(self.q_, rows, cols)
        squared = 2.0 * D if self.metric == "cosine" else D * D
        return squared - qx - qy


REDUCTIONS: dict[str, tuple[type, dict]] = {
    "mp_empirical": (MutualProximity, {"method": "empirical"}),
    "mp_gaussian": (MutualProximity, {"method": "gaussian"}),
    "local_scaling": (LocalScaling, {}),
    "nicdm": (NICDM, {}),
    "csls": (CSLS, {}),
    "dissim_local": (DisSimLocal, {}),
}


def make_reducer(name: str, **params: Any) -> _HubnessReducer:
    """The reduction estimator called ``name`` (a key of :data:`REDUCTIONS`) with ``params``."""
    if name not in REDUCTIONS:
        raise ParameterError(f"unknown hubness reduction {name!r}; choose one of: {', '.join(REDUCTIONS)}")
    cls, fixed = REDUCTIONS[name]
    clash = sorted(set(fixed) & set(params))
    if clash:
        raise ParameterError(f"{name!r} fixes {clash}; use the other mutual proximity name instead")
    try:
        return cls(**fixed, **params)
    except TypeError as exc:
        raise ParameterError(f"invalid parameter for {name!r}: {exc}") from exc


# --------------------------------------------------------------------------- function twins


def mutual_proximity(X: Any, *, method: str = "empirical", **params: Any) -> np.ndarray | KnnGraph:
    """``MutualProximity(method=method, **params).fit_transform(X)``."""
    return MutualProximity(method=method, **params).fit_transform(X)


def local_scaling(X: Any, *, k: int = 7, **params: Any) -> np.ndarray | KnnGraph:
    """``LocalScaling(k=k, **params).fit_transform(X)``."""
    return LocalScaling(k=k, **params).fit_transform(X)


def nicdm(X: Any, *, k: int = 7, **params: Any) -> np.ndarray | KnnGraph:
    """``NICDM(k=k, **params).fit_transform(X)``."""
    return NICDM(k=k, **params).fit_transform(X)


def csls(X: Any, *, k: int = 10, **params: Any) -> np.ndarray | KnnGraph:
    """``CSLS(k=k, **params).fit_transform(X)``."""
    return CSLS(k=k, **params).fit_transform(X)


def dissim_local(X: Any, *, k: int = 10, **params: Any) -> np.ndarray | KnnGraph:
    """``DisSimLocal(k=k, **params).fit_transform(X)``."""
    return DisSimLocal(k=k, **params).fit_transform(X)
