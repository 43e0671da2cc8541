"""The public catalogue: every name in ``core.__all__`` resolves, and importing ``core`` is light."""

from __future__ import annotations

import subprocess
import sys

import core


def test_every_public_name_resolves() -> None:
    missing = [name for name in core.__all__ if name != "__version__" and getattr(core, name, None) is None]
    assert missing == []


def test_public_names_come_from_their_modules() -> None:
    assert core.load_corpus.__module__ == "core.corpus"
    assert core.depth_rank_sum_test.__module__ == "core.analysis.depth"
    assert core.run_analysis.__module__.startswith("core.pipeline")


def test_importing_core_loads_no_heavy_library() -> None:
    code = ("import sys, core; core.load_corpus; "
            "print(sorted(m for m in ('torch', 'streamlit', 'faiss', 'umap', 'sentence_transformers') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
