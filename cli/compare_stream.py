"""``corpus-compass compare --engine ray DIR DIR ...``: corpora larger than memory, one folder each.

Runs :func:`core.pipeline.stream.stream_compare` and writes, into ``--out``:

- ``documents/`` Parquet files, one row per document (written by the Ray workers): corpus, id,
  position, depth in its own corpus and in every other;
- ``tests.csv`` (depth rank-sum tests both ways, MMD, energy, classifier; Holm-adjusted p-values),
  ``spread.csv``, ``zipf.csv`` (spreadsheet-safe CSV);
- ``manifest.json``: inputs, parameters, seeds, model, versions, the cluster, where each pass ran
  and what this path does not run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.exceptions import ParameterError

__all__ = ["is_stream_request", "run_stream"]

_NOT_HERE = ("map", "hubness", "words", "models")


def is_stream_request(args: argparse.Namespace) -> bool:
    """True when ``compare`` was given folders (streaming); an error when files and folders are mixed."""
    dirs = [Path(f).is_dir() for f in args.files]
    if not any(dirs):
        return False
    if not all(dirs):
        raise ParameterError("give either corpus files or corpus folders, not both: a folder of Parquet, "
                             "CSV or JSONL files per corpus is read piece by piece with --engine ray")
    if getattr(args, "engine", "local") != "ray":
        raise ParameterError(f"{args.files[dirs.index(True)]} is a folder: a folder of files per corpus "
                             "is read with --engine ray")
    return True


def run_stream(args: argparse.Namespace, progress) -> int:
    """Handler of ``compare --engine ray`` with folders; returns 0."""
    from core.pipeline.stream import STREAM_ANALYSES, stream_compare
    from core.report.tables import safe_csv

    if args.vectors is not None or args.second_model or args.transforms or args.hubness_reduction:
        raise ParameterError("--vectors, --second-model, --transforms and --hubness-reduction need the "
                             "corpora in memory: give corpus files instead of folders")
    if len(args.files) < 2:
        raise ParameterError(f"compare needs at least 2 corpus folders, got {len(args.files)}")
    names = args.names or [Path(f).name for f in args.files]
    if args.names is not None and len(args.names) != len(args.files):
        raise ParameterError(f"--names has {len(args.names)} names for {len(args.files)} folders")
    if len(set(names)) != len(names):
        raise ParameterError(f"the folders have the same name ({', '.join(names)}): name the corpora with --names")
    chosen = set(args.analyses or STREAM_ANALYSES) - set(args.skip)
    analyses = tuple(a for a in STREAM_ANALYSES if a in chosen or a == "zipf")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} exists and is not a folder; choose a folder for the results")
    result = stream_compare(dict(zip(names, args.files)), out, model=args.model, precision=args.precision,
                            backend=args.backend, text_column=args.text_column or "text",
                            id_column=args.id_column, cache=False if args.no_cache else None, analyses=analyses,
                            n_permutations=args.permutations, max_test_n=args.max_test_n, seed=args.seed,
                            ray_address=args.ray_address, progress=progress)
    progress.close()
    safe_csv(result.tests, out / "tests.csv")
    safe_csv(result.spread, out / "spread.csv")
    safe_csv(result.zipf, out / "zipf.csv")
    manifest = {**result.manifest, "timings": result.timings,
                "command_line_options": {k: v for k, v in vars(args).items() if k not in ("func", "command")}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    skipped = sorted(set(args.analyses or _NOT_HERE) & set(_NOT_HERE) - set(args.skip))
    if skipped and not args.quiet:
        print(f"corpus-compass compare: note: with folders, {', '.join(skipped)} are not run (they need every "
              "document in memory at once; see manifest.json)", file=sys.stderr)
    print(f"wrote documents/, manifest.json, spread.csv, tests.csv, zipf.csv to {out}")
    return 0
