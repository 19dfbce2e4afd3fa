"""Constant tables of the chess kernels, built once in numpy at import.

Squares are numbered as in python-chess: ``a1 = 0, b1 = 1, ..., h1 = 7, a2 = 8, ...,
h8 = 63`` (``rank = sq >> 3``, ``file = sq & 7``). Bitboards are ``uint64`` with bit
``sq`` for square ``sq``. Compiled kernels read these arrays as globals, which Numba
freezes into the machine code as constants.

Sliding attacks use the classical ray method: ``RAYS[d, sq]`` is every square from
``sq`` outward in direction ``d``; the nearest blocker on a positive ray (towards
h8) is its lowest set bit, on a negative ray its highest, and the squares behind
it are cut off with the blocker's own ray. One bit scan per direction, no tables
of occupancy patterns.
"""

from __future__ import annotations

import chess.polyglot
import numpy as np

WHITE, BLACK = 0, 1
PAWN, KNIGHT, BISHOP, ROOK, QUEEN, KING = 0, 1, 2, 3, 4, 5
PIECE_SYMBOLS = "pnbrqk"

# Directions as (file step, rank step); the first four are positive (square index grows).
DIRECTIONS = ((0, 1), (1, 0), (1, 1), (-1, 1), (0, -1), (-1, 0), (-1, -1), (1, -1))
NORTH, EAST, NORTH_EAST, NORTH_WEST, SOUTH, WEST, SOUTH_WEST, SOUTH_EAST = range(8)
#: Rook directions and bishop directions (first two of each positive).
ROOK_DIRS = np.array([NORTH, EAST, SOUTH, WEST], dtype=np.int64)
BISHOP_DIRS = np.array([NORTH_EAST, NORTH_WEST, SOUTH_WEST, SOUTH_EAST], dtype=np.int64)


def _on_board(f: int, r: int) -> bool:
    return 0 <= f < 8 and 0 <= r < 8


def _step_table(steps: list[tuple[int, int]]) -> np.ndarray:
    table = np.zeros(64, dtype=np.uint64)
    for sq in range(64):
        f, r = sq & 7, sq >> 3
        bb = 0
        for df, dr in steps:
            if _on_board(f + df, r + dr):
                bb |= 1 << ((r + dr) * 8 + f + df)
        table[sq] = bb
    return table


KNIGHT_ATTACKS = _step_table([(1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)])
KING_ATTACKS = _step_table([(df, dr) for df in (-1, 0, 1) for dr in (-1, 0, 1) if df or dr])
#: ``PAWN_ATTACKS[colour, sq]``: squares a pawn of ``colour`` on ``sq`` attacks.
PAWN_ATTACKS = np.stack([_step_table([(-1, 1), (1, 1)]), _step_table([(-1, -1), (1, -1)])])


def _rays() -> np.ndarray:
    rays = np.zeros((8, 64), dtype=np.uint64)
    for d, (df, dr) in enumerate(DIRECTIONS):
        for sq in range(64):
            f, r = (sq & 7) + df, (sq >> 3) + dr
            bb = 0
            while _on_board(f, r):
                bb |= 1 << (r * 8 + f)
                f, r = f + df, r + dr
            rays[d, sq] = bb
    return rays


RAYS = _rays()


def _between_and_line() -> tuple[np.ndarray, np.ndarray]:
    """``BETWEEN[a, b]``: squares strictly between two aligned squares (else 0).
    ``LINE[a, b]``: the whole board line through both (else 0)."""
    between = np.zeros((64, 64), dtype=np.uint64)
    line = np.zeros((64, 64), dtype=np.uint64)
    for a in range(64):
        for d in range(8):
            ray = int(RAYS[d, a])
            opposite = int(RAYS[(d + 4) % 8, a])
            for b in range(64):
                if ray >> b & 1:
                    between[a, b] = ray & ~int(RAYS[d, b]) & ~(1 << b)
                    line[a, b] = ray | opposite | (1 << a)
    return between, line


BETWEEN, LINE = _between_and_line()

RANK_1 = np.uint64(0xFF)
RANK_8 = np.uint64(0xFF << 56)
FILE_A = np.uint64(0x0101010101010101)
FILE_H = np.uint64(0x8080808080808080)
LIGHT_SQUARES = np.uint64(0x55AA55AA55AA55AA)
DARK_SQUARES = np.uint64(0xAA55AA55AA55AA55)
#: Per colour: the rank a pawn double-pushes from reaches after one step, and the last rank.
PUSH_TWICE_RANK = np.array([0xFF << 16, 0xFF << 40], dtype=np.uint64)
PROMOTION_RANK = np.array([0xFF << 56, 0xFF], dtype=np.uint64)

# -- castling --------------------------------------------------------------------------
#: Castling-right bits: white king side, white queen side, black king side, black queen side.
WK, WQ, BK, BQ = 1, 2, 4, 8
#: Rights that survive a move from or to each square (a king or rook leaving its start
#: square, or a rook being captured there, loses them).
CASTLE_KEEP = np.full(64, 15, dtype=np.int64)
CASTLE_KEEP[4] = 15 & ~(WK | WQ)
CASTLE_KEEP[0] = 15 & ~WQ
CASTLE_KEEP[7] = 15 & ~WK
CASTLE_KEEP[60] = 15 & ~(BK | BQ)
CASTLE_KEEP[56] = 15 & ~BQ
CASTLE_KEEP[63] = 15 & ~BK

# -- moves ----------------------------------------------------------------------------
#: A move is ``from | to << 6 | kind << 12``.
NORMAL, PROMO_N, PROMO_B, PROMO_R, PROMO_Q, EN_PASSANT, CASTLING, DOUBLE_PUSH = range(8)
MOVE_SPACE = 8 << 12
NULL_MOVE = MOVE_SPACE  # never generated; marks a null move in the history

# -- Polyglot Zobrist keys --------------------------------------------------------------
#: The 781 Polyglot random numbers (the same table python-chess hashes with):
#: 0..767 pieces (``64 * kind + square``, kind = 2 * type + 1 for white, 2 * type for
#: black), 768..771 castling rights (K, Q, k, q), 772..779 en-passant file, 780 white to move.
POLYGLOT = np.array(chess.polyglot.POLYGLOT_RANDOM_ARRAY, dtype=np.uint64)
#: ``PIECE_KEYS[code, sq]`` for the state's piece codes (see ``board.py``), 0 for empty.
PIECE_KEYS = np.zeros((16, 64), dtype=np.uint64)
for _colour in (WHITE, BLACK):
    for _type in range(6):
        _kind = 2 * _type + (1 if _colour == WHITE else 0)
        PIECE_KEYS[_colour * 8 + _type + 1] = POLYGLOT[64 * _kind: 64 * _kind + 64]
#: Key of each of the 16 castling-right sets (xor of the rights present).
CASTLE_KEYS = np.zeros(16, dtype=np.uint64)
for _rights in range(16):
    for _bit in range(4):
        if _rights >> _bit & 1:
            CASTLE_KEYS[_rights] ^= POLYGLOT[768 + _bit]
EP_KEYS = POLYGLOT[772:780].copy()
TURN_KEY = POLYGLOT[780]
