"""Helpers of the reliability and security suite, imported by its tests and its conftest.

- :func:`record_writes`: a context manager that records every file-system write the current thread
  makes (through Python's audit hooks: ``open`` for writing, rename/replace, remove, mkdir, symlink,
  rmtree, ...), so tests can assert that a loader writes nothing and a bundle writer writes only
  inside its target folder.
- :data:`HOSTILE`: HTML/JavaScript payloads that must stay inert wherever user text is shown.
- :func:`count_example`: a tally of the property-based examples that ran (printed by the conftest).
- :class:`PageGuard`: fails on browser dialogs, records and blocks unexpected requests.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from tests.chromium import CHROMIUM, CHROMIUM_ARGS, browser_unavailable  # noqa: F401 (re-exported)

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"

# Payloads that would run script, load a resource or inject markup if any renderer failed to escape
# them. Every one carries a marker so a test can check it arrived as literal text.
HOSTILE = (
    "<script>alert('cc-xss-1')</script>",
    "<img src=x onerror=alert('cc-xss-2')>",
    "\"><svg onload=alert('cc-xss-3')>",
    "</script><script>alert('cc-xss-4')</script>",
    "<iframe src=\"javascript:alert('cc-xss-5')\"></iframe>",
    "[cc-xss-6](javascript:alert(6)) **bold** <b>b</b>",
    "<a href=\"https://example.invalid/cc-xss-7\">link</a><!--",
    "=HYPERLINK(\"https://example.invalid/cc-xss-8\",\"x\")",
    "<style>body{background:url(https://example.invalid/cc-xss-9)}</style>",
    "\u2028'});alert('cc-xss-10');//",
)
HOSTILE_NAME = "<img src=x onerror=alert('cc-name')>"
HOSTILE_COLUMN = "<script>alert('cc-col')</script>"
HOSTILE_FILENAME = "<svg onload=alert('cc-file')>.csv"


# --------------------------------------------------------------------------------- write auditing

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_EVENTS = {
    "os.remove": 1, "os.rmdir": 1, "os.mkdir": 1, "os.truncate": 1, "os.chmod": 1, "os.chown": 1,
    "os.utime": 1, "shutil.rmtree": 1, "os.link": 2, "os.symlink": 2, "os.rename": 2, "shutil.move": 2,
    "shutil.copyfile": 2, "os.replace": 2,
}
_recorders: list[tuple[int, list[tuple[str, str]]]] = []
_lock = threading.Lock()


def _audit(event: str, args: tuple) -> None:
    if not _recorders:
        return
    paths: list = []
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writing and path is not None and not isinstance(path, int):
            paths = [path]
    elif event in _PATH_EVENTS:
        paths = [a for a in args[: _PATH_EVENTS[event]] if a is not None and not isinstance(a, int)]
    if not paths:
        return
    me = threading.get_ident()
    with _lock:
        for ident, log in _recorders:
            if ident == me:
                log.extend((event, os.fsdecode(p)) for p in paths)


sys.addaudithook(_audit)


@contextlib.contextmanager
def record_writes() -> Iterator[list[tuple[str, str]]]:
    """Record (event, path) of every write made by the current thread inside the block."""
    log: list[tuple[str, str]] = []
    entry = (threading.get_ident(), log)
    with _lock:
        _recorders.append(entry)
    try:
        yield log
    finally:
        with _lock:
            _recorders.remove(entry)


def outside(writes: list[tuple[str, str]], folder: Path) -> list[tuple[str, str]]:
    """The recorded writes whose path does not lie inside ``folder`` (after resolving links)."""
    root = Path(os.path.realpath(folder))
    bad = []
    for event, path in writes:
        real = Path(os.path.realpath(os.path.abspath(path)))
        if real != root and root not in real.parents:
            bad.append((event, path))
    return bad


# ------------------------------------------------------------------------------ fuzz bookkeeping

FUZZ_EXAMPLES: Counter = Counter()


def count_example(target: str) -> None:
    """Tally one property-based example of ``target`` (reported at the end of the session)."""
    FUZZ_EXAMPLES[target] += 1



# ----------------------------------------------------------------------------------------- browser




class PageGuard:
    """Fails the test on any dialog (alert/confirm/prompt) and records and blocks every request
    that is not for ``allowed`` URLs (prefix match)."""

    def __init__(self, page, allowed: tuple[str, ...]) -> None:
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.allowed = allowed

        def route(r) -> None:
            url = r.request.url
            self.requests.append(url)
            if url.startswith(self.allowed):
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        page.route("**/*", route)
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))


# ------------------------------------------------------------------------------------------ models


def build_tiny_model(folder: Path, *, hidden: int = 16) -> Path:
    """A 1-layer random BERT with a 36-word vocabulary, saved as a sentence-transformers model with
    safetensors weights (seeded, so every build has the same weights)."""
    import shutil
    import warnings

    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # older releases
        from sentence_transformers.models import Normalize, Pooling, Transformer

    torch.manual_seed(0)
    raw = folder.parent / (folder.name + "-raw")
    raw.mkdir(parents=True)
    words = ["the", "a", "man", "is", "eating", "food", "bread", "game", "engine", "player", "music",
             "library", "data", "python", "open", "file", "network", "cat", "dog", "red", "blue",
             "green", "fast", "slow", "big", "small", "new", "old", "script", "alert"]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", *words]
    (raw / "vocab.txt").write_text("\n".join(vocab))
    tokenizer = BertTokenizerFast(vocab=str(raw / "vocab.txt"))  # transformers >= 5
    if len(tokenizer) != len(vocab):  # transformers 4 calls it vocab_file
        tokenizer = BertTokenizerFast(vocab_file=str(raw / "vocab.txt"))
    tokenizer.save_pretrained(raw)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64)
    BertModel(config).save_pretrained(raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        transformer = Transformer(str(raw), max_seq_length=32)
        model = SentenceTransformer(modules=[transformer, Pooling(hidden, "mean"), Normalize()], device="cpu")
        model.save(str(folder))
    shutil.rmtree(raw)
    return folder


#: lines about the load test (sessions, time, peak memory), printed at the end of the session
LOAD_REPORT: list[str] = []


def tiny_result(**fields):
    """A two-corpus AnalysisResult of one document each (``fields`` add or replace attributes), for
    tests that forge or tamper with analysis bundles."""
    from core.results.result import AnalysisResult, make_table

    corpora = make_table("corpora", [
        {"corpus": c, "n_documents": 1, "source": f"{c}.csv", "sha256": "0" * 64, "fingerprint": "f",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0} for c in ("a", "b")])
    documents = make_table("documents", [
        {"corpus": c, "doc_id": "1", "text": f"text of {c}", "depth": 1.0, "umap_x": 0.0, "umap_y": 1.0,
         "k_occurrence": 1.0, "classifier_prob": 0.5} for c in ("a", "b")])
    return AnalysisResult(**{"corpora": corpora, "documents": documents, "manifest": {"created": "x"}, **fields})
