"""Every approximation that makes Corpus Compass scale, bounded against its exact version (issue 8).

Each test runs the approximate and the exact computation at a size where both fit, with the
approximation forced on (small thresholds), and bounds the difference. The approximations:

- kNN graph: HNSW instead of exact search (``core.knn``, above 50,000 points);
- hubness measures computed on that HNSW graph;
- hubness reductions on a kNN candidate graph instead of the full (n, n) matrix
  (``core.transform.hubness_reduction``, above ``max_full_n``), including the exact closed-form
  moments of Gaussian mutual proximity for cosine;
- two-sample permutation tests on seeded subsamples of ``max_n`` documents per corpus;
- UMAP fitted on a sample with the other points placed by ``transform`` (``core.analysis.projection``);
- the pipeline's switch to the graph version of a hubness reduction (``reduction_max_full_n``).

The data are clustered unit vectors in 64 dimensions (like sentence embeddings, smaller for speed).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from core.analysis.hubness import hubness_report, reduce_hubness
from core.knn import knn_graph
from core.transform.hubness_reduction import MutualProximity, _cosine_moments, _moments


def _clustered(n: int, d: int = 64, seed: int = 0, shift: float = 0.0) -> np.ndarray:
    centres = np.random.default_rng(99).standard_normal((12, d))
    rng = np.random.default_rng(seed)
    X = centres[rng.integers(0, 12, n)] * 0.6 + rng.standard_normal((n, d)) * 0.5 + 1.0
    X[:, :4] += shift
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean([len(set(x) & set(y)) / len(x) for x, y in zip(a, b)]))


@pytest.fixture(scope="module")
def X() -> np.ndarray:
    return np.vstack([_clustered(600, seed=1), _clustered(600, seed=2, shift=0.1)])


# --------------------------------------------------------------------------- kNN and hubness measures


def test_hnsw_graph_and_its_hubness_measures_match_exact(X: np.ndarray) -> None:
    exact = knn_graph(X, 10, method="exact")
    approx = knn_graph(X, 10, method="hnsw", random_state=0)
    true_recall = _overlap(approx.indices, exact.indices)
    assert true_recall >= 0.95
    # the graph's own recall estimate is honest: within 0.03 of the true recall
    assert abs(approx.recall - true_recall) <= 0.03
    he, ha = hubness_report(exact, 10), hubness_report(approx, 10)
    assert abs(he.k_skewness - ha.k_skewness) <= 0.1 * max(1.0, abs(he.k_skewness))
    assert abs(he.robin_hood - ha.robin_hood) <= 0.02
    assert abs(he.antihub_occurrence - ha.antihub_occurrence) <= 0.02


# --------------------------------------------------------------------------- hubness reductions


def test_closed_form_cosine_moments_equal_the_pairwise_ones(X: np.ndarray) -> None:
    from core.knn import _unit_rows

    Xf = _unit_rows(X)
    mu, sd = _moments(Xf, np.arange(len(Xf)), "cosine")
    mu2, sd2 = _cosine_moments(Xf)
    np.testing.assert_allclose(mu2, mu, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sd2, sd, rtol=1e-9)
    # nearly parallel vectors: tiny spread, where E[g^2] - E[g]^2 would cancel catastrophically
    rng = np.random.default_rng(3)
    Y = _unit_rows(rng.standard_normal((300, 16)) * 1e-3 + 5.0)
    mu, sd = _moments(Y, np.arange(300), "cosine")
    mu2, sd2 = _cosine_moments(Y)
    np.testing.assert_allclose(sd2, sd, rtol=1e-6)


def test_gaussian_mp_graph_version_is_exact_on_its_candidates(X: np.ndarray) -> None:
    full = MutualProximity(method="gaussian").fit(X)
    graph = MutualProximity(method="gaussian", approximate=True, n_candidates=40).fit(X)
    assert graph.approximate_ and graph.n_reference_ == len(X)
    np.testing.assert_allclose(graph.mu_, full.mu_, atol=1e-12)
    np.testing.assert_allclose(graph.sigma_, full.sigma_, rtol=1e-9)
    G = graph.transform()
    M = full.transform()
    np.testing.assert_allclose(G.distances, M[np.arange(len(X))[:, None], G.indices], atol=1e-6)


@pytest.mark.parametrize(("method", "min_overlap", "skew_tol"), [
    ("mp_gaussian", 0.99, 0.02),
    pytest.param("mp_empirical", 0.97, 0.1, marks=pytest.mark.slow),  # the exact version is O(n^3)
    ("local_scaling", 0.99, 0.02),
    ("nicdm", 0.99, 0.02),
    ("csls", 0.99, 0.02),
    ("dissim_local", 0.99, 0.02),
])
def test_graph_reductions_stay_close_to_the_full_matrix(X: np.ndarray, method: str, min_overlap: float,
                                                         skew_tol: float) -> None:
    # the default 100 candidates, as the pipeline uses them (with 40, DisSimLocal's k-skewness
    # after reduction was 0.58 instead of 0.93: points outside the candidate lists matter to it)
    labels = np.repeat([0, 1], 600)
    full = reduce_hubness(X, method, 10, labels=labels, approximate=False)
    graph = reduce_hubness(X, method, 10, labels=labels, approximate=True)
    assert graph.approximate and not full.approximate and graph.n_candidates == 100
    assert _overlap(graph.secondary_graph.indices, full.secondary_graph.indices) >= min_overlap
    assert abs(graph.after.k_skewness - full.after.k_skewness) <= skew_tol
    assert abs(graph.after.robin_hood - full.after.robin_hood) <= 0.01
    assert abs(graph.accuracy_after - full.accuracy_after) <= 0.01
    # both reduce hubness
    assert graph.after.k_skewness < graph.before.k_skewness


# --------------------------------------------------------------------------- permutation tests


@pytest.mark.parametrize(("test_name", "rel_tol", "abs_tol"), [
    ("mmd_test", 0.35, 0.0),         # MMD^2_u: its sampling error shrinks as 1/n_used
    ("energy_test", 0.35, 0.0),      # homogeneity coefficient H
    ("classifier_test", 0.0, 0.08),  # AUC: a classifier fitted on fewer documents separates a bit less
])
def test_capped_two_sample_tests_agree_with_uncapped(test_name: str, rel_tol: float, abs_tol: float) -> None:
    from core.analysis import twosample

    test = getattr(twosample, test_name)
    A, B = _clustered(900, seed=5), _clustered(900, seed=6, shift=0.5)
    same = _clustered(900, seed=7)
    capped = test(A, B, n_permutations=99, max_n=300, random_state=0)
    full = test(A, B, n_permutations=99, max_n=None, random_state=0)
    assert capped.subsampled and not full.subsampled and capped.n_used_a == 300
    # a clear difference is found either way, and the effect sizes agree
    assert capped.pvalue <= 0.02 and full.pvalue <= 0.02
    assert abs(capped.effect_size - full.effect_size) <= rel_tol * abs(full.effect_size) + abs_tol
    # exchangeable samples: neither version rejects
    null_capped = test(A, same, n_permutations=99, max_n=300, random_state=0)
    null_full = test(A, same, n_permutations=99, max_n=None, random_state=0)
    assert null_capped.pvalue > 0.05 and null_full.pvalue > 0.05


# --------------------------------------------------------------------------- UMAP sample + transform


@pytest.mark.slow
def test_umap_on_a_sample_plus_transform_is_as_trustworthy_as_a_full_fit() -> None:
    from core.analysis.projection import trustworthiness, umap_projection

    rng = np.random.default_rng(8)
    cluster = rng.integers(0, 6, 800)
    Y = np.random.default_rng(9).standard_normal((6, 32))[cluster] * 1.5 + rng.standard_normal((800, 32)) * 0.5
    full = umap_projection(Y, n_neighbors=15, n_epochs=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampled = umap_projection(Y, n_neighbors=15, n_epochs=60, random_state=0, sample_threshold=400)
    assert sampled.sampled and sampled.sample_size == 400 and not full.sampled
    tw_full = trustworthiness(Y, full.coords, n_neighbors=10, sample_size=800)
    tw_sampled = trustworthiness(Y, sampled.coords, n_neighbors=10, sample_size=800)
    assert tw_full > 0.8
    assert tw_sampled >= tw_full - 0.05
    # each transformed point lands next to fitted points of its own cluster
    fitted = np.zeros(len(Y), dtype=bool)
    fitted[sampled.fit_indices] = True
    F, R = np.flatnonzero(fitted), np.flatnonzero(~fitted)
    d2 = ((sampled.coords[R][:, None, :] - sampled.coords[F][None, :, :]) ** 2).sum(axis=2)
    assert np.mean(cluster[F][np.argmin(d2, axis=1)] == cluster[R]) >= 0.95


# --------------------------------------------------------------------------- the pipeline's switch


@pytest.mark.slow
def test_pipeline_hubness_reduction_graph_version_matches_exact() -> None:
    from core.load.corpus import Corpus
    from core.pipeline.run import run_analysis
    from core.pipeline.spec import Analysis

    A, B = _clustered(400, seed=10), _clustered(400, seed=11, shift=0.2)
    corpora = (Corpus.from_texts([f"a{i}" for i in range(400)], name="a", vectors=A),
               Corpus.from_texts([f"b{i}" for i in range(400)], name="b", vectors=B))
    spec = Analysis(corpora=corpora, analyses=frozenset({"hubness"}), hubness_reduction="mp_gaussian")
    exact = run_analysis(spec).hubness
    graph = run_analysis(spec.replace(reduction_max_full_n=10)).hubness
    e = exact[exact.method == "mp_gaussian"].set_index("scope")
    g = graph[graph.method == "mp_gaussian"].set_index("scope")
    assert not e.approximate.any() and g.approximate.all()
    for column, tol in (("k_skewness", 0.1), ("robin_hood", 0.02), ("antihub_occurrence", 0.02)):
        np.testing.assert_allclose(g[column], e[column], atol=tol)
    assert abs(g.loc["all", "knn_accuracy"] - e.loc["all", "knn_accuracy"]) <= 0.02


# --------------------------------------------------------------------------- blockwise spread and symmetry


def test_blockwise_spread_and_symmetry_equal_the_one_piece_formulas() -> None:
    from scipy.stats import differential_entropy

    from core.analysis.spread import _BLOCK_ROWS, spread_report
    from core.transform.whitening import symmetry_scores

    rng = np.random.default_rng(4)
    n, d = _BLOCK_ROWS + 1500, 24  # more rows than one block, so the blocks are really summed
    X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + 3.0
    Xc = X - X.mean(axis=0)
    vals, vecs = np.linalg.eigh(Xc.T @ Xc / (n - 1))
    vals, vecs = vals[::-1], vecs[:, ::-1]
    rep = spread_report(X)
    np.testing.assert_allclose(rep.spectrum.explained, vals / vals.sum(), rtol=1e-10, atol=1e-14)
    scores = Xc @ vecs * np.sqrt(d / vals.sum())
    ratio = np.exp(differential_entropy(scores, method="vasicek", axis=0) - 0.5 * np.log(2 * np.pi * np.e))
    np.testing.assert_allclose(rep.entropy_ratios, ratio, rtol=1e-9)
    # symmetry: weighted covariance eigenvalues from the Gram matrix equal the SVD's squares
    p = rng.random(n)
    p /= p.sum()
    mean = p @ X
    lam = np.linalg.svd(np.sqrt(p)[:, None] * (X - mean), compute_uv=False) ** 2
    q = lam / lam.sum()
    second = -(q * np.log(q)).sum() / np.log(d)
    first = 1 - np.linalg.norm(mean) / (p @ np.linalg.norm(X, axis=1))
    s = symmetry_scores(X, p)
    assert abs(s.second_moment - second) < 1e-12 and abs(s.first_moment - first) < 1e-12


# --------------------------------------------------------------------------- depth, both directions at once


def test_depth_both_ways_normalises_once_and_equals_the_one_way_tests() -> None:
    """The both-ways test normalises each corpus once (not four times) and must give the very depths,
    statistics and quality indices of the two one-way tests, float32 input included."""
    from core.analysis.depth import depth_rank_sum_test, depth_rank_sum_test_both_ways, tte_depth
    from core.exceptions import CorpusCompassError

    A, B = _clustered(700, seed=3), _clustered(500, seed=4, shift=2.0)
    both = depth_rank_sum_test_both_ways(A, B, names=("a", "b"))
    for got, want in ((both.a_reference, depth_rank_sum_test(A, B)), (both.b_reference, depth_rank_sum_test(B, A))):
        np.testing.assert_allclose(got.depth_reference, want.depth_reference, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got.depth_sample, want.depth_sample, rtol=0, atol=1e-12)
        assert got.statistic == pytest.approx(want.statistic, abs=1e-9)
        assert got.quality_index == pytest.approx(want.quality_index, abs=1e-12)
        assert (got.n_reference, got.n_sample) == (want.n_reference, want.n_sample)
    np.testing.assert_allclose(both.a_reference.depth_reference, tte_depth(A), rtol=0, atol=1e-12)
    assert both.a_reference.pvalue < 1e-6  # B is shifted: its documents are less deep in A
    with pytest.raises(CorpusCompassError, match="dimension"):
        depth_rank_sum_test_both_ways(A, B[:, :10])
    with pytest.raises(CorpusCompassError, match="alternative"):
        depth_rank_sum_test_both_ways(A, B, alternative="bigger")
