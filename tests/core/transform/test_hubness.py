"""core.analysis.hubness: k-occurrence, the four hubness measures, hubs/antihubs, LOO kNN accuracy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.analysis.hubness import hubness_report, k_occurrence, loo_knn_accuracy
from core.exceptions import InputError, ParameterError
from core.knn import knn_graph

# METHODS.md §3 "Checks": the star toy, Euclidean, k = 1, self excluded
STAR = np.array([(0.0, 0.0), (1.0, 0.0), (-1.1, 0.0), (0.0, 1.2), (0.0, -1.3)])


def test_star_toy_reference_values() -> None:
    r = hubness_report(STAR, 1, metric="euclidean")
    assert r.k_occurrence.tolist() == [4, 1, 0, 0, 0]
    assert r.k_skewness == pytest.approx(1.290994, abs=1e-6)  # METHODS.md §3
    assert r.robin_hood == pytest.approx(0.6)  # METHODS.md §3
    assert r.antihub_occurrence == pytest.approx(0.6)  # METHODS.md §3
    # by hand: the one hub (N_1 = 4 >= 2k) takes 4 of the 5 neighbour slots
    assert r.hub_occurrence == pytest.approx(0.8)
    assert r.hubs.tolist() == [0] and r.antihubs.tolist() == [2, 3, 4]
    assert r.histogram_values.tolist() == [0, 1, 2, 3, 4]
    assert r.histogram_counts.tolist() == [3, 1, 0, 0, 1]
    assert k_occurrence(STAR, 1, metric="euclidean").tolist() == [4, 1, 0, 0, 0]


def test_star_toy_from_a_precomputed_matrix_and_a_graph() -> None:
    D = np.linalg.norm(STAR[:, None] - STAR[None], axis=2)
    assert k_occurrence(D, 1, metric="precomputed").tolist() == [4, 1, 0, 0, 0]
    g = knn_graph(STAR, 3, metric="euclidean")
    assert k_occurrence(g, 1).tolist() == [4, 1, 0, 0, 0]  # the first column of a wider graph


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 5, 10])
def test_occurrence_sums_to_n_k(seed: int, k: int) -> None:
    X = np.random.default_rng(seed).standard_normal((150, 12))
    nk = k_occurrence(X, k)
    assert nk.sum() == 150 * k
    r = hubness_report(X, k)
    assert 0 <= r.robin_hood < 1 and 0 <= r.antihub_occurrence <= 1 and 0 <= r.hub_occurrence <= 1
    assert r.hubs.size == np.sum(nk >= 2 * k) and r.antihubs.size == np.sum(nk == 0)
    assert np.all(np.diff(nk[r.hubs]) <= 0)  # hubs by decreasing N_k
    assert r.histogram_counts.sum() == 150


def test_measures_are_invariant_to_rotation_scale_and_translation(rng: np.random.Generator) -> None:
    X = rng.standard_normal((200, 10))
    Q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    a = hubness_report(X, 5, metric="euclidean")
    b = hubness_report(3.0 * X @ Q + 7.0, 5, metric="euclidean")
    np.testing.assert_array_equal(a.k_occurrence, b.k_occurrence)
    assert a.k_skewness == pytest.approx(b.k_skewness)


def test_constant_occurrence_has_zero_skewness() -> None:
    angles = np.arange(12) * 2 * np.pi / 12  # a regular 12-gon: every point's 2-NN are its neighbours
    X = np.c_[np.cos(angles), np.sin(angles)]
    r = hubness_report(X, 2, metric="euclidean")
    assert r.k_occurrence.tolist() == [2] * 12
    assert r.k_skewness == 0.0 and r.robin_hood == 0.0 and r.antihub_occurrence == 0.0


def test_high_dimensional_gaussian_data_has_hubs(rng: np.random.Generator) -> None:
    low = hubness_report(rng.standard_normal((500, 2)), 10, metric="euclidean")
    high = hubness_report(rng.standard_normal((500, 100)), 10, metric="euclidean")
    assert high.k_skewness > low.k_skewness + 1  # Radovanović et al. 2010: skew grows with dimension
    assert high.antihub_occurrence > low.antihub_occurrence


def test_to_dict_and_to_frame() -> None:
    r = hubness_report(STAR, 1, metric="euclidean")
    d = r.to_dict()
    json.dumps(d)
    assert d["k_skewness"] == pytest.approx(1.290994, abs=1e-6)
    assert d["hubs"] == [0] and d["antihubs"] == [2, 3, 4] and d["n_hubs"] == 1
    assert d["histogram"] == {"n_k": [0, 1, 2, 3, 4], "count": [3, 1, 0, 0, 1]}
    frame = r.to_frame()
    assert frame["role"].tolist() == ["hub", "", "antihub", "antihub", "antihub"]
    assert frame["n_k"].tolist() == [4, 1, 0, 0, 0]


def test_loo_knn_accuracy_by_hand() -> None:
    X = np.array([[0.0], [1.0], [2.1], [10.0], [11.0], [12.0]])
    g = knn_graph(X, 2, metric="euclidean")
    assert loo_knn_accuracy(g, ["a", "a", "a", "b", "b", "b"]) == 1.0
    labels = ["b", "x", "a", "c", "c", "c"]
    # every vote among 0, 1, 2 is a 1:1 tie, won by the nearer neighbour's class:
    # 0 -> {1: x, 2: a} -> x; 1 -> {0: b, 2: a} -> b; 2 -> {1: x, 0: b} -> x; 3, 4, 5 -> c
    assert loo_knn_accuracy(g, labels) == pytest.approx(3 / 6)
    assert loo_knn_accuracy(g, np.array([0, 0, 0, 1, 1, 1]), k=1) == 1.0


# ----------------------------------------------------------------------------------------- errors


def test_errors() -> None:
    g = knn_graph(STAR, 2, metric="euclidean")
    with pytest.raises(ParameterError, match="k=3 is larger than the graph's k=2"):
        hubness_report(g, 3)
    with pytest.raises(ParameterError, match="k must be a positive integer"):
        hubness_report(STAR, 0, metric="euclidean")
    with pytest.raises(ParameterError, match="hub_factor must be a number greater than 1"):
        hubness_report(STAR, 1, metric="euclidean", hub_factor=1)
    with pytest.raises(ParameterError, match="k=5 must be smaller than the number of points n=5"):
        hubness_report(STAR, 5, metric="euclidean")
    with pytest.raises(ParameterError, match="exclude_self=True"):
        k_occurrence(knn_graph(STAR, 3, metric="euclidean", exclude_self=False), 1)
    with pytest.raises(ParameterError, match="metric must be one of"):
        k_occurrence(STAR, 1, metric="manhattan")
    with pytest.raises(InputError, match="one label per point"):
        loo_knn_accuracy(g, ["a", "b"])
    with pytest.raises(InputError, match="missing value"):
        loo_knn_accuracy(g, ["a", None, "b", "a", "b"])
    with pytest.raises(ParameterError, match="graph must be a KnnGraph"):
        loo_knn_accuracy(STAR, ["a"] * 5)  # type: ignore[arg-type]
