"""Descriptive statistics of a corpus: :class:`CorpusStats` and the Zipf fit.

Zipf's law, f(r) ∝ r^(-s) (Zipf 1949): ``s`` is the negated slope of the ordinary least-squares line
through (log10 rank, log10 frequency) over every word type. This is a descriptive summary for the
plot, not an estimator with guarantees: least squares on log-log data is biased by the long tail of
words seen once or twice (Clauset, Shalizi & Newman, "Power-law distributions in empirical data",
SIAM Review 2009; Piantadosi, "Zipf's word frequency law in natural language", Psychon. Bull. Rev.
2014). Its R² is reported with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.exceptions import (
    InputError,
)

__all__ = ["CorpusStats", "fit_zipf"]

_PLOT_RANKS = 500


@dataclass(frozen=True, repr=False)
class CorpusStats:
    """Descriptive statistics of a corpus, from :func:`core.load.tokens.tokenize`.

    Attributes
    ----------
    n_documents, n_tokens, vocabulary_size : int
        Documents, tokens over all documents, distinct tokens.
    tokens_min, tokens_median, tokens_mean, tokens_p95, tokens_max : float
        Distribution of tokens per document (the 95th percentile by linear interpolation).
    histogram_counts : ndarray of shape (n_bins,)
    histogram_edges : ndarray of shape (n_bins + 1,)
        Histogram of tokens per document: one bin per length when the lengths span at most
        ``bins`` values (bin ``[k, k+1)`` holds documents of exactly k tokens), else ``bins``
        equal-width bins; the last bin is closed.
    n_empty_removed, n_duplicates_removed : int
        Copied from the load report.
    top_words : tuple of (str, int)
        Most frequent tokens, ties broken alphabetically.
    zipf_ranks, zipf_frequencies : ndarray of shape (n_points,)
        Rank–frequency pairs for a log-log plot: every rank when there are at most 500 word types,
        else 500 ranks spaced evenly in log scale (always including the first and the last).
    zipf_exponent, zipf_intercept, zipf_r2 : float or None
        Least-squares fit log10 f = intercept - exponent * log10 r over all ranks (see
        :func:`fit_zipf`); None when there are fewer than two word types.
    """

    name: str
    n_documents: int
    n_tokens: int
    vocabulary_size: int
    tokens_min: float
    tokens_median: float
    tokens_mean: float
    tokens_p95: float
    tokens_max: float
    histogram_counts: np.ndarray
    histogram_edges: np.ndarray
    n_empty_removed: int
    n_duplicates_removed: int
    top_words: tuple[tuple[str, int], ...]
    zipf_ranks: np.ndarray
    zipf_frequencies: np.ndarray
    zipf_exponent: float | None
    zipf_intercept: float | None
    zipf_r2: float | None

    def __repr__(self) -> str:
        zipf = "None" if self.zipf_exponent is None else f"{self.zipf_exponent:.3f}"
        return (f"CorpusStats(name={self.name!r}, n_documents={self.n_documents}, n_tokens={self.n_tokens}, "
                f"vocabulary_size={self.vocabulary_size}, tokens_mean={self.tokens_mean:.1f}, "
                f"zipf_exponent={zipf})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (arrays as lists)."""
        return {
            "name": self.name,
            "n_documents": self.n_documents,
            "n_tokens": self.n_tokens,
            "vocabulary_size": self.vocabulary_size,
            "tokens_per_document": {
                "min": self.tokens_min, "median": self.tokens_median, "mean": self.tokens_mean,
                "p95": self.tokens_p95, "max": self.tokens_max,
                "histogram_counts": self.histogram_counts.tolist(),
                "histogram_edges": self.histogram_edges.tolist(),
            },
            "n_empty_removed": self.n_empty_removed,
            "n_duplicates_removed": self.n_duplicates_removed,
            "top_words": [[word, count] for word, count in self.top_words],
            "zipf": {
                "ranks": self.zipf_ranks.tolist(), "frequencies": self.zipf_frequencies.tolist(),
                "exponent": self.zipf_exponent, "intercept": self.zipf_intercept, "r2": self.zipf_r2,
            },
        }

    def top_words_frame(self) -> pd.DataFrame:
        """The top words as a table with columns ``rank, word, count``."""
        return pd.DataFrame({"rank": np.arange(1, len(self.top_words) + 1),
                             "word": [w for w, _ in self.top_words],
                             "count": [c for _, c in self.top_words]})



def fit_zipf(frequencies: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """Fit Zipf's law f(r) = C r^(-s) by least squares on log-log axes.

    Parameters
    ----------
    frequencies : array of shape (V,)
        Positive frequencies of the V word types, in any order (they are sorted, largest = rank 1).

    Returns
    -------
    exponent : float
        ``s``, the negated slope of log10 f against log10 r (Zipf 1949; about 1 for English text).
    intercept : float
        log10 C.
    r2 : float
        Coefficient of determination of the fit on the log-log scale (1.0 when all frequencies are
        equal, where the fitted line is exact and flat).

    Raises
    ------
    InputError
        Fewer than two frequencies, or a frequency that is not positive and finite.
    """
    f = np.asarray(frequencies, dtype=np.float64).ravel()
    if f.size < 2:
        raise InputError(f"fit_zipf needs at least 2 word frequencies, got {f.size}")
    if not np.all(np.isfinite(f)) or np.any(f <= 0):
        raise InputError("fit_zipf needs positive finite frequencies")
    y = np.log10(np.sort(f)[::-1])
    x = np.log10(np.arange(1, f.size + 1, dtype=np.float64))
    # closed-form least squares: exact 0 slope (not -2e-16) when all frequencies are equal
    dx, dy = x - x.mean(), y - y.mean()
    slope = float(np.dot(dx, dy) / np.dot(dx, dx))
    intercept = float(y.mean() - slope * x.mean())
    residual = y - (intercept + slope * x)
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 if total == 0 else 1.0 - float(np.sum(residual**2)) / total
    return -slope + 0.0, intercept, r2


def _plot_ranks(vocabulary_size: int) -> np.ndarray:
    if vocabulary_size <= _PLOT_RANKS:
        return np.arange(1, vocabulary_size + 1, dtype=np.int64)
    ranks = np.unique(np.round(np.geomspace(1, vocabulary_size, _PLOT_RANKS)).astype(np.int64))
    return ranks
