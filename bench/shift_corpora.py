"""Real corpora for the word-shift benchmark, and planted changes in them.

Corpora: the three bundled samples (Debian games, science, libdevel descriptions) and further Debian
archive sections built the same way (``sample_data/build_samples.py``: long English descriptions of
Debian 12 packages, duplicates and transitional packages left out) from apt's own lists, which need
``apt-get update -o Acquire::Languages=en`` once. Built corpora are kept in
``bench/results/shift_corpora/`` (ignored by git).

Planted changes (Shoemark et al. 2019, "Room to Glo: A Systematic Comparison of Semantic Change
Detection Approaches with Word Embeddings", whose synthetic changes replace a word's contexts by
another's): in corpus B, a target word ``x`` and a donor ``y`` of similar frequency exchange a share
``strength`` of their occurrences. With ``strength = 1`` (a context swap) ``x`` appears in B only in
``y``'s contexts and vice versa; with ``strength = 0.5`` (a sense mixture) half of each word's
occurrences in B are the other word's. Both words of a pair are planted changes, frequencies are
kept (a full swap exchanges the two counts, which are within 30 % of each other).
"""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "results" / "shift_corpora"
SAMPLES = ("games", "science", "libdevel")
#: further corpora: name -> Debian sections
SECTIONS = {
    "graphics": ("graphics",), "sound": ("sound", "video"), "net": ("net",), "admin": ("admin",),
    "text": ("text",), "utils": ("utils",), "mail": ("mail", "news"), "web": ("web", "httpd"),
}
CAP = 900


def _read_csv(path: Path) -> list[str]:
    csv.field_size_limit(10**9)
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def _builder():
    spec = importlib.util.spec_from_file_location("build_samples", ROOT / "sample_data" / "build_samples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_samples"] = module
    spec.loader.exec_module(module)
    return module


def _build_sections() -> None:
    mod = _builder()
    packages_path = mod.find_list(mod.LISTS, "*_dists_bookworm_main_binary-amd64_Packages*")
    translations_path = mod.find_list(mod.LISTS, "*_dists_bookworm_main_i18n_Translation-en*")
    packages = mod.parse_deb822(mod.read_index(packages_path))
    translations = mod.parse_deb822(mod.read_index(translations_path))
    mod.CORPORA = {name: (name, sections) for name, sections in SECTIONS.items()}
    corpora, _ = mod.build(packages, translations, seed=mod.DEFAULT_SEED, cap=CAP)
    CACHE.mkdir(parents=True, exist_ok=True)
    for name, docs in corpora.items():
        mod.write_csv(CACHE / f"{name}.csv", docs)


def load(name: str) -> list[str]:
    """Texts of one corpus (a sample, or a Debian section corpus built on first use)."""
    if name in SAMPLES:
        return _read_csv(ROOT / "sample_data" / f"{name}.csv")
    path = CACHE / f"{name}.csv"
    if not path.exists():
        _build_sections()
    return _read_csv(path)


def plant(texts_b: list[str], tokens_b: list[list[str]], pairs: list[tuple[str, str, float]],
          seed: int) -> tuple[list[str], list[list[str]], list[int]]:
    """Exchange occurrences of word pairs in corpus B; returns new texts, tokens and changed documents.

    Parameters
    ----------
    texts_b : list of str
    tokens_b : list of token lists (``core.load.tokens.tokenize`` of the texts)
    pairs : list of (x, y, strength)
    seed : int

    Returns
    -------
    texts, tokens : the planted corpus (texts lower-cased in the changed documents)
    changed : indices of the documents that changed
    """
    rng = np.random.default_rng(seed)
    swap: dict[tuple[int, int], str] = {}  # (doc, occurrence index of the word) -> replacement
    plan: dict[str, tuple[str, float]] = {}
    for x, y, s in pairs:
        plan[x] = (y, s)
        plan[y] = (x, s)
    # decide per occurrence
    occurrences: dict[str, list[tuple[int, int]]] = {w: [] for w in plan}
    for d, toks in enumerate(tokens_b):
        for i, t in enumerate(toks):
            if t in plan:
                occurrences[t].append((d, i))
    for w, occ in occurrences.items():
        other, s = plan[w]
        chosen = rng.permutation(len(occ))[: round(s * len(occ))]
        for c in chosen:
            swap[occ[c]] = other
    changed = sorted({d for d, _ in swap})
    new_tokens = [list(t) for t in tokens_b]
    new_texts = list(texts_b)
    for d in changed:
        toks = tokens_b[d]
        for i in range(len(toks)):
            if (d, i) in swap:
                new_tokens[d][i] = swap[(d, i)]
        new_texts[d] = _rewrite(texts_b[d], toks, new_tokens[d])
    return new_texts, new_tokens, changed


def _rewrite(text: str, old: list[str], new: list[str]) -> str:
    """Replace the word tokens of ``text`` in order (the text lower-cased, as tokenize sees it)."""
    from core.analysis.shift.contextual import word_spans

    norm_text, spans = word_spans(text)
    assert [w for w, _, _ in spans] == old
    out, last = [], 0
    for (w, s, e), repl in zip(spans, new):
        out.append(norm_text[last:s])
        out.append(repl)
        last = e
    out.append(norm_text[last:])
    return "".join(out)


_WORDLIKE = re.compile(r"^[a-z][a-z-]{2,}$")


def content_words(freq_a: dict, freq_b: dict, min_freq: int = 20) -> list[str]:
    """Words that can be planted or serve as stable targets: lower-case words of three letters or more,
    not in scikit-learn's English stop-word list, with ``min_freq`` occurrences or more in both corpora."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return [w for w, c in freq_b.items() if _WORDLIKE.match(w) and w not in ENGLISH_STOP_WORDS
            and freq_a.get(w, 0) >= min_freq and c >= min_freq]


def choose_pairs(freq_a: dict, freq_b: dict, rng: np.random.Generator, *, n_per_bin: int = 2,
                 bins=((20, 40), (40, 100), (100, 300)), strengths=(1.0, 0.5),
                 min_freq: int = 20) -> list[tuple[str, str, float]]:
    """Target/donor pairs: ``n_per_bin`` per frequency bin and strength, all words distinct.

    Both words are content words (not in scikit-learn's English stop-word list: semantic-change
    benchmarks such as SemEval-2020 Task 1 test nouns and verbs), occur in the bin's range in B and at
    least ``min_freq`` times in A (so both are ranked), and the donor's count in B is within 30 % of
    the target's.
    """
    pool = content_words(freq_a, freq_b, min_freq)
    used: set[str] = set()
    pairs = []
    for lo, hi in bins:
        in_bin = sorted(w for w in pool if lo <= freq_b[w] < hi)
        for s in strengths:
            for _ in range(n_per_bin):
                options = [w for w in in_bin if w not in used]
                rng.shuffle(options)
                for x in options:
                    donors = [y for y in options if y != x and y not in used
                              and abs(freq_b[y] - freq_b[x]) <= 0.3 * freq_b[x]]
                    if donors:
                        y = donors[int(rng.integers(len(donors)))]
                        pairs.append((x, y, s))
                        used.update((x, y))
                        break
    return pairs
