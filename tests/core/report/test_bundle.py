"""Analysis bundles: identical round trip, versioning, integrity, path safety, no pickle, atomicity."""

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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.exceptions import BundleError, ParameterError
from core.report import BUNDLE_FORMAT, BUNDLE_VERSION, bundle_bytes, read_bundle, write_bundle

MARKER = Path(os.environ.get("TMPDIR", "/tmp")) / "corpus_compass_pickle_ran"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": ["日本語のテキスト", "emoji 🙂 <b>", "العربية", None],
            "corpus": pd.Categorical(["a", "b", "a", "b"]),
            "depth": [1.5, np.nan, -0.25, 2.0],
            "n": pd.array([1, None, 3, 4], dtype="Int64"),
            "count": np.array([1, 2, 3, 4], dtype=np.int32),
            "flag": [True, False, True, True],
            "when": pd.to_datetime(["2026-01-01", None, "2026-03-01", "2026-04-01"]).tz_localize("UTC"),
        },
        index=pd.Index(["d1", "d2", "d3", "d4"], name="doc_id"),
    )


def _contents():
    tables = {"documents": _frame(), "tests": pd.DataFrame({"test": ["depth"], "pvalue": [0.03]})}
    arrays = {
        "embeddings/minilm": np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32),
        "ids": np.array([3, 1, 2], dtype=np.int64),
        "mask": np.array([True, False]),
        "names": np.array(["ä", "bb"]),
        "scalar": np.array(2.5),
        "empty": np.zeros((0, 384), dtype=np.float32),
        "nan_payload": np.array([np.nan, -0.0, np.inf]),
    }
    json_objects = {"summary": {"corpora": [{"name": "新聞", "n": 4}], "p": None, "nested": {"k": [1, 2.5]}}}
    manifest = {"inputs": [{"file": "a.csv", "sha256": "0" * 64}], "seed": 42, "model": "all-MiniLM-L6-v2"}
    return manifest, tables, arrays, json_objects


def _write(tmp_path: Path, name: str) -> Path:
    manifest, tables, arrays, json_objects = _contents()
    return write_bundle(tmp_path / name, manifest=manifest, tables=tables, arrays=arrays,
                        json_objects=json_objects)


def _assert_same(bundle):
    manifest, tables, arrays, json_objects = _contents()
    assert dict(bundle.manifest) == manifest
    assert set(bundle.tables) == set(tables)
    for key, df in tables.items():
        pd.testing.assert_frame_equal(bundle.tables[key], df, check_exact=True)
        assert bundle.tables[key].dtypes.equals(df.dtypes)
    assert set(bundle.arrays) == set(arrays)
    for key, arr in arrays.items():
        got = bundle.arrays[key]
        assert got.dtype == arr.dtype and got.shape == arr.shape
        assert got.tobytes() == arr.tobytes()  # bit-identical, NaN payloads and -0.0 included
    assert dict(bundle.json_objects) == json_objects
    assert bundle.version == BUNDLE_VERSION == 1


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("name", ["bundle", "bundle.zip"])
def test_round_trip_is_identical(tmp_path, name):
    path = _write(tmp_path, name)
    assert path.is_dir() == (name == "bundle")
    _assert_same(read_bundle(path))


def test_round_trip_from_bytes_and_file_object():
    manifest, tables, arrays, json_objects = _contents()
    data = bundle_bytes(manifest=manifest, tables=tables, arrays=arrays, json_objects=json_objects)
    _assert_same(read_bundle(data))
    _assert_same(read_bundle(io.BytesIO(data)))


def test_index_lists_every_file_with_its_hash(tmp_path):
    path = _write(tmp_path, "b")
    index = json.loads((path / "bundle.json").read_text(encoding="utf-8"))
    assert index["format"] == BUNDLE_FORMAT and index["version"] == 1
    assert index["created"].endswith("Z")
    on_disk = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} - {"bundle.json"}
    assert set(index["files"]) == on_disk
    assert "tables/documents.parquet" in on_disk and "arrays/embeddings/minilm.npy" in on_disk
    for name, entry in index["files"].items():
        data = (path / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    summary = read_bundle(path).to_dict()
    assert summary["tables"] == ["documents", "tests"] and summary["json_objects"] == ["summary"]


def test_same_content_gives_the_same_zip_bytes():
    manifest, tables, arrays, json_objects = _contents()
    kw = {"manifest": manifest, "tables": tables, "arrays": arrays, "json_objects": json_objects,
              "created": "2026-01-01T00:00:00Z"}
    assert bundle_bytes(**kw) == bundle_bytes(**kw)


def test_zipped_bundle_folder_is_accepted(tmp_path):
    folder = _write(tmp_path, "analysis")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, "analysis/" + p.relative_to(folder).as_posix())
    _assert_same(read_bundle(buf.getvalue()))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.arrays(dtype=st.sampled_from([np.float32, np.float64, np.int16, np.uint8, np.complex64]),
                  shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=5)))
