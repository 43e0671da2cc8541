"""MMD, energy distance and classifier two-sample tests, and per-document attribution."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist, pdist
from scipy.stats import energy_distance

from core.analysis.attribution import ClassifierAttribution, classifier_attribution
from core.analysis.twosample import (
    TwoSampleResult,
    _folds,
    _one_step_fold,
    _standardize,
    _within_fold_permutations,
    classifier_test,
    energy_test,
    mmd_test,
    permutation_pvalue,
    two_sample_tests,
)
from core.exceptions import InputError, InsufficientDataError, ParameterError


def unit(X):
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def naive_mmd2_unbiased(A, B, sigma):
    """Gretton et al. (2012) eq. 3, written out with explicit kernel matrices (tests only)."""
    k = lambda X, Y: np.exp(-cdist(X, Y, "sqeuclidean") / (2 * sigma**2))
    m, n = len(A), len(B)
    Kaa, Kbb, Kab = k(A, A), k(B, B), k(A, B)
    return ((Kaa.sum() - np.trace(Kaa)) / (m * (m - 1)) + (Kbb.sum() - np.trace(Kbb)) / (n * (n - 1))
            - 2 * Kab.mean())


def naive_energy_u(A, B):
    m, n = len(A), len(B)
    return 2 * cdist(A, B).mean() - cdist(A, A).sum() / (m * (m - 1)) - cdist(B, B).sum() / (n * (n - 1))


@pytest.fixture
def pair(rng):
    A = rng.standard_normal((40, 12)) + 1.0
    B = rng.standard_normal((30, 12)) + 1.0
    return A, B


# ------------------------------------------------------------------------------------- MMD

def test_mmd_statistic_and_bandwidth_match_the_definition(pair):
    A, B = pair
    r = mmd_test(A, B, n_permutations=50)
    Au, Bu = unit(A), unit(B)
    sigma = np.median(pdist(np.vstack([Au, Bu])))
    assert r.parameters["bandwidth"] == pytest.approx(sigma, rel=1e-12)
    assert r.statistic == pytest.approx(naive_mmd2_unbiased(Au, Bu, sigma), abs=1e-12)
    assert r.effect_size == r.statistic
    given_bw = mmd_test(A, B, n_permutations=10, bandwidth=0.3, normalize=False)
    assert given_bw.statistic == pytest.approx(naive_mmd2_unbiased(A, B, 0.3), abs=1e-12)
    assert given_bw.parameters["bandwidth_rule"] == "given"


def test_energy_statistic_matches_definition_and_scipy():
    r = np.random.default_rng(3)
    a, b = r.standard_normal((25, 1)), r.standard_normal((35, 1)) + 0.5
    res = energy_test(a, b, n_permutations=20, normalize=False)
    assert res.statistic == pytest.approx(naive_energy_u(a, b), abs=1e-12)
    # scipy's 1-D energy_distance is sqrt of the V-statistic form (self-pairs included); relate the two
    m, n = len(a), len(b)
    v_form = 2 * cdist(a, b).mean() - cdist(a, a).sum() / m**2 - cdist(b, b).sum() / n**2
    assert np.sqrt(v_form) == pytest.approx(energy_distance(a.ravel(), b.ravel()), rel=1e-12)
    assert res.effect_size == pytest.approx(res.statistic / (2 * cdist(a, b).mean()), rel=1e-12)


@pytest.mark.parametrize("test", [mmd_test, energy_test])
def test_permutation_null_only_contains_statistics_of_real_relabellings(test):
    """Every null value must be the statistic of some split of the pooled sample (4 + 4: 70 splits)."""
    r = np.random.default_rng(11)
    A, B = r.standard_normal((4, 3)), r.standard_normal((4, 3))
    res = test(A, B, n_permutations=300, random_state=5)
    pooled = np.vstack([A, B])
    exact = []
    for idx in itertools.combinations(range(8), 4):
        rest = [i for i in range(8) if i not in idx]
        exact.append(test(pooled[list(idx)], pooled[rest], n_permutations=1).statistic)
    exact = np.array(exact)
    gaps = np.abs(res.null_distribution[:, None] - exact[None, :]).min(axis=1)
    assert gaps.max() < 1e-12
    # and the p-value is the Phipson–Smyth formula applied to that null
    tol = 1e-10 * max(abs(res.statistic), np.abs(res.null_distribution).max())
    expected = (1 + np.sum(res.null_distribution >= res.statistic - tol)) / 301
    assert res.pvalue == pytest.approx(expected)


def test_permutation_pvalue_formula():
    assert permutation_pvalue(5.0, np.array([1.0, 2.0, 3.0])) == pytest.approx(1 / 4)
    assert permutation_pvalue(2.0, np.array([1.0, 2.0, 3.0])) == pytest.approx(3 / 4)
    # a tie within rounding noise counts as ">="
    assert permutation_pvalue(2.0, np.array([2.0 - 1e-15, 0.0])) == pytest.approx(2 / 3)
    assert permutation_pvalue(0.0, np.zeros(9)) == 1.0


@pytest.mark.parametrize("test", [mmd_test, energy_test, classifier_test])
def test_detects_shifted_corpora(rng, test):
    A = rng.standard_normal((60, 10)) + 1.0
    B = rng.standard_normal((60, 10)) + 1.0
    B[:, 0] += 2.5
    res = test(A, B, n_permutations=99)
    assert res.pvalue == pytest.approx(1 / 100)


@pytest.mark.parametrize("test", [mmd_test, energy_test, classifier_test])
def test_identical_corpora_give_no_evidence(rng, test):
    A = rng.standard_normal((40, 6)) + 1.0
    res = test(A, A.copy(), n_permutations=99)
    assert res.pvalue > 0.2


@pytest.mark.parametrize("test", [mmd_test, energy_test])
def test_all_points_identical_gives_zero_statistic_and_p_one(test):
    A = np.tile([[1.0, 2.0, 3.0]], (6, 1))
    res = test(A, A[:4], n_permutations=19)
    assert res.statistic == pytest.approx(0.0, abs=1e-15)
    assert res.pvalue == 1.0
    assert np.isfinite(res.effect_size) and res.effect_size == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("test", [mmd_test, energy_test])
def test_mmd_and_energy_are_symmetric_and_rotation_invariant(pair, rng, test):
    A, B = pair
    Q, _ = np.linalg.qr(rng.standard_normal((12, 12)))
    ab = test(A, B, n_permutations=10)
    assert test(B, A, n_permutations=10).statistic == pytest.approx(ab.statistic, abs=1e-12)
    assert test(A @ Q, B @ Q, n_permutations=10).statistic == pytest.approx(ab.statistic, abs=1e-12)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_normalized_tests_ignore_vector_length(seed):
    r = np.random.default_rng(seed)
    A, B = r.standard_normal((12, 5)), r.standard_normal((10, 5))
    sa, sb = r.uniform(0.1, 10, (12, 1)), r.uniform(0.1, 10, (10, 1))
    for test in (mmd_test, energy_test, classifier_test):
        x = test(A, B, n_permutations=20, random_state=1)
        y = test(A * sa, B * sb, n_permutations=20, random_state=1)
        assert y.statistic == pytest.approx(x.statistic, abs=1e-9)
        assert y.pvalue == x.pvalue


@pytest.mark.parametrize("test", [mmd_test, energy_test, classifier_test])
def test_seeded_and_bounded(pair, test):
    A, B = pair
    r1 = test(A, B, n_permutations=49, random_state=123)
    r2 = test(A, B, n_permutations=49, random_state=123)
    np.testing.assert_array_equal(r1.null_distribution, r2.null_distribution)
    assert r1 == r2 and r1.random_state == 123
    r3 = test(A, B, n_permutations=49, random_state=np.random.default_rng(4))
    assert r3.random_state is None
    assert 1 / 50 <= r1.pvalue <= 1.0
    assert r1.null_distribution.shape == (49,)


def test_subsample_cap_is_applied_and_reported(rng):
    A = rng.standard_normal((120, 5))
    B = rng.standard_normal((30, 5))
    for test in (mmd_test, energy_test, classifier_test):
        res = test(A, B, n_permutations=9, max_n=50)
        assert (res.n_a, res.n_b, res.n_used_a, res.n_used_b, res.max_n) == (120, 30, 50, 30, 50)
        assert res.subsampled and res.to_dict()["subsampled"]
        uncapped = test(A, B, n_permutations=9, max_n=None)
        assert uncapped.n_used_a == 120 and not uncapped.subsampled


def test_result_shape_is_shared_and_null_kept_out_of_repr(pair):
    A, B = pair
    results = two_sample_tests(A, B, n_permutations=19, names=("games", "science"))
    assert [r.test for r in results] == ["MMD", "energy distance", "classifier"]
    for r in results:
        assert isinstance(r, TwoSampleResult)
        assert "null_distribution" not in repr(r)
        d = r.to_dict()
        assert {"test", "statistic", "pvalue", "effect_size", "effect_size_name", "n_permutations",
                "random_state", "n_a", "n_b"} <= set(d)
        assert (d["name_a"], d["name_b"]) == ("games", "science")
        assert len(r.to_frame()) == 1
        with pytest.raises(AttributeError):
            r.pvalue = 0.5


# ------------------------------------------------------------------------------ classifier

def test_one_step_is_one_newton_step_of_penalised_logistic_regression(rng):
    """The smoother equals one Newton step from the intercept-only fit, computed by hand."""
    Z = rng.standard_normal((30, 4))
    y = (rng.random(30) < 0.5).astype(float)
    train, test = np.arange(22), np.arange(22, 30)
    C = 0.7
    M, offset = _one_step_fold(Z, y, train, test, C)
    X = np.c_[np.ones(22), Z[train]]  # intercept first, not penalised
    p0 = y[train].mean()
    beta = np.r_[np.log(p0 / (1 - p0)), np.zeros(4)]
    prob = 1 / (1 + np.exp(-X @ beta))
    grad = X.T @ (y[train] - prob) - np.r_[0.0, beta[1:] / C]
    hess = X.T @ (X * (prob * (1 - prob))[:, None]) + np.diag(np.r_[0.0, np.ones(4) / C])
    beta1 = beta + np.linalg.solve(hess, grad)
    expected = np.c_[np.ones(8), Z[test]] @ beta1
    np.testing.assert_allclose(offset + M @ y[train], expected, atol=1e-10)
    # dual (n < d) branch agrees with the primal one
    Zwide = rng.standard_normal((30, 50))
    Mp, _ = _one_step_fold(Zwide, y, np.arange(22), np.arange(22, 30), C)  # 22 < 50: dual
    Xc = Zwide[:22] - Zwide[:22].mean(0)
    W = p0 * (1 - p0)
    w_primal = np.linalg.solve(W * Xc.T @ Xc + np.eye(50) / C, Xc.T @ y[:22])
    np.testing.assert_allclose(Mp @ y[:22], (Zwide[22:] - Zwide[:22].mean(0)) @ w_primal, atol=1e-10)


def test_one_step_matches_fitted_logistic_regression_under_strong_penalty(rng):
    A = rng.standard_normal((30, 6))
    B = rng.standard_normal((30, 6)) + 0.4
    one = classifier_test(A, B, C=1e-4, n_permutations=5, model="one-step", random_state=2)
    full = classifier_test(A, B, C=1e-4, n_permutations=5, model="logistic", random_state=2)
    assert one.statistic == pytest.approx(full.statistic, abs=1e-12)
    assert full.parameters["model"] == "logistic"


def test_within_fold_permutations_keep_each_fold_stratified(rng):
    y = np.r_[np.zeros(23), np.ones(17)]
    folds = _folds(y, 5, rng)
    Y = _within_fold_permutations(folds, y, 40, rng)
    for _, test in folds:
        np.testing.assert_array_equal(Y[test].sum(axis=0), np.full(40, y[test].sum()))
    assert not np.all(Y == y[:, None])  # they do permute


def test_classifier_statistic_is_out_of_fold_auc(rng):
    A = rng.standard_normal((25, 5))
    B = rng.standard_normal((20, 5)) + 0.8
    res = classifier_test(A, B, n_permutations=19, random_state=9)
    att = classifier_attribution(A, B, random_state=9, model="one-step")
    assert res.statistic == pytest.approx(att.auc, abs=1e-12)  # same folds, same model
    # AUC recomputed from the attribution probabilities by brute force
    p_b_for_a = att.prob_other_a
    p_b_for_b = 1 - att.prob_other_b
    auc = np.mean((p_b_for_b[:, None] > p_b_for_a[None, :]) + 0.5 * (p_b_for_b[:, None] == p_b_for_a[None, :]))
    assert att.auc == pytest.approx(auc, abs=1e-9)
    assert 0.5 < res.effect_size <= 1.0


def test_classifier_attribution_flags_documents_that_look_like_the_other_corpus(rng):
    A = rng.standard_normal((60, 8))
    B = rng.standard_normal((60, 8))
    B[:, 0] += 6.0
    A[:5, 0] += 6.0  # five A documents that look like B
    att = classifier_attribution(A, B, names=("games", "science"))
    assert isinstance(att, ClassifierAttribution)
    # the planted five are among the six most B-like A documents (one natural B-like document exists)
    assert set(range(5)) <= set(np.argsort(-att.prob_other_a)[:6])
    assert att.prob_other_a[:5].min() > 0.5 > np.median(att.prob_other_a[5:])
    assert np.all((att.prob_other_a >= 0) & (att.prob_other_a <= 1))
    assert np.median(att.prob_other_b) < 0.2
    frame = att.to_frame()
    assert len(frame) == 120 and set(frame["other_corpus"]) == {"games", "science"}
    assert att.to_dict()["n_a"] == 60
    one_step = classifier_attribution(A, B, model="one-step", names=("games", "science"))
    assert set(range(5)) <= set(np.argsort(-one_step.prob_other_a)[:6])
    # one Newton step ranks like the fitted model but its probabilities are shrunk to the base rate
    assert np.median(one_step.prob_other_b) > np.median(att.prob_other_b)


def test_classifier_logistic_model_runs_a_valid_permutation_test(rng):
    A = rng.standard_normal((15, 4))
    B = rng.standard_normal((15, 4)) + 2.0
    res = classifier_test(A, B, model="logistic", n_permutations=9, n_splits=3)
    assert res.statistic > 0.9 and res.pvalue == pytest.approx(0.1)


# ----------------------------------------------------------------------------- invalid input

@pytest.mark.parametrize("test", [mmd_test, energy_test, classifier_test])
def test_common_invalid_parameters(pair, test):
    A, B = pair
    with pytest.raises(ParameterError, match="n_permutations must be >= 1"):
        test(A, B, n_permutations=0)
    with pytest.raises(ParameterError, match="max_n must be >= 2"):
        test(A, B, max_n=1)
    with pytest.raises(ParameterError, match="max_n must be an integer or None"):
        test(A, B, max_n=10.5)
    with pytest.raises(ParameterError, match="normalize must be True or False"):
        test(A, B, normalize="yes")
    with pytest.raises(ParameterError, match="random_state must be None"):
        test(A, B, random_state=-1)
    with pytest.raises(ParameterError, match="names must be a pair"):
        test(A, B, names="AB")
    with pytest.raises(InsufficientDataError, match="at least 2"):
        test(A, B[:1])
    with pytest.raises(InputError, match="dimensions"):
        test(A, B[:, :3])
    with pytest.raises(InputError, match="NaN"):
        test(np.r_[A, [[np.nan] * 12]], B)
    with pytest.raises(InputError, match="all-zero"):
        test(np.r_[A, np.zeros((1, 12))], B)


def test_zero_rows_allowed_without_normalisation(pair):
    A, B = pair
    res = energy_test(np.r_[A, np.zeros((1, 12))], B, n_permutations=9, normalize=False)
    assert np.isfinite(res.statistic)


def test_mmd_invalid_bandwidth(pair):
    with pytest.raises(ParameterError, match="bandwidth must be > 0"):
        mmd_test(*pair, bandwidth=0.0)
    with pytest.raises(ParameterError, match="bandwidth must be a finite number"):
        mmd_test(*pair, bandwidth=np.inf)


def test_classifier_invalid_parameters(pair):
    A, B = pair
    with pytest.raises(ParameterError, match="n_splits must be >= 2"):
        classifier_test(A, B, n_splits=1)
    with pytest.raises(ParameterError, match="C must be > 0"):
        classifier_test(A, B, C=0.0)
    with pytest.raises(ParameterError, match="model must be one of"):
        classifier_test(A, B, model="svm")
    with pytest.raises(InsufficientDataError, match="at least 5 documents in each"):
        classifier_test(A, B[:4])
    with pytest.raises(ParameterError, match="model must be one of"):
        classifier_attribution(A, B, model="forest")
    with pytest.raises(ParameterError, match="names must be a pair"):
        classifier_attribution(A, B, names=("a", "b", "c"))


def test_standardize_keeps_constant_features_finite():
    Z = _standardize(np.c_[np.ones(5), np.arange(5.0)])
    assert np.isfinite(Z).all() and np.all(Z[:, 0] == 0)
