"""What every node search does before it looks at moves.

TEMPLATE MODULE: ``terminal``, ``evaluate`` and ``in_check`` are the game's kernels,
and ``quiesce_moves`` the quiescence template, bound as globals by
``searchprune.search.build``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.context import EVALS, OPT_CHECK_EXT, OPT_QSEARCH, count_node
from searchprune.types import MAX_PLY, ONGOING, terminal_score


@njit(**JIT)
def enter_node(ctx, state: np.ndarray, depth: int, ply: int, alpha: int, beta: int):
    """``(done, value, depth)``: ``done`` if the node needs no move search, ``value`` its
    score, and the depth to search it to (one more when in check, with check extension).

    Clears the node's PV, counts the node and checks the limits (an aborted search is
    done with a meaningless 0), scores a finished game by its result and distance, and
    a horizon node (``depth <= 0``, or the deepest ply) by the quiescence search when it
    is on, else by the evaluator. ``alpha`` and ``beta`` are the window of that search.
    """
    ctx.pv_len[ply] = ply
    if count_node(ctx, ply):
        return True, np.int64(0), depth
    status = terminal(state)  # noqa: F821
    if status != ONGOING:
        return True, np.int64(terminal_score(status, ply)), depth
    if ply < MAX_PLY - 1 and ctx.opts[OPT_CHECK_EXT] and in_check(state):  # noqa: F821
        depth += 1
    if depth <= 0 or ply >= MAX_PLY:
        if ctx.opts[OPT_QSEARCH]:
            return True, np.int64(quiesce_moves(ctx, state, ply, alpha, beta)), depth  # noqa: F821
        ctx.stats[EVALS] += 1
        return True, np.int64(evaluate(state, ctx.params)), depth  # noqa: F821
    return False, np.int64(0), depth
