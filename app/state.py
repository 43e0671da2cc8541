"""The one module that owns the dashboard's session-state keys.

Pages never use string keys of ``st.session_state`` directly: they call these accessors, so the
shape of what a session holds is written down in one place. (Widget ``key=`` arguments are local to
the page that draws the widget and are not read anywhere else.)
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

import streamlit as st

# name -> Corpus, in the order the user loaded them
CORPORA = "cc_corpora"
# list of (file name, message) of uploads that failed, shown until dismissed
LOAD_ERRORS = "cc_load_errors"
# name -> SHA-256 of the uploaded file's bytes (for the manifest; samples are hashed from their path)
INPUT_HASHES = "cc_input_hashes"
# upload file id -> name of the corpus it was added as (so an added file is not offered again)
ADDED_UPLOADS = "cc_added_uploads"
# the last AnalysisResult computed in this session (or opened from a shared link / bundle)
RESULT = "cc_result"
# random token that changes whenever RESULT changes: the key of cached exports of the result
RESULT_TOKEN = "cc_result_token"
# the settings (a dict) the current RESULT was computed with, shown on the Embed page
RESULT_SETTINGS = "cc_result_settings"
# the analysis id when the session shows a shared, read-only analysis
SHARED_ID = "cc_shared_id"
# where a read-only analysis came from ("a shared link", "the bundle x.zip", ...); None = not read-only
SHARED_SOURCE = "cc_shared_source"
# the session's own result, kept aside while a read-only analysis is shown
OWN_RESULT = "cc_own_result"
# whether the bundled samples were pre-loaded already (so removing them sticks)
PRELOADED = "cc_preloaded"
# the id of the last "Save and share" of this session's result (so the link stays on screen)
SAVED_ID = "cc_saved_id"
# the expiry chosen for that save ("30 days", ...), shown with its link
SAVED_EXPIRY = "cc_saved_expiry"
# a problem met while opening what the server was started with (CORPUS_COMPASS_OPEN_BUNDLE)
STARTUP_ERROR = "cc_startup_error"
# True right after a shared analysis was opened: the start page then forwards to its verdict
LANDING = "cc_landing"
# a confirmation to show once on the next run (set just before st.rerun())
FLASH = "cc_flash"
# a message about the last analysis run that ended without a result (cancelled, failed)
RUN_MESSAGE = "cc_run_message"
# corpus name -> (file name, bytes) of an uploaded file, so that its columns can be changed after loading
UPLOADED = "cc_uploaded"
# the settings (a dict, like RESULT_SETTINGS) the Embed page showed last
CURRENT_SETTINGS = "cc_current_settings"
# settings to run again at once on the Embed page (set by "Rerun" on a results page)
RERUN = "cc_rerun"


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


def replace_corpus(name: str, corpus: Any) -> None:
    """Put a changed version of a loaded corpus (e.g. with precomputed vectors) under its name."""
    corpora()[name] = corpus


def remove_corpus(name: str) -> None:
    corpora().pop(name, None)
    input_hashes().pop(name, None)
    uploaded().pop(name, None)


def uploaded() -> dict[str, tuple[str, bytes]]:
    """Corpus name -> (file name, bytes) of the uploaded file it was read from."""
    return st.session_state.setdefault(UPLOADED, {})


def current_settings() -> dict[str, Any] | None:
    """The settings the Embed page showed last (None before it was opened)."""
    return st.session_state.get(CURRENT_SETTINGS)


def set_current_settings(value: dict[str, Any]) -> None:
    st.session_state[CURRENT_SETTINGS] = value


def request_rerun(settings: dict[str, Any]) -> None:
    """Ask the Embed page to run the analysis again with ``settings`` on the loaded corpora."""
    st.session_state[RERUN] = dict(settings)


def pop_rerun() -> dict[str, Any] | None:
    """The settings of a requested rerun, once (None afterwards)."""
    return st.session_state.pop(RERUN, None)


def added_uploads() -> dict[str, str]:
    """Upload file id -> the corpus name it was added under."""
    return st.session_state.setdefault(ADDED_UPLOADS, {})


def input_hashes() -> dict[str, str]:
    """Corpus name -> SHA-256 of the uploaded file it was read from."""
    return st.session_state.setdefault(INPUT_HASHES, {})


def load_errors() -> list[tuple[str, str]]:
    return st.session_state.setdefault(LOAD_ERRORS, [])


def result() -> Any | None:
    return st.session_state.get(RESULT)


def set_result(value: Any | None, *, settings: dict[str, Any] | None = None) -> None:
    """Make ``value`` the session's analysis; ``settings`` records what produced it."""
    st.session_state[RESULT] = value
    st.session_state[RESULT_TOKEN] = secrets.token_hex(8) if value is not None else None
    st.session_state[RESULT_SETTINGS] = settings
    st.session_state[SAVED_ID] = None


