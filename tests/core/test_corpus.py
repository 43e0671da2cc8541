"""Tests of corpus loading, cleaning and statistics (core/corpus.py)."""

from __future__ import annotations

import codecs
import io
import json
import math
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.exceptions import CorpusCompassWarning, CorpusLoadError, InputError, ParameterError
from core.load.corpus import Corpus, LoadReport
from core.load.read import load_corpora, load_corpus
from core.load.stats import CorpusStats, fit_zipf

FRAME = pd.DataFrame({
    "id": ["d1", "d2", "d3", "d4", "d5"],
    "label": ["news", "blog", "news", "news", "blog"],
    "year": [2020, 2021, 2020, 2022, 2021],
    "text": ["The first document is here.", "Second one, a bit longer than the first.", "   ",
             "The first document is here.", "Último texto con acentos y 東京."],
})
KEPT_TEXTS = ("The first document is here.", "Second one, a bit longer than the first.",
              "Último texto con acentos y 東京.")


def _write(frame: pd.DataFrame, path: Path) -> Path:
    suffix = path.suffix
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix in (".tsv", ".tab"):
        frame.to_csv(path, index=False, sep="\t")
    elif suffix in (".jsonl", ".ndjson"):
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    return path


# ------------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("filename", ["c.csv", "c.tsv", "c.tab", "c.jsonl", "c.ndjson", "c.parquet"])
def test_tabular_round_trip(tmp_path: Path, filename: str) -> None:
    path = _write(FRAME, tmp_path / filename)
    corpus = load_corpus(path, text_column="text", metadata_columns=["label", "year"])
    assert corpus.texts == KEPT_TEXTS
    assert corpus.ids == ("1", "2", "5")  # 1-based data rows of the kept documents
    assert corpus.source_rows == (0, 1, 4)
    assert corpus.name == "c"
    assert corpus.metadata["label"].tolist() == ["news", "blog", "blog"]
    assert corpus.metadata["year"].tolist() == [2020, 2021, 2021]
    assert pd.api.types.is_numeric_dtype(corpus.metadata["year"])
    report = corpus.report
    assert report.format == Path(filename).suffix.lstrip(".").replace("tab", "tsv").replace("ndjson", "jsonl")
    assert (report.n_rows_read, report.n_empty_removed, report.n_duplicates_removed, report.n_documents) == (
        5, 1, 1, 3)
    assert report.text_column == "text" and report.text_column_inferred is False
    assert len(corpus) == 3


def test_plain_text_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_bytes(b"first line\r\nsecond line\n\nfirst line\rlast line\n")
    corpus = load_corpus(path)
    assert corpus.texts == ("first line", "second line", "last line")
    assert corpus.ids == ("1", "2", "5")  # line numbers
    assert corpus.report.n_rows_read == 5  # the final newline does not make a sixth, empty line
    assert (corpus.report.n_empty_removed, corpus.report.n_duplicates_removed) == (1, 1)
    assert corpus.report.text_column_reason == "plain text: one document per line"


def test_zip_of_txt_files(tmp_path: Path) -> None:
    path = tmp_path / "docs.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("corpus/", "")
        archive.writestr("corpus/a.txt", "Alpha document.\n")
        archive.writestr("corpus/sub/b.txt", "Beta document,\nin two lines.\n")
        archive.writestr("corpus/sub/c.TXT", "café".encode("cp1252"))
        archive.writestr("__MACOSX/corpus/._a.txt", b"\x00\x05\x16\x07 resource fork")
        archive.writestr("corpus/.hidden.txt", "hidden")
        archive.writestr(".git/config.txt", "hidden folder")
        archive.writestr("corpus/readme.md", "not a document")
        archive.writestr("corpus/empty.txt", "")
    with pytest.warns(CorpusCompassWarning, match=r"1 of 4 files in .*docs\.zip are not valid UTF-8"):
        corpus = load_corpus(path, metadata_columns=["folder"])
    assert corpus.ids == ("corpus/a.txt", "corpus/sub/b.txt", "corpus/sub/c.TXT")
    assert corpus.texts == ("Alpha document.", "Beta document,\nin two lines.", "café")
    assert corpus.metadata["folder"].tolist() == ["corpus", "corpus/sub", "corpus/sub"]
    report = corpus.report
    assert report.n_rows_read == 4 and report.n_empty_removed == 1
    assert report.encoding == "mixed: cp1252 (1 files), utf-8 (3 files)"
    assert report.encoding_fallback is True
    assert "corpus/sub/c.TXT is not valid UTF-8" in report.encoding_message
    assert report.notes == ("skipped 1 member(s) that are not .txt files: corpus/readme.md",)
    assert corpus.source_rows == (0, 1, 2)


