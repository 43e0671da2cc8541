"""Relative representations: describe each document by its cosines to a set of anchor documents.

Source: Moschella, Maiorca, Fumero, Norelli, Locatello, Rodolà, "Relative representations enable
zero-shot latent space communication", ICLR 2023.

``r(x) = [cos(x, a_1), ..., cos(x, a_K)]``. Because only cosines enter, ``r`` is unchanged by any
rotation (orthogonal map) and any positive global rescaling of the space, but not by a translation or
a per-axis rescaling. Anchors are parallel across spaces: the same documents (or texts) are embedded by
every model being compared.

Choices where the specification is silent, documented here:

- Cosine is undefined for a zero vector: a zero anchor or a zero document row is refused with the
  row index, never turned into NaN.
- ``select_anchors`` returns indices in selection order (for farthest-point sampling that order is
  meaningful: each anchor is the farthest from the ones before it). Asking for more anchors than there
  are documents uses every document once and emits a :class:`~core.exceptions.CorpusCompassWarning`
  (the specification: "K = 300 capped by corpus size").
- k-means runs on the L2-normalised rows (so that it groups by direction, like the cosines that use
  the anchors), with scikit-learn's ``KMeans`` (k-means++, one initialisation, seeded). Each centroid
  is replaced by the document nearest to it, indices into the whole corpus; when two centroids share
  a nearest document the later centroid takes its nearest document not yet chosen, so exactly
  ``n_anchors`` distinct documents come back.
- Farthest-point sampling uses cosine distance on the normalised rows, starts from a seeded random
  document and never picks a document twice (exact duplicates of an anchor have distance 0 and are
  simply the least preferred).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from core.exceptions import CorpusCompassWarning, InputError, ParameterError
from core.methods import method_ids
from core.transform.estimator import check_fitted, no_sample_weight

__all__ = [
    "ANCHOR_METHODS",
    "RelativeProjection",
    "check_anchor_indices",
    "relative_representation",
    "select_anchors",
]

#: Ways of choosing the anchor documents (from the registry of methods, core.methods).
ANCHOR_METHODS = method_ids("anchor")


def _check_matrix(X: Any, name: str = "X") -> np.ndarray:
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a numeric array of shape (n, d); got {type(X).__name__}.") from exc
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InputError(f"{name} must be a non-empty 2-dimensional array (n, d); got shape {arr.shape}.")
    finite = np.all(np.isfinite(arr), axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise InputError(
            f"{name} contains NaN or infinite values in {bad.size} row(s), first at row {bad[0]}; "
            "remove or repair those rows."
        )
    return arr


def _normalise(arr: np.ndarray, name: str) -> np.ndarray:
    norms = np.linalg.norm(arr, axis=1)
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise InputError(
            f"{name} has {zero.size} zero vector(s) (first at row {zero[0]}); the cosine to a zero vector "
            "is undefined. Remove those rows."
        )
    return arr / norms[:, None]


def _check_random_state(random_state: Any) -> np.random.Generator:
    if random_state is None or isinstance(random_state, bool):
        raise ParameterError(f"random_state must be an int or a numpy Generator; got {random_state!r}.")
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (int, np.integer)) and random_state >= 0:
        return np.random.default_rng(int(random_state))
    raise ParameterError(f"random_state must be a non-negative int or a numpy Generator; got {random_state!r}.")


def check_anchor_indices(indices: Any, n_documents: int) -> np.ndarray:
    """Validate user-chosen anchor indices into a corpus of ``n_documents`` rows.

    Returns
    -------
    ndarray of shape (K,), int64
        The indices, in the order given.

    Raises
    ------
    ParameterError
        Empty, non-integer, out-of-range or repeated indices.
    """
    arr = np.asarray(indices)
    if arr.ndim != 1 or arr.size == 0:
        raise ParameterError("anchor indices must be a non-empty 1-dimensional list of document indices.")
    if not np.issubdtype(arr.dtype, np.integer):
        raise ParameterError(f"anchor indices must be integers; got dtype {arr.dtype}.")
    arr = arr.astype(np.int64)
    if arr.min() < 0 or arr.max() >= n_documents:
        raise ParameterError(
            f"anchor indices must lie in [0, {n_documents}) for a corpus of {n_documents} documents; "
            f"got min {arr.min()}, max {arr.max()}."
        )
    uniq, counts = np.unique(arr, return_counts=True)
    if uniq.size != arr.size:
        raise ParameterError(f"anchor indices must be distinct; {uniq[counts > 1][:5].tolist()} repeat.")
    return arr


def select_anchors(
    X: Any,
    n_anchors: int = 300,
    *,
    method: str = "uniform",
    random_state: int | np.random.Generator = 0,
) -> np.ndarray:
    """Choose anchor documents for relative representations (Moschella et al., ICLR 2023).

    Parameters
    ----------
    X : array of shape (n, d)
        Document embeddings. Only ``"kmeans"`` and ``"farthest"`` look at them.
    n_anchors : int, default 300
        Number of anchors K; more than ``n`` is capped at ``n`` with a
        :class:`~core.exceptions.CorpusCompassWarning`.
    method : {"uniform", "kmeans", "farthest"}
        ``"uniform"``: a seeded random sample without replacement. ``"kmeans"``: the document nearest
        each k-means centroid. ``"farthest"``: farthest-point sampling under cosine distance.
        User-chosen anchors need no selection: see :func:`check_anchor_indices`.
    random_state : int or numpy Generator, default 0

    Returns
    -------
    ndarray of shape (min(K, n),), int64
        Distinct row indices of ``X``, in selection order.
    """
    if method not in ANCHOR_METHODS:
        raise ParameterError(f"method must be one of {list(ANCHOR_METHODS)}; got {method!r}.")
    if isinstance(n_anchors, bool) or not isinstance(n_anchors, (int, np.integer)) or n_anchors < 1:
        raise ParameterError(f"n_anchors must be a positive integer; got {n_anchors!r}.")
    arr = _check_matrix(X)
    rng = _check_random_state(random_state)
    n = arr.shape[0]
    k = int(n_anchors)
    if k > n:
        warnings.warn(
            f"n_anchors={k} is more than the {n} documents; using all {n} documents as anchors.",
            CorpusCompassWarning,
            stacklevel=2,
        )
        k = n
    if method == "uniform":
        return rng.choice(n, size=k, replace=False).astype(np.int64)
    unit = _normalise(arr, "X")
    if method == "farthest":
        return _farthest_point(unit, k, rng)
    return _kmeans_anchors(unit, k, rng)


def _farthest_point(unit: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    n = unit.shape[0]
    chosen = np.empty(k, dtype=np.int64)
    chosen[0] = rng.integers(n)
    # cosine distance to the nearest anchor chosen so far
    nearest = 1.0 - unit @ unit[chosen[0]]
    nearest[chosen[0]] = -np.inf
    for j in range(1, k):
        nxt = int(np.argmax(nearest))
        chosen[j] = nxt
        np.minimum(nearest, 1.0 - unit @ unit[nxt], out=nearest)
        nearest[chosen[: j + 1]] = -np.inf
    return chosen


def _kmeans_anchors(unit: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    from sklearn.cluster import KMeans
    from sklearn.metrics import pairwise_distances_argmin

    n = unit.shape[0]
    if k == n:
        return rng.permutation(n).astype(np.int64)
    seed = int(rng.integers(2**31 - 1))
    km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(unit)
    centres = km.cluster_centers_
    nearest = pairwise_distances_argmin(centres, unit)
    chosen = np.empty(k, dtype=np.int64)
    used = np.zeros(n, dtype=bool)
    for j, idx in enumerate(nearest):
        if used[idx]:
            # collision (duplicate documents or a centroid between clusters): next nearest unused one
            dist = np.linalg.norm(unit - centres[j], axis=1)
            dist[used] = np.inf
            idx = int(np.argmin(dist))
        chosen[j] = idx
        used[idx] = True
    return chosen


class RelativeProjection(TransformerMixin, BaseEstimator):
    """Map embeddings to their cosines with fixed anchors (relative representation).

    Moschella et al., "Relative representations enable zero-shot latent space communication",
    ICLR 2023.

    Attributes
    ----------
    anchors_ : ndarray of shape (K, d)
        The anchors, L2-normalised, float64.
    n_features_in_ : int
    """

    def fit(self, X: Any, y: Any = None, *, sample_weight: Any = None) -> RelativeProjection:
        """Store the anchor vectors ``X`` (K, d), embedded in the same space as the data to transform;
        ``y`` is ignored, ``sample_weight`` must stay None."""
        no_sample_weight(self, sample_weight)
        self.anchors_ = _normalise(_check_matrix(X, "anchors"), "anchors")
        self.n_features_in_ = self.anchors_.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return ``cos(x_i, a_j)`` for every row and anchor, shape (n, K), float64."""
        check_fitted(self, "anchors_", "This RelativeProjection is not fitted yet; call fit(anchors) first.")
        arr = _check_matrix(X)
        if arr.shape[1] != self.n_features_in_:
            raise InputError(
                f"X has {arr.shape[1]} columns but the anchors have {self.n_features_in_}; anchors must be "
                "embedded with the same model as X."
            )
        return _normalise(arr, "X") @ self.anchors_.T


def relative_representation(X: Any, anchors: Any) -> np.ndarray:
    """Function twin of :class:`RelativeProjection`: cosines of ``X`` (n, d) with ``anchors`` (K, d).

    Returns
    -------
    ndarray of shape (n, K), float64, values in [-1, 1]
    """
    return RelativeProjection().fit(anchors).transform(X)

