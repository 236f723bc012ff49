"""Print the import cycles among a package's modules; exit 1 when there is one.

    python scripts/import_cycles.py custom_components/baidu_face baidu_face_server
    python scripts/import_cycles.py --type-checking custom_components/baidu_face

Reads the source with `ast` (nothing is imported, so it runs without the
packages' dependencies). An edge is an import the module runs when it is
imported: a module-level `import` or `from ... import` (also inside a
module-level `if`, `try` or `with`, and in class bodies). An import inside a
function runs only when the function is called, so it is not counted. Imports
under `if TYPE_CHECKING:` never run: they make no cycle at run time and are not
counted, unless `--type-checking` is given (a type checker does follow them; a
cycle it sees there is still a tangle worth untying). Importing a submodule
also runs its package's `__init__`, which is already under way when a sibling
asks: that implicit edge is not counted, an explicit `from . import name` is.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path


def module_names(package: Path) -> dict[str, Path]:
    """Return a package's modules by dotted name, rooted at the package's own name."""
    modules: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def executed_imports(body: Sequence[ast.stmt], type_checking: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Yield the imports a module body runs (and, with `type_checking`, those only a type checker reads)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test) or type_checking:
                yield from executed_imports(node.body, type_checking)
            yield from executed_imports(node.orelse, type_checking)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(handler.body for handler in node.handlers), node.orelse, node.finalbody):
                yield from executed_imports(block, type_checking)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from executed_imports(node.body, type_checking)


def _resolve(name: str, root: str, modules: dict[str, Path]) -> str | None:
    """Return the dotted name of the package's module an import names (None: outside the package).

    Absolute names may carry the package's parents: `custom_components.baidu_face.x` is `baidu_face.x`.
    """
    parts = name.split(".")
    if root not in parts:
        return None
    name = ".".join(parts[parts.index(root) :])
    return name if name in modules else None


def _runs(target: str, importer: str) -> set[str]:
    """Return a module an import names and the packages above it whose `__init__` that runs.

    The importer's own packages are already under way: no edge to them.
    """
    parts = target.split(".")
    above = {".".join(parts[:end]) for end in range(1, len(parts))}
    mine = importer.split(".")
    under_way = {".".join(mine[:end]) for end in range(1, len(mine) + 1)}
    return {target} | (above - under_way)


def imports_of(module: str, path: Path, modules: dict[str, Path], root: str, type_checking: bool) -> set[str]:
    """Return the package's modules that `module` runs when it is imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    # A package's relative imports start at itself, a module's at its package.
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in executed_imports(tree.body, type_checking):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (target := _resolve(alias.name, root, modules)) is not None:
                    found |= _runs(target, module)
            continue
        if node.level:
            base = ".".join(package[: len(package) - node.level + 1])
            source = f"{base}.{node.module}" if node.module else base
        else:
            source = node.module or ""
        if (target := _resolve(source, root, modules)) is None:
            continue
        # `from pkg import sub` runs the submodule; `from pkg import name` needs pkg's name.
        for alias in node.names:
            sub = _resolve(f"{target}.{alias.name}", root, modules)
            found |= _runs(sub, module) if sub is not None else _runs(target, module)
    found.discard(module)
    return found


def import_graph(package: Path, type_checking: bool = False) -> dict[str, set[str]]:
    """Return each module of a package and the package's modules it imports."""
    modules = module_names(package)
    return {module: imports_of(module, path, modules, package.name, type_checking) for module, path in modules.items()}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Return the modules that importing `start` runs, directly or not (itself only through a cycle)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the groups of modules that import each other, directly or not (the graphs are small)."""
    reach = {module: reachable(graph, module) for module in graph}
    groups = {frozenset(other for other in reach[module] if module in reach[other]) for module in graph}
    return sorted(sorted(group) for group in groups if len(group) > 1)


def shortest_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """Return the shortest import path from a group's first module back to itself, within the group."""
    start = group[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & set(group)):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"{start} is in no cycle")


def cycles(package: Path, type_checking: bool = False) -> list[tuple[list[str], list[str]]]:
    """Return each group of modules that import each other, with the shortest cycle through its first."""
    graph = import_graph(package, type_checking)
    return [(group, shortest_cycle(graph, group)) for group in strongly_connected(graph)]


def main(argv: Sequence[str] | None = None) -> int:
    """Print each package's cycles; return 1 when any package has one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="+", type=Path, help="package directories")
    parser.add_argument("--type-checking", action="store_true", help="also count the imports under `if TYPE_CHECKING:`")
    args = parser.parse_args(argv)
    found = False
    for package in args.packages:
        if not (package / "__init__.py").is_file():
            parser.error(f"{package} is not a package (no __init__.py)")
        package_cycles = cycles(package, args.type_checking)
        found |= bool(package_cycles)
        if not package_cycles:
            print(f"{package}: no import cycles")
        for group, cycle in package_cycles:
            print(f"{package}: {len(group)} modules import each other: {', '.join(group)}")
            print(f"{package}:   e.g. {' -> '.join(cycle)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
