"""Plain-language summaries, asserted sentence by sentence on constructed results."""

from __future__ import annotations

import re

import numpy as np
import pytest

from core.analysis.depth import BidirectionalDepthResult, DepthTestResult, depth_rank_sum_test_both_ways
from core.analysis.twosample import TwoSampleResult, two_sample_tests
from core.analysis.verdict import ComparisonSummary, effect_size_word, summarize_comparison
from core.exceptions import ParameterError

NAMES = ("games", "science")
SIZES = (842, 1500)


def depth_pair(p_ab, q_ab, p_ba, q_ba, names=NAMES, sizes=SIZES):
    (a, b), (na, nb) = names, sizes
    mk = lambda p, q, ref, smp, nr, ns: DepthTestResult(
        statistic=1.0, pvalue=p, quality_index=q, depth_reference=np.ones(nr), depth_sample=np.ones(ns),
        n_reference=nr, n_sample=ns, reference_name=ref, sample_name=smp)
    return BidirectionalDepthResult(a_reference=mk(p_ab, q_ab, a, b, na, nb),
                                    b_reference=mk(p_ba, q_ba, b, a, nb, na))


def other(test, p, effect, names=NAMES, sizes=SIZES):
    return TwoSampleResult(test=test, statistic=effect, pvalue=p, effect_size=effect, effect_size_name="x",
                           n_permutations=999, random_state=0, n_a=sizes[0], n_b=sizes[1],
                           n_used_a=min(sizes[0], 2000), n_used_b=min(sizes[1], 2000), max_n=2000,
                           name_a=names[0], name_b=names[1])


def results_with_auc(p, auc):
    return [other("MMD", p, 0.01), other("energy distance", p, 0.02), other("classifier", p, auc)]


def test_clear_difference_with_direction():
    s = summarize_comparison(depth_pair(0.001, 0.21, 0.6, 0.47), results_with_auc(0.001, 0.86))
    assert isinstance(s, ComparisonSummary)
    assert s.sentences == (
        ("We compared 'games' (842 documents) with 'science' (1,500 documents): there is evidence that they "
        "differ (smallest of 5 Holm-corrected p-values: 0.005; threshold 0.05)."),
        ("The difference is large: a cross-validated classifier reaches AUC 0.86 at telling their documents "
        "apart (0.5 = chance, 1 = perfectly)."),
        ("'science' documents tend to lie on the fringe of 'games' (quality index Q = 0.21, where 0.5 = as "
        "central as 'games' documents themselves), more than the reverse (Q = 0.47)."),
    )
    assert s.text == " ".join(s.sentences)
    assert (s.evidence, s.strength, s.direction) == (True, "large", "b_on_fringe_of_a")
    # Holm on [0.001, 0.6, 0.001, 0.001, 0.001]: the four 0.001 become 0.005, 0.6 stays 0.6
    np.testing.assert_allclose(s.adjusted_pvalues, [0.005, 0.6, 0.005, 0.005, 0.005])


def test_no_evidence_is_never_worded_as_sameness():
    s = summarize_comparison(depth_pair(0.4, 0.49, 0.7, 0.52), results_with_auc(0.3, 0.52))
    assert s.sentences == (
        ("We compared 'games' (842 documents) with 'science' (1,500 documents): there is no evidence of a "
        "difference (smallest of 5 Holm-corrected p-values: 1.00; threshold 0.05)."),
        "These tests could not tell the two corpora apart, which does not prove that no difference exists.",
        ("The measured difference is negligible: a cross-validated classifier reaches AUC 0.52 at telling "
        "their documents apart (0.5 = chance, 1 = perfectly)."),
    )
    assert not s.evidence and s.direction == "not assessed"
    lowered = s.text.lower()
    for overstatement in ("the same", "identical", "no difference between", "equivalent"):
        assert overstatement not in lowered


def test_correction_can_remove_evidence_and_bh_is_less_strict():
    # raw [0.02, 0.03, 0.04]: Holm gives [0.06, 0.06, 0.06], BH gives [0.04, 0.04, 0.04]
    raw = [other("MMD", 0.02, 0.01), other("energy distance", 0.03, 0.01), other("classifier", 0.04, 0.61)]
    holm = summarize_comparison(tests=raw)
    bh = summarize_comparison(tests=raw, correction="bh")
    assert not holm.evidence  # Holm: 0.06, 0.06, 0.06
    assert bh.evidence  # BH: 0.04, 0.04, 0.04
    assert "no evidence of a difference" in holm.text and "Holm-corrected" in holm.text
    assert "Benjamini–Hochberg-corrected" in bh.text
    # not significant but not negligible: say so, and blame the sample size, not the corpora
    assert "looks small" in holm.text and "it could be chance" in holm.text


def test_detectable_but_negligible():
    s = summarize_comparison(tests=results_with_auc(0.001, 0.55))
    assert s.evidence and s.strength == "negligible"
    assert "detectable but negligible in size" in s.sentences[1]
    assert len(s.sentences) == 2  # no depth test given: no direction sentence


