"""The bundled sample corpora (sample_data/*.csv), their catalogue (core.load.samples) and the script that
builds them (sample_data/build_samples.py)."""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from core.exceptions import ParameterError
from core.load.samples import SAMPLE_DIR_ENV, SampleCorpus, list_samples, sample_dir, sample_path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "sample_data"
NAMES = ["games", "science", "libdevel"]
SECTIONS = {"games": {"games"}, "science": {"science", "math", "electronics"},
            "libdevel": {"libdevel", "devel"}}


def _rows(name: str) -> list[dict[str, str]]:
    text = (SAMPLE_DIR / f"{name}.csv").read_bytes().decode("utf-8")  # strict: fails on bad bytes
    return list(csv.DictReader(text.splitlines(keepends=True)))


@pytest.fixture()
def bundled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SAMPLE_DIR_ENV, raising=False)


@functools.lru_cache(maxsize=1)
def _load_build_script():
    # sample_data/ is not a package; dataclasses need the module registered while it executes
    spec = importlib.util.spec_from_file_location("build_samples", SAMPLE_DIR / "build_samples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_samples"] = module
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------------
# catalogue
# --------------------------------------------------------------------------------------------------
def test_the_three_samples_are_listed_in_catalogue_order(bundled: None) -> None:
    samples = list_samples()
    assert [s.name for s in samples] == NAMES
    for sample in samples:
        assert sample.path == SAMPLE_DIR / f"{sample.name}.csv"
        assert sample.path.is_absolute() and sample.path.is_file()
        assert (sample.text_column, sample.label_column) == ("text", "section")
        assert sample.title.startswith("Debian")
        assert sample.description.endswith(".") and sample.description.count(". ") == 0
    assert list_samples()[0].to_dict()["path"] == str(SAMPLE_DIR / "games.csv")


def test_sample_corpus_is_frozen(bundled: None) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        list_samples()[0].name = "other"  # type: ignore[misc]


def test_sample_path_of_a_known_name(bundled: None) -> None:
    assert sample_path("science") == SAMPLE_DIR / "science.csv"
    assert sample_dir() == SAMPLE_DIR


def test_unknown_sample_name_lists_the_available_ones(bundled: None) -> None:
    message = "unknown sample corpus 'nope': available samples are 'games', 'science', 'libdevel'"
    with pytest.raises(ParameterError, match=f"^{re.escape(message)}$"):
        sample_path("nope")


def test_environment_variable_replaces_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine.csv").write_text("text\nhello\n", encoding="utf-8")
    (tmp_path / "games.csv").write_text("text\nplay\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a corpus", encoding="utf-8")
    monkeypatch.setenv(SAMPLE_DIR_ENV, str(tmp_path))
    samples = list_samples()
    # catalogued names keep their title and come first; an unknown file is offered under its own name
    assert [s.name for s in samples] == ["games", "mine"]
    assert samples[0].title == "Debian games"
    assert samples[1] == SampleCorpus(name="mine", title="mine",
                                      description="Sample corpus read from mine.csv.",
                                      path=tmp_path.resolve() / "mine.csv")
    assert sample_path("mine") == tmp_path.resolve() / "mine.csv"


def test_empty_folder_says_none_are_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SAMPLE_DIR_ENV, str(tmp_path))
    assert list_samples() == []
    expected = f"available samples are none (no .csv file in {tmp_path.resolve()})"
    with pytest.raises(ParameterError, match=re.escape(expected)):
        sample_path("games")


def test_environment_variable_naming_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SAMPLE_DIR_ENV, str(tmp_path / "missing"))
    with pytest.raises(ParameterError, match="CORPUS_COMPASS_SAMPLE_DIR=.*missing.* is not a folder"):
        list_samples()


# --------------------------------------------------------------------------------------------------
# the files
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_sample_file_shape_and_content(name: str) -> None:
    rows = _rows(name)
    assert list(rows[0]) == ["package", "section", "version", "text"]
    assert 300 <= len(rows) <= 1600
    texts = [row["text"] for row in rows]
    assert all(text.strip() for text in texts), "empty text"
    assert len(set(texts)) == len(texts), "duplicate text"
    packages = [row["package"] for row in rows]
    assert packages == sorted(set(packages)), "packages not unique and sorted"
    assert {row["section"] for row in rows} == SECTIONS[name]
    # every document has the short description as its first paragraph and a long one of >= 15 words
    assert all(len(text.split("\n\n", 1)[1].split()) >= 15 for text in texts)
    assert not any(re.search(r"-(dbg|dbgsym|doc)$", p) for p in packages)


def test_sample_sizes_total_a_few_megabytes() -> None:
    total = sum(path.stat().st_size for path in SAMPLE_DIR.glob("*.csv"))
    assert total < 4_000_000


