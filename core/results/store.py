"""The share store: finished analyses saved as bundles under random ids, for read-only links.

"Save and share" in the dashboard calls :meth:`AnalysisStore.save`, which writes the analysis bundle
(:meth:`core.results.AnalysisResult.to_bundle`, a pickle-free .zip, written atomically) as
``<root>/<id>.zip`` and returns the id; the link ``?analysis=<id>`` then opens it with
:meth:`AnalysisStore.load`, without recomputing anything.

Security choices (PRODUCT.md "Security": share links are unguessable and read-only):

- **Ids are unguessable.** ``secrets.token_urlsafe(24)``: 24 random bytes (192 bits) from the
  operating system's CSPRNG, written as 32 URL-safe base64 characters. Knowing one id tells nothing
  about another; guessing one among even a billion saved analyses takes about 2^162 tries.
- **Ids are validated before the file system is touched.** An id must match ``[A-Za-z0-9_-]{32,64}``
  (no dot, no slash, no percent sign), so no id can name a path outside the store; the resolved path
  is still checked to lie inside the store root, in case the root itself or a file in it is a
  symbolic link pointing elsewhere. A malformed id raises :class:`~core.exceptions.ParameterError`
  and :meth:`AnalysisStore.exists` answers False for it.
- **Unknown ids** raise :class:`~core.exceptions.AnalysisNotFoundError`; a damaged or tampered file
  raises :class:`~core.exceptions.BundleError` (the bundle reader verifies every member's SHA-256).
- The store folder is created with mode 0700 (only its owner can list the ids in it); bundles are
  written through the bundle writer's temporary-file-then-rename, so a reader never sees half a file.

Where the brief left room: the root is ``$CORPUS_COMPASS_STORE_DIR`` when set, else
``platformdirs.user_data_dir("corpus-compass")/analyses``. Nothing expires on its own: a saved
analysis lives until :meth:`AnalysisStore.delete` removes it.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.exceptions import AnalysisNotFoundError, ParameterError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from core.results.result import AnalysisResult

__all__ = ["ID_PATTERN", "STORE_DIR_ENV", "AnalysisStore", "default_store_dir", "is_valid_id", "new_id"]

#: environment variable naming the folder of saved analyses
STORE_DIR_ENV = "CORPUS_COMPASS_STORE_DIR"
#: what an analysis id looks like: URL-safe base64 letters, 32 to 64 of them (>= 192 bits for 32)
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_ID_BYTES = 24
_SUFFIX = ".zip"


def default_store_dir() -> Path:
    """``$CORPUS_COMPASS_STORE_DIR``, else ``<user data dir>/corpus-compass/analyses``."""
    env = os.environ.get(STORE_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("corpus-compass")) / "analyses"


def new_id() -> str:
    """A fresh random analysis id (192 bits from :mod:`secrets`, 32 URL-safe characters)."""
    return secrets.token_urlsafe(_ID_BYTES)


def is_valid_id(analysis_id: Any) -> bool:
    """True when ``analysis_id`` is a string of the shape :func:`new_id` produces (32-64 characters
    of ``A-Z a-z 0-9 _ -``); nothing else can name a stored analysis."""
    # fullmatch on a str only: bytes, None or a str with a trailing newline never pass
    return isinstance(analysis_id, str) and ID_PATTERN.fullmatch(analysis_id) is not None


class AnalysisStore:
    """A folder of saved analyses, each a bundle named by its random id.

    Parameters
    ----------
    root : path, optional
        The folder; default :func:`default_store_dir`. Created (mode 0700) on the first save.

    Examples
    --------
    >>> store = AnalysisStore(tmp_path)                     # doctest: +SKIP
    >>> analysis_id = store.save(result)                    # doctest: +SKIP
    >>> store.load(analysis_id).depth_tests                 # doctest: +SKIP
    """

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        if root is not None and not isinstance(root, (str, os.PathLike)):
            raise ParameterError(f"root must be a folder path or None, got {type(root).__name__}")
        if root is not None and not str(root).strip():
            raise ParameterError("root must be a folder path or None, got an empty string")
        self.root = Path(root).expanduser() if root is not None else default_store_dir()

    def __repr__(self) -> str:
        return f"AnalysisStore(root={str(self.root)!r})"

    # ------------------------------------------------------------------------------------ paths

    def _path(self, analysis_id: Any) -> Path:
        """The bundle path of a valid id, checked to lie inside the store; ParameterError otherwise."""
        if not is_valid_id(analysis_id):
            shown = analysis_id if isinstance(analysis_id, str) and len(analysis_id) <= 80 else (
                f"a {type(analysis_id).__name__}" if not isinstance(analysis_id, str)
                else f"a {len(analysis_id)}-character string")
            raise ParameterError(
                f"{shown!r} is not a valid analysis id: an id is 32 to 64 letters, digits, '-' or '_' "
                "(copy the whole link that 'Save and share' gave you)")
        root = self.root.resolve()
        path = (root / f"{analysis_id}{_SUFFIX}").resolve()
        # the id pattern already excludes separators and dots; this guards a symlinked file
        if path.parent != root:
            raise ParameterError(f"analysis {analysis_id!r} does not resolve to a file inside the store {root}")
        return path

    # ---------------------------------------------------------------------------------- public

    def save(self, result: AnalysisResult, *, include_embeddings: bool = False) -> str:
        """Write ``result`` as a bundle under a new random id and return the id.

        Parameters
        ----------
        result : AnalysisResult
        include_embeddings : bool
            Store the document embeddings too (larger; only needed to recompute from the bundle).

        Returns
        -------
        str
            The id; ``?analysis=<id>`` opens it read-only.
        """
        if not hasattr(result, "to_bundle"):
            raise ParameterError(f"result must be an AnalysisResult, got {type(result).__name__}")
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.remove_stale_partials()
        for _ in range(8):
            analysis_id = new_id()
            path = self._path(analysis_id)
            if not path.exists():
                break
        else:  # pragma: no cover - 8 collisions of 192-bit random ids do not happen
            raise RuntimeError("could not find an unused analysis id")
        result.to_bundle(path, include_embeddings=include_embeddings)
        return analysis_id

    def remove_stale_partials(self, *, older_than: float = 3600.0) -> int:
        """Delete half-written bundles (``.<id>.zip.partial-*``) left by a save that was killed.

        They are never served (their names are not valid ids); only those untouched for
        ``older_than`` seconds are removed, so a save in progress in another process is left alone.
        Returns how many were removed.
        """
        import shutil
        import time

        if not self.root.is_dir():
            return 0
        removed, now = 0, time.time()
        for leftover in self.root.glob(f".*{_SUFFIX}.partial-*"):
            try:
                if now - leftover.lstat().st_mtime < older_than:
                    continue
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()
                removed += 1
            except OSError:  # raced with another process cleaning up, or not ours to remove
                continue
        return removed

    def exists(self, analysis_id: Any) -> bool:
        """True when a saved analysis has this id (False for a malformed id, without any file access)."""
        if not is_valid_id(analysis_id):
            return False
        try:
            return self._path(analysis_id).is_file()
        except ParameterError:
            return False

    def path(self, analysis_id: str) -> Path:
        """The bundle file of a saved analysis.

        Raises
        ------
        ParameterError
            Malformed id.
        AnalysisNotFoundError
            No saved analysis has this id.
        """
        path = self._path(analysis_id)
        if not path.is_file():
            raise AnalysisNotFoundError(
                f"no saved analysis has the id {analysis_id!r}: it was deleted, or the link was "
                "copied incompletely or comes from another Corpus Compass installation")
        return path

    def load(self, analysis_id: str) -> AnalysisResult:
        """The saved analysis, read back from its bundle (nothing is recomputed).

        Raises
        ------
        ParameterError
            Malformed id (checked before any file access).
        AnalysisNotFoundError
            No saved analysis has this id.
        BundleError
            The stored bundle is damaged or was modified.
        """
        from core.results.result import AnalysisResult

        return AnalysisResult.from_bundle(self.path(analysis_id))

    def delete(self, analysis_id: str) -> None:
        """Remove a saved analysis; its link stops working. Unknown ids raise AnalysisNotFoundError."""
        self.path(analysis_id).unlink()

    def ids(self) -> list[str]:
        """The ids of every saved analysis, oldest first."""
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.iterdir()
                 if p.suffix == _SUFFIX and p.is_file() and is_valid_id(p.stem)]
        return [p.stem for p in sorted(found, key=lambda p: (p.stat().st_mtime, p.name))]
