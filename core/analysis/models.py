"""Compare two embedding spaces of the same documents (e.g. two models on one corpus).

Sources: Moschella et al., "Relative representations enable zero-shot latent space communication",
ICLR 2023 (relative representations); Kornblith, Norouzi, Lee, Hinton, "Similarity of
Neural Network Representations Revisited", ICML 2019 (linear CKA).

For ``X_a`` (n, d_a) and ``X_b`` (n, d_b), rows aligned (row i is the same text in both):

- relative cosine: ``cos(r_A(x_i), r_B(x_i))`` with the same anchor documents in both spaces, per
  document and its mean;
- kNN Jaccard: ``|N_A(i) ∩ N_B(i)| / |N_A(i) ∪ N_B(i)|`` of the k = 10 cosine nearest neighbours of
  document i in each raw space (self excluded), per document and its mean; for two unrelated spaces it
  is about ``k / (2n)``;
- retrieval MRR: ``r_A(x_i)`` queried against every ``r_B(x_j)`` by cosine; the reciprocal rank of its
  twin ``j = i``, averaged;
- linear CKA on the raw, centred embeddings, with the feature-space formula
  ``||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F)`` (Kornblith et al. eq. 5), which needs only (d, d)
  matrices and so works for any n.

Choices where the specification is silent, documented here:

- Anchors: by default ``n_anchors`` (300, capped at n with a warning) documents chosen by
  :func:`core.transform.relative.select_anchors`. ``"kmeans"`` and ``"farthest"`` look at the
  concatenation of both L2-normalised spaces, so that neither model decides the anchors alone (cosine
  in the concatenation is the mean of the two cosines); ``"uniform"`` looks at neither.
  ``anchors_idx`` takes user-chosen documents.
- MRR ranks are computed in float32 on unit vectors; a document ranks ahead of the twin only if its
  cosine is higher by more than 1e-6, so exact duplicates of the twin (indistinguishable texts) do not
  count against it. With more than ``max_queries`` documents (default 5,000) a seeded sample of
  ``max_queries`` queries is ranked against all n candidates; the result says how many were queried.
- A document whose relative vector is zero in either space (orthogonal to every anchor) has relative
  cosine 0, not NaN.
- "Disagreement" orders documents by per-document Jaccard, then by relative cosine, lowest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.exceptions import InputError, InsufficientDataError, ParameterError
from core.transform.relative import (
    ANCHOR_METHODS,
    check_anchor_indices,
    relative_representation,
    select_anchors,
)

__all__ = ["ModelComparison", "compare_spaces", "linear_cka"]

_TIE_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """How similarly two embedding spaces arrange the same documents.

    Attributes
    ----------
    n_documents, k : int
        Number of documents; neighbours per document for the Jaccard overlap.
    dimensions : tuple of int
        ``(d_a, d_b)``.
    relative_cosine : float
        Mean over documents of ``cos(r_A(x), r_B(x))``, in [-1, 1].
    jaccard : float
        Mean kNN Jaccard overlap, in [0, 1].
    mrr : float
        Mean reciprocal rank of each document's twin, in (0, 1].
    cka : float
        Linear CKA of the raw embeddings, in [0, 1].
    n_anchors : int
    anchor_method : str
        ``"uniform"``, ``"kmeans"``, ``"farthest"`` or ``"given"``.
    n_queries : int
        Documents used as MRR queries (all of them unless more than ``max_queries``).
    random_state : int
    anchor_indices : ndarray of shape (K,)
    relative_cosine_per_document, jaccard_per_document : ndarray of shape (n,)
    reciprocal_ranks : ndarray of shape (n_queries,)
    query_indices : ndarray of shape (n_queries,)
        The documents whose reciprocal ranks are in ``reciprocal_ranks``.
    """

    n_documents: int
    k: int
    dimensions: tuple[int, int]
    relative_cosine: float
    jaccard: float
    mrr: float
    cka: float
    n_anchors: int
    anchor_method: str
    n_queries: int
    random_state: int
    anchor_indices: np.ndarray = field(repr=False)
    relative_cosine_per_document: np.ndarray = field(repr=False)
    jaccard_per_document: np.ndarray = field(repr=False)
    reciprocal_ranks: np.ndarray = field(repr=False)
    query_indices: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The summary figures (no per-document arrays except the anchor indices, as a list)."""
        return {
            "n_documents": self.n_documents,
            "k": self.k,
            "dimensions": list(self.dimensions),
            "relative_cosine": self.relative_cosine,
            "jaccard": self.jaccard,
            "mrr": self.mrr,
            "cka": self.cka,
            "n_anchors": self.n_anchors,
            "anchor_method": self.anchor_method,
            "n_queries": self.n_queries,
            "random_state": self.random_state,
            "anchor_indices": self.anchor_indices.tolist(),
        }

    def to_frame(self) -> Any:
        """One row per document: ``document``, ``relative_cosine``, ``jaccard``, ``reciprocal_rank``.

        ``reciprocal_rank`` is ``<NA>`` for documents that were not used as queries.
        """
        import pandas as pd

        rr = pd.array([pd.NA] * self.n_documents, dtype="Float64")
        rr[self.query_indices] = self.reciprocal_ranks
        return pd.DataFrame(
            {
                "document": np.arange(self.n_documents),
                "relative_cosine": self.relative_cosine_per_document,
                "jaccard": self.jaccard_per_document,
                "reciprocal_rank": rr,
            }
        )

    def disagreements(self, top: int = 20, *, texts: Any = None) -> Any:
        """The ``top`` documents the two spaces disagree on most.

        Ordered by per-document kNN Jaccard, then relative cosine, lowest first. ``texts`` (n,), if
        given, adds a ``text`` column.
        """
        if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
            raise ParameterError(f"top must be a positive integer; got {top!r}.")
        frame = self.to_frame()
        if texts is not None:
            texts = list(texts)
            if len(texts) != self.n_documents:
                raise InputError(f"texts has {len(texts)} entries; the comparison has {self.n_documents}.")
            frame["text"] = texts
        order = np.lexsort((self.relative_cosine_per_document, self.jaccard_per_document))
        return frame.iloc[order[: int(top)]].reset_index(drop=True)


