"""Calibrated word shift: the split-half calibration, the CADE ensemble, contextual pooling, usages."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, spearmanr

from core.analysis.shift import tokenize_corpus
from core.analysis.shift.calibrate import HalfDistances, average_pairings, calibrate, pairings
from core.analysis.shift.contextual import (
    DEFAULT_LAYER,
    _chunks,
    pool_pieces,
    truncated_model,
    usage_sums,
    word_spans,
)
from core.analysis.shift.ensemble import (
    EPOCH_TOKENS,
    ensemble_epochs,
    pair_scores,
    split_halves,
    train_halves,
)
from core.analysis.shift.scores import COMBINED_WEIGHT, combine
from core.analysis.shift.usages import find_usages
from core.exceptions import InputError, InsufficientDataError, ParameterError
from core.load.tokens import tokenize

ROOT = Path(__file__).resolve().parents[4]


@cache
def _texts(name: str) -> tuple[str, ...]:
    return tuple(pd.read_csv(ROOT / "sample_data" / f"{name}.csv")["text"].tolist())


# ----------------------------------------------------------------------------- calibration


def test_pairings_reference_values():
    # word 0: A halves identical, B halves identical, A ⟂ B; word 1: everything the same direction
    v = np.zeros((4, 2, 2))
    v[0, 0] = v[1, 0] = [1, 0]
    v[2, 0] = v[3, 0] = [0, 3]
    v[:, 1] = [2, 2]
    within, c1, c2 = pairings(v)
    assert within.tolist() == pytest.approx([0.0, 0.0])
    assert c1.tolist() == pytest.approx([1.0, 0.0])
    assert c2.tolist() == pytest.approx([1.0, 0.0])
    # one half of A at 60 degrees from the rest: d(A1, A2) = 0.5, so within = 0.25
    w = np.zeros((4, 1, 2))
    w[0, 0] = [1, 0]
    w[1:, 0] = [np.cos(np.pi / 3), np.sin(np.pi / 3)]
    within, c1, c2 = pairings(w)
    assert within[0] == pytest.approx(0.25) and c1[0] == pytest.approx(0.25) and c2[0] == pytest.approx(0.25)
    with pytest.raises(InputError, match="shape"):
        pairings(np.zeros((3, 2, 2)))


def test_calibrate_reference_values():
    dist = HalfDistances(within=np.array([0.1, 0.2, 0.1]), cross1=np.array([0.3, 0.2, 0.1]),
                         cross2=np.array([0.5, 0.2, 0.3]), replicates=1)
    cal = calibrate(dist, np.array([50, 50, 50]), neighbourhood=3)
    assert cal.shift.tolist() == pytest.approx([0.4, 0.2, 0.2])
    # noise: each word's own within (0.1, 0.2, 0.1) shrunk halfway to the window's mean 0.4 / 3
    mean = 0.4 / 3
    assert cal.noise.tolist() == pytest.approx([0.05 + mean / 2, 0.1 + mean / 2, 0.05 + mean / 2])
    assert cal.excess.tolist() == pytest.approx([0.35 - mean / 2, 0.1 - mean / 2, 0.15 - mean / 2])
    # null = cross2 - cross1 = [0.2, 0, 0.2]; rms over all three = sqrt(0.08 / 3)
    sd = np.sqrt(0.75) * np.sqrt(0.08 / 3)
    assert cal.noise_sd.tolist() == pytest.approx([sd] * 3)
    # the test uses the word's own split-half excess shift − within = (0.3, 0, 0.1), not the shrunk one
    assert cal.z.tolist() == pytest.approx([0.3 / sd, 0.0, 0.1 / sd])
    assert cal.p.tolist() == pytest.approx(norm.sf(cal.z).tolist())
    assert (cal.q >= cal.p - 1e-15).all() and (cal.q <= 1).all()
    # shrink=1: the noise is the word's own within-corpus distance; shrink=0: its neighbours' mean
    own = calibrate(dist, np.array([50, 50, 50]), neighbourhood=3, shrink=1)
    assert own.noise.tolist() == pytest.approx([0.1, 0.2, 0.1])
    assert own.excess.tolist() == pytest.approx([0.3, 0.0, 0.1])
    assert own.z.tolist() == pytest.approx(cal.z.tolist()) and own.q.tolist() == pytest.approx(cal.q.tolist())
    pooled = calibrate(dist, np.array([50, 50, 50]), neighbourhood=3, shrink=0)
    assert pooled.noise.tolist() == pytest.approx([mean] * 3)
    # the window follows frequency: with two neighbours, the rarest word's noise pools the two rarest
    near = calibrate(dist, np.array([10, 20, 400]), neighbourhood=2, shrink=0)
    assert near.noise.tolist() == pytest.approx([0.15, 0.15, 0.15])
    near = calibrate(dist, np.array([400, 20, 10]), neighbourhood=2, shrink=0)
    assert near.noise.tolist() == pytest.approx([0.15, 0.15, 0.15])
    near = calibrate(dist, np.array([10, 400, 20]), neighbourhood=2, shrink=0)
    assert near.noise.tolist() == pytest.approx([0.1, 0.15, 0.1])
    for bad in (-0.1, 1.5, True, "half"):
        with pytest.raises(ParameterError, match="shrink"):
            calibrate(dist, np.array([50, 50, 50]), shrink=bad)
    with pytest.raises(ParameterError, match="neighbourhood"):
        calibrate(dist, np.array([50, 50, 50]), neighbourhood=1)
    with pytest.raises(InputError, match="shape"):
        calibrate(dist, np.array([50, 50]))


def _simulated(rng, n: int, shifted: np.ndarray | None = None, replicates: int = 4):
    """Four noisy halves per word; noise grows as frequency falls; shifted words move B's halves."""
    freq = rng.integers(20, 400, size=n)
    base = rng.standard_normal((n, 16))
    reps = []
    for _ in range(replicates):
        halves = np.stack([base + rng.standard_normal((n, 16)) * 3 / np.sqrt(freq)[:, None] for _ in range(4)])
        if shifted is not None:
            halves[2:, shifted] += rng.standard_normal((len(shifted), 16))[None] * 0.8
        reps.append(pairings(halves))
    return average_pairings(reps), freq


