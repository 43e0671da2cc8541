"""IsoScore, EEE, VRM, average cosine and the eigen-spectrum (METHODS.md §7)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist
from scipy.stats import differential_entropy
from sklearn.decomposition import PCA
from sklearn.metrics import auc

from core.analysis.spread import (
    SpreadReport,
    average_cosine,
    covariance_eigenvalues,
    eee,
    eigenspectrum,
    isoscore,
    spread_report,
    vrm,
)
from core.exceptions import InputError, InsufficientDataError, ParameterError


def isoscore_algorithm_1(X):
    """Rudman et al. (2022), Algorithm 1, step by step (tests only)."""
    n = X.shape[1]
    var = PCA().fit(X).explained_variance_
    var = np.r_[var, np.zeros(n - var.size)]
    var_hat = np.sqrt(n) * var / np.linalg.norm(var)
    delta = np.linalg.norm(var_hat - 1) / np.sqrt(2 * (n - np.sqrt(n)))
    phi = (n - delta**2 * (n - np.sqrt(n))) ** 2 / n**2
    return (n * phi - 1) / (n - 1)


def eee_published(X):
    """``AUC_eigensum`` of amarbut/isotropy (Marbut et al. 2023), for n > d (tests only)."""
    pc = PCA().fit(X)
    k = pc.n_components_
    eigensum = np.cumsum(pc.explained_variance_)
    ref = np.cumsum([eigensum[-1] / k] * k)
    return auc(range(k), eigensum - ref) / (eigensum[-1] * k / 2)


def vrm_published_deterministic(X):
    """``vasicek_entropy`` of amarbut/isotropy with the total variance fixed at d instead of drawn
    from a random normal sample, and the Vasicek method passed explicitly (tests only)."""
    d = X.shape[1]
    pc = PCA()
    tx = pc.fit_transform(X) * np.sqrt(d / pc.explained_variance_.sum())
    r = np.exp(differential_entropy(tx, method="vasicek")) / np.sqrt(2 * np.pi * np.e)
    return np.sum((1 - r) ** 2) / d


# ---------------------------------------------------------------- METHODS.md §7 checks

def test_isoscore_plus_minus_basis_is_one():
    E = np.vstack([np.eye(10), -np.eye(10)])
    assert isoscore(E) == pytest.approx(1.0, abs=1e-12)
    assert eee(E) == pytest.approx(0.0, abs=1e-12)


def test_points_on_a_line():
    L = np.outer(np.linspace(-3, 5, 17), np.arange(1.0, 11.0))
    assert isoscore(L) == pytest.approx(0.0, abs=1e-12)
    assert eee(L) == pytest.approx((9 / 10) ** 2, abs=1e-12)


@pytest.mark.parametrize("k", [1, 2, 5, 9, 12])
def test_variance_spread_equally_over_k_of_n_dims(k):
    n = 12
    X = np.vstack([np.eye(n)[:k], -np.eye(n)[:k]])
    assert isoscore(X) == pytest.approx((k - 1) / (n - 1), abs=1e-12)


def test_eee_one_direction_for_several_d():
    for d in (2, 5, 50):
        X = np.zeros((4, d))
        X[:, 0] = [1, -1, 2, -2]
        assert eee(X) == pytest.approx(((d - 1) / d) ** 2, abs=1e-12)


# ---------------------------------------------------------------- agreement with published definitions

def test_agrees_with_published_algorithms(rng):
    X = rng.standard_normal((1500, 8)) * np.linspace(0.2, 3, 8) + rng.standard_normal(8)
    assert isoscore(X) == pytest.approx(isoscore_algorithm_1(X), abs=1e-10)
    assert eee(X) == pytest.approx(eee_published(X), abs=1e-10)
    assert vrm(X) == pytest.approx(vrm_published_deterministic(X), rel=1e-9)


def test_rank_deficient_gram_path_matches_covariance_path(rng):
    X = rng.standard_normal((6, 40))
    vals = covariance_eigenvalues(X)
    ref = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
    np.testing.assert_allclose(vals, np.clip(ref, 0, None), atol=1e-10)
    assert np.count_nonzero(vals) == 5  # rank n - 1
    assert isoscore(X) <= 4 / 39 + 1e-12  # at most (rank - 1) / (d - 1)


# ---------------------------------------------------------------- properties

@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.01, 100))
def test_invariances_and_bounds(seed, scale):
    r = np.random.default_rng(seed)
    X = r.standard_normal((80, 6)) * r.uniform(0.1, 3, 6)
    Q, _ = np.linalg.qr(r.standard_normal((6, 6)))
    Y = scale * X @ Q + r.standard_normal(6) * 5  # rotate, rescale, translate
    for f in (isoscore, eee, vrm):
        assert f(Y) == pytest.approx(f(X), abs=1e-8)
    assert 0 <= isoscore(X) <= 1
    assert 0 <= eee(X) <= (5 / 6) ** 2 + 1e-12
    assert vrm(X) >= 0


def test_average_cosine_closed_form_and_not_translation_invariant(rng):
    X = rng.standard_normal((50, 7))
    assert average_cosine(X) == pytest.approx(np.mean(1 - pdist(X, "cosine")), abs=1e-12)
    # the reason it is a poor spread measure: a shift changes it, the spread does not change
    assert average_cosine(X + 5) > 0.8 > abs(average_cosine(X))
    assert isoscore(X + 5) == pytest.approx(isoscore(X), abs=1e-10)


def test_vrm_orders_spreads_and_shrinks_with_n():
    r = np.random.default_rng(0)
    gauss = [vrm(r.standard_normal((n, 10))) for n in (200, 2000, 20000)]
    assert gauss[0] > gauss[1] > gauss[2] and gauss[2] < 0.002  # Vasicek bias shrinks with n
    squashed = r.standard_normal((2000, 10)) * np.r_[np.full(5, 2.0), np.full(5, 0.1)]
    assert vrm(squashed) > 0.3
    assert vrm(r.standard_normal((2000, 10))) < 0.01


def test_vrm_zero_variance_components_count_as_no_entropy(rng):
    X = np.c_[rng.standard_normal((500, 3)), np.zeros((500, 2))]
    ratios = spread_report(X + 1.0).entropy_ratios
    np.testing.assert_array_equal(ratios[3:], 0.0)
    assert np.all(ratios[:3] > 0.5)


def test_spread_report_bundles_everything(rng):
    X = rng.standard_normal((300, 16)) + 0.5
    rep = spread_report(X, name="games")
    assert isinstance(rep, SpreadReport)
    assert rep.isoscore == pytest.approx(isoscore(X)) and rep.eee == pytest.approx(eee(X))
    assert rep.vrm == pytest.approx(vrm(X)) and rep.average_cosine == pytest.approx(average_cosine(X))
    assert (rep.n, rep.d, rep.name) == (300, 16, "games")
    frame = rep.spectrum.to_frame()
    assert list(frame.columns) == ["component", "explained", "cumulative", "uniform_cumulative"]
    assert frame["cumulative"].iloc[-1] == pytest.approx(1.0)
    assert np.all(np.diff(frame["explained"]) <= 1e-15)
    np.testing.assert_allclose(eigenspectrum(X).explained, rep.spectrum.explained)
    assert rep.to_dict()["name"] == "games" and len(rep.to_frame()) == 1
    assert "entropy_ratios" not in repr(rep)
    with pytest.raises(AttributeError):
        rep.vrm = 0.0


# ---------------------------------------------------------------- degenerate and invalid input

def test_degenerate_input_errors():
    with pytest.raises(InsufficientDataError, match="at least 2"):
        isoscore(np.ones((1, 5)))
    with pytest.raises(InsufficientDataError, match="dimension"):
        isoscore(np.arange(10.0).reshape(10, 1))
    with pytest.raises(InsufficientDataError, match="no variance"):
        eee(np.ones((5, 3)))
    with pytest.raises(InsufficientDataError, match="at least 4"):
        vrm(np.eye(3))
    with pytest.raises(InputError, match="NaN"):
        isoscore(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(InputError, match="all-zero"):
        average_cosine(np.array([[1.0, 0.0], [0.0, 0.0]]))
    with pytest.raises(InputError, match="all-zero"):
        spread_report(np.r_[np.eye(4), np.zeros((1, 4))])
    with pytest.raises(ParameterError, match="name"):
        spread_report(np.eye(4), name="")
    # zero rows are fine for the covariance-based measures
    assert isoscore(np.r_[np.eye(3), -np.eye(3), np.zeros((1, 3))]) == pytest.approx(1.0)
