"""Tables that summarise loaded corpora, for the dashboard's Data page, the CLI and the report.

Every function takes :class:`core.load.corpus.Corpus` objects (or their :class:`~core.load.stats.CorpusStats`)
and returns a pandas DataFrame; nothing here computes a statistic that ``Corpus.stats`` does not.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.load.corpus import Corpus
from core.load.stats import CorpusStats

__all__ = ["available_columns", "corpora_overview", "corpus_fingerprint", "length_frame", "zipf_frame"]

OVERVIEW_COLUMNS = ["corpus", "documents", "tokens", "vocabulary", "median tokens/doc",
                    "p95 tokens/doc", "empty removed", "duplicates removed", "text column", "encoding",
                    "source"]


def corpora_overview(corpora: Sequence[Corpus], stats: Sequence[CorpusStats] | None = None) -> pd.DataFrame:
    """One row per corpus: sizes, length distribution, removed rows, text column and encoding.

    ``stats`` may be passed when already computed (it must be aligned with ``corpora``).
    """
    stats = list(stats) if stats is not None else [c.stats() for c in corpora]
    rows = []
    for corpus, s in zip(corpora, stats):
        report = corpus.report
        column = report.text_column + (" (inferred)" if report.text_column_inferred else "")
        encoding = str(report.encoding or "")
        if report.encoding_fallback:
            encoding += " (fallback)"
        rows.append({
            "corpus": corpus.name, "documents": s.n_documents, "tokens": s.n_tokens,
            "vocabulary": s.vocabulary_size, "median tokens/doc": s.tokens_median,
            "p95 tokens/doc": s.tokens_p95, "empty removed": report.n_empty_removed,
            "duplicates removed": report.n_duplicates_removed, "text column": column,
            "encoding": encoding, "source": report.filename,
        })
    return pd.DataFrame(rows, columns=OVERVIEW_COLUMNS)


def zipf_frame(stats: Sequence[CorpusStats]) -> pd.DataFrame:
    """Long table ``corpus, rank, frequency`` of every corpus's rank–frequency curve."""
    parts = [pd.DataFrame({"corpus": s.name, "rank": s.zipf_ranks, "frequency": s.zipf_frequencies})
             for s in stats]
    if not parts:
        return pd.DataFrame(columns=["corpus", "rank", "frequency"])
    return pd.concat(parts, ignore_index=True)


def length_frame(stats: Sequence[CorpusStats]) -> pd.DataFrame:
    """Long table ``corpus, tokens_from, tokens_to, documents`` of the document-length histograms."""
    rows = []
    for s in stats:
        edges = s.histogram_edges
        for i, count in enumerate(s.histogram_counts):
            rows.append({"corpus": s.name, "tokens_from": float(edges[i]), "tokens_to": float(edges[i + 1]),
                         "documents": int(count)})
    return pd.DataFrame(rows, columns=["corpus", "tokens_from", "tokens_to", "documents"])


def available_columns(data: bytes, filename: str) -> list[str]:
    """The columns of an uploaded table (so a user can choose the text and label columns).

    Plain-text and zip files have fixed columns (``text``; zip: ``text``, ``folder``, ``file``).
    Raises :class:`~core.exceptions.CorpusLoadError` for files that cannot be read, with the same
    message :func:`core.load.read.load_corpus` would give.
    """
    from core.exceptions import CorpusLoadError
    from core.load.formats import format_from_filename, format_size, read_table
    from core.load.read import DEFAULT_MAX_BYTES, DEFAULT_MAX_UNCOMPRESSED_BYTES

    if len(data) > DEFAULT_MAX_BYTES:
        raise CorpusLoadError(f"{filename} is {format_size(len(data))}, above the limit of "
                              f"{format_size(DEFAULT_MAX_BYTES)}; split it into smaller files.", path=filename)
    fmt = format_from_filename(filename, None)
    raw = read_table(data, fmt=fmt, name=filename, max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES)
    return [str(c) for c in raw.frame.columns]


def corpus_fingerprint(corpus: Corpus) -> str:
    """SHA-256 (hex) of a corpus's ids and texts: equal for equal content, whatever the file name."""
    import hashlib

    digest = hashlib.sha256()
    for doc_id, text in zip(corpus.ids, corpus.texts):
        digest.update(doc_id.encode("utf-8", "surrogatepass") + b"\x1f")
        digest.update(text.encode("utf-8", "surrogatepass") + b"\x1e")
    return digest.hexdigest()
