"""Exact Connect Four solver against Pascal Pons' test sets (``shared/data/connect4``).

The sets are read from the shared folder (``searchprune.paths``); the tests that need
them skip, saying where they looked, if it is absent. Samples are deterministic
(evenly spaced lines). The table is not reset between positions here: results must be
exact whatever the table holds, which these tests exercise too.
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from searchprune.config import JIT
from searchprune.games.base import GameError
from searchprune.games.connect4 import CELLS, WIDTH, Connect4, make, terminal, top_mask
from searchprune.paths import shared_data_dir
from searchprune.solvers import connect4 as solver_module
from searchprune.solvers import SolveResult
from searchprune.solvers.connect4 import Connect4Solver
from searchprune.types import DRAW, LOSS, ONGOING

DATA = shared_data_dir() / "connect4"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(),
    reason=f"Pons' Connect Four test sets not found at {DATA} (set SEARCHPRUNE_SHARED to the shared folder)",
)

GAME = Connect4()
#: A middle-game position (23 plies) solved in a couple of thousand nodes.
MIDGAME = "37313333717124171162542"


def load(name: str) -> list[tuple[str, int]]:
    rows = []
    for line in (DATA / f"Test_{name}").read_text(encoding="ascii").splitlines():
        moves, score = line.split()
        rows.append((moves, int(score)))
    return rows


def spaced(rows: list, k: int) -> list:
    """``k`` evenly spaced rows (deterministic)."""
    step = max(1, len(rows) // k)
    return rows[::step][:k]


def sign(x: int) -> int:
    return (x > 0) - (x < 0)


@pytest.fixture(scope="module")
def solver() -> Connect4Solver:
    return Connect4Solver()


def check_scores(solver: Connect4Solver, rows: list[tuple[str, int]], *, weak: bool = False) -> None:
    wrong = []
    for lineno, (moves, expected) in enumerate(rows, 1):
        score, nodes = solver.score(GAME.parse_position(moves), weak=weak)
        want = sign(expected) if weak else expected
        if score != want:
            wrong.append(f"{moves}: expected {want}, got {score}")
        assert nodes >= 1
    assert not wrong, f"{len(wrong)} wrong of {len(rows)}: " + "; ".join(wrong[:10])


# -- without the data --------------------------------------------------------------------


def test_author_examples(solver):
    r = solver.solve(GAME.parse_position("4455"))
    assert isinstance(r, SolveResult)
    assert r.score == 18 and r.best_moves == [2, 5]  # columns 3 and 6 make an open three
    assert solver.solve(GAME.parse_position("44455554221")).score == -15


def test_immediate_win_costs_no_node(solver):
    r = solver.solve(GAME.parse_position("112233"))  # X wins at once in column 4
    assert r.score == (CELLS + 1 - 6) // 2 and r.best_moves == [3] and r.nodes == 0
    assert solver.score(GAME.parse_position("112233"), weak=True) == (1, 0)


def test_last_move_is_a_draw(solver):
    r = solver.solve(GAME.parse_position("43442444233533355722525562661111617767677"))
    assert r.score == 0 and r.best_moves == [0]


@pytest.mark.parametrize(
    "moves, what",
    [("1212121", "won"), ("434424442335333557225255626611116177676771", "draw")],
)
def test_finished_game_raises(solver, moves, what):
    state = GAME.parse_position(moves)
    assert terminal(state) != ONGOING
    for call in (lambda: solver.solve(state), lambda: solver.score(state), lambda: solver.score(state, weak=True)):
        with pytest.raises(GameError, match=what) as info:
            call()
        assert "\n" not in str(info.value)


def test_bad_state_raises(solver):
    with pytest.raises(GameError):
        solver.score(np.zeros(3, dtype=np.uint64))
    state = GAME.parse_position("44")
    state[2] = 5  # ply count disagrees with the stones
    with pytest.raises(GameError):
        solver.score(state)


def test_bad_table_size():
    with pytest.raises(ValueError):
        Connect4Solver(tt_log2=8)


def test_small_table_and_reset_give_same_nodes():
    """A fresh table and a reset one search the same tree (reset is logically exact)."""
    state = GAME.parse_position(MIDGAME)
    small = Connect4Solver(tt_log2=17)  # no spare tag bits: reset zeroes the arrays
    first = small.score(state)
    for _ in range(3):
        small.reset()
        assert small.score(state) == first
    default = Connect4Solver()
    ref = default.score(state)
    assert ref[0] == first[0]
    again = default.score(state)  # no reset: the table answers most of it
    assert again[0] == ref[0] and again[1] < ref[1]
    for _ in range(70):  # more resets than the default table has generation tags
        default.reset()
        assert default.score(state) == ref


def test_negamax_has_one_signature(solver):
    """The recursive kernel is called with one set of types, from Python and from itself."""
    state = GAME.parse_position(MIDGAME)
    solver.score(state)
    s = solver
    ctx = solver_module.SolveContext(*s._arrays())
    # Direct call with the boundary's types (from the cache or compiled) ...
    solver_module._negamax(ctx, state[0], state[1], np.int64(state[2]), np.int64(-1), np.int64(0))
    # ... and a fresh compile of the body, whose recursive call goes to the dispatcher
    # with the types used inside the kernel.
    fresh = njit(**dict(JIT, cache=False))(solver_module._negamax.py_func)
    fresh(ctx, state[0], state[1], np.int64(state[2]), np.int64(-1), np.int64(0))
    assert len(solver_module._negamax.nopython_signatures) == 1, solver_module._negamax.nopython_signatures


# -- Pons' test sets --------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize("name", ["L3_R1", "L2_R1"])
def test_strong_every_position(solver, name):
    solver.reset()
    check_scores(solver, load(name))


@needs_data
@pytest.mark.parametrize("name, k", [("L2_R2", 50), ("L1_R1", 50), ("L1_R2", 8)])
def test_strong_sample(solver, name, k):
    solver.reset()
    check_scores(solver, spaced(load(name), k))


@needs_data
def test_weak_signs(solver):
    rows = (
        spaced(load("L2_R1"), 150) + spaced(load("L1_R1"), 150) + spaced(load("L2_R2"), 20) + spaced(load("L3_R1"), 100)
    )
    solver.reset()
    check_scores(solver, rows, weak=True)


def child_values(solver: Connect4Solver, moves: str) -> dict[int, int]:
    """Value of each legal column for the side to move, by solving every child."""
    state = GAME.parse_position(moves)
    ply = int(state[2])
    values = {}
    for col in range(WIDTH):
        if state[1] & top_mask(col):
            continue
        child = state.copy()
        make(child, np.int64(col))
        status = terminal(child)
        if status == LOSS:  # the opponent has lost: our move wins at once
            values[col] = (CELLS + 1 - ply) // 2
        elif status == DRAW:  # our move filled the board
            values[col] = 0
        else:
            values[col] = -solver.score(child)[0]
    return values


@needs_data
def test_best_moves_match_children(solver):
    rows = spaced(load("L3_R1"), 25) + spaced(load("L2_R1"), 25) + spaced(load("L2_R2"), 6) + spaced(load("L1_R1"), 10)
    solver.reset()
    for moves, expected in rows:
        r = solver.solve(GAME.parse_position(moves))
        values = child_values(solver, moves)
        best = max(values.values())
        assert r.score == expected == best, moves
        assert r.best_moves == sorted(c for c, v in values.items() if v == best), (moves, values)
        score_only, _ = solver.score(GAME.parse_position(moves))
        assert score_only == r.score


@needs_data
def test_weak_best_moves_match_children(solver):
    rows = spaced(load("L2_R1"), 20) + spaced(load("L3_R1"), 20)
    solver.reset()
    for moves, expected in rows:
        r = solver.solve(GAME.parse_position(moves), weak=True)
        values = child_values(solver, moves)
        assert r.score == sign(expected), moves
        assert r.best_moves == sorted(c for c, v in values.items() if sign(v) == r.score), (moves, values)


def test_claimeven_bound_against_plain_negamax():
    """Wherever the claimeven rule says the side to move cannot win, the plain negamax of
    ``tests/oracle.py`` (no bounds, no table) agrees; and positions where the rule does not
    hold include wins for the side to move, so a rule that always held would fail here."""
    from oracle import negamax as plain_negamax
    from oracle import random_position

    rng = np.random.default_rng(5)
    held = won_elsewhere = 0
    while held < 25 or won_elsewhere < 5:
        state = random_position(GAME, rng, CELLS - 8, CELLS - 6)
        if state is None or int(state[2]) % 2:  # the rule needs every column even: an even stone count
            continue
        value = plain_negamax(GAME, state, CELLS - int(state[2]))
        if solver_module._claimeven_holds(state[0], state[1]):
            held += 1
            assert value <= 0, state[:3]
        elif value > 0:
            won_elsewhere += 1
