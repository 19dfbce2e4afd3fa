"""Training-data generation: tiny real runs per game, labels checked against the solvers.

The solvers are the oracle: every exact label must equal a fresh solver's score, and a
forced result found by search must convert to exactly the solver's Pons score. The
chess pipeline runs with ``tests/uci_random_engine.py`` as the teacher (it reports the
material balance, or ``mate 1``), and with Stockfish where it is installed.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import chess
import chess.engine
import numpy as np
import pytest
import uci_random_engine

from searchprune.games.registry import get_game
from searchprune.nets import data as D
from searchprune.nets.dataset import (
    SOURCE_EXACT,
    SOURCE_RESULT,
    SOURCE_SEARCH,
    SOURCE_TEACHER,
    DataError,
    load_dataset,
    shard_paths,
    split_by_game,
)
from searchprune.evaluation.features import MAX_ACTIVE, active_features
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit
from searchprune.solvers.connect4 import Connect4Solver
from searchprune.solvers.othello import OthelloSolver
from searchprune.types import MATE, MATE_BOUND

RANDOM_TEACHER = [sys.executable, str(Path(__file__).with_name("uci_random_engine.py"))]
STOCKFISH = Path("/usr/games/stockfish")
#: exact labels from 16 stones on: quick to solve, and searches up to 15 stones often prove a result
C4 = {"games": 12, "shard_games": 6, "seed": 3, "exact_from": 16, "search_depth": 12}


@pytest.fixture(scope="module")
def connect4_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("c4")
    summary = D.generate("connect4", out, progress=False, **C4)
    return out, summary


def _assert_features_round_trip(game_name: str, data) -> None:
    game = get_game(game_name)
    assert data.features.shape == (len(data), MAX_ACTIVE[game_name])
    for row, text in zip(data.features, data.position):
        expected = active_features(game_name, game.parse_position(str(text)))
        assert np.array_equal(row[row >= 0], expected), text
        assert np.all(row[len(expected):] == -1)


def _assert_no_repeats_within_shards(folder: Path) -> None:
    for shard in shard_paths(folder):
        with np.load(shard) as rows:
            assert len(np.unique(rows["position"])) == len(rows["position"]), shard


def test_connect4_generation_labels_match_the_solver(connect4_run):
    out, summary = connect4_run
    assert summary["shards_written"] == 2 and summary["games"] == 12
    data = load_dataset(out)
    assert len(data) == summary["positions"] - data.description["duplicates_dropped"] > 0
    assert set(np.unique(data.game)) <= set(range(12))
    assert set(np.unique(data.result)) <= {-1.0, 0.0, 1.0}
    _assert_features_round_trip("connect4", data)
    _assert_no_repeats_within_shards(out)
    exact_from = C4["exact_from"]
    assert np.all((data.source == SOURCE_EXACT) == (data.ply >= exact_from))
    assert np.all(data.source[data.ply < exact_from] == SOURCE_SEARCH)
    solver = Connect4Solver()  # fresh: the oracle
    game = get_game("connect4")
    exact = np.flatnonzero(data.source == SOURCE_EXACT)
    assert exact.size
    for row in exact:
        assert data.score[row] == solver.score(game.parse_position(str(data.position[row])))[0]
    assert np.all(np.abs(data.score) <= 18)
    train, val = split_by_game(data, val_fraction=0.34)
    assert not set(train.game) & set(val.game)
    assert len(train) + len(val) == len(data)


def test_search_labels_convert_exactly_when_decisive_and_by_the_shards_scale_otherwise(connect4_run):
    """Wherever the depth-12 search proves a result, the conversion equals the solver's
    score; a searched label is that conversion, or the shard's fitted scale times the
    value. The searches replay the generator's: shard rows in order, table cleared per game."""
    out, summary = connect4_run
    game = get_game("connect4")
    searcher = Searcher(game, algorithm="negascout", tt_mb=D.LABEL_TT_MB)
    solver = Connect4Solver()
    decisive = scaled = 0
    for shard, scale in zip(shard_paths(out), summary["search_scale"]):
        with np.load(shard) as rows:
            rows = {k: rows[k] for k in rows.files}
        for i in range(len(rows["score"])):
            if i == 0 or rows["game"][i] != rows["game"][i - 1]:
                searcher.clear()
            ply = int(rows["ply"][i])
            if ply >= C4["exact_from"] + D.CALIBRATION_PLIES:
                continue  # the generator did not search these
            state = game.parse_position(str(rows["position"][i]))
            value = searcher.search(state, Limit(depth=C4["search_depth"])).score
            if abs(value) >= MATE_BOUND:
                converted = D.pons_from_mate(value, ply)
                assert converted == solver.score(state)[0], rows["position"][i]
                if rows["source"][i] == SOURCE_SEARCH:
                    assert rows["score"][i] == converted
                    decisive += 1
            elif rows["source"][i] == SOURCE_SEARCH:
                bound = 22 - (ply + C4["search_depth"] + 2) // 2
                assert rows["score"][i] == pytest.approx(np.clip(scale * value, -bound, bound), abs=1e-3)
                scaled += 1
    assert decisive >= 2 and scaled >= 20


