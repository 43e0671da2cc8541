"""Contextual word shift from the bundled sentence model's token embeddings.

Each occurrence (usage) of a word gets the transformer's output vector for it: the model's
``token_embeddings`` (the last hidden state, before the sentence model's mean pooling), with the word's
sub-word pieces averaged into one vector, then scaled to unit length. A word's vector in a part of a
corpus is the mean of its usage vectors there (its prototype, as in Kutuzov and Giulianelli 2020,
"UiO-UvA at SemEval-2020 Task 1: Contextualised Embeddings for Lexical Semantic Change Detection",
whose PRT measure is ``1 − cosine`` of the two prototypes; Martinc, Kralj Novak, Pollak 2020 use the
same averaging). The calibration is the same as CADE's (:mod:`core.analysis.shift.calibrate`): four
random halves of the documents, averaged over ``replicates`` draws.

What is done, exactly:

* Words are :func:`core.load.tokens.tokenize`'s tokens, found with their character spans in the same
  normalised text (NFKC, case-folded), so both methods score the same words; the model's tokenizer
  runs on that normalised text and its offsets map every piece to the word whose span holds it.
  Pieces outside any word (punctuation) are left out of the pooling.
* Documents longer than the model window (``max_seq_length`` pieces with the two special tokens) are
  cut into consecutive chunks that start at a word boundary, so no word is split between chunks; each
  chunk is encoded on its own.
* Documents are dealt at random (seeded) into ``n_groups`` groups per corpus and the unit usage vectors
  summed per group and word in one pass over the text: a half is the union of ``n_groups / 2`` groups,
  so any number of random halvings costs no further model time.
* Layer 3 of the model's 6 (``DEFAULT_LAYER``), and only layers 1–3 are run
  (:func:`truncated_model`): about half the model time of the document embedding pass. Development
  runs (games–science and science–libdevel, planted swaps and mixtures, function words included,
  ranked by excess over noise): planted words in the top 5 from layer 1: 10 %, layer 2: 35 % and 7 %,
  layer 3: 31 % and 11 %, layer 4: 21 %, mean of all layers 23–27 %, last layer 6 %. The last layer is
  the one the document embeddings pool: a sentence model's last layer spreads the sentence's meaning
  over every token, so a word's vectors there say more about the topics around it than about its use.
  Layer 3 was fixed from those runs before the held-out benchmark; the benchmark's own development
  run (content words only) later put layer 2 slightly ahead (35 % against 29 % of 48 words, within
  noise). Held-out figures are in :mod:`core.analysis.shift.methods`.
* Prototype distance, not the average pairwise distance of usages: the prototype needs only running
  sums (memory independent of the corpus size). Subtracting the mean usage vector of the pair
  (``center=True``, against the "anisotropy" of Ethayarajh 2019) made no consistent difference, so it
  is off by default.
"""

from __future__ import annotations

import bisect
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.analysis.shift.calibrate import pairings
from core.analysis.shift.scores import ShiftScores, scores_from_replicates
from core.exceptions import InputError, InsufficientDataError, ModelError, ParameterError

__all__ = [
    "DEFAULT_GROUPS",
    "DEFAULT_HALVINGS",
    "DEFAULT_LAYER",
    "UsageSums",
    "contextual_scores",
    "truncated_model",
    "usage_sums",
    "word_spans",
]

DEFAULT_GROUPS = 8
DEFAULT_LAYER = 3
DEFAULT_HALVINGS = 24

Progress = Callable[[int, int], None]


def word_spans(text: str) -> tuple[str, list[tuple[str, int, int]]]:
    """The normalised text and its word tokens with character spans.

    The tokens are exactly :func:`core.load.tokens.tokenize`'s; spans index the returned normalised text.

    Returns
    -------
    normalised : str
    spans : list of (word, start, end)
    """
    from core.load.tokens import _ASCII_TOKEN, _TOKEN, _UNIFY

    if text.isascii():
        norm_text = text.lower()
        pattern = _ASCII_TOKEN
    else:
        norm_text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        for old, new in _UNIFY:
            if old in norm_text:
                norm_text = norm_text.replace(old, new)
        pattern = _TOKEN
    return norm_text, [(m.group(), m.start(), m.end()) for m in pattern.finditer(norm_text)]


