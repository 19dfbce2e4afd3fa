"""What every node search does before it looks at moves, and the quiescence search.

TEMPLATE MODULE: ``terminal``, ``evaluate`` and ``in_check`` are the game's kernels,
bound as globals by ``searchprune.search.build``.

Quiescence (``OPT_QSEARCH``): a static evaluation in the middle of an exchange is
meaningless, so below the horizon (``depth <= 0``) a node takes the better of
"standing pat" on its evaluation (the side to move may usually decline to capture)
and the values of its tactical moves (``gen_tactical``: captures and promotions),
recursively (Beal; Slate and Atkin's Chess 4.5). In check there is no standing pat:
every evasion is searched, and having none is mate (``terminal``). Each search kernel
runs these nodes itself, as nodes of depth <= 0 whose moves are the tactical ones and
whose best value starts at the stand-pat score, so the tree stays one self-recursive
kernel per algorithm: a separate recursive quiescence kernel called from the
recursive searches compiled and ran, but crashed when Numba loaded it back from the
disk cache. Without ``gen_tactical`` (the default kernel generates nothing) this is
the plain evaluation at the horizon.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.context import EVALS, OPT_CHECK_EXT, OPT_QSEARCH, count_node
from searchprune.types import INF, MAX_PLY, ONGOING, terminal_score


@njit(**JIT)
def enter_node(ctx, state: np.ndarray, depth: int, ply: int, alpha: int, beta: int):
    """``(done, value, depth)`` for a node about to be searched in window ``(alpha, beta)``.

    ``done``: the node needs no move search and ``value`` is its score: the search was
    aborted (a meaningless 0), the game is over (scored by result and distance), or it
    is a horizon node (``depth <= 0``, or the deepest ply) scored by the evaluator, or a
    quiescence node whose stand-pat score already fails high.

    Otherwise ``value`` is where the node's best score starts: ``-INF``, or the
    stand-pat score of a quiescence node (``depth <= 0``: search ``gen_tactical``'s
    moves). ``depth`` comes back one deeper when in check, with check extension.
    """
    ctx.pv_len[ply] = ply
    if count_node(ctx, ply):
        return True, np.int64(0), depth
    status = terminal(state)  # noqa: F821
    if status != ONGOING:
        return True, np.int64(terminal_score(status, ply)), depth
    if ply < MAX_PLY - 1 and ctx.opts[OPT_CHECK_EXT] and in_check(state):  # noqa: F821
        depth = max(depth, 0) + 1
    if depth > 0 and ply < MAX_PLY:
        return False, np.int64(-INF), depth
    if ply >= MAX_PLY or not ctx.opts[OPT_QSEARCH]:
        ctx.stats[EVALS] += 1
        return True, np.int64(evaluate(state, ctx.params)), depth  # noqa: F821
    if in_check(state):  # noqa: F821
        return False, np.int64(-INF), depth  # every evasion, no standing pat
    ctx.stats[EVALS] += 1
    stand_pat = np.int64(evaluate(state, ctx.params))  # noqa: F821
    return stand_pat >= beta, stand_pat, depth
