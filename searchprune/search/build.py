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
    <node.py> <ordering.py> <minimax.py> <alphabeta.py> <negascout.py> <perft.py>

It is written to this tree's kernels folder, named by a digest of the tree's
fingerprint, its own text and any game or evaluator source outside the package, so
editing any compiled source makes a new module with a cold cache, and an unchanged
tree reuses the compiled code from the last process (the one cache scheme, with
the fingerprint, is documented in ``searchprune.config``).
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

from searchprune.config import fingerprint, kernels_dir
from searchprune.games.base import KERNELS, OPTIONAL, Game  # OPTIONAL: the game's own if defined, else defaults.py's

_SEARCH_DIR = Path(__file__).resolve().parent
_PACKAGE_DIR = _SEARCH_DIR.parent
#: Template modules, in the order their source is pasted.
TEMPLATES = ("node", "ordering", "minimax", "alphabeta", "negascout", "perft")
#: Optional hooks of an incremental evaluator ``mod:func``: ``mod:func_reset`` and
#: ``mod:func_make``, bound as ``eval_reset`` / ``eval_make`` (defaults do nothing).
EVAL_HOOKS = ("reset", "make")

_BUILT: dict[tuple[str, str], ModuleType] = {}


def _outside_sources(module_name: str) -> list[Path]:
    """Source files of a game or evaluator module that the fingerprint does not cover.

    A module inside the package is covered already; one outside it (a user's evaluator)
    contributes its file, or, if it belongs to a package, all that package's files (it
    may inline its siblings' kernels).
    """
    module = importlib.import_module(module_name)
    path = Path(module.__file__).resolve()
    if path.is_relative_to(_PACKAGE_DIR):
        return []
    if not module.__package__:
        return [path]
    top = Path(importlib.import_module(module.__package__.split(".")[0]).__file__).resolve().parent
    return sorted(top.rglob("*.py"))


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
    digest = hashlib.sha256(fingerprint().encode())
    digest.update(source.encode())
    for path in sorted(set(_outside_sources(game_module)) | set(_outside_sources(eval_module))):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16], source


def build_searcher(game: Game, evaluator: str | None = None) -> ModuleType:
    """The compiled search for ``game`` (module with ``negascout``, ``minimax``...).

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
    folder = kernels_dir()
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
