"""The output contract of ``corpus-compass compare`` (README.md, "Command line").

:func:`write_contract` writes, into one folder::

    summary.json     AnalysisResult.summary(): corpora, model, depth tests both ways, other tests,
                     verdicts, hubness and spread per corpus (strict JSON: NaN is written as null)
    documents.csv    corpus, doc_id, text, depth, umap_x, umap_y, k_occurrence, then the metadata columns
    tests.csv        test, reference, other, statistic, pvalue, pvalue_adjusted, effect_size
    words.csv        word, corpus_a, corpus_b, shift, freq_a, freq_b, neighbours_a, neighbours_b, then
                     method, shift_cade, shift_contextual, noise, beyond_noise, z, p_value, q_value,
                     significant (only when the word-shift stage ran; a words.csv left by an earlier run
                     is removed; rows of a pair: words shifted beyond noise first, each group by
                     beyond_noise = shift − noise; none marked significant means
                     that no word of the pair stands out from sampling noise)
    report.html      the self-contained report (core.report.document)
    manifest.json    inputs' SHA-256, parameters, seeds, model, library versions

The CSV files carry exactly the contract's columns, in its order, so programs reading them by
position keep working; the richer tables (classifier probabilities, effect-size names, permutation
counts) live in the analysis bundle and the report. CSVs go through
:func:`core.report.tables.safe_csv` (formulas neutralised, UTF-8 with BOM, text quoted); JSON is
UTF-8 without BOM. Every file is written to a temporary sibling first and renamed into place, so a
reader never sees half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from core.exceptions import InputError, ParameterError
from core.fileio import atomic_write
from core.results.result import TABLE_SCHEMAS, AnalysisResult, json_value

__all__ = [
    "CONTRACT_FILES",
    "DOCUMENTS_COLUMNS",
    "TESTS_COLUMNS",
    "WORDS_COLUMNS",
    "contract_tables",
    "write_contract",
    "write_summary",
]

#: The files of the contract, in the order they are written.
CONTRACT_FILES = ("summary.json", "documents.csv", "tests.csv", "words.csv", "report.html", "manifest.json")
DOCUMENTS_COLUMNS = ("corpus", "doc_id", "text", "depth", "umap_x", "umap_y", "k_occurrence")
TESTS_COLUMNS = ("test", "reference", "other", "statistic", "pvalue", "pvalue_adjusted", "effect_size")
WORDS_COLUMNS = ("word", "corpus_a", "corpus_b", "shift", "freq_a", "freq_b", "neighbours_a", "neighbours_b",
                 "method", "shift_cade", "shift_contextual", "noise", "beyond_noise", "z", "p_value", "q_value",
                 "significant")
_NOT_METADATA = {"classifier_prob"}
_FIXED_DOCS = [c for c, _ in TABLE_SCHEMAS["documents"]]


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(json_value(obj), ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def contract_tables(result: AnalysisResult) -> dict[str, pd.DataFrame]:
    """The three CSV tables of the contract (``words`` is empty when the stage did not run)."""
    if not isinstance(result, AnalysisResult):
        raise ParameterError(f"result must be an AnalysisResult, got {type(result).__name__}")
    docs = result.documents
    metadata = [c for c in docs.columns[len(_FIXED_DOCS):] if c not in _NOT_METADATA]
    return {
        "documents": docs[list(DOCUMENTS_COLUMNS) + metadata].copy(),
        "tests": result.tests[list(TESTS_COLUMNS)].copy(),
        "words": _words_table(result.words),
    }


def _words_table(words: pd.DataFrame) -> pd.DataFrame:
    """``words.csv``: the result's words with ``beyond_noise`` (:func:`core.results.queries.beyond_noise`)."""
    from core.results.queries import beyond_noise

    return words.assign(beyond_noise=beyond_noise(words))[list(WORDS_COLUMNS)].copy()


def write_summary(result: AnalysisResult, out_dir: str | os.PathLike) -> Path:
    """Write (or rewrite) ``summary.json`` alone into an existing folder; return its path."""
    if not isinstance(result, AnalysisResult):
        raise ParameterError(f"result must be an AnalysisResult, got {type(result).__name__}")
    path = Path(out_dir) / "summary.json"
    atomic_write(path, _json_bytes(result.summary()))
    return path


def write_contract(result: AnalysisResult, out_dir: str | os.PathLike, *, report: bool = True,
                   summary: bool = True, report_kwargs: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write the output contract of ``compare`` into ``out_dir`` (created if missing).

    Parameters
    ----------
    result : AnalysisResult
    out_dir : path
        The folder; existing contract files in it are replaced.
    report : bool
        Also write ``report.html`` (default True).
    summary : bool
        Also write ``summary.json`` (default True). The command line passes False and writes it
        once, last, with :func:`write_summary`, so that its timings include the time spent writing.
    report_kwargs : dict, optional
        Passed to :func:`core.report.document.write_html_report`.

    Returns
    -------
    dict of str to Path
        File name → path of every file written.
    """
    if not isinstance(result, AnalysisResult):
        raise ParameterError(f"result must be an AnalysisResult, got {type(result).__name__}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder; choose a folder for the results")
    out.mkdir(parents=True, exist_ok=True)
    from core.report.tables import safe_csv

    written: dict[str, Path] = {}
    tables = contract_tables(result)
    if summary:
        written["summary.json"] = write_summary(result, out)
    for name in ("documents", "tests"):
        safe_csv(tables[name], out / f"{name}.csv")
        written[f"{name}.csv"] = out / f"{name}.csv"
    words_path = out / "words.csv"
    if "words" in result.skipped or not len(result.word_vocab):
        if words_path.exists():
            words_path.unlink()  # a words.csv from an earlier run would describe other corpora
    else:
        safe_csv(tables["words"], words_path)
        written["words.csv"] = words_path
    if report:
        from core.report.document import write_html_report

        written["report.html"] = write_html_report(result, out / "report.html", **(report_kwargs or {}))
    atomic_write(out / "manifest.json", _json_bytes(result.manifest))
    written["manifest.json"] = out / "manifest.json"
    return written

