"""Small computations the dashboard needs on a finished :class:`~core.results.AnalysisResult`.

The Streamlit layer (``app/``) does no numerics (docs/ARCHITECTURE.md); what its pages compute from the stored
tables and arrays lives here, as plain functions on DataFrames and arrays that tests call directly:

- :func:`display_sample`: the documents a map draws, sampled for large corpora (: the
  sample size is stated on the chart);
- :func:`shift_ranking`: the CADE shift list of one pair with frequency filters;
- :func:`word_neighbours` and :func:`word_trajectory`: nearest neighbours (cosine) of a word in each
  corpus's aligned CADE space, and a word's path across 3+ corpora, computed from the stored
  ``word_vectors`` and ``word_vocab`` without retraining (the same definitions as
  :func:`core.analysis.shift.ranking.neighbours` / ``trajectory``, which need the live model);
- :func:`shift_statements`: one plain sentence per pair saying how many words shifted beyond noise;
- :func:`function_word_note`: which of the words shifted beyond noise are English function words, and
  why such a shift is one of context rather than meaning (:func:`function_words`);
- :func:`word_usages`: a word's passages (keyword in context) in two corpora, from the stored texts;
- :func:`k_occurrence_summary`: the N_k histogram counts of the stored pooled kNN graph.

Where the spec leaves room: a word counts as present in a corpus when it occurs at least
``min_freq`` times there (its slice vector is otherwise an untrained random start), and
neighbours are drawn only from words present in that corpus. Ties are broken by vocabulary order
(most frequent first), so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from core.analysis.shift.ranking import _trajectory_cosines
from core.exceptions import InputError, ParameterError

__all__ = [
    "PARTIAL_CHANGE_NOTE",
    "beyond_noise",
    "display_sample",
    "function_word_note",
    "function_words",
    "k_occurrence_summary",
    "shift_duplicate_warnings",
    "shift_ranking",
    "shift_scale_note",
    "shift_statements",
    "word_neighbours",
    "word_trajectory",
    "word_usages",
]


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ParameterError(f"{name} must be an integer ≥ {low}, got {value!r}")
    return int(value)


def _require(df: Any, columns: Sequence[str], name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{name} lacks the column(s) {missing}; it has {list(map(str, df.columns))}")
    return df


# ------------------------------------------------------------------------------------------- maps


def display_sample(documents: pd.DataFrame, *, max_points: int = 5000, random_state: int = 0,
                   columns: Sequence[str] = ("umap_x", "umap_y")) -> tuple[pd.DataFrame, int]:
    """The documents a map can draw: rows with finite coordinates, sampled to ``max_points``.

    Parameters
    ----------
    documents : DataFrame, shape (n_documents, ...)
        ``AnalysisResult.documents``.
    max_points : int
        Most points drawn; a browser draws a few thousand SVG circles quickly, not 100,000.
    random_state : int
        Seed of the sample, so the same analysis always shows the same points.
    columns : sequence of str
        Coordinate columns that must be finite (documents outside the map are never drawn).

    Returns
    -------
    (DataFrame, int)
        The rows to draw (original order, index reset) and the number of mappable documents before
        sampling (``n_total`` for :func:`core.report.charts.map_chart`).
    """
    _require(documents, list(columns), "documents")
    max_points = _check_int("max_points", max_points, 1)
    finite = np.ones(len(documents), dtype=bool)
    for col in columns:
        finite &= np.isfinite(pd.to_numeric(documents[col], errors="coerce").to_numpy(dtype=float))
    mappable = documents[finite]
    n_total = len(mappable)
    if n_total > max_points:
        mappable = mappable.sample(n=max_points, random_state=random_state).sort_index()
    return mappable.reset_index(drop=True), n_total


def k_occurrence_summary(documents: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """Per corpus: documents, mean N_k, largest N_k, share of antihubs (N_k = 0) and hubs (N_k ≥ 2k).

    Parameters
    ----------
    documents : DataFrame
        ``corpus`` and ``k_occurrence`` columns (N_k in the pooled kNN graph).
    k : int
        Neighbourhood size of that graph.

    Returns
    -------
    DataFrame
        ``corpus, documents, mean N_k, max N_k, antihubs, hubs`` (shares in [0, 1]); corpora with no
        finite N_k are left out.
    """
    _require(documents, ["corpus", "k_occurrence"], "documents")
    k = _check_int("k", k, 1)
    values = pd.to_numeric(documents["k_occurrence"], errors="coerce")
    frame = pd.DataFrame({"corpus": documents["corpus"].astype(str), "n_k": values}).dropna()
    rows = []
    for corpus, part in frame.groupby("corpus", sort=False):
        n_k = part["n_k"].to_numpy(dtype=float)
        rows.append({"corpus": corpus, "documents": len(n_k), "mean N_k": float(n_k.mean()),
                     "max N_k": int(n_k.max()), "antihubs": float(np.mean(n_k == 0)),
                     "hubs": float(np.mean(n_k >= 2 * k))})
    return pd.DataFrame(rows, columns=["corpus", "documents", "mean N_k", "max N_k", "antihubs", "hubs"])


# -------------------------------------------------------------------------------------- word shift


#: Words of scikit-learn's English stop-word list that are not function words. The list (from the
#: Glasgow IR group) was made for search and carries content words; its documentation warns of known
#: issues. Named as function words, "system" or "fire" would mislead.
_NOT_FUNCTION_WORDS = frozenset({
    "amount", "back", "bill", "bottom", "call", "co", "con", "cry", "de", "describe", "detail", "done", "empty",
    "fill", "find", "fire", "found", "front", "full", "get", "give", "go", "inc", "interest", "keep", "ltd",
    "made", "mill", "move", "name", "part", "put", "re", "see", "serious", "show", "side", "sincere", "system",
    "take", "thick", "thin", "top", "un", "whole"})


@cache
def function_words() -> frozenset[str]:
    """English function words: articles, prepositions, pronouns, conjunctions, auxiliaries, numerals and
    frequent adverbs, lower case as :func:`core.load.tokens.tokenize` writes them. scikit-learn's
    English stop-word list less the 45 content words it carries (:data:`_NOT_FUNCTION_WORDS`): 273 words.
    A maintained list rather than one written here; none for other languages is bundled, so in other
    languages no word counts as one."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) - _NOT_FUNCTION_WORDS


