"""The only ``st.cache_*`` wrappers of the dashboard.

``cache_resource`` holds shared, unpicklable or large read-only objects (the embedding model, analyses
opened from the share store); ``cache_data`` holds data keyed by its content (a parsed upload is keyed
by its bytes, so the same file uploaded twice is parsed once). Exports of the session's result are
keyed by the result's token (``state.result_token()``), which changes with every new result.

Embedder injection (for tests and integrations): when the environment variable
``CORPUS_COMPASS_EMBEDDER`` is ``"package.module:factory"``, :func:`embedder` returns ``factory()``
instead of loading a sentence-transformers model, for every model name. The test suite sets it to
``tests.conftest:HashingEmbedder`` (a fast fake) where the model is not what is being tested. Only
whoever starts the server sets environment variables, so this is no wider than ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import streamlit as st

from core.exceptions import AnalysisNotFoundError
from core.load.read import load_corpus
from core.load.samples import list_samples

EMBEDDER_ENV = "CORPUS_COMPASS_EMBEDDER"


def _injected_embedder(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"{EMBEDDER_ENV} must look like 'package.module:factory', got {spec!r}")
    return getattr(importlib.import_module(module), attr)()


@st.cache_resource(show_spinner="Loading the embedding model…", max_entries=4)
def _embedder(model: str, precision: str, backend: str, injected: str) -> Any:
    if injected:
        return _injected_embedder(injected)
    from core.embed.factory import load_embedder

    return load_embedder(model, precision=precision, backend=backend)


def onnx_available() -> bool:
    """Whether the ONNX Runtime backend's optional packages are installed (the 'fast' extra)."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))


def embedder(model: str = "default", precision: str = "auto", backend: str = "auto") -> Any:
    """The embedder for ``model`` (loaded once per process), or the injected one (see module doc).

    Refused (ParameterError) when the operator's allow-list (``CORPUS_COMPASS_MODELS``) does not
    list it: checked before anything touches the file system or the cache.
    """
    from app.viewer import viewer_mode
    from core.embed.policy import allowed_models, check_model_allowed
    from core.exceptions import ModelError

    if viewer_mode():
        raise ModelError("this server only shows saved analyses: it loads no embedding model")
    check_model_allowed(model, allowed_models())
    return _embedder(model, precision, backend, os.environ.get(EMBEDDER_ENV, "").strip())


@st.cache_data(show_spinner="Reading the file…", max_entries=64)
def parse_upload(data: bytes, filename: str, text_column: str | None = None,
                 metadata_columns: tuple[str, ...] | None = None, vector_column: str | None = None) -> Any:
    """Parse uploaded bytes into a Corpus. Errors propagate (they are not cached)."""
    return load_corpus(data, filename=filename, text_column=text_column,
                       metadata_columns=list(metadata_columns) if metadata_columns is not None else None,
                       vector_column=vector_column)


@st.cache_data(show_spinner=False)
def samples() -> list[Any]:
    return list_samples()


@st.cache_data(show_spinner="Loading the sample corpora…")
def load_sample(name: str) -> Any:
    sample = next(s for s in list_samples() if s.name == name)
    return load_corpus(sample.path, text_column=sample.text_column, name=sample.name,
                       metadata_columns=[sample.label_column] if sample.label_column else None)


@st.cache_data(show_spinner="Counting words…", max_entries=64)
def corpus_stats(_corpus: Any, key: str) -> Any:
    """``CorpusStats`` of a corpus; ``key`` (name + content hash) is what the cache keys on."""
    return _corpus.stats()


# ----------------------------------------------------------------------------- read-only analyses


@st.cache_resource(show_spinner="Opening the shared analysis…", max_entries=16, ttl=3600)
def _stored_result(analysis_id: str, root: str) -> Any:
    from core.results.store import AnalysisStore

    return AnalysisStore(root).load(analysis_id)


def stored_result(analysis_id: str) -> Any:
    """A saved analysis from the share store (read from disk once per hour and id).

    Raises ParameterError (malformed id), AnalysisExpiredError, AnalysisDeletedError,
    AnalysisNotFoundError or BundleError.
    """
    from core.results.store import AnalysisStore

    store = AnalysisStore()
    try:
        # malformed, unknown, deleted or expired: raised before the cache is consulted
        store.check(analysis_id)
    except AnalysisNotFoundError:
        _stored_result.clear()  # what is no longer shared does not stay in memory either
        raise
    return _stored_result(analysis_id, str(store.root))


@st.cache_resource(show_spinner="Reading the analysis bundle…", max_entries=4)
def bundle_result(data: bytes) -> Any:
    """An AnalysisResult from the bytes of an uploaded bundle (.zip). Raises BundleError."""
    from core.results.result import AnalysisResult

    return AnalysisResult.from_bundle(data)


@st.cache_resource(show_spinner="Reading the analysis bundle…", max_entries=2)
def bundle_file_result(path: str) -> Any:
    """An AnalysisResult from a bundle on disk (``corpus-compass open BUNDLE``). Raises BundleError."""
    from core.results.result import AnalysisResult

    return AnalysisResult.from_bundle(path)


# ----------------------------------------------------------------------------------------- exports


