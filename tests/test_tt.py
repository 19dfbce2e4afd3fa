"""Transposition table: layout, indexing, replacement, mate-score adjustment."""

from __future__ import annotations

import numpy as np
import pytest

from searchprune.search.tt import TT_ENTRY, mix, new_table, tt_hashfull, tt_slot, tt_store
from searchprune.types import BOUND_EXACT, BOUND_LOWER, MATE, MATE_BOUND, value_from_tt, value_to_tt


def test_entry_is_16_bytes_and_size_is_in_mib():
    assert TT_ENTRY.itemsize == 16
    assert new_table(1).nbytes == 2**20
    assert new_table(3).nbytes == 2**21  # rounded down to a power of two of buckets
    with pytest.raises(ValueError):
        new_table(0)


def test_store_then_probe():
    table = new_table(1)
    key = np.uint64(0x1234_5678_9ABC_DEF0)
    assert tt_slot(table, key) == -1
    tt_store(table, key, 3, -250, 7, BOUND_LOWER, 1)
    slot = tt_slot(table, key)
    assert slot >= 0
    entry = table[slot]
    assert (entry.move, entry.score, entry.depth, entry.bound, entry.gen) == (3, -250, 7, BOUND_LOWER, 1)


def test_keys_differing_only_in_high_bits_do_not_collide():
    """Regression: a multiplicative hash gave these the same bucket and check."""
    table = new_table(1)
    base = np.uint64(0x1CE14123400C)  # a Connect Four key
    others = [base ^ (np.uint64(1) << np.uint64(b)) for b in (40, 46, 47, 48, 63)]
    tt_store(table, base, 1, 17, 2, BOUND_EXACT, 1)
    for other in others:
        assert tt_slot(table, other) == -1
    assert len({int(mix(k)) for k in [base, *others]}) == 6


def test_two_bucket_replacement():
    """Slot 0 keeps the deeper result; a shallower one goes to slot 1, the always-replace slot."""
    table = new_table(1.0 / 1024 * 2)  # 128 entries, 64 buckets: collisions are easy to find
    keys = [np.uint64(k) for k in range(1, 5000)]
    buckets: dict[int, list] = {}
    for k in keys:
        buckets.setdefault(int(mix(k) & np.uint64(63)), []).append(k)
    same = next(v for v in buckets.values() if len(v) >= 3)
    deep, shallow, newer = same[:3]
    tt_store(table, deep, 1, 10, 9, BOUND_EXACT, 1)
    tt_store(table, shallow, 2, 20, 3, BOUND_EXACT, 1)
    assert tt_slot(table, deep) % 2 == 0 and tt_slot(table, shallow) % 2 == 1
    tt_store(table, newer, 3, 30, 1, BOUND_EXACT, 1)  # replaces the always-replace slot
    assert tt_slot(table, shallow) == -1 and tt_slot(table, deep) >= 0 and tt_slot(table, newer) >= 0
    tt_store(table, shallow, 2, 20, 3, BOUND_EXACT, 2)  # a new search: slot 0 is stale, replaced
    assert tt_slot(table, shallow) % 2 == 0 and tt_slot(table, deep) == -1


def test_hashfull_counts_this_generation():
    table = new_table(1)
    for k in range(1, 2001):
        tt_store(table, np.uint64(k), 0, 0, 1, BOUND_EXACT, 5)
    assert 0 < tt_hashfull(table, 5) <= 1000
    assert tt_hashfull(table, 6) == 0


@pytest.mark.parametrize("ply", [0, 1, 7, 40])
def test_win_scores_are_stored_relative_to_the_node(ply):
    win_in_9_from_root = MATE - 9
    stored = value_to_tt(win_in_9_from_root, ply)
    assert stored == MATE - (9 - ply)  # distance from the node
    assert value_from_tt(stored, ply) == win_in_9_from_root
    # The same node reached at another ply reports the distance from that root.
    assert value_from_tt(stored, ply + 2) == MATE - 11
    assert value_from_tt(value_to_tt(-win_in_9_from_root, ply), ply) == -win_in_9_from_root
    assert value_to_tt(123, ply) == 123 and abs(MATE_BOUND) < MATE