def result_notes() -> list[str]:
    """The warnings the methods gave while computing the current result (stored in the result, so a
    shared or uploaded analysis shows its own)."""
    value = result()
    return list(getattr(value, "notes", None) or [])


def result_token() -> str | None:
    """A token that identifies the current result (changes with every new result)."""
    return st.session_state.get(RESULT_TOKEN)


def result_settings() -> dict[str, Any] | None:
    return st.session_state.get(RESULT_SETTINGS)


def shared_id() -> str | None:
    return st.session_state.get(SHARED_ID)


def set_shared_id(value: str | None) -> None:
    st.session_state[SHARED_ID] = value


def open_read_only(value: Any, *, source: str, analysis_id: str | None = None) -> None:
    """Show ``value`` read-only (a shared link, an uploaded bundle or a bundle given at start).

    The session's own result is put aside, not lost: :func:`close_read_only` brings it back.
    """
    if not read_only():
        st.session_state[OWN_RESULT] = result()
    set_result(value)
    st.session_state[SHARED_ID] = analysis_id
    st.session_state[SHARED_SOURCE] = source


def close_read_only() -> None:
    """Leave the read-only view: the session gets back the analysis it had before (if any)."""
    set_result(st.session_state.pop(OWN_RESULT, None))
    st.session_state[SHARED_ID] = None
    st.session_state[SHARED_SOURCE] = None


def shared_source() -> str | None:
    return st.session_state.get(SHARED_SOURCE)


def read_only() -> bool:
    """True when the session shows a shared analysis: nothing may be changed or recomputed."""
    return st.session_state.get(SHARED_SOURCE) is not None or st.session_state.get(SHARED_ID) is not None


def saved_id() -> str | None:
    return st.session_state.get(SAVED_ID)


def set_saved_id(value: str | None) -> None:
    st.session_state[SAVED_ID] = value


def run_message() -> tuple[str, str] | None:
    """(kind, text) about the last run that gave no result; kind is "warning" or "error"."""
    return st.session_state.get(RUN_MESSAGE)


def set_run_message(value: tuple[str, str] | None) -> None:
    st.session_state[RUN_MESSAGE] = value


def saved_expiry() -> str | None:
    return st.session_state.get(SAVED_EXPIRY)


def set_saved_expiry(value: str | None) -> None:
    st.session_state[SAVED_EXPIRY] = value


def startup_error() -> str | None:
    return st.session_state.get(STARTUP_ERROR)


def set_startup_error(value: str | None) -> None:
    st.session_state[STARTUP_ERROR] = value


def landing() -> bool:
    return bool(st.session_state.get(LANDING))


def set_landing(value: bool) -> None:
    st.session_state[LANDING] = value


def set_flash(message: str) -> None:
    st.session_state[FLASH] = message


def pop_flash() -> str | None:
    """The confirmation set before the last rerun, once (None afterwards)."""
    return st.session_state.pop(FLASH, None)


def once(key: str) -> bool:
    """True the first time it is called with ``key`` in this session, False afterwards."""
    flag = f"cc_once_{key}"
    if st.session_state.get(flag):
        return False
    st.session_state[flag] = True
    return True