def truncated_model(auto: object, layers: int) -> object:
    """A view of a BERT-like model that runs only its first ``layers`` transformer layers.

    Shares every weight with ``auto`` (nothing is copied or changed); its ``last_hidden_state`` equals
    the full model's ``hidden_states[layers]`` (tested), at a fraction of the cost.
    """
    import copy

    from torch import nn

    encoder = getattr(auto, "encoder", None)
    stack = getattr(encoder, "layer", None)
    if not isinstance(stack, nn.ModuleList):
        raise ModelError("this model's transformer layers cannot be selected (no encoder.layer list)")
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or not 1 <= layers <= len(stack):
        raise ParameterError(f"layer must be an integer from 1 to {len(stack)}, got {layers!r}")
    enc = copy.copy(encoder)
    enc._modules = dict(encoder._modules)
    enc._modules["layer"] = nn.ModuleList(list(stack[: int(layers)]))
    model = copy.copy(auto)
    model._modules = dict(auto._modules)
    model._modules["encoder"] = enc
    return model


def _transformer(embedder: object) -> tuple[object, object, int]:
    """The Hugging Face model, its tokenizer and the window (pieces per chunk, special tokens excluded)."""
    model = getattr(embedder, "model", None)
    first = None
    if model is not None:
        try:
            first = model[0]
        except (TypeError, IndexError, KeyError):
            first = None
    auto = getattr(first, "auto_model", None)
    tokenizer = getattr(first, "tokenizer", None)
    if auto is None or tokenizer is None or not getattr(tokenizer, "is_fast", False):
        raise ModelError(f"contextual word shift needs a transformer sentence model run by torch with a fast "
                         f"tokenizer (such as the default model); {getattr(embedder, 'name', embedder)!r} "
                         "is not one")
    limit = getattr(first, "max_seq_length", None) or getattr(embedder, "max_seq_length", None) or 256
    limit = min(int(limit), int(getattr(auto.config, "max_position_embeddings", limit)))
    return auto, tokenizer, max(8, limit - 2)


def _chunks(word_of_piece: list[int], window: int) -> list[tuple[int, int]]:
    """Cut ``len(word_of_piece)`` pieces into ranges of at most ``window``, each starting a new word."""
    n = len(word_of_piece)
    out, start = [], 0
    while start < n:
        end = min(n, start + window)
        if end < n:
            cut = end
            # move the cut back to the first piece of a word (not inside one)
            while cut > start + 1 and word_of_piece[cut] >= 0 and word_of_piece[cut] == word_of_piece[cut - 1]:
                cut -= 1
            end = cut if cut > start + 1 else end
        out.append((start, end))
        start = end
    return out


def document_groups(n_documents: int, n_groups: int, seed: int, salt: int = 0) -> np.ndarray:
    """Group of each document: ``permutation[i] % n_groups`` of a permutation seeded by ``[seed, 11, salt]``."""
    perm = np.random.default_rng(np.random.SeedSequence([int(seed), 11, int(salt)])).permutation(n_documents)
    return perm % n_groups


@dataclass(frozen=True, eq=False)
class UsageSums:
    """Summed unit usage vectors per document group and word, for one corpus.

    Attributes
    ----------
    words : tuple of str, length V
    sums : ndarray of float64, shape (G, V, d)
    counts : ndarray of int64, shape (G, V)
    total : ndarray of float64, shape (d,)
        Sum of the unit usage vectors of every word token (in the vocabulary or not).
    n_usages : int
        Word tokens summed into ``total``.
    """

    words: tuple[str, ...]
    sums: np.ndarray
    counts: np.ndarray
    total: np.ndarray
    n_usages: int


