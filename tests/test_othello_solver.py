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


# Across SHALLOW so that every layer (last square, shallow, deep with table, PV) runs.
@pytest.mark.parametrize("empties", [1, 2, 3, 5, SHALLOW, SHALLOW + 2])
def test_matches_naive_negamax_on_random_endgames(solver, empties):
    for state in endgame_positions(empties, 6, seed=empties):
        expected, best = naive_value_and_best(state)
        solver.reset()
        result = solver.solve(state, all_best=True)
        assert result.score == expected, GAME.format_position(state)
        assert set(result.best_moves) == best, GAME.format_position(state)
        weak = solver.solve(state, weak=True)
        assert weak.score == (expected > 0) - (expected < 0)


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
