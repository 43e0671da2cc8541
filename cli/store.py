"""``corpus-compass store``: manage the saved analyses that ``serve --viewer`` (and share links) show.

Sub-commands: ``add BUNDLE [--expires DAYS]`` prints the new id and its link path (``/?analysis=<id>``,
to append to the viewer's address), one per line on stdout; ``list`` prints id, created, expires,
size and corpora of every stored analysis; ``delete ID`` removes one (its link then says *deleted*);
``prune`` removes the expired ones (their links say *expired*). The store is the folder
``$CORPUS_COMPASS_STORE_DIR`` (default: the user data folder), bounded by
``$CORPUS_COMPASS_STORE_MAX_BYTES`` (default 5 GiB). Times are UTC.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from core.exceptions import StoreFullError
from core.results.store import AnalysisStore, link_path
from core.results.store_meta import MAX_BYTES_ENV, StoredAnalysis, format_size

EXIT_OK = 0
_FULL_HINT = (" (see 'corpus-compass store list'; 'corpus-compass store prune' removes the expired "
              f"analyses, 'corpus-compass store delete ID' any other; the limit is {MAX_BYTES_ENV})")


def _printable(text: str) -> str:
    """User text (corpus names) without control characters, which a terminal would interpret."""
    return "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in str(text))


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "never"


def _cmd_add(args: argparse.Namespace) -> int:
    store = AnalysisStore()
    try:
        analysis_id = store.add_bundle(args.bundle, expires_days=args.expires)
    except StoreFullError as exc:
        raise StoreFullError(f"{exc}{_FULL_HINT}", used=exc.used, limit=exc.limit, needed=exc.needed) from exc
    entry = store.check(analysis_id)
    print(analysis_id)
    print(link_path(analysis_id))
    corpora = ", ".join(_printable(c) for c in entry.corpora)
    print(f"added {args.bundle} ({corpora}; {format_size(entry.size)}) to the store {store.root}; "
          f"expires: {_when(entry.expires)}. Open it at the viewer's address followed by "
          f"{link_path(analysis_id)}", file=sys.stderr)
    return EXIT_OK


def _row(entry: StoredAnalysis) -> list[str]:
    expires = _when(entry.expires) + (" (expired)" if entry.is_expired() else "")
    return [entry.id, _when(entry.created), expires, format_size(entry.size),
            ", ".join(_printable(c) for c in entry.corpora) or "-"]


def _cmd_list(args: argparse.Namespace) -> int:
    store = AnalysisStore()
    entries = store.entries()
    if args.json:
        print(json.dumps([{**e.to_dict(), "expired": e.is_expired(), "link": link_path(e.id)} for e in entries],
                         indent=2, ensure_ascii=False))
    elif entries:
        rows = [["ID", "CREATED", "EXPIRES", "SIZE", "CORPORA"]] + [_row(e) for e in entries]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths)) + "  " + r[4])
    used = sum(e.size for e in entries)
    n_expired = sum(e.is_expired() for e in entries)
    noun = "analysis" if len(entries) == 1 else "analyses"
    print(f"{len(entries)} {noun} in {store.root} ({n_expired} expired), {format_size(used)} of the "
          f"{format_size(store.max_bytes)} limit used", file=sys.stderr)
    return EXIT_OK


def _cmd_delete(args: argparse.Namespace) -> int:
    entry = AnalysisStore().delete(args.id)
    corpora = ", ".join(_printable(c) for c in entry.corpora)
    print(f"deleted {entry.id}{f' ({corpora})' if corpora else ''}: its link now says that it was deleted",
          file=sys.stderr)
    return EXIT_OK


def _cmd_prune(args: argparse.Namespace) -> int:
    removed = AnalysisStore().prune()
    for entry in removed:
        print(entry.id)
    print(f"removed {len(removed)} expired {'analysis' if len(removed) == 1 else 'analyses'}; their links "
          "now say that they expired", file=sys.stderr)
    return EXIT_OK


def _days(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--expires takes a number of days, got {text!r}") from None


def add_store_parser(sub: Any) -> None:
    """Register ``store add|list|delete|prune`` on the main parser's sub-commands."""
    p = sub.add_parser("store", help="add, list, delete and prune the saved analyses shown by share links",
                       description="Manage the saved analyses that serve --viewer (and share links) show.")
    store_sub = p.add_subparsers(dest="store_command", required=True, metavar="ACTION")

    q = store_sub.add_parser("add", help="add an analysis bundle; prints its id and link path")
    q.add_argument("bundle", metavar="BUNDLE", help="an analysis bundle: a .zip file or a bundle folder")
    q.add_argument("--expires", type=_days, metavar="DAYS",
                   help="the link stops working after this many days (default: kept until deleted)")
    q.set_defaults(func=_cmd_add)

    q = store_sub.add_parser("list", help="id, created, expires, size and corpora of every stored analysis")
    q.add_argument("--json", action="store_true", help="print JSON instead of a table")
    q.set_defaults(func=_cmd_list)

    q = store_sub.add_parser("delete", help="delete one analysis (its link then says that it was deleted)")
    q.add_argument("id", metavar="ID")
    q.set_defaults(func=_cmd_delete)

    q = store_sub.add_parser("prune", help="delete every expired analysis")
    q.set_defaults(func=_cmd_prune)
