"""Reading corpus files: format detection and one reader per format (text decoding: :mod:`core.load.encoding`).

This module turns the bytes of an uploaded or local file into a raw table (one row per record of the
source, every column kept) and says how it decoded them; :mod:`core.load` then picks the text, id,
metadata and vector columns and removes empty and duplicate rows.

Choices the specification leaves open:

- Encoding "auto" accepts UTF-8, UTF-8/UTF-16/UTF-32 with a byte-order mark, and decodes anything
  else as cp1252, or latin-1 where cp1252 has no character for a byte (0x81, 0x8D, 0x8F, 0x90, 0x9D).
  That fallback never fails, so it is always reported with the first byte that was not UTF-8. A file
  that mixes encodings (valid non-ASCII UTF-8 *and* bytes that are not UTF-8, as when lines from two
  sources are concatenated) is decoded byte run by byte run: UTF-8 where the bytes are UTF-8, cp1252
  for the others, so neither part turns into mojibake; the report says "mixed" and counts the bytes.
  (A cp1252 file whose accented capital is followed by a symbol in 0x80-0xBF, such as "Ã©", reads as
  UTF-8 there; real text almost never has such pairs.) No statistical charset detection: it guesses
  wrong on short files and its guesses cannot be explained.
- A file is refused as binary when it starts with a known binary signature (PNG, zip, PDF, ...), has
  a NUL byte in its first KiB, or more than 30 % control characters in its first 8 KiB. UTF-16
  without a byte-order mark is therefore refused, with a hint to re-save it as UTF-8.
- CSV: a ``.csv`` whose header line has no comma but has semicolons (or tabs) is read with that
  delimiter, as spreadsheet programs in many locales write it, and a note says so. No cell is read as
  missing ("NA" and "null" stay text); pandas infers each column's type (all-number columns become
  numbers), except the id column, read as written ("007" stays "007"). Rows with fewer fields than
  the header are padded with empty cells, as pandas does; rows with more fields are an error naming
  the row.
- NUL characters after the first KiB (where one makes the file count as binary) are removed from
  CSV, TSV, plain text and zip members, with a note giving their number and first line.
- JSONL: blank lines are skipped; each other line must hold one JSON object.
- Plain text: lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only (not at the other Unicode line
  separators), and the newline that ends the last line does not make an extra empty document.
- Zip: every ``.txt`` member is one document, found at any depth; ``__MACOSX`` folders and hidden
  files and folders (name starting with ".") are skipped silently, other non-.txt members are skipped
  with a note. One final newline of each file is dropped (it ends the last line, it is not content).
  Documents are in archive order; ``folder`` (the member's folder inside the archive) can be chosen as
  a metadata column.
- Nothing is executed or unpickled: CSV through pandas' C parser, JSON through ``json``, Parquet
  through pyarrow (whose Python-object extension types are disabled since pyarrow 14.0.1), zip
  through ``zipfile`` with the declared and the actual uncompressed sizes both bounded, and the number
  of entries (:data:`MAX_ZIP_MEMBERS`) checked before the archive's directory is parsed.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import re
import struct
import sys
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pandas as pd

from core.exceptions import CorpusLoadError, ParameterError
from core.load.encoding import (
    decode_text,
)

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "FORMATS",
    "MAX_ZIP_MEMBERS",
    "RawTable",
    "format_from_filename",
    "format_size",
    "read_table",
    "zip_entry_count",
]

FORMATS = ("csv", "tsv", "jsonl", "parquet", "txt", "zip")
ACCEPTED_EXTENSIONS: dict[str, str] = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json-lines": "jsonl", ".parquet": "parquet", ".txt": "txt", ".zip": "zip",
}
_FORMAT_ALIASES = {"text": "txt", "ndjson": "jsonl", "json-lines": "jsonl", "tab": "tsv", "pq": "parquet"}


_ZIP_CHUNK = 1 << 20
#: most entries a zip corpus may hold (checked before the archive's directory is parsed)
MAX_ZIP_MEMBERS = 1_000_000
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError,
               IndexError, struct.error)


@dataclass
class RawTable:
    """What a reader found in a file: every record and column, and how the bytes were decoded.

    ``row_label(i)`` names the record at 0-based position ``i`` the way the user will find it in the
    file ("data row 3", "line 7", "member 'a/b.txt'").
    """

    frame: pd.DataFrame
    row_label: Callable[[int], str]
    fixed_text_column: str | None = None
    fixed_text_reason: str | None = None
    default_ids: list[str] | None = None
    encoding: str | None = None
    encoding_fallback: bool = False
    encoding_message: str | None = None
    notes: list[str] = field(default_factory=list)


def format_size(n_bytes: int) -> str:
    """Human-readable size in decimal units (``"1.5 MB"``)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} bytes"


