"""Usages of a word (keyword in context): a few passages from each corpus with the word marked.

A shift score says that a word is used differently; its usages show how. For a chosen word this module
picks up to ``k`` passages per corpus, at most one per document, in a seeded random order (so the
first documents of a file are not favoured), each cut at sentence ends within ``width`` characters on
either side of the occurrence. Occurrences are found with the same tokeniser as the shift methods
(:func:`core.analysis.shift.contextual.word_spans`), so "Engine," and "engine" match and "engines"
does not. The passage is shown as written when the document is ASCII; otherwise in its normalised
(NFKC, case-folded) form, the text the word was found in.

Text from a corpus is data: :meth:`Usage.to_html` escapes every part (``html.escape``) and wraps only
the occurrence in ``<mark>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.exceptions import InputError, ParameterError

__all__ = ["Usage", "WordUsages", "find_usages"]

_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n\s*\n")


@dataclass(frozen=True)
class Usage:
    """One occurrence with its context.

    Attributes
    ----------
    corpus : str
    document : int
        Row of the document in its corpus (0-based).
    left, match, right : str
        Text before the occurrence, the occurrence as written, text after it (whitespace collapsed).
    """

    corpus: str
    document: int
    left: str
    match: str
    right: str

    def to_text(self) -> str:
        return f"{self.left}[{self.match}]{self.right}"

    def to_html(self) -> str:
        """The passage as HTML: escaped text, the occurrence in ``<mark>``."""
        return (f"{html.escape(self.left)}<mark>{html.escape(self.match)}</mark>"
                f"{html.escape(self.right)}")

    def to_dict(self) -> dict:
        return {"corpus": self.corpus, "document": self.document, "left": self.left, "match": self.match,
                "right": self.right}


@dataclass(frozen=True)
class WordUsages:
    """Usages, frequency and neighbours of one word in each corpus.

    Attributes
    ----------
    word : str
    corpora : tuple of str
    freq : dict of str to int
        Occurrences of the word in each corpus.
    usages : dict of str to tuple of Usage
    neighbours : dict of str to tuple of str
        Nearest words in each corpus (empty when not given).
    """

    word: str
    corpora: tuple[str, ...]
    freq: dict[str, int]
    usages: dict[str, tuple[Usage, ...]]
    neighbours: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"word": self.word, "corpora": {
            c: {"freq": self.freq[c], "neighbours": list(self.neighbours.get(c, ())),
                "usages": [u.to_dict() for u in self.usages[c]]} for c in self.corpora}}

    def to_html(self) -> str:
        """Side-by-side table: per corpus, the frequency, the neighbours and the marked passages."""
        head = "".join(f"<th>{html.escape(c)} ({self.freq[c]:,} occurrence{'' if self.freq[c] == 1 else 's'})</th>"
                       for c in self.corpora)
        neigh = "".join(f"<td><i>nearest words:</i> {html.escape(', '.join(self.neighbours.get(c, ())) or '–')}</td>"
                        for c in self.corpora)
        passages = "".join(
            "<td>" + ("".join(f"<p>{u.to_html()}</p>" for u in self.usages[c]) or "<p>–</p>") + "</td>"
            for c in self.corpora)
        return (f'<table class="usages"><caption>Usages of <b>{html.escape(self.word)}</b></caption>'
                f"<tr>{head}</tr><tr>{neigh}</tr><tr>{passages}</tr></table>")


def _cut(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    lo = max(0, start - width)
    left = text[lo:start]
    ends = list(_SENTENCE_END.finditer(left))
    if ends:
        left = left[ends[-1].end():]
    elif lo > 0:
        left = "…" + left.split(" ", 1)[-1] if " " in left else "…" + left
    right = text[end:end + width]
    first = _SENTENCE_END.search(right)
    if first:
        right = right[:first.end()]
    elif end + width < len(text):
        right = (right.rsplit(" ", 1)[0] if " " in right else right) + "…"
    return " ".join(left.split()) + (" " if left[-1:].isspace() else ""), \
        (" " if right[:1].isspace() else "") + " ".join(right.split())


def find_usages(word: str, corpora: Mapping[str, Sequence[str]], *, k: int = 5, width: int = 120, seed: int = 0,
                neighbours: Mapping[str, Sequence[str]] | None = None) -> WordUsages:
    """Up to ``k`` passages per corpus in which ``word`` occurs, with its frequency there.

    Parameters
    ----------
    word : str
        Tokenised as the corpora are (so "Engine" finds "engine"); must be one token.
    corpora : mapping of str to sequence of str
        Corpus name → document texts.
    k : int, default 5
        Most passages per corpus (at most one per document).
    width : int, default 120
        Most characters of context on each side, cut at a sentence end when there is one.
    seed : int, default 0
        Order in which documents are visited.
    neighbours : mapping of str to sequence of str, optional
        Nearest words per corpus to show beside the passages.

    Returns
    -------
    WordUsages
    """
    from core.analysis.shift.contextual import word_spans
    from core.load.tokens import tokenize

    if not isinstance(word, str) or len(tokenize(word)) != 1:
        raise InputError(f"word must be a single word, got {word!r}")
    for label, value, low in (("k", k, 1), ("width", width, 10)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ParameterError(f"{label} must be an integer ≥ {low}, got {value!r}")
    target = tokenize(word)[0]
    names = tuple(corpora)
    freq, found = {}, {}
    for c, name in enumerate(names):
        texts = list(corpora[name])
        order = np.random.default_rng(np.random.SeedSequence([int(seed), 17, c])).permutation(len(texts))
        hits: dict[int, tuple[str, int, int]] = {}
        count = 0
        for d, text in enumerate(texts):
            if not isinstance(text, str):
                raise InputError(f"corpus {name!r}, document {d}: expected a text (str), got {text!r:.80}")
            if text.isascii() and target not in text.lower():
                continue  # cheap skip; non-ASCII texts are normalised first
            norm_text, spans = word_spans(text)
            where = [(s, e) for w, s, e in spans if w == target]
            if where:
                count += len(where)
                hits[d] = (text if text.isascii() else norm_text, *where[0])
        picked = []
        for d in order:
            if len(picked) >= k:
                break
            if int(d) in hits:
                shown, s, e = hits[int(d)]
                left, right = _cut(shown, s, e, width)
                picked.append(Usage(corpus=name, document=int(d), left=left, match=shown[s:e], right=right))
        freq[name] = count
        found[name] = tuple(picked)
    return WordUsages(word=target, corpora=names, freq=freq, usages=found,
                      neighbours={c: tuple(neighbours.get(c, ())) for c in names} if neighbours else {})
