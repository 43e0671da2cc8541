"""``corpus-compass compare A B [C …] --out DIR``: the whole pipeline from the command line.

Registered by :func:`add_compare_parser` on the sub-command parser of :mod:`cli.main`, whose ``main``
turns every :class:`~core.exceptions.CorpusCompassError` into a one-line message and exit code 2
(anything unexpected: exit code 1). Output: the files listed in README.md, "Command line" (``summary.json``,
``documents.csv``, ``tests.csv``, ``words.csv`` when word shift ran, ``report.html``,
``manifest.json``; :mod:`core.report.contract`; ``summary.json``'s ``timings`` include ``write``, the
seconds spent writing the files) and, with ``--bundle``, an analysis bundle
``analysis.zip`` that the dashboard opens.

Each input file is read once into memory; its SHA-256 (recorded in the manifest) is of exactly the
bytes that were parsed. ``--vectors`` takes one ``.npy`` per input file, one row per record of that
file (before empty and duplicate rows are dropped), aligned through
:meth:`core.load.corpus.Corpus.align_vectors`. Progress goes to stderr as one tqdm bar per stage (off
with ``--quiet`` or when stderr is not a terminal, tqdm's ``disable=None``); warnings are printed as
one line each; the only line on stdout is where the results went.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from core.exceptions import CorpusCompassWarning, CorpusLoadError, ParameterError
from core.methods import choices_help, method_ids

__all__ = ["add_compare_parser", "run_compare"]

_EPILOG = ("Writes DIR/summary.json, documents.csv, tests.csv, words.csv (when word shift ran), "
           "report.html and manifest.json. Exit code 0 on success, 2 for bad input, 1 otherwise.")


def _comma_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def add_compare_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``compare`` sub-command (with its handler in ``func``) and return its parser.

    Every choice and its help come from the registry of methods (:mod:`core.methods`)."""
    p = subparsers.add_parser(
        "compare", help="compare two or more corpora and write the report (the whole pipeline)",
        description="Compare two or more corpora: statistical tests, depth, hubness, spread, a map, word "
                    "shift and (with --second-model) a model comparison.", epilog=_EPILOG)
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="corpus files (CSV, TSV, JSONL, Parquet, txt, zip); with --engine ray also folders "
                        "of Parquet, CSV or JSONL files, one per corpus, for corpora larger than memory")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the results (created if missing)")
    p.add_argument("--text-column", help="column holding the text (default: inferred and reported)")
    p.add_argument("--label-column", action="append", default=[], metavar="NAME",
                   help="a label/metadata column to keep in documents.csv (repeat for several)")
    p.add_argument("--label-columns", type=_comma_list, default=[], metavar="A,B",
                   help="several label/metadata columns, comma-separated")
    p.add_argument("--id-column", help="column of unique document ids (default: record numbers)")
    p.add_argument("--names", type=_comma_list, metavar="A,B", help="corpus names (default: file names)")
    p.add_argument("--format", choices=["csv", "tsv", "jsonl", "parquet", "txt", "zip"],
                   help="file format of every input (default: from the extension)")
    p.add_argument("--model", default="default",
                   help="'default' (bundled all-MiniLM-L6-v2), a model directory or a cached hub id")
    p.add_argument("--precision", default="auto", choices=method_ids("precision"),
                   help=choices_help("precision") + " (default: auto)")
    p.add_argument("--backend", default="auto", choices=method_ids("backend"),
                   help=choices_help("backend") + " (default: auto)")
    p.add_argument("--engine", default="local", choices=method_ids("engine"),
                   help=choices_help("engine") + " (default: local)")
    p.add_argument("--ray-address", metavar="ADDR",
                   help="the Ray cluster to join with --engine ray, e.g. ray://head:10001 (default: "
                        "$CORPUS_COMPASS_RAY_ADDRESS, else a local Ray on this machine's cores)")
    p.add_argument("--second-model", help="a second model to compare with the first (model comparison)")
    p.add_argument("--k", type=int, default=10, help="neighbours for hubness and kNN overlap (10)")
    p.add_argument("--anchors", type=int, default=300, help="anchor documents for the model comparison (300)")
    p.add_argument("--anchor-method", default="uniform", choices=method_ids("anchor"),
                   help="anchor documents of the model comparison: " + choices_help("anchor")
                        + " (default: uniform)")
    p.add_argument("--permutations", type=int, default=999, help="permutations per two-sample test (999)")
    p.add_argument("--max-test-n", type=int, default=2000,
                   help="documents per corpus in the permutation tests (2000; a seeded sample above)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random choice (0)")
    p.add_argument("--analyses", type=_comma_list, metavar="LIST",
                   help=f"analyses to run, comma-separated, from: {','.join(method_ids('analysis'))} "
                        "(default: all)")
    p.add_argument("--skip", type=_comma_list, default=[], metavar="LIST", help="analyses to leave out")
    p.add_argument("--transforms", type=_comma_list, default=[], metavar="LIST",
                   help=f"transforms of the space, from: {','.join(method_ids('transform'))} (default: "
                        "none; applied in this order)")
    p.add_argument("--hubness-reduction", choices=method_ids("reduction"),
                   help="also measure hubness after this reduction: " + choices_help("reduction"))
    p.add_argument("--map-max-points", type=int, default=5000, help="most points drawn on the report's map")
    p.add_argument("--words-top", type=_words_top, default=100, metavar="N|all",
                   help="words listed per pair of corpora in words.csv and the report (100; 'all' lists "
                        "every scored word)")
    p.add_argument("--words-min-freq", type=int, default=20, metavar="N",
                   help="least occurrences in both corpora for a word to be scored (20; at least 2)")
    p.add_argument("--words-method", default="auto", choices=method_ids("word_method"),
                   help="word shift method: " + choices_help("word_method") + " (default: auto)")
    p.add_argument("--vectors", nargs="+", metavar="NPY",
                   help="precomputed embeddings: one .npy per input file, rows matching the file's rows")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")
    p.add_argument("--include-embeddings", action="store_true",
                   help="save an analysis bundle DIR/analysis.zip with the embeddings in it")
    p.add_argument("--bundle", action="store_true", help="save an analysis bundle DIR/analysis.zip")
    p.add_argument("--static-charts", action="store_true",
                   help="also embed a static SVG of every chart in report.html (for readers without "
                        "JavaScript; slower, larger file)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or warnings on stderr")
    p.set_defaults(func=run_compare)
    return p


