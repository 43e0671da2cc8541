"""Bad input on the command line: one line on stderr saying what is wrong, exit code 2, and files
written by an earlier run left exactly as they were."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from core.results.bundle import write_bundle


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.csv"
    path.write_text("text\nthe first document\nthe second document\n", encoding="utf-8")
    return path


def test_stats_of_a_missing_file(capsys, tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert _run(capsys, "stats", str(missing)) == (2, "", f"corpus-compass stats: error: {missing}: no such file\n")


def test_stats_of_an_empty_file(capsys, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert _run(capsys, "stats", str(empty)) == (
        2, "", f"corpus-compass stats: error: {empty} contains no documents: the file is empty.\n")


def test_stats_names_the_bad_file_among_good_ones(capsys, tmp_path: Path, good: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("text,label\nok,a\nbad,b,c\n", encoding="utf-8")
    code, out, err = _run(capsys, "stats", str(good), str(ragged))
    assert (code, err) == (
        2, (f"corpus-compass stats: error: {ragged} could not be read as CSV: data row 2 (line 3) has 3 "
        "fields but the header has 2.\n"))
    # the good file's statistics are still printed: one bad file hides nothing else
    assert out.startswith(f"good  ({good})") and "documents" in out


def test_stats_refuses_a_two_gigabyte_file_unread(capsys, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: nothing is written
    assert _run(capsys, "stats", str(big)) == (
        2, "", (f"corpus-compass stats: error: {big} is 2.1 GB, above the limit of 500.0 MB (max_bytes); it was "
        "not read.\n"))


def test_stats_of_a_folder(capsys, tmp_path: Path) -> None:
    assert _run(capsys, "stats", str(tmp_path)) == (
        2, "", (f"corpus-compass stats: error: {tmp_path} is a folder, not a file; give a file (or a .zip of "
        ".txt files)\n"))


def test_stats_with_a_missing_text_column(capsys, good: Path) -> None:
    assert _run(capsys, "stats", str(good), "--text-column", "body") == (
        2, "", f"corpus-compass stats: error: {good} has no column 'body'; available columns: ['text']\n")


def test_invalid_format_choice_is_a_usage_error(capsys, good: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["stats", str(good), "--format", "xlsx"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    # Python 3.12.8 and later drop the quotes around the choices
    assert err.splitlines()[-1] in (
        ("corpus-compass stats: error: argument --format: invalid choice: 'xlsx' (choose from 'csv', 'tsv', "
        "'jsonl', 'parquet', 'txt', 'zip')"),
        ("corpus-compass stats: error: argument --format: invalid choice: 'xlsx' (choose from csv, tsv, jsonl, "
        "parquet, txt, zip)"))


@pytest.mark.slow
def test_embed_with_an_unknown_model_keeps_the_earlier_output(capsys, tmp_path: Path, good: Path,
                                                              monkeypatch) -> None:
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    monkeypatch.delenv("CORPUS_COMPASS_ALLOW_DOWNLOAD", raising=False)
    out = tmp_path / "out" / "vectors.npy"
    out.parent.mkdir()
    np.save(out, np.ones((2, 3), dtype=np.float32))
    (out.parent / "vectors.ids.txt").write_text("1\n2\n")
    before = _digest(out.parent)
    code, stdout, stderr = _run(capsys, "embed", str(good), "--out", str(out), "--model", "no-such-model")
    assert (code, stdout) == (2, "")
    assert stderr == (
        "corpus-compass embed: error: model 'no-such-model' was not found: not a local directory and not in "
        "the local Hugging Face cache; give a path to a sentence-transformers model directory, or set "
        "CORPUS_COMPASS_ALLOW_DOWNLOAD=1 to let Corpus Compass download it once, or use the bundled default model "
        "(all-MiniLM-L6-v2)\n")
    assert _digest(out.parent) == before


def test_embed_of_a_bad_file_keeps_the_earlier_output(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\nnot json\n', encoding="utf-8")
    out = tmp_path / "out" / "vectors.npy"
    out.parent.mkdir()
    np.save(out, np.ones((2, 3), dtype=np.float32))
    before = _digest(out.parent)
    assert _run(capsys, "embed", str(bad), "--out", str(out)) == (
        2, "", f"corpus-compass embed: error: {bad}, line 2: not valid JSON (Expecting value at column 1).\n")
    assert _digest(out.parent) == before


def _bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "analysis.zip", manifest={"x": 1},
                        tables={"documents": pd.DataFrame({"text": ["a", "b"]})})


def test_open_a_missing_bundle(capsys, tmp_path: Path) -> None:
    missing = tmp_path / "gone.zip"
    assert _run(capsys, "open", str(missing)) == (
        2, "", f"corpus-compass open: error: no bundle at {missing}: no such file or folder\n")


def test_open_a_tampered_bundle_starts_no_server(capsys, tmp_path: Path) -> None:
    path = _bundle(tmp_path)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("tables/"):
                data = data.replace(b"PAR1", b"PAR2", 1)
            dst.writestr(info, data)
    assert _run(capsys, "open", str(tampered)) == (
        2, "", ("corpus-compass open: error: bundle member 'tables/documents.parquet' does not match its SHA-256 "
        "in bundle.json: the bundle was modified or damaged\n"))


def test_open_a_file_that_is_not_a_bundle(capsys, good: Path) -> None:
    assert _run(capsys, "open", str(good)) == (
        2, "", (f"corpus-compass open: error: {good} is not a bundle: it is neither a bundle folder nor a valid "
        ".zip file (File is not a zip file)\n"))


# ------------------------------------------------------------------------------------------ compare
# Precomputed vectors (--vectors) keep these runs free of any model: the pipeline is what is tested.

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"]


def _corpus(path: Path, n: int, seed: int, *, dim: int = 8) -> Path:
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, 6)) + f" doc{seed}x{i}" for i in range(n)]
    pd.DataFrame({"text": texts}).to_csv(path, index=False)
    np.save(path.with_suffix(".npy"), rng.standard_normal((n, dim)).astype(np.float32))
    return path


def _compare(capsys, files: list[Path], out: Path, *extra: str) -> tuple[int, str, str]:
    vectors = [str(f.with_suffix(".npy")) for f in files]
    return _run(capsys, "compare", *map(str, files), "--vectors", *vectors, "--out", str(out), "--quiet",
                "--no-cache", "--permutations", "99", *extra)


@pytest.mark.slow
def test_compare_two_identical_corpora_finds_no_difference(capsys, tmp_path: Path) -> None:
    import json
    import shutil

    a = _corpus(tmp_path / "a.csv", 30, 1)
    twin = tmp_path / "twin.csv"
    shutil.copy(a, twin)
    shutil.copy(a.with_suffix(".npy"), twin.with_suffix(".npy"))
    code, _, err = _compare(capsys, [a, twin], tmp_path / "out", "--analyses", "depth,tests")
    assert (code, err) == (0, "")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    # the documented result (docs/SECURITY.md): identical corpora are two samples of one
    # distribution, so no test rejects, in either direction, before or after correction
    assert [(d["reference"], d["other"]) for d in summary["depth_tests"]] == [("a", "twin"), ("twin", "a")]
    assert all(d["pvalue"] > 0.5 for d in summary["depth_tests"])
    assert all(t["pvalue_adjusted"] == 1.0 for t in summary["tests"])
    assert summary["verdicts"][0]["headline"] == "No evidence that 'a' and 'twin' differ"


@pytest.mark.slow
def test_compare_with_a_one_document_corpus_skips_what_cannot_run(capsys, tmp_path: Path) -> None:
    import json

    a = _corpus(tmp_path / "a.csv", 30, 1)
    one = _corpus(tmp_path / "one.csv", 1, 2)
    code, _, err = _compare(capsys, [a, one], tmp_path / "out", "--analyses", "depth,tests,spread")
    assert (code, err) == (0, "")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["corpora"] == [{"name": "a", "n_documents": 30}, {"name": "one", "n_documents": 1}]
    assert summary["depth_tests"] == [] and summary["tests"] == []
    expected = {"depth": "the depth test", "tests": "a two-sample test", "spread": "the spread measures"}
    for stage, what in expected.items():
        assert summary["skipped"][stage] == (f"'one' has 1 document; {what} needs at least 2 documents "
                                             "in every corpus.")


@pytest.mark.slow
def test_compare_fifty_corpora_at_once(capsys, tmp_path: Path) -> None:
    import json

    files = [_corpus(tmp_path / f"c{i:02d}.csv", 12, i) for i in range(50)]
    code, _, err = _compare(capsys, files, tmp_path / "out", "--analyses", "hubness,spread")
    assert (code, err) == (0, "")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in summary["corpora"]] == [f"c{i:02d}" for i in range(50)]
    documents = pd.read_csv(tmp_path / "out" / "documents.csv", encoding="utf-8-sig")
    assert len(documents) == 600 and documents["corpus"].nunique() == 50


@pytest.mark.slow
def test_failed_compare_leaves_the_earlier_results_untouched(capsys, tmp_path: Path) -> None:
    a, b = _corpus(tmp_path / "a.csv", 20, 1), _corpus(tmp_path / "b.csv", 20, 2)
    out = tmp_path / "out"
    code, _, _ = _compare(capsys, [a, b], out, "--analyses", "depth")
    assert code == 0
    before = _digest(out)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"text\n\"unclosed\n")
    np.save(broken.with_suffix(".npy"), np.zeros((1, 8), dtype=np.float32))
    assert _compare(capsys, [a, broken], out, "--analyses", "depth") == (
        2, "", (f"corpus-compass compare: error: {broken} could not be read as CSV: a quoted field starting on "
        "line 2 is not closed properly (unexpected end of data).\n"))
    assert _compare(capsys, [a, b], out, "--analyses", "depth,nonsense") == (
        2, "", ("corpus-compass compare: error: --analyses: unknown 'nonsense'; choose from "
        "depth,tests,hubness,spread,map,words,models\n"))
    assert _digest(out) == before


def test_compare_needs_two_corpora(capsys, tmp_path: Path) -> None:
    a = _corpus(tmp_path / "a.csv", 5, 1)
    assert _compare(capsys, [a], tmp_path / "out") == (
        2, "", "corpus-compass compare: error: compare needs at least 2 corpus files, got 1\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_compare_with_an_unknown_model(capsys, tmp_path: Path, monkeypatch) -> None:
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    monkeypatch.delenv("CORPUS_COMPASS_ALLOW_DOWNLOAD", raising=False)
    a, b = _corpus(tmp_path / "a.csv", 5, 1), _corpus(tmp_path / "b.csv", 5, 2)
    assert _run(capsys, "compare", str(a), str(b), "--out", str(tmp_path / "out"), "--quiet", "--no-cache",
                "--model", "no-such-model") == (
        2, "", ("corpus-compass compare: error: model 'no-such-model' was not found: not a local directory and "
        "not in the local Hugging Face cache; give a path to a sentence-transformers model directory, or set "
        "CORPUS_COMPASS_ALLOW_DOWNLOAD=1 to let Corpus Compass download it once, or use the bundled default model "
        "(all-MiniLM-L6-v2)\n"))
