"""Classifier attribution: for every document, the out-of-fold probability that it belongs to the
other corpus (the documents that carry a difference, and those that look like the other corpus).

The same stratified cross-validation and features as the classifier two-sample test
(:func:`core.analysis.twosample.classifier_test`); see :mod:`core.analysis.twosample` for the method
and its sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from core.analysis.twosample import (
    _auc_columns,
    _blas_threads,
    _check_names,
    _classifier_checks,
    _folds,
    _labels_and_features,
    _logistic_oof,
    _one_step_fold,
    _prepare,
)
from core.validation import (
    check_random_state,
    seed_of,
)

__all__ = ["ClassifierAttribution", "classifier_attribution"]


@dataclass(frozen=True)
class ClassifierAttribution:
    """Per-document output of :func:`classifier_attribution`.

    ``prob_other_a[i]`` is the out-of-fold probability that document ``i`` of A belongs to B, and
    ``prob_other_b[j]`` that document ``j`` of B belongs to A. Low values mark documents typical of
    their own corpus (they drive the difference); high values mark documents that look like the other
    corpus.
    """

    prob_other_a: np.ndarray = field(repr=False, compare=False)
    prob_other_b: np.ndarray = field(repr=False, compare=False)
    auc: float
    name_a: str
    name_b: str
    model: str
    n_splits: int
    C: float
    random_state: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"auc": self.auc, "name_a": self.name_a, "name_b": self.name_b, "model": self.model,
                "n_splits": self.n_splits, "C": self.C, "random_state": self.random_state,
                "n_a": int(self.prob_other_a.size), "n_b": int(self.prob_other_b.size)}

    def to_frame(self):
        """One row per document: ``corpus``, ``index``, ``other_corpus``, ``prob_other``."""
        import pandas as pd

        na, nb = self.prob_other_a.size, self.prob_other_b.size
        return pd.DataFrame({
            "corpus": [self.name_a] * na + [self.name_b] * nb,
            "index": np.r_[np.arange(na), np.arange(nb)],
            "other_corpus": [self.name_b] * na + [self.name_a] * nb,
            "prob_other": np.r_[self.prob_other_a, self.prob_other_b],
        })


def classifier_attribution(A: Any, B: Any, *, n_splits: int = 5, C: float = 1.0,
                           model: Literal["one-step", "logistic"] = "logistic", normalize: bool = True,
                           random_state: Any = 0, names: tuple[str, str] = ("A", "B"),
                           ) -> ClassifierAttribution:
    """Out-of-fold probability that each document belongs to the *other* corpus.

    Same stratified cross-validation and features as :func:`classifier_test`, on every document (no
    ``max_n`` cap: without permutations the cost is n_splits model fits). The default model is the
    fully fitted logistic regression, not the one-step estimate the test uses: one Newton step from
    the intercept-only fit ranks documents almost identically but leaves the probabilities shrunk
    towards the base rate, and here the probabilities themselves are shown to people.
    ``model="one-step"`` reproduces the test's scores exactly (same folds for the same
    ``random_state`` when no subsampling happened), and its ``auc`` then equals the test statistic.

    Parameters
    ----------
    A, B : array-like of shape (n_a, d) and (n_b, d)
        Embeddings, at least ``n_splits`` documents each.
    n_splits, C, normalize, random_state, names
        As in :func:`classifier_test`.
    model : {"logistic", "one-step"}
        "logistic" (default): scikit-learn ``LogisticRegression`` fitted to convergence per fold.

    Returns
    -------
    ClassifierAttribution
    """
    n_splits, C, model = _classifier_checks(n_splits, C, model)
    rng = check_random_state(random_state)
    names = _check_names(names)
    Aa, Ba = _prepare(A, B, normalize=normalize, min_rows=2)
    Z, y = _labels_and_features(Aa, Ba, n_splits)
    with _blas_threads(y.size):
        folds = _folds(y, n_splits, rng)
        if model == "one-step":
            logit = np.empty(y.size)
            for train, test in folds:
                M, off = _one_step_fold(Z, y, train, test, C)
                logit[test] = off + M @ y[train]
        else:
            logit = _logistic_oof(Z, y, folds, C)
    from scipy.special import expit

    prob_b = expit(logit)
    na = len(Aa)
    return ClassifierAttribution(
        prob_other_a=prob_b[:na], prob_other_b=1.0 - prob_b[na:],
        auc=float(_auc_columns(logit[:, None], y[:, None])[0]),
        name_a=names[0], name_b=names[1], model=model, n_splits=n_splits, C=C,
        random_state=seed_of(random_state),
    )
