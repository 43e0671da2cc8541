"""The ``corpus-compass`` command line.

Sub-commands: ``stats`` (corpus statistics), ``embed`` (vectors to .npy), ``compare`` (the whole
pipeline, writing the report files described in README.md), ``serve`` (the dashboard; ``--viewer``:
only shows saved analyses by link), ``open`` (view a saved analysis bundle in the dashboard) and
``store`` (add, list, delete and prune saved analyses: see :mod:`cli.store`). Every failure ends
with a one-line reason on stderr and a non-zero exit code: 2 for bad input or parameters, 1 for
anything unexpected.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cli.store import add_store_parser
from core.exceptions import CorpusCompassError, ParameterError
from core.methods import choices_help, method_ids

VIEWER_ENV = "CORPUS_COMPASS_VIEWER"

EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT = 0, 1, 2


def _progress_bar(description: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr driven by ``progress(done, total)`` callbacks; returns (callback, close)."""
    from tqdm import tqdm

    bar = tqdm(desc=description, unit="doc", file=sys.stderr, dynamic_ncols=True, disable=None)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def _load_kwargs(args: argparse.Namespace) -> dict:
    return {"text_column": args.text_column, "format": args.format}


def _cmd_stats(args: argparse.Namespace) -> int:
    from core.load.read import load_corpus

    rows, failures = [], []
    for path in args.files:
        # one unreadable file must not hide the statistics of the others
        try:
            corpus = load_corpus(path, **_load_kwargs(args))
        except CorpusCompassError as exc:
            failures.append(str(exc))
            continue
        rows.append((corpus, corpus.stats().to_dict(), corpus.report))
    status = _print_stats(rows, as_json=args.json)
    for message in failures:
        print(f"corpus-compass stats: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT if failures else status


def _print_stats(rows: list, *, as_json: bool) -> int:
    if as_json:
        out = [{"name": c.name, "load_report": _jsonable(r), "stats": _jsonable(s)} for c, s, r in rows]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return EXIT_OK
    for corpus, stats, report in rows:
        lengths = stats["tokens_per_document"]
        print(f"{corpus.name}  ({report.filename})")
        print(f"  documents        {stats['n_documents']:>10,}")
        print(f"  tokens           {stats['n_tokens']:>10,}")
        print(f"  vocabulary       {stats['vocabulary_size']:>10,}")
        print(f"  tokens/document  min {lengths['min']:g}, median {lengths['median']:g}, "
              f"mean {lengths['mean']:.1f}, p95 {lengths['p95']:g}, max {lengths['max']:g}")
        print(f"  removed          {report.n_empty_removed:,} empty, {report.n_duplicates_removed:,} duplicate rows")
        print(f"  text column      {report.text_column}" + (" (inferred)" if report.text_column_inferred else ""))
        print(f"  encoding         {report.encoding}" + (f" (fallback: {report.encoding_message})"
                                                          if report.encoding_fallback else ""))
        if stats["zipf"]["exponent"] is not None:
            print(f"  Zipf exponent    {stats['zipf']['exponent']:.3f}")
        top = ", ".join(f"{w} ({n})" for w, n in stats["top_words"][:10])
        print(f"  top words        {top}")
    return EXIT_OK


def _jsonable(value):
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    return json.loads(json.dumps(value, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))


def _cmd_embed(args: argparse.Namespace) -> int:
    import numpy as np

    from core.embed.cache import EmbeddingCache, embed_texts
    from core.embed.factory import load_embedder
    from core.fileio import atomic_path
    from core.load.read import load_corpus

    corpus = load_corpus(args.file, **_load_kwargs(args))
    embedder = load_embedder(args.model, precision=args.precision)
    cache = False if args.no_cache else EmbeddingCache()
    update, close = _progress_bar(f"embedding {corpus.name}")
    try:
        vectors = embed_texts(list(corpus.texts), embedder, cache=cache, batch_size=args.batch_size,
                              progress=update)
    finally:
        close()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out, suffix=".npy") as tmp:
        np.save(tmp, vectors, allow_pickle=False)
    ids_path = out.with_suffix(".ids.txt")
    ids_path.write_text("\n".join(corpus.ids) + "\n", encoding="utf-8")
    print(f"wrote {out} ({vectors.shape[0]} x {vectors.shape[1]}, model {embedder.name}, "
          f"precision {embedder.precision}) and the document ids to {ids_path}", file=sys.stderr)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    app = Path(__file__).resolve().parent.parent / "app" / "main.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port)]
    if getattr(args, "address", None):
        command += ["--server.address", args.address]
    env = dict(os.environ)
    if getattr(args, "viewer", False):
        if args.samples:
            raise ParameterError("--samples cannot be combined with --viewer: the viewer only shows saved "
                                 "analyses (add them with 'corpus-compass store add BUNDLE')")
        # no upload, no model, no run: app/viewer.py; nothing the authoring dashboard was told to open
        env[VIEWER_ENV] = "1"
        for name in ("CORPUS_COMPASS_PRELOAD_SAMPLES", "CORPUS_COMPASS_OPEN_BUNDLE"):
            env.pop(name, None)
        command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    if args.samples:
        env["CORPUS_COMPASS_PRELOAD_SAMPLES"] = "1"
    if getattr(args, "bundle", None):
        env["CORPUS_COMPASS_OPEN_BUNDLE"] = str(Path(args.bundle).resolve())
    server = subprocess.Popen(command, env=env)
    # a service manager stops the command with SIGTERM: pass it on, so no server is left running
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.wait()  # Ctrl-C reaches the server too (same process group); let it finish
        raise


