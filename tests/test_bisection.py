"""The null-window bisection of an exact score (``solvers.bisection``) and the Connect
Four solver on two threads.

The driver is checked against a model of a null-window test (a known score; values
that are any valid bound, as a real test returns) for every score and several thread
counts, including tests that must be cancelled and solves that are stopped; the
threaded solver against Pons' scores (``shared/data/connect4``) and its own one-thread
results.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from searchprune.games.connect4 import Connect4
from searchprune.search.limits import Limit
from searchprune.solvers import connect4 as solver_module
from searchprune.solvers.bisection import bisect, next_point, pons_point
from searchprune.solvers.connect4 import Connect4Solver
from test_connect4_solver import load, needs_data, spaced

GAME = Connect4()


def model_test(score: int, rng: random.Random, log: list | None = None):
    """A null-window test of a position whose exact score is ``score``: the value is any
    bound the test may return (above ``point``: a lower bound; else an upper bound)."""

    def test(worker: int, point: int) -> int:
        if log is not None:
            log.append((worker, point))
        time.sleep(rng.random() * 0.002)  # let the threads finish in varying order
        return rng.randint(point + 1, score) if score > point else rng.randint(score, point)

    return test


def pons_sequence(lo: int, hi: int, score: int) -> list[int]:
    """The points Pons' loop tests (the exact-value model: each test returns the score)."""
    points = []
    while lo < hi:
        points.append(pons_point(lo, hi))
        lo, hi = (lo, score) if score <= points[-1] else (score, hi)
    return points


def test_pons_point_stays_inside():
    for lo in range(-21, 21):
        for hi in range(lo + 1, 22):
            assert lo <= pons_point(lo, hi) < hi


def test_next_point_takes_the_widest_untested_stretch():
    assert next_point(-21, 21, set()) == pons_point(-21, 21)
    assert next_point(0, 2, {1}) == 0
    assert next_point(0, 2, {0, 1}) is None
    assert next_point(-10, 10, {-5}) == pons_point(-4, 10)  # [-4, 9] is wider than [-10, -6]


@pytest.mark.parametrize("threads", [1, 2, 3, 5])
def test_bisect_finds_every_score(threads):
    rng = random.Random(threads)
    for score in range(-21, 22):
        lo, hi, complete = bisect(-21, 21, model_test(score, rng), lambda worker: None, threads)
        assert (lo, hi, complete) == (score, score, True), (score, threads)


def test_one_thread_tests_pons_points():
    for score in range(-21, 22):
        log: list = []
        exact = lambda worker, point: log.append(point) or score  # noqa: E731
        bisect(-21, 21, exact, lambda worker: None, 1)
        assert log == pons_sequence(-21, 21, score)


def test_pointless_tests_are_cancelled():
    """A test whose point falls outside the bounds another test proved is cancelled; a
    test that ignored it would hang this (the blocking one returns only when cancelled)."""
    cancels = {w: threading.Event() for w in range(2)}

    def test(worker: int, point: int) -> int | None:
        if point == pons_point(-21, 21):  # the first point, -10: proven pointless by the other
            assert cancels[worker].wait(10), "never cancelled"
            return None
        return 5  # the score is 5: every other test settles at once

    def arm(worker: int) -> None:
        cancels[worker].clear()

    lo, hi, complete = bisect(-21, 21, test, lambda worker: cancels[worker].set(), 2, arm=arm)
    assert (lo, hi, complete) == (5, 5, True)


def test_a_stopped_solve_keeps_its_bounds_and_returns():
    """A test that comes back None uncancelled (the solve's limit or stop) ends the
    bisection with the bounds proven so far; the other thread is cancelled."""
    cancelled = threading.Event()

    def test(worker: int, point: int) -> int | None:
        if point == pons_point(-21, 21):
            return -9  # above the point -10: the score is at least -9
        if worker == 1 and not cancelled.is_set():
            return None  # stopped by its limit
        cancelled.wait(10)  # any other test runs until cancelled
        return None

    lo, hi, complete = bisect(-21, 21, test, lambda worker: cancelled.set(), 2)
    assert not complete
    assert lo in (-21, -9) and hi == 21  # -9 if the first test came back before the stop


def test_threads_are_checked():
    with pytest.raises(ValueError, match="threads"):
        Connect4Solver(tt_log2=17, threads=0)
    with pytest.raises(ValueError, match="threads"):
        Connect4Solver(tt_log2=17, threads=solver_module.MAX_THREADS + 1)


@needs_data
@pytest.mark.parametrize("name, k", [("L3_R1", 40), ("L2_R1", 40), ("L2_R2", 8)])
def test_two_threads_give_pons_scores(name, k):
    one, two = Connect4Solver(tt_log2=20), Connect4Solver(tt_log2=20, threads=2)
    for moves, expected in spaced(load(name), k):
        state = GAME.parse_position(moves)
        one.reset()
        two.reset()
        solved = two.solve(state)
        assert solved.score == expected, moves
        assert solved.best_moves == one.solve(state).best_moves, moves
        two.reset()
        weak = two.solve(state, weak=True)
        assert weak.score == (expected > 0) - (expected < 0), moves
        assert weak.best_moves == one.solve(state, weak=True).best_moves, moves


def test_two_threads_stop_at_the_time_limit():
    """A solve far beyond a second (``4``: a minute and more) stops at its deadline on
    two threads, with a lower bound and no best move claimed."""
    solver = Connect4Solver(threads=2)
    started = time.perf_counter()
    result = solver.solve(GAME.parse_position("4"), limit=Limit(time=0.5))
    assert time.perf_counter() - started < 5
    assert result.stopped == "time" and result.best_moves == []
    assert -20 <= result.score <= 1  # the first player's score is +1 (Pons): a lower bound


def test_two_threads_stop_when_asked():
    solver = Connect4Solver(threads=2)
    threading.Timer(0.3, solver.stop).start()
    result = solver.solve(GAME.parse_position("4"))
    assert result.stopped == "interrupted"
    assert solver.progress().nodes == result.nodes > 0
