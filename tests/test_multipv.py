"""The driver's search of several lines (MultiPV, ``searchmoves``) against ground truth.

Tic-tac-toe's values are known (every first move draws; after a centre opening the
edges lose), and on Connect Four each line's score must equal the negated value of a
separate search of the position after its move, one ply shallower.
"""

from __future__ import annotations

import numpy as np
import pytest

from searchprune.games import get_game
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit
from searchprune.types import MATE, MATE_BOUND


def test_tictactoe_every_first_move_draws_and_edges_lose_to_the_centre():
    game = get_game("tictactoe")
    searcher = Searcher(game, algorithm="alphabeta")
    start = game.new_state()
    result = searcher.search(start, Limit(), multipv=9)
    assert sorted(game.format_move(start, line.pv[0]) for line in result.lines) == list("123456789")
    assert all(line.score == 0 for line in result.lines)
    centre = game.parse_position("5")
    lines = searcher.search(centre, Limit(), multipv=8).lines
    scores = {game.format_move(centre, line.pv[0]): line.score for line in lines}
    assert all(scores[corner] == 0 for corner in "1379")
    assert all(scores[edge] == -(MATE - 6) for edge in "2468")  # X mates on ply 6
    assert [line.score for line in lines] == sorted(scores.values(), reverse=True)


@pytest.mark.parametrize("depth", [1, 3, 5])
def test_connect4_line_scores_are_the_children_values(depth):
    game = get_game("connect4")
    state = game.parse_position("4453")
    lines = Searcher(game, algorithm="alphabeta").search(state, Limit(depth=depth), multipv=7).lines
    assert len({line.pv[0] for line in lines}) == len(lines) == len(game.legal_moves(state))
    for line in lines:
        child = np.array(state, copy=True)
        game.play(child, line.pv[0])
        if depth == 1 or game.status(child):
            continue  # a horizon or a finished game: no search to compare with
        value = Searcher(game, algorithm="alphabeta").search(child, Limit(depth=depth - 1)).score
        expected = -(value - 1 if value >= MATE_BOUND else value + 1 if value <= -MATE_BOUND else value)
        assert line.score == expected, game.format_move(state, line.pv[0])


def test_root_moves_restrict_the_choice_and_illegal_ones_are_refused():
    game = get_game("connect4")
    state = game.new_state()
    result = Searcher(game).search(state, Limit(depth=4), root_moves=[game.parse_move(state, "1")])
    assert game.format_move(state, result.move) == "1" and len(result.lines) == 1
    with pytest.raises(ValueError):
        Searcher(game).search(state, Limit(depth=2), root_moves=[999])
    with pytest.raises(ValueError):
        Searcher(game).search(state, Limit(depth=2), multipv=0)
