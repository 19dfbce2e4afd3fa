"""UCI engines in tournaments: the engine wrapper, chess PGN, faults, the shipped
openings and Stockfish specs.

Everything but the last test runs without Stockfish, against ``uci_random_engine.py``
(random legal moves, mates in one, misbehaviour on request).
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
from pathlib import Path

import chess
import chess.engine
import chess.pgn
import pytest

from searchprune.arena.executors import Executors
from searchprune.arena.match import Adjudication
from searchprune.arena.tournament import Tournament, run
from searchprune.engines.engine import make_engine
from searchprune.engines.external import UNTIMED_DEADLINE, centipawns
from searchprune.engines.spec import SpecError, available, load_spec, spec_from_dict
from searchprune.engines.timing import TIME_FACTOR, TIME_MARGIN
from searchprune.games import get_game
from searchprune.games.chess.game import board_with_history
from searchprune.paths import repo_root
from searchprune.types import MATE, MATE_BOUND

RANDOM_ENGINE = Path(__file__).resolve().parent / "uci_random_engine.py"
STOCKFISH = "/usr/games/stockfish"
OPENINGS = ["startpos moves e2e4 e7e5 g1f3 b8c6 f1b5 a7a6",
            "r1bqkb1r/pppp1ppp/2n2n2/4p3/2B1P3/5N2/PPPP1PPP/RNBQK2R w KQkq - 4 4"]
SCORE_COMMENT = re.compile(r"^[+-](\d+\.\d\d|M\d+)/\d+ \d+\.\d{3}s$")


def uci_spec(name: str, *flags: str, **limits):
    return spec_from_dict({"kind": "uci", "command": f"{sys.executable} {RANDOM_ENGINE} {' '.join(flags)}",
                           "limits": limits or {"time": 0.1}, "uci_options": {"Seed": 7}}, default_name=name)


def ours(name: str, depth: int):
    return spec_from_dict({"game": "chess", "limits": {"depth": depth}, "hash_mb": 1}, default_name=name)


def alive(pid: int) -> bool:
    """Is ``pid`` a process, zombies included (a zombie is a child nobody waited for)?"""
    return Path(f"/proc/{pid}").exists()


def engine_processes() -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(RANDOM_ENGINE).encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


def test_uci_scores_become_centipawns_and_mate_distances():
    assert centipawns(chess.engine.Cp(35)) == 35
    assert centipawns(chess.engine.Mate(3)) == MATE - 5  # mate with the mover's 3rd move: 5 plies
    assert centipawns(chess.engine.Mate(-2)) == -(MATE - 4)
    assert centipawns(chess.engine.Cp(10**6)) == MATE_BOUND - 1


def test_the_engine_gets_every_move_a_repetition_can_reach():
    game = get_game("chess")
    text = "startpos moves e2e4 e7e5 g1f3 b8c6 f3g1 c6b8 g1f3 b8c6 f3g1"
    full = game.parse_board(text)
    board = board_with_history(game.parse_position(text))
    # history starts after 1...e5, the last pawn move: no earlier position can recur
    assert [m.uci() for m in board.move_stack] == text.split()[4:]
    assert board.root().fen() == game.parse_board("startpos moves e2e4 e7e5").fen()
    assert board.fen() == full.fen()
    assert board.is_repetition(2) and not board.is_repetition(3)
    board.push_uci("c6b8")
    assert board.is_repetition(3)  # what a UCI engine needs to see to avoid or seek the draw
    fen = "8/8/4k3/8/8/4K3/8/4R3 w - - 37 80"
    board = board_with_history(game.parse_position(f"{fen} moves e3d3 e6d5"))
    assert board.root().fen() == fen and len(board.move_stack) == 2 and board.halfmove_clock == 39


def test_a_uci_engine_plays_reports_and_leaves_no_process():
    engine = make_engine(uci_spec("rnd"))
    pid = engine.process.transport.get_pid()
    game = get_game("chess")
    state = game.parse_position("6k1/5ppp/8/8/8/8/8/R5K1 w - - 0 1")
    info = engine.play(state)
    assert game.format_move(state, info.move) == "Ra8#"
    assert (info.score, info.depth, info.nodes) == (MATE - 1, 1, len(game.legal_moves(state)))
    engine.close()
    assert not alive(pid)
    engine.close()  # closing twice is harmless


def test_limits_give_the_mover_its_own_clock_and_a_deadline():
    engine = make_engine(uci_spec("clocked", clock=60, increment=0.5))
    try:
        limit, deadline, _ = engine._limit(chess.BLACK, 3.0)
        assert (limit.black_clock, limit.black_inc, limit.white_clock, limit.time) == (3.0, 0.5, None, None)
        assert deadline == 3.0 + TIME_MARGIN  # past it the move is lost on time anyway
        engine.spec = uci_spec("timed", time=0.25, depth=9)
        limit, deadline, _ = engine._limit(chess.WHITE, None)
        assert (limit.time, limit.depth, limit.white_clock) == (0.25, 9, None)
        assert deadline == TIME_FACTOR * 0.25 + TIME_MARGIN
        engine.spec = uci_spec("nodes", nodes=500)
        limit, deadline, _ = engine._limit(chess.WHITE, None)
        assert (limit.nodes, limit.time, deadline) == (500, None, UNTIMED_DEADLINE)
    finally:
        engine.close()


def test_a_hung_engine_is_killed_once_its_move_is_overdue():
    engine = make_engine(uci_spec("hang", "--hang-at", "1"))
    pid = engine.process.transport.get_pid()
    start = time.perf_counter()
    with pytest.raises(TimeoutError, match=r"no move after 1.20 s \(0.1 s a move\): engine killed"):
        engine.play(get_game("chess").new_state())
    assert time.perf_counter() - start < 3
    engine.close()
    assert not alive(pid)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"command": "/nonexistent/engine"}, "cannot run '/nonexistent/engine': No such file or directory"),
        ({"command": f"{sys.executable} -c pass"}, "is not a working UCI engine: EngineTerminatedError"),
        ({"uci_options": {"Nope": 1}}, "bad \\[uci_options\\]: engine does not support option Nope"),
        ({"uci_options": {"Seed": -1}}, "bad \\[uci_options\\]: expected value for option 'Seed' to be at least 0"),
        ({"game": "connect4"}, "uci engines play chess, not connect4"),
    ],
)
def test_engines_that_cannot_start_get_one_line_spec_errors(data, message):
    spec = spec_from_dict({"kind": "uci", "command": f"{sys.executable} {RANDOM_ENGINE}", "limits": {"depth": 1},
                           **data})
    with pytest.raises(SpecError, match=message) as info:
        make_engine(spec)
    assert "\n" not in str(info.value)
    assert not engine_processes()


def check_pgn(text: str, records: list[dict]) -> None:
    """Each record's PGN reads back, replays legally and says what the record says."""
    stream = io.StringIO(text)
    by_key = {(r["round"] + 1, r["leg"] + 1): r for r in records}
    count = 0
    while (game := chess.pgn.read_game(stream)) is not None:
        count += 1
        assert not game.errors, game.errors
        record = by_key[tuple(int(x) for x in game.headers["Round"].split("."))]
        assert (game.headers["White"], game.headers["Black"]) == (record["first"], record["second"])
        assert game.headers["Result"] == record["result"]
        assert game.headers["Termination"] == record["termination"]
        assert ("FEN" in game.headers) == (not record["opening"].startswith("startpos"))
        nodes = list(game.mainline())
        book = [n for n in nodes if n.comment == "book"]
        assert int(game.headers["PlyCount"]) == len(nodes) == len(book) + len(record["moves"])
        assert game.board().fen() == game.headers.get("FEN", chess.STARTING_FEN)
        board = game.board()
        for node in book:
            board.push(node.move)
        assert board.fen() == get_game("chess").parse_board(record["opening"]).fen()
        for node, move in zip(nodes[len(book):], record["moves"]):
            assert board.is_legal(node.move) and board.san(node.move) == move["move"]
            board.push(node.move)
            if move["score"] is not None:
                assert SCORE_COMMENT.match(node.comment), node.comment
        if record["termination"] == "normal":
            assert board.outcome(claim_draw=True).result() == record["result"]
    assert count == len(records)