def shift_ranking(words: pd.DataFrame, corpus_a: str, corpus_b: str, *, min_freq: int = 20,
                  top: int | None = 50, content_only: bool = False) -> pd.DataFrame:
    """The CADE shift list of one pair of corpora, words frequent enough in both, largest shift first.

    Parameters
    ----------
    words : DataFrame
        ``AnalysisResult.words`` (``word, corpus_a, corpus_b, shift, ..., freq_a, freq_b, ...``).
    corpus_a, corpus_b : str
        The pair, in either order (the table stores each unordered pair once; asking for (b, a) swaps
        the per-corpus columns so that ``freq_a`` and ``neighbours_a`` belong to ``corpus_a``).
    min_freq : int
        Least occurrences in *each* corpus (rarely seen words have noisy vectors).
    top : int or None
        Rows returned; None for all.
    content_only : bool, default False
        Leave out English function words (:func:`function_words`); ``rank`` then counts the others.

    Returns
    -------
    DataFrame
        The columns of ``words`` plus ``rank`` (1 = first listed) and, after ``noise``, ``beyond_noise``
        (``shift − noise``, empty where the noise is). Tables with a ``significant`` column
        (calibrated word shift) keep their stored order: words shifted beyond noise first, each group
        by decreasing excess over noise; older tables are sorted by shift, largest first.
    """
    _require(words, ["word", "corpus_a", "corpus_b", "shift", "freq_a", "freq_b"], "words")
    min_freq = _check_int("min_freq", min_freq, 0)
    if top is not None:
        top = _check_int("top", top, 1)
    if corpus_a == corpus_b:
        raise ParameterError(f"corpus_a and corpus_b are both {corpus_a!r}; choose two different corpora")
    forward = words[(words["corpus_a"] == corpus_a) & (words["corpus_b"] == corpus_b)]
    backward = words[(words["corpus_a"] == corpus_b) & (words["corpus_b"] == corpus_a)]
    if len(backward) and not len(forward):
        swap = {"corpus_a": "corpus_b", "corpus_b": "corpus_a", "freq_a": "freq_b", "freq_b": "freq_a",
                "neighbours_a": "neighbours_b", "neighbours_b": "neighbours_a"}
        forward = backward.rename(columns={k: v for k, v in swap.items() if k in backward.columns})
        forward = forward[list(words.columns)]
    freq_a = pd.to_numeric(forward["freq_a"], errors="coerce")
    freq_b = pd.to_numeric(forward["freq_b"], errors="coerce")
    kept = forward[(freq_a >= min_freq) & (freq_b >= min_freq)]
    kept = kept.assign(_s=pd.to_numeric(kept["shift"], errors="coerce")).dropna(subset=["_s"])
    if "significant" not in kept.columns:
        kept = kept.sort_values(["_s", "word"], ascending=[False, True], kind="stable")
    kept = kept.drop(columns="_s")
    if content_only:
        kept = kept[~kept["word"].astype(str).isin(function_words())]
    if top is not None:
        kept = kept.head(top)
    kept = kept.reset_index(drop=True)
    kept.insert(0, "rank", np.arange(1, len(kept) + 1))
    if "noise" in kept.columns:  # the figure the calibrated list is ranked by
        kept.insert(list(kept.columns).index("noise") + 1, "beyond_noise", beyond_noise(kept))
    return kept


