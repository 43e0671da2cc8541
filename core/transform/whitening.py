"""Centring, PCA whitening and Zipfian whitening of embedding spaces, and their symmetry scores.

Source: Yokoi, Bao, Kurita, Shimodaira, "Zipfian Whitening", NeurIPS 2024.

Fit, for word vectors ``W`` (V, d) and word probabilities ``p`` (V,)::

    mu   = p^T W
    Wbar = diag(sqrt(p)) (W - mu)
    U, S, V^T = svd(Wbar)
    T    = V diag(1 / S)            # whitening matrix, (d, d)
    w'   = (w - mu) T

so that ``p^T W' = 0`` and ``W'^T diag(p) W' = I``. With uniform ``p`` this is ordinary PCA whitening
with the population (``ddof=0``) covariance; scikit-learn's ``PCA(whiten=True)`` uses ``ddof=1`` and so
differs by the factor ``sqrt(n / (n - 1))``.

Choices where the specification is silent or loose, documented here:

- ``p`` need not sum to 1: it is divided by its sum, so raw counts can be passed. Negative, NaN or
  all-zero ``p`` is refused. Words with ``p = 0`` take no part in the fit (they are still transformed).
- Rank: the specification says "fewer words with p > 0 than dimensions" is rank deficient. Because the
  vectors are centred first, ``m`` words span at most ``m - 1`` dimensions, so full rank needs at least
  ``d + 1`` words with ``p > 0``; the check is on the singular values themselves (relative tolerance
  ``max(V, d) * eps * S_max``, the numpy ``matrix_rank`` rule), so collinear words are caught as well.
  Without ``epsilon`` a rank-deficient fit raises :class:`~core.exceptions.InsufficientDataError`
  giving the counts. With ``epsilon`` (an absolute ridge on the covariance eigenvalues, in squared
  embedding units) the whitening matrix is ``V diag(1 / sqrt(S**2 + epsilon))``; the fitted
  ``epsilon_`` reports it, and the whitened covariance is then ``diag(S**2 / (S**2 + epsilon))``,
  not exactly ``I``. Nothing ever divides by a zero singular value.
- Symmetry scores: the first moment is ``1 - ||sum_i p_i w_i|| / sum_i p_i ||w_i||``; the
  second is the entropy of the normalised eigenvalues of the p-weighted, centred covariance divided by
  ``log d`` (eigenvalues below zero from round-off are clipped to zero, ``0 log 0 = 0``). Both are 1
  for a perfectly symmetric space; after Zipfian whitening with the same ``p`` both are 1 up to
  round-off. The second moment needs ``d >= 2``.
- Zipfian-whitened bag-of-words sentence vectors (§4): ``p`` is the corpus's own token frequency
  (counts of each token id over all documents, so a token repeated within a document counts every
  time), the whitening is fitted on the rows of the token matrix that occur, and a sentence is the
  plain mean of the whitened vectors of its tokens (repetitions included). Frequencies enter only
  through ``mu`` and the covariance, not as pooling weights. A document with no tokens is refused.
- Model tokenisers: special tokens ([CLS], [SEP], [PAD], [MASK] and also [UNK]) are dropped before
  counting. [UNK] is dropped because it pools every unknown character into one "word" whose frequency
  and vector mean nothing as a word type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from core.exceptions import InputError, InsufficientDataError, ParameterError
from core.transform.estimator import check_fitted, no_sample_weight

__all__ = [
    "Centering",
    "PCAWhitening",
    "SymmetryComparison",
    "SymmetryScores",
    "ZipfianWhitening",
    "center",
    "pca_whitening",
    "symmetry_comparison",
    "symmetry_comparison_from_model",
    "symmetry_scores",
    "zipfian_sentence_vectors",
    "zipfian_sentence_vectors_from_model",
    "zipfian_whitening",
]


# --------------------------------------------------------------------------------------------------
# validation


def _check_matrix(W: Any, name: str = "W", *, min_rows: int = 1) -> np.ndarray:
    try:
        arr = np.asarray(W, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a numeric array of shape (n, d); got {type(W).__name__}.") from exc
    if arr.ndim != 2:
        raise InputError(f"{name} must be 2-dimensional (n, d); got shape {arr.shape}.")
    if arr.shape[1] < 1:
        raise InputError(f"{name} must have at least one column; got shape {arr.shape}.")
    if arr.shape[0] < min_rows:
        raise InsufficientDataError(f"{name} needs at least {min_rows} rows; got {arr.shape[0]}.")
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.all(np.isfinite(arr), axis=1))
        raise InputError(
            f"{name} contains NaN or infinite values in {bad.size} row(s), first at row {bad[0]}; "
            "remove or repair those rows."
        )
    return arr


def _check_weights(p: Any, n_rows: int, *, name: str = "p") -> np.ndarray:
    """Return ``p`` as float64 summing to 1 (uniform when ``p`` is None)."""
    if p is None:
        return np.full(n_rows, 1.0 / n_rows)
    try:
        arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a numeric vector of length {n_rows}.") from exc
    if arr.ndim != 1 or arr.shape[0] != n_rows:
        raise InputError(f"{name} must have shape ({n_rows},), one weight per row of W; got {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or infinite values.")
    if np.any(arr < 0):
        raise InputError(f"{name} must be non-negative (probabilities or counts); found {arr.min()!r}.")
    total = arr.sum()
    if total <= 0:
        raise InputError(f"{name} sums to 0: at least one word needs a positive probability.")
    return arr / total


def _check_epsilon(epsilon: Any) -> float | None:
    if epsilon is None:
        return None
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating, np.integer)):
        raise ParameterError(f"epsilon must be None or a non-negative float; got {epsilon!r}.")
    eps = float(epsilon)
    if not np.isfinite(eps) or eps < 0:
        raise ParameterError(f"epsilon must be None or a non-negative float; got {epsilon!r}.")
    return eps


# --------------------------------------------------------------------------------------------------
# centring


class Centering(TransformerMixin, BaseEstimator):
    """Subtract the (optionally p-weighted) mean vector.

    Attributes
    ----------
    mean_ : ndarray of shape (d,)
        ``p^T W`` with ``p`` normalised to sum 1 (uniform when not given).
    n_features_in_ : int
    """

    def fit(self, X: Any, y: Any = None, *, sample_weight: Any = None) -> Centering:
        """Learn the mean of ``X`` (V, d) under weights ``sample_weight`` (V,) or uniform weights;
        ``y`` is ignored."""
        arr = _check_matrix(X)
        weights = _check_weights(sample_weight, arr.shape[0])
        self.mean_ = weights @ arr
        self.n_features_in_ = arr.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return ``X - mean_`` as float64, shape (m, d)."""
        check_fitted(self, "mean_")
        arr = _check_matrix(X)
        _check_width(arr, self.n_features_in_)
        return arr - self.mean_

    def fit_transform(self, X: Any, y: Any = None, *, sample_weight: Any = None) -> np.ndarray:
        return self.fit(X, y, sample_weight=sample_weight).transform(X)