def test_a_chess_tournament_against_a_uci_engine(tmp_path):
    engines = [ours("sp-d2", 2), uci_spec("uci-random")]
    event = Tournament(game="chess", engines=engines, openings=OPENINGS, rounds=2,
                       adjudication=Adjudication(max_plies=150))
    outcome = run(event, tmp_path, Executors(engines, concurrency=2))
    assert outcome.complete and len(outcome.records) == 4
    table = {s.name: s for s in outcome.standings}
    assert table["sp-d2"].points + table["uci-random"].points == 4
    assert table["sp-d2"].losses == 0 and table["sp-d2"].wins >= 2
    for pair in (0, 1):
        leg0, leg1 = sorted((r for r in outcome.records if r["pair"] == pair), key=lambda r: r["leg"])
        assert leg0["opening"] == leg1["opening"] == OPENINGS[pair]
        assert (leg0["first"], leg0["second"]) == (leg1["second"], leg1["first"])
    uci_moves = [m for r in outcome.records for m in r["moves"][1 - (r["first"] == "uci-random")::2]]
    assert uci_moves and all(m["depth"] == 1 and m["nodes"] > 0 and m["score"] is not None for m in uci_moves)
    check_pgn((tmp_path / "games.pgn").read_text(), outcome.records)
    assert not engine_processes()


