"""The estimators of core.transform follow scikit-learn exactly: fit(X, y=None, *, sample_weight=None),
learned attributes ending in "_", scikit-learn's NotFittedError before fit, and sklearn's Pipeline."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from core.exceptions import ParameterError
from core.transform.estimator import NotFittedError
from core.transform.hubness_reduction import CSLS, NICDM, DisSimLocal, LocalScaling, MutualProximity
from core.transform.relative import RelativeProjection
from core.transform.whitening import Centering, PCAWhitening, ZipfianWhitening

ESTIMATORS = [Centering, ZipfianWhitening, PCAWhitening, RelativeProjection, MutualProximity, LocalScaling,
              NICDM, CSLS, DisSimLocal]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_fit_signature_is_scikit_learns(cls) -> None:
    params = inspect.signature(cls.fit).parameters
    assert list(params) == ["self", "X", "y", "sample_weight"]
    assert params["y"].default is None and params["y"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert params["sample_weight"].default is None and params["sample_weight"].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_not_fitted_is_scikit_learns_error_and_learned_attributes_end_in_underscore(cls, rng) -> None:
    est = cls()
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError, match="not fitted") as info:
        est.transform(rng.standard_normal((5, 3)))
    assert isinstance(info.value, SklearnNotFittedError) and isinstance(info.value, ParameterError)
    before = set(vars(est))
    X = rng.standard_normal((40, 3))
    assert est.fit(X) is est
    learned = set(vars(est)) - before
    assert learned and all(name.endswith("_") for name in learned), sorted(learned)
    check_is_fitted(est)  # no error once fitted


def test_sample_weight_is_the_word_probability_of_zipfian_whitening(rng) -> None:
    W = rng.standard_normal((50, 4))
    p = rng.random(50)
    weighted = ZipfianWhitening().fit(W, sample_weight=p)
    uniform = ZipfianWhitening().fit(W)
    np.testing.assert_allclose(weighted.mean_, (p / p.sum()) @ W, atol=1e-12)
    assert not np.allclose(weighted.T_, uniform.T_)
    # y is ignored, as in scikit-learn
    np.testing.assert_array_equal(ZipfianWhitening().fit(W, np.arange(50)).T_, uniform.T_)


@pytest.mark.parametrize("cls", [PCAWhitening, RelativeProjection, CSLS], ids=lambda c: c.__name__)
def test_weights_are_refused_where_the_fit_has_no_use_for_them(cls, rng) -> None:
    with pytest.raises(ParameterError, match="does not use sample_weight"):
        cls().fit(rng.standard_normal((30, 3)), sample_weight=np.ones(30))


def test_the_estimators_sit_in_a_scikit_learn_pipeline(rng) -> None:
    X = rng.standard_normal((60, 5)) * [1, 2, 3, 4, 5] + 3
    pipe = Pipeline([("center", Centering()), ("whiten", PCAWhitening())]).fit(X)
    by_hand = PCAWhitening().fit(Centering().fit_transform(X)).transform(Centering().fit_transform(X))
    np.testing.assert_allclose(pipe.transform(X), by_hand, atol=1e-10)
    # whitened: identity (population) covariance
    np.testing.assert_allclose(np.cov(pipe.transform(X), rowvar=False, bias=True), np.eye(5), atol=1e-8)
    weights = rng.random(60)
    routed = Pipeline([("center", Centering())]).fit(X, center__sample_weight=weights)
    np.testing.assert_allclose(routed.named_steps["center"].mean_, (weights / weights.sum()) @ X, atol=1e-12)