def test_calibration_flags_few_words_under_no_change_and_finds_planted_ones(rng):
    dist, freq = _simulated(rng, 2000, replicates=1)
    cal = calibrate(dist, freq)
    assert 0.03 < (cal.p <= 0.05).mean() < 0.07  # one replicate: p-values close to uniform under no change
    assert (cal.q <= 0.05).mean() <= 0.01
    # independent replicates: the single-replicate noise scale is conservative
    dist, freq = _simulated(rng, 2000, replicates=4)
    cal = calibrate(dist, freq)
    assert (cal.p <= 0.05).mean() <= 0.05 and (cal.q <= 0.05).sum() == 0
    shifted = np.arange(10)
    dist, freq = _simulated(rng, 500, shifted)
    cal = calibrate(dist, freq)
    assert (cal.q[shifted] <= 0.05).all()
    assert (cal.q[10:] <= 0.05).mean() <= 0.02
    # rare words are noisier, and the expected noise says so
    rare, common = freq < 60, freq > 300
    assert cal.noise[rare].mean() > 2 * cal.noise[common].mean()


# ----------------------------------------------------------------------------- CADE ensemble


def _swap(docs, x: str, y: str):
    return [[y if t == x else x if t == y else t for t in d] for d in docs]


@pytest.fixture(scope="module")
def planted_pair():
    """400 games and 400 science descriptions (27k and 35k tokens), two science words swapped; two seeds."""
    games = tokenize_corpus("games", _texts("games")[:400])
    science = _swap(tokenize_corpus("science", _texts("science")[:400]), "graphical", "number")
    return {seed: train_halves({"games": games, "science": science}, seed=seed) for seed in (0, 1)}


