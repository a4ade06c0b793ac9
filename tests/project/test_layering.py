"""The import graph of ``derive/`` and ``codegen/``: no cycles, and the layers kept apart.

Every ``import`` statement counts, at module level or inside a function: a cycle hidden in a
function body is still a cycle. ``from pkg import name`` is an edge to ``pkg.name`` when that is
a module, else to ``pkg``.
"""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("derive", "codegen")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}"
                           in modules else node.module for alias in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_is_read():
    graph = _graph()
    assert "derive.report" in graph["codegen.cli.derive"]
    assert "derive.render.jupyter" in graph["derive"]
    assert len(graph) > 40


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_derive_never_imports_codegen():
    wrong = {(m, t) for m, ts in _graph().items() if m.startswith("derive")
             for t in ts if t.startswith("codegen")}
    assert wrong == set()


def test_core_modules_import_no_renderer():
    """The model, registries, derivations, verification and expressions stand below their
    renderers; only the package's own ``__init__`` (the public facade) reaches up."""
    wrong = {(m, t) for m, ts in _graph().items()
             if m.startswith("derive.") and not m.startswith("derive.render")
             for t in ts if t.startswith("derive.render")}
    assert wrong == set()
