"""Bit tricks on 64-bit boards, shared by the games and the solvers.

Each works in plain Python too (``NUMBA_DISABLE_JIT=1``): ``lowest_index`` and
``highest_index`` are Python functions with a compiled overload that is one LLVM
``cttz``/``ctlz`` instruction.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import leading_zeros, trailing_zeros
from numba.extending import overload

from searchprune.config import JIT

_ONE = np.uint64(1)
_SIXTY_THREE = np.uint64(63)


@njit(**JIT)
def popcount(x: np.uint64) -> int:
    """Number of set bits."""
    n = 0
    while x:
        x &= x - _ONE  # LLVM turns this loop into one popcnt instruction
        n += 1
    return n


def lowest_index(x: np.uint64) -> int:
    """Index of the lowest set bit of a non-zero ``x``."""
    x = int(x)
    return (x & -x).bit_length() - 1


def highest_index(x: np.uint64) -> int:
    """Index of the highest set bit of a non-zero ``x``."""
    return int(x).bit_length() - 1


@overload(lowest_index)
def _lowest_index_compiled(x):  # pragma: no cover - runs only when compiled
    def impl(x):
        return np.int64(trailing_zeros(x))

    return impl


@overload(highest_index)
def _highest_index_compiled(x):  # pragma: no cover - runs only when compiled
    def impl(x):
        return np.int64(_SIXTY_THREE - leading_zeros(x))

    return impl