def center(W: Any, p: Any = None) -> np.ndarray:
    """Function twin of :class:`Centering`: ``W - p^T W``, shape (V, d), float64."""
    return Centering().fit_transform(W, sample_weight=p)


def _check_width(arr: np.ndarray, d: int) -> None:
    if arr.shape[1] != d:
        raise InputError(f"Expected {d} columns, as in the data given to fit(); got {arr.shape[1]}.")


# --------------------------------------------------------------------------------------------------
# whitening


class ZipfianWhitening(TransformerMixin, BaseEstimator):
    """Zipfian (frequency-weighted PCA) whitening of word or token vectors.

    Yokoi et al., "Zipfian Whitening", NeurIPS 2024. The SVD runs in float64.

    Parameters
    ----------
    epsilon : float or None, default None
        ``None`` refuses a rank-deficient fit. A non-negative float is added to every eigenvalue of
        the weighted covariance (``S**2``) before inverting, which makes any fit possible; the result
        is then only approximately white (covariance ``diag(S**2 / (S**2 + epsilon))``).
        ``epsilon=0`` behaves like ``None``.

    Attributes
    ----------
    mean_ : ndarray of shape (d,)
        The weighted mean ``p^T W``.
    components_ : ndarray of shape (d, d)
        Principal axes (rows), the right singular vectors of ``diag(sqrt(p))(W - mean_)``.
    singular_values_ : ndarray of shape (d,)
        Singular values, descending; zeros pad them when fewer than ``d`` words have ``p > 0``.
    T_ : ndarray of shape (d, d)
        The whitening matrix: ``transform(w) = (w - mean_) @ T_``.
    epsilon_ : float
        The ridge actually used (0.0 when none was given).
    rank_ : int
        Numerical rank of the weighted, centred matrix.
    n_words_ : int
        Number of rows with ``p > 0`` that took part in the fit.
    n_features_in_ : int
    """

    def __init__(self, *, epsilon: float | None = None) -> None:
        self.epsilon = epsilon

    def fit(self, X: Any, y: Any = None, *, sample_weight: Any = None) -> ZipfianWhitening:
        """Fit on word vectors ``X`` (V, d) with word probabilities ``sample_weight`` (V,) (the ``p`` of
        Yokoi et al.); None means uniform. ``y`` is ignored."""
        eps = _check_epsilon(self.epsilon)
        arr = _check_matrix(X, min_rows=2)
        weights = _check_weights(sample_weight, arr.shape[0])
        used = weights > 0
        Wp, pp = arr[used], weights[used]
        n_words, d = Wp.shape

        mean = pp @ Wp
        Wbar = np.sqrt(pp)[:, None] * (Wp - mean)
        if n_words > d:
            # Householder QR first: R (d, d) has the same singular values and right singular vectors
            # as Wbar, and the SVD of R never forms the (V, d) left factor that goes unused here
            _, S, Vt = np.linalg.svd(np.linalg.qr(Wbar, mode="r"))
        else:
            # fewer rows than columns: the full (d, d) V holds the d - m axes a regularised fit needs
            _, S, Vt = np.linalg.svd(Wbar, full_matrices=True)
        S_full = np.zeros(d)
        S_full[: S.size] = S
        tol = S.max(initial=0.0) * max(Wbar.shape) * np.finfo(np.float64).eps
        rank = int(np.sum(S_full > tol))

        if rank < d and not eps:
            reason = (
                f"only {n_words} word(s) have p > 0, and after centring they span at most "
                f"{n_words - 1} dimension(s)" if n_words <= d else
                f"the words with p > 0 span only {rank} independent direction(s)"
            )
            raise InsufficientDataError(
                f"Cannot whiten a {d}-dimensional space: the p-weighted covariance has rank {rank} < {d} "
                f"({reason}; full rank needs at least {d + 1} words with p > 0 in general position). "
                "Pass epsilon=<small positive float> to regularise explicitly, use more words, "
                "or reduce the dimension first."
            )
        eps_used = 0.0 if eps is None else eps
        # with eps_used = 0 every S is above the rank tolerance here, so nothing divides by zero
        scale = 1.0 / np.sqrt(S_full**2 + eps_used)

        self.mean_ = mean
        self.components_ = Vt
        self.singular_values_ = S_full
        self.T_ = Vt.T * scale
        self.epsilon_ = eps_used
        self.rank_ = rank
        self.n_words_ = int(n_words)
        self.n_features_in_ = d
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Whiten rows: ``(X - mean_) @ T_``, shape (m, d), float64."""
        check_fitted(self, "T_")
        arr = _check_matrix(X)
        _check_width(arr, self.n_features_in_)
        return (arr - self.mean_) @ self.T_

    def fit_transform(self, X: Any, y: Any = None, *, sample_weight: Any = None) -> np.ndarray:
        return self.fit(X, y, sample_weight=sample_weight).transform(X)


class PCAWhitening(ZipfianWhitening):
    """Ordinary PCA whitening: :class:`ZipfianWhitening` with uniform weights (population covariance).

    ``fit(X)`` weights every row ``1/n``; ``y`` is ignored, so it sits in a scikit-learn pipeline.
    """

    def fit(self, X: Any, y: Any = None, *, sample_weight: Any = None) -> PCAWhitening:
        """Fit on ``X`` (n, d) with every row weighted ``1/n`` (``sample_weight`` must stay None: a
        weighted fit is :class:`ZipfianWhitening`)."""
        no_sample_weight(self, sample_weight)
        super().fit(X)
        return self


def zipfian_whitening(W: Any, p: Any = None, *, epsilon: float | None = None) -> np.ndarray:
    """Function twin of :class:`ZipfianWhitening`: return the whitened ``W`` (V, d), float64."""
    return ZipfianWhitening(epsilon=epsilon).fit_transform(W, sample_weight=p)


def pca_whitening(X: Any, *, epsilon: float | None = None) -> np.ndarray:
    """Function twin of :class:`PCAWhitening`: return the whitened ``X`` (n, d), float64."""
    return PCAWhitening(epsilon=epsilon).fit_transform(X)


# --------------------------------------------------------------------------------------------------
# symmetry scores


@dataclass(frozen=True)
class SymmetryScores:
    """First- and second-moment symmetry of a weighted point cloud (1 = perfectly symmetric).

    Attributes
    ----------
    first_moment : float
        ``1 - ||sum p_i w_i|| / sum p_i ||w_i||``, in [0, 1].
    second_moment : float
        Entropy of the normalised eigenvalues of the weighted covariance over ``log d``, in [0, 1].
    n_points : int
        Rows with positive weight.
    dimension : int
    """

    first_moment: float
    second_moment: float
    n_points: int
    dimension: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _weighted_covariance_eigenvalues(W: np.ndarray, p: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Eigenvalues of ``sum_i p_i (w_i - mean)(w_i - mean)^T``, descending, clipped at 0.

    The squared singular values of ``Wbar = diag(sqrt p)(W - mean)``. For V > d they come from the
    (d, d) matrix ``Wbar^T Wbar``, accumulated over row blocks, instead of an SVD of the (V, d) matrix,
    which needed three (V, d) float64 copies (2.3 GB at 200,000 x 384; issue 8). The two differ by
    rounding of the order of 1e-16 times the largest eigenvalue, far below what moves the scores.
    """
    V, d = W.shape
    if V <= d:
        Wbar = np.sqrt(p)[:, None] * (W - mean)
        return np.linalg.svd(Wbar, compute_uv=False) ** 2
    scatter = np.zeros((d, d))
    step = 8192
    for start in range(0, V, step):
        B = np.sqrt(p[start:start + step])[:, None] * (W[start:start + step] - mean)
        scatter += B.T @ B
    return np.clip(np.linalg.eigvalsh(scatter)[::-1], 0.0, None)