def test_the_search_scale_is_fitted_through_the_origin():
    values = np.arange(1, D.MIN_CALIBRATION + 1) * 10
    assert D.fit_scale(list(values), list(values * 0.05)) == pytest.approx(0.05)
    assert D.fit_scale([100, 200], [5, 10]) == D.DEFAULT_SEARCH_SCALE  # too few to fit


def test_pons_conversion_by_hand():
    # X to move wins at once with its 4th stone (the 7th on the board): 22 - 4.
    assert D.pons_from_mate(MATE - 1, 6) == 18 == Connect4Solver().score(get_game("connect4").parse_position("121212"))[0]
    # O (to move, 7 stones played) loses to X's 5th stone, two plies away (the 9th stone).
    assert D.pons_from_mate(-(MATE - 2), 7) == -(22 - 5)


def test_connect4_text_is_one_per_board():
    game = get_game("connect4")
    a, b = game.parse_position("4453"), game.parse_position("5344")
    assert D.connect4_text(game, a) == D.connect4_text(game, b) == "4354"
    assert np.array_equal(active_features("connect4", game.parse_position("4354")), active_features("connect4", a))
    assert D.connect4_text(game, game.new_state()) == ""


def test_resume_regenerates_only_missing_shards_identically(connect4_run, tmp_path):
    source, _ = connect4_run
    out = tmp_path / "copy"
    shutil.copytree(source, out)
    with np.load(out / "shard-00001.npz") as rows:
        before = {k: rows[k] for k in rows.files}
    kept = (out / "shard-00000.npz").stat().st_mtime_ns
    (out / "shard-00001.npz").unlink()
    # a process pool this time: the data must not depend on where a shard was made
    summary = D.generate("connect4", out, progress=False, concurrency=2, **C4)
    assert (summary["shards_written"], summary["shards_skipped"]) == (1, 1)
    assert (out / "shard-00000.npz").stat().st_mtime_ns == kept
    with np.load(out / "shard-00001.npz") as rows:
        for key, value in before.items():
            assert np.array_equal(rows[key], value), key
    again = D.generate("connect4", out, progress=False, **C4)
    assert (again["shards_written"], again["shards_skipped"]) == (0, 2)