def test_zip_without_txt_files(tmp_path: Path) -> None:
    path = tmp_path / "nothing.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("image.png", b"\x89PNG")
    with pytest.raises(CorpusLoadError, match=r"nothing\.zip contains no documents: no \.txt files in the "
                                              r"archive \(it holds image\.png\)"):
        load_corpus(path)


def test_zip_bomb_refused_by_declared_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "a" * 200_000)  # compresses to a few hundred bytes
    assert path.stat().st_size < 2_000
    with pytest.raises(CorpusLoadError, match=r"bomb\.zip would expand to 200\.0 kB of \.txt files, above the "
                                              r"limit of 100\.0 kB \(max_uncompressed_bytes\); not extracted"):
        load_corpus(path, max_uncompressed_bytes=100_000)


def test_truncated_zip(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "some text " * 500)
    path = tmp_path / "cut.zip"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(CorpusLoadError, match=r"cut\.zip is not a valid zip archive \(it may be truncated or "
                                              r"corrupt\)"):
        load_corpus(path)


def test_corrupt_zip_member(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.txt", "some text that will be damaged")
    data = bytearray(buffer.getvalue())
    start = data.index(b"some text")
    data[start:start + 4] = b"XXXX"  # the CRC no longer matches
    with pytest.raises(CorpusLoadError, match=r"z\.zip: member 'a\.txt' cannot be extracted"):
        load_corpus(bytes(data), filename="z.zip")


# --------------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda s: codecs.BOM_UTF8 + s.encode("utf-8"), "utf-8-sig"),
        (lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"), "utf-16"),
        (lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"), "utf-16"),
    ],
    ids=["utf8-bom", "utf16le", "utf16be"],
)
def test_bom_files_load_without_bom_in_header(tmp_path: Path, encode, encoding: str) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(encode("text,label\nnaïve café,a\n東京,b\n"))
    corpus = load_corpus(path, text_column="text", metadata_columns=["label"])
    assert corpus.texts == ("naïve café", "東京")
    assert corpus.report.encoding == encoding and corpus.report.encoding_fallback is False


def test_cp1252_fallback_reported_and_warned(tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes("text\nplain\n“smart quotes” café\n".encode("cp1252"))
    with pytest.warns(CorpusCompassWarning, match=r"legacy\.csv is not valid UTF-8 \(first undecodable byte "
                                                  r"0x93 at byte offset 11, line 3\)"):
        corpus = load_corpus(path)
    assert corpus.texts == ("plain", "“smart quotes” café")
    assert corpus.report.encoding == "cp1252" and corpus.report.encoding_fallback is True
    assert "decoded as cp1252" in corpus.report.encoding_message


def test_explicit_encoding_failure_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes("text\nplain\ncafé\n".encode("cp1252"))
    with pytest.raises(CorpusLoadError, match=r"legacy\.csv is not valid utf-8: byte 0xE9 at line 3"):
        load_corpus(path, encoding="utf-8")


def test_utf8_file_emits_no_warning(tmp_path: Path) -> None:
    path = _write(FRAME, tmp_path / "ok.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_corpus(path, text_column="text")


# ------------------------------------------------------------------------------------- bad input


def test_binary_file_renamed_csv_refused(tmp_path: Path) -> None:
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    with pytest.raises(CorpusLoadError, match=r"picture\.csv does not look like text: it starts like a PNG"):
        load_corpus(path)
    zipped = tmp_path / "sheet.csv"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    zipped.write_bytes(buffer.getvalue())
    with pytest.raises(CorpusLoadError, match=r"sheet\.csv does not look like text: it starts like a zip"):
        load_corpus(zipped)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("empty.csv", b"", r"empty\.csv contains no documents: the file is empty"),
        ("blank.csv", b"\n\n  \n", r"blank\.csv contains no documents: the file is empty"),
        ("header.csv", b"text,label\n", (r"header\.csv contains no documents: it has a header row \('text', "
                                        r"'label'\) but no data rows")),
        ("empty.jsonl", b"\n\n", r"empty\.jsonl contains no documents: it has no JSON lines"),
        ("empty.txt", b"", r"empty\.txt contains no documents: the file is empty"),
        ("empty.zip", b"", r"empty\.zip contains no documents: the file is empty"),
        ("only_empty.txt", b"\n  \n\t\n", (r"only_empty\.txt contains no documents: all 3 rows of column 'text' "
                                          r"were removed \(3 empty\)")),
    ],
)
def test_files_without_documents(tmp_path: Path, filename: str, content: bytes, message: str) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(CorpusLoadError, match=message) as info:
        load_corpus(path)
    assert info.value.path is not None


def test_empty_parquet(tmp_path: Path) -> None:
    path = _write(FRAME.iloc[:0], tmp_path / "none.parquet")
    with pytest.raises(CorpusLoadError, match=r"none\.parquet contains no documents"):
        load_corpus(path)


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("text\nhello\n")
    with pytest.raises(CorpusLoadError, match=r"fake\.parquet is not a readable Parquet file: it does not "
                                              "start with the Parquet signature"):
        load_corpus(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "missing.csv"
    with pytest.raises(CorpusLoadError, match=r"missing\.csv: no such file") as info:
        load_corpus(path)
    assert info.value.path == str(path)


def test_folder_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "data.csv"
    folder.mkdir()
    with pytest.raises(CorpusLoadError, match="is a folder, not a file"):
        load_corpus(folder)


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"whatever")
    with pytest.raises(CorpusLoadError, match=r"notes\.docx: unknown file extension \.docx; accepted"):
        load_corpus(path)


def test_missing_text_column_lists_columns(tmp_path: Path) -> None:
    path = _write(FRAME, tmp_path / "c.csv")
    with pytest.raises(CorpusLoadError, match=r"c\.csv has no column 'body'; available columns: "
                                              r"\['id', 'label', 'year', 'text'\]") as info:
        load_corpus(path, text_column="body")
    assert info.value.column == "body"


def test_no_text_column_to_infer(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("a,b\n1,2.5\n3,4\n")
    with pytest.raises(CorpusLoadError, match=r"numbers\.csv: no column holds text \(mostly non-numeric "
                                              r"strings\); columns: \['a', 'b'\]\. Choose the text column by its name\."):
        load_corpus(path)


def test_numeric_text_column_refused(tmp_path: Path) -> None:
    path = _write(FRAME, tmp_path / "c.csv")
    with pytest.raises(CorpusLoadError, match=r"column 'year' of .*c\.csv holds no text \(only numbers"):
        load_corpus(path, text_column="year")
    strings = tmp_path / "s.jsonl"
    strings.write_text('{"n": "12"}\n{"n": "3.5e2"}\n{"n": "-7"}\n')
    with pytest.raises(CorpusLoadError, match=r"column 'n' of .*s\.jsonl holds no text"):
        load_corpus(strings, text_column="n")


def test_malformed_jsonl_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n\n{"text": "also ok"}\n{"text": "broken\n')
    with pytest.raises(CorpusLoadError, match=r"bad\.jsonl, line 4: not valid JSON \(Unterminated string "
                                              r"starting at column 10\)") as info:
        load_corpus(path)
    assert info.value.row == 4


def test_jsonl_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    path.write_text('{"text": "ok"}\n["a", "b"]\n')
    with pytest.raises(CorpusLoadError, match=r"list\.jsonl, line 2: expected one JSON object per line"):
        load_corpus(path)


def test_jsonl_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text('{"text": "a", "meta": {"x": 1, "y": 2}}\n{"text": "b", "text": "c"}\n')
    with pytest.raises(CorpusLoadError, match=r"dup\.jsonl, line 2: the key 'text' appears twice"):
        load_corpus(path)


def test_csv_row_with_too_many_fields(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("text,label\nfine,a\n\"multi\nline\",b\nextra,c,d\n")
    with pytest.raises(CorpusLoadError, match=r"ragged\.csv could not be read as CSV: data row 3 \(line 5\) "
                                              "has 3 fields but the header has 2") as info:
        load_corpus(path)
    assert info.value.row == 3


def test_csv_first_row_with_too_many_fields_is_not_shifted(tmp_path: Path) -> None:
    # pandas would silently use the first column as the index here
    path = tmp_path / "shift.csv"
    path.write_text("text,label\nsome text,a,extra\nmore,b\n")
    with pytest.raises(CorpusLoadError, match=r"data row 1 \(line 2\) has 3 fields but the header has 2"):
        load_corpus(path)


def test_csv_unclosed_quote(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('text,label\nok,a\n"never closed,b\nmore,c\n')
    with pytest.raises(CorpusLoadError, match=r"quote\.csv could not be read as CSV: a quoted field starting on "
                                              "line 3 is not closed properly"):
        load_corpus(path)


def test_csv_short_rows_are_padded(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("text,label\nfirst text,a\nsecond text\n")
    corpus = load_corpus(path, text_column="text", metadata_columns=["label"])
    assert corpus.texts == ("first text", "second text")
    assert corpus.metadata["label"].tolist() == ["a", ""]


def test_duplicate_column_names(tmp_path: Path) -> None:
    path = tmp_path / "dupcols.csv"
    path.write_text("text,label,text\na,b,c\n")
    with pytest.raises(CorpusLoadError, match=r"dupcols\.csv has duplicate column names: 'text' is both column "
                                              "1 and column 3"):
        load_corpus(path)


def test_semicolon_csv_detected_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("text;label\nbonjour, le monde;a\nhallo;b\n")
    corpus = load_corpus(path, text_column="text", metadata_columns=["label"])
    assert corpus.texts == ("bonjour, le monde", "hallo")
    assert corpus.report.notes == (("the header line has no commas, so the file was read as separated by "
                                   "semicolons"),)


def test_na_strings_stay_text_and_ids_keep_leading_zeros(tmp_path: Path) -> None:
    path = tmp_path / "na.csv"
    path.write_text("id,text\n007,NA\n010,null\n011,real text\n")
    corpus = load_corpus(path, text_column="text", id_column="id")
    assert corpus.texts == ("NA", "null", "real text")
    assert corpus.ids == ("007", "010", "011")


# ----------------------------------------------------------------------------------- size limits


class _ExplodingFile(io.BytesIO):
    """A seekable upload whose content must never be read (to show the size is checked first)."""

    name = "huge.csv"

    def read(self, *args, **kwargs):
        raise AssertionError("the file was read although it is over the limit")


def test_max_bytes_refused_before_reading(tmp_path: Path) -> None:
    path = _write(FRAME, tmp_path / "c.csv")
    size = path.stat().st_size
    with pytest.raises(CorpusLoadError, match=rf"c\.csv is {size} bytes, above the limit of 100 bytes "
                                              r"\(max_bytes\); it was not read"):
        load_corpus(path, max_bytes=100)
    with pytest.raises(CorpusLoadError, match=r"up\.csv is 1\.0 kB, above the limit of 10 bytes"):
        load_corpus(b"x" * 1000, filename="up.csv", max_bytes=10)
    with pytest.raises(CorpusLoadError, match=r"huge\.csv is 5\.0 kB, above the limit of 1\.0 kB"):
        load_corpus(_ExplodingFile(b"t" * 5000), max_bytes=1000)


def test_parquet_decompression_limit(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": ["same words again " * 50] * 200})
    path = tmp_path / "big.parquet"
    frame.to_parquet(path, index=False)
    # 200 copies of one 850-character text: dictionary-encoded, the file declares about 1 kB
    with pytest.raises(CorpusLoadError, match=r"big\.parquet expands to more than 100\.0 kB when decompressed, "
                                              r"above the limit \(max_uncompressed_bytes\)"):
        load_corpus(path, max_uncompressed_bytes=100_000)
    assert len(load_corpus(path, max_uncompressed_bytes=200_000, drop_duplicates=False)) == 200


# --------------------------------------------------------------------------- columns, ids, metadata


def test_text_column_inference_is_reported(tmp_path: Path) -> None:
    frame = pd.DataFrame({"code": ["A1", "B2", "C3"], "score": [1.5, 2.5, 3.5],
                          "body": ["a long document text", "another long body", "a third piece of text"],
                          "title": ["t one", "t two", "t three"]})
    path = _write(frame, tmp_path / "infer.jsonl")
    corpus = load_corpus(path)
    report = corpus.report
    assert report.text_column == "body" and report.text_column_inferred is True
    # mean length of body: (20 + 17 + 21) / 3 = 19.33
    assert report.text_column_reason == ("the longest mean length (19.3 characters) of the columns that mostly "
                                         "hold text (also ['code', 'title']); another one can be chosen as "
                                         "the text column")
    only = load_corpus(_write(frame[["score", "body"]], tmp_path / "one.csv"))
    assert only.report.text_column_reason == "the only column that mostly holds text (mean length 19.3 characters)"


def test_inference_skips_id_and_metadata_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({"long_id": ["identifier-number-one-xxxxxxxxxxxx", "identifier-number-two-xxxxxxxxxxxx"],
                          "text": ["short text", "other text"]})
    corpus = load_corpus(_write(frame, tmp_path / "c.csv"), id_column="long_id")
    assert corpus.report.text_column == "text"
    assert corpus.ids == tuple(frame["long_id"])


def test_id_column_and_duplicates(tmp_path: Path) -> None:
    corpus = load_corpus(_write(FRAME, tmp_path / "c.jsonl"), id_column="id")
    assert corpus.ids == ("d1", "d2", "d5")
    frame = FRAME.assign(id=["x", "y", "z", "w", "x"])
    with pytest.raises(CorpusLoadError, match=r"document id 'x' appears twice \(line 1 and line 5\)"):
        load_corpus(_write(frame, tmp_path / "d.jsonl"), id_column="id")


def test_numeric_ids_are_written_without_decimals(tmp_path: Path) -> None:
    frame = pd.DataFrame({"n": [10, 20, 30], "text": ["a", "b", "c"]})
    assert load_corpus(_write(frame, tmp_path / "c.parquet"), id_column="n").ids == ("10", "20", "30")


def test_unknown_id_metadata_vector_columns(tmp_path: Path) -> None:
    path = _write(FRAME, tmp_path / "c.csv")
    with pytest.raises(CorpusLoadError, match=r"has no column 'key' \(id_column\); available columns"):
        load_corpus(path, id_column="key")
    with pytest.raises(CorpusLoadError, match=r"has no column\(s\) \['topic'\] \(metadata_columns\)"):
        load_corpus(path, metadata_columns=["label", "topic"])
    with pytest.raises(CorpusLoadError, match=r"has no column 'emb' \(vector_column\)"):
        load_corpus(path, vector_column="emb")


def test_column_role_conflicts(tmp_path: Path) -> None:
    path = _write(FRAME, tmp_path / "c.csv")
    with pytest.raises(ParameterError, match="metadata_columns includes the text column 'text'"):
        load_corpus(path, text_column="text", metadata_columns=["text"])
    with pytest.raises(ParameterError, match="id_column='text' is also the text column"):
        load_corpus(path, text_column="text", id_column="text")


def test_text_column_ignored_for_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one\ntwo\n")
    corpus = load_corpus(path, text_column="body")
    assert corpus.texts == ("one", "two")
    assert corpus.report.notes == ("the text column 'body' was ignored: in a txt file the documents are the lines",)


def test_keep_empty_and_duplicates_when_asked(tmp_path: Path) -> None:
    path = _write(FRAME, tmp_path / "c.csv")
    everything = load_corpus(path, text_column="text", drop_empty=False, drop_duplicates=False)
    assert everything.texts == tuple(FRAME["text"])
    assert (everything.report.n_empty_removed, everything.report.n_duplicates_removed) == (0, 0)
    no_dedup = load_corpus(path, text_column="text", drop_duplicates=False)
    assert len(no_dedup) == 4 and no_dedup.report.n_empty_removed == 1
    keep_empty = load_corpus(path, text_column="text", drop_empty=False)
    assert len(keep_empty) == 4 and keep_empty.report.n_duplicates_removed == 1


def test_missing_values_in_text_column_count_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "nulls.jsonl"
    path.write_text('{"text": "a"}\n{"text": null}\n{"other": 1}\n{"text": 42}\n')
    corpus = load_corpus(path, text_column="text")
    assert corpus.texts == ("a", "42")
    assert corpus.report.n_empty_removed == 2


def test_non_text_value_in_text_column(tmp_path: Path) -> None:
    path = tmp_path / "lists.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b"}\n{"text": ["c"]}\n')
    with pytest.raises(CorpusLoadError, match=r"lists\.jsonl, line 3: column 'text' holds a list, not text"):
        load_corpus(path, text_column="text")


def test_to_frame(tmp_path: Path) -> None:
    corpus = load_corpus(_write(FRAME, tmp_path / "c.csv"), text_column="text", metadata_columns=["label"])
    frame = corpus.to_frame()
    assert list(frame.columns) == ["doc_id", "text", "label"]
    assert frame["doc_id"].tolist() == ["1", "2", "5"]
    assert frame["text"].tolist() == list(KEPT_TEXTS)


# ---------------------------------------------------------------------------------------- vectors


def test_vector_column_from_csv_strings(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": ["a", "", "b", "a", "c"],
                          "vec": ["[0.1, 0.2]", "[9, 9]", "0.3 0.4", "[8, 8]", "(1e-3,2)"]})
    corpus = load_corpus(_write(frame, tmp_path / "v.csv"), text_column="text", vector_column="vec")
    assert corpus.vectors.dtype == np.float32
    np.testing.assert_allclose(corpus.vectors, [[0.1, 0.2], [0.3, 0.4], [1e-3, 2]], rtol=1e-6)


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_vector_column_from_lists(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame({"text": ["a", "b", "b"], "emb": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]})
    corpus = load_corpus(_write(frame, tmp_path / f"v{suffix}"), vector_column="emb")
    assert corpus.report.text_column == "text"
    np.testing.assert_array_equal(corpus.vectors, np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32))


def test_vector_column_errors(tmp_path: Path) -> None:
    bad = pd.DataFrame({"text": ["a", "b", "c"], "vec": ["[1, 2]", "[1, x]", "[1, 2]"]})
    with pytest.raises(CorpusLoadError, match=r"v\.csv, data row 2: the vector column 'vec' does not hold a "
                                              "list of numbers"):
        load_corpus(_write(bad, tmp_path / "v.csv"), text_column="text", vector_column="vec")
    ragged = pd.DataFrame({"text": ["a", "b", "c"], "vec": [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0, 3.0]]})
    with pytest.raises(CorpusLoadError, match=r"r\.jsonl, line 3: the vector in 'vec' has 3 values but line 1 "
                                              "has 2"):
        load_corpus(_write(ragged, tmp_path / "r.jsonl"), text_column="text", vector_column="vec")
    nan = tmp_path / "n.jsonl"
    nan.write_text('{"text": "a", "vec": [1, 2]}\n{"text": "b", "vec": [NaN, 2]}\n')
    with pytest.raises(CorpusLoadError, match=r"n\.jsonl, line 2: the vector in 'vec' contains NaN or infinity"):
        load_corpus(nan, text_column="text", vector_column="vec")


def test_align_vectors_selects_source_rows(tmp_path: Path) -> None:
    corpus = load_corpus(_write(FRAME, tmp_path / "c.csv"), text_column="text")
    array = np.arange(10, dtype=np.float64).reshape(5, 2)
    aligned = corpus.align_vectors(array)
    np.testing.assert_array_equal(aligned, np.array([[0, 1], [2, 3], [8, 9]], dtype=np.float32))
    assert aligned.dtype == np.float32
    npy = tmp_path / "vectors.npy"
    np.save(npy, array)
    np.testing.assert_array_equal(corpus.align_vectors(npy), aligned)
    np.testing.assert_array_equal(corpus.align_vectors(npy.read_bytes()), aligned)
    with_vectors = corpus.with_vectors(array)
    np.testing.assert_array_equal(with_vectors.vectors, aligned)
    assert corpus.vectors is None  # the original is unchanged


def test_align_vectors_errors(tmp_path: Path) -> None:
    corpus = load_corpus(_write(FRAME, tmp_path / "c.csv"), text_column="text")
    with pytest.raises(InputError, match=r"the vector array has 3 rows but .*c\.csv has 5 rows; they must match"):
        corpus.align_vectors(np.zeros((3, 2)))
    with pytest.raises(InputError, match=r"must be 2-D .* got shape \(5,\)"):
        corpus.align_vectors(np.zeros(5))
    bad = np.zeros((5, 2))
    bad[4, 1] = np.nan
    with pytest.raises(InputError, match=r"NaN or infinite values in row 4 \(0-based\)"):
        corpus.align_vectors(bad)
    bad[4, 1] = 0
    bad[2, 0] = np.inf  # row 2 was removed (empty text): not an error
    assert corpus.align_vectors(bad).shape == (3, 2)
    pickled = tmp_path / "objects.npy"
    np.save(pickled, np.array([{"a": 1}] * 5, dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="not a readable .npy array"):
        corpus.align_vectors(pickled)


# ----------------------------------------------------------------------------------- sources, names


def test_bytes_and_file_object_sources(tmp_path: Path) -> None:
    data = _write(FRAME, tmp_path / "c.csv").read_bytes()
    from_bytes = load_corpus(data, filename="upload.csv", text_column="text")
    assert from_bytes.name == "upload" and from_bytes.report.path is None
    assert from_bytes.report.filename == "upload.csv"
    handle = io.BytesIO(data)
    handle.name = "streamlit_upload.csv"
    from_handle = load_corpus(handle, text_column="text")
    assert from_handle.name == "streamlit_upload" and from_handle.texts == KEPT_TEXTS
    assert load_corpus(data, format="csv", text_column="text").name == "corpus"
    with pytest.raises(ParameterError, match="cannot tell the file format: give filename="):
        load_corpus(data)
    with open(tmp_path / "c.csv", encoding="utf-8") as text_mode, \
            pytest.raises(ParameterError, match="opened in text mode; open it in binary mode"):
        load_corpus(text_mode)
    assert load_corpus(tmp_path / "c.csv", name="mine", text_column="text").name == "mine"


def test_load_corpora_makes_names_unique(tmp_path: Path) -> None:
    first = _write(FRAME, tmp_path / "data.csv")
    (tmp_path / "sub").mkdir()
    second = _write(FRAME, tmp_path / "sub" / "data.jsonl")
    corpora = load_corpora([first, second, (first.read_bytes(), "data.csv")], text_column="text")
    assert [c.name for c in corpora] == ["data", "data-2", "data-3"]
    named = load_corpora([first, second], names=["a", "a"], text_column="text")
    assert [c.name for c in named] == ["a", "a-2"]
    with pytest.raises(ParameterError, match="names has 1 entries but there are 2 sources"):
        load_corpora([first, second], names=["a"])
    with pytest.raises(ParameterError, match="sources is empty"):
        load_corpora([])
    with pytest.raises(ParameterError, match="load_corpora takes names="):
        load_corpora([first], name="x")


# ------------------------------------------------------------------------------ parameter checks


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text_column": 3}, "text_column must be a str or None, got int"),
        ({"id_column": ["id"]}, "id_column must be a str or None, got list"),
        ({"vector_column": 1.5}, "vector_column must be a str or None"),
        ({"name": 7}, "name must be a str or None"),
        ({"metadata_columns": "label"}, "metadata_columns must be a list of column names"),
        ({"metadata_columns": ["label", "label"]}, "metadata_columns lists a column twice"),
        ({"drop_empty": "yes"}, "drop_empty must be True or False"),
        ({"drop_duplicates": 1}, "drop_duplicates must be True or False"),
        ({"max_bytes": 0}, "max_bytes must be a positive number of bytes, got 0"),
        ({"max_uncompressed_bytes": -1}, "max_uncompressed_bytes must be a positive number of bytes"),
        ({"encoding": "no-such-codec"}, "encoding='no-such-codec' is not a known text encoding"),
        ({"format": "xls"}, "format='xls' is not supported"),
    ],
)
def test_invalid_parameters(tmp_path: Path, kwargs: dict, message: str) -> None:
    path = _write(FRAME, tmp_path / "c.csv")
    with pytest.raises(ParameterError, match=message):
        load_corpus(path, **kwargs)


def test_invalid_source_type() -> None:
    with pytest.raises(ParameterError, match="source must be a path, bytes or a binary file object, got int"):
        load_corpus(42, format="csv")


# ------------------------------------------------------------------------------------- statistics


def test_stats_on_hand_computed_corpus() -> None:
    corpus = Corpus.from_texts(["a b a", "B, c!", "c c c c"], name="tiny")
    stats = corpus.stats()
    # tokens per document: 3, 2, 4; counts c=5, a=2, b=2
    assert (stats.n_documents, stats.n_tokens, stats.vocabulary_size) == (3, 9, 3)
    assert (stats.tokens_min, stats.tokens_median, stats.tokens_mean, stats.tokens_max) == (2, 3, 3, 4)
    assert stats.tokens_p95 == pytest.approx(3.9)  # linear interpolation: 3 + 0.9 * (4 - 3)
    np.testing.assert_array_equal(stats.histogram_edges, [2, 3, 4, 5])
    np.testing.assert_array_equal(stats.histogram_counts, [1, 1, 1])
    assert stats.top_words == (("c", 5), ("a", 2), ("b", 2))  # ties alphabetical
    np.testing.assert_array_equal(stats.zipf_ranks, [1, 2, 3])
    np.testing.assert_array_equal(stats.zipf_frequencies, [5, 2, 2])
    # closed-form least squares slope of log10 f on log10 r
    x, y = np.log10([1, 2, 3]), np.log10([5, 2, 2])
    slope = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    assert stats.zipf_exponent == pytest.approx(-slope, rel=1e-12)
    assert stats.zipf_intercept == pytest.approx(y.mean() - slope * x.mean(), rel=1e-12)
    assert stats.n_empty_removed == 0 and stats.n_duplicates_removed == 0


def test_stats_histogram_with_wide_range() -> None:
    texts = [" ".join(["w"] * n) for n in (1, 10, 50, 100)]
    stats = Corpus.from_texts(texts).stats(bins=4)
    np.testing.assert_allclose(stats.histogram_edges, [1, 25.75, 50.5, 75.25, 100])
    np.testing.assert_array_equal(stats.histogram_counts, [2, 1, 0, 1])


def test_zipf_exponent_on_exactly_zipfian_corpus() -> None:
    # f(r) = 420 / r is an integer for r = 1..7 (420 = lcm(1..7)): exact Zipf with s = 1
    counts = {f"w{r}": 420 // r for r in range(1, 8)}
    texts = [" ".join([word] * count) for word, count in counts.items()]
    stats = Corpus.from_texts(texts).stats()
    assert stats.zipf_exponent == pytest.approx(1.0, abs=1e-12)
    assert stats.zipf_intercept == pytest.approx(math.log10(420), abs=1e-12)
    assert stats.zipf_r2 == pytest.approx(1.0, abs=1e-12)


def test_fit_zipf_reference_values() -> None:
    ranks = np.arange(1, 1001)
    exponent, intercept, r2 = fit_zipf(1e6 / ranks**1.2)
    assert exponent == pytest.approx(1.2, abs=1e-10)
    assert intercept == pytest.approx(6.0, abs=1e-10)
    assert r2 == pytest.approx(1.0, abs=1e-12)
    assert fit_zipf([3, 3, 3]) == (0.0, pytest.approx(math.log10(3)), 1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=2, max_size=60),
       st.integers(min_value=2, max_value=50), st.randoms(use_true_random=False))
def test_fit_zipf_invariances(freqs: list[int], scale: int, random) -> None:
    """Scaling all frequencies moves only the intercept; the input order does not matter."""
    exponent, intercept, r2 = fit_zipf(freqs)
    shuffled = list(freqs)
    random.shuffle(shuffled)
    assert fit_zipf(shuffled) == pytest.approx((exponent, intercept, r2), abs=1e-9)
    scaled = fit_zipf([f * scale for f in freqs])
    assert scaled[0] == pytest.approx(exponent, abs=1e-9)
    assert scaled[1] == pytest.approx(intercept + math.log10(scale), abs=1e-9)
    assert exponent >= -1e-12  # frequencies sorted descending never rise with rank
    assert -1e-9 <= r2 <= 1 + 1e-9


def test_fit_zipf_invalid_input() -> None:
    with pytest.raises(InputError, match="needs at least 2 word frequencies, got 1"):
        fit_zipf([5])
    with pytest.raises(InputError, match="positive finite frequencies"):
        fit_zipf([5, 0])


def test_cjk_corpus_stats() -> None:
    corpus = Corpus.from_texts(["北京大学", "东京大学", "大学生活"], name="cjk")
    stats = corpus.stats(top_n=2)
    assert (stats.n_tokens, stats.vocabulary_size) == (12, 7)
    assert stats.top_words == (("大", 3), ("学", 3))
    assert stats.tokens_mean == 4


def test_stats_reports_removed_rows_and_serialises(tmp_path: Path) -> None:
    corpus = load_corpus(_write(FRAME, tmp_path / "c.csv"), text_column="text")
    stats = corpus.stats()
    assert (stats.n_empty_removed, stats.n_duplicates_removed) == (1, 1)
    as_dict = json.loads(json.dumps(stats.to_dict()))
    assert as_dict["n_documents"] == 3 and as_dict["tokens_per_document"]["max"] == stats.tokens_max
    assert json.loads(json.dumps(corpus.report.to_dict()))["n_duplicates_removed"] == 1
    assert isinstance(stats, CorpusStats) and isinstance(corpus.report, LoadReport)
    assert stats.top_words_frame().columns.tolist() == ["rank", "word", "count"]


def test_zipf_plot_ranks_are_subsampled_for_large_vocabularies() -> None:
    texts = [" ".join(f"w{i}" for i in range(j, j + 50)) for j in range(0, 2000, 50)]
    stats = Corpus.from_texts(texts).stats()
    assert stats.vocabulary_size == 2000
    assert stats.zipf_ranks[0] == 1 and stats.zipf_ranks[-1] == 2000
    assert len(stats.zipf_ranks) <= 500 and np.all(np.diff(stats.zipf_ranks) > 0)


def test_stats_parameters() -> None:
    corpus = Corpus.from_texts(["a b"])
    with pytest.raises(ParameterError, match="top_n must be a positive integer, got 0"):
        corpus.stats(top_n=0)
    with pytest.raises(ParameterError, match="bins must be a positive integer, got 2.5"):
        corpus.stats(bins=2.5)


def test_stats_with_no_tokens() -> None:
    stats = Corpus.from_texts(["🎉", "!!!"]).stats()
    assert (stats.n_tokens, stats.vocabulary_size, stats.zipf_exponent) == (0, 0, None)
    assert stats.top_words == ()


def test_word_frequencies_of_corpus() -> None:
    corpus = Corpus.from_texts(["a b a", "b"])
    assert corpus.word_frequencies() == {"a": 2, "b": 2}


def test_from_texts_cleaning_and_checks() -> None:
    corpus = Corpus.from_texts(["x", " ", "x", "y"], ids=["k1", "k2", "k3", "k4"], name="mem")
    assert corpus.texts == ("x", "y") and corpus.ids == ("k1", "k4") and corpus.source_rows == (0, 3)
    assert corpus.report.format == "memory" and corpus.report.n_duplicates_removed == 1
    with pytest.raises(InputError, match=r"texts\[1\] is a int, not a str"):
        Corpus.from_texts(["a", 1])
    with pytest.raises(InputError, match="ids has 1 entries but texts has 2"):
        Corpus.from_texts(["a", "b"], ids=["1"])
    with pytest.raises(InputError, match="has no documents left"):
        Corpus.from_texts(["", " "])


def test_parquet_run_length_bomb_refused_from_metadata(tmp_path: Path) -> None:
    # one million equal integers compress to a few kB but would take 8 MB in memory
    path = tmp_path / "rle.parquet"
    pd.DataFrame({"text": ["x"] * 1_000_000, "n": np.zeros(1_000_000, dtype=np.int64)}).to_parquet(path)
    assert path.stat().st_size < 100_000
    with pytest.raises(CorpusLoadError, match=r"rle\.parquet expands to more than 1\.0 MB"):
        load_corpus(path, max_uncompressed_bytes=1_000_000)


def test_metadata_number_column_with_gaps_becomes_numeric(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("text,year,tag\none,2020,x\ntwo,,007\nthree,2021,\n")
    corpus = load_corpus(path, text_column="text", metadata_columns=["year", "tag"])
    years = corpus.metadata["year"].tolist()
    assert years[0] == 2020 and math.isnan(years[1]) and years[2] == 2021
    # a column with any non-number stays text, as written
    assert corpus.metadata["tag"].tolist() == ["x", "007", ""]


def test_to_frame_renames_clashing_metadata(tmp_path: Path) -> None:
    path = tmp_path / "clash.csv"
    path.write_text("body,text,doc_id\nfirst body,meta text,m1\nsecond body,other,m2\n")
    corpus = load_corpus(path, text_column="body", metadata_columns=["text", "doc_id"])
    frame = corpus.to_frame()
    assert list(frame.columns) == ["doc_id", "text", "text (metadata)", "doc_id (metadata)"]
    assert frame["text"].tolist() == ["first body", "second body"]
    assert frame["text (metadata)"].tolist() == ["meta text", "other"]
