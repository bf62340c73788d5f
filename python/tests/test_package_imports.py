"""The package's layering, read from its source with ``ast``: no import cycle between
causalfair's modules (module-level and function-level imports alike), and only the
engine layer (``_handles``, ``_models``) imports the compiled ``_engine``."""

from __future__ import annotations

import ast
import importlib.machinery
import pathlib
from typing import Dict, List, Optional, Set

import causalfair

ENGINE_LAYER = {"causalfair._contract", "causalfair._handles", "causalfair._models"}


def package_modules(root: pathlib.Path) -> Dict[str, pathlib.Path]:
    """Dotted name -> file of every module of the package at ``root``: its ``.py`` files
    and its compiled extensions (``_engine``), which have no source to parse."""
    modules: Dict[str, pathlib.Path] = {}
    for path in root.rglob("*"):
        name = None
        if path.suffix == ".py":
            name = path.with_suffix("")
        else:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:  # the most specific first
                if path.name.endswith(suffix):
                    name = path.with_name(path.name[:-len(suffix)])
                    break
        if name is None or "__pycache__" in path.parts:
            continue
        parts = list(name.relative_to(root.parent).parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: pathlib.Path, modules: Dict[str, pathlib.Path]) -> Set[str]:
    """The package modules that ``name`` imports anywhere in its source (at module level
    or inside functions). ``from package import submodule`` counts as importing the
    submodule, ``from module import name`` as importing the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in modules else source)
    return {module for module in found if module in modules and module != name}


def import_graph(root: pathlib.Path) -> Dict[str, Set[str]]:
    modules = package_modules(root)
    return {name: (imported_modules(name, path, modules) if path.suffix == ".py" else set())
            for name, path in modules.items()}


def find_cycle(graph: Dict[str, Set[str]]) -> Optional[List[str]]:
    """A cycle of ``graph`` as a closed path [a, b, ..., a], or None (depth-first search)."""
    state: Dict[str, int] = {}  # 1: on the current path, 2: finished
    path: List[str] = []

    def visit(node: str) -> Optional[List[str]]:
        state[node] = 1
        path.append(node)
        for successor in sorted(graph.get(node, ())):
            if state.get(successor) == 1:
                return path[path.index(successor):] + [successor]
            if successor not in state:
                cycle = visit(successor)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_cycles_and_only_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_sees_function_level_and_relative_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from . import a\n")
    (package / "a.py").write_text("def f():\n    from .b import g\n    return g\n")
    (package / "b.py").write_text("from .sub import c\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("from .. import a\nimport pkg.b\n")
    graph = import_graph(package)
    assert graph["pkg"] == {"pkg.a"}
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.sub.c"}
    assert graph["pkg.sub.c"] == {"pkg.a", "pkg.b"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]


def test_causalfair_has_no_import_cycle():
    graph = import_graph(pathlib.Path(causalfair.__file__).parent)
    assert {"causalfair.audit", "causalfair.metrics", "causalfair._engine"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_only_the_engine_layer_imports_the_compiled_engine():
    graph = import_graph(pathlib.Path(causalfair.__file__).parent)
    importers = {name for name, imported in graph.items() if "causalfair._engine" in imported}
    assert importers == ENGINE_LAYER
