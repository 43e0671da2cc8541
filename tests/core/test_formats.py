"""Tests of format detection, decoding and binary refusal (core/formats.py)."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest

from core.exceptions import CorpusLoadError, ParameterError
from core.load.encoding import decode_text
from core.load.formats import ACCEPTED_EXTENSIONS, format_from_filename, format_size, read_table


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("a.csv", "csv"), ("A.CSV", "csv"), ("b.tsv", "tsv"), ("b.tab", "tsv"), ("c.jsonl", "jsonl"),
     ("c.ndjson", "jsonl"), ("c.json-lines", "jsonl"), ("d.parquet", "parquet"), ("e.txt", "txt"),
     ("dir.v2/f.zip", "zip")],
)
def test_format_from_extension(filename: str, expected: str) -> None:
    assert format_from_filename(filename, None) == expected


def test_format_argument_overrides_extension() -> None:
    assert format_from_filename("data.dat", "csv") == "csv"
    assert format_from_filename(None, "ndjson") == "jsonl"
    assert format_from_filename("x.csv", "TEXT") == "txt"


def test_unknown_extension_lists_accepted_ones() -> None:
    with pytest.raises(CorpusLoadError, match=r"report\.docx: unknown file extension \.docx; accepted "
                                              r"extensions are \.csv, \.tsv, \.tab, \.jsonl") as info:
        format_from_filename("report.docx", None)
    assert all(ext in str(info.value) for ext in ACCEPTED_EXTENSIONS)


def test_invalid_format_parameter() -> None:
    with pytest.raises(ParameterError, match=r"format='xlsx' is not supported; choose one of \['csv'"):
        format_from_filename("a.csv", "xlsx")


def test_no_filename_and_no_format() -> None:
    with pytest.raises(ParameterError, match="give filename= .* or format="):
        format_from_filename(None, None)


def test_format_size() -> None:
    assert format_size(999) == "999 bytes"
    assert format_size(1_500) == "1.5 kB"
    assert format_size(2_500_000) == "2.5 MB"
    assert format_size(3_000_000_000) == "3.0 GB"


# ------------------------------------------------------------------------------------------ decoding

TEXT = "text\ncafé – “quoted” naïve\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf32le-bom"],
)
def test_auto_decoding_of_unicode_encodings(data: bytes, encoding: str) -> None:
    decoded = decode_text(data, name="f.csv")
    assert decoded.text == TEXT  # the byte-order mark is not part of the text
    assert decoded.encoding == encoding
    assert decoded.fallback is False and decoded.message is None


def test_cp1252_fallback_is_reported_with_offset_and_line() -> None:
    data = "text\nplain line\ncafé “quoted”\n".encode("cp1252")
    decoded = decode_text(data, name="old.csv")
    assert decoded.text == "text\nplain line\ncafé “quoted”\n"
    assert decoded.encoding == "cp1252" and decoded.fallback is True
    # é is byte 0xE9 at offset 19 on line 3
    assert decoded.message.startswith("old.csv is not valid UTF-8 (first undecodable byte 0xE9 at byte "
                                      "offset 19, line 3); it was decoded as cp1252")


def test_latin1_fallback_when_cp1252_has_no_character() -> None:
    # 0x81 is undefined in cp1252 but is a (control) character in latin-1
    data = b"text\nab\x81c \xe9\n"
    decoded = decode_text(data, name="odd.txt")
    assert decoded.encoding == "latin-1" and decoded.fallback is True
    assert decoded.text == "text\nab\x81c é\n"
    assert "0x81 at byte offset 7, line 2" in decoded.message


def test_explicit_encoding_must_decode_everything() -> None:
    data = "text\nok\ncafé\n".encode("cp1252")
    with pytest.raises(CorpusLoadError, match=r"bad\.csv is not valid utf-8: byte 0xE9 at line 3, byte "
                                              r"offset 11 cannot be decoded") as info:
        decode_text(data, name="bad.csv", encoding="utf-8")
    assert info.value.row == 3
    assert decode_text(data, name="bad.csv", encoding="cp1252").text == "text\nok\ncafé\n"


def test_explicit_utf8_strips_bom() -> None:
    assert decode_text(codecs.BOM_UTF8 + b"abc", name="x", encoding="utf-8").text == "abc"


def test_explicit_utf16_is_not_refused_for_its_nul_bytes() -> None:
    data = "text\nhello\n".encode("utf-16-le")
    assert decode_text(data, name="x.csv", encoding="utf-16-le").text == "text\nhello\n"


def test_unknown_encoding_parameter() -> None:
    with pytest.raises(ParameterError, match="encoding='klingon' is not a known text encoding"):
        decode_text(b"abc", name="x", encoding="klingon")


def test_truncated_utf16_with_bom() -> None:
    data = codecs.BOM_UTF16_LE + "abc".encode("utf-16-le")[:-1]
    with pytest.raises(CorpusLoadError, match="starts with a UTF-16 byte-order mark but is not valid"):
        decode_text(data, name="t.txt")


# ---------------------------------------------------------------------------------- binary refusal


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "a PNG image"),
        (_zip_bytes(), r"a zip archive \(an \.xlsx, \.docx or \.zip file\?\)"),
        (b"%PDF-1.7\n...", "a PDF document"),
        (b"\x1f\x8b\x08\x00rest", "gzip-compressed data"),
    ],
    ids=["png", "zip", "pdf", "gzip"],
)
def test_binary_signatures_refused(data: bytes, kind: str) -> None:
    with pytest.raises(CorpusLoadError, match=rf"photo\.csv does not look like text: it starts like {kind}"):
        decode_text(data, name="photo.csv")


def test_nul_bytes_refused_with_utf16_hint() -> None:
    data = "text\nhello\n".encode("utf-16-le")  # UTF-16 without a byte-order mark
    with pytest.raises(CorpusLoadError, match=r"x\.csv does not look like text: it has NUL bytes in its "
                                              r"first KiB \(if it is UTF-16 text without a byte-order mark"):
        decode_text(data, name="x.csv")


def test_mostly_control_bytes_refused() -> None:
    data = bytes([1, 2, 3, 4, 5, 6, 7, 8, 65]) * 100
    with pytest.raises(CorpusLoadError, match=r"x\.txt does not look like text: 89% of its first 900 bytes "
                                              "are control characters"):
        decode_text(data, name="x.txt")


def test_binary_refused_through_read_table_for_text_formats() -> None:
    for fmt in ("csv", "tsv", "jsonl", "txt"):
        with pytest.raises(CorpusLoadError, match="does not look like text"):
            read_table(b"\x89PNG\r\n\x1a\n\x00\x00", fmt=fmt, name=f"x.{fmt}", max_uncompressed_bytes=10**6)


def test_read_table_row_labels() -> None:
    table = read_table(b'{"text": "a"}\n\n{"text": "b"}\n', fmt="jsonl", name="x.jsonl",
                       max_uncompressed_bytes=10**6)
    assert [table.row_label(i) for i in range(2)] == ["line 1", "line 3"]
    table = read_table(b"text\na\nb\n", fmt="csv", name="x.csv", max_uncompressed_bytes=10**6)
    assert table.row_label(0) == "data row 1"
