"""Material and piece-square tables of the hand-written evaluation, built in numpy.

Two phases: middlegame (``MG``) and endgame (``EG``). The evaluation blends them by
the material left (``PHASE_WEIGHT``: knight and bishop 1, rook 2, queen 4; 24 at
the start). Values are centipawns and include the piece's material.

The tables are written here as a few rules rather than copied from an engine:
central squares for knights and bishops, advanced central pawns, rooks on the
seventh rank, a sheltered king in the middlegame and a central king in the endgame.
``PST_MG[code, sq]`` and ``PST_EG[code, sq]`` are signed (black pieces negative) and
indexed by the state's piece codes, so make/unmake add and subtract them directly.
"""

from __future__ import annotations

import numpy as np

from searchprune.games.chess.tables import BISHOP, BLACK, KING, KNIGHT, PAWN, QUEEN, ROOK, WHITE

MATERIAL_MG = (82, 330, 350, 480, 990, 0)
MATERIAL_EG = (100, 290, 310, 530, 960, 0)
PHASE_WEIGHT = np.array([0, 1, 1, 2, 4, 0], dtype=np.int64)
TOTAL_PHASE = 24


def _centrality(f: int, r: int) -> float:
    """0 on the four centre squares, 3 in the corners (Chebyshev distance to the centre)."""
    return max(abs(f - 3.5), abs(r - 3.5)) - 0.5


def _white_table(piece: int, endgame: bool) -> np.ndarray:
    """Positional bonus for a white ``piece`` on each square (a1 = 0)."""
    table = np.zeros(64)
    for sq in range(64):
        f, r = sq & 7, sq >> 3
        c = _centrality(f, r)
        central_file = 3.5 - abs(f - 3.5)  # 0.5 on the rook files, 3.5 in the middle
        if piece == PAWN:
            if endgame:
                value = [0, -5, 0, 10, 25, 45, 80, 0][r]
            else:
                value = [0, 0, 2, 6, 12, 20, 40, 0][r] + (r in (3, 4)) * 4 * central_file
                if r == 1 and f in (3, 4):
                    value -= 10  # centre pawns still at home block the bishops
        elif piece == KNIGHT:
            value = 15 - 12 * c - (8 if r in (0, 7) and not endgame else 0)
        elif piece == BISHOP:
            value = 8 - 6 * c + (6 if f in (r, 7 - r) and not endgame else 0)
        elif piece == ROOK:
            value = (15 if r == 6 else 0) + (0 if endgame else 2 * central_file)
        elif piece == QUEEN:
            value = 4 - 3 * c - (5 if r == 0 and not endgame else 0)
        else:  # king
            if endgame:
                value = 20 - 12 * c
            else:
                value = -20 * r - (25 if f in (3, 4) else 0) - (10 if f in (2, 5) else 0) + (10 if r == 0 else 0)
        table[sq] = value
    return table


def _signed_tables(endgame: bool) -> np.ndarray:
    material = MATERIAL_EG if endgame else MATERIAL_MG
    pst = np.zeros((16, 64), dtype=np.int64)
    for piece in (PAWN, KNIGHT, BISHOP, ROOK, QUEEN, KING):
        white = np.rint(_white_table(piece, endgame)).astype(np.int64) + material[piece]
        pst[WHITE * 8 + piece + 1] = white
        pst[BLACK * 8 + piece + 1] = -white[np.arange(64) ^ 56]  # mirrored ranks
    return pst


PST_MG = _signed_tables(endgame=False)
PST_EG = _signed_tables(endgame=True)
#: Phase weight by piece code.
PHASE_OF = np.zeros(16, dtype=np.int64)
for _colour in (WHITE, BLACK):
    PHASE_OF[_colour * 8 + 1: _colour * 8 + 7] = PHASE_WEIGHT
