"""Analysis bundles edited by hand: every change is caught with a message that names what is wrong,
nothing is unpickled, nothing is read from or written outside the bundle."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from robustness_support import record_writes

from core.exceptions import BundleError
from core.results.bundle import read_bundle, write_bundle
from core.results.result import AnalysisResult


def _bundle(tmp_path: Path, as_zip: bool = True) -> Path:
    target = tmp_path / ("b.zip" if as_zip else "b")
    return write_bundle(target, manifest={"seed": 0}, tables={"documents": pd.DataFrame({"text": ["a", "b"]})},
                        arrays={"embeddings/0": np.eye(2, dtype=np.float32)}, json_objects={"result": {"x": 1}})


def _rewrite(path: Path, *, index=None, members: dict[str, bytes] | None = None, drop: str | None = None) -> bytes:
    """The zip at ``path`` with bundle.json passed through ``index`` (a dict -> dict function), members
    replaced or added, and one member dropped."""
    src = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename == drop:
                continue
            content = src.read(info)
            if info.filename == "bundle.json" and index is not None:
                content = json.dumps(index(json.loads(content))).encode()
            dst.writestr(info.filename, (members or {}).pop(info.filename, content))
        for name, content in (members or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def _read_fails(data, message: str) -> None:
    with record_writes() as writes, pytest.raises(BundleError) as info:
        read_bundle(data)
    assert str(info.value) == message
    assert writes == []


def test_wrong_hash_in_the_listing(tmp_path: Path) -> None:
    def edit(index):
        index["files"]["tables/documents.parquet"]["sha256"] = "0" * 64
        return index

    _read_fails(_rewrite(_bundle(tmp_path), index=edit),
                "bundle member 'tables/documents.parquet' does not match its SHA-256 in bundle.json: the bundle "
                "was modified or damaged")


def test_member_edited_with_the_same_size(tmp_path: Path) -> None:
    path = _bundle(tmp_path)
    data = zipfile.ZipFile(path).read("json/result.json").replace(b"1", b"2")
    _read_fails(_rewrite(path, members={"json/result.json": data}),
                "bundle member 'json/result.json' does not match its SHA-256 in bundle.json: the bundle was "
                "modified or damaged")


def test_member_edited_with_another_size(tmp_path: Path) -> None:
    path = _bundle(tmp_path)
    original = zipfile.ZipFile(path).read("json/result.json")
    _read_fails(_rewrite(path, members={"json/result.json": original + b" "}),
                f"bundle member 'json/result.json' has {len(original) + 1:,} bytes but bundle.json lists "
                f"{len(original):,}: the bundle was modified or damaged")


@pytest.mark.parametrize(("version", "hint"), [
    (2, "it was written by a newer Corpus Compass: upgrade to open it"),
    (0, "it was written by an older Corpus Compass: open it with that version")])
def test_unknown_format_version(tmp_path: Path, version: int, hint: str) -> None:
    _read_fails(_rewrite(_bundle(tmp_path), index=lambda i: {**i, "version": version}),
                f"bundle format version {version} is not supported by this Corpus Compass (supports 1); {hint}")


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "a/../../x", "C:/x", "a\\..\\x"])
def test_path_traversal_member_in_the_zip(tmp_path: Path, name: str) -> None:
    data = _rewrite(_bundle(tmp_path), members={name: b"escape"})
    with record_writes() as writes, pytest.raises(BundleError) as info:
        read_bundle(data)
    assert str(info.value).startswith(f"bundle member {name!r} ")
    assert str(info.value).endswith("; refused")
    assert writes == []
    assert not (tmp_path.parent / "x").exists()


def test_path_traversal_in_the_listing_of_a_folder_bundle(tmp_path: Path) -> None:
    (tmp_path / "inner").mkdir()
    folder = _bundle(tmp_path / "inner", as_zip=False)
    secret = tmp_path / "secret.json"
    secret.write_text('{"secret": true}')
    index = json.loads((folder / "bundle.json").read_text())
    content = secret.read_bytes()
    index["files"]["json/../../../secret.json"] = {"sha256": hashlib.sha256(content).hexdigest(),
                                                   "size": len(content)}
    (folder / "bundle.json").write_text(json.dumps(index))
    _read_fails(folder, "bundle member 'json/../../../secret.json' has an unsafe name (allowed: relative paths "
                        "of [A-Za-z0-9._-] segments of at most 200 characters, no '..'); refused")


def test_symlink_out_of_a_folder_bundle(tmp_path: Path) -> None:
    folder = _bundle(tmp_path, as_zip=False)
    secret = tmp_path / "secret.json"
    secret.write_bytes((folder / "json" / "result.json").read_bytes())
    (folder / "json" / "result.json").unlink()
    os.symlink(secret, folder / "json" / "result.json")
    _read_fails(folder, "bundle member 'json/result.json' is a symbolic link; refused")


def test_listed_file_missing(tmp_path: Path) -> None:
    _read_fails(_rewrite(_bundle(tmp_path), drop="arrays/embeddings/0.npy"),
                "the uploaded bundle is incomplete: the listed file 'arrays/embeddings/0.npy' is missing")


def test_pickled_array_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload()], dtype=object), allow_pickle=True)
    data = buffer.getvalue()
    assert b"pwned" in data  # the payload is really in the file

    def edit(index):
        index["files"]["arrays/embeddings/0.npy"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        return index

    _read_fails(_rewrite(_bundle(tmp_path), index=edit, members={"arrays/embeddings/0.npy": data}),
                "bundle member 'arrays/embeddings/0.npy' is an object array that needs pickle to load; bundles "
                "never unpickle, refused")
    assert not marker.exists()


def test_declared_sizes_above_the_limit(tmp_path: Path) -> None:
    def edit(index):
        index["files"]["tables/documents.parquet"]["size"] = 3 * 1024**3
        return index

    _read_fails(_rewrite(_bundle(tmp_path), index=edit),
                f"the uploaded bundle declares {3 * 1024**3 + _listed_rest(tmp_path):,} bytes of content, more "
                f"than the limit of {2 * 1024**3:,} (max_total_bytes)")


def _listed_rest(tmp_path: Path) -> int:
    index = json.loads(zipfile.ZipFile(tmp_path / "b.zip").read("bundle.json"))
    return sum(e["size"] for n, e in index["files"].items() if n != "tables/documents.parquet")


def test_too_many_members_refused_before_parsing(tmp_path: Path) -> None:
    data = _rewrite(_bundle(tmp_path), members={f"json/x{i}.json": b"{}" for i in range(20)})
    with pytest.raises(BundleError) as info:
        read_bundle(data, max_members=10)
    assert str(info.value) == "the uploaded bundle has 24 members, more than the limit of 10"


def test_too_many_zip_corpus_members_refused_before_parsing(monkeypatch) -> None:
    import core.load.formats
    from core.exceptions import CorpusLoadError
    from core.load.read import load_corpus

    monkeypatch.setattr(core.load.formats, "MAX_ZIP_MEMBERS", 3)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(5):
            archive.writestr(f"{i}.txt", f"document {i}")
    with pytest.raises(CorpusLoadError) as info:
        load_corpus(buffer.getvalue(), filename="many.zip")
    assert str(info.value) == "many.zip holds 5 files, more than the limit of 3 per archive; split it into several archives."


def test_a_consistent_forgery_is_parsed_safely_but_not_authenticated(tmp_path: Path) -> None:
    """The hashes detect damage and careless edits, not forgery: whoever rewrites a member and its hash
    gets a bundle that opens (docs/SECURITY.md says so). It is still parsed without pickle."""
    path = _bundle(tmp_path)
    data = zipfile.ZipFile(path).read("json/result.json").replace(b"1", b"9")

    def edit(index):
        index["files"]["json/result.json"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        return index

    bundle = read_bundle(_rewrite(path, index=edit, members={"json/result.json": data}))
    assert bundle.json_objects["result"] == {"x": 9}


def test_result_bundle_round_trip_after_all(tmp_path: Path) -> None:
    # the control: an untouched bundle of a result opens and equals what was saved
    from core.results.result import make_table

    corpora = make_table("corpora", [
        {"corpus": c, "n_documents": 1, "source": f"{c}.csv", "sha256": "0" * 64, "fingerprint": "f",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0} for c in ("a", "b")])
    result = AnalysisResult(corpora=corpora, manifest={"created": "x"})
    assert AnalysisResult.from_bundle(result.to_bundle_bytes()).equals(result)
