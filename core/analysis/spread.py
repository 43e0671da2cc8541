"""Spread and isotropy of an embedding cloud.

Sources: Rudman, Gillman, Rayne & Eickhoff, "IsoScore: Measuring the Uniformity of Embedding Space
Utilization", Findings of ACL 2022; Marbut, McKinney-Bock & Wheeler, "Reliable Measures of Spread in
High Dimensional Latent Spaces", ICML 2023 (EEE and VRM; published code ``amarbut/isotropy``,
``alternate_isotropy_measures.py``).

All measures start from the eigenvalues λ_1 >= ... >= λ_d of the sample covariance (float64), padded
with zeros to d when n <= d (the covariance then has rank <= n - 1, and the measures say so rather
than pretending the cloud fills dimensions it cannot).

- **IsoScore** = (PR - 1) / (d - 1), PR = (Σλ)² / Σλ² the participation ratio. This is algebraically
  equal to Rudman et al.'s Algorithm 1 (PCA, normalise the variance vector to length √d, isotropy
  defect, fraction of dimensions used): 1 for isotropic, 0 for a line, (k-1)/(d-1) for variance
  spread equally over k of d dimensions.
- **EEE** (eigenspectrum early enrichment, Marbut et al.): the area between the cumulative normalised
  eigenvalue curve ``c_k = Σ_{j<=k} λ_j / Σλ`` and the uniform line ``k / d``, by the trapezoidal rule
  on k = 1..d with unit spacing, divided by d / 2, as in the published ``AUC_eigensum``. In closed
  form ``EEE = (2 Σ_k (c_k - k/d) - (c_1 - 1/d)) / d``: 0 for isotropic, ((d-1)/d)² for all variance in
  one direction. Unlike the published code, d is always the number of dimensions, not
  ``min(n, d)`` (scikit-learn's PCA keeps only min(n, d) components).
- **VRM** (Vasicek ratio, Marbut et al.): principal-component scores are scaled so that the total
  variance is d (a standard normal in d dimensions has total variance d); for each component k,
  ``r_k = exp(H_k) / exp(H_N(0,1))`` with ``H_k`` the Vasicek estimate of its differential entropy
  (``scipy.stats.differential_entropy(method="vasicek")``, passed explicitly: scipy's default "auto"
  switches to other estimators for n <= 1000, which the published code silently did) and
  ``H_N(0,1) = ½ log(2πe)``; VRM = mean_k (1 - r_k)². 0 for an isotropic Gaussian-like cloud.
  the specification words the reference as "a Gaussian of the same variance"; read per component, that
  would make VRM blind to how variance is shared between components (every Gaussian would score 0,
  a line included), so we follow the paper's code: the reference Gaussian has the same *total*
  variance, spread evenly. The published code draws a random normal sample to get that total
  (≈ d); we use d exactly, so VRM is deterministic. A component with zero variance (or an atom large
  enough to make a Vasicek spacing zero) has r_k = 0. The Vasicek estimator is biased low in small
  samples, so VRM of truly Gaussian data is slightly above 0 and shrinks as n grows.
- **Average cosine similarity** over distinct pairs, in closed form ``(||Σ x̂||² - n) / (n (n - 1))``.
  It is a poor measure of spread (Marbut et al. §3): a cloud shifted away from the origin scores high
  however it is spread, and very different clouds share a value. It is here only for comparison
  with older literature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.exceptions import InsufficientDataError
from core.validation import as_embedding_matrix

__all__ = [
    "Eigenspectrum",
    "SpreadReport",
    "average_cosine",
    "covariance_eigenvalues",
    "eee",
    "eigenspectrum",
    "isoscore",
    "spread_report",
    "vrm",
]

_HALF_LOG_2PIE = 0.5 * np.log(2.0 * np.pi * np.e)
_BLOCK_ROWS = 8192  # rows centred at a time (25 MB at d = 384)
_VRM_COLUMNS = 32  # principal components whose entropy is estimated at a time


def _matrix(X: Any, *, allow_zero_rows: bool = True) -> np.ndarray:
    return as_embedding_matrix(X, name="X", min_rows=2, min_cols=2, allow_zero_rows=allow_zero_rows)


def _centred_blocks(Xa: np.ndarray, mean: np.ndarray):
    """Yield ``(rows, Xa[rows] - mean)`` in blocks of ``_BLOCK_ROWS``: never a centred (n, d) copy."""
    for start in range(0, Xa.shape[0], _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        yield rows, Xa[rows] - mean


def _eigen(Xa: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Covariance eigenvalues (descending, length d) and, if n > d, the eigenvectors (d, d)."""
    n, d = Xa.shape
    mean = Xa.mean(axis=0)
    if n > d:
        scatter = np.zeros((d, d))
        for _, B in _centred_blocks(Xa, mean):
            scatter += B.T @ B
        vals, vecs = np.linalg.eigh(scatter / (n - 1))
        vals, vecs = vals[::-1], vecs[:, ::-1]
    else:  # the n x n Gram matrix has the same non-zero eigenvalues and is smaller
        Xc = Xa - mean
        vals = np.linalg.eigvalsh(Xc @ Xc.T / (n - 1))[::-1]
        vals = np.r_[vals, np.zeros(d - n)]
        vecs = None
    vals = np.clip(vals, 0.0, None)
    # eigenvalues below rounding level of the largest are zeros that came out as ±1e-17
    vals[vals < vals[0] * 1e-12 * d] = 0.0
    if vals[0] == 0.0:
        raise InsufficientDataError("X has no variance: all documents have the same embedding, so its "
                                    "spread is undefined. Add distinct documents.")
    return vals, vecs


