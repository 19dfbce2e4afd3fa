"""Fail-soft negamax alpha-beta with transposition table and move ordering.

TEMPLATE MODULE: the game's kernels are globals bound by ``searchprune.search.build``.
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
from searchprune.types import NO_MOVE


@njit(**JIT)
def alphabeta(ctx, state: np.ndarray, depth: int, ply: int, alpha: int, beta: int) -> int:
    """Alpha-beta value of ``state`` to ``depth`` plies in window ``(alpha, beta)``.

    Fail-soft contract, with ``v`` the returned value and ``V`` the minimax value:

    - ``v <= alpha``: fail low, ``V <= v``;
    - ``alpha < v < beta``: exact, ``V == v``;
    - ``v >= beta``: fail high, ``V >= v``.

    Scores are from the side to move. Returns 0 meaninglessly once the search is
    aborted (``ctx.stats[ABORTED]``); callers check it.
    """
    done, value, depth = enter_node(ctx, state, depth, ply, alpha, beta)  # noqa: F821
    if done:
        return value
    best = value  # -INF, or the stand-pat score of a quiescence node (depth <= 0)
    if best > alpha:
        alpha = best

    use_tt = ctx.opts[OPT_TT] != 0 and depth > 0
    tt_move = NO_MOVE
    k = key(state)  # noqa: F821
    if use_tt:
        cut, value, tt_move = probe_node(ctx, k, depth, ply, alpha, beta)
        if cut:
            return value

    moves = ctx.moves[ply]
    order = ctx.order[ply]
    n = gen_moves(state, moves) if depth > 0 else gen_tactical(state, moves)  # noqa: F821
    score_moves(state, moves, order, n, tt_move, ctx.opts, ctx.killers[ply], ctx.history)  # noqa: F821
    alpha0 = alpha
    best_move = NO_MOVE
    for i in range(n):
        move = pick_next(moves, order, n, i)  # noqa: F821
        make(state, move)  # noqa: F821
        eval_make(state, ctx.params)  # noqa: F821
        value = -alphabeta(ctx, state, depth - 1, ply + 1, -beta, -alpha)
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
                    if depth > 0:
                        note_cutoff(ctx.killers, ctx.history, ply, move, depth)
                    break
    if use_tt:
        store_node(ctx, k, depth, ply, alpha0, beta, best, best_move)
    return best
