"""Entry point of the compiled search: one root search of one iteration.

TEMPLATE MODULE: bound to a game by ``searchprune.search.build``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.types import ALPHABETA, MINIMAX


@njit(**JIT)
def search_root(ctx, state: np.ndarray, depth: int, alpha: int, beta: int, algorithm: int) -> int:
    """Search ``state`` to ``depth`` with ``algorithm`` (types.MINIMAX/ALPHABETA/NEGASCOUT).

    Returns the root value under the chosen algorithm's contract (minimax ignores the
    window); the principal variation is ``ctx.pv[0, :ctx.pv_len[0]]``. The state is
    restored on return, aborted or not.
    """
    ply = np.int64(0)
    eval_reset(state, ctx.params)  # noqa: F821
    if algorithm == MINIMAX:
        return minimax(ctx, state, depth, ply)  # noqa: F821
    if algorithm == ALPHABETA:
        return alphabeta(ctx, state, depth, ply, alpha, beta)  # noqa: F821
    return negascout(ctx, state, depth, ply, alpha, beta)  # noqa: F821
