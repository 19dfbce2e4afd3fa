"""The Connect Four solver's table (``searchprune.solvers.connect4_table``) against a plain
dict model.

Keys are real ones (``current + mask``) from seeded random games played with the game's
kernels, and their mirror images. The model maps a position's canonical key (the
smaller of key and mirror) to the intersection of every bound stored for it since the
last reset, and its best move in the canonical orientation.

- No eviction (keys chosen so that no bucket gets a third one): every probe, from
  either orientation, returns exactly the model's bounds and move.
- Heavy eviction (smallest table, keys crowded into a few of its buckets): a probe either misses or returns bounds
  that are the intersection of a trailing run of that key's own stores (the entry was
  created at some store and updated since), the key just stored always hits, and a key
  never stored this generation always misses.
- ``reset()`` hides every earlier entry, also when the generations run out and the
  array is zeroed.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from searchprune.games.connect4 import HEIGHT, WIDTH, Connect4, gen_moves, key, make, terminal
from searchprune.solvers import connect4_table as ct
from searchprune.types import ONGOING

GAME = Connect4()
SCORE_MIN, SCORE_MAX = -21, 21


def py_mirror(k: int) -> int:
    """Columns reversed, 7 bits a column (written independently of ``ct.mirror``)."""
    return sum(((k >> (7 * c)) & 0x7F) << (7 * (WIDTH - 1 - c)) for c in range(WIDTH))


def real_keys(n_games: int, seed: int) -> list[int]:
    """Distinct keys of every position of ``n_games`` seeded random games, plus mirrors."""
    rng = random.Random(seed)
    buf = np.zeros(WIDTH, dtype=np.int64)
    keys = set()
    for _ in range(n_games):
        state = GAME.new_state()
        while True:
            keys.add(int(key(state)))
            if terminal(state) != ONGOING:
                break
            n = gen_moves(state, buf)
            make(state, np.int64(buf[rng.randrange(n)]))
    keys |= {py_mirror(k) for k in keys}
    return sorted(keys)


@pytest.fixture(scope="module")
def keys() -> list[int]:
    return real_keys(600, seed=1)


class Model:
    """Table oracle: canonical key -> [lower, upper, canonical move or NO_MOVE]."""

    def __init__(self) -> None:
        self.d: dict[int, list[int]] = {}

    @staticmethod
    def canon(k: int) -> tuple[int, bool]:
        m = py_mirror(k)
        return (m, True) if m < k else (k, False)

    def store(self, k: int, lo: int, hi: int, move: int) -> None:
        c, mirrored = self.canon(k)
        if mirrored and move != ct.NO_MOVE:
            move = WIDTH - 1 - move
        e = self.d.setdefault(c, [SCORE_MIN - 10, SCORE_MAX + 10, ct.NO_MOVE])
        e[0], e[1] = max(e[0], lo), min(e[1], hi)
        if move != ct.NO_MOVE:
            e[2] = move

    def expect(self, k: int) -> tuple[int, int, int] | None:
        c, mirrored = self.canon(k)
        if c not in self.d:
            return None
        lo, hi, move = self.d[c]
        if mirrored and move != ct.NO_MOVE:
            move = WIDTH - 1 - move
        return lo, hi, move


def probe(t: ct.ConnectFourTable, k: int) -> tuple[int, int, int] | None:
    slot, ident, mirrored = ct.locate(np.uint64(k), t.bucket_shift, t.partial_mask, t.tag)
    e = np.uint64(ct.probe(t.table, slot, ident))  # a Python int from numba: keep it unsigned
    if e == 0:
        return None
    return int(ct.lower(e)), int(ct.upper(e)), int(ct.best_move(e, mirrored))


def store(t: ct.ConnectFourTable, k: int, lo: int, hi: int, move: int, work: int) -> None:
    slot, ident, mirrored = ct.locate(np.uint64(k), t.bucket_shift, t.partial_mask, t.tag)
    ct.store(t.table, slot, ident, np.int64(lo), np.int64(hi), np.int64(move), mirrored, np.int64(work))


def random_bounds(rng: random.Random, score: int) -> tuple[int, int]:
    """A proven interval around ``score``: stores of one position never contradict."""
    return rng.randint(SCORE_MIN, score), rng.randint(score, SCORE_MAX)


def random_move(rng: random.Random) -> int:
    return ct.NO_MOVE if rng.random() < 0.3 else rng.randrange(WIDTH)


def test_keys_are_real_and_mirror_matches(keys):
    assert len(keys) > 5000
    for k in keys[::7]:
        assert k < 1 << ct.KEY_BITS
        assert int(ct.mirror(np.uint64(k))) == py_mirror(k)
        assert py_mirror(py_mirror(k)) == k


def test_locate_is_injective_and_mirror_shares_the_entry(keys):
    t = ct.ConnectFourTable(17)  # fewest buckets: most keys share a bucket
    seen: dict[tuple[int, int], int] = {}
    rng = random.Random(2)
    extra = [rng.getrandbits(ct.KEY_BITS) for _ in range(20000)]  # valid-looking 49-bit ints too
    for k in keys + extra:
        slot, ident, mirrored = ct.locate(np.uint64(k), t.bucket_shift, t.partial_mask, t.tag)
        c, m = Model.canon(k)
        assert bool(mirrored) == m
        where = (int(slot), int(ident))
        assert seen.setdefault(where, c) == c, "two positions share a bucket and an id"
        assert ct.locate(np.uint64(py_mirror(k)), t.bucket_shift, t.partial_mask, t.tag)[:2] == (slot, ident)


def test_no_eviction_matches_the_model_exactly(keys):
    rng = random.Random(3)
    t = ct.ConnectFourTable(20)
    # keep keys so that no bucket holds more than two positions: nothing is ever evicted
    per_bucket: dict[int, set[int]] = {}
    chosen = []
    for k in rng.sample(keys, 3000):
        c, _ = Model.canon(k)
        slot = int(ct.locate(np.uint64(k), t.bucket_shift, t.partial_mask, t.tag)[0])
        b = per_bucket.setdefault(slot, set())
        if c in b or len(b) < 2:
            b.add(c)
            chosen.append(k)
    scores = {Model.canon(k)[0]: rng.randint(SCORE_MIN, SCORE_MAX) for k in chosen}
    model = Model()
    for _ in range(12000):
        k = rng.choice(chosen)
        k = py_mirror(k) if rng.random() < 0.5 else k  # store from either orientation
        lo, hi = random_bounds(rng, scores[Model.canon(k)[0]])
        move = random_move(rng)
        store(t, k, lo, hi, move, rng.randrange(1, 40))
        model.store(k, lo, hi, move)
        assert probe(t, k) == model.expect(k)
    for k in chosen:
        for q in (k, py_mirror(k)):
            got, want = probe(t, q), model.expect(q)
            assert got == want, f"key {q:#x}: table {got}, model {want}"
            if want is not None and want[2] != ct.NO_MOVE:
                assert probe(t, py_mirror(q))[2] == WIDTH - 1 - want[2] or q == py_mirror(q)


def test_eviction_never_returns_wrong_bounds(keys):
    rng = random.Random(4)
    t = ct.ConnectFourTable(17)  # the fewest buckets, 2**16
    # crowd the positions into 1/16 of the buckets (about three a bucket): many evictions
    extra = [rng.getrandbits(ct.KEY_BITS) for _ in range(150000)]  # valid-looking 49-bit ints
    pool = [k for k in keys + extra
            if ct.locate(np.uint64(k), t.bucket_shift, t.partial_mask, t.tag)[0] < (1 << 17) // 16]
    scores = {Model.canon(k)[0]: rng.randint(SCORE_MIN, SCORE_MAX) for k in pool}
    history: dict[int, list[tuple[int, int]]] = {}
    stored = set()
    hits = 0
    for i in range(30000):
        k = rng.choice(pool)
        c = Model.canon(k)[0]
        lo, hi = random_bounds(rng, scores[c])
        store(t, k, lo, hi, random_move(rng), rng.randrange(1, 40))
        history.setdefault(c, []).append((lo, hi))
        stored.add(c)
        got = probe(t, py_mirror(k))
        assert got is not None, "the key just stored must be found"
        assert got[0] >= lo and got[1] <= hi
        if i % 3 == 0:  # probe some other key
            q = rng.choice(pool)
            cq = Model.canon(q)[0]
            got = probe(t, q)
            if cq not in stored:
                assert got is None, "a key never stored was found"
            elif got is not None:
                hits += 1
                runs = history[cq]
                lo_s, hi_s, ok = SCORE_MIN - 10, SCORE_MAX + 10, False
                for a, b in reversed(runs):  # intersections of trailing runs of its stores
                    lo_s, hi_s = max(lo_s, a), min(hi_s, b)
                    if (lo_s, hi_s) == got[:2]:
                        ok = True
                        break
                assert ok, f"key {q:#x}: bounds {got[:2]} are no intersection of its own last stores {runs[-5:]}"
                assert got[0] <= scores[cq] <= got[1]
    assert hits > 100


def test_reset_hides_old_entries(keys):
    rng = random.Random(5)
    t = ct.ConnectFourTable(17)
    sample = rng.sample(keys, 500)
    for k in sample:
        store(t, k, -3, 5, 2, 10)
        assert probe(t, k) is not None
    t.reset()
    assert all(probe(t, k) is None for k in sample)
    # again across the point where the generations run out and the array is zeroed
    last = sample[:50]
    for _ in range((1 << ct.GEN_BITS) + 2):
        for k in last:
            assert probe(t, k) is None
        store(t, last[0], 0, 0, 3, 5)
        assert probe(t, last[0]) == (0, 0, 3)
        t.reset()
    assert all(probe(t, k) is None for k in sample)


def test_too_small_table_is_refused():
    with pytest.raises(ValueError):
        ct.ConnectFourTable(ct.MIN_BUCKET_BITS)


def test_work_of():
    assert ct.work_of(np.int64(0)) == 0
    assert ct.work_of(np.int64(1)) == 1
    assert ct.work_of(np.int64(1000)) == 10
    assert ct.work_of(np.int64(2**62)) == 63
