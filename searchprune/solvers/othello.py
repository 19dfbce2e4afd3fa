"""Exact Othello endgame solver.

It returns the final disc difference under perfect play (empties to the winner, the
convention of ``shared/data/othello/README.md``) and a move that reaches it, or only
win/draw/loss. The techniques are those of strong endgame solvers such as Edax; the
code is this project's.

Search layers, by the number of empty squares ``e`` (every layer is negamax with
alpha-beta on the exact score; all but the root use null windows):

- ``e == 1``: :func:`_last_square` counts the flips of the one remaining square for
  each side and never builds a board.
- ``e <= SHALLOW``: :func:`_nws_shallow`. No move generation and no table: it tries
  the empty squares in place, first those in quadrants with an odd number of empties
  (parity: the side that moves there can often also take the quadrant's last square),
  each group in a fixed square-quality order (corners first, X-squares last).
- ``e > SHALLOW``: :func:`_nws_deep`. Transposition table with bounds and best move;
  fastest-first ordering (the move that leaves the opponent the fewest replies,
  corners counted twice), then parity, corners and square quality; a stability
  cutoff (discs the opponent can never lose cap our score).
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

import time

import numpy as np
from numba import njit

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
    potential_mobility,
)
from searchprune.hashing import mix
from searchprune.search.limits import ExactScore, Limit
from searchprune.solvers.base import SolveProgress, SolveResult, Solver
from searchprune.solvers.limits import ABORTED, FIRST_FREE, NODES, STOP, arm, halted, stop_reason

_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_FULL = np.uint64(0xFFFFFFFFFFFFFFFF)

#: Up to this many empties the solver uses :func:`_nws_shallow` (no table, no sort).
SHALLOW = 7
#: Scores lie in [-64, 64]; a bound outside it means "no information".
SCORE_MAX = 64
NO_SQUARE = 255
W_MOB, W_POT, W_PAR = 64, 1, 2
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
#: Bonus per class in the deep ordering (corners best, X-squares worst).
_CLASS_BONUS = np.array([6, 3, 2, 1, 0, -4], dtype=np.int64)
SQUARE_BONUS = np.zeros(64, dtype=np.int64)
for _c in range(N_CLASSES):
    for _sq in range(64):
        if int(SQUARE_CLASSES[_c]) >> _sq & 1:
            SQUARE_BONUS[_sq] = _CLASS_BONUS[_c]


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


# -- the last empty square -----------------------------------------------------------


@njit(**JIT)
def _last_square(player: np.uint64, opponent: np.uint64, square: int, nodes: np.ndarray) -> int:
    """Exact score with one empty ``square`` left, for the side to move."""
    nodes[0] += 1
    mine = popcount(player)
    n = popcount(flips(player, opponent, square))
    if n:
        return 2 * (mine + n + 1) - 64
    n = popcount(flips(opponent, player, square))
    if n:  # we pass, the opponent fills the square
        return 2 * (mine - n) - 64
    # nobody can play it: the empty square goes to the winner (63 discs, never a tie)
    return 2 * mine - 62 if 2 * mine > 63 else 2 * mine - 64


# -- shallow null-window search ------------------------------------------------------


@njit(**JIT)
def _nws_shallow(player: np.uint64, opponent: np.uint64, alpha: int, empties: int, parity: int,
                 nodes: np.ndarray) -> int:
    """Score of the position against the null window (alpha, alpha + 1), fail-soft.

    ``2 <= empties <= SHALLOW``. Moves are tried straight on the empty squares, odd
    quadrants first, each quadrant group in :data:`SQUARE_CLASSES` order.
    """
    nodes[0] += 1
    empty = ~(player | opponent)
    best = -SCORE_MAX - 1
    for group in range(2):
        region = PARITY_MASK[parity] if group == 0 else ~PARITY_MASK[parity]
        for c in range(N_CLASSES):
            candidates = empty & region & SQUARE_CLASSES[c]
            while candidates:
                bit = candidates & (~candidates + _ONE)
                candidates ^= bit
                square = lowest_index(bit)
                f = flips(player, opponent, square)
                if f == 0:
                    continue
                next_player = opponent & ~f
                next_opponent = player | f | bit
                if empties == 2:
                    score = -_last_square(next_player, next_opponent, lowest_index(empty ^ bit), nodes)
                else:
                    score = -_nws_shallow(next_player, next_opponent, -alpha - 1, empties - 1,
                                          parity ^ QUADRANT_BIT[square], nodes)
                if score > best:
                    best = score
                    if score > alpha:
                        return score
    if best == -SCORE_MAX - 1:  # no move
        if legal_moves(opponent, player) == 0:
            return disc_difference(player, opponent)
        return -_nws_shallow(opponent, player, -alpha - 1, empties, parity, nodes)
    return best


# -- transposition table --------------------------------------------------------------
#
# Two arrays of one entry per slot: ``keys`` (uint64, the full hash of the position)
# and ``data`` (uint32: lower bound + 64 in bits 0-7, upper bound + 64 in bits 8-15,
# best square in bits 16-23, empties in bits 24-31). Slots come in pairs: the first
# keeps the entry with more empties (more work saved), the second takes the rest.
# Bounds are of the exact score, which does not depend on the path or the window, so
# two entries for one position may always be merged by intersecting their bounds.


@njit(**JIT)
def _hash(player: np.uint64, opponent: np.uint64) -> np.uint64:
    return mix(mix(player) ^ opponent)


@njit(**JIT)
def _tt_find(keys: np.ndarray, h: np.uint64) -> int:
    """Slot holding ``h``, or -1."""
    slot = np.int64(h & np.uint64(keys.size - 2))
    if keys[slot] == h:
        return slot
    if keys[slot + 1] == h:
        return slot + 1
    return -1


@njit(**JIT)
def _tt_store(keys: np.ndarray, data: np.ndarray, h: np.uint64, lower: int, upper: int, square: int,
              empties: int) -> None:
    slot = _tt_find(keys, h)
    if slot >= 0:
        old = data[slot]
        lower = max(lower, np.int64(old & 0xFF) - 64)
        upper = min(upper, np.int64((old >> 8) & 0xFF) - 64)
        if square == NO_SQUARE:
            square = np.int64((old >> 16) & 0xFF)
    else:
        slot = np.int64(h & np.uint64(keys.size - 2))
        if np.int64(data[slot] >> 24) > empties:  # keep the bigger one in the first slot
            slot += 1
        elif keys[slot] != 0:
            keys[slot + 1] = keys[slot]
            data[slot + 1] = data[slot]
    keys[slot] = h
    data[slot] = np.uint32((lower + 64) | ((upper + 64) << 8) | (square << 16) | (empties << 24))


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


# -- deep null-window search ----------------------------------------------------------


@njit(**JIT)
def _order_score(player: np.uint64, opponent: np.uint64, square: int, f: np.uint64, parity: int) -> int:
    """Sort key of a move (higher first): fewest opponent replies dominates."""
    bit = _ONE << np.uint64(square)
    mine = player | f | bit
    theirs = opponent & ~f
    replies = legal_moves(theirs, mine)
    mobility = popcount(replies) + popcount(replies & _CORNERS)
    potential = potential_mobility(mine, ~(mine | theirs))
    score = (36 - mobility) * W_MOB + (64 - potential) * W_POT + SQUARE_BONUS[square]
    if parity & QUADRANT_BIT[square]:
        score += W_PAR
    return score


@njit(**JIT)
def _list_moves(player: np.uint64, opponent: np.uint64, moves: np.uint64, parity: int, tt_square: int,
                squares: np.ndarray, scores: np.ndarray) -> int:
    """Write the moves and their sort keys (table move first); return how many."""
    n = 0
    while moves:
        bit = moves & (~moves + _ONE)
        moves ^= bit
        square = lowest_index(bit)
        squares[n] = square
        if square == tt_square:
            scores[n] = 1 << 30
        else:
            scores[n] = _order_score(player, opponent, square, flips(player, opponent, square), parity)
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
def _etc(player: np.uint64, opponent: np.uint64, moves: np.uint64, beta: int, keys: np.ndarray,
         data: np.ndarray) -> int:
    """Enhanced transposition cutoff: a move whose reply position the table already
    bounds at ``<= -beta`` proves ``>= beta`` here without searching. Returns that bound
    (or ``-SCORE_MAX - 1``)."""
    while moves:
        bit = moves & (~moves + _ONE)
        moves ^= bit
        f = flips(player, opponent, lowest_index(bit))
        slot = _tt_find(keys, _hash(opponent & ~f, player | f | bit))
        if slot >= 0:
            bound = 64 - np.int64((data[slot] >> 8) & 0xFF)  # minus the reply's upper bound
            if bound >= beta:
                return bound
    return -SCORE_MAX - 1


@njit(**JIT)
def _nws_deep(player: np.uint64, opponent: np.uint64, alpha: int, empties: int, parity: int,
              keys: np.ndarray, data: np.ndarray, squares: np.ndarray, scores: np.ndarray,
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
    slot = _tt_find(keys, h)
    if slot >= 0:
        entry = data[slot]
        lower = np.int64(entry & 0xFF) - 64
        upper = np.int64((entry >> 8) & 0xFF) - 64
        if lower >= beta:
            return lower
        if upper <= alpha:
            return upper
        tt_square = np.int64((entry >> 16) & 0xFF)

    moves = legal_moves(player, opponent)
    if empties >= ETC_EMPTIES:
        cut = _etc(player, opponent, moves, beta, keys, data)
        if cut >= beta:
            return cut
    if moves == 0:
        if legal_moves(opponent, player) == 0:
            return disc_difference(player, opponent)
        return -_nws_deep(opponent, player, -beta, empties, parity, keys, data, squares, scores, nodes)

    n = _list_moves(player, opponent, moves, parity, tt_square, squares[empties], scores[empties])

    best = -SCORE_MAX - 1
    best_square = NO_SQUARE
    for i in range(n):
        square = _pick(squares[empties], scores[empties], i, n)
        bit = _ONE << np.uint64(square)
        f = flips(player, opponent, square)
        score = -_nws_deep(opponent & ~f, player | f | bit, -beta, empties - 1, parity ^ QUADRANT_BIT[square],
                           keys, data, squares, scores, nodes)
        if nodes[ABORTED]:  # stopped: the score is meaningless and must not be stored
            return 0
        if score > best:
            best = score
            best_square = square
            if score >= beta:
                break
    if best >= beta:
        _tt_store(keys, data, h, best, SCORE_MAX, best_square, empties)
    else:
        _tt_store(keys, data, h, -SCORE_MAX, best, NO_SQUARE, empties)
    return best


# -- principal variation search ------------------------------------------------------


@njit(**JIT)
def _pvs(player: np.uint64, opponent: np.uint64, alpha: int, beta: int, empties: int, parity: int,
         keys: np.ndarray, data: np.ndarray, squares: np.ndarray, scores: np.ndarray, nodes: np.ndarray,
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
        score = -_pvs(opponent, player, -beta, -alpha, empties, parity, keys, data, squares, scores, nodes, best_out)
        best_out[empties] = PASS
        return score

    h = _hash(player, opponent)
    tt_square = NO_SQUARE
    slot = _tt_find(keys, h)
    if slot >= 0:
        tt_square = np.int64((data[slot] >> 16) & 0xFF)
    n = _list_moves(player, opponent, moves, parity, tt_square, squares[empties], scores[empties])

    best = -SCORE_MAX - 1
    best_square = NO_SQUARE
    for i in range(n):
        square = _pick(squares[empties], scores[empties], i, n)
        bit = _ONE << np.uint64(square)
        f = flips(player, opponent, square)
        next_player = opponent & ~f
        next_opponent = player | f | bit
        next_parity = parity ^ QUADRANT_BIT[square]
        lo = max(alpha, best)
        if empties == 1:  # the board is full
            score = -disc_difference(next_player, next_opponent)
        elif i == 0:
            score = -_pvs(next_player, next_opponent, -beta, -lo, empties - 1, next_parity, keys, data, squares,
                          scores, nodes, best_out)
        else:
            score = -_nws_deep(next_player, next_opponent, -lo - 1, empties - 1, next_parity, keys, data, squares,
                               scores, nodes)
            if lo < score < beta:
                score = -_pvs(next_player, next_opponent, -beta, -score, empties - 1, next_parity, keys, data,
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
        _tt_store(keys, data, h, best, SCORE_MAX, best_square, empties)
    elif best > alpha:
        _tt_store(keys, data, h, best, best, best_square, empties)
    else:
        _tt_store(keys, data, h, -SCORE_MAX, best, NO_SQUARE, empties)
    return best


@njit(**JIT)
def _solve(player: np.uint64, opponent: np.uint64, alpha: int, beta: int, keys: np.ndarray, data: np.ndarray,
           squares: np.ndarray, scores: np.ndarray, nodes: np.ndarray, best_out: np.ndarray) -> int:
    empty = ~(player | opponent)
    empties = popcount(empty)
    return _pvs(player, opponent, alpha, beta, empties, _parity(empty), keys, data, squares, scores, nodes,
                best_out)


@njit(**JIT)
def _move_reaches(player: np.uint64, opponent: np.uint64, square: int, threshold: int, keys: np.ndarray,
                  data: np.ndarray, squares: np.ndarray, scores: np.ndarray, nodes: np.ndarray) -> bool:
    """Whether playing ``square`` scores at least ``threshold`` (one null-window search)."""
    bit = _ONE << np.uint64(square)
    f = flips(player, opponent, square)
    next_player = opponent & ~f
    next_opponent = player | f | bit
    empty = ~(next_player | next_opponent)
    score = -_nws_deep(next_player, next_opponent, -threshold, popcount(empty), _parity(empty), keys, data,
                       squares, scores, nodes)
    return score >= threshold


# -- Python API ----------------------------------------------------------------------


#: FForum #21 (15 empties; OBF in lower case, which the parser accepts), a solve that runs
#: every layer of the solver in milliseconds: what ``warm_up`` solves.
WARMUP_POSITION = "ooooooooxooxxx--xxooxoo-xoxooo--xoooox--xooxoo--xooooo--xxxx---- o"


class OthelloSolver(Solver):
    """Exact endgame solver with one transposition table.

    The ``Solver`` protocol (``searchprune.solvers.base``): the score is the exact final
    disc difference for the side to move; ``best_moves`` holds squares (``PASS`` when
    the side to move must pass) that reach it: one, or every one with ``all_best``.

    The table (``tt_mib`` MiB, 12 bytes a slot) persists between solves until
    :meth:`reset`: results are exact whatever it holds, node counts are not; reset
    before each position to measure it alone.
    """

    game = "othello"

    def __init__(self, tt_mib: float = 64) -> None:
        if not 0 < tt_mib <= 65536:
            raise ValueError(f"tt_mib must be in (0, 65536], got {tt_mib!r}")
        slots = 1 << max(4, int(tt_mib * 2**20 / 12).bit_length() - 1)
        self.keys = np.zeros(slots, dtype=np.uint64)
        self.data = np.zeros(slots, dtype=np.uint32)
        self.keys.fill(0)  # touch the pages now, not inside a timed solve
        self._squares = np.zeros((65, 40), dtype=np.int64)  # per-empties move lists
        self._scores = np.zeros((65, 40), dtype=np.int64)
        self._nodes = np.zeros(CONTROL, dtype=np.int64)  # the node count and the limits (CONTROL slots)
        self._best = np.zeros(65, dtype=np.int64)
        self._started = time.perf_counter()

    def reset(self) -> None:
        """Empty the transposition table."""
        self.keys.fill(0)
        self.data.fill(0)

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
        args = (self.keys, self.data, self._squares, self._scores, self._nodes)
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
