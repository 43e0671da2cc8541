"""The one module that owns the dashboard's session-state keys.

Pages never use string keys of ``st.session_state`` directly: they call these accessors, so the
shape of what a session holds is written down in one place.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

# name -> Corpus, in the order the user loaded them
CORPORA = "cc_corpora"
# list of (file name, message) of uploads that failed, shown until dismissed
LOAD_ERRORS = "cc_load_errors"
# the last AnalysisResult computed in this session (or opened from a shared link / bundle)
RESULT = "cc_result"
# the analysis id when the session shows a shared, read-only analysis
SHARED_ID = "cc_shared_id"
# whether the bundled samples were pre-loaded already (so removing them sticks)
PRELOADED = "cc_preloaded"


def corpora() -> dict[str, Any]:
    """The loaded corpora, name -> Corpus (mutable dict owned by the session)."""
    return st.session_state.setdefault(CORPORA, {})


def add_corpus(corpus: Any, *, name: str | None = None) -> str:
    """Add a corpus under a unique name (``name``, ``name (2)``, ...); return the name used."""
    loaded = corpora()
    base = name or corpus.name
    name = base
    i = 2
    while name in loaded:
        name = f"{base} ({i})"
        i += 1
    if name != corpus.name:
        corpus = dataclasses.replace(corpus, name=name)
    loaded[name] = corpus
    return name


def remove_corpus(name: str) -> None:
    corpora().pop(name, None)


def load_errors() -> list[tuple[str, str]]:
    return st.session_state.setdefault(LOAD_ERRORS, [])


def result() -> Any | None:
    return st.session_state.get(RESULT)


def set_result(value: Any | None) -> None:
    st.session_state[RESULT] = value


def shared_id() -> str | None:
    return st.session_state.get(SHARED_ID)


def set_shared_id(value: str | None) -> None:
    st.session_state[SHARED_ID] = value


def read_only() -> bool:
    """True when the session shows a shared analysis: nothing may be changed or recomputed."""
    return st.session_state.get(SHARED_ID) is not None


def once(key: str) -> bool:
    """True the first time it is called with ``key`` in this session, False afterwards."""
    flag = f"cc_once_{key}"
    if st.session_state.get(flag):
        return False
    st.session_state[flag] = True
    return True
