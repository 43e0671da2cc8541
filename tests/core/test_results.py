"""Tests of the AnalysisResult container (docs/RESULTS.md): schema, summary, bundle round trip."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from core.exceptions import BundleError, ParameterError
from core.results.result import TABLE_SCHEMAS, AnalysisResult, empty_table, make_table


def _small_result() -> AnalysisResult:
    corpora = make_table("corpora", [
        {"corpus": "a", "n_documents": 2, "source": "a.csv", "sha256": "0" * 64, "fingerprint": "f1",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 1},
        {"corpus": "b ü/x", "n_documents": 1, "source": "b.csv", "sha256": "1" * 64,
         "fingerprint": "f2", "text_column": "text", "n_empty_removed": 3, "n_duplicates_removed": 0},
    ])
    documents = make_table("documents", [
        {"corpus": "a", "doc_id": "1", "text": "=cmd <script>", "depth": 1.2, "umap_x": 0.1,
         "umap_y": 0.2, "k_occurrence": 3, "classifier_prob": 0.4, "label": "x"},
        {"corpus": "a", "doc_id": "2", "text": "日本語", "depth": 1.1, "umap_x": np.nan,
         "umap_y": np.nan, "k_occurrence": 0, "classifier_prob": 0.6, "label": None},
        {"corpus": "b ü/x", "doc_id": "1", "text": "c", "depth": np.nan, "umap_x": 1.0,
         "umap_y": 2.0, "k_occurrence": 1, "classifier_prob": np.nan, "label": "y"},
    ])
    depth = make_table("depth_tests", [
        {"reference": "a", "other": "b ü/x", "W": 1.5, "pvalue": 0.07, "Q": 0.3, "n_reference": 2,
         "n_other": 1},
        {"reference": "b ü/x", "other": "a", "W": -0.5, "pvalue": 0.7, "Q": 0.6, "n_reference": 1,
         "n_other": 2},
    ])
    tests = make_table("tests", [
        {"test": "depth", "reference": "a", "other": "b ü/x", "statistic": 1.5, "pvalue": 0.07,
         "pvalue_adjusted": 0.21, "effect_size": 0.3, "effect_size_name": "Q"},
        {"test": "depth", "reference": "b ü/x", "other": "a", "statistic": -0.5, "pvalue": 0.7,
         "pvalue_adjusted": 1.0, "effect_size": 0.6, "effect_size_name": "Q"},
        {"test": "mmd", "reference": "a", "other": "b ü/x", "statistic": 0.01, "pvalue": 0.5,
         "pvalue_adjusted": 1.0, "effect_size": 0.01, "effect_size_name": "MMD²",
         "n_permutations": 200, "random_state": 0, "note": ""},
    ])
    vocab = make_table("word_vocab", [{"word": "w1", "freq:a": 3, "freq:b ü/x": 0},
                                      {"word": "w2", "freq:a": 1, "freq:b ü/x": 5}])
    return AnalysisResult(
        corpora=corpora, documents=documents, depth_tests=depth, tests=tests, word_vocab=vocab,
        word_vectors={"a": np.ones((2, 3), np.float32), "b ü/x": np.zeros((2, 3), np.float32)},
        embeddings={"a": np.eye(2, 4, dtype=np.float32), "b ü/x": np.ones((1, 4), np.float32)},
        model_comparison={"model_a": "m1", "cka": 0.9}, skipped={"words": "too small"},
        timings={"embed": 1.5}, manifest={"model": {"name": "fake", "weight_sha256": None},
                                          "created": "2026-01-01T00:00:00Z", "seed": 0})


def test_defaults_are_empty_tables_with_contract_columns():
    result = AnalysisResult()
    for name, schema in TABLE_SCHEMAS.items():
        table = getattr(result, name)
        assert list(table.columns) == [c for c, _ in schema]
        assert [str(t) for t in table.dtypes] == [str(pd.Series([], dtype=d).dtype) for _, d in schema]
        assert len(table) == 0
    assert result.pair_names() == [] and result.summary()["corpora"] == []


def test_tables_are_conformed_and_navigation():
    result = _small_result()
    assert result.documents["k_occurrence"].dtype == np.float64
    assert str(result.tests["n_permutations"].dtype) == "Int64"
    assert result.tests["n_permutations"].isna().tolist() == [True, True, False]
    assert result.corpus_names == ["a", "b ü/x"]
    assert result.pair_names() == [("a", "b ü/x")]
    assert result.ordered_pairs() == [("a", "b ü/x"), ("b ü/x", "a")]
    docs = result.documents_of("a")
    assert docs["doc_id"].tolist() == ["1", "2"] and docs.index.tolist() == [0, 1]
    assert list(result.documents.columns)[-1] == "label"


@pytest.mark.parametrize("include", [False, True])
@pytest.mark.parametrize("suffix", ["", ".zip"])
def test_bundle_round_trip_identical(tmp_path, include, suffix):
    result = _small_result()
    path = result.to_bundle(tmp_path / f"bundle{suffix}", include_embeddings=include)
    back = AnalysisResult.from_bundle(path)
    if include:
        assert back.equals(result)
    else:
        assert back.embeddings == {}
        assert not back.equals(result)
        assert back.equals(AnalysisResult(**{**result.__dict__, "embeddings": {}}))
    for name in TABLE_SCHEMAS:
        pd.testing.assert_frame_equal(getattr(back, name), getattr(result, name))
    assert back.word_vectors["b ü/x"].dtype == np.float32
    assert AnalysisResult.from_bundle(result.to_bundle_bytes(include_embeddings=include)).equals(back)


def test_summary_is_strict_json_with_depth_both_ways():
    summary = _small_result().summary()
    text = json.dumps(summary, allow_nan=False)
    assert "NaN" not in text
    assert [(d["reference"], d["other"]) for d in summary["depth_tests"]] == [("a", "b ü/x"), ("b ü/x", "a")]
    assert summary["depth_tests"][0]["pvalue_adjusted"] == pytest.approx(0.21)
    assert [t["test"] for t in summary["tests"]] == ["mmd"]
    assert summary["tests"][0]["n_permutations"] == 200
    assert summary["corpora"] == [{"name": "a", "n_documents": 2}, {"name": "b ü/x", "n_documents": 1}]
    assert summary["model"]["name"] == "fake" and summary["skipped"] == {"words": "too small"}


def test_invalid_tables_refused():
    with pytest.raises(ParameterError, match="exactly the columns"):
        AnalysisResult(spread=pd.DataFrame({"corpus": ["a"]}))
    with pytest.raises(ParameterError, match="must start with the columns"):
        AnalysisResult(documents=pd.DataFrame({"text": ["a"]}))
    with pytest.raises(ParameterError, match="freq:<corpus>"):
        AnalysisResult(word_vocab=pd.DataFrame({"word": ["a"], "count": [1]}))
    with pytest.raises(ParameterError, match="must be a pandas DataFrame"):
        AnalysisResult(tests=[])
    with pytest.raises(ParameterError, match="missing values in an integer column"):
        make_table("corpora", [{"corpus": "a"}])
    with pytest.raises(ParameterError, match="unknown columns"):
        make_table("spread", [{"corpus": "a", "bogus": 1}])
    with pytest.raises(ParameterError, match="word_vocab has 0 words"):
        AnalysisResult(word_vectors={"a": np.ones((2, 3))})
    with pytest.raises(ParameterError, match="2-d numpy array"):
        AnalysisResult(embeddings={"a": [1, 2]})
    with pytest.raises(ParameterError, match="name must be one of"):
        empty_table("nope")
    with pytest.raises(ParameterError, match="corpus must be one of"):
        _small_result().documents_of("zzz")


def test_from_bundle_refuses_other_bundles(tmp_path):
    from core.results.bundle import write_bundle

    path = write_bundle(tmp_path / "other", manifest={}, tables={"x": pd.DataFrame({"a": [1]})})
    with pytest.raises(BundleError, match="does not hold an analysis result"):
        AnalysisResult.from_bundle(path)


def test_notes_are_normalised_deduplicated_and_survive_a_bundle(tmp_path):
    r = _small_result()
    assert r.notes == [] and r.summary()["notes"] == []
    noted = r.with_notes(["HNSW recall  0.91\n below 0.95", "HNSW recall 0.91 below 0.95", "", "<b>x</b>"])
    assert noted.notes == ["HNSW recall 0.91 below 0.95", "<b>x</b>"]
    assert r.notes == []  # a copy: the original is unchanged
    assert noted.with_notes(["<b>x</b>", "third"]).notes == ["HNSW recall 0.91 below 0.95", "<b>x</b>", "third"]
    back = AnalysisResult.from_bundle(noted.to_bundle(tmp_path / "a.zip", include_embeddings=True))
    assert back.notes == noted.notes and back.equals(noted)
    assert back.summary()["notes"] == noted.notes
    # a manifest whose "notes" is not a list (hand-edited) reads as no notes, not as characters
    assert dataclasses.replace(r, manifest={**r.manifest, "notes": "oops"}).notes == []