def symmetry_scores(W: Any, p: Any = None) -> SymmetryScores:
    """Symmetry scores of Yokoi et al. (NeurIPS 2024) for vectors ``W`` (V, d) with weights ``p`` (V,).

    ``p=None`` weights rows uniformly; ``p`` is normalised to sum 1. See the module docstring.

    Raises
    ------
    InputError
        When ``d < 2`` (the second moment's ``log d`` is 0), or every weighted vector is zero.
    """
    arr = _check_matrix(W)
    weights = _check_weights(p, arr.shape[0])
    d = arr.shape[1]
    if d < 2:
        raise InputError(f"Symmetry scores need at least 2 dimensions (log d is 0 for d=1); got d={d}.")
    used = weights > 0
    Wp, pp = (arr, weights) if used.all() else (arr[used], weights[used])
    mean_norm = float(pp @ np.sqrt(np.einsum("ij,ij->i", Wp, Wp)))  # no (V, d) temporary of squares
    if mean_norm == 0:
        raise InputError("Every vector with positive weight is zero: the first-moment score is undefined.")
    mean = pp @ Wp
    first = 1.0 - float(np.linalg.norm(mean)) / mean_norm

    lam = _weighted_covariance_eigenvalues(Wp, pp, mean)
    total = lam.sum()
    if total == 0:
        second = 0.0  # all points coincide: no spread in any direction, the least symmetric case
    else:
        q = lam[lam > 0] / total
        second = float(-(q * np.log(q)).sum() / np.log(d))
    return SymmetryScores(
        first_moment=float(np.clip(first, 0.0, 1.0)),
        second_moment=float(np.clip(second, 0.0, 1.0)),
        n_points=int(used.sum()),
        dimension=int(d),
    )


