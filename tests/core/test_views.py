"""core.results.queries: map sampling, CADE shift ranking with frequency filters, neighbours and trajectories
computed from stored word vectors (checked against core.analysis.shift.ranking on the same vectors)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.analysis.shift.cade import CadeModel
from core.analysis.shift.ranking import neighbours as model_neighbours
from core.analysis.shift.ranking import trajectory as model_trajectory
from core.exceptions import InputError, ParameterError
from core.results.queries import (
    display_sample,
    function_word_note,
    function_words,
    k_occurrence_summary,
    shift_duplicate_warnings,
    shift_ranking,
    shift_scale_note,
    shift_statements,
    word_neighbours,
    word_trajectory,
    word_usages,
)

VOCAB = ["game", "play", "player", "science", "data", "library", "rare"]


def _vocab(counts: dict[str, list[int]]) -> pd.DataFrame:
    frame = pd.DataFrame({"word": VOCAB})
    for corpus, c in counts.items():
        frame[f"freq:{corpus}"] = c
    return frame


@pytest.fixture
def space(rng):
    counts = {"a": [50, 40, 30, 20, 10, 9, 2], "b": [60, 35, 25, 22, 12, 8, 0], "c": [5, 6, 7, 8, 9, 10, 11]}
    vectors = {c: rng.standard_normal((len(VOCAB), 8)).astype(np.float32) for c in counts}
    return _vocab(counts), vectors, counts


# ----------------------------------------------------------------------------------------- sampling


def test_display_sample_keeps_small_maps_whole_and_drops_unmapped_rows() -> None:
    docs = pd.DataFrame({"umap_x": [0.0, 1.0, np.nan, 3.0], "umap_y": [0.0, 1.0, 2.0, np.inf],
                         "text": list("abcd")})
    shown, total = display_sample(docs, max_points=10)
    assert total == 2
    assert shown["text"].tolist() == ["a", "b"]


def test_display_sample_samples_large_maps_reproducibly(rng) -> None:
    docs = pd.DataFrame({"umap_x": rng.standard_normal(1000), "umap_y": rng.standard_normal(1000),
                         "i": np.arange(1000)})
    shown, total = display_sample(docs, max_points=100, random_state=3)
    again, _ = display_sample(docs, max_points=100, random_state=3)
    assert total == 1000 and len(shown) == 100
    assert shown["i"].tolist() == again["i"].tolist()
    assert shown["i"].is_monotonic_increasing  # original order kept
    assert len(set(shown["i"])) == 100


def test_display_sample_rejects_bad_parameters() -> None:
    docs = pd.DataFrame({"umap_x": [0.0], "umap_y": [0.0]})
    with pytest.raises(ParameterError, match="max_points must be an integer"):
        display_sample(docs, max_points=0)
    with pytest.raises(InputError, match="lacks the column"):
        display_sample(pd.DataFrame({"x": [1]}))
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        display_sample([1, 2])


# ------------------------------------------------------------------------------------------ hubness


def test_k_occurrence_summary_counts_hubs_and_antihubs() -> None:
    # N_1 of the METHODS.md §3 example (k = 1): [4, 1, 0, 0, 0]
    docs = pd.DataFrame({"corpus": ["x"] * 5 + ["y"], "k_occurrence": [4, 1, 0, 0, 0, np.nan]})
    table = k_occurrence_summary(docs, k=1)
    assert table["corpus"].tolist() == ["x"]
    row = table.iloc[0]
    assert row["documents"] == 5 and row["max N_k"] == 4
    assert row["mean N_k"] == pytest.approx(1.0)  # Σ N_k = n·k
    assert row["antihubs"] == pytest.approx(0.6)  # METHODS.md: antihub occurrence 0.6
    assert row["hubs"] == pytest.approx(0.2)  # N_k >= 2k: only the first point
    with pytest.raises(ParameterError, match="k must be an integer"):
        k_occurrence_summary(docs, k=0)


# ------------------------------------------------------------------------------------------- shifts


def _words() -> pd.DataFrame:
    return pd.DataFrame({
        "word": ["game", "play", "data", "rare"], "corpus_a": ["a"] * 4, "corpus_b": ["b"] * 4,
        "shift": [0.1, 0.5, 0.3, 0.9], "cosine": [0.9, 0.5, 0.7, 0.1], "freq_a": [50, 40, 10, 2],
        "freq_b": [60, 35, 12, 0], "neighbours_a": ["x", "y", "z", "w"], "neighbours_b": ["X", "Y", "Z", "W"],
        "procrustes_shift": [0.2, 0.4, 0.3, np.nan]})


def test_shift_ranking_filters_by_frequency_in_both_corpora_and_ranks() -> None:
    table = shift_ranking(_words(), "a", "b", min_freq=10, top=None)
    assert table["word"].tolist() == ["play", "data", "game"]
    assert table["rank"].tolist() == [1, 2, 3]
    assert shift_ranking(_words(), "a", "b", min_freq=20, top=1)["word"].tolist() == ["play"]
    assert "rare" in shift_ranking(_words(), "a", "b", min_freq=0, top=None)["word"].tolist()


def test_calibrated_table_keeps_its_stored_order_and_says_when_nothing_stands_out() -> None:
    words = _words().assign(significant=[True, False, False, False], method="cade")
    table = shift_ranking(words, "a", "b", min_freq=10, top=None)
    assert table["word"].tolist() == ["game", "play", "data"]  # stored order, not by shift
    noisy = shift_ranking(words.assign(noise=[0.05, 0.1, 0.2, np.nan]), "a", "b", min_freq=10, top=None)
    assert list(noisy.columns).index("beyond_noise") == list(noisy.columns).index("noise") + 1
    expected = {w: s - n for w, s, n in zip(words["word"], words["shift"], [0.05, 0.1, 0.2, np.nan])}
    assert noisy["beyond_noise"].tolist() == pytest.approx([expected[w] for w in noisy["word"]], nan_ok=True)
    lines = shift_statements(words)
    assert lines[0]["n_significant"] == 1 and lines[0]["statement"].startswith("1 of the 4 words listed")
    every = shift_statements(words.assign(significant=True))
    assert every[0]["statement"].startswith("All 4 words listed shifted beyond sampling noise between a and b")
    assert "more words may have too" in every[0]["statement"]
    none = shift_statements(words.assign(significant=False))
    assert none[0]["statement"].startswith("No word stands out: none of the 4 words compared between a and b")


def test_words_table_of_an_earlier_version_is_upgraded_and_flagged_as_uncalibrated() -> None:
    from core.results.result import _upgrade_words, make_table

    old = _words().drop(columns="rare", errors="ignore")
    new = make_table("words", _upgrade_words(old))
    assert new["shift_cade"].tolist() == old["shift"].tolist() and (new["method"] == "cade").all()
    assert new["q_value"].isna().all() and not new["significant"].any()
    line = shift_statements(new)[0]
    assert line["n_significant"] == 0 and "without a noise estimate" in line["statement"]


def test_word_usages_from_stored_texts_with_neighbours() -> None:
    docs = pd.DataFrame({"corpus": ["a", "a", "b"], "text": ["Play <b>now</b>.", "no", "We play & win."]})
    u = word_usages(docs, _words(), "Play", "b", "a", k=2)
    assert u.freq == {"b": 1, "a": 1}
    assert u.neighbours == {"b": ("Y",), "a": ("y",)}  # from the stored row, swapped for (b, a)
    assert "<mark>Play</mark> &lt;b&gt;now&lt;/b&gt;." in u.to_html()
    # the neighbours row says what it lists, per corpus in the order asked
    assert "<tr><td><i>nearest words:</i> Y</td><td><i>nearest words:</i> y</td></tr>" in u.to_html()
    with pytest.raises(ParameterError, match="no documents"):
        word_usages(docs, _words(), "play", "a", "c")


def test_shift_ranking_in_the_other_direction_swaps_the_per_corpus_columns() -> None:
    table = shift_ranking(_words(), "b", "a", min_freq=10, top=None)
    assert table["word"].tolist() == ["play", "data", "game"]
    first = table.iloc[0]
    assert (first["corpus_a"], first["freq_a"], first["freq_b"], first["neighbours_a"]) == ("b", 35, 40, "Y")


def test_shift_ranking_rejects_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="two different corpora"):
        shift_ranking(_words(), "a", "a")
    with pytest.raises(ParameterError, match="min_freq must be an integer"):
        shift_ranking(_words(), "a", "b", min_freq=-1)
    with pytest.raises(ParameterError, match="top must be an integer"):
        shift_ranking(_words(), "a", "b", top=0)
    with pytest.raises(InputError, match="lacks the column"):
        shift_ranking(pd.DataFrame({"word": []}), "a", "b")


# ---------------------------------------------------------------------------------------- neighbours


def test_word_neighbours_hand_computed() -> None:
    vocab = pd.DataFrame({"word": ["w", "near", "mid", "far", "rare"], "freq:a": [10, 10, 10, 10, 1]})
    vecs = {"a": np.array([[1, 0], [0.9, 0.1], [0, 1], [-1, 0], [1, 0.001]], dtype=np.float32)}
    table = word_neighbours(vocab, vecs, "w", "a", k=3, min_freq=5)
    assert table["neighbour"].tolist() == ["near", "mid", "far"]  # "rare" is below min_freq
    assert table["cosine"].tolist() == pytest.approx([0.9 / np.hypot(0.9, 0.1), 0.0, -1.0], abs=1e-6)
    assert table["frequency"].tolist() == [10, 10, 10]
    assert word_neighbours(vocab, vecs, "W", "a", k=1, min_freq=5)["neighbour"].tolist() == ["near"]


def test_word_neighbours_match_the_ranking_module_on_the_same_vectors(space) -> None:
    vocab, vectors, counts = space
    model = _model(vectors, counts)
    for corpus in ("a", "b"):
        ours = word_neighbours(vocab, vectors, "game", corpus, k=4, min_freq=5)
        theirs = model_neighbours(model, "game", corpus, k=4, min_freq=5)
        assert ours["neighbour"].tolist() == list(theirs.words)
        assert ours["cosine"].to_numpy() == pytest.approx(np.asarray(theirs.cosines), abs=1e-9)


def test_word_neighbours_are_invariant_to_rotation_and_scale(space, rng) -> None:
    vocab, vectors, _ = space
    q, _r = np.linalg.qr(rng.standard_normal((8, 8)))
    turned = {c: (3.5 * v @ q).astype(np.float64) for c, v in vectors.items()}
    a = word_neighbours(vocab, vectors, "play", "a", k=5)
    b = word_neighbours(vocab, turned, "play", "a", k=5)
    assert a["neighbour"].tolist() == b["neighbour"].tolist()
    assert a["cosine"].to_numpy() == pytest.approx(b["cosine"].to_numpy(), abs=1e-5)


def test_word_neighbours_errors(space) -> None:
    vocab, vectors, _ = space
    with pytest.raises(InputError, match="not in the word-shift vocabulary"):
        word_neighbours(vocab, vectors, "unknownword", "a")
    with pytest.raises(InputError, match="occurs 0 times in 'b'"):
        word_neighbours(vocab, vectors, "rare", "b", min_freq=1)
    with pytest.raises(ParameterError, match="corpus 'zz' has no word vectors"):
        word_neighbours(vocab, vectors, "game", "zz")
    with pytest.raises(ParameterError, match="k must be an integer"):
        word_neighbours(vocab, vectors, "game", "a", k=0)
    with pytest.raises(ParameterError, match="min_freq must be an integer"):
        word_neighbours(vocab, vectors, "game", "a", min_freq=0)
    with pytest.raises(ParameterError, match="word must be a non-empty string"):
        word_neighbours(vocab, vectors, " ", "a")
    with pytest.raises(InputError, match="aligned with word_vocab"):
        word_neighbours(vocab, {"a": vectors["a"][:3]}, "game", "a")


# ---------------------------------------------------------------------------------------- trajectory


def _model(vectors, counts) -> CadeModel:
    names = tuple(counts)
    stack = np.stack([vectors[c] for c in names])
    return CadeModel(corpus_names=names, vocabulary=tuple(VOCAB),
                     counts=np.array([counts[c] for c in names], dtype=np.int64),
                     compass_input=stack[0], compass_output=stack[0], slice_vectors=stack,
                     independent_vectors=None, n_documents=(1,) * len(names), n_tokens=(1,) * len(names),
                     params={"min_count": 5}, log=())


def test_word_trajectory_matches_the_ranking_module(space) -> None:
    vocab, vectors, counts = space
    model = _model(vectors, counts)
    ours = word_trajectory(vocab, vectors, "science", ["a", "b", "c"], k=3, min_freq=5)
    theirs = model_trajectory(model, "science", ["a", "b", "c"], k=3, min_freq=5)
    assert ours["corpus"].tolist() == ["a", "b", "c"]
    assert ours["frequency"].tolist() == [20, 22, 8]
    assert ours["cosine_to_first"].to_numpy() == pytest.approx(theirs.cosine_to_first, nan_ok=True)
    assert ours["shift_from_previous"].to_numpy() == pytest.approx(theirs.shift_from_previous, nan_ok=True)
    assert ours["neighbours"].tolist() == [" ".join(n) for n in theirs.neighbours]
    assert ours["cosine_to_first"].iloc[0] == pytest.approx(1.0)
    assert np.isnan(ours["shift_from_previous"].iloc[0])


def test_word_trajectory_marks_absent_corpora(space) -> None:
    vocab, vectors, _ = space
    table = word_trajectory(vocab, vectors, "rare", ["a", "b", "c"], min_freq=2)
    assert table["present"].tolist() == [True, False, True]
    assert np.isnan(table["cosine_to_first"].iloc[1]) and table["neighbours"].iloc[1] == ""
    assert np.isnan(table["shift_from_previous"].iloc[2])  # previous corpus lacks the word
    with pytest.raises(ParameterError, match="at least two different corpora"):
        word_trajectory(vocab, vectors, "game", ["a"])
    with pytest.raises(ParameterError, match="at least two different corpora"):
        word_trajectory(vocab, vectors, "game", ["a", "a"])
    with pytest.raises(ParameterError, match="at least two different corpora"):
        word_trajectory(vocab, vectors, "game", "ab")


def test_shift_duplicate_warnings_name_the_corpus_and_its_share() -> None:
    from core.analysis.duplicates import near_duplicates

    template = ("Language pack for {}: this package contains the translated messages and the spelling "
                "dictionary for {}, installed in the shared data folder of the office suite.")
    langs = ["Welsh", "Basque", "Czech", "Dutch", "Greek", "Irish"]
    texts_a = [template.format(x, x) for x in langs] + [f"distinct text number {i} about topic {i * 7}"
                                                      for i in range(44)]
    texts_b = [f"another corpus document {i} with its own words {i * 3}" for i in range(50)]
    documents = pd.DataFrame({"corpus": ["<b>packs</b>"] * 50 + ["b"] * 50,
                              "doc_id": [f"d{i}" for i in range(100)], "text": texts_a + texts_b})
    found = near_duplicates(list(documents["corpus"]), list(documents["doc_id"]), list(documents["text"]))
    assert found.removable_by_corpus() == {"<b>packs</b>": 5}
    lines = shift_duplicate_warnings(found, documents, ["<b>packs</b>", "b"])
    assert len(lines) == 1  # corpus b has none
    assert lines[0].startswith("5 of the 50 documents of <b>packs</b> (10%) repeat other documents")
    assert "function words included" in lines[0]
    # below the share no warning; the share is a checked parameter
    assert shift_duplicate_warnings(found, documents, ["<b>packs</b>"], min_share=0.11) == []
    with pytest.raises(ParameterError, match="min_share must be in"):
        shift_duplicate_warnings(found, documents, ["b"], min_share=0)


def test_shift_scale_note_reads_the_factor_back_from_the_rows() -> None:
    r = 7.25
    cade, ctx = np.array([0.6, 0.3, 0.2]), np.array([0.1, 0.04, 0.02])
    words = pd.DataFrame({"word": ["x", "y", "z"], "corpus_a": "a", "corpus_b": "b",
                          "shift": 0.7 * cade + 0.3 * r * ctx, "method": "combined", "shift_cade": cade,
                          "shift_contextual": ctx})
    note = shift_scale_note(words, "b", "a")  # either direction
    assert note.startswith("Combined method: shift = 0.7 × word2vec shift + 0.3 × 7.2 × token-vector shift")
    # the first row recomputed from the sentence's factor
    assert 0.7 * cade[0] + 0.3 * 7.25 * ctx[0] == pytest.approx(words["shift"].iloc[0])
    assert shift_scale_note(words.assign(method="cade"), "a", "b") is None
    assert shift_scale_note(words, "a", "c") is None
    assert shift_scale_note(words.drop(columns="shift_contextual"), "a", "b") is None


def _with_function_words() -> pd.DataFrame:
    words = ["from", "engine", "in", "sound", "an", "plugin", "or", "the", "with", "of", "to", "rare"]
    n = len(words)
    return pd.DataFrame({
        "word": words, "corpus_a": ["a"] * n, "corpus_b": ["b"] * n,
        "shift": np.linspace(0.9, 0.3, n), "noise": [0.1] * n, "freq_a": [50] * n, "freq_b": [40] * n,
        "significant": [True] * (n - 1) + [False], "method": ["cade"] * n})


def test_content_only_ranking_leaves_out_function_words_and_ranks_the_rest() -> None:
    table = _with_function_words()
    assert {"from", "in", "an", "or", "the", "with", "of", "to"} <= function_words()
    assert not {"engine", "sound", "plugin", "rare"} & function_words()
    # content words of scikit-learn's stop-word list are not function words
    assert not {"system", "fire", "bill", "computer", "interest", "full", "top"} & function_words()
    assert len(function_words()) == 273
    full = shift_ranking(table, "a", "b", min_freq=10, top=None)
    assert full["word"].tolist() == table["word"].tolist()  # stored order kept, nothing left out
    content = shift_ranking(table, "a", "b", min_freq=10, top=None, content_only=True)
    assert content["word"].tolist() == ["engine", "sound", "plugin", "rare"]
    assert content["rank"].tolist() == [1, 2, 3, 4]
    # ``top`` counts the rows after the function words are left out
    assert shift_ranking(table, "a", "b", min_freq=10, top=2, content_only=True)["word"].tolist() == ["engine",
                                                                                                      "sound"]


def test_function_word_note_names_the_function_words_beyond_noise() -> None:
    table = shift_ranking(_with_function_words(), "a", "b", min_freq=10, top=None)
    note = function_word_note(table)
    assert note.startswith("“from”, “in”, “an”, “or”, “the”, “with”, “of” and “to” are function words (English).")
    assert "tick “Content words only” to list the other words" in note
    four = function_word_note(table.head(5))
    assert four.startswith("“from”, “in” and “an” are function words (English).")
    one = function_word_note(table.head(2))
    assert one.startswith("“from” is a function word (English).")
    assert function_word_note(table.head(2), dashboard=False).endswith("the table keeps them.")
    nine = pd.concat([table, table.assign(word="into")]).reset_index(drop=True)
    assert "“to” and 9 more are function words" not in function_word_note(nine)
    assert function_word_note(nine).startswith("“from”, “in”, “an”, “or”, “the”, “with”, “of”, “to” and 11 more "
                                               "are function words")
    # none named when they did not shift beyond noise, or when the table has no calibration
    assert function_word_note(table.assign(significant=table["word"].isin(["engine", "sound"]))) is None
    assert function_word_note(table.drop(columns="significant")) is None
    with pytest.raises(InputError, match="word"):
        function_word_note(table.drop(columns="word"))