def beyond_noise(words: pd.DataFrame) -> pd.Series:
    """``shift − noise`` of each row of a words table: the figure the calibrated rows of a pair are
    ranked by (after the significant ones come first); NaN where the noise is (analyses saved before
    the calibration)."""
    _require(words, ["shift", "noise"], "words")
    return pd.to_numeric(words["shift"], errors="coerce") - pd.to_numeric(words["noise"], errors="coerce")


def _vocab_index(word_vocab: pd.DataFrame, word: str) -> int:
    """Row of ``word`` (as typed, then lower-cased and tokenised like the corpora)."""
    _require(word_vocab, ["word"], "word_vocab")
    if not isinstance(word, str) or not word.strip():
        raise ParameterError(f"word must be a non-empty string, got {word!r}")
    vocab = word_vocab["word"].astype(str).tolist()
    index = {w: i for i, w in enumerate(vocab)}
    if word in index:
        return index[word]
    from core.load.tokens import tokenize

    tokens = tokenize(word)
    if len(tokens) == 1 and tokens[0] in index:
        return index[tokens[0]]
    raise InputError(f"word {word!r} is not in the word-shift vocabulary ({len(vocab):,} words frequent "
                     "enough over all corpora); pick a more frequent word")


def _freqs(word_vocab: pd.DataFrame, corpus: str) -> np.ndarray:
    col = f"freq:{corpus}"
    if col not in word_vocab.columns:
        known = [c[5:] for c in word_vocab.columns if str(c).startswith("freq:")]
        raise ParameterError(f"corpus {corpus!r} has no word vectors; choose from {known}")
    return pd.to_numeric(word_vocab[col], errors="coerce").fillna(0).to_numpy(dtype=np.int64)


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # trained word2vec rows are never zero; the guard only keeps a degenerate row from becoming NaN
    return vectors / np.where(norms > 0, norms, 1.0)


def _vectors(word_vocab: pd.DataFrame, word_vectors: Mapping[str, np.ndarray], corpus: str) -> np.ndarray:
    if corpus not in word_vectors:
        raise ParameterError(f"corpus {corpus!r} has no word vectors; choose from {list(word_vectors)}")
    vectors = np.asarray(word_vectors[corpus])
    if vectors.ndim != 2 or vectors.shape[0] != len(word_vocab):
        raise InputError(f"word vectors of {corpus!r} have shape {vectors.shape}, expected "
                         f"({len(word_vocab)}, dim) rows aligned with word_vocab")
    return vectors


