"""64-bit mixing shared by the transposition table and games that hash their boards."""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT

_FMIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


@njit(**JIT)
def mix(key: np.uint64) -> np.uint64:
    """MurmurHash3's fmix64: a bijection on 64-bit ints with full avalanche.

    Every output bit depends on every input bit, unlike a plain multiply, whose
    product bit ``i`` depends only on input bits ``<= i``.
    """
    h = key ^ (key >> _S33)
    h *= _FMIX_1
    h ^= h >> _S33
    h *= _FMIX_2
    return h ^ (h >> _S33)