@pytest.mark.slow
def test_planted_swap_ranks_first_and_seeds_agree(planted_pair):
    s0 = pair_scores(planted_pair[0], "games", "science")
    s1 = pair_scores(planted_pair[1], "games", "science")
    # the swap exchanged the two words' counts in science (28 and 32 occurrences)
    assert s0.freq_b[s0.words.index("graphical")] == 32 and s0.freq_b[s0.words.index("number")] == 28
    ranking = s0.ranking()
    # measured: "number" 1st and "graphical" 6th of 87 words (seed 0), both beyond noise
    assert len(ranking) == 87 and ranking[0] == "number" and ranking.index("graphical") < 6
    assert s0.significant()[[s0.words.index("graphical"), s0.words.index("number")]].all()
    common = sorted(set(s0.words) & set(s1.words))
    z0, z1 = dict(zip(s0.words, s0.calibration.excess)), dict(zip(s1.words, s1.calibration.excess))
    assert spearmanr([z0[w] for w in common], [z1[w] for w in common])[0] >= 0.8
    # a single training agrees less with the other seed than the ensemble does
    one0, one1 = pair_scores(planted_pair[0], "games", "science", replicates=1), \
        pair_scores(planted_pair[1], "games", "science", replicates=1)
    y0, y1 = dict(zip(one0.words, one0.calibration.excess)), dict(zip(one1.words, one1.calibration.excess))
    assert spearmanr([y0[w] for w in common], [y1[w] for w in common])[0] < \
        spearmanr([z0[w] for w in common], [z1[w] for w in common])[0]
    neigh = s0.neighbours(["number"], 1, k=5)[0]
    assert len(neigh) == 5 and "number" not in neigh


@pytest.mark.slow
def test_two_halves_of_one_corpus_flag_at_most_five_percent():
    docs = tokenize_corpus("science", _texts("science"))
    order = np.random.default_rng(4).permutation(len(docs))
    h1, h2 = [docs[i] for i in order[:750]], [docs[i] for i in order[750:]]
    scores = pair_scores(train_halves({"h1": h1, "h2": h2}, replicates=2, epochs=5, seed=2), "h1", "h2")
    assert len(scores) > 300
    assert (scores.calibration.q <= 0.05).mean() <= 0.05
    assert (scores.calibration.p <= 0.05).mean() <= 0.10


def test_ensemble_epochs_reference_values():
    # 20 epochs up to EPOCH_TOKENS / 20 = 400,000 compass tokens, then a budget of 8 million token passes
    assert EPOCH_TOKENS == 8_000_000
    assert [ensemble_epochs(n) for n in (0, 1_000, 60_000, 343_297, 400_000)] == [20] * 5
    assert ensemble_epochs(400_001) == 20  # ceil(19.99...) = 20
    assert ensemble_epochs(421_053) == 19
    assert [ensemble_epochs(n) for n in (500_000, 800_000, 1_600_000, 50_000_000)] == [16, 10, 5, 5]
    # another budget: the former rule's 3.6 million token passes gave 12 and 14 epochs at these sizes
    assert [ensemble_epochs(n, budget=3_600_000) for n in (300_001, 257_143, 180_000)] == [12, 14, 20]
    epochs = [ensemble_epochs(n) for n in range(100_000, 3_000_000, 50_000)]
    assert epochs == sorted(epochs, reverse=True)  # fewer passes for more text, never more


def test_split_halves_is_seeded_and_balanced():
    a = split_halves(101, 0, 0, 0)
    assert a.sum() == 50 and (a == split_halves(101, 0, 0, 0)).all()
    assert not (a == split_halves(101, 0, 1, 0)).all() and not (a == split_halves(101, 0, 0, 1)).all()


def test_pair_scores_checks_its_arguments(planted_pair):
    with pytest.raises(ParameterError, match="not in this model"):
        pair_scores(planted_pair[0], "games", "nope")
    with pytest.raises(ParameterError, match="two different"):
        pair_scores(planted_pair[0], "games", "games")
    with pytest.raises(InsufficientDataError, match="min_freq=100000"):
        pair_scores(planted_pair[0], "games", "science", min_freq=100_000)
    with pytest.raises(ParameterError, match="replicates"):
        train_halves({"a": [["x"]], "b": [["y"]]}, replicates=0)


