"""Rendering user text safely in Streamlit markdown.

Streamlit never renders raw HTML from markdown unless asked to (we never ask), but markdown itself
would still turn a corpus named ``[click](javascript:…)`` or ``**x**`` into a link or bold text.
Every user-provided string that goes into ``st.markdown`` passes through :func:`md`.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """Escape ``text`` so that markdown shows it literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")
