"""Chess: compiled bitboard kernels (``board``), evaluation, and the python-chess bridge.

This package is the game module the search binds: it re-exports the protocol
kernels and the optional ones the chess search components use (quiescence, check
extension, null move, late-move reductions, futility pruning).
"""

from searchprune.games.chess.board import (  # noqa: F401
    gen_moves,
    gen_tactical,
    has_legal_move,
    in_check,
    is_tactical,
    key,
    make,
    make_null,
    null_ok,
    order_hints,
    perft_over,
    terminal,
    unmake,
    unmake_null,
)
from searchprune.games.chess.evaluation import evaluate  # noqa: F401
from searchprune.games.chess.game import Chess  # noqa: F401
