"""Exact Connect Four solver after Pascal Pons' "Solving Connect 4" (final version, no book).

The algorithm is his, step for step, so that node counts can be compared with his
(``PascalPons/connect4``, ``Solver.cpp``):

- negamax with alpha-beta, the window clamped to the scores still reachable with the
  moves left;
- only non-losing moves are searched: a single opponent winning cell that is playable
  must be blocked, two mean the position is lost, and a move directly below an
  opponent winning cell is never played;
- moves sorted by the number of winning cells they leave us, ties broken centre-first
  exactly like his ``MoveSorter`` (insertion sort; equal scores come out last-added
  first, and moves are added in reverse centre order);
- a transposition table keyed on ``current + mask`` holding an upper or a lower bound
  per position in one byte, ``next_prime(2**23)`` slots in two parallel arrays (32-bit
  partial keys, 8-bit values; about 40 MiB), slot ``key % size``, last store wins;
- ``solve`` narrows the score with null-window searches, the probe point biased
  towards 0; a weak solve searches the window [-1, 1] only.

A node is one negamax call, as in his counter.

Scores are his (``Test_L*_R*`` files): from the side to move, ``0`` a draw, ``22 - k``
for a win with the winner's k-th stone, ``k - 22`` for a loss to the opponent's k-th.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
from numba import njit

from searchprune.bits import popcount
from searchprune.config import JIT
from searchprune.games.base import GameError
from searchprune.games.connect4 import (
    BOARD,
    CELLS,
    CENTRE_ORDER,
    CURRENT,
    MASK,
    PLY,
    STATE_SIZE,
    WIDTH,
    column_mask,
    possible,
    terminal,
    winning_cells,
)
from searchprune.evaluation.infer import connect4_forward_bits
from searchprune.search.limits import Limit
from searchprune.solvers.base import SolveProgress, SolveResult, Solver
from searchprune.solvers.limits import ABORTED, FIRST_FREE, NODES, STOP, arm, halted, stop_reason
from searchprune.types import ONGOING

_ONE = np.uint64(1)
#: Net ordering: a child the net scores y (its side's view, about -1..1) ranks MID - y * MID.
_NET_RANK_MID = 4096
_ZERO = np.uint64(0)
_BOARD = int(BOARD)

#: Bounds of any score the negamax can return (Pons' ``Position::MIN_SCORE``/``MAX_SCORE``).
MIN_SCORE = -(CELLS // 2) + 3
MAX_SCORE = (CELLS + 1) // 2 - 3

# Transposition-table value encoding (Pons' ``Solver.cpp``), one uint8 per slot:
#
#     value  0         1 ......................... 37   38 ........................ 74
#            |         |<------ upper bound ------>|    |<------ lower bound ------>|
#          empty       score <= v + MIN_SCORE - 1       score >= v + 2*MIN_SCORE - MAX_SCORE - 2
#                      (v = bound - MIN_SCORE + 1)      (v = bound + MAX_SCORE - 2*MIN_SCORE + 2)
#                      bound -18 .. 18                  bound -18 .. 18
#
# A slot holds one bound only; the last store wins (no replacement policy, no depth).
#
# Slot ``key % size``; the uint32 beside it (default size, tt_log2 = 23):
#
#     bit   31 ...... 26 25 ........................... 0
#           | gen tag  |  key & (2**26 - 1)            |
#
# The low 49 - tt_log2 key bits plus the slot number determine the 49-bit key (size is
# a prime above 2**tt_log2: Chinese remainder theorem), so a match is never a false
# hit. The tag is the table's generation (see ``Connect4Solver.reset``); 0 = never
# written. Pons stores the low 32 key bits and has no tag; the stored values and
# what a probe returns after a reset are the same.
_UPPER_OFFSET = -MIN_SCORE + 1  # 19
_LOWER_OFFSET = MAX_SCORE - 2 * MIN_SCORE + 2  # 56
_LOWER_THRESHOLD = MAX_SCORE - MIN_SCORE + 1  # 37: values above it are lower bounds

#: log2 of the default table's size: next_prime(2**23) slots, the reference's table.
_DEFAULT_TT_LOG2 = 23

#: Bits of a position key (``current + mask`` < 2**49).
_KEY_BITS = WIDTH * 7

#: Rows of the per-ply move-sorting buffer (one row per number of stones played).
_SORT_ROWS = CELLS + 1
#: Columns of each row: up to WIDTH sorted entries (one spare slot).
_SORT_COLS = 8


def next_prime(n: int) -> int:
    """Smallest prime >= ``n`` (``n`` >= 2); trial division, fine for table sizes."""
    if n < 2:
        raise ValueError(f"next_prime needs n >= 2, got {n}")

    def is_prime(m: int) -> bool:
        if m < 4:
            return m >= 2
        if m % 2 == 0:
            return False
        f = 3
        while f * f <= m:
            if m % f == 0:
                return False
            f += 2
        return True

    while not is_prime(n):
        n += 1
    return n


class SolveContext(NamedTuple):
    """What every node of a solve reads or writes besides its position: the table, the
    move-sorting rows, the net and the node counter (cf. ``search.context.SearchContext``).

    Built inside the entry kernels (``_solve_state``, ``_best_moves_state``) from the
    solver's arrays, where building it is free; built in Python it would be unboxed at
    every call. Numba compiles it into a plain struct passed down the recursion.
    """

    #: Partial keys ``(key & tt_low) | tt_tag`` (uint32[tt_size]; layout above).
    tt_keys: np.ndarray
    #: Encoded bounds (uint8[tt_size]; 0: empty).
    tt_vals: np.ndarray
    #: Slots in the table (a prime).
    tt_size: np.int64
    #: ``1 / tt_size``, for the slot computation without a division.
    tt_inv: np.float64
    #: Mask of the key bits a partial key keeps.
    tt_low: np.uint64
    #: This generation's tag, in the partial key's high bits.
    tt_tag: np.uint32
    #: Move-sorting scratch, one row per number of stones (int64[_SORT_ROWS, _SORT_COLS]).
    sort_buf: np.ndarray
    #: Packed net for move ordering (``evaluation.infer.pack``; unused when net_until = 0).
    params: np.ndarray
    #: Order by the net at nodes with fewer stones than this.
    net_until: np.int64
    #: ``nodes[0]``: negamax calls so far; then the limits (``searchprune.solvers.limits``)
    #: and the bisection's bounds so far (``LOWER``, ``UPPER``).
    nodes: np.ndarray


#: The bisection's bounds so far on the exact score, in the ``nodes`` array.
LOWER = FIRST_FREE
UPPER = FIRST_FREE + 1
CONTROL = FIRST_FREE + 2


@njit(**JIT)
def _negamax(ctx, current, mask, moves, alpha, beta):
    """Score a position with alpha-beta (negamax), exactly as Pons' ``Solver::negamax``.

    The position is (``current``, ``mask``) with ``moves`` stones played. It must not be
    won already, and the side to move must not be able to win on its next move (the
    caller checks that). ``alpha < beta`` is the window.

    Returns the exact score, or a bound on it, depending on where the true score lies:

    - if true score <= alpha, then  true score <= returned value <= alpha
    - if true score >= beta,  then  beta <= returned value <= true score
    - if alpha <= true score <= beta, then returned value == true score

    Side effects (on ``ctx``, a ``SolveContext``): ``nodes[0]`` counts this call (one node
    per call, like his counter); the transposition table receives an upper bound when
    every move failed low, a lower bound on a beta cut-off; ``sort_buf[moves]`` is this
    ply's scratch row for move sorting (children use the next rows, so the recursion
    never overwrites a row still in use).
    """
    ctx.nodes[0] += 1
    if halted(ctx.nodes):  # stopped (solvers.limits): the caller discards what comes back
        return 0

    # possibleNonLosingMoves
    opp_win = winning_cells(current ^ mask, mask)
    poss = possible(mask)
    forced = poss & opp_win
    if forced:
        if forced & (forced - _ONE):  # two opponent threats: cannot block both
            return -((CELLS - moves) // 2)
        poss = forced  # the single forced block
    poss &= ~(opp_win >> _ONE)  # never play right below an opponent winning cell
    if poss == _ZERO:  # every move lets the opponent win next
        return -((CELLS - moves) // 2)

    if moves >= CELLS - 2:  # draw: neither side can win with the last two stones
        return 0

    lo = -((CELLS - 2 - moves) // 2)  # opponent cannot win next move
    if alpha < lo:
        alpha = lo
        if alpha >= beta:
            return alpha
    hi = (CELLS - 1 - moves) // 2  # we cannot win immediately
    if beta > hi:
        beta = hi
        if alpha >= beta:
            return beta

    key = current + mask
    # slot = key % tt_size without a 64-bit division (~20% of the time per node): the
    # quotient from a float64 multiply by 1/tt_size is off by at most one (key < 2**49 is
    # exact in a double; the relative error is ~2**-52 of a quotient below 2**26).
    tt_size = ctx.tt_size
    ikey = np.int64(key)
    slot = ikey - np.int64(np.float64(ikey) * ctx.tt_inv) * tt_size
    if slot < 0:
        slot += tt_size
    elif slot >= tt_size:
        slot -= tt_size
    partial = np.uint32(key & ctx.tt_low) | ctx.tt_tag
    if ctx.tt_keys[slot] == partial:
        val = np.int64(ctx.tt_vals[slot])
        if val > _LOWER_THRESHOLD:  # lower bound
            lo = val - _LOWER_OFFSET
            if alpha < lo:
                alpha = lo
                if alpha >= beta:
                    return alpha
        elif val != 0:  # upper bound
            hi = val - _UPPER_OFFSET
            if beta > hi:
                beta = hi
                if alpha >= beta:
                    return beta

    # MoveSorter: insertion sort on (threat count, insertion rank); the rank breaks
    # ties the way his sorter does (later-added first), the low 3 bits keep the column.
    sort_buf = ctx.sort_buf
    n = 0
    for i in range(WIDTH - 1, -1, -1):
        col = CENTRE_ORDER[i]
        move = poss & column_mask(col)
        if move:
            if moves < ctx.net_until:  # the net's opinion of the child, from its side: lower first
                rank = _NET_RANK_MID - int(connect4_forward_bits(current ^ mask, mask | move, ctx.params)
                                           * _NET_RANK_MID)
                rank = max(0, min(2 * _NET_RANK_MID, rank))
            else:
                rank = popcount(winning_cells(current | move, mask))
            entry = (rank << 6) | ((WIDTH - 1 - i) << 3) | col
            pos = n
            n += 1
            while pos > 0 and sort_buf[moves, pos - 1] > entry:
                sort_buf[moves, pos] = sort_buf[moves, pos - 1]
                pos -= 1
            sort_buf[moves, pos] = entry

    child_current = current ^ mask
    while n > 0:
        n -= 1
        move = poss & column_mask(sort_buf[moves, n] & 7)
        score = -_negamax(ctx, child_current, mask | move, moves + 1, -beta, -alpha)
        if ctx.nodes[ABORTED]:  # stopped: the score is meaningless and must not be stored
            return 0
        if score >= beta:
            ctx.tt_keys[slot] = partial
            ctx.tt_vals[slot] = np.uint8(score + _LOWER_OFFSET)
            return score
        alpha = max(alpha, score)

    ctx.tt_keys[slot] = partial
    ctx.tt_vals[slot] = np.uint8(alpha + _UPPER_OFFSET)
    return alpha


@njit(**JIT)
def _tdiv2(x):
    """``x / 2`` rounded toward zero, as C's integer division (Python's ``//`` floors)."""
    if x < 0:
        return -((-x) // 2)
    return x // 2


@njit(**JIT)
def _can_win_next(current, mask):
    return (winning_cells(current, mask) & possible(mask)) != _ZERO


@njit(**JIT)
def _solve(ctx, current, mask, moves, weak):
    """Pons' ``Solver::solve``: immediate-win check, then null-window bisection.

    The result of a weak solve has the right sign but may be any value of it.
    """
    if _can_win_next(current, mask):
        return (CELLS + 1 - moves) // 2
    lo = -((CELLS - moves) // 2)
    hi = (CELLS + 1 - moves) // 2
    if weak:
        lo = np.int64(-1)
        hi = np.int64(1)
    while lo < hi:
        med = lo + (hi - lo) // 2
        if med <= 0 and _tdiv2(lo) < med:
            med = _tdiv2(lo)
        elif med >= 0 and _tdiv2(hi) > med:
            med = _tdiv2(hi)
        ctx.nodes[LOWER] = lo
        ctx.nodes[UPPER] = hi
        r = _negamax(ctx, current, mask, moves, med, med + 1)
        if ctx.nodes[ABORTED]:  # stopped: lo and hi (in ``nodes``) are the bounds so far
            return lo
        if r <= med:
            hi = r
        else:
            lo = r
    return lo


@njit(**JIT)
def _best_moves(ctx, current, mask, moves, score, weak, out):
    """Write into ``out`` every column whose value equals ``score`` (the root's); return how many.

    ``score`` is exact (strong) or -1/0/1 (weak). Each candidate costs one null-window
    search on the child: the root's score is the best of its children, so a child is
    optimal exactly when the opponent's score there is at most ``-score``.
    """
    n = 0
    win_cells = winning_cells(current, mask)
    poss = possible(mask)
    can_win = (win_cells & poss) != _ZERO
    for col in range(WIDTH):
        move = poss & column_mask(col)
        if move == _ZERO:
            continue
        if move & win_cells:  # immediate win: the best possible score
            out[n] = col
            n += 1
            continue
        if can_win and not weak:  # anything slower than an immediate win is worse
            continue
        if weak and score < 0:  # every move loses
            out[n] = col
            n += 1
            continue
        child_current = current ^ mask
        child_mask = mask | move
        if _can_win_next(child_current, child_mask):
            # the opponent wins at once: our value is -(CELLS - moves) // 2 (< 0)
            if weak:
                continue  # score >= 0 here, and this move loses
            if -((CELLS - moves) // 2) == score:
                out[n] = col
                n += 1
            continue
        r = _negamax(ctx, child_current, child_mask, moves + 1, -score, -score + 1)
        if r <= -score:
            out[n] = col
            n += 1
    return n


# The entry kernels: called from Python with the solver's arrays, they build the
# ``SolveContext`` once and read the position from the state array (no scalar boxing).


@njit(**JIT)
def _solve_state(state, weak, tt_keys, tt_vals, tt_size, tt_inv, tt_low, tt_tag, sort_buf, params, net_until,
                 nodes):
    """``_solve`` on a state array."""
    ctx = SolveContext(tt_keys, tt_vals, tt_size, tt_inv, tt_low, tt_tag, sort_buf, params, net_until, nodes)
    return _solve(ctx, state[CURRENT], state[MASK], np.int64(state[PLY]), weak)


@njit(**JIT)
def _best_moves_state(state, score, weak, tt_keys, tt_vals, tt_size, tt_inv, tt_low, tt_tag, sort_buf, params,
                      net_until, nodes, out):
    """``_best_moves`` on a state array."""
    ctx = SolveContext(tt_keys, tt_vals, tt_size, tt_inv, tt_low, tt_tag, sort_buf, params, net_until, nodes)
    return _best_moves(ctx, state[CURRENT], state[MASK], np.int64(state[PLY]), score, weak, out)


#: A 34-stone position (a bench position) that runs every part of the solver, the
#: best-move analysis included, in a few dozen nodes: what ``warm_up`` solves.
WARMUP_POSITION = "7422341735647741166133573473242566"


class Connect4Solver(Solver):
    """Pons-style exact solver for 7x6 Connect Four, with one transposition table.

    The ``Solver`` protocol (``searchprune.solvers.base``): scores in Pons' convention,
    from the side to move; ``best_moves`` is every optimal column, 0-based (for weak:
    every move keeping the result), since listing them costs little here.

    The table (``next_prime(2**tt_log2)`` slots, 5 bytes each: about 40 MiB for the
    default 23) is allocated once and kept between calls: nothing resets it implicitly.
    Results are exact whatever the table holds (a slot only stores proven bounds of the
    position with that key), but node counts and times depend on it; to measure each
    position as Pons' benchmark does, from a fresh table, call ``reset()`` before it.
    """

    game = "connect4"
    orders_by_net = True

    def __init__(self, tt_log2: int = _DEFAULT_TT_LOG2):
        if not isinstance(tt_log2, (int, np.integer)) or not 17 <= int(tt_log2) <= 30:
            # 32-bit partial keys identify a 49-bit key only if size * 2**32 >= 2**49.
            raise ValueError(f"tt_log2 must be an integer from 17 to 30, got {tt_log2!r}")
        self.tt_log2 = int(tt_log2)
        self.tt_size = next_prime(1 << self.tt_log2)
        self._size = np.int64(self.tt_size)
        self._inv = np.float64(1.0 / self.tt_size)
        self._keys = np.zeros(self.tt_size, dtype=np.uint32)
        self._vals = np.zeros(self.tt_size, dtype=np.uint8)
        # np.zeros maps the pages lazily; write them now (as Pons' constructor does) so
        # that first touches do not page-fault inside timed solves.
        self._keys.fill(0)
        self._vals.fill(0)
        # Partial keys: the low ``49 - tt_log2`` key bits identify a key within its slot
        # (Chinese remainder theorem, as size > 2**tt_log2); the spare high bits of the
        # uint32 hold a generation tag, so reset() is usually just a new tag.
        low_bits = _KEY_BITS - self.tt_log2
        self._low = np.uint64((1 << low_bits) - 1)
        self._tag_shift = low_bits
        self._generations = 1 << (32 - low_bits)  # tags 1 .. generations - 1 (0: never written)
        self._generation = 0
        self._tag = np.uint32(0)
        self._sort = np.zeros((_SORT_ROWS, _SORT_COLS), dtype=np.int64)
        self._params = np.zeros(1, dtype=np.float32)
        self._net_until = np.int64(0)
        self.net = None
        self._nodes = np.zeros(CONTROL, dtype=np.int64)  # the node count, the limits, the bounds so far
        self._out = np.zeros(WIDTH, dtype=np.int64)
        self._started = time.perf_counter()

        self.reset()

    def use_net(self, net, until_ply: int = 14) -> None:
        """Order moves by ``net`` (a Connect Four ``evaluation.store.Net``; None: Pons' threat
        ordering again) at nodes with fewer than ``until_ply`` stones. Ordering only: the
        scores stay exact, only the node counts change."""
        if net is None:
            self.net, self._params, self._net_until = None, np.zeros(1, dtype=np.float32), np.int64(0)
            return
        from searchprune.evaluation.infer import pack

        if net.game != "connect4":
            raise ValueError(f"{net.name} is a {net.game} net, not a connect4 net")
        if not 0 <= until_ply <= CELLS:
            raise ValueError(f"until_ply must be 0..{CELLS}, got {until_ply}")
        self.net, self._params, self._net_until = net, pack(net), np.int64(until_ply)

    def reset(self) -> None:
        """Empty the transposition table.

        Logically exact: afterwards a probe finds only what was stored since. Usually it
        only moves to the next generation tag (entries with an older tag never match);
        when the tags run out (every ``2**(tt_log2 - 17) - 1`` resets; every time for
        ``tt_log2 = 17``) the arrays are zeroed. Besides saving the memset, this keeps a
        reset from flushing the CPU caches before a timed solve.
        """
        self._generation += 1
        if self._generation >= self._generations:
            self._keys.fill(0)
            self._vals.fill(0)
            self._generation = 1 if self._generations > 1 else 0
        self._tag = np.uint32(self._generation << self._tag_shift)

    @staticmethod
    def parse_line(line: str) -> tuple[str, int | None] | None:
        """A test-set line (``"<moves> [expected score]"``) as (position, expected)."""
        fields = line.split()
        if not fields:
            return None
        expected = int(fields[1]) if len(fields) > 1 and fields[1].lstrip("-").isdigit() else None
        return fields[0], expected

    @classmethod
    def warm_up(cls) -> None:
        """Compile (or load) the kernels: solve ``WARMUP_POSITION`` on the smallest table."""
        from searchprune.games import get_game

        cls(tt_log2=17).solve(get_game(cls.game).parse_position(WARMUP_POSITION))

    # -- validation -------------------------------------------------------------------

    @staticmethod
    def _check(state) -> None:
        """Raise ``GameError`` unless ``state`` is a consistent, unfinished Connect Four state."""
        if not isinstance(state, np.ndarray) or state.dtype != np.uint64 or state.shape != (STATE_SIZE,):
            raise GameError(f"expected a Connect Four state (uint64 array of {STATE_SIZE}), got {type(state).__name__}")
        current, mask, ply = state[:3].tolist()
        if mask & ~_BOARD or current & ~mask or ply != mask.bit_count():
            raise GameError("inconsistent Connect Four state: stones, side to move and ply count disagree")
        if terminal(state) != ONGOING:
            what = "a draw (the board is full)" if ply == CELLS else "won by the player who just moved"
            raise GameError(f"cannot solve a finished Connect Four game: the position is {what}")

    # -- API ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask a running ``solve`` to stop soon; safe to call from another thread."""
        self._nodes[STOP] = 1

    def progress(self) -> SolveProgress:
        """Nodes, seconds and the lower bound so far of the running (or last) solve."""
        nodes = self._nodes
        bounded = nodes[LOWER] < nodes[UPPER]  # before the first bisection step both are 0
        return SolveProgress(nodes=int(nodes[NODES]), seconds=time.perf_counter() - self._started,
                             bound=int(nodes[LOWER]) if bounded else None,
                             upper=int(nodes[UPPER]) if bounded else None)

    def score(self, state, *, weak: bool = False, limit: Limit | None = None) -> tuple[int, int]:
        """(score, nodes) of ``state``; no best-move analysis, no implicit ``reset()``.

        For ``weak=True`` the score is -1, 0 or 1. Stopped by ``limit`` or ``stop``
        (``stop_reason(self._nodes)``), the score is the lower bound so far.
        """
        self._check(state)
        arm(self._nodes, limit)
        self._started = time.perf_counter()
        s = _solve_state(
            state,
            bool(weak),
            self._keys,
            self._vals,
            self._size,
            self._inv,
            self._low,
            self._tag,
            self._sort,
            self._params,
            self._net_until,
            self._nodes,
        )
        if weak and not self._nodes[ABORTED]:
            s = (s > 0) - (s < 0)
        return int(s), int(self._nodes[0])

    def solve(self, state, *, weak: bool = False, all_best: bool = True, best_moves: bool = True,
              limit: Limit | None = None) -> SolveResult:
        """Score ``state`` and, unless ``best_moves=False``, list every optimal column.

        ``all_best`` is accepted for the ``Solver`` protocol: every optimal column is
        always listed. ``limit`` (``time``, ``nodes``) or ``stop`` end it early
        (``SolveResult.stopped``: the score is then the bisection's lower bound so far).
        Does not reset the table (see the class docstring).
        """
        start = time.perf_counter()
        s, _ = self.score(state, weak=weak, limit=limit)  # resets the node counter, not the table
        if self._nodes[ABORTED]:
            return SolveResult(score=s, best_moves=[], nodes=int(self._nodes[0]),
                               seconds=time.perf_counter() - start, empties=CELLS - int(state[2]),
                               stopped=stop_reason(self._nodes))
        best: list[int] = []
        if best_moves:
            n = _best_moves_state(
                state,
                np.int64(s),
                bool(weak),
                self._keys,
                self._vals,
                self._size,
                self._inv,
                self._low,
                self._tag,
                self._sort,
                self._params,
                self._net_until,
                self._nodes,
                self._out,
            )
            best = sorted(int(c) for c in self._out[:n])
        if self._nodes[ABORTED]:  # the score stands; the list of best columns is cut short
            best, best_moves = best[:0], False
        return SolveResult(score=s, best_moves=best, nodes=int(self._nodes[0]), seconds=time.perf_counter() - start,
                           empties=CELLS - int(state[2]), all_best=best_moves)
