"""Spreadsheet-safe CSV: formulas neutralised (OWASP CSV Injection), UTF-8 with BOM, \\n lines."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.exceptions import InputError
from core.report import FORMULA_PREFIXES, neutralize_cell, neutralize_frame, safe_csv

BOM = b"\xef\xbb\xbf"


def _read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-3", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"x\")"])
def test_dangerous_text_gets_a_leading_quote(text):
    assert neutralize_cell(text) == "'" + text
    back = _read(safe_csv(pd.DataFrame({"t": [text, "ok"]})))
    assert back["t"].tolist() == ["'" + text, "ok"]


@pytest.mark.parametrize("value", [-3.0, -3, 0.5, None, np.float64(-1.5), np.int64(-7), True])
def test_non_strings_are_returned_unchanged(value):
    assert neutralize_cell(value) is value


def test_negative_number_stays_a_number_but_negative_text_is_neutralised():
    df = pd.DataFrame({"number": [-3.0, 2.5], "text": ["-3", "2"]})
    data = safe_csv(df)
    lines = data.decode("utf-8-sig").split("\n")
    assert lines[1] == '-3.0,"\'-3"'
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["number"].dtype == np.float64 and back["number"].iloc[0] == -3.0
    assert back["text"].tolist() == ["'-3", "2"]


def test_text_with_formula_character_later_is_untouched():
    assert neutralize_cell("a=b") == "a=b"
    assert neutralize_cell(" =1") == " =1"
    assert neutralize_cell("") == ""


def test_column_names_categories_and_index_are_neutralised():
    df = pd.DataFrame({"=cmd": ["x"], "c": pd.Categorical(["@a"])}, index=pd.Index(["-i"], name="+n"))
    out = neutralize_frame(df)
    assert list(out.columns) == ["'=cmd", "c"]
    assert out["c"].tolist() == ["'@a"]
    assert out.index.tolist() == ["'-i"] and out.index.names == ["'+n"]
    text = safe_csv(df, index=True).decode("utf-8-sig")
    assert text == '"\'+n","\'=cmd","c"\n"\'-i","x","\'@a"\n'


def test_input_frame_is_not_modified():
    df = pd.DataFrame({"t": ["=1"]})
    safe_csv(df)
    assert df["t"].iloc[0] == "=1"


def test_bom_and_unix_line_endings():
    data = safe_csv(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert data.startswith(BOM)
    assert data[len(BOM):] == b'"a","b"\n1,"x"\n2,"y"\n'
    assert b"\r" not in data


def test_non_latin_text_round_trips():
    texts = ["日本語のテキスト", "中文文本", "한국어", "Ελληνικά", "العربية", "emoji 🙂", "naïve café"]
    data = safe_csv(pd.DataFrame({"text": texts, "コーパス": ["A"] * len(texts)}))
    back = _read(data)
    assert back["text"].tolist() == texts
    assert list(back.columns) == ["text", "コーパス"]


def test_fields_with_delimiters_quotes_and_newlines_are_quoted():
    texts = ['a,b', 'say "hi"', "line1\nline2", "cr\rinside"]
    data = safe_csv(pd.DataFrame({"text": texts}))
    assert data.decode("utf-8-sig") == ('"text"\n"a,b"\n"say ""hi"""\n"line1\nline2"\n"cr\rinside"\n')
    assert _read(data)["text"].tolist() == texts


def test_writes_to_path_binary_and_text_buffers(tmp_path):
    df = pd.DataFrame({"t": ["=x", "日本"]})
    expected = safe_csv(df)
    path = tmp_path / "out.csv"
    assert safe_csv(df, path) is None
    assert path.read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temporary file left
    binary = io.BytesIO()
    safe_csv(df, binary)
    assert binary.getvalue() == expected
    text = io.StringIO()
    safe_csv(df, text)
    assert text.getvalue().encode("utf-8") == expected


def test_rejects_non_dataframe():
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        safe_csv([["=1"]])


@given(st.text())
def test_neutralised_text_never_starts_with_a_formula_prefix(text):
    out = neutralize_cell(text)
    assert not out.startswith(FORMULA_PREFIXES)
    assert out == text or out == "'" + text
    assert (out != text) == text.startswith(FORMULA_PREFIXES)
