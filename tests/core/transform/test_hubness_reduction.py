"""core.transform.hubness_reduction: formulas against naive code, hubness goes down, graph version
bounded against the full matrix, before/after results, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.base import clone

from core.analysis.hubness import hubness_report, loo_knn_accuracy, reduce_hubness
from core.exceptions import InputError, ParameterError
from core.knn import KnnGraph
from core.transform.hubness_reduction import (
    CSLS,
    NICDM,
    REDUCTIONS,
    DisSimLocal,
    LocalScaling,
    MutualProximity,
    csls,
    dissim_local,
    local_scaling,
    make_reducer,
    mutual_proximity,
    nicdm,
)


def _dist(X: np.ndarray, metric: str) -> np.ndarray:
    if metric == "cosine":
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        return np.clip(1 - U @ U.T, 0, 2)
    return np.linalg.norm(X[:, None] - X[None], axis=2)


def _knn_stats(D: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    Dn = D.copy()
    np.fill_diagonal(Dn, np.inf)
    idx = np.argsort(Dn, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(Dn, idx, axis=1)


@pytest.fixture
def small(rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((60, 8))


# ----------------------------------------------------------------------- formulas, against naive code


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_mp_empirical_matches_the_definition(small: np.ndarray, metric: str) -> None:
    D = _dist(small, metric)
    n = len(D)
    naive = np.zeros((n, n))
    for x in range(n):
        for y in range(n):
            if x != y:  # METHODS.md §3: 1 - #{j : d(x,j) > d(x,y) and d(y,j) > d(y,x)} / n
                naive[x, y] = 1 - np.sum((D[x] > D[x, y]) & (D[y] > D[y, x])) / n
    M = mutual_proximity(small, method="empirical", metric=metric)
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(M[off], naive[off], atol=1e-12)
    np.testing.assert_allclose(np.diag(M), 1 / n)  # the formula at d = 0: only x itself is inside


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_mp_gaussian_matches_the_definition(small: np.ndarray, metric: str) -> None:
    D = _dist(small, metric)
    n = len(D)
    others = D[~np.eye(n, dtype=bool)].reshape(n, n - 1)
    mu, sd = others.mean(axis=1), others.std(axis=1)
    naive = 1 - norm.sf(D, mu[:, None], sd[:, None]) * norm.sf(D, mu[None, :], sd[None, :])
    M = mutual_proximity(small, method="gaussian", metric=metric)
    np.testing.assert_allclose(M, naive, atol=1e-10)


@pytest.mark.parametrize("method", ["empirical", "gaussian"])
def test_mutual_proximity_is_symmetric_and_within_0_1(rng: np.random.Generator, method: str) -> None:
    X = rng.standard_normal((300, 40))
    M = mutual_proximity(X, method=method)
    np.testing.assert_array_equal(M, M.T)
    assert M.min() >= 0 and M.max() <= 1
    G = mutual_proximity(X, method=method, approximate=True, n_candidates=30)
    assert G.distances.min() >= 0 and G.distances.max() <= 1


def test_local_scaling_and_nicdm_match_the_definitions(small: np.ndarray) -> None:
    D = _dist(small, "euclidean")
    _, knn = _knn_stats(D, 7)
    r_kth, r_mean = knn[:, -1], knn.mean(axis=1)
    ls = 1 - np.exp(-D**2 / np.outer(r_kth, r_kth))
    nc = D / np.sqrt(np.outer(r_mean, r_mean))
    np.testing.assert_allclose(local_scaling(small, metric="euclidean"), ls, atol=1e-12)
    np.testing.assert_allclose(nicdm(small, metric="euclidean"), nc, atol=1e-12)


def test_csls_matches_a_direct_computation(small: np.ndarray) -> None:
    # Conneau et al. 2018 in similarity form: CSLS(x, y) = 2 cos(x, y) - r(x) - r(y), with r the mean
    # cosine similarity to the 10 nearest neighbours; as a distance, 2 d - r_x - r_y with d = 1 - cos
    U = small / np.linalg.norm(small, axis=1, keepdims=True)
    cos = U @ U.T
    n = len(U)
    r = np.empty(n)
    for i in range(n):
        sims = np.delete(cos[i], i)
        r[i] = np.sort(sims)[::-1][:10].mean()
    csls_sim = 2 * cos - r[:, None] - r[None, :]
    np.testing.assert_allclose(csls(small), -csls_sim, atol=1e-12)


def test_dissim_local_matches_the_definition(small: np.ndarray) -> None:
    D = _dist(small, "euclidean")
    idx, _ = _knn_stats(D, 10)
    centroids = small[idx].mean(axis=1)
    q = np.sum((small - centroids) ** 2, axis=1)
    naive = D**2 - q[:, None] - q[None, :]
    np.testing.assert_allclose(dissim_local(small, metric="euclidean"), naive, atol=1e-10)
    # cosine: the same on unit vectors
    U = small / np.linalg.norm(small, axis=1, keepdims=True)
    np.testing.assert_allclose(dissim_local(small), dissim_local(U, metric="euclidean"), atol=1e-10)


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_full_matrices_are_symmetric_and_finite(small: np.ndarray, name: str) -> None:
    M = make_reducer(name).fit_transform(small)
    assert M.shape == (60, 60) and np.isfinite(M).all()
    np.testing.assert_array_equal(M, M.T)


# ----------------------------------------------------------------------- hubness goes down


@pytest.fixture(scope="module")
def gaussian_100d() -> np.ndarray:
    return np.random.default_rng(2024).standard_normal((500, 100))


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_every_reduction_lowers_k_skewness(gaussian_100d: np.ndarray, name: str) -> None:
    # METHODS.md §3: on i.i.d. Gaussian data in 100 dimensions (Euclidean) every reduction lowers k-skewness
    res = reduce_hubness(gaussian_100d, name, metric="euclidean")
    assert res.before.k_skewness > 3  # strong hubness to begin with
    assert res.after.k_skewness < res.before.k_skewness - 1
    assert res.after.robin_hood < res.before.robin_hood
    assert not res.approximate and res.n_candidates is None
    assert not np.any(res.secondary_graph.indices == np.arange(500)[:, None])


def test_secondary_knn_equals_full_matrix_neighbours(small: np.ndarray) -> None:
    for name in REDUCTIONS:
        est = make_reducer(name).fit(small)
        M = est.transform().copy()
        np.fill_diagonal(M, np.inf)
        g = est.secondary_knn(5)
        np.testing.assert_allclose(g.distances, np.sort(M, axis=1)[:, :5], rtol=1e-6, atol=1e-6)
        assert g.metric == f"{name}(cosine)" and g.params["reduction"] == name


# ----------------------------------------------------------------------- kNN-graph approximation


@pytest.fixture(scope="module")
def medium() -> np.ndarray:
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((8, 30))
    return centres[rng.integers(0, 8, 700)] + rng.standard_normal((700, 30))


def _overlap(a: KnnGraph, b: KnnGraph) -> float:
    return float(np.mean([len(set(x) & set(y)) / a.k for x, y in zip(a.indices, b.indices)]))


@pytest.mark.parametrize("name", ["mp_gaussian", "local_scaling", "nicdm", "csls", "dissim_local"])
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_graph_version_of_scalar_methods_equals_full_on_candidates(medium: np.ndarray, name: str,
                                                                   metric: str) -> None:
    params = {"n_reference": 5000} if name == "mp_gaussian" else {}  # all points: exact moments
    full = make_reducer(name, metric=metric, **params).fit(medium)
    approx = make_reducer(name, metric=metric, approximate=True, n_candidates=100, **params).fit(medium)
    M = full.transform()
    G = approx.transform()
    assert isinstance(G, KnnGraph) and G.k == 100 and G.params["approximate"]
    np.testing.assert_allclose(G.distances, M[np.arange(700)[:, None], G.indices], rtol=1e-6, atol=1e-6)
    assert _overlap(full.secondary_knn(10), approx.secondary_knn(10)) >= 0.99


def test_graph_version_of_gaussian_mp_with_sampled_moments(medium: np.ndarray) -> None:
    full = MutualProximity(method="gaussian").fit(medium)
    approx = MutualProximity(method="gaussian", approximate=True, n_reference=200).fit(medium)
    assert approx.n_reference_ == 200
    assert approx.secondary_knn(10).params["n_reference"] == 200
    assert _overlap(full.secondary_knn(10), approx.secondary_knn(10)) >= 0.9


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_graph_version_of_empirical_mp_is_bounded(medium: np.ndarray, metric: str) -> None:
    full = MutualProximity(metric=metric).fit(medium)
    approx = MutualProximity(metric=metric, approximate=True, n_candidates=100).fit(medium)
    M = full.transform()
    G = approx.transform()
    exact = M[np.arange(700)[:, None], G.indices]
    err = np.abs(G.distances - exact)
    # where both balls lie inside the candidate lists the value is the full one (up to float32)
    assert np.mean(err < 1e-6) > 0.5
    assert err.max() < 0.03  # elsewhere an interpolated estimate of the ball size
    assert _overlap(full.secondary_knn(10), approx.secondary_knn(10)) >= 0.95


def test_approximation_is_stated_in_the_result(medium: np.ndarray) -> None:
    res = reduce_hubness(medium, "local_scaling", approximate=True, n_candidates=50)
    assert res.approximate and res.n_candidates == 50
    assert "50 nearest candidates" in res.note
    assert res.secondary_graph.params == {"reduction": "local_scaling", "approximate": True, "n_candidates": 50}
    assert res.to_dict()["approximate"] is True
    full = reduce_hubness(medium, "local_scaling")
    assert "exact" in full.note and not full.approximate


def test_automatic_switch_by_size(medium: np.ndarray) -> None:
    assert LocalScaling(max_full_n=500).fit(medium).approximate_
    assert not LocalScaling().fit(medium).approximate_
    assert MutualProximity()._default_full_max_n == 2000


# ----------------------------------------------------------------------- results, labels, duplicates


def test_labels_give_loo_accuracy_before_and_after(medium: np.ndarray) -> None:
    labels = np.random.default_rng(0).integers(0, 3, 700)
    res = reduce_hubness(medium, "csls", labels=labels)
    assert res.accuracy_before == loo_knn_accuracy(res.primary_graph, labels)
    assert res.accuracy_after == loo_knn_accuracy(res.secondary_graph, labels)
    frame = res.to_frame()
    assert frame["measure"].tolist() == ["k_skewness", "robin_hood", "antihub_occurrence",
                                         "hub_occurrence", "knn_accuracy"]
    np.testing.assert_allclose(frame["change"], frame["after"] - frame["before"])
    json.dumps(res.to_dict())
    assert reduce_hubness(medium, "csls").accuracy_before is None


def test_reduction_helps_classification_on_hubby_clusters() -> None:
    rng = np.random.default_rng(11)
    centres = rng.standard_normal((5, 100)) * 0.8
    labels = rng.integers(0, 5, 600)
    X = centres[labels] + rng.standard_normal((600, 100))
    res = reduce_hubness(X, "mp_gaussian", labels=labels, metric="euclidean")
    assert res.after.k_skewness < res.before.k_skewness
    assert res.accuracy_after >= res.accuracy_before


def test_duplicates_stay_neighbours_and_never_self(rng: np.random.Generator) -> None:
    X = np.vstack([rng.standard_normal((50, 10))] * 3)
    for name in REDUCTIONS:
        est = make_reducer(name).fit(X)
        g = est.secondary_knn(2)
        assert np.isfinite(g.distances).all()
        assert not np.any(g.indices == np.arange(150)[:, None])
        assert np.all(g.indices % 50 == (np.arange(150) % 50)[:, None]), name
    # local scaling: with r = 0 (k = 2 duplicates) twins stay at 0 and everything else goes to 1
    M = LocalScaling(k=2).fit_transform(X)
    assert M[0, 50] == 0 and M[0, 1] == 1


def test_estimators_are_scikit_learn_compatible(small: np.ndarray) -> None:
    est = LocalScaling(k=5, metric="euclidean")
    assert est.get_params()["k"] == 5
    c = clone(est).set_params(k=3)
    assert c.k == 3 and not hasattr(c, "r_")
    assert est.fit(small) is est and est.r_.shape == (60,) and est.n_features_in_ == 8
    np.testing.assert_array_equal(est.transform(small), est.transform())
    assert CSLS().k == 10 and DisSimLocal().k == 10 and NICDM().k == 7


# ----------------------------------------------------------------------- errors


def test_factory_names_the_valid_methods() -> None:
    with pytest.raises(ParameterError, match="unknown hubness reduction 'mp'; choose one of: mp_empirical, "
                                             "mp_gaussian, local_scaling, nicdm, csls, dissim_local"):
        make_reducer("mp")
    with pytest.raises(ParameterError, match="fixes"):
        make_reducer("mp_gaussian", method="empirical")
    with pytest.raises(ParameterError, match="invalid parameter for 'csls'"):
        make_reducer("csls", bandwidth=3)
    with pytest.raises(ParameterError, match="unknown hubness reduction"):
        reduce_hubness(np.eye(5), "zca")


@pytest.mark.parametrize(("est", "message"), [
    (LocalScaling(metric="l1"), "metric must be one of 'cosine', 'euclidean'"),
    (LocalScaling(approximate="yes"), "approximate must be None"),
    (LocalScaling(max_full_n=1), "max_full_n must be an integer >= 2"),
    (LocalScaling(n_candidates=0), "n_candidates must be a positive integer"),
    (LocalScaling(knn_method="lsh"), "knn_method must be one of"),
    (LocalScaling(k=0), "k must be a positive integer"),
    (NICDM(k=1.5), "k must be a positive integer"),
    (MutualProximity(method="exact"), "method must be 'empirical' or 'gaussian'"),
    (MutualProximity(n_reference=1), "n_reference must be an integer >= 2"),
    (LocalScaling(k=60), "k=60 must be smaller than the number of points n=60"),
    (LocalScaling(k=20, approximate=True, n_candidates=10), "n_candidates=10 must be at least k=20"),
])
def test_bad_parameters(small: np.ndarray, est: object, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        est.fit(small)  # type: ignore[attr-defined]


def test_transform_errors(small: np.ndarray) -> None:
    with pytest.raises(ParameterError, match="not fitted yet"):
        CSLS().transform()
    est = CSLS().fit(small)
    with pytest.raises(ParameterError, match="only accepts the data given to fit"):
        est.transform(small[:30])
    with pytest.raises(ParameterError, match=r"k must be an integer between 1 and 59 \(n - 1\)"):
        est.secondary_knn(60)
    with pytest.raises(ParameterError, match=r"between 1 and 20 \(n_candidates\)"):
        CSLS(approximate=True, n_candidates=20).fit(small).secondary_knn(21)


def test_reduce_hubness_errors(small: np.ndarray) -> None:
    with pytest.raises(ParameterError, match="k=60 must be smaller than the number of points n=60"):
        reduce_hubness(small, "nicdm", k=60)
    with pytest.raises(ParameterError, match="k must be a positive integer"):
        reduce_hubness(small, "nicdm", k=0)
    with pytest.raises(ParameterError, match="k=40 must be at most n_candidates=30"):
        reduce_hubness(small, "nicdm", k=40, approximate=True, n_candidates=30)
    bad = small.copy()
    bad[3, 3] = np.nan
    with pytest.raises(InputError, match="NaN"):
        reduce_hubness(bad, "nicdm")
    with pytest.raises(InputError, match="one label per point"):
        reduce_hubness(small, "nicdm", labels=[1, 2, 3])


def test_hubness_report_on_a_secondary_graph(small: np.ndarray) -> None:
    g = CSLS().fit(small).secondary_knn(10)
    r = hubness_report(g, 10)
    assert r.k_occurrence.sum() == 600 and r.metric == "csls(cosine)"


def test_a_given_primary_graph_is_used_not_rebuilt():
    # the pipeline hands in the graph it already has: the "before" measures are those of that graph,
    # and the numbers equal a run that builds the same exact graph itself
    from core.knn import knn_graph

    rng = np.random.default_rng(4)
    X = rng.standard_normal((150, 12))
    labels = np.repeat([0, 1, 2], 50)
    built = reduce_hubness(X, "mp_gaussian", 5, labels=labels)
    graph = knn_graph(X, 9, metric="cosine", method="exact")
    given = reduce_hubness(X, "mp_gaussian", 5, labels=labels, primary_graph=graph)
    np.testing.assert_array_equal(given.primary_graph.indices, graph.indices[:, :5])
    np.testing.assert_array_equal(given.primary_graph.indices, built.primary_graph.indices)
    assert given.before.k_skewness == built.before.k_skewness
    assert given.accuracy_before == built.accuracy_before
    np.testing.assert_array_equal(given.secondary_graph.indices, built.secondary_graph.indices)
    with pytest.raises(ParameterError, match=r"primary_graph must hold at least k=5 neighbours of each of "
                                             r"the 150 points; it has 3 of 150"):
        reduce_hubness(X, "mp_gaussian", 5, primary_graph=knn_graph(X, 3, metric="cosine", method="exact"))
