"""searchprune: game-tree search with alpha-beta pruning and pruned evaluation nets."""

import os

__version__ = "0.1.0"


def _numba_cache_for_this_source() -> None:
    """Point Numba's disk cache at a folder named for the package's compiled source.

    Numba checks a cached function against its own file only. A function that inlines
    kernels from another file (the Connect Four solver runs the net's kernels) would be
    loaded back with the old machine code after those kernels changed, and linking it
    brings the old kernels into the process under the current names, so even freshly
    compiled callers ran them. One folder per fingerprint of every file that holds
    compiled code makes any change to a kernel start from a clean cache. An explicit
    ``NUMBA_CACHE_DIR`` is left alone; the last few folders are kept, older ones removed.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    import hashlib
    import shutil
    import sys
    from pathlib import Path

    from searchprune.config import cache_dir

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        text = path.read_bytes()
        if b"@njit" in text or b"@intrinsic" in text or b"numba" in text:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(text)
    root = cache_dir() / "numba"
    folder = root / digest.hexdigest()[:16]
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:  # imported before us: its config has already read the environment
        sys.modules["numba"].config.CACHE_DIR = str(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        folder.touch()
        for old in sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)[:-3]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass  # a read-only home: Numba then warns that it cannot cache, and compiles


_numba_cache_for_this_source()
