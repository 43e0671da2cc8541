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
* Prototype distance by default (``measure="prototype"``). The average pairwise cosine distance of
  usages (``"apd"``) also comes from the running sums, ``1 − <S_A, S_B> / (n_A n_B)``, and unlike the
  prototype it sees the spread of the usages (the length of the mean unit vector); ``"apd_norm"``
  subtracts the within-corpus APD and calibrates to exactly the same excess; ``"mmd"`` sums random
  Fourier features of a Gaussian kernel (:func:`rbf_features`, ``usage_sums(feature_map=...)``) and
  so compares whole distributions of usages. None found planted sense mixtures better (issue 13;
  layer 3, ranked by excess, ``BENCH_SHIFT_PART=measures:dev`` / ``measures:held``): planted words in
  the top 5 on games–science: prototype 29 %, APD 29 %, MMD (gamma 2) 27 %, mixtures 4 % for each;
  held out: prototype 36 %, APD 36 %, MMD 29 %, mixtures 8 %, 8 %, 11 % (of 36). So the prototype
  stays the default. Subtracting the mean usage vector of the pair
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
    "MEASURES",
    "UsageSums",
    "contextual_scores",
    "measure_pairings",
    "rbf_features",
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
    features : ndarray of float64, shape (G, V, D), optional
        Summed ``feature_map`` of the unit usage vectors (:func:`usage_sums`), for ``measure="mmd"``.
    """

    words: tuple[str, ...]
    sums: np.ndarray
    counts: np.ndarray
    total: np.ndarray
    n_usages: int
    features: np.ndarray | None = None


def usage_sums(embedder: object, texts: Sequence[str], words: Sequence[str], *, n_groups: int = DEFAULT_GROUPS,
               seed: int = 0, salt: int = 0, groups: Sequence[int] | None = None,
               layer: int | None = None, progress: Progress | None = None,
               feature_map: Callable[[np.ndarray], np.ndarray] | None = None) -> UsageSums:
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
    feature_map : callable, optional
        Maps unit usage vectors ``(m, d)`` to features ``(m, D)`` (such as :func:`rbf_features`); their
        sums per group and word are kept too, in ``features``.

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
    features = None
    if feature_map is not None:
        features = np.zeros((n_groups, len(words), np.asarray(feature_map(np.zeros((1, dim)))).shape[1]))
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
                    feats = None if feature_map is None else np.asarray(feature_map(vecs), dtype=np.float64)
                    for r_, (v, wid) in enumerate(zip(vecs, wids)):
                        target = index.get(doc_words[wid])
                        if target is not None:
                            sums[groups[doc], target] += v
                            counts[groups[doc], target] += 1
                            if feats is not None:
                                features[groups[doc], target] += feats[r_]
                done += len(batch)
                if progress is not None:
                    progress(done, len(chunks))
    return UsageSums(words=tuple(words), sums=sums, counts=counts, total=total, n_usages=n_usages,
                     features=features)


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


MEASURES = ("prototype", "apd", "apd_norm", "mmd")


def rbf_features(dim: int, n_features: int = 1024, gamma: float = 2.0,
                 seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """Random Fourier features of the Gaussian kernel ``k(u, v) = exp(−gamma |u − v|²)`` (Rahimi and
    Recht 2007): ``<φ(u), φ(v)> ≈ k(u, v)``, and ``φ(u)`` has squared length about 1.

    Summed per word and group (``usage_sums(feature_map=...)``) they give, like the usage vectors for
    ``"apd"``, the average pairwise ``1 − k`` of two sets of usages, whose calibrated excess is half the
    squared maximum mean discrepancy of the two sets of usages: it tells distributions apart, not only
    their means. The map is fixed by its arguments, so every corpus and part gets the same one.
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 17, int(dim), int(n_features)]))
    w = rng.normal(scale=np.sqrt(2.0 * float(gamma)), size=(int(dim), int(n_features)))
    b = rng.uniform(0.0, 2.0 * np.pi, size=int(n_features))
    scale = np.sqrt(2.0 / n_features)

    def feature_map(vectors: np.ndarray) -> np.ndarray:
        return scale * np.cos(np.asarray(vectors, dtype=np.float64) @ w + b)

    return feature_map


