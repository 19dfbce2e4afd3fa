"""The command line, through click's runner and through real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from searchprune import bench
from searchprune.cli import main

#: The bench signature (searchprune bench --signature). A change in search behaviour
#: changes it: update it here, deliberately, in the commit that changes the search.
SIGNATURE = {"tictactoe": 6979, "connect4": 147020, "othello": 37331, "chess": 429828}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_games_lists_both():
    result = run("games", "--json")
    names = {json.loads(line)["name"] for line in result.output.splitlines()}
    assert {"tictactoe", "connect4"} <= names


def test_bench_signature_is_pinned():
    result = run("bench", "--signature", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == SIGNATURE
    assert set(SIGNATURE) == set(bench.SIGNATURE_POSITIONS)


def test_bench_nps_json():
    result = run("bench", "--game", "tictactoe", "--algorithm", "alphabeta", "--runs", "2", "--json")
    data = json.loads(result.output)
    (row,) = data["nps"]
    assert row["game"] == "tictactoe" and row["algorithm"] == "alphabeta" and row["runs"] == 2
    assert row["nodes"] > 0 and row["nps"] > 0


def test_analyse_prints_iterations_and_bestmove():
    result = run("analyse", "connect4", "4453", "--depth", "6")
    lines = result.output.splitlines()
    assert [line.split()[1] for line in lines[:6]] == ["1", "2", "3", "4", "5", "6"]
    assert lines[-1].split()[0] == "bestmove" and lines[-1].split()[1] in "1234567"


def test_analyse_json_pv_is_in_move_notation():
    result = run("analyse", "tictactoe", "15", "--depth", "7", "--json")
    last = json.loads(result.output.splitlines()[-1])
    assert last["depth"] == 7 and last["score"] == 0
    assert all(move in "123456789" for move in last["pv"])


@pytest.mark.parametrize(
    "args, message",
    [
        (("analyse", "shogi"), "unknown game 'shogi'"),
        (("analyse", "connect4", "4448"), "expected a column 1-7"),
        (("play", "connect4", "--position", "4444444"), "column 4 is full"),
        (("play", "connect4", "--depth", "0"), "depth must be at least 1"),
    ],
)
def test_bad_input_gets_one_line_error(args, message):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_play_tictactoe_through_the_runner_to_the_end():
    # Person plays X: 5, then whatever; the engine (perfect at depth 9) never loses.
    result = run("play", "tictactoe", "--depth", "9", "--no-color", input="5\n1\n2\n3\n4\n6\n7\n8\n9\n")
    out = result.output
    assert "Engine plays" in out
    assert ("Draw." in out) or ("O wins." in out)
    assert "X wins." not in out
    assert "Game: 5" in out


def test_play_engine_moves_first_when_person_plays_second():
    result = run("play", "connect4", "--side", "second", "--depth", "3", "--no-color", input="quit\n")
    assert result.output.index("Engine plays") < result.output.index("Your move (O)")
    assert "--side second --position" in result.output


def test_play_subprocess_survives_typos_and_undo():
    """A real process fed on stdin: bad input is answered and the game goes on."""
    proc = subprocess.run(
        [sys.executable, "-m", "searchprune.cli", "play", "connect4", "--depth", "4", "--no-color"],
        input="4\nfoo\n8\nundo\nhint\n4\nquit\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "Error: illegal move 'foo'" in out
    assert "Error: illegal move '8'" in out
    assert out.count("Engine plays") == 2  # after the first 4, and again after the undo
    assert "Hint:" in out
    assert "Resume with: searchprune play connect4 --side first --position '4" in out


def test_play_stops_cleanly_when_input_ends():
    result = run("play", "tictactoe", "--depth", "2", "--no-color", input="5\n")
    assert result.exit_code == 0
    assert "Game left unfinished" in result.output


def test_solve_json_and_errors():
    result = CliRunner().invoke(main, ["solve", "connect4", "4455", "44455554221", "4444444", "--json"])
    records = [json.loads(line) for line in result.output.splitlines()]
    assert records[0]["score"] == 18 and records[0]["best_moves"] == ["3", "6"]  # both make a double threat
    assert records[1]["score"] == -15
    for key in ("score", "best_moves", "nodes", "seconds"):
        assert key in records[0]
    assert "full" in records[2]["error"]
    assert result.exit_code == 1  # one bad position, the others still answered


def test_solve_weak_and_file(tmp_path):
    data = tmp_path / "set.txt"
    data.write_text("4455 18\n44455554221 -15\n")
    result = run("solve", "connect4", "--file", str(data), "--weak", "--json")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["score"] for r in records] == [1, -1]
    assert [r["expected"] for r in records] == [18, -15]


def test_solve_refuses_games_without_a_solver():
    result = CliRunner().invoke(main, ["solve", "tictactoe", "5"])
    assert result.exit_code == 2 and "no exact solver" in result.output
