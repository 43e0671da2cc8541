"""Tests of the output contract of ``compare`` (core.report.contract): files, columns, CSV safety."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.exceptions import InputError, ParameterError
from core.load.corpus import Corpus
from core.pipeline.run import run_analysis
from core.pipeline.spec import Analysis
from core.report.contract import DOCUMENTS_COLUMNS, TESTS_COLUMNS, WORDS_COLUMNS, write_contract
from core.results.result import AnalysisResult, make_table

HOSTILE = ["=cmd|' /C calc'!A0 spreadsheet attack", "<script>alert(1)</script> in a game", "+1 two three",
           "@SUM(A1:A2) formula", "日本語のテキストとゲーム", "-minus at the start of a text"]
_CACHE: dict[str, AnalysisResult] = {}


def _corpora() -> tuple[Corpus, Corpus]:
    games = HOSTILE + [f"a board game number {i} with dice and cards" for i in range(20)]
    science = [f"software for physics and chemistry, tool {i}, computes spectra" for i in range(24)]
    labels = pd.DataFrame({"label": ["x"] * 13 + ["=y"] * 13})
    return (Corpus.from_texts(games, name="games", metadata=labels),
            Corpus.from_texts(science, name="science", metadata=labels.iloc[:24].reset_index(drop=True)))


@pytest.fixture
def result(fake_embedder) -> AnalysisResult:
    if "r" not in _CACHE:
        spec = Analysis(corpora=_corpora(), analyses=("depth", "tests", "hubness", "spread", "map"),
                        n_permutations=49, k=5)
        _CACHE["r"] = run_analysis(spec, embedder=fake_embedder, cache=False)
    return _CACHE["r"]


def _no_nan(text: str) -> dict:
    def refuse(name: str):
        raise ValueError(f"non-finite JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def test_files_and_columns(result, tmp_path):
    (tmp_path / "words.csv").write_text("stale from an earlier run", encoding="utf-8")
    written = write_contract(result, tmp_path)
    assert sorted(written) == ["documents.csv", "manifest.json", "report.html", "summary.json", "tests.csv"]
    assert not (tmp_path / "words.csv").exists()  # words did not run: the stale file is gone
    docs = pd.read_csv(tmp_path / "documents.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(docs.columns) == list(DOCUMENTS_COLUMNS) + ["label"]
    assert len(docs) == 50
    assert docs["corpus"].tolist() == ["games"] * 26 + ["science"] * 24
    tests = pd.read_csv(tmp_path / "tests.csv", encoding="utf-8-sig")
    assert list(tests.columns) == list(TESTS_COLUMNS)
    assert tests["test"].tolist() == ["depth", "depth", "mmd", "energy", "classifier"]
    assert tests["pvalue"].between(0, 1).all() and tests["pvalue_adjusted"].between(0, 1).all()
    summary = _no_nan((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert [(d["reference"], d["other"]) for d in summary["depth_tests"]] == [("games", "science"),
                                                                              ("science", "games")]
    assert {"W", "pvalue", "Q"} <= set(summary["depth_tests"][0])
    assert summary["corpora"] == [{"name": "games", "n_documents": 26}, {"name": "science", "n_documents": 24}]
    assert [h["scope"] for h in summary["hubness"]] == ["all", "games", "science"]
    manifest = _no_nan((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["k"] == 5 and manifest["inputs"][1]["documents"] == 24


def test_csv_cells_are_neutralised_and_utf8_bom(result, tmp_path):
    write_contract(result, tmp_path, report=False)
    raw = (tmp_path / "documents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    docs = pd.read_csv(tmp_path / "documents.csv", encoding="utf-8-sig")
    texts = docs["text"].tolist()
    assert "'=cmd|' /C calc'!A0 spreadsheet attack" in texts
    assert "'+1 two three" in texts and "'@SUM(A1:A2) formula" in texts and "'-minus at the start of a text" in texts
    assert "日本語のテキストとゲーム" in texts
    assert set(docs["label"]) == {"x", "'=y"}
    # numbers stay numbers
    assert docs["depth"].dtype == np.float64 and docs["umap_x"].notna().all()
    assert not (tmp_path / "report.html").exists()


def test_words_csv_when_words_ran(tmp_path):
    words = make_table("words", [
        {"word": "=play", "corpus_a": "a", "corpus_b": "b", "shift": 0.7, "freq_a": 30, "freq_b": 25,
         "neighbours_a": "game fun", "neighbours_b": "drama stage", "method": "cade", "shift_cade": 0.7,
         "shift_contextual": np.nan, "noise": 0.1, "z": 4.0, "p_value": 3e-5, "q_value": 6e-5,
         "significant": True}])
    vocab = make_table("word_vocab", [{"word": "=play", "freq:a": 30, "freq:b": 25}])
    corpora = make_table("corpora", [{"corpus": n, "n_documents": 1, "source": f"{n}.csv",
                                      "fingerprint": "f", "text_column": "text", "n_empty_removed": 0,
                                      "n_duplicates_removed": 0} for n in ("a", "b")])
    result = AnalysisResult(corpora=corpora, words=words, word_vocab=vocab,
                            word_vectors={"a": np.ones((1, 2), np.float32), "b": np.ones((1, 2), np.float32)})
    written = write_contract(result, tmp_path / "new" / "dir", report=False)
    frame = pd.read_csv(written["words.csv"], encoding="utf-8-sig")
    assert list(frame.columns) == list(WORDS_COLUMNS)
    assert list(WORDS_COLUMNS[:8]) == ["word", "corpus_a", "corpus_b", "shift", "freq_a", "freq_b",
                                       "neighbours_a", "neighbours_b"]
    assert frame.iloc[0].tolist()[:8] == ["'=play", "a", "b", 0.7, 30, 25, "game fun", "drama stage"]
    row = frame.iloc[0]
    assert (row["method"], row["shift_cade"], row["noise"], row["p_value"], row["q_value"]) == \
        ("cade", 0.7, 0.1, 3e-5, 6e-5)
    assert np.isnan(row["shift_contextual"]) and bool(row["significant"]) is True
    # the figure the list is ranked by, right after the noise
    assert row["beyond_noise"] == pytest.approx(0.6)
    assert WORDS_COLUMNS.index("beyond_noise") == WORDS_COLUMNS.index("noise") + 1


def test_invalid_arguments(result, tmp_path):
    with pytest.raises(ParameterError, match="result must be an AnalysisResult"):
        write_contract({"tests": []}, tmp_path)
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is not a folder"):
        write_contract(result, target)