def _check_space(X: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a numeric array of shape (n, d).") from exc
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise InputError(f"{name} must be 2-dimensional (n, d); got shape {arr.shape}.")
    finite = np.all(np.isfinite(arr), axis=1)
    if not finite.all():
        raise InputError(f"{name} has NaN or infinite values, first at row {np.flatnonzero(~finite)[0]}.")
    zero = np.flatnonzero(np.linalg.norm(arr, axis=1) == 0)
    if zero.size:
        raise InputError(
            f"{name} has {zero.size} zero vector(s) (first at row {zero[0]}); cosine is undefined for them."
        )
    return arr


def linear_cka(X: Any, Y: Any) -> float:
    """Linear CKA (Kornblith et al., ICML 2019) of X (n, d_x) and Y (n, d_y), rows aligned, in [0, 1].

    Feature-space formula on centred data, float64: ``||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F)``.
    Invariant to rotations and isotropic scaling of either space.
    """
    A = np.asarray(X, dtype=np.float64)
    B = np.asarray(Y, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[0] != B.shape[0]:
        raise InputError(f"X and Y must be 2-dimensional with the same rows; got {A.shape} and {B.shape}.")
    A = A - A.mean(axis=0)
    B = B - B.mean(axis=0)
    denom = np.linalg.norm(A.T @ A) * np.linalg.norm(B.T @ B)
    if denom == 0:
        raise InputError("Linear CKA is undefined when every row of a space is the same point.")
    return float(np.linalg.norm(B.T @ A) ** 2 / denom)


def _row_cosines(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(A, axis=1) * np.linalg.norm(B, axis=1)
    dots = np.einsum("ij,ij->i", A, B)
    out = np.zeros(A.shape[0])
    ok = norms > 0
    out[ok] = dots[ok] / norms[ok]
    return np.clip(out, -1.0, 1.0)


def _unit32(R: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(R, axis=1, keepdims=True)
    return (R / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _reciprocal_ranks(RA: np.ndarray, RB: np.ndarray, queries: np.ndarray, chunk: int = 1024) -> np.ndarray:
    A = _unit32(RA[queries])
    B = _unit32(RB)
    out = np.empty(queries.size)
    for start in range(0, queries.size, chunk):
        q = queries[start : start + chunk]
        S = A[start : start + chunk] @ B.T
        twin = S[np.arange(q.size), q]
        ahead = (S > twin[:, None] + _TIE_TOLERANCE).sum(axis=1)
        out[start : start + chunk] = 1.0 / (1.0 + ahead)
    return out


def _jaccard(NA: np.ndarray, NB: np.ndarray) -> np.ndarray:
    k = NA.shape[1]
    both = np.sort(np.hstack([NA, NB]), axis=1)
    inter = (both[:, 1:] == both[:, :-1]).sum(axis=1)  # each list holds distinct ids
    return inter / (2 * k - inter)


def compare_spaces(
    X_a: Any,
    X_b: Any,
    *,
    anchors_idx: Any = None,
    n_anchors: int = 300,
    anchor_method: str = "uniform",
    k: int = 10,
    max_queries: int = 5000,
    random_state: int = 0,
) -> ModelComparison:
    """Compare two embeddings of the same documents.

    Parameters
    ----------
    X_a : array of shape (n, d_a)
    X_b : array of shape (n, d_b)
        Row i of both is document i; the dimensions may differ.
    anchors_idx : sequence of int, optional
        Anchor documents chosen by the user. Default: ``n_anchors`` chosen by ``anchor_method``.
    n_anchors : int, default 300
        Capped at n with a :class:`~core.exceptions.CorpusCompassWarning`.
    anchor_method : {"uniform", "kmeans", "farthest"}
    k : int, default 10
        Neighbours per document for the Jaccard overlap; ``1 <= k < n``.
    max_queries : int, default 5000
        Most documents used as MRR queries (seeded sample beyond it).
    random_state : int, default 0

    Returns
    -------
    ModelComparison
    """
    A = _check_space(X_a, "X_a")
    B = _check_space(X_b, "X_b")
    n = A.shape[0]
    if B.shape[0] != n:
        raise InputError(
            f"X_a has {n} rows but X_b has {B.shape[0]}; both must embed the same documents in the same order."
        )
    if n < 3:
        raise InsufficientDataError(f"Comparing spaces needs at least 3 documents; got {n}.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise ParameterError(f"k must be an integer with 1 <= k < n = {n}; got {k!r}.")
    if isinstance(max_queries, bool) or not isinstance(max_queries, (int, np.integer)) or max_queries < 1:
        raise ParameterError(f"max_queries must be a positive integer; got {max_queries!r}.")
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)) or random_state < 0:
        raise ParameterError(f"random_state must be a non-negative integer; got {random_state!r}.")
    if anchor_method not in ANCHOR_METHODS:
        raise ParameterError(f"anchor_method must be one of {list(ANCHOR_METHODS)}; got {anchor_method!r}.")

    if anchors_idx is not None:
        anchors = check_anchor_indices(anchors_idx, n)
        method = "given"
    else:
        if anchor_method == "uniform":
            basis = A  # a uniform draw looks only at n
        else:
            basis = np.hstack([A / np.linalg.norm(A, axis=1, keepdims=True),
                               B / np.linalg.norm(B, axis=1, keepdims=True)])
        anchors = select_anchors(basis, n_anchors, method=anchor_method, random_state=int(random_state))
        method = anchor_method

    RA = relative_representation(A, A[anchors])
    RB = relative_representation(B, B[anchors])
    rel = _row_cosines(RA, RB)

    from core.knn import knn_graph

    jac = _jaccard(knn_graph(A, k, metric="cosine").indices, knn_graph(B, k, metric="cosine").indices)

    rng = np.random.default_rng(int(random_state))
    if n <= max_queries:
        queries = np.arange(n)
    else:
        queries = np.sort(rng.choice(n, size=int(max_queries), replace=False))
    rr = _reciprocal_ranks(RA, RB, queries)

    return ModelComparison(
        n_documents=n,
        k=int(k),
        dimensions=(A.shape[1], B.shape[1]),
        relative_cosine=float(rel.mean()),
        jaccard=float(jac.mean()),
        mrr=float(rr.mean()),
        cka=linear_cka(A, B),
        n_anchors=int(anchors.size),
        anchor_method=method,
        n_queries=int(queries.size),
        random_state=int(random_state),
        anchor_indices=anchors,
        relative_cosine_per_document=rel,
        jaccard_per_document=jac,
        reciprocal_ranks=rr,
        query_indices=queries,
    )
