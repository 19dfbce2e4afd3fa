"""Specialise the search for one game (and evaluator) at full speed, cache-safely.

Numba inlines a game's kernels into the search only if the search reads them as
globals; closures over dispatchers and jitclass compile fine but never hit the disk
cache, and a cached function that inlined another module's code is not invalidated
when that module changes (numba#6264, #6522, #8359). So the search is written once as
template modules (``defaults``, ``node``, ``ordering``, ``minimax``,
``alphabeta``, ``negascout``, ``root``, ``perft``)
whose game calls are free names, and ``build_searcher`` writes a small module that
binds those names by import and then holds the templates' source::

    from searchprune.games.connect4 import gen_moves, make, unmake, terminal, key, order_hint
    from searchprune.games.connect4 import evaluate as evaluate
    from <evaluator module> import <func>_reset as eval_reset, <func>_make as eval_make  (if defined)
    from searchprune.games.<game> import <the optional kernels the game defines>
    <the defaults.py kernels the game does not define>
    <node.py> <ordering.py> <minimax.py> <alphabeta.py> <negascout.py> <root.py> <perft.py>

Its file name carries a digest of every source it depends on (templates, search
helpers, the game's and the evaluator's modules, the Numba version), so editing any
of them makes a new module with a cold cache, and an unchanged tree reuses the
compiled code from the last process.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import numba

from searchprune.config import cache_dir
from searchprune.games.base import KERNELS, Game

_SEARCH_DIR = Path(__file__).resolve().parent
_PACKAGE_DIR = _SEARCH_DIR.parent
#: Template modules, in the order their source is pasted.
TEMPLATES = ("node", "ordering", "minimax", "alphabeta", "negascout", "root", "perft")
#: Optional game kernels: the game's own if it defines them, else ``defaults.py``'s.
OPTIONAL = ("in_check", "gen_tactical", "is_tactical", "make_null", "unmake_null", "null_ok", "perft_over")
#: Optional hooks of an incremental evaluator ``mod:func``: ``mod:func_reset`` and
#: ``mod:func_make``, bound as ``eval_reset`` / ``eval_make`` (defaults do nothing).
EVAL_HOOKS = ("reset", "make")
#: Modules the templates import; a change in any of them must recompile the search.
HELPERS = (
    _PACKAGE_DIR / "bits.py",
    _PACKAGE_DIR / "config.py",
    _PACKAGE_DIR / "types.py",
    _PACKAGE_DIR / "hashing.py",
    _SEARCH_DIR / "clock.py",
    _SEARCH_DIR / "context.py",
    _SEARCH_DIR / "history.py",
    _SEARCH_DIR / "tt.py",
)

_BUILT: dict[tuple[str, str], ModuleType] = {}


def _module_sources(module_name: str) -> list[Path]:
    """The source files whose code a module contributes: its file, or its package's files."""
    module = importlib.import_module(module_name)
    path = Path(module.__file__).resolve()
    if path.name == "__init__.py" or path.parent.name not in ("games", "searchprune"):
        return sorted(path.parent.rglob("*.py"))  # a game living in its own package
    return [path]


def _template_source(name: str) -> str:
    text = (_SEARCH_DIR / f"{name}.py").read_text()
    lines = [line for line in text.splitlines() if line.strip() != "from __future__ import annotations"]
    return f"# ---- searchprune/search/{name}.py ----\n" + "\n".join(lines) + "\n"


def _defaults_source(names: set[str]) -> str:
    """The imports of ``defaults.py`` and the default kernels called ``names``.

    Only the defaults a game lacks are pasted: a default defined in the module and then
    rebound by importing the game's own kernel over it compiled, but the search crashed
    when Numba loaded it back from the disk cache.
    """
    text = (_SEARCH_DIR / "defaults.py").read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    parts = ["# ---- searchprune/search/defaults.py (the defaults this game needs) ----"]
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not (
                isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            parts.append("\n".join(lines[node.lineno - 1:node.end_lineno]))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            parts.append("\n\n" + "\n".join(lines[start - 1:node.end_lineno]))
    return "\n".join(parts) + "\n\n"


def module_text(game: Game, evaluator: str | None = None) -> tuple[str, str]:
    """``(digest, source)`` of the specialised search module for ``game``."""
    game_module = game.kernels.__name__
    eval_module, eval_func = (evaluator or f"{game_module}:evaluate").split(":")
    names = [k for k in KERNELS if k != "evaluate"]
    own = [k for k in OPTIONAL if callable(getattr(game.kernels, k, None))]
    evaluator_module = importlib.import_module(eval_module)
    hooks = [h for h in EVAL_HOOKS if callable(getattr(evaluator_module, f"{eval_func}_{h}", None))]
    header = (
        "# Generated by searchprune.search.build: the search specialised for one game.\n"
        f"# game: {game.info.name}; evaluator: {eval_module}:{eval_func}. Do not edit.\n"
        f"from {game_module} import {', '.join(names)}  # noqa: F401\n"
        f"from {eval_module} import {eval_func} as evaluate  # noqa: F401\n\n"
    )
    if own:
        header += f"from {game_module} import {', '.join(own)}  # noqa: F401\n\n"
    for hook in hooks:
        header += f"from {eval_module} import {eval_func}_{hook} as eval_{hook}  # noqa: F401\n"
    missing = (set(OPTIONAL) - set(own)) | {f"eval_{h}" for h in EVAL_HOOKS if h not in hooks}
    source = header + _defaults_source(missing) + "\n".join(_template_source(t) for t in TEMPLATES)
    digest = hashlib.sha256()
    digest.update(source.encode())
    digest.update(numba.__version__.encode())
    for path in sorted(set(HELPERS) | set(_module_sources(game_module)) | set(_module_sources(eval_module))):
        digest.update(str(path.relative_to(path.parents[1])).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16], source


def build_searcher(game: Game, evaluator: str | None = None) -> ModuleType:
    """The compiled search for ``game`` (module with ``search_root``, ``minimax``...).

    ``evaluator`` is ``"package.module:function"`` with the signature
    ``evaluate(state, params) -> int``; by default the game's own ``evaluate``. The
    module may define ``function_reset`` and ``function_make`` (``defaults.py``'s
    ``eval_reset`` / ``eval_make``) to keep incremental state in ``params``.
    The first call in a process writes (if needed) and imports the module; Numba then
    loads the compiled code from its disk cache when it is there.
    """
    cache_key = (game.info.name, evaluator or "")
    if cache_key in _BUILT:
        return _BUILT[cache_key]
    digest, source = module_text(game, evaluator)
    name = f"sp_{game.info.name}_{digest}"
    folder = cache_dir() / "kernels"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    # Rewriting an unchanged file would bump its mtime and void Numba's cache index.
    if not path.exists() or path.read_text() != source:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(source)
        os.replace(tmp, path)  # atomic: concurrent processes never see half a file
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _BUILT[cache_key] = module
    return module