def usage_sums(embedder: object, texts: Sequence[str], words: Sequence[str], *, n_groups: int = DEFAULT_GROUPS,
               seed: int = 0, salt: int = 0, groups: Sequence[int] | None = None,
               layer: int | None = None, progress: Progress | None = None) -> UsageSums:
    """One model pass over ``texts``: unit usage vectors of ``words`` summed per document group.

    Parameters
    ----------
    embedder : SentenceTransformerEmbedder
        A torch transformer sentence model (:func:`core.embed.load_embedder`).
    texts : sequence of str
    words : sequence of str
        The words to collect (tokenised form).
    n_groups : int, default 8
    seed, salt : int
        Document ``i`` goes to group ``permutation[i] % n_groups`` of a permutation drawn from
        ``SeedSequence([seed, 11, salt])`` (:func:`document_groups`).
    groups : sequence of int, optional
        The group of each document, in ``range(n_groups)``, instead of the seeded draw.
    layer : int, optional
        Transformer layer whose output is used (1 = first); default ``DEFAULT_LAYER``. Only the layers
        up to it are run.
    progress : callable(done, total), optional
        Called after each batch with the number of chunks encoded.

    Returns
    -------
    UsageSums
    """
    import torch

    auto, tokenizer, window = _transformer(embedder)
    auto = truncated_model(auto, DEFAULT_LAYER if layer is None else layer)
    texts = list(texts)
    if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)) or n_groups < 2 or n_groups % 2:
        raise ParameterError(f"n_groups must be an even integer ≥ 2, got {n_groups!r}")
    index = {w: i for i, w in enumerate(words)}
    if groups is None:
        groups = document_groups(len(texts), n_groups, seed, salt)
    groups = np.asarray(groups, dtype=np.int64)
    if groups.shape != (len(texts),) or (len(texts) and (groups.min() < 0 or groups.max() >= n_groups)):
        raise ParameterError(f"groups must give each of the {len(texts)} documents a group in 0..{n_groups - 1}")
    # tokenise everything first; chunks are then batched by length across documents
    # piece ids, word index (into the document's words) per piece, document, the document's words
    chunks: list[tuple[list[int], list[int], int, list[str]]] = []
    for doc, text in enumerate(texts):
        if not isinstance(text, str):
            raise InputError(f"texts[{doc}] is not a string: {text!r:.80}")
        norm_text, spans = word_spans(text)
        if not spans:
            continue
        enc = tokenizer(norm_text, add_special_tokens=False, return_offsets_mapping=True,
                        return_attention_mask=False, truncation=False, verbose=False)
        starts = [s for _, s, _ in spans]
        wop = []
        for s, e in enc["offset_mapping"]:
            j = bisect.bisect_right(starts, s) - 1
            wop.append(j if e > s and j >= 0 and s < spans[j][2] else -1)
        doc_words = [w for w, _, _ in spans]
        for a, b in _chunks(wop, window):
            chunks.append((enc["input_ids"][a:b], wop[a:b], doc, doc_words))
    dim = int(auto.config.hidden_size)
    sums = np.zeros((n_groups, len(words), dim))
    counts = np.zeros((n_groups, len(words)), dtype=np.int64)
    total = np.zeros(dim)
    n_usages = 0
    order = sorted(range(len(chunks)), key=lambda i: -len(chunks[i][0]))
    budget = int(getattr(embedder, "max_batch_tokens", 4096))
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    pad = tokenizer.pad_token_id or 0
    autocast = getattr(embedder, "_autocast", None)
    done = 0
    with torch.inference_mode():
        ctx = autocast() if callable(autocast) else torch.autocast("cpu", enabled=False)
        with ctx:
            start = 0
            while start < len(order):
                longest = len(chunks[order[start]][0]) + 2
                take = max(1, min(64, budget // longest))
                batch = order[start:start + take]
                start += take
                ids = torch.full((len(batch), longest), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), longest), dtype=torch.long)
                for r, ci in enumerate(batch):
                    piece_ids = [cls, *chunks[ci][0], sep]
                    ids[r, :len(piece_ids)] = torch.tensor(piece_ids)
                    mask[r, :len(piece_ids)] = 1
                hidden = auto(input_ids=ids, attention_mask=mask).last_hidden_state.float().numpy()
                for r, ci in enumerate(batch):
                    _, wop, doc, doc_words = chunks[ci]
                    vecs, wids = pool_pieces(hidden[r, 1:1 + len(wop)], np.asarray(wop))
                    if not len(wids):
                        continue
                    total += vecs.sum(axis=0)
                    n_usages += len(wids)
                    for v, wid in zip(vecs, wids):
                        target = index.get(doc_words[wid])
                        if target is not None:
                            sums[groups[doc], target] += v
                            counts[groups[doc], target] += 1
                done += len(batch)
                if progress is not None:
                    progress(done, len(chunks))
    return UsageSums(words=tuple(words), sums=sums, counts=counts, total=total, n_usages=n_usages)


