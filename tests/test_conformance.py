"""One conformance test, parametrised over every registered game (OpenSpiel-style).

Every game runs the protocol checks (kernels, random playouts against the naive
reference of ``tests/oracle.py``, keys, input validation), and every optional part its
registration (``GameBundle``) declares is resolved and checked: net features within the
declared inputs, bench positions that parse, a labeller and settings, a solver that
agrees with the search, openings that parse. A new game needs its bundle and its naive
reference; nothing here names it.
"""

from __future__ import annotations

import importlib
from collections import defaultdict

import numpy as np
import pytest
from oracle import REFERENCES

from searchprune.games import GameError, get_game, names
from searchprune.games.base import KERNELS, OPTIONAL, Game
from searchprune.games.registry import bundle, load, openings_path
from searchprune.search import defaults
from searchprune.types import DRAW, LOSS, MATE_BOUND, ONGOING, WIN

GAMES = names()
#: Random games per game; chess games are long and have their own differential test.
PLAYOUTS = {"chess": 6}
ALGORITHMS = ("minimax", "alphabeta", "negascout")


def with_part(part: str) -> list[str]:
    """The registered games whose bundle has ``part`` (``net``, ``solver``...)."""
    return [name for name in GAMES if getattr(bundle(name), part) is not None]


def random_states(game: Game, count: int, seed: int, max_plies: int = 60) -> list[np.ndarray]:
    """Unfinished positions of seeded random play, from the start."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        state = game.new_state()
        for _ in range(int(rng.integers(0, max_plies))):
            moves = game.legal_moves(state)
            if not moves:
                break
            game.play(state, moves[int(rng.integers(len(moves)))])
        if game.status(state) == ONGOING:
            out.append(state)
    return out


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


TRANSPOSED = {"tictactoe": ("1529", "2519"), "connect4": ("4453", "5344"), "othello": ("d3c3c4", "c4c3d3"),
              "chess": ("startpos moves g1f3 g8f6 b1c3", "startpos moves b1c3 g8f6 g1f3")}


@pytest.mark.parametrize("name", sorted(TRANSPOSED))
def test_transpositions_share_a_key(name):
    """Two move orders reaching the same position give the same key."""
    game = get_game(name)
    a, b = (game.parse_position(p) for p in TRANSPOSED[name])
    assert game.key(a) == game.key(b)


@pytest.mark.parametrize("name", GAMES)
def test_every_transposition_three_plies_deep_shares_a_key(name):
    """All move orders of three plies from the start: equal positions (equal text) have
    equal keys. (Not the converse: a chess key leaves out the move counters.)"""
    game = get_game(name)
    keys: dict[str, set[int]] = defaultdict(set)
    state = game.new_state()

    def walk(depth: int) -> None:
        text, key = game.format_position(state), game.key(state)
        keys[text].add(key)
        if depth == 0:
            return
        for move in game.legal_moves(state):
            game.kernels.make(state, np.int64(move))
            walk(depth - 1)
            game.kernels.unmake(state, np.int64(move))

    walk(3)
    assert all(len(k) == 1 for k in keys.values())


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


# -- the registration and the optional parts it declares --------------------------------------------

@pytest.mark.parametrize("name", GAMES)
def test_bundle_resolves(name):
    """Every ``module:attribute`` the bundle names imports; the game class is the named game."""
    record = bundle(name)
    assert record.name == name
    cls = load(record.game)
    assert issubclass(cls, Game) and cls.info.name == name
    assert isinstance(get_game(name), cls)
    for path in record.paths():
        assert load(path) is not None, path


def test_optional_kernels_have_defaults():
    assert not set(KERNELS) & set(OPTIONAL)
    for kernel in OPTIONAL:
        assert callable(getattr(defaults, kernel)), f"search.defaults lacks the default {kernel}"


@pytest.mark.parametrize("name", GAMES)
def test_optional_kernels_are_kernels(name):
    module = get_game(name).kernels
    for kernel in OPTIONAL:
        if hasattr(module, kernel):
            assert callable(getattr(module, kernel)), f"{name}.{kernel} is not a kernel"


@pytest.mark.parametrize("name", with_part("net"))
def test_net_features_fit_the_declared_inputs(name):
    from searchprune.evaluation.arch import arch_for
    from searchprune.evaluation.features import active_features, dense_inputs, mirror_features

    net = bundle(name).net
    game = get_game(name)
    assert net.inputs > 0 and 0 < net.max_active <= net.inputs
    assert net.loss in ("mse", "wdl") and net.label_scale > 0 and net.output_scale > 0
    assert net.inputs % net.factor_block == 0
    assert arch_for(name).sizes(8) == [net.inputs, 8, 32, 1]
    states = [game.new_state()] + random_states(game, 30, seed=7)
    rows = np.full((len(states), net.max_active), -1, dtype=np.int16)
    for i, state in enumerate(states):
        active = active_features(name, state)
        assert len(active) <= net.max_active
        assert len(set(active.tolist())) == len(active)
        assert ((0 <= active) & (active < net.inputs)).all()
        rows[i, :len(active)] = active
    x = dense_inputs(name, rows)
    assert x.shape == (len(states), net.inputs) and x.sum() == (rows >= 0).sum()
    if net.mirror is not None:  # an involution on valid rows
        mirrored = mirror_features(name, rows)
        assert ((mirrored == -1) == (rows == -1)).all()
        assert (mirrored < net.inputs).all()
        twice = mirror_features(name, mirrored)
        sorted_rows = np.where(rows < 0, np.iinfo(np.int16).max, rows)
        sorted_rows.sort(axis=1)
        assert np.array_equal(twice, np.where(sorted_rows == np.iinfo(np.int16).max, -1, sorted_rows))


@pytest.mark.parametrize("name", with_part("net"))
def test_net_evaluator_and_its_hooks(name):
    """The evaluator is compiled code; an incremental one has both hooks, others neither."""
    net = bundle(name).net
    module_name, func = net.evaluator.split(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, func))
    hooks = [callable(getattr(module, f"{func}_{h}", None)) for h in ("reset", "make")]
    assert hooks == [net.incremental] * 2


@pytest.mark.parametrize("name", with_part("bench"))
def test_bench_positions_parse(name):
    bench = bundle(name).bench
    game = get_game(name)
    assert bench.positions and bench.depth >= 1
    for text in bench.positions:
        assert game.status(game.parse_position(text)) == ONGOING
    assert set(bench.nps_depth) <= set(ALGORITHMS) and all(d >= 1 for d in bench.nps_depth.values())
    assert bench.study_depth is None or (bench.study_depth >= 1 and bundle(name).net is not None)


@pytest.mark.parametrize("name", with_part("data"))
def test_data_labeller_and_settings(name):
    from searchprune.nets.data import position_text, settings_for

    data = bundle(name).data
    assert callable(load(data.labeller))
    settings = settings_for(name, games=1)
    assert set(data.defaults) <= set(settings)
    game = get_game(name)
    for state in random_states(game, 10, seed=3, max_plies=20):
        assert game.key(game.parse_position(position_text(game, state))) == game.key(state)


@pytest.mark.parametrize("name", with_part("solver"))
def test_solver_agrees_with_the_search(name):
    """On positions a few plies from the end, the exact solver and a full-depth search
    agree on the result (win, draw or loss for the side to move)."""
    from searchprune.search.driver import Searcher
    from searchprune.search.limits import Limit

    game = get_game(name)
    solver = load(bundle(name).solver)()
    rng = np.random.default_rng(11)
    checked = 0
    while checked < 3:
        state = game.new_state()
        while game.status(state) == ONGOING and game.plies_left(state) > 16:
            moves = game.legal_moves(state)
            game.play(state, moves[int(rng.integers(len(moves)))])
        if game.status(state) != ONGOING:
            continue
        exact = solver.solve(state).score
        score = Searcher(game, algorithm="negascout", tt_mb=1).search(state, Limit(depth=game.plies_left(state))).score
        assert abs(score) >= MATE_BOUND or score == 0, "a full-depth search ends every line"
        assert np.sign(score) == np.sign(exact), game.format_position(state)
        checked += 1


@pytest.mark.parametrize("name", with_part("openings"))
def test_openings_parse(name):
    from searchprune.arena.tournament import read_openings

    path = openings_path(name)
    assert path.exists(), path
    game = get_game(name)
    lines = read_openings(path)
    assert lines
    for text in lines:
        assert game.status(game.parse_position(text)) == ONGOING, text