def _cmd_open(args: argparse.Namespace) -> int:
    from core.results.bundle import read_bundle

    read_bundle(args.bundle)  # validate before starting a server for it
    args.samples = False
    return _cmd_serve(args)


def _add_load_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text-column", help="column holding the text (default: inferred and reported)")
    parser.add_argument("--format", choices=["csv", "tsv", "jsonl", "parquet", "txt", "zip"],
                        help="file format (default: from the extension)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corpus-compass", description="Compare text corpora and their embeddings: statistics, depth tests, hubness, "
                                     "word shift, maps and a self-contained report.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("stats", help="documents, tokens, vocabulary and removed rows of each file")
    p.add_argument("files", nargs="+", metavar="FILE")
    _add_load_options(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_stats)

    p = sub.add_parser("embed", help="embed one corpus and save the vectors as .npy")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--out", required=True, help="output .npy path")
    _add_load_options(p)
    p.add_argument("--model", default="default",
                   help="'default' (bundled all-MiniLM-L6-v2), a local model directory, or a model "
                        "name in the local Hugging Face cache")
    p.add_argument("--precision", default="auto", choices=method_ids("precision"),
                   help=choices_help("precision") + " (default: auto)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--no-cache", action="store_true", help="do not read or write the embedding cache")
    p.set_defaults(func=_cmd_embed)

    try:
        from cli.compare import add_compare_parser
    except ImportError:  # the compare command lives in its own module once the pipeline exists
        pass
    else:
        add_compare_parser(sub)

    p = sub.add_parser("serve", help="start the dashboard")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", help="the address to listen on (default: Streamlit's, all interfaces)")
    p.add_argument("--samples", action="store_true", help="load the bundled sample corpora at start")
    p.add_argument("--viewer", action="store_true",
                   help="viewer only: open saved analyses by link, read-only; no upload, no model, no run")
    p.set_defaults(func=_cmd_serve)

    add_store_parser(sub)

    p = sub.add_parser("open", help="open a saved analysis bundle (.zip or folder) in the dashboard")
    p.add_argument("bundle", metavar="BUNDLE")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=_cmd_open)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "store_command", None):
        args.command = f"{args.command} {args.store_command}"  # "store add: error: ..."
    try:
        return args.func(args)
    except CorpusCompassError as exc:
        print(f"corpus-compass {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileNotFoundError as exc:
        print(f"corpus-compass {args.command}: error: file not found: {exc.filename}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"corpus-compass {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns a crash into a one-line reason
        print(f"corpus-compass {args.command}: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    raise SystemExit(main())
