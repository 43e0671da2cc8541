"""Reading corpus files: :func:`load_corpus`, :func:`load_corpora` and text-column inference.

``load_corpus`` reads CSV, TSV, JSONL, Parquet, plain text (one document per line) or a zip of .txt
files (one document per file) into an immutable :class:`Corpus`, with a :class:`LoadReport` that says
how the file was read: encoding and any fallback, which text column and why, and how many empty and
duplicate rows were removed. Nothing is removed or guessed silently. The readers themselves live in
:mod:`core.load.formats`; tokenisation in :mod:`core.load.tokens`.

Choices the specification leaves open:

- Text-column inference: among the columns where more than half of the non-empty values are strings
  that do not look like numbers, the one with the longest mean length (in characters) of those
  strings. Columns chosen as id, metadata or vector column are not candidates. Shares and lengths
  are estimated on at most 20,000 evenly spaced rows, so inference costs the same on any file size;
  the same sample decides whether a chosen text column holds only numbers (and is refused).
- Metadata columns keep the type the file or pandas' CSV parser gives them; a string column whose
  non-empty cells are all numbers (a year column with gaps) becomes numeric, its empty cells NaN.

The cleaning rules (empty and duplicate rows, default ids) are documented in :mod:`core.load.corpus`;
the Zipf fit in :mod:`core.load.stats`.
"""


from __future__ import annotations

import dataclasses
import io
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from core.exceptions import (
    CorpusCompassWarning,
    CorpusLoadError,
    ParameterError,
)
from core.load.corpus import Corpus, LoadReport, _check_unique_ids, _fail, _keep_mask
from core.load.encoding import normalise_encoding
from core.load.formats import ACCEPTED_EXTENSIONS, RawTable, format_from_filename, format_size, read_table
from core.load.vectors import _vectors_of

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_UNCOMPRESSED_BYTES", "load_corpora", "load_corpus"]

DEFAULT_MAX_BYTES = 500_000_000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 1_000_000_000
# Column profiles (text or not, mean length) are estimated on this many evenly spaced rows.
_PROFILE_SAMPLE = 20_000
_NUMBER = r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*"
_NUMERIC_KINDS = ("integer", "floating", "mixed-integer-float", "decimal", "complex", "boolean")

Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO


def _check_path(path: Path) -> None:
    if not path.exists():
        raise CorpusLoadError(f"{path}: no such file", path=str(path))
    if path.is_dir():
        raise CorpusLoadError(f"{path} is a folder, not a file; give a file (or a .zip of .txt files)",
                              path=str(path))


