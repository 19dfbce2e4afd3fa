"""The single home of Numba compilation flags and of the disk-cache scheme.

Every kernel in the package is compiled with one of these option sets, so a change of
policy (bounds checking while debugging, say) is made here and nowhere else.

- ``cache=True``: compiled machine code goes to Numba's on-disk cache, so a second
  process loads it instead of recompiling. The cache is kept correct by the one scheme
  described below ("The disk cache").
- ``nogil=True``: a running search releases the GIL, so another Python thread can set
  its stop flag or read the clock.
- ``boundscheck=False``: kernels are check-free by design; inputs are validated at the
  Python boundary.
- ``error_model="numpy"``: integer division by zero does not raise inside kernels,
  which lets Numba drop the check from the hot path.
- ``_nrt=False``: no Numba runtime, so no reference counting. With it on, every call
  of a kernel that receives arrays (the search passes a named tuple of eleven) does an
  atomic increment and decrement per array; measured here on a Connect Four minimax,
  that cost the search 10x (3.8 M nodes/s with the runtime, 40 M without). Search and
  game kernels never allocate, so they do not need it. A kernel that does allocate
  (``np.empty`` inside it) fails to compile under ``JIT`` with a typing error on the
  allocation: compile that one with ``JIT_ALLOC`` and keep it out of the hot path.

The disk cache
--------------
Numba checks a cached function against its own source file only. Code that inlined a
kernel from another file (the search inlines the game's kernels, the Connect Four
solver the net's, the transposition table ``hashing.mix``) is loaded back unchanged
after that kernel is edited, and linking it brings the old kernel into the process
under the current name, so even freshly compiled callers run it (numba#8359). One
scheme keeps every compiled artefact correct:

1. ``fingerprint()`` digests the compiled source of this tree: every module under
   ``searchprune/`` that imports Numba, every package module those import at module
   level (compiled code reads their globals as constants, e.g. ``types.MATE``), found by
   reading the imports, so no list is kept by hand, plus the Numba version. It is
   computed once per process. Editing a file outside that set (the CLI, the arena)
   keeps the cache; editing one inside it starts every kernel from a clean cache. The
   set errs wide (``bench.py`` imports Numba, so the driver it imports is in it): a
   file too many costs one recompilation, a file too few would run stale code.
2. Numba's cache goes to ``<root>/<fingerprint>``: ``root`` is ``NUMBA_CACHE_DIR`` when
   it is set, else ``cache_dir()/numba``; ``searchprune/__init__.py`` calls
   ``use_numba_cache()`` at import, which points ``NUMBA_CACHE_DIR`` there. An explicit
   ``NUMBA_CACHE_DIR`` is therefore a root, not the folder itself: a fresh one gives a
   cold cache, and a kernel edit never loads stale code from it either. A child process
   inherits the keyed folder and keeps it (its name is already the fingerprint).
3. The game-specialised search modules that ``searchprune.search.build`` writes live in
   ``cache_dir()/kernels/<fingerprint>/``, named by a digest of the fingerprint, their
   own text and the source of any game or evaluator module outside the package.
4. A new fingerprint folder removes its oldest siblings (by last use), keeping the
   ``KEEP`` most recent, so a few trees (branches) can alternate without recompiling.
   A process whose folder is removed under it only recompiles: Numba recreates it.

``tests/test_cache.py`` edits a kernel in a copy of the package and checks that its
callers in other files recompile; ``tests/test_search_features.py`` checks that an
unchanged tree loads the search from the disk cache in a second process.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import sys
from pathlib import Path

#: Hot-path kernels: search, games, solvers.
JIT: dict = dict(cache=True, nogil=True, boundscheck=False, error_model="numpy", _nrt=False)

#: Net inference: the hot kernels plus ``fastmath`` (reassociation lets LLVM vectorise
#: the float32 dot products; measured about 10x on a dense layer here).
JIT_FAST: dict = dict(JIT, fastmath=True)

#: Kernels that allocate arrays (set-up code, never called per node).
JIT_ALLOC: dict = dict(cache=True, nogil=True, boundscheck=False, error_model="numpy")


def cache_dir() -> Path:
    """Per-user root of the caches: ``numba/<fingerprint>`` (unless ``NUMBA_CACHE_DIR``
    is set) and ``kernels/<fingerprint>``, the generated search modules.

    ``SEARCHPRUNE_CACHE_DIR`` overrides it (tests use a temporary one).
    """
    env = os.environ.get("SEARCHPRUNE_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "searchprune"


#: Fingerprint folders kept per cache root (the newest by last use).
KEEP = 3

_PACKAGE = Path(__file__).resolve().parent
_FINGERPRINT_NAME = re.compile(r"[0-9a-f]{16}")


@functools.cache
def fingerprint() -> str:
    """16 hex digits naming this tree's compiled code and the Numba version (see above)."""
    digest = hashlib.sha256(f"numba {_numba_version()}\n".encode())
    for path in compiled_sources():
        digest.update(f"{path.relative_to(_PACKAGE).as_posix()}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def compiled_sources(package: Path = _PACKAGE) -> list[Path]:
    """The files whose change must recompile: modules importing Numba, and their imports.

    Only module-level imports count (compiled code sees module globals, never a
    function's local import). A module also brings in its parent packages' ``__init__``.
    """
    root = package.name
    modules = {_module_name(path, package): path for path in package.rglob("*.py")}
    pending = [name for name, path in modules.items()
               if b"numba" in path.read_bytes()
               and any(name.split(".")[0] == "numba" for name in _imports(path, package))]
    found: set[str] = set()
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        for imported in _imports(modules[name], package):
            parts = imported.split(".")
            for end in range(1, len(parts) + 1):  # the module and each parent package
                candidate = ".".join(parts[:end])
                if candidate.split(".")[0] == root and candidate in modules and candidate not in found:
                    pending.append(candidate)
    return sorted(modules[name] for name in found)


def use_numba_cache() -> Path:
    """Point Numba's disk cache at this tree's fingerprint folder and return it.

    Called once, by ``searchprune/__init__.py``, before any kernel compiles.
    """
    key = fingerprint()
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given:
        folder = Path(given) if Path(given).name == key else Path(given) / key
    else:
        folder = cache_dir() / "numba" / key
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:  # imported before us: its config has already read the environment
        sys.modules["numba"].config.CACHE_DIR = str(folder)
    _claim(folder)
    return folder


def kernels_dir() -> Path:
    """This tree's folder for the generated, game-specialised search modules."""
    folder = cache_dir() / "kernels" / fingerprint()
    _claim(folder)
    return folder


def _claim(folder: Path) -> None:
    """Create ``folder`` (pruning old siblings when it is new) or mark it as just used."""
    try:
        if folder.is_dir():
            folder.touch()
            return
        folder.mkdir(parents=True, exist_ok=True)
        siblings = [p for p in folder.parent.iterdir() if p.is_dir() and _FINGERPRINT_NAME.fullmatch(p.name)]
        for old in sorted(siblings, key=lambda p: p.stat().st_mtime)[:-KEEP]:
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass  # a read-only home: Numba then warns that it cannot cache, and compiles


def _numba_version() -> str:
    # The installed distribution's metadata, not ``numba.__version__``: numba must not be
    # imported before ``NUMBA_CACHE_DIR`` is set.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("numba")
    except PackageNotFoundError:
        return "unknown"


def _module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, package: Path) -> set[str]:
    """Dotted names a module imports at module level (``from a import b`` gives ``a`` and ``a.b``).

    Read with a pattern over statements at column 0 rather than ``ast`` (40x faster, and
    this runs at every import of the package); a false match only widens the fingerprint.
    """
    here = _module_name(path, package).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    names: set[str] = set()
    for source, listed, plain in _IMPORT.findall(path.read_text()):
        if plain:
            names.update(_import_names(plain))
            continue
        level = len(source) - len(source.lstrip("."))
        base = here[:len(here) - level + 1] if level else []
        module = ".".join(base + ([source[level:]] if source[level:] else []))
        names.add(module)
        names.update(f"{module}.{name}" for name in _import_names(listed))
    return names


def _import_names(text: str) -> list[str]:
    """``a as b, c`` (maybe parenthesised over lines, with comments) -> ``["a", "c"]``."""
    text = re.sub(r"#[^\n]*", "", text).replace("(", " ").replace(")", " ").replace("\\", " ")
    return [item.split()[0] for item in text.split(",") if item.split()]


_IMPORT = re.compile(r"^(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)|import[ \t]+([^\n]+))", re.M)
