"""The numba CBOW trainer behind CADE, checked against gensim 4 and on planted structure."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.shift import build_vocabulary, procrustes_rotation, train_word2vec
from core.analysis.shift.w2v import (
    MAX_DOCUMENT_TOKENS,
    encode_documents,
    init_input_vectors,
    noise_table,
    subsample_thresholds,
)
from core.exceptions import InputError, InsufficientDataError, ParameterError


def _zipf_documents(seed: int = 0, n_docs: int = 400, length: int = 40) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    return [[f"w{int(x)}" for x in rng.zipf(1.4, size=length) if x < 3000] for _ in range(n_docs)]


def _topic_documents(seed: int = 0, n_docs: int = 600) -> tuple[list[list[str]], list[str], list[str]]:
    """Two topics whose words never share a document: word2vec must separate them."""
    rng = np.random.default_rng(seed)
    topic_a = [f"a{i}" for i in range(30)]
    topic_b = [f"b{i}" for i in range(30)]
    docs = []
    for d in range(n_docs):
        words = topic_a if d % 2 == 0 else topic_b
        docs.append([words[i] for i in rng.integers(0, len(words), size=30)])
    return docs, topic_a, topic_b


def test_vocabulary_subsampling_and_noise_table_equal_gensim():
    # reference: gensim 4.4 Word2Vec.build_vocab / make_cum_table on the same tokens
    from gensim.models import Word2Vec

    docs = _zipf_documents()
    vocab = build_vocabulary(docs, min_count=5)
    ref = Word2Vec(vector_size=8, min_count=5, sample=1e-3, negative=5, workers=1, seed=0)
    ref.build_vocab(docs)
    assert list(vocab.words) == list(ref.wv.index_to_key)
    assert vocab.counts.tolist() == [ref.wv.get_vecattr(w, "count") for w in vocab.words]
    ours = subsample_thresholds(vocab.counts, 1e-3)
    theirs = np.array([ref.wv.get_vecattr(w, "sample_int") for w in vocab.words], dtype=np.int64)
    assert (ours < 2**32 - 1).sum() > 10  # frequent words really are down-sampled here
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(noise_table(vocab.counts), ref.cum_table.astype(np.int64))


def test_subsampling_off_keeps_every_word_and_noise_skips_absent_words():
    counts = np.array([100, 0, 5])
    assert subsample_thresholds(counts, 0.0).tolist() == [2**32 - 1] * 3
    table = noise_table(counts)
    # a word with count 0 owns an empty interval of the table, so it is never drawn
    assert table[0] == table[1] and table[-1] == 2**31 - 1
    with pytest.raises(ValueError, match="positive count"):
        noise_table(np.zeros(3))


def test_encode_drops_unknown_tokens_and_cuts_long_documents():
    index = {"a": 0, "b": 1}
    tokens, offsets = encode_documents([["a", "zzz", "b"], [], ["b"] * (MAX_DOCUMENT_TOKENS + 5)], index)
    assert tokens[:2].tolist() == [0, 1]
    assert offsets.tolist() == [0, 2, 2 + MAX_DOCUMENT_TOKENS, 2 + MAX_DOCUMENT_TOKENS + 5]


def _train(docs, *, epochs=5, dim=16, seed=0, learn_output=True, output=None, sample=1e-3):
    vocab = build_vocabulary(docs, min_count=1)
    tokens, offsets = encode_documents(docs, vocab.index())
    syn0 = init_input_vectors(len(vocab), dim, np.random.default_rng(seed))
    syn1 = np.zeros_like(syn0) if output is None else output
    log = train_word2vec(tokens, offsets, syn0, syn1, counts=vocab.counts, window=5, negative=5,
                         epochs=epochs, alpha=0.025, min_alpha=0.0001, sample=sample,
                         seed=np.random.SeedSequence(seed), learn_output=learn_output)
    return vocab, syn0, syn1, log


def test_trainer_separates_planted_topics_and_loss_falls():
    docs, topic_a, topic_b = _topic_documents()
    vocab, syn0, _, log = _train(docs, epochs=5)
    index = vocab.index()
    unit = syn0 / np.linalg.norm(syn0, axis=1, keepdims=True)
    a = unit[[index[w] for w in topic_a]]
    b = unit[[index[w] for w in topic_b]]
    within = (a @ a.T)[np.triu_indices(30, 1)].mean()
    between = (a @ b.T).mean()
    assert within > 0.5 and between < within - 0.5
    losses = [r.loss for r in log]
    assert losses[-1] < losses[0]
    # linear decay ends at min_alpha (reached within the last document's share of the schedule)
    assert log[-1].alpha == pytest.approx(0.0001, abs=0.025 / len(docs) * 2)
    assert all(r.trained_words > 0 for r in log)


def test_frozen_mode_never_writes_the_output_matrix():
    docs, _, _ = _topic_documents()
    _, _, trained_output, _ = _train(docs, epochs=2)
    frozen = trained_output.copy()
    frozen.flags.writeable = False
    before = frozen.copy()
    _, syn0, _, log = _train(docs, epochs=2, seed=1, learn_output=False, output=frozen)
    assert np.array_equal(frozen, before)
    assert log[-1].trained_words > 0 and np.linalg.norm(syn0, axis=1).mean() > 0.1
    # control: the same call with the output learning does change it, so the check above can fail
    writable = before.copy()
    _train(docs, epochs=2, seed=1, learn_output=True, output=writable)
    assert not np.array_equal(writable, before)
    with pytest.raises(ValueError, match="writeable"):
        _train(docs, epochs=1, learn_output=True, output=frozen)


def test_same_seed_same_vectors_other_seed_other_vectors():
    docs = _zipf_documents(n_docs=100)
    _, first, out1, _ = _train(docs, seed=3)
    _, second, out2, _ = _train(docs, seed=3)
    _, third, _, _ = _train(docs, seed=4)
    assert np.array_equal(first, second) and np.array_equal(out1, out2)
    assert not np.array_equal(first, third)


def test_procrustes_rotation_recovers_a_rotation(rng):
    source = rng.standard_normal((200, 10))
    q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    target = source @ q
    rotation = procrustes_rotation(source, target)
    np.testing.assert_allclose(rotation, q, atol=1e-10)
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(10), atol=1e-10)


def test_procrustes_rotation_rejects_bad_input(rng):
    x = rng.standard_normal((20, 5))
    with pytest.raises(InputError, match="same shape"):
        procrustes_rotation(x, x[:, :4])
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InputError, match="finite"):
        procrustes_rotation(bad, x)
    with pytest.raises(InsufficientDataError, match="at least 5"):
        procrustes_rotation(x[:3], x[:3])


def test_diverging_training_is_refused_not_returned_as_nan():
    docs = _zipf_documents()
    vocab = build_vocabulary(docs, min_count=1)
    tokens, offsets = encode_documents(docs, vocab.index())
    syn0 = init_input_vectors(len(vocab), 16, np.random.default_rng(0))
    with pytest.raises(ParameterError, match=r"diverged in 'train' epoch \d+ \(alpha=1.0\); lower alpha"):
        train_word2vec(tokens, offsets, syn0, np.zeros_like(syn0), counts=vocab.counts, window=5, negative=5,
                       epochs=5, alpha=1.0, min_alpha=1.0, sample=1e-3, seed=np.random.SeedSequence(0),
                       learn_output=True)