def _read_source(source: Source, *, filename: str | None, max_bytes: int) -> tuple[bytes, str | None, str]:
    """Return (content, filesystem path or None, display name), refusing oversized input unread."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        display = filename or str(source)
        _check_path(path)
        size = path.stat().st_size
        if size > max_bytes:
            raise CorpusLoadError(f"{display} is {format_size(size)}, above the limit of "
                                  f"{format_size(max_bytes)} (max_bytes); it was not read.", path=str(path))
        try:
            return path.read_bytes(), str(path), display
        except OSError as err:
            raise CorpusLoadError(f"{path} cannot be read: {err.strerror or err}", path=str(path)) from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        display = filename or "<bytes>"
        size = len(source) if not isinstance(source, memoryview) else source.nbytes
        if size > max_bytes:
            raise CorpusLoadError(f"{display} is {format_size(size)}, above the limit of "
                                  f"{format_size(max_bytes)} (max_bytes); it was not read.", path=display)
        return bytes(source), None, display
    if hasattr(source, "read"):
        name_attr = getattr(source, "name", None)
        display = filename or (name_attr if isinstance(name_attr, str) else "<file object>")
        if isinstance(source, io.TextIOBase):
            raise ParameterError(f"{display} was opened in text mode; open it in binary mode ('rb')")
        size = None
        try:
            if source.seekable():
                position = source.tell()
                size = source.seek(0, io.SEEK_END) - position
                source.seek(position)
        except (AttributeError, OSError, ValueError):
            size = None
        if size is not None and size > max_bytes:
            raise CorpusLoadError(f"{display} is {format_size(size)}, above the limit of "
                                  f"{format_size(max_bytes)} (max_bytes); it was not read.", path=display)
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            raise ParameterError(f"{display} was opened in text mode; open it in binary mode ('rb')")
        if len(data) > max_bytes:
            raise CorpusLoadError(f"{display} is larger than the limit of {format_size(max_bytes)} "
                                  "(max_bytes); reading stopped there.", path=display)
        return bytes(data), None, display
    raise ParameterError(f"source must be a path, bytes or a binary file object, got {type(source).__name__}")


def _validate_options(*, text_column: Any, id_column: Any, metadata_columns: Any, vector_column: Any,
                      name: Any, filename: Any, drop_empty: Any, drop_duplicates: Any, max_bytes: Any,
                      max_uncompressed_bytes: Any) -> list[str]:
    for pname, value in (("text_column", text_column), ("id_column", id_column),
                         ("vector_column", vector_column), ("name", name), ("filename", filename)):
        if value is not None and not isinstance(value, str):
            raise ParameterError(f"{pname} must be a str or None, got {type(value).__name__}")
    for pname, value in (("drop_empty", drop_empty), ("drop_duplicates", drop_duplicates)):
        if not isinstance(value, bool):
            raise ParameterError(f"{pname} must be True or False, got {value!r}")
    for pname, value in (("max_bytes", max_bytes), ("max_uncompressed_bytes", max_uncompressed_bytes)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ParameterError(f"{pname} must be a positive number of bytes, got {value!r}")
    if metadata_columns is None:
        return []
    if isinstance(metadata_columns, str) or not all(isinstance(c, str) for c in metadata_columns):
        raise ParameterError("metadata_columns must be a list of column names, e.g. ['label'], "
                             f"got {metadata_columns!r}")
    columns = list(metadata_columns)
    if len(set(columns)) != len(columns):
        raise ParameterError(f"metadata_columns lists a column twice: {columns}")
    return columns


def _sample(series: pd.Series) -> pd.Series:
    if len(series) <= _PROFILE_SAMPLE:
        return series
    return series.iloc[np.unique(np.linspace(0, len(series) - 1, _PROFILE_SAMPLE).astype(np.int64))]


def _is_number(strings: pd.Series) -> np.ndarray:
    return strings.str.fullmatch(_NUMBER).to_numpy(dtype=bool, na_value=False)


def _profile(series: pd.Series) -> tuple[int, int, float]:
    """(non-empty values, of which non-numeric strings, mean length of those strings), on a sample."""
    series = _sample(series)
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in _NUMERIC_KINDS:
        return int(series.notna().sum()), 0, 0.0
    if kind in ("string", "empty"):
        strings = series.dropna()
        others = 0
    else:
        is_str = series.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        strings = series[is_str].astype(object)
        others = int((~is_str & series.notna().to_numpy(dtype=bool)).sum())
    strings = strings[(strings.str.strip() != "").to_numpy(dtype=bool)]
    if len(strings) == 0:
        return others, 0, 0.0
    text = strings[~_is_number(strings)]
    mean_length = float(text.str.len().mean()) if len(text) else 0.0
    return len(strings) + others, len(text), mean_length


def _choose_text_column(frame: pd.DataFrame, *, text_column: str | None, excluded: set[str],
                        display: str) -> tuple[str, bool, str | None]:
    columns = [str(c) for c in frame.columns]
    if text_column is not None:
        if text_column not in frame.columns:
            raise _fail(f"{display} has no column {text_column!r}; available columns: {columns}", display,
                        column=text_column)
        n_values, n_text, _ = _profile(frame[text_column])
        if n_values and not n_text:
            raise _fail(f"column {text_column!r} of {display} holds no text (only numbers or other non-text "
                        f"values); choose the column with the documents, one of {columns}", display,
                        column=text_column)
        return text_column, False, None
    candidates: list[tuple[float, str]] = []
    for column in frame.columns:
        if column in excluded:
            continue
        n_values, n_text, mean_length = _profile(frame[column])
        if n_values and n_text / n_values > 0.5:
            candidates.append((mean_length, column))
    if not candidates:
        raise _fail(f"{display}: no column holds text (mostly non-numeric strings); columns: {columns}. "
                    "Choose the text column by its name.", display)
    mean_length, chosen = max(candidates, key=lambda item: item[0])  # first column wins ties
    if len(candidates) == 1:
        reason = f"the only column that mostly holds text (mean length {mean_length:.1f} characters)"
    else:
        others = [c for _, c in candidates if c != chosen]
        reason = (f"the longest mean length ({mean_length:.1f} characters) of the columns that mostly hold "
                  f"text (also {others}); another one can be chosen as the text column")
    return chosen, True, reason


def _texts_of(series: pd.Series, raw: RawTable, column: str, display: str) -> pd.Series:
    """The column as strings, missing values as "" (a vectorised string Series when possible)."""
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
            return series.fillna("").reset_index(drop=True)
        return series.astype(object).where(series.notna(), "").reset_index(drop=True)
    out: list[str] = []
    for i, value in enumerate(series.tolist()):
        if isinstance(value, str):
            out.append(value)
        elif value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            out.append("")
        elif isinstance(value, (int, float, np.number, bool, np.bool_)):
            out.append(str(value))
        else:
            raise _fail(f"{display}, {raw.row_label(i)}: column {column!r} holds a {type(value).__name__}, "
                        "not text", display, row=i + 1, column=column)
    return pd.Series(out, dtype=object)


def _ids_of(series: pd.Series) -> list[str]:
    if pd.api.types.infer_dtype(series, skipna=True) == "floating":
        values = series.dropna()
        if len(values) == len(series) and np.all(np.mod(values, 1) == 0):
            return series.astype(np.int64).astype(str).tolist()
    return [("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)) for v in series.tolist()]


def _numeric_if_all_numbers(series: pd.Series) -> pd.Series:
    series = series.reset_index(drop=True)
    if pd.api.types.infer_dtype(series, skipna=True) != "string":
        return series
    filled = (series.str.strip() != "").to_numpy(dtype=bool)
    if not filled.any() or not _is_number(_sample(series[filled])).all() or not _is_number(series[filled]).all():
        return series
    return pd.to_numeric(series.where(filled, None), errors="coerce")


def load_corpus(source: Source, *, filename: str | None = None, text_column: str | None = None,
                name: str | None = None, format: str | None = None, id_column: str | None = None,
                metadata_columns: Sequence[str] | None = None, vector_column: str | None = None,
                encoding: str = "auto", drop_empty: bool = True, drop_duplicates: bool = True,
                max_bytes: int = DEFAULT_MAX_BYTES,
                max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES) -> Corpus:
    """Read a corpus file.

    Parameters
    ----------
    source : path, bytes or binary file object
        The file. Uploads arrive as bytes (or a file object) plus ``filename``.
    filename : str, optional
        Name used for the format (its extension), the default corpus name and messages; defaults
        to the path, or the file object's ``name``.
    text_column : str, optional
        Column holding the documents; inferred when omitted (see the module docstring), and the
        inference reported. Ignored, with a note, for plain text and zip files.
    name : str, optional
        Corpus name; defaults to the file's stem.
    format : {"csv", "tsv", "jsonl", "parquet", "txt", "zip"}, optional
        Overrides the extension.
    id_column : str, optional
        Column of unique document ids; default: record numbers (see the module docstring).
    metadata_columns : list of str, optional
        Columns kept in ``corpus.metadata`` (for zip files: ``"folder"``, ``"file"``).
    vector_column : str, optional
        Column of precomputed embeddings: lists of numbers (JSONL, Parquet) or strings such as
        ``"[0.1, 0.2]"`` or ``"0.1 0.2"`` (CSV, TSV); all of one dimension, finite.
    encoding : str, default "auto"
        "auto" (UTF-8, BOM-marked UTF-8/16/32, else a reported cp1252/latin-1 fallback) or a codec
        that must decode the whole file.
    drop_empty, drop_duplicates : bool, default True
        Remove empty/whitespace-only texts and exact repeats of an earlier text; both are counted
        in ``corpus.report``.
    max_bytes : int, default 500 MB
        Larger files are refused before they are read.
    max_uncompressed_bytes : int, default 1 GB
        Limit on what a zip or Parquet file may decompress to, checked on the declared sizes before
        extracting and again while decompressing.

    Returns
    -------
    Corpus

    Raises
    ------
    CorpusLoadError
        Missing, empty, binary, malformed, oversized or undecodable file, a missing or non-text
        column, bad vectors or duplicate ids; the message names the file and the row or column.
    ParameterError
        An option has an invalid value.

    Warns
    -----
    CorpusCompassWarning
        When the file was decoded with the cp1252/latin-1 fallback (also in ``report``).
    """
    metadata = _validate_options(text_column=text_column, id_column=id_column, metadata_columns=metadata_columns,
                                 vector_column=vector_column, name=name, filename=filename, drop_empty=drop_empty,
                                 drop_duplicates=drop_duplicates, max_bytes=max_bytes,
                                 max_uncompressed_bytes=max_uncompressed_bytes)
    encoding = normalise_encoding(encoding)
    # the format is settled first, so an unknown extension is refused before anything is read; a
    # missing path or a folder is named as such first (its "extension" would only mislead)
    if isinstance(source, (str, os.PathLike)):
        _check_path(Path(source).expanduser())
    hint = filename
    if hint is None and isinstance(source, (str, os.PathLike)):
        hint = str(source)
    if hint is None and isinstance(getattr(source, "name", None), str):
        hint = source.name
    fmt = format_from_filename(hint, format)
    data, path, display = _read_source(source, filename=filename, max_bytes=max_bytes)
    raw = read_table(data, fmt=fmt, name=display, encoding=encoding, max_uncompressed_bytes=max_uncompressed_bytes,
                     string_columns=(id_column,) if id_column else ())
    del data
    if raw.encoding_fallback and raw.encoding_message:
        warnings.warn(raw.encoding_message, CorpusCompassWarning, stacklevel=2)
    return _build(raw, path=path, display=display, fmt=fmt, name=name, text_column=text_column,
                  id_column=id_column, metadata_columns=metadata, vector_column=vector_column,
                  drop_empty=drop_empty, drop_duplicates=drop_duplicates)


def _build(raw: RawTable, *, path: str | None, display: str, fmt: str, name: str | None,
           text_column: str | None, id_column: str | None, metadata_columns: list[str],
           vector_column: str | None, drop_empty: bool, drop_duplicates: bool) -> Corpus:
    frame = raw.frame
    columns = [str(c) for c in frame.columns]
    notes = list(raw.notes)
    for pname, column in (("id_column", id_column), ("vector_column", vector_column)):
        if column is not None and column not in frame.columns:
            raise _fail(f"{display} has no column {column!r} ({pname}); available columns: {columns}", display,
                        column=column)
    missing = [c for c in metadata_columns if c not in frame.columns]
    if missing:
        raise _fail(f"{display} has no column(s) {missing} (metadata_columns); available columns: {columns}",
                    display, column=missing[0])

    if raw.fixed_text_column is not None:
        if text_column is not None and text_column != raw.fixed_text_column:
            notes.append(f"the text column {text_column!r} was ignored: in a {fmt} file the documents are the "
                         f"{'lines' if fmt == 'txt' else '.txt files'}")
        chosen, inferred, reason = raw.fixed_text_column, False, raw.fixed_text_reason
    else:
        excluded = {c for c in (id_column, vector_column) if c is not None} | set(metadata_columns)
        chosen, inferred, reason = _choose_text_column(frame, text_column=text_column, excluded=excluded,
                                                       display=display)
    for pname, column in (("id_column", id_column), ("vector_column", vector_column)):
        if column is not None and column == chosen:
            raise ParameterError(f"{pname}={column!r} is also the text column; choose a different column")
    if chosen in metadata_columns:
        raise ParameterError(f"metadata_columns includes the text column {chosen!r}; the texts are kept anyway")
    if vector_column is not None and (vector_column == id_column or vector_column in metadata_columns):
        raise ParameterError(f"vector_column={vector_column!r} is also the id or a metadata column")

    text_series = _texts_of(frame[chosen], raw, chosen, display)
    keep, n_empty, n_dup = _keep_mask(text_series, drop_empty=drop_empty, drop_duplicates=drop_duplicates)
    kept = np.flatnonzero(keep)
    n_rows = len(text_series)
    if len(kept) == 0:
        removed = [f"{n_empty} empty" if n_empty else "", f"{n_dup} duplicate" if n_dup else ""]
        raise _fail(f"{display} contains no documents: all {n_rows} rows of column {chosen!r} were removed "
                    f"({' and '.join(r for r in removed if r)}).", display, column=chosen)

    if id_column is not None:
        all_ids = _ids_of(frame[id_column])
        ids = [all_ids[i] for i in kept]
        _check_unique_ids(ids, [raw.row_label(int(i)) for i in kept], display, id_column)
    elif raw.default_ids is not None:
        ids = [raw.default_ids[i] for i in kept]
    else:
        ids = (kept + 1).astype(str).tolist()

    metadata = pd.DataFrame({c: _numeric_if_all_numbers(frame[c].iloc[kept]) for c in metadata_columns},
                            index=pd.RangeIndex(len(kept)))
    vectors = None if vector_column is None else _vectors_of(frame[vector_column], kept, raw, vector_column,
                                                             display)

    if name is None:
        stem = Path(display.replace("\\", "/")).name
        for ext in sorted(ACCEPTED_EXTENSIONS, key=len, reverse=True):
            if stem.lower().endswith(ext):
                stem = stem[: -len(ext)]
                break
        name = stem if stem and stem not in ("<bytes>", "<file object>") else "corpus"

    report = LoadReport(path=path, filename=display, format=fmt, encoding=raw.encoding,
                        encoding_fallback=raw.encoding_fallback, encoding_message=raw.encoding_message,
                        text_column=chosen, text_column_inferred=inferred, text_column_reason=reason,
                        n_rows_read=n_rows, n_empty_removed=n_empty, n_duplicates_removed=n_dup,
                        n_documents=len(kept), notes=tuple(notes))
    return Corpus(name=name, ids=tuple(ids), texts=tuple(text_series.iloc[kept].tolist()), metadata=metadata,
                  source_rows=tuple(kept.tolist()), vectors=vectors, report=report)


def load_corpora(sources: Sequence[Source | tuple[Source, str]], *, names: Sequence[str] | None = None,
                 **kwargs: Any) -> list[Corpus]:
    """Load several corpora with the same options and give them unique names.

    Parameters
    ----------
    sources : sequence
        Each a path, bytes or file object as in :func:`load_corpus`, or a ``(data, filename)`` pair
        for uploads.
    names : sequence of str, optional
        One name per source; default each file's stem. Repeated names get ``-2``, ``-3``, ...
    **kwargs
        Passed to :func:`load_corpus` (not ``name`` or ``filename``).

    Returns
    -------
    list of Corpus
        In the order of ``sources``, with distinct ``name``.
    """
    for reserved in ("name", "filename"):
        if reserved in kwargs:
            raise ParameterError(f"load_corpora takes names=[...] and (data, filename) pairs, not {reserved}=")
    sources = list(sources)
    if not sources:
        raise ParameterError("sources is empty; give at least one corpus file")
    if names is not None:
        names = list(names)
        if len(names) != len(sources):
            raise ParameterError(f"names has {len(names)} entries but there are {len(sources)} sources")
    corpora: list[Corpus] = []
    used: set[str] = set()
    for position, item in enumerate(sources):
        given = None if names is None else names[position]
        if isinstance(item, tuple):
            if len(item) != 2 or not isinstance(item[1], str):
                raise ParameterError(f"sources[{position}] must be (data, filename), got a tuple of {len(item)}")
            corpus = load_corpus(item[0], filename=item[1], name=given, **kwargs)
        else:
            corpus = load_corpus(item, name=given, **kwargs)
        unique = corpus.name
        suffix = 2
        while unique in used:
            unique = f"{corpus.name}-{suffix}"
            suffix += 1
        used.add(unique)
        if unique != corpus.name:
            corpus = dataclasses.replace(corpus, name=unique)
        corpora.append(corpus)
    return corpora