@st.cache_data(show_spinner="Preparing the CSV file…", max_entries=16)
def csv_export(_result: Any, token: str, table: str) -> bytes:
    """A spreadsheet-safe CSV of one table of the result (``documents``, ``tests``, ``words``, ...);
    ``words`` as the command line writes words.csv (with ``beyond_noise``)."""
    from core.report.tables import safe_csv

    if table == "words":
        from core.report.contract import contract_tables

        return safe_csv(contract_tables(_result)["words"])
    return safe_csv(getattr(_result, table))


@st.cache_data(show_spinner="Preparing the CSV file…", max_entries=8)
def frame_csv(_frame: Any, token: str, name: str) -> bytes:
    """A spreadsheet-safe CSV of a frame derived from the result; ``token`` + ``name`` key it."""
    from core.report.tables import safe_csv

    return safe_csv(_frame)


@st.cache_data(show_spinner="Writing the HTML report…", max_entries=4)
def report_html(_result: Any, token: str) -> bytes:
    """The self-contained HTML report of the result."""
    from core.report.document import render_html_report

    return render_html_report(_result).encode("utf-8")


@st.cache_data(show_spinner="Packing the analysis bundle…", max_entries=4)
def bundle_bytes(_result: Any, token: str) -> bytes:
    """The analysis bundle (.zip) of the result, without embeddings."""
    return _result.to_bundle_bytes()


@st.cache_data(show_spinner=False, max_entries=4)
def manifest_json(_result: Any, token: str) -> bytes:
    import json

    return json.dumps(_result.manifest, indent=2, ensure_ascii=False, default=str).encode("utf-8")


@st.cache_resource(show_spinner="Drawing the map…", max_entries=6)
def map_figure(_frame: Any, token: str, colour: str, tooltip_columns: tuple[str, ...],
               corpus_order: tuple[str, ...]) -> Any:
    """The WebGL map of every document (``core.report.map_webgl.map_figure``); ``token`` + the
    colour key it, so switching pages does not rebuild the hover texts of 100,000 documents."""
    from core.report.map_webgl import map_figure as build

    return build(_frame, color=colour, tooltip_columns=list(tooltip_columns), corpus_order=list(corpus_order))


# ------------------------------------------------------------------------------- text statistics


@st.cache_data(show_spinner="Looking for near-duplicates…", max_entries=16)
def near_duplicates(_corpora: tuple[Any, ...], key: str) -> Any:
    """Near-duplicate clusters over the loaded corpora; ``key`` (names + content hashes) keys it."""
    from core.analysis.duplicates import near_duplicates as find

    corpora = [c.name for c in _corpora for _ in c.texts]
    ids = [d for c in _corpora for d in c.ids]
    texts = [t for c in _corpora for t in c.texts]
    return find(corpora, ids, texts)


@st.cache_data(show_spinner="Finding the distinctive words…", max_entries=16)
def distinctive_words(_corpora: tuple[Any, ...], key: str) -> Any:
    """Distinctive words (weighted log-odds) of each loaded corpus; ``key`` keys it."""
    from core.analysis.distinctive import distinctive_words as find

    return find([c.name for c in _corpora for _ in c.texts], [t for c in _corpora for t in c.texts], top=30)


@st.cache_data(show_spinner="Looking for near-duplicates…", max_entries=8)
def result_duplicates(_result: Any, token: str) -> Any:
    """Near-duplicate clusters among the documents of an analysis result."""
    from core.analysis.duplicates import near_duplicates as find

    docs = _result.documents
    return find(list(docs["corpus"]), list(docs["doc_id"]), list(docs["text"]))


@st.cache_data(show_spinner="Finding the distinctive words…", max_entries=8)
def result_distinctive(_result: Any, token: str, names: tuple[str, ...] | None = None) -> Any:
    """Distinctive words of the corpora of an analysis result (``names``: only these corpora)."""
    from core.report.text_sections import distinctive_table

    docs = _result.documents
    return distinctive_table(docs if names is None else docs[docs["corpus"].isin(names)], top=30)


@st.cache_data(show_spinner="Counting words…", max_entries=8)
def result_stats(_result: Any, token: str) -> list[Any]:
    """``CorpusStats`` of each corpus of an analysis result, from its stored texts (shared views)."""
    from core.load.corpus import Corpus

    docs = _result.documents
    out = []
    for name in _result.corpus_names:
        part = docs[docs["corpus"] == name]
        if len(part):
            out.append(Corpus.from_texts(list(part["text"]), name=name, ids=list(part["doc_id"]),
                                         drop_duplicates=False).stats())
    return out


@st.cache_data(show_spinner=False, ttl=600)
def cached_models() -> list[str]:
    """Sentence-transformers models already in the local Hugging Face cache (names a user can type as a
    second model); empty when the cache cannot be read. Nothing is downloaded."""
    try:
        from huggingface_hub import scan_cache_dir

        info = scan_cache_dir()
    except Exception:  # noqa: BLE001 - no cache, or one the hub client cannot read: no suggestions
        return []
    names = []
    for repo in info.repos:
        if repo.repo_type != "model":
            continue
        files = {f.file_name for rev in repo.revisions for f in rev.files}
        if "modules.json" in files or "sentence_bert_config.json" in files:
            names.append(repo.repo_id)
    return sorted(names)
