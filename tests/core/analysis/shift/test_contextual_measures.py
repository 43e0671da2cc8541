"""Distance measures of the contextual shift method from summed usage vectors (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analysis.shift.calibrate import pairings
from core.analysis.shift.contextual import (
    UsageSums,
    contextual_scores,
    measure_pairings,
    rbf_features,
)
from core.exceptions import InputError, ParameterError


def _unit(r: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = r.standard_normal((n, d))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _sums_counts(halves: list[list[np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(4, n_words, d) sums and (4, n_words) counts of explicit usage lists ``halves[h][word]``."""
    sums = np.array([[u.sum(axis=0) for u in half] for half in halves])
    counts = np.array([[len(u) for u in half] for half in halves])
    return sums, counts


def _brute(halves, measure: str, center=None):
    """``M0, M1, M2`` by looping over every pair of usages."""
    def shifted(u):
        return u if center is None else u - center

    def apd(x, y):
        return 1.0 - np.mean(shifted(x) @ shifted(y).T)

    def within(x):
        if len(x) < 2:
            return 0.0
        g = shifted(x) @ shifted(x).T
        return 1.0 - (g.sum() - np.trace(g)) / (len(x) * (len(x) - 1))

    def d(p, q, w):
        x, y = halves[p][w], halves[q][w]
        extra = (within(x) + within(y)) / 2 if measure == "apd_norm" else 0.0
        return apd(x, y) - extra

    words = range(len(halves[0]))
    return tuple(np.array([(d(i, j, w) + d(k, m, w)) / 2 for w in words])
                 for i, j, k, m in ((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2)))


def test_apd_reference_values():
    # one word in 2-d: A1 = {e1, e2}, A2 = {e1}, B1 = {e2}, B2 = {e2, e2}
    e1, e2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    halves = [[np.array([e1, e2])], [np.array([e1])], [np.array([e2])], [np.array([e2, e2])]]
    sums, counts = _sums_counts(halves)
    # d(A1,A2) = 1 - 1/2, d(B1,B2) = 1 - 2/2; d(A1,B1) = 1 - 1/2, d(A2,B2) = 1 - 0; d(A1,B2) = 1 - 2/4, d(A2,B1) = 1
    within, c1, c2 = measure_pairings(sums, counts, "apd")
    assert (within[0], c1[0], c2[0]) == pytest.approx((0.25, 0.75, 0.75))
    # within-half APD over distinct pairs: A1 = 1 (two orthogonal usages), B2 = 0, one usage: 0
    within, c1, c2 = measure_pairings(sums, counts, "apd_norm")
    assert (within[0], c1[0], c2[0]) == pytest.approx((0.0, 0.5, 0.5))
    # both give excess = 0.5; the prototype ignores the length of the mean vector
    within, c1, c2 = measure_pairings(sums, counts, "prototype")
    assert within[0] == pytest.approx((1 - np.cos(np.pi / 4)) / 2)
    with pytest.raises(ParameterError, match="measure"):
        measure_pairings(sums, counts, "mmd")
    with pytest.raises(InputError, match="shape"):
        measure_pairings(sums[:3], counts[:3], "apd")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), centred=st.booleans())
def test_measures_from_sums_equal_pairwise_loops(seed, centred):
    r = np.random.default_rng(seed)
    d, n_words = 4, 3
    halves = [[_unit(r, int(r.integers(1, 7)), d) for _ in range(n_words)] for _ in range(4)]
    sums, counts = _sums_counts(halves)
    center = r.normal(scale=0.3, size=d) if centred else None
    for measure in ("apd", "apd_norm"):
        got = measure_pairings(sums, counts, measure, center=center)
        want = _brute(halves, measure, center=center)
        for g, w in zip(got, want):
            assert g == pytest.approx(w, abs=1e-10)
    # apd_norm's within-half terms cancel from excess and from the null M2 - M1
    a = measure_pairings(sums, counts, "apd", center=center)
    b = measure_pairings(sums, counts, "apd_norm", center=center)
    assert (a[1] + a[2]) / 2 - a[0] == pytest.approx((b[1] + b[2]) / 2 - b[0], abs=1e-10)
    assert a[2] - a[1] == pytest.approx(b[2] - b[1], abs=1e-10)
    # the prototype is pairings() of the mean vectors, as before the option
    means = sums / counts[..., None] - (0 if center is None else center)
    for g, w in zip(measure_pairings(sums, counts, "prototype", center=center), pairings(means)):
        assert g == pytest.approx(w, abs=1e-12)