def covariance_eigenvalues(X: Any) -> np.ndarray:
    """Eigenvalues of the sample covariance of ``X`` (n, d), descending, length d, float64."""
    return _eigen(_matrix(X))[0]


def _isoscore(vals: np.ndarray) -> float:
    d = vals.size
    pr = vals.sum() ** 2 / np.sum(vals ** 2)
    return float(np.clip((pr - 1.0) / (d - 1.0), 0.0, 1.0))


def _eee(vals: np.ndarray) -> float:
    d = vals.size
    cum = np.cumsum(vals) / vals.sum()
    diff = cum - np.arange(1, d + 1) / d
    diff[-1] = 0.0  # exactly 1 - 1 in exact arithmetic
    return float((2.0 * diff.sum() - diff[0]) / d)


def isoscore(X: Any) -> float:
    """IsoScore of a point cloud (Rudman et al. 2022).

    Parameters
    ----------
    X : array-like of shape (n, d)
        Points (n >= 2, d >= 2). Zero rows are allowed.

    Returns
    -------
    float
        In [0, 1]: 1 isotropic, 0 all variance along one line.

    Raises
    ------
    InsufficientDataError
        Fewer than 2 points or dimensions, or no variance at all.
    """
    return _isoscore(covariance_eigenvalues(X))


def eee(X: Any) -> float:
    """Eigenspectrum early enrichment (Marbut et al. 2023): 0 isotropic, ((d-1)/d)² one direction.

    Parameters
    ----------
    X : array-like of shape (n, d)

    Returns
    -------
    float
    """
    return _eee(covariance_eigenvalues(X))


def _vrm(Xa: np.ndarray, vals: np.ndarray, vecs: np.ndarray | None) -> tuple[float, np.ndarray]:
    from scipy.stats import differential_entropy

    n, d = Xa.shape
    mean = Xa.mean(axis=0)
    scale = np.sqrt(d / vals.sum())  # total variance d, as a standard normal in d dimensions
    if vecs is None:  # n <= d: principal axes from the SVD of the centred data (small)
        _, _, vt = np.linalg.svd(Xa - mean, full_matrices=False)
        axes = vt.T
    else:
        axes = vecs
    ratio = np.zeros(d)
    alive = np.flatnonzero(vals[:axes.shape[1]] > 0)
    # a few components at a time: the scores and the estimator's sorted copies stay O(n * 32), not
    # O(n * d) several times over (6 GB at 200,000 x 384 when done in one piece)
    for start in range(0, alive.size, _VRM_COLUMNS):
        cols = alive[start:start + _VRM_COLUMNS]
        scores = np.empty((n, cols.size))
        for rows, B in _centred_blocks(Xa, mean):
            scores[rows] = B @ axes[:, cols]
        scores *= scale
        with np.errstate(divide="ignore"):  # a zero spacing gives log 0 = -inf, i.e. r = 0
            H = differential_entropy(scores, method="vasicek", axis=0)
        ratio[cols] = np.exp(H - _HALF_LOG_2PIE)
    return float(np.mean((1.0 - ratio) ** 2)), ratio


def vrm(X: Any) -> float:
    """Vasicek ratio measure of spread (Marbut et al. 2023): 0 for an isotropic Gaussian-like cloud.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Points; the Vasicek estimator needs n >= 4 (window sqrt(n)).

    Returns
    -------
    float
        ``mean_k (1 - r_k)²`` over the d principal components (see the module docstring).
    """
    Xa = _matrix(X)
    _check_vasicek(Xa)
    vals, vecs = _eigen(Xa)
    return _vrm(Xa, vals, vecs)[0]


def _check_vasicek(Xa: np.ndarray) -> None:
    if Xa.shape[0] < 4:
        raise InsufficientDataError(f"VRM needs at least 4 documents for the Vasicek entropy estimate; "
                                    f"got {Xa.shape[0]}.")


