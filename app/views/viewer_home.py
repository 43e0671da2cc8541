"""Landing page of the viewer (``corpus-compass serve --viewer``) when no analysis link was opened:
what the server is, how to open an analysis; it lists nothing."""

from __future__ import annotations

import streamlit as st

from app.viewer import LANDING_TEXT, LANDING_TITLE

st.title(LANDING_TITLE)
st.markdown(LANDING_TEXT)