def test_rbf_features_approximate_the_gaussian_kernel():
    r = np.random.default_rng(0)
    u = _unit(r, 6, 8)
    phi = rbf_features(8, n_features=20000, gamma=2.0, seed=3)
    f = phi(u)
    assert f.shape == (6, 20000)
    exact = np.exp(-2.0 * ((u[:, None] - u[None]) ** 2).sum(-1))
    assert f @ f.T == pytest.approx(exact, abs=0.03)
    assert np.array_equal(rbf_features(8, n_features=20000, gamma=2.0, seed=3)(u), f)  # fixed by its arguments


def _synthetic_sums(r: np.random.Generator, words: list[str], *, shifted: set[str], n_groups: int = 8,
                    d: int = 6, features=None) -> tuple[UsageSums, UsageSums]:
    """Two corpora whose words draw usages around a centre; ``shifted`` words mix in another sense in B."""
    out = []
    centres = {w: _unit(r, 2, d) for w in words}
    for corpus in (0, 1):
        sums = np.zeros((n_groups, len(words), d))
        counts = np.zeros((n_groups, len(words)), dtype=np.int64)
        feats = None if features is None else np.zeros((n_groups, len(words), features(np.zeros((1, d))).shape[1]))
        for j, w in enumerate(words):
            for g in range(n_groups):
                n = int(r.integers(8, 15))
                sense = np.where((corpus == 1) & (w in shifted) & (r.random(n) < 0.5), 1, 0)
                u = centres[w][sense] + r.normal(scale=0.3, size=(n, d))
                u /= np.linalg.norm(u, axis=1, keepdims=True)
                sums[g, j], counts[g, j] = u.sum(axis=0), n
                if feats is not None:
                    feats[g, j] = features(u).sum(axis=0)
        out.append(UsageSums(words=tuple(words), sums=sums, counts=counts, total=sums.sum(axis=(0, 1)),
                             n_usages=int(counts.sum()), features=feats))
    return out[0], out[1]


def test_contextual_scores_measures_find_a_planted_mixture():
    r = np.random.default_rng(5)
    words = [f"w{i}" for i in range(40)]
    phi = rbf_features(6, n_features=512, gamma=2.0)
    a, b = _synthetic_sums(r, words, shifted={"w7"}, features=phi)
    for measure in ("prototype", "apd", "apd_norm", "mmd"):
        sco = contextual_scores("a", a, "b", b, measure=measure, halvings=8)
        assert sco.ranking()[0] == "w7", measure
        assert sco.params["measure"] == measure
    base = contextual_scores("a", a, "b", b, halvings=8)
    assert base.params["measure"] == "prototype"  # the default is unchanged
    # apd and apd_norm have the same split-half excess (shift − within) and z; the raw shift differs
    x = contextual_scores("a", a, "b", b, measure="apd", halvings=8)
    y = contextual_scores("a", a, "b", b, measure="apd_norm", halvings=8)

    def own_excess(s):
        return (s.distances.cross1 + s.distances.cross2) / 2 - s.distances.within

    assert own_excess(x) == pytest.approx(own_excess(y), abs=1e-12)
    assert x.calibration.z == pytest.approx(y.calibration.z, abs=1e-9)
    assert not np.allclose(x.calibration.shift, y.calibration.shift)
    with pytest.raises(ParameterError, match="measure"):
        contextual_scores("a", a, "b", b, measure="wasserstein")
    with pytest.raises(ParameterError, match="centred"):
        contextual_scores("a", a, "b", b, measure="mmd", center=True)
    plain_a, plain_b = _synthetic_sums(r, words, shifted=set())
    with pytest.raises(InputError, match="feature_map"):
        contextual_scores("a", plain_a, "b", plain_b, measure="mmd")


def test_usage_sums_keep_the_summed_features_of_each_usage():
    from core.analysis.shift.contextual import usage_sums
    from core.embed import load_embedder

    embedder = load_embedder("default", precision="fp32")
    texts = ["The engine runs.", "An engine stops, the other engine waits."]
    phi = rbf_features(384, n_features=64, gamma=2.0)
    plain = usage_sums(embedder, texts, ["engine", "runs"], n_groups=2, groups=[0, 1])
    sums = usage_sums(embedder, texts, ["engine", "runs"], n_groups=2, groups=[0, 1], feature_map=phi)
    assert plain.features is None and sums.features.shape == (2, 2, 64)
    assert np.array_equal(sums.sums, plain.sums) and sums.counts.tolist() == [[1, 1], [2, 0]]
    # one usage in group 0: its features are those of its (unit) vector
    assert sums.features[0, 0] == pytest.approx(phi(sums.sums[0, 0][None])[0], abs=1e-9)
    assert np.abs(sums.features[1, 0]).sum() > 0 and not sums.features[1, 1].any()
