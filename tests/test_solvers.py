"""The ``Solver`` protocol: every registered solver implements it, and callers find solvers
by game name instead of branching per game."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from searchprune.cli import main
from searchprune.games import get_game, names
from searchprune.solvers import SolveResult, Solver, SolverError, solvable_games, solver_class, solver_for

#: (game, position, score, every best move in the game's notation): known values.
KNOWN = [
    ("connect4", "4455", 18, ["3", "6"]),
    ("othello", "ooooooooxooxxx--xxooxoo-xoxooo--xoooox--xooxoo--xooooo--xxxx---- o", None, None),
]
#: The smallest tables the solvers accept, so the tests stay light.
SMALL = {"connect4": {"tt_log2": 17}, "othello": {"tt_mib": 1}}


def test_every_solvable_game_has_a_solver_that_implements_the_protocol():
    assert set(solvable_games()) >= {"connect4", "othello"}
    for name in solvable_games():
        cls = solver_class(name)
        assert cls.game == name
        solver = solver_for(name, **SMALL.get(name, {}))
        assert isinstance(solver, Solver)
        for method in ("reset", "solve", "parse_line", "warm_up", "use_net"):
            assert callable(getattr(solver, method))


def test_games_without_a_solver_get_one_line():
    unsolvable = [name for name in names() if name not in solvable_games()]
    assert "tictactoe" in unsolvable
    for name in unsolvable:
        with pytest.raises(SolverError, match=f"no exact solver for '{name}'") as error:
            solver_for(name)
        assert "\n" not in str(error.value)


@pytest.mark.parametrize("game_name, position, score, best", KNOWN)
def test_one_result_type_for_every_solver(game_name, position, score, best):
    game = get_game(game_name)
    solver = solver_for(game_name, **SMALL[game_name])
    state = game.parse_position(position)
    result = solver.solve(state, all_best=True)
    assert isinstance(result, SolveResult) and result.all_best
    assert result.nodes > 0 and result.seconds >= 0 and 0 < result.empties < 64
    if score is not None:
        assert result.score == score
        assert [game.format_move(state, m) for m in result.best_moves] == best
    solver.reset()
    weak = solver.solve(state, weak=True)
    assert weak.score == (result.score > 0) - (result.score < 0)


def test_a_solver_without_net_ordering_refuses_a_net():
    for name in solvable_games():
        solver = solver_for(name, **SMALL[name])
        if not solver.orders_by_net:
            with pytest.raises(SolverError, match="own move ordering"):
                solver.use_net(object())
            solver.use_net(None)  # "no net" is always fine


def test_warmup_without_arguments_warms_every_game():
    out = CliRunner().invoke(main, ["warmup"])
    assert out.exit_code == 0, out.output
    assert [line.split()[0] for line in out.output.splitlines()] == names()
