"""Rebuild the bundled sample corpora from Debian's package descriptions.

The three corpora are the English long descriptions of the binary packages in three groups of Debian
archive sections: ``games`` (section games), ``science`` (science, math, electronics) and ``libdevel``
(libdevel, devel). They are read from apt's own index files, so the script
needs a Debian (or derivative) system whose apt lists include the English translations::

    apt-get update -o Acquire::Languages=en
    python sample_data/build_samples.py            # writes sample_data/{games,science,libdevel}.csv

Inputs (defaults in brackets; each can be given on the command line):

* ``--packages``: the suite's ``Packages`` index for one architecture
  [``/var/lib/apt/lists/*_dists_<suite>_main_binary-amd64_Packages*``]. It gives each package's
  ``Section``, ``Version``, ``Source`` and the ``Description-md5`` of its description.
* ``--translations``: the suite's ``Translation-en`` index [``..._dists_<suite>_main_i18n_Translation-en*``],
  which holds the full descriptions keyed by (package, Description-md5).
* ``--release``: the suite's ``InRelease``/``Release`` file, read only to record the release and date.

Only the base suite is read (not ``-updates`` or ``-security``) so the result depends on one signed
Release file. Compressed lists (lz4, gz, xz, zstd, ...) are opened with ``apt-helper cat-file``, which
apt itself uses; plain, .gz, .xz and .bz2 files also work without it.

What is kept (see ``keep_reason``): packages whose Section is in the corpus's sections, that are not
transitional or dummy packages (by their short description, or a long one saying "transitional
package"), debug symbols (``-dbg``, ``-dbgsym``) or documentation (``-doc``), whose long description has
at least ``MIN_WORDS`` words outside paragraphs that call the package a dummy/virtual package (so a
metapackage like ``gap`` that carries the program's real description stays), whose long description is
not an exact duplicate of one already kept, and whose first paragraph (when it has at least
``MIN_OPENING_WORDS`` words) does not repeat a kept package's: families such as ``0ad``/``0ad-data``/
``0ad-data-common``, the Boost or Qt ``-dev`` packages and the GAP packages share an opening paragraph and
differ by one sentence, and would otherwise fill a corpus with near-copies. Packages are visited
shortest name first, then alphabetically, so the main package of a family keeps the description. A corpus
larger than ``--cap`` documents is reduced by a seeded hash sample: packages are ordered by
``sha256(f"{seed}:{package}")`` and the first ``cap`` kept. That choice depends only on the seed and each
package's name, not on the Python version or on the order of the lists, and a later point release that
adds or removes a few packages changes the sample only by about as many.

Text: ``Short description.`` as the first paragraph, then the long description with Debian's
formatting undone (Debian Policy 5.6.13): the leading space of each line removed, wrapped lines joined,
`` .`` lines turned into paragraph breaks, verbatim (two-space) lines and bullet items kept on their own
lines with their bullet.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import glob
import gzip
import hashlib
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LISTS = Path("/var/lib/apt/lists")

#: corpus name -> (title, Debian archive sections it is drawn from)
CORPORA: dict[str, tuple[str, tuple[str, ...]]] = {
    "games": ("Debian games", ("games",)),
    # electronics (circuit design and simulation) joins science and math: it is engineering software
    # with the same kind of description, and gives "board" a second, non-game sense
    "science": ("Debian scientific, mathematical and electronics software",
                ("science", "math", "electronics")),
    # devel (compilers, build and debugging tools) joins libdevel: both describe software for
    # programmers, and the tools give "shell" a sense other than the games' one
    "libdevel": ("Debian development libraries and tools", ("libdevel", "devel")),
}
DEFAULT_SEED = 20261122
DEFAULT_CAP = 1500
MIN_WORDS = 15
#: a first paragraph at least this long that repeats a kept package's marks a near-duplicate
MIN_OPENING_WORDS = 8

# "transistional" is a real typo in the archive; "double dummy" is a bridge term (libdds), not a package kind
_TRANSITIONAL = re.compile(r"\btransi(s)?tional\b|\btransition package\b", re.IGNORECASE)
_DUMMY = re.compile(r"(?<!double )\bdummy\b", re.IGNORECASE)
_TRANSITIONAL_PACKAGE = re.compile(r"\btransi(s)?tional (dummy )?package\b|\btransition package\b",
                                   re.IGNORECASE)
_DUMMY_PARAGRAPH = re.compile(r"\b(dummy|virtual|transitional) package\b", re.IGNORECASE)
_DEBUG_OR_DOC = re.compile(r"-(dbg|dbgsym|doc|docs)$|-doc-")
_BULLET = re.compile(r"^([*+o\-\u2022]|\d+[.)])\s+")


@dataclass(frozen=True)
class Document:
    package: str
    section: str
    version: str
    source: str
    short: str
    long: str

    @property
    def text(self) -> str:
        short = self.short.strip()
        if short and short[-1] not in ".!?":
            short += "."
        # capitalise only the first letter: "real-time ..." -> "Real-time ..." and "libfoo ..." stays
        # recognisable; descriptions are sentences in every other respect.
        short = short[:1].upper() + short[1:]
        return f"{short}\n\n{self.long}" if self.long else short


# --------------------------------------------------------------------------------------------------
# reading apt's lists
# --------------------------------------------------------------------------------------------------
def read_index(path: Path) -> str:
    """Return the text of an apt index file, decompressing it however it is stored."""
    helper = shutil.which("apt-helper") or "/usr/lib/apt/apt-helper"
    suffix = path.suffix
    if suffix in {".gz", ".xz", ".bz2", ".lzma", ""} or not os.path.exists(helper):
        opener = {".gz": gzip.open, ".xz": lzma.open, ".lzma": lzma.open, ".bz2": bz2.open}.get(suffix, open)
        with opener(path, "rt", encoding="utf-8") as handle:
            return handle.read()
    out = subprocess.run([helper, "cat-file", str(path)], check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def parse_deb822(text: str) -> list[dict[str, str]]:
    """Parse deb822 paragraphs; a continuation line keeps its leading space after the first newline."""
    records: list[dict[str, str]] = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for line in block.split("\n"):
            if not line:
                continue
            if line[0] in " \t" and key is not None:
                fields[key] += "\n" + line
            else:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            records.append(fields)
    return records


def release_info(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    info = {}
    for field in ("Origin", "Suite", "Version", "Codename", "Date"):
        match = re.search(rf"^{field}: (.*)$", text, re.MULTILINE)
        if match:
            info[field.lower()] = match.group(1).strip()
    return info


def find_list(folder: Path, pattern: str) -> Path:
    matches = sorted(glob.glob(str(folder / pattern)))
    if not matches:
        # a plain `apt-get update` (languages "none" on many images) deletes the Translation-en list again
        sys.exit(f"no apt list matches {folder / pattern}: run `apt-get update -o Acquire::Languages=en` "
                 "first, or give the file on the command line")
    return Path(matches[0])


# --------------------------------------------------------------------------------------------------
# undoing Debian's description format
# --------------------------------------------------------------------------------------------------
def format_long_description(raw_lines: list[str]) -> str:
    """Turn the extended-description lines (each starting with a space) into plain paragraphs.

    Policy 5.6.13: `` .`` is a blank line; a line starting with one space is part of a wrapped
    paragraph; a line starting with two or more spaces is shown verbatim. Maintainers also write
    bullet lists with one space (`` * item``), so a bullet starts a new line in either case; an
    indented line after a bullet that is not itself a bullet continues that item.
    """
    paragraphs: list[list[str]] = [[]]
    in_item = False
    for raw in raw_lines:
        if raw.strip() == ".":
            paragraphs.append([])
            in_item = False
            continue
        verbatim = raw.startswith(("  ", "\t"))
        line = raw.strip()
        if not line:
            continue
        lines = paragraphs[-1]
        if _BULLET.match(line):
            lines.append(line)
            in_item = True
        elif not lines or verbatim and not in_item:
            lines.append(line)
        else:
            lines[-1] = f"{lines[-1]} {line}"
    return "\n\n".join("\n".join(p) for p in paragraphs if p)


# --------------------------------------------------------------------------------------------------
# selection
# --------------------------------------------------------------------------------------------------
def keep_reason(doc: Document) -> str | None:
    """Why a package is left out, or None when it is kept (the duplicate check comes later)."""
    if _DEBUG_OR_DOC.search(doc.package):
        return "debug or documentation package"
    if _TRANSITIONAL.search(doc.short) or _DUMMY.search(doc.short) or _TRANSITIONAL_PACKAGE.search(doc.long):
        return "transitional or dummy package"
    # metapackages such as gap, singular or normaliz call themselves a "dummy package" in a closing
    # paragraph but carry the program's real description: only the rest has to be long enough
    substance = [p for p in doc.long.split("\n\n") if not _DUMMY_PARAGRAPH.search(p)]
    if sum(len(p.split()) for p in substance) < MIN_WORDS:
        return f"long description under {MIN_WORDS} words"
    return None


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def hash_rank(seed: int, package: str) -> str:
    return hashlib.sha256(f"{seed}:{package}".encode()).hexdigest()


def build(packages: list[dict[str, str]], translations: list[dict[str, str]], *, seed: int, cap: int
          ) -> tuple[dict[str, list[Document]], dict[str, Counter]]:
    descriptions: dict[tuple[str, str], str] = {}
    for record in translations:
        if "Description-en" in record:
            descriptions[(record["Package"], record.get("Description-md5", ""))] = record["Description-en"]

    section_to_corpus = {s: name for name, (_, sections) in CORPORA.items() for s in sections}
    candidates: dict[str, dict[str, Document]] = {name: {} for name in CORPORA}
    dropped = {name: Counter() for name in CORPORA}
    for record in packages:
        # components other than main prefix the section ("contrib/games"); only main is read anyway
        section = record.get("Section", "").split("/")[-1]
        corpus = section_to_corpus.get(section)
        if corpus is None or record["Package"] in candidates[corpus]:
            continue
        full = descriptions.get((record["Package"], record.get("Description-md5", "")))
        if full is None:
            dropped[corpus]["no English description"] += 1
            continue
        short, _, rest = full.partition("\n")
        doc = Document(package=record["Package"], section=section, version=record.get("Version", ""),
                       source=record.get("Source", record["Package"]).split(" ")[0], short=short.strip(),
                       long=format_long_description(rest.split("\n") if rest else []))
        candidates[corpus][doc.package] = doc

    corpora: dict[str, list[Document]] = {}
    for name, docs in candidates.items():
        kept: list[Document] = []
        seen: set[str] = set()
        seen_opening: set[str] = set()
        # shortest name first, so "0ad" keeps a description that "0ad-data" repeats
        for package in sorted(docs, key=lambda p: (len(p), p)):
            doc = docs[package]
            reason = keep_reason(doc)
            key = _normalise(doc.long)
            opening = _normalise(doc.long.split("\n\n")[0])
            if reason is None and key in seen:
                reason = "duplicate long description"
            if reason is None and opening in seen_opening:
                reason = "first paragraph repeats a kept package's"
            if reason is not None:
                dropped[name][reason] += 1
                continue
            seen.add(key)
            if len(opening.split()) >= MIN_OPENING_WORDS:
                seen_opening.add(opening)
            kept.append(doc)
        dropped[name]["eligible"] = len(kept)
        if len(kept) > cap:
            kept = sorted(kept, key=lambda d: hash_rank(seed, d.package))[:cap]
        corpora[name] = sorted(kept, key=lambda d: d.package)
    return corpora, dropped


def write_csv(path: Path, docs: list[Document]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["package", "section", "version", "text"])
        for doc in docs:
            writer.writerow([doc.package, doc.section, doc.version, doc.text])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lists", type=Path, default=LISTS, help="folder of apt lists [%(default)s]")
    parser.add_argument("--suite", default="bookworm", help="suite codename in the list file names")
    parser.add_argument("--packages", type=Path, help="Packages index (any compression)")
    parser.add_argument("--translations", type=Path, help="Translation-en index (any compression)")
    parser.add_argument("--release", type=Path, help="InRelease or Release file of the suite")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder [%(default)s]")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--cap", type=int, default=DEFAULT_CAP, help="most documents per corpus")
    args = parser.parse_args(argv)

    suite = args.suite
    packages_path = args.packages or find_list(args.lists, f"*_dists_{suite}_main_binary-amd64_Packages*")
    translations_path = args.translations or find_list(args.lists,
                                                        f"*_dists_{suite}_main_i18n_Translation-en*")
    release_path = args.release or find_list(args.lists, f"*_dists_{suite}_*Release")

    packages_text = read_index(packages_path)
    translations_text = read_index(translations_path)
    corpora, dropped = build(parse_deb822(packages_text), parse_deb822(translations_text),
                             seed=args.seed, cap=args.cap)
    args.out.mkdir(parents=True, exist_ok=True)
    # the hashes are of the decompressed lists, so they do not depend on how apt stored them
    sha = {"packages": hashlib.sha256(packages_text.encode("utf-8")).hexdigest(),
           "translations": hashlib.sha256(translations_text.encode("utf-8")).hexdigest()}
    manifest = {"release": release_info(release_path),
                "inputs": {"packages": packages_path.name,
                           "packages_sha256": sha["packages"],
                           "translations": translations_path.name,
                           "translations_sha256": sha["translations"]},
                "seed": args.seed, "cap": args.cap, "min_words": MIN_WORDS, "corpora": {}}
    for name, docs in corpora.items():
        path = args.out / f"{name}.csv"
        write_csv(path, docs)
        words = [w for d in docs for w in d.text.split()]
        manifest["corpora"][name] = {
            "title": CORPORA[name][0], "sections": list(CORPORA[name][1]), "documents": len(docs),
            "whitespace_tokens": len(words), "filtered": dict(sorted(dropped[name].items())),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    (args.out / "build_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
