"""The share store: finished analyses saved as bundles under random ids, for read-only links.

"Save and share" in the dashboard calls :meth:`AnalysisStore.save`, which writes the analysis bundle
(:meth:`core.results.AnalysisResult.to_bundle`, a pickle-free .zip, written atomically) as
``<root>/<id>.zip`` and returns the id; the link ``?analysis=<id>`` then opens it with
:meth:`AnalysisStore.load`, without recomputing anything.

Security choices (docs/SECURITY.md: share links are unguessable and read-only):

- **Ids are unguessable.** ``secrets.token_urlsafe(24)``: 24 random bytes (192 bits) from the
  operating system's CSPRNG, written as 32 URL-safe base64 characters, never starting with ``-`` (it
  would read as an option on a command line). Knowing one id tells nothing
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

Lifecycle (the store's bookkeeping is in :mod:`core.results.store_meta`):

- **Expiry.** A save or an added bundle may be given an expiry in days. From then on its link gives
  :class:`~core.exceptions.AnalysisExpiredError` (the dashboard says *expired*); :meth:`AnalysisStore.prune`
  removes expired bundles. Without an expiry an analysis lives until it is deleted.
- **Tombstones.** :meth:`AnalysisStore.delete` and :meth:`AnalysisStore.prune` remove the bundle and
  its record and leave ``<id>.deleted`` (the date and whether it was deleted or expired, nothing of
  the analysis), so its link can say so (:class:`~core.exceptions.AnalysisDeletedError`).
- **Size limit.** The bundles together may not exceed ``max_bytes`` (``$CORPUS_COMPASS_STORE_MAX_BYTES``,
  default 5 GiB); a save that would go past it is refused with :class:`~core.exceptions.StoreFullError`
  and leaves nothing behind. Saves, deletions and pruning hold a lock file (``filelock``) so two
  processes cannot both squeeze under the limit; reading (the viewer) takes no lock and writes nothing,
  so a viewer may run with read-only access to the store.

The root is ``$CORPUS_COMPASS_STORE_DIR`` when set, else
``platformdirs.user_data_dir("corpus-compass")/analyses``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.exceptions import (
    AnalysisDeletedError,
    AnalysisExpiredError,
    AnalysisNotFoundError,
    BundleError,
    CorpusCompassError,
    ParameterError,
    StoreFullError,
)
from core.results.store_meta import (
    RECORD_SUFFIX,
    TOMBSTONE_SUFFIX,
    StoredAnalysis,
    Tombstone,
    expiry_after,
    format_size,
    format_time,
    max_bytes_from_environment,
    parse_size,
    read_json,
    utc_now,
    write_json,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from core.results.result import AnalysisResult

__all__ = ["ID_PATTERN", "LINK_TEMPLATE", "STORE_DIR_ENV", "AnalysisStore", "default_store_dir", "is_valid_id",
           "link_path", "new_id"]

#: the link path of a saved analysis, relative to the dashboard's (or viewer's) base address
LINK_TEMPLATE = "/?analysis={id}"

#: environment variable naming the folder of saved analyses
STORE_DIR_ENV = "CORPUS_COMPASS_STORE_DIR"
#: what an analysis id looks like: URL-safe base64 letters, 32 to 64 of them (>= 192 bits for 32)
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_ID_BYTES = 24
_SUFFIX = ".zip"
_LOCK_NAME = ".lock"
_LOCK_TIMEOUT = 60.0


def default_store_dir() -> Path:
    """``$CORPUS_COMPASS_STORE_DIR``, else ``<user data dir>/corpus-compass/analyses``."""
    env = os.environ.get(STORE_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("corpus-compass")) / "analyses"


def new_id() -> str:
    """A fresh random analysis id (192 bits from :mod:`secrets`, 32 URL-safe characters).

    An id never starts with ``-``: on a command line (``corpus-compass store delete ID``, ``ls ID.zip``)
    such an id would be read as an option. A draw that starts with ``-`` (1 in 64) is drawn again, which
    keeps the ids uniform over the rest and costs 0.02 of the 192 bits."""
    while True:
        analysis_id = secrets.token_urlsafe(_ID_BYTES)
        if not analysis_id.startswith("-"):
            return analysis_id


def is_valid_id(analysis_id: Any) -> bool:
    """True when ``analysis_id`` is a string of the shape :func:`new_id` produces (32-64 characters
    of ``A-Z a-z 0-9 _ -``); nothing else can name a stored analysis."""
    # fullmatch on a str only: bytes, None or a str with a trailing newline never pass
    return isinstance(analysis_id, str) and ID_PATTERN.fullmatch(analysis_id) is not None




def link_path(analysis_id: str) -> str:
    """``/?analysis=<id>``: the address of a saved analysis under the dashboard's base address."""
    return LINK_TEMPLATE.format(id=analysis_id)


