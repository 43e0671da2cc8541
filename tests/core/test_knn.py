"""core.knn: exact and HNSW kNN graphs, self exclusion with duplicates, recall, umap format, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.exceptions import CorpusCompassWarning, InputError, InsufficientDataError, ParameterError
from core.knn import KnnGraph, knn_from_distance_matrix, knn_graph


def _clustered(rng: np.random.Generator, n: int, d: int, clusters: int = 10) -> np.ndarray:
    centres = rng.standard_normal((clusters, d))
    X = centres[rng.integers(0, clusters, n)] + 0.6 * rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_exact_matches_sklearn_brute_force(rng: np.random.Generator, metric: str) -> None:
    from sklearn.neighbors import NearestNeighbors

    X = rng.standard_normal((400, 24))
    g = knn_graph(X, 10, metric=metric, method="exact")
    dist, ind = NearestNeighbors(n_neighbors=11, metric=metric, algorithm="brute").fit(X).kneighbors(X)
    # continuous random data: no ties, so the neighbour lists must agree exactly
    np.testing.assert_array_equal(g.indices, ind[:, 1:])
    np.testing.assert_allclose(g.distances, dist[:, 1:], rtol=1e-6, atol=1e-6)
    assert g.indices.dtype == np.int64 and g.distances.dtype == np.float32
    assert g.indices.shape == g.distances.shape == (400, 10)
    assert g.method == "exact" and g.recall == 1.0 and g.recall_sample == 0 and not g.approximate


def test_distances_are_true_distances_sorted(rng: np.random.Generator) -> None:
    X = rng.standard_normal((200, 8)) * 3.0
    ge = knn_graph(X, 7, metric="euclidean")
    direct = np.linalg.norm(X[:, None, :] - X[ge.indices], axis=2)  # L2, not squared
    np.testing.assert_allclose(ge.distances, direct, rtol=1e-6)
    gc = knn_graph(X, 7, metric="cosine")
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    np.testing.assert_allclose(gc.distances, 1 - np.einsum("id,ikd->ik", U, U[gc.indices]), atol=1e-6)
    for g in (ge, gc):
        assert np.all(np.diff(g.distances, axis=1) >= 0)
    assert gc.distances.min() >= 0 and gc.distances.max() <= 2


def test_cosine_distance_bounds_for_opposite_vectors() -> None:
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    g = knn_graph(X, 2, metric="cosine")
    assert g.distances[0].tolist() == pytest.approx([1.0, 2.0])


@pytest.mark.parametrize("copies", [2, 3, 12])
def test_duplicates_never_count_a_point_as_its_own_neighbour(rng: np.random.Generator, copies: int) -> None:
    base = rng.standard_normal((40, 6))
    X = np.tile(base, (copies, 1))  # row i and i + 40, i + 80, ... are identical
    g = knn_graph(X, 5, metric="euclidean")
    assert not np.any(g.indices == np.arange(len(X))[:, None])
    twins = min(copies - 1, 5)
    assert np.all(g.distances[:, :twins] == 0)
    assert np.all(g.indices[:, :twins] % 40 == (np.arange(len(X)) % 40)[:, None])


def test_exclude_self_false_puts_the_point_first(rng: np.random.Generator) -> None:
    X = np.vstack([rng.standard_normal((30, 5))] * 2)
    with_self = knn_graph(X, 6, metric="euclidean", exclude_self=False)
    without = knn_graph(X, 5, metric="euclidean")
    np.testing.assert_array_equal(with_self.indices[:, 0], np.arange(60))
    assert np.all(with_self.distances[:, 0] == 0)
    np.testing.assert_array_equal(with_self.indices[:, 1:], without.indices)
    assert with_self.includes_self
    assert knn_graph(X[:4], 4, exclude_self=False).k == 4  # k = n is allowed with self included


def test_exact_graph_is_deterministic(rng: np.random.Generator) -> None:
    X = rng.standard_normal((300, 16))
    a, b = knn_graph(X, 8), knn_graph(X, 8)
    np.testing.assert_array_equal(a.indices, b.indices)


def test_hnsw_recall_is_measured_and_high(rng: np.random.Generator) -> None:
    X = _clustered(rng, 3000, 32)
    g = knn_graph(X, 10, method="hnsw", random_state=3)
    assert g.method == "hnsw" and g.approximate
    assert g.recall_sample == 1000
    assert g.recall >= 0.95
    assert g.params["ef_search"] >= 11 and g.params["m"] == 32
    exact = knn_graph(X, 10, method="exact")
    true_recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(g.indices, exact.indices)])
    assert true_recall >= 0.95
    assert abs(true_recall - g.recall) < 0.03  # the sample estimate tracks the full recall
    assert not np.any(g.indices == np.arange(3000)[:, None])
    assert np.all(np.diff(g.distances, axis=1) >= 0)


def test_auto_switches_to_hnsw_above_the_threshold(rng: np.random.Generator) -> None:
    X = _clustered(rng, 600, 16)
    assert knn_graph(X, 5).method == "exact"
    assert knn_graph(X, 5, exact_max_n=500, recall_sample=200).method == "hnsw"


def test_low_recall_warns(rng: np.random.Generator) -> None:
    X = rng.standard_normal((2000, 64))  # i.i.d. noise in 64 dims is hard for a tiny HNSW graph
    with pytest.warns(CorpusCompassWarning, match="recall"):
        g = knn_graph(X, 10, method="hnsw", hnsw_m=4, ef_construction=8, ef_search=11, min_recall=1.0)
    assert g.recall < 1.0


def test_for_umap_format(rng: np.random.Generator) -> None:
    X = rng.standard_normal((50, 4))
    g = knn_graph(X, 6)
    ind, dist = g.for_umap()
    assert ind.shape == dist.shape == (50, 7)
    np.testing.assert_array_equal(ind[:, 0], np.arange(50))
    assert np.all(dist[:, 0] == 0)
    np.testing.assert_array_equal(ind[:, 1:], g.indices)
    assert ind.dtype == np.int64 and dist.dtype == np.float32
    assert g.for_umap(4)[0].shape == (50, 4)
    with pytest.raises(ParameterError, match="n_neighbors must be an integer between 2 and 7"):
        g.for_umap(8)


@pytest.mark.slow
def test_umap_accepts_the_precomputed_graph(rng: np.random.Generator) -> None:
    """umap-learn builds the same fuzzy graph from for_umap() as from its own exact kNN."""
    import umap

    X = _clustered(rng, 300, 10)
    g = knn_graph(X, 9)
    own = umap.UMAP(n_neighbors=10, metric="cosine", random_state=0, n_epochs=10).fit(X)
    with pytest.warns(UserWarning, match="knn_search_index"):
        pre = umap.UMAP(n_neighbors=10, metric="cosine", random_state=0, n_epochs=10,
                        precomputed_knn=g.for_umap()).fit(X)
    assert abs(own.graph_ - pre.graph_).max() < 1e-5


def test_to_dict_and_truncated(rng: np.random.Generator) -> None:
    g = knn_graph(rng.standard_normal((20, 3)), 4)
    d = g.to_dict()
    json.dumps(d)
    assert d["k"] == 4 and d["n"] == 20 and d["method"] == "exact" and len(d["indices"]) == 20
    assert "indices" not in g.to_dict(include_arrays=False)
    t = g.truncated(2)
    np.testing.assert_array_equal(t.indices, g.indices[:, :2])
    assert t.k == 2
    with pytest.raises(ParameterError, match="between 1 and the graph's k=4"):
        g.truncated(5)
    with pytest.raises(ValueError):
        g.indices[0, 0] = 1  # read-only


def test_integer_input_is_accepted() -> None:
    X = np.array([[0, 0], [1, 0], [5, 5], [6, 5]])
    g = knn_graph(X, 1, metric="euclidean")
    assert g.indices[:, 0].tolist() == [1, 0, 3, 2]


def test_knn_from_distance_matrix(rng: np.random.Generator) -> None:
    X = rng.standard_normal((120, 5))
    D = np.linalg.norm(X[:, None] - X[None], axis=2)
    a = knn_from_distance_matrix(D, 6)
    b = knn_graph(X, 6, metric="euclidean")
    np.testing.assert_array_equal(a.indices, b.indices)
    assert a.metric == "precomputed"
    # ties are broken by the lower index, including at the k-th place
    T = np.ones((6, 6))
    np.fill_diagonal(T, 0)
    assert knn_from_distance_matrix(T, 2).indices.tolist() == [[1, 2], [0, 2], [0, 1], [0, 1], [0, 1], [0, 1]]
    with pytest.raises(InputError, match="square"):
        knn_from_distance_matrix(D[:, :5], 2)
    D[3, 4] = np.nan
    with pytest.raises(InputError, match="NaN"):
        knn_from_distance_matrix(D, 2)


# ----------------------------------------------------------------------------------------- errors


def test_k_not_smaller_than_n() -> None:
    with pytest.raises(ParameterError, match=r"k=5 must be smaller than the number of points n=5"):
        knn_graph(np.eye(5), 5)
    with pytest.raises(ParameterError, match=r"k=6 must be at most the number of points n=5"):
        knn_graph(np.eye(5), 6, exclude_self=False)


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_bad_k(k: object) -> None:
    with pytest.raises(ParameterError, match="k must be a positive integer"):
        knn_graph(np.eye(5), k)  # type: ignore[arg-type]


def test_bad_data() -> None:
    X = np.eye(4)
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(InputError, match=r"NaN or infinite values in 1 row\(s\) \(first: \[2\]\)"):
        knn_graph(bad, 1)
    bad[2, 1] = np.inf
    with pytest.raises(InputError, match="NaN or infinite"):
        knn_graph(bad, 1)
    zero = X.copy()
    zero[1] = 0
    with pytest.raises(InputError, match=r"all-zero row\(s\) \(first: \[1\]\).*metric='euclidean'"):
        knn_graph(zero, 1)
    assert knn_graph(zero, 1, metric="euclidean").n == 4  # a zero vector is fine for L2
    with pytest.raises(InputError, match="2-D array"):
        knn_graph(np.ones(5), 1)
    with pytest.raises(InputError, match="numeric"):
        knn_graph(np.array([["a", "b"], ["c", "d"]]), 1)
    with pytest.raises(InputError, match="no columns"):
        knn_graph(np.ones((3, 0)), 1)
    with pytest.raises(InsufficientDataError, match="at least 2 points"):
        knn_graph(np.ones((1, 3)), 1)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"metric": "manhattan"}, "metric must be one of 'cosine', 'euclidean'"),
    ({"method": "annoy"}, "method must be one of 'auto', 'exact', 'hnsw'"),
    ({"hnsw_m": 2}, "hnsw_m must be an integer between 4 and 256"),
    ({"ef_construction": 4}, "ef_construction must be an integer >= 8"),
    ({"ef_search": 0}, "ef_search must be a positive integer or None"),
    ({"min_recall": 1.5}, r"min_recall must be a number in \(0, 1\]"),
    ({"recall_sample": 0}, "recall_sample must be a positive integer"),
    ({"exact_max_n": -1}, "exact_max_n must be a non-negative integer"),
    ({"exclude_self": "yes"}, "exclude_self must be True or False"),
    ({"random_state": "seed"}, "random_state must be a non-negative int, None or a numpy Generator"),
])
def test_bad_options(kwargs: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        knn_graph(np.eye(6), 2, **kwargs)


def test_random_state_forms(rng: np.random.Generator) -> None:
    X = _clustered(rng, 400, 8)
    for seed in (None, np.random.default_rng(1), 7):
        g = knn_graph(X, 5, method="hnsw", random_state=seed, recall_sample=100)
        assert isinstance(g, KnnGraph) and g.recall > 0.9