def word_neighbours(word_vocab: pd.DataFrame, word_vectors: Mapping[str, np.ndarray], word: str,
                    corpus: str, *, k: int = 10, min_freq: int = 5) -> pd.DataFrame:
    """The ``k`` words nearest (cosine) to ``word`` in one corpus's aligned CADE space.

    Parameters
    ----------
    word_vocab : DataFrame, shape (V, 1 + C)
        ``word`` and one ``freq:<corpus>`` column per corpus (``AnalysisResult.word_vocab``).
    word_vectors : mapping of str to ndarray of shape (V, dim)
        Aligned slice vectors per corpus, rows aligned with ``word_vocab``.
    word : str
    corpus : str
    k : int
    min_freq : int
        Least occurrences in ``corpus`` for the word and for its neighbours.

    Returns
    -------
    DataFrame
        ``rank, neighbour, cosine, frequency``, most similar first.

    Raises
    ------
    InputError
        The word is unknown, or occurs fewer than ``min_freq`` times in ``corpus`` (its vector there
        was not trained enough to have neighbours).
    """
    k = _check_int("k", k, 1)
    min_freq = _check_int("min_freq", min_freq, 1)
    row = _vocab_index(word_vocab, word)
    freqs = _freqs(word_vocab, corpus)
    vectors = _vectors(word_vocab, word_vectors, corpus)
    found = str(word_vocab["word"].iloc[row])
    if freqs[row] < min_freq:
        raise InputError(f"{found!r} occurs {int(freqs[row])} times in {corpus!r}, fewer than "
                         f"{min_freq}: its vector there is not trained enough to have neighbours")
    pool = np.flatnonzero(freqs >= min_freq)
    pool = pool[pool != row]
    unit = _unit_rows(vectors[np.concatenate([[row], pool])])
    sims = unit[1:] @ unit[0]
    order = np.argsort(-sims, kind="stable")[:k]
    vocab = word_vocab["word"].astype(str).to_numpy()
    return pd.DataFrame({"rank": np.arange(1, len(order) + 1), "neighbour": vocab[pool[order]],
                         "cosine": sims[order], "frequency": freqs[pool[order]]})


def word_trajectory(word_vocab: pd.DataFrame, word_vectors: Mapping[str, np.ndarray], word: str,
                    corpora: Sequence[str], *, k: int = 5, min_freq: int = 5) -> pd.DataFrame:
    """A word across corpora in the given order (e.g. time slices), from its aligned CADE vectors.

    Parameters
    ----------
    word_vocab, word_vectors, word
        As in :func:`word_neighbours`.
    corpora : sequence of str
        At least two different corpora, in order.
    k : int
        Neighbours listed per corpus.
    min_freq : int
        Least occurrences for the word to count as present in a corpus.

    Returns
    -------
    DataFrame
        One row per corpus: ``corpus, frequency, present, cosine_to_first, shift_from_previous,
        neighbours`` (space-separated). Where the word is absent (or absent from the first/previous
        corpus) the cosines are NaN: it has no trained vector to compare.
    """
    order = list(corpora) if not isinstance(corpora, str) else []
    if len(order) < 2 or len(set(order)) != len(order):
        raise ParameterError(f"corpora must list at least two different corpora, got {corpora!r}")
    k = _check_int("k", k, 1)
    min_freq = _check_int("min_freq", min_freq, 1)
    row = _vocab_index(word_vocab, word)
    freq = np.array([_freqs(word_vocab, c)[row] for c in order], dtype=np.int64)
    present = freq >= min_freq
    vecs = _unit_rows(np.stack([_vectors(word_vocab, word_vectors, c)[row] for c in order]))
    to_first, step = _trajectory_cosines(vecs, present)
    neighbours = []
    for i, corpus in enumerate(order):
        if present[i]:
            table = word_neighbours(word_vocab, word_vectors, word, corpus, k=k, min_freq=min_freq)
            neighbours.append(" ".join(table["neighbour"]))
        else:
            neighbours.append("")
    return pd.DataFrame({"corpus": order, "frequency": freq, "present": present,
                         "cosine_to_first": to_first, "shift_from_previous": step,
                         "neighbours": neighbours})


def shift_statements(words: pd.DataFrame) -> list[dict]:
    """Per pair of corpora, how many listed words shifted beyond noise, in a plain sentence.

    See :func:`core.analysis.shift.methods.pair_statements`.
    """
    from core.analysis.shift.methods import pair_statements

    _require(words, ["corpus_a", "corpus_b"], "words")
    return pair_statements(words)


#: Function words named in :func:`function_word_note` before "and N more".
_NAMED_FUNCTION_WORDS = 8

#: What the shift ranking can miss (benchmark: planted sense mixtures reach the top 5 far less often
#: than full context swaps; docs/methods.md, "Limit, partial change"), said on the page and in the report.
PARTIAL_CHANGE_NOTE = ("A word that took a new meaning in only some of its uses moves less than one that "
                       "changed in all of them, and can rank below words whose contexts merely follow the topic.")


