"""Entry point of the dashboard: page config, navigation, sidebar. ``streamlit run app/main.py``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# `streamlit run app/main.py` puts app/ on sys.path, not the repository root that holds `app` and `core`
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from app import cache, state  # noqa: E402
from app.text import md  # noqa: E402

st.set_page_config(page_title="Corpus Compass", page_icon="🧭", layout="wide")

if os.environ.get("CORPUS_COMPASS_PRELOAD_SAMPLES") == "1" and state.once("preload_samples"):
    for sample in cache.samples():
        if sample.name not in state.corpora():
            state.add_corpus(cache.load_sample(sample.name))

PAGES = [
    st.Page("views/data.py", title="Data", icon=":material/database:", default=True),
]

page = st.navigation(PAGES)

page.run()

with st.sidebar:
    st.markdown("### Corpus Compass")
    loaded = state.corpora()
    if loaded:
        st.caption("Loaded corpora")
        for name, corpus in loaded.items():
            st.markdown(f"- {md(name)} · {len(corpus):,} documents")
    else:
        st.caption("No corpora loaded yet.")

