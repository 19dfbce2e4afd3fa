"""What every node search does before it looks at moves.

TEMPLATE MODULE: ``terminal`` and ``evaluate`` are the game's kernels, bound as
globals by ``searchprune.search.build``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.context import EVALS, count_node
from searchprune.types import MAX_PLY, ONGOING, terminal_score


@njit(**JIT)
def enter_node(ctx, state: np.ndarray, depth: int, ply: int):
    """``(done, value)``: ``done`` if the node needs no move search, ``value`` its score.

    Clears the node's PV, counts the node and checks the limits (an aborted search is
    done with a meaningless 0), scores a finished game by its result and distance, and
    a horizon node (``depth <= 0``, or the deepest ply) by the evaluator.
    """
    ctx.pv_len[ply] = ply
    if count_node(ctx, ply):
        return True, np.int64(0)
    status = terminal(state)  # noqa: F821
    if status != ONGOING:
        return True, np.int64(terminal_score(status, ply))
    if depth <= 0 or ply >= MAX_PLY:
        ctx.stats[EVALS] += 1
        return True, np.int64(evaluate(state, ctx.params))  # noqa: F821
    return False, np.int64(0)
