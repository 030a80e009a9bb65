"""The import graph of the `assistant` package, read from the source with `ast`: no cycles, and
dependencies point down (front ends on top; documents, settings and errors at the bottom).

Every import counts, at module level or inside a function (a lazy import still ties the two modules
together); relative imports are resolved, and `from x import y` where y is a submodule is an import of x.y.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

PACKAGE = "assistant"

FRONT_ENDS = "assistant.frontends"  # on top: may import anything
# The layers, top down (docs/architecture.md). A module may import its own layer and the layers below.
LAYERS = [
    (FRONT_ENDS,),
    ("assistant.jobs",),
    ("assistant.conversation",),
    ("assistant.exports",),
    ("assistant.tasks",),
    ("assistant.readers", "assistant.retrieval", "assistant.backends"),
    ("assistant.documents", "assistant.answer"),
    ("assistant.settings", "assistant.errors", "assistant.cache", "assistant.limits", "assistant.prompts",
     "assistant.languages", "assistant.storage", "assistant.resources", "assistant.redis_client",
     "assistant.cache_redis", "assistant.limits_redis", "assistant.cancel", "assistant.single_flight",
     "assistant.workers", "assistant.worker_main"),
]  # fmt: skip
# The layering rule: a module under a key imports nothing under its values (names are dotted prefixes).
MUST_NOT_IMPORT = {
    prefix: tuple(above for layer in LAYERS[:depth] for above in layer)
    for depth, layer in enumerate(LAYERS)
    for prefix in layer
}
# Within the middle layer, the spotting reader uses a backend: so a backend must never use a reader.
MUST_NOT_IMPORT["assistant.backends"] += ("assistant.readers",)


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def module_files(root: Path = REPO / PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name; a package is its __init__.py."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported module of the package, line) for every import statement anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in modules:
                    yield submodule, node.lineno
                elif source in modules:
                    yield source, node.lineno


def import_graph(root: Path = REPO / PACKAGE) -> dict[str, dict[str, int]]:
    """{module: {imported module: first line that imports it}}"""
    modules = module_files(root)
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges = graph.setdefault(name, {})
        for target, line in imports_of(name, path, modules):
            if target != name:
                edges.setdefault(target, line)
    return graph


def tangles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan): each one holds a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, {})):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [sorted(component) for component in components]


def find_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One shortest cycle through each tangle."""
    return [_cycle_through(component, graph) for component in tangles(graph)]


def _cycle_through(component: list[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """A shortest cycle from the component's first module back to itself (breadth first)."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node]):
            if nxt == start:
                return [*paths[node], start]
            if nxt in members and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"no cycle through {component}")


def describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    """'a → b → a (a.py:12 imports b, b.py:40 imports a)'"""
    lines = ", ".join(
        f"{a.rpartition('.')[2]}.py:{graph[a][b]} imports {b.rpartition('.')[2]}"
        for a, b in itertools.pairwise(cycle)
    )
    return f"{' → '.join(cycle)} ({lines})"


def test_the_checks_on_a_small_package(tmp_path: Path) -> None:
    """Relative, lazy and submodule imports are read; a cycle and a layering breach are both caught."""
    files = {
        "pkg/__init__.py": "from . import a\n",
        "pkg/a.py": "import os\n\n\ndef f():\n    from .sub import b\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/b.py": "from .. import a\nimport pkg.c\n",
        "pkg/c.py": "from pkg.sub import b as _b\nfrom pkg.a import f\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path / "pkg")
    assert graph == {
        "pkg": {"pkg.a": 1},
        "pkg.a": {"pkg.sub.b": 5},
        "pkg.c": {"pkg.sub.b": 1, "pkg.a": 2},
        "pkg.sub": {},
        "pkg.sub.b": {"pkg.a": 1, "pkg.c": 2},
    }
    assert tangles(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    assert find_cycles(graph) == [["pkg.a", "pkg.sub.b", "pkg.a"]]
    assert describe(["pkg.a", "pkg.sub.b", "pkg.a"], graph) == (
        "pkg.a → pkg.sub.b → pkg.a (a.py:5 imports b, b.py:1 imports a)"
    )
    breach = {
        "assistant.errors": {"assistant.tasks.read": 3},
        "assistant.tasks.read": {"assistant.frontends.cli": 9},
    }
    assert layering_problems(breach) == [
        "assistant.errors imports assistant.tasks.read (line 3): assistant.errors must not use it",
        "assistant.tasks.read imports assistant.frontends.cli (line 9): assistant.tasks must not use it",
    ]
    assert layering_problems({"assistant.frontends.cli": {"assistant.tasks.read": 1}}) == []


def test_the_graph_sees_every_kind_of_import() -> None:
    """A check of the reader itself, on modules whose imports are known: lazy, relative, submodule."""
    graph = import_graph()
    assert "assistant.tasks.mathsolve" in graph["assistant.tasks.math"]  # `from . import mathsolve`
    assert "assistant.frontends.chat.launcher" in graph["assistant.frontends.cli"]  # inside a function
    assert "assistant.tasks.router" in graph["assistant.frontends.api.app"]  # `from ...tasks.router import`
    assert "assistant.errors" in graph["assistant.tasks.router"]  # `from ...errors import` (a package)
    assert set(graph["assistant.tasks.router"]) >= {
        "assistant.tasks.router.intent",
        "assistant.tasks.router.scope",
    }


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = []
    for component in tangles(graph):
        cycle = _cycle_through(component, graph)
        text = describe(cycle, graph)
        if len(component) > len(cycle) - 1:  # more modules in the tangle than on the cycle shown
            text += f"; tangled together: {', '.join(component)}"
        print("import cycle:", text)
        found.append(text)
    assert not found, "import cycles:\n" + "\n".join(found)


def layering_problems(graph: dict[str, dict[str, int]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        if within(module, FRONT_ENDS):
            continue
        for layer, forbidden in MUST_NOT_IMPORT.items():
            if not within(module, layer):
                continue
            for target, line in sorted(targets.items()):
                if any(within(target, f) for f in forbidden):
                    problems.append(f"{module} imports {target} (line {line}): {layer} must not use it")
    return problems


def test_dependencies_point_down() -> None:
    problems = layering_problems(import_graph())
    assert not problems, "\n".join(problems)


def test_every_module_has_a_layer() -> None:
    """A new module or package gets its place in LAYERS (and in docs/architecture.md) when it is added."""
    layered = [prefix for layer in LAYERS for prefix in layer]
    loose = [m for m in import_graph() if m != PACKAGE and not any(within(m, p) for p in layered)]
    assert not loose, f"modules outside every layer: {loose}"
