"""The rules that keep the layout readable (ARCHITECTURE.md), read from the code with ``ast``.

Every ``import`` in every module of the package counts, the ones inside functions too:
a lazy import is still a dependency, only a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searchprune"

#: Layers, bottom to top: a module imports only from its own layer or those below.
LAYERS = [
    {"types", "config", "bits", "hashing", "paths", "__init__"},  # vocabulary
    {"games"},
    {"evaluation"},
    {"search"},
    {"solvers"},
    {"engines"},
    {"arena"},
    {"nets"},
    {"bench", "compression", "play"},
    {"cli"},  # the package searchprune/cli/
]
#: What playing a game loads: none of it may need torch or the training package.
PLAYING = {"games", "evaluation", "search", "solvers", "engines", "arena", "play"}


def _unit(module: str) -> str:
    """The package unit of ``searchprune.x.y``: ``x`` (a subpackage or top-level module)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        out[".".join(relative.parts)] = path
    return out


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    """``(imported module, line)`` for every import in ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names
                      if f"{base}.{alias.name}" in MODULES]
    return found


MODULES = _modules()
IMPORTS = {module: _imports(path, module) for module, path in MODULES.items()}
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def test_every_unit_has_a_layer():
    units = {_unit(m) for m in MODULES}
    assert units - set(RANK) == set(), "a new package or module needs its place in LAYERS and ARCHITECTURE.md"


def test_no_upward_imports():
    upward = []
    for module, imports in IMPORTS.items():
        here = RANK[_unit(module)]
        for target, line in imports:
            if target.startswith("searchprune.") and RANK[_unit(target)] > here:
                upward.append(f"{module}:{line} imports {target}")
    assert upward == []


def test_games_import_only_the_vocabulary():
    bad = [f"{m}:{line} imports {t}" for m, imports in IMPORTS.items() if _unit(m) == "games"
           for t, line in imports if t.startswith("searchprune.") and RANK[_unit(t)] > RANK["games"]]
    assert bad == []


def test_playing_never_needs_torch_or_training():
    bad = [f"{m}:{line} imports {t}" for m, imports in IMPORTS.items() if _unit(m) in PLAYING
           for t, line in imports if t.split(".")[0] == "torch" or t.startswith("searchprune.nets")]
    assert bad == []


@pytest.mark.parametrize("unit", ["arena", "engines", "games", "evaluation", "search", "solvers", "nets"])
def test_no_click_below_the_cli(unit):
    bad = [f"{m}:{line}" for m, imports in IMPORTS.items() if _unit(m) == unit
           for t, line in imports if t.split(".")[0] == "click"]
    assert bad == []


def _runs_the_cli(path: Path) -> bool:
    """True if the module names ``searchprune.cli`` as a string (``python -m ...``) or
    calls something with an argv that starts with the ``searchprune`` console script."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "searchprune.cli" in node.value:
            return True
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
            words = [e.value for e in node.args[0].elts if isinstance(e, ast.Constant)]
            if words[:1] == ["searchprune"]:
                return True
    return False


def test_the_cli_check_finds_a_subprocess_call(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import subprocess\nsubprocess.run(['searchprune', 'tournament'])\n")
    assert _runs_the_cli(path)
    path.write_text("names = ['searchprune', 'You']\n")
    assert not _runs_the_cli(path)


def test_no_library_module_runs_the_cli():
    assert [m for m, path in MODULES.items() if _unit(m) != "cli" and _runs_the_cli(path)] == []


def test_no_cycles_between_units():
    graph: dict[str, set[str]] = {}
    for module, imports in IMPORTS.items():
        for target, _ in imports:
            if target.startswith("searchprune.") and _unit(target) != _unit(module):
                graph.setdefault(_unit(module), set()).add(_unit(target))
    cycles = []

    def visit(unit: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(unit, ())):
            if nxt in path:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif len(path) < len(RANK):
                visit(nxt, path + [nxt])

    for unit in sorted(graph):
        visit(unit, [unit])
    assert cycles == []


def _complexity(function: ast.AST) -> int:
    """McCabe's number: 1 + each decision point (branch, loop, handler, boolean operand)."""
    count = 1
    for node in ast.walk(function):
        if isinstance(node, (ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler, ast.With,
                             ast.AsyncWith, ast.Assert)):
            count += 1
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            count += 1 + len(node.ifs)
    return count


def test_complexity_counter_counts_branches():
    tree = ast.parse("def f(x):\n    if x and x > 1:\n        return [y for y in x if y]\n    return 0\n")
    assert _complexity(tree.body[0]) == 5  # 1 + if + and + comprehension + its if


@pytest.mark.parametrize("path", sorted((PACKAGE / "cli").glob("*.py")), ids=lambda p: p.name)
def test_the_cli_only_parses_calls_and_prints(path):
    """Each module of the command line stays short and its functions simple: logic that
    grows here belongs in the library."""
    text = path.read_text()
    assert len(text.splitlines()) < 400
    functions = [node for node in ast.walk(ast.parse(text)) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert {f.name: _complexity(f) for f in functions if _complexity(f) > 10} == {}
