"""CADE on the bundled sample corpora: frozen compass, alignment, planted shift, API and refusals.

Reference checks from METHODS.md §6: the frozen output matrix is bit-identical after slice training;
the same corpus as two slices gives mean same-word cosine > 0.9 while two independent models give ≈ 0
(here |mean| < 0.2); a word whose contexts were changed in one corpus ranks at the top (here: top 3).
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.analysis.shift import (
    MIN_CORPUS_TOKENS,
    WORDS_CSV_COLUMNS,
    auto_epochs,
    neighbours,
    procrustes_shift,
    tokenize_corpus,
    train_cade,
    train_compass,
    train_slice,
    trajectory,
    word_shift,
)
from core.exceptions import CorpusCompassWarning, InputError, InsufficientDataError, ParameterError
from core.load.tokens import tokenize

SAMPLES = Path(__file__).resolve().parents[4] / "sample_data"

# the corpora here are deliberately small (fast); the warning about that has its own test
pytestmark = pytest.mark.filterwarnings("ignore::core.exceptions.CorpusCompassWarning")


@cache
def _texts(name: str) -> tuple[str, ...]:
    return tuple(pd.read_csv(SAMPLES / f"{name}.csv")["text"].tolist())


@cache
def _tokens(name: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(tokenize(t)) for t in _texts(name))


def _small_corpora() -> dict[str, list[str]]:
    # ~20,000 tokens each: above the refusal threshold, small enough for second-long training
    return {name: list(_texts(name)[:300]) for name in ("games", "science", "libdevel")}


SMALL = {"dim": 16, "epochs": 3, "seed": 7}


@pytest.fixture(scope="module")
def small_model():
    return train_cade(_small_corpora(), **SMALL)


# --- the compass is frozen -----------------------------------------------------------------------

def test_slice_training_leaves_compass_output_bit_identical():
    corpora = _small_corpora()
    docs = {n: tokenize_corpus(n, t) for n, t in corpora.items()}
    compass = train_compass([d for n in docs for d in docs[n]], dim=16, epochs=2, seed=1)
    before = compass.output_vectors.copy()
    assert not compass.output_vectors.flags.writeable
    vectors, log = train_slice(compass, docs["games"], key=0, stage="games")
    assert np.array_equal(compass.output_vectors, before)
    assert compass.output_vectors.tobytes() == before.tobytes()
    # the slice did train: its vectors moved far from the U(-0.5, 0.5)/dim start (norm ≈ 0.07)
    assert log[-1].trained_words > 0
    index = compass.vocabulary.index()
    seen = [index[w] for w in {t for d in docs["games"] for t in d} if w in index]
    assert np.median(np.linalg.norm(vectors[seen], axis=1)) > 0.5


def test_invalid_slice_parameters():
    docs = tokenize_corpus("games", _small_corpora()["games"])
    compass = train_compass(docs, dim=4, epochs=1)
    with pytest.raises(ParameterError, match="key must be at least 0"):
        train_slice(compass, docs, key=-1)
    with pytest.raises(ParameterError, match="learn_output must be True or False"):
        train_slice(compass, docs, learn_output=1)
    with pytest.raises(ParameterError, match="slice_init must be one of"):
        train_slice(compass, docs, slice_init="hidden")
    with pytest.raises(ParameterError, match="progress must be a callable"):
        train_slice(compass, docs, progress=3)
    with pytest.raises(InsufficientDataError, match="no word of the compass vocabulary"):
        train_slice(compass, [["zzzz", "yyyy"]], stage="other")


def test_model_compass_output_is_the_compass_as_trained():
    # train_cade trains slices and baselines after the compass; its stored output matrix must equal a
    # compass trained alone with the same seed, bit for bit
    corpora = _small_corpora()
    model = train_cade(corpora, baseline=False, **SMALL)
    docs = [d for n, t in corpora.items() for d in tokenize_corpus(n, t)]
    alone = train_compass(docs, **SMALL)
    assert np.array_equal(model.compass_output, alone.output_vectors)
    assert np.array_equal(model.compass_input, alone.input_vectors)


# --- alignment (METHODS §6 checks) ---------------------------------------------------------------

def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.slow
def test_same_corpus_as_two_slices_is_aligned_independent_models_are_not():
    games = [list(d) for d in _tokens("games")]
    # 20 epochs: independent models need them to lose their one dominant direction, without which
    # their mean same-word cosine is that of two random directions, not an average over words
    model = train_cade({"first": games, "second": games}, dim=50, epochs=20, seed=0)
    frequent = model.counts[0] >= 20
    a = _unit(model.slice_vectors[0][frequent])
    b = _unit(model.slice_vectors[1][frequent])
    sims = a @ b.T
    assert frequent.sum() > 300
    assert np.diag(sims).mean() > 0.9
    # not merely one shared direction: each word's nearest vector in the other slice is itself
    assert (sims.argmax(axis=1) == np.arange(len(sims))).mean() > 0.95
    off_diagonal = (sims.sum() - np.trace(sims)) / (sims.size - len(sims))
    assert off_diagonal < 0.3
    ia = _unit(model.independent_vectors[0][frequent])
    ib = _unit(model.independent_vectors[1][frequent])
    assert abs(np.sum(ia * ib, axis=1).mean()) < 0.2


def _swap(docs, x: str, y: str) -> list[list[str]]:
    return [[y if t == x else x if t == y else t for t in d] for d in docs]


@pytest.mark.slow
def test_planted_context_swap_tops_the_shift_list_procrustes_beside_it():
    # science split into two halves; in the second, "framework" and "assembly" trade contexts
    science = [list(d) for d in _tokens("science")]
    first, second = science[0::2], _swap(science[1::2], "framework", "assembly")
    model = train_cade({"first": first, "second": second}, dim=50, seed=0)
    assert model.params["epochs"] == 10  # auto: 124,000 compass tokens
    table = word_shift(model, "first", "second")
    assert table.rank("framework") <= 3 and table.rank("assembly") <= 3
    assert table.n_candidates > 300
    # and clearly: both stand well above the first word that was not planted (0.71 vs 0.31 at seed 0)
    planted = {"framework", "assembly"}
    first_other = next(s for w, s in zip(table.words, table.shift) if w not in planted)
    assert min(table.shift[table.rank(w) - 1] for w in planted) > 1.5 * first_other
    # the baseline on the same case: at these 10 epochs the independent models are still one dominant
    # direction (anchor cosine 0.997), and it ranks the pair 6th and 7th, behind "packages" and "files"
    baseline = procrustes_shift(model, "first", "second")
    assert baseline.details["n_anchors"] == table.n_candidates
    assert baseline.rank("framework") <= 10 and baseline.rank("assembly") <= 10


# --- reproducibility and inputs ------------------------------------------------------------------

def test_same_seed_identical_vectors_other_seed_different(small_model):
    again = train_cade(_small_corpora(), **SMALL)
    for name in ("compass_input", "compass_output", "slice_vectors", "independent_vectors"):
        assert np.array_equal(getattr(small_model, name), getattr(again, name)), name
    other = train_cade(_small_corpora(), **dict(SMALL, seed=8), baseline=False)
    assert not np.array_equal(small_model.slice_vectors, other.slice_vectors)


def test_texts_and_pretokenised_documents_give_the_same_model():
    corpora = _small_corpora()
    tokens = {n: [tokenize(t) for t in texts] for n, texts in corpora.items()}
    a = train_cade(corpora, baseline=False, **SMALL)
    b = train_cade(tokens, baseline=False, **SMALL)
    assert a.vocabulary == b.vocabulary
    assert np.array_equal(a.slice_vectors, b.slice_vectors)


def test_model_records_counts_params_and_log(small_model):
    m = small_model
    assert m.corpus_names == ("games", "science", "libdevel")
    assert m.slice_vectors.shape == (3, len(m.vocabulary), 16)
    # counts are the tokenised corpora's counts of each vocabulary word
    games = [tokenize(t) for t in _small_corpora()["games"]]
    assert m.counts[0, m.word_index("game")] == sum(d.count("game") for d in games)
    assert m.n_tokens[0] == sum(map(len, games))
    assert (m.counts.sum(axis=0) >= m.params["min_count"]).all()
    assert m.params["epochs"] == 3 and m.params["seed"] == 7
    stages = [r.stage for r in m.log]
    assert stages == (["compass"] * 3 + [s for s in m.corpus_names for _ in range(3)]
                      + [f"{s} (independent)" for s in m.corpus_names for _ in range(3)])
    frame = m.to_frame()
    assert list(frame.columns) == ["word", "total", "games", "science", "libdevel"]
    d = m.to_dict()
    assert d["params"]["dim"] == 16 and "slice_vectors" not in d
    assert len(m.to_dict(include_vectors=True)["slice_vectors"]["games"]) == len(m.vocabulary)
    with pytest.raises(ValueError):
        m.slice_vectors[0, 0, 0] = 1.0  # read-only


def test_progress_is_called_once_per_epoch_per_stage():
    calls = []
    train_cade(_small_corpora(), dim=8, epochs=2, seed=0, baseline=False,
               progress=lambda stage, epoch, n: calls.append((stage, epoch, n)))
    assert calls == [(s, e, 2) for s in ("compass", "games", "science", "libdevel") for e in (1, 2)]


def test_auto_epochs_rule():
    assert auto_epochs(10_000_000) == 5
    assert auto_epochs(600_000) == 5
    assert auto_epochs(400_000) == 8
    assert auto_epochs(300_000) == 10
    assert auto_epochs(100_000) == 10
    assert auto_epochs(0) == 10


def test_small_corpora_warn_with_their_size():
    with pytest.warns(CorpusCompassWarning, match=r"'games' \([\d,]+ tokens\).* under 40,000 tokens"):
        train_cade(_small_corpora(), dim=4, epochs=1, baseline=False)


def test_slice_init_from_compass_differs_from_random_start():
    corpora = _small_corpora()
    a = train_cade(corpora, baseline=False, **SMALL)
    b = train_cade(corpora, baseline=False, slice_init="compass", **SMALL)
    assert b.params["slice_init"] == "compass"
    assert not np.array_equal(a.slice_vectors, b.slice_vectors)
    # starting from the compass keeps a slice closer to it
    def mean_cos(x, y):
        return np.sum(_unit(x) * _unit(y), axis=1).mean()
    assert mean_cos(b.slice_vectors[0], b.compass_input) > mean_cos(a.slice_vectors[0], a.compass_input)


def test_cjk_text_is_tokenised_per_character():
    expected = [["北", "京", "大", "学"], ["已", "分", "词"]]
    assert tokenize_corpus("zh", ["北京大学", ["已", "分", "词"]]) == expected


# --- refusals ------------------------------------------------------------------------------------

def test_too_small_corpus_is_refused_with_numbers():
    corpora = {"big": list(_texts("science")[:300]), "tiny": list(_texts("games")[:20])}
    with pytest.raises(InsufficientDataError,
                       match=r"'tiny' has [\d,]+ tokens of vocabulary words \(needs 10,000\)"):
        train_cade(corpora, **SMALL)


def test_corpus_with_too_few_distinct_words_is_refused():
    rng = np.random.default_rng(0)
    narrow = [[f"w{int(i)}" for i in rng.integers(0, 50, size=100)] for _ in range(150)]
    corpora = {"science": [list(d) for d in _tokens("science")[:300]], "narrow": narrow}
    assert sum(map(len, narrow)) >= MIN_CORPUS_TOKENS
    with pytest.raises(InsufficientDataError, match=r"'narrow' .* 50 distinct words .*needs 200"):
        train_cade(corpora, **SMALL)


@pytest.mark.parametrize("kwargs, match", [
    ({"dim": 0}, "dim must be between 1 and 10000"),
    ({"dim": 2.5}, "dim must be an integer"),
    ({"window": 0}, "window must be between 1 and 100"),
    ({"negative": 0}, "negative must be between 1 and 100"),
    ({"epochs": 0}, "epochs must be between 1 and 1000"),
    ({"epochs": True}, "epochs must be an integer"),
    ({"min_count": 0}, "min_count must be at least 1"),
    ({"alpha": 0.0}, r"alpha must be a finite number in \(0.0, 1.0\]"),
    ({"alpha": float("nan")}, "alpha must be a finite number"),
    ({"min_alpha": 0.5}, r"min_alpha \(0.5\) must not exceed alpha"),
    ({"sample": -1e-3}, r"sample must be a finite number in \[0.0, 1.0\]"),
    ({"seed": -1}, "seed must be at least 0"),
    ({"progress": "yes"}, "progress must be a callable"),
    ({"slice_init": "both"}, r"slice_init must be one of \['random', 'compass'\]"),
    ({"baseline": "yes"}, "baseline must be True or False"),
])
def test_invalid_training_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        train_cade({"a": ["x"], "b": ["y"]}, **kwargs)


@pytest.mark.parametrize("corpora, match", [
    (["a", "b"], "corpora must be a mapping"),
    ({"a": ["some text"]}, "at least two, got 1"),
    ({"a": ["x"], "": ["y"]}, "corpus names must be non-empty strings"),
    ({"a": "one string", "b": ["y"]}, "corpus 'a' must be a sequence of texts"),
    ({"a": ["ok", 3.5], "b": ["y"]}, r"corpus 'a', document 1: expected a text"),
    ({"a": [["tok", 1]], "b": ["y"]}, r"corpus 'a', document 0"),
])
def test_invalid_corpora(corpora, match):
    with pytest.raises(InputError, match=match):
        train_cade(corpora)


# --- ranking -------------------------------------------------------------------------------------

def test_shift_table_is_sorted_filtered_and_consistent(small_model):
    m = small_model
    table = word_shift(m, "games", "science", min_freq=10, top=None, n_neighbours=4)
    assert len(table) == table.n_candidates > 20
    assert np.all(np.diff(table.shift) <= 0)
    np.testing.assert_allclose(table.shift, 1 - table.cosine)
    assert np.all((table.shift >= 0) & (table.shift <= 2))
    assert table.freq_a.min() >= 10 and table.freq_b.min() >= 10
    # the cosine is recomputed independently from the slice vectors
    for word, cos in list(zip(table.words, table.cosine))[:5]:
        i = m.word_index(word)
        u, v = m.slice_vectors[0, i], m.slice_vectors[1, i]
        assert cos == pytest.approx(u @ v / np.linalg.norm(u) / np.linalg.norm(v), abs=1e-6)
    for word, na, nb in zip(table.words, table.neighbours_a, table.neighbours_b):
        assert len(na) == len(nb) == 4 and word not in na and word not in nb
        assert all(m.counts[0, m.word_index(n)] >= 10 for n in na)
        assert all(m.counts[1, m.word_index(n)] >= 10 for n in nb)
    top = word_shift(m, "games", "science", min_freq=10, top=5, n_neighbours=4)
    assert top.words == table.words[:5] and top.n_candidates == table.n_candidates


def test_shift_is_symmetric_in_the_two_corpora(small_model):
    ab = word_shift(small_model, "games", "libdevel", min_freq=10, top=None, n_neighbours=0)
    ba = word_shift(small_model, "libdevel", "games", min_freq=10, top=None, n_neighbours=0)
    assert set(ab.words) == set(ba.words)
    shift_ab = dict(zip(ab.words, ab.shift))
    for word, shift in zip(ba.words, ba.shift):
        assert shift == pytest.approx(shift_ab[word], abs=1e-12)


def test_shift_table_frame_follows_words_csv_contract(small_model):
    table = word_shift(small_model, "games", "science", min_freq=10, top=3, n_neighbours=3)
    frame = table.to_frame()
    assert tuple(frame.columns) == WORDS_CSV_COLUMNS
    assert WORDS_CSV_COLUMNS == ("word", "corpus_a", "corpus_b", "shift", "freq_a", "freq_b",
                                 "neighbours_a", "neighbours_b")
    assert frame["neighbours_a"][0] == " ".join(table.neighbours_a[0])
    assert (frame["corpus_a"] == "games").all() and frame.attrs["method"] == "cade"
    rows = table.to_dict()["rows"]
    assert rows[0]["neighbours_a"] == list(table.neighbours_a[0])
    assert rows[0]["cosine"] == pytest.approx(1 - rows[0]["shift"])


def test_neighbours_lookup_and_order(small_model):
    result = neighbours(small_model, "Game", "games", k=5)  # tokenised like the corpus: "game"
    assert result.word == "game" and len(result.words) == 5 and "game" not in result.words
    assert np.all(np.diff(result.cosines) <= 1e-12)
    assert result.to_frame()["neighbour"].tolist() == list(result.words)
    with pytest.raises(InputError, match="not in the CADE vocabulary"):
        neighbours(small_model, "qwertyuiop", "games")
    rare = small_model.vocabulary[int(np.flatnonzero(small_model.counts[0] == 0)[0])]
    with pytest.raises(InputError, match=rf"'{rare}' occurs 0 times in corpus 'games'"):
        neighbours(small_model, rare, "games")


def test_trajectory_over_three_corpora(small_model):
    m = small_model
    traj = trajectory(m, "data", ["games", "science", "libdevel"], k=3)
    assert traj.cosine_to_first[0] == pytest.approx(1.0)
    assert math.isnan(traj.shift_from_previous[0])
    pair = word_shift(m, "games", "science", min_freq=1, top=None, n_neighbours=0)
    assert traj.shift_from_previous[1] == pytest.approx(pair.shift[pair.words.index("data")], abs=1e-9)
    assert all(len(n) == 3 for n in traj.neighbours)
    # a word absent from the first corpus: no vector there, so NaN by design
    absent = next(w for w, c in zip(m.vocabulary, m.counts.T) if c[0] == 0 and c[1] >= 5 and c[2] >= 5)
    gap = trajectory(m, absent)
    assert not gap.present[0] and gap.present[1] and gap.present[2]
    assert np.isnan(gap.cosine_to_first).all() and gap.neighbours[0] == ()
    assert not math.isnan(gap.shift_from_previous[2])
    assert gap.to_dict()["steps"][0]["cosine_to_first"] is None
    assert list(gap.to_frame().columns) == ["corpus", "freq", "present", "cosine_to_first",
                                            "shift_from_previous", "neighbours"]


@pytest.mark.parametrize("call, error, match", [
    (lambda m: word_shift(m, "games", "games"), ParameterError, "both 'games'"),
    (lambda m: word_shift(m, "games", "poetry"), ParameterError, r"'poetry' is not in this model; choose"),
    (lambda m: word_shift(m, "games", "science", min_freq=0), ParameterError,
     "min_freq must be an integer ≥ 1"),
    (lambda m: word_shift(m, "games", "science", top=0), ParameterError,
     "top must be an integer ≥ 1 or None"),
    (lambda m: word_shift(m, "games", "science", n_neighbours=-1), ParameterError, "n_neighbours must be"),
    (lambda m: word_shift(m, "games", "science", neighbour_min_freq=0), ParameterError,
     "neighbour_min_freq must be"),
    (lambda m: neighbours(m, "game", "games", k=0), ParameterError, "k must be an integer ≥ 1"),
    (lambda m: neighbours(m, "game", "games", min_freq=0), ParameterError, "min_freq must be"),
    (lambda m: trajectory(m, "game", ["games"]), ParameterError, "at least two different corpora"),
    (lambda m: trajectory(m, "game", ["games", "games"]), ParameterError, "at least two different"),
    (lambda m: trajectory(m, "game", "games"), ParameterError, "at least two different"),
    (lambda m: trajectory(m, "game", ["games", "poetry"]), ParameterError, "'poetry' is not in this model"),
    (lambda m: trajectory(m, "game", k=0), ParameterError, "k must be an integer ≥ 1"),
    (lambda m: procrustes_shift(m, "games", "science", anchor_min_freq=0), ParameterError,
     "anchor_min_freq must be"),
    (lambda m: procrustes_shift(m, "games", "science", anchor_min_freq=10_000), InsufficientDataError,
     r"only 0 words occur at least anchor_min_freq=10000 times .* needs at least 16"),
])
def test_invalid_ranking_parameters(small_model, call, error, match):
    with pytest.raises(error, match=match):
        call(small_model)


def test_procrustes_needs_the_baseline_models():
    model = train_cade(_small_corpora(), baseline=False, **SMALL)
    with pytest.raises(InputError, match="baseline=True"):
        procrustes_shift(model, "games", "science")


def test_procrustes_table_shape_and_rotation_invariance(small_model):
    table = procrustes_shift(small_model, "games", "science", min_freq=10, top=None, n_neighbours=3)
    cade = word_shift(small_model, "games", "science", min_freq=10, top=None, n_neighbours=3)
    assert table.method == "procrustes" and set(table.words) == set(cade.words)
    assert tuple(table.to_frame().columns) == WORDS_CSV_COLUMNS
    assert np.all(np.diff(table.shift) <= 0)
    assert 0 < table.details["anchor_mean_cosine"] <= 1
    assert table.details["n_anchors"] == table.n_candidates
    # property: rotating one corpus's independent space changes nothing, the alignment undoes it
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.standard_normal((16, 16)))
    rotated = small_model.independent_vectors.copy()
    rotated[1] = rotated[1] @ q.astype(np.float32)
    turned = procrustes_shift(replace(small_model, independent_vectors=rotated), "games", "science",
                              min_freq=10, top=None, n_neighbours=3)
    assert turned.words == table.words
    np.testing.assert_allclose(turned.shift, table.shift, atol=1e-5)
    assert turned.neighbours_b == table.neighbours_b
