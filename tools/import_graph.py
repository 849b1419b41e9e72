"""Draw Lodestar's module import graph; print cycles and layer violations.

Usage: python tools/import_graph.py [--src src/lodestar] [--modules]

Layers (lowest first; a module may import only its own layer or below):
shared (time, frames, constants, errors, ...) < io, formats (readers, writers) < models (measurement
and antenna models: phase centres, troposphere, ionosphere ...) < orbits (which apply the satellite
antenna models) < positioning < analysis, lunar < report < batch (the network driver: runs
compare, writes the overview) < cli.
``lunar`` sits beside ``analysis`` (above ``positioning``) and below ``report``.
Every import counts, at the top of a module or inside a function.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

__all__ = ["LAYERS", "SHARED", "module_imports", "package_graph", "cycles", "layer_violations", "main"]

# Rank of each sub-package; top-level modules not listed are shared (rank 0).
LAYERS = {
    "io": 1,
    "formats": 1,
    "models": 2,
    "orbits": 3,
    "positioning": 4,
    "analysis": 5,
    "lunar": 5,
    "report": 6,
    "batch": 7,
    "api": 8,
    "cli": 9,
    "__main__": 9,
}


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def module_imports(src: Path) -> dict[str, set[str]]:
    """Map each ``lodestar`` module to the ``lodestar`` modules it imports."""
    known = {_module_name(p, src) for p in src.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in sorted(src.rglob("*.py")):
        name = _module_name(path, src)
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(node, name, is_package)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in known else base)
        graph[name] = {t for t in targets if t in known and t != name}
    return graph


#: Top-level modules every layer may use (shown as one node, "shared").
SHARED = {"time", "frames", "constants", "systems", "statuses", "errors", "output", "data", "xarray_build"}


def _package(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "lodestar"
    return "shared" if parts[1] in SHARED else parts[1]


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Collapse the module graph onto the sub-packages (``io``, ``lunar``, ...)."""
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        for target in targets:
            if _package(target) != _package(module):
                packages[_package(module)].add(_package(target))
    return dict(packages)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _is_package_init(module: str, target: str) -> bool:
    # ``lodestar/__init__.py`` re-exports the front door; it is not a layer.
    return module == "lodestar"


def layer_violations(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where a module imports from a higher layer."""
    bad = []
    for module, targets in sorted(graph.items()):
        if _is_package_init(module, ""):
            continue
        rank = LAYERS.get(_package(module), 0)
        for target in sorted(targets):
            if LAYERS.get(_package(target), 0) > rank:
                bad.append((module, target))
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_src = Path(__file__).resolve().parents[1] / "src" / "lodestar"
    parser.add_argument("--src", type=Path, default=default_src)
    parser.add_argument("--modules", action="store_true", help="print every module's imports")
    args = parser.parse_args(argv)
    graph = module_imports(args.src)
    if args.modules:
        for module, targets in sorted(graph.items()):
            print(f"{module} -> {', '.join(sorted(targets))}")
    print("package graph:")
    for package, targets in sorted(package_graph(graph).items()):
        print(f"  {package} -> {', '.join(sorted(targets))}")
    found = cycles(graph)
    print(f"module cycles: {len(found)}")
    for component in found:
        print("  " + " <-> ".join(component))
    package_cycles = cycles(package_graph(graph))
    print(f"package cycles: {len(package_cycles)}")
    for component in package_cycles:
        print("  " + " <-> ".join(component))
    bad = layer_violations(graph)
    print(f"layer violations: {len(bad)}")
    for module, target in bad:
        print(f"  {module} -> {target}")
    return 1 if found or package_cycles or bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
