"""Distinctive words of each corpus: weighted log-odds ratios with an informative Dirichlet prior.

The most frequent words of every corpus are the same function words ("the", "and", "for"); what sets
a corpus apart is the words it uses more than the others *relative to how much evidence there is*.
Monroe, Colaresi & Quinn (2008) estimate, for each word w, the log-odds ratio of w in corpus i against
the other corpora pooled, shrunk towards the word's overall frequency by a Dirichlet prior, and divide
it by its approximate standard deviation; the resulting z-score ranks words by how confidently they
are over-used in corpus i.

With counts y_w^i in corpus i (n^i tokens in all), y_w^j in the other corpora (n^j tokens), and prior
pseudo-counts α_w summing to α_0 (eq. 16–22 of the paper)::

    δ_w = log((y_w^i + α_w) / (n^i + α_0 − y_w^i − α_w)) − log((y_w^j + α_w) / (n^j + α_0 − y_w^j − α_w))
    σ²_w ≈ 1 / (y_w^i + α_w) + 1 / (y_w^j + α_w)
    z_w = δ_w / σ_w

The informative prior is α_w = α_0 · π_w with π_w the word's share of all tokens of all corpora; the
default prior size α_0 is the number of tokens of all corpora, so α_w is the word's pooled count
(the choice of the authors' own replication code and of most later uses). Written here, not taken from
a library: the formula is a few lines of numpy and the maintained packages implementing it pull in
plotting or web dependencies.

Tokens come from :func:`core.load.tokens.tokenize`, the tokeniser of every other word statistic.

Reference: Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words: lexical feature
selection and evaluation for identifying the content of political conflict. *Political Analysis*
16(4), 372–403.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.exceptions import InsufficientDataError, ParameterError
from core.load.tokens import tokenize

__all__ = ["DISTINCTIVE_COLUMNS", "distinctive_words", "log_odds_table", "word_counts"]

DISTINCTIVE_COLUMNS = ["corpus", "rank", "word", "count", "count_others", "log_odds", "z"]


def word_counts(texts: Sequence[str]) -> Counter:
    """Token counts of ``texts`` with the project's tokeniser."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(tokenize(str(text)))
    return counts


def log_odds_table(counts: Mapping[str, Mapping[str, int]], *, prior_size: float | None = None) -> pd.DataFrame:
    """Weighted log-odds ratio and z-score of every word of every corpus against the other corpora.

    Parameters
    ----------
    counts : mapping of corpus name -> (mapping of word -> count)
        Word counts of two or more corpora.
    prior_size : float, optional
        α_0, the total pseudo-count of the Dirichlet prior; default the number of tokens of all
        corpora (α_w = the word's pooled count).

    Returns
    -------
    DataFrame
        One row per corpus and word that occurs in it: ``corpus``, ``word``, ``count`` (in the
        corpus), ``count_others`` (in the other corpora pooled), ``log_odds`` (δ_w) and ``z``.
    """
    names = list(counts)
    if len(names) < 2:
        raise InsufficientDataError("distinctive words need two or more corpora, got "
                                    f"{len(names)}")
    vocab = sorted(set().union(*(set(c) for c in counts.values())))
    if not vocab:
        raise InsufficientDataError("the corpora have no words")
    matrix = np.array([[counts[name].get(w, 0) for w in vocab] for name in names], dtype=float)
    if (matrix < 0).any():
        raise ParameterError("word counts must not be negative")
    pooled = matrix.sum(axis=0)
    total = pooled.sum()
    if prior_size is None:
        prior_size = total
    if isinstance(prior_size, bool) or not np.isfinite(prior_size) or prior_size <= 0:
        raise ParameterError(f"prior_size must be a positive number, got {prior_size!r}")
    alpha = float(prior_size) * pooled / total
    alpha0 = float(prior_size)
    frames = []
    for i, name in enumerate(names):
        yi = matrix[i]
        yj = pooled - yi
        ni, nj = yi.sum(), yj.sum()
        delta = (np.log((yi + alpha) / (ni + alpha0 - yi - alpha))
                 - np.log((yj + alpha) / (nj + alpha0 - yj - alpha)))
        sigma = np.sqrt(1.0 / (yi + alpha) + 1.0 / (yj + alpha))
        keep = yi > 0
        frames.append(pd.DataFrame({"corpus": name, "word": np.array(vocab, dtype=object)[keep],
                                    "count": yi[keep].astype(np.int64), "count_others": yj[keep].astype(np.int64),
                                    "log_odds": delta[keep], "z": (delta / sigma)[keep]}))
    return pd.concat(frames, ignore_index=True)


def distinctive_words(corpora: Sequence[str], texts: Sequence[str], *, top: int = 20,
                      min_count: int = 3, prior_size: float | None = None) -> pd.DataFrame:
    """The ``top`` words of each corpus with the largest z-scores (Monroe et al. 2008).

    Parameters
    ----------
    corpora, texts : sequence of str, each of length n_documents
        The corpus of every document and its text.
    top : int, default 20
        Words listed per corpus.
    min_count : int, default 3
        Words seen fewer times in the corpus are not listed (they are still counted).
    prior_size : float, optional
        See :func:`log_odds_table`.

    Returns
    -------
    DataFrame
        Columns :data:`DISTINCTIVE_COLUMNS`; corpora in order of first appearance, ``rank`` 1 = most
        distinctive. Only words with z > 0 (used more than in the others) are listed.
    """
    if len(corpora) != len(texts):
        raise ParameterError(f"corpora and texts must have the same length, got {len(corpora)} and {len(texts)}")
    for pname, value in (("top", top), ("min_count", min_count)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ParameterError(f"{pname} must be a positive integer, got {value!r}")
    grouped: dict[str, list[str]] = {}
    for corpus, text in zip(corpora, texts):
        grouped.setdefault(str(corpus), []).append(str(text))
    table = log_odds_table({name: word_counts(t) for name, t in grouped.items()}, prior_size=prior_size)
    table = table[(table["count"] >= min_count) & (table["z"] > 0)]
    parts = []
    for name in grouped:
        part = table[table["corpus"] == name].sort_values(["z", "word"], ascending=[False, True]).head(top)
        part = part.assign(rank=np.arange(1, len(part) + 1, dtype=np.int64))
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DISTINCTIVE_COLUMNS)
    return out[DISTINCTIVE_COLUMNS].reset_index(drop=True)
