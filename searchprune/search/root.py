"""Entry points of the compiled search: one root search of one iteration, one per algorithm.

TEMPLATE MODULE: bound to a game by ``searchprune.search.build``.

Each algorithm has its own root kernel, so that a search compiles only the algorithm it
runs: one root dispatching on an argument made every process compile all three (about
4.5 of the chess search's 35 s cold compile went to the two it did not use).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT


@njit(**JIT)
def root_minimax(ctx, state: np.ndarray, depth: int, alpha: int, beta: int) -> int:
    """Search ``state`` to ``depth`` with plain minimax (the window is ignored).

    Like every root kernel: the principal variation is ``ctx.pv[0, :ctx.pv_len[0]]``
    and the state is restored on return, aborted or not.
    """
    eval_reset(state, ctx.params)  # noqa: F821
    return minimax(ctx, state, depth, np.int64(0))  # noqa: F821


@njit(**JIT)
def root_alphabeta(ctx, state: np.ndarray, depth: int, alpha: int, beta: int) -> int:
    """Search ``state`` to ``depth`` with alpha-beta in the window ``(alpha, beta)``."""
    eval_reset(state, ctx.params)  # noqa: F821
    return alphabeta(ctx, state, depth, np.int64(0), alpha, beta)  # noqa: F821


@njit(**JIT)
def root_negascout(ctx, state: np.ndarray, depth: int, alpha: int, beta: int) -> int:
    """Search ``state`` to ``depth`` with NegaScout in the window ``(alpha, beta)``."""
    eval_reset(state, ctx.params)  # noqa: F821
    return negascout(ctx, state, depth, np.int64(0), alpha, beta)  # noqa: F821