@pytest.mark.parametrize(("p_ab", "p_ba", "direction", "phrase"), [
    (0.001, 0.001, "each_on_fringe_of_other", "Each corpus's documents tend to lie on the fringe of the other"),
    (0.9, 0.001, "a_on_fringe_of_b", "'games' documents tend to lie on the fringe of 'science'"),
    (0.9, 0.8, "neither", "found no evidence that either corpus lies on the fringe of the other"),
])
def test_direction_sentences(p_ab, p_ba, direction, phrase):
    s = summarize_comparison(depth_pair(p_ab, 0.3, p_ba, 0.2), results_with_auc(0.001, 0.75))
    assert s.direction == direction
    assert phrase in s.sentences[2]
    assert s.strength == "moderate"


def test_depth_only_uses_one_minus_q_in_the_more_outlying_direction():
    s = summarize_comparison(depth_pair(1e-6, 0.35, 1e-5, 0.12))
    assert s.effect_size == pytest.approx(0.88) and s.strength == "large"
    assert s.sentences[1] == ("The difference is large: a randomly picked 'science' document is more central "
                              "to 'science' than a randomly picked 'games' document 88% of the time "
                              "(50% = no difference).")
    assert "less than 0.001" in s.sentences[0] and "smallest of 2 Holm-corrected" in s.sentences[0]


@pytest.mark.parametrize(("auc", "word"), [(0.3, "negligible"), (0.5, "negligible"), (0.5999, "negligible"),
                                           (0.6, "small"), (0.7, "moderate"), (0.8, "large"),
                                           (0.9, "very large"), (1.0, "very large")])
def test_effect_size_thresholds(auc, word):
    assert effect_size_word(auc) == word


def test_single_test_and_names_override_and_frame():
    s = summarize_comparison(tests=[other("classifier", 0.03, 0.66)], names=("Games", "Science"))
    assert s.sentences[0].endswith("(p-value: 0.03; threshold 0.05).")
    assert s.sentences[0].startswith("We compared 'Games' (842 documents) with 'Science'")
    frame = s.to_frame()
    assert list(frame.columns) == ["test", "pvalue", "adjusted_pvalue", "significant"]
    assert frame["significant"].tolist() == [True]
    assert s.to_dict()["sizes"] == [842, 1500]


def test_tests_run_with_swapped_corpora_are_accepted():
    swapped = other("MMD", 0.5, 0.0, names=NAMES[::-1], sizes=SIZES[::-1])
    s = summarize_comparison(depth_pair(0.5, 0.5, 0.5, 0.5), [swapped])
    assert s.names == NAMES and len(s.pvalues) == 3


def test_on_real_results_end_to_end(rng):
    A = rng.standard_normal((80, 12)) + 1
    B = rng.standard_normal((70, 12)) + 1
    B[:, :3] += 1.5
    depth = depth_rank_sum_test_both_ways(A, B, names=NAMES)
    s = summarize_comparison(depth, two_sample_tests(A, B, n_permutations=99, names=NAMES))
    assert s.evidence and 2 <= len(s.sentences) <= 3
    assert re.search(r"We compared 'games' \(80 documents\) with 'science' \(70 documents\)", s.text)


def test_invalid_input():
    with pytest.raises(ParameterError, match="at least one result"):
        summarize_comparison()
    with pytest.raises(ParameterError, match="alpha must be < 1"):
        summarize_comparison(tests=results_with_auc(0.1, 0.5), alpha=1.0)
    with pytest.raises(ParameterError, match="alpha must be > 0"):
        summarize_comparison(tests=results_with_auc(0.1, 0.5), alpha=0)
    with pytest.raises(ParameterError, match="correction must be one of"):
        summarize_comparison(tests=results_with_auc(0.1, 0.5), correction="bonferroni")
    with pytest.raises(ParameterError, match="different comparisons"):
        summarize_comparison(depth_pair(0.1, 0.5, 0.1, 0.5), [other("MMD", 0.1, 0.0, names=("games", "libdevel"))])
    with pytest.raises(ParameterError, match="different comparisons"):
        summarize_comparison(tests=[other("MMD", 0.1, 0.0), other("MMD", 0.1, 0.0, sizes=(10, 20))])
    with pytest.raises(ParameterError, match="TwoSampleResult"):
        summarize_comparison(tests=[0.05])
    with pytest.raises(ParameterError, match="depth must be the result"):
        summarize_comparison(depth=0.05)
    with pytest.raises(ParameterError, match="names must be a pair"):
        summarize_comparison(tests=results_with_auc(0.1, 0.5), names=("x",))
    with pytest.raises(ParameterError, match="auc must be <= 1"):
        effect_size_word(1.5)


def test_below_chance_auc_is_worded_as_chance_not_as_a_difference():
    # identical corpora give anti-correlated out-of-fold predictions (AUC far below 0.5)
    s = summarize_comparison(tests=results_with_auc(0.9, 0.09))
    assert not s.evidence and s.strength == "negligible"
    text = " ".join(s.sentences)
    assert "does no better than chance" in text and "AUC 0.09" in text
    assert "reaches AUC" not in text
