"""Move ordering: score each generated move once, then pick the best remaining.

TEMPLATE MODULE: ``order_hints`` is the game's kernel, bound as a global when
``searchprune.search.build`` writes the game-specialised search.

Priorities, highest first (one int64 score per move in ``ctx.order[ply]``)::

    TT move                       1 << 60
    game hint h > 0               h << 24     (wins, forced replies, threats, centre)
    first / second killer         1 << 23 / 1 << 22
    history                       < 1 << 20   (history.HISTORY_CAP)
    generation order              -i          (ties; the whole order with all off)

``pick_next`` is a selection step over those fixed per-ply arrays: it swaps the best
remaining move into place ``i``. Most nodes cut off after a move or two, so this
costs less than sorting all of them, and nothing is allocated.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.context import OPT_HINTS, OPT_HISTORY, OPT_KILLERS

TT_MOVE_SCORE = 1 << 60
HINT_SHIFT = 24
KILLER_1 = 1 << 23
KILLER_2 = 1 << 22


@njit(**JIT)
def score_moves(
    state: np.ndarray, moves: np.ndarray, order: np.ndarray, n: int, tt_move: int,
    opts: np.ndarray, killers: np.ndarray, history: np.ndarray,
) -> None:
    """Score ``moves[:n]`` into ``order[:n]``; ``killers`` is this ply's pair."""
    if opts[OPT_HINTS]:
        order_hints(state, moves, n, order)  # noqa: F821 (bound by build)
        for i in range(n):
            order[i] = (order[i] << HINT_SHIFT) - i
    else:
        for i in range(n):
            order[i] = -i
    for i in range(n):
        move = moves[i]
        if move == tt_move:
            order[i] = TT_MOVE_SCORE
            continue
        if opts[OPT_KILLERS]:
            if move == killers[0]:
                order[i] += KILLER_1
            elif move == killers[1]:
                order[i] += KILLER_2
        if opts[OPT_HISTORY]:
            order[i] += history[move]


@njit(**JIT)
def pick_next(moves: np.ndarray, order: np.ndarray, n: int, i: int) -> int:
    """Swap the best-scored of ``moves[i:n]`` (scores in ``order``) into place ``i``; return it."""
    best = i
    for j in range(i + 1, n):
        if order[j] > order[best]:
            best = j
    if best != i:
        moves[i], moves[best] = moves[best], moves[i]
        order[i], order[best] = order[best], order[i]
    return moves[i]
