"""NegaScout / principal variation search (PVS), fail-soft.

TEMPLATE MODULE: the game's kernels are globals bound by ``searchprune.search.build``.

The first move (the best by ordering) is searched with the full window; every later
move only has to be shown no better, which a null window ``(a, a + 1)`` proves
cheaply. A later move that beats it is searched again with the full window
(Reinefeld 1983; Marsland, "A review of game-tree pruning", 1986).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.context import (
    ABORTED,
    CUTOFFS,
    FIRST_CUTOFFS,
    OPT_TT,
    update_pv,
)
from searchprune.search.history import note_cutoff
from searchprune.search.tt import probe_node, store_node
from searchprune.types import INF, NO_MOVE


@njit(**JIT)
def negascout(ctx, state: np.ndarray, depth: int, ply: int, alpha: int, beta: int) -> int:
    """PVS value of ``state`` to ``depth`` plies in window ``(alpha, beta)``.

    Same fail-soft contract as ``alphabeta``: ``v <= alpha`` means ``V <= v``,
    ``alpha < v < beta`` means ``V == v``, ``v >= beta`` means ``V >= v``. Returns 0
    meaninglessly once the search is aborted; callers check ``ctx.stats[ABORTED]``.
    """
    done, value = enter_node(ctx, state, depth, ply)  # noqa: F821
    if done:
        return value

    use_tt = ctx.opts[OPT_TT] != 0
    tt_move = NO_MOVE
    k = key(state)  # noqa: F821
    if use_tt:
        cut, value, tt_move = probe_node(ctx, k, depth, ply, alpha, beta)
        if cut:
            return value

    moves = ctx.moves[ply]
    order = ctx.order[ply]
    n = gen_moves(state, moves)  # noqa: F821
    score_moves(state, moves, order, n, tt_move, ctx.opts, ctx.killers[ply], ctx.history)  # noqa: F821
    alpha0 = alpha
    best = -INF
    best_move = NO_MOVE
    for i in range(n):
        move = pick_next(moves, order, n, i)  # noqa: F821
        make(state, move)  # noqa: F821
        if i == 0:
            value = -negascout(ctx, state, depth - 1, ply + 1, -beta, -alpha)
        else:
            value = -negascout(ctx, state, depth - 1, ply + 1, -alpha - 1, -alpha)
            if alpha < value < beta and not ctx.stats[ABORTED]:
                value = -negascout(ctx, state, depth - 1, ply + 1, -beta, -alpha)
        unmake(state, move)  # noqa: F821
        if ctx.stats[ABORTED]:
            return 0
        if value > best:
            best = value
            best_move = move
            if value > alpha:
                alpha = value
                update_pv(ctx, ply, move)
                if value >= beta:
                    ctx.stats[CUTOFFS] += 1
                    if i == 0:
                        ctx.stats[FIRST_CUTOFFS] += 1
                    note_cutoff(ctx.killers, ctx.history, ply, move, depth)
                    break
    if use_tt:
        store_node(ctx, k, depth, ply, alpha0, beta, best, best_move)
    return best