# --------------------------------------------------------------------------------------------------
# Zipfian-whitened bag-of-words sentence vectors


def _check_token_ids(token_ids: Any, vocab_size: int) -> list[np.ndarray]:
    if isinstance(token_ids, np.ndarray) or not isinstance(token_ids, Sequence):
        raise InputError("token_ids must be a list of lists of integer token ids, one list per document.")
    if len(token_ids) == 0:
        raise InsufficientDataError("token_ids is empty: need at least one document.")
    docs: list[np.ndarray] = []
    empty: list[int] = []
    for i, ids in enumerate(token_ids):
        arr = np.asarray(ids)
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise InputError(f"token_ids[{i}] must contain integers; got dtype {arr.dtype}.")
        arr = arr.astype(np.int64).ravel()
        if arr.size == 0:
            empty.append(i)
        elif arr.min() < 0 or arr.max() >= vocab_size:
            raise InputError(
                f"token_ids[{i}] has ids outside [0, {vocab_size}), the rows of token_matrix: "
                f"min {arr.min()}, max {arr.max()}."
            )
        docs.append(arr)
    if empty:
        raise InputError(
            f"{len(empty)} document(s) have no tokens (first: index {empty[0]}); a bag-of-words vector "
            "of nothing is undefined. Remove empty documents first."
        )
    return docs


