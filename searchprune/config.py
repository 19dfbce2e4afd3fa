"""The single home of Numba compilation flags.

Every kernel in the package is compiled with one of these option sets, so a change of
policy (bounds checking while debugging, say) is made here and nowhere else.

- ``cache=True``: compiled machine code goes to Numba's on-disk cache, so a second
  process loads it instead of recompiling (see ``searchprune.search.build`` for how the
  game-specialised search keeps that cache correct).
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
"""

from __future__ import annotations

import os
from pathlib import Path

#: Hot-path kernels: search, games, solvers.
JIT: dict = dict(cache=True, nogil=True, boundscheck=False, error_model="numpy", _nrt=False)

#: Net inference: the hot kernels plus ``fastmath`` (reassociation lets LLVM vectorise
#: the float32 dot products; measured about 10x on a dense layer here).
JIT_FAST: dict = dict(JIT, fastmath=True)

#: Kernels that allocate arrays (set-up code, never called per node).
JIT_ALLOC: dict = dict(cache=True, nogil=True, boundscheck=False, error_model="numpy")


def cache_dir() -> Path:
    """Per-user folder for generated, game-specialised search modules.

    ``SEARCHPRUNE_CACHE_DIR`` overrides it (tests use a temporary one).
    """
    env = os.environ.get("SEARCHPRUNE_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "searchprune"
