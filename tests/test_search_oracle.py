"""Every search returns the root value of the pure-Python negamax (tests/oracle.py).

minimax, alphabeta and negascout, with and without the transposition table and move
ordering, through the driver (iterative deepening, aspiration windows) and straight
through the compiled root search with a full window.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracle import negamax, random_position

from searchprune.games import get_game
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit
from searchprune.types import ALGORITHMS, INF

CONFIGS = {
    "all": {},
    "no-tt": dict(tt=False),
    "no-ordering": dict(hints=False, killers=False, history=False),
    "bare": dict(tt=False, hints=False, killers=False, history=False, aspiration=False),
}


def cases(name: str, count: int, seed: int):
    """(position, depth, oracle value) for random ongoing positions of a game."""
    game = get_game(name)
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        if name == "tictactoe":
            state = random_position(game, rng, 2, 7)
            depth = 9  # to the end: exact game values
        else:
            state = random_position(game, rng, 0, 24)
            depth = int(rng.integers(1, 5))
        if state is None:
            continue
        out.append((state, depth, negamax(game, state.copy(), depth)))
    return out


TTT_CASES = cases("tictactoe", 150, seed=1)
C4_CASES = cases("connect4", 120, seed=2)


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("name, positions", [("tictactoe", TTT_CASES), ("connect4", C4_CASES)], ids=["tictactoe", "connect4"])
def test_driver_matches_oracle(name, positions, algorithm, config):
    game = get_game(name)
    searcher = Searcher(game, algorithm=algorithm, tt_mb=1, **CONFIGS[config])
    for state, depth, expected in positions:
        searcher.clear()  # a deeper result kept from another position would differ from fixed-depth minimax
        before = state.copy()
        result = searcher.search(state, Limit(depth=depth))
        assert result.score == expected, (game.format_position(state), depth)
        assert result.move in game.legal_moves(state)
        assert np.array_equal(state, before)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_root_search_full_window_matches_oracle(algorithm):
    """One root search alone, one fixed depth, no iterative deepening in between."""
    game = get_game("connect4")
    searcher = Searcher(game, algorithm=algorithm, tt_mb=1)
    for state, depth, expected in C4_CASES[:60]:
        searcher.clear()
        value = searcher.root_search(searcher.ctx, state, depth, -INF, INF)
        assert value == expected


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_tictactoe_start_is_a_draw(algorithm):
    game = get_game("tictactoe")
    result = Searcher(game, algorithm=algorithm).search(game.new_state(), Limit(depth=9))
    assert result.score == 0
    assert result.info.depth == 9


def test_pruning_searches_fewer_nodes_than_minimax():
    game = get_game("connect4")
    state = game.parse_position("4453")
    nodes = {a: Searcher(game, algorithm=a).search(state, Limit(depth=6)).info.nodes for a in ALGORITHMS}
    assert nodes["alphabeta"] < nodes["minimax"] / 5
    assert nodes["negascout"] < nodes["minimax"] / 5


def test_pv_is_a_legal_line_that_ends_in_the_score():
    """Play out the PV: at its end, the static score (or the result) is the root score."""
    game = get_game("connect4")
    state = game.parse_position("44455")
    result = Searcher(game, algorithm="alphabeta", tt=False).search(state, Limit(depth=5))
    work = state.copy()
    for move in result.info.pv:
        game.play(work, move)
    assert len(result.info.pv) == 5
    sign = 1 if len(result.info.pv) % 2 == 0 else -1
    assert sign * int(game.kernels.evaluate(work, np.zeros(1))) == result.score


def test_statistics_are_consistent():
    game = get_game("connect4")
    result = Searcher(game).search(game.new_state(), Limit(depth=10))
    info = result.info
    assert info.depth == 10 and len(result.iterations) == 10
    assert 0 < info.first_cutoffs <= info.cutoffs
    assert 0 < info.tt_hits <= info.tt_probes
    assert info.tt_cutoffs <= info.tt_hits
    assert info.seldepth == 10
    assert [i.depth for i in result.iterations] == list(range(1, 11))
    assert all(a.nodes < b.nodes for a, b in zip(result.iterations, result.iterations[1:]))
    assert 0.0 < info.first_cutoff_rate <= 1.0
    d = info.as_dict()
    for key in ("depth", "seldepth", "score", "nodes", "time", "nps", "pv", "tt_hits", "first_cutoff_rate"):
        assert key in d
