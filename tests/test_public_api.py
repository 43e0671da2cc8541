"""The public catalogue: every name in ``core.__all__`` resolves, and importing ``core`` is light."""

from __future__ import annotations

import subprocess
import sys

import core


def test_every_public_name_resolves() -> None:
    missing = [name for name in core.__all__ if name != "__version__" and getattr(core, name, None) is None]
    assert missing == []


def test_public_names_come_from_their_modules() -> None:
    assert core.load_corpus.__module__ == "core.load.read"
    assert core.depth_rank_sum_test.__module__ == "core.analysis.depth"
    assert core.run_analysis.__module__.startswith("core.pipeline")


def test_importing_core_loads_no_heavy_library() -> None:
    code = ("import sys, core; core.load_corpus; "
            "print(sorted(m for m in ('torch', 'streamlit', 'faiss', 'umap', 'sentence_transformers') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_module_public_name_is_in_the_catalogue() -> None:
    import importlib
    import pkgutil

    # every public class and function of a public module; constants (UPPER_CASE) stay in their module,
    # the command-line handlers in theirs, and word2vec's building blocks in core.analysis.shift.w2v
    missing = []
    for info in pkgutil.walk_packages(core.__path__, "core."):
        if any(part.startswith("_") for part in info.name.split(".")) or info.name.endswith(("cli", ".w2v")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            if not name.isupper() and name not in core.__all__:
                missing.append(f"{info.name}.{name}")
    assert missing == []
