"""Word shift between CADE slices: the ranked shift list, nearest neighbours and trajectories.

Bianchi et al. 2020 (CADE) and Hamilton, Leskovec, Jurafsky 2016 ("Diachronic Word Embeddings
Reveal Statistical Laws of Semantic Change") measure a word's change as the cosine distance between
its vectors in two aligned spaces; here ``shift = 1 − cosine`` of the word's two slice vectors, in
[0, 2].

Frequency filters, chosen because word2vec vectors of rare words are mostly noise (Hamilton et al.
and later work show cosine change correlates with low frequency): a word is ranked only when it
occurs at least ``min_freq`` times in *both* corpora. The default ``min_freq=20`` was set on the
bundled sample corpora (50,000–124,000 tokens each, default training): with 5 or 10 the list gains
words seen 10–20 times in one corpus, some telling (games' "turn", "action", and "read" as in "please
read /usr/share/doc" against science's "reads contigs") but others noise ("itself", "commercial",
"built"), with neighbours that are often one-off words ("n64", "dai"); from 20 both the words and
their neighbours read sensibly; at 30 the list loses specific words with fewer occurrences
("variants", 28 and 30; "board", 29 in science; "database", 23 in games) and general words ("new",
"its", "two") lead. Neighbours are looked for only among words with at least
``neighbour_min_freq`` occurrences in that corpus (default: ``min_freq``), for the same reason.
Words near the threshold are the noisiest: splitting the science sample into two halves (no real
change, default training) gives a median shift of 0.05 and a largest of 0.29, for "core" (24 and 23
occurrences), then "tasks" and "graphs"; shifts well above 0.3 between corpora of this size are
therefore beyond what sampling alone produces.

A word absent from a corpus has no vector there (its slice row is its untouched random start):
``trajectory`` marks it ``present=False`` and gives NaN for its cosines, by design and tested; the
other functions never rank or return such words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.analysis.shift.cade import CadeModel
from core.exceptions import ParameterError

__all__ = [
    "WORDS_CSV_COLUMNS",
    "Neighbours",
    "ShiftTable",
    "Trajectory",
    "neighbours",
    "trajectory",
    "word_shift",
]

#: Columns of ``words.csv`` in the product's output contract, in order.
WORDS_CSV_COLUMNS = ("word", "corpus_a", "corpus_b", "shift", "freq_a", "freq_b", "neighbours_a",
                     "neighbours_b")


@dataclass(frozen=True, eq=False)
class ShiftTable:
    """Words ranked by shift between two corpora, largest first.

    Attributes
    ----------
    method : {"cade", "procrustes"}
    corpus_a, corpus_b : str
    words : tuple of str, length n
    shift : ndarray of float64, shape (n,)
        ``1 − cosine``, non-increasing.
    cosine : ndarray of float64, shape (n,)
    freq_a, freq_b : ndarray of int64, shape (n,)
        Occurrences in each corpus.
    neighbours_a, neighbours_b : tuple of tuple of str, length n
        Nearest words of each word in each corpus, closest first.
    min_freq : int
        Least occurrences in both corpora for a word to be ranked.
    n_candidates : int
        Words that passed the filter (the table holds the ``top`` of them).
    details : mapping
        Method-specific figures (Procrustes: number of anchor words and their mean cosine).
    """

    method: str
    corpus_a: str
    corpus_b: str
    words: tuple[str, ...]
    shift: np.ndarray
    cosine: np.ndarray
    freq_a: np.ndarray
    freq_b: np.ndarray
    neighbours_a: tuple[tuple[str, ...], ...]
    neighbours_b: tuple[tuple[str, ...], ...]
    min_freq: int
    n_candidates: int
    details: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.words)

    def rank(self, word: str) -> int | None:
        """1-based rank of ``word`` in the table, or None when it is not listed."""
        try:
            return self.words.index(word) + 1
        except ValueError:
            return None

    def to_dict(self) -> dict:
        """Plain-Python form; neighbours as lists."""
        rows = [
            {"word": w, "corpus_a": self.corpus_a, "corpus_b": self.corpus_b, "shift": float(s),
             "cosine": float(c), "freq_a": int(fa), "freq_b": int(fb), "neighbours_a": list(na),
             "neighbours_b": list(nb)}
            for w, s, c, fa, fb, na, nb in zip(self.words, self.shift, self.cosine, self.freq_a,
                                               self.freq_b, self.neighbours_a, self.neighbours_b)
        ]
        return {"method": self.method, "corpus_a": self.corpus_a, "corpus_b": self.corpus_b,
                "min_freq": self.min_freq, "n_candidates": self.n_candidates,
                "details": dict(self.details), "rows": rows}

    def to_frame(self):
        """The ``words.csv`` table: columns ``WORDS_CSV_COLUMNS``, neighbours as "w1 w2 w3" strings.

        The method, the filter and ``details`` are in the frame's ``attrs``; the cosine is
        ``1 - shift``.
        """
        import pandas as pd

        frame = pd.DataFrame({
            "word": list(self.words), "corpus_a": self.corpus_a, "corpus_b": self.corpus_b,
            "shift": self.shift, "freq_a": self.freq_a, "freq_b": self.freq_b,
            "neighbours_a": [" ".join(n) for n in self.neighbours_a],
            "neighbours_b": [" ".join(n) for n in self.neighbours_b],
        }, columns=list(WORDS_CSV_COLUMNS))
        frame.attrs.update(method=self.method, min_freq=self.min_freq, n_candidates=self.n_candidates,
                           **dict(self.details))
        return frame


@dataclass(frozen=True, eq=False)
class Neighbours:
    """Nearest words of ``word`` in one corpus's space, closest first.

    Attributes
    ----------
    word, corpus : str
    freq : int
        Occurrences of ``word`` in ``corpus``.
    words : tuple of str, length k
    cosines : ndarray of float64, shape (k,)
    """

    word: str
    corpus: str
    freq: int
    words: tuple[str, ...]
    cosines: np.ndarray

    def to_dict(self) -> dict:
        return {"word": self.word, "corpus": self.corpus, "freq": self.freq,
                "neighbours": list(self.words), "cosines": self.cosines.tolist()}

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"rank": np.arange(1, len(self.words) + 1), "neighbour": list(self.words),
                             "cosine": self.cosines})


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One word across corpora in a given order (e.g. time slices).

    Attributes
    ----------
    word : str
    corpora : tuple of str, length C
    freq : ndarray of int64, shape (C,)
    present : ndarray of bool, shape (C,)
        ``freq >= min_freq``; where false the word has no trustworthy vector and the cosines are NaN.
    cosine_to_first : ndarray of float64, shape (C,)
        Cosine between the word's vector in each corpus and in the first one (1 for the first).
    shift_from_previous : ndarray of float64, shape (C,)
        ``1 − cosine`` between consecutive corpora; NaN for the first and where either is absent.
    neighbours : tuple of tuple of str, length C
        Nearest words in each corpus (empty where absent).
    min_freq : int
    """

    word: str
    corpora: tuple[str, ...]
    freq: np.ndarray
    present: np.ndarray
    cosine_to_first: np.ndarray
    shift_from_previous: np.ndarray
    neighbours: tuple[tuple[str, ...], ...]
    min_freq: int

    def to_dict(self) -> dict:
        def clean(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        return {"word": self.word, "min_freq": self.min_freq, "steps": [
            {"corpus": c, "freq": int(f), "present": bool(p), "cosine_to_first": clean(cf),
             "shift_from_previous": clean(sp), "neighbours": list(n)}
            for c, f, p, cf, sp, n in zip(self.corpora, self.freq, self.present, self.cosine_to_first,
                                          self.shift_from_previous, self.neighbours)]}

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"corpus": list(self.corpora), "freq": self.freq, "present": self.present,
                             "cosine_to_first": self.cosine_to_first,
                             "shift_from_previous": self.shift_from_previous,
                             "neighbours": [" ".join(n) for n in self.neighbours]})


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    # trained word2vec rows are never zero; the guard only keeps a degenerate row from becoming NaN
    return vectors / np.where(norms > 0, norms, 1.0)


