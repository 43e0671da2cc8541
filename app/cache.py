"""The only ``st.cache_*`` wrappers of the dashboard.

``cache_resource`` holds shared, unpicklable objects (the embedding model); ``cache_data`` holds data
keyed by its content (a parsed upload is keyed by its bytes, so the same file uploaded twice is
parsed once).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.corpus import load_corpus
from core.samples import list_samples


@st.cache_resource(show_spinner="Loading the embedding model…", max_entries=4)
def embedder(model: str = "default", precision: str = "auto") -> Any:
    from core.embed import load_embedder

    return load_embedder(model, precision=precision)


@st.cache_data(show_spinner=False, max_entries=64)
def parse_upload(data: bytes, filename: str, text_column: str | None = None,
                 metadata_columns: tuple[str, ...] | None = None) -> Any:
    """Parse uploaded bytes into a Corpus. Errors propagate (they are not cached)."""
    return load_corpus(data, filename=filename, text_column=text_column,
                       metadata_columns=list(metadata_columns) if metadata_columns is not None else None)


@st.cache_data(show_spinner=False)
def samples() -> list[Any]:
    return list_samples()


@st.cache_data(show_spinner="Loading the sample corpora…")
def load_sample(name: str) -> Any:
    sample = next(s for s in list_samples() if s.name == name)
    return load_corpus(sample.path, text_column=sample.text_column, name=sample.name,
                       metadata_columns=[sample.label_column] if sample.label_column else None)


@st.cache_data(show_spinner=False, max_entries=64)
def corpus_stats(_corpus: Any, key: str) -> Any:
    """``CorpusStats`` of a corpus; ``key`` (name + content hash) is what the cache keys on."""
    return _corpus.stats()