def format_from_filename(filename: str | None, format: str | None) -> str:
    """The format to read: ``format`` when given, else the file's extension.

    Raises
    ------
    ParameterError
        ``format`` is not one of :data:`FORMATS`.
    CorpusLoadError
        No format was given and the extension is not one of :data:`ACCEPTED_EXTENSIONS`.
    """
    if format is not None:
        key = str(format).lower().lstrip(".")
        key = _FORMAT_ALIASES.get(key, key)
        if key not in FORMATS:
            raise ParameterError(f"format={format!r} is not supported; choose one of {list(FORMATS)}")
        return key
    if not filename:
        raise ParameterError("cannot tell the file format: give filename= (with its extension) or "
                             f"format= (one of {list(FORMATS)})")
    lower = filename.lower()
    # longest first, so ".json-lines" is not mistaken for something shorter
    for ext in sorted(ACCEPTED_EXTENSIONS, key=len, reverse=True):
        if lower.endswith(ext):
            return ACCEPTED_EXTENSIONS[ext]
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix or "(none)"
    raise CorpusLoadError(
        f"{filename}: unknown file extension {suffix}; accepted extensions are "
        f"{', '.join(ACCEPTED_EXTENSIONS)} (or pass format=)", path=filename)


# ---------------------------------------------------------------------------------------------- CSV


@contextlib.contextmanager
def _unlimited_csv_fields() -> Iterator[None]:
    # The csv module refuses fields over 128 KiB by default; documents can be longer. The limit is
    # process-wide, so it is restored afterwards.
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _header(text: str, sep: str) -> list[str]:
    # the first record only; a slice keeps this from copying a large file
    head = text[: max(1 << 16, text.find("\n") + 1)]
    with _unlimited_csv_fields():
        try:
            return next(csv.reader(io.StringIO(head), delimiter=sep), [])
        except csv.Error:
            return []


def _locate_csv_problem(text: str, sep: str, n_header: int) -> str | None:
    """Find the first record with too many fields, or an unclosed quote, with the csv module."""
    with _unlimited_csv_fields():
        reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
        last_line = 0
        try:
            for index, record in enumerate(reader):
                if index > 0 and record and len(record) > n_header:
                    return (f"data row {index} (line {last_line + 1}) has {len(record)} fields but the "
                            f"header has {n_header}")
                last_line = reader.line_num
        except csv.Error as err:
            return f"a quoted field starting on line {last_line + 1} is not closed properly ({err})"
    return None


def _read_delimited(text: str, *, name: str, sep: str, notes: list[str],
                    string_columns: tuple[str, ...]) -> pd.DataFrame:
    if not text or text.isspace():
        raise CorpusLoadError(f"{name} contains no documents: the file is empty.", path=name)
    newline = text.find("\n", 0, 1 << 16)
    first_line = text[:newline] if newline >= 0 else text[: 1 << 16]
    if sep == "," and "," not in first_line:
        for other, label in ((";", "semicolons"), ("\t", "tabs")):
            if other in first_line:
                sep = other
                notes.append(f"the header line has no commas, so the file was read as separated by {label}")
                break
    header = _header(text, sep)
    seen: dict[str, int] = {}
    for position, column in enumerate(header, start=1):
        if column in seen:
            raise CorpusLoadError(
                f"{name} has duplicate column names: {column!r} is both column {seen[column]} and column "
                f"{position}. Rename them so each column has a unique name.", path=name, column=column)
        seen[column] = position
    try:
        with warnings.catch_warnings():
            # a first data row longer than the header triggers only a warning (and loses cells)
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # Column types are inferred (numbers, booleans, strings): asking for str everywhere takes
            # ten times longer on text columns in pandas 3. Columns whose exact spelling matters (the
            # id column: "007") are read as strings.
            frame = pd.read_csv(io.StringIO(text), sep=sep, keep_default_na=False, na_filter=False,
                                index_col=False, engine="c", low_memory=False,
                                dtype={c: str for c in string_columns if c in seen} or None)
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError, csv.Error) as err:
        where = _locate_csv_problem(text, sep, len(header))
        detail = where if where is not None else str(err).strip()
        row_match = re.search(r"data row (\d+)", detail)
        raise CorpusLoadError(f"{name} could not be read as {'TSV' if sep == chr(9) else 'CSV'}: {detail}.",
                              path=name, row=int(row_match.group(1)) if row_match else None) from None
    if len(frame) == 0:
        raise CorpusLoadError(
            f"{name} contains no documents: it has a header row ({', '.join(map(repr, header))}) but no "
            "data rows.", path=name)
    return frame


