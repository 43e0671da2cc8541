"""Files: the one atomic write and the one SHA-256 of a file for the whole library.

- :func:`atomic_write` writes bytes or text to a temporary sibling file, flushes and fsyncs it, then
  renames it onto the target with ``os.replace``, so a reader (or a process killed halfway) never sees
  half a file; the temporary file (``.NAME.partial-HEX``) is removed on any error. :func:`atomic_path` does the same for
  writers that want a path (``np.save``, an ONNX exporter).
- :func:`file_sha256` hashes a file in 1 MiB blocks and remembers the digest for the life of the
  process, keyed by (real path, size, mtime_ns, ctime_ns, inode): rewriting the file, or resetting its
  mtime afterwards with ``touch``, changes ctime and forces a fresh hash. The memo is never stored on
  disk (a memo file in a user-writable directory would reduce a pinned hash to trust in that file).

Written here rather than taken from a library: the standard library has the pieces (``os.replace``,
``hashlib``) but no atomic write, and the packages that offer one (``atomicwrites``) are unmaintained.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write", "file_sha256"]

_HASH_MEMO: dict[tuple, str] = {}
_HASH_LOCK = threading.Lock()
_BLOCK = 1 << 20


def _temporary_sibling(path: Path, suffix: str = "") -> Path:
    return path.with_name(f".{path.name}.partial-{secrets.token_hex(8)}{suffix}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str = "") -> Iterator[Path]:
    """A temporary sibling of ``path`` to write to; renamed onto ``path`` when the block ends normally.

    Parameters
    ----------
    path : path
        The final file. Its folder must exist.
    suffix : str
        Ending of the temporary name, for writers that look at it (``".npy"`` for ``np.save``).

    The temporary file is removed when the block raises; the target is then left as it was.
    """
    target = Path(path)
    tmp = _temporary_sibling(target, suffix)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write(path: str | os.PathLike, data: bytes | str, *, encoding: str = "utf-8",
                 mode: int | None = None) -> Path:
    """Write ``data`` (bytes, or text encoded with ``encoding``, newlines as given) to ``path`` atomically;
    ``mode`` (e.g. ``0o600``) is set on the file before it takes the final name.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    target = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else bytes(data)
    tmp = _temporary_sibling(target)
    try:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file's bytes, remembered for this process while the file is unchanged."""
    real = os.path.realpath(path)
    st = os.stat(real)
    key = (real, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    with _HASH_LOCK:
        if key in _HASH_MEMO:
            return _HASH_MEMO[key]
    sha = hashlib.sha256()
    with open(real, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            sha.update(block)
    digest = sha.hexdigest()
    with _HASH_LOCK:
        _HASH_MEMO[key] = digest
    return digest
