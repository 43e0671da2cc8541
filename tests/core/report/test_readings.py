"""Readings of the numbers: p-values for people, permutation floors, before/after symmetry."""

import math

import pandas as pd
import pytest

from core.report.readings import (
    CITATIONS,
    evidence_table,
    format_p,
    geometry_readings,
    model_readings,
    p_floor,
    symmetry_table,
)


def test_format_p_and_floor():
    assert format_p(8.399e-202) == "p < 0.001"
    assert format_p(0.0042) == "p = 0.004"
    assert format_p(0.3149) == "p = 0.31"
    assert format_p(float("nan")) == "–" and format_p(None) == "–"
    assert p_floor(999) == pytest.approx(0.001)
    assert p_floor(None) is None


def test_evidence_table_states_each_floor_and_puts_effect_sizes_first():
    tests = pd.DataFrame({
        "test": ["depth", "classifier", "energy"], "reference": ["a", "a", "a"], "other": ["b", "b", "b"],
        "pvalue": [1e-200, 0.001, 0.2], "pvalue_adjusted": [3e-200, 0.002, 0.2],
        "effect_size": [0.1, 0.996, 0.01], "n_permutations": pd.array([pd.NA, 999, 99], dtype="Int64")})
    table = evidence_table(tests)
    assert list(table["test"]) == ["Depth rank-sum test", "Classifier test", "Energy distance"]
    assert table["p"].iloc[0] == "p < 0.001"
    assert table["smallest possible p"].iloc[0].startswith("no floor")
    assert table["smallest possible p"].iloc[1] == "0.001 (999 permutations)"
    assert table["smallest possible p"].iloc[2] == "0.01 (99 permutations)"
    assert table["p"].iloc[1] == "p = 0.001 (the smallest this test can give)"
    assert table["size"].tolist() == ["large", "very large", "negligible"]
    assert "AUC = 0.996" in table["effect size"].iloc[1]
    assert not any("e-" in v for v in table["p"])  # never scientific notation


def test_readings_explain_values():
    g = geometry_readings({"k_skewness": 2.9, "robin_hood": 0.31, "antihub_occurrence": 0.08,
                           "hub_occurrence": 0.12, "knn_accuracy": float("nan")},
                          {"isoscore": 0.065, "eee": 0.4, "vrm": 0.3, "average_cosine": 0.2}, k=10)
    by = dict(zip(g["measure"], g["what this value means here"]))
    assert by["k-skewness"].startswith("very strong hubness")
    assert "31%" in by["Robin Hood index"]
    assert "neighbours from the same corpus" not in by  # a missing kNN accuracy is not shown as 'None'
    assert "few directions" in by["IsoScore (all corpora)"]
    assert not (g["value"] == "None").any()
    m = model_readings({"relative_cosine": 0.902, "knn_jaccard": 0.227, "mrr": 0.5, "cka": 0.7, "k": 10})
    knn = m.set_index("measure").loc["kNN overlap", "what this value means here"]
    assert "3.7 of a document's 10 neighbours" in knn  # 2J/(1+J)·k = 3.70


def test_symmetry_before_and_after():
    sym = pd.DataFrame({"corpus": ["a", "a", "a"], "space": ["model embeddings", "Centring", "Zipfian"],
                        "first_moment": [0.2, 0.99, 0.98], "second_moment": [0.1, 0.2, 0.9]})
    t = symmetry_table(sym)
    assert list(t["transform"]) == ["Centring", "Zipfian"]
    assert (t["centring score before"] == 0.2).all()
    assert list(t["isotropy score after"]) == [0.2, 0.9]


def test_one_energy_citation_and_no_spec_file_named():
    assert "Székely & Rizzo 2013" in CITATIONS["tests"]
    assert not any("METHODS" in c for c in CITATIONS.values())
    assert math.isfinite(p_floor(1))
