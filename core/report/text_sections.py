"""Report sections about the texts themselves: the distinctive words of each corpus and the groups
of near-duplicate documents, computed from the documents stored in the result (nothing re-embedded).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.report.html import Paragraph, ReportSection, TableBlock, Verdict

__all__ = ["distinctive_table", "mark_near_duplicates", "near_duplicates_of", "text_section"]

_WORDS_SHOWN = 15


def near_duplicates_of(result: Any) -> Any:
    """Near-duplicate groups among the documents of ``result`` (:mod:`core.analysis.duplicates`)."""
    from core.analysis.duplicates import near_duplicates

    docs = result.documents
    return near_duplicates(list(docs["corpus"]), list(docs["doc_id"]), list(docs["text"]))


def distinctive_table(docs: pd.DataFrame, *, top: int = 30) -> pd.DataFrame:
    """Distinctive words of each corpus of a result's ``documents`` table (columns ``corpus`` and
    ``text``) against the others; empty with fewer than two corpora."""
    from core.analysis.distinctive import DISTINCTIVE_COLUMNS, distinctive_words
    from core.exceptions import InsufficientDataError

    if docs["corpus"].nunique() < 2:
        return pd.DataFrame(columns=DISTINCTIVE_COLUMNS)
    try:
        return distinctive_words(list(docs["corpus"]), list(docs["text"]), top=top)
    except InsufficientDataError:
        return pd.DataFrame(columns=DISTINCTIVE_COLUMNS)


def mark_near_duplicates(frame: pd.DataFrame, groups: dict[tuple[str, str], tuple[int, int]],
                         *, corpus: str | None = None) -> pd.DataFrame:
    """``frame`` (with ``doc_id`` and ``corpus`` columns, or one ``corpus`` for all rows) with a column
    ``near-duplicate group`` ("group 3 of 12 documents" or empty)."""
    corpora = frame["corpus"] if "corpus" in frame.columns else pd.Series([corpus] * len(frame))
    marks = []
    for c, d in zip(corpora, frame["doc_id"]):
        found = groups.get((str(c), str(d)))
        marks.append(f"group {found[0]} ({found[1]} documents)" if found else "")
    return frame.assign(**{"near-duplicate group": marks})


def text_section(result: Any, duplicates: Any) -> ReportSection:
    """The section "Distinctive words and near-duplicates"."""
    blocks: list[Any] = []
    words = distinctive_table(result.documents)
    for name in dict.fromkeys(words["corpus"]):
        part = words[words["corpus"] == name].head(_WORDS_SHOWN)
        table = part[["rank", "word", "z", "count", "count_others"]].rename(columns={
            "z": "z-score", "count": "count here", "count_others": "count in the others"})
        blocks.append(TableBlock(table, caption=f"{name}: most distinctive words"))
    if words.empty:
        blocks.append(Paragraph("Distinctive words need two or more corpora with words."))
    if duplicates.n_clusters:
        blocks.append(Verdict(
            f"{duplicates.n_in_clusters:,} of {duplicates.n_documents:,} documents form "
            f"{duplicates.n_clusters:,} groups of near-duplicates (at least {duplicates.threshold:.0%} of "
            f"their {duplicates.shingle_size}-word sequences shared). Such boilerplate forms islands on the "
            "map and can fill the lists of central documents and hubs; those lists mark it.",
            heading="Near-duplicates", tone="warning"))
        groups = duplicates.clusters.groupby("cluster", sort=True).agg(
            documents=("size", "first"), corpora=("corpus", lambda s: ", ".join(dict.fromkeys(s))),
            example=("text", "first")).reset_index().rename(columns={"cluster": "group"})
        blocks.append(TableBlock(groups.head(20), caption="The largest groups of near-duplicates", max_chars=200))
    else:
        blocks.append(Paragraph(f"No near-duplicates among the {duplicates.n_documents:,} documents (at "
                                f"least {duplicates.threshold:.0%} of {duplicates.shingle_size}-word "
                                "sequences shared)."))
    return ReportSection(
        "Distinctive words and near-duplicates",
        "Distinctive words: the words each corpus uses more than the others, ranked by the z-score of a "
        "weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008); z "
        "above 2 is unlikely by chance. Near-duplicates: documents whose 3-word sequences overlap almost "
        "entirely (MinHash, Broder 1997, checked by exact Jaccard similarity). The full list of "
        "distinctive words is in distinctive_words.csv.",
        blocks)
