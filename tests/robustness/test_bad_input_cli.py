"""Bad input on the command line: one line on stderr saying what is wrong, exit code 2, and files
written by an earlier run left exactly as they were."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.report.bundle import write_bundle


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
    assert _run(capsys, "stats", str(good), str(ragged)) == (
        2, "", (f"corpus-compass stats: error: {ragged} could not be read as CSV: data row 2 (line 3) has 3 "
        "fields but the header has 2.\n"))


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
        "CORPUS_COMPASS_ALLOW_DOWNLOAD=1 to let Corpus Compass download it once, or use model='default' for "
        "the bundled all-MiniLM-L6-v2\n")
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
