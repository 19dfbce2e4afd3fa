"""Exact Othello endgame solver.

It returns the final disc difference under perfect play (empties to the winner, the
convention of ``shared/data/othello/README.md``) and a move that reaches it, or only
win/draw/loss. The techniques are those of strong endgame solvers such as Edax; the
code is this project's.

Search layers, by the number of empty squares ``e`` (every layer is negamax with
alpha-beta on the exact score; all but the root use null windows):

- ``e == 1``: :func:`_last_square` reads the flips of the one remaining square for
  each side from a table (``LAST_FLIPS``) and never builds a board; the opponent's
  side is read only when the score could still matter.
- ``e == 2`` and ``e == 3``: :func:`_solve_2`, :func:`_solve_3`, written out for their
  few squares: a square is tried only when an opponent disc touches it.
- ``e <= SHALLOW``: :func:`_nws_shallow`. No table and no sort: it tries the legal
  moves in place, first those in quadrants with an odd number of empties (parity:
  the side that moves there can often also take the quadrant's last square), each
  group in a fixed square-quality order (corners first, X-squares last).
- ``e > SHALLOW``: :func:`_nws_deep`. Transposition table with bounds and best move
  (on huge pages where the system allows); fastest-first ordering (the move that
  leaves the opponent the fewest replies, corners counted twice), then discs made
  safe at the corners, the opponent's potential mobility, square quality and parity;
  a stability cutoff (discs the opponent can never lose cap our score).
- PV nodes (:func:`_pvs`): principal variation search, full window for the first
  move and a null window, re-searched on a fail-high, for the others.

A "node" is one call of a search function: every position visited, passes included,
and each single-empty evaluation.

Limits and the stop flag travel in the ``nodes`` array that counts the nodes
(``searchprune.solvers.limits``): deep and PV nodes poll them, and once a solve is
stopped every deep node returns at once, nothing more is stored in the table, and the
root keeps its best move and score so far (a lower bound on the exact score).
"""

from __future__ import annotations

import mmap
import time

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.extending import intrinsic

from searchprune.bits import lowest_index, popcount
from searchprune.config import JIT
from searchprune.games.base import GameError
from searchprune.games.othello import (
    OPPONENT,
    PASS,
    PLAYER,
    STATE_SIZE,
    disc_difference,
    flips,
    legal_moves,
)
from searchprune.hashing import mix
from searchprune.search.limits import ExactScore, Limit
from searchprune.solvers.base import SolveProgress, SolveResult, Solver
from searchprune.solvers.limits import ABORTED, FIRST_FREE, NODES, STOP, arm, halted, stop_reason

_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_FULL = np.uint64(0xFFFFFFFFFFFFFFFF)

#: Kernels small and hot enough to be worth a copy at each call site: Numba inlines
#: them in its own IR, which saves the call (and its status check) LLVM keeps for a
#: function called from several places.
JIT_INLINE = dict(JIT, inline="always")
#: Up to this many empties the solver uses :func:`_nws_shallow` (no table, no sort).
SHALLOW = 7
#: Scores lie in [-64, 64]; a bound outside it means "no information".
SCORE_MAX = 64
NO_SQUARE = 255
#: Move-ordering weights of the deep search (see :func:`_order_score`): each term
#: dominates the ones after it over their usual ranges.
W_MOB, W_SAFE, W_POT, W_PAR, W_PAR_LOW = 1 << 15, 1 << 11, 1 << 5, 4, 8
#: From this many empties on, deep nodes try an enhanced transposition cutoff first.
ETC_EMPTIES = 12
#: The stability cutoff is tried when alpha is at least this (by empties): with a
#: lower alpha the opponent would need more stable discs than such positions have.
STABILITY_FROM = np.array([min(64, max(6, 2 * e)) for e in range(65)], dtype=np.int64)


