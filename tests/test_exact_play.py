"""Exact play (``searchprune.engines.exact``): an engine with a time budget plays the
solver's move where the solver proves one, and otherwise searches.

Oracles: the naive negamax of ``tests/oracle.py`` for the distance to the end, the
solvers (themselves checked against Pons' and the FFO scores) for the best moves.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from oracle import negamax

from searchprune.engines.engine import SearchEngine
from searchprune.engines.exact import search_score
from searchprune.engines.spec import SpecError, spec_from_dict
from searchprune.games import get_game
from searchprune.search.limits import ExactScore, Limit
from searchprune.solvers.base import solver_for
from searchprune.types import ONGOING

C4 = get_game("connect4")
OTHELLO = get_game("othello")


@pytest.fixture(scope="module")
def c4_solver():
    return solver_for("connect4", tt_log2=20)


@pytest.fixture(scope="module")
def othello_solver():
    return solver_for("othello", tt_mib=8)


def positions(game, solver, empties: range, count: int, seed: int) -> list:
    """``count`` ongoing positions of random play, each from its own game, with a number of
    empties in ``empties`` (the first such position of the game, or one of the next few)."""
    rng = np.random.default_rng(seed)
    found = []
    while len(found) < count:
        state = game.new_state()
        while game.status(state) == ONGOING and solver.empties(state) >= min(empties):
            if solver.empties(state) in empties and rng.random() < 0.3:
                found.append(state.copy())
                break
            moves = game.legal_moves(state)
            game.play(state, moves[int(rng.integers(len(moves)))])
    return found


def test_connect4_exact_score_is_the_distance_the_naive_negamax_finds(c4_solver):
    """Pons' score turned into plies equals the full-depth naive negamax (MATE - plies)."""
    checked = {-1: 0, 0: 0, 1: 0}
    for state in positions(C4, c4_solver, range(4, 8), 40, seed=3):
        empties = c4_solver.empties(state)
        exact = c4_solver.exact_score(state, c4_solver.solve(state).score)
        assert search_score(exact) == negamax(C4, state.copy(), empties), C4.format_position(state)
        checked[exact.outcome] += 1
    assert all(checked.values()), checked  # wins, draws and losses were all seen


def test_othello_exact_score_keeps_the_margin(othello_solver):
    state = positions(OTHELLO, othello_solver, range(6, 9), 1, seed=4)[0]
    score = othello_solver.solve(state).score
    exact = othello_solver.exact_score(state, score)
    assert exact.margin == score and exact.outcome == (score > 0) - (score < 0)


def test_exact_text():
    assert ExactScore(outcome=1, plies=5).text() == "win in 5 plies (exact)"
    assert ExactScore(outcome=-1, plies=4).text() == "loss in 4 plies (exact)"
    assert ExactScore(outcome=0).text() == "draw (exact)"
    assert ExactScore(outcome=1, margin=12).text() == "win by 12 (exact)"


@pytest.mark.parametrize("game,empties,seed", [(OTHELLO, range(4, 15), 5), (C4, range(4, 21), 6)])
def test_engine_moves_near_the_end_are_among_the_solvers_best(game, empties, seed):
    """Issue 20: at 14 or fewer empties (Othello; Connect Four at 20 or fewer) the engine's
    move, with a time budget, is one of the solver's optimal moves, and says so."""
    reference = solver_for(game.info.name)
    engine = SearchEngine.create(game, exact={"solver_empties": max(empties)})
    for state in positions(game, reference, empties, 12, seed):
        best = reference.solve(state, all_best=True).best_moves
        result = engine.analyse(state, Limit(time=5.0))
        assert result.source == "solver" and result.exact is not None
        assert result.move in best, (game.format_position(state), result.move, best)


def test_without_a_time_budget_the_engine_only_searches():
    """Fixed-depth moves stay the search's, so fixed-depth specs are reproducible."""
    engine = SearchEngine.create(C4)
    state = C4.parse_position("4444333")
    assert engine.analyse(state, Limit(depth=4)).source == "search"


def test_the_solver_and_the_book_can_be_switched_off():
    assert SearchEngine.create(C4, exact={"solver": False, "book": False}).exact is None
    engine = SearchEngine.create(C4, exact={"solver": False})
    state = C4.parse_position("44443332222")  # 11 stones: past the book
    assert engine.analyse(state, Limit(time=0.2)).source == "search"
    engine = SearchEngine.create(C4, exact={"book": False})
    assert engine.analyse(C4.parse_position("44"), Limit(time=0.2)).source == "search"


def test_a_solve_that_does_not_finish_falls_back_to_the_search():
    """The empty Connect Four board does not solve in 0.2 s: the search moves in time."""
    engine = SearchEngine.create(C4, exact={"solver_empties": 42, "book": False})
    start = time.perf_counter()
    result = engine.analyse(C4.new_state(), Limit(time=0.2))
    assert result.source == "search" and result.exact is None
    assert time.perf_counter() - start < 1.0


def test_stop_ends_a_running_solve_at_once():
    engine = SearchEngine.create(OTHELLO, exact={"solver_empties": 64})
    engine.warm_up(depth=1)
    state = OTHELLO.parse_position("f5d6c3d3c4f4")  # 54 empties: no solve ends in time
    timer = threading.Timer(0.3, engine.stop)
    timer.start()
    start = time.perf_counter()
    result = engine.analyse(state, Limit(time=60.0))
    assert time.perf_counter() - start < 2.0
    assert result.interrupted and result.move in OTHELLO.legal_moves(state)


def test_exact_table_in_a_spec_is_checked():
    base = {"name": "x", "game": "connect4", "limits": {"time": 0.1}}
    assert spec_from_dict(dict(base, exact={"solver_empties": 20})).exact == {"solver_empties": 20}
    for bad, words in [({"openings": True}, r"unknown \[exact\] key"), ({"solver": "yes"}, "true or false"),
                       ({"solver_empties": -1}, "whole number")]:
        with pytest.raises(SpecError, match=words):
            spec_from_dict(dict(base, exact=bad))
    with pytest.raises(SpecError, match="exact solver"):
        spec_from_dict({"name": "x", "game": "chess", "limits": {"time": 0.1}, "exact": {"solver": True}})
    with pytest.raises(SpecError, match="time budget"):
        spec_from_dict({"name": "x", "game": "connect4", "limits": {"depth": 4}, "exact": {"solver": True}})