def test_manifest_matches_the_files() -> None:
    manifest = json.loads((SAMPLE_DIR / "build_manifest.json").read_text(encoding="utf-8"))
    assert manifest["release"]["codename"] == "bookworm"
    for name in NAMES:
        data = (SAMPLE_DIR / f"{name}.csv").read_bytes()
        assert manifest["corpora"][name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert manifest["corpora"][name]["documents"] == len(_rows(name))


def test_shifting_words_are_frequent_in_at_least_two_corpora() -> None:
    # CADE needs each word often enough in two corpora to learn a vector for it there
    counts = {name: Counter(w for row in _rows(name) for w in re.findall(r"\w+", row["text"].lower()))
              for name in NAMES}
    for word in ["engine", "player", "shell", "library", "model", "board"]:
        frequent = [name for name in NAMES if counts[name][word] >= 20]
        assert len(frequent) >= 2, (word, {name: counts[name][word] for name in NAMES})
    assert all(sum(counts[name].values()) >= 50_000 for name in NAMES)


# --------------------------------------------------------------------------------------------------
# the build script
# --------------------------------------------------------------------------------------------------
def test_long_description_formatting() -> None:
    build = _load_build_script()
    raw = [" Foo is a game", " of skill.", " .", " Features:", "  * fast", "    and fun", "  * free",
           " .", "  verbatim line", "  another one", " .", " Last words."]
    assert build.format_long_description(raw) == (
        "Foo is a game of skill.\n\nFeatures:\n* fast and fun\n* free\n\nverbatim line\nanother one"
        "\n\nLast words.")


def _doc(build, package: str, short: str, long: str):
    return build.Document(package=package, section="games", version="1", source=package, short=short,
                          long=long)


LONG = "A real description that has more than fifteen words in it so that it passes the length filter."


@pytest.mark.parametrize(("package", "short", "long", "reason"), [
    ("foo", "a game", LONG, None),
    ("foo-dbg", "a game", LONG, "debug or documentation package"),
    ("foo-dbgsym", "a game", LONG, "debug or documentation package"),
    ("foo-doc", "a game", LONG, "debug or documentation package"),
    ("foo", "transitional package", LONG, "transitional or dummy package"),
    ("foo", "a game (dummy package)", LONG, "transitional or dummy package"),
    ("foo", "a game", LONG + "\n\nThis is a transitional package.", "transitional or dummy package"),
    ("foo", "a game", "Too short to say anything.", "long description under 15 words"),
    # a metapackage calling itself "dummy" in a closing paragraph keeps its real description
    ("gap", "computer algebra", LONG + "\n\nThis is a dummy package.", None),
    ("gap", "computer algebra", ("Short.\n\nThis is a dummy package that depends on all of the other "
      "components of the system and can be removed."), "long description under 15 words"),
    # bridge terminology, not a package kind
    ("libdds-dev", "bridge double dummy solver", LONG, None),
], ids=["kept", "dbg", "dbgsym", "doc", "transitional-short", "dummy-short", "transitional-long",
        "too-short", "metapackage", "dummy-only", "double-dummy"])
def test_keep_reason(package: str, short: str, long: str, reason: str | None) -> None:
    build = _load_build_script()
    assert build.keep_reason(_doc(build, package, short, long)) == reason


def test_build_filters_duplicates_and_samples_reproducibly() -> None:
    build = _load_build_script()
    opening = "Zap is a game about zapping things on a board with friends and enemies alike."
    descs = {
        "zap": f"zapping game\n {opening}",
        "zap-data": f"zapping game (data)\n {opening}\n .\n This package contains the data.",
        "zop": "another zapping game\n " + LONG,
        "zop2": "yet another zapping game\n " + LONG,
    }
    descs.update({f"g{i:02d}": f"game {i}\n Game number {i} " + LONG for i in range(20)})
    packages = [{"Package": p, "Section": "games", "Version": "1", "Description-md5": p} for p in descs]
    packages.append({"Package": "nodesc", "Section": "games", "Description-md5": "x"})
    # through the deb822 parser, as the real Translation-en is read
    translations = build.parse_deb822("\n\n".join(
        f"Package: {p}\nDescription-md5: {p}\nDescription-en: {d}" for p, d in descs.items()))
    corpora, dropped = build.build(packages, translations, seed=7, cap=10)
    games = dropped["games"]
    assert games["duplicate long description"] == 1          # zop2 repeats zop
    assert games["first paragraph repeats a kept package's"] == 1  # zap-data repeats zap
    assert games["no English description"] == 1
    assert games["eligible"] == 22
    kept = [d.package for d in corpora["games"]]
    assert len(kept) == 10 and kept == sorted(kept)
    ranked = sorted((p for p in descs if p not in {"zop2", "zap-data"}), key=lambda p: build.hash_rank(7, p))
    assert set(kept) == set(ranked[:10])
    again, _ = build.build(packages, translations, seed=7, cap=10)
    assert [d.package for d in again["games"]] == kept
    other, _ = build.build(packages, translations, seed=8, cap=10)
    assert [d.package for d in other["games"]] != kept
    assert corpora["games"][0].text.startswith(corpora["games"][0].short[:1].upper())
