"""Corpora: loading, cleaning and descriptive statistics.

``load_corpus`` reads CSV, TSV, JSONL, Parquet, plain text (one document per line) or a zip of .txt
files (one document per file) into an immutable :class:`Corpus`, with a :class:`LoadReport` that says
how the file was read: encoding and any fallback, which text column and why, and how many empty and
duplicate rows were removed. Nothing is removed or guessed silently. The readers themselves live in
:mod:`core.formats`; tokenisation in :mod:`core.tokens`.

Choices the specification leaves open:

- Text-column inference: among the columns where more than half of the non-empty values are strings
  that do not look like numbers, the one with the longest mean length (in characters) of those
  strings. Columns chosen as id, metadata or vector column are not candidates. Shares and lengths
  are estimated on at most 20,000 evenly spaced rows, so inference costs the same on any file size;
  the same sample decides whether a chosen text column holds only numbers (and is refused).
- Empty means empty or whitespace-only (``str.strip``). Duplicates are exact: same characters, no
  normalisation; the first occurrence is kept. Empty rows are removed first, so an empty row is
  counted as empty, never as a duplicate (unless ``drop_empty=False``, when repeated empty texts are
  duplicates like any other).
- Default ids are the 1-based record number in the file ("data row" for CSV/TSV/Parquet, counting
  from the first row after the header; JSON record for JSONL, skipping blank lines; line for plain
  text) and the member path for zip archives. ``source_rows`` are the 0-based record numbers, so a
  ``.npy`` with one row per record lines up through :meth:`Corpus.align_vectors`.
- Metadata columns keep the type the file or pandas' CSV parser gives them; a string column whose
  non-empty cells are all numbers (a year column with gaps) becomes numeric, its empty cells NaN.
- Zipf's law, f(r) ∝ r^(-s) (Zipf 1949): ``s`` is the negated slope of the ordinary least-squares line
  through (log10 rank, log10 frequency) over every word type. This is a descriptive summary for the
  plot, not an estimator with guarantees: least squares on log-log data is biased by the long tail
  of words seen once or twice (Clauset, Shalizi & Newman, "Power-law distributions in empirical
  data", SIAM Review 2009; Piantadosi, "Zipf's word frequency law in natural language", Psychon.
  Bull. Rev. 2014). Its R² is reported with it.
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from core.exceptions import (
    CorpusCompassWarning,
    CorpusLoadError,
    InputError,
    InsufficientDataError,
    ParameterError,
)
from core.formats import (
    ACCEPTED_EXTENSIONS,
    RawTable,
    format_from_filename,
    format_size,
    normalise_encoding,
    read_table,
)
from core.tokens import tokenize

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "Corpus",
    "CorpusStats",
    "LoadReport",
    "fit_zipf",
    "load_corpora",
    "load_corpus",
]

DEFAULT_MAX_BYTES = 500_000_000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 1_000_000_000
_PLOT_RANKS = 500
# Column profiles (text or not, mean length) are estimated on this many evenly spaced rows.
_PROFILE_SAMPLE = 20_000
_NUMBER = r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*"
_NUMERIC_KINDS = ("integer", "floating", "mixed-integer-float", "decimal", "complex", "boolean")

Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO


# ------------------------------------------------------------------------------------ result types


@dataclass(frozen=True)
class LoadReport:
    """How a corpus file was read.

    Attributes
    ----------
    path : str or None
        Filesystem path, when the corpus was read from one.
    filename : str
        The name used in messages (the path, the upload's filename, or ``"<bytes>"``).
    format : str
        ``"csv"``, ``"tsv"``, ``"jsonl"``, ``"parquet"``, ``"txt"``, ``"zip"``, or ``"memory"`` for
        :meth:`Corpus.from_texts`.
    encoding : str or None
        Codec used to decode the file (None for Parquet and in-memory corpora).
    encoding_fallback : bool
        True when the file was not UTF-8 (nor had a byte-order mark) and was decoded as cp1252 or
        latin-1; ``encoding_message`` then names the file and the first byte that was not UTF-8.
    text_column, text_column_inferred, text_column_reason
        The column the texts came from, whether it was inferred, and why it was chosen.
    n_rows_read : int
        Records in the source (data rows, JSON lines, text lines or .txt members).
    n_empty_removed, n_duplicates_removed : int
        Rows removed because their text was empty or whitespace-only, or an exact repeat of an
        earlier text.
    n_documents : int
        Documents kept.
    notes : tuple of str
        Anything else the user should know (delimiter guessed, members skipped, options ignored).
    """

    path: str | None
    filename: str
    format: str
    encoding: str | None
    encoding_fallback: bool
    encoding_message: str | None
    text_column: str
    text_column_inferred: bool
    text_column_reason: str | None
    n_rows_read: int
    n_empty_removed: int
    n_duplicates_removed: int
    n_documents: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True, repr=False)
class CorpusStats:
    """Descriptive statistics of a corpus, from :func:`core.tokens.tokenize`.

    Attributes
    ----------
    n_documents, n_tokens, vocabulary_size : int
        Documents, tokens over all documents, distinct tokens.
    tokens_min, tokens_median, tokens_mean, tokens_p95, tokens_max : float
        Distribution of tokens per document (the 95th percentile by linear interpolation).
    histogram_counts : ndarray of shape (n_bins,)
    histogram_edges : ndarray of shape (n_bins + 1,)
        Histogram of tokens per document: one bin per length when the lengths span at most
        ``bins`` values (bin ``[k, k+1)`` holds documents of exactly k tokens), else ``bins``
        equal-width bins; the last bin is closed.
    n_empty_removed, n_duplicates_removed : int
        Copied from the load report.
    top_words : tuple of (str, int)
        Most frequent tokens, ties broken alphabetically.
    zipf_ranks, zipf_frequencies : ndarray of shape (n_points,)
        Rank–frequency pairs for a log-log plot: every rank when there are at most 500 word types,
        else 500 ranks spaced evenly in log scale (always including the first and the last).
    zipf_exponent, zipf_intercept, zipf_r2 : float or None
        Least-squares fit log10 f = intercept - exponent * log10 r over all ranks (see
        :func:`fit_zipf`); None when there are fewer than two word types.
    """

    name: str
    n_documents: int
    n_tokens: int
    vocabulary_size: int
    tokens_min: float
    tokens_median: float
    tokens_mean: float
    tokens_p95: float
    tokens_max: float
    histogram_counts: np.ndarray
    histogram_edges: np.ndarray
    n_empty_removed: int
    n_duplicates_removed: int
    top_words: tuple[tuple[str, int], ...]
    zipf_ranks: np.ndarray
    zipf_frequencies: np.ndarray
    zipf_exponent: float | None
    zipf_intercept: float | None
    zipf_r2: float | None

    def __repr__(self) -> str:
        zipf = "None" if self.zipf_exponent is None else f"{self.zipf_exponent:.3f}"
        return (f"CorpusStats(name={self.name!r}, n_documents={self.n_documents}, n_tokens={self.n_tokens}, "
                f"vocabulary_size={self.vocabulary_size}, tokens_mean={self.tokens_mean:.1f}, "
                f"zipf_exponent={zipf})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (arrays as lists)."""
        return {
            "name": self.name,
            "n_documents": self.n_documents,
            "n_tokens": self.n_tokens,
            "vocabulary_size": self.vocabulary_size,
            "tokens_per_document": {
                "min": self.tokens_min, "median": self.tokens_median, "mean": self.tokens_mean,
                "p95": self.tokens_p95, "max": self.tokens_max,
                "histogram_counts": self.histogram_counts.tolist(),
                "histogram_edges": self.histogram_edges.tolist(),
            },
            "n_empty_removed": self.n_empty_removed,
            "n_duplicates_removed": self.n_duplicates_removed,
            "top_words": [[word, count] for word, count in self.top_words],
            "zipf": {
                "ranks": self.zipf_ranks.tolist(), "frequencies": self.zipf_frequencies.tolist(),
                "exponent": self.zipf_exponent, "intercept": self.zipf_intercept, "r2": self.zipf_r2,
            },
        }

    def top_words_frame(self) -> pd.DataFrame:
        """The top words as a table with columns ``rank, word, count``."""
        return pd.DataFrame({"rank": np.arange(1, len(self.top_words) + 1),
                             "word": [w for w, _ in self.top_words],
                             "count": [c for _, c in self.top_words]})


@dataclass(frozen=True, eq=False, repr=False)
class Corpus:
    """An immutable collection of documents with stable ids.

    Attributes
    ----------
    name : str
        Display name (defaults to the file's stem).
    ids : tuple of str, length n
        Unique document ids (see the module docstring for the defaults).
    texts : tuple of str, length n
        The documents.
    metadata : pandas.DataFrame, n rows
        The metadata columns the user chose (possibly no columns), index 0..n-1.
    source_rows : tuple of int, length n
        0-based record number of each document in its source file.
    vectors : ndarray of shape (n, d), float32, or None
        Precomputed embeddings from a vector column, row i for document i.
    report : LoadReport
        How the corpus was read.
    """

    name: str
    ids: tuple[str, ...]
    texts: tuple[str, ...]
    metadata: pd.DataFrame
    source_rows: tuple[int, ...]
    vectors: np.ndarray | None
    report: LoadReport

    def __post_init__(self) -> None:
        n = len(self.texts)
        if not (len(self.ids) == len(self.source_rows) == len(self.metadata) == n):
            raise InputError(f"corpus {self.name!r}: ids ({len(self.ids)}), texts ({n}), source_rows "
                             f"({len(self.source_rows)}) and metadata ({len(self.metadata)}) differ in length")
        if len(set(self.ids)) != n:
            raise InputError(f"corpus {self.name!r}: document ids are not unique")
        if self.vectors is not None and (self.vectors.ndim != 2 or self.vectors.shape[0] != n):
            raise InputError(f"corpus {self.name!r}: vectors must have shape ({n}, d), got {self.vectors.shape}")

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        vectors = "" if self.vectors is None else f", vectors={self.vectors.shape}"
        return (f"Corpus(name={self.name!r}, n_documents={len(self)}, format={self.report.format!r}, "
                f"metadata={list(self.metadata.columns)}{vectors})")

    # -------------------------------------------------------------------------------- construction

    @classmethod
    def from_texts(cls, texts: Iterable[str], *, name: str = "corpus", ids: Sequence[str] | None = None,
                   metadata: pd.DataFrame | None = None, vectors: np.ndarray | None = None,
                   drop_empty: bool = True, drop_duplicates: bool = True) -> Corpus:
        """Build a corpus from texts in memory, cleaned and reported like a loaded file.

        Parameters
        ----------
        texts : iterable of str, length m
        name : str
        ids : sequence of str, length m, optional
            Unique ids; default ``"1"`` … ``"m"``.
        metadata : DataFrame with m rows, optional
        vectors : array of shape (m, d), optional
        drop_empty, drop_duplicates : bool
            As in :func:`load_corpus`.
        """
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise InputError(f"texts[{i}] is a {type(text).__name__}, not a str")
        m = len(texts)
        if ids is not None:
            ids = [str(i) for i in ids]
            if len(ids) != m:
                raise InputError(f"ids has {len(ids)} entries but texts has {m}")
        if metadata is not None and len(metadata) != m:
            raise InputError(f"metadata has {len(metadata)} rows but texts has {m}")
        if vectors is not None:
            vectors = _check_vector_array(vectors, m, what="vectors")
        frame = pd.DataFrame({"text": pd.Series(texts, dtype=object)})
        raw = RawTable(frame=frame, row_label=lambda i: f"texts[{i}]")
        report_name = name or "corpus"
        keep, n_empty, n_dup = _keep_mask(frame["text"], drop_empty=drop_empty, drop_duplicates=drop_duplicates)
        kept = np.flatnonzero(keep)
        if len(kept) == 0:
            raise InputError(f"corpus {report_name!r} has no documents left: {m} texts, "
                             f"{n_empty} empty and {n_dup} duplicates removed")
        doc_ids = [ids[i] for i in kept] if ids is not None else [str(i + 1) for i in kept]
        _check_unique_ids(doc_ids, [raw.row_label(i) for i in kept], report_name, None)
        meta = (metadata.iloc[kept].reset_index(drop=True) if metadata is not None
                else pd.DataFrame(index=pd.RangeIndex(len(kept))))
        report = LoadReport(path=None, filename=report_name, format="memory", encoding=None,
                            encoding_fallback=False, encoding_message=None, text_column="text",
                            text_column_inferred=False, text_column_reason="texts given in memory",
                            n_rows_read=m, n_empty_removed=n_empty, n_duplicates_removed=n_dup,
                            n_documents=len(kept))
        return cls(name=report_name, ids=tuple(doc_ids), texts=tuple(texts[i] for i in kept), metadata=meta,
                   source_rows=tuple(int(i) for i in kept),
                   vectors=None if vectors is None else np.ascontiguousarray(vectors[kept]), report=report)

    # ---------------------------------------------------------------------------------- accessors

    def to_frame(self) -> pd.DataFrame:
        """One row per document: ``doc_id``, ``text``, then the metadata columns.

        A metadata column that is itself called ``doc_id`` or ``text`` is renamed with the suffix
        ``" (metadata)"``.
        """
        meta = self.metadata.rename(columns={c: f"{c} (metadata)" for c in self.metadata.columns
                                             if c in ("doc_id", "text")})
        frame = pd.DataFrame({"doc_id": list(self.ids), "text": list(self.texts)})
        return pd.concat([frame, meta.reset_index(drop=True)], axis=1)

    def align_vectors(self, array: np.ndarray | str | os.PathLike | bytes) -> np.ndarray:
        """Select the rows of a per-source-row array that belong to the kept documents.

        Parameters
        ----------
        array : ndarray of shape (n_rows_read, d), or a path to / bytes of a ``.npy`` file
            One row per record of the source file, in file order (before empty and duplicate rows
            were removed). ``.npy`` files are read with ``allow_pickle=False``.

        Returns
        -------
        ndarray of shape (n_documents, d), float32
            Row i belongs to document i.

        Raises
        ------
        InputError
            The array does not have one row per source record (both counts named), is not 2-D, or
            has NaN or infinite values in a kept row.
        """
        if isinstance(array, (bytes, bytearray, memoryview)):
            array = _load_npy(io.BytesIO(bytes(array)), "the .npy bytes")
        elif isinstance(array, (str, os.PathLike)):
            path = Path(array)
            if not path.is_file():
                raise InputError(f"{path}: no such .npy file")
            with open(path, "rb") as handle:
                array = _load_npy(handle, str(path))
        return _check_vector_array(np.asarray(array), self.report.n_rows_read, what="the vector array",
                                   source=self.report.filename, rows=self.source_rows)

    def with_vectors(self, array: np.ndarray | str | os.PathLike | bytes) -> Corpus:
        """A copy of this corpus whose ``vectors`` are ``align_vectors(array)``."""
        return dataclasses.replace(self, vectors=self.align_vectors(array))

    def word_frequencies(self) -> Counter:
        """Token counts over all documents (a new Counter each call)."""
        return Counter(self._token_profile()[1])

    def stats(self, *, top_n: int = 20, bins: int = 30) -> CorpusStats:
        """Documents, tokens, vocabulary, length distribution, removed rows, top words and Zipf fit.

        Parameters
        ----------
        top_n : int, default 20
            How many of the most frequent words to list.
        bins : int, default 30
            Histogram bins of tokens per document (fewer when the lengths span fewer values).
        """
        for pname, value in (("top_n", top_n), ("bins", bins)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ParameterError(f"{pname} must be a positive integer, got {value!r}")
        if len(self) == 0:
            raise InsufficientDataError(f"corpus {self.name!r} has no documents")
        lengths, counts = self._token_profile()
        if len(lengths):
            lo, hi = int(lengths.min()), int(lengths.max())
            if hi - lo + 1 <= bins:
                edges = np.arange(lo, hi + 2, dtype=float)
            else:
                edges = np.histogram_bin_edges(lengths, bins=bins)
            hist, edges = np.histogram(lengths, bins=edges)
        else:
            hist, edges = np.zeros(0, dtype=np.int64), np.zeros(1)
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        freqs = np.array([c for _, c in ordered], dtype=np.int64)
        exponent = intercept = r2 = None
        if len(freqs) >= 2:
            exponent, intercept, r2 = fit_zipf(freqs)
        ranks = _plot_ranks(len(freqs))
        return CorpusStats(
            name=self.name, n_documents=len(self), n_tokens=int(lengths.sum()), vocabulary_size=len(counts),
            tokens_min=float(lengths.min()), tokens_median=float(np.median(lengths)),
            tokens_mean=float(lengths.mean()), tokens_p95=float(np.percentile(lengths, 95)),
            tokens_max=float(lengths.max()), histogram_counts=hist.astype(np.int64), histogram_edges=edges,
            n_empty_removed=self.report.n_empty_removed, n_duplicates_removed=self.report.n_duplicates_removed,
            top_words=tuple((w, int(c)) for w, c in ordered[:top_n]),
            zipf_ranks=ranks, zipf_frequencies=freqs[ranks - 1] if len(ranks) else np.zeros(0, np.int64),
            zipf_exponent=exponent, zipf_intercept=intercept, zipf_r2=r2,
        )

    def _token_profile(self) -> tuple[np.ndarray, Counter]:
        # Tokenising is the slow part of stats(); the result is kept on the instance (outside the
        # dataclass fields, so dataclasses.replace starts afresh). The corpus is immutable, so it
        # cannot go stale.
        cached = self.__dict__.get("_tokens")
        if cached is None:
            counts: Counter = Counter()
            lengths = np.empty(len(self.texts), dtype=np.int64)
            for i, text in enumerate(self.texts):
                tokens = tokenize(text)
                lengths[i] = len(tokens)
                counts.update(tokens)
            cached = (lengths, counts)
            object.__setattr__(self, "_tokens", cached)
        return cached



# --------------------------------------------------------------------------------- statistics helpers


def fit_zipf(frequencies: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """Fit Zipf's law f(r) = C r^(-s) by least squares on log-log axes.

    Parameters
    ----------
    frequencies : array of shape (V,)
        Positive frequencies of the V word types, in any order (they are sorted, largest = rank 1).

    Returns
    -------
    exponent : float
        ``s``, the negated slope of log10 f against log10 r (Zipf 1949; about 1 for English text).
    intercept : float
        log10 C.
    r2 : float
        Coefficient of determination of the fit on the log-log scale (1.0 when all frequencies are
        equal, where the fitted line is exact and flat).

    Raises
    ------
    InputError
        Fewer than two frequencies, or a frequency that is not positive and finite.
    """
    f = np.asarray(frequencies, dtype=np.float64).ravel()
    if f.size < 2:
        raise InputError(f"fit_zipf needs at least 2 word frequencies, got {f.size}")
    if not np.all(np.isfinite(f)) or np.any(f <= 0):
        raise InputError("fit_zipf needs positive finite frequencies")
    y = np.log10(np.sort(f)[::-1])
    x = np.log10(np.arange(1, f.size + 1, dtype=np.float64))
    # closed-form least squares: exact 0 slope (not -2e-16) when all frequencies are equal
    dx, dy = x - x.mean(), y - y.mean()
    slope = float(np.dot(dx, dy) / np.dot(dx, dx))
    intercept = float(y.mean() - slope * x.mean())
    residual = y - (intercept + slope * x)
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 if total == 0 else 1.0 - float(np.sum(residual**2)) / total
    return -slope + 0.0, intercept, r2


def _plot_ranks(vocabulary_size: int) -> np.ndarray:
    if vocabulary_size <= _PLOT_RANKS:
        return np.arange(1, vocabulary_size + 1, dtype=np.int64)
    ranks = np.unique(np.round(np.geomspace(1, vocabulary_size, _PLOT_RANKS)).astype(np.int64))
    return ranks


# ------------------------------------------------------------------------------------------ loading


def _fail(message: str, report_name: str, **where: Any) -> CorpusLoadError:
    return CorpusLoadError(message, path=report_name, **where)


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
                    "Pass text_column= to choose one.", display)
    mean_length, chosen = max(candidates, key=lambda item: item[0])  # first column wins ties
    if len(candidates) == 1:
        reason = f"the only column that mostly holds text (mean length {mean_length:.1f} characters)"
    else:
        others = [c for _, c in candidates if c != chosen]
        reason = (f"the longest mean length ({mean_length:.1f} characters) of the columns that mostly hold "
                  f"text (also {others}); pass text_column= to choose another")
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


def _keep_mask(texts: pd.Series, *, drop_empty: bool, drop_duplicates: bool) -> tuple[np.ndarray, int, int]:
    keep = np.ones(len(texts), dtype=bool)
    n_empty = n_dup = 0
    if drop_empty:
        empty = (texts.str.strip() == "").to_numpy(dtype=bool)
        n_empty = int(empty.sum())
        keep &= ~empty
    if drop_duplicates:
        duplicate = np.zeros(len(texts), dtype=bool)
        duplicate[keep] = texts[keep].duplicated(keep="first").to_numpy(dtype=bool)
        n_dup = int(duplicate.sum())
        keep &= ~duplicate
    return keep, n_empty, n_dup


def _ids_of(series: pd.Series) -> list[str]:
    if pd.api.types.infer_dtype(series, skipna=True) == "floating":
        values = series.dropna()
        if len(values) == len(series) and np.all(np.mod(values, 1) == 0):
            return series.astype(np.int64).astype(str).tolist()
    return [("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)) for v in series.tolist()]


def _check_unique_ids(ids: list[str], labels: list[str], display: str, column: str | None) -> None:
    first_seen: dict[str, int] = {}
    for position, doc_id in enumerate(ids):
        if doc_id.strip() == "":
            what = f"the id column {column!r}" if column else "the id"
            raise _fail(f"{display}, {labels[position]}: {what} is empty", display, column=column)
        if doc_id in first_seen:
            raise _fail(f"{display}: document id {doc_id!r} appears twice ({labels[first_seen[doc_id]]} and "
                        f"{labels[position]}); ids must be unique", display, column=column)
        first_seen[doc_id] = position


def _numeric_if_all_numbers(series: pd.Series) -> pd.Series:
    series = series.reset_index(drop=True)
    if pd.api.types.infer_dtype(series, skipna=True) != "string":
        return series
    filled = (series.str.strip() != "").to_numpy(dtype=bool)
    if not filled.any() or not _is_number(_sample(series[filled])).all() or not _is_number(series[filled]).all():
        return series
    return pd.to_numeric(series.where(filled, None), errors="coerce")


def _parse_vector(value: Any) -> np.ndarray:
    if isinstance(value, str):
        inner = value.strip()
        if inner[:1] in ("[", "(") and inner[-1:] in ("]", ")"):
            inner = inner[1:-1]
        parts = inner.replace(",", " ").split()
        return np.array(parts, dtype=np.float64)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("no vector")
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"a {array.ndim}-D value instead of a list of numbers")
    return array


def _vectors_of(series: pd.Series, kept: np.ndarray, raw: RawTable, column: str, display: str) -> np.ndarray:
    values = series.tolist()
    rows: list[np.ndarray] = []
    first_label = None
    dimension = None
    for i in kept:
        label = raw.row_label(int(i))
        try:
            vector = _parse_vector(values[i])
        except (ValueError, TypeError) as err:
            raise _fail(f"{display}, {label}: the vector column {column!r} does not hold a list of numbers "
                        f"({err})", display, row=int(i) + 1, column=column) from None
        if vector.size == 0:
            raise _fail(f"{display}, {label}: the vector column {column!r} is empty", display,
                        row=int(i) + 1, column=column)
        if dimension is None:
            dimension, first_label = vector.size, label
        elif vector.size != dimension:
            raise _fail(f"{display}, {label}: the vector in {column!r} has {vector.size} values but "
                        f"{first_label} has {dimension}; all vectors need the same dimension", display,
                        row=int(i) + 1, column=column)
        if not np.all(np.isfinite(vector)):
            raise _fail(f"{display}, {label}: the vector in {column!r} contains NaN or infinity", display,
                        row=int(i) + 1, column=column)
        rows.append(vector)
    matrix = np.vstack(rows).astype(np.float32)
    if not np.all(np.isfinite(matrix)):
        bad = int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0])
        raise _fail(f"{display}, {raw.row_label(int(kept[bad]))}: the vector in {column!r} overflows float32",
                    display, row=int(kept[bad]) + 1, column=column)
    return matrix


def _load_npy(handle: BinaryIO, label: str) -> np.ndarray:
    try:
        return np.load(handle, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise InputError(f"{label} is not a readable .npy array (pickled arrays are refused): {err}") from None


def _check_vector_array(array: np.ndarray, n_rows: int, *, what: str, source: str | None = None,
                        rows: Sequence[int] | None = None) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2:
        raise InputError(f"{what} must be 2-D (one row per document), got shape {array.shape}")
    if array.shape[0] != n_rows:
        where = f"{source} has {n_rows} rows" if source else f"there are {n_rows} texts"
        raise InputError(f"{what} has {array.shape[0]} rows but {where}; they must match one to one "
                         "(rows of the source file, before empty and duplicate rows were removed)")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise InputError(f"{what} must hold real numbers, got dtype {array.dtype}")
    selected = array if rows is None else array[np.asarray(rows, dtype=np.int64)]
    selected = np.ascontiguousarray(selected, dtype=np.float32)
    finite = np.isfinite(selected).all(axis=1)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        source_row = bad if rows is None else int(rows[bad])
        raise InputError(f"{what} has NaN or infinite values in row {source_row} (0-based)")
    return selected


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
            notes.append(f"text_column={text_column!r} was ignored: in a {fmt} file the documents are the "
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