def test_any_numeric_array_round_trips_bit_identically(arr):
    back = read_bundle(bundle_bytes(manifest={}, tables={}, arrays={"a": arr})).arrays["a"]
    assert back.dtype == arr.dtype and back.shape == arr.shape and back.tobytes() == arr.tobytes()


# --------------------------------------------------------------------------- refused bundles


def _rewrite_index(path: Path, change) -> None:
    index = json.loads((path / "bundle.json").read_text(encoding="utf-8"))
    change(index)
    (path / "bundle.json").write_text(json.dumps(index), encoding="utf-8")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _index(files: dict[str, bytes], version: int = 1) -> bytes:
    return json.dumps({"format": BUNDLE_FORMAT, "version": version, "manifest": {},
                       "files": {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                                 for n, d in files.items()}}).encode()


def test_unknown_version_is_refused_with_a_clear_message(tmp_path):
    path = _write(tmp_path, "b")
    _rewrite_index(path, lambda i: i.update(version=7))
    with pytest.raises(BundleError, match=r"bundle format version 7 is not supported by this Corpus "
                                          r"Compass \(supports 1\); it was written by a newer"):
        read_bundle(path)
    _rewrite_index(path, lambda i: i.update(version="1"))
    with pytest.raises(BundleError, match="no integer format version"):
        read_bundle(path)


def test_other_format_is_refused(tmp_path):
    path = _write(tmp_path, "b")
    _rewrite_index(path, lambda i: i.update(format="something-else"))
    with pytest.raises(BundleError, match="is not a Corpus Compass bundle"):
        read_bundle(path)
    (path / "bundle.json").write_bytes(b"\xff{not json")
    with pytest.raises(BundleError, match="not valid UTF-8 JSON"):
        read_bundle(path)


def test_tampered_file_is_named(tmp_path):
    path = _write(tmp_path, "b")
    target = path / "tables" / "documents.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"'tables/documents.parquet' does not match its SHA-256"):
        read_bundle(path)


def test_tampered_zip_member_is_named(tmp_path):
    path = _write(tmp_path, "b.zip")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["arrays/ids.npy"] = members["arrays/ids.npy"][:-8] + np.int64(99).tobytes()
    with pytest.raises(BundleError, match=r"'arrays/ids.npy' does not match its SHA-256"):
        read_bundle(_zip(members))
    members["arrays/ids.npy"] += b"extra"
    with pytest.raises(BundleError, match=r"'arrays/ids.npy' has \d+ bytes but bundle.json lists"):
        read_bundle(_zip(members))


def test_missing_file_is_named(tmp_path):
    path = _write(tmp_path, "b")
    (path / "arrays" / "mask.npy").unlink()
    with pytest.raises(BundleError, match=r"incomplete: the listed file 'arrays/mask.npy' is missing"):
        read_bundle(path)
    (path / "bundle.json").unlink()
    with pytest.raises(BundleError, match="has no bundle.json"):
        read_bundle(path)


@pytest.mark.parametrize("name", [
    "../../x.json", "json/../../x.json", "/etc/passwd", "json\\x.json", "C:/x.json", "json//x.json",
    "json/./x.json", "json/x y.json", "json/ü.json",
])
def test_unsafe_listed_names_are_refused(name):
    data = b"{}"
    blob = _zip({"bundle.json": _index({name: data})})
    with pytest.raises(BundleError, match="not a relative path|unsafe name"):
        read_bundle(blob)


def test_path_traversal_member_in_zip_is_refused_even_if_unlisted():
    data = _zip({"bundle.json": _index({}), "../../evil.txt": b"x"})
    with pytest.raises(BundleError, match=r"'../../evil.txt' has an unsafe name"):
        read_bundle(data)


def test_unknown_member_kind_is_refused():
    files = {"code/run.py": b"print(1)"}
    with pytest.raises(BundleError, match="not a table, array or JSON object"):
        read_bundle(_zip({"bundle.json": _index(files), **files}))


def test_symlink_in_bundle_folder_is_refused(tmp_path):
    path = _write(tmp_path, "b")
    secret = tmp_path / "secret.json"
    secret.write_bytes(b"{}")
    link = path / "json" / "summary.json"
    link.unlink()
    link.symlink_to(secret)
    _rewrite_index(path, lambda i: i["files"].update({"json/summary.json": {
        "sha256": hashlib.sha256(b"{}").hexdigest(), "size": 2}}))
    with pytest.raises(BundleError, match="is a symbolic link"):
        read_bundle(path)


def test_not_a_zip_and_missing_path(tmp_path):
    with pytest.raises(BundleError, match="is not a bundle"):
        read_bundle(b"hello, I am not a zip")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(BundleError, match="is not a bundle"):
        read_bundle(text)
    with pytest.raises(BundleError, match="no bundle at"):
        read_bundle(tmp_path / "nothing-here.zip")


class _Payload:
    def __reduce__(self):
        return (MARKER.write_text, ("pickle code ran",))


