"""The corpus data model: :class:`Corpus` (immutable documents with stable ids) and :class:`LoadReport`.

Loading lives in :mod:`core.load.read`, precomputed vectors in :mod:`core.load.vectors`, statistics in
:mod:`core.load.stats`; the cleaning rules (empty and duplicate rows, unique ids) are here because
:meth:`Corpus.from_texts` and the file readers share them.

Choices the specification leaves open:

- Empty means empty or whitespace-only (``str.strip``). Duplicates are exact: same characters, no
  normalisation; the first occurrence is kept. Empty rows are removed first, so an empty row is
  counted as empty, never as a duplicate (unless ``drop_empty=False``, when repeated empty texts are
  duplicates like any other).
- Default ids are the 1-based record number in the file ("data row" for CSV/TSV/Parquet, counting
  from the first row after the header; JSON record for JSONL, skipping blank lines; line for plain
  text) and the member path for zip archives. ``source_rows`` are the 0-based record numbers, so a
  ``.npy`` with one row per record lines up through :meth:`Corpus.align_vectors`.
"""


from __future__ import annotations

import dataclasses
import io
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.exceptions import (
    CorpusLoadError,
    InputError,
    InsufficientDataError,
    ParameterError,
)
from core.load.formats import RawTable
from core.load.stats import CorpusStats, _plot_ranks, fit_zipf
from core.load.tokens import tokenize
from core.load.vectors import _check_vector_array, _load_npy

__all__ = ["Corpus", "LoadReport"]


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




def _fail(message: str, report_name: str, **where: Any) -> CorpusLoadError:
    return CorpusLoadError(message, path=report_name, **where)


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
