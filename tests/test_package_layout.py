"""The layout of course_utils: public names in one place, no reaching into private names, no import cycles.

A notebook imports only what a subpackage's ``__all__`` lists, so the public API is the union of
those lists. Modules talk to each other through public names only.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "course_utils"
MODULES = sorted(PACKAGE.rglob("*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(name: str) -> bool:
    return (ROOT / name.replace(".", "/") / "__init__.py").exists()


def is_module(name: str) -> bool:
    return is_package(name) or (ROOT / (name.replace(".", "/") + ".py")).exists()


def course_imports(tree: ast.AST) -> list[tuple[str, str]]:
    """``(module, name)`` for every ``from course_utils... import name`` in ``tree``."""
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "course_utils"
        for alias in node.names
    ]


def notebook_imports(path: Path) -> list[tuple[str, str]]:
    cells = json.loads(path.read_text())["cells"]
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return course_imports(ast.parse("\n".join(lines)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_import_only_public_names(path):
    for module, name in notebook_imports(path):
        if is_module(f"{module}.{name}") and is_package(module) and module == "course_utils":
            continue  # a subpackage: from course_utils import quiz
        public = getattr(importlib.import_module(module), "__all__", None)
        assert public is not None, f"{path.name} imports from {module}, which has no __all__"
        assert name in public, f"{path.name} imports {name} from {module}, which does not list it in __all__"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name == "__init__.py"], ids=module_name)
def test_every_package_lists_names_that_exist(path):
    package = importlib.import_module(module_name(path))
    assert hasattr(package, "__all__"), f"{package.__name__} has no __all__"
    missing = [name for name in package.__all__ if not hasattr(package, name)]
    assert not missing, f"{package.__name__}.__all__ lists missing names {missing}"


def test_no_module_imports_another_modules_private_names():
    offences = [
        f"{module_name(path)} imports {name} from {module}"
        for path in MODULES
        for module, name in course_imports(ast.parse(path.read_text()))
        if name.startswith("_") and module != module_name(path)
    ]
    assert not offences, "\n".join(offences)


def import_graph() -> dict[str, set[str]]:
    """Which course_utils module imports which, at import time (not inside TYPE_CHECKING)."""
    graph = {}
    for path in MODULES:
        edges = set()
        for module, name in course_imports(ast.parse(path.read_text())):
            edges.add(f"{module}.{name}" if is_module(f"{module}.{name}") else module)
        graph[module_name(path)] = edges
    return graph


def test_no_import_cycles():
    graph, done, stack = import_graph(), set(), []

    def visit(node: str) -> None:
        if node in stack:
            cycle = stack[stack.index(node) :] + [node]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            visit(target)
        stack.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_modules_stay_short_enough_to_read(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{module_name(path)} has {lines} lines; split it by idea (at most {MAX_LINES})"
