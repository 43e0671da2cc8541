"""Analysis bundles: a versioned, pickle-free directory or .zip holding everything an analysis produced.

Layout (format ``corpus-compass-bundle``, version 1)::

    bundle.json              {"format", "version", "created", "manifest", "files": {name: {sha256, size}}}
    tables/<name>.parquet    pandas DataFrames (pyarrow; dtypes, index and unicode preserved)
    arrays/<name>.npy        numpy arrays (np.save with allow_pickle=False: numeric/str/bool dtypes only)
    json/<name>.json         JSON objects (UTF-8)

Names may contain ``/`` to group members (``arrays/embeddings/minilm.npy``).

Reading treats the bundle as untrusted input (it may be an upload, docs/SECURITY.md):

- nothing is ever unpickled: arrays load with ``np.load(..., allow_pickle=False)``; tables are read by
  pyarrow, which since 14.0.1 refuses the pickle-based ``arrow.py_extension_type`` (CVE-2023-47248);
- only the files listed in ``bundle.json`` are read, each checked against its listed size and SHA-256
  before it is parsed; a mismatch names the file;
- member names are validated (relative, ``[A-Za-z0-9._/-]`` only, no ``..``, no empty segment, no
  backslash or drive letter), in ``bundle.json`` and, for a zip, for every member of the archive;
  in a directory, symbolic links are refused, so no read leaves the bundle;
- a zip's declared uncompressed total and member count are bounded (``max_total_bytes``, 2 GiB by
  default; ``max_members``) and every read stops at the declared size, so a zip bomb is refused before
  it is inflated;
- the format version is checked first: a bundle from a newer Corpus Compass gets a message saying so.

Writing is atomic: everything goes to a temporary sibling (``.<name>.partial-<random>``) that is
renamed onto the final name with ``os.replace`` only when complete, so a killed process never leaves
a half bundle under the final name. ``bundle.json`` is written last.

Non-finite floats in the manifest and JSON objects are written the way Python's ``json`` writes them
(``NaN``, ``Infinity``); Python reads them back, strict JSON parsers do not. Convert them to ``None``
first if other tools must read the files.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from core.exceptions import BundleError, ParameterError

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "SUPPORTED_BUNDLE_VERSIONS",
    "Bundle",
    "bundle_bytes",
    "read_bundle",
    "write_bundle",
]

BUNDLE_FORMAT = "corpus-compass-bundle"
BUNDLE_VERSION = 1
SUPPORTED_BUNDLE_VERSIONS: tuple[int, ...] = (1,)

INDEX_NAME = "bundle.json"
_KINDS = {"tables": ".parquet", "arrays": ".npy", "json": ".json"}
_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MAX_INDEX_BYTES = 64 * 1024 * 1024
_CHUNK = 1 << 20
# a damaged zip makes zipfile raise more than BadZipFile: ValueError ("negative seek value"),
# NotImplementedError (unknown version or method), zlib.error while inflating, struct.error, ...
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError,
               RuntimeError, IndexError, struct.error)
# longest member-name segment: file systems refuse names over 255 bytes, so a longer one could be
# written to a .zip but not to a bundle folder
_MAX_SEGMENT = 200
# fixed zip timestamps: the same content gives the same archive bytes (apart from "created")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, eq=False)
class Bundle:
    """A bundle read back by :func:`read_bundle`.

    Attributes
    ----------
    manifest : dict
        The reproducibility manifest given to :func:`write_bundle`.
    tables : mapping of str to DataFrame
    arrays : mapping of str to ndarray
    json_objects : mapping of str to JSON value
    version : int
        Bundle format version of the files.
    created : str
        UTC time of writing, ISO 8601.
    files : mapping of str to dict
        Relative member name → ``{"sha256": ..., "size": ...}`` as listed in ``bundle.json``.
    """

    manifest: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame]
    arrays: Mapping[str, np.ndarray]
    json_objects: Mapping[str, Any]
    version: int
    created: str
    files: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Summary (no data): format version, creation time, manifest and the names of the contents."""
        return {"version": self.version, "created": self.created, "manifest": dict(self.manifest),
                "tables": sorted(self.tables), "arrays": sorted(self.arrays),
                "json_objects": sorted(self.json_objects)}