def _square_sets() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Quadrant masks, each square's quadrant bit, and the square-quality classes."""
    quadrant_mask = np.zeros(4, dtype=np.uint64)
    quadrant_bit = np.zeros(64, dtype=np.int64)
    for sq in range(64):
        q = (sq % 8 >= 4) + 2 * (sq // 8 >= 4)
        quadrant_mask[q] |= np.uint64(1 << sq)
        quadrant_bit[sq] = 1 << q
    parity_mask = np.zeros(16, dtype=np.uint64)
    for parity in range(16):
        for q in range(4):
            if parity >> q & 1:
                parity_mask[parity] |= quadrant_mask[q]

    def squares(names: str) -> np.uint64:
        bits = 0
        for name in names.split():
            f, r = "abcdefgh".index(name[0]), int(name[1]) - 1
            for ff, rr in {(f, r), (7 - f, r), (f, 7 - r), (7 - f, 7 - r), (r, f), (7 - r, f), (r, 7 - f), (7 - r, 7 - f)}:
                bits |= 1 << (8 * rr + ff)
        return np.uint64(bits)

    # Square quality for the shallow search, best first; each name stands for its
    # eight symmetric images.
    classes = np.array(
        [
            squares("a1"),  # corners
            squares("c1 c3"),  # A-squares and the inner corners
            squares("d1 d3 d4"),  # B-squares and the centre
            squares("c2 d2"),  # inner second ring
            squares("b1"),  # C-squares
            squares("b2"),  # X-squares
        ],
        dtype=np.uint64,
    )
    assert int(np.bitwise_or.reduce(classes)) == (1 << 64) - 1
    return quadrant_mask, quadrant_bit, parity_mask, classes


QUADRANT_MASK, QUADRANT_BIT, PARITY_MASK, SQUARE_CLASSES = _square_sets()
N_CLASSES = len(SQUARE_CLASSES)
_CORNERS = np.uint64((1 << 0) | (1 << 7) | (1 << 56) | (1 << 63))
_NOT_A = np.uint64(0xFEFEFEFEFEFEFEFE)
_NOT_H = np.uint64(0x7F7F7F7F7F7F7F7F)
_NOT_EDGE_FILES = np.uint64(0x7E7E7E7E7E7E7E7E)
#: Square quality by class for the deep ordering (corners best, X-squares worst).
_CLASS_VALUE = np.array([18, 15, 11, 7, 4, 2], dtype=np.int64)
SQUARE_VALUE = np.zeros(64, dtype=np.int64)
for _c in range(N_CLASSES):
    for _sq in range(64):
        if int(SQUARE_CLASSES[_c]) >> _sq & 1:
            SQUARE_VALUE[_sq] = _CLASS_VALUE[_c]
_A_CORNERS = np.uint64((1 << 0) | (1 << 56))
_H_CORNERS = np.uint64((1 << 7) | (1 << 63))
_RANK1_CORNERS = np.uint64((1 << 0) | (1 << 7))
_RANK8_CORNERS = np.uint64((1 << 56) | (1 << 63))


#: Rank of each square in :data:`SQUARE_CLASSES` (0 = corners, best).
SQUARE_RANK = np.zeros(64, dtype=np.int64)
for _c in range(N_CLASSES):
    for _sq in range(64):
        if int(SQUARE_CLASSES[_c]) >> _sq & 1:
            SQUARE_RANK[_sq] = _c


def _neighbours() -> np.ndarray:
    """``NEIGHBOUR[square]``: the up to eight squares around it. A move there flips
    something only if one of them holds an opponent disc: a test far cheaper than
    :func:`_flips`, which many empty squares near the end of the game fail."""
    out = np.zeros(64, dtype=np.uint64)
    for sq in range(64):
        f, r = sq % 8, sq // 8
        bits = 0
        for df in (-1, 0, 1):
            for dr in (-1, 0, 1):
                if (df or dr) and 0 <= f + df < 8 and 0 <= r + dr < 8:
                    bits |= 1 << (8 * (r + dr) + f + df)
        out[sq] = np.uint64(bits)
    return out


NEIGHBOUR = _neighbours()


@njit(**JIT)
def _parity(empty: np.uint64) -> int:
    """Bit q set when quadrant q holds an odd number of empties."""
    parity = 0
    for q in range(4):
        parity |= (popcount(empty & QUADRANT_MASK[q]) & 1) << q
    return parity


# -- the root's bound: this solver's slots of the ``nodes`` array (``solvers.limits``) ----
ROOT_EMPTIES = FIRST_FREE  # empties of the root (-1: keep no root bound)
ROOT_SCORE = FIRST_FREE + 1  # the best root move's score so far, a lower bound on the exact score
ROOT_SQUARE = FIRST_FREE + 2  # that move (NO_SQUARE: none yet)
CONTROL = FIRST_FREE + 3


def _line_masks() -> np.ndarray:
    """``LINES[d, square]``: the whole line through ``square`` in direction ``d``
    (0 horizontal, 1 vertical, 2 diagonal a1-h8, 3 anti-diagonal a8-h1)."""
    lines = np.zeros((4, 64), dtype=np.uint64)
    for sq in range(64):
        f, r = sq % 8, sq // 8
        for d, on_line in enumerate((
            lambda ff, rr: rr == r,
            lambda ff, rr: ff == f,
            lambda ff, rr: ff - rr == f - r,
            lambda ff, rr: ff + rr == f + r,
        )):
            lines[d, sq] = np.uint64(sum(1 << (8 * rr + ff) for rr in range(8) for ff in range(8) if on_line(ff, rr)))
    return lines


LINES = _line_masks()


# -- flips and moves -------------------------------------------------------------------------


#: The game's flip kernel, compiled once more to be inlined at the solver's call sites
#: (with ``NUMBA_DISABLE_JIT`` the kernel is the plain function itself).
_flips = njit(**JIT_INLINE)(getattr(flips, "py_func", flips))


# -- the last empty squares -----------------------------------------------------------
#
# With one empty square left every other square holds a disc, so the discs flipped by a
# move there depend only on which squares of its four lines are the mover's: an 8-bit
# pattern per line. ``LAST_FLIPS[square, line, pattern]`` holds that count, so the last
# square costs four table reads per side instead of a move generation.
#
# The pattern of a line is gathered into one byte by a multiplication: the line's
# squares (each on a distinct file, for rows and diagonals) are copied into the top byte
# at their file's bit; a column is first moved to file A and gathered with the
# anti-diagonal multiplier (rank r to bit 7 - r).

_A_FILE = 0x0101010101010101
_GATHER_FILES = 0x0101010101010101
_GATHER_COLUMN = 0x8040201008040201


def _line_pattern_py(discs: int, square: int, line: int) -> int:
    """The reference (Python) of :func:`_line_pattern`, used to build the table."""
    mask = (1 << 64) - 1
    f, r = square % 8, square // 8
    if line == 0:
        return (discs >> (8 * r)) & 0xFF
    if line == 1:
        return ((((discs >> f) & _A_FILE) * _GATHER_COLUMN) & mask) >> 56
    return (((discs & int(LINES[line, square])) * _GATHER_FILES) & mask) >> 56


def _last_flip_table() -> np.ndarray:
    """``LAST_FLIPS[square, line, pattern]``: discs flipped on that line by a move on
    ``square`` of a full board but for it, the mover owning the squares of ``pattern``."""
    table = np.zeros((64, 4, 256), dtype=np.uint8)
    steps = (((1, 0), (-1, 0)), ((0, 1), (0, -1)), ((1, 1), (-1, -1)), ((1, -1), (-1, 1)))
    for square in range(64):
        f0, r0 = square % 8, square // 8
        for line in range(4):
            line_squares = [sq for sq in range(64) if int(LINES[line, square]) >> sq & 1 and sq != square]
            for bits in range(1 << len(line_squares)):
                mine = sum(1 << sq for k, sq in enumerate(line_squares) if bits >> k & 1)
                count = 0
                for df, dr in steps[line]:
                    f, r, run = f0 + df, r0 + dr, 0
                    while 0 <= f < 8 and 0 <= r < 8 and not mine >> (8 * r + f) & 1:
                        run += 1
                        f, r = f + df, r + dr
                    if 0 <= f < 8 and 0 <= r < 8:  # stopped on a disc of the mover
                        count += run
                table[square, line, _line_pattern_py(mine, square, line)] = count
    return table


@njit(**JIT)
def _line_pattern(discs: np.uint64, square: int, line: int) -> int:
    """The mover's discs on ``line`` (0 row, 1 column, 2 and 3 diagonals) through
    ``square``, gathered into one byte (see :func:`_line_pattern_py`)."""
    if line == 0:
        return np.int64((discs >> np.uint64(8 * (square >> 3))) & np.uint64(0xFF))
    if line == 1:
        column = (discs >> np.uint64(square & 7)) & np.uint64(_A_FILE)
        return np.int64((column * np.uint64(_GATHER_COLUMN)) >> np.uint64(56))
    return np.int64(((discs & LINES[line, square]) * np.uint64(_GATHER_FILES)) >> np.uint64(56))


@njit(**JIT)
def _count_last_flips(discs: np.uint64, square: int) -> int:
    """Discs flipped by a move on ``square``, the only empty square, by the side owning ``discs``."""
    return np.int64(LAST_FLIPS[square, 0, _line_pattern(discs, square, 0)]
                    + LAST_FLIPS[square, 1, _line_pattern(discs, square, 1)]
                    + LAST_FLIPS[square, 2, _line_pattern(discs, square, 2)]
                    + LAST_FLIPS[square, 3, _line_pattern(discs, square, 3)])


@njit(**JIT_INLINE)
def _last_square(player: np.uint64, square: int, alpha: int, nodes: np.ndarray) -> int:
    """Score with one empty ``square`` left, for the side to move, against the null
    window (alpha, alpha + 1), fail-soft. The opponent owns every other square, so
    ``player`` is the whole position.

    When the side to move cannot play the square, its score is at most
    ``2 * mine - 62`` whatever the opponent does there; if that already fails low it
    is returned as the bound and the opponent's flips are never counted.
    """
    nodes[0] += 1
    mine = popcount(player)
    n = _count_last_flips(player, square)
    if n:
        return 2 * (mine + n + 1) - 64
    bound = 2 * mine - 62
    if bound <= alpha:
        return bound
    n = _count_last_flips(~player & ~(_ONE << np.uint64(square)), square)
    if n:  # we pass, the opponent fills the square
        return 2 * (mine - n) - 64
    # nobody can play it: the empty square goes to the winner (63 discs, never a tie)
    return bound if 2 * mine > 63 else 2 * mine - 64


@njit(**JIT_INLINE)
def _solve_2(player: np.uint64, opponent: np.uint64, alpha: int, x1: int, x2: int, nodes: np.ndarray) -> int:
    """Null-window fail-soft score with the two empty squares ``x1`` and ``x2``.

    Each square is tried only when an opponent disc touches it (else it flips
    nothing); if neither is a move, the opponent's replies are tried the same way.
    """
    nodes[0] += 1
    beta = alpha + 1
    best = -SCORE_MAX - 1
    if NEIGHBOUR[x1] & opponent:
        f = _flips(player, opponent, x1)
        if f:
            best = -_last_square(opponent & ~f, x2, -beta, nodes)
            if best >= beta:
                return best
    if NEIGHBOUR[x2] & opponent:
        f = _flips(player, opponent, x2)
        if f:
            score = -_last_square(opponent & ~f, x1, -beta, nodes)
            return score if score > best else best
    if best > -SCORE_MAX - 1:
        return best
    # we pass: the opponent moves, then we face the last square (our score, window as ours)
    worst = SCORE_MAX + 1
    if NEIGHBOUR[x1] & player:
        f = _flips(opponent, player, x1)
        if f:
            worst = _last_square(player & ~f, x2, alpha, nodes)
            if worst <= alpha:
                return worst
    if NEIGHBOUR[x2] & player:
        f = _flips(opponent, player, x2)
        if f:
            score = _last_square(player & ~f, x1, alpha, nodes)
            return score if score < worst else worst
    if worst < SCORE_MAX + 1:
        return worst
    return disc_difference(player, opponent)


@njit(**JIT)
def _solve_3(player: np.uint64, opponent: np.uint64, alpha: int, empty: np.uint64, parity: int,
             nodes: np.ndarray) -> int:
    """Null-window fail-soft score with three empty squares (``empty``): squares alone in
    an odd quadrant first, then by square quality, each through :func:`_solve_2`."""
    nodes[0] += 1
    x1 = lowest_index(empty)
    rest = empty & (empty - _ONE)
    x2 = lowest_index(rest)
    x3 = lowest_index(rest & (rest - _ONE))
    # sort the three squares: parity first, then rank (insertion sort on a key)
    k1 = SQUARE_RANK[x1] - (8 if parity & QUADRANT_BIT[x1] else 0)
    k2 = SQUARE_RANK[x2] - (8 if parity & QUADRANT_BIT[x2] else 0)
    k3 = SQUARE_RANK[x3] - (8 if parity & QUADRANT_BIT[x3] else 0)
    if k2 < k1:
        x1, x2, k1, k2 = x2, x1, k2, k1
    if k3 < k2:
        x2, x3, k2, k3 = x3, x2, k3, k2
        if k2 < k1:
            x1, x2, k1, k2 = x2, x1, k2, k1
    beta = alpha + 1
    best = -SCORE_MAX - 1
    for k in range(3):
        if k == 0:
            square, a, b = x1, x2, x3
        elif k == 1:
            square, a, b = x2, x1, x3
        else:
            square, a, b = x3, x1, x2
        if NEIGHBOUR[square] & opponent:
            f = _flips(player, opponent, square)
            if f:
                score = -_solve_2(opponent & ~f, player | f | (_ONE << np.uint64(square)), -beta, a, b, nodes)
                if score > best:
                    best = score
                    if score >= beta:
                        return score
    if best > -SCORE_MAX - 1:
        return best
    if legal_moves(opponent, player) == 0:
        return disc_difference(player, opponent)
    return -_solve_3(opponent, player, -beta, empty, parity, nodes)


# -- shallow null-window search ------------------------------------------------------


@njit(**JIT)
def _nws_shallow(player: np.uint64, opponent: np.uint64, alpha: int, empties: int, parity: int,
                 nodes: np.ndarray) -> int:
    """Score of the position against the null window (alpha, alpha + 1), fail-soft.

    ``0 <= empties <= SHALLOW``; three or fewer go to the special cases. The legal
    moves are tried in place, odd quadrants first, each quadrant group in
    :data:`SQUARE_CLASSES` order (the classes are walked only while moves are left).
    Generating the moves once costs less than trying every empty square's flips.
    """
    empty = ~(player | opponent)
    if empties <= 3:
        if empties == 3:
            return _solve_3(player, opponent, alpha, empty, parity, nodes)
        if empties == 2:
            rest = empty & (empty - _ONE)
            return _solve_2(player, opponent, alpha, lowest_index(empty), lowest_index(rest), nodes)
        if empties == 1:
            return _last_square(player, lowest_index(empty), alpha, nodes)
        return disc_difference(player, opponent)  # a full board
    nodes[0] += 1
    moves = legal_moves(player, opponent)
    if moves == 0:
        if legal_moves(opponent, player) == 0:
            return disc_difference(player, opponent)
        return -_nws_shallow(opponent, player, -alpha - 1, empties, parity, nodes)
    best = -SCORE_MAX - 1
    for group in range(2):
        left = moves & (PARITY_MASK[parity] if group == 0 else ~PARITY_MASK[parity])
        c = 0
        while left:
            candidates = left & SQUARE_CLASSES[c]
            left ^= candidates
            c += 1
            while candidates:
                bit = candidates & (~candidates + _ONE)
                candidates ^= bit
                square = lowest_index(bit)
                f = _flips(player, opponent, square)
                next_player = opponent & ~f
                next_opponent = player | f | bit
                if empties == 4:
                    score = -_solve_3(next_player, next_opponent, -alpha - 1, empty ^ bit,
                                      parity ^ QUADRANT_BIT[square], nodes)
                else:
                    score = -_nws_shallow(next_player, next_opponent, -alpha - 1, empties - 1,
                                          parity ^ QUADRANT_BIT[square], nodes)
                if score > best:
                    best = score
                    if score > alpha:
                        return score
    return best


# -- transposition table --------------------------------------------------------------
#
# One uint64 array, two words per slot: the full hash of the position, then its data
# (lower bound + 64 in bits 0-7, upper bound + 64 in bits 8-15, best square in bits
# 16-23, empties in bits 24-31). Slots come in pairs (a bucket of 32 bytes, inside one
# cache line): the first keeps the entry with more empties (more work saved), the
# second takes the rest. Key and data side by side cost one cache miss per probe
# where two arrays cost two; the probes of deep nodes are misses, the table being far
# larger than the caches. Bounds are of the exact score, which does not depend on the
# path or the window, so two entries for one position may always be merged by
# intersecting their bounds.


@njit(**JIT)
def _hash(player: np.uint64, opponent: np.uint64) -> np.uint64:
    return mix(mix(player) ^ opponent)


@njit(**JIT)
def _tt_find(table: np.ndarray, h: np.uint64) -> int:
    """Slot holding ``h`` (its data is ``table[2 * slot + 1]``), or -1."""
    slot = np.int64(h & np.uint64((table.size >> 1) - 2))
    if table[2 * slot] == h:
        return slot
    if table[2 * slot + 2] == h:
        return slot + 1
    return -1


@njit(**JIT)
def _tt_store(table: np.ndarray, h: np.uint64, lower: int, upper: int, square: int, empties: int) -> None:
    slot = _tt_find(table, h)
    if slot >= 0:
        old = table[2 * slot + 1]
        lower = max(lower, np.int64(old & np.uint64(0xFF)) - 64)
        upper = min(upper, np.int64((old >> np.uint64(8)) & np.uint64(0xFF)) - 64)
        if square == NO_SQUARE:
            square = np.int64((old >> np.uint64(16)) & np.uint64(0xFF))
    else:
        slot = np.int64(h & np.uint64((table.size >> 1) - 2))
        if np.int64(table[2 * slot + 1] >> np.uint64(24)) > empties:  # keep the bigger one in the first slot
            slot += 1
        elif table[2 * slot] != 0:
            table[2 * slot + 2] = table[2 * slot]
            table[2 * slot + 3] = table[2 * slot + 1]
    table[2 * slot] = h
    table[2 * slot + 1] = np.uint64((lower + 64) | ((upper + 64) << 8) | (square << 16) | (empties << 24))


# -- stability -----------------------------------------------------------------------


@njit(**JIT)
def _edge_stable(discs: np.uint64) -> np.uint64:
    """Discs on an edge joined to an owned corner by an unbroken run of the same colour."""
    stable = _ZERO
    corner_rays = ((0, 1), (0, 8), (7, -1), (7, 8), (56, 1), (56, -8), (63, -1), (63, -8))
    for k in range(8):
        square, step = corner_rays[k]
        for _ in range(8):
            bit = _ONE << np.uint64(square)
            if not discs & bit:
                break
            stable |= bit
            square += step
    return stable


LAST_FLIPS = _last_flip_table()


@njit(**JIT)
def _stable_discs(discs: np.uint64, occupied: np.uint64) -> np.uint64:
    """A subset of ``discs`` that can never be flipped.

    A disc is stable when, in each of the four line directions, its line is full or
    a neighbour along it is a stable disc of the same colour; the seed is the edge
    runs from owned corners, and the rule is applied until nothing changes.
    """
    full_h = full_v = full_d = full_a = _ZERO
    candidates = discs
    while candidates:
        bit = candidates & (~candidates + _ONE)
        candidates ^= bit
        sq = lowest_index(bit)
        if LINES[0, sq] & ~occupied == 0:
            full_h |= bit
        if LINES[1, sq] & ~occupied == 0:
            full_v |= bit
        if LINES[2, sq] & ~occupied == 0:
            full_d |= bit
        if LINES[3, sq] & ~occupied == 0:
            full_a |= bit
    stable = _edge_stable(discs) | (discs & full_h & full_v & full_d & full_a)
    while True:
        h = full_h | ((stable << _ONE) & _NOT_A) | ((stable >> _ONE) & _NOT_H)
        v = full_v | (stable << np.uint64(8)) | (stable >> np.uint64(8))
        d = full_d | ((stable << np.uint64(9)) & _NOT_A) | ((stable >> np.uint64(9)) & _NOT_H)
        a = full_a | ((stable << np.uint64(7)) & _NOT_H) | ((stable >> np.uint64(7)) & _NOT_A)
        grown = stable | (discs & h & v & d & a)
        if grown == stable:
            return stable
        stable = grown


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the CPU to start loading ``array[index]`` into the cache (LLVM's prefetch
    intrinsic; no effect on the result): a deep node prefetches its children's table
    slots while it sorts them, so their probes later find them in the cache."""
    signature = types.void(array, index)

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        array_struct = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, array_struct, [args[1]])
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]), "llvm.prefetch.p0")
        # read access, keep in all cache levels, data (not instructions)
        builder.call(function, [builder.bitcast(pointer, byte_pointer), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return signature, codegen


# -- deep null-window search ----------------------------------------------------------


@njit(**JIT)
def _around(discs: np.uint64) -> np.uint64:
    """Squares next to ``discs`` in any of the eight directions."""
    east = (discs << _ONE) & _NOT_A
    west = (discs >> _ONE) & _NOT_H
    row = discs | east | west
    return row | (row << np.uint64(8)) | (row >> np.uint64(8))


@njit(**JIT)
def _corner_safe(discs: np.uint64) -> int:
    """Corners of ``discs`` and their edge neighbours held with them: discs that can never
    be flipped, found with a few shifts (a cheap part of full stability)."""
    corners = discs & _CORNERS
    next_to = (((corners & _A_CORNERS) << _ONE) | ((corners & _H_CORNERS) >> _ONE)
               | ((corners & _RANK1_CORNERS) << np.uint64(8)) | ((corners & _RANK8_CORNERS) >> np.uint64(8)))
    return popcount(corners | (discs & next_to))


@njit(**JIT)
def _order_score(player: np.uint64, opponent: np.uint64, square: int, f: np.uint64, parity: int,
                 empties: int) -> int:
    """Sort key of a move (higher first), in decreasing weight: fewest opponent replies
    (corners count twice), most of our discs made safe at the corners, fewest empty
    squares next to our discs (the opponent's later replies), square quality, and the
    parity of the square's quadrant. A move that takes every opponent disc comes first.
    """
    bit = _ONE << np.uint64(square)
    mine = player | f | bit
    theirs = opponent & ~f
    if theirs == 0:
        return 1 << 29
    replies = legal_moves(theirs, mine)
    mobility = popcount(replies) + popcount(replies & _CORNERS)
    near = _around(mine) & ~(mine | theirs)
    potential = popcount(near) + popcount(near & _CORNERS)
    score = ((36 - mobility) * W_MOB + _corner_safe(mine) * W_SAFE + (36 - potential) * W_POT
             + SQUARE_VALUE[square])
    if parity & QUADRANT_BIT[square]:
        score += W_PAR_LOW if empties < 12 else W_PAR
    return score


@njit(**JIT)
def _list_moves(player: np.uint64, opponent: np.uint64, moves: np.uint64, parity: int, tt_square: int,
                empties: int, table: np.ndarray, squares: np.ndarray, scores: np.ndarray) -> int:
    """Write the moves and their sort keys (table move first); return how many."""
    n = 0
    while moves:
        bit = moves & (~moves + _ONE)
        moves ^= bit
        square = lowest_index(bit)
        squares[n] = square
        f = _flips(player, opponent, square)
        if empties > SHALLOW + 1:  # the child is a deep node: it will probe the table
            h = _hash(opponent & ~f, player | f | bit)
            _prefetch(table, 2 * np.int64(h & np.uint64((table.size >> 1) - 2)))
        if square == tt_square:
            scores[n] = 1 << 30
        else:
            scores[n] = _order_score(player, opponent, square, f, parity, empties)
        n += 1
    return n


@njit(**JIT)
def _pick(squares: np.ndarray, scores: np.ndarray, i: int, n: int) -> int:
    """Move the best of ``squares[i:n]`` to ``i`` and return it: one selection-sort step
    per move tried, as a cutoff usually comes after the first few."""
    pick = i
    for j in range(i + 1, n):
        if scores[j] > scores[pick]:
            pick = j
    square = squares[pick]
    squares[pick] = squares[i]
    scores[pick] = scores[i]
    return square


@njit(**JIT)
def _etc(player: np.uint64, opponent: np.uint64, moves: np.uint64, beta: int, table: np.ndarray) -> int:
    """Enhanced transposition cutoff: a move whose reply position the table already
    bounds at ``<= -beta`` proves ``>= beta`` here without searching. Returns that bound
    (or ``-SCORE_MAX - 1``)."""
    while moves:
        bit = moves & (~moves + _ONE)
        moves ^= bit
        f = _flips(player, opponent, lowest_index(bit))
        slot = _tt_find(table, _hash(opponent & ~f, player | f | bit))
        if slot >= 0:
            # minus the reply's upper bound
            bound = 64 - np.int64((table[2 * slot + 1] >> np.uint64(8)) & np.uint64(0xFF))
            if bound >= beta:
                return bound
    return -SCORE_MAX - 1


@njit(**JIT)
def _nws_deep(player: np.uint64, opponent: np.uint64, alpha: int, empties: int, parity: int,
              table: np.ndarray, squares: np.ndarray, scores: np.ndarray,
              nodes: np.ndarray) -> int:
    """Null-window (alpha, alpha + 1) fail-soft score, with table and sorted moves."""
    if empties <= SHALLOW:
        return _nws_shallow(player, opponent, alpha, empties, parity, nodes)
    nodes[0] += 1
    if halted(nodes):
        return 0
    beta = alpha + 1

    # stability cutoff: the opponent's stable discs cap our score
    if alpha >= STABILITY_FROM[empties]:  # else the opponent cannot have enough stable discs
        cap = 64 - 2 * popcount(_stable_discs(opponent, player | opponent))
        if cap <= alpha:
            return cap

    h = _hash(player, opponent)
    tt_square = NO_SQUARE
    slot = _tt_find(table, h)
    if slot >= 0:
        entry = table[2 * slot + 1]
        lower = np.int64(entry & np.uint64(0xFF)) - 64
        upper = np.int64((entry >> np.uint64(8)) & np.uint64(0xFF)) - 64
        if lower >= beta:
            return lower
        if upper <= alpha:
            return upper
        tt_square = np.int64((entry >> np.uint64(16)) & np.uint64(0xFF))

    moves = legal_moves(player, opponent)
    if empties >= ETC_EMPTIES:
        cut = _etc(player, opponent, moves, beta, table)
        if cut >= beta:
            return cut
    if moves == 0:
        if legal_moves(opponent, player) == 0:
            return disc_difference(player, opponent)
        return -_nws_deep(opponent, player, -beta, empties, parity, table, squares, scores, nodes)

    n = _list_moves(player, opponent, moves, parity, tt_square, empties, table, squares[empties],
                    scores[empties])

    best = -SCORE_MAX - 1
    best_square = NO_SQUARE
    for i in range(n):
        square = _pick(squares[empties], scores[empties], i, n)
        bit = _ONE << np.uint64(square)
        f = _flips(player, opponent, square)
        score = -_nws_deep(opponent & ~f, player | f | bit, -beta, empties - 1, parity ^ QUADRANT_BIT[square],
                           table, squares, scores, nodes)
        if nodes[ABORTED]:  # stopped: the score is meaningless and must not be stored
            return 0
        if score > best:
            best = score
            best_square = square
            if score >= beta:
                break
    if best >= beta:
        _tt_store(table, h, best, SCORE_MAX, best_square, empties)
    else:
        _tt_store(table, h, -SCORE_MAX, best, NO_SQUARE, empties)
    return best


# -- principal variation search ------------------------------------------------------


@njit(**JIT)
def _pvs(player: np.uint64, opponent: np.uint64, alpha: int, beta: int, empties: int, parity: int,
         table: np.ndarray, squares: np.ndarray, scores: np.ndarray, nodes: np.ndarray,
         best_out: np.ndarray) -> int:
    """Fail-soft score in the window (alpha, beta); ``best_out[empties]`` gets the best square.

    At the root (``nodes[ROOT_EMPTIES]`` empties) each better move's exact score is kept
    in ``nodes[ROOT_SCORE]`` / ``nodes[ROOT_SQUARE]``: the best so far if the solve stops.
    """
    nodes[0] += 1
    if halted(nodes):
        return 0
    moves = legal_moves(player, opponent)
    if moves == 0:
        if legal_moves(opponent, player) == 0:
            best_out[empties] = NO_SQUARE
            return disc_difference(player, opponent)
        score = -_pvs(opponent, player, -beta, -alpha, empties, parity, table, squares, scores, nodes, best_out)
        best_out[empties] = PASS
        return score

    h = _hash(player, opponent)
    tt_square = NO_SQUARE
    slot = _tt_find(table, h)
    if slot >= 0:
        tt_square = np.int64((table[2 * slot + 1] >> np.uint64(16)) & np.uint64(0xFF))
    n = _list_moves(player, opponent, moves, parity, tt_square, empties, table, squares[empties],
                    scores[empties])

    best = -SCORE_MAX - 1
    best_square = NO_SQUARE
    for i in range(n):
        square = _pick(squares[empties], scores[empties], i, n)
        bit = _ONE << np.uint64(square)
        f = _flips(player, opponent, square)
        next_player = opponent & ~f
        next_opponent = player | f | bit
        next_parity = parity ^ QUADRANT_BIT[square]
        lo = max(alpha, best)
        if empties == 1:  # the board is full
            score = -disc_difference(next_player, next_opponent)
        elif i == 0:
            score = -_pvs(next_player, next_opponent, -beta, -lo, empties - 1, next_parity, table, squares,
                          scores, nodes, best_out)
        else:
            score = -_nws_deep(next_player, next_opponent, -lo - 1, empties - 1, next_parity, table, squares,
                               scores, nodes)
            if lo < score < beta:
                score = -_pvs(next_player, next_opponent, -beta, -score, empties - 1, next_parity, table,
                              squares, scores, nodes, best_out)
        if nodes[ABORTED]:  # stopped: the score is meaningless and must not be stored
            return 0
        if score > best:
            best = score
            best_square = square
            if empties == nodes[ROOT_EMPTIES] and score > alpha:  # exact, or a fail-high's bound
                nodes[ROOT_SCORE] = score
                nodes[ROOT_SQUARE] = square
            if score >= beta:
                break
    best_out[empties] = best_square
    if best >= beta:
        _tt_store(table, h, best, SCORE_MAX, best_square, empties)
    elif best > alpha:
        _tt_store(table, h, best, best, best_square, empties)
    else:
        _tt_store(table, h, -SCORE_MAX, best, NO_SQUARE, empties)
    return best


@njit(**JIT)
def _solve(player: np.uint64, opponent: np.uint64, alpha: int, beta: int, table: np.ndarray,
           squares: np.ndarray, scores: np.ndarray, nodes: np.ndarray, best_out: np.ndarray) -> int:
    empty = ~(player | opponent)
    empties = popcount(empty)
    return _pvs(player, opponent, alpha, beta, empties, _parity(empty), table, squares, scores, nodes,
                best_out)


@njit(**JIT)
def _move_reaches(player: np.uint64, opponent: np.uint64, square: int, threshold: int, table: np.ndarray,
                  squares: np.ndarray, scores: np.ndarray, nodes: np.ndarray) -> bool:
    """Whether playing ``square`` scores at least ``threshold`` (one null-window search)."""
    bit = _ONE << np.uint64(square)
    f = _flips(player, opponent, square)
    next_player = opponent & ~f
    next_opponent = player | f | bit
    empty = ~(next_player | next_opponent)
    score = -_nws_deep(next_player, next_opponent, -threshold, popcount(empty), _parity(empty), table,
                       squares, scores, nodes)
    return score >= threshold


# -- Python API ----------------------------------------------------------------------


#: FForum #21 (15 empties; OBF in lower case, which the parser accepts), a solve that runs
#: every layer of the solver in milliseconds: what ``warm_up`` solves.
WARMUP_POSITION = "ooooooooxooxxx--xxooxoo-xoxooo--xoooox--xooxoo--xooooo--xxxx---- o"


def _table_memory(words: int) -> tuple[mmap.mmap | None, np.ndarray]:
    """A zeroed uint64 array of ``words`` for the table, on huge pages where the system
    grants them (Linux ``madvise``): a probe into a table of hundreds of MiB misses
    the TLB on 4 KiB pages nearly every time, which costs a page walk on top of the
    cache miss. Returns the mapping (kept alive by the solver) and the array."""
    nbytes = 8 * words
    if nbytes < 1 << 21 or not hasattr(mmap, "MADV_HUGEPAGE"):
        return None, np.zeros(words, dtype=np.uint64)
    buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        buffer.madvise(mmap.MADV_HUGEPAGE)
    except OSError:
        pass  # 4 KiB pages, then
    return buffer, np.frombuffer(buffer, dtype=np.uint64)


class OthelloSolver(Solver):
    """Exact endgame solver with one transposition table.

    The ``Solver`` protocol (``searchprune.solvers.base``): the score is the exact final
    disc difference for the side to move; ``best_moves`` holds squares (``PASS`` when
    the side to move must pass) that reach it: one, or every one with ``all_best``.

    The table (``tt_mib`` MiB, 16 bytes a slot) persists between solves until
    :meth:`reset`: results are exact whatever it holds, node counts are not; reset
    before each position to measure it alone.
    """

    game = "othello"

    def __init__(self, tt_mib: float = 64) -> None:
        if not 0 < tt_mib <= 65536:
            raise ValueError(f"tt_mib must be in (0, 65536], got {tt_mib!r}")
        self.slots = 1 << max(4, int(tt_mib * 2**20 / 16).bit_length() - 1)
        self._buffer, self.table = _table_memory(2 * self.slots)
        self.table.fill(0)  # touch the pages now, not inside a timed solve
        self._squares = np.zeros((65, 40), dtype=np.int64)  # per-empties move lists
        self._scores = np.zeros((65, 40), dtype=np.int64)
        self._nodes = np.zeros(CONTROL, dtype=np.int64)  # the node count and the limits (CONTROL slots)
        self._best = np.zeros(65, dtype=np.int64)
        self._started = time.perf_counter()

    def reset(self) -> None:
        """Empty the transposition table."""
        self.table.fill(0)

    @staticmethod
    def parse_line(line: str) -> tuple[str, int | None] | None:
        """An OBF line (``"<64 squares> X; A2:+38; ..."``) as (position, score of its first pair)."""
        position, _, rest = line.partition(";")
        if not position.strip():
            return None
        first = rest.split(";")[0].strip()
        expected = int(first.split(":")[1]) if ":" in first else None
        return position.strip(), expected

    @classmethod
    def warm_up(cls) -> None:
        """Compile (or load) the kernels: solve ``WARMUP_POSITION``, every best move, on a 1 MiB table."""
        from searchprune.games import get_game

        cls(tt_mib=1).solve(get_game(cls.game).parse_position(WARMUP_POSITION), all_best=True)

    @staticmethod
    def _check(state) -> None:
        if not isinstance(state, np.ndarray) or state.dtype != np.uint64 or state.shape != (STATE_SIZE,):
            raise GameError(f"expected an Othello state (uint64 array of {STATE_SIZE}), got {type(state).__name__}")
        if int(state[PLAYER]) & int(state[OPPONENT]):
            raise GameError("inconsistent Othello state: a square holds both colours")
        if not legal_moves(state[PLAYER], state[OPPONENT]) and not legal_moves(state[OPPONENT], state[PLAYER]):
            raise GameError("cannot solve a finished Othello game: neither side can move")

    @staticmethod
    def empties(state) -> int:
        """Empty squares of ``state``."""
        return 64 - popcount(state[PLAYER] | state[OPPONENT])

    @staticmethod
    def exact_score(state, score: int) -> ExactScore:
        """The final disc difference ``score`` as outcome and margin."""
        return ExactScore(outcome=(score > 0) - (score < 0), margin=int(score))

    def stop(self) -> None:
        """Ask a running ``solve`` to stop soon; safe to call from another thread."""
        self._nodes[STOP] = 1

    def progress(self) -> SolveProgress:
        """Nodes, seconds and the best root bound so far of the running (or last) solve."""
        nodes = self._nodes
        square = int(nodes[ROOT_SQUARE])
        found = square != NO_SQUARE and nodes[ROOT_EMPTIES] >= 0
        return SolveProgress(nodes=int(nodes[NODES]), seconds=time.perf_counter() - self._started,
                             bound=int(nodes[ROOT_SCORE]) if found else None, move=square if found else None)

    def _arm(self, limit: Limit | None, root_empties: int) -> None:
        """Clear the count and the flags and set the limits for one solve."""
        arm(self._nodes, limit)
        self._nodes[ROOT_EMPTIES] = root_empties
        self._nodes[ROOT_SQUARE] = NO_SQUARE
        self._started = time.perf_counter()

    def _stopped(self, start: float, empties: int) -> SolveResult:
        """The result of a solve that a limit or ``stop`` ended: the best root bound so far."""
        progress = self.progress()
        reason = stop_reason(self._nodes)
        return SolveResult(score=-SCORE_MAX if progress.bound is None else progress.bound,
                           best_moves=[] if progress.move is None else [progress.move], nodes=progress.nodes,
                           seconds=time.perf_counter() - start, empties=empties, stopped=reason)

    def solve(self, state, *, weak: bool = False, all_best: bool = False, limit: Limit | None = None) -> SolveResult:
        """Solve ``state``: the exact score, or with ``weak=True`` only win (1), draw (0) or loss (-1).

        ``limit`` (``time``, ``nodes``) or ``stop`` end it early: see ``SolveResult.stopped``.
        """
        self._check(state)
        start = time.perf_counter()
        player, opponent = state[PLAYER], state[OPPONENT]
        empties = 64 - bin(int(player) | int(opponent)).count("1")
        # A root that must pass is searched from the opponent's side at the same empties:
        # keep no root bound there.
        self._arm(limit, empties if legal_moves(player, opponent) else -1)
        alpha, beta = (-1, 1) if weak else (-SCORE_MAX, SCORE_MAX)
        args = (self.table, self._squares, self._scores, self._nodes)
        score = int(_solve(player, opponent, alpha, beta, *args, self._best))
        if self._nodes[ABORTED]:
            return self._stopped(start, empties)
        best = [int(self._best[empties])]
        if weak:
            score = (score > 0) - (score < 0)
        if all_best and best[0] != PASS:
            # exact: the other moves reaching the score; weak: those keeping the result
            threshold = score if not weak else (score if score > 0 else (0 if score == 0 else -SCORE_MAX))
            moves = int(legal_moves(player, opponent))
            for square in range(64):
                if moves >> square & 1 and square != best[0]:
                    reaches = _move_reaches(player, opponent, square, threshold, *args)
                    if self._nodes[ABORTED]:  # the score stands (exact); the list of best moves is cut short
                        all_best = False
                        break
                    if reaches:
                        best.append(square)
            best.sort()
        return SolveResult(score=score, best_moves=best, nodes=int(self._nodes[0]),
                           seconds=time.perf_counter() - start, empties=empties, all_best=all_best)