def function_word_note(ranking: pd.DataFrame, *, dashboard: bool = True) -> str | None:
    """A plain note naming the English function words among the words shifted beyond noise, or None.

    A word's vector in either method is made from the words around it. Function words ("from", "in",
    "or") occur around every topic, so between corpora on different topics the words around them
    change, and their vectors with them: the shift is beyond noise (the test is right: their contexts
    did change) while their meaning did not. Seen on Debian graphics vs sound descriptions, where
    "from", "an", "in" and "or" are among the 20 words shifted most beyond noise. The note says so
    rather than hiding them: a function word can change for real (a grammatical change over time).

    Parameters
    ----------
    ranking : DataFrame
        Rows of one pair, with ``word`` and ``significant`` (:func:`shift_ranking`); the rows shown.
    dashboard : bool, default True
        Word the advice for the dashboard (its *Content words only* box) or, when False, for the report.
    """
    _require(ranking, ["word"], "ranking")
    if "significant" not in ranking.columns:
        return None
    beyond = ranking.loc[ranking["significant"].fillna(False).astype(bool), "word"].astype(str)
    found = [w for w in beyond if w in function_words()]
    if not found:
        return None
    named = ", ".join(f"“{w}”" for w in found[:_NAMED_FUNCTION_WORDS])
    if len(found) > _NAMED_FUNCTION_WORDS:
        named += f" and {len(found) - _NAMED_FUNCTION_WORDS} more"
    elif len(found) > 1:
        head, _, last = named.rpartition(", ")
        named = f"{head} and {last}"
    subject = f"{named} {'is a function word' if len(found) == 1 else 'are function words'}"
    advice = ("tick “Content words only” to list the other words" if dashboard
              else "the table keeps them")
    return (f"{subject} (English). A word's vector is made from the words around it, and function words "
            "occur around every topic: between corpora on different topics the words around them change, "
            "so they can shift beyond noise while their meaning stays the same. Read their usages before "
            f"believing such a shift; {advice}.")


def shift_scale_note(words: pd.DataFrame, corpus_a: str, corpus_b: str) -> str | None:
    """For the combined method, a sentence saying how its shift is made from the two methods' shifts.

    The combined ``shift`` is ``w · shift_cade + (1 − w) · r · shift_contextual`` (and its noise
    likewise), with ``w`` = :data:`core.analysis.shift.scores.COMBINED_WEIGHT` and ``r`` the factor that
    puts the token vectors' distances on word2vec's scale (:func:`core.analysis.shift.scores.combine`);
    ``r`` is read back from the pair's rows, so the sentence lets a reader recompute every combined
    figure. None for a pair that is not scored by the combined method.
    """
    from core.analysis.shift.scores import COMBINED_WEIGHT as w

    _require(words, ["corpus_a", "corpus_b", "shift"], "words")
    if not {"method", "shift_cade", "shift_contextual"} <= set(words.columns):
        return None
    pair = words[((words["corpus_a"] == corpus_a) & (words["corpus_b"] == corpus_b))
                 | ((words["corpus_a"] == corpus_b) & (words["corpus_b"] == corpus_a))]
    pair = pair[pair["method"] == "combined"]
    shift, cade, ctx = (pd.to_numeric(pair[c], errors="coerce").to_numpy(dtype=float)
                        for c in ("shift", "shift_cade", "shift_contextual"))
    ok = np.isfinite(shift) & np.isfinite(cade) & np.isfinite(ctx) & (ctx > 1e-9)
    if not ok.any():
        return None
    r = float(np.median((shift[ok] - w * cade[ok]) / ((1 - w) * ctx[ok])))
    return (f"Combined method: shift = {w:g} × word2vec shift + {1 - w:g} × {r:.1f} × token-vector shift, and "
            f"the noise likewise. The token vectors' distances are smaller; multiplying them by {r:.1f} (the "
            "ratio of the two methods' typical noise) puts them on word2vec's scale. A combined shift can "
            "therefore be larger than either method's own, even above 1.")


#: Share of a corpus's documents that near-duplicates must reach for the word-shift warning: 10%, so
#: that the bundled games sample (46 of 842, 5.5%, without a visible effect on its word shift) passes
#: and the Debian pair in which 14% were one template is flagged.
DUPLICATE_SHARE = 0.10


