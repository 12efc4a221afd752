"""The layout holds: no import cycle, no module too long to read, no Flask or Pywikibot in tools/.

Imports inside functions count: a cycle hidden in a function is still a cycle for the reader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tools", "flaskapp", "bots", "devwiki")
LENGTH_CHECKED = ("tools", "flaskapp", "bots")
MAX_LINES = 400
GENERATED = ("tools/migrations/versions/",)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if str(relative).startswith(GENERATED):
                continue
            parts = relative.with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> Iterator[str]:
    """The project's modules one import statement names (``from pkg import mod`` names ``mod``)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        for alias in node.names:
            candidate = f"{source}.{alias.name}"
            yield candidate if candidate in known else source


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            for target in _imported(node, name, path.name == "__init__.py", known):
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_among_the_projects_modules() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", LENGTH_CHECKED)
def test_no_module_longer_than_a_reader_can_hold(package: str) -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for name, path in _modules().items()
        if name.split(".")[0] == package
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }

    assert too_long == {}


def test_the_core_imports_neither_flask_nor_pywikibot() -> None:
    outside = {"flask", "flask_wtf", "flask_babel", "flask_limiter", "werkzeug", "pywikibot"}
    offenders = {}
    for name, path in _modules().items():
        if not name.startswith("tools"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            for imported in names:
                if imported.split(".")[0] in outside:
                    offenders.setdefault(name, set()).add(imported)

    assert offenders == {}


def test_the_domains_show_as_packages() -> None:
    domains = {path.parent.name for path in (ROOT / "tools").glob("*/__init__.py")}

    assert {"base", "cases", "oncall", "locks", "patrol", "wiki", "people", "triage"} <= domains
    assert [path.name for path in (ROOT / "tools").glob("*.py")] == ["__init__.py"]
