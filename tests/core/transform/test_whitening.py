"""Centring, PCA / Zipfian whitening, symmetry scores and Zipfian bag-of-words vectors (METHODS.md §4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.exceptions import InputError, InsufficientDataError, ParameterError
from core.transform.whitening import (
    Centering,
    PCAWhitening,
    ZipfianWhitening,
    center,
    pca_whitening,
    symmetry_comparison,
    symmetry_comparison_from_model,
    symmetry_scores,
    zipfian_sentence_vectors,
    zipfian_sentence_vectors_from_model,
    zipfian_whitening,
)

ROOT = Path(__file__).resolve().parents[3]


def _anisotropic(rng: np.random.Generator, n: int = 400, d: int = 12) -> np.ndarray:
    # correlated, shifted, unequal variances: far from symmetric
    return rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) * np.linspace(0.2, 3, d) + 2.0


def _zipf_p(n: int) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1)
    return p / p.sum()


# --------------------------------------------------------------------------------------------------
# whitening


def test_zipfian_whitening_moments_meet_the_definition(rng):
    # METHODS.md §4: p^T W' = 0 and W'^T diag(p) W' = I (to ~1e-10)
    W = _anisotropic(rng)
    p = _zipf_p(W.shape[0])
    Wp = ZipfianWhitening().fit_transform(W, sample_weight=p)
    np.testing.assert_allclose(p @ Wp, 0, atol=1e-10)
    np.testing.assert_allclose(Wp.T @ (p[:, None] * Wp), np.eye(W.shape[1]), atol=1e-10)


def test_counts_are_normalised_like_probabilities(rng):
    W = _anisotropic(rng)
    counts = rng.integers(1, 50, W.shape[0]).astype(float)
    a = zipfian_whitening(W, counts)
    b = zipfian_whitening(W, counts / counts.sum())
    np.testing.assert_allclose(a, b, atol=1e-10)


def test_fitted_attributes(rng):
    W = _anisotropic(rng, n=100, d=6)
    est = ZipfianWhitening().fit(W, sample_weight=_zipf_p(100))
    assert est.mean_.shape == (6,)
    assert est.components_.shape == (6, 6)
    assert est.T_.shape == (6, 6)
    assert est.singular_values_.shape == (6,)
    assert np.all(np.diff(est.singular_values_) <= 0)
    assert est.epsilon_ == 0.0 and est.rank_ == 6 and est.n_words_ == 100
    np.testing.assert_allclose(est.components_ @ est.components_.T, np.eye(6), atol=1e-12)


def test_uniform_p_is_pca_whitening(rng):
    X = _anisotropic(rng)
    n = X.shape[0]
    a = PCAWhitening().fit_transform(X)
    np.testing.assert_allclose(a, ZipfianWhitening().fit_transform(X, sample_weight=np.ones(n)), atol=1e-12)
    np.testing.assert_allclose(a, ZipfianWhitening().fit_transform(X), atol=1e-12)
    # population covariance is the identity
    np.testing.assert_allclose(np.cov(a, rowvar=False, bias=True), np.eye(X.shape[1]), atol=1e-10)
    # reference: scikit-learn PCA(whiten=True) uses ddof=1; same axes up to sign
    from sklearn.decomposition import PCA

    ref = PCA(whiten=True, svd_solver="full").fit_transform(X) * np.sqrt(n / (n - 1))
    signs = np.sign(np.sum(a * ref, axis=0))
    np.testing.assert_allclose(a * signs, ref, atol=1e-8)


def test_function_twins_equal_estimators(rng):
    W = _anisotropic(rng)
    p = _zipf_p(W.shape[0])
    np.testing.assert_array_equal(zipfian_whitening(W, p), ZipfianWhitening().fit(W, sample_weight=p).transform(W))
    np.testing.assert_array_equal(pca_whitening(W), PCAWhitening().fit(W).transform(W))
    np.testing.assert_array_equal(center(W, p), Centering().fit(W, sample_weight=p).transform(W))
    np.testing.assert_array_equal(
        zipfian_whitening(W[:5], None, epsilon=0.1), ZipfianWhitening(epsilon=0.1).fit_transform(W[:5])
    )


def test_whitening_removes_any_affine_map(rng):
    # property: the whitened Gram matrix is unchanged by W -> W A + b for any invertible A
    W = _anisotropic(rng, n=200, d=8)
    p = _zipf_p(200)
    A = rng.standard_normal((8, 8)) + 3 * np.eye(8)
    b = rng.standard_normal(8) * 5
    G1 = zipfian_whitening(W, p)
    G2 = zipfian_whitening(W @ A + b, p)
    np.testing.assert_allclose(G1 @ G1.T, G2 @ G2.T, atol=1e-8)


def test_zero_probability_words_do_not_take_part_but_are_transformed(rng):
    W = _anisotropic(rng, n=120, d=5)
    p = _zipf_p(120)
    p_with_zeros = np.concatenate([p, np.zeros(3)])
    W_extra = np.vstack([W, rng.standard_normal((3, 5)) * 100])
    est = ZipfianWhitening().fit(W_extra, sample_weight=p_with_zeros)
    assert est.n_words_ == 120
    np.testing.assert_allclose(est.transform(W), zipfian_whitening(W, p), atol=1e-10)
    assert est.transform(W_extra).shape == (123, 5)


def test_centering_weighted_mean_is_zero(rng):
    W = _anisotropic(rng)
    p = _zipf_p(W.shape[0])
    np.testing.assert_allclose(p @ center(W, p), 0, atol=1e-12)
    np.testing.assert_allclose(center(W).mean(axis=0), 0, atol=1e-12)
    assert Centering().fit(W).mean_.shape == (W.shape[1],)


def test_rank_deficiency_is_refused_with_the_numbers(rng):
    W = rng.standard_normal((10, 20))
    with pytest.raises(InsufficientDataError, match=r"rank 9 < 20.*only 10 word\(s\) have p > 0.*epsilon"):
        ZipfianWhitening().fit(W)
    # exactly d words is still deficient after centring
    with pytest.raises(InsufficientDataError, match="rank 19 < 20"):
        ZipfianWhitening().fit(rng.standard_normal((20, 20)))
    # many words, but all on a plane
    flat = rng.standard_normal((100, 2)) @ rng.standard_normal((2, 6))
    with pytest.raises(InsufficientDataError, match="span only 2 independent direction"):
        ZipfianWhitening().fit(flat)
    # zero probabilities count as absent words
    p = np.zeros(100)
    p[:4] = 1
    with pytest.raises(InsufficientDataError, match="only 4 word"):
        ZipfianWhitening().fit(rng.standard_normal((100, 6)), sample_weight=p)
    with pytest.raises(InsufficientDataError, match="rank 9 < 20"):
        ZipfianWhitening(epsilon=0.0).fit(W)


def test_epsilon_regularises_and_is_reported(rng):
    W = rng.standard_normal((10, 20))
    est = ZipfianWhitening(epsilon=1e-2).fit(W)
    assert est.epsilon_ == 1e-2
    assert est.rank_ == 9
    out = est.transform(W)
    assert np.all(np.isfinite(out))
    # in the principal basis the whitened covariance is diag(S^2 / (S^2 + eps))
    S = est.singular_values_
    cov = out.T @ out / W.shape[0]
    expected = est.T_.T @ (est.components_.T * S**2) @ est.components_ @ est.T_
    np.testing.assert_allclose(cov, expected, atol=1e-10)
    np.testing.assert_allclose(np.linalg.eigvalsh(cov)[::-1], S**2 / (S**2 + 1e-2), atol=1e-10)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), "small", True])
def test_invalid_epsilon(bad, rng):
    with pytest.raises(ParameterError, match="epsilon must be None or a non-negative float"):
        ZipfianWhitening(epsilon=bad).fit(rng.standard_normal((30, 3)))


def test_invalid_inputs(rng):
    W = rng.standard_normal((30, 3))
    with pytest.raises(InputError, match="non-negative"):
        ZipfianWhitening().fit(W, sample_weight=-np.ones(30))
    with pytest.raises(InputError, match=r"shape \(30,\)"):
        ZipfianWhitening().fit(W, sample_weight=np.ones(29))
    with pytest.raises(InputError, match="sums to 0"):
        ZipfianWhitening().fit(W, sample_weight=np.zeros(30))
    bad = W.copy()
    bad[4, 1] = np.nan
    with pytest.raises(InputError, match="NaN or infinite.*row 4"):
        ZipfianWhitening().fit(bad)
    with pytest.raises(InputError, match="2-dimensional"):
        ZipfianWhitening().fit(np.ones(5))
    with pytest.raises(InsufficientDataError, match="at least 2 rows"):
        ZipfianWhitening().fit(np.ones((1, 3)))
    with pytest.raises(InputError, match="not fitted"):
        ZipfianWhitening().transform(W)
    with pytest.raises(InputError, match="Expected 3 columns"):
        ZipfianWhitening().fit(W).transform(np.ones((2, 4)))


# --------------------------------------------------------------------------------------------------
# symmetry scores


def test_symmetry_scores_reference_values():
    # ±e_i: perfectly symmetric
    d = 6
    E = np.vstack([np.eye(d), -np.eye(d)])
    s = symmetry_scores(E)
    assert s.first_moment == pytest.approx(1.0, abs=1e-12)
    assert s.second_moment == pytest.approx(1.0, abs=1e-12)
    # by hand: {(±2,0),(0,±1)} has covariance eigenvalues 2 and 0.5, q = (0.8, 0.2),
    # H(q)/log 2 = binary entropy of 0.2 in bits = 0.7219280948873623
    s = symmetry_scores(np.array([[2.0, 0], [-2, 0], [0, 1], [0, -1]]))
    assert s.first_moment == pytest.approx(1.0, abs=1e-12)
    assert s.second_moment == pytest.approx(0.7219280948873623, abs=1e-12)
    # two points on a ray: mean norm = norm of the mean -> 0; one direction of spread -> 0
    s = symmetry_scores(np.array([[1.0, 0], [3, 0]]))
    assert s.first_moment == pytest.approx(0.0, abs=1e-12)
    assert s.second_moment == pytest.approx(0.0, abs=1e-12)
    # weights: p = (3/4, 1/4) on (1,0), (-1,0): ||mean|| = 1/2, mean norm 1 -> 1/2
    s = symmetry_scores(np.array([[1.0, 0], [-1, 0]]), np.array([3.0, 1.0]))
    assert s.first_moment == pytest.approx(0.5, abs=1e-12)
    assert s.n_points == 2 and s.dimension == 2


def test_symmetry_lower_for_anisotropic_and_one_after_whitening(rng):
    W = _anisotropic(rng)
    p = _zipf_p(W.shape[0])
    before = symmetry_scores(W, p)
    after = symmetry_scores(zipfian_whitening(W, p), p)
    assert before.first_moment < 0.7 and before.second_moment < 0.9
    assert after.first_moment == pytest.approx(1.0, abs=1e-10)
    assert after.second_moment == pytest.approx(1.0, abs=1e-10)
    assert 0 <= before.first_moment <= 1 and 0 <= before.second_moment <= 1
    assert set(after.to_dict()) == {"first_moment", "second_moment", "n_points", "dimension"}


def test_symmetry_score_errors(rng):
    with pytest.raises(InputError, match="at least 2 dimensions"):
        symmetry_scores(rng.standard_normal((5, 1)))
    with pytest.raises(InputError, match="Every vector with positive weight is zero"):
        symmetry_scores(np.zeros((4, 3)))


# --------------------------------------------------------------------------------------------------
# Zipfian bag-of-words sentence vectors


def _tokens(rng, V=40, d=5, n_docs=30):
    M = rng.standard_normal((V, d)) + 1.0
    docs = [list(rng.integers(0, V - 5, rng.integers(3, 12))) for _ in range(n_docs)]  # last 5 ids unused
    return M, docs


def test_bow_vectors_match_the_definition(rng):
    M, docs = _tokens(rng)
    out = zipfian_sentence_vectors(docs, M)
    counts = np.bincount(np.concatenate(docs), minlength=M.shape[0]).astype(float)
    occ = counts > 0
    est = ZipfianWhitening().fit(M[occ], sample_weight=counts[occ])
    expected = np.array([est.transform(M[doc]).mean(axis=0) for doc in docs])
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert out.shape == (len(docs), M.shape[1])
    # plain mean: a repeated token counts as often as it occurs, no frequency weights in pooling
    w = est.transform(M)
    doc = docs[0]
    np.testing.assert_allclose(out[0], sum(w[t] for t in doc) / len(doc), atol=1e-12)
    # tokens weighted by corpus frequency have weighted mean zero
    p = counts[occ] / counts.sum()
    np.testing.assert_allclose(p @ w[occ], 0, atol=1e-10)


def test_bow_vectors_with_reference_frequencies(rng):
    M, docs = _tokens(rng)
    freq = rng.integers(1, 100, M.shape[0]).astype(float)
    out = zipfian_sentence_vectors(docs, M, frequencies=freq)
    est = ZipfianWhitening().fit(M, sample_weight=freq)
    np.testing.assert_allclose(out[3], est.transform(M[docs[3]]).mean(axis=0), atol=1e-12)


def test_bow_errors(rng):
    M, docs = _tokens(rng)
    with pytest.raises(InputError, match=r"1 document\(s\) have no tokens \(first: index 2\)"):
        zipfian_sentence_vectors(docs[:2] + [[]] + docs[2:], M)
    with pytest.raises(InputError, match=r"outside \[0, 40\)"):
        zipfian_sentence_vectors([[0, 1, 40]] + docs, M)
    with pytest.raises(InputError, match="list of lists"):
        zipfian_sentence_vectors(np.zeros((3, 3), dtype=int), M)
    with pytest.raises(InsufficientDataError, match="rank 2 < 5"):
        zipfian_sentence_vectors([[0, 1], [2, 1]], M)
    out = zipfian_sentence_vectors([[0, 1], [2, 1]], M, epsilon=1e-3)
    assert np.all(np.isfinite(out))


def test_symmetry_comparison_side_by_side(rng):
    M, docs = _tokens(rng)
    X = rng.standard_normal((len(docs), 7)) + 3
    cmp = symmetry_comparison(X, docs, M)
    assert cmp.tokens_after.first_moment == pytest.approx(1.0, abs=1e-10)
    assert cmp.tokens_after.second_moment == pytest.approx(1.0, abs=1e-10)
    assert cmp.tokens_before.first_moment < 0.9
    assert cmp.model == symmetry_scores(X)
    assert cmp.zipfian_bow == symmetry_scores(zipfian_sentence_vectors(docs, M))
    assert cmp.n_documents == len(docs) and cmp.n_token_types == len(set(np.concatenate(docs)))
    frame = cmp.to_frame()
    assert list(frame.columns) == ["first_moment", "second_moment", "n_points", "dimension"]
    assert frame.shape == (4, 4)
    with pytest.raises(InputError, match="same texts in the same order"):
        symmetry_comparison(X[:-1], docs, M)


def test_model_adapter_refuses_an_embedder_without_tokenizer(fake_embedder):
    with pytest.raises(InputError, match="exposes no tokenizer"):
        zipfian_sentence_vectors_from_model(["a b"], fake_embedder)


# --------------------------------------------------------------------------------------------------
# the real default model


def _default_embedder():
    from core.embed.factory import load_embedder

    return load_embedder("default", precision="fp32")


@pytest.mark.slow
def test_default_model_bow_vectors_and_comparison():
    import pandas as pd

    texts = pd.read_csv(ROOT / "sample_data" / "science.csv")["text"].head(120).tolist()
    emb = _default_embedder()
    vecs = zipfian_sentence_vectors_from_model(texts, emb)
    assert vecs.shape == (120, 384) and vecs.dtype == np.float64 and np.all(np.isfinite(vecs))
    # special tokens never counted: [CLS]/[SEP] would appear in every document
    ids = emb.tokenizer(texts, add_special_tokens=False)["input_ids"]
    assert not set(emb.tokenizer.all_special_ids) & set(np.concatenate(ids).tolist())
    X = emb.encode(texts)
    cmp = symmetry_comparison_from_model(texts, emb, embeddings=X)
    assert cmp.tokens_after.first_moment == pytest.approx(1.0, abs=1e-8)
    assert cmp.tokens_after.second_moment == pytest.approx(1.0, abs=1e-8)
    assert cmp.tokens_before.second_moment < cmp.tokens_after.second_moment
    assert cmp.model == symmetry_scores(X)
    assert cmp.model.dimension == 384 and cmp.n_documents == 120
    np.testing.assert_allclose(cmp.zipfian_bow.first_moment, symmetry_scores(vecs).first_moment, atol=1e-12)
    # the BoW vectors of the same texts are far more symmetric than the model's sentence embeddings
    assert cmp.zipfian_bow.first_moment > cmp.model.first_moment