@pytest.mark.parametrize(
    ("flag", "reason"),
    [("--crash-at", "crashed: EngineTerminatedError: engine process died unexpectedly (exit code: 3)"),
     ("--hang-at", "lost on time: no move after 1.20 s (0.1 s a move): engine killed"),
     ("--illegal-at", "crashed: EngineError: illegal uci")],
)
def test_a_misbehaving_uci_engine_loses_and_the_tournament_goes_on(tmp_path, flag, reason):
    engines = [ours("sp-d1", 1), uci_spec("bad", flag, "3")]
    outcome = run(Tournament(game="chess", engines=engines, openings=OPENINGS[:1], rounds=1), tmp_path,
                  Executors(engines, concurrency=1))
    assert len(outcome.records) == 2
    for record in outcome.records:
        assert record["result"] == ("0-1" if record["first"] == "bad" else "1-0")
        assert record["termination"].startswith("bad " + reason)
        assert len(record["moves"]) in (4, 5)  # two moves each, then the bad engine's third never came
    check_pgn((tmp_path / "games.pgn").read_text(), outcome.records)
    assert not engine_processes()


def test_an_engine_still_loading_is_waited_for_off_the_clock(tmp_path):
    """An engine whose readyok takes 2 s (a cold ``searchprune uci`` takes about 4) plays
    0.1 s moves without losing on time: the client waits for readyok before any clock
    runs (the first move's ucinewgame + isready used to count against its 1.2 s)."""
    engines = [ours("sp-d1", 1), uci_spec("slow-start", "--ready-delay", "2")]
    outcome = run(Tournament(game="chess", engines=engines, openings=OPENINGS[:1], rounds=1,
                             adjudication=Adjudication(max_plies=12)), tmp_path, Executors(engines, concurrency=1))
    assert [r["termination"] for r in outcome.records] == ["adjudication: move limit (12 plies)"] * 2


def test_an_engine_that_cannot_start_loses_every_game(tmp_path):
    engines = [ours("sp-d1", 1), spec_from_dict({"kind": "uci", "command": "/nonexistent/engine",
                                                  "limits": {"depth": 1}}, default_name="ghost")]
    outcome = run(Tournament(game="chess", engines=engines, openings=OPENINGS, rounds=2), tmp_path,
                  Executors(engines, concurrency=1))
    assert len(outcome.records) == 4
    assert all(r["termination"] == "ghost failed to start: engine ghost: cannot run '/nonexistent/engine': "
                                   "No such file or directory" for r in outcome.records)
    assert {s.name: s.points for s in outcome.standings} == {"sp-d1": 4, "ghost": 0}


def test_the_shipped_chess_openings_are_distinct_balanced_lines():
    game = get_game("chess")
    lines = [line for line in (repo_root() / "games" / "chess" / "openings.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(lines) == 50
    positions = set()
    for line in lines:
        opening, evidence = line.split("#")
        board = game.parse_board(opening)
        assert 8 <= len(board.move_stack) <= 10 and not board.is_game_over()
        positions.add(board.epd())
        assert abs(int(evidence.rsplit(" ", 1)[1])) <= 60
    assert len(positions) == 50


@pytest.mark.skipif(not os.access(STOCKFISH, os.X_OK), reason=f"Stockfish is not installed at {STOCKFISH}")
def test_stockfish_specs_start_and_stockfish_beats_a_shallow_search(tmp_path):
    names = [n for n in available() if n.startswith("sf-")]
    assert names
    for name in names:  # every shipped option (UCI_Elo range, names) is accepted by this Stockfish
        engine = make_engine(load_spec(name))
        pid = engine.process.transport.get_pid()
        engine.close()
        assert not alive(pid)
    engines = [load_spec("sf-nodes1000"), ours("sp-d2", 2)]
    outcome = run(Tournament(game="chess", engines=engines, openings=OPENINGS[:1], rounds=1,
                             adjudication=Adjudication(max_plies=300)), tmp_path, Executors(engines, concurrency=2))
    assert len(outcome.records) == 2
    assert {s.name: s for s in outcome.standings}["sf-nodes1000"].points >= 1.5
    sf_moves = [m for r in outcome.records for m in r["moves"][1 - (r["first"] == "sf-nodes1000")::2]]
    assert all(m["depth"] and m["nodes"] >= 1000 and m["score"] is not None for m in sf_moves)
    check_pgn((tmp_path / "games.pgn").read_text(), outcome.records)