# --------------------------------------------------------------------------- names


def _check_member_name(name: Any) -> str:
    """Return ``name`` if it is a safe relative member name, else raise BundleError."""
    if not isinstance(name, str) or not name:
        raise BundleError(f"bundle member name {name!r} is not a non-empty string")
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise BundleError(f"bundle member {name!r} is not a relative path inside the bundle; refused")
    parts = name.split("/")
    for part in parts:
        if part in ("", ".", "..") or not _SEGMENT.match(part) or len(part) > _MAX_SEGMENT:
            raise BundleError(
                f"bundle member {name!r} has an unsafe name (allowed: relative paths of "
                f"[A-Za-z0-9._-] segments of at most {_MAX_SEGMENT} characters, no '..'); refused")
    return name


def _check_key(kind: str, key: Any) -> str:
    if not isinstance(key, str):
        raise ParameterError(f"{kind} keys must be strings, got {key!r}")
    try:
        _check_member_name(key)
    except BundleError:
        raise ParameterError(
            f"{kind} key {key!r} is not allowed: use letters, digits, '.', '_', '-' and '/' between "
            f"non-empty parts of at most {_MAX_SEGMENT} characters (no '..')") from None
    return key


def _kind_of(name: str) -> tuple[str, str]:
    """('tables', 'documents') for 'tables/documents.parquet'; BundleError for an unknown member."""
    top, _, rest = name.partition("/")
    suffix = _KINDS.get(top)
    if suffix is None or not rest.endswith(suffix) or len(rest) == len(suffix):
        raise BundleError(f"bundle member {name!r} is not a table, array or JSON object this "
                          "format knows; refused")
    return top, rest[: -len(suffix)]


# --------------------------------------------------------------------------- serialisation


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (Path, _dt.date, _dt.datetime)):
        return str(obj) if isinstance(obj, Path) else obj.isoformat()
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable")


def _dump_json(obj: Any, what: str) -> bytes:
    try:
        return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False,
                          default=_json_default).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise BundleError(f"{what} cannot be stored as JSON: {exc}") from exc


def _table_bytes(key: str, df: Any) -> bytes:
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"tables[{key!r}] must be a pandas DataFrame, got {type(df).__name__}")
    if not all(isinstance(c, str) for c in df.columns):
        raise BundleError(f"table {key!r} has non-string column names {list(df.columns)!r}; "
                          "Parquet needs string names: rename the columns")
    buf = io.BytesIO()
    try:
        df.to_parquet(buf, engine="pyarrow")
    except Exception as exc:  # pyarrow raises several types for unconvertible columns
        raise BundleError(f"table {key!r} cannot be stored as Parquet ({type(exc).__name__}: {exc}); "
                          "columns must hold one type each (numbers, text, booleans, dates)") from exc
    return buf.getvalue()


def _array_bytes(key: str, arr: Any) -> bytes:
    if not isinstance(arr, np.ndarray):
        raise ParameterError(f"arrays[{key!r}] must be a numpy array, got {type(arr).__name__}")
    buf = io.BytesIO()
    try:
        np.save(buf, arr, allow_pickle=False)
    except ValueError as exc:
        raise BundleError(f"array {key!r} has dtype {arr.dtype}, which needs pickle; bundles store "
                          "numeric, boolean and fixed-width text arrays only") from exc
    return buf.getvalue()


