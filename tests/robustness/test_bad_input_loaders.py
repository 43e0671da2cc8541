"""Bad input to the corpus loaders: the exact message the user reads, and nothing already loaded lost.

Every case loads the bytes the way an upload arrives (bytes + file name) next to corpora that were
loaded before, then checks that

- the error is a :class:`~core.exceptions.CorpusLoadError` (or ParameterError) whose message is
  exactly the expected text (it names the file and, where there is one, the row, line or column);
- the corpora loaded before are unchanged (same ids, texts and statistics), and the process-wide
  state a loader touches (the csv module's field size limit) is restored, so the next load works.

Inputs that are odd but legitimate (a 10 MB single line, a one-document corpus, mixed encodings, a
stray NUL) load, and the test asserts what the report says about them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from robustness_support import SAMPLES

from core.exceptions import CorpusCompassWarning, CorpusLoadError, InputError, ParameterError
from core.load.corpus import Corpus
from core.load.read import load_corpora, load_corpus


def _fingerprint(corpora: list[Corpus]) -> str:
    digest = hashlib.sha256()
    for corpus in corpora:
        digest.update(corpus.name.encode())
        for doc_id, text in zip(corpus.ids, corpus.texts):
            digest.update(doc_id.encode() + b"\0" + text.encode() + b"\0")
        digest.update(str(corpus.stats().to_dict()).encode())
    return digest.hexdigest()


GOOD = b"text,label\nfirst document,a\nsecond document,b\n"


@pytest.fixture(scope="module")
def loaded() -> list[Corpus]:
    return [load_corpus(SAMPLES / "games.csv", text_column="text"), load_corpus(GOOD, filename="good.csv")]


@pytest.fixture(scope="module")
def loaded_fingerprint(loaded) -> str:
    return _fingerprint(loaded)


@pytest.fixture
def intact(loaded, loaded_fingerprint):
    """Yields; afterwards checks that the corpora loaded before are exactly as they were, and that
    the next load works."""
    limit = csv.field_size_limit()
    yield
    assert _fingerprint(loaded) == loaded_fingerprint
    assert csv.field_size_limit() == limit
    assert load_corpus(GOOD, filename="good.csv").texts == loaded[1].texts


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _parquet(table: pa.Table, **kwargs) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **kwargs)
    return buffer.getvalue()


def _with_declared_size(data: bytes, size: int) -> bytes:
    """A one-member zip whose headers declare ``size`` uncompressed bytes (a lying zip bomb)."""
    out = bytearray(data)
    struct.pack_into("<I", out, 22, size)  # local file header: uncompressed size
    central = out.rfind(b"PK\x01\x02")
    struct.pack_into("<I", out, central + 24, size)  # central directory: uncompressed size
    return bytes(out)


def _bad_utf8_parquet() -> bytes:
    data = _parquet(pa.table({"text": ["hello world", "foo bar baz"]}), compression="NONE")
    at = data.index(b"foo bar baz")
    return data[: at + 1] + b"\xb1" + data[at + 2:]  # 'foo' -> 'f\xb1o': not UTF-8


def _bad_pandas_metadata_parquet() -> bytes:
    table = pa.table({"text": ["hello world", "foo bar baz"]}).replace_schema_metadata({b"pandas": b"{not json"})
    return _parquet(table)


BOMB = _zip({"bomb.txt": b"\0" * 5_000_000})

# (case id, file name, bytes, load_corpus options, exact message)
ERRORS = [
    ("empty", "empty.csv", b"", {}, "empty.csv contains no documents: the file is empty."),
    ("empty-jsonl", "empty.jsonl", b"", {}, "empty.jsonl contains no documents: the file is empty."),
    ("empty-zip", "empty.zip", b"", {}, "empty.zip contains no documents: the file is empty."),
    ("bom-only", "bom.csv", b"\xef\xbb\xbf", {}, "bom.csv contains no documents: the file is empty."),
    ("whitespace-txt", "blank.txt", b"  \n\n \t\n", {},
     "blank.txt contains no documents: all 3 rows of column 'text' were removed (3 empty)."),
    ("header-only", "header.csv", b"text,label\n", {},
     "header.csv contains no documents: it has a header row ('text', 'label') but no data rows."),
    ("header-only-tsv", "header.tsv", b"text\tlabel\r\n", {},
     "header.tsv contains no documents: it has a header row ('text', 'label') but no data rows."),
    ("binary-png", "picture.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), {},
     "picture.csv does not look like text: it starts like a PNG image."),
    ("binary-xlsx", "sheet.csv", _zip({"xl/workbook.xml": b"<x/>"}), {},
     "sheet.csv does not look like text: it starts like a zip archive (an .xlsx, .docx or .zip file?)."),
    ("binary-controls", "noise.txt", bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 64, {},
     "noise.txt does not look like text: 100% of its first 512 bytes are control characters."),
    ("nul-in-head", "nul.csv", b"text\nhello\x00world\n", {},
     ("nul.csv does not look like text: it has NUL bytes in its first KiB (if it is UTF-16 text without a "
     "byte-order mark, save it again as UTF-8).")),
    ("utf16-no-bom", "utf16.txt", "one document\nanother one\n".encode("utf-16-le"), {},
     ("utf16.txt does not look like text: it has NUL bytes in its first KiB (if it is UTF-16 text without a "
     "byte-order mark, save it again as UTF-8).")),
    ("truncated-zip", "cut.zip", _zip({f"{i}.txt": b"document %d" % i for i in range(5)})[:150], {},
     "cut.zip is not a valid zip archive (it may be truncated or corrupt): File is not a zip file"),
    ("zip-bomb-declared", "bomb.zip", BOMB, {"max_uncompressed_bytes": 1_000_000},
     ("bomb.zip would expand to 5.0 MB of .txt files, above the limit of 1.0 MB (max_uncompressed_bytes); "
     "not extracted.")),
    ("zip-bomb-3GB-default-limit", "huge.zip", _with_declared_size(_zip({"a.txt": b"x" * 100}), 3_000_000_000),
     {}, ("huge.zip would expand to 3.0 GB of .txt files, above the limit of 1.0 GB (max_uncompressed_bytes); "
     "not extracted.")),
    ("zip-bomb-lying-header", "liar.zip", _with_declared_size(BOMB, 1000), {},
     ("liar.zip: member 'bomb.txt' cannot be extracted (the archive may be truncated or corrupt): Bad CRC-32 "
     "for file 'bomb.txt'")),
    ("zip-no-txt", "images.zip", _zip({"a.png": b"\x89PNG", "b.csv": b"text\nx\n"}), {},
     "images.zip contains no documents: no .txt files in the archive (it holds a.png, b.csv)."),
    ("ragged-long-row", "ragged.csv", b"text,label\nfine,a\nbroken,b,extra\nfine too,c\n", {},
     "ragged.csv could not be read as CSV: data row 2 (line 3) has 3 fields but the header has 2."),
    ("unclosed-quote", "quote.csv", b'text\n"never closed\nmore\n', {},
     ("quote.csv could not be read as CSV: a quoted field starting on line 2 is not closed properly "
     "(unexpected end of data).")),
    ("duplicate-columns-csv", "dup.csv", b"text,label,text\na,b,c\n", {},
     ("dup.csv has duplicate column names: 'text' is both column 1 and column 3. Rename them so each column "
     "has a unique name.")),
    ("duplicate-key-jsonl", "dup.jsonl", b'{"text": "a"}\n{"text": "b", "text": "c"}\n', {},
     "dup.jsonl, line 2: the key 'text' appears twice."),
    ("duplicate-columns-parquet", "dup.parquet",
     _parquet(pa.Table.from_arrays([pa.array(["a", "b"]), pa.array(["c", "d"])], names=["text", "text"])), {},
     "dup.parquet has duplicate column names: ['text']. Rename them so each column has a unique name."),
    ("numeric-text-column", "numbers.csv", b"text,label\n1,a\n2.5,b\n-3,c\n", {"text_column": "text"},
     ("column 'text' of numbers.csv holds no text (only numbers or other non-text values); choose the "
     "column with the documents, one of ['text', 'label']")),
    ("numeric-only-file", "numbers.csv", b"a,b\n1,2\n3,4\n", {},
     ("numbers.csv: no column holds text (mostly non-numeric strings); columns: ['a', 'b']. Choose the "
     "text column by its name.")),
    ("missing-text-column", "posts.csv", b"body,label\nhello,a\n", {"text_column": "text"},
     "posts.csv has no column 'text'; available columns: ['body', 'label']"),
    ("jsonl-syntax", "bad.jsonl", b'{"text": "ok"}\n{"text": "broken\n', {},
     "bad.jsonl, line 2: not valid JSON (Unterminated string starting at column 10)."),
    ("jsonl-raw-control", "ctl.jsonl", b'{"text": "a\tb"}\n', {},
     "ctl.jsonl, line 1: not valid JSON (Invalid control character at column 12)."),
    ("jsonl-not-object", "list.jsonl", b'["a", "b"]\n', {},
     "list.jsonl, line 1: expected one JSON object per line, like {\"text\": \"...\"}, found a JSON list."),
    ("wrong-encoding-given", "latin.csv", "text\ncafé\n".encode("cp1252"), {"encoding": "utf-8"},
     ("latin.csv is not valid utf-8: byte 0xE9 at line 2, byte offset 8 cannot be decoded; pass the file's "
     "real encoding, or encoding='auto'")),
    ("duplicate-ids", "ids.csv", b"id,text\n7,first\n7,second\n", {"id_column": "id"},
     "ids.csv: document id '7' appears twice (data row 1 and data row 2); ids must be unique"),
    ("empty-text-column", "blank.csv", b"text,label\n,a\n  ,b\n", {"text_column": "text"},
     "blank.csv contains no documents: all 2 rows of column 'text' were removed (2 empty)."),
    ("unknown-extension", "report.docx", b"PK\x03\x04", {},
     ("report.docx: unknown file extension .docx; accepted extensions are .csv, .tsv, .tab, .jsonl, .ndjson, "
     ".json-lines, .parquet, .txt, .zip (or pass format=)")),
    ("parquet-truncated", "cut.parquet", _parquet(pa.table({"text": ["a", "b"]}))[:-20], {},
     "cut.parquet is not a readable Parquet file: it is truncated."),
    ("parquet-invalid-utf8", "bad.parquet", _bad_utf8_parquet(), {},
     "bad.parquet could not be read as Parquet: column 'text' holds text that is not valid UTF-8."),
    ("zip-corrupt-deflate", "garbled.zip", None, {}, None),  # filled in below (message from zlib)
]


def _garbled_zip() -> tuple[bytes, str]:
    data = bytearray(_zip({"a.txt": b"hello world " * 200}))
    start = 30 + len("a.txt")
    data[start:start + 2] = b"\xff\xff"  # an invalid deflate block header: zlib.error while inflating
    return bytes(data), ("garbled.zip: member 'a.txt' cannot be extracted (the archive may be truncated or "
                         "corrupt): Error -3 while decompressing data: invalid block type")


ERRORS[-1] = ("zip-corrupt-deflate", "garbled.zip", *_garbled_zip()[:1], {}, _garbled_zip()[1])


@pytest.mark.parametrize(("filename", "data", "options", "message"), [case[1:] for case in ERRORS],
                         ids=[case[0] for case in ERRORS])
def test_bad_file_gives_exact_message_and_keeps_loaded_corpora(intact, filename, data, options, message):
    with pytest.raises(CorpusLoadError) as info:
        load_corpus(data, filename=filename, **options)
    assert str(info.value) == message
    assert info.value.path == filename


def test_two_gigabyte_file_is_refused_by_its_size_before_reading(intact, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: announces 2 GiB, occupies nothing
    with pytest.raises(CorpusLoadError) as info:
        load_corpus(big)
    assert str(info.value) == f"{big} is 2.1 GB, above the limit of 500.0 MB (max_bytes); it was not read."

    class CountingReader(io.FileIO):
        reads = 0

        def read(self, *args):
            CountingReader.reads += 1
            return super().read(*args)

        readall = readinto = read

    with CountingReader(big, "rb") as handle, pytest.raises(CorpusLoadError) as info:
        load_corpus(handle, filename="big.csv")
    assert str(info.value) == "big.csv is 2.1 GB, above the limit of 500.0 MB (max_bytes); it was not read."
    assert CountingReader.reads == 0


def test_oversized_upload_bytes_are_refused(intact) -> None:
    with pytest.raises(CorpusLoadError) as info:
        load_corpus(b"text\n" + b"x" * 2000, filename="up.csv", max_bytes=1000)
    assert str(info.value) == "up.csv is 2.0 kB, above the limit of 1.0 kB (max_bytes); it was not read."


def test_invalid_options_are_parameter_errors(intact) -> None:
    with pytest.raises(ParameterError) as info:
        load_corpus(b"text\na\n", filename="a.csv", encoding="klingon")
    assert str(info.value) == ("encoding='klingon' is not a known text encoding; use 'auto' or a codec name such "
                               "as 'utf-8', 'utf-16', 'cp1252', 'latin-1'")
    with pytest.raises(ParameterError) as info:
        load_corpus(b"text\na\n", filename="a.csv", format="xlsx")
    assert str(info.value) == ("format='xlsx' is not supported; choose one of "
                               "['csv', 'tsv', 'jsonl', 'parquet', 'txt', 'zip']")


# ------------------------------------------------------------------------ odd but legitimate input


def test_ten_megabyte_single_line(intact) -> None:
    line = ("word " * 2_000_000).strip().encode()  # 10 MB, no newline at all
    for filename, data in (("one.txt", line), ("one.csv", b"text\n" + line + b"\n")):
        corpus = load_corpus(data, filename=filename)
        assert len(corpus) == 1 and len(corpus.texts[0]) == len(line)
        assert corpus.report.notes == () and corpus.report.n_rows_read == 1


def test_mixed_encodings_keep_both_parts_readable(intact) -> None:
    data = "text\ncafé in UTF-8\n".encode() + "naïve in cp1252\n".encode("cp1252")
    with pytest.warns(CorpusCompassWarning) as warned:
        corpus = load_corpus(data, filename="mixed.csv")
    assert corpus.texts == ("café in UTF-8", "naïve in cp1252")
    message = ("mixed.csv mixes encodings: it is UTF-8 except for 1 byte(s) that are not (the first, 0xEF, at "
               "byte offset 22, line 3). Those were decoded as cp1252 (Windows Western European), the rest as "
               "UTF-8. Check those characters, or save the file as UTF-8, to be sure.")
    assert [str(w.message) for w in warned] == [message]
    assert corpus.report.encoding == "mixed: utf-8, cp1252 (1 bytes)"
    assert corpus.report.encoding_fallback and corpus.report.encoding_message == message


def test_mixed_encodings_across_zip_members(intact) -> None:
    data = _zip({"a.txt": "déjà vu".encode(), "b.txt": "déjà vu again".encode("cp1252")})
    with pytest.warns(CorpusCompassWarning):
        corpus = load_corpus(data, filename="two.zip")
    assert corpus.texts == ("déjà vu", "déjà vu again")
    assert corpus.report.encoding == "mixed: cp1252 (1 files), utf-8 (1 files)"


def test_stray_nul_bytes_after_the_first_kib_are_removed_and_reported(intact) -> None:
    data = b"text\n" + b"long document " * 100 + b"\nhello\x00world\nfine\x00\n"
    corpus = load_corpus(data, filename="nul.csv")
    assert corpus.texts[1:] == ("helloworld", "fine")
    assert corpus.report.notes == (("removed 2 NUL character(s) (the first on line 3); NUL is not text and "
                                   "usually means the file is damaged"),)


def test_ragged_short_rows_are_padded(intact) -> None:
    corpus = load_corpus(b"text,label\nfull row,a\nshort row\n", filename="short.csv", metadata_columns=["label"])
    assert corpus.texts == ("full row", "short row")
    assert list(corpus.metadata["label"]) == ["a", ""]


def test_one_document_corpus_loads(intact) -> None:
    corpus = load_corpus(b"text\nthe only document\n", filename="one.csv")
    assert (len(corpus), corpus.ids, corpus.report.n_documents) == (1, ("1",), 1)
    stats = corpus.stats()
    assert stats.n_documents == 1 and stats.n_tokens == 3 and stats.zipf_exponent == 0.0


def test_damaged_pandas_metadata_in_parquet_is_ignored(intact) -> None:
    corpus = load_corpus(_bad_pandas_metadata_parquet(), filename="meta.parquet")
    assert corpus.texts == ("hello world", "foo bar baz")


def test_pickled_npy_vectors_are_refused(intact, loaded) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}] * loaded[0].report.n_rows_read, dtype=object), allow_pickle=True)
    with pytest.raises(InputError) as info:
        loaded[0].align_vectors(buffer.getvalue())
    assert str(info.value).startswith("the .npy bytes is not a readable .npy array (pickled arrays are refused)")


# --------------------------------------------------------------------------------------- many files


def test_fifty_corpora_at_once(intact, tmp_path: Path) -> None:
    paths = []
    for i in range(50):
        folder = tmp_path / f"f{i}"
        folder.mkdir()
        path = folder / ("shared.csv" if i < 5 else f"c{i}.csv")  # five files share a stem
        path.write_text("text\n" + "".join(f"corpus {i} document {j}\n" for j in range(3)), encoding="utf-8")
        paths.append(path)
    corpora = load_corpora(paths)
    names = [c.name for c in corpora]
    assert names == ["shared", "shared-2", "shared-3", "shared-4", "shared-5"] + [f"c{i}" for i in range(5, 50)]
    assert [c.texts[0] for c in corpora] == [f"corpus {i} document 0" for i in range(50)]


def test_one_bad_file_among_fifty_is_named(intact, tmp_path: Path) -> None:
    paths = []
    for i in range(50):
        path = tmp_path / f"c{i:02d}.csv"
        path.write_text("text\nsome document\n" if i != 37 else "", encoding="utf-8")
        paths.append(path)
    with pytest.raises(CorpusLoadError) as info:
        load_corpora(paths)
    assert str(info.value) == f"{paths[37]} contains no documents: the file is empty."


def test_warnings_do_not_leak_between_loads(intact) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_corpus(b"text\nplain ascii\n", filename="ok.csv")
    assert caught == []


def test_frame_metadata_with_hostile_column_name_round_trips(intact) -> None:
    frame = pd.DataFrame({"text": ["a doc", "b doc"], "<script>x</script>": ["1", "2"]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    corpus = load_corpus(buffer.getvalue(), filename="x.parquet", metadata_columns=["<script>x</script>"])
    assert list(corpus.metadata.columns) == ["<script>x</script>"]
