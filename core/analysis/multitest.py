"""Multiple-testing corrections for several tests reported together.

When the dashboard shows the depth test (both directions), MMD, energy distance and the classifier
test for one pair of corpora, at least one of five p-values falls below 0.05 by chance far more often
than 5% of the time. Corpus Compass therefore reports corrected p-values, by default with

- **Holm** (1979), "A simple sequentially rejective multiple test procedure": controls the
  family-wise error rate (the chance of *any* false "they differ") under any dependence between the
  tests. The tests here are strongly dependent (same data), which Holm tolerates. Default.
- **Benjamini–Hochberg** (1995): controls the false discovery rate; valid under independence or
  positive regression dependence. Offered for users comparing many corpus pairs at once.

Adjusted p-values follow the usual step-down (Holm) and step-up (BH) definitions and are capped at 1,
so ``adjusted <= alpha`` is the decision at level ``alpha``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from core.exceptions import InputError
from core.validation import check_choice

__all__ = ["CORRECTION_NAMES", "DEFAULT_CORRECTION", "adjust_pvalues"]

DEFAULT_CORRECTION = "holm"
CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini–Hochberg"}


def adjust_pvalues(pvalues: Any, *, method: Literal["holm", "bh"] = DEFAULT_CORRECTION) -> np.ndarray:
    """Adjust p-values for multiple testing.

    Parameters
    ----------
    pvalues : array-like of shape (m,)
        Raw p-values in [0, 1], in any order.
    method : {"holm", "bh"}
        "holm" (family-wise error, any dependence; the product's default) or "bh"
        (Benjamini–Hochberg false discovery rate).

    Returns
    -------
    ndarray of shape (m,)
        Adjusted p-values in the input order, each >= its raw value and <= 1.

    Raises
    ------
    InputError
        Not 1-D, NaN, or values outside [0, 1].
    ParameterError
        Unknown ``method``.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.005]).tolist()
    [0.03, 0.06, 0.06, 0.02]
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.005], method="bh").tolist()
    [0.02, 0.04, 0.04, 0.02]
    """
    check_choice(method, "method", tuple(CORRECTION_NAMES))
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise InputError(f"pvalues must be a 1-D sequence; got shape {p.shape}.")
    if p.size == 0:
        return p.copy()
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise InputError(f"pvalues must be finite numbers in [0, 1]; got {p.tolist()}.")
    m = p.size
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        # step-down: the i-th smallest (1-based) is multiplied by m - i + 1, then made monotone.
        adjusted = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:
        # step-up: the i-th smallest is multiplied by m / i, then made monotone from the top.
        adjusted = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out
