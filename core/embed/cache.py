"""On-disk embedding cache and :func:`embed_texts`, the one way the rest of ``core`` embeds text.

An embedding is a pure function of (embedder identity, text) (see the model identity below): the identity
already holds the model id, the weight SHA-256, the configuration digest and the precision. The cache
maps ``sha256(identity + "\\0" + text)`` to the float32 vector bytes and its dimension.

Storage is one SQLite database (default ``<user cache dir>/corpus-compass/embeddings.sqlite3``; the
directory can be set with the environment variable ``CORPUS_COMPASS_CACHE_DIR``):

- WAL journal and a busy timeout, so several processes (the dashboard, the CLI, tests) can read and
  write it at once. WAL needs a local file system; on a network share, point
  ``CORPUS_COMPASS_CACHE_DIR`` at a local directory.
- Every ``put_many`` is a single transaction: a process killed at any instant (SIGKILL included)
  leaves either the whole batch or none of it, never a partial vector. ``synchronous=NORMAL`` keeps
  this guarantee for process crashes; after a power cut the last batches may be missing but the
  database is still consistent.
- A stored row whose byte length disagrees with its dimension is treated as a miss (and recomputed),
  so even a damaged entry can never come back as a wrong vector.

Choices where the brief left room:

- **A database that is not a database** (overwritten, truncated header, ...) is moved aside to
  ``<name>.corrupt-<timestamp>`` and an empty cache is created, with a
  :class:`~core.exceptions.CorpusCompassWarning` naming both files: the cache only holds values that
  can be recomputed, so stopping the user's work would cost more than it protects. Pass
  ``recover=False`` to get a :class:`~core.exceptions.CacheError` instead. Damage that SQLite only
  discovers later, inside a query, is raised as ``CacheError`` with the path and the way out
  (``clear()`` or deleting the file).
- **Write failures during** :func:`embed_texts` (disk full, read-only directory) do not throw away
  the embeddings being computed: the first failure is reported with a warning, caching stops for
  that call, and the result is returned complete.
- ``get_many`` returns zeros, not NaN, in the rows it did not find; the mask says which rows are real.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.exceptions import CacheError, CorpusCompassWarning, InputError, ModelError, ParameterError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing_extensions import Self

    from core.embed.base import Embedder

__all__ = ["CACHE_DIR_ENV", "CACHE_FILENAME", "EmbeddingCache", "default_cache_dir", "embed_texts"]

CACHE_DIR_ENV = "CORPUS_COMPASS_CACHE_DIR"
CACHE_FILENAME = "embeddings.sqlite3"
_SCHEMA_VERSION = 1
_LOOKUP_CHUNK = 500  # keys per SELECT ... IN (...), well under SQLite's variable limit
_READ_SLICE = 8192  # texts per get_many call in embed_texts


def default_cache_dir() -> Path:
    """The directory of the embedding cache: ``$CORPUS_COMPASS_CACHE_DIR`` if set, else the user's
    cache directory for ``corpus-compass`` (``~/.cache/corpus-compass`` on Linux)."""
    env = os.environ.get(CACHE_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("corpus-compass"))


def _key(identity: str, text: str) -> bytes:
    # surrogatepass: texts with lone surrogates (broken UTF-16 input) still get distinct, stable keys
    return hashlib.sha256(identity.encode("utf-8") + b"\0" + text.encode("utf-8", "surrogatepass")).digest()


def _check_texts(texts: Sequence[str], what: str = "texts") -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise InputError(f"{what} must be a sequence of strings, not a single string; wrap it in a list")
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise InputError(f"{what}[{i}] is {type(text).__name__}, not str")
    return items


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """Damage to the file itself, as opposed to a lock, a permission or a full disk."""
    message = str(exc).lower()
    return any(s in message for s in ("not a database", "malformed", "corrupt"))


def _is_lock(exc: sqlite3.DatabaseError) -> bool:
    """Another connection holds the lock: transient, worth waiting for."""
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _check_identity(identity: str) -> str:
    if not isinstance(identity, str) or not identity:
        raise ParameterError(f"identity must be a non-empty string (an embedder's .identity), got {identity!r}")
    return identity


class EmbeddingCache:
    """A SQLite-backed store of embedding vectors shared safely between threads and processes.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The database file, or an existing directory to hold ``embeddings.sqlite3``. Default:
        ``default_cache_dir() / "embeddings.sqlite3"``.
    timeout : float
        Seconds to wait for another process's write lock before failing with :class:`CacheError`.
    recover : bool
        When the file is not a readable database: move it aside and start empty, with a warning
        (True, default), or raise :class:`CacheError` (False).

    Examples
    --------
    >>> cache = EmbeddingCache(tmp_path / "e.sqlite3")                     # doctest: +SKIP
    >>> cache.put_many(embedder.identity, ["a text"], vectors)             # doctest: +SKIP
    >>> found, vectors = cache.get_many(embedder.identity, ["a text", "b"])  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike | None = None, *, timeout: float = 30.0,
                 recover: bool = True) -> None:
        if path is None:
            path = default_cache_dir() / CACHE_FILENAME
        path = Path(path).expanduser()
        if path.is_dir():
            path = path / CACHE_FILENAME
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout < 0:
            raise ParameterError(f"timeout must be a number of seconds >= 0, got {timeout!r}")
        self.path = path
        self.timeout = float(timeout)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"cannot create the cache directory {path.parent}: {exc}; set "
                             f"{CACHE_DIR_ENV} to a writable directory") from exc
        try:
            self._conn = self._open_waiting()
        except sqlite3.DatabaseError as exc:
            if not recover or not _is_corruption(exc):
                raise CacheError(self._damaged_message(exc)) from exc
            moved = self._move_aside()
            warnings.warn(f"the embedding cache {path} could not be read ({exc}); it was moved to "
                          f"{moved} and an empty cache was created", CorpusCompassWarning, stacklevel=2)
            try:
                self._conn = self._open_waiting()
            except sqlite3.DatabaseError as exc2:
                raise CacheError(self._damaged_message(exc2)) from exc2

    # -- connection management ------------------------------------------------------------------

    def _open_waiting(self) -> sqlite3.Connection:
        """:meth:`_open`, retried while another process holds the lock, for up to ``timeout`` seconds.

        SQLite's busy handler does not cover every step of opening: switching a new file to WAL
        while another process creates the same file can fail with "database is locked" at once."""
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            try:
                return self._open()
            except sqlite3.OperationalError as exc:
                if not _is_lock(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(delay)
            delay = min(2.0 * delay, 0.25)

    def _damaged_message(self, exc: Exception) -> str:
        if _is_lock(exc):
            return (f"the embedding cache {self.path} stayed locked by another process for "
                    f"{self.timeout:g} s ({exc}); try again when the other run has finished, or set "
                    f"{CACHE_DIR_ENV} to another directory.")
        return (f"the embedding cache {self.path} cannot be used ({exc}). It only holds embeddings "
                f"that can be recomputed: delete the file (and any {self.path.name}-wal/-shm next to "
                f"it), or set {CACHE_DIR_ENV} to another directory.")

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), timeout=self.timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"the file system does not support WAL (mode {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            try:  # an existing cache opens without taking the write lock
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            except sqlite3.OperationalError as exc:
                if "no such table" not in str(exc):
                    raise
                row = None
            if row is None:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                conn.execute("CREATE TABLE IF NOT EXISTS identities "
                             "(id INTEGER PRIMARY KEY, identity TEXT NOT NULL UNIQUE)")
                conn.execute("CREATE TABLE IF NOT EXISTS embeddings (key BLOB PRIMARY KEY, "
                             "identity_id INTEGER NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL) "
                             "WITHOUT ROWID")
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                             (str(_SCHEMA_VERSION),))
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                conn.execute("COMMIT")
            version = row[0]
        except BaseException:
            conn.close()
            raise
        if version != str(_SCHEMA_VERSION):
            conn.close()
            raise CacheError(f"the embedding cache {self.path} has schema version {version}, this "
                             f"version of Corpus Compass uses {_SCHEMA_VERSION}; delete the file or set "
                             f"{CACHE_DIR_ENV} to another directory")
        return conn

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, target)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    os.replace(side, target.with_name(target.name + suffix))
        except OSError as exc:
            raise CacheError(self._damaged_message(exc)) from exc
        return target

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise CacheError(f"the embedding cache {self.path} is closed")
        return self._conn

    def close(self) -> None:
        """Close the database connection (the file stays)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.path)!r})"

    def _run(self, fn: Callable[[sqlite3.Connection], object]) -> object:
        with self._lock:
            conn = self._db
            try:
                return fn(conn)
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise CacheError(self._damaged_message(exc)) from exc

    # -- public API -------------------------------------------------------------------------------

    def get_many(self, identity: str, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Look up the vectors of ``texts`` under ``identity``.

        Parameters
        ----------
        identity : str
            The embedder's ``identity``.
        texts : sequence of str, length n

        Returns
        -------
        found : numpy.ndarray, shape (n,), bool
            Which texts were in the cache.
        vectors : numpy.ndarray, shape (n, d), float32
            Their vectors; rows not found are zero. ``d`` is 0 when nothing was found.
        """
        identity = _check_identity(identity)
        items = _check_texts(texts)
        n = len(items)
        positions: dict[bytes, list[int]] = {}
        for i, text in enumerate(items):
            positions.setdefault(_key(identity, text), []).append(i)
        keys = list(positions)
        rows: list[tuple[bytes, int, bytes]] = []

        def lookup(conn: sqlite3.Connection) -> None:
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[start:start + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows.extend(conn.execute(
                    f"SELECT key, dim, vector FROM embeddings WHERE key IN ({marks})", chunk))

        self._run(lookup)
        found = np.zeros(n, dtype=bool)
        rows = [r for r in rows if r[1] > 0 and len(r[2]) == 4 * r[1]]  # damaged rows count as misses
        dims = {r[1] for r in rows}
        if len(dims) > 1:
            raise CacheError(f"the embedding cache {self.path} holds vectors of dimensions {sorted(dims)} "
                             f"for one identity; clear it with EmbeddingCache.clear()")
        d = dims.pop() if dims else 0
        vectors = np.zeros((n, d), dtype=np.float32)
        for key, _dim, blob in rows:
            vec = np.frombuffer(blob, dtype="<f4")
            idx = positions[key]
            vectors[idx] = vec
            found[idx] = True
        return found, vectors

    def put_many(self, identity: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors[i]`` as the embedding of ``texts[i]`` under ``identity``, atomically.

        Parameters
        ----------
        identity : str
        texts : sequence of str, length n
        vectors : array_like, shape (n, d)
            Finite values; stored as little-endian float32.
        """
        identity = _check_identity(identity)
        items = _check_texts(texts)
        arr = np.asarray(vectors, dtype=np.float32)
        if arr.ndim != 2 or arr.shape[0] != len(items) or arr.shape[1] == 0:
            raise InputError(f"vectors must have shape ({len(items)}, d) with d >= 1 to match texts, "
                             f"got {arr.shape}")
        if not np.isfinite(arr).all():
            raise InputError("vectors contain NaN or inf; they would poison the cache")
        arr = np.ascontiguousarray(arr, dtype="<f4")
        d = arr.shape[1]
        records = [(_key(identity, t), d, arr[i].tobytes()) for i, t in enumerate(items)]

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR IGNORE INTO identities (identity) VALUES (?)", (identity,))
            ident_id = conn.execute("SELECT id FROM identities WHERE identity = ?", (identity,)).fetchone()[0]
            conn.executemany("INSERT OR REPLACE INTO embeddings (key, identity_id, dim, vector) "
                             "VALUES (?, ?, ?, ?)", ((k, ident_id, dd, v) for k, dd, v in records))
            conn.execute("COMMIT")

        self._run(write)

    def count(self, identity: str | None = None) -> int:
        """Number of stored vectors, of one identity or of all."""
        if identity is None:
            return int(self._run(lambda c: c.execute("SELECT count(*) FROM embeddings").fetchone()[0]))
        identity = _check_identity(identity)
        return int(self._run(lambda c: c.execute(
            "SELECT count(*) FROM embeddings JOIN identities ON identities.id = embeddings.identity_id "
            "WHERE identities.identity = ?", (identity,)).fetchone()[0]))

    def identities(self) -> dict[str, int]:
        """Each identity stored, with its number of vectors."""
        rows = self._run(lambda c: c.execute(
            "SELECT identities.identity, count(embeddings.key) FROM identities LEFT JOIN embeddings "
            "ON identities.id = embeddings.identity_id GROUP BY identities.id").fetchall())
        return {ident: int(k) for ident, k in rows if k}

    def size_bytes(self) -> int:
        """Bytes on disk: the database file plus its write-ahead log."""
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += self.path.with_name(self.path.name + suffix).stat().st_size
            except FileNotFoundError:
                pass
        return total

    def clear(self, identity: str | None = None) -> int:
        """Delete the vectors of one identity, or all of them; return how many were deleted.

        Clearing everything also compacts the file, unless another process is using it at that moment.
        """
        if identity is not None:
            identity = _check_identity(identity)

        def delete(conn: sqlite3.Connection) -> int:
            conn.execute("BEGIN IMMEDIATE")
            if identity is None:
                cur = conn.execute("DELETE FROM embeddings")
                conn.execute("DELETE FROM identities")
            else:
                cur = conn.execute("DELETE FROM embeddings WHERE identity_id IN "
                                   "(SELECT id FROM identities WHERE identity = ?)", (identity,))
                conn.execute("DELETE FROM identities WHERE identity = ?", (identity,))
            conn.execute("COMMIT")
            return cur.rowcount

        deleted = int(self._run(delete))
        if identity is None:
            with self._lock:
                try:
                    self._db.execute("VACUUM")
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.OperationalError:
                    pass  # another process holds the database: the space is reused later instead
        return deleted


def _iter_chunks(seq: list, size: int) -> Iterable[list]:
    for start in range(0, len(seq), size):
        yield seq[start:start + size]


def embed_texts(texts: Sequence[str], embedder: Embedder, *,
                cache: EmbeddingCache | bool | None = None, batch_size: int = 64,
                progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Embed ``texts`` with ``embedder``, reading and filling the on-disk cache.

    Only texts missing from the cache are encoded, each distinct text once, longest first; every
    batch is written to the cache as soon as it is computed, so an interrupted run keeps the finished
    batches and a rerun resumes from them.

    Parameters
    ----------
    texts : sequence of str, length n
    embedder : Embedder
        Anything with ``identity``, ``dimension`` and ``encode`` (see :class:`core.embed.Embedder`).
    cache : EmbeddingCache, None or False
        The cache to use; ``None`` (or ``True``) opens the default cache, ``False`` disables caching.
    batch_size : int
        Texts per ``encode`` call and per cache write.
    progress : callable(done, total), optional
        Called with (texts done, n): once at the start with the number of cache hits, then after
        every batch. Not called for an empty input.

    Returns
    -------
    numpy.ndarray, shape (n, d), float32
        Unit-norm rows in input order.
    """
    items = _check_texts(texts)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ParameterError(f"batch_size must be a positive integer, got {batch_size!r}")
    for attr in ("identity", "dimension", "encode"):
        if not hasattr(embedder, attr):
            raise ParameterError(f"embedder must follow core.embed.Embedder; it has no {attr!r}")
    if cache is True:
        cache = None
    if cache is not None and cache is not False and not isinstance(cache, EmbeddingCache):
        raise ParameterError(f"cache must be an EmbeddingCache, None (default cache) or False, got {cache!r}")
    n = len(items)
    d = int(embedder.dimension)
    out = np.zeros((n, d), dtype=np.float32)
    if n == 0:
        return out

    owned = cache is None
    store: EmbeddingCache | None = EmbeddingCache() if owned else (cache or None)
    try:
        found = np.zeros(n, dtype=bool)
        if store is not None:
            # in slices, so that no second (n, d) array is ever held next to ``out``
            for start in range(0, n, _READ_SLICE):
                part_found, part = store.get_many(embedder.identity, items[start:start + _READ_SLICE])
                if part_found.any():
                    if part.shape[1] != d:
                        raise CacheError(f"the cache holds {part.shape[1]}-dimensional vectors for "
                                         f"{embedder.identity!r}, but the embedder makes {d}; clear that "
                                         "identity with EmbeddingCache.clear(identity)")
                    out[start:start + len(part_found)][part_found] = part[part_found]
                    found[start:start + len(part_found)] = part_found
        done = int(found.sum())
        if progress is not None:
            progress(done, n)
        # distinct missing texts, longest first: little padding per batch, one encode per text
        missing: dict[str, list[int]] = {}
        for i in np.flatnonzero(~found):
            missing.setdefault(items[i], []).append(int(i))
        todo = sorted(missing, key=len, reverse=True)
        for chunk in _iter_chunks(todo, int(batch_size)):
            vectors = np.asarray(embedder.encode(chunk, batch_size=int(batch_size)), dtype=np.float32)
            if vectors.shape != (len(chunk), d) or not np.isfinite(vectors).all():
                raise ModelError(f"embedder {embedder.identity!r} returned an array of shape "
                                 f"{vectors.shape} (expected {(len(chunk), d)}) or non-finite values")
            if store is not None:
                try:
                    store.put_many(embedder.identity, chunk, vectors)
                except CacheError as exc:
                    warnings.warn(f"embeddings are no longer being cached: {exc}", CorpusCompassWarning,
                                  stacklevel=2)
                    if owned:
                        store.close()
                    store = None
            for text, vec in zip(chunk, vectors):
                rows = missing[text]
                out[rows] = vec
                done += len(rows)
            if progress is not None:
                progress(done, n)
        return out
    finally:
        if owned and store is not None:
            store.close()
