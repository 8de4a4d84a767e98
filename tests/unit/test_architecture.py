"""The shape of the package (docs/design.md): imports point inwards, no cycle, small modules.

- ``domain/`` and ``wire/`` are pure: they import only ``domain/``, ``wire/`` and the standard library;
- nothing but ``cli/run`` (and the runtime itself) imports ``runtime/``, the process that talks to Asterisk;
- no import cycle inside the package, counting every import (module level, ``TYPE_CHECKING``, in functions);
- no module over 400 lines.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "astreinte"
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def imports(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports: ``from a.b import c`` counts ``a.b.c`` when c is a module, else ``a.b``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(base)
    return found


GRAPH = {name: {dep for dep in imports(name, path) if dep in MODULES and dep != name} for name, path in MODULES.items()}
STDLIB = sys.stdlib_module_names


def test_domain_and_wire_import_only_domain_wire_and_the_standard_library() -> None:
    crossed = []
    for name, path in MODULES.items():
        if name.startswith(("astreinte.domain", "astreinte.wire")):
            for dep in sorted(imports(name, path)):
                top = dep.split(".")[0]
                inside = dep.startswith(("astreinte.domain", "astreinte.wire")) or dep == "astreinte"
                if not inside and top not in STDLIB and top != "__future__":
                    crossed.append(f"{name} imports {dep}")
    assert crossed == []


def test_only_the_run_command_imports_the_runtime() -> None:
    outside = [f"{name} imports {dep}" for name, deps in GRAPH.items() for dep in sorted(deps)
               if dep.startswith("astreinte.runtime") and not name.startswith("astreinte.runtime")
               and name != "astreinte.cli.run"]
    assert outside == []


def test_no_import_cycle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:        # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in GRAPH[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while (top := stack.pop()) != node:
                component.append(top)
            if component:
                cycles.append(sorted([node, *component]))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_checker_sees_a_cycle_and_a_crossing() -> None:
    assert "astreinte.domain.calls.flow" in GRAPH["astreinte.runtime.router"]
    assert "astreinte.domain.calls.commands" in GRAPH["astreinte.domain.calls.flow"]
    assert imports("astreinte.domain.x", PACKAGE / "domain" / "calls" / "flow_state.py") >= {"astreinte.domain.hunt"}


def test_no_module_over_400_lines() -> None:
    big = {str(path.relative_to(REPO)): n for path in MODULES.values()
           if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert big == {}