def average_cosine(X: Any) -> float:
    """Mean cosine similarity over distinct pairs of rows. A poor measure of spread: see module doc.

    Parameters
    ----------
    X : array-like of shape (n, d)
        n >= 2 non-zero rows.

    Returns
    -------
    float
        In [-1, 1].
    """
    Xa = as_embedding_matrix(X, name="X", min_rows=2)
    return _average_cosine(Xa)


def _average_cosine(Xa: np.ndarray) -> float:
    n = Xa.shape[0]
    s = (Xa / np.linalg.norm(Xa, axis=1, keepdims=True)).sum(axis=0)
    return float(np.clip((s @ s - n) / (n * (n - 1)), -1.0, 1.0))


@dataclass(frozen=True)
class Eigenspectrum:
    """Data for an eigen-spectrum plot: normalised eigenvalues, their cumulative sum, and the
    uniform (isotropic) reference, each of shape (d,); ``eigenvalues`` are the covariance
    eigenvalues themselves (descending), so that no caller needs a second pass over the data."""

    explained: np.ndarray = field(repr=False, compare=False)
    cumulative: np.ndarray = field(repr=False, compare=False)
    uniform: np.ndarray = field(repr=False, compare=False)
    eigenvalues: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_frame(self):
        """Columns ``component`` (1..d), ``explained``, ``cumulative``, ``uniform_cumulative``."""
        import pandas as pd

        return pd.DataFrame({"component": np.arange(1, self.explained.size + 1),
                             "explained": self.explained, "cumulative": self.cumulative,
                             "uniform_cumulative": self.uniform})

    def to_dict(self) -> dict[str, Any]:
        return {"explained": self.explained.tolist(), "cumulative": self.cumulative.tolist(),
                "uniform_cumulative": self.uniform.tolist()}


def _spectrum(vals: np.ndarray) -> Eigenspectrum:
    explained = vals / vals.sum()
    d = vals.size
    return Eigenspectrum(explained=explained, cumulative=np.cumsum(explained),
                         uniform=np.arange(1, d + 1) / d, eigenvalues=vals)


def eigenspectrum(X: Any) -> Eigenspectrum:
    """Normalised covariance eigenvalues of ``X`` (n, d) for plotting against the isotropic line."""
    return _spectrum(covariance_eigenvalues(X))


@dataclass(frozen=True)
class SpreadReport:
    """All spread measures of one corpus (see :func:`spread_report`).

    Attributes
    ----------
    isoscore : float
        1 isotropic .. 0 a line.
    eee : float
        0 isotropic .. ((d-1)/d)² one direction.
    vrm : float
        0 isotropic Gaussian-like; larger is less evenly spread.
    average_cosine : float
        Mean pairwise cosine similarity; a poor measure of spread, for comparison with older work.
    n, d : int
        Documents and dimensions.
    spectrum : Eigenspectrum
        Plot data.
    entropy_ratios : ndarray of shape (d,)
        The per-component ``r_k`` behind VRM.
    name : str
        Corpus name.
    """

    isoscore: float
    eee: float
    vrm: float
    average_cosine: float
    n: int
    d: int
    spectrum: Eigenspectrum = field(repr=False, compare=False)
    entropy_ratios: np.ndarray = field(repr=False, compare=False)
    name: str = "X"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "n": self.n, "d": self.d, "isoscore": self.isoscore, "eee": self.eee,
                "vrm": self.vrm, "average_cosine": self.average_cosine}

    def to_frame(self):
        """One row with the scalar measures (use ``spectrum.to_frame()`` for the plot data)."""
        import pandas as pd

        return pd.DataFrame([self.to_dict()])


def spread_report(X: Any, *, name: str = "X") -> SpreadReport:
    """IsoScore, EEE, VRM, average cosine and eigen-spectrum of one corpus, in one pass.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Embeddings: n >= 4 non-zero rows (average cosine needs a direction for every row), d >= 2.
    name : str
        Corpus name carried into the result.

    Returns
    -------
    SpreadReport
    """
    from core.validation import check_name

    check_name(name, "name")
    Xa = as_embedding_matrix(X, name="X", min_rows=2, min_cols=2)
    _check_vasicek(Xa)
    vals, vecs = _eigen(Xa)
    v, ratios = _vrm(Xa, vals, vecs)
    return SpreadReport(isoscore=_isoscore(vals), eee=_eee(vals), vrm=v, average_cosine=_average_cosine(Xa),
                        n=Xa.shape[0], d=Xa.shape[1], spectrum=_spectrum(vals), entropy_ratios=ratios,
                        name=name)
