"""The exact Othello endgame solver against known scores and a naive full-width negamax."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner
from oracle import naive_othello_from, othello_exact_value

from searchprune.cli import main
from searchprune.games import GameError, get_game
from searchprune.games.othello import COLOUR, OPPONENT, PASS, PLAYER
from searchprune.paths import shared_data_dir
from searchprune.solvers.othello import SHALLOW, OthelloSolver
from searchprune.solvers.othello import _nws_deep as nws_deep
from searchprune.solvers.othello import _parity as parity_of

GAME = get_game("othello")
FFO_20_39 = shared_data_dir() / "othello" / "ffo-20-39.csv"
#: The cheaper FForum 20-39 positions: under a second each here (all of them run in the benchmark).
CHEAP = {str(n) for n in range(20, 36)} | {"37", "39"}


def ffo_rows(path, numbers=None):
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    return [r for r in rows if numbers is None or r["ffo"] in numbers]


def obf(row) -> str:
    return f"{row['board']} {'X' if row['to_move'] == 'black' else 'O'}"


@pytest.fixture(scope="module")
def solver():
    return OthelloSolver(tt_mib=16)


@pytest.mark.parametrize("row", ffo_rows(FFO_20_39, CHEAP), ids=lambda r: f"ffo{r['ffo']}")
def test_ffo_exact_score_and_a_best_move(solver, row):
    state = GAME.parse_position(obf(row))
    solver.reset()
    result = solver.solve(state)
    assert result.score == int(row["best_score"])
    assert [GAME.format_move(state, m).upper() for m in result.best_moves][0] in row["best_moves"].split()
    assert result.empties == int(row["empties"])


def endgame_positions(empties: int, count: int, seed: int):
    """Random ongoing positions with ``empties`` empty squares, side to move and passes as they fall."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        state = GAME.new_state()
        while GAME.status(state) == 0 and 64 - bin(int(state[PLAYER]) | int(state[OPPONENT])).count("1") > empties:
            moves = GAME.legal_moves(state)
            GAME.play(state, moves[int(rng.integers(len(moves)))])
        if GAME.status(state) == 0:
            out.append(state)
    return out


def naive_value_and_best(state) -> tuple[int, set[int]]:
    player, opponent = int(state[PLAYER]), int(state[OPPONENT])
    white = int(state[COLOUR])
    black, whites = (opponent, player) if white else (player, opponent)
    board = naive_othello_from(black, whites, 2 if white else 1)
    values = {}
    for move in board.moves():
        child = naive_othello_from(black, whites, 2 if white else 1)
        child.play(move)
        values[move] = -othello_exact_value(child)
    best = max(values.values())
    return best, {m for m, v in values.items() if v == best}


# Across SHALLOW so that every layer (last square, shallow, deep with table, PV) runs;
# many tiny ones so the rare endings (a last square nobody can take) come up.
@pytest.mark.parametrize(("empties", "count"), [(1, 40), (2, 80), (3, 80), (5, 10), (SHALLOW, 6), (SHALLOW + 2, 6)])
def test_matches_naive_negamax_on_random_endgames(solver, empties, count):
    for state in endgame_positions(empties, count, seed=empties):
        expected, best = naive_value_and_best(state)
        solver.reset()
        result = solver.solve(state, all_best=True)
        assert result.score == expected, GAME.format_position(state)
        assert set(result.best_moves) == best, GAME.format_position(state)
        weak = solver.solve(state, weak=True)
        assert weak.score == (expected > 0) - (expected < 0)


def nobody_takes_the_last_square():
    """Black to move, empties b1 and h8. Every line out of h8 (rank 8, file h, the
    long diagonal) is white to the edge and b1 only flips c1, so after black takes b1
    neither side can ever play h8: the game ends with one empty square."""
    board = ["X"] * 64
    for square in [*range(56, 63), *range(7, 63, 8), *range(0, 63, 9), *range(9, 57, 8), 2]:
        board[square] = "O"
    board[1] = board[63] = "-"
    return GAME.parse_position("".join(board) + " X")


def test_last_square_nobody_can_take(solver):
    state = nobody_takes_the_last_square()
    expected, best = naive_value_and_best(state)
    solver.reset()
    result = solver.solve(state, all_best=True)
    assert (result.score, set(result.best_moves)) == (expected, best)
    assert expected % 2 == 0  # the empty square went to the winner


def test_null_window_search_bounds_the_true_value(solver):
    """The null-window kernel (deep, shallow and last-square layers) is fail-soft correct
    at every window around the true value: above alpha it returns a lower bound above
    alpha, else an upper bound at most alpha."""
    states = [nobody_takes_the_last_square()]
    for empties in (2, 3, 4, SHALLOW + 1):
        states += endgame_positions(empties, 10, seed=100 + empties)
    for state in states:
        value, _ = naive_value_and_best(state)
        player, opponent = state[PLAYER], state[OPPONENT]
        empty = ~(player | opponent)
        for alpha in range(value - 3, value + 3):
            solver.reset()
            got = nws_deep(player, opponent, alpha, bin(int(empty)).count("1"), parity_of(empty), solver.table,
                           solver._squares, solver._scores, solver._nodes)
            if value > alpha:
                assert alpha < got <= value, (GAME.format_position(state), alpha)
            else:
                assert value <= got <= alpha, (GAME.format_position(state), alpha)


def test_side_to_move_must_pass(solver):
    # Black (X) has no placement; white can still take g8 back by playing f8.
    position = "O" * 61 + "-XO X"
    state = GAME.parse_position(position)
    assert GAME.legal_moves(state) == [PASS]
    expected, _ = naive_value_and_best(state)
    result = solver.solve(state)
    assert result.best_moves == [PASS] and result.score == expected


def test_finished_game_is_refused(solver):
    state = GAME.parse_position("X" * 64 + " O")
    with pytest.raises(GameError, match="finished"):
        solver.solve(state)


def test_cli_solve_json_and_bad_position():
    row = ffo_rows(FFO_20_39, {"21"})[0]
    runner = CliRunner()
    out = runner.invoke(main, ["solve", "othello", "--json", obf(row), "not a board"])
    lines = out.output.strip().splitlines()
    assert out.exit_code == 1 and len(lines) == 2
    first, second = json.loads(lines[0]), json.loads(lines[1])
    assert first["score"] == int(row["best_score"]) and first["best_moves"][0].upper() in row["best_moves"].split()
    assert first["nodes"] > 0 and "seconds" in first
    assert "error" in second and "64 squares" in second["error"]


def test_cli_solve_reads_obf_files(tmp_path):
    rows = ffo_rows(FFO_20_39, {"20", "22"})
    path = tmp_path / "two.obf"
    path.write_text("".join(f"{obf(r)}; {r['best_moves'].split()[0]}:{int(r['best_score']):+d};\n" for r in rows))
    out = CliRunner().invoke(main, ["solve", "othello", "--json", "--file", str(path)])
    records = [json.loads(line) for line in out.output.strip().splitlines()]
    assert out.exit_code == 0
    assert [r["score"] for r in records] == [r["expected"] for r in records] == [int(r["best_score"]) for r in rows]


def test_warmup_compiles_the_othello_solver():
    out = CliRunner().invoke(main, ["warmup", "othello"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("othello") and "ready in" in out.output