def measure_pairings(sums: np.ndarray, counts: np.ndarray, measure: str = "prototype",
                     center: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``M0, M1, M2`` of one replicate (:func:`~core.analysis.shift.calibrate.pairings`) from the summed
    unit usage vectors of n words in the four halves ``A1, A2, B1, B2``.

    Parameters
    ----------
    sums : ndarray, shape (4, n, d)
        Sum of the word's unit usage vectors in each half.
    counts : ndarray, shape (4, n)
        Usages summed.
    measure : {"prototype", "apd", "apd_norm"}
        Distance ``d(X, Y)`` of a word between two halves, where ``m_X = S_X / n_X`` is the mean usage
        vector (its prototype):

        * ``"prototype"`` (PRT): ``1 − cos(m_X, m_Y)``; blind to the prototype's length.
        * ``"apd"``: average pairwise cosine distance of the usages, ``1 − <S_X, S_Y> / (n_X n_Y)
          = 1 − <m_X, m_Y>``. The length of ``m_X`` is what tells the spread of the usages (the total
          variance of unit vectors is ``1 − |m_X|²``), so a word whose usages spread (a sense mixture)
          moves even when its prototype keeps its direction.
        * ``"mmd"``: not computed here: :func:`halving_pairings` applies ``"apd"`` to the summed kernel
          features (:func:`rbf_features`).
        * ``"apd_norm"``: ``apd(X, Y) − (W_X + W_Y) / 2`` with ``W_X`` the APD within ``X`` over pairs of
          distinct usages, ``1 − (|S_X|² − n_X) / (n_X (n_X − 1))`` (0 below two usages): an unbiased
          estimate of ``|μ_X − μ_Y|² / 2``. Each half's ``W`` enters ``M0``, ``M1`` and ``M2`` once, so
          ``excess`` and the noise scale equal ``"apd"``'s exactly; only the raw ``shift`` differs.
    center : ndarray, shape (d,), optional
        Subtract this vector from every usage vector first (the measures then use inner products of the
        centred vectors).

    Returns
    -------
    within, cross1, cross2 : ndarray of float64, shape (n,)
    """
    if measure not in MEASURES or measure == "mmd":
        raise ParameterError(f"measure must be prototype, apd or apd_norm, got {measure!r}")
    s = np.asarray(sums, dtype=np.float64)
    n = np.asarray(counts, dtype=np.float64)
    if s.ndim != 3 or s.shape[0] != 4 or n.shape != s.shape[:2]:
        raise InputError(f"sums must have shape (4, n, d) and counts (4, n), got {s.shape} and {n.shape}")
    mean = s / np.maximum(n, 1)[..., None]
    if center is not None:
        center = np.asarray(center, dtype=np.float64)
        mean = mean - center
    if measure == "prototype":
        return pairings(mean)
    if measure == "apd":
        within = np.zeros(n.shape)
    else:
        # Σ_i |u_i − c|² over the usages of the half: n for unit vectors, n − 2<S, c> + n|c|² centred
        self_sq = n if center is None else n - 2 * s @ center + n * float(np.dot(center, center))
        pairs = n * (n - 1)
        sc = s if center is None else s - n[..., None] * center
        same = (np.einsum("hnd,hnd->hn", sc, sc) - self_sq) / np.maximum(pairs, 1)
        within = np.where(pairs > 0, 1.0 - same, 0.0)

    def d(i: int, j: int) -> np.ndarray:
        return 1.0 - np.einsum("ij,ij->i", mean[i], mean[j]) - (within[i] + within[j]) / 2

    return (d(0, 1) + d(2, 3)) / 2, (d(0, 2) + d(1, 3)) / 2, (d(0, 3) + d(1, 2)) / 2


def halving_pairings(sums_a: UsageSums, sums_b: UsageSums, rows_a: np.ndarray, rows_b: np.ndarray, *,
                     halvings: int, seed: int, center: bool, measure: str = "prototype") -> list:
    """``pairings`` of the given words for ``halvings`` random choices of half the groups per corpus."""
    g = sums_a.sums.shape[0]
    if sums_b.sums.shape[0] != g:
        raise InputError("both corpora must have the same number of document groups")
    mean = None
    if center:
        n = sums_a.n_usages + sums_b.n_usages
        mean = (sums_a.total + sums_b.total) / max(n, 1)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 13]))
    if measure == "mmd":
        if sums_a.features is None or sums_b.features is None:
            raise InputError("measure='mmd' needs usage sums collected with a feature_map")
        if center:
            raise ParameterError("measure='mmd' cannot be centred")
        sa, sb = sums_a.features[:, rows_a], sums_b.features[:, rows_b]
        measure = "apd"
    else:
        sa, sb = sums_a.sums[:, rows_a], sums_b.sums[:, rows_b]
    ca, cb = sums_a.counts[:, rows_a], sums_b.counts[:, rows_b]
    reps = []
    for _ in range(halvings):
        half_sums, half_counts = [], []
        for s, c in ((sa, ca), (sb, cb)):
            first = np.zeros(g, dtype=bool)
            first[rng.permutation(g)[: g // 2]] = True
            for keep in (first, ~first):
                half_sums.append(s[keep].sum(axis=0))
                half_counts.append(c[keep].sum(axis=0))
        reps.append(measure_pairings(np.stack(half_sums), np.stack(half_counts), measure, center=mean))
    return reps


def contextual_scores(name_a: str, sums_a: UsageSums, name_b: str, sums_b: UsageSums, *, min_freq: int = 20,
                      halvings: int = DEFAULT_HALVINGS, center: bool = False, seed: int = 0,
                      measure: str = "prototype") -> ShiftScores:
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
    measure : {"prototype", "apd", "apd_norm", "mmd"}, default "prototype"
        Distance of a word's usages between two halves (:func:`measure_pairings`); ``"mmd"`` needs
        ``features`` in both sums.

    Returns
    -------
    ShiftScores
        ``method="contextual"``; neighbours are read among the scored words.
    """
    started = time.perf_counter()
    if measure not in MEASURES:
        raise ParameterError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
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
    reps = halving_pairings(sums_a, sums_b, rows_a, rows_b, halvings=halvings, seed=seed, center=center,
                            measure=measure)
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
        params={"halvings": halvings, "center": center, "seed": seed, "measure": measure,
                "n_groups": int(sums_a.sums.shape[0]), "seconds": time.perf_counter() - started})