def test_combine_averages_z_by_stouffer(planted_pair):
    s = pair_scores(planted_pair[0], "games", "science")
    t = pair_scores(planted_pair[1], "games", "science")
    c = combine(s, t)
    i = c.words.index("number")
    expected = (s.calibration.z[s.words.index("number")] + t.calibration.z[t.words.index("number")]) / np.sqrt(2)
    assert c.calibration.z[i] == pytest.approx(expected)
    assert c.method == "combined" and set(c.words) == set(s.words) & set(t.words)


def test_combine_puts_both_methods_on_one_scale(planted_pair):
    s = pair_scores(planted_pair[0], "games", "science")
    t = pair_scores(planted_pair[1], "games", "science")
    # the second method on a scale ten times smaller, as the token vectors' distances are to word2vec's
    small = replace(t, calibration=replace(t.calibration, **{k: getattr(t.calibration, k) / 10 for k in
                                                             ("shift", "noise", "excess", "noise_sd")}))
    c, c_small = combine(s, t), combine(s, small)
    r = np.median(s.calibration.noise_sd) / np.median(t.calibration.noise_sd)
    assert c.params["scale"] == pytest.approx(r) and c_small.params["scale"] == pytest.approx(10 * r)
    # the rescaled second method gives the same combination: its units do not matter
    for name in ("shift", "noise", "excess", "z", "q"):
        assert getattr(c_small.calibration, name) == pytest.approx(getattr(c.calibration, name))
    i, j, k = c.words.index("number"), s.words.index("number"), t.words.index("number")
    w = c.params["weight"]
    assert w == COMBINED_WEIGHT == 0.7
    assert c.calibration.shift[i] == pytest.approx(w * s.calibration.shift[j] + (1 - w) * r * t.calibration.shift[k])
    assert c.calibration.noise[i] == pytest.approx(w * s.calibration.noise[j] + (1 - w) * r * t.calibration.noise[k])
    # the ranking is the weighted mean of each method's excess in units of its median noise spread
    e = (w * s.calibration.excess / np.median(s.calibration.noise_sd))[j] + \
        ((1 - w) * t.calibration.excess / np.median(t.calibration.noise_sd))[k]
    assert c.calibration.excess[i] == pytest.approx(np.median(s.calibration.noise_sd) * e)
    # equal weights give the plain mean; a weight outside [0, 1] is refused
    half = combine(s, t, weight=0.5)
    assert half.calibration.shift[i] == pytest.approx((s.calibration.shift[j] + r * t.calibration.shift[k]) / 2)
    with pytest.raises(ParameterError, match="weight must be a number in"):
        combine(s, t, weight=1.5)
    # the ranking figure is the shift beyond noise, as for each method alone
    assert c.calibration.excess == pytest.approx(c.calibration.shift - c.calibration.noise)
    # the rows say the factor, read back from their columns (t plays the token vectors' part here)
    from core.analysis.shift.methods import _rows
    from core.results.queries import shift_scale_note

    rows = pd.DataFrame(_rows(c, {"cade": s, "contextual": t, "combined": c}, "combined", None, 0))
    assert shift_scale_note(rows, "games", "science").startswith(
        f"Combined method: shift = 0.7 × word2vec shift + 0.3 × {r:.1f} × token-vector shift")


# ----------------------------------------------------------------------------- contextual


@pytest.mark.parametrize("text", ["The ﬁrst Café's state-of-the-art 東京! x--y", "Plain ascii, text: 3.14 and don't.",
                                  "Straße ÀB\u00ad c’d", ""])
def test_word_spans_give_tokenize_tokens(text):
    norm_text, spans = word_spans(text)
    assert [w for w, _, _ in spans] == tokenize(text)
    assert all(norm_text[s:e] == w for w, s, e in spans)