class AnalysisStore:
    """A folder of saved analyses, each a bundle named by its random id, with its record.

    Parameters
    ----------
    root : path, optional
        The folder; default :func:`default_store_dir`. Created (mode 0700) on the first save.
    max_bytes : int or str, optional
        Size limit of all bundles together (``"5G"`` works too); default
        ``$CORPUS_COMPASS_STORE_MAX_BYTES`` or 5 GiB, read when saving.

    Examples
    --------
    >>> store = AnalysisStore(tmp_path)                     # doctest: +SKIP
    >>> analysis_id = store.save(result, expires_days=30)   # doctest: +SKIP
    >>> store.load(analysis_id).depth_tests                 # doctest: +SKIP
    """

    def __init__(self, root: str | os.PathLike | None = None, *, max_bytes: int | str | None = None) -> None:
        if root is not None and not isinstance(root, (str, os.PathLike)):
            raise ParameterError(f"root must be a folder path or None, got {type(root).__name__}")
        if root is not None and not str(root).strip():
            raise ParameterError("root must be a folder path or None, got an empty string")
        self.root = Path(root).expanduser() if root is not None else default_store_dir()
        self._max_bytes = None if max_bytes is None else parse_size(max_bytes, "max_bytes")

    def __repr__(self) -> str:
        return f"AnalysisStore(root={str(self.root)!r})"

    @property
    def max_bytes(self) -> int:
        """The size limit in bytes (given, else from the environment, else 5 GiB)."""
        return self._max_bytes if self._max_bytes is not None else max_bytes_from_environment()

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

    def _lock(self) -> Any:
        """The store's write lock (a lock file; saves, deletions and pruning hold it)."""
        from filelock import FileLock

        return FileLock(str(self.root / _LOCK_NAME), timeout=_LOCK_TIMEOUT)

    def _locked(self) -> Any:
        from filelock import Timeout

        lock = self._lock()
        try:
            lock.acquire()
        except Timeout as exc:
            raise CorpusCompassError(
                f"the share store {self.root} has been busy (locked by another process) for more than "
                f"{_LOCK_TIMEOUT:.0f} s; try again") from exc
        return lock

    def _record(self, analysis_id: str, bundle: Path, *, read_corpora: bool = True) -> StoredAnalysis:
        """The record of a stored bundle; one saved before records existed is described from its file."""
        record = bundle.with_name(f"{analysis_id}{RECORD_SUFFIX}")
        if record.is_file():
            try:
                return StoredAnalysis.from_dict(read_json(record), analysis_id)
            except (OSError, ValueError, TypeError) as exc:
                raise BundleError(f"the store's record of analysis {analysis_id!r} is damaged "
                                  f"({record.name}: {exc})") from exc
        stat = bundle.stat()
        corpora: tuple[str, ...] = ()
        if read_corpora:
            from core.results.result import AnalysisResult

            corpora = tuple(AnalysisResult.from_bundle(bundle).corpus_names)
        created = dt.datetime.fromtimestamp(int(stat.st_mtime), dt.timezone.utc)
        return StoredAnalysis(id=analysis_id, created=created, expires=None, corpora=corpora, size=stat.st_size)

    def _tombstone(self, analysis_id: str) -> Tombstone | None:
        path = self.root.resolve() / f"{analysis_id}{TOMBSTONE_SUFFIX}"
        if not path.is_file():
            return None
        try:
            return Tombstone.from_dict(read_json(path), analysis_id)
        except (OSError, ValueError, TypeError):
            # a damaged tombstone still says the analysis was removed
            return Tombstone(id=analysis_id, deleted=dt.datetime.fromtimestamp(
                int(path.stat().st_mtime), dt.timezone.utc), reason="deleted")

    # -------------------------------------------------------------------------------- lookups

    def check(self, analysis_id: Any) -> StoredAnalysis:
        """The record of an analysis that can be opened now; otherwise the reason, as an exception.

        Reads only (no lock, nothing written): a viewer may run with read-only access to the store.

        Raises
        ------
        ParameterError
            Malformed id (checked before any file access).
        AnalysisExpiredError
            Its expiry has passed (whether or not it was pruned yet).
        AnalysisDeletedError
            It was deleted.
        AnalysisNotFoundError
            No analysis ever had this id here.
        BundleError
            Its record in the store is damaged.
        """
        path = self._path(analysis_id)
        if path.is_file():
            record = self._record(analysis_id, path, read_corpora=False)
            if record.is_expired():
                raise AnalysisExpiredError(
                    f"the analysis {analysis_id!r} expired on {format_time(record.expires)}: its link no "
                    "longer works", expired=record.expires)
            return record
        tombstone = self._tombstone(analysis_id)
        if tombstone is not None and tombstone.reason == "expired":
            raise AnalysisExpiredError(
                f"the analysis {analysis_id!r} expired on {format_time(tombstone.expires or tombstone.deleted)}"
                " and was removed from the store: its link no longer works",
                expired=tombstone.expires or tombstone.deleted)
        if tombstone is not None:
            raise AnalysisDeletedError(
                f"the analysis {analysis_id!r} was deleted from the store on {format_time(tombstone.deleted)}",
                deleted=tombstone.deleted)
        raise AnalysisNotFoundError(
            f"no saved analysis has the id {analysis_id!r}: it was deleted, or the link was "
            "copied incompletely or comes from another Corpus Compass installation")

    def status(self, analysis_id: Any) -> str:
        """``"available"``, ``"expired"``, ``"deleted"``, ``"unknown"`` or ``"invalid"`` (malformed id,
        answered without any file access)."""
        try:
            self.check(analysis_id)
        except ParameterError:
            return "invalid"
        except AnalysisExpiredError:
            return "expired"
        except AnalysisDeletedError:
            return "deleted"
        except AnalysisNotFoundError:
            return "unknown"
        except BundleError:
            return "available"  # it exists; opening it will say that it is damaged
        return "available"

    def exists(self, analysis_id: Any) -> bool:
        """True when an analysis with this id can be opened now (False for a malformed, unknown,
        deleted or expired id; a malformed one is answered without any file access)."""
        return self.status(analysis_id) == "available"

    def path(self, analysis_id: str) -> Path:
        """The bundle file of a saved analysis that can be opened now (errors as :meth:`check`)."""
        self.check(analysis_id)
        return self._path(analysis_id)

    def load(self, analysis_id: str) -> AnalysisResult:
        """The saved analysis, read back from its bundle (nothing is recomputed).

        Raises
        ------
        ParameterError, AnalysisExpiredError, AnalysisDeletedError, AnalysisNotFoundError
            As :meth:`check`.
        BundleError
            The stored bundle is damaged or was modified.
        """
        from core.results.result import AnalysisResult

        return AnalysisResult.from_bundle(self.path(analysis_id))

    def ids(self) -> list[str]:
        """The ids of every stored bundle (expired ones included until pruned), oldest first."""
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.iterdir()
                 if p.suffix == _SUFFIX and p.is_file() and not p.is_symlink() and is_valid_id(p.stem)]
        return [p.stem for p in sorted(found, key=lambda p: (p.stat().st_mtime, p.name))]

    def entries(self) -> list[StoredAnalysis]:
        """Every stored analysis (expired ones included until pruned), oldest first.

        An entry whose record is damaged is listed from its file (no expiry, no corpus names).
        """
        out = []
        for analysis_id in self.ids():
            bundle = self._path(analysis_id)
            try:
                out.append(self._record(analysis_id, bundle))
            except (BundleError, OSError):
                stat = bundle.stat()
                out.append(StoredAnalysis(id=analysis_id, expires=None, corpora=(), size=stat.st_size,
                                          created=dt.datetime.fromtimestamp(int(stat.st_mtime), dt.timezone.utc)))
        return sorted(out, key=lambda e: e.created)  # stable: same second keeps the files' order

    def used_bytes(self) -> int:
        """Total size of the stored bundles (what the size limit bounds)."""
        return sum(self._path(i).stat().st_size for i in self.ids())

    # ---------------------------------------------------------------------------------- adding

    def _fresh_id(self) -> str:
        root = self.root.resolve()
        for _ in range(8):
            analysis_id = new_id()
            if not any((root / f"{analysis_id}{suffix}").exists()
                       for suffix in (_SUFFIX, RECORD_SUFFIX, TOMBSTONE_SUFFIX)):
                return analysis_id
        raise RuntimeError("could not find an unused analysis id")  # pragma: no cover - 192-bit ids

    def _full_error(self, used: int, needed: int) -> StoreFullError:
        limit = self.max_bytes
        return StoreFullError(
            f"the share store is full: it holds {format_size(used)} of its {format_size(limit)} limit and "
            f"this analysis needs {format_size(needed)}; delete analyses that are no longer needed (or "
            "remove the expired ones), or raise the store's size limit", used=used, limit=limit, needed=needed)

    def _commit(self, staged: Path, analysis_id: str, corpora: list[str], *, expires_days: float | None,
                created: dt.datetime | None) -> str:
        """Move a complete, verified bundle ``staged`` into place under ``analysis_id`` with its record,
        unless the store would go past its size limit."""
        created = (created or utc_now()).astimezone(dt.timezone.utc).replace(microsecond=0)
        expires = expiry_after(created, expires_days)
        lock = self._locked()
        try:
            size, used = staged.stat().st_size, self.used_bytes()
            if used + size > self.max_bytes:
                raise self._full_error(used, size)
            record = StoredAnalysis(id=analysis_id, created=created, expires=expires,
                                    corpora=tuple(corpora), size=size)
            final = self._path(analysis_id)
            # the record first: a bundle is never servable without its expiry
            write_json(final.with_name(f"{analysis_id}{RECORD_SUFFIX}"), record.to_dict())
            os.chmod(staged, 0o600)
            os.replace(staged, final)
        finally:
            lock.release()
        return analysis_id

    def _staging(self, analysis_id: str) -> Path:
        # matches remove_stale_partials' pattern, ends in .zip so the bundle writer writes a zip
        return self.root.resolve() / f".{analysis_id}{_SUFFIX}.partial-{secrets.token_hex(8)}{_SUFFIX}"

    def save(self, result: AnalysisResult, *, include_embeddings: bool = False,
             expires_days: float | None = None, created: dt.datetime | None = None) -> str:
        """Write ``result`` as a bundle under a new random id and return the id.

        Parameters
        ----------
        result : AnalysisResult
        include_embeddings : bool
            Store the document embeddings too (larger; only needed to recompute from the bundle).
        expires_days : float, optional
            The link stops working this many days after ``created``; default: kept until deleted.
        created : datetime, optional
            When the entry counts as saved (UTC); default now.

        Returns
        -------
        str
            The id; ``?analysis=<id>`` opens it read-only.

        Raises
        ------
        StoreFullError
            The store would exceed its size limit (nothing is kept).
        ParameterError
            Not a result, or an expiry outside (0, 36525] days.
        """
        if not hasattr(result, "to_bundle"):
            raise ParameterError(f"result must be an AnalysisResult, got {type(result).__name__}")
        expiry_after(utc_now(), expires_days)  # check the expiry before writing anything
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.remove_stale_partials()
        analysis_id = self._fresh_id()
        staged = self._staging(analysis_id)
        try:
            result.to_bundle(staged, include_embeddings=include_embeddings)
            return self._commit(staged, analysis_id, list(result.corpus_names), expires_days=expires_days,
                                created=created)
        finally:
            staged.unlink(missing_ok=True)

    def add_bundle(self, source: str | os.PathLike, *, expires_days: float | None = None,
                   created: dt.datetime | None = None) -> str:
        """Add an analysis bundle (a .zip file or a bundle folder) to the store; return its new id.

        The bundle is verified completely (every member's SHA-256, an analysis result inside) before
        and after it is copied in; a folder is stored as a .zip with the same contents.

        Raises
        ------
        BundleError
            No such file or folder, not an analysis bundle, or damaged.
        StoreFullError
            The store would exceed its size limit (nothing is kept).
        ParameterError
            An expiry outside (0, 36525] days.
        """
        from core.results.bundle import read_bundle, write_bundle
        from core.results.result import AnalysisResult

        if not isinstance(source, (str, os.PathLike)) or not str(source).strip():
            raise ParameterError(f"the bundle must be a file or folder path, got {source!r}")
        source = Path(source).expanduser()
        if not source.exists():
            raise BundleError(f"{source}: no such file or folder (give an analysis bundle: the .zip file "
                              "saved from the Report page, or the bundle the compare command wrote)")
        expiry_after(utc_now(), expires_days)
        result = AnalysisResult.from_bundle(source)  # messages name the file the user gave
        if source.is_file():
            used, needed = self.used_bytes(), source.stat().st_size
            if used + needed > self.max_bytes:
                raise self._full_error(used, needed)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.remove_stale_partials()
        analysis_id = self._fresh_id()
        staged = self._staging(analysis_id)
        try:
            if source.is_dir():
                bundle = read_bundle(source)
                write_bundle(staged, manifest=bundle.manifest, tables=bundle.tables, arrays=bundle.arrays,
                             json_objects=bundle.json_objects, created=bundle.created)
            else:
                shutil.copyfile(source, staged)
            try:  # what is served is what was checked, even if the source changed meanwhile
                AnalysisResult.from_bundle(staged)
            except BundleError as exc:
                raise BundleError(f"{source} changed while it was being added to the store; try again") from exc
            return self._commit(staged, analysis_id, list(result.corpus_names), expires_days=expires_days,
                                created=created)
        finally:
            staged.unlink(missing_ok=True)

    # -------------------------------------------------------------------------------- removing

    def _remove(self, analysis_id: str, reason: str, expires: dt.datetime | None) -> None:
        """Leave a tombstone, then remove the bundle and its record (caller holds the lock)."""
        bundle = self._path(analysis_id)
        write_json(bundle.with_name(f"{analysis_id}{TOMBSTONE_SUFFIX}"),
                   Tombstone(id=analysis_id, deleted=utc_now(), reason=reason, expires=expires).to_dict())
        bundle.unlink(missing_ok=True)
        bundle.with_name(f"{analysis_id}{RECORD_SUFFIX}").unlink(missing_ok=True)

    def delete(self, analysis_id: str) -> StoredAnalysis:
        """Remove a saved analysis (expired or not); its link then says that it was deleted.

        Returns
        -------
        StoredAnalysis
            What was removed.

        Raises
        ------
        ParameterError
            Malformed id (checked before any file access).
        AnalysisDeletedError, AnalysisExpiredError
            It was deleted already, or it expired and was pruned.
        AnalysisNotFoundError
            No analysis has this id.
        """
        bundle = self._path(analysis_id)
        if not bundle.is_file():
            self.check(analysis_id)  # raises the reason it is not here
        lock = self._locked()
        try:
            if not bundle.is_file():  # removed by another process meanwhile
                self.check(analysis_id)
            try:
                entry = self._record(analysis_id, bundle, read_corpora=False)
            except BundleError:
                entry = StoredAnalysis(id=analysis_id, created=utc_now(), expires=None, corpora=(),
                                       size=bundle.stat().st_size)
            self._remove(analysis_id, "deleted", entry.expires)
        finally:
            lock.release()
        return entry

    def prune(self, *, now: dt.datetime | None = None) -> list[StoredAnalysis]:
        """Remove every analysis whose expiry has passed (each leaves an *expired* tombstone), half-written
        bundles older than an hour and records left without their bundle; return what was removed."""
        if not self.root.is_dir():
            return []
        now = now or utc_now()
        removed = []
        lock = self._locked()
        try:
            for entry in self.entries():
                if entry.is_expired(now):
                    self._remove(entry.id, "expired", entry.expires)
                    removed.append(entry)
            self.remove_stale_partials()
            cutoff = now.timestamp() - 3600
            for record in self.root.glob(f"*{RECORD_SUFFIX}"):
                stem = record.name[: -len(RECORD_SUFFIX)]
                if (is_valid_id(stem) and not (self.root / f"{stem}{_SUFFIX}").exists()
                        and record.stat().st_mtime < cutoff):
                    record.unlink(missing_ok=True)
        finally:
            lock.release()
        return removed

    def remove_stale_partials(self, *, older_than: float = 3600.0) -> int:
        """Delete half-written files (``.<id>.zip.partial-*``, ``.<id>.json.partial-*``) left by a save
        that was killed.

        They are never served (their names are not valid ids); only those untouched for
        ``older_than`` seconds are removed, so a save in progress in another process is left alone.
        Returns how many were removed.
        """
        import time

        if not self.root.is_dir():
            return 0
        removed, now = 0, time.time()
        for leftover in self.root.glob(".*.partial-*"):
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
