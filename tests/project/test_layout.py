"""The layout of generator/: every module imports on its own, and module-level imports form no cycle.

Each module is imported in a fresh interpreter (one process per module), so the order other imports happened in
cannot hide a cycle. The static check reads every module's top-level imports (not the ones inside functions,
which run later, nor ``if TYPE_CHECKING:`` blocks) and names each cycle it finds, module by module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "generator"
SKIPPED = {"_template", "__pycache__"}  # the template inside a wheel: not slsguard's modules


def _module_names() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the generator package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if SKIPPED & set(path.relative_to(PACKAGE).parts):
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _module_names()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported: the module body, and try/if blocks in it (not TYPE_CHECKING)."""
    found: list[ast.Import | ast.ImportFrom] = []
    body = list(tree.body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            body += node.body + node.orelse
        elif isinstance(node, ast.Try):
            body += node.body + node.orelse + node.finalbody + [n for h in node.handlers for n in h.body]
    return found


def _imported(module: str, path: Path, modules: set[str]) -> set[str]:
    """The generator modules ``module`` needs initialised when it is imported.

    ``import a.b.c`` runs a, a.b and a.b.c; ``from a import x`` runs a.x when x is a module, else takes x from a.
    A package the module lives in is running already (Python imports it first), so it counts only where the module
    takes a name from it (``from . import NAME``): that name must exist before the package imports the module.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    ancestors = {".".join(module.split(".")[:i]) for i in range(1, len(module.split(".")))}
    wanted: set[str] = set()  # modules whose names are taken
    ran: set[str] = set()  # modules that only need to have run
    for node in _top_level_imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            ran.update(alias.name for alias in node.names)
            continue
        base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
        source = ".".join([*base, node.module] if node.module else base)
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            if submodule in modules:
                ran.add(submodule)
            else:
                wanted.add(source)
    out = set()
    for target in ran | wanted:
        parts = target.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {name for name in out & modules if name != module and (name not in ancestors or name in wanted)}


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {name: _imported(name, path, set(modules)) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (or a module importing itself), as one cycle path each."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

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
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(_path_through(sorted(group), graph))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _path_through(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One cycle inside a strongly connected group, from its first module back to it: a -> b -> a."""
    members, start = set(group), group[0]
    seen, frontier = {start: [start]}, [start]
    while frontier:
        node = frontier.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return [*seen[node], start]
            if nxt not in seen:
                seen[nxt] = [*seen[node], nxt]
                frontier.append(nxt)
    return [start, start]


def test_the_cycle_finder_names_a_cycle() -> None:
    """The finder itself: a -> b -> c -> a is reported as that path; a chain is not a cycle."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert cycles({"a": {"a"}}) == [["a", "a"]]


def test_the_graph_reads_relative_and_late_imports(tmp_path: Path) -> None:
    """from . import x, from ..pkg import y and imports at the bottom of a module count; function-level and
    TYPE_CHECKING ones do not; a name taken from the importing package closes a cycle."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .e import E\nNAME = 1\n")
    (pkg / "e.py").write_text("from . import NAME  # a name the package defines only after importing e\nE = 2\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n\ndef f():\n    from . import c\n")
    (pkg / "b.py").write_text("X = 1\nfrom .sub.d import Y  # noqa: E402\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n")
    (pkg / "sub" / "d.py").write_text("from .. import a\nY = 2\n")
    modules = {"pkg": pkg / "__init__.py", "pkg.sub": pkg / "sub" / "__init__.py"}
    modules |= {f"pkg.{n}": pkg / f"{n}.py" for n in ("a", "b", "c", "e")} | {"pkg.sub.d": pkg / "sub" / "d.py"}
    graph = import_graph(modules)
    assert graph["pkg.a"] == {"pkg.b"}  # its own package is running already; from . import b needs only b
    assert graph["pkg.c"] == set()
    assert graph["pkg.sub.d"] == {"pkg.a"}
    assert sorted(cycles(graph)) == [["pkg", "pkg.e", "pkg"], ["pkg.a", "pkg.b", "pkg.sub.d", "pkg.a"]]


def test_no_import_cycle_between_generator_modules() -> None:
    found = cycles(import_graph(MODULES))
    assert not found, "import cycles in generator/: " + "; ".join(" -> ".join(cycle) for cycle in found)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports_in_a_fresh_interpreter(module: str) -> None:
    """One process per module: a cycle that only breaks in some import order shows up here."""
    # __main__ runs the command line when imported: run it with --version, which imports the same and exits 0
    code = ["-m", "generator", "--version"] if module == "generator.__main__" else ["-c", f"import {module}"]
    done = subprocess.run([sys.executable, *code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"import {module} failed:\n{done.stderr[-2000:]}"


# Dependencies point one way: a module may import its own layer and the ones below it, never one above.
LAYERS = {"answers": 0, "project": 1, "new": 2, "upgrade": 2, "add": 2, "init": 2, "commands": 3, "cli": 4, "__main__": 5}
LOWER_ONLY = LAYERS["project"]  # the rest (cfn, audit, cost, preview, the shared helpers) may read answers and the project


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def _every_import(module: str, path: Path) -> set[str]:
    """The generator modules ``module`` imports anywhere (also inside functions), as dotted names."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names if alias.name.startswith("generator"))
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join([*base, node.module] if node.module else base)
            if source.startswith("generator"):
                out.update(f"{source}.{a.name}" if f"{source}.{a.name}" in MODULES else source for a in node.names)
    return out


def test_dependencies_point_one_way() -> None:
    """answers <- project <- new, upgrade, add, init <- commands <- cli: nothing imports a layer above its own, and
    the packages outside the layers (cfn, audit, cost, preview) import no command's package, commands or cli."""
    upward = []
    for module, path in MODULES.items():
        mine = _layer(module)
        for target in _every_import(module, path):
            theirs = _layer(target)
            if theirs is not None and theirs > (LOWER_ONLY if mine is None else mine):
                upward.append(f"{module} imports {target}")
    assert not upward, "imports against the layers: " + "; ".join(sorted(upward))


def test_the_answers_need_only_the_standard_library() -> None:
    """The cookiecutter hooks import generator.answers under plain cookiecutter: no site-packages at all here."""
    names = sorted(m for m in MODULES if m == "generator.answers" or m.startswith("generator.answers."))
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); " + "; ".join(f"import {m}" for m in names)
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert len(names) >= 7 and done.returncode == 0, done.stderr[-2000:]