def _nearest(unit_vectors: np.ndarray, rows: np.ndarray, pool: np.ndarray, vocabulary: Sequence[str],
             k: int) -> tuple[list[tuple[str, ...]], list[np.ndarray]]:
    """k nearest pool words (cosine) of each row, excluding the word itself; ties by vocabulary order."""
    pool_rows = np.flatnonzero(pool)
    if rows.size == 0 or pool_rows.size == 0:
        return [() for _ in rows], [np.empty(0) for _ in rows]
    sims = unit_vectors[rows] @ unit_vectors[pool_rows].T
    sims[pool_rows[None, :] == rows[:, None]] = -np.inf
    take = min(k, pool_rows.size)
    words, cosines = [], []
    for r in range(rows.size):
        order = np.argsort(-sims[r], kind="stable")[:take]
        order = order[np.isfinite(sims[r, order])]
        words.append(tuple(vocabulary[pool_rows[o]] for o in order))
        cosines.append(sims[r, order])
    return words, cosines


def _check_count(name: str, value: Any, low: int, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        extra = " or None" if allow_none else ""
        raise ParameterError(f"{name} must be an integer ≥ {low}{extra}, got {value!r}")
    return int(value)


def _check_pair(model: CadeModel, a: str, b: str) -> tuple[int, int]:
    ia, ib = model.corpus_index(a), model.corpus_index(b)
    if ia == ib:
        raise ParameterError(f"corpus_a and corpus_b are both {a!r}; choose two different corpora")
    return ia, ib


def _shift_table(method: str, model: CadeModel, a: str, b: str, va: np.ndarray, vb: np.ndarray, *,
                 min_freq: int, top: int | None, n_neighbours: int, neighbour_min_freq: int | None,
                 details: Mapping[str, Any] | None = None) -> ShiftTable:
    """Rank words by 1 − cos(va[w], vb[w]); neighbours within va and within vb (shared by both methods)."""
    ia, ib = _check_pair(model, a, b)
    min_freq = _check_count("min_freq", min_freq, 1)
    top = _check_count("top", top, 1, allow_none=True)
    n_neighbours = _check_count("n_neighbours", n_neighbours, 0)
    neighbour_min_freq = _check_count("neighbour_min_freq", neighbour_min_freq, 1, allow_none=True)
    nb_min = min_freq if neighbour_min_freq is None else neighbour_min_freq
    fa, fb = model.counts[ia], model.counts[ib]
    eligible = np.flatnonzero((fa >= min_freq) & (fb >= min_freq))
    ua, ub = _unit(va), _unit(vb)
    cos = np.einsum("ij,ij->i", ua[eligible], ub[eligible])
    cos = np.clip(cos, -1.0, 1.0)
    # largest shift first; equal shifts keep vocabulary (frequency) order
    order = np.argsort(-(1.0 - cos), kind="stable")
    if top is not None:
        order = order[:top]
    rows = eligible[order]
    vocab = model.vocabulary
    if n_neighbours > 0:
        na, _ = _nearest(ua, rows, fa >= nb_min, vocab, n_neighbours)
        nb, _ = _nearest(ub, rows, fb >= nb_min, vocab, n_neighbours)
    else:
        na = nb = [() for _ in rows]
    return ShiftTable(method=method, corpus_a=a, corpus_b=b, words=tuple(vocab[r] for r in rows),
                      shift=1.0 - cos[order], cosine=cos[order], freq_a=fa[rows].copy(),
                      freq_b=fb[rows].copy(),
                      neighbours_a=tuple(na), neighbours_b=tuple(nb), min_freq=min_freq,
                      n_candidates=int(eligible.size), details=dict(details or {}))


def word_shift(model: CadeModel, a: str, b: str, *, min_freq: int = 20, top: int | None = 100,
               n_neighbours: int = 5, neighbour_min_freq: int | None = None) -> ShiftTable:
    """Rank words by how differently corpora ``a`` and ``b`` use them (CADE slices).

    Parameters
    ----------
    model : CadeModel
    a, b : str
        Corpus names.
    min_freq : int, default 20
        Least occurrences in *both* corpora for a word to be ranked (see the module docstring).
    top : int or None, default 100
        Rows to return; None returns every eligible word.
    n_neighbours : int, default 5
        Nearest words listed for each word in each corpus.
    neighbour_min_freq : int, optional
        Least occurrences in a corpus for a word to be offered as a neighbour there; default
        ``min_freq``.

    Returns
    -------
    ShiftTable
        Sorted by ``shift = 1 − cosine`` of the word's two slice vectors, largest first.
    """
    ia, ib = _check_pair(model, a, b)
    return _shift_table("cade", model, a, b, model.slice_vectors[ia], model.slice_vectors[ib],
                        min_freq=min_freq, top=top, n_neighbours=n_neighbours,
                        neighbour_min_freq=neighbour_min_freq)


def neighbours(model: CadeModel, word: str, corpus: str, k: int = 10, *,
               min_freq: int | None = None) -> Neighbours:
    """The ``k`` words closest (cosine) to ``word`` in one corpus's aligned space.

    Parameters
    ----------
    model : CadeModel
    word : str
        Looked up as given, then as tokenised (so "Game" finds "game").
    corpus : str
    k : int, default 10
    min_freq : int, optional
        Least occurrences in ``corpus`` for the word and its neighbours; default the model's
        ``min_count``.

    Returns
    -------
    Neighbours

    Raises
    ------
    InputError
        If the word is not in the vocabulary or occurs fewer than ``min_freq`` times in ``corpus``.
    """
    from core.exceptions import InputError

    c = model.corpus_index(corpus)
    k = _check_count("k", k, 1)
    min_freq = _check_count("min_freq", min_freq, 1, allow_none=True)
    floor = int(model.params["min_count"]) if min_freq is None else min_freq
    row = model.word_index(word)
    freq = int(model.counts[c, row])
    if freq < floor:
        raise InputError(f"word {model.vocabulary[row]!r} occurs {freq} times in corpus {corpus!r}, fewer "
                         f"than min_freq={floor}; its vector there is not trained enough to have neighbours")
    unit = _unit(model.slice_vectors[c])
    words, cosines = _nearest(unit, np.array([row]), model.counts[c] >= floor, model.vocabulary, k)
    return Neighbours(word=model.vocabulary[row], corpus=corpus, freq=freq, words=words[0],
                      cosines=cosines[0])


def trajectory(model: CadeModel, word: str, corpora_order: Sequence[str] | None = None, *, k: int = 10,
               min_freq: int | None = None) -> Trajectory:
    """A word's vectors across corpora in order: cosine to the first, shift between neighbours in order.

    Parameters
    ----------
    model : CadeModel
    word : str
    corpora_order : sequence of str, optional
        At least two corpus names; default the model's order.
    k : int, default 10
        Neighbours per corpus.
    min_freq : int, optional
        Least occurrences for the word to count as present in a corpus (and for neighbours); default
        the model's ``min_count``.

    Returns
    -------
    Trajectory
        Where the word is absent (fewer than ``min_freq`` occurrences) ``present`` is False and its
        cosines are NaN, since it has no trained vector there.
    """
    order = tuple(model.corpus_names if corpora_order is None else corpora_order)
    if isinstance(corpora_order, str) or len(order) < 2 or len(set(order)) != len(order):
        raise ParameterError(f"corpora_order must list at least two different corpora of the model "
                             f"{list(model.corpus_names)}, got {corpora_order!r}")
    idx = [model.corpus_index(c) for c in order]
    k = _check_count("k", k, 1)
    min_freq = _check_count("min_freq", min_freq, 1, allow_none=True)
    floor = int(model.params["min_count"]) if min_freq is None else min_freq
    row = model.word_index(word)
    freq = model.counts[idx, row].astype(np.int64)
    present = freq >= floor
    vecs = _unit(model.slice_vectors[idx, row])
    to_first, step = _trajectory_cosines(vecs, present)
    neigh = []
    for i, c in enumerate(idx):
        if present[i]:
            words, _ = _nearest(_unit(model.slice_vectors[c]), np.array([row]), model.counts[c] >= floor,
                                model.vocabulary, k)
            neigh.append(words[0])
        else:
            neigh.append(())
    return Trajectory(word=model.vocabulary[row], corpora=order, freq=freq, present=present,
                      cosine_to_first=to_first, shift_from_previous=step, neighbours=tuple(neigh),
                      min_freq=floor)


def _trajectory_cosines(vecs: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of each corpus's unit vector of a word to the first corpus's, and 1 - cosine to the previous.

    Parameters
    ----------
    vecs : ndarray of shape (n_corpora, d)
        The word's unit vectors, one row per corpus, in trajectory order.
    present : ndarray of bool, shape (n_corpora,)
        Whether the word is frequent enough in each corpus; NaN wherever a compared corpus lacks it.
    """
    n = len(present)
    to_first = np.full(n, np.nan)
    step = np.full(n, np.nan)
    for i in range(n):
        if present[i] and present[0]:
            to_first[i] = float(np.clip(vecs[i] @ vecs[0], -1.0, 1.0))
        if i > 0 and present[i] and present[i - 1]:
            step[i] = 1.0 - float(np.clip(vecs[i] @ vecs[i - 1], -1.0, 1.0))
    return to_first, step