def _fit_bow_whitening(
    token_ids: Any, token_matrix: Any, frequencies: Any, epsilon: float | None
) -> tuple[list[np.ndarray], np.ndarray, ZipfianWhitening, np.ndarray]:
    """Return (documents, occurring token ids, fitted whitening, its p over those ids)."""
    M = _check_matrix(token_matrix, "token_matrix", min_rows=2)
    docs = _check_token_ids(token_ids, M.shape[0])
    all_ids = np.concatenate(docs)
    if frequencies is None:
        counts = np.bincount(all_ids, minlength=M.shape[0]).astype(np.float64)
    else:
        counts = _check_weights(frequencies, M.shape[0], name="frequencies")
    occurring = np.flatnonzero(counts > 0)
    whitening = ZipfianWhitening(epsilon=epsilon).fit(M[occurring], sample_weight=counts[occurring])
    return docs, occurring, whitening, counts[occurring] / counts[occurring].sum()


def zipfian_sentence_vectors(
    token_ids: list[list[int]],
    token_matrix: Any,
    *,
    frequencies: Any = None,
    epsilon: float | None = None,
) -> np.ndarray:
    """Zipfian-whitened bag-of-words vectors of documents (Yokoi et al. 2024).

    Parameters
    ----------
    token_ids : list of list of int
        One list of token ids per document (n documents); ids index rows of ``token_matrix``.
    token_matrix : array of shape (V, d)
        A vector per token type, e.g. a transformer's input (token) embedding matrix.
    frequencies : array of shape (V,), optional
        Token probabilities or counts to weight the whitening with (e.g. a reference list). Default: the
        counts of each id over ``token_ids``. The whitening is fitted on the rows with positive weight.
    epsilon : float, optional
        Ridge for a rank-deficient fit (fewer than ``d + 1`` distinct tokens); see
        :class:`ZipfianWhitening`.

    Returns
    -------
    ndarray of shape (n, d), float64
        Row i is the plain mean of the whitened vectors of document i's tokens.
    """
    docs, _, whitening, _ = _fit_bow_whitening(token_ids, token_matrix, frequencies, epsilon)
    return _pool(docs, whitening, np.asarray(token_matrix))


def _pool(docs: list[np.ndarray], whitening: ZipfianWhitening, token_matrix: np.ndarray) -> np.ndarray:
    # whiten only the token types that appear, then average per document
    all_ids = np.concatenate(docs)
    unique, inverse = np.unique(all_ids, return_inverse=True)
    white = whitening.transform(token_matrix[unique])
    lengths = np.array([doc.size for doc in docs])
    owner = np.repeat(np.arange(len(docs)), lengths)
    sums = np.zeros((len(docs), white.shape[1]))
    np.add.at(sums, owner, white[inverse])
    return sums / lengths[:, None]


def _model_token_ids(texts: Sequence[str], embedder: Any) -> tuple[list[list[int]], np.ndarray]:
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise InputError("texts must be a list of strings.")
    tokenizer = getattr(embedder, "tokenizer", None)
    matrix_fn = getattr(embedder, "token_embeddings", None)
    if tokenizer is None or matrix_fn is None:
        raise InputError(
            f"The embedder {getattr(embedder, 'name', type(embedder).__name__)!r} exposes no tokenizer and "
            "token_embeddings(); Zipfian bag-of-words vectors need a transformer model such as the default "
            "all-MiniLM-L6-v2."
        )
    # no truncation: a bag of words uses every token; verbose=False silences the "longer than the
    # maximum sequence length" notice, which concerns the transformer, not this count
    encoded = tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    ids = [[t for t in doc if t not in special] for doc in encoded]
    return ids, np.asarray(matrix_fn())


