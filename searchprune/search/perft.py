"""Perft: count the leaves of the legal-move tree, the move generator's oracle check.

TEMPLATE MODULE: the game's kernels are bound by ``searchprune.search.build``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT


@njit(**JIT)
def perft(ctx, state: np.ndarray, depth: int, ply: int) -> int:
    """Number of move sequences of exactly ``depth`` plies. A line ends early, counting 0,
    where the game's ``perft_over`` says so (by default a finished game; chess counts
    the legal-move tree whatever the draw rules say). A forced pass is a move."""
    if depth == 0:
        return np.int64(1)
    if perft_over(state):  # noqa: F821
        return np.int64(0)
    moves = ctx.moves[ply]
    n = gen_moves(state, moves)  # noqa: F821
    if depth == 1:
        return np.int64(n)
    total = np.int64(0)
    for i in range(n):
        move = moves[i]
        make(state, move)  # noqa: F821
        total += perft(ctx, state, depth - 1, ply + 1)
        unmake(state, move)  # noqa: F821
    return total
