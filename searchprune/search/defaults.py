"""Defaults of the optional game kernels, for games that do not define them.

TEMPLATE MODULE: ``searchprune.search.build`` pastes this source into the generated
search module and then imports, over it, whichever of these names the game module
defines. ``terminal`` is the game's kernel, bound as a global.

=================================  =====================================================
``in_check(state) -> bool``        the side to move is in check (check extension; no
                                   null move, reduction or stand-pat in check)
``gen_tactical(state, buf) -> n``  moves that change the material (quiescence search);
                                   every legal move when in check
``is_tactical(state, move)``       ``move`` (not yet played) is one of those
``make_null / unmake_null(state)`` pass the move (null-move pruning)
``null_ok(state) -> bool``         a null move is safe here (zugzwang is unlikely)
``perft_over(state) -> bool``      a line of the perft tree ends here with no leaves
=================================  =====================================================

and of the evaluator's optional hooks (an incremental evaluator, such as the chess
net's accumulators, keeps per-ply working state in ``params``):

=================================  =====================================================
``eval_reset(state, params)``      set the working state up for ``state`` (at the root)
``eval_make(state, params)``       after a make or null move: update it for the new ply
                                   (unmake needs no hook: the last ply's is untouched)
=================================  =====================================================

With these defaults the quiescence search is a plain evaluation and null moves are
never tried, so switching those components on for such a game changes nothing.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.types import ONGOING


@njit(**JIT)
def in_check(state: np.ndarray) -> bool:
    return False


@njit(**JIT)
def gen_tactical(state: np.ndarray, buf: np.ndarray) -> int:
    return 0


@njit(**JIT)
def is_tactical(state: np.ndarray, move: int) -> bool:
    return False


@njit(**JIT)
def make_null(state: np.ndarray) -> None:
    pass


@njit(**JIT)
def unmake_null(state: np.ndarray) -> None:
    pass


@njit(**JIT)
def null_ok(state: np.ndarray) -> bool:
    return False


@njit(**JIT)
def perft_over(state: np.ndarray) -> bool:
    """By default a finished game (by any of its rules) has no leaves below it."""
    return terminal(state) != ONGOING  # noqa: F821


@njit(**JIT)
def eval_reset(state: np.ndarray, params: np.ndarray) -> None:
    pass


@njit(**JIT)
def eval_make(state: np.ndarray, params: np.ndarray) -> None:
    pass
