"""Relative representations and anchor selection (METHODS.md §5, Moschella et al. ICLR 2023)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from core.exceptions import CorpusCompassWarning, InputError, ParameterError
from core.transform.relative import (
    RelativeProjection,
    check_anchor_indices,
    relative_representation,
    select_anchors,
)


def _space(rng, n=200, d=16):
    return rng.standard_normal((n, d)) + 0.5


def test_reference_values():
    # by hand: cos((1,0),(1,0)) = 1, cos((1,0),(0,2)) = 0, cos((1,1),(1,0)) = 1/sqrt(2), cos((-3,0),(1,0)) = -1
    X = np.array([[1.0, 0], [1, 1], [-3, 0]])
    A = np.array([[1.0, 0], [0, 2]])
    expected = np.array([[1, 0], [1 / np.sqrt(2), 1 / np.sqrt(2)], [-1, 0]])
    np.testing.assert_allclose(relative_representation(X, A), expected, atol=1e-15)


def test_estimator_and_function_twin(rng):
    X = _space(rng)
    A = X[:7]
    est = RelativeProjection().fit(A)
    np.testing.assert_allclose(np.linalg.norm(est.anchors_, axis=1), 1, atol=1e-15)
    r = est.transform(X)
    assert r.shape == (200, 7) and r.dtype == np.float64
    np.testing.assert_array_equal(r, relative_representation(X, A))
    assert np.all(np.abs(r) <= 1 + 1e-12)
    np.testing.assert_allclose(np.diag(r[:7]), 1, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_invariant_to_rotation_and_global_rescaling(seed):
    rng = np.random.default_rng(seed)
    X = _space(rng)
    anchors = X[rng.choice(200, 20, replace=False)]
    Q = ortho_group.rvs(16, random_state=seed)
    c = 10 ** rng.uniform(-3, 3)
    r = relative_representation(X, anchors)
    np.testing.assert_allclose(relative_representation(X @ Q, anchors @ Q), r, atol=1e-10)
    np.testing.assert_allclose(relative_representation(c * X, c * anchors), r, atol=1e-10)
    np.testing.assert_allclose(relative_representation(c * X @ Q, c * anchors @ Q), r, atol=1e-10)


def test_not_invariant_to_translation_or_per_axis_scaling(rng):
    X = _space(rng)
    anchors = X[:20]
    r = relative_representation(X, anchors)
    b = rng.standard_normal(16)
    assert np.abs(relative_representation(X + b, anchors + b) - r).max() > 0.05
    s = np.exp(rng.standard_normal(16))
    assert np.abs(relative_representation(X * s, anchors * s) - r).max() > 0.05


def test_relative_errors(rng):
    X = _space(rng)
    with pytest.raises(InputError, match="zero vector.*row 1"):
        RelativeProjection().fit(np.array([[1.0, 0], [0, 0]]))
    X0 = X.copy()
    X0[5] = 0
    with pytest.raises(InputError, match="zero vector.*row 5"):
        relative_representation(X0, X[:3])
    with pytest.raises(InputError, match="16 columns but the anchors have 3"):
        relative_representation(X, X[:4, :3])
    with pytest.raises(InputError, match="not fitted"):
        RelativeProjection().transform(X)
    Xn = X.copy()
    Xn[2, 2] = np.inf
    with pytest.raises(InputError, match="NaN or infinite.*row 2"):
        relative_representation(Xn, X[:3])


# --------------------------------------------------------------------------------------------------
# anchors


@pytest.mark.parametrize("method", ["uniform", "kmeans", "farthest"])
def test_anchor_selection_is_seeded_distinct_and_in_range(method, rng):
    X = _space(rng, n=150)
    a = select_anchors(X, 20, method=method, random_state=3)
    b = select_anchors(X, 20, method=method, random_state=3)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.int64 and a.shape == (20,)
    assert len(set(a.tolist())) == 20 and a.min() >= 0 and a.max() < 150
    c = select_anchors(X, 20, method=method, random_state=4)
    assert not np.array_equal(a, c)


def test_farthest_point_sampling_reference():
    # on a line of unit-norm points at angles 0..90 degrees, starting anywhere, the second anchor
    # is the farthest end and the third the other end or the middle
    angles = np.deg2rad([0, 10, 20, 45, 80, 90])
    X = np.column_stack([np.cos(angles), np.sin(angles)])
    a = select_anchors(X, 3, method="farthest", random_state=0)
    start = a[0]
    far = 0 if angles[start] > np.deg2rad(45) else 5
    assert a[1] == far
    # the farthest-point property: each new anchor maximises the min distance to the earlier ones
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    for j in range(1, 3):
        d = 1 - unit @ unit[a[:j]].T
        mind = d.min(axis=1)
        mind[a[:j]] = -1
        assert mind[a[j]] == pytest.approx(mind.max())


def test_kmeans_anchors_are_the_documents_nearest_the_centroids(rng):
    # three tight clusters of directions: one anchor must land in each
    centres = np.eye(3) * 10
    X = np.vstack([c + rng.standard_normal((40, 3)) * 0.1 for c in centres])
    a = select_anchors(X, 3, method="kmeans", random_state=0)
    assert sorted(a // 40) == [0, 1, 2]


def test_kmeans_handles_duplicate_documents():
    from sklearn.exceptions import ConvergenceWarning

    X = np.repeat(np.eye(3), 10, axis=0) + 0.0
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        a = select_anchors(X, 5, method="kmeans", random_state=0)
    assert len(set(a.tolist())) == 5


@pytest.mark.parametrize("method", ["uniform", "kmeans", "farthest"])
def test_more_anchors_than_documents_is_capped_with_a_warning(method, rng):
    X = _space(rng, n=12)
    with pytest.warns(CorpusCompassWarning, match="n_anchors=300 is more than the 12 documents"):
        a = select_anchors(X, 300, method=method)
    assert sorted(a.tolist()) == list(range(12))


def test_anchor_parameter_errors(rng):
    X = _space(rng, n=30)
    with pytest.raises(ParameterError, match=r"method must be one of \['uniform', 'kmeans', 'farthest'\]"):
        select_anchors(X, 5, method="random")
    with pytest.raises(ParameterError, match="n_anchors must be a positive integer"):
        select_anchors(X, 0)
    with pytest.raises(ParameterError, match="n_anchors must be a positive integer"):
        select_anchors(X, 2.5)
    with pytest.raises(ParameterError, match="random_state must be"):
        select_anchors(X, 5, random_state=-1)
    X0 = X.copy()
    X0[3] = 0
    with pytest.raises(InputError, match="zero vector"):
        select_anchors(X0, 5, method="farthest")


def test_user_chosen_anchor_indices():
    np.testing.assert_array_equal(check_anchor_indices([4, 0, 2], 5), [4, 0, 2])
    with pytest.raises(ParameterError, match=r"must lie in \[0, 5\)"):
        check_anchor_indices([1, 5], 5)
    with pytest.raises(ParameterError, match="must be distinct"):
        check_anchor_indices([1, 1], 5)
    with pytest.raises(ParameterError, match="must be integers"):
        check_anchor_indices([1.0, 2.0], 5)
    with pytest.raises(ParameterError, match="non-empty"):
        check_anchor_indices([], 5)
