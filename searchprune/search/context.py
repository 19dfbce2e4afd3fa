"""The arrays one search works on, the counters it keeps and the limit poll.

Everything a compiled search touches is preallocated here and passed as one named
tuple of arrays (Numba compiles named tuples of arrays into plain structs; jitclass
would not hit the disk cache). Per-ply arrays are indexed by ``ply``, the distance
from the root, so no node allocates.

``stop`` is a one-element array apart from the rest so another thread can set it
while a search runs (kernels are compiled ``nogil``): the search reads it every
``POLL_INTERVAL`` nodes, together with the clock.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.clock import monotonic_ns
from searchprune.types import MAX_PLY

# -- statistics counters (``ctx.stats``) -------------------------------------------
NODES = 0  # positions visited (every call of a node search)
TT_PROBES = 1  # table look-ups
TT_HITS = 2  # look-ups that found the position
TT_CUTOFFS = 3  # nodes answered from the table without a search
CUTOFFS = 4  # beta cutoffs
FIRST_CUTOFFS = 5  # beta cutoffs by the first move searched
SELDEPTH = 6  # deepest ply reached
EVALS = 7  # leaves scored by the evaluator
ABORTED = 8  # 1 once a limit or the stop flag ended the search
N_STATS = 9

# -- search switches and limits (``ctx.opts``) -------------------------------------
OPT_TT = 0  # probe and store the transposition table
OPT_HINTS = 1  # order by the game's hints (tactics, threats, centre)
OPT_KILLERS = 2  # killer moves
OPT_HISTORY = 3  # history table
OPT_NODE_LIMIT = 4  # abort once NODES reaches this (0: none)
OPT_DEADLINE = 5  # abort once the monotonic clock passes this, in ns (0: none)
OPT_GEN = 6  # transposition-table generation of this search
# Search components a game may switch on (they need the game's optional kernels,
# ``searchprune.search.defaults``); each can be turned off to measure what it buys.
OPT_QSEARCH = 7  # quiescence search of tactical moves at the horizon
OPT_CHECK_EXT = 8  # search one ply deeper when the side to move is in check
OPT_NULL = 9  # null-move pruning (with the game's zugzwang guard)
OPT_LMR = 10  # late-move reductions of quiet moves
OPT_FUTILITY = 11  # futility pruning of quiet moves near the horizon
OPT_MATE_DISTANCE = 12  # mate-distance pruning: no line can beat a mate already found
N_OPTS = 13

#: ``ctx.path[ply]`` after a null move from ``ply``.
NULL_PATH = -2

#: Nodes between two reads of the clock and the stop flag (a power of two).
POLL_INTERVAL = 1024


class SearchContext(NamedTuple):
    moves: np.ndarray  # int64[MAX_PLY + 1, max_moves]: generated moves per ply
    order: np.ndarray  # int64[MAX_PLY + 1, max_moves]: their ordering scores
    killers: np.ndarray  # int64[MAX_PLY + 1, 2]
    history: np.ndarray  # int64[move_space]
    pv: np.ndarray  # int64[MAX_PLY + 1, MAX_PLY + 1]: triangular principal-variation table
    pv_len: np.ndarray  # int64[MAX_PLY + 1]: pv[ply, ply:pv_len[ply]] is the PV from ply
    tt: np.ndarray  # TT_ENTRY records (searchprune.search.tt)
    stats: np.ndarray  # int64[N_STATS]
    opts: np.ndarray  # int64[N_OPTS]
    stop: np.ndarray  # int64[1]: set to 1 from anywhere to stop the search
    params: np.ndarray  # float32[...]: the evaluator's parameters and working memory (own copy)
    path: np.ndarray  # int64[MAX_PLY + 1]: the move made from each ply of the current line


def new_context(max_moves: int, move_space: int, tt: np.ndarray, params: np.ndarray | None = None) -> SearchContext:
    """Allocate the arrays for a game whose move buffers hold ``max_moves``."""
    rows = MAX_PLY + 1
    opts = np.zeros(N_OPTS, dtype=np.int64)
    opts[[OPT_TT, OPT_HINTS, OPT_KILLERS, OPT_HISTORY]] = 1
    return SearchContext(
        moves=np.zeros((rows, max_moves), dtype=np.int64),
        order=np.zeros((rows, max_moves), dtype=np.int64),
        killers=np.full((rows, 2), -1, dtype=np.int64),
        history=np.zeros(move_space, dtype=np.int64),
        pv=np.full((rows, rows), -1, dtype=np.int64),
        pv_len=np.zeros(rows, dtype=np.int64),
        tt=tt,
        stats=np.zeros(N_STATS, dtype=np.int64),
        opts=opts,
        stop=np.zeros(1, dtype=np.int64),
        params=np.zeros(1, dtype=np.float32) if params is None else np.array(params, dtype=np.float32, copy=True),
        path=np.zeros(rows, dtype=np.int64),
    )


@njit(**JIT)
def count_node(ctx: SearchContext, ply: int) -> bool:
    """Count a node; True if the search must stop (a limit passed or stop was set).

    Called first thing in every node search. The node limit is exact; the clock and
    the stop flag are read every POLL_INTERVAL nodes.
    """
    stats = ctx.stats
    nodes = stats[NODES] + 1
    stats[NODES] = nodes
    if ply > stats[SELDEPTH]:
        stats[SELDEPTH] = ply
    if stats[ABORTED]:
        return True
    opts = ctx.opts
    if opts[OPT_NODE_LIMIT] and nodes >= opts[OPT_NODE_LIMIT]:
        stats[ABORTED] = 1
        return True
    if nodes & (POLL_INTERVAL - 1) == 0:
        if ctx.stop[0] or (opts[OPT_DEADLINE] and monotonic_ns() >= opts[OPT_DEADLINE]):
            stats[ABORTED] = 1
            return True
    return False


@njit(**JIT)
def update_pv(ctx: SearchContext, ply: int, move: int) -> None:
    """``move`` is the new best at ``ply``: the PV here is it, then the child's PV."""
    pv = ctx.pv
    pv[ply, ply] = move
    child_end = ctx.pv_len[ply + 1]
    for i in range(ply + 1, child_end):
        pv[ply, i] = pv[ply + 1, i]
    ctx.pv_len[ply] = max(child_end, ply + 1)