# -------------------------------------------------------------------------------------------- JSONL


class _PairsHook:
    """``object_pairs_hook`` that remembers whether the object parsed last had a repeated key.

    json calls the hook for inner objects first, so after ``loads`` returns, ``duplicate`` is about
    the top-level object, the only one whose keys become columns.
    """

    duplicate: str | None = None

    def __call__(self, pairs: list[tuple[str, object]]) -> dict:
        result = dict(pairs)
        self.duplicate = None
        if len(result) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.duplicate = key
                    break
                seen.add(key)
        return result


def _read_jsonl(text: str, *, name: str) -> tuple[pd.DataFrame, list[int]]:
    hook = _PairsHook()
    decoder = json.JSONDecoder(object_pairs_hook=hook)
    records: list[dict] = []
    line_numbers: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            record = decoder.decode(line)
        except json.JSONDecodeError as err:
            # json's message for a raw control character already ends in " at"
            reason = err.msg.removesuffix(" at")
            raise CorpusLoadError(f"{name}, line {number}: not valid JSON ({reason} at column {err.colno}).",
                                  path=name, row=number) from None
        if not isinstance(record, dict):
            raise CorpusLoadError(
                f"{name}, line {number}: expected one JSON object per line, like {{\"text\": \"...\"}}, "
                f"found a JSON {type(record).__name__}.", path=name, row=number)
        if hook.duplicate is not None:
            raise CorpusLoadError(f"{name}, line {number}: the key {hook.duplicate!r} appears twice.",
                                  path=name, row=number, column=hook.duplicate)
        records.append(record)
        line_numbers.append(number)
    if not records:
        raise CorpusLoadError(f"{name} contains no documents: it has no JSON lines.", path=name)
    return pd.DataFrame.from_records(records), line_numbers


# ------------------------------------------------------------------------------------------ Parquet


