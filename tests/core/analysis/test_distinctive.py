"""Weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008)."""

import math

import numpy as np
import pytest

from core.analysis.distinctive import distinctive_words, log_odds_table
from core.exceptions import InsufficientDataError, ParameterError


def test_log_odds_matches_a_hand_computation():
    # A: x×2, y×1; B: x×1, y×2. Prior = pooled counts: α_x = α_y = 3, α_0 = 6; n_A = n_B = 3.
    # x in A: δ = log(5/4) − log(4/5) = 2·log 1.25; σ² = 1/5 + 1/4; z = δ/σ.
    table = log_odds_table({"A": {"x": 2, "y": 1}, "B": {"x": 1, "y": 2}})
    row = table[(table["corpus"] == "A") & (table["word"] == "x")].iloc[0]
    assert row["count"] == 2 and row["count_others"] == 1
    assert row["log_odds"] == pytest.approx(2 * math.log(1.25), rel=1e-12)
    assert row["z"] == pytest.approx(2 * math.log(1.25) / math.sqrt(0.45), rel=1e-12)
    assert row["z"] == pytest.approx(0.665286, abs=1e-6)
    # symmetric: y in A is x in A mirrored
    y = table[(table["corpus"] == "A") & (table["word"] == "y")].iloc[0]
    assert y["z"] == pytest.approx(-row["z"], rel=1e-12)


def test_log_odds_with_an_explicit_prior_size():
    # α_0 = 2 → α_x = α_y = 1. x in A: δ = log(3/(3+2−2−1)) − log(2/(3+2−1−1)) = log(3/2) − log(2/3)
    table = log_odds_table({"A": {"x": 2, "y": 1}, "B": {"x": 1, "y": 2}}, prior_size=2)
    row = table[(table["corpus"] == "A") & (table["word"] == "x")].iloc[0]
    assert row["log_odds"] == pytest.approx(2 * math.log(1.5), rel=1e-12)
    assert row["z"] == pytest.approx(2 * math.log(1.5) / math.sqrt(1 / 3 + 1 / 2), rel=1e-12)


def test_equal_use_gives_zero_and_more_evidence_gives_larger_z():
    same = log_odds_table({"A": {"the": 50, "cat": 10}, "B": {"the": 50, "cat": 10}})
    assert np.allclose(same["log_odds"], 0) and np.allclose(same["z"], 0)
    small = log_odds_table({"A": {"w": 4, "o": 4}, "B": {"w": 1, "o": 7}})
    large = log_odds_table({"A": {"w": 40, "o": 40}, "B": {"w": 10, "o": 70}})
    z_small = small[(small["corpus"] == "A") & (small["word"] == "w")]["z"].iloc[0]
    z_large = large[(large["corpus"] == "A") & (large["word"] == "w")]["z"].iloc[0]
    assert 0 < z_small < z_large


def test_distinctive_words_rank_topic_words_above_stopwords():
    a = ["the game has a dragon and a sword", "the dragon game for the players"] * 5
    b = ["the library has a header and a compiler", "the compiler library for the developers"] * 5
    table = distinctive_words(["games"] * 10 + ["dev"] * 10, a + b, top=3, min_count=2)
    games = table[table["corpus"] == "games"]
    assert list(games["rank"]) == [1, 2, 3]
    assert set(games["word"]) <= {"dragon", "game", "sword", "players"}
    assert "the" not in set(table["word"])
    assert (table["z"] > 0).all()
    assert list(table.columns) == ["corpus", "rank", "word", "count", "count_others", "log_odds", "z"]


def test_bad_input_is_refused_with_the_parameter_named():
    with pytest.raises(InsufficientDataError, match="two or more corpora"):
        log_odds_table({"A": {"x": 1}})
    with pytest.raises(ParameterError, match="top"):
        distinctive_words(["a", "b"], ["x", "y"], top=0)
    with pytest.raises(ParameterError, match="same length"):
        distinctive_words(["a"], ["x", "y"])
