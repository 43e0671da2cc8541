"""CBOW word2vec with negative sampling, in numba, with a switch that freezes the output matrix.

This is the trainer behind CADE (``core.analysis.shift.cade``) and behind the independent models of the
Procrustes baseline. It mirrors the reference implementations, word2vec.c (Mikolov et al. 2013,
"Distributed Representations of Words and Phrases and their Compositionality") and gensim 4's
``word2vec_inner.pyx`` (``fast_sentence_cbow_neg``), step by step:

* vocabulary: words with at least ``min_count`` occurrences, sorted by decreasing count, ties in
  reverse order of first appearance (gensim's ``lexsort``; tested equal); out-of-vocabulary tokens
  are removed before windows are formed, so a window spans them, as in both references;
* frequent-word sub-sampling with gensim's formula: a word with count ``c`` among ``T`` in-vocabulary
  tokens is kept with probability ``min(1, (sqrt(c / (s T)) + 1) (s T) / c)``, ``s = sample``, drawn once
  per occurrence per epoch, before the windows are formed (gensim's integer thresholds, tested equal);
* dynamic window: for each kept position a reduction ``b ~ U{0, ..., window-1}`` is drawn and the
  context is the ``window - b`` kept words on each side, inside one document (a document plays the
  part of gensim's sentence; documents over 10,000 tokens are cut in 10,000-token pieces as gensim
  does);
* CBOW with ``cbow_mean=1``: the hidden vector is the mean of the context words' input vectors; the
  error is added undivided to every context word (word2vec.c and gensim both do this);
* negative sampling: ``negative`` noise words per positive pair, drawn from the unigram distribution
  raised to 0.75 through gensim's cumulative table (domain 2**31 - 1) and a binary search; a noise draw
  equal to the target is skipped;
* learning rate: linear decay from ``alpha`` to ``min_alpha`` over all epochs, by the share of
  in-vocabulary tokens read so far (updated at each document, gensim updates it per 10,000-word job);
* input vectors start ``U(-0.5, 0.5) / dim`` (word2vec.c), output vectors start at zero;
* random numbers: word2vec.c's 48-bit linear congruential generator, seeded from ``numpy``'s
  ``SeedSequence``; single-threaded, so a fixed seed gives bit-identical vectors on one machine.

Choices that differ from the references, on purpose:

* the logistic function is computed exactly (argument clipped to ±20 to keep ``exp`` finite) instead of
  from a 1,000-entry table that both references use; gensim additionally *skips* a pair whose score is
  beyond ±6, word2vec.c treats it as saturated. Both are speed shortcuts; the exact gradient is the
  one the objective defines and differs from them only where σ is within 0.25 % of 0 or 1;
* one worker: word2vec.c and gensim run Hogwild threads whose result depends on thread timing. One
  thread is reproducible; on the shared 2-core target machine it is also not slower in practice.

Why not gensim. gensim 4.4 cannot keep the output matrix (``syn1neg``) fixed: ``vectors_lockf`` locks
input vectors only, and the ``learn_hidden`` switch of the gensim 3.6 fork that the reference CADE code
uses no longer exists. Copying the compass matrix back between training calls lets it drift inside
each call, so the slices would be trained against moving, corpus-specific contexts and would not be
CADE. Here the frozen mode (``learn_output=False``) hands the output matrix to the compiled kernel as a
read-only array: numba refuses to compile a write to such an array, so the kernel that trains slices
contains no write to the compass matrix at all, and the matrix is bit-identical after training, which
the tests assert. Training the compass with gensim and only the
slices here was rejected too: two trainers would differ in the details listed above (table sigmoid,
skipped pairs, threads), and the compass and its slices should optimise the same objective.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numba import njit

from core.exceptions import ParameterError

__all__ = [
    "MAX_DOCUMENT_TOKENS",
    "EpochRecord",
    "Vocabulary",
    "build_vocabulary",
    "encode_documents",
    "init_input_vectors",
    "noise_table",
    "subsample_thresholds",
    "train_word2vec",
]

#: gensim's MAX_WORDS_IN_BATCH: longer documents are cut into pieces of this many tokens.
MAX_DOCUMENT_TOKENS = 10_000
#: gensim's cumulative noise table is scaled to this domain (``2**31 - 1``).
_NOISE_DOMAIN = 2**31 - 1
_MASK48 = 0xFFFFFFFFFFFF
_MASK32 = 0xFFFFFFFF
_KEEP_ALWAYS = 2**32 - 1  # sub-sampling threshold of a word that is never dropped (gensim's)


@dataclass(frozen=True)
class Vocabulary:
    """Words kept for training, most frequent first.

    Attributes
    ----------
    words : tuple of str, length V
        Most frequent first; equal counts in reverse order of first appearance, as gensim 4 orders them.
    counts : ndarray of int64, shape (V,)
        Occurrences of each word in the text the vocabulary was built from.
    min_count : int
    """

    words: tuple[str, ...]
    counts: np.ndarray
    min_count: int

    def index(self) -> dict[str, int]:
        """Mapping word → row of the vector matrices."""
        return {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of training, for the training log.

    ``words`` counts in-vocabulary tokens read, ``trained_words`` those kept by sub-sampling (the
    centre words that got an update), ``loss`` the mean negative-sampling loss per centre word
    (``-log σ(u·h) - Σ log σ(-v·h)``), ``alpha`` the learning rate at the end of the epoch.
    """

    stage: str
    epoch: int
    n_epochs: int
    words: int
    trained_words: int
    loss: float
    alpha: float
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def build_vocabulary(documents: Sequence[Sequence[str]], *, min_count: int) -> Vocabulary:
    """Count tokens and keep the words seen at least ``min_count`` times, most frequent first.

    Parameters
    ----------
    documents : sequence of sequences of str
    min_count : int

    Returns
    -------
    Vocabulary
    """
    counts: dict[str, int] = {}
    for doc in documents:
        for token in doc:
            counts[token] = counts.get(token, 0) + 1
    # dicts keep first-appearance order; gensim breaks count ties by reverse first appearance
    kept = [w for w, c in counts.items() if c >= min_count]
    order = sorted(range(len(kept)), key=lambda i: (-counts[kept[i]], -i))
    kept = [kept[i] for i in order]
    return Vocabulary(words=tuple(kept), counts=np.array([counts[w] for w in kept], dtype=np.int64),
                      min_count=min_count)


