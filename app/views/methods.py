"""Methods page: the project's methods documentation (docs/methods.md), shown inside the dashboard."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

DOC = Path(__file__).resolve().parents[2] / "docs" / "methods.md"

try:
    text = DOC.read_text(encoding="utf-8")
except OSError:
    st.title("Methods")
    st.error("The methods documentation is missing from this installation.")
    st.stop()
st.markdown(text)
