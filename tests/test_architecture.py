"""Dependencies inside calc point one way: rules → layers → model and analysis → compute → views and commands.

An import written inside a function runs late, so Python accepts it where a module-level one would fail on a
half-initialised module; that is how a cycle hides. This test reads every ``import`` in calc/ with ``ast``
(module level and inside functions; imports under ``if TYPE_CHECKING:`` never run and are left out) and
fails when a function-level import closes a cycle in the graph of all imports.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "calc"

# No import is excused: the model's summary() and Jupyter display are given to it by the view
# (calc.render.model_notebook), and a spec's wrapped layers ({LSTM: {units: 8}}) are built by the spec reader
# (calc.spec), not by the wrapper. A new exception would need a reason here and its own test that it is still needed.


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("calc", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import under ``node`` that runs, with whether it sits inside a function."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _imports(other, in_function)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function
        inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _imports(child, inside)


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The calc modules an import statement loads (the deepest known module each name names)."""
    if isinstance(node, ast.Import):
        bases = [alias.name for alias in node.names]
        return {_deepest(base, known) for base in bases if base.split(".")[0] == "calc"} - {None}  # type: ignore[misc]
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    if base.split(".")[0] != "calc":
        return set()
    found = set()
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        found.add(submodule if submodule in known else _deepest(base, known))
    return found - {None}  # type: ignore[arg-type]


def _deepest(name: str, known: set[str]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """All import edges between calc modules, and the subset written inside functions."""
    modules = module_names()
    known = set(modules)
    edges: dict[str, set[str]] = {name: set() for name in modules}
    late: set[tuple[str, str]] = set()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, in_function in _imports(tree, in_function=False):
            for target in _targets(node, name, path.name == "__init__.py", known):
                if target == name:
                    continue
                edges[name].add(target)
                if in_function:
                    late.add((name, target))
    # An edge is late only when no module-level import makes the same dependency.
    early = {(a, b) for a, targets in _module_level(modules, known).items() for b in targets}
    return edges, late - early


def _module_level(modules: dict[str, Path], known: set[str]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        result[name] = {
            target
            for node, in_function in _imports(tree, in_function=False)
            if not in_function
            for target in _targets(node, name, path.name == "__init__.py", known)
        }
    return result


def _path(edges: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """A shortest import path from ``start`` to ``goal`` (breadth first, so the report is short)."""
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    for here in queue:
        if here == goal:
            path = [here]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for after in sorted(edges[here]):
            if after not in previous:
                previous[after] = here
                queue.append(after)
    return None


def late_cycles(allowed: Iterable[tuple[str, str]] = ()) -> dict[tuple[str, ...], tuple[str, str]]:
    """Each cycle closed by a function-level import, keyed by its modules (from the late import's target),
    in the graph without the ``allowed`` edges."""
    edges, late = import_graph()
    for source, target in allowed:
        edges[source].discard(target)
    late -= set(allowed)
    cycles = {}
    for source, target in sorted(late):
        back = _path(edges, target, source)
        if back is not None:
            cycles[tuple(back)] = (source, target)
    return cycles


def test_the_graph_sees_known_imports():
    edges, _ = import_graph()
    assert "calc.rules" in edges["calc.layers.conv"]
    assert "calc.model" in edges["calc"]


def test_no_function_level_import_closes_a_cycle():
    unexplained = late_cycles()
    report = "\n".join(
        f"{late[0]} imports {late[1]} inside a function, and {' → '.join(cycle)} leads back"
        for cycle, late in unexplained.items()
    )
    assert not unexplained, f"{len(unexplained)} function-level import(s) close a cycle:\n{report}"


def test_a_hidden_cycle_is_found(tmp_path, monkeypatch):
    """The check itself: a function-level import back into a module that imports the importer is a cycle."""
    package = tmp_path / "calc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def f():\n    from calc.high import g\n    return g\n")
    (package / "high.py").write_text("from calc import low\n\ndef g():\n    return low\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert late_cycles() == {("calc.high", "calc.low"): ("calc.low", "calc.high")}