def test_chunks_never_split_a_word():
    wop = [0, 0, 0, 1, 1, -1, 2, 3, 3, 3, 3]
    chunks = _chunks(wop, 4)
    assert chunks[0] == (0, 3) and chunks[-1][1] == len(wop)
    for a, b in chunks:
        assert b - a <= 4
        assert a == 0 or wop[a] == -1 or wop[a] != wop[a - 1]
    assert _chunks([5] * 10, 4) == [(0, 4), (4, 8), (8, 10)]  # one word longer than the window is cut


def test_pool_pieces_reference_values():
    hidden = np.array([[1.0, 0, 0], [0, 2, 0], [3, 0, 4], [0, 0, 1]])
    vecs, ids = pool_pieces(hidden, np.array([0, 0, -1, 2]))
    assert ids.tolist() == [0, 2]
    assert vecs[0].tolist() == pytest.approx([1 / np.sqrt(5), 2 / np.sqrt(5), 0])
    assert vecs[1].tolist() == pytest.approx([0, 0, 1])


@pytest.fixture(scope="module")
def embedder():
    from core.embed import load_embedder

    return load_embedder("default", precision="fp32")


def test_usage_sums_pool_subwords_as_computed_by_hand(embedder):
    import torch

    texts = ["An unbelievably antidisestablishmentarian engine, indeed.", "The engine runs.", "Nothing here."]
    sums = usage_sums(embedder, texts, ["antidisestablishmentarian", "engine", "unbelievably"], n_groups=2,
                      groups=[0, 1, 0])
    assert sums.counts.tolist() == [[1, 1, 1], [0, 1, 0]]
    # by hand: the model's last hidden state of text 0, pieces of the long word averaged
    tok = embedder.model[0].tokenizer
    enc = tok(texts[0].lower(), return_offsets_mapping=True)
    pieces = [i for i, (s, e) in enumerate(enc["offset_mapping"]) if e > s and 16 <= s < 41]
    assert len(pieces) > 2  # the word really is several pieces
    with torch.inference_mode():
        states = embedder.model[0].auto_model(input_ids=torch.tensor([enc["input_ids"]]),
                                              output_hidden_states=True).hidden_states
        hidden = states[DEFAULT_LAYER][0]
        # the truncated model that usage_sums runs gives that layer exactly, for every layer
        for layer in (1, 3, 6):
            short = truncated_model(embedder.model[0].auto_model, layer)
            out = short(input_ids=torch.tensor([enc["input_ids"]])).last_hidden_state
            assert torch.equal(out, states[layer])
        assert len(embedder.model[0].auto_model.encoder.layer) == 6  # the model itself is untouched
    manual = hidden[pieces].mean(dim=0).numpy().astype(np.float64)
    manual /= np.linalg.norm(manual)
    assert sums.sums[0, 0] == pytest.approx(manual, abs=2e-4)
    assert np.linalg.norm(sums.sums[1, 1]) == pytest.approx(1.0)
    assert sums.n_usages == len(tokenize(" ".join(texts)))


def test_long_document_is_encoded_in_chunks(embedder):
    text = "word " * 700 + "engine"
    sums = usage_sums(embedder, [text], ["word", "engine"], n_groups=2, groups=[0])
    assert sums.counts[0].tolist() == [700, 1]  # nothing lost past the model window
    with pytest.raises(ParameterError, match="n_groups"):
        usage_sums(embedder, [text], ["word"], n_groups=3)


# ----------------------------------------------------------------------------- usages


def test_usages_escape_hostile_text_and_mark_the_word():
    hostile = ['<script>alert("x")</script> the Engine & <img src=x onerror=alert(1)> runs. Next one.',
               "No match here."]
    u = find_usages("engine", {"a<b>": hostile, "b": ["An engine."]}, k=3)
    html = u.to_html()
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "<mark>Engine</mark>" in html and "a&lt;b&gt;" in html
    assert u.freq == {"a<b>": 1, "b": 1}
    assert u.usages["a<b>"][0].right == " &amp; <img src=x onerror=alert(1)> runs.".replace("&amp;", "&")


