"""CADE: compass-aligned word2vec per corpus (Bianchi, Di Carlo, Nicoli, Palmonari 2020).

Bianchi et al., "Compass-aligned Distributional Embeddings for Studying Semantic Differences across
Corpora" (arXiv:2004.06519), the successor of TWEC (Di Carlo, Bianchi, Palmonari, AAAI 2019). One
CBOW word2vec, the compass, is trained on all corpora together; then one model per corpus (a slice)
is trained with the compass's output (context) matrix copied in and frozen, so that only the slice's
input word vectors learn. Every slice answers "which input vector predicts these contexts, scored by
the same context vectors", which puts all slices in one coordinate system with no rotation.

What this module does, exactly (leaves some of it open):

* Trainer: our numba CBOW negative-sampling trainer (``w2v.py``, whose docstring says why gensim 4.4
  cannot do the frozen slice and why gensim is not used for the compass either). The compass learns
  both matrices; a slice receives the compass output matrix read-only, and numba compiles the slice
  kernel with no write to it, so the matrix is bit-identical after slice training (tested).
* Vocabulary: the compass keeps words with at least ``min_count`` occurrences over all corpora
  together. Every slice uses that vocabulary and keeps every occurrence of a compass word, however
  rare it is in the slice: that is what the reference code does (its trim rule keeps any compass
  word, overriding ``min_count``). Sub-sampling and the noise distribution of a slice use the slice's
  own counts, as in the reference, where each slice model builds its vocabulary from its own text.
* Slice input vectors start from fresh random values (``U(-0.5, 0.5) / dim``), drawn from the
  slice's own random stream. This is the reference code's default ``init_mode="hidden"`` (only the
  output matrix is copied from the compass). It keeps the alignment honest, coming from the frozen
  context matrix alone, and keeps a word's slice vector a function of that corpus's text. Starting
  from the trained compass vectors (the reference's ``init_mode="both"``, here
  ``slice_init="compass"``) pulls every slice towards the shared compass vector: on the planted
  changes below (10 epochs) it also put the 12 changed words in the top 3, but with far less margin
  over the first unchanged word (shifts 0.2–0.75 against about 0.2, where the random start gives
  0.6–0.94 against about 0.3). The reference
  (gensim 3.x) seeds each word's start from a hash of the word and the seed, so a word starts
  identically in every slice; here each slice has its own stream, so that agreement between slices
  measures alignment and not a shared start (the start has norm about 0.03 and is soon outweighed).
* Epochs: the same number for the compass and the slices (the reference's ``siter`` and ``diter``).
  the specification lists the reference default, 5, which suits corpora of millions of tokens. On small
  corpora 5 passes leave word2vec far from converged: on the bundled samples (56,000–124,000 tokens
  each) the mean cosine between two different frequent words is 0.90 in the compass and 0.75–0.78
  in the slices, so every vector is mostly one shared direction and cosines hardly discriminate.
  Too many passes hurt the other way: a slice vector is fitted to its word's few occurrences, and
  the shift between two random halves of one corpus (pure noise) has a median of 0.02 after 5
  epochs, 0.13 after 10 and 0.27 after 20, led by rare words with varied contexts. Measured on
  planted changes (the science sample split in two halves of ~62,000 tokens, two words swapped in one
  half): over 8 random pairs (dim 100), the swapped words were in the top 3 of the shift list 50 % of
  the time with 5 epochs, 75 % with 10, 69 % with 15 and with 20 (Procrustes baseline: 0 %, 6 %,
  62 %, 75 %); over 6 other pairs (dim 50), 12 of 12 at ranks 1–2 with 10 epochs but 8 of 12 with 20,
  where "full" and "out" (20–25 occurrences) took the top (Procrustes: 8 and 12 of 12). So the
  default ``epochs=None`` chooses ``ceil(3,000,000 / compass tokens)`` clipped to [5, 10]
  (``auto_epochs``): the reference's 5 from 600,000 compass tokens up, 10 up to 300,000 tokens (the
  three samples together have about 240,000). An explicit ``epochs`` is used as given;
  ``params["epochs"]`` records the number used.
* Seeds: ``numpy.random.SeedSequence(seed, spawn_key=...)`` gives independent streams to the compass
  (key 0), slice ``i`` (key (1, i)) and independent baseline model ``i`` (key (2, i)). Single-threaded,
  so a fixed seed gives bit-identical vectors on one machine.
* Baseline (``baseline=True``): one word2vec per corpus trained from scratch with the same trainer and
  hyperparameters, both matrices learning, each with its own seed stream, on the same token stream as
  the slice (compass vocabulary), so that the two methods see identical input. ``procrustes.py``
  rotates them onto each other.
* Tokenisation: texts go through ``core.load.tokens.tokenize`` (NFKC, case-folded words; one token per
  character for Han, kana, Thai, Lao, Khmer and Myanmar, so CADE on Chinese or Japanese text compares
  characters, not words). Documents given as lists of tokens are used as they are. A document is
  word2vec's sentence: windows never cross documents.

Too small to mean anything (``InsufficientDataError``): every corpus needs at least
``MIN_CORPUS_TOKENS`` = 10,000 tokens of compass-vocabulary words and ``MIN_CORPUS_WORDS`` = 200
distinct words occurring at least ``min_count`` times in it. Measured as above (two halves of a
subsample of the science corpus, two words of 10+ occurrences swapped in one half, 6 pairs, default
epochs, ``min_freq=10``): with 5,000 tokens per half none of the 12 swapped words reached the top 3
(median rank 16 of 42 candidates), all vectors pointed the same way (mean cosine of two different
words 1.00) and, trained twice on the *same* text, only 32 % of the words had themselves as nearest
neighbour across the two runs: the vectors carry no word-specific information. With 10,000 tokens,
4 of 12 reached the top 3 and 70 % of words were identifiable across runs; with 20,000, 5 of 12 and
74 %; with 30,000 and 40,000, 2 of 12 (of 326 and 455 candidates) and 67 % and 84 %; with 50,000,
6 of 12 (most others in the top 10) and 95 %; at 62,000 (the planted tests above) 75–100 %. Below
10,000 tokens a shift list is noise; below ``SMALL_CORPUS_TOKENS`` = 40,000 it finds only strong
changes, so ``train_cade`` warns (``CorpusCompassWarning``) there.
200 words at ``min_count``
is what 10,000 tokens of ordinary prose give (5,000 tokens give about 165), and the least for a
ranked list with ten neighbours per word to show more than function words.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.analysis.shift.w2v import (
    EpochRecord,
    Vocabulary,
    build_vocabulary,
    encode_documents,
    init_input_vectors,
    train_word2vec,
)
from core.exceptions import CorpusCompassWarning, InputError, InsufficientDataError, ParameterError

__all__ = [
    "AUTO_EPOCH_TOKENS",
    "MIN_CORPUS_TOKENS",
    "MIN_CORPUS_WORDS",
    "SMALL_CORPUS_TOKENS",
    "CadeModel",
    "Compass",
    "auto_epochs",
    "tokenize_corpus",
    "train_cade",
    "train_compass",
    "train_slice",
]

#: Least number of compass-vocabulary tokens a corpus needs (see the module docstring).
MIN_CORPUS_TOKENS = 10_000
#: Least number of distinct words with at least ``min_count`` occurrences a corpus needs.
MIN_CORPUS_WORDS = 200
#: Below this many vocabulary tokens in a corpus, ``train_cade`` warns that only strong shifts show.
SMALL_CORPUS_TOKENS = 40_000
#: ``epochs=None`` trains for about this many token passes over the compass text (5 to 10 epochs).
AUTO_EPOCH_TOKENS = 3_000_000
AUTO_EPOCHS_MIN, AUTO_EPOCHS_MAX = 5, 10

_SLICE_INITS = ("random", "compass")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class Compass:
    """The compass: CBOW word2vec trained on all corpora together.

    Attributes
    ----------
    vocabulary : Vocabulary
        Words with at least ``min_count`` occurrences over all corpora, most frequent first (V words).
    input_vectors : ndarray of float32, shape (V, dim), read-only
    output_vectors : ndarray of float32, shape (V, dim), read-only
        The context matrix every slice is trained against, frozen.
    params : mapping
        Hyperparameters (``dim``, ``window``, ``negative``, ``epochs``, ``min_count``, ``alpha``,
        ``min_alpha``, ``sample``, ``seed``).
    log : tuple of EpochRecord
    """

    vocabulary: Vocabulary
    input_vectors: np.ndarray
    output_vectors: np.ndarray
    params: Mapping[str, Any]
    log: tuple[EpochRecord, ...]


@dataclass(frozen=True, eq=False)
class CadeModel:
    """Compass and aligned per-corpus word vectors.

    Attributes
    ----------
    corpus_names : tuple of str, length C
        In the order given (the order of trajectories).
    vocabulary : tuple of str, length V
        The compass vocabulary, most frequent first.
    counts : ndarray of int64, shape (C, V)
        Occurrences of each vocabulary word in each corpus (before sub-sampling).
    compass_input, compass_output : ndarray of float32, shape (V, dim)
        The compass's input vectors and its frozen output (context) matrix.
    slice_vectors : ndarray of float32, shape (C, V, dim)
        Each corpus's aligned input vectors; a word absent from a corpus keeps its random start there
        and must be filtered out by its count (the ranking functions do).
    independent_vectors : ndarray of float32, shape (C, V, dim), or None
        Unaligned word2vec per corpus for the Procrustes baseline (None when trained without it).
    n_documents, n_tokens : tuple of int, length C
        Documents and tokens (all tokens, in the vocabulary or not) per corpus.
    params : mapping
        Every hyperparameter and the seed.
    log : tuple of EpochRecord
        One record per epoch of every model trained, in training order.
    """

    corpus_names: tuple[str, ...]
    vocabulary: tuple[str, ...]
    counts: np.ndarray
    compass_input: np.ndarray
    compass_output: np.ndarray
    slice_vectors: np.ndarray
    independent_vectors: np.ndarray | None
    n_documents: tuple[int, ...]
    n_tokens: tuple[int, ...]
    params: Mapping[str, Any]
    log: tuple[EpochRecord, ...]
    _index: Mapping[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {w: i for i, w in enumerate(self.vocabulary)})

    @property
    def dim(self) -> int:
        return int(self.compass_input.shape[1])

    def word_index(self, word: str) -> int:
        """Row of ``word`` in the vector matrices; tokenises the query as the corpora were.

        Raises
        ------
        InputError
            If the word is not in the compass vocabulary.
        """
        if word in self._index:
            return self._index[word]
        from core.load.tokens import tokenize

        tokens = tokenize(word)
        if len(tokens) == 1 and tokens[0] in self._index:
            return self._index[tokens[0]]
        raise InputError(
            f"word {word!r} is not in the CADE vocabulary ({len(self.vocabulary)} words occurring at "
            f"least min_count={self.params['min_count']} times over all corpora); pick a more frequent "
            "word or lower min_count")

    def corpus_index(self, corpus: str) -> int:
        """Position of ``corpus`` in ``corpus_names``; raises ParameterError naming the valid ones."""
        try:
            return self.corpus_names.index(corpus)
        except ValueError:
            raise ParameterError(f"corpus {corpus!r} is not in this model; choose from "
                                 f"{list(self.corpus_names)}") from None

    def vectors(self, corpus: str) -> np.ndarray:
        """Aligned input vectors of one corpus, shape (V, dim)."""
        return self.slice_vectors[self.corpus_index(corpus)]

    def frequencies(self, corpus: str) -> np.ndarray:
        """Counts of the vocabulary words in one corpus, shape (V,)."""
        return self.counts[self.corpus_index(corpus)]

    def to_frame(self):
        """One row per vocabulary word: ``word``, ``total`` and one count column per corpus."""
        import pandas as pd

        frame = pd.DataFrame({"word": list(self.vocabulary), "total": self.counts.sum(axis=0)})
        for name, row in zip(self.corpus_names, self.counts):
            frame[name] = row
        return frame

    def log_frame(self):
        """The training log, one row per epoch of each model."""
        import pandas as pd

        return pd.DataFrame([r.to_dict() for r in self.log])

    def to_dict(self, *, include_vectors: bool = False) -> dict:
        """Plain-Python summary; the vector matrices (large) only when ``include_vectors``."""
        out: dict[str, Any] = {
            "corpus_names": list(self.corpus_names),
            "vocabulary": list(self.vocabulary),
            "counts": {n: self.counts[i].tolist() for i, n in enumerate(self.corpus_names)},
            "n_documents": dict(zip(self.corpus_names, self.n_documents)),
            "n_tokens": dict(zip(self.corpus_names, self.n_tokens)),
            "params": dict(self.params),
            "log": [r.to_dict() for r in self.log],
        }
        if include_vectors:
            out["compass_input"] = self.compass_input.tolist()
            out["compass_output"] = self.compass_output.tolist()
            out["slice_vectors"] = {n: self.slice_vectors[i].tolist()
                                    for i, n in enumerate(self.corpus_names)}
            if self.independent_vectors is not None:
                out["independent_vectors"] = {n: self.independent_vectors[i].tolist()
                                              for i, n in enumerate(self.corpus_names)}
        return out


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ParameterError(f"{name} must be {bound}, got {value}")
    return int(value)


def _check_float(name: str, value: Any, *, low: float, high: float, low_open: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
        interval = f"{'(' if low_open else '['}{low}, {high}]"
        raise ParameterError(f"{name} must be a finite number in {interval}, got {value}")
    return value


def _check_params(*, dim, window, negative, epochs, min_count, alpha, min_alpha, sample, seed,
                  progress, slice_init) -> dict[str, Any]:
    params = {
        "dim": _check_int("dim", dim, 1, 10_000),
        "window": _check_int("window", window, 1, 100),
        "negative": _check_int("negative", negative, 1, 100),
        "epochs": None if epochs is None else _check_int("epochs", epochs, 1, 1_000),
        "min_count": _check_int("min_count", min_count, 1),
        "alpha": _check_float("alpha", alpha, low=0.0, high=1.0, low_open=True),
        "min_alpha": _check_float("min_alpha", min_alpha, low=0.0, high=1.0, low_open=False),
        "sample": _check_float("sample", sample, low=0.0, high=1.0, low_open=False),
        "seed": _check_int("seed", seed, 0),
    }
    if params["min_alpha"] > params["alpha"]:
        raise ParameterError(f"min_alpha ({params['min_alpha']}) must not exceed alpha ({params['alpha']})")
    if progress is not None and not callable(progress):
        raise ParameterError(f"progress must be a callable progress(stage, epoch, n_epochs) or None, "
                             f"got {type(progress).__name__}")
    if slice_init not in _SLICE_INITS:
        raise ParameterError(f"slice_init must be one of {list(_SLICE_INITS)}, got {slice_init!r}")
    return params


def tokenize_corpus(name: str, documents: Sequence[str] | Sequence[Sequence[str]]) -> list[list[str]]:
    """Tokenise one corpus: texts with ``core.load.tokens.tokenize``, token lists kept as they are.

    Parameters
    ----------
    name : str
        Used in error messages.
    documents : sequence of str, or sequence of sequences of str
        Each document is a text, or a list/tuple of tokens (pre-tokenised; used unchanged except that
        empty strings are dropped).

    Returns
    -------
    list of list of str
    """
    from core.load.tokens import tokenize

    if isinstance(documents, (str, bytes)) or not hasattr(documents, "__iter__"):
        raise InputError(f"corpus {name!r} must be a sequence of texts or of token lists, got "
                         f"{type(documents).__name__}")
    out: list[list[str]] = []
    for row, doc in enumerate(documents):
        if isinstance(doc, str):
            out.append(tokenize(doc))
        elif isinstance(doc, (list, tuple)) and all(isinstance(t, str) for t in doc):
            out.append([t for t in doc if t])
        else:
            raise InputError(f"corpus {name!r}, document {row}: expected a text (str) or a list of "
                             f"tokens (str), got {doc!r:.80}")
    return out


def auto_epochs(n_tokens: int) -> int:
    """Epochs for ``epochs=None``: ``ceil(AUTO_EPOCH_TOKENS / n_tokens)`` clipped to [5, 10].

    ``n_tokens`` is the number of vocabulary tokens in the compass text (all corpora together). The
    module docstring gives the measurements behind it.
    """
    if n_tokens <= 0:
        return AUTO_EPOCHS_MAX
    return int(min(AUTO_EPOCHS_MAX, max(AUTO_EPOCHS_MIN, math.ceil(AUTO_EPOCH_TOKENS / n_tokens))))


def _seed_sequences(seed: int, key: tuple[int, ...]) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    init, train = np.random.SeedSequence(seed, spawn_key=key).spawn(2)
    return init, train


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def train_compass(documents: Sequence[Sequence[str]], *, dim: int = 100, window: int = 5,
                  negative: int = 10, epochs: int | None = None, min_count: int = 5, alpha: float = 0.025,
                  min_alpha: float = 0.0001, sample: float = 1e-3, seed: int = 0,
                  progress: Progress | None = None) -> Compass:
    """Train the compass: CBOW negative-sampling word2vec on all corpora's documents together.

    Parameters
    ----------
    documents : sequence of token lists
        Every corpus's documents, already tokenised (:func:`tokenize_corpus`), concatenated.
    dim, window, negative, epochs, min_count, alpha, min_alpha, sample, seed
        See :func:`train_cade`.
    progress : callable, optional
        ``progress("compass", epoch, epochs)`` after each epoch.

    Returns
    -------
    Compass
    """
    params = _check_params(dim=dim, window=window, negative=negative, epochs=epochs, min_count=min_count,
                           alpha=alpha, min_alpha=min_alpha, sample=sample, seed=seed, progress=progress,
                           slice_init="random")
    vocab = build_vocabulary(documents, min_count=params["min_count"])
    if len(vocab) == 0:
        raise InsufficientDataError(f"no word occurs {params['min_count']} times or more in the corpora "
                                    "together; there is nothing to train word vectors on")
    tokens, offsets = encode_documents(documents, vocab.index())
    if params["epochs"] is None:
        params["epochs"] = auto_epochs(int(tokens.shape[0]))
    init_seq, train_seq = _seed_sequences(params["seed"], (0,))
    syn0 = init_input_vectors(len(vocab), params["dim"], np.random.default_rng(init_seq))
    syn1 = np.zeros_like(syn0)
    log = train_word2vec(tokens, offsets, syn0, syn1, counts=vocab.counts, window=params["window"],
                         negative=params["negative"], epochs=params["epochs"], alpha=params["alpha"],
                         min_alpha=params["min_alpha"], sample=params["sample"], seed=train_seq,
                         learn_output=True, stage="compass", progress=progress)
    return Compass(vocabulary=vocab, input_vectors=_readonly(syn0), output_vectors=_readonly(syn1),
                   params=dict(params), log=tuple(log))


def train_slice(compass: Compass, documents: Sequence[Sequence[str]], *, key: int = 0,
                slice_init: str = "random", learn_output: bool = False, stage: str = "slice",
                progress: Progress | None = None) -> tuple[np.ndarray, tuple[EpochRecord, ...]]:
    """Train one corpus's input vectors against the compass's frozen output matrix.

    Parameters
    ----------
    compass : Compass
    documents : sequence of token lists
        The corpus, tokenised.
    key : int
        Index of the corpus; selects the random stream (``SeedSequence(seed, spawn_key=(1, key))``).
    slice_init : {"random", "compass"}
        Start from fresh random vectors (the reference's default) or from the compass input vectors.
    learn_output : bool
        False (CADE). True trains an independent word2vec instead: output matrix from zero, both
        matrices learning, seed stream ``(2, key)``; this is the Procrustes baseline's model.
    stage : str
        Name for the log and ``progress``.
    progress : callable, optional

    Returns
    -------
    vectors : ndarray of float32, shape (V, dim), read-only
        Input vectors in the compass vocabulary's order.
    log : tuple of EpochRecord
    """
    if slice_init not in _SLICE_INITS:
        raise ParameterError(f"slice_init must be one of {list(_SLICE_INITS)}, got {slice_init!r}")
    key = _check_int("key", key, 0)
    if not isinstance(learn_output, bool):
        raise ParameterError(f"learn_output must be True or False, got {learn_output!r}")
    if progress is not None and not callable(progress):
        raise ParameterError(f"progress must be a callable progress(stage, epoch, n_epochs) or None, "
                             f"got {type(progress).__name__}")
    p = compass.params
    vocab = compass.vocabulary
    tokens, offsets = encode_documents(documents, vocab.index())
    counts = np.bincount(tokens, minlength=len(vocab)).astype(np.int64)
    if counts.sum() == 0:
        raise InsufficientDataError(f"corpus {stage!r} has no word of the compass vocabulary")
    init_seq, train_seq = _seed_sequences(p["seed"], (2 if learn_output else 1, key))
    if slice_init == "compass" and not learn_output:
        syn0 = np.array(compass.input_vectors, dtype=np.float32, copy=True)
    else:
        syn0 = init_input_vectors(len(vocab), p["dim"], np.random.default_rng(init_seq))
    # frozen: the compass's own (read-only) matrix goes in, not a copy
    syn1 = np.zeros_like(syn0) if learn_output else compass.output_vectors
    log = train_word2vec(tokens, offsets, syn0, syn1, counts=counts, window=p["window"],
                         negative=p["negative"], epochs=p["epochs"], alpha=p["alpha"],
                         min_alpha=p["min_alpha"], sample=p["sample"], seed=train_seq,
                         learn_output=learn_output, stage=stage, progress=progress)
    return _readonly(syn0), tuple(log)


def _check_sizes(names: Sequence[str], docs: Sequence[list[list[str]]], vocab: Vocabulary,
                 min_count: int) -> np.ndarray:
    index = vocab.index()
    counts = np.zeros((len(names), len(vocab)), dtype=np.int64)
    for c, corpus in enumerate(docs):
        for doc in corpus:
            for t in doc:
                i = index.get(t)
                if i is not None:
                    counts[c, i] += 1
    problems = []
    for c, name in enumerate(names):
        n_tokens = int(counts[c].sum())
        n_words = int((counts[c] >= min_count).sum())
        if n_tokens < MIN_CORPUS_TOKENS or n_words < MIN_CORPUS_WORDS:
            problems.append(f"{name!r} has {n_tokens:,} tokens of vocabulary words (needs "
                            f"{MIN_CORPUS_TOKENS:,}) and {n_words:,} distinct words occurring at least "
                            f"{min_count} times (needs {MIN_CORPUS_WORDS:,})")
    if problems:
        raise InsufficientDataError(
            "corpus too small for word2vec to give stable word vectors: " + "; ".join(problems)
            + ". Word shift needs more text per corpus (merge small corpora, or compare documents "
            "with the embedding-based analyses instead).")
    small = [f"{name!r} ({int(counts[c].sum()):,} tokens)" for c, name in enumerate(names)
             if counts[c].sum() < SMALL_CORPUS_TOKENS]
    if small:
        warnings.warn(f"small corpora for word2vec: {', '.join(small)}, under {SMALL_CORPUS_TOKENS:,} "
                      "tokens; "
                      "only strong shifts will stand out from noise, read the list as exploratory",
                      CorpusCompassWarning, stacklevel=3)
    return counts


def train_cade(corpora: Mapping[str, Sequence[str] | Sequence[Sequence[str]]], *, dim: int = 100,
               window: int = 5, negative: int = 10, epochs: int | None = None, min_count: int = 5,
               alpha: float = 0.025, min_alpha: float = 0.0001, sample: float = 1e-3, seed: int = 0,
               slice_init: str = "random", baseline: bool = True,
               progress: Progress | None = None) -> CadeModel:
    """Train a CADE compass on all corpora and one aligned slice per corpus.

    Parameters
    ----------
    corpora : mapping of str to sequence
        Corpus name → documents, in the order wanted for trajectories. A document is a text
        (tokenised with ``core.load.tokens.tokenize``) or a list of tokens used as is. At least two corpora.
    dim : int, default 100
        Vector dimensions.
    window : int, default 5
        Largest context window on each side (the effective one is drawn per word in 1..window).
    negative : int, default 10
        Noise words per positive pair.
    epochs : int or None, default None
        Passes over the text, for the compass and for each slice; None chooses
        :func:`auto_epochs` of the compass text (5 for 600,000+ tokens, up to 10 for small corpora).
    min_count : int, default 5
        Least occurrences over all corpora together for a word to get a vector.
    alpha, min_alpha : float, default 0.025, 0.0001
        Learning rate, decaying linearly from ``alpha`` to ``min_alpha``.
    sample : float, default 1e-3
        Sub-sampling threshold for frequent words (0 disables it).
    seed : int, default 0
        Seeds every random choice; the same seed gives bit-identical vectors on the same machine.
    slice_init : {"random", "compass"}, default "random"
        Start of the slices' input vectors; see the module docstring.
    baseline : bool, default True
        Also train an independent word2vec per corpus for :func:`procrustes_shift`.
    progress : callable, optional
        ``progress(stage, epoch, n_epochs)`` after every epoch; ``stage`` is ``"compass"``, then each
        corpus name, then ``"<name> (independent)"`` for the baseline models.

    Returns
    -------
    CadeModel

    Raises
    ------
    InsufficientDataError
        If a corpus has fewer than ``MIN_CORPUS_TOKENS`` vocabulary tokens or fewer than
        ``MIN_CORPUS_WORDS`` words with ``min_count`` occurrences; the message gives the numbers.

    Warns
    -----
    CorpusCompassWarning
        If a corpus has fewer than ``SMALL_CORPUS_TOKENS`` vocabulary tokens.
    ParameterError, InputError
        For invalid parameters or documents.
    """
    params = _check_params(dim=dim, window=window, negative=negative, epochs=epochs, min_count=min_count,
                           alpha=alpha, min_alpha=min_alpha, sample=sample, seed=seed, progress=progress,
                           slice_init=slice_init)
    if not isinstance(baseline, bool):
        raise ParameterError(f"baseline must be True or False, got {baseline!r}")
    if not isinstance(corpora, Mapping):
        raise InputError("corpora must be a mapping of corpus name to documents, got "
                         f"{type(corpora).__name__}")
    names = list(corpora)
    if len(names) < 2:
        raise InputError(f"CADE compares corpora: give at least two, got {len(names)}")
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"corpus names must be non-empty strings, got {name!r}")
    docs = [tokenize_corpus(name, corpora[name]) for name in names]

    started = time.perf_counter()
    everything = [doc for corpus in docs for doc in corpus]
    # the size check needs the compass vocabulary, which is cheap, before any training
    vocab = build_vocabulary(everything, min_count=params["min_count"])
    counts = _check_sizes(names, docs, vocab, params["min_count"])
    compass = train_compass(everything, progress=progress, **params)
    log = list(compass.log)
    slices = []
    for c, name in enumerate(names):
        vectors, slice_log = train_slice(compass, docs[c], key=c, slice_init=slice_init, stage=name,
                                         progress=progress)
        slices.append(vectors)
        log.extend(slice_log)
    independent = None
    if baseline:
        independent = []
        for c, name in enumerate(names):
            vectors, ind_log = train_slice(compass, docs[c], key=c, learn_output=True,
                                           stage=f"{name} (independent)", progress=progress)
            independent.append(vectors)
            log.extend(ind_log)
        independent = _readonly(np.stack(independent))
    record = dict(params, epochs=compass.params["epochs"], slice_init=slice_init, baseline=baseline,
                  min_corpus_tokens=MIN_CORPUS_TOKENS, min_corpus_words=MIN_CORPUS_WORDS,
                  seconds=time.perf_counter() - started)
    return CadeModel(
        corpus_names=tuple(names), vocabulary=compass.vocabulary.words, counts=_readonly(counts),
        compass_input=compass.input_vectors, compass_output=compass.output_vectors,
        slice_vectors=_readonly(np.stack(slices)), independent_vectors=independent,
        n_documents=tuple(len(d) for d in docs), n_tokens=tuple(sum(map(len, d)) for d in docs),
        params=record, log=tuple(log))
