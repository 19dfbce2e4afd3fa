"""The Connect Four solver's transposition table: two-slot buckets, mirror images folded.

A position and its mirror image (columns reversed) have the same score, so both are
stored under one key: the smaller of ``key`` and ``mirror(key)``, where ``key`` is
Pons' ``current + mask`` (one 7-bit field per column, so mirroring swaps fields).
The best move stored with an entry is that of the stored orientation; a probe from
the other orientation mirrors it back.

The table is one ``uint64`` array: bucket ``b`` is entries ``2b`` (depth-preferred)
and ``2b + 1`` (always replaced), 16 bytes, so one cache line holds the whole bucket.
An entry is one word, so a bucket can be shared by threads without locks: a reader
sees an old or a new entry, never half of each. Layout of an entry::

    bit  63 ..... 58 57 .. 55 54 ..... 49 48 ..... 43 42 ...... 33 32 ............. 0
         |  work    |  move  |  upper   |  lower   | generation | partial key       |

- partial key: the low ``49 - bucket_bits`` bits of ``h = hash(key)``; the bucket
  number is the high ``bucket_bits`` bits of ``h``, and ``hash`` is a bijection on
  49-bit keys (an xor-shift and a multiplication by an odd constant mod 2**49), so
  bucket and partial key together determine the key: a match is never a false hit.
- generation: the table's generation when stored (``ConnectFourTable.reset``); 0 never
  matches, so a zeroed entry is empty.
- lower, upper: proven bounds on the position's score, each ``score + BOUND_OFFSET``
  (6 bits). Pons keeps one bound a slot; keeping both lets the solve's null-window
  re-searches (which probe the same positions with other windows) use what the
  earlier ones proved, and an entry with lower == upper is an exact score.
- move: the column that last raised the score above the window (a cut-off or a new
  best), tried first when the position is searched again; ``NO_MOVE`` if none.
- work: ``highest_index(nodes) + 1`` of the subtree that produced the entry (0: none),
  the depth-preferred slot's criterion (John Tromp's Fhourstones keeps work the same way).

Store: the slot that already holds the key is updated in place, the two bounds
intersected with what it held. Otherwise the new entry takes the depth-preferred slot
if it did at least as much work as the entry there (or that slot is empty or stale),
whose entry moves down to the always-replace slot; else the always-replace slot.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.bits import highest_index
from searchprune.config import JIT

_ONE = np.uint64(1)
_ZERO = np.uint64(0)

#: Bits of a Connect Four key (``current + mask`` < 2**49).
KEY_BITS = 49
_KEY_MASK = np.uint64((1 << KEY_BITS) - 1)
_COLUMN = np.uint64(0x7F)
#: Odd multiplier of the key hash (the 64-bit golden-ratio constant, cut to 49 bits).
_HASH_MULT = np.uint64(0x9E3779B97F4A7C15 & ((1 << KEY_BITS) - 1) | 1)

#: Field positions (layout above).
GEN_SHIFT = np.uint64(33)
GEN_BITS = 10
_LOWER_SHIFT = np.uint64(43)
_UPPER_SHIFT = np.uint64(49)
_MOVE_SHIFT = np.uint64(55)
_WORK_SHIFT = np.uint64(58)
_SIX = np.uint64(0x3F)
_SEVEN = np.uint64(7)
#: Partial key and generation: what must match for a hit.
ID_MASK = np.uint64((1 << 43) - 1)
_GEN_MASK = np.uint64(((1 << GEN_BITS) - 1) << 33)
#: A bound is stored as ``score + BOUND_OFFSET`` (scores are within -21..21).
BOUND_OFFSET = 32
#: The move field of an entry with no best move.
NO_MOVE = 7
#: Fewest bucket bits: the partial key (``49 - bucket_bits`` bits) must fit in 33 bits.
MIN_BUCKET_BITS = KEY_BITS - 33


@njit(**JIT)
def mirror(key):
    """``key`` of the position with its columns reversed (7 bits a column)."""
    return (((key >> np.uint64(42)) & _COLUMN)
            | ((key >> np.uint64(28)) & (_COLUMN << np.uint64(7)))
            | ((key >> np.uint64(14)) & (_COLUMN << np.uint64(14)))
            | (key & (_COLUMN << np.uint64(21)))
            | ((key << np.uint64(14)) & (_COLUMN << np.uint64(28)))
            | ((key << np.uint64(28)) & (_COLUMN << np.uint64(35)))
            | ((key << np.uint64(42)) & (_COLUMN << np.uint64(42))))


@njit(**JIT)
def locate(key, bucket_shift, partial_mask, tag):
    """(first slot of the bucket, id to match, mirrored) of the position with ``key``.

    ``mirrored``: the table keeps this position as its mirror image, so a stored move
    ``c`` is column ``6 - c`` here.
    """
    flipped = mirror(key)
    mirrored = flipped < key
    if mirrored:
        key = flipped
    h = key ^ (key >> np.uint64(24))
    h = (h * _HASH_MULT) & _KEY_MASK
    return np.int64(h >> bucket_shift) << 1, (h & partial_mask) | tag, mirrored


@njit(**JIT)
def probe(table, slot, ident):
    """The entry stored for ``ident`` in the bucket at ``slot``; 0 if there is none."""
    e = table[slot]
    if (e & ID_MASK) == ident:
        return e
    e = table[slot + 1]
    if (e & ID_MASK) == ident:
        return e
    return _ZERO


@njit(**JIT)
def lower(entry):
    """The entry's lower bound on the score."""
    return np.int64((entry >> _LOWER_SHIFT) & _SIX) - BOUND_OFFSET


