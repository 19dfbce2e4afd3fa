"""Quiet-move ordering memory: killer moves per ply and a history table per move.

A move that caused a beta cutoff at some ply is likely to refute a sibling position
too (killers, two per ply, most recent first); moves that cut often and deep earn
history credit (depth squared), halved when it grows large so old credit fades.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT

HISTORY_CAP = 1 << 20


@njit(**JIT)
def note_cutoff(killers: np.ndarray, history: np.ndarray, ply: int, move: int, depth: int) -> None:
    if killers[ply, 0] != move:
        killers[ply, 1] = killers[ply, 0]
        killers[ply, 0] = move
    history[move] += depth * depth
    if history[move] >= HISTORY_CAP:
        for i in range(history.shape[0]):
            history[i] >>= 1
