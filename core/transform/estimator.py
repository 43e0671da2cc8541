"""What every estimator of ``core.transform`` shares to follow scikit-learn's conventions exactly.

``fit(X, y=None, *, sample_weight=None)`` returns ``self``; what ``fit`` learns is stored in attributes
ending in ``_`` (so :func:`sklearn.utils.validation.check_is_fitted` works); ``transform`` before
``fit`` raises :class:`NotFittedError`, which is scikit-learn's ``NotFittedError`` as well as this
library's :class:`~core.exceptions.ParameterError`, so the estimators sit in an
:class:`sklearn.pipeline.Pipeline` and callers catch either.
"""

from __future__ import annotations

from typing import Any

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

from core.exceptions import ParameterError

__all__ = ["NotFittedError"]


class NotFittedError(ParameterError, _SklearnNotFittedError):
    """An estimator was used before ``fit``: scikit-learn's NotFittedError and a ParameterError."""


def check_fitted(estimator: Any, attribute: str, message: str | None = None) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has the learned ``attribute``."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(message or f"This {type(estimator).__name__} is not fitted yet; call fit() "
                                        "before transform().")


def no_sample_weight(estimator: Any, sample_weight: Any) -> None:
    """For estimators whose fit has no use for weights: refuse them instead of ignoring them."""
    if sample_weight is not None:
        raise ParameterError(f"{type(estimator).__name__}.fit does not use sample_weight; leave it None")
