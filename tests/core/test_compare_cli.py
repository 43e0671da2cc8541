"""Tests of ``corpus-compass compare``: the end-to-end run with the real model, and failures.

The end-to-end test runs the command in-process (``cli.main.main``) on the first 100 rows of two
bundled sample corpora (all columns kept), plus one hostile document, with the real default model.
"""

from __future__ import annotations

import hashlib
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from core.report.contract import DOCUMENTS_COLUMNS, TESTS_COLUMNS
from core.results.result import AnalysisResult

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
XSS = "<script>alert(1)</script>"


def _subsample(tmp_path: Path, n: int = 100) -> tuple[Path, Path]:
    paths = []
    for name in ("games", "science"):
        frame = pd.read_csv(SAMPLES / f"{name}.csv").head(n)
        if name == "games":
            frame.loc[len(frame)] = ["evil-game", "games", "1.0", f"{XSS} A game whose description attacks."]
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths[0], paths[1]


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.script_attrs: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.script_attrs.append(dict(attrs))


@pytest.mark.slow
def test_compare_end_to_end_with_the_real_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CORPUS_COMPASS_CACHE_DIR", str(tmp_path / "cache"))
    games, science = _subsample(tmp_path)
    out = tmp_path / "out"
    code = main(["compare", str(games), str(science), "--text-column", "text", "--label-column", "section",
                 "--out", str(out), "--permutations", "199", "--bundle", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"to {out}" in captured.out

    # documents.csv: one row per document, contract columns, then the label column
    docs = pd.read_csv(out / "documents.csv", encoding="utf-8-sig")
    assert list(docs.columns) == list(DOCUMENTS_COLUMNS) + ["section"]
    assert docs.groupby("corpus", sort=False).size().to_dict() == {"games": 101, "science": 100}
    assert docs["depth"].between(0, 2).all() and docs[["umap_x", "umap_y"]].notna().all().all()
    assert docs["k_occurrence"].sum() == len(docs) * 10
    assert set(docs.loc[docs["corpus"] == "games", "section"]) == {"games"} and docs["section"].notna().all()

    # tests.csv: both depth directions, p-values in [0, 1]
    tests = pd.read_csv(out / "tests.csv", encoding="utf-8-sig")
    assert list(tests.columns) == list(TESTS_COLUMNS)
    depth = tests[tests["test"] == "depth"]
    assert set(zip(depth["reference"], depth["other"])) == {("games", "science"), ("science", "games")}
    assert set(tests["test"]) == {"depth", "mmd", "energy", "classifier"}
    for column in ("pvalue", "pvalue_adjusted"):
        assert tests[column].between(0, 1).all()
    # games and science package descriptions differ clearly under the real model
    assert (tests["pvalue_adjusted"] < 0.05).all()

    # summary.json: strict JSON with corpora, model and the depth test both ways
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"),
                         parse_constant=lambda c: pytest.fail(f"non-finite {c} in summary.json"))
    assert summary["corpora"] == [{"name": "games", "n_documents": 101}, {"name": "science", "n_documents": 100}]
    assert summary["model"]["weight_sha256"] == \
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    assert summary["model"]["dimension"] == 384
    assert {(d["reference"], d["other"]) for d in summary["depth_tests"]} == {("games", "science"),
                                                                              ("science", "games")}
    assert all(0 <= d["pvalue"] <= 1 and 0 <= d["Q"] <= 1 for d in summary["depth_tests"])

    # words.csv only when word2vec had enough text; otherwise the reason is in the summary
    if "words" in summary["skipped"]:
        assert not (out / "words.csv").exists() and "tokens" in summary["skipped"]["words"]
    else:
        words = pd.read_csv(out / "words.csv", encoding="utf-8-sig")
        assert list(words.columns)[:4] == ["word", "corpus_a", "corpus_b", "shift"]

    # manifest.json: the hashes of the input files' bytes, parameters, seeds, versions
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry, path in zip(manifest["inputs"], (games, science)):
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["file"] == str(path)
    assert manifest["parameters"]["n_permutations"] == 199 and manifest["seeds"]["seed"] == 0
    assert manifest["versions"]["numpy"] == np.__version__
    assert manifest["command_line_options"]["label_column"] == ["section"]

    # report.html parses; the hostile text is never an element, only escaped text or JSON
    html = (out / "report.html").read_text(encoding="utf-8")
    assert XSS not in html
    assert "\\u003cscript\\u003ealert(1)" in html
    parser = _Parser()
    parser.feed(html)
    parser.close()
    assert [a.get("type", "js") for a in parser.script_attrs].count("js") == 2  # Vega libraries, runtime
    assert "Verdict" in html and "differ" in html

    # the bundle opens back into the same result
    back = AnalysisResult.from_bundle(out / "analysis.zip")
    assert back.corpora["sha256"].tolist() == [e["sha256"] for e in manifest["inputs"]]
    assert len(back.documents) == 201 and back.embeddings == {}


def _write_vectors(tmp_path: Path, games: Path, science: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    out = []
    for path, shift in ((games, 0.0), (science, 0.5)):
        rows = len(pd.read_csv(path))
        npy = path.with_suffix(".npy")
        np.save(npy, rng.standard_normal((rows, 12)) + shift)
        out.append(npy)
    return out[0], out[1]


@pytest.mark.slow
def test_compare_with_precomputed_vectors_loads_no_model(tmp_path, capsys):
    games, science = _subsample(tmp_path, 30)
    va, vb = _write_vectors(tmp_path, games, science)
    out = tmp_path / "out"
    code = main(["compare", str(games), str(science), "--text-column", "text", "--vectors", str(va), str(vb),
                 "--model", "no/such-model", "--analyses", "depth,tests,spread", "--permutations", "49",
                 "--out", str(out), "--quiet", "--no-cache", "--static-charts"])
    assert code == 0, capsys.readouterr().err
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('<noscript><img class="cc-static"') == html.count('class="cc-chart"') > 0
    assert sorted(p.name for p in out.iterdir()) == ["documents.csv", "manifest.json", "report.html",
                                                     "summary.json", "tests.csv"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"]["name"] == "precomputed vectors"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["skipped"]["map"].startswith("not requested")
    docs = pd.read_csv(out / "documents.csv", encoding="utf-8-sig")
    assert docs["umap_x"].isna().all() and docs["depth"].notna().all()


@pytest.mark.parametrize(("extra", "match"), [
    (["--skip", "magic"], "--skip: unknown 'magic'"),
    (["--analyses", "depth,nope"], "--analyses: unknown 'nope'"),
    (["--transforms", "rotate"], "transforms: unknown 'rotate'"),
    (["--k", "0"], "k must be an integer >= 1"),
    (["--words-min-freq", "0"], "words_min_freq must be an integer >= 2"),
    (["--words-min-freq", "1"], "words_min_freq must be an integer >= 2"),
    (["--text-column", "no_such_column"], "no_such_column"),
])
def test_bad_options_exit_2_with_one_line(tmp_path, capsys, extra, match):
    games, science = _subsample(tmp_path, 10)
    code = main(["compare", str(games), str(science), "--out", str(tmp_path / "o"), "--quiet", "--no-cache",
                 *(["--text-column", "text"] if "--text-column" not in extra else []), *extra])
    assert code == 2
    line = _error_line(capsys)
    assert line.startswith("corpus-compass compare: error:") and match in line


@pytest.mark.parametrize(("extra", "match"), [
    (["--words-top", "0"], "expected a positive number of words or 'all', got '0'"),
    (["--words-top", "many"], "expected a positive number of words or 'all', got 'many'"),
    (["--words-method", "magic"], "invalid choice: 'magic'"),
])
def test_bad_word_shift_options_are_refused_by_the_parser(tmp_path, capsys, extra, match):
    games, science = _subsample(tmp_path, 10)
    with pytest.raises(SystemExit) as stop:
        main(["compare", str(games), str(science), "--out", str(tmp_path / "o"), *extra])
    assert stop.value.code == 2
    assert match in capsys.readouterr().err


@pytest.mark.slow
def test_words_options_and_words_csv_columns(tmp_path, capsys):
    """--words-top all lists every word seen --words-min-freq times in both corpora; the columns."""
    from core.load.tokens import word_frequencies
    from core.report.contract import WORDS_COLUMNS

    games, science = _subsample(tmp_path, 260)
    va, vb = _write_vectors(tmp_path, games, science)
    out = tmp_path / "out"
    code = main(["compare", str(games), str(science), "--text-column", "text", "--vectors", str(va), str(vb),
                 "--analyses", "words", "--words-top", "all", "--words-min-freq", "30", "--words-method", "cade",
                 "--out", str(out), "--quiet", "--no-cache"])
    assert code == 0, capsys.readouterr().err
    words = pd.read_csv(out / "words.csv", encoding="utf-8-sig")
    assert list(words.columns) == list(WORDS_COLUMNS)
    assert list(WORDS_COLUMNS[:8]) == ["word", "corpus_a", "corpus_b", "shift", "freq_a", "freq_b",
                                       "neighbours_a", "neighbours_b"]
    fa = word_frequencies(pd.read_csv(games)["text"])
    fb = word_frequencies(pd.read_csv(science)["text"])
    expected = {w for w in fa if fa[w] >= 30 and fb.get(w, 0) >= 30}
    assert set(words["word"]) == expected and len(words) == len(expected)
    assert (words["method"] == "cade").all() and words["shift_contextual"].isna().all()
    assert words["p_value"].between(0, 1).all() and (words["q_value"] >= words["p_value"] - 1e-12).all()
    assert words["significant"].tolist() == sorted(words["significant"].tolist(), reverse=True)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["word_shift"][0]["n_listed"] == len(expected)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["words_top"] is None and manifest["parameters"]["words_method"] == "cade"


def test_missing_file_and_too_few_corpora(tmp_path, capsys):
    games, _ = _subsample(tmp_path, 10)
    assert main(["compare", str(games), str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]) == 2
    line = _error_line(capsys)
    assert "missing.csv: no such file" in line
    assert main(["compare", str(games), "--out", str(tmp_path / "o")]) == 2
    assert "at least 2 corpus files, got 1" in _error_line(capsys)
    assert not (tmp_path / "o").exists()


def test_vectors_mismatch(tmp_path, capsys):
    games, science = _subsample(tmp_path, 10)
    va, vb = _write_vectors(tmp_path, games, science)
    base = ["compare", str(games), str(science), "--text-column", "text", "--out", str(tmp_path / "o"), "--quiet"]
    assert main(base + ["--vectors", str(va)]) == 2
    assert "--vectors got 1 .npy files for 2 corpus files" in _error_line(capsys)
    np.save(vb, np.zeros((3, 12)))
    assert main(base + ["--vectors", str(va), str(vb)]) == 2
    line = _error_line(capsys)
    assert "3" in line and "10" in line  # the row counts that do not match are named


def test_out_must_be_a_folder(tmp_path, capsys):
    games, science = _subsample(tmp_path, 10)
    target = tmp_path / "out.txt"
    target.write_text("x", encoding="utf-8")
    assert main(["compare", str(games), str(science), "--out", str(target)]) == 2
    assert "is not a folder" in _error_line(capsys)


def test_argparse_rejects_unknown_choice(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare", "a.csv", "b.csv", "--out", str(tmp_path), "--hubness-reduction", "magic"])
    assert exc.value.code == 2
    assert "invalid choice: 'magic'" in capsys.readouterr().err


@pytest.mark.slow
def test_method_warnings_are_kept_in_manifest_summary_and_report(tmp_path, capsys):
    """A warning a method gives (here: a file decoded with the cp1252 fallback) is printed AND kept
    with the result: manifest.json and summary.json list it, report.html shows it (escaped)."""
    games, science = _subsample(tmp_path, 30)
    va, vb = _write_vectors(tmp_path, games, science)
    frame = pd.read_csv(games)
    frame.loc[0, "text"] = "Café <b>crème</b> — a game with accents"
    frame.to_csv(games, index=False, encoding="cp1252")
    out = tmp_path / "out"
    code = main(["compare", str(games), str(science), "--text-column", "text", "--vectors", str(va), str(vb),
                 "--analyses", "depth", "--out", str(out), "--no-cache", "--static-charts"])
    assert code == 0
    printed = [line for line in capsys.readouterr().err.splitlines() if "warning:" in line]
    assert any("cp1252" in line for line in printed), printed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert manifest["notes"] == summary["notes"]
    assert len(manifest["notes"]) == 1 and "cp1252" in manifest["notes"][0] and "games.csv" in manifest["notes"][0]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Notes from the methods" in html and "cp1252" in html
