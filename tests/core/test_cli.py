"""The ``stats`` and ``embed`` sub-commands: output, exit codes and one-line error messages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from core.load.read import load_corpus

ROOT = Path(__file__).resolve().parents[2]
GAMES = ROOT / "sample_data" / "games.csv"


def test_stats_prints_the_corpus_figures(capsys) -> None:
    assert main(["stats", str(GAMES)]) == 0
    out = capsys.readouterr().out
    expected = load_corpus(GAMES, text_column="text").stats()
    assert f"documents        {expected.n_documents:>10,}" in out
    assert f"vocabulary       {expected.vocabulary_size:>10,}" in out
    assert "text column      text (inferred)" in out


def test_stats_json_matches_core(capsys, tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    pd.DataFrame({"body": ["alpha beta", "alpha beta", "gamma", ""]}).to_csv(path, index=False)
    assert main(["stats", str(path), "--text-column", "body", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["stats"]["n_documents"] == 2
    assert data[0]["load_report"]["n_duplicates_removed"] == 1
    assert data[0]["load_report"]["n_empty_removed"] == 1


@pytest.mark.parametrize("content, message", [
    (b"", "contains no documents"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "does not look like text"),
])
def test_stats_bad_files_give_one_line_and_exit_2(tmp_path: Path, capsys, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    assert main(["stats", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("corpus-compass stats: error: ")
    assert message in err and "bad.csv" in err
    assert "\n" not in err


def test_stats_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["stats", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_stats_missing_text_column_names_the_columns(tmp_path: Path, capsys) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": ["x y"], "b": ["z"]}).to_csv(path, index=False)
    assert main(["stats", str(path), "--text-column", "body"]) == 2
    err = capsys.readouterr().err
    assert "'body'" in err and "'a'" in err and "'b'" in err


def test_embed_unknown_model_exits_2(tmp_path: Path, capsys) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["one document", "another document"]}).to_csv(path, index=False)
    assert main(["embed", str(path), "--out", str(tmp_path / "v.npy"), "--model", "no-such-model-xyz"]) == 2
    err = capsys.readouterr().err
    assert "model 'no-such-model-xyz' was not found" in err
    assert not (tmp_path / "v.npy").exists()


@pytest.mark.slow
def test_embed_writes_unit_vectors_aligned_with_ids(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("CORPUS_COMPASS_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "t.csv"
    texts = ["A man is eating food.", "A man is eating a piece of bread.", "", "A man is eating food."]
    pd.DataFrame({"text": texts}).to_csv(path, index=False)
    out = tmp_path / "v.npy"
    assert main(["embed", str(path), "--out", str(out)]) == 0
    vectors = np.load(out, allow_pickle=False)
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert abs(float(vectors[0] @ vectors[1]) - 0.755) < 0.01
    assert (tmp_path / "v.ids.txt").read_text().split() == ["1", "2"]


def test_stats_reports_good_files_even_when_one_is_bad(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    assert main(["stats", str(GAMES), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "games  (" in captured.out
    assert captured.err.strip().startswith("corpus-compass stats: error: ")
    assert "empty.csv" in captured.err


def test_installed_corpus_compass_command_runs_the_command_line(tmp_path: Path) -> None:
    # the console script that `pip install` writes next to the interpreter (pyproject's
    # [project.scripts]) must reach cli.main, from any working directory
    import subprocess
    import sys

    script = Path(sys.executable).parent / "corpus-compass"
    assert script.exists(), f"{script} missing: is the package installed (pip install -e .)?"
    done = subprocess.run([str(script), "stats", str(GAMES), "--json"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data[0]["stats"]["n_documents"] == load_corpus(GAMES, text_column="text").stats().n_documents
    bad = subprocess.run([str(script), "stats", str(tmp_path / "missing.csv")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode == 2 and "missing.csv" in bad.stderr
