"""Exact Connect Four solver after Pascal Pons' "Solving Connect 4" (final version, no book).

His algorithm (``PascalPons/connect4``, ``Solver.cpp``) is the base:

- negamax with alpha-beta, the window clamped to the scores still reachable with the
  moves left;
- only non-losing moves are searched: a single opponent winning cell that is playable
  must be blocked, two mean the position is lost, and a move directly below an
  opponent winning cell is never played;
- moves sorted by the number of winning cells they leave us, ties broken centre-first
  exactly like his ``MoveSorter`` (insertion sort; equal scores come out last-added
  first, and moves are added in reverse centre order);
- ``solve`` narrows the score with null-window searches, the probe point biased
  towards 0; a weak solve searches the window [-1, 1] only.

What it adds, each measured side by side with his solver (``bench/results/connect4_vs_pons.md``)
or with itself (``bench/results/connect4_threads*.md``):

- a table of two-slot buckets holding both bounds and the best move of a position, its
  mirror image folded onto it (``connect4_table``), the table's move searched first;
- enhanced transposition cut-offs at nodes with ``ETC_MIN_EMPTIES`` or more empty cells;
- Allis' claimeven rule as an upper bound (``_claimeven_holds``);
- several threads on one table (``Connect4Solver(threads=N)``, ``solvers.bisection``).

A node is one negamax call, as in his counter.

Scores are his (``Test_L*_R*`` files): from the side to move, ``0`` a draw, ``22 - k``
for a win with the winner's k-th stone, ``k - 22`` for a loss to the opponent's k-th.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import NamedTuple

import numpy as np
from numba import njit

from searchprune.bits import highest_index, popcount
from searchprune.config import JIT
from searchprune.games.base import GameError
from searchprune.games.connect4 import (
    BOARD,
    BOTTOM,
    CELLS,
    CENTRE_ORDER,
    CURRENT,
    MASK,
    PLY,
    STATE_SIZE,
    WIDTH,
    alignment,
    column_mask,
    possible,
    terminal,
    winning_cells,
)
from searchprune.evaluation.infer import connect4_forward_bits
from searchprune.search.limits import ExactScore, Limit
from searchprune.solvers.base import SolveProgress, SolveResult, Solver
from searchprune.solvers.bisection import bisect, pons_point
from searchprune.solvers.connect4_table import (
    NO_MOVE,
    ConnectFourTable,
    best_move,
    locate,
    lower,
    probe,
    store,
    upper,
    work_of,
)
from searchprune.solvers.limits import ABORTED, DEADLINE, FIRST_FREE, NODES, STOP, arm, halted, stop_reason
from searchprune.types import ONGOING

_ONE = np.uint64(1)
#: Rows 0, 2, 4 and 1, 3, 5 of every column (claimeven).
_EVEN_ROWS = np.uint64(int(BOTTOM) * 0b010101)
_ODD_ROWS = np.uint64(int(BOTTOM) * 0b101010)
#: Net ordering: a child the net scores y (its side's view, about -1..1) ranks MID - y * MID.
_NET_RANK_MID = 4096
_ZERO = np.uint64(0)
_BOARD = int(BOARD)

#: log2 of the default table's entries: 2**23 entries of 8 bytes, 64 MiB.
_DEFAULT_TT_LOG2 = 23

#: Rows of the per-ply move-sorting buffer (one row per number of stones played).
_SORT_ROWS = CELLS + 1
#: Columns of each row: up to WIDTH sorted entries (one spare slot).
_SORT_COLS = 8

#: Enhanced transposition cut-offs at nodes with at least this many empty cells:
#: there the probes of the children (up to seven cache misses) cost little beside the
#: subtree they may save; near the leaves they cost more than they save. Swept over
#: 12/16/20/24 on two threads (bench/results/connect4_claimeven.md): 12 saves 7 % of the
#: nodes but no time, 20 and 24 cost 10-25 % more time; the table and ETC together
#: against Pons: bench/results/connect4_vs_pons.md.
ETC_MIN_EMPTIES = 16
#: Sort rank of the table's move: above any threat count (< 2**6) and net rank (<= 2**13).
_TT_MOVE_RANK = 1 << 14
_NO_WORK = np.int64(0)


class SolveContext(NamedTuple):
    """What every node of a solve reads or writes besides its position: the table, the
    move-sorting rows, the net and the node counter (cf. ``search.context.SearchContext``).

    Built inside the entry kernels (``_solve_state``, ``_best_moves_state``) from the
    solver's arrays, where building it is free; built in Python it would be unboxed at
    every call. Numba compiles it into a plain struct passed down the recursion.
    """

    #: The transposition table (uint64[2 * buckets]; layout in ``connect4_table``).
    table: np.ndarray
    #: ``49 - bucket bits``: a key hash's high bits pick the bucket ...
    bucket_shift: np.uint64
    #: ... and the bits under this mask are the partial key kept in the entry.
    partial_mask: np.uint64
    #: This generation's tag, in the entry's generation field.
    tag: np.uint64
    #: Move-sorting scratch, one row per number of stones (int64[_SORT_ROWS, _SORT_COLS]).
    sort_buf: np.ndarray
    #: Packed net for move ordering (``evaluation.infer.pack``; unused when net_until = 0).
    params: np.ndarray
    #: Order by the net at nodes with fewer stones than this.
    net_until: np.int64
    #: Enhanced transposition cut-offs at nodes with fewer stones than this.
    etc_until: np.int64
    #: ``nodes[0]``: negamax calls so far; then the limits (``searchprune.solvers.limits``)
    #: and the bisection's bounds so far (``LOWER``, ``UPPER``).
    nodes: np.ndarray


#: The bisection's bounds so far on the exact score, in the ``nodes`` array.
LOWER = FIRST_FREE
UPPER = FIRST_FREE + 1
#: A worker thread's test is under way (its ``nodes`` are counted live by ``progress``).
RUNNING = FIRST_FREE + 2
CONTROL = FIRST_FREE + 3
#: The most threads a solve may use.
MAX_THREADS = 64


@njit(**JIT)
def _lowest_bit(x):
    return x & (~x + _ONE)


@njit(**JIT)
def _column_of(move):
    """The column of a one-bit ``move`` (7 bits a column)."""
    return highest_index(move) // 7


@njit(**JIT)
def _transposition_cutoff(ctx, child_current, mask, poss, beta):
    """Enhanced transposition cut-off: the best lower bound the table proves for the
    position through one of the moves in ``poss``, and that move's column.

    A child stored with an upper bound ``u`` (its score, from its side to move) proves
    that the move is worth at least ``-u`` here. Returns (``-u``, column) for the
    largest such bound, stopping early at one >= ``beta``; (-CELLS, ``NO_MOVE``) if no
    child is in the table. (Plaat, Schaeffer, Pijls and de Bruin, "Nearly optimal
    minimax tree search?", 1994.)
    """
    best = np.int64(-CELLS)
    best_col = np.int64(NO_MOVE)
    while poss:
        move = _lowest_bit(poss)
        poss ^= move
        child_mask = mask | move
        cslot, cident, _ = locate(child_current + child_mask, ctx.bucket_shift, ctx.partial_mask, ctx.tag)
        entry = probe(ctx.table, cslot, cident)
        if entry:
            v = -upper(entry)
            if v > best:
                best = v
                best_col = _column_of(move)
                if v >= beta:
                    break
    return best, best_col


@njit(**JIT)
def _claimeven_holds(current, mask):
    """Allis' claimeven: with an even number of empty cells in every column, the opponent
    can answer each of our moves in the same column, taking every empty cell of an odd
    row (0-based) and leaving us those of the even rows. If our stones and those cells
    hold no four, we cannot win: our score is at most 0."""
    if possible(mask) & _ODD_ROWS:  # some column has an odd number of empty cells
        return False
    return not alignment(current | (BOARD & ~mask & _EVEN_ROWS))


@njit(**JIT)
def _negamax(ctx, current, mask, moves, alpha, beta):
    """Score a position with alpha-beta (negamax), Pons' ``Solver::negamax`` plus a
    two-bound table with a best move, mirror images folded, and enhanced transposition
    cut-offs.

    The position is (``current``, ``mask``) with ``moves`` stones played. It must not be
    won already, and the side to move must not be able to win on its next move (the
    caller checks that). ``alpha < beta`` is the window.

    Returns the exact score, or a bound on it, depending on where the true score lies:

    - if true score <= alpha, then  true score <= returned value <= alpha
    - if true score >= beta,  then  beta <= returned value <= true score
    - if alpha <= true score <= beta, then returned value == true score

    Side effects (on ``ctx``, a ``SolveContext``): ``nodes[0]`` counts this call (one node
    per call, like Pons' counter); the table receives the bounds this call proved (both
    ends: what it had, intersected with the new one), the move that raised the score and
    the work done; ``sort_buf[moves]`` is this ply's scratch row for move sorting
    (children use the next rows, so the recursion never overwrites a row still in use).
    """
    nodes = ctx.nodes
    nodes[0] += 1
    if halted(nodes):  # stopped (solvers.limits): the caller discards what comes back
        return 0
    start = nodes[0]

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

    # [lo, hi]: what is proven about the score: the opponent cannot win next move, we
    # cannot win at once, and whatever the table holds.
    lo = -((CELLS - 2 - moves) // 2)
    hi = (CELLS - 1 - moves) // 2
    if _claimeven_holds(current, mask):
        hi = 0  # the opponent's follow-up leaves us no four: we cannot win
    slot, ident, mirrored = locate(current + mask, ctx.bucket_shift, ctx.partial_mask, ctx.tag)
    entry = probe(ctx.table, slot, ident)
    tt_move = np.int64(NO_MOVE)
    if entry:
        lo = max(lo, lower(entry))
        hi = min(hi, upper(entry))
        tt_move = best_move(entry, mirrored)
    if alpha < lo:
        alpha = lo
        if alpha >= beta:
            return alpha
    if beta > hi:
        beta = hi
        if alpha >= beta:
            return beta

    child_current = current ^ mask
    if moves < ctx.etc_until:
        v, col = _transposition_cutoff(ctx, child_current, mask, poss, beta)
        if v > lo:
            lo = v
            if v >= beta:
                store(ctx.table, slot, ident, lo, hi, col, mirrored, _NO_WORK)
                return v
            if v > alpha:
                alpha = v

    # Move order: the table's move, then Pons' MoveSorter: insertion sort on (threat
    # count, insertion rank); the rank breaks ties the way his sorter does (later-added
    # first), the low 3 bits keep the column.
    sort_buf = ctx.sort_buf
    n = 0
    for i in range(WIDTH - 1, -1, -1):
        col = CENTRE_ORDER[i]
        move = poss & column_mask(col)
        if move:
            if col == tt_move:
                rank = _TT_MOVE_RANK
            elif moves < ctx.net_until:  # the net's opinion of the child, from its side: lower first
                rank = _NET_RANK_MID - int(connect4_forward_bits(child_current, mask | move, ctx.params)
                                           * _NET_RANK_MID)
                rank = max(0, min(2 * _NET_RANK_MID, rank))
            else:
                rank = popcount(winning_cells(current | move, mask))
            entry_rank = (rank << 6) | ((WIDTH - 1 - i) << 3) | col
            pos = n
            n += 1
            while pos > 0 and sort_buf[moves, pos - 1] > entry_rank:
                sort_buf[moves, pos] = sort_buf[moves, pos - 1]
                pos -= 1
            sort_buf[moves, pos] = entry_rank

    best_col = np.int64(NO_MOVE)
    while n > 0:
        n -= 1
        col = sort_buf[moves, n] & 7
        move = poss & column_mask(col)
        score = -_negamax(ctx, child_current, mask | move, moves + 1, -beta, -alpha)
        if nodes[ABORTED]:  # stopped: the score is meaningless and must not be stored
            return 0
        if score >= beta:
            store(ctx.table, slot, ident, max(lo, score), hi, col, mirrored, work_of(nodes[0] - start))
            return score
        if score > alpha:
            alpha = score
            best_col = col

    # Every move is worth at most alpha; a move that raised alpha inside the window
    # was worth exactly alpha, which makes the score exact.
    if best_col != NO_MOVE:
        lo = alpha
    store(ctx.table, slot, ident, lo, min(hi, alpha), best_col, mirrored, work_of(nodes[0] - start))
    return alpha


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
        med = pons_point(lo, hi)
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
def _is_best(ctx, current, mask, moves, score, weak, col):
    """Whether playing ``col`` keeps the root's value ``score`` (exact, or -1/0/1 for weak).

    One null-window search on the child at most: the root's score is the best of its
    children, so a child is optimal exactly when the opponent's score there is at most
    ``-score``. ``col`` must be playable.
    """
    win_cells = winning_cells(current, mask)
    poss = possible(mask)
    move = poss & column_mask(col)
    if move & win_cells:  # immediate win: the best possible score
        return True
    if (win_cells & poss) != _ZERO and not weak:  # anything slower than an immediate win is worse
        return False
    if weak and score < 0:  # every move loses
        return True
    child_current = current ^ mask
    child_mask = mask | move
    if _can_win_next(child_current, child_mask):
        # the opponent wins at once: our value is -(CELLS - moves) // 2 (< 0); a weak
        # score here is >= 0, which this move does not keep
        return not weak and -((CELLS - moves) // 2) == score
    return _negamax(ctx, child_current, child_mask, moves + 1, -score, -score + 1) <= -score


@njit(**JIT)
def _best_moves(ctx, current, mask, moves, score, weak, out):
    """Write into ``out`` every column whose value equals ``score`` (the root's); return how many."""
    n = 0
    poss = possible(mask)
    for col in range(WIDTH):
        if poss & column_mask(col) and _is_best(ctx, current, mask, moves, score, weak, col):
            out[n] = col
            n += 1
    return n


# The entry kernels: called from Python with the solver's arrays, they build the
# ``SolveContext`` once and read the position from the state array (no scalar boxing).


@njit(**JIT)
def _solve_state(state, weak, table, bucket_shift, partial_mask, tag, sort_buf, params, net_until, etc_until,
                 nodes):
    """``_solve`` on a state array."""
    ctx = SolveContext(table, bucket_shift, partial_mask, tag, sort_buf, params, net_until, etc_until, nodes)
    return _solve(ctx, state[CURRENT], state[MASK], np.int64(state[PLY]), weak)


@njit(**JIT)
def _best_moves_state(state, score, weak, table, bucket_shift, partial_mask, tag, sort_buf, params, net_until,
                      etc_until, nodes, out):
    """``_best_moves`` on a state array."""
    ctx = SolveContext(table, bucket_shift, partial_mask, tag, sort_buf, params, net_until, etc_until, nodes)
    return _best_moves(ctx, state[CURRENT], state[MASK], np.int64(state[PLY]), score, weak, out)


@njit(**JIT)
def _is_best_state(state, score, weak, col, table, bucket_shift, partial_mask, tag, sort_buf, params, net_until,
                   etc_until, nodes):
    """``_is_best`` on a state array (one column: the threaded best-move analysis)."""
    ctx = SolveContext(table, bucket_shift, partial_mask, tag, sort_buf, params, net_until, etc_until, nodes)
    return _is_best(ctx, state[CURRENT], state[MASK], np.int64(state[PLY]), score, weak, col)


@njit(**JIT)
def _probe_state(state, alpha, table, bucket_shift, partial_mask, tag, sort_buf, params, net_until, etc_until,
                 nodes):
    """One null-window test of the bisection: ``_negamax`` on a state array in the window
    ``(alpha, alpha + 1)`` (the caller has checked that the side to move cannot win at once)."""
    ctx = SolveContext(table, bucket_shift, partial_mask, tag, sort_buf, params, net_until, etc_until, nodes)
    return _negamax(ctx, state[CURRENT], state[MASK], np.int64(state[PLY]), alpha, alpha + 1)


#: A 34-stone position (a bench position) that runs every part of the solver, the
#: best-move analysis included, in a few dozen nodes: what ``warm_up`` solves.
WARMUP_POSITION = "7422341735647741166133573473242566"


class Connect4Solver(Solver):
    """Pons-style exact solver for 7x6 Connect Four, with one transposition table.

    The ``Solver`` protocol (``searchprune.solvers.base``): scores in Pons' convention,
    from the side to move; ``best_moves`` is every optimal column, 0-based (for weak:
    every move keeping the result), since listing them costs little here.

    The table (``2**tt_log2`` entries of 8 bytes: 64 MiB for the default 23) is
    allocated once and kept between calls: nothing resets it implicitly. Results are
    exact whatever the table holds (an entry only stores proven bounds of the position
    with that key), but node counts and times depend on it; to measure each position as
    Pons' benchmark does, from a fresh table, call ``reset()`` before it.
    """

    game = "connect4"
    orders_by_net = True
    max_threads = MAX_THREADS

    def __init__(self, tt_log2: int = _DEFAULT_TT_LOG2, threads: int = 1):
        if not isinstance(tt_log2, (int, np.integer)) or not 17 <= int(tt_log2) <= 30:
            # 17: the partial key (49 - tt_log2 + 1 bits) must fit its 33-bit field.
            raise ValueError(f"tt_log2 must be an integer from 17 to 30, got {tt_log2!r}")
        if not isinstance(threads, (int, np.integer)) or not 1 <= int(threads) <= MAX_THREADS:
            raise ValueError(f"threads must be an integer from 1 to {MAX_THREADS}, got {threads!r}")
        self.tt_log2 = int(tt_log2)
        self.threads = int(threads)
        # each thread's move-sorting rows and counters (threads > 1: solvers.bisection)
        self._worker_sort = [np.zeros((_SORT_ROWS, _SORT_COLS), dtype=np.int64) for _ in range(self.threads)]
        self._worker_nodes = [np.zeros(CONTROL, dtype=np.int64) for _ in range(self.threads)]
        self._lock = threading.Lock()
        self._table = ConnectFourTable(self.tt_log2)
        self.tt_size = self._table.entries
        self._sort = np.zeros((_SORT_ROWS, _SORT_COLS), dtype=np.int64)
        self._params = np.zeros(1, dtype=np.float32)
        self._net_until = np.int64(0)
        self._etc_until = np.int64(CELLS - ETC_MIN_EMPTIES + 1)
        self.net = None
        self._nodes = np.zeros(CONTROL, dtype=np.int64)  # the node count, the limits, the bounds so far
        self._out = np.zeros(WIDTH, dtype=np.int64)
        self._started = time.perf_counter()

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
        only moves to the next generation tag (``ConnectFourTable.reset``).
        """
        self._table.reset()

    def _arrays(self, worker: int | None = None) -> tuple:
        """The context's arrays and scalars, in ``SolveContext`` order after the state: the
        solver's own sorting rows and counters, or those of thread ``worker``."""
        t = self._table
        sort, nodes = (self._sort, self._nodes) if worker is None else \
            (self._worker_sort[worker], self._worker_nodes[worker])
        return (t.table, t.bucket_shift, t.partial_mask, t.tag, sort, self._params, self._net_until,
                self._etc_until, nodes)

    def _on_threads(self, limit: Limit | None) -> bool:
        """Whether a solve runs on the worker threads (a node limit keeps it on one)."""
        return self.threads > 1 and not (limit and limit.nodes)

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

    @staticmethod
    def empties(state) -> int:
        """Empty cells of ``state``."""
        return CELLS - int(state[PLY])

    @staticmethod
    def exact_score(state, score: int) -> ExactScore:
        """Pons' ``score`` of ``state`` as outcome and distance.

        Pons scores a win made with ``m_w`` stones on the board before the winning move
        as ``(CELLS + 1 - m_w) // 2``, from the winner's side. The winner moves when the
        stone count has its parity, so ``m_w`` is the one of ``42 - 2|s|`` and
        ``43 - 2|s|`` with that parity; the deciding move is ``m_w - m + 1`` plies away.
        """
        if score == 0:
            return ExactScore(outcome=0)
        stones = int(state[PLY])
        winner_parity = stones & 1 if score > 0 else (stones + 1) & 1
        before_win = CELLS - 2 * abs(score) + winner_parity
        return ExactScore(outcome=1 if score > 0 else -1, plies=before_win - stones + 1)

    def stop(self) -> None:
        """Ask a running ``solve`` to stop soon; safe to call from another thread."""
        self._nodes[STOP] = 1
        for nodes in self._worker_nodes:
            nodes[STOP] = 1

    def progress(self) -> SolveProgress:
        """Nodes, seconds and the lower bound so far of the running (or last) solve."""
        nodes = self._nodes
        bounded = nodes[LOWER] < nodes[UPPER]  # before the first bisection step both are 0
        running = sum(int(n[NODES]) for n in self._worker_nodes if n[RUNNING]) if self.threads > 1 else 0
        return SolveProgress(nodes=int(nodes[NODES]) + running, seconds=time.perf_counter() - self._started,
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
        if self._on_threads(limit) and not _can_win_next(state[CURRENT], state[MASK]):
            s = self._bisect_on_threads(state, bool(weak))
        else:
            s = _solve_state(state, bool(weak), *self._arrays())
        if weak and not self._nodes[ABORTED]:
            s = (s > 0) - (s < 0)
        return int(s), int(self._nodes[0])

    def _bisect_on_threads(self, state, weak: bool) -> int:
        """``_solve_state`` on ``self.threads`` threads (``solvers.bisection``): each runs its
        own null-window test, all on the one table; the node counts add up in
        ``self._nodes``. A node limit keeps a solve on one thread (``score``)."""
        moves = int(state[PLY])
        lo, hi = (-1, 1) if weak else (-((CELLS - moves) // 2), (CELLS + 1 - moves) // 2)

        def test(worker: int, point: int) -> int | None:
            value = _probe_state(state, np.int64(point), *self._arrays(worker))
            # a stopped test may have been cancelled by the bisection: that stops no solve
            return None if self._retire_worker(worker, stops_solve=False) else int(value)

        def cancel(worker: int) -> None:
            self._worker_nodes[worker][STOP] = 1

        def on_bounds(new_lo: int, new_hi: int) -> None:
            self._nodes[LOWER], self._nodes[UPPER] = new_lo, new_hi

        lo, hi, complete = bisect(lo, hi, test, cancel, self.threads, on_bounds, self._arm_worker)
        if not complete:
            self._nodes[ABORTED] = 1
        return lo

    def _arm_worker(self, worker: int) -> None:
        """Ready a worker's counters for its next job: the solve's stop flag and deadline."""
        nodes = self._worker_nodes[worker]
        nodes[:] = 0
        nodes[STOP], nodes[DEADLINE], nodes[RUNNING] = self._nodes[STOP], self._nodes[DEADLINE], 1

    def _retire_worker(self, worker: int, stops_solve: bool = True) -> bool:
        """Add a worker's nodes to the solve's; True if its job was stopped (which, with
        ``stops_solve``, marks the whole solve stopped)."""
        nodes = self._worker_nodes[worker]
        with self._lock:
            self._nodes[NODES] += nodes[NODES]
            nodes[RUNNING] = 0
            if nodes[ABORTED] and stops_solve:
                self._nodes[ABORTED] = 1
        return bool(nodes[ABORTED])

    def _best_on_threads(self, state, score: int, weak: bool) -> list[int]:
        """The optimal columns (``_is_best``), the columns shared out among the threads,
        centre first; cut short (``ABORTED`` set) if the solve is stopped."""
        poss = int(possible(state[MASK]))
        columns = queue.SimpleQueue()
        for col in CENTRE_ORDER:
            if poss & int(column_mask(col)):
                columns.put(int(col))
        found: list[int] = []

        def work(worker: int) -> None:
            nodes = self._worker_nodes[worker]
            while not nodes[ABORTED]:
                try:
                    col = columns.get_nowait()
                except queue.Empty:
                    break
                if _is_best_state(state, np.int64(score), weak, np.int64(col), *self._arrays(worker)) \
                        and not nodes[ABORTED]:
                    found.append(col)
            self._retire_worker(worker)

        workers = []
        for worker in range(self.threads):
            self._arm_worker(worker)
            workers.append(threading.Thread(target=work, args=(worker,), daemon=True, name=f"best-{worker}"))
            workers[-1].start()
        for thread in workers:
            thread.join()
        return sorted(found)

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
        if best_moves and self._on_threads(limit):
            best = self._best_on_threads(state, s, bool(weak))
        elif best_moves:
            n = _best_moves_state(state, np.int64(s), bool(weak), *self._arrays(), self._out)
            best = sorted(int(c) for c in self._out[:n])
        if self._nodes[ABORTED]:  # the score stands; the list of best columns is cut short
            best, best_moves = best[:0], False
        return SolveResult(score=s, best_moves=best, nodes=int(self._nodes[0]), seconds=time.perf_counter() - start,
                           empties=CELLS - int(state[2]), all_best=best_moves)
