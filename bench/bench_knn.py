"""kNN backend and hubness (issue 4).

Data: synthetic clustered embeddings, d = 384 (the default model's width), L2-normalised: a Gaussian
mixture of 20 overlapping components (centres N(0, 0.25 I)), each with a random rank-96 covariance
plus isotropic N(0, 0.25 I) noise, seeded. Clustered rather than i.i.d. noise so that HNSW recall
is what real sentence embeddings give, not the worst case. Metric cosine, k = 10, self excluded.

Rows: exact faiss (``core.knn.knn_graph(method="exact")``, float64 re-ranking included) against
scikit-learn's brute-force ``NearestNeighbors`` at n = 20,000, with the share of identical neighbours;
HNSW (M = 32, efConstruction = 100, efSearch tuned to recall >= 0.95 on 1,000 seeded queries) against
exact faiss at n = 100,000, with the recall@10 against the exact graph (and the graph's own sample
estimate); the hubness report (k-occurrence and the four measures) from the exact graph; one
reduction (Gaussian mutual proximity) in its kNN-graph form (100 candidates) against the full
float64 matrix at n = 20,000, with the overlap of their secondary 10-NN lists. Best of 3 at n =
20,000; one run each at n = 100,000 (each takes minutes on the shared 2-core machine).
"""

from __future__ import annotations

import os

import numpy as np

from bench.timing import best_of


def mixture(n: int, d: int = 384, *, components: int = 20, rank: int = 96, seed: int = 0) -> np.ndarray:
    """Seeded clustered embeddings, (n, d) float32 unit rows (see the module docstring)."""
    rng = np.random.default_rng(seed)
    centres = 0.5 * rng.standard_normal((components, d))
    bases = rng.standard_normal((components, d, rank)) / np.sqrt(rank)
    label = rng.integers(0, components, n)
    X = centres[label] + 0.5 * rng.standard_normal((n, d))
    for c in range(components):
        rows = label == c
        X[rows] += rng.standard_normal((int(rows.sum()), rank)) @ bases[c].T
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32)


def _same(a: np.ndarray, b: np.ndarray) -> float:
    """Mean share of identical neighbours per row."""
    return float(np.mean([len(set(x) & set(y)) / a.shape[1] for x, y in zip(a, b)]))


def _sklearn_knn(X: np.ndarray, k: int) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    _, ind = NearestNeighbors(n_neighbors=k + 1, metric="cosine", algorithm="brute",
                              n_jobs=-1).fit(X).kneighbors(X)
    rows = np.arange(len(X))[:, None]
    keep = np.argsort(ind == rows, axis=1, kind="stable")[:, :k]  # drop self wherever it is
    return np.take_along_axis(ind, keep, axis=1)


def run(quick: bool = False) -> list[dict]:
    from core.analysis.hubness import hubness_report
    from core.knn import knn_graph
    from core.transform.hubness_reduction import MutualProximity

    n_small, n_large = (3_000, 12_000) if quick else (20_000, 100_000)
    k = 10
    repeat_large = 1
    rows: list[dict] = []
    cpus = os.cpu_count()

    # exact faiss vs scikit-learn brute force
    X = mixture(n_small)
    t_faiss, g = best_of(lambda: knn_graph(X, k, method="exact"))
    t_sk, ind = best_of(lambda: _sklearn_knn(X, k))
    rows.append({
        "case": "exact kNN, faiss (core.knn)", "n": n_small, "seconds": t_faiss,
        "baseline": "scikit-learn NearestNeighbors brute, n_jobs=-1", "baseline_seconds": t_sk,
        "ratio": t_sk / t_faiss,
        "note": f"d=384, k={k}, cosine; same neighbours {_same(g.indices, ind):.4f}; {cpus} CPUs",
    })

    # hubness report from the exact graph
    t_rep, rep = best_of(lambda: hubness_report(g, k))
    rows.append({
        "case": "hubness_report from the graph", "n": n_small, "seconds": t_rep,
        "note": (f"k-skewness {rep.k_skewness:.2f}, Robin Hood {rep.robin_hood:.3f}, antihubs "
                 f"{rep.antihub_occurrence:.3f}, hub occurrence {rep.hub_occurrence:.3f}"),
    })

    # one reduction: graph version vs full matrix
    def graph_mp() -> object:
        return MutualProximity(method="gaussian", approximate=True, n_candidates=100).fit(X).secondary_knn(k)

    def full_mp() -> object:
        return MutualProximity(method="gaussian", approximate=False).fit(X).secondary_knn(k)

    t_graph, sec_graph = best_of(graph_mp)
    t_full, sec_full = best_of(full_mp)
    after = hubness_report(sec_graph, k)
    rows.append({
        "case": "Gaussian MP, kNN-graph version (100 candidates)", "n": n_small, "seconds": t_graph,
        "baseline": "Gaussian MP, full float64 matrix", "baseline_seconds": t_full, "ratio": t_full / t_graph,
        "note": (f"secondary 10-NN overlap with full {_same(sec_graph.indices, sec_full.indices):.4f}; "
                 f"k-skewness {rep.k_skewness:.2f} -> {after.k_skewness:.2f}; kNN search included"),
    })

    # HNSW vs exact faiss at the large size
    XL = mixture(n_large, seed=1)
    t_hnsw, h = best_of(lambda: knn_graph(XL, k, method="hnsw", random_state=0), repeat=repeat_large)
    t_exact, e = best_of(lambda: knn_graph(XL, k, method="exact"), repeat=repeat_large)
    D_exact = e.distances[:, -1:]
    tie_aware = float(np.mean(h.distances <= D_exact + 1e-6))
    rows.append({
        "case": f"HNSW kNN (M=32, efC=100, efSearch={h.params['ef_search']})", "n": n_large,
        "seconds": t_hnsw, "baseline": "exact faiss (core.knn)", "baseline_seconds": t_exact,
        "ratio": t_exact / t_hnsw,
        "note": (f"recall@10 vs exact {_same(h.indices, e.indices):.4f} (tie-aware {tie_aware:.4f}); "
                 f"graph's own estimate {h.recall:.4f} on {h.recall_sample} queries; build included; "
                 f"single run"),
    })
    return rows
