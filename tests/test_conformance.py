"""One conformance test, parametrised over every registered game (OpenSpiel-style)."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import REFERENCES

from searchprune.games import GameError, get_game, names
from searchprune.games.base import KERNELS
from searchprune.types import DRAW, LOSS, ONGOING, WIN

GAMES = names()
#: Random games per game; chess games are long and have their own differential test.
PLAYOUTS = {"chess": 6}


def test_every_game_has_a_naive_reference():
    assert set(GAMES) <= set(REFERENCES), "add a naive reference for the new game to tests/oracle.py"


@pytest.mark.parametrize("name", GAMES)
def test_kernels_exist(name):
    module = get_game(name).kernels
    for kernel in KERNELS:
        assert callable(getattr(module, kernel)), f"{name} lacks kernel {kernel}"


@pytest.mark.parametrize("name", GAMES)
def test_random_playouts(name):
    """make/unmake restore exactly, keys match a fresh rebuild, status and moves match the reference."""
    game = get_game(name)
    rng = np.random.default_rng(12345)
    params = np.zeros(1)
    hints = np.zeros(game.info.max_moves, dtype=np.int64)
    buf = np.zeros(game.info.max_moves, dtype=np.int64)
    for _ in range(PLAYOUTS.get(name, 60)):
        state = game.new_state()
        ref = REFERENCES[name]()
        plies = 0
        while True:
            status = game.status(state)
            assert status == ref.status()
            moves = game.legal_moves(state)
            assert sorted(moves) == sorted(ref.moves())
            rebuilt = game.parse_position(game.format_position(state))
            assert game.format_position(rebuilt) == game.format_position(state)
            assert game.key(rebuilt) == game.key(state)
            assert game.legal_moves(rebuilt) == game.legal_moves(state)
            if status != ONGOING:
                assert status in (WIN, DRAW, LOSS)
                break
            assert len(moves) <= game.info.max_moves
            assert all(0 <= m < game.info.move_space for m in moves)
            n = game.kernels.gen_moves(state, buf)
            game.kernels.order_hints(state, buf, n, hints)
            assert (hints[:n] >= 0).all()
            value = game.kernels.evaluate(state, params)
            assert value == game.kernels.evaluate(state, params)  # deterministic
            for move in moves:  # every move is undone exactly
                before = state.copy()
                key_before = game.key(state)
                game.kernels.make(state, np.int64(move))
                assert game.key(state) != key_before
                game.kernels.unmake(state, np.int64(move))
                assert game.key(state) == key_before
                assert np.array_equal(game.live_state(state), game.live_state(before))
            move = moves[int(rng.integers(len(moves)))]
            game.play(state, move)
            ref.play(move)
            plies += 1
        assert plies <= game.info.max_plies


@pytest.mark.parametrize("name", GAMES)
def test_transpositions_share_a_key(name):
    """Two move orders reaching the same position give the same key."""
    game = get_game(name)
    pairs = {"tictactoe": ("1529", "2519"), "connect4": ("4453", "5344"), "othello": ("d3c3c4", "c4c3d3"),
             "chess": ("startpos moves g1f3 g8f6 b1c3", "startpos moves b1c3 g8f6 g1f3")}
    a, b = (game.parse_position(p) for p in pairs[name])
    assert game.key(a) == game.key(b)


@pytest.mark.parametrize("name", GAMES)
def test_bad_input_is_refused(name):
    game = get_game(name)
    state = game.new_state()
    with pytest.raises(GameError):
        game.parse_position("x")
    with pytest.raises(GameError):
        game.parse_move(state, "0")
    with pytest.raises(GameError):
        game.parse_move(state, "banana")
    assert game.status(state) == ONGOING


def test_connect4_full_column_and_finished_game():
    game = get_game("connect4")
    with pytest.raises(GameError, match="full"):
        game.parse_position("4444444")
    with pytest.raises(GameError, match="over"):
        game.parse_position("12121212")  # X wins vertically on move 7
    state = game.parse_position("1212121")
    assert game.status(state) == LOSS
    assert game.result_text(state) == "X wins."
    with pytest.raises(GameError, match="over"):
        game.parse_move(state, "3")


def test_unknown_game():
    with pytest.raises(GameError, match="unknown game 'go'"):
        get_game("go")
