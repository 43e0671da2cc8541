"""``corpus-compass store add|list|delete|prune`` and ``serve --viewer``'s refusals: output, expiry,
exit codes and one-line errors for a missing bundle, a bad id and a full store."""

from __future__ import annotations

import datetime as dt
import json
import re
from contextlib import nullcontext
from pathlib import Path

import pytest

from cli.main import main
from core.results.store import AnalysisStore
from core.results.store_meta import MAX_BYTES_ENV
from tests.core.test_store import _result

ID = r"[A-Za-z0-9_-]{32}"


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("CORPUS_COMPASS_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.delenv(MAX_BYTES_ENV, raising=False)
    return tmp_path / "store"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return _result().to_bundle(tmp_path / "analysis.zip")


def _add(capsys, *args: str) -> str:
    assert main(["store", "add", *args]) == 0
    out, err = capsys.readouterr()
    analysis_id, link = out.split("\n")[:2]
    assert re.fullmatch(ID, analysis_id) and link == f"/?analysis={analysis_id}" and out.count("\n") == 2
    assert err.startswith("added ") and "a, b <img src=x>" in err
    return analysis_id


def test_add_prints_the_id_and_the_link_path(store_dir: Path, bundle: Path, capsys) -> None:
    analysis_id = _add(capsys, str(bundle))
    assert (store_dir / f"{analysis_id}.zip").read_bytes() == bundle.read_bytes()
    assert AnalysisStore(store_dir).check(analysis_id).expires is None


def test_add_with_an_expiry_and_list_shows_it(store_dir: Path, bundle: Path, capsys) -> None:
    kept = _add(capsys, str(bundle))
    expiring = _add(capsys, str(bundle), "--expires", "7")
    assert main(["store", "list"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "CREATED", "EXPIRES", "SIZE", "CORPORA"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {kept, expiring}
    today = dt.datetime.now(dt.timezone.utc)
    in_a_week = (today + dt.timedelta(days=7)).strftime("%Y-%m-%d")
    assert f"{in_a_week} " in rows[expiring] and "never" in rows[kept]
    assert rows[kept].rstrip().endswith("a, b <img src=x>")
    assert "2 analyses in" in err and "(0 expired)" in err and "of the 5.0 GB limit used" in err

    assert main(["store", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in listed] == [kept, expiring]
    assert listed[1]["link"] == f"/?analysis={expiring}" and listed[1]["expired"] is False
    assert dt.datetime.fromisoformat(listed[1]["expires"].replace("Z", "+00:00")) - \
        dt.datetime.fromisoformat(listed[1]["created"].replace("Z", "+00:00")) == dt.timedelta(days=7)


def test_delete_and_prune(store_dir: Path, bundle: Path, capsys) -> None:
    store = AnalysisStore(store_dir)
    expired = store.add_bundle(bundle, expires_days=1,
                               created=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3))
    kept = _add(capsys, str(bundle), "--expires", "2")
    gone = _add(capsys, str(bundle))
    assert main(["store", "list"]) == 0
    out, err = capsys.readouterr()
    assert "(expired)" in next(line for line in out.splitlines() if line.startswith(expired))
    assert "(1 expired)" in err

    assert main(["store", "delete", gone]) == 0
    assert capsys.readouterr().err.startswith(f"deleted {gone} (a, b <img src=x>): its link now says")
    assert store.status(gone) == "deleted"

    assert main(["store", "prune"]) == 0
    out, err = capsys.readouterr()
    assert out.split() == [expired] and err.startswith("removed 1 expired analysis")
    assert store.ids() == [kept] and store.status(expired) == "expired"
    assert main(["store", "prune"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["store", "list"]) == 0
    assert capsys.readouterr().err.startswith(f"1 analysis in {store_dir} (0 expired)")

    # deleting again, or an id that never existed: exit 2 and one line that says which
    assert main(["store", "delete", gone]) == 2
    assert re.fullmatch(r"corpus-compass store delete: error: the analysis '.+' was deleted from the store on "
                        r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\n", capsys.readouterr().err)
    assert main(["store", "delete", "A" * 32]) == 2
    assert "no saved analysis has the id 'AAAA" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["abc", "../../etc/passwd", "A" * 31 + "."])
def test_a_bad_id_is_a_one_line_error(store_dir: Path, capsys, bad: str) -> None:
    assert main(["store", "delete", bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"corpus-compass store delete: error: {bad!r} is not a valid analysis id: an id is "
                          "32 to 64 letters") and err.count("\n") == 1
    assert not store_dir.exists()


def test_a_missing_or_broken_bundle_is_a_one_line_error(store_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["store", "add", str(tmp_path / "nowhere.zip")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"corpus-compass store add: error: {tmp_path / 'nowhere.zip'}: no such file or folder")
    broken = tmp_path / "broken.zip"
    broken.write_text("hello", encoding="utf-8")
    assert main(["store", "add", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("corpus-compass store add: error: ") and "broken.zip" in err and err.count("\n") == 1
    assert AnalysisStore(store_dir).ids() == []


@pytest.mark.parametrize("days, message", [
    ("0", "the expiry must be more than 0 and at most 36,525 days, got 0"),
    ("-3", "got -3"),
    ("soon", "--expires takes a number of days, got 'soon'"),
])
def test_a_bad_expiry_is_refused(store_dir: Path, bundle: Path, capsys, days: str, message: str) -> None:
    with pytest.raises(SystemExit) if days == "soon" else nullcontext():
        code = main(["store", "add", str(bundle), "--expires", days])
        assert code == 2
    assert message in capsys.readouterr().err
    assert AnalysisStore(store_dir).ids() == []


def test_a_full_store_says_how_to_make_room(store_dir: Path, bundle: Path, capsys, monkeypatch) -> None:
    first = _add(capsys, str(bundle))
    monkeypatch.setenv(MAX_BYTES_ENV, str(int(bundle.stat().st_size * 1.5)))
    assert main(["store", "add", str(bundle)]) == 2
    err = capsys.readouterr().err
    assert re.match(r"corpus-compass store add: error: the share store is full: it holds [\d.]+ KB of its "
                    r"[\d.]+ KB limit and this analysis needs [\d.]+ KB", err), err
    assert "'corpus-compass store prune' removes the expired analyses" in err and MAX_BYTES_ENV in err
    assert err.count("\n") == 1
    assert AnalysisStore(store_dir).ids() == [first]


def test_serve_viewer_refuses_the_sample_corpora(capsys) -> None:
    assert main(["serve", "--viewer", "--samples"]) == 2
    assert "--samples cannot be combined with --viewer" in capsys.readouterr().err