def _words_top(value: str) -> int | None:
    """``--words-top``: a positive integer, or ``all`` (None: every scored word)."""
    if value.strip().lower() == "all":
        return None
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number of words or 'all', got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of words or 'all', got {value!r}")
    return number


class _Bars:
    """One tqdm bar per stage on stderr, fed by the pipeline's progress(stage, done, total, message)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.stage: str | None = None
        self.bar: Any = None

    def __call__(self, stage: str, done: int, total: int, message: str) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(desc=f"{stage:<9}", total=total, file=sys.stderr, dynamic_ncols=True,
                            disable=None, leave=True, unit="step")
        if self.bar.total != total:
            self.bar.total = total
        self.bar.n = done
        self.bar.set_postfix_str(message[:60], refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _read_inputs(args: argparse.Namespace) -> list[tuple[bytes, str, str]]:
    """(bytes, display name, sha256) of every input file; a missing file is a one-line error."""
    out = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            raise CorpusLoadError(f"{name}: no such file", path=name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CorpusLoadError(f"{name}: cannot be read ({exc.strerror})", path=name) from exc
        out.append((data, str(path), hashlib.sha256(data).hexdigest()))
    return out


def _analyses(args: argparse.Namespace) -> tuple[str, ...]:
    analyses = method_ids("analysis")
    chosen = list(args.analyses) if args.analyses else list(analyses)
    for option, names in (("--analyses", chosen), ("--skip", args.skip)):
        bad = [n for n in names if n not in analyses]
        if bad:
            raise ParameterError(f"{option}: unknown {', '.join(map(repr, bad))}; choose from {','.join(analyses)}")
    return tuple(a for a in chosen if a not in set(args.skip))


def build_spec(args: argparse.Namespace) -> Any:
    """Load the corpora named in ``args`` and return the :class:`core.pipeline.Analysis` to run."""
    from core.load.read import load_corpora
    from core.pipeline.spec import Analysis

    if len(args.files) < 2:
        raise ParameterError(f"compare needs at least 2 corpus files, got {len(args.files)}")
    if args.vectors is not None and len(args.vectors) != len(args.files):
        raise ParameterError(f"--vectors got {len(args.vectors)} .npy files for {len(args.files)} corpus "
                             "files; give exactly one per corpus, in the same order")
    if args.names is not None and len(args.names) != len(args.files):
        raise ParameterError(f"--names has {len(args.names)} names for {len(args.files)} files")
    if getattr(args, "ray_address", None) and getattr(args, "engine", "local") != "ray":
        raise ParameterError("--ray-address joins a Ray cluster: use it with --engine ray")
    analyses = _analyses(args)
    inputs = _read_inputs(args)
    metadata = list(dict.fromkeys(list(args.label_column) + list(args.label_columns))) or None
    corpora = load_corpora([(data, display) for data, display, _ in inputs], names=args.names,
                           text_column=args.text_column, metadata_columns=metadata, id_column=args.id_column,
                           format=args.format)
    if args.vectors is not None:
        corpora = [c.with_vectors(npy) for c, npy in zip(corpora, args.vectors)]
    return Analysis(corpora=tuple(corpora), model=args.model, precision=args.precision, backend=args.backend,
                    second_model=args.second_model, transforms=tuple(args.transforms),
                    hubness_reduction=args.hubness_reduction, analyses=frozenset(analyses), k=args.k,
                    n_anchors=args.anchors, anchor_method=args.anchor_method, n_permutations=args.permutations,
                    max_test_n=args.max_test_n, map_max_points=args.map_max_points, seed=args.seed,
                    words_top=args.words_top, words_min_freq=args.words_min_freq, words_method=args.words_method,
                    input_sha256=tuple(sha for _, _, sha in inputs), engine=args.engine,
                    ray_address=args.ray_address)


def run_compare(args: argparse.Namespace) -> int:
    """Handler of ``compare``: build the spec, run the pipeline, write the contract; return 0."""
    from core.pipeline.run import run_analysis
    from core.report.contract import write_contract, write_summary

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} exists and is not a folder; choose a folder for the results")
    bars = _Bars(args.quiet)
    from cli.compare_stream import is_stream_request, run_stream

    if is_stream_request(args):  # --engine ray with a folder of files per corpus
        try:
            return run_stream(args, bars)
        finally:
            bars.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            spec = build_spec(args)
            cache = False if args.no_cache else None
            result = run_analysis(spec, cache=cache, progress=bars)
        finally:
            bars.close()
    options = {key: value for key, value in vars(args).items() if key not in ("func", "command")}
    result = dataclasses.replace(result, manifest={**result.manifest, "command_line_options": options})
    # the run's own notes are in the result already (run_analysis collects them); what loading the
    # files warned (a decoding fallback) joins them, so report.html, manifest.json and the bundle say it
    result = result.with_notes(str(w.message) for w in caught if issubclass(w.category, CorpusCompassWarning))
    if not args.quiet:
        others = (" ".join(str(w.message).split()) for w in caught
                  if not issubclass(w.category, CorpusCompassWarning))
        for text in dict.fromkeys([*result.notes, *others]):
            print(f"corpus-compass compare: warning: {text}", file=sys.stderr)
    started = time.perf_counter()
    written = write_contract(result, out, summary=False,
                             report_kwargs={"static_fallback": bool(args.static_charts)})
    # the time spent writing is part of the run: summary.json (written once, last) and the bundle say so
    result = dataclasses.replace(result, timings={**result.timings,
                                                  "write": round(time.perf_counter() - started, 4)})
    written["summary.json"] = write_summary(result, out)
    if args.bundle or args.include_embeddings:
        written["analysis.zip"] = result.to_bundle(out / "analysis.zip", include_embeddings=args.include_embeddings,
                                                   overwrite=True)
    names = ", ".join(sorted(written))
    print(f"wrote {names} to {out}")
    return 0
