"""Tests of the Unicode tokeniser (core/tokens.py)."""

from __future__ import annotations

from collections import Counter
from itertools import chain

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.load.tokens import tokenize, word_frequencies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", ["hello", "world"]),
        # NFKC: the ligature ﬁ is two letters, full-width letters are ASCII, circled digits are digits
        ("ﬁne ＡＢＣ ①", ["fine", "abc", "1"]),
        # casefold, not lower: ß folds to ss, so STRASSE and Straße are one word
        ("Straße STRASSE", ["strasse", "strasse"]),
        # a decomposed accent (e + U+0301) is composed by NFKC and stays inside the word
        ("cafe\u0301 naïve ÉCOLE", ["café", "naïve", "école"]),
        # emoji, symbols and punctuation are dropped; the keycap emoji leaves its digit
        ("great 🎉🎉 !!! ... — 1\ufe0f\u20e3 ❤️ $ %", ["great", "1"]),
        # intra-word apostrophes (both forms) and hyphens kept; leading/trailing/doubled ones not
        ("don't don’t rock'n'roll 'quoted' state-of-the-art -dash- a--b", [
            "don't", "don't", "rock'n'roll", "quoted", "state-of-the-art", "dash", "a", "b"]),
        # decimals and thousands stay together, a sentence-final period does not stick
        ("pi is 3.14, about 1,000 times. end.", ["pi", "is", "3.14", "about", "1,000", "times", "end"]),
        # underscores separate
        ("snake_case_name", ["snake", "case", "name"]),
    ],
)
def test_tokenize_latin_cases(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_cjk_one_token_per_character() -> None:
    assert tokenize("北京大学和东京") == ["北", "京", "大", "学", "和", "东", "京"]
    # kana too; the length mark ー stays with the kana before it
    assert tokenize("ラーメンをたべる") == ["ラー", "メ", "ン", "を", "た", "べ", "る"]
    # ideographic punctuation is dropped
    assert tokenize("你好。世界！") == ["你", "好", "世", "界"]


def test_mixed_scripts_split_at_script_boundaries() -> None:
    assert tokenize("Hello世界 привет мир 안녕하세요 세계 GPT4模型") == [
        "hello", "世", "界", "привет", "мир", "안녕하세요", "세계", "gpt4", "模", "型"]


def test_abugida_vowel_signs_stay_in_the_word() -> None:
    # Python's \w alone would split हिन्दी into three pieces at its vowel signs (combining marks)
    assert tokenize("हिन्दी भाषा") == ["हिन्दी", "भाषा"]
    assert tokenize("தமிழ் மொழி") == ["தமிழ்", "மொழி"]


def test_thai_characters_keep_their_marks() -> None:
    # สวัสดี: the vowel mark ั (U+0E31) and ี (U+0E35) are combining, so they join their consonant
    assert tokenize("สวัสดี") == ["ส", "วั", "ส", "ดี"]


def test_persian_zero_width_non_joiner_inside_word() -> None:
    assert tokenize("می\u200cخواهم") == ["می\u200cخواهم"]
    # but not at the edge of a word
    assert tokenize("\u200cword\u200c") == ["word"]


def test_soft_hyphen_removed() -> None:
    assert tokenize("hy\u00adphen") == ["hyphen"]


def test_empty_and_whitespace() -> None:
    assert tokenize("") == []
    assert tokenize(" \t\n\u3000") == []


def test_word_frequencies_counts_over_texts() -> None:
    counts = word_frequencies(["the cat", "The dog, the end", "東京"])
    assert counts == Counter({"the": 3, "cat": 1, "dog": 1, "end": 1, "東": 1, "京": 1})
    assert word_frequencies([]) == Counter()


_ALPHABET = list("aZé ß-'’.,3東ターสั!🎉_\n") + ["\u0301", "\u200c", "ﬁ", "Ａ"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_tokenize_is_idempotent(text: str) -> None:
    """Tokens are already normalised: tokenising them again changes nothing."""
    tokens = tokenize(text)
    assert tokenize(" ".join(tokens)) == tokens


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_tokens_are_clean(text: str) -> None:
    """Any text: tokens are non-empty, have no whitespace and start and end with a letter or digit."""
    for token in tokenize(text):
        assert token
        assert not any(ch.isspace() for ch in token)
        assert token[0].isalnum()
        assert token[-1] not in "'-\u200c\u200d.,"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=20), max_size=8))
def test_word_frequencies_equals_counting_tokens(texts: list[str]) -> None:
    counts = word_frequencies(texts)
    assert counts == Counter(chain.from_iterable(tokenize(t) for t in texts))
    assert sum(counts.values()) == sum(len(tokenize(t)) for t in texts)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_fast_path_agrees_with_unicode_path(text: str) -> None:
    """ASCII texts take a faster pattern; appending a non-ASCII word forces the general one."""
    assert tokenize(text + " é") == tokenize(text) + ["é"]
