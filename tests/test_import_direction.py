"""The one-way layout: data flows load → embed → transform → analysis → results → pipeline → report →
cli/app, and no module imports against that direction; no import circle inside ``core/``; at most 8
modules loose at the top of ``core/``; no module over 650 lines.

Imports are read with ``ast`` from the source, function-local imports included (a lazy import is
still a dependency). The rules are described in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Rank of each layer; a module may import modules of its own rank or lower, never higher.
RANKS: dict[str, int] = {
    "core.load": 0,
    "core.embed": 1,
    "core.transform": 2,
    "core.knn": 2,
    "core.analysis": 3,
    "core.results": 4,
    "core.pipeline": 5,
    "core.report": 6,
    "cli": 7,
    "app": 7,
}
#: Shared bottom modules: importable from anywhere; they import only each other.
BOTTOM = {"core", "core.exceptions", "core.validation", "core.fileio", "core.methods"}
MAX_LOOSE = 8
MAX_LINES = 650


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


MODULES = {_module_name(p): p for p in _sources("core", "cli", "app")}


def _resolve(name: str) -> str | None:
    """The project module an imported dotted name refers to (the longest known prefix), or None."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import of a project module in ``path``, function-local ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # "from core.pipeline import stages" imports the submodule core.pipeline.stages
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            module = _resolve(target)
            if module is not None:
                found.append((node.lineno, module))
    return found


def rank(module: str) -> int | None:
    """The layer rank of a module (None for the shared bottom modules)."""
    if module in BOTTOM:
        return None
    for prefix, value in sorted(RANKS.items(), key=lambda item: -len(item[0])):
        if module == prefix or module.startswith(prefix + "."):
            return value
    raise AssertionError(f"{module} belongs to no layer: add it to RANKS or BOTTOM in {Path(__file__).name}")


def test_every_module_belongs_to_a_layer() -> None:
    for module in MODULES:
        rank(module)  # raises for a module outside every layer


@pytest.mark.parametrize("module", sorted(MODULES), ids=str)
def test_no_import_against_the_flow(module: str) -> None:
    own = rank(module)
    wrong = []
    for line, target in imports_of(MODULES[module]):
        other = rank(target)
        if module in BOTTOM:
            if target not in BOTTOM:
                wrong.append(f"line {line}: {target} (a shared bottom module imports only other bottom modules)")
        elif other is not None and other > own:
            wrong.append(f"line {line}: {target} (layer {other} > {own})")
    assert wrong == [], f"{module} imports against the flow: " + "; ".join(wrong)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def core_graph() -> dict[str, set[str]]:
    """Import edges between ``core`` modules; a module importing a package also depends on its
    ``__init__``, so a module that imports its own package's ``__init__`` closes a circle."""
    return {m: {t for _, t in imports_of(p) if t.startswith("core") and t != "core"}
            for m, p in MODULES.items() if m.startswith("core")}


def test_no_import_circle_in_core() -> None:
    assert _circles(core_graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"a"}}) == [["a"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_imports_are_read_inside_functions(tmp_path: Path) -> None:
    # the lazy import inside a function counts as much as one at the top
    found = imports_of(ROOT / "core" / "pipeline" / "stages.py")
    assert any(target.startswith("core.analysis.") for _, target in found)


def test_few_modules_loose_at_the_top_of_core() -> None:
    loose = sorted(p.name for p in (ROOT / "core").glob("*.py") if p.name != "__init__.py")
    assert len(loose) <= MAX_LOOSE, f"{len(loose)} modules at the top of core/: {loose}"


@pytest.mark.parametrize("path", _sources("core", "cli", "app"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_over_650_lines(path: Path) -> None:
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)} has {n} lines (at most {MAX_LINES}): split it"
