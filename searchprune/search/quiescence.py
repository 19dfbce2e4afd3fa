"""Quiescence search: at the horizon, play out captures until the position is quiet.

TEMPLATE MODULE: the game's kernels (``terminal``, ``evaluate``, ``in_check``,
``gen_moves``, ``gen_tactical``, ``order_hints``, ``make``, ``unmake``) are globals
bound by ``searchprune.search.build``.

A static evaluation in the middle of an exchange is meaningless, so the horizon
node instead takes the better of "stand pat" (its evaluation: the side to move may
usually decline to capture) and the values of its tactical moves, recursively
(Beal; Slate and Atkin's Chess 4.5). In check there is no standing pat: every
evasion is searched, and having none is mate. Moves are tried in the game's hint
order (MVV-LVA for chess). It is exact alpha-beta over that tactical tree, so its
value does not depend on the window.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.context import ABORTED, EVALS, count_node, update_pv
from searchprune.types import INF, MAX_PLY, ONGOING, terminal_score


@njit(**JIT)
def quiesce(ctx, state: np.ndarray, ply: int, alpha: int, beta: int) -> int:
    """Quiescence value of a node below the horizon (fail-soft, like ``alphabeta``)."""
    ctx.pv_len[ply] = ply
    if count_node(ctx, ply):
        return np.int64(0)
    status = terminal(state)  # noqa: F821
    if status != ONGOING:
        return np.int64(terminal_score(status, ply))
    return quiesce_moves(ctx, state, ply, alpha, beta)


@njit(**JIT)
def quiesce_moves(ctx, state: np.ndarray, ply: int, alpha: int, beta: int) -> int:
    """The quiescence search of an ongoing position already counted as a node."""
    if ply >= MAX_PLY:
        ctx.stats[EVALS] += 1
        return np.int64(evaluate(state, ctx.params))  # noqa: F821
    moves = ctx.moves[ply]
    order = ctx.order[ply]
    best = -INF
    if in_check(state):  # noqa: F821
        n = gen_moves(state, moves)  # noqa: F821
    else:
        ctx.stats[EVALS] += 1
        best = np.int64(evaluate(state, ctx.params))  # noqa: F821
        if best >= beta:
            return best
        if best > alpha:
            alpha = best
        n = gen_tactical(state, moves)  # noqa: F821
    order_hints(state, moves, n, order)  # noqa: F821
    for i in range(n):
        move = pick_next(moves, order, n, i)  # noqa: F821
        make(state, move)  # noqa: F821
        value = -quiesce(ctx, state, ply + 1, -beta, -alpha)
        unmake(state, move)  # noqa: F821
        if ctx.stats[ABORTED]:
            return np.int64(0)
        if value > best:
            best = value
            if value > alpha:
                alpha = value
                update_pv(ctx, ply, move)
                if value >= beta:
                    break
    return best
