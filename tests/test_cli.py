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
    assert "--side second --depth 3 --position" in result.output  # the resume line keeps the engine options


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
    assert "Resume with: searchprune play connect4 --side first --depth 4 --position '4" in out


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


# -- issue 19: usage errors, dashes, one error style, small things ------------------------------------

#: An Othello position whose board text starts with ``-`` (a1 empty), 12 empties: solves in a blink.
DASH_OTHELLO = "--X--XO-X-XX-XO-XOOOOOOOXXOOXXXOXXOOOXXOXXOOOOO-O-OOOO-XOOOOOOO- X"
START_FEN = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"


def assert_usage_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "Error: " in result.output
    for needle in needles:
        assert needle in result.output


@pytest.mark.parametrize("args", [
    ("play", "connect4", "--hash", "0"),
    ("analyse", "connect4", "--hash", "1000000"),
    ("play", "othello", "--hash", "100000"),
    ("analyse", "chess", "--hash", "-5"),
    ("uci", "--hash", "0"),
    ("uci", "--hash", "100000"),
])
def test_out_of_range_hash_is_a_one_line_usage_error(args):
    """Before: a ValueError traceback (--hash 0) or an attempt to allocate 64 GiB or more."""
    result = CliRunner().invoke(main, list(args), input="quit\n")
    assert_usage_error(result, "--hash", "1<=x<=4096")


def test_positions_that_start_with_a_dash_are_arguments():
    """Before: ``No such option '-O'`` (or ``'--X...'``); a real unknown option is still one."""
    solved = CliRunner().invoke(main, ["solve", "othello", DASH_OTHELLO, "--json"])
    assert solved.exit_code == 0, solved.output
    record = json.loads(solved.output)
    assert record["position"] == DASH_OTHELLO and record["score"] == -14
    analysed = CliRunner().invoke(main, ["analyse", "othello", "--depth", "1", DASH_OTHELLO])
    assert analysed.exit_code == 0 and "bestmove" in analysed.output
    assert_usage_error(CliRunner().invoke(main, ["perft", START_FEN, "-1"]), "-1 is not in the range 0<=x<=20")
    assert_usage_error(CliRunner().invoke(main, ["analyse", "connect4", "--bogus"]), "No such option '--bogus'")
    # options keep their values, negative ones too, wherever the position is
    counted = CliRunner().invoke(main, ["perft", "--game", "othello", DASH_OTHELLO, "1", "--json"])
    assert counted.exit_code == 0 and json.loads(counted.output)["nodes"] > 0


def test_solve_errors_are_usage_errors_unless_others_in_the_batch_solve():
    alone = CliRunner().invoke(main, ["solve", "connect4", "4444444"])
    assert_usage_error(alone, "column 4 is full")
    assert "error: " not in alone.output
    batch = CliRunner().invoke(main, ["solve", "connect4", "4455", "4444444"])
    assert batch.exit_code == 1
    assert "score +18" in batch.output and "Error: 4444444: " in batch.output
    help_text = CliRunner().invoke(main, ["solve", "--help"]).output
    assert "exit status is 1" in " ".join(help_text.split())


def test_engines_list_shows_every_spec_with_game_kind_and_limits():
    result = run("engines", "list")
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["name", "game", "kind", "engine"]
    row = next(line.split() for line in lines if line.startswith("c4-negascout-d6 "))
    assert row[1:4] == ["connect4", "searchprune", "negascout"] and row[-1] == "depth=6"
    rows = [json.loads(line) for line in run("engines", "list", "--json", "--game", "chess").output.splitlines()]
    assert rows and {r["game"] for r in rows} == {"chess"}
    assert {"uci", "searchprune"} <= {r["kind"] for r in rows}


def test_nets_list_has_a_header():
    lines = run("nets", "list").output.splitlines()
    assert lines[0].split()[:4] == ["name", "game", "sizes", "layout"]
    assert any(line.startswith("connect4-mlp-h128-a730") for line in lines[1:])


def test_train_without_torch_says_how_this_project_installs(monkeypatch):
    monkeypatch.setitem(sys.modules, "searchprune.nets.train", None)  # importing it raises ImportError
    result = CliRunner().invoke(main, ["train", "connect4", "--data", ".", "--out", "unused"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ".venv/bin/pip install -e '.[nets]'" in result.output
    assert "searchprune[nets]" not in result.output


def test_a_random_bytes_net_file_is_not_a_net_file(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(bytes(range(256)) * 4)
    result = CliRunner().invoke(main, ["analyse", "connect4", "--depth", "1", "--net", str(junk)])
    assert_usage_error(result, "junk.npz: not a net file")
    assert "allow_pickle" not in result.output and "pickle" not in result.output


def test_net_of_another_game_reads_as_english():
    result = CliRunner().invoke(main, ["analyse", "othello", "--depth", "1", "--net", "chess-nnue-h128-b7f3"])
    assert_usage_error(result, "is a chess net, not an othello net")


def test_perft_help_has_no_raw_markup():
    text = run("perft", "--help").output
    assert "``" not in text and "Count the leaves" in text


def test_the_final_othello_board_does_not_say_who_is_to_move():
    from searchprune.games import get_game

    game = get_game("othello")
    state = game.parse_position(DASH_OTHELLO)
    while game.status(state) == 0:
        game.play(state, game.legal_moves(state)[0])
    board = game.render(state)
    assert "to move" not in board and "game over" in board
    assert "to move" in game.render(game.new_state())


def test_a_net_name_that_names_no_net_is_a_usage_error():
    assert_usage_error(CliRunner().invoke(main, ["nets", "show", "no-such-net"]), "no net named 'no-such-net'")
