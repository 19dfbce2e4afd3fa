"""Score, bound and status vocabulary shared by every game and search kernel.

Scores are integers from the side to move's point of view (negamax). A win found
``n`` plies from the root scores ``MATE - n``; a loss ``-(MATE - n)``. Everything
beyond ``MATE_BOUND`` in absolute value is such a forced result, and those scores
are stored in the transposition table relative to the node (``value_to_tt``) and
turned back into root-relative scores on probe (``value_from_tt``), so a result
found through a transposition at another ply keeps the right distance.
"""

from __future__ import annotations

from numba import njit

from searchprune.config import JIT

#: Bound on every score; a window of ``(-INF, INF)`` is the full window.
INF = 32000
#: Score of a win at the root itself; win in ``n`` plies is ``MATE - n``.
MATE = 31000
#: Deepest ply any search reaches (array sizes are ``MAX_PLY + 1``).
MAX_PLY = 128
#: Scores at or beyond this magnitude are forced wins or losses.
MATE_BOUND = MATE - MAX_PLY
#: A move slot with no move in it.
NO_MOVE = -1

# Transposition-table bound kinds (what the stored score means).
BOUND_NONE = 0
BOUND_UPPER = 1  # the true score is <= stored (search failed low)
BOUND_LOWER = 2  # the true score is >= stored (search failed high)
BOUND_EXACT = 3  # BOUND_UPPER | BOUND_LOWER

# Terminal status of a position, from the side to move's point of view.
ONGOING = 0
WIN = 1
DRAW = 2
LOSS = 3

# Search algorithms understood by the compiled root search.
MINIMAX = 0
ALPHABETA = 1
NEGASCOUT = 2
ALGORITHMS = {"minimax": MINIMAX, "alphabeta": ALPHABETA, "negascout": NEGASCOUT}


@njit(**JIT)
def value_to_tt(value: int, ply: int) -> int:
    """Make a root-relative win/loss score node-relative before storing it."""
    if value >= MATE_BOUND:
        return value + ply
    if value <= -MATE_BOUND:
        return value - ply
    return value


@njit(**JIT)
def value_from_tt(value: int, ply: int) -> int:
    """Turn a node-relative win/loss score from the table back into root-relative."""
    if value >= MATE_BOUND:
        return value - ply
    if value <= -MATE_BOUND:
        return value + ply
    return value


def format_score(value: int) -> str:
    """Human form: ``+12`` for a heuristic score, ``win in 5`` / ``loss in 4`` for forced ones."""
    if value >= MATE_BOUND:
        return f"win in {MATE - value}"
    if value <= -MATE_BOUND:
        return f"loss in {MATE + value}"
    return f"{value:+d}"


@njit(**JIT)
def terminal_score(status: int, ply: int) -> int:
    """Score of a finished position ``ply`` plies from the root, for the side to move.

    Sooner wins score higher and later losses score higher, so the search prefers
    the quickest win and the slowest loss.
    """
    if status == WIN:
        return MATE - ply
    if status == LOSS:
        return -(MATE - ply)
    return 0