@njit(**JIT)
def upper(entry):
    """The entry's upper bound on the score."""
    return np.int64((entry >> _UPPER_SHIFT) & _SIX) - BOUND_OFFSET


@njit(**JIT)
def best_move(entry, mirrored):
    """The entry's move as a column of the probing position; ``NO_MOVE`` if none."""
    m = np.int64((entry >> _MOVE_SHIFT) & _SEVEN)
    if mirrored and m != NO_MOVE:
        m = 6 - m
    return m


@njit(**JIT)
def work_of(nodes):
    """The work field for a subtree of ``nodes`` nodes (bit length, at most 63)."""
    if nodes <= 0:
        return np.int64(0)
    return min(np.int64(highest_index(np.uint64(nodes))) + 1, np.int64(63))


@njit(**JIT)
def store(table, slot, ident, lo, hi, move, mirrored, work):
    """Record that the score of the position ``ident`` lies in [``lo``, ``hi``], its best
    move (``NO_MOVE``: keep the one stored) and the ``work`` spent (replacement above)."""
    if mirrored and move != NO_MOVE:
        move = 6 - move
    e0 = table[slot]
    e1 = table[slot + 1]
    at = -1
    old = e0
    if (e0 & ID_MASK) == ident:
        at = slot
    elif (e1 & ID_MASK) == ident:
        at, old = slot + 1, e1
    if at >= 0:
        lo = max(lo, lower(old))
        hi = min(hi, upper(old))
        if move == NO_MOVE:
            move = np.int64((old >> _MOVE_SHIFT) & _SEVEN)
        work = max(work, np.int64(old >> _WORK_SHIFT))
    entry = (ident | (np.uint64(lo + BOUND_OFFSET) << _LOWER_SHIFT) | (np.uint64(hi + BOUND_OFFSET) << _UPPER_SHIFT)
             | (np.uint64(move) << _MOVE_SHIFT) | (np.uint64(work) << _WORK_SHIFT))
    if at >= 0:
        table[at] = entry
        return
    tag = ident & _GEN_MASK
    if (e0 & _GEN_MASK) != tag or work >= np.int64(e0 >> _WORK_SHIFT):
        if (e0 & _GEN_MASK) == tag:
            table[slot + 1] = e0
        table[slot] = entry
    else:
        table[slot + 1] = entry


class ConnectFourTable:
    """The table's arrays and generation (``2**log2_entries`` entries, 8 bytes each).

    ``reset`` is logically exact: afterwards a probe finds only what was stored since.
    It moves to the next generation; only when the ``2**GEN_BITS - 1`` generations run
    out are the entries zeroed. Besides saving a memset of the whole table, this keeps
    a reset from flushing the CPU caches before a timed solve.
    """

    def __init__(self, log2_entries: int):
        bucket_bits = log2_entries - 1
        if bucket_bits < MIN_BUCKET_BITS:
            raise ValueError(f"a table needs at least 2**{MIN_BUCKET_BITS + 1} entries")
        self.entries = 1 << log2_entries
        self.table = np.zeros(self.entries, dtype=np.uint64)
        # np.zeros maps the pages lazily; write them now so that first touches do not
        # page-fault inside timed solves.
        self.table.fill(0)
        self.bucket_shift = np.uint64(KEY_BITS - bucket_bits)
        self.partial_mask = np.uint64((1 << (KEY_BITS - bucket_bits)) - 1)
        self._generation = 0
        self.tag = np.uint64(0)
        self.reset()

    @property
    def nbytes(self) -> int:
        return self.table.nbytes

    def reset(self) -> None:
        """Empty the table (see the class docstring)."""
        self._generation += 1
        if self._generation >= 1 << GEN_BITS:
            self.table.fill(0)
            self._generation = 1
        self.tag = np.uint64(self._generation) << GEN_SHIFT