def _members(tables: Mapping[str, pd.DataFrame], arrays: Mapping[str, np.ndarray],
             json_objects: Mapping[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Yield (member name, bytes) one at a time, so peak memory is one member, not the bundle."""
    for kind, items, encode in (("tables", tables, _table_bytes), ("arrays", arrays, _array_bytes),
                                ("json", json_objects, lambda k, v: _dump_json(v, f"json_objects[{k!r}]"))):
        if not isinstance(items, Mapping):
            raise ParameterError(f"{'json_objects' if kind == 'json' else kind} must be a dict, "
                                 f"got {type(items).__name__}")
        for key, value in items.items():
            yield f"{kind}/{_check_key(kind, key)}{_KINDS[kind]}", encode(key, value)


def _index(manifest: Mapping[str, Any], files: dict[str, dict[str, Any]], created: str) -> bytes:
    return _dump_json({"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, "created": created,
                       "manifest": dict(manifest), "files": files}, "manifest")


def _created(created: str | None) -> str:
    if created is not None:
        return str(created)
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _write_zip(fh: BinaryIO, manifest, tables, arrays, json_objects, created: str) -> None:
    files: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in _members(tables, arrays, json_objects):
            files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr(zipfile.ZipInfo(INDEX_NAME, _ZIP_TIME), _index(manifest, files, created),
                    compress_type=zipfile.ZIP_DEFLATED)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _write_dir(root: Path, manifest, tables, arrays, json_objects, created: str) -> None:
    files: dict[str, dict[str, Any]] = {}
    for name, data in _members(tables, arrays, json_objects):
        files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        _write_file(root / name, data)
    _write_file(root / INDEX_NAME, _index(manifest, files, created))


def write_bundle(
    target: str | os.PathLike,
    *,
    manifest: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    arrays: Mapping[str, np.ndarray] | None = None,
    json_objects: Mapping[str, Any] | None = None,
    as_zip: bool | None = None,
    overwrite: bool = False,
    created: str | None = None,
) -> Path:
    """Write an analysis bundle to a directory or a .zip file, atomically.

    Parameters
    ----------
    target : path
        Where the bundle goes. Its parent directory must exist.
    manifest : dict
        Reproducibility manifest (inputs' hashes, parameters, seeds, versions); JSON-serialisable.
    tables : dict of str to DataFrame
        Stored as Parquet; dtypes, index and unicode text come back identical.
    arrays : dict of str to ndarray, optional
        Stored as ``.npy`` without pickle (object arrays are refused with BundleError).
    json_objects : dict of str to JSON-serialisable value, optional
        Result summaries; numpy scalars are converted to Python numbers.
    as_zip : bool, optional
        ``None`` (default): a zip when ``target`` ends in ``.zip``, else a directory.
    overwrite : bool
        Replace an existing bundle at ``target``. Default: refuse with BundleError.
    created : str, optional
        Creation time to record (ISO 8601); default: now, UTC.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    BundleError
        Something cannot be stored (pickle-only array, mixed-type column), or ``target`` exists.
    ParameterError
        A key or argument of the wrong type or with an unsafe name.
    """
    target = Path(target)
    if not isinstance(manifest, Mapping):
        raise ParameterError(f"manifest must be a dict, got {type(manifest).__name__}")
    arrays = {} if arrays is None else arrays
    json_objects = {} if json_objects is None else json_objects
    if as_zip is None:
        as_zip = target.suffix.lower() == ".zip"
    if not target.parent.is_dir():
        raise BundleError(f"cannot write the bundle {target}: folder {target.parent} does not exist")
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise BundleError(f"{target} already exists; pass overwrite=True to replace it")
    created = _created(created)

    tmp = target.with_name(f".{target.name}.partial-{secrets.token_hex(8)}")
    try:
        if as_zip:
            with open(tmp, "wb") as fh:
                _write_zip(fh, manifest, tables, arrays, json_objects, created)
                fh.flush()
                os.fsync(fh.fileno())
        else:
            tmp.mkdir()
            _write_dir(tmp, manifest, tables, arrays, json_objects, created)
        _replace(tmp, target)
    except OSError as exc:
        # disk full, no permission, a name the file system refuses: say which bundle, keep nothing
        raise BundleError(f"cannot write the bundle {target}: {exc.strerror or exc}") from exc
    finally:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists() or tmp.is_symlink():
            tmp.unlink()
    return target


def _replace(tmp: Path, target: Path) -> None:
    """``os.replace`` that also handles an existing directory or a zip replacing a directory.

    A file replaces a file atomically. An existing directory cannot be replaced atomically on POSIX,
    so it is first renamed aside: for a moment there is no bundle under the name, but never a partial
    one.
    """
    if target.is_dir() and not target.is_symlink():
        aside = target.with_name(f".{target.name}.old-{secrets.token_hex(8)}")
        os.replace(target, aside)
        try:
            os.replace(tmp, target)
        except OSError:
            os.replace(aside, target)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    elif tmp.is_dir() and (target.exists() or target.is_symlink()):
        target.unlink()
        os.replace(tmp, target)
    else:
        os.replace(tmp, target)


def bundle_bytes(
    *,
    manifest: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    arrays: Mapping[str, np.ndarray] | None = None,
    json_objects: Mapping[str, Any] | None = None,
    created: str | None = None,
) -> bytes:
    """The bundle as .zip bytes (for a download button); same content as ``write_bundle(x.zip)``."""
    if not isinstance(manifest, Mapping):
        raise ParameterError(f"manifest must be a dict, got {type(manifest).__name__}")
    buf = io.BytesIO()
    _write_zip(buf, manifest, tables, arrays or {}, json_objects or {}, _created(created))
    return buf.getvalue()


# --------------------------------------------------------------------------- reading


class _Source:
    """Read access to the members of a bundle, whatever its container."""

    label: str

    def read(self, name: str, limit: int) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    def size(self, name: str) -> int | None:  # pragma: no cover - interface
        raise NotImplementedError

    def has(self, name: str) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


class _DirSource(_Source):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.real = root.resolve()
        self.label = str(root)

    def _path(self, name: str) -> Path:
        path = self.root / name
        # refuse links anywhere below the root: a symlink could point outside the bundle
        cur = self.root
        for part in name.split("/"):
            cur = cur / part
            if cur.is_symlink():
                raise BundleError(f"bundle member {name!r} is a symbolic link; refused")
        try:
            path.resolve().relative_to(self.real)
        except ValueError:
            raise BundleError(f"bundle member {name!r} points outside the bundle; refused") from None
        if not path.is_file():
            raise BundleError(f"{self.label} is incomplete: the listed file {name!r} is missing")
        return path

    def size(self, name: str) -> int | None:
        return self._path(name).stat().st_size

    def has(self, name: str) -> bool:
        return (self.root / name).is_file()

    def read(self, name: str, limit: int) -> bytes:
        with open(self._path(name), "rb") as fh:
            return fh.read(limit + 1)


class _ZipSource(_Source):
    def __init__(self, fileobj: BinaryIO | str, label: str, *, max_total_bytes: int,
                 max_members: int) -> None:
        self.label = label
        try:
            self.zf = zipfile.ZipFile(fileobj)
        except _ZIP_ERRORS as exc:
            raise BundleError(f"{label} is not a bundle: it is neither a bundle folder nor a valid "
                              f".zip file ({exc})") from exc
        try:
            self._index_members(max_total_bytes=max_total_bytes, max_members=max_members)
        except BaseException:
            self.zf.close()
            raise

    def _index_members(self, *, max_total_bytes: int, max_members: int) -> None:
        label = self.label
        infos = self.zf.infolist()
        if len(infos) > max_members:
            raise BundleError(f"{label} has {len(infos)} members, more than the limit of {max_members}")
        names = [i.filename for i in infos if not i.is_dir()]
        if len(set(names)) != len(names):
            raise BundleError(f"{label} holds the same member name twice; refused")
        for info in infos:
            _check_member_name(info.filename.rstrip("/") if info.is_dir() else info.filename)
        total = sum(i.file_size for i in infos)
        if total > max_total_bytes:
            raise BundleError(f"{label} would unpack to {total:,} bytes, more than the limit of "
                              f"{max_total_bytes:,} (max_total_bytes)")
        # a folder zipped with its name ("analysis/bundle.json") is accepted as well
        self.prefix = ""
        if INDEX_NAME not in names:
            candidates = [n for n in names if n.count("/") == 1 and n.endswith("/" + INDEX_NAME)]
            if len(candidates) == 1:
                self.prefix = candidates[0][: -len(INDEX_NAME)]
        self.infos = {i.filename: i for i in infos if not i.is_dir()}

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = self.infos.get(self.prefix + name)
        if info is None:
            raise BundleError(f"{self.label} is incomplete: the listed file {name!r} is missing")
        return info

    def size(self, name: str) -> int | None:
        return self._info(name).file_size

    def has(self, name: str) -> bool:
        return (self.prefix + name) in self.infos

    def read(self, name: str, limit: int) -> bytes:
        info = self._info(name)
        try:
            with self.zf.open(info) as fh:
                return fh.read(limit + 1)
        except _ZIP_ERRORS as exc:
            raise BundleError(f"bundle member {name!r} in {self.label} cannot be read: {exc}") from exc

    def close(self) -> None:
        self.zf.close()


def _check_entry_count(data: bytes, label: str, max_members: int) -> None:
    # before zipfile parses the directory (one object per entry): a tiny zip can declare millions
    from core.load.formats import zip_entry_count

    declared = zip_entry_count(data)
    if declared is not None and declared > max_members:
        raise BundleError(f"{label} has {declared:,} members, more than the limit of {max_members}")


def _open_source(source: Any, *, max_total_bytes: int, max_members: int) -> _Source:
    if isinstance(source, (bytes, bytearray, memoryview)):
        _check_entry_count(bytes(source), "the uploaded bundle", max_members)
        return _ZipSource(io.BytesIO(bytes(source)), "the uploaded bundle",
                          max_total_bytes=max_total_bytes, max_members=max_members)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            return _DirSource(path)
        if not path.is_file():
            raise BundleError(f"no bundle at {path}: no such file or folder")
        # a path, not an open file: ZipFile then owns the handle and closes it on every error
        return _ZipSource(str(path), str(path), max_total_bytes=max_total_bytes,
                          max_members=max_members)
    if hasattr(source, "read"):
        data = source.read()
        if not isinstance(data, (bytes, bytearray)):
            raise ParameterError("a file object given as bundle source must be opened in binary mode")
        _check_entry_count(bytes(data), getattr(source, "name", "the uploaded bundle"), max_members)
        return _ZipSource(io.BytesIO(bytes(data)), getattr(source, "name", "the uploaded bundle"),
                          max_total_bytes=max_total_bytes, max_members=max_members)
    raise ParameterError(f"source must be a path, bytes or a binary file object, got {type(source).__name__}")


def _parse_index(raw: bytes, label: str) -> dict[str, Any]:
    if len(raw) > _MAX_INDEX_BYTES:
        raise BundleError(f"{label}: {INDEX_NAME} is larger than {_MAX_INDEX_BYTES:,} bytes; refused")
    try:
        index = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{label}: {INDEX_NAME} is not valid UTF-8 JSON ({exc})") from exc
    if not isinstance(index, dict) or index.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{label} is not a Corpus Compass bundle ({INDEX_NAME} does not declare "
                          f"format {BUNDLE_FORMAT!r})")
    version = index.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BundleError(f"{label}: {INDEX_NAME} has no integer format version (got {version!r})")
    if version not in SUPPORTED_BUNDLE_VERSIONS:
        supported = ", ".join(map(str, SUPPORTED_BUNDLE_VERSIONS))
        hint = ("it was written by a newer Corpus Compass: upgrade to open it"
                if version > max(SUPPORTED_BUNDLE_VERSIONS)
                else "it was written by an older Corpus Compass: open it with that version")
        raise BundleError(f"bundle format version {version} is not supported by this Corpus Compass "
                          f"(supports {supported}); {hint}")
    files = index.get("files")
    if not isinstance(files, dict):
        raise BundleError(f"{label}: {INDEX_NAME} lacks the 'files' listing")
    for name, entry in files.items():
        _check_member_name(name)
        if name == INDEX_NAME:
            raise BundleError(f"{label}: {INDEX_NAME} lists itself; refused")
        _kind_of(name)
        if (not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str)
                or not _SHA256.match(entry["sha256"]) or not isinstance(entry.get("size"), int)
                or isinstance(entry.get("size"), bool) or entry["size"] < 0):
            raise BundleError(f"{label}: the listing of {name!r} in {INDEX_NAME} needs a sha256 "
                              "(64 hex digits) and a non-negative integer size")
    if not isinstance(index.get("manifest", {}), dict):
        raise BundleError(f"{label}: the manifest in {INDEX_NAME} must be a JSON object")
    return index


def _parse_member(kind: str, name: str, data: bytes) -> Any:
    try:
        if kind == "tables":
            return pd.read_parquet(io.BytesIO(data), engine="pyarrow")
        if kind == "arrays":
            return np.load(io.BytesIO(data), allow_pickle=False)
        return json.loads(data.decode("utf-8"))
    except ValueError as exc:
        if kind == "arrays" and "pickle" in str(exc).lower():
            raise BundleError(f"bundle member {name!r} is an object array that needs pickle to load; "
                              "bundles never unpickle, refused") from exc
        raise BundleError(f"bundle member {name!r} cannot be parsed: {exc}") from exc
    except Exception as exc:  # pyarrow / numpy raise assorted types on corrupt input
        raise BundleError(f"bundle member {name!r} cannot be parsed ({type(exc).__name__}: {exc})") from exc


def read_bundle(
    source: str | os.PathLike | bytes | BinaryIO,
    *,
    max_total_bytes: int = 2 * 1024**3,
    max_members: int = 10_000,
) -> Bundle:
    """Read and verify an analysis bundle (a directory, a .zip file, or .zip bytes from an upload).

    Parameters
    ----------
    source : path, bytes or binary file object
        A bundle directory, a .zip path, the bytes of a .zip, or an open binary file.
    max_total_bytes : int
        Upper bound on the total (uncompressed) size of the listed files, and of a zip's members.
    max_members : int
        Upper bound on the number of members of a zip and of listed files.

    Returns
    -------
    Bundle

    Raises
    ------
    BundleError
        Not a bundle, unsupported format version, missing or tampered file (named), unsafe member
        name, too large, or a member that cannot be parsed without pickle.
    """
    for pname, value in (("max_total_bytes", max_total_bytes), ("max_members", max_members)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ParameterError(f"{pname} must be a positive integer, got {value!r}")
    src = _open_source(source, max_total_bytes=max_total_bytes, max_members=max_members)
    try:
        if not src.has(INDEX_NAME):
            raise BundleError(f"{src.label} is not a Corpus Compass bundle: it has no {INDEX_NAME}")
        size = src.size(INDEX_NAME)
        if size is not None and size > _MAX_INDEX_BYTES:
            raise BundleError(f"{src.label}: {INDEX_NAME} is larger than {_MAX_INDEX_BYTES:,} bytes")
        index = _parse_index(src.read(INDEX_NAME, _MAX_INDEX_BYTES), src.label)
        files: dict[str, dict[str, Any]] = index["files"]
        if len(files) > max_members:
            raise BundleError(f"{src.label} lists {len(files)} files, more than the limit of {max_members}")
        declared = sum(e["size"] for e in files.values())
        if declared > max_total_bytes:
            raise BundleError(f"{src.label} declares {declared:,} bytes of content, more than the limit "
                              f"of {max_total_bytes:,} (max_total_bytes)")
        contents: dict[str, dict[str, Any]] = {"tables": {}, "arrays": {}, "json": {}}
        for name, entry in files.items():
            kind, key = _kind_of(name)
            actual = src.size(name)
            if actual is not None and actual != entry["size"]:
                raise BundleError(f"bundle member {name!r} has {actual:,} bytes but {INDEX_NAME} lists "
                                  f"{entry['size']:,}: the bundle was modified or damaged")
            data = src.read(name, entry["size"])
            if len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise BundleError(f"bundle member {name!r} does not match its SHA-256 in {INDEX_NAME}: "
                                  "the bundle was modified or damaged")
            contents[kind][key] = _parse_member(kind, name, data)
    finally:
        src.close()
    return Bundle(
        manifest=MappingProxyType(dict(index.get("manifest", {}))),
        tables=MappingProxyType(contents["tables"]),
        arrays=MappingProxyType(contents["arrays"]),
        json_objects=MappingProxyType(contents["json"]),
        version=index["version"],
        created=str(index.get("created", "")),
        files=MappingProxyType(files),
    )
