"""Plain negamax minimax: the reference every other search is checked against.

TEMPLATE MODULE: the game's kernels (``gen_moves``, ``make``, ``unmake``,
``terminal``, ``evaluate``) are globals bound by ``searchprune.search.build``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.context import ABORTED, update_pv
from searchprune.types import INF


@njit(**JIT)
def minimax(ctx, state: np.ndarray, depth: int, ply: int) -> int:
    """Exact negamax value of ``state`` searched ``depth`` plies, side to move's view.

    Every move is searched with no pruning, table or ordering, so the result is the
    definition the other searches must reproduce. Returns 0 meaninglessly once
    ``ctx.stats[ABORTED]`` is set; callers check it.
    """
    # np.int64: a bare global constant would type as a literal and compile a second
    # signature of enter_node (numba#6061: that can crash the disk cache on reload).
    done, value, depth = enter_node(ctx, state, depth, ply, np.int64(-INF), np.int64(INF))  # noqa: F821
    if done:
        return value
    moves = ctx.moves[ply]
    n = gen_moves(state, moves) if depth > 0 else gen_tactical(state, moves)  # noqa: F821
    best = value  # -INF, or the stand-pat score of a quiescence node
    for i in range(n):
        move = moves[i]
        make(state, move)  # noqa: F821
        eval_make(state, ctx.params)  # noqa: F821
        value = -minimax(ctx, state, depth - 1, ply + 1)
        unmake(state, move)  # noqa: F821
        if ctx.stats[ABORTED]:
            return 0
        if value > best:
            best = value
            update_pv(ctx, ply, move)
    return best