def shift_duplicate_warnings(duplicates: Any, documents: pd.DataFrame, corpora: Sequence[str], *,
                             min_share: float = DUPLICATE_SHARE, dashboard: bool = True) -> list[str]:
    """A plain warning for each of ``corpora`` in which near-duplicates are frequent enough to sway a
    word shift.

    Repeated boilerplate gives every word of the template the same contexts many times over, so its
    words, function words included, can shift for that reason alone (seen on a Debian pair in which
    42 of 302 descriptions were language packs written from one template). The warning fires when
    keeping one document per near-duplicate group would remove at least ``min_share`` of a corpus.

    Parameters
    ----------
    duplicates : NearDuplicates
        :func:`core.analysis.duplicates.near_duplicates` over the documents.
    documents : DataFrame
        ``AnalysisResult.documents`` (its ``corpus`` column gives each corpus's size).
    corpora : sequence of str
    min_share : float, default 0.10
    dashboard : bool, default True
        Word the advice for the dashboard (its Data page) or, when False, for the report.
    """
    _require(documents, ["corpus"], "documents")
    if not 0 < min_share <= 1:
        raise ParameterError(f"min_share must be in (0, 1], got {min_share!r}")
    removable = duplicates.removable_by_corpus()
    sizes = documents["corpus"].astype(str).value_counts()
    where = "see the Data page" if dashboard else "see “Distinctive words and near-duplicates”"
    fix = ("keep one document per group on the Data page and analyse again" if dashboard
           else "keep one document per group and analyse again")
    out = []
    for corpus in corpora:
        n, total = removable.get(str(corpus), 0), int(sizes.get(str(corpus), 0))
        if total and n / total >= min_share:
            out.append(f"{n:,} of the {total:,} documents of {corpus} ({n / total:.0%}) repeat other documents "
                       f"almost word for word (near-duplicates, {where}). Repeated text gives the words of "
                       "its template the same contexts many times over, so they can shift for that reason "
                       f"alone, function words included: read their usages, or {fix}.")
    return out


def word_usages(documents: pd.DataFrame, words: pd.DataFrame, word: str, corpus_a: str, corpus_b: str, *,
                k: int = 5, seed: int = 0):
    """Passages of ``word`` in two corpora, its frequency there and its listed neighbours.

    Parameters
    ----------
    documents : DataFrame
        ``AnalysisResult.documents`` (``corpus``, ``text``).
    words : DataFrame
        ``AnalysisResult.words``; the word's neighbours are taken from its row for the pair, if listed.
    word : str
    corpus_a, corpus_b : str
    k : int, default 5
        Most passages per corpus.
    seed : int, default 0

    Returns
    -------
    core.analysis.shift.usages.WordUsages
    """
    from core.analysis.shift.usages import find_usages
    from core.load.tokens import tokenize

    _require(documents, ["corpus", "text"], "documents")
    if corpus_a == corpus_b:
        raise ParameterError(f"corpus_a and corpus_b are both {corpus_a!r}; choose two different corpora")
    corpora = {}
    for name in (corpus_a, corpus_b):
        texts = documents.loc[documents["corpus"] == name, "text"]
        if not len(texts):
            raise ParameterError(f"corpus {name!r} has no documents in this result")
        corpora[name] = texts.astype(str).tolist()
    neighbours = {}
    token = tokenize(word) if isinstance(word, str) else []
    if len(token) == 1 and isinstance(words, pd.DataFrame) and len(words) and "neighbours_a" in words.columns:
        row = words[(words["word"] == token[0]) & (words["corpus_a"] == corpus_a) & (words["corpus_b"] == corpus_b)]
        flipped = words[(words["word"] == token[0]) & (words["corpus_a"] == corpus_b) & (words["corpus_b"] == corpus_a)]
        if len(row):
            neighbours = {corpus_a: str(row["neighbours_a"].iloc[0]).split(),
                          corpus_b: str(row["neighbours_b"].iloc[0]).split()}
        elif len(flipped):
            neighbours = {corpus_a: str(flipped["neighbours_b"].iloc[0]).split(),
                          corpus_b: str(flipped["neighbours_a"].iloc[0]).split()}
    return find_usages(word, corpora, k=k, seed=seed, neighbours=neighbours or None)