def pool_pieces(hidden: np.ndarray, word_of_piece: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average the sub-word pieces of each word and scale the result to unit length.

    Parameters
    ----------
    hidden : ndarray, shape (L, d)
        The model's output vectors of L pieces (special tokens removed).
    word_of_piece : ndarray of int, shape (L,)
        Index of the word each piece belongs to, -1 for pieces outside words.

    Returns
    -------
    vectors : ndarray of float64, shape (m, d)
        One unit vector per word present, in increasing word index.
    word_ids : ndarray of int64, shape (m,)
    """
    hidden = np.asarray(hidden, dtype=np.float64)
    wop = np.asarray(word_of_piece, dtype=np.int64)
    valid = wop >= 0
    if not valid.any():
        return np.empty((0, hidden.shape[1])), np.empty(0, dtype=np.int64)
    word_ids, inverse = np.unique(wop[valid], return_inverse=True)
    pooled = np.zeros((word_ids.size, hidden.shape[1]))
    np.add.at(pooled, inverse, hidden[valid])
    pooled /= np.bincount(inverse, minlength=word_ids.size)[:, None]
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.where(norms > 0, norms, 1.0), word_ids


def halving_pairings(sums_a: UsageSums, sums_b: UsageSums, rows_a: np.ndarray, rows_b: np.ndarray, *,
                     halvings: int, seed: int, center: bool) -> list:
    """``pairings`` of the given words for ``halvings`` random choices of half the groups per corpus."""
    g = sums_a.sums.shape[0]
    if sums_b.sums.shape[0] != g:
        raise InputError("both corpora must have the same number of document groups")
    mean = None
    if center:
        n = sums_a.n_usages + sums_b.n_usages
        mean = (sums_a.total + sums_b.total) / max(n, 1)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 13]))
    sa, sb = sums_a.sums[:, rows_a], sums_b.sums[:, rows_b]
    ca, cb = sums_a.counts[:, rows_a], sums_b.counts[:, rows_b]
    reps = []
    for _ in range(halvings):
        halves = []
        for s, c in ((sa, ca), (sb, cb)):
            first = np.zeros(g, dtype=bool)
            first[rng.permutation(g)[: g // 2]] = True
            for keep in (first, ~first):
                n = c[keep].sum(axis=0)[:, None]
                proto = s[keep].sum(axis=0) / np.maximum(n, 1)
                if mean is not None:
                    proto = proto - mean
                halves.append(proto)
        reps.append(pairings(np.stack(halves)))
    return reps


def contextual_scores(name_a: str, sums_a: UsageSums, name_b: str, sums_b: UsageSums, *, min_freq: int = 20,
                      halvings: int = DEFAULT_HALVINGS, center: bool = False, seed: int = 0) -> ShiftScores:
    """Calibrated contextual shift of the words with ``min_freq`` usages in both corpora.

    Parameters
    ----------
    name_a, name_b : str
    sums_a, sums_b : UsageSums
        From :func:`usage_sums` of each corpus (same ``n_groups``).
    min_freq : int, default 20
    halvings : int, default 24
        Random halvings averaged (no model time: sums of groups).
    center : bool, default False
        Subtract the mean usage vector of both corpora from every prototype (no consistent gain on the
        benchmark, so off).
    seed : int, default 0

    Returns
    -------
    ShiftScores
        ``method="contextual"``; neighbours are read among the scored words.
    """
    started = time.perf_counter()
    fa, fb = sums_a.counts.sum(axis=0), sums_b.counts.sum(axis=0)
    index_b = {w: i for i, w in enumerate(sums_b.words)}
    pairs = [(i, index_b[w]) for i, w in enumerate(sums_a.words)
             if w in index_b and fa[i] >= min_freq and fb[index_b[w]] >= min_freq]
    if len(pairs) < 2:
        raise InsufficientDataError(f"fewer than two words occur at least min_freq={min_freq} times in both "
                                    f"{name_a!r} and {name_b!r}; lower min_freq or use larger corpora")
    # most frequent first, as the other methods list them
    pairs.sort(key=lambda ij: -(fa[ij[0]] + fb[ij[1]]))
    rows_a = np.array([i for i, _ in pairs])
    rows_b = np.array([j for _, j in pairs])
    reps = halving_pairings(sums_a, sums_b, rows_a, rows_b, halvings=halvings, seed=seed, center=center)
    words = [sums_a.words[i] for i in rows_a]
    sims = []
    for s, rows in ((sums_a, rows_a), (sums_b, rows_b)):
        proto = s.sums[:, rows].sum(axis=0) / np.maximum(s.counts[:, rows].sum(axis=0), 1)[:, None]
        if center:
            proto = proto - (sums_a.total + sums_b.total) / max(sums_a.n_usages + sums_b.n_usages, 1)
        norms = np.linalg.norm(proto, axis=1, keepdims=True)
        sims.append((proto / np.where(norms > 0, norms, 1.0))[None].astype(np.float32))
    return scores_from_replicates(
        "contextual", name_a, name_b, words, fa[rows_a], fb[rows_b], reps, min_freq=min_freq,
        vocabulary=tuple(words), vocab_freq=np.stack([fa[rows_a], fb[rows_b]]),
        similarity_vectors=tuple(sims),
        params={"halvings": halvings, "center": center, "seed": seed, "n_groups": int(sums_a.sums.shape[0]),
                "seconds": time.perf_counter() - started})
