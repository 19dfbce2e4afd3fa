"""Transposition table: one record array, buckets of two 16-byte entries.

Entry layout (``TT_ENTRY``, 16 bytes, four entries per 64-byte cache line, so a
bucket never straddles a line)::

    byte  0-3   check   uint32  high 32 bits of the mixed key (verifies the slot)
    byte  4-7   move    int32   best or refuting move, NO_MOVE if none
    byte  8-9   score   int16   node-relative score (types.value_to_tt)
    byte 10-11  depth   int16   remaining depth the score was searched to
    byte 12     bound   uint8   BOUND_UPPER / BOUND_LOWER / BOUND_EXACT; 0 = empty
    byte 13     gen     uint8   search generation that wrote it (ages old entries)
    byte 14-15  (padding from align=True)

Indexing: the game's 64-bit key is first mixed with MurmurHash3's 64-bit finaliser
(``fmix64``: xor-shifts and two multiplies, a bijection with full avalanche, so
distinct keys stay distinct and every output bit depends on every key bit). The low
bits of the mix pick the bucket and the high 32 bits are the check. Games whose keys
are small perfect numbers (Connect Four's ``current + mask``) thus spread over the
whole table. A plain multiply is not enough: its product bit ``i`` depends only on
key bits ``<= i``, so keys differing only in their top bits (Connect Four's last
column) got the same bucket and check, and the search read another position's score.

Replacement, per bucket: slot 0 is depth-preferred and slot 1 always-replace. A new
result goes to slot 0 if slot 0 holds the same position, holds a result from an older
search, or was searched no deeper; otherwise to slot 1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.hashing import mix
from searchprune.search.context import OPT_GEN, TT_CUTOFFS, TT_HITS, TT_PROBES
from searchprune.types import (
    BOUND_EXACT,
    BOUND_LOWER,
    BOUND_NONE,
    BOUND_UPPER,
    NO_MOVE,
    value_from_tt,
    value_to_tt,
)

TT_ENTRY = np.dtype(
    [
        ("check", np.uint32),
        ("move", np.int32),
        ("score", np.int16),
        ("depth", np.int16),
        ("bound", np.uint8),
        ("gen", np.uint8),
    ],
    align=True,
)
assert TT_ENTRY.itemsize == 16

_S32 = np.uint64(32)


def new_table(megabytes: float) -> np.ndarray:
    """A zeroed table of at most ``megabytes`` MiB (a power of two of buckets, >= 2).

    It is a ``recarray`` view so that ``table[i].field`` also works in plain Python
    (``NUMBA_DISABLE_JIT=1``); compiled, it is the same record array.
    """
    if not megabytes > 0:
        raise ValueError(f"transposition table size must be positive, got {megabytes} MiB")
    entries = int(megabytes * 2**20) // TT_ENTRY.itemsize
    buckets = max(2, 1 << max(1, (entries // 2).bit_length() - 1))
    return np.zeros(2 * buckets, dtype=TT_ENTRY).view(np.recarray)


def megabytes(table: np.ndarray) -> float:
    return table.nbytes / 2**20


@njit(**JIT)
def _bucket(table: np.ndarray, h: np.uint64) -> int:
    """First slot of the bucket for mixed key ``h`` (its low bits; buckets <= 2**32)."""
    buckets = np.uint64(table.shape[0] >> 1)  # a power of two
    return np.int64(h & (buckets - np.uint64(1))) * 2


@njit(**JIT)
def tt_slot(table: np.ndarray, key: np.uint64) -> int:
    """Index of the entry holding ``key``, or -1."""
    h = mix(key)
    base = _bucket(table, h)
    check = np.uint32(h >> _S32)
    for i in range(base, base + 2):
        if table[i].check == check and table[i].bound != BOUND_NONE:
            return i
    return -1


@njit(**JIT)
def tt_store(table: np.ndarray, key: np.uint64, move: int, score: int, depth: int, bound: int, gen: int) -> None:
    """Record a search result (``score`` already node-relative)."""
    h = mix(key)
    base = _bucket(table, h)
    check = np.uint32(h >> _S32)
    first = table[base]
    if first.check == check or first.gen != gen or depth >= first.depth or first.bound == BOUND_NONE:
        slot = base
    else:
        slot = base + 1
    e = table[slot]
    e.check = check
    e.move = move
    e.score = score
    e.depth = depth
    e.bound = bound
    e.gen = gen


@njit(**JIT)
def tt_hashfull(table: np.ndarray, gen: int) -> int:
    """Permille of the first 1000 entries written by the current search (UCI ``hashfull``)."""
    n = min(1000, table.shape[0])
    used = 0
    for i in range(n):
        if table[i].bound != BOUND_NONE and table[i].gen == gen:
            used += 1
    return used * 1000 // n


@njit(**JIT)
def probe_node(ctx, key: np.uint64, depth: int, ply: int, alpha: int, beta: int):
    """Look the node up: ``(cut, value, tt_move)``.

    ``cut`` is True when a stored result searched at least ``depth`` deep settles the
    node for this window (exact, or a bound outside it); ``value`` is then the
    root-relative score to return. ``tt_move`` is the stored move (NO_MOVE if none),
    tried first either way. The root (ply 0) is never cut: it must produce a move.
    """
    stats = ctx.stats
    stats[TT_PROBES] += 1
    slot = tt_slot(ctx.tt, key)
    if slot < 0:
        return False, 0, NO_MOVE
    stats[TT_HITS] += 1
    entry = ctx.tt[slot]
    move = np.int64(entry.move)
    if ply > 0 and entry.depth >= depth:
        value = value_from_tt(np.int64(entry.score), ply)
        bound = entry.bound
        if bound == BOUND_EXACT or (bound == BOUND_LOWER and value >= beta) or (bound == BOUND_UPPER and value <= alpha):
            stats[TT_CUTOFFS] += 1
            return True, value, move
    return False, 0, move


@njit(**JIT)
def store_node(ctx, key: np.uint64, depth: int, ply: int, alpha0: int, beta: int, best: int, move: int) -> None:
    """Store a fail-soft result ``best`` searched with window ``(alpha0, beta)``."""
    if best <= alpha0:
        bound = BOUND_UPPER
    elif best >= beta:
        bound = BOUND_LOWER
    else:
        bound = BOUND_EXACT
    tt_store(ctx.tt, key, move, value_to_tt(best, ply), depth, bound, ctx.opts[OPT_GEN])