def _decoded_size(array) -> int:
    """Bytes an Arrow array takes once dictionary-encoded strings are expanded."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(array.type):
        return array.nbytes
    dictionary = array.dictionary
    if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)
            or pa.types.is_binary(dictionary.type) or pa.types.is_large_binary(dictionary.type)):
        return array.cast(dictionary.type).nbytes
    lengths = pc.take(pc.binary_length(dictionary), array.indices)
    return int(pc.sum(lengths).as_py() or 0) + 8 * len(array)


def _parquet_to_pandas(table, name: str) -> pd.DataFrame:
    """``table.to_pandas()``, turning what a damaged file makes it raise into CorpusLoadError.

    Text that is not valid UTF-8 is refused, naming the column: pyarrow does not check it when
    reading, and pandas' Arrow-backed strings would only fail later, far from the file. The pandas
    metadata stored in the schema (index columns, dtypes) is JSON that pandas parses without
    validation: a damaged one raises JSONDecodeError, KeyError or UnicodeDecodeError. It only
    restores pandas details, so such a file is read again without it, data intact.
    """
    import pyarrow as pa

    for field_, column in zip(table.schema, table.columns):
        if pa.types.is_string(field_.type) or pa.types.is_large_string(field_.type):
            try:
                column.validate(full=True)
            except pa.ArrowInvalid:
                raise CorpusLoadError(f"{name} could not be read as Parquet: column {field_.name!r} holds "
                                      "text that is not valid UTF-8.", path=name, column=field_.name) from None
    damaged = (pa.ArrowException, ValueError, KeyError, TypeError, UnicodeDecodeError, IndexError)
    try:
        return table.to_pandas()
    except damaged:
        pass
    try:
        # ignore_metadata=True still parses the pandas metadata: drop it instead
        return table.replace_schema_metadata(None).to_pandas()
    except damaged as err:
        raise CorpusLoadError(f"{name} could not be read as Parquet: {err}", path=name) from None


def _read_parquet(data: bytes, *, name: str, max_uncompressed_bytes: int) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if len(data) < 12 or not data.startswith(b"PAR1") or not data.endswith(b"PAR1"):
        kind = "it is truncated" if data.startswith(b"PAR1") else "it does not start with the Parquet signature"
        raise CorpusLoadError(f"{name} is not a readable Parquet file: {kind}.", path=name)
    too_big = (f"{name} expands to more than {format_size(max_uncompressed_bytes)} when decompressed, above the "
               "limit (max_uncompressed_bytes).")
    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        meta = parquet.metadata
        declared = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        # run-length encoding can pack many values in few bytes: count 8 bytes per declared value
        values = sum(meta.row_group(i).column(j).num_values
                     for i in range(meta.num_row_groups) for j in range(meta.num_columns))
        if declared > max_uncompressed_bytes or 8 * values > max_uncompressed_bytes:
            raise CorpusLoadError(too_big, path=name)
        schema = parquet.schema_arrow
        names = list(schema.names)
        duplicates = sorted({c for c in names if names.count(c) > 1})
        if duplicates:
            raise CorpusLoadError(f"{name} has duplicate column names: {duplicates}. Rename them so each "
                                  "column has a unique name.", path=name, column=duplicates[0])
        # The declared sizes count dictionary-encoded text once per distinct value, so a small file
        # can still expand enormously. Text columns are therefore read as dictionaries, batch by
        # batch, and their expanded size is added up before anything is expanded.
        text_columns = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        parquet = pq.ParquetFile(io.BytesIO(data), read_dictionary=text_columns)
        batches = []
        total = 0
        for batch in parquet.iter_batches(batch_size=4096):
            total += sum(_decoded_size(column) for column in batch.columns)
            if total > max_uncompressed_bytes:
                raise CorpusLoadError(too_big, path=name)
            columns = [column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
                       for column in batch.columns]
            batches.append(pa.RecordBatch.from_arrays(columns, names=batch.schema.names))
        table = pa.Table.from_batches(batches) if batches else schema.empty_table()
        table = table.replace_schema_metadata(schema.metadata)
    except CorpusLoadError:
        raise  # a ValueError too: not to be wrapped in the generic message below
    except (pa.ArrowException, OSError, ValueError) as err:
        raise CorpusLoadError(f"{name} could not be read as Parquet: {err}", path=name) from None
    if table.num_rows == 0:
        raise CorpusLoadError(f"{name} contains no documents: the Parquet file has no rows.", path=name)
    frame = _parquet_to_pandas(table, name)
    if not isinstance(frame.index, pd.RangeIndex):
        # an index written by pandas becomes ordinary columns again
        frame = frame.reset_index()
    return frame.reset_index(drop=True)


# ----------------------------------------------------------------------------------------- txt, zip


def _without_nul(text: str, notes: list[str], member: str | None = None) -> str:
    """``text`` without NUL characters, with a note saying how many were removed and where.

    A NUL in the first KiB makes the file count as binary (refused); later ones are usually stray
    damage in an otherwise good file, so they are removed rather than refusing the whole corpus, and
    never passed on silently (they would end up in exports and spreadsheets).
    """
    count = text.count("\x00")
    if not count:
        return text
    first = text.index("\x00")
    line = text.count("\n", 0, first) + 1
    where = f"in member {member!r}, " if member else ""
    notes.append(f"removed {count:,} NUL character(s) ({where}the first on line {line}); NUL is not text and "
                 "usually means the file is damaged")
    return text.replace("\x00", "")


def _split_lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _drop_final_newline(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


def zip_entry_count(data: bytes) -> int | None:
    """The number of entries a zip archive's end-of-central-directory record declares, or None.

    Read from the last bytes of the archive before :class:`zipfile.ZipFile` parses the central
    directory, which builds one Python object per entry: a small archive of millions of empty
    entries would otherwise take gigabytes of memory before any limit could be checked.
    """
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    count = struct.unpack_from("<H", data, end + 10)[0]
    if count != 0xFFFF:
        return count
    locator = end - 20  # Zip64: the real count is in the Zip64 end record the locator points to
    if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        offset = struct.unpack_from("<Q", data, locator + 8)[0]
        if offset + 56 <= len(data) and data[offset:offset + 4] == b"PK\x06\x06":
            return struct.unpack_from("<Q", data, offset + 32)[0]
    return None


def _read_zip(data: bytes, *, name: str, encoding: str, max_uncompressed_bytes: int) -> RawTable:
    declared = zip_entry_count(data)
    if declared is not None and declared > MAX_ZIP_MEMBERS:
        raise CorpusLoadError(f"{name} holds {declared:,} files, more than the limit of {MAX_ZIP_MEMBERS:,} "
                              "per archive; split it into several archives.", path=name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    # a damaged archive makes zipfile raise more than BadZipFile: ValueError ("negative seek
    # value"), NotImplementedError (unknown version or method), zlib.error while inflating
    except _ZIP_ERRORS as err:
        raise CorpusLoadError(f"{name} is not a valid zip archive (it may be truncated or corrupt): {err}",
                              path=name) from None
    with archive:
        members: list[zipfile.ZipInfo] = []
        other: list[str] = []
        for info in archive.infolist():
            if info.is_dir():
                continue
            parts = PurePosixPath(info.filename).parts
            if any(part == "__MACOSX" or part.startswith(".") for part in parts):
                continue
            if info.filename.lower().endswith(".txt"):
                members.append(info)
            else:
                other.append(info.filename)
        if not members:
            found = f" (it holds {', '.join(other[:5])}{', ...' if len(other) > 5 else ''})" if other else ""
            raise CorpusLoadError(f"{name} contains no documents: no .txt files in the archive{found}.",
                                  path=name)
        names = [m.filename for m in members]
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise CorpusLoadError(f"{name} holds two members named {twice!r}; document ids must be unique.",
                                  path=name)
        encrypted = [m.filename for m in members if m.flag_bits & 0x1]
        if encrypted:
            raise CorpusLoadError(f"{name} is encrypted ({encrypted[0]!r}); give an unencrypted archive.",
                                  path=name)
        declared = sum(m.file_size for m in members)
        if declared > max_uncompressed_bytes:
            raise CorpusLoadError(
                f"{name} would expand to {format_size(declared)} of .txt files, above the limit of "
                f"{format_size(max_uncompressed_bytes)} (max_uncompressed_bytes); not extracted.", path=name)

        texts: list[str] = []
        nul_notes: list[str] = []
        used: dict[str, int] = {}
        fallbacks: list[str] = []
        total = 0
        for info in members:
            label = f"{name}:{info.filename}"
            chunks: list[bytes] = []
            try:
                with archive.open(info) as handle:
                    while chunk := handle.read(_ZIP_CHUNK):
                        total += len(chunk)
                        if total > max_uncompressed_bytes:
                            raise CorpusLoadError(
                                f"{name} expands beyond {format_size(max_uncompressed_bytes)} while "
                                "decompressing, although its header declares less (a zip bomb?); refused.",
                                path=name)
                        chunks.append(chunk)
            except CorpusLoadError:
                raise  # a ValueError too: not to be wrapped as a corrupt member below
            except _ZIP_ERRORS as err:
                raise CorpusLoadError(f"{name}: member {info.filename!r} cannot be extracted (the archive "
                                      f"may be truncated or corrupt): {err}", path=name) from None
            decoded = decode_text(b"".join(chunks), name=label, encoding=encoding)
            used[decoded.encoding] = used.get(decoded.encoding, 0) + 1
            if decoded.fallback:
                fallbacks.append(decoded.message or label)
            texts.append(_drop_final_newline(_without_nul(decoded.text, nul_notes, info.filename)))

    notes = nul_notes[:1]
    if len(nul_notes) > 1:
        notes[0] += f" (and in {len(nul_notes) - 1} more member(s))"
    if other:
        notes.append(f"skipped {len(other)} member(s) that are not .txt files: "
                     f"{', '.join(other[:5])}{', ...' if len(other) > 5 else ''}")
    if len(used) == 1:
        encoding_used = next(iter(used))
    else:
        encoding_used = "mixed: " + ", ".join(f"{enc} ({count} files)" for enc, count in sorted(used.items()))
    message = None
    if fallbacks:
        message = (f"{len(fallbacks)} of {len(members)} files in {name} are not valid UTF-8 and were decoded "
                   f"with a fallback. First: {fallbacks[0]}")
    parents = [str(PurePosixPath(n).parent) for n in names]
    folders = ["" if parent == "." else parent for parent in parents]
    frame = pd.DataFrame({"text": texts, "folder": folders, "file": names})
    return RawTable(frame=frame, row_label=lambda i: f"member {names[i]!r}", fixed_text_column="text",
                    fixed_text_reason="zip archive: one document per .txt file", default_ids=names,
                    encoding=encoding_used, encoding_fallback=bool(fallbacks), encoding_message=message,
                    notes=notes)


# -------------------------------------------------------------------------------------- entry point


def read_table(data: bytes, *, fmt: str, name: str, encoding: str = "auto",
               max_uncompressed_bytes: int, string_columns: tuple[str, ...] = ()) -> RawTable:
    """Read a whole file of format ``fmt`` into a :class:`RawTable`.

    Parameters
    ----------
    data : bytes
        The file's content (its size already checked by the caller).
    fmt : str
        One of :data:`FORMATS`.
    name : str
        The file's name or path, used in every message.
    encoding : str
        ``"auto"`` or a codec name; ignored for Parquet.
    max_uncompressed_bytes : int
        Limit on what a zip or Parquet file may decompress to.
    string_columns : tuple of str
        CSV/TSV columns to keep as written instead of converting them to numbers.

    Raises
    ------
    CorpusLoadError
        The file is empty, binary, malformed or too large; the message names the file and, where
        known, the row or line.
    """
    if fmt == "parquet":
        frame = _read_parquet(data, name=name, max_uncompressed_bytes=max_uncompressed_bytes)
        return RawTable(frame=frame, row_label=lambda i: f"row {i + 1}")
    if fmt == "zip":
        if not data:
            raise CorpusLoadError(f"{name} contains no documents: the file is empty.", path=name)
        return _read_zip(data, name=name, encoding=encoding, max_uncompressed_bytes=max_uncompressed_bytes)

    if not data:
        raise CorpusLoadError(f"{name} contains no documents: the file is empty.", path=name)
    decoded = decode_text(data, name=name, encoding=encoding)
    notes: list[str] = []
    if fmt != "jsonl":  # in JSON a raw NUL is a syntax error, reported with its line
        decoded = dataclasses.replace(decoded, text=_without_nul(decoded.text, notes))
    common = {"encoding": decoded.encoding, "encoding_fallback": decoded.fallback,
              "encoding_message": decoded.message, "notes": notes}
    if fmt in ("csv", "tsv"):
        frame = _read_delimited(decoded.text, name=name, sep="," if fmt == "csv" else "\t", notes=notes,
                                string_columns=string_columns)
        return RawTable(frame=frame, row_label=lambda i: f"data row {i + 1}", **common)
    if fmt == "jsonl":
        frame, line_numbers = _read_jsonl(decoded.text, name=name)
        return RawTable(frame=frame, row_label=lambda i: f"line {line_numbers[i]}", **common)
    if fmt == "txt":
        lines = _split_lines(decoded.text)
        if not lines:
            raise CorpusLoadError(f"{name} contains no documents: the file is empty.", path=name)
        frame = pd.DataFrame({"text": lines})
        return RawTable(frame=frame, row_label=lambda i: f"line {i + 1}", fixed_text_column="text",
                        fixed_text_reason="plain text: one document per line", **common)
    raise ParameterError(f"format={fmt!r} is not supported; choose one of {list(FORMATS)}")
