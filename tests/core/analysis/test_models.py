"""Comparing two embedding spaces of the same documents (METHODS.md §5)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from core.analysis.models import compare_spaces, linear_cka
from core.exceptions import CorpusCompassWarning, InputError, ParameterError


def _clustered(rng, n=300, d=24, centres=6):
    c = rng.standard_normal((centres, d)) * 3
    return c[rng.integers(0, centres, n)] + rng.standard_normal((n, d))


def _naive_cka(X, Y):
    # Kornblith et al. 2019, eq. 3-4: HSIC with linear kernels K = XX^T, L = YY^T and H = I - 11^T/n
    n = X.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    K, L = X @ X.T, Y @ Y.T
    hsic = lambda P, Q: np.trace(P @ H @ Q @ H)
    return hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))


def test_cka_matches_the_naive_kernel_formula(rng):
    X = rng.standard_normal((80, 7)) + 1
    Y = X @ rng.standard_normal((7, 5)) + rng.standard_normal((80, 5))
    assert linear_cka(X, Y) == pytest.approx(_naive_cka(X, Y), abs=1e-12)
    assert linear_cka(X, Y) == pytest.approx(linear_cka(Y, X), abs=1e-14)  # symmetric
    assert 0 <= linear_cka(X, Y) <= 1


def test_cka_reference_value():
    # by hand: X = (0,1,2)^T, Y = (0,1,4)^T, centred x = (-1,0,1), y = (-5/3,-2/3,7/3);
    # (x.y)^2 / (|x|^2 |y|^2) = 4^2 / (2 * 26/3) = 12/13
    X = np.array([[0.0], [1], [2]])
    Y = np.array([[0.0], [1], [4]])
    assert linear_cka(X, Y) == pytest.approx(12 / 13, abs=1e-14)


def test_identical_spaces_compare_as_identical(rng):
    X = _clustered(rng)
    res = compare_spaces(X, X.copy(), n_anchors=50)
    assert res.cka == pytest.approx(1.0, abs=1e-12)
    assert res.jaccard == pytest.approx(1.0)
    assert res.mrr == pytest.approx(1.0)
    assert res.relative_cosine == pytest.approx(1.0, abs=1e-12)
    assert res.n_documents == 300 and res.n_anchors == 50 and res.n_queries == 300
    assert res.dimensions == (24, 24)


def test_rotated_and_rescaled_copy_compares_as_identical(rng):
    X = _clustered(rng)
    Q = ortho_group.rvs(24, random_state=1)
    res = compare_spaces(X, 7.5 * X @ Q, n_anchors=50, anchor_method="farthest")
    assert res.cka == pytest.approx(1.0, abs=1e-10)
    assert res.jaccard == pytest.approx(1.0)
    assert res.mrr == pytest.approx(1.0)
    assert res.relative_cosine == pytest.approx(1.0, abs=1e-10)
    # dimensions may differ: embed the same space into 30 dims
    P = np.linalg.qr(rng.standard_normal((30, 24)))[0]
    res = compare_spaces(X, X @ P.T, n_anchors=50, anchor_method="kmeans")
    assert res.dimensions == (24, 30)
    assert res.cka == pytest.approx(1.0, abs=1e-10) and res.mrr == pytest.approx(1.0)


def test_unrelated_spaces_look_unrelated(rng):
    n, k = 400, 10
    A = rng.standard_normal((n, 16))
    B = rng.standard_normal((n, 16))
    res = compare_spaces(A, B, n_anchors=100, k=k)
    # chance overlap of two random k-sets among n-1 documents is about k^2/n, so Jaccard ~ k/(2n)
    assert res.jaccard < 2 * k / n
    # CKA of independent Gaussian spaces is about sqrt(d_a d_b)/n = 0.04
    assert res.cka < 0.12
    assert res.mrr < 0.1
    assert abs(res.relative_cosine) < 0.2


def test_disagreements_find_the_changed_documents(rng):
    X = _clustered(rng)
    Y = X.copy()
    changed = np.array([3, 50, 77, 120, 299])
    Y[changed] = rng.standard_normal((5, 24)) * 5  # these documents move somewhere else
    res = compare_spaces(X, Y, n_anchors=60)
    top = res.disagreements(top=5)
    assert sorted(top["document"].tolist()) == changed.tolist()
    assert list(top.columns) == ["document", "relative_cosine", "jaccard", "reciprocal_rank"]
    texts = [f"text {i}" for i in range(300)]
    assert res.disagreements(top=2, texts=texts)["text"].tolist()[0].startswith("text ")
    assert res.jaccard_per_document[changed].max() < res.jaccard_per_document.mean()


def test_per_document_values_and_export(rng):
    X = _clustered(rng, n=120)
    res = compare_spaces(X, X + rng.standard_normal(X.shape) * 0.5, n_anchors=30, k=5)
    frame = res.to_frame()
    assert frame.shape == (120, 4)
    np.testing.assert_allclose(frame["jaccard"].mean(), res.jaccard)
    np.testing.assert_allclose(frame["relative_cosine"].mean(), res.relative_cosine)
    assert np.all((res.jaccard_per_document >= 0) & (res.jaccard_per_document <= 1))
    assert np.all((res.reciprocal_ranks > 0) & (res.reciprocal_ranks <= 1))
    d = res.to_dict()
    assert d["k"] == 5 and d["n_anchors"] == 30 and len(d["anchor_indices"]) == 30
    assert "jaccard_per_document" not in repr(res)


def test_mrr_sampled_queries_are_reported(rng):
    X = _clustered(rng, n=200)
    res = compare_spaces(X, X, n_anchors=20, max_queries=50, random_state=3)
    assert res.n_queries == 50 and res.reciprocal_ranks.shape == (50,)
    assert res.mrr == pytest.approx(1.0)
    frame = res.to_frame()
    assert int(frame["reciprocal_rank"].notna().sum()) == 50


def test_user_anchors_and_capped_anchors(rng):
    X = _clustered(rng, n=40)
    res = compare_spaces(X, X, anchors_idx=[0, 5, 9], k=3)
    assert res.anchor_method == "given" and res.anchor_indices.tolist() == [0, 5, 9]
    with pytest.warns(CorpusCompassWarning, match="more than the 40 documents"):
        res = compare_spaces(X, X, n_anchors=300, k=3)
    assert res.n_anchors == 40


def test_compare_errors(rng):
    X = _clustered(rng, n=30)
    with pytest.raises(InputError, match="X_a has 30 rows but X_b has 29"):
        compare_spaces(X, X[:-1])
    with pytest.raises(ParameterError, match="k must be an integer with 1 <= k < n = 30"):
        compare_spaces(X, X, k=30)
    with pytest.raises(ParameterError, match="k must be"):
        compare_spaces(X, X, k=0)
    with pytest.raises(ParameterError, match="anchor_method must be one of"):
        compare_spaces(X, X, anchor_method="best")
    with pytest.raises(ParameterError, match="max_queries must be a positive integer"):
        compare_spaces(X, X, max_queries=0)
    with pytest.raises(ParameterError, match="random_state must be a non-negative integer"):
        compare_spaces(X, X, random_state=-2)
    with pytest.raises(ParameterError, match=r"must lie in \[0, 30\)"):
        compare_spaces(X, X, anchors_idx=[1, 30])
    Z = X.copy()
    Z[4] = 0
    with pytest.raises(InputError, match="zero vector.*row 4"):
        compare_spaces(X, Z)
    with pytest.raises(InputError, match="same point"):
        linear_cka(np.ones((5, 2)), X[:5])
    res = compare_spaces(X, X, n_anchors=5, k=3)
    with pytest.raises(ParameterError, match="top must be a positive integer"):
        res.disagreements(top=0)
    with pytest.raises(InputError, match="texts has 2 entries"):
        res.disagreements(texts=["a", "b"])


def test_symmetric_measures_do_not_depend_on_the_order_of_the_spaces(rng):
    A = _clustered(rng, n=150)
    B = A @ rng.standard_normal((24, 10)) + rng.standard_normal((150, 10))
    ab = compare_spaces(A, B, n_anchors=20, anchor_method="farthest")
    ba = compare_spaces(B, A, n_anchors=20, anchor_method="farthest")
    # farthest-point anchors are chosen on both spaces together, so neither model decides them alone
    np.testing.assert_array_equal(ab.anchor_indices, ba.anchor_indices)
    assert ab.cka == pytest.approx(ba.cka, abs=1e-12)
    assert ab.jaccard == pytest.approx(ba.jaccard, abs=1e-12)
    assert ab.relative_cosine == pytest.approx(ba.relative_cosine, abs=1e-12)
    assert 0 < ab.cka < 1 and 0 < ab.jaccard < 1
