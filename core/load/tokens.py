"""Unicode-aware word tokenisation and word frequencies.

``tokenize`` is the one tokeniser of Corpus Compass: corpus statistics, the Zipf plot, Zipfian
whitening's word frequencies and CADE's word2vec input all count the same tokens.

What it does, in order:

1. NFKC normalisation (compatibility characters fold to their plain form: the ligature "ﬁ" becomes
   "fi", full-width "Ａ" becomes "A", "①" becomes "1"), then ``str.casefold`` ("Straße" → "strasse"),
   then NFKC again, because case folding can leave a string unnormalised (close to Unicode's
   NFKC_Casefold).
2. Word tokens are runs of letters and digits (Unicode categories L* and N*), with combining marks
   (M*) allowed after the first character so that Devanagari, Bengali, Tamil and other abugidas,
   whose vowel signs are marks, stay whole (Python's ``\\w`` alone would split "हिन्दी" into three
   pieces). Underscores and all punctuation and symbols separate tokens; emoji are dropped.
3. Inside a word, one apostrophe (' or ’, the latter written as ') or one hyphen (- or ‐, written as
   -) between two word pieces is kept: "don't", "rock'n'roll", "state-of-the-art" are single tokens;
   leading or trailing apostrophes and hyphens, and doubled ones ("a--b"), are not. Zero-width
   (non-)joiners between two pieces are kept as well, because Persian and Indic spelling uses them
   inside words. A "." or "," between two digits is kept, so "3.14" and "1,000" are one token.
4. Scripts written without spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer,
   Myanmar) give one token per character, with any combining marks that follow it (Thai tone marks,
   the Katakana length mark "ー" after a kana).

Limitation of step 4, chosen on purpose: these are characters, not words. Chinese "北京大学" counts
as 北, 京, 大, 学, and Thai words are cut into letters. Vocabulary sizes and Zipf exponents of such
corpora therefore describe characters and are not comparable with those of space-separated
languages. Word segmentation needs a dictionary or a model per language (jieba, MeCab, PyThaiNLP);
none is bundled, to keep the install small and the result deterministic. Korean Hangul is written
with spaces and is tokenised as words.

The pattern is compiled once at import (about 20 ms, most of it listing the combining marks of the
Unicode database that this Python ships), and ASCII-only texts skip normalisation, so 200,000 short
documents take a few seconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

__all__ = ["tokenize", "word_frequencies"]

# Unicode blocks of the scripts written without spaces between words. Blocks, not the Scripts.txt
# property (which the standard library does not expose); only letters and digits inside them start a
# token, so the punctuation that shares these blocks is still dropped.
_SPACELESS_BLOCKS: tuple[tuple[int, int], ...] = (
    (0x0E00, 0x0E7F),  # Thai
    (0x0E80, 0x0EFF),  # Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3005, 0x3007),  # ideographic iteration mark, closing mark, number zero
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3038, 0x303B),  # more Hangzhou numerals, vertical iteration mark
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA9E0, 0xA9FF),  # Myanmar extended B
    (0xAA60, 0xAA7F),  # Myanmar extended A
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x1AFF0, 0x1B16F),  # Kana extended and supplement
    (0x20000, 0x323AF),  # CJK unified ideographs extensions B to H
)

# Combining marks are joined to the character before them; the variation selectors (which turn a
# character into its emoji form) and the enclosing keycap are not, so "1️⃣" tokenises as "1".
_NOT_JOINING_MARKS = {0x20E3} | set(range(0xFE00, 0xFE10)) | set(range(0xE0100, 0xE01F0))

# Written forms unified before matching, so that "don’t" and "don't" are the same token (the soft
# hyphen is invisible and removed). Chained str.replace: str.translate is ten times slower here.
_UNIFY = (("\u2019", "'"), ("\u2010", "-"), ("\u00ad", ""))


def _ranges_to_class(codepoints: Iterable[int]) -> str:
    """Regex character-class body (no brackets) for a set of code points, as compact ranges."""
    points = sorted(set(codepoints))
    parts: list[str] = []
    start = prev = None
    for cp in points + [None]:  # type: ignore[list-item]
        if start is not None and (cp is None or cp != prev + 1):
            parts.append(re.escape(chr(start)) if start == prev
                         else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
            start = None
        if cp is not None and start is None:
            start = cp
        prev = cp
    return "".join(parts)


def _build_pattern() -> re.Pattern[str]:
    # Every combining mark is below U+20000 except the variation selectors supplement, excluded anyway.
    marks = [cp for cp in range(0x0300, 0x20000)
             if unicodedata.category(chr(cp))[0] == "M" and cp not in _NOT_JOINING_MARKS]
    # U+30FC "ー" lengthens the kana before it; treated as a mark so "ラーメン" gives ラー, メ, ン.
    mark_class = "[" + _ranges_to_class(marks + [0x30FC]) + "]"
    spaceless_starts = [cp for lo, hi in _SPACELESS_BLOCKS for cp in range(lo, hi + 1)
                        if chr(cp).isalnum() and cp != 0x30FC]
    spaceless_class = "[" + _ranges_to_class(spaceless_starts) + "]"
    spaceless_blocks = "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in _SPACELESS_BLOCKS)
    # [^\W_...] is "alphanumeric and not in a spaceless block": \W excludes non-word characters,
    # _ excludes the underscore that \w would otherwise include.
    word_char = rf"[^\W_{spaceless_blocks}]"
    # Letters with marks after them, written so that every string splits into (letters, marks) runs
    # in exactly one way: no backtracking blow-up, and twice as fast as (?:letter|mark)*.
    piece = rf"{word_char}+(?:{mark_class}+{word_char}*)*"
    joiner = r"(?:['\-\u200c\u200d]|(?<=\d)[.,](?=\d))"
    word = rf"{piece}(?:{joiner}{piece})*"
    spaceless = rf"{spaceless_class}{mark_class}*"
    # Words first: they are the common case, and the two alternatives cannot start on the same char.
    return re.compile(rf"{word}|{spaceless}")


_TOKEN = _build_pattern()
# The same rules restricted to ASCII (no marks, no spaceless scripts, no zero-width joiners), which the
# regex engine matches about twice as fast; most documents of most corpora take this path.
_ASCII_TOKEN = re.compile(r"[a-z0-9]+(?:(?:['\-]|(?<=\d)[.,](?=\d))[a-z0-9]+)*")


def tokenize(text: str) -> list[str]:
    """Split a text into normalised word tokens.

    Parameters
    ----------
    text : str
        Any Unicode text.

    Returns
    -------
    list of str
        Tokens in order of appearance: NFKC-normalised and case-folded words, and one token per
        character for Han, Hiragana, Katakana, Thai, Lao, Khmer and Myanmar (see the module
        docstring for the rules and the limitation of character tokens).

    Examples
    --------
    >>> tokenize("The ﬁrst café's state-of-the-art 東京タワー! 🎉")
    ['the', 'first', "café's", 'state-of-the-art', '東', '京', 'タ', 'ワー']
    """
    if text.isascii():
        # ASCII is already NFKC, and casefold equals lower on it.
        return _ASCII_TOKEN.findall(text.lower())
    # NFKC again after casefold, which can leave a string unnormalised ("ß" + accent folds to "ss" +
    # accent, which composes to "sś"); this makes tokenize idempotent.
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    for old, new in _UNIFY:
        if old in text:
            text = text.replace(old, new)
    return _TOKEN.findall(text)


def word_frequencies(texts: Iterable[str]) -> Counter[str]:
    """Count the tokens of many texts.

    Parameters
    ----------
    texts : iterable of str
        Documents, e.g. ``corpus.texts``.

    Returns
    -------
    collections.Counter
        Token → number of occurrences over all texts, tokens as produced by :func:`tokenize`.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(tokenize(text))
    return counts
