"""Decoding the bytes of a corpus file: encodings, byte-order marks, the cp1252/latin-1 fallback and
mixed files, and the refusal of binary files. The choices are listed in :mod:`core.load.formats`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from core.exceptions import CorpusLoadError, ParameterError

__all__ = ["decode_text", "normalise_encoding"]


_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"PK\x03\x04", "a zip archive (an .xlsx, .docx or .zip file?)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"%PDF-", "a PDF document"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "gzip-compressed data (decompress it first)"),
    (b"PAR1", "a Parquet file (name it .parquet)"),
    (b"\x7fELF", "an executable program"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.xls or .doc)"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x93NUMPY", "a NumPy array (.npy): give it as precomputed vectors, not as a corpus"),
)


_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 LE before UTF-16 LE: its mark FF FE 00 00 starts with UTF-16's FF FE.
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B} | {0x7F}


_FALLBACK_NAMES = {"cp1252": "cp1252 (Windows Western European)", "latin-1": "latin-1 (ISO-8859-1)"}


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _byte_as_cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: no cp1252 character, take latin-1's
        return bytes([byte]).decode("latin-1")


# surrogateescape's stand-in for byte b (U+DC00 + b) -> that byte read as cp1252
_ESCAPED_TO_CP1252 = {0xDC00 + b: _byte_as_cp1252(b) for b in range(0x80, 0x100)}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    fallback: bool
    message: str | None


def normalise_encoding(encoding: str) -> str:
    """``"auto"`` or the canonical codec name; ParameterError for a codec Python does not know."""
    if not isinstance(encoding, str):
        raise ParameterError(f"encoding must be 'auto' or a codec name such as 'utf-8', got {encoding!r}")
    if encoding.lower() == "auto":
        return "auto"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ParameterError(f"encoding={encoding!r} is not a known text encoding; use 'auto' or a codec "
                             "name such as 'utf-8', 'utf-16', 'cp1252', 'latin-1'") from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _refuse_binary(data: bytes, name: str, *, check_nul: bool = True) -> None:
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise CorpusLoadError(f"{name} does not look like text: it starts like {kind}.", path=name)
    if not check_nul:
        return
    if b"\x00" in data[:1024]:
        raise CorpusLoadError(
            f"{name} does not look like text: it has NUL bytes in its first KiB (if it is UTF-16 text "
            "without a byte-order mark, save it again as UTF-8).", path=name)
    head = data[:8192]
    if head:
        share = sum(b in _CONTROL_BYTES for b in head) / len(head)
        if share > 0.30:
            raise CorpusLoadError(
                f"{name} does not look like text: {share:.0%} of its first {len(head)} bytes are "
                "control characters.", path=name)


def decode_text(data: bytes, *, name: str, encoding: str = "auto") -> Decoded:
    """Decode a text file, refusing binary data.

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str
        The file's name, used in messages.
    encoding : str
        ``"auto"`` (see the module docstring) or a codec name, which must then decode every byte.

    Returns
    -------
    Decoded
        ``text`` (without a byte-order mark), ``encoding`` used, ``fallback`` (True when "auto" fell
        back to cp1252 or latin-1) and ``message`` saying so.
    """
    encoding = normalise_encoding(encoding)
    if encoding != "auto":
        wide = encoding.startswith(("utf-16", "utf-32"))
        _refuse_binary(data, name, check_nul=not wide)
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as err:
            where = f"byte offset {err.start}" if wide else f"line {_line_of(data, err.start)}, byte offset {err.start}"
            raise CorpusLoadError(
                f"{name} is not valid {encoding}: byte 0x{data[err.start]:02X} at {where} cannot be "
                "decoded; pass the file's real encoding, or encoding='auto'", path=name,
                row=None if wide else _line_of(data, err.start)) from None
        return Decoded(text.removeprefix("\ufeff"), encoding, False, None)

    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as err:
                raise CorpusLoadError(
                    f"{name} starts with a {codec.upper()} byte-order mark but is not valid {codec} at "
                    f"byte offset {err.start} (is it truncated?)", path=name) from None
            return Decoded(text.removeprefix("\ufeff"), codec, False, None)

    _refuse_binary(data, name)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False, None)
    except UnicodeDecodeError as err:
        bad_offset, bad_byte = err.start, data[err.start]
    # Undecodable bytes become lone surrogates U+DC80..U+DCFF, one per byte, while each valid
    # multi-byte UTF-8 sequence becomes one character: the text is shorter than the bytes exactly
    # when the file also holds valid non-ASCII UTF-8, i.e. when it mixes encodings.
    escaped = data.decode("utf-8", "surrogateescape")
    if len(escaped) < len(data):
        n_bad = len(_ESCAPED_BYTE.findall(escaped))
        message = (f"{name} mixes encodings: it is UTF-8 except for {n_bad:,} byte(s) that are not (the first, "
                   f"0x{bad_byte:02X}, at byte offset {bad_offset}, line {_line_of(data, bad_offset)}). Those "
                   f"were decoded as {_FALLBACK_NAMES['cp1252']}, the rest as UTF-8. Check those characters, "
                   "or save the file as UTF-8, to be sure.")
        return Decoded(escaped.translate(_ESCAPED_TO_CP1252), f"mixed: utf-8, cp1252 ({n_bad:,} bytes)",
                       True, message)
    try:
        text, used = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, used = data.decode("latin-1"), "latin-1"
    message = (f"{name} is not valid UTF-8 (first undecodable byte 0x{bad_byte:02X} at byte offset "
               f"{bad_offset}, line {_line_of(data, bad_offset)}); it was decoded as {_FALLBACK_NAMES[used]} "
               "instead. Accented and special characters may be wrong: save the file as UTF-8, or pass "
               "its encoding, to be sure.")
    return Decoded(text, used, True, message)
