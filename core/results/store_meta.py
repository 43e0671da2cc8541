"""The share store's bookkeeping: each saved analysis's record, tombstones, expiry and the size limit.

Next to every bundle ``<id>.zip`` the store keeps a small record ``<id>.json``::

    {"id": ..., "created": "2026-12-04T17:03:43Z", "expires": "2027-01-03T17:03:43Z" | null,
     "corpora": ["games", "science"], "size": 123456}

and, when an analysis is deleted (by hand or because it expired and was pruned), a tombstone
``<id>.deleted`` = ``{"id", "deleted", "reason": "deleted" | "expired", "expires"}``: the bundle and
its record are gone (nothing of the analysis, not even its corpus names, is kept), but a link to it
can still say *deleted* or *expired* instead of *unknown*. Records and tombstones are written to a
temporary file and renamed into place, so a reader never sees half of one.

Bundles saved before records existed have none: they count as created at their file's modification
time, never expire, and their corpora are read from the bundle when listed.

The size limit (``$CORPUS_COMPASS_STORE_MAX_BYTES``, default 5 GiB) bounds the total size of the
bundles; it accepts a number of bytes or a number with a binary unit (``500M``, ``2G``, ``1.5GiB``).
The size parsing and formatting are a few lines written here rather than a dependency.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.exceptions import ParameterError
from core.fileio import atomic_write

__all__ = ["DEFAULT_MAX_BYTES", "MAX_BYTES_ENV", "MAX_EXPIRY_DAYS", "StoredAnalysis", "parse_size"]

#: environment variable: the most bytes of bundles the store may hold
MAX_BYTES_ENV = "CORPUS_COMPASS_STORE_MAX_BYTES"
#: default size limit of the store: 5 GiB (an analysis without embeddings is usually a few MB)
DEFAULT_MAX_BYTES = 5 * 1024**3
#: the longest expiry accepted, in days (100 years); longer means "keep it": leave the expiry out
MAX_EXPIRY_DAYS = 36_525
RECORD_SUFFIX = ".json"
TOMBSTONE_SUFFIX = ".deleted"
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


# ------------------------------------------------------------------------------------- time and size


def utc_now() -> dt.datetime:
    """The current time, UTC, to the second."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def format_time(moment: dt.datetime | None) -> str | None:
    """``2026-12-04T17:03:43Z`` (ISO 8601, UTC), or None."""
    if moment is None:
        return None
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: Any, what: str) -> dt.datetime | None:
    """The inverse of :func:`format_time` (None stays None); ValueError naming ``what`` otherwise."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a time string, got {type(text).__name__}")
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def expiry_after(created: dt.datetime, days: float | None) -> dt.datetime | None:
    """``created + days`` (None for no expiry); ``days`` checked: a number in (0, 36525]."""
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, (int, float)) or not math.isfinite(days):
        raise ParameterError(f"the expiry must be a number of days, got {days!r}")
    if not 0 < days <= MAX_EXPIRY_DAYS:
        raise ParameterError(f"the expiry must be more than 0 and at most {MAX_EXPIRY_DAYS:,} days, got {days:g} "
                             "(to keep an analysis until it is deleted, give no expiry)")
    return (created + dt.timedelta(days=float(days))).replace(microsecond=0)


def parse_size(text: Any, what: str = MAX_BYTES_ENV) -> int:
    """Bytes from ``"5368709120"``, ``"500M"``, ``"2G"``, ``"1.5GiB"`` (binary units); positive only.

    Raises
    ------
    ParameterError
        Naming ``what`` (the setting the value came from) and the value.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        match = _SIZE.match(str(text))
        if match is None:
            raise ParameterError(f"{what} must be a size in bytes such as 5368709120, 500M or 5G, got {text!r}")
        value = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if value < 1:
        raise ParameterError(f"{what} must be a positive size, got {text!r}")
    return value


def max_bytes_from_environment() -> int:
    """``$CORPUS_COMPASS_STORE_MAX_BYTES`` as bytes, else :data:`DEFAULT_MAX_BYTES` (5 GiB)."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    return parse_size(raw, MAX_BYTES_ENV) if raw else DEFAULT_MAX_BYTES


def format_size(n_bytes: int) -> str:
    """``1.2 MB``-style size (binary multiples, as :func:`parse_size` reads them)."""
    value = float(n_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"  # pragma: no cover - the loop returns


# ------------------------------------------------------------------------------ records, tombstones


@dataclass(frozen=True)
class StoredAnalysis:
    """One saved analysis as the store lists it.

    Attributes
    ----------
    id : str
        The analysis id (``?analysis=<id>`` opens it).
    created : datetime
        When it was saved in the store (UTC).
    expires : datetime or None
        When its link stops working (UTC); None = kept until deleted.
    corpora : tuple of str
        The names of the compared corpora.
    size : int
        Bytes of its bundle.
    """

    id: str
    created: dt.datetime
    expires: dt.datetime | None
    corpora: tuple[str, ...]
    size: int

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        """True once ``now`` (default: the current time) has reached :attr:`expires`."""
        return self.expires is not None and (now or utc_now()) >= self.expires

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values (times as ISO 8601 UTC strings)."""
        return {"id": self.id, "created": format_time(self.created), "expires": format_time(self.expires),
                "corpora": list(self.corpora), "size": int(self.size)}

    @classmethod
    def from_dict(cls, data: Any, analysis_id: str) -> StoredAnalysis:
        """Read a record written by :meth:`to_dict`; ValueError when it is not one for ``analysis_id``."""
        if not isinstance(data, dict) or data.get("id") != analysis_id:
            raise ValueError("not the record of this analysis")
        corpora = data.get("corpora", [])
        size = data.get("size", 0)
        if not isinstance(corpora, list) or not all(isinstance(c, str) for c in corpora):
            raise ValueError("corpora must be a list of names")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError("size must be a byte count")
        created = parse_time(data.get("created"), "created")
        if created is None:
            raise ValueError("created is missing")
        return cls(id=analysis_id, created=created, expires=parse_time(data.get("expires"), "expires"),
                   corpora=tuple(corpora), size=size)


@dataclass(frozen=True)
class Tombstone:
    """What is left of a deleted analysis: when, and whether it was deleted or expired and pruned."""

    id: str
    deleted: dt.datetime
    reason: str
    expires: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "deleted": format_time(self.deleted), "reason": self.reason,
                "expires": format_time(self.expires)}

    @classmethod
    def from_dict(cls, data: Any, analysis_id: str) -> Tombstone:
        if not isinstance(data, dict) or data.get("id") != analysis_id:
            raise ValueError("not the tombstone of this analysis")
        reason = data.get("reason")
        if reason not in ("deleted", "expired"):
            raise ValueError(f"unknown reason {reason!r}")
        deleted = parse_time(data.get("deleted"), "deleted")
        if deleted is None:
            raise ValueError("deleted is missing")
        return cls(id=analysis_id, deleted=deleted, reason=reason,
                   expires=parse_time(data.get("expires"), "expires"))


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` through a temporary sibling and a rename (never half a file)."""
    atomic_write(path, json.dumps(data, ensure_ascii=False), mode=0o600)


def read_json(path: Path, limit: int = 1024 * 1024) -> Any:
    """A small JSON file (a record or a tombstone); OSError / ValueError when unreadable."""
    with open(path, "rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"{path.name} is larger than {limit} bytes")
    return json.loads(raw.decode("utf-8"))
