"""2-D maps of embedding spaces with UMAP: one seeded fit shared by all corpora.

Source: McInnes, Healy, Melville, "UMAP: Uniform Manifold Approximation and Projection for Dimension
Reduction", arXiv:1802.03426 (umap-learn). Trustworthiness: Venna & Kaski 2001, as implemented in
``sklearn.manifold.trustworthiness``.

All corpora are stacked and fitted together, so positions are comparable across corpora; the kNN
graph comes from the same backend as hubness (:func:`core.knn.knn_graph`, faiss) and is handed to
umap-learn through ``precomputed_knn``, so it is computed once for both.

Choices where the specification is silent, documented here:

- ``n_neighbors`` counts the point itself, as in umap-learn; the shared graph therefore needs
  ``k >= n_neighbors - 1`` (self excluded) and is converted with ``KnnGraph.for_umap``.
- ``knn=None`` computes the graph here with :func:`core.knn.knn_graph`; ``knn="umap"`` lets umap-learn
  compute its own (pynndescent, or exact distances below 4,096 points), which is what the benchmark
  compares against.
- Above ``sample_threshold`` points (default 50,000) UMAP is fitted on a seeded sample of
  ``sample_size`` points (default ``sample_threshold``) and the other points are placed with
  ``UMAP.transform``. umap-learn can only transform with its own search index, so the sampled fit
  computes its own kNN graph on the sample and a shared graph, if given, is not used (a
  :class:`~core.exceptions.CorpusCompassWarning` says so). The result records which path was taken.
- Seeding: ``random_state`` fixes umap-learn's generator (which also makes it single-threaded, as
  umap-learn requires for reproducibility) and ``transform_seed``; the sample is drawn with numpy's
  ``default_rng(random_state)``. Results are reproducible on one machine; umap-learn does not promise
  bit-identical layouts across platforms or library versions.
- Trustworthiness is computed on a seeded sample (default 2,000 points) with the high-dimensional
  metric of the map; the neighbourhoods are those within the sample.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from core.exceptions import CorpusCompassWarning, InputError, InsufficientDataError, ParameterError

__all__ = ["PROJECTION_METRICS", "Projection", "project_corpora", "trustworthiness", "umap_projection"]

PROJECTION_METRICS = ("cosine", "euclidean")
DEFAULT_SAMPLE_THRESHOLD = 50_000
_MIN_POINTS = 5


@dataclass(frozen=True, eq=False)
class Projection:
    """A 2-D UMAP map of ``n`` points.

    Attributes
    ----------
    coords : ndarray of shape (n, 2), float32
    n : int
    n_neighbors : int
        umap-learn's ``n_neighbors`` (the point itself included).
    min_dist : float
    metric : str
    random_state : int
    knn_source : str
        ``"shared"`` (a graph passed by the caller), ``"core.knn"`` (computed here with faiss) or
        ``"umap"`` (umap-learn's own search).
    precomputed_knn : bool
        Whether a precomputed kNN graph was handed to umap-learn.
    sampled : bool
        Whether UMAP was fitted on a sample and the remaining points transformed.
    sample_size : int
        Points UMAP was fitted on (``n`` when not sampled).
    block_sizes : tuple of int
        Rows per corpus, in stacking order (one block for a single array).
    fit_indices : ndarray of shape (sample_size,), int64
        Rows UMAP was fitted on (all rows when not sampled).
    """

    coords: np.ndarray = field(repr=False)
    n: int
    n_neighbors: int
    min_dist: float
    metric: str
    random_state: int
    knn_source: str
    precomputed_knn: bool
    sampled: bool
    sample_size: int
    block_sizes: tuple[int, ...]
    fit_indices: np.ndarray = field(repr=False)

    def blocks(self) -> list[np.ndarray]:
        """The coordinates split per corpus: a list of (n_i, 2) arrays in stacking order."""
        return np.split(self.coords, np.cumsum(self.block_sizes)[:-1])

    def corpus_index(self) -> np.ndarray:
        """Which block each row belongs to, shape (n,), int64."""
        return np.repeat(np.arange(len(self.block_sizes), dtype=np.int64), self.block_sizes)

    def to_frame(self) -> Any:
        """Columns ``x``, ``y``, ``corpus`` (block number) and ``fitted`` (False: placed by transform)."""
        import pandas as pd

        fitted = np.zeros(self.n, dtype=bool)
        fitted[self.fit_indices] = True
        return pd.DataFrame({"x": self.coords[:, 0], "y": self.coords[:, 1],
                             "corpus": self.corpus_index(), "fitted": fitted})

    def to_dict(self) -> dict[str, Any]:
        """Settings and provenance, without the coordinates."""
        return {
            "n": self.n, "n_neighbors": self.n_neighbors, "min_dist": self.min_dist, "metric": self.metric,
            "random_state": self.random_state, "knn_source": self.knn_source,
            "precomputed_knn": self.precomputed_knn, "sampled": self.sampled,
            "sample_size": self.sample_size, "block_sizes": list(self.block_sizes),
        }


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_X(X: Any, name: str = "X") -> np.ndarray:
    from core.knn import check_embeddings

    return check_embeddings(X, metric="euclidean", name=name, min_rows=1)


def _check_params(n: int, n_neighbors: Any, min_dist: Any, metric: Any, random_state: Any,
                  sample_threshold: Any, sample_size: Any, n_epochs: Any) -> None:
    if metric not in PROJECTION_METRICS:
        raise ParameterError(f"metric must be one of {list(PROJECTION_METRICS)}; got {metric!r}.")
    if not _is_int(n_neighbors) or n_neighbors < 2:
        raise ParameterError(f"n_neighbors must be an integer >= 2 (it counts the point itself); got {n_neighbors!r}.")
    if n < _MIN_POINTS:
        raise InsufficientDataError(f"A UMAP map needs at least {_MIN_POINTS} points; got {n}.")
    if n_neighbors >= n:
        raise ParameterError(f"n_neighbors={n_neighbors} must be smaller than the number of points n={n}.")
    if isinstance(min_dist, bool) or not isinstance(min_dist, numbers.Real) or not 0 <= min_dist <= 1:
        raise ParameterError(f"min_dist must be a number in [0, 1] (UMAP's spread is 1); got {min_dist!r}.")
    if not _is_int(random_state) or random_state < 0:
        raise ParameterError(f"random_state must be a non-negative integer; got {random_state!r}.")
    if not _is_int(sample_threshold) or sample_threshold < _MIN_POINTS:
        raise ParameterError(f"sample_threshold must be an integer >= {_MIN_POINTS}; got {sample_threshold!r}.")
    if sample_size is not None and (not _is_int(sample_size) or not n_neighbors < sample_size <= sample_threshold):
        raise ParameterError(
            f"sample_size must be None or an integer with n_neighbors < sample_size <= sample_threshold "
            f"({n_neighbors} < . <= {sample_threshold}); got {sample_size!r}."
        )
    if n_epochs is not None and (not _is_int(n_epochs) or n_epochs < 1):
        raise ParameterError(f"n_epochs must be None or a positive integer; got {n_epochs!r}.")


def _check_knn(knn: Any, n: int, n_neighbors: int, metric: str) -> None:
    from core.knn import KnnGraph

    if not isinstance(knn, KnnGraph):
        raise ParameterError(
            f"knn must be None, 'umap' or a core.knn.KnnGraph; got {type(knn).__name__} {knn!r:.60}."
        )
    if knn.n != n:
        raise InputError(f"The kNN graph has {knn.n} points but X has {n}; build it on the same (stacked) rows.")
    if knn.metric != metric:
        raise InputError(f"The kNN graph uses metric {knn.metric!r} but the map uses {metric!r}.")
    available = knn.k if knn.includes_self else knn.k + 1
    if available < n_neighbors:
        raise InputError(
            f"The kNN graph has k={knn.k} neighbours, too few for n_neighbors={n_neighbors} "
            f"(which counts the point itself): build it with k >= {n_neighbors - 1}."
        )


def _umap(n_neighbors: int, min_dist: float, metric: str, random_state: int, n_epochs: int | None,
          precomputed: tuple[np.ndarray, np.ndarray] | None) -> Any:
    try:
        with warnings.catch_warnings():
            # umap-learn announces on import that TensorFlow (ParametricUMAP) is missing; not used here
            warnings.simplefilter("ignore", ImportWarning)
            import umap
    except ImportError as exc:  # pragma: no cover - umap-learn is a hard dependency
        raise ImportError("Maps need umap-learn: pip install umap-learn") from exc
    kwargs: dict[str, Any] = {
        "n_neighbors": n_neighbors, "min_dist": float(min_dist), "metric": metric, "n_components": 2,
        "random_state": random_state, "transform_seed": random_state, "n_epochs": n_epochs, "n_jobs": 1,
        "low_memory": True, "verbose": False,
    }
    if precomputed is not None:
        kwargs["precomputed_knn"] = precomputed
    return umap.UMAP(**kwargs)


def umap_projection(
    X: Any,
    *,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    metric: str = "cosine",
    random_state: int = 42,
    knn: Any = None,
    sample_threshold: int = DEFAULT_SAMPLE_THRESHOLD,
    sample_size: int | None = None,
    n_epochs: int | None = None,
) -> Projection:
    """Seeded 2-D UMAP map of ``X`` (n, d) (McInnes et al. 2018).

    Parameters
    ----------
    X : array of shape (n, d)
    n_neighbors : int, default 15
        umap-learn's neighbourhood size, the point itself included; ``2 <= n_neighbors < n``.
    min_dist : float, default 0.1
    metric : {"cosine", "euclidean"}
    random_state : int, default 42
    knn : None, "umap" or core.knn.KnnGraph
        ``None``: compute the graph with :func:`core.knn.knn_graph` (faiss) and pass it to umap-learn;
        a ``KnnGraph`` built on the same rows with the same metric and ``k >= n_neighbors - 1``: use it
        (the graph shared with hubness); ``"umap"``: let umap-learn search itself.
    sample_threshold : int, default 50,000
        Above this many points, fit on a seeded sample and transform the rest.
    sample_size : int, optional
        Size of that sample; default ``sample_threshold``.
    n_epochs : int, optional
        umap-learn's default when None (500 below 10,000 points, 200 above).

    Returns
    -------
    Projection
    """
    arr = _check_X(X)
    n = arr.shape[0]
    _check_params(n, n_neighbors, min_dist, metric, random_state, sample_threshold, sample_size, n_epochs)
    if knn is not None and not (isinstance(knn, str) and knn == "umap"):
        _check_knn(knn, n, n_neighbors, metric)
    if metric == "cosine":
        from core.knn import check_embeddings

        check_embeddings(arr, metric="cosine")  # zero rows have no direction
    data = np.ascontiguousarray(arr, dtype=np.float32)
    blocks = (n,)

    with warnings.catch_warnings():
        # the graph is handed over without a pynndescent index on purpose; transform is not used then
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]", category=UserWarning)
        if n <= sample_threshold:
            if isinstance(knn, str):
                precomputed, source = None, "umap"
            else:
                if knn is None:
                    from core.knn import knn_graph

                    knn, source = knn_graph(arr, n_neighbors - 1, metric=metric), "core.knn"
                else:
                    source = "shared"
                precomputed = knn.for_umap(n_neighbors)
            model = _umap(n_neighbors, min_dist, metric, random_state, n_epochs, precomputed)
            coords = model.fit_transform(data)
            return Projection(
                coords=np.asarray(coords, dtype=np.float32), n=n, n_neighbors=n_neighbors,
                min_dist=float(min_dist), metric=metric, random_state=random_state, knn_source=source,
                precomputed_knn=precomputed is not None, sampled=False, sample_size=n,
                block_sizes=tuple(int(b) for b in blocks), fit_indices=np.arange(n, dtype=np.int64),
            )

        m = sample_threshold if sample_size is None else sample_size
        if knn is not None and not isinstance(knn, str):
            warnings.warn(
                f"{n} points exceed sample_threshold={sample_threshold}: UMAP is fitted on a sample of {m} "
                "and the rest transformed, which needs umap-learn's own search index, so the shared kNN "
                "graph is not used for this map.",
                CorpusCompassWarning, stacklevel=2,
            )
        rng = np.random.default_rng(random_state)
        fit_idx = np.sort(rng.choice(n, size=m, replace=False)).astype(np.int64)
        rest = np.setdiff1d(np.arange(n), fit_idx, assume_unique=True)
        model = _umap(n_neighbors, min_dist, metric, random_state, n_epochs, None)
        coords = np.empty((n, 2), dtype=np.float32)
        coords[fit_idx] = model.fit_transform(data[fit_idx])
        coords[rest] = model.transform(data[rest])
    return Projection(
        coords=coords, n=n, n_neighbors=n_neighbors, min_dist=float(min_dist), metric=metric,
        random_state=random_state, knn_source="umap", precomputed_knn=False, sampled=True, sample_size=m,
        block_sizes=tuple(int(b) for b in blocks), fit_indices=fit_idx,
    )


def project_corpora(arrays: Any, **kwargs: Any) -> Projection:
    """One shared UMAP fit of several corpora.

    Parameters
    ----------
    arrays : list of arrays of shape (n_i, d)
        Embeddings of each corpus, same ``d``, in the order wanted for :meth:`Projection.blocks`.
    **kwargs
        Passed to :func:`umap_projection`; a ``knn`` graph must be built on ``np.vstack(arrays)``.

    Returns
    -------
    Projection
        ``.blocks()`` gives the (n_i, 2) coordinates of each corpus; ``.corpus_index()`` the block of
        every row.
    """
    if isinstance(arrays, np.ndarray) or not isinstance(arrays, (list, tuple)) or len(arrays) == 0:
        raise InputError("arrays must be a non-empty list of (n_i, d) embedding arrays, one per corpus.")
    checked = [_check_X(a, name=f"arrays[{i}]") for i, a in enumerate(arrays)]
    dims = {a.shape[1] for a in checked}
    if len(dims) != 1:
        raise InputError(
            f"All corpora must be embedded with the same model (same dimension); got dimensions {sorted(dims)}."
        )
    sizes = tuple(a.shape[0] for a in checked)
    return replace(umap_projection(np.vstack(checked), **kwargs), block_sizes=sizes)


def trustworthiness(
    X: Any,
    coords: Any,
    *,
    n_neighbors: int = 15,
    metric: str = "cosine",
    sample_size: int = 2000,
    random_state: int = 0,
) -> float:
    """Trustworthiness of a map (Venna & Kaski 2001), in [0, 1], on a seeded sample of points.

    Parameters
    ----------
    X : array of shape (n, d)
        The original embeddings.
    coords : array of shape (n, 2)
        The map.
    n_neighbors : int, default 15
        Must be below half the number of points used.
    metric : {"cosine", "euclidean"}
        Metric in the original space (the map is always Euclidean).
    sample_size : int, default 2000
        At most this many points are used (seeded sample when n is larger).
    random_state : int, default 0
    """
    from sklearn.manifold import trustworthiness as _tw

    arr = _check_X(X)
    emb = _check_X(coords, name="coords")
    if emb.shape[0] != arr.shape[0]:
        raise InputError(f"X has {arr.shape[0]} rows but coords has {emb.shape[0]}; they must be aligned.")
    if metric not in PROJECTION_METRICS:
        raise ParameterError(f"metric must be one of {list(PROJECTION_METRICS)}; got {metric!r}.")
    if not _is_int(sample_size) or sample_size < 3:
        raise ParameterError(f"sample_size must be an integer >= 3; got {sample_size!r}.")
    if not _is_int(random_state) or random_state < 0:
        raise ParameterError(f"random_state must be a non-negative integer; got {random_state!r}.")
    n = arr.shape[0]
    m = min(n, sample_size)
    if not _is_int(n_neighbors) or not 1 <= n_neighbors < m / 2:
        raise ParameterError(
            f"n_neighbors must be an integer with 1 <= n_neighbors < {m / 2:g} (half the {m} points used); "
            f"got {n_neighbors!r}."
        )
    idx = np.arange(n) if m == n else np.sort(np.random.default_rng(random_state).choice(n, m, replace=False))
    return float(_tw(arr[idx], emb[idx], n_neighbors=n_neighbors, metric=metric))
