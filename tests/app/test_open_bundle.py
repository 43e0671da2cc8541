"""``corpus-compass open BUNDLE`` starts the dashboard with CORPUS_COMPASS_OPEN_BUNDLE: the bundle opens
read-only at start; a bundle that cannot be read gives a message, and the dashboard still works."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.results.result import AnalysisResult, make_table
from tests.app.conftest import MAIN, plain, texts


def _result() -> AnalysisResult:
    corpora = make_table("corpora", [
        {"corpus": c, "n_documents": 2, "source": f"{c}.csv", "sha256": "0" * 64, "fingerprint": "f",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0} for c in ("2019", "2024")])
    verdicts = make_table("verdicts", [{"corpus_a": "2019", "corpus_b": "2024",
                                        "headline": "No evidence of a difference",
                                        "text": "We compared '2019' with '2024'."}])
    return AnalysisResult(corpora=corpora, verdicts=verdicts, skipped={"depth": "too few documents"})


def test_the_bundle_opens_read_only_at_start(monkeypatch, tmp_path: Path) -> None:
    bundle = _result().to_bundle(tmp_path / "news.zip")
    monkeypatch.setenv("CORPUS_COMPASS_OPEN_BUNDLE", str(bundle))
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Compare corpora"
    shown = plain(texts(at))
    assert "Read-only view of an analysis opened from the bundle news.zip" in shown
    assert "No evidence of a difference" in shown
    assert "This part of the analysis did not run: too few documents" in shown
    sidebar = plain(" ".join(m.value for m in at.sidebar.markdown))
    assert "2019 · 2 documents" in sidebar and "2024 · 2 documents" in sidebar


def test_a_bad_bundle_gives_a_message_and_a_working_dashboard(monkeypatch, tmp_path: Path) -> None:
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"not a zip at all")
    monkeypatch.setenv("CORPUS_COMPASS_OPEN_BUNDLE", str(bad))
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    assert not at.exception
    errors = [plain(e.value) for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("The analysis bundle broken.zip could not be opened")
    assert at.title[0].value == "Data"
    assert [b.label for b in at.button if b.key == "load_samples"] == ["Load the sample corpora"]