def test_usages_count_all_and_show_at_most_k_one_per_document():
    docs = ["the board is here. board again"] * 4 + ["the boards are plural"]
    u = find_usages("Board", {"x": docs}, k=3)
    assert u.word == "board" and u.freq["x"] == 8
    assert len(u.usages["x"]) == 3 and len({x.document for x in u.usages["x"]}) == 3
    assert all(x.match == "board" for x in u.usages["x"])
    with pytest.raises(InputError, match="single word"):
        find_usages("two words", {"x": docs})


@pytest.mark.slow
def test_contextual_method_end_to_end_with_its_cache(embedder, tmp_path):
    from core.analysis.shift.methods import WORD_SHIFT_COLUMNS, shift_words

    corpora = {"games": list(_texts("games")[:120]), "science": list(_texts("science")[:120])}
    out = shift_words(corpora, method="contextual", min_freq=10, top=None, embedder=embedder,
                      cache_dir=tmp_path)
    rows = pd.DataFrame(out.rows)
    assert list(rows.columns) == list(WORD_SHIFT_COLUMNS) and len(rows) > 20
    assert (rows["method"] == "contextual").all() and rows["shift_cade"].isna().all()
    assert rows["shift"].tolist() == rows["shift_contextual"].tolist()
    assert (rows[["freq_a", "freq_b"]] >= 10).all().all() and rows["neighbours_a"].str.len().gt(0).all()
    cached = sorted(tmp_path.glob("usages-*.npz"))
    assert len(cached) == 2  # one per corpus, plain arrays
    with np.load(cached[0], allow_pickle=False) as z:
        assert set(z.files) == {"sums", "counts", "total", "n_usages"}
    again = pd.DataFrame(shift_words(corpora, method="contextual", min_freq=10, top=None, embedder=embedder,
                                     cache_dir=tmp_path).rows)
    pd.testing.assert_frame_equal(rows, again)
    # without a transformer model, "auto" is CADE and "contextual" is refused with a reason
    from core.exceptions import ModelError

    with pytest.raises(ModelError, match="needs the transformer sentence model"):
        shift_words(corpora, method="contextual", embedder=None)


@pytest.mark.slow
def test_an_openvino_embedder_lends_its_torch_model_to_the_contextual_method(embedder, tmp_path):
    """The default embedder on a CPU with native bf16 is OpenVINO's, which has no torch model of its
    own; "auto" must still mean the documented default (combined), and the contextual method must use
    the token vectors of the torch model the graph was converted from: identical to the torch embedder's."""
    pytest.importorskip("openvino")
    from core.analysis.shift.methods import DEFAULT_METHOD, resolve_method, shift_words
    from core.embed import load_embedder
    from core.exceptions import ModelError

    ov = load_embedder("default", backend="openvino", precision="fp32")
    assert getattr(ov, "model", None) is None and ov.base.model is not None
    assert resolve_method("auto", ov) == (DEFAULT_METHOD, ov.base) and DEFAULT_METHOD == "combined"
    assert resolve_method("auto", embedder) == ("combined", embedder)
    assert resolve_method("auto", None) == ("cade", None)
    assert resolve_method("cade", ov) == ("cade", ov.base)
    with pytest.raises(ModelError, match="'combined' needs the transformer sentence model"):
        resolve_method("combined", None)
    corpora = {"games": list(_texts("games")[:120]), "science": list(_texts("science")[:120])}
    kwargs = {"method": "contextual", "min_freq": 10, "top": None}
    # separate caches: each run computes its own token vectors
    by_ov = pd.DataFrame(shift_words(corpora, embedder=ov, cache_dir=tmp_path / "ov", **kwargs).rows)
    by_torch = pd.DataFrame(shift_words(corpora, embedder=embedder, cache_dir=tmp_path / "torch", **kwargs).rows)
    assert len(list((tmp_path / "ov").glob("usages-*.npz"))) == 2
    assert len(by_ov) > 20
    pd.testing.assert_frame_equal(by_ov, by_torch)
