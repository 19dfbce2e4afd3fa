"""The hand-written chess evaluation: tapered material and piece-square tables plus a
few well-known terms.

``evaluate(state, params)`` is the game's default evaluator (the slot a net takes
later). Terms, each in centipawns as a (middlegame, endgame) pair and blended by the
material phase:

- material and piece-square tables (kept incrementally by make/unmake, ``pst.py``);
- bishop pair;
- pawn structure: passed pawns by rank, doubled and isolated pawns;
- mobility of knights, bishops, rooks and queens: squares attacked that hold no own
  piece and no enemy pawn's attack, against a typical count;
- rooks on open and half-open files;
- pawn shelter in front of a castled-side king (middlegame only);
- a small bonus for the side to move (tempo).

``params`` is unused: the hand-written weights are constants here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.bits import lowest_index, popcount
from searchprune.config import JIT
from searchprune.games.chess.board import BOARD, EG, MG, PHASE, SIDE, bishop_attacks, rook_attacks
from searchprune.games.chess.pst import TOTAL_PHASE
from searchprune.games.chess.tables import (
    BISHOP,
    BLACK,
    FILE_A,
    KING,
    KNIGHT,
    KNIGHT_ATTACKS,
    PAWN,
    QUEEN,
    ROOK,
    WHITE,
)

_ONE = np.uint64(1)
_ZERO = np.uint64(0)

BISHOP_PAIR = (30, 50)
PASSED = np.array([[0, 0], [5, 10], [5, 15], [10, 25], [20, 45], [35, 75], [60, 120], [0, 0]], dtype=np.int64)
DOUBLED = (-10, -20)
ISOLATED = (-10, -12)
ROOK_OPEN = (25, 10)
ROOK_HALF_OPEN = (12, 6)
SHELTER = 8
TEMPO = 10
#: Mobility (mg, eg) per square beyond ``MOBILITY_BASE`` for knight, bishop, rook, queen.
MOBILITY = np.array([[4, 4], [5, 5], [2, 4], [1, 2]], dtype=np.int64)
MOBILITY_BASE = np.array([4, 6, 7, 13], dtype=np.int64)


def _masks() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    files = np.array([int(FILE_A) << f for f in range(8)], dtype=np.uint64)
    adjacent = np.zeros(8, dtype=np.uint64)
    for f in range(8):
        adjacent[f] = (int(files[f - 1]) if f > 0 else 0) | (int(files[f + 1]) if f < 7 else 0)
    # Squares a pawn must not find enemy pawns on to be passed: ahead on its file and both neighbours.
    passed = np.zeros((2, 64), dtype=np.uint64)
    shelter = np.zeros((2, 64), dtype=np.uint64)
    for sq in range(64):
        f, r = sq & 7, sq >> 3
        span = int(files[f]) | int(adjacent[f])
        ahead_w = sum(0xFF << (8 * rr) for rr in range(r + 1, 8))
        ahead_b = sum(0xFF << (8 * rr) for rr in range(0, r))
        passed[WHITE, sq] = span & ahead_w
        passed[BLACK, sq] = span & ahead_b
        near_w = sum(0xFF << (8 * rr) for rr in (r + 1, r + 2) if rr < 8)
        near_b = sum(0xFF << (8 * rr) for rr in (r - 1, r - 2) if rr >= 0)
        shelter[WHITE, sq] = span & near_w
        shelter[BLACK, sq] = span & near_b
    return files, adjacent, passed, shelter


FILES, ADJACENT_FILES, PASSED_SPAN, SHELTER_ZONE = _masks()
_NOT_A = ~np.uint64(FILE_A)
_NOT_H = ~(np.uint64(FILE_A) << np.uint64(7))


@njit(**JIT)
def _pawn_attacks(pawns: np.uint64, colour: int) -> np.uint64:
    if colour == WHITE:
        return ((pawns & _NOT_A) << np.uint64(7)) | ((pawns & _NOT_H) << np.uint64(9))
    return ((pawns & _NOT_A) >> np.uint64(9)) | ((pawns & _NOT_H) >> np.uint64(7))


@njit(**JIT)
def _side_terms(state: np.ndarray, us: int) -> tuple:
    """(mg, eg) of every term but the tables, for colour ``us``."""
    them = 1 - us
    own = np.uint64(state[6 + us])
    occ = np.uint64(state[6]) | np.uint64(state[7])
    all_pawns = np.uint64(state[PAWN])
    pawns = all_pawns & own
    enemy_pawns = all_pawns & ~own
    mg = 0
    eg = 0
    if popcount(np.uint64(state[BISHOP]) & own) >= 2:
        mg += BISHOP_PAIR[0]
        eg += BISHOP_PAIR[1]
    # pawns
    rest = pawns
    while rest:
        sq = lowest_index(rest)
        rest &= rest - _ONE
        f = sq & 7
        if not (PASSED_SPAN[us, sq] & enemy_pawns):
            rank = (sq >> 3) if us == WHITE else 7 - (sq >> 3)
            mg += PASSED[rank, 0]
            eg += PASSED[rank, 1]
        if not (ADJACENT_FILES[f] & pawns):
            mg += ISOLATED[0]
            eg += ISOLATED[1]
    for f in range(8):
        count = popcount(pawns & FILES[f])
        if count > 1:
            mg += DOUBLED[0] * (count - 1)
            eg += DOUBLED[1] * (count - 1)
    # mobility and rook files
    safe = ~own & ~_pawn_attacks(enemy_pawns, them)
    queens = np.uint64(state[QUEEN])
    for piece in range(KNIGHT, KING):
        rest = np.uint64(state[piece]) & own
        while rest:
            sq = lowest_index(rest)
            rest &= rest - _ONE
            if piece == KNIGHT:
                reach = KNIGHT_ATTACKS[sq]
            elif piece == BISHOP:
                reach = bishop_attacks(sq, occ)
            elif piece == ROOK:
                reach = rook_attacks(sq, occ)
                file_mask = FILES[sq & 7]
                if not (file_mask & all_pawns):
                    mg += ROOK_OPEN[0]
                    eg += ROOK_OPEN[1]
                elif not (file_mask & pawns):
                    mg += ROOK_HALF_OPEN[0]
                    eg += ROOK_HALF_OPEN[1]
            else:
                reach = bishop_attacks(sq, occ) | rook_attacks(sq, occ)
            count = popcount(reach & safe) - MOBILITY_BASE[piece - KNIGHT]
            mg += MOBILITY[piece - KNIGHT, 0] * count
            eg += MOBILITY[piece - KNIGHT, 1] * count
    # king shelter: only counts while the enemy still has a queen
    if queens & ~own:
        ksq = lowest_index(np.uint64(state[KING]) & own)
        mg += SHELTER * popcount(SHELTER_ZONE[us, ksq] & pawns)
    return mg, eg


@njit(**JIT)
def evaluate(state: np.ndarray, params: np.ndarray) -> int:
    """Static score in centipawns for the side to move."""
    # np.int64, not the bare constants: Numba specialises a callee on literal integers,
    # which would compile _side_terms twice
    wmg, weg = _side_terms(state, np.int64(WHITE))
    bmg, beg = _side_terms(state, np.int64(BLACK))
    mg = state[MG] + wmg - bmg
    eg = state[EG] + weg - beg
    phase = min(state[PHASE], TOTAL_PHASE)
    score = (mg * phase + eg * (TOTAL_PHASE - phase)) // TOTAL_PHASE
    if state[SIDE] == BLACK:
        score = -score
    return score + TEMPO


@njit(**JIT)
def evaluate_material(state: np.ndarray, params: np.ndarray) -> int:
    """Tables only (material and piece-square), tapered: the cheapest evaluator."""
    phase = min(state[PHASE], TOTAL_PHASE)
    score = (state[MG] * phase + state[EG] * (TOTAL_PHASE - phase)) // TOTAL_PHASE
    return -score if state[SIDE] == BLACK else score


__all__ = ["evaluate", "evaluate_material", "BOARD"]
