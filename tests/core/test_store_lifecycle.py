"""The share store's lifecycle: records, expiry, tombstones of deleted and pruned analyses, the size
limit (also between processes), adding bundles from files and folders, and size parsing."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.exceptions import (
    AnalysisDeletedError,
    AnalysisExpiredError,
    AnalysisNotFoundError,
    BundleError,
    ParameterError,
    StoreFullError,
)
from core.results.result import AnalysisResult
from core.results.store import AnalysisStore, link_path, new_id
from core.results.store_meta import DEFAULT_MAX_BYTES, MAX_BYTES_ENV, StoredAnalysis, parse_size
from tests.core.test_store import _result

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.timezone.utc


@pytest.fixture
def store(tmp_path: Path) -> AnalysisStore:
    return AnalysisStore(tmp_path / "store")


def _ago(days: float) -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(days=days)


def test_a_save_records_created_expiry_corpora_and_size(store: AnalysisStore) -> None:
    created = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    analysis_id = store.save(_result(), expires_days=30, created=created)
    (entry,) = store.entries()
    assert entry == StoredAnalysis(id=analysis_id, created=created, corpora=("a", "b <img src=x>"),
                                   expires=dt.datetime(2026, 3, 31, 12, 0, 0, tzinfo=UTC),
                                   size=(store.root / f"{analysis_id}.zip").stat().st_size)
    record = json.loads((store.root / f"{analysis_id}.json").read_text(encoding="utf-8"))
    assert record == {"id": analysis_id, "created": "2026-03-01T12:00:00Z", "expires": "2026-03-31T12:00:00Z",
                      "corpora": ["a", "b <img src=x>"], "size": entry.size}
    assert oct((store.root / f"{analysis_id}.json").stat().st_mode & 0o777) == "0o600"
    assert store.status(analysis_id) == "expired"  # 31 March 2026 has passed
    fresh = store.save(_result())
    assert store.check(fresh).expires is None and store.status(fresh) == "available"
    assert link_path(analysis_id) == f"/?analysis={analysis_id}"


def test_without_an_expiry_an_analysis_is_kept(store: AnalysisStore) -> None:
    analysis_id = store.save(_result(), created=_ago(365 * 50))
    assert store.check(analysis_id).expires is None
    assert store.prune() == [] and store.exists(analysis_id)


def test_an_expired_analysis_says_so_before_and_after_pruning(store: AnalysisStore) -> None:
    expired = store.save(_result(), expires_days=1, created=_ago(2))
    fresh = store.save(_result(), expires_days=1, created=_ago(0.5))
    assert store.status(expired) == "expired" and not store.exists(expired)
    with pytest.raises(AnalysisExpiredError, match=r"expired on 20\d\d-\d\d-\d\dT.*its link no longer works") as info:
        store.load(expired)
    assert info.value.expired == _ago(1) or abs((info.value.expired - _ago(1)).total_seconds()) < 5
    assert isinstance(info.value, AnalysisNotFoundError)  # old callers still treat it as gone
    assert [e.id for e in store.entries() if e.is_expired()] == [expired]
    assert store.load(fresh).equals(_result())

    removed = store.prune()
    assert [e.id for e in removed] == [expired]
    assert store.ids() == [fresh]
    assert not (store.root / f"{expired}.zip").exists() and not (store.root / f"{expired}.json").exists()
    tombstone = json.loads((store.root / f"{expired}.deleted").read_text(encoding="utf-8"))
    assert tombstone["reason"] == "expired" and set(tombstone) == {"id", "deleted", "reason", "expires"}
    # the tombstone keeps nothing of the analysis (no corpus names)
    assert "b <img" not in (store.root / f"{expired}.deleted").read_text(encoding="utf-8")
    with pytest.raises(AnalysisExpiredError, match="and was removed from the store"):
        store.load(expired)
    assert store.status(expired) == "expired"
    # pruning again finds nothing; a later "now" prunes the fresh one too
    assert store.prune() == []
    assert [e.id for e in store.prune(now=_ago(-1))] == [fresh]


def test_delete_leaves_a_tombstone_and_returns_what_it_removed(store: AnalysisStore) -> None:
    analysis_id = store.save(_result(), expires_days=3)
    entry = store.delete(analysis_id)
    assert entry.id == analysis_id and entry.expires is not None
    assert store.status(analysis_id) == "deleted" and store.ids() == []
    with pytest.raises(AnalysisDeletedError, match=r"was deleted from the store on 20\d\d") as info:
        store.check(analysis_id)
    assert abs((info.value.deleted - _ago(0)).total_seconds()) < 60
    with pytest.raises(AnalysisDeletedError):
        store.delete(analysis_id)
    # an expired one that was not pruned yet can be deleted by hand: it then says deleted
    old = store.save(_result(), expires_days=1, created=_ago(5))
    store.delete(old)
    assert store.status(old) == "deleted"


def test_unknown_and_malformed_ids(store: AnalysisStore) -> None:
    assert store.status(new_id()) == "unknown"
    assert store.status("../etc/passwd") == "invalid"
    with pytest.raises(AnalysisNotFoundError, match="no saved analysis has the id"):
        store.delete(new_id())
    with pytest.raises(ParameterError, match="not a valid analysis id"):
        store.check("x" * 31)


@pytest.mark.parametrize("days", [0, -1, float("nan"), float("inf"), 36_526, True, "3"])
def test_impossible_expiries_are_refused_before_anything_is_written(store: AnalysisStore, days) -> None:
    with pytest.raises(ParameterError, match="expiry must be"):
        store.save(_result(), expires_days=days)
    assert not store.root.exists() or store.ids() == []


def test_fractional_days_expire_on_time(store: AnalysisStore) -> None:
    analysis_id = store.save(_result(), expires_days=0.5, created=_ago(0.25))
    assert store.check(analysis_id).expires == _ago(0.25) + dt.timedelta(hours=12)
    assert store.status(analysis_id) == "available"


def test_a_full_store_refuses_and_keeps_nothing(store: AnalysisStore) -> None:
    first = store.save(_result())
    size = store.used_bytes()
    limited = AnalysisStore(store.root, max_bytes=2 * size - 1)
    before = sorted(p.name for p in store.root.iterdir())
    with pytest.raises(StoreFullError, match=r"the share store is full: it holds .* of its .* limit and this "
                                             r"analysis needs .*; delete analyses") as info:
        limited.save(_result())
    assert (info.value.used, info.value.limit, info.value.needed) == (size, 2 * size - 1, size)
    assert sorted(p.name for p in store.root.iterdir()) == before  # no partial file, no record
    # exactly at the limit is allowed; deleting makes room again
    second = AnalysisStore(store.root, max_bytes=2 * size).save(_result())
    with pytest.raises(StoreFullError):
        AnalysisStore(store.root, max_bytes=2 * size).save(_result())
    store.delete(first)
    assert AnalysisStore(store.root, max_bytes=2 * size).save(_result()) not in (first, second)


def test_the_limit_comes_from_the_environment(store: AnalysisStore, monkeypatch) -> None:
    monkeypatch.delenv(MAX_BYTES_ENV, raising=False)
    assert store.max_bytes == DEFAULT_MAX_BYTES == 5 * 1024**3
    monkeypatch.setenv(MAX_BYTES_ENV, "1K")
    assert store.max_bytes == 1024
    with pytest.raises(StoreFullError):
        store.save(_result())
    monkeypatch.setenv(MAX_BYTES_ENV, "lots")
    with pytest.raises(ParameterError, match=f"{MAX_BYTES_ENV} must be a size in bytes such as"):
        store.save(_result())


@pytest.mark.parametrize("text, expected", [
    ("5368709120", 5 * 1024**3), ("500M", 500 * 1024**2), ("2G", 2 * 1024**3), ("1.5GiB", 1536 * 1024**2),
    ("64kb", 65536), (" 3 T ", 3 * 1024**4), (123, 123),
])
def test_parse_size(text, expected) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "five", "-1", "0", "1X", "1.5.2G", "0.0001K"])
def test_parse_size_refuses(text) -> None:
    with pytest.raises(ParameterError, match=MAX_BYTES_ENV):
        parse_size(text)


@pytest.mark.slow
def test_saves_from_several_processes_never_exceed_the_limit(store: AnalysisStore) -> None:
    """Four processes save at once into a store with room for two: exactly two succeed (the lock)."""
    size = len(_result().to_bundle_bytes())
    go = store.root.parent / "go"
    # each process imports and builds its result first, then all save at the same moment
    code = ("import sys, time, pathlib; from tests.core.test_store import _result\n"
            "from core.results.store import AnalysisStore; from core.exceptions import StoreFullError\n"
            "result, store = _result(), AnalysisStore(sys.argv[1], max_bytes=int(sys.argv[2]))\n"
            "print('ready', flush=True)\n"
            "while not pathlib.Path(sys.argv[3]).exists(): time.sleep(0.001)\n"
            "try:\n    store.save(result); print('saved')\n"
            "except StoreFullError:\n    print('full')\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(store.root), str(2 * size + size // 2), str(go)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    assert [p.stdout.readline().strip() for p in procs] == ["ready"] * 4
    go.touch()
    answers = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert answers == ["full", "full", "saved", "saved"]
    assert len(store.ids()) == 2 and store.used_bytes() <= 2 * size + size // 2


def test_add_bundle_from_a_zip_keeps_its_bytes(store: AnalysisStore, tmp_path: Path) -> None:
    source = _result().to_bundle(tmp_path / "shared.zip")
    analysis_id = store.add_bundle(source, expires_days=7)
    assert (store.root / f"{analysis_id}.zip").read_bytes() == source.read_bytes()
    assert store.load(analysis_id).equals(_result())
    entry = store.check(analysis_id)
    assert entry.corpora == ("a", "b <img src=x>") and entry.expires - entry.created == dt.timedelta(days=7)


def test_add_bundle_from_a_folder_stores_a_zip(store: AnalysisStore, tmp_path: Path) -> None:
    source = _result().to_bundle(tmp_path / "bundle-folder")
    analysis_id = store.add_bundle(source)
    assert (store.root / f"{analysis_id}.zip").is_file()
    assert store.load(analysis_id).equals(AnalysisResult.from_bundle(source))


def test_add_bundle_errors_name_the_file(store: AnalysisStore, tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"missing\.zip: no such file or folder"):
        store.add_bundle(tmp_path / "missing.zip")
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BundleError, match="junk.zip"):
        store.add_bundle(junk)
    good = _result().to_bundle(tmp_path / "good.zip")
    with pytest.raises(StoreFullError):
        AnalysisStore(store.root, max_bytes=good.stat().st_size - 1).add_bundle(good)
    assert store.ids() == [] and [p.name for p in store.root.glob("*")] in ([], [".lock"])


def test_a_bundle_saved_before_records_existed_is_listed_from_its_file(store: AnalysisStore) -> None:
    analysis_id = store.save(_result())
    (store.root / f"{analysis_id}.json").unlink()
    mtime = dt.datetime(2025, 5, 5, 5, 5, 5, tzinfo=UTC).timestamp()
    os.utime(store.root / f"{analysis_id}.zip", (mtime, mtime))
    (entry,) = store.entries()
    assert entry.created == dt.datetime(2025, 5, 5, 5, 5, 5, tzinfo=UTC)
    assert entry.expires is None and entry.corpora == ("a", "b <img src=x>")
    assert store.load(analysis_id).equals(_result())


def test_a_damaged_record_is_a_bundle_error_not_a_served_analysis(store: AnalysisStore) -> None:
    analysis_id = store.save(_result(), expires_days=1)
    (store.root / f"{analysis_id}.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BundleError, match="record of analysis .* is damaged"):
        store.load(analysis_id)
    (entry,) = store.entries()  # still listed, so it can be deleted
    assert entry.id == analysis_id
    store.delete(analysis_id)
    assert store.status(analysis_id) == "deleted"


@pytest.mark.parametrize("record", [{"created": 5}, {"created": None}, {"corpora": "a"}, {"size": -1}, []])
def test_a_forged_record_never_opens(store: AnalysisStore, record) -> None:
    analysis_id = store.save(_result(), expires_days=1)
    path = store.root / f"{analysis_id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, **record} if isinstance(record, dict) else record), encoding="utf-8")
    with pytest.raises(BundleError, match="is damaged"):
        store.load(analysis_id)
