"""Othello: move counts from the start, position text, passes, search against the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import negamax, random_position

from searchprune.games import GameError, get_game
from searchprune.games.othello import PASS
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit

GAME = get_game("othello")
#: Known perft counts from the start (passes counted as moves where they occur).
PERFT = [4, 12, 56, 244, 1396, 8200, 55092, 390216, 3005288]


def test_perft_from_the_start():
    searcher = Searcher(GAME)
    assert [searcher.perft(GAME.new_state(), d) for d in range(1, 10)] == PERFT


def test_obf_round_trip_and_side_to_move():
    obf = "O--OOOOX-OOOOOOXOOXXOOOXOOXOOOXXOOOOOOXX---OOOOX----O--X-------- X"  # FFO #40
    state = GAME.parse_position(obf)
    assert GAME.format_position(state) == obf
    assert GAME.side_to_move(state) == 0
    assert "a2" in [GAME.format_move(state, m) for m in GAME.legal_moves(state)]
    assert GAME.parse_position(obf[:-1] + "O").tolist() != state.tolist()


def test_forced_pass_is_the_only_move_and_is_announced():
    # White (O) to move has no placement, black still has one: white must pass.
    obf = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXO-- O"
    state = GAME.parse_position(obf)
    assert GAME.legal_moves(state) == [PASS]
    move = GAME.parse_move(state, "pass")
    GAME.play(state, move)
    assert GAME.side_to_move(state) == 0 and GAME.legal_moves(state)


def test_bad_positions_are_refused():
    with pytest.raises(GameError, match="expected X, O or -"):
        GAME.parse_position("Z" * 64 + " X")
    with pytest.raises(GameError, match="illegal move 'a1'"):
        GAME.parse_position("a1")


def test_final_score_gives_empties_to_the_winner():
    state = GAME.parse_position("X" * 10 + "O" * 4 + "-" * 50 + " X")
    assert GAME.score(state) == 10 - 4 + 50


@pytest.mark.parametrize("algorithm", ["minimax", "alphabeta", "negascout"])
def test_search_matches_oracle(algorithm):
    rng = np.random.default_rng(7)
    searcher = Searcher(GAME, algorithm=algorithm, tt_mb=1)
    checked = 0
    while checked < 25:
        state = random_position(GAME, rng, 4, 50)
        if state is None:
            continue
        depth = int(rng.integers(1, 4))
        searcher.clear()
        assert searcher.search(state, Limit(depth=depth)).score == negamax(GAME, state.copy(), depth)
        checked += 1


def test_play_announces_a_forced_pass():
    from click.testing import CliRunner

    from searchprune.cli import main

    # White (O, the person) cannot place a disc: the session passes for them and says so.
    obf = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXO-- O"
    result = CliRunner().invoke(main, ["play", "othello", "--side", "second", "--position", obf, "--depth", "3"],
                                input="quit\n")
    assert "O has no legal move and must pass." in result.output
    assert "Engine plays" in result.output
