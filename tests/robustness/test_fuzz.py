"""Property-based fuzzing of every loader and of analysis bundles (hypothesis).

Properties, for any input:

- the only exceptions are Corpus Compass's own (:class:`core.exceptions.CorpusCompassError`), whose
  messages are for the user; never a ``KeyError``, ``zlib.error``, ``UnicodeDecodeError``, ...;
- reading writes nothing at all (checked with Python's audit hooks), and writing a bundle writes only
  inside the target's folder, whatever the member names;
- what loads is well formed: unique ids, non-empty texts.

Inputs: random bytes under every accepted extension and format; CSV-, TSV- and JSONL-like text built
from the characters that trouble parsers; valid zip, Parquet and bundle files with random bytes
flipped, cut or inserted; zips with hostile member names. Examples are derandomised (the same on every
run, so CI is reproducible) and bounded so the whole module stays well under a minute; the number that
ran is printed at the end of the session.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_support import count_example, outside, record_writes

from core.exceptions import CorpusCompassError
from core.load.formats import ACCEPTED_EXTENSIONS, FORMATS
from core.load.read import load_corpus
from core.results.bundle import bundle_bytes, read_bundle, write_bundle

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

EXTENSIONS = sorted(ACCEPTED_EXTENSIONS) + [".json", ".xlsx", "", ".CSV", ".Txt"]
# characters that matter to the parsers: delimiters, quotes, line ends, NUL, BOM, surrogate-ish bytes
TRICKY = st.sampled_from([",", ";", "\t", "\"", "'", "\n", "\r", "\r\n", "\x00", "\ufeff", "{", "}",
                          "[", "]", ":", "\\", " ", "é", "𝔘", "\u2028", "=", "-", "1", "2.5", "NaN",
                          "null", "text", "label", "a"])


def _load(data: bytes, filename: str, **kwargs):
    """load_corpus, asserting the properties; returns the corpus or the CorpusCompassError."""
    with warnings.catch_warnings(), record_writes() as writes:
        warnings.simplefilter("ignore")
        try:
            corpus = load_corpus(data, filename=filename, **kwargs)
        except CorpusCompassError as exc:
            assert str(exc).strip(), "an error without a message"
            corpus = exc
    assert writes == [], f"loading wrote to the file system: {writes}"
    if not isinstance(corpus, CorpusCompassError):
        assert len(corpus) >= 1
        assert len(set(corpus.ids)) == len(corpus)
        assert all(isinstance(t, str) and t.strip() for t in corpus.texts)
    return corpus


# ------------------------------------------------------------------------------------ raw bytes


@FUZZ
@given(data=st.binary(max_size=3000), ext=st.sampled_from(EXTENSIONS))
def test_random_bytes_under_any_extension(data: bytes, ext: str) -> None:
    count_example("loader: random bytes")
    _load(data, "upload" + ext)


@FUZZ
@given(data=st.binary(max_size=2000), fmt=st.sampled_from(FORMATS))
def test_random_bytes_under_any_format(data: bytes, fmt: str) -> None:
    count_example("loader: random bytes, format=")
    _load(data, "noext", format=fmt)


# -------------------------------------------------------------------------------- text-like input


def _delimited(draw, sep: str) -> str:
    n_cols = draw(st.integers(1, 4))
    header = draw(st.lists(st.text(st.characters(codec="utf-8"), min_size=0, max_size=6) | TRICKY,
                           min_size=n_cols, max_size=n_cols))
    rows = draw(st.lists(st.lists(st.text(min_size=0, max_size=12) | TRICKY, min_size=0, max_size=n_cols + 2),
                         max_size=8))
    line_end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return line_end.join(sep.join(r) for r in [header, *rows]) + draw(st.sampled_from(["", line_end]))


@st.composite
def csv_like(draw) -> tuple[str, str]:
    sep = draw(st.sampled_from([",", ";", "\t"]))
    return _delimited(draw, sep), draw(st.sampled_from([".csv", ".tsv"]))


@FUZZ
@given(doc=csv_like(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]),
       text_column=st.sampled_from([None, "text", "a", ""]))
def test_csv_like_text(doc: tuple[str, str], encoding: str, text_column: str | None) -> None:
    count_example("loader: CSV/TSV-like")
    text, ext = doc
    data = text.encode(encoding, errors="replace")
    _load(data, "fuzz" + ext, text_column=text_column)


@st.composite
def jsonl_like(draw) -> str:
    values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
                          | st.text(max_size=10), lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            lines.append(json.dumps(draw(st.dictionaries(st.sampled_from(["text", "label", "id", "v", ""]),
                                                         values, max_size=4))))
        elif kind == 1:
            lines.append(json.dumps(draw(values)))
        elif kind == 2:
            lines.append(draw(st.text(max_size=20)))
        else:
            lines.append('{"text": "a", "text": "b"}')
    return "\n".join(lines)


@FUZZ
@given(text=jsonl_like(), vector=st.booleans())
def test_jsonl_like_text(text: str, vector: bool) -> None:
    count_example("loader: JSONL-like")
    _load(text.encode("utf-8", "surrogatepass"), "fuzz.jsonl", vector_column="v" if vector else None)


# --------------------------------------------------------------------------- mutated containers


def _mutate(data: bytes, ops: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, position, payload in ops:
        if not out:
            break
        p = position % len(out)
        if kind == 0:
            out[p] = payload[0] if payload else 0
        elif kind == 1:
            del out[p:p + 1 + len(payload)]
        else:
            out[p:p] = payload
    return bytes(out)


MUTATIONS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1 << 30), st.binary(min_size=1, max_size=8)),
                     min_size=1, max_size=6)


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CORPUS_ZIP = _zip({f"docs/{i}.txt": f"document {i} about {'cats' if i % 2 else 'dogs'}\n".encode()
                   for i in range(6)} | {"notes.md": b"# not a document"})


@FUZZ
@given(ops=MUTATIONS)
def test_mutated_zip_corpus(ops) -> None:
    count_example("loader: mutated zip")
    _load(_mutate(CORPUS_ZIP, ops), "fuzz.zip")


MEMBER_NAMES = st.sampled_from(["../../x.txt", "/etc/passwd.txt", "a/../../b.txt", "C:\\x.txt", "..",
                                "\\..\\y.txt", ".hidden.txt", "__MACOSX/a.txt", "ok.txt", "d/ok.txt",
                                "x" * 300 + ".txt", "nul\x00.txt", "é/ü.txt"]) | st.text(max_size=20)


@FUZZ
@given(members=st.dictionaries(MEMBER_NAMES, st.binary(max_size=60), min_size=1, max_size=5),
       stored=st.booleans())
def test_zip_corpus_with_hostile_member_names(members: dict[str, bytes], stored: bool) -> None:
    count_example("loader: zip member names")
    try:
        data = _zip(members, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    except (ValueError, UnicodeEncodeError, IndexError):
        return  # zipfile itself refuses to write such a name
    corpus = _load(data, "names.zip")
    if not isinstance(corpus, CorpusCompassError):
        # member names are ids, never paths that were opened
        assert set(corpus.ids) <= {n for n in members}


def _parquet_bytes() -> bytes:
    frame = pd.DataFrame({"text": ["hello world", "foo bar baz", "x" * 50, "dictionary text"],
                          "n": [1, 2, 3, 4], "v": [[1.0, 2.0]] * 4,
                          "cat": pd.Categorical(["a", "b", "a", "b"])})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


PARQUET = _parquet_bytes()


@FUZZ
@given(ops=MUTATIONS)
def test_mutated_parquet(ops) -> None:
    count_example("loader: mutated Parquet")
    _load(_mutate(PARQUET, ops), "fuzz.parquet")


# --------------------------------------------------------------------------------------- bundles


def _bundle() -> bytes:
    table = pd.DataFrame({"text": ["a", "b <x>"], "value": [1.5, np.nan]})
    return bundle_bytes(manifest={"inputs": [{"name": "a"}]}, tables={"documents": table},
                        arrays={"embeddings/0": np.eye(3, dtype=np.float32)},
                        json_objects={"result": {"names": ["a"]}})


BUNDLE = _bundle()


def _read(data: bytes) -> None:
    with record_writes() as writes:
        try:
            read_bundle(data)
        except CorpusCompassError as exc:
            assert str(exc).strip()
    assert writes == [], f"reading a bundle wrote to the file system: {writes}"


@FUZZ
@given(ops=MUTATIONS)
def test_mutated_bundle(ops) -> None:
    count_example("bundle: mutated bytes")
    _read(_mutate(BUNDLE, ops))


@st.composite
def forged_bundles(draw) -> bytes:
    """Zips whose bundle.json is attacker-written: any listing, any member names, any sizes."""
    names = draw(st.lists(MEMBER_NAMES | st.sampled_from(["tables/t.parquet", "arrays/a.npy", "json/j.json",
                                                          "json/../../x.json", "tables//t.parquet"]),
                          max_size=4, unique=True))
    contents = {n: draw(st.binary(max_size=40)) for n in names}
    files = {}
    for name, content in contents.items():
        import hashlib

        digest = hashlib.sha256(content).hexdigest() if draw(st.booleans()) else draw(
            st.text("0123456789abcdef", min_size=0, max_size=64))
        files[name] = {"sha256": digest, "size": draw(st.sampled_from([len(content), -1, 10**12, "1", None]))}
    index = {"format": draw(st.sampled_from(["corpus-compass-bundle", "other"])),
             "version": draw(st.sampled_from([1, 2, 0, "1", None, True, 1.0])),
             "files": draw(st.sampled_from([files, [], None, "x"])),
             "manifest": draw(st.sampled_from([{}, [], "m", None]))}
    members = dict(contents)
    members["bundle.json"] = json.dumps(index).encode() if draw(st.booleans()) else draw(st.binary(max_size=30))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            try:
                archive.writestr(name, content)
            except (ValueError, UnicodeEncodeError, IndexError):
                pass
    return buffer.getvalue()


@FUZZ
@given(data=forged_bundles())
def test_forged_bundle_listing(data: bytes) -> None:
    count_example("bundle: forged listing")
    _read(data)


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_as_bundle(data: bytes) -> None:
    count_example("bundle: random bytes")
    _read(data)


@settings(FUZZ, max_examples=60)
@given(key=st.text(min_size=0, max_size=30) | MEMBER_NAMES, as_zip=st.booleans())
def test_bundle_writer_never_writes_outside_its_folder(tmp_path_factory, key: str, as_zip: bool) -> None:
    count_example("bundle: writer keys")
    folder = tmp_path_factory.mktemp("w")
    target = folder / ("b.zip" if as_zip else "b")
    with record_writes() as writes:
        try:
            write_bundle(target, manifest={"k": key}, tables={key: pd.DataFrame({"a": [1]})},
                         json_objects={key: {"v": key}})
        except CorpusCompassError:
            pass
    assert outside(writes, folder) == []
    leftovers = [p.name for p in folder.iterdir() if p.name != target.name]
    assert leftovers == [], f"temporary files left behind: {leftovers}"


@pytest.mark.parametrize("source", ["dir", "zip"])
def test_reading_a_bundle_folder_or_file_writes_nothing(tmp_path: Path, source: str) -> None:
    # the fuzzers above read from bytes; a bundle on disk must be just as read-only
    target = tmp_path / ("b.zip" if source == "zip" else "b")
    write_bundle(target, manifest={}, tables={"t": pd.DataFrame({"a": [1]})})
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with record_writes() as writes:
        bundle = read_bundle(target)
    assert writes == [] and list(bundle.tables) == ["t"]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
