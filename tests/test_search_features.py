"""Limits, the stop flag, aspiration, compiled signatures and the disk cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import searchprune
from searchprune.games import GameError, get_game
from searchprune.search.build import build_searcher, module_text
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit


@pytest.fixture(scope="module")
def c4():
    return get_game("connect4")


def test_depth_limit_is_exact(c4):
    result = Searcher(c4).search(c4.new_state(), Limit(depth=7))
    assert result.info.depth == 7 and not result.interrupted


def test_node_limit_keeps_the_last_completed_iteration(c4):
    result = Searcher(c4).search(c4.new_state(), Limit(nodes=20_000))
    assert result.interrupted
    assert result.info.nodes < 20_000  # the reported iteration completed under the limit
    assert result.move == result.info.pv[0] and result.move in c4.legal_moves(c4.new_state())
    assert result.iterations[-1] is result.info


def test_time_limit_returns_a_move(c4):
    """A search with no depth limit ends by its clock (a correctness check, not a speed test)."""
    result = Searcher(c4).search(c4.new_state(), Limit(time=0.2))
    assert result.move in range(7)
    assert result.info.depth >= 1


def test_depth_one_completes_even_with_a_tiny_budget(c4):
    result = Searcher(c4).search(c4.new_state(), Limit(nodes=1))
    assert result.info.depth == 1 and result.move in range(7)


def test_stop_flag_from_another_thread(c4):
    searcher = Searcher(c4)
    searcher.search(c4.new_state(), Limit(depth=2))  # compile before timing anything
    outcome = {}

    def run():
        outcome["result"] = searcher.search(c4.new_state())  # no limit: runs until stopped

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive()
    searcher.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
    result = outcome["result"]
    assert result.interrupted and result.move in range(7) and result.info.depth >= 2


def test_search_of_a_finished_game_is_refused(c4):
    with pytest.raises(GameError, match="over"):
        Searcher(c4).search(c4.parse_position("1212121"))


def test_bad_options_are_refused(c4):
    with pytest.raises(ValueError, match="unknown algorithm"):
        Searcher(c4, algorithm="mcts")
    with pytest.raises(ValueError):
        Limit(depth=0)
    with pytest.raises(ValueError):
        Limit(time=-1)


def test_aspiration_gives_the_same_result_with_fewer_or_equal_full_searches(c4):
    state = c4.parse_position("4453")
    a = Searcher(c4, aspiration=True).search(state, Limit(depth=11))
    b = Searcher(c4, aspiration=False).search(state, Limit(depth=11))
    assert a.score == b.score


def test_a_forced_win_stops_deepening(c4):
    # X to move wins at once in column 1 (three X stones stacked there).
    state = c4.parse_position("121212")
    result = Searcher(c4).search(state, Limit(depth=20))
    assert result.move == 0 and result.info.depth == 1


def test_second_process_loads_the_search_from_the_disk_cache(tmp_path):
    """Two fresh processes with one empty cache: the first compiles each recursive kernel
    exactly once (one signature: a second would mean a mistyped argument somewhere),
    the second compiles nothing."""
    script = textwrap.dedent(
        """
        import json
        from searchprune.games import get_game
        from searchprune.search.driver import Searcher
        from searchprune.search.limits import Limit
        g = get_game("tictactoe")
        # every component on: compiles the quiescence and pruning paths too
        s = Searcher(g, qsearch=True, check_extension=True, null_move=True, lmr=True, futility=True,
                     mate_distance=True)
        for algorithm in ("minimax", "alphabeta", "negascout"):
            s.algorithm = algorithm
            s.search(g.parse_position("15"), Limit(depth=3))
        k = s.kernels
        print(json.dumps({n: dict(hits=sum(getattr(k, n).stats.cache_hits.values()),
                                  misses=sum(getattr(k, n).stats.cache_misses.values()),
                                  signatures=len(getattr(k, n).signatures))
                          for n in ("alphabeta", "negascout", "minimax", "enter_node")}))
        """
    )
    # A snapshot of the package: an edit elsewhere between the two runs (another change
    # in progress in this working tree) would rightly give the second a cold cache.
    shutil.copytree(Path(searchprune.__file__).parent, tmp_path / "tree" / "searchprune",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, SEARCHPRUNE_CACHE_DIR=str(tmp_path / "sp"), NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               PYTHONPATH=str(tmp_path / "tree"))
    runs = [json.loads(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                                      check=True, cwd=tmp_path / "tree").stdout.strip().splitlines()[-1])
            for _ in range(2)]
    assert runs[0]["negascout"]["misses"] == 1  # compiled the first time
    assert all(kernel["signatures"] == 1 for kernel in runs[0].values()), runs[0]
    assert runs[1]["negascout"]["hits"] == 1 and runs[1]["negascout"]["misses"] == 0


def test_a_search_compiles_only_its_own_algorithm(tmp_path):
    """A NegaScout search in a fresh process (a cold cache) compiles neither minimax nor
    alpha-beta: the driver calls the algorithm's own kernel (issue 19, the cold start)."""
    script = textwrap.dedent(
        """
        import json
        from searchprune.games import get_game
        from searchprune.search.driver import Searcher
        from searchprune.search.limits import Limit
        g = get_game("tictactoe")
        s = Searcher(g, algorithm="negascout")
        s.search(g.parse_position("15"), Limit(depth=3))
        k = s.kernels
        print(json.dumps({n: len(getattr(k, n).signatures)
                          for n in ("minimax", "alphabeta", "negascout")}))
        """
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"), SEARCHPRUNE_CACHE_DIR=str(tmp_path / "gen"))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    compiled = json.loads(out.stdout.strip().splitlines()[-1])
    assert compiled["negascout"] == 1, compiled
    assert compiled["minimax"] == compiled["alphabeta"] == 0, compiled


def test_generated_module_changes_with_any_source_it_inlines(tmp_path, monkeypatch):
    """Editing the evaluator's module gives a new module name: no stale inlined code."""
    (tmp_path / "my_eval.py").write_text("def evaluate(state, params):\n    return 0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    game = get_game("tictactoe")
    first, _ = module_text(game, "my_eval:evaluate")
    (tmp_path / "my_eval.py").write_text("def evaluate(state, params):\n    return 1\n")
    second, _ = module_text(game, "my_eval:evaluate")
    assert first != second
    assert module_text(game)[0] == module_text(game)[0]


def test_evaluator_is_swappable(tmp_path, monkeypatch):
    """A different evaluator module plugs into the same search."""
    (tmp_path / "zero_eval.py").write_text(
        "from numba import njit\n@njit(cache=True)\ndef evaluate(state, params):\n    return 0\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SEARCHPRUNE_CACHE_DIR", str(tmp_path / "cache"))
    game = get_game("connect4")
    kernels = build_searcher(game, "zero_eval:evaluate")
    assert kernels is not build_searcher(game)
    result = Searcher(game, evaluator="zero_eval:evaluate").search(game.parse_position("4453"), Limit(depth=4))
    assert result.score == 0  # nothing but the zero evaluation within four plies
    assert np.int64(result.move) in range(7)


def test_numba_cache_folder_is_named_for_the_compiled_source(tmp_path):
    """Numba's cache goes to a folder per fingerprint of the package's compiled source (a
    kernel edit must not leave other files' cached callers running the old kernel); a
    given NUMBA_CACHE_DIR is the root of those folders (searchprune.config)."""
    script = "import os, searchprune; print(os.environ['NUMBA_CACHE_DIR'])"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["SEARCHPRUNE_CACHE_DIR"] = str(tmp_path / "sp")
    folders = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                              check=True).stdout.strip() for _ in range(2)]
    assert folders[0] == folders[1]
    folder = Path(folders[0])
    assert folder.parent == tmp_path / "sp" / "numba" and len(folder.name) == 16 and folder.is_dir()
    given = subprocess.run([sys.executable, "-c", script], env=dict(env, NUMBA_CACHE_DIR=str(tmp_path / "mine")),
                           capture_output=True, text=True, check=True).stdout.strip()
    assert given == str(tmp_path / "mine" / folder.name)