def test_pickled_npy_is_refused_and_never_executed(tmp_path):
    MARKER.unlink(missing_ok=True)
    buf = io.BytesIO()
    np.save(buf, np.array([_Payload()], dtype=object), allow_pickle=True)
    files = {"arrays/evil.npy": buf.getvalue()}
    with pytest.raises(BundleError, match="needs pickle to load; bundles never unpickle"):
        read_bundle(_zip({"bundle.json": _index(files), **files}))
    assert not MARKER.exists()


def test_zip_size_limits():
    manifest, tables, arrays, json_objects = _contents()
    data = bundle_bytes(manifest=manifest, tables=tables, arrays=arrays, json_objects=json_objects)
    with pytest.raises(BundleError, match=r"more than the limit of 1,000 \(max_total_bytes\)"):
        read_bundle(data, max_total_bytes=1_000)
    with pytest.raises(BundleError, match="more than the limit of 3"):
        read_bundle(data, max_members=3)


def test_declared_size_limit_applies_to_folders(tmp_path):
    path = _write(tmp_path, "b")
    _rewrite_index(path, lambda i: i["files"]["tables/tests.parquet"].update(size=3 * 1024**3))
    with pytest.raises(BundleError, match="declares .* bytes of content, more than the limit"):
        read_bundle(path)


def test_compressed_bomb_is_refused_before_inflating():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("json/x.json", b"0" * 50_000_000)  # 50 MB of zeros, ~50 kB compressed
    with pytest.raises(BundleError, match="would unpack to 50,000,000 bytes"):
        read_bundle(bomb.getvalue(), max_total_bytes=10_000_000)


# --------------------------------------------------------------------------- writing


def test_object_arrays_are_refused_when_writing(tmp_path):
    with pytest.raises(BundleError, match="needs pickle"):
        write_bundle(tmp_path / "b", manifest={}, tables={}, arrays={"x": np.array([{}], dtype=object)})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["b", "b.zip"])
def test_failed_write_leaves_nothing_behind(tmp_path, name):
    bad = pd.DataFrame({"mixed": [1, "a", 2.5]})  # pyarrow cannot store one column of mixed types
    with pytest.raises(BundleError, match="table 'bad' cannot be stored as Parquet"):
        write_bundle(tmp_path / name, manifest={}, tables={"good": _frame(), "bad": bad})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["b", "b.zip"])
def test_existing_target_needs_overwrite(tmp_path, name):
    first = write_bundle(tmp_path / name, manifest={"run": 1}, tables={})
    with pytest.raises(BundleError, match="already exists; pass overwrite=True"):
        write_bundle(first, manifest={"run": 2}, tables={})
    write_bundle(first, manifest={"run": 2}, tables={}, overwrite=True)
    assert read_bundle(first).manifest["run"] == 2
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_as_zip_overrides_the_suffix(tmp_path):
    path = write_bundle(tmp_path / "archive", manifest={}, tables={}, as_zip=True)
    assert path.is_file() and zipfile.is_zipfile(path)
    assert read_bundle(path).version == 1


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"tables": {"../x": pd.DataFrame()}}, ParameterError, "tables key '../x' is not allowed"),
    ({"tables": {"a b": pd.DataFrame()}}, ParameterError, "tables key 'a b' is not allowed"),
    ({"tables": {1: pd.DataFrame()}}, ParameterError, "tables keys must be strings"),
    ({"tables": {"t": [1, 2]}}, ParameterError, r"tables\['t'\] must be a pandas DataFrame"),
    ({"tables": {"t": pd.DataFrame({0: [1]})}}, BundleError, "non-string column names"),
    ({"arrays": {"a": [1, 2]}}, ParameterError, r"arrays\['a'\] must be a numpy array"),
    ({"json_objects": {"j": {"x": object()}}}, BundleError, "cannot be stored as JSON"),
    ({"manifest": ["not", "a", "dict"]}, ParameterError, "manifest must be a dict"),
    ({"tables": [pd.DataFrame()]}, ParameterError, "tables must be a dict"),
])
def test_invalid_write_arguments(tmp_path, kwargs, exc, match):
    args = {"manifest": {}, "tables": {}} | kwargs
    with pytest.raises(exc, match=match):
        write_bundle(tmp_path / "b", **args)
    assert list(tmp_path.iterdir()) == []


def test_missing_parent_folder(tmp_path):
    with pytest.raises(BundleError, match="does not exist"):
        write_bundle(tmp_path / "no" / "b.zip", manifest={}, tables={})


@pytest.mark.parametrize("kwargs, match", [
    ({"max_total_bytes": 0}, "max_total_bytes must be a positive integer"),
    ({"max_members": -1}, "max_members must be a positive integer"),
])
def test_invalid_read_arguments(tmp_path, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        read_bundle(tmp_path, **kwargs)
    with pytest.raises(ParameterError, match="source must be a path, bytes or a binary file object"):
        read_bundle(12)
