"""core.fileio: the one atomic write and the one file hash of the library."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from core.fileio import atomic_path, atomic_write, file_sha256


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    atomic_write(target, "new ✓\nline\n")
    assert target.read_bytes() == "new ✓\nline\n".encode()
    atomic_write(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "table.npy"
    np.save(target, np.arange(3))
    with pytest.raises(RuntimeError, match="exporter failed"), atomic_path(target, suffix=".npy") as tmp:
        np.save(tmp, np.arange(10))
        raise RuntimeError("exporter failed")
    assert np.load(target).tolist() == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.npy"]


def test_atomic_path_renames_what_was_written(tmp_path: Path) -> None:
    target = tmp_path / "v.npy"
    with atomic_path(target, suffix=".npy") as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".npy") and tmp.name.startswith(".v.npy.partial-")
        np.save(tmp, np.eye(2))
    np.testing.assert_array_equal(np.load(target), np.eye(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.npy"]


def test_file_sha256_matches_hashlib_and_notices_a_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "w.bin"
    path.write_bytes(b"a" * (3 << 20) + b"tail")  # more than one 1 MiB block
    assert file_sha256(path) == hashlib.sha256(b"a" * (3 << 20) + b"tail").hexdigest()
    st = path.stat()
    path.write_bytes(b"b" * (3 << 20) + b"tail")  # same size; mtime reset: ctime still changes
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert file_sha256(path) == hashlib.sha256(b"b" * (3 << 20) + b"tail").hexdigest()