def test_a_dask_cluster_writes_the_same_shards(connect4_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    source, _ = connect4_run
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        summary = D.generate("connect4", tmp_path, progress=False, cluster=cluster.scheduler_address, **C4)
    assert summary["shards_written"] == 2
    for mine, theirs in zip(shard_paths(tmp_path), shard_paths(source), strict=True):
        with np.load(mine) as a, np.load(theirs) as b:
            assert all(np.array_equal(a[k], b[k]) for k in a.files)


@pytest.mark.parametrize("change", [{"seed": 4}, {"games": 9}, {"search_depth": 10}])
def test_other_settings_on_the_same_folder_are_refused(connect4_run, change):
    out, _ = connect4_run
    with pytest.raises(DataError, match="other settings") as info:
        D.generate("connect4", out, progress=False, **{**C4, **change})
    assert "\n" not in str(info.value)


def test_record_from_skips_the_early_plies_and_old_runs_without_it_resume(connect4_run, tmp_path):
    summary = D.generate("connect4", tmp_path, progress=False, **{**C4, "games": 4, "record_from": 20})
    data = load_dataset([tmp_path])
    assert summary["positions"] == len(data) > 0
    assert data.ply.min() >= 20
    out, _ = connect4_run  # a run from before the setting: its config lacks it, which means 0
    config = out / "config.json"
    saved = config.read_text()
    try:
        old = json.loads(saved)
        del old["record_from"]
        config.write_text(json.dumps(old))
        assert D.generate("connect4", out, progress=False, **C4)["shards_written"] == 0
    finally:
        config.write_text(saved)


@pytest.mark.parametrize("bad, match", [
    ({"exact_empties": 10}, "unknown connect4 data option 'exact_empties'"),
    ({"exact_from": 50}, "exact_from must be an integer from 0 to 42"),
    ({"opening": [5, 2]}, "opening must be"),
    ({"epsilon": 2}, "epsilon must be between 0 and 1"),
    ({"games": 0}, "games must be"),
    ({"record_from": -1}, "record_from must be an integer from 0 up"),
])
def test_bad_settings_are_one_line_errors(tmp_path, bad, match):
    with pytest.raises(DataError, match=match) as info:
        D.generate("connect4", tmp_path, progress=False, **{**C4, **bad})
    assert "\n" not in str(info.value)
    assert not (tmp_path / "config.json").exists()


def test_a_failing_or_interrupted_task_keeps_the_shards_written(tmp_path, monkeypatch):
    make_shard = D.make_shard
    settings = {"games": 3, "shard_games": 1, "exact_from": 14, "search_depth": 6}

    def failing(stop: type[BaseException]):
        def run(config, index):
            if index == 1:
                raise stop("lost the worker")
            return make_shard(config, index)
        return run

    monkeypatch.setattr(D, "make_shard", failing(RuntimeError))
    with pytest.raises(DataError, match="shard 1 failed .*RuntimeError: lost the worker.* 1 shards written are kept"):
        D.generate("connect4", tmp_path, progress=False, **settings)
    assert [p.name for p in shard_paths(tmp_path)] == ["shard-00000.npz"]
    monkeypatch.setattr(D, "make_shard", failing(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        D.generate("connect4", tmp_path, progress=False, **settings)
    assert [p.name for p in shard_paths(tmp_path)] == ["shard-00000.npz"]
    monkeypatch.setattr(D, "make_shard", make_shard)
    summary = D.generate("connect4", tmp_path, progress=False, **settings)
    assert (summary["shards_written"], summary["shards_skipped"]) == (2, 1)


def test_othello_exact_labels_match_the_solver_and_early_ones_the_games_outcome(tmp_path):
    summary = D.generate("othello", tmp_path, games=2, shard_games=2, seed=1, progress=False)
    data = load_dataset(tmp_path)
    assert len(data) == summary["positions"]
    _assert_features_round_trip("othello", data)
    _assert_no_repeats_within_shards(tmp_path)
    game = get_game("othello")
    solver = OthelloSolver()
    limit = D.DEFAULTS["othello"]["exact_empties"]
    empties = 64 - (data.features >= 0).sum(axis=1)
    assert np.all((data.source == SOURCE_EXACT) == (empties <= limit))
    assert np.all(data.source[empties > limit] == SOURCE_RESULT)
    for row in np.flatnonzero(data.source == SOURCE_EXACT):
        assert data.score[row] == solver.solve(game.parse_position(str(data.position[row]))).score
    for g in np.unique(data.game):
        rows = np.flatnonzero(data.game == g)
        first = rows[data.source[rows] == SOURCE_EXACT][0]  # rows are in game order
        mover = str(data.position[first])[-1]
        for row in rows[data.source[rows] == SOURCE_RESULT]:
            sign = 1 if str(data.position[row])[-1] == mover else -1
            assert data.score[row] == sign * data.score[first]


def test_chess_pipeline_with_a_test_teacher(tmp_path):
    summary = D.generate("chess", tmp_path, games=2, shard_games=1, seed=2, progress=False, play_depth=2,
                         max_plies=40, teacher=RANDOM_TEACHER, teacher_depth=1)
    data = load_dataset(tmp_path)
    assert len(data) == summary["positions"] > 10
    assert np.all(data.source == SOURCE_TEACHER)
    _assert_features_round_trip("chess", data)
    for text, score in zip(data.position, data.score):
        board = chess.Board(str(text))
        assert not board.is_check() and board.outcome() is None
        # the test teacher reports a mate in one, else the material for the side to move
        expected = D.TEACHER_CLIP if _mate_in_one(board) else uci_random_engine.material(board)
        assert score == np.clip(expected, -D.TEACHER_CLIP, D.TEACHER_CLIP)


def _mate_in_one(board: chess.Board) -> bool:
    for move in list(board.legal_moves):
        board.push(move)
        mates = board.is_checkmate()
        board.pop()
        if mates:
            return True
    return False


@pytest.mark.skipif(not STOCKFISH.exists(), reason="needs /usr/games/stockfish")
def test_chess_with_stockfish(tmp_path):
    D.generate("chess", tmp_path, games=1, shard_games=1, progress=False, play_depth=2, max_plies=24,
               teacher_nodes=2000)
    data = load_dataset(tmp_path)
    assert len(data) > 5 and np.all(np.abs(data.score) <= D.TEACHER_CLIP)
    _assert_features_round_trip("chess", data)
    # the first position of a game is labelled by a fresh engine after ucinewgame
    with chess.engine.SimpleEngine.popen_uci(str(STOCKFISH)) as engine:
        engine.configure(D.TEACHER_OPTIONS)
        board = chess.Board(str(data.position[0]))
        info = engine.analyse(board, chess.engine.Limit(nodes=2000), game=object())
        assert data.score[0] == D.teacher_centipawns(info["score"].pov(board.turn))
        engine.quit()


def test_a_missing_teacher_is_a_one_line_error(tmp_path):
    with pytest.raises(DataError, match="cannot run the teacher '/nonexistent/stockfish'") as info:
        D.generate("chess", tmp_path / "out", games=1, progress=False, teacher="/nonexistent/stockfish")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out" / "config.json").exists()