def zipfian_sentence_vectors_from_model(
    texts: Sequence[str], embedder: Any, *, epsilon: float | None = None
) -> np.ndarray:
    """Zipfian-whitened bag-of-words vectors (n, d) from a model's tokenizer and token-embedding matrix.

    ``embedder`` needs ``tokenizer`` (a Hugging Face tokenizer) and ``token_embeddings()`` returning the
    (V, d) input-embedding matrix. Special tokens are dropped (see the module docstring); texts are not
    truncated. The token frequencies are this corpus's own.
    """
    ids, matrix = _model_token_ids(texts, embedder)
    return zipfian_sentence_vectors(ids, matrix, epsilon=epsilon)


@dataclass(frozen=True)
class SymmetryComparison:
    """Symmetry of a model's sentence embeddings next to Zipfian-whitened bag-of-words vectors.

    Attributes
    ----------
    model : SymmetryScores
        The model's own sentence embeddings, documents weighted uniformly.
    zipfian_bow : SymmetryScores
        Zipfian-whitened bag-of-words sentence vectors, documents weighted uniformly.
    tokens_before, tokens_after : SymmetryScores
        The occurring token vectors under the corpus token frequencies, before and after whitening
        (after is 1, 1 up to round-off unless ``epsilon`` regularised the fit).
    n_documents, n_token_types : int
    epsilon : float
        The ridge used by the whitening (0.0 when none).
    """

    model: SymmetryScores
    zipfian_bow: SymmetryScores
    tokens_before: SymmetryScores
    tokens_after: SymmetryScores
    n_documents: int
    n_token_types: int
    epsilon: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_frame(self) -> Any:
        import pandas as pd

        rows = [
            ("model sentence embeddings", self.model),
            ("Zipfian-whitened bag of words", self.zipfian_bow),
            ("token vectors, before whitening", self.tokens_before),
            ("token vectors, after whitening", self.tokens_after),
        ]
        return pd.DataFrame(
            [{"representation": name, **s.to_dict()} for name, s in rows]
        ).set_index("representation")


def symmetry_comparison(
    model_embeddings: Any,
    token_ids: list[list[int]],
    token_matrix: Any,
    *,
    frequencies: Any = None,
    epsilon: float | None = None,
) -> SymmetryComparison:
    """Compare the symmetry of model sentence embeddings (n, d_m) and Zipfian BoW vectors of the same texts.

    ``token_ids``, ``token_matrix``, ``frequencies`` and ``epsilon`` are as in
    :func:`zipfian_sentence_vectors`.
    """
    X = _check_matrix(model_embeddings, "model_embeddings")
    docs, occurring, whitening, p = _fit_bow_whitening(token_ids, token_matrix, frequencies, epsilon)
    if X.shape[0] != len(docs):
        raise InputError(
            f"model_embeddings has {X.shape[0]} rows but token_ids has {len(docs)} documents; they must "
            "describe the same texts in the same order."
        )
    M = np.asarray(token_matrix, dtype=np.float64)
    bow = _pool(docs, whitening, M)
    return SymmetryComparison(
        model=symmetry_scores(X),
        zipfian_bow=symmetry_scores(bow),
        tokens_before=symmetry_scores(M[occurring], p),
        tokens_after=symmetry_scores(whitening.transform(M[occurring]), p),
        n_documents=len(docs),
        n_token_types=int(occurring.size),
        epsilon=whitening.epsilon_,
    )


def symmetry_comparison_from_model(
    texts: Sequence[str],
    embedder: Any,
    *,
    embeddings: Any = None,
    epsilon: float | None = None,
) -> SymmetryComparison:
    """:func:`symmetry_comparison` for texts and an embedder with ``tokenizer`` / ``token_embeddings()``.

    ``embeddings`` (n, d) are the texts' sentence embeddings if already computed (e.g. from the
    cache); otherwise ``embedder.encode(texts)`` is called.
    """
    ids, matrix = _model_token_ids(texts, embedder)
    X = embedder.encode(list(texts)) if embeddings is None else embeddings
    return symmetry_comparison(X, ids, matrix, epsilon=epsilon)
