"""TTE depth, the depth rank-sum test, Liu–Singh Q and the most central/outlying documents."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from scipy.stats import ranksums

from core.analysis.depth import (
    BidirectionalDepthResult,
    DepthTestResult,
    depth_extremes,
    depth_rank_sum_test,
    depth_rank_sum_test_both_ways,
    liu_singh_q,
    tte_depth,
)
from core.exceptions import InputError, InsufficientDataError, ParameterError

# METHODS.md §2 "Checks" (values computed by hand from the definition; scipy ranksums for W and p)
F_REF = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
G_REF = np.array([[-1.0, 0.0], [1.0, 0.1]])


def naive_depth(X: np.ndarray, F: np.ndarray, *, in_sample: bool) -> np.ndarray:
    """The definition, D = 2 - mean cosine distance, with a full pairwise matrix (tests only)."""
    dist = cdist(X, F, metric="cosine")
    if in_sample:
        np.fill_diagonal(dist, np.nan)
        return 2.0 - np.nanmean(dist, axis=1)
    return 2.0 - dist.mean(axis=1)


def test_methods_reference_values():
    r = depth_rank_sum_test(F_REF, G_REF)
    np.testing.assert_allclose(r.depth_reference, [1.353553, 1.353553, 1.707107], atol=1e-6)
    np.testing.assert_allclose(r.depth_sample, [0.430964, 1.622833], atol=1e-6)
    assert r.statistic == pytest.approx(0.577350, abs=1e-6)
    assert r.pvalue == pytest.approx(0.281851, abs=1e-6)
    assert r.quality_index == pytest.approx(1 / 3, abs=1e-12)
    assert (r.n_reference, r.n_sample, r.alternative) == (3, 2, "greater")


def test_closed_form_equals_naive_definition(rng):
    F = rng.standard_normal((120, 384))
    G = rng.standard_normal((80, 384)) + 0.3
    np.testing.assert_allclose(tte_depth(F), naive_depth(F, F, in_sample=True), atol=1e-9, rtol=0)
    np.testing.assert_allclose(tte_depth(G, F), naive_depth(G, F, in_sample=False), atol=1e-9, rtol=0)


def test_test_statistic_is_scipy_ranksums_of_depths(rng):
    F = rng.standard_normal((40, 16))
    G = rng.standard_normal((30, 16)) + 0.5
    for alt in ("greater", "less", "two-sided"):
        r = depth_rank_sum_test(F, G, alternative=alt)
        ref = ranksums(naive_depth(F, F, in_sample=True), naive_depth(G, F, in_sample=False),
                       alternative=alt)
        assert r.statistic == pytest.approx(ref.statistic, abs=1e-9)
        assert r.pvalue == pytest.approx(ref.pvalue, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.01, 100.0))
def test_depth_invariant_to_row_scaling_and_rotation(seed, scale):
    r = np.random.default_rng(seed)
    F = r.standard_normal((15, 6))
    G = r.standard_normal((9, 6))
    Q, _ = np.linalg.qr(r.standard_normal((6, 6)))
    row_scale = r.uniform(0.1, 10.0, size=(15, 1)) * scale
    np.testing.assert_allclose(tte_depth(F * row_scale), tte_depth(F), atol=1e-12)
    np.testing.assert_allclose(tte_depth(G @ Q, F @ Q), tte_depth(G, F), atol=1e-12)
    d = tte_depth(G, F)
    assert np.all((d >= 0) & (d <= 2))


def test_depth_bounds_attained():
    F = np.array([[1.0, 0.0], [2.0, 0.0]])
    assert tte_depth(np.array([[3.0, 0.0]]), F)[0] == pytest.approx(2.0)
    assert tte_depth(np.array([[-1.0, 0.0]]), F)[0] == pytest.approx(0.0)


def test_planted_outlying_corpus_is_detected_with_small_q(rng):
    F = rng.standard_normal((200, 20)) + 2.0  # a cone around the all-2 direction
    G = rng.standard_normal((150, 20)) + 2.0
    G[:, :10] -= 4.0  # half the coordinates flipped: outside F's cone
    r = depth_rank_sum_test(F, G)
    assert r.pvalue < 1e-10
    assert r.quality_index < 0.05


def test_identical_corpora_is_documented_no_evidence(rng):
    F = rng.standard_normal((50, 8))
    r = depth_rank_sum_test(F, F.copy())
    # each G document has an exact twin in F, so it is slightly *deeper*: W < 0 and p > 0.5
    assert r.statistic < 0 and r.pvalue > 0.5
    assert np.all(r.depth_sample >= r.depth_reference - 1e-12)


def test_all_documents_identical_gives_ties_not_nan():
    F = np.tile([[1.0, 2.0, 3.0]], (5, 1))
    r = depth_rank_sum_test(F, F[:3])
    assert r.statistic == pytest.approx(0.0) and r.pvalue == pytest.approx(0.5)
    assert r.quality_index == pytest.approx(1.0)


def test_null_pvalues_are_roughly_uniform():
    r = np.random.default_rng(7)
    p = np.array([depth_rank_sum_test(r.standard_normal((60, 10)) + 1, r.standard_normal((60, 10)) + 1).pvalue
                  for _ in range(300)])
    assert np.mean(p <= 0.05) <= 0.09
    assert 0.35 < np.mean(p) < 0.65


def test_liu_singh_q_counts_ties_as_at_most():
    assert liu_singh_q([1.0, 2.0, 3.0, 4.0], [2.0]) == pytest.approx(0.5)
    assert liu_singh_q([1.0, 2.0, 3.0, 4.0], [0.5, 5.0]) == pytest.approx(0.5)
    assert liu_singh_q([1.0, 2.0], [0.0, 0.1]) == 0.0
    with pytest.raises(InsufficientDataError, match="at least one depth"):
        liu_singh_q([], [1.0])
    with pytest.raises(InsufficientDataError, match="NaN"):
        liu_singh_q([1.0, np.nan], [1.0])


def test_both_ways_matches_two_single_tests(rng):
    A = rng.standard_normal((30, 5))
    B = rng.standard_normal((25, 5)) + 0.4
    both = depth_rank_sum_test_both_ways(A, B, names=("games", "science"))
    assert isinstance(both, BidirectionalDepthResult)
    fwd, bwd = depth_rank_sum_test(A, B), depth_rank_sum_test(B, A)
    assert both.a_reference.pvalue == pytest.approx(fwd.pvalue)
    assert both.b_reference.pvalue == pytest.approx(bwd.pvalue)
    assert (both.a_reference.reference_name, both.a_reference.sample_name) == ("games", "science")
    assert (both.b_reference.reference_name, both.b_reference.sample_name) == ("science", "games")
    frame = both.to_frame()
    assert list(frame["reference"]) == ["games", "science"]
    assert frame["quality_index"].between(0, 1).all()


def test_result_is_frozen_and_exports(rng):
    r = depth_rank_sum_test(rng.standard_normal((6, 3)), rng.standard_normal((4, 3)),
                            reference_name="a", sample_name="b")
    assert isinstance(r, DepthTestResult)
    with pytest.raises(AttributeError):
        r.pvalue = 0.0
    assert "depth_reference" not in repr(r)
    d = r.to_dict()
    assert set(d) >= {"statistic", "pvalue", "quality_index", "n_reference", "n_sample", "reference", "sample"}
    frame = r.to_frame()
    assert len(frame) == 10 and list(frame["corpus"][:6]) == ["a"] * 6
    np.testing.assert_allclose(frame["depth"].to_numpy(), np.r_[r.depth_reference, r.depth_sample])


def test_depth_extremes_finds_planted_outlier_and_center():
    X = np.array([[1.0, 0.0], [0.9, 0.1], [0.95, 0.05], [-1.0, 0.2], [0.8, 0.2]])
    ext = depth_extremes(X, k=2, corpus_name="games")
    assert ext.outlying_indices[0] == 3
    depth = tte_depth(X)
    assert ext.central_indices[0] == int(np.argmax(depth))
    assert np.all(np.diff(ext.central_depths) <= 0) and np.all(np.diff(ext.outlying_depths) >= 0)
    frame = ext.to_frame()
    assert list(frame["role"]) == ["central", "central", "outlying", "outlying"]
    assert ext.to_dict()["corpus"] == "games"
    # k larger than n is capped; ties broken by the lower index
    tied = depth_extremes(np.tile([[1.0, 1.0]], (3, 1)), k=10)
    assert tied.central_indices.tolist() == [0, 1, 2] == tied.outlying_indices.tolist()


def test_depth_extremes_against_other_corpus(rng):
    F = rng.standard_normal((20, 4)) + 3
    X = rng.standard_normal((10, 4)) + 3
    X[7] = -X[7]
    ext = depth_extremes(X, reference=F, k=1, corpus_name="x", reference_name="f")
    assert ext.outlying_indices.tolist() == [7] and ext.reference_name == "f"


# ---------------------------------------------------------------- degenerate and invalid input

def test_single_document_corpus_is_refused():
    with pytest.raises(InsufficientDataError, match="at least 2"):
        depth_rank_sum_test(F_REF, G_REF[:1])
    with pytest.raises(InsufficientDataError, match="at least 2"):
        depth_rank_sum_test(F_REF[:1], G_REF)
    with pytest.raises(InsufficientDataError, match="at least 2"):
        tte_depth(F_REF[:1])


def test_zero_vector_is_a_clear_error():
    G = np.array([[0.0, 0.0], [1.0, 0.0]])
    with pytest.raises(InputError, match=r"all-zero row\(s\) 0"):
        depth_rank_sum_test(F_REF, G)


def test_nan_is_a_clear_error():
    G = np.array([[np.nan, 0.0], [1.0, 0.0]])
    with pytest.raises(InputError, match="NaN or infinite"):
        depth_rank_sum_test(F_REF, G)
    with pytest.raises(InputError, match="NaN or infinite"):
        tte_depth(np.array([[1.0, np.inf], [1.0, 0.0]]))


def test_shape_and_dimension_errors():
    with pytest.raises(InputError, match="2-D"):
        tte_depth(np.ones(3))
    with pytest.raises(InputError, match="dimensions"):
        depth_rank_sum_test(F_REF, np.ones((3, 4)))
    with pytest.raises(InputError, match="numeric"):
        tte_depth(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(InputError, match="2-D numeric"):
        tte_depth("not an array")


def test_invalid_parameters():
    with pytest.raises(ParameterError, match="alternative must be one of"):
        depth_rank_sum_test(F_REF, G_REF, alternative="bigger")
    with pytest.raises(ParameterError, match="reference_name"):
        depth_rank_sum_test(F_REF, G_REF, reference_name="")
    with pytest.raises(ParameterError, match="sample_name"):
        depth_rank_sum_test(F_REF, G_REF, sample_name=3)
    with pytest.raises(ParameterError, match="names must be a pair"):
        depth_rank_sum_test_both_ways(F_REF, G_REF, names=("only one",))
    with pytest.raises(ParameterError, match="k must be >= 1"):
        depth_extremes(F_REF, k=0)
    with pytest.raises(ParameterError, match="k must be an integer"):
        depth_extremes(F_REF, k=2.5)
    with pytest.raises(ParameterError, match="corpus_name"):
        depth_extremes(F_REF, corpus_name="  ")
    with pytest.raises(ParameterError, match="reference_name"):
        depth_extremes(F_REF, reference=F_REF, reference_name="")


# --------------------------------------------------------------------------- every depth once


def test_corpus_depths_reference_values() -> None:
    from core.analysis.depth import corpus_depths

    # unit vectors at 0°, 90° and 180°: cosines 0 and -1 from the first, so its in-sample depth is
    # 1 + (0 + (-1)) / 2 = 0.5; a point at 45° in that corpus: 1 + (cos45 + cos45 + cos135) / 3
    A = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    B = np.array([[1.0, 1.0], [2.0, 0.0]])
    d = corpus_depths({"A": A, "B": B})
    np.testing.assert_allclose(d.in_sample["A"], [0.5, 1.0, 0.5])
    c = np.sqrt(0.5)
    np.testing.assert_allclose(d.cross[("A", "B")], [1 + (c + c - c) / 3, 1 + (1 + 0 - 1) / 3])
    np.testing.assert_allclose(d.in_sample["B"], [1 + c, 1 + c])


def test_corpus_depths_equal_the_one_by_one_functions(rng) -> None:
    from core.analysis.depth import corpus_depths

    X = {"a": rng.standard_normal((30, 6)).astype(np.float32), "b": rng.standard_normal((20, 6)) + 0.4,
         "c": rng.standard_normal((25, 6))}
    d = corpus_depths(X)
    for ref, reference in X.items():
        for other, values in X.items():
            expected = tte_depth(values) if ref == other else tte_depth(values, reference)
            np.testing.assert_array_equal(d.depth(ref, other), expected)
    both = depth_rank_sum_test_both_ways(X["a"], X["b"], names=("a", "b"))
    assert d.test("a", "b").a_reference.to_dict() == both.a_reference.to_dict()
    assert d.test("a", "b").b_reference.to_dict() == both.b_reference.to_dict()
    assert d.extremes("c", 4).to_dict() == depth_extremes(X["c"], k=4, corpus_name="c").to_dict()
    frame = d.to_frame()
    assert len(frame) == 3 * 75 and list(frame.columns) == ["reference", "corpus", "depth"]
    assert ((frame["depth"] >= 0) & (frame["depth"] <= 2)).all()
