"""Part of the suite again with NUMBA_DISABLE_JIT=1: the kernels' Python semantics.

Compiled and interpreted code must agree (integer widths, uint64 wrap-around, record
fields): this runs the oracle and conformance tests for tic-tac-toe, Connect Four
and Othello, and a few shallow searches, as plain Python in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_suite_subset_without_jit(tmp_path):
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", SEARCHPRUNE_CACHE_DIR=str(tmp_path))
    cmd = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-W", "ignore::RuntimeWarning",  # numpy warns on the uint64 wrap-around the hashes rely on
        str(TESTS / "test_conformance.py"),
        str(TESTS / "test_tt.py"),
        str(TESTS / "test_search_oracle.py") + "::test_tictactoe_start_is_a_draw",
        str(TESTS / "test_search_oracle.py") + "::test_pv_is_a_legal_line_that_ends_in_the_score",
        # The full minimax tree of tic-tac-toe is 550k nodes, and a chess game's move
        # generation is seconds a ply: both are minutes in Python.
        "-k", "not minimax and not chess",
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout
