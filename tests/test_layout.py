"""The layout rules of STYLE.md: core/ never imports streamlit or prints; app/ does no numerics."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NUMERIC = {"numpy", "scipy", "sklearn", "faiss", "umap", "gensim", "torch", "numba"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _python_files("core"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_streamlit_or_prints(path: Path) -> None:
    assert "streamlit" not in _imports(path), f"{path} imports streamlit"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"]
    # the command line (cli/, beside core/) is the one place that talks to a terminal
    assert not calls, f"{path} calls print() on line {calls[0].lineno}"


@pytest.mark.parametrize("path", _python_files("app"), ids=lambda p: str(p.relative_to(ROOT)))
def test_app_does_no_numerics(path: Path) -> None:
    bad = _imports(path) & NUMERIC
    assert not bad, f"{path} imports {sorted(bad)}: move the computation into core/"