def encode_documents(documents: Sequence[Sequence[str]],
                     index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Turn documents into one int32 stream of vocabulary rows plus document boundaries.

    Out-of-vocabulary tokens are dropped (as both references do, before windows are formed), empty
    documents are skipped and documents longer than ``MAX_DOCUMENT_TOKENS`` are cut into pieces.

    Returns
    -------
    tokens : ndarray of int32, shape (n_tokens,)
    offsets : ndarray of int64, shape (n_pieces + 1,)
        Piece ``p`` is ``tokens[offsets[p]:offsets[p + 1]]``.
    """
    ids: list[int] = []
    offsets = [0]
    for doc in documents:
        row = [index[t] for t in doc if t in index]
        for start in range(0, len(row), MAX_DOCUMENT_TOKENS):
            ids.extend(row[start:start + MAX_DOCUMENT_TOKENS])
            offsets.append(len(ids))
    return np.asarray(ids, dtype=np.int32), np.asarray(offsets, dtype=np.int64)


def subsample_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """gensim's sub-sampling thresholds: keep an occurrence when a uniform 32-bit draw ≤ threshold.

    Parameters
    ----------
    counts : ndarray of int, shape (V,)
        Counts in the text being trained on (zero for words absent from it).
    sample : float
        0 disables sub-sampling.

    Returns
    -------
    ndarray of int64, shape (V,)
        ``floor(min(1, p) * (2**32 - 1))`` with ``p = (sqrt(c / (sample T)) + 1) (sample T) / c``
        and ``T`` the total count, exactly as gensim 4 computes ``sample_int``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    out = np.full(counts.shape, _KEEP_ALWAYS, dtype=np.int64)
    total = counts.sum()
    if sample <= 0 or total == 0:
        return out
    threshold = sample * total
    present = counts > 0
    c = counts[present]
    prob = np.minimum(1.0, (np.sqrt(c / threshold) + 1.0) * threshold / c)
    out[present] = np.floor(prob * (2**32 - 1)).astype(np.int64)
    return out


def noise_table(counts: np.ndarray, *, power: float = 0.75) -> np.ndarray:
    """gensim's cumulative table for drawing noise words with probability ∝ count**power.

    Returns
    -------
    ndarray of int64, shape (V,)
        Non-decreasing; the last entry is ``2**31 - 1``. A draw ``r`` in ``[0, table[-1])`` maps to
        the first row whose entry exceeds ``r``; words with count 0 are never drawn.
    """
    weights = np.asarray(counts, dtype=np.float64) ** power
    total = weights.sum()
    if total <= 0:
        raise ValueError("noise_table needs at least one word with a positive count")
    return np.round(np.cumsum(weights) / total * _NOISE_DOMAIN).astype(np.int64)


def init_input_vectors(n_words: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """word2vec.c's start for input vectors: ``U(-0.5, 0.5) / dim``, float32, shape (n_words, dim)."""
    return ((rng.random((n_words, dim)) - 0.5) / dim).astype(np.float32)


@njit(cache=True, fastmath=True)
def _train_epoch(syn0, syn1, syn1_out, tokens, offsets, sample_int, do_sample, cum_table, window, negative,
                 alpha, min_alpha, words_before, words_planned, learn_output,
                 state):  # pragma: no cover (compiled)
    # ``syn1`` is read, ``syn1_out`` written (only when ``learn_output``). Training both matrices passes
    # the same array twice (numba assumes array arguments may alias, so reads see the writes); the
    # frozen mode passes the compass matrix read-only and a dummy as ``syn1_out``. numba types a
    # read-only array separately and refuses to compile any write to it, so in frozen mode the compass
    # matrix cannot be modified, by construction and not merely by a flag.
    dim = syn0.shape[1]
    n_vocab_cum = cum_table.shape[0]
    noise_total = cum_table[n_vocab_cum - 1]
    neu1 = np.zeros(dim, dtype=np.float32)
    work = np.zeros(dim, dtype=np.float32)
    max_len = 0
    for d in range(offsets.shape[0] - 1):
        max_len = max(max_len, offsets[d + 1] - offsets[d])
    kept = np.empty(max_len, dtype=np.int32)
    reduced = np.empty(max_len, dtype=np.int64)
    words_done = 0
    trained = 0
    loss = 0.0
    cur_alpha = alpha
    for d in range(offsets.shape[0] - 1):
        progress = (words_before + words_done) / words_planned
        cur_alpha = alpha - (alpha - min_alpha) * progress
        cur_alpha = max(cur_alpha, min_alpha)
        n = 0
        for p in range(offsets[d], offsets[d + 1]):
            w = tokens[p]
            words_done += 1
            if do_sample:
                r = (state >> 16) & 0xFFFFFFFF
                state = (state * 25214903917 + 11) & 0xFFFFFFFFFFFF
                if sample_int[w] < r:
                    continue
            kept[n] = w
            n += 1
        for i in range(n):
            reduced[i] = ((state >> 16) & 0xFFFFFFFF) % window
            state = (state * 25214903917 + 11) & 0xFFFFFFFFFFFF
        for i in range(n):
            b = reduced[i]
            j = i - window + b
            j = max(j, 0)
            k = i + window + 1 - b
            k = min(k, n)
            count = 0
            for c in range(dim):
                neu1[c] = 0.0
                work[c] = 0.0
            for m in range(j, k):
                if m == i:
                    continue
                count += 1
                row = kept[m]
                for c in range(dim):
                    neu1[c] += syn0[row, c]
            if count == 0:
                continue
            inv = np.float32(1.0 / count)
            for c in range(dim):
                neu1[c] *= inv
            word = kept[i]
            trained += 1
            for s in range(negative + 1):
                if s == 0:
                    target = word
                    label = 1.0
                else:
                    r = ((state >> 16) % noise_total)
                    state = (state * 25214903917 + 11) & 0xFFFFFFFFFFFF
                    target = np.searchsorted(cum_table, r, side="right")
                    if target == word:
                        continue
                    label = 0.0
                f = 0.0
                for c in range(dim):
                    f += neu1[c] * syn1[target, c]
                if f > 20.0:
                    f = 20.0
                elif f < -20.0:
                    f = -20.0
                sig = 1.0 / (1.0 + np.exp(-f))
                if label > 0.5:
                    loss -= np.log(sig)
                else:
                    loss -= np.log(1.0 - sig)
                g = np.float32((label - sig) * cur_alpha)
                for c in range(dim):
                    work[c] += g * syn1[target, c]
                if learn_output:
                    for c in range(dim):
                        syn1_out[target, c] += g * neu1[c]
            for m in range(j, k):
                if m == i:
                    continue
                row = kept[m]
                for c in range(dim):
                    syn0[row, c] += work[c]
    return state, words_done, trained, loss, cur_alpha


def _lcg_seed(seed_sequence: np.random.SeedSequence) -> int:
    # a 48-bit start for the word2vec generator, from the high-quality SeedSequence
    return int(seed_sequence.generate_state(2, dtype=np.uint32).view(np.uint64)[0]) & _MASK48


def train_word2vec(tokens: np.ndarray, offsets: np.ndarray, input_vectors: np.ndarray,
                   output_vectors: np.ndarray, *, counts: np.ndarray, window: int, negative: int,
                   epochs: int, alpha: float, min_alpha: float, sample: float,
                   seed: np.random.SeedSequence, learn_output: bool, stage: str = "train",
                   progress: Callable[[str, int, int], None] | None = None) -> list[EpochRecord]:
    """Train CBOW negative-sampling word2vec in place on an encoded corpus.

    Parameters
    ----------
    tokens, offsets : ndarray
        From :func:`encode_documents`.
    input_vectors : ndarray of float32, shape (V, dim), C-contiguous
        Updated in place.
    output_vectors : ndarray of float32, shape (V, dim), C-contiguous
        Updated in place when ``learn_output`` is true. When it is false (CADE's frozen compass) the
        kernel receives it as a read-only array, which numba compiles without any write to it; it may
        itself be read-only then and is bit-identical afterwards.
    counts : ndarray of int, shape (V,)
        Counts in this training text (zeros allowed): they set sub-sampling and the noise distribution.
    window, negative, epochs, alpha, min_alpha, sample
        As in word2vec.c / gensim.
    seed : numpy.random.SeedSequence
        Seeds the generator for sub-sampling, windows and noise draws.
    learn_output : bool
    stage : str
        Name used in the log and passed to ``progress``.
    progress : callable, optional
        Called as ``progress(stage, epoch, epochs)`` after each epoch, ``epoch`` counting from 1.

    Returns
    -------
    list of EpochRecord
    """
    for name, arr in (("input_vectors", input_vectors), ("output_vectors", output_vectors)):
        if arr.dtype != np.float32 or not arr.flags.c_contiguous:
            raise ValueError(f"{name} must be a C-contiguous float32 array")
    if not input_vectors.flags.writeable or (learn_output and not output_vectors.flags.writeable):
        raise ValueError("the matrices being trained must be writeable")
    if learn_output:
        write_target = output_vectors
    else:
        # a read-only view, so that numba compiles the frozen kernel without any write to it
        output_vectors = output_vectors.view()
        output_vectors.flags.writeable = False
        write_target = np.zeros((1, output_vectors.shape[1]), dtype=np.float32)
    if input_vectors.shape != output_vectors.shape:
        raise ValueError(f"input and output vectors differ in shape: {input_vectors.shape} vs "
                         f"{output_vectors.shape}")
    sample_int = subsample_thresholds(counts, sample)
    cum_table = noise_table(counts)
    state = _lcg_seed(seed)
    words_planned = max(1, int(tokens.shape[0]) * epochs)
    words_before = 0
    log: list[EpochRecord] = []
    for epoch in range(epochs):
        start = time.perf_counter()
        state, done, trained, loss, last_alpha = _train_epoch(
            input_vectors, output_vectors, write_target, tokens, offsets, sample_int, bool(sample > 0),
            cum_table, int(window),
            int(negative), float(alpha), float(min_alpha), int(words_before), int(words_planned),
            bool(learn_output), int(state))
        words_before += int(done)
        if not (np.isfinite(input_vectors).all() and np.isfinite(output_vectors).all()):
            # only a very large learning rate gets here; NaN vectors would silently rank as anything
            raise ParameterError(f"word2vec training diverged in {stage!r} epoch {epoch + 1} "
                                     f"(alpha={alpha}); lower alpha")
        log.append(EpochRecord(stage=stage, epoch=epoch + 1, n_epochs=epochs, words=int(done),
                               trained_words=int(trained), loss=float(loss) / max(1, int(trained)),
                               alpha=float(last_alpha), seconds=time.perf_counter() - start))
        if progress is not None:
            progress(stage, epoch + 1, epochs)
    return log
