"""UMAP maps with a shared kNN graph, and trustworthiness (METHODS.md §9)."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.projection import Projection, project_corpora, trustworthiness, umap_projection
from core.exceptions import CorpusCompassWarning, InputError, InsufficientDataError, ParameterError
from core.knn import knn_graph

N_CLUSTERS = 4


def _clusters(n=300, d=32, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((N_CLUSTERS, d)) * 4
    labels = np.arange(n) % N_CLUSTERS
    return centres[labels] + rng.standard_normal((n, d)), labels


@pytest.fixture(scope="module")
def data():
    return _clusters()


@pytest.fixture(scope="module")
def shared_fit(data):
    X, _ = data
    return umap_projection(X, random_state=7)


@pytest.mark.slow
def test_shape_dtype_and_provenance(shared_fit):
    p = shared_fit
    assert isinstance(p, Projection)
    assert p.coords.shape == (300, 2) and p.coords.dtype == np.float32
    assert np.all(np.isfinite(p.coords))
    assert p.knn_source == "core.knn" and p.precomputed_knn and not p.sampled
    assert p.sample_size == 300 and p.n_neighbors == 15 and p.random_state == 7
    assert p.to_dict()["knn_source"] == "core.knn"
    frame = p.to_frame()
    assert list(frame.columns) == ["x", "y", "corpus", "fitted"] and frame["fitted"].all()


@pytest.mark.slow
def test_deterministic_for_a_fixed_seed(data, shared_fit):
    X, _ = data
    again = umap_projection(X, random_state=7)
    np.testing.assert_array_equal(again.coords, shared_fit.coords)
    other = umap_projection(X, random_state=8)
    assert not np.array_equal(other.coords, shared_fit.coords)


@pytest.mark.slow
def test_a_shared_graph_is_used_as_given(data, shared_fit):
    X, _ = data
    graph = knn_graph(X, 30, metric="cosine")  # larger k than needed: pruned to n_neighbors
    p = umap_projection(X, random_state=7, knn=graph)
    assert p.knn_source == "shared" and p.precomputed_knn
    # the same neighbours as the graph computed inside, so the same map
    np.testing.assert_array_equal(p.coords, shared_fit.coords)


@pytest.mark.slow
def test_separated_clusters_stay_separated(data, shared_fit):
    _, labels = data
    coords = shared_fit.coords.astype(np.float64)
    centroids = np.array([coords[labels == c].mean(axis=0) for c in range(N_CLUSTERS)])
    nearest = np.argmin(((coords[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    assert np.mean(nearest == labels) == 1.0
    # gaps between clusters are wider than the clusters themselves
    spread = max(np.linalg.norm(coords[labels == c] - centroids[c], axis=1).max() for c in range(N_CLUSTERS))
    gaps = np.linalg.norm(centroids[:, None] - centroids[None], axis=2)[np.triu_indices(N_CLUSTERS, 1)]
    assert gaps.min() > spread


@pytest.mark.slow
def test_shared_knn_and_umaps_own_knn_are_equally_trustworthy(data, shared_fit):
    X, _ = data
    own = umap_projection(X, random_state=7, knn="umap")
    assert own.knn_source == "umap" and not own.precomputed_knn
    t_shared = trustworthiness(X, shared_fit.coords)
    t_own = trustworthiness(X, own.coords)
    assert t_shared > 0.85 and t_own > 0.85
    assert abs(t_shared - t_own) < 0.02


@pytest.mark.slow
def test_project_corpora_gives_one_block_per_corpus(data):
    X, _ = data
    p = project_corpora([X[:100], X[100:250], X[250:]], random_state=7, n_epochs=50)
    assert p.block_sizes == (100, 150, 50)
    blocks = p.blocks()
    assert [b.shape for b in blocks] == [(100, 2), (150, 2), (50, 2)]
    np.testing.assert_array_equal(np.vstack(blocks), p.coords)
    # one shared fit: identical to projecting the stacked array
    whole = umap_projection(X, random_state=7, n_epochs=50)
    np.testing.assert_array_equal(whole.coords, p.coords)
    np.testing.assert_array_equal(p.corpus_index(), np.repeat([0, 1, 2], [100, 150, 50]))


@pytest.mark.slow
def test_large_input_is_fitted_on_a_sample_and_transformed(data):
    X, labels = data
    graph = knn_graph(X, 14)
    with pytest.warns(CorpusCompassWarning, match="shared kNN graph is not used"):
        p = umap_projection(X, random_state=7, sample_threshold=200, sample_size=150, knn=graph,
                            n_epochs=100)
    assert p.sampled and p.sample_size == 150 and p.fit_indices.shape == (150,)
    assert p.knn_source == "umap" and not p.precomputed_knn
    assert np.all(np.isfinite(p.coords)) and p.coords.shape == (300, 2)
    assert int(p.to_frame()["fitted"].sum()) == 150
    # transformed points land with their own cluster
    fitted = np.zeros(300, dtype=bool)
    fitted[p.fit_indices] = True
    c = p.coords.astype(np.float64)
    centroids = np.array([c[fitted & (labels == k)].mean(axis=0) for k in range(N_CLUSTERS)])
    nearest = np.argmin(((c[~fitted, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    assert np.mean(nearest == labels[~fitted]) > 0.95


def test_trustworthiness_reference_values(rng):
    # a map that keeps every neighbourhood is perfectly trustworthy
    X = rng.standard_normal((200, 2))
    assert trustworthiness(X, X, metric="euclidean") == pytest.approx(1.0)
    assert trustworthiness(np.hstack([X, np.zeros((200, 3))]), X, metric="euclidean") == pytest.approx(1.0)
    # a random map is far less so; and the sampled version is seeded
    Y = rng.standard_normal((200, 2))
    assert trustworthiness(X, Y, metric="euclidean") < 0.7
    big = rng.standard_normal((500, 5))
    t1 = trustworthiness(big, big[:, :2], sample_size=100, random_state=1)
    assert t1 == trustworthiness(big, big[:, :2], sample_size=100, random_state=1)
    assert 0 <= t1 <= 1


def test_invalid_parameters(rng):
    X = rng.standard_normal((30, 8))
    with pytest.raises(ParameterError, match=r"metric must be one of \['cosine', 'euclidean'\]"):
        umap_projection(X, metric="manhattan")
    with pytest.raises(ParameterError, match="n_neighbors must be an integer >= 2"):
        umap_projection(X, n_neighbors=1)
    with pytest.raises(ParameterError, match="n_neighbors=30 must be smaller than the number of points n=30"):
        umap_projection(X, n_neighbors=30)
    with pytest.raises(ParameterError, match=r"min_dist must be a number in \[0, 1\]"):
        umap_projection(X, min_dist=1.5)
    with pytest.raises(ParameterError, match="random_state must be a non-negative integer"):
        umap_projection(X, random_state=None)
    with pytest.raises(ParameterError, match="sample_threshold must be an integer"):
        umap_projection(X, sample_threshold=0)
    with pytest.raises(ParameterError, match="sample_size must be None or an integer"):
        umap_projection(X, sample_threshold=20, sample_size=25)
    with pytest.raises(ParameterError, match="n_epochs must be None or a positive integer"):
        umap_projection(X, n_epochs=0)
    with pytest.raises(ParameterError, match="knn must be None, 'umap' or a core.knn.KnnGraph"):
        umap_projection(X, knn="faiss")
    with pytest.raises(InputError, match="too few for n_neighbors=15"):
        umap_projection(X, knn=knn_graph(X, 5))
    with pytest.raises(InputError, match="has 30 points but X has 29"):
        umap_projection(X[:29], knn=knn_graph(X, 20))
    with pytest.raises(InputError, match="uses metric 'euclidean' but the map uses 'cosine'"):
        umap_projection(X, knn=knn_graph(X, 20, metric="euclidean"))
    with pytest.raises(InsufficientDataError, match="at least 5 points"):
        umap_projection(X[:4], n_neighbors=2)
    Z = X.copy()
    Z[3] = 0
    with pytest.raises(InputError, match="all-zero row"):
        umap_projection(Z)
    with pytest.raises(InputError, match="NaN or infinite"):
        umap_projection(np.full((10, 2), np.nan))
    with pytest.raises(InputError, match="same dimension"):
        project_corpora([X, rng.standard_normal((10, 4))])
    with pytest.raises(InputError, match="non-empty list"):
        project_corpora([])
    with pytest.raises(ParameterError, match="n_neighbors must be an integer with 1 <= n_neighbors < 15"):
        trustworthiness(X, X[:, :2], n_neighbors=15)
    with pytest.raises(InputError, match="X has 30 rows but coords has 29"):
        trustworthiness(X, X[:29, :2])
    with pytest.raises(ParameterError, match="sample_size must be an integer >= 3"):
        trustworthiness(X, X[:, :2], sample_size=2)
