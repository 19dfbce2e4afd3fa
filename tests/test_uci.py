"""``searchprune uci``: proven against python-chess's UCI client and over raw pipes.

Every engine here is a real subprocess. The session fixture compiles the chess search
once (``searchprune warmup chess``) so that later engines load it from the disk cache.
"""

from __future__ import annotations

import io
import os
import queue
import random
import re
import statistics
import subprocess
import sys
import threading
import time

import chess
import chess.engine
import pytest

from searchprune.engines.strength import ELO_MAX, ELO_MIN, Strength
from searchprune.engines.timing import MAX_CLOCK_SHARE, OVERHEAD_MS, time_budget_ms
from searchprune.engines.uci import UciServer, parse_go, read_go, score_text
from searchprune.search.limits import Limit, SearchInfo
from searchprune.types import MATE

ENGINE = [sys.executable, "-m", "searchprune.cli", "uci"]
#: Seconds allowed for an engine's first answer (it loads the compiled search).
START_TIMEOUT = 120
#: Seconds allowed for any later answer.
TIMEOUT = 30
#: White mates in two, only by 1. Re8+ Rxe8 2. Rxe8#.
MATE_IN_2 = "r5k1/5ppp/8/8/8/8/4RPPP/4R1K1 w - - 0 1"
BESTMOVE = re.compile(r"bestmove (\(none\)|[a-h][1-8][a-h][1-8][qrbn]?)")


@pytest.fixture(scope="session", autouse=True)
def compiled_search():
    """Compile (or load) the chess search once, before any engine starts."""
    result = subprocess.run([sys.executable, "-m", "searchprune.cli", "warmup", "chess"],
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def engine():
    with chess.engine.SimpleEngine.popen_uci(ENGINE, timeout=START_TIMEOUT) as client:
        client.ping()
        client.timeout = TIMEOUT
        yield client


class RawEngine:
    """The engine over bare pipes; a thread queues its output lines (None at EOF)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(ENGINE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def until(self, predicate, timeout: float = TIMEOUT) -> list[str]:
        """Lines up to and including the first that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            assert line is not None, f"engine exited (code {self.proc.wait()}) after {seen[-5:]}"
            seen.append(line)
            if predicate(line):
                return seen

    def pending(self) -> list[str]:
        """The lines already read and not yet taken."""
        lines = []
        while not self.lines.empty():
            line = self.lines.get()
            assert line is not None, "engine exited"
            lines.append(line)
        return lines

    def ready(self, timeout: float = TIMEOUT) -> list[str]:
        """Send ``isready``; the lines up to ``readyok``."""
        self.send("isready")
        return self.until(lambda line: line == "readyok", timeout)

    def quit(self) -> int:
        self.send("quit")
        return self.proc.wait(timeout=TIMEOUT)


@pytest.fixture
def raw():
    engine = RawEngine()
    engine.ready(START_TIMEOUT)
    yield engine
    if engine.proc.poll() is None:
        engine.proc.kill()
        engine.proc.wait()


def bestmoves(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("bestmove")]


# -- pure parts ---------------------------------------------------------------------------
def test_time_budget_shares_the_clock_and_keeps_a_margin():
    assert time_budget_ms(60_000, 0, None) == 2000 - OVERHEAD_MS
    assert time_budget_ms(60_000, 1000, 10) == 6000 + 750 - OVERHEAD_MS
    assert time_budget_ms(1000, 5000, None) == MAX_CLOCK_SHARE * 1000 - OVERHEAD_MS
    assert time_budget_ms(10, 0, None) == 1


def test_parse_go_limits():
    assert parse_go(["depth", "4", "nodes", "900"], True) == (Limit(depth=4, nodes=900), False)
    assert parse_go(["wtime", "30000", "btime", "1000"], False)[0].time == 0.001  # black: the floor
    limit, infinite = parse_go(["wtime", "30000", "btime", "60000", "movetime", "500"], False)
    assert limit.time == pytest.approx(0.45) and not infinite
    assert parse_go(["infinite"], True) == (Limit(), True)
    assert parse_go([], True) == (Limit(), True)


def test_strength_levels_weaken_with_lower_elo():
    weak, strong = Strength(ELO_MIN), Strength(ELO_MAX)
    assert weak.depth < strong.depth and weak.nodes < strong.nodes and weak.temperature > strong.temperature
    assert weak.limit(Limit(time=1.0)) == Limit(depth=weak.depth, nodes=weak.nodes, time=1.0)
    with pytest.raises(ValueError):
        Strength(ELO_MIN - 1)
    lines = [SearchInfo(depth=3, seldepth=3, score=score, nodes=1, time=0.1, pv=[move])
             for move, score in ((1, 50), (2, 30), (3, -60))]
    rng = random.Random(7)
    weak_picks = [weak.choose(lines, rng).pv[0] for _ in range(400)]
    strong_picks = [strong.choose(lines, rng).pv[0] for _ in range(400)]
    assert 0 < weak_picks.count(3) < weak_picks.count(2) < weak_picks.count(1)
    assert strong_picks.count(1) > weak_picks.count(1) + 50 and strong_picks.count(3) < weak_picks.count(3)
    mate = [SearchInfo(depth=3, seldepth=3, score=MATE - 3, nodes=1, time=0.1, pv=[9])] + lines
    assert all(weak.choose(mate, rng).pv == [9] for _ in range(50))


def test_uci_elo_interpolates_the_measured_points():
    from searchprune.engines.strength import CALIBRATION

    for elo, skill in CALIBRATION:
        assert Strength(elo)._t == pytest.approx(skill)
    (elo_a, skill_a), (elo_b, skill_b) = CALIBRATION[:2]
    assert Strength((elo_a + elo_b) // 2)._t == pytest.approx((skill_a + skill_b) / 2, abs=0.002)
    assert [Strength(e).nodes for e in range(ELO_MIN, ELO_MAX + 1, 50)] == \
        sorted(Strength(e).nodes for e in range(ELO_MIN, ELO_MAX + 1, 50))


def test_mate_scores_are_in_moves():
    assert score_text(37) == "cp 37"
    assert score_text(MATE - 1) == "mate 1"
    assert score_text(MATE - 3) == "mate 2"
    assert score_text(-(MATE - 2)) == "mate -1"


def test_session_in_process_over_text_streams():
    out = io.StringIO()
    UciServer(io.StringIO("uci\nisready\nposition startpos moves e2e4\ngo depth 2\nisready\n"), out).run()
    lines = out.getvalue().splitlines()
    assert lines[0] == "id name searchprune" and "uciok" in lines and lines.count("readyok") == 2
    (best,) = bestmoves(lines)
    board = chess.Board()
    board.push_uci("e2e4")
    assert chess.Move.from_uci(best.split()[1]) in board.legal_moves


# -- python-chess's client ----------------------------------------------------------------
def test_identifies_itself_and_its_options(engine):
    assert engine.id["name"] == "searchprune"
    assert engine.options["Hash"].type == "spin" and engine.options["Hash"].default == 16
    for name in ("NullMove", "LMR", "Futility", "Quiescence", "CheckExtension", "MateDistance"):
        assert engine.options[name].type == "check" and engine.options[name].default is True


def test_play_depth_gives_a_legal_move(engine):
    board = chess.Board()
    board.push_uci("e2e4")
    result = engine.play(board, chess.engine.Limit(depth=3))
    assert result.move in board.legal_moves


def test_analyse_reports_score_and_pv(engine):
    board = chess.Board("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3")
    info = engine.analyse(board, chess.engine.Limit(depth=4))
    assert info["depth"] == 4 and info["nodes"] > 0 and info["seldepth"] >= 4
    assert info["score"].relative.score() is not None
    assert len(info["pv"]) >= 1 and info["pv"][0] in board.legal_moves


def test_movetime_is_kept(engine):
    board = chess.Board()
    start = time.perf_counter()
    result = engine.play(board, chess.engine.Limit(time=0.2))
    assert result.move in board.legal_moves
    assert time.perf_counter() - start < 1.0


def test_node_limit_is_kept(engine):
    board = chess.Board("r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1")
    result = engine.play(board, chess.engine.Limit(nodes=20_000), info=chess.engine.INFO_ALL)
    assert result.move in board.legal_moves
    assert 0 < result.info["nodes"] <= 20_000


def test_clocked_game_never_runs_out_of_time(engine):
    """The engine plays both sides on a short clock; each move is timed by the test."""
    board = chess.Board()
    clocks = {chess.WHITE: 2.0, chess.BLACK: 2.0}
    increment = 0.1
    for _ in range(20):
        if board.is_game_over():
            break
        limit = chess.engine.Limit(white_clock=clocks[chess.WHITE], black_clock=clocks[chess.BLACK],
                                   white_inc=increment, black_inc=increment)
        start = time.perf_counter()
        result = engine.play(board, limit)
        clocks[board.turn] -= time.perf_counter() - start
        assert clocks[board.turn] > 0, f"flag fell at ply {board.ply()}"
        clocks[board.turn] += increment
        assert result.move in board.legal_moves
        board.push(result.move)


def test_finds_and_plays_mate_in_two(engine):
    board = chess.Board(MATE_IN_2)
    info = engine.analyse(board, chess.engine.Limit(depth=5))
    assert info["score"].relative == chess.engine.Mate(2)
    assert engine.play(board, chess.engine.Limit(depth=5)).move == chess.Move.from_uci("e2e8")


def test_being_mated_is_a_negative_mate(engine):
    board = chess.Board(MATE_IN_2)
    board.push_uci("e2e8")
    info = engine.analyse(board, chess.engine.Limit(depth=4))
    assert info["score"].relative == chess.engine.Mate(-1)


def test_no_legal_move_is_bestmove_none(engine):
    board = chess.Board("7k/6Q1/6K1/8/8/8/8/8 b - - 0 1")  # checkmated
    assert engine.play(board, chess.engine.Limit(depth=2)).move is None  # python-chess reads (none) as None


@pytest.mark.parametrize("fen, moves", [
    ("8/8/8/4k3/8/8/8/4K3 w - - 0 1", []),  # dead material
    ("4k3/8/8/8/8/8/4P3/4K3 w - - 100 80", []),  # the 50-move rule
    (chess.STARTING_FEN, ["g1f3", "g8f6", "f3g1", "f6g8"] * 2),  # threefold repetition
])
def test_drawn_by_rule_still_gets_a_legal_move(engine, fen, moves):
    board = chess.Board(fen)
    for move in moves:
        board.push_uci(move)
    assert board.is_insufficient_material() or board.can_claim_draw()
    assert engine.play(board, chess.engine.Limit(depth=3)).move in board.legal_moves


def test_configure_hash_and_switches(engine):
    engine.configure({"Hash": 8, "NullMove": False, "Quiescence": False})
    board = chess.Board()
    assert engine.play(board, chess.engine.Limit(depth=3)).move in board.legal_moves
    engine.configure({"Hash": 16, "NullMove": True, "Quiescence": True})


def test_multipv_gives_distinct_lines_with_sound_scores(engine):
    board = chess.Board("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3")
    infos = engine.analyse(board, chess.engine.Limit(depth=5), multipv=3)
    assert [info["multipv"] for info in infos] == [1, 2, 3]
    firsts = [info["pv"][0] for info in infos]
    assert len(set(firsts)) == 3 and all(move in board.legal_moves for move in firsts)
    scores = [info["score"].relative.score() for info in infos]
    assert scores == sorted(scores, reverse=True) and all(abs(score) < 300 for score in scores)
    single = engine.analyse(board, chess.engine.Limit(depth=5))
    assert single["score"].relative.score() == pytest.approx(scores[0], abs=60)
    mate = engine.analyse(chess.Board(MATE_IN_2), chess.engine.Limit(depth=5), multipv=2)
    assert mate[0]["score"].relative == chess.engine.Mate(2) and mate[0]["pv"][0] == chess.Move.from_uci("e2e8")
    assert mate[1]["score"].relative.score() is not None  # the other moves do not mate


def test_searchmoves_restricts_the_root(engine):
    board = chess.Board(MATE_IN_2)
    allowed = [chess.Move.from_uci("h2h3"), chess.Move.from_uci("g2g4")]
    result = engine.play(board, chess.engine.Limit(depth=4), root_moves=allowed)
    assert result.move in allowed


def test_go_mate_finds_the_mate(engine):
    board = chess.Board(MATE_IN_2)
    info = engine.analyse(board, chess.engine.Limit(mate=2))
    assert info["score"].relative == chess.engine.Mate(2) and info["depth"] <= 3
    assert info["pv"][0] == chess.Move.from_uci("e2e8")


def test_gui_options_are_offered_and_accepted(engine):
    options = engine.options
    assert options["MultiPV"].type == "spin" and options["MultiPV"].default == 1
    assert options["Threads"].min == options["Threads"].max == 1
    assert options["Move Overhead"].type == "spin" and options["Clear Hash"].type == "button"
    assert options["UCI_LimitStrength"].type == "check" and options["UCI_Elo"].type == "spin"
    assert options["Ponder"].type == "check"
    engine.configure({"Move Overhead": 200, "Threads": 1, "Clear Hash": None})
    board = chess.Board()
    assert engine.play(board, chess.engine.Limit(depth=2)).move in board.legal_moves
    engine.configure({"Move Overhead": 50})


def test_move_overhead_is_kept_back():
    assert read_go(["movetime", "1000"], True, overhead_ms=300).limit.time == pytest.approx(0.7)
    assert read_go(["wtime", "60000"], True, overhead_ms=0).limit.time == pytest.approx(2.0)
    assert read_go(["mate", "3"], True).limit == Limit(depth=5)
    go = read_go(["searchmoves", "e2e4", "d2d4", "depth", "3", "ponder"], True)
    assert go.searchmoves == ("e2e4", "d2d4") and go.ponder and go.limit == Limit(depth=3)


def test_ponder_then_ponderhit_through_python_chess(engine):
    """python-chess ponders on the expected reply and sends ponderhit when it comes."""
    board = chess.Board()
    game = object()
    first = engine.play(board, chess.engine.Limit(time=0.2), ponder=True, game=game)
    assert first.ponder is not None
    board.push(first.move)
    board.push(first.ponder)
    start = time.perf_counter()
    second = engine.play(board, chess.engine.Limit(time=0.2), ponder=True, game=game)  # sends ponderhit
    assert second.move in board.legal_moves and time.perf_counter() - start < 2.0
    board.push(second.move)
    assert engine.play(board, chess.engine.Limit(depth=2)).move in board.legal_moves  # stops the ponder


def test_limited_strength_plays_legal_and_varied_moves():
    with chess.engine.SimpleEngine.popen_uci(ENGINE, timeout=START_TIMEOUT) as weak:
        weak.configure({"UCI_LimitStrength": True, "UCI_Elo": ELO_MIN})
        board = chess.Board("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3")
        moves = {weak.play(board, chess.engine.Limit(time=0.1)).move for _ in range(12)}
        assert moves <= set(board.legal_moves) and len(moves) >= 2
        weak.configure({"UCI_Elo": ELO_MAX})  # a forced mate is always taken
        assert weak.play(chess.Board(MATE_IN_2), chess.engine.Limit(time=0.3)).move == chess.Move.from_uci("e2e8")


# -- raw protocol -------------------------------------------------------------------------
def test_handshake_and_go_without_position(raw):
    raw.send("uci")
    lines = raw.until(lambda line: line == "uciok")
    assert lines[0] == "id name searchprune" and any(line.startswith("option name Hash") for line in lines)
    raw.send("go depth 2")
    (best,) = bestmoves(raw.until(lambda line: line.startswith("bestmove")))
    assert chess.Move.from_uci(best.split()[1]) in chess.Board().legal_moves
    assert raw.quit() == 0


def test_stop_ends_infinite_search_with_one_bestmove(raw):
    raw.send("position startpos moves d2d4")
    raw.send("go infinite")
    raw.until(lambda line: line.startswith("info depth 2"))
    time.sleep(0.2)
    assert not bestmoves(raw.pending()), "go infinite answered before stop"
    raw.send("stop")
    lines = raw.ready()
    assert len(bestmoves(lines)) == 1 and BESTMOVE.fullmatch(bestmoves(lines)[0])
    raw.send("stop")  # nothing is running: no second bestmove
    assert not bestmoves(raw.ready())
    assert raw.quit() == 0


def test_infinite_bestmove_waits_for_stop_after_a_proven_mate(raw):
    raw.send(f"position fen {MATE_IN_2}")
    raw.send("go infinite")
    raw.until(lambda line: " score mate 2 " in line)  # proven: the search itself is over
    time.sleep(0.3)
    assert not bestmoves(raw.pending()), "go infinite answered before stop"
    raw.send("stop")
    assert bestmoves(raw.ready()) == ["bestmove e2e8"]
    assert raw.quit() == 0


def test_isready_is_answered_during_a_search(raw):
    raw.send("go infinite")
    raw.until(lambda line: line.startswith("info depth"))
    assert not bestmoves(raw.ready())
    raw.send("stop")
    assert len(bestmoves(raw.ready())) == 1
    assert raw.quit() == 0


def test_new_position_stops_the_search_first(raw):
    raw.send("go infinite")
    raw.until(lambda line: line.startswith("info depth"))
    raw.send("position startpos moves e2e4")
    raw.send("go depth 2")
    lines = raw.until(lambda line: line.startswith("bestmove")) + raw.until(lambda line: line.startswith("bestmove"))
    first, second = (line.split()[1] for line in bestmoves(lines))
    assert chess.Move.from_uci(first) in chess.Board().legal_moves
    after = chess.Board()
    after.push_uci("e2e4")
    assert chess.Move.from_uci(second) in after.legal_moves


def test_bad_input_gets_one_error_line_and_keeps_the_position(raw):
    raw.send(f"position fen {MATE_IN_2}")
    for command in (f"position fen {MATE_IN_2} moves e2e8 g8h8", "position startpos moves e2e4 0000",
                    "position fen 8/8/8 w", "position fen", "flip", "setoption name Ponder value perhaps",
                    "position fen 4k3/8/8/8/8/8/4P3/4K3 w - - 0 99999999999999999999",
                    "setoption name Hash value lots", "setoption name LMR value perhaps"):
        raw.send(command)
        lines = raw.ready()
        assert len(lines) == 2 and lines[0].startswith("info string error: "), (command, lines)
    raw.send("go depth 3")
    assert bestmoves(raw.until(lambda line: line.startswith("bestmove"))) == ["bestmove e2e8"]


def test_ponder_waits_for_ponderhit_then_keeps_its_clock(raw):
    raw.send("setoption name Ponder value true")
    raw.send("position startpos moves e2e4 e7e5")
    raw.send("go ponder wtime 3000 btime 3000")
    raw.until(lambda line: line.startswith("info depth 3"))
    time.sleep(0.5)
    assert not bestmoves(raw.pending()), "go ponder answered before ponderhit"
    raw.send("ponderhit")
    start = time.monotonic()
    (best,) = bestmoves(raw.until(lambda line: line.startswith("bestmove")))
    assert time.monotonic() - start < 1.0  # 3 s / 30 moves, less the overhead
    words = best.split()
    assert len(words) == 4 and words[2] == "ponder"
    raw.send("go ponder depth 30")
    raw.until(lambda line: line.startswith("info depth 2"))
    raw.send("stop")  # the opponent played another move: bestmove at once
    assert len(bestmoves(raw.ready())) == 1
    assert raw.quit() == 0


def test_mated_and_stalemated_answer_bestmove_none_and_bad_options_one_line(raw):
    for fen in ("7k/6Q1/6K1/8/8/8/8/8 b - - 0 1", "7k/5Q2/6K1/8/8/8/8/8 b - - 0 1"):
        raw.send(f"position fen {fen}")
        raw.send("go depth 3")
        assert bestmoves(raw.until(lambda line: line.startswith("bestmove"))) == ["bestmove (none)"]
    for command in ("setoption name Threads value 4", "setoption name MultiPV value 0",
                    "setoption name UCI_Elo value 100", "setoption name Move Overhead value -1",
                    "go searchmoves e2e4"):
        raw.send(command)
        lines = raw.ready()
        assert lines[0].startswith("info string error: "), (command, lines)
    assert raw.quit() == 0


def test_end_of_input_stops_the_search_and_exits(raw):
    raw.send("go infinite")
    raw.until(lambda line: line.startswith("info depth"))
    raw.proc.stdin.close()
    assert raw.proc.wait(timeout=TIMEOUT) == 0
    rest = []
    while (line := raw.lines.get(timeout=TIMEOUT)) is not None:
        rest.append(line)
    assert len(bestmoves(rest)) == 1


# -- fuzz ---------------------------------------------------------------------------------
def _random_board(rng: random.Random) -> chess.Board:
    board = chess.Board()
    for _ in range(rng.randrange(0, 60)):
        moves = list(board.legal_moves)
        if not moves:
            break
        board.push(rng.choice(moves))
    return board


def _valid_position(rng: random.Random) -> tuple[str, chess.Board]:
    board = _random_board(rng)
    moves = " ".join(move.uci() for move in board.move_stack)
    if rng.random() < 0.5:
        return f"position startpos moves {moves}".strip(), board
    return f"position fen {board.fen()}", board.copy(stack=False)


def _illegal_move(rng: random.Random, board: chess.Board) -> str:
    while True:
        text = rng.choice(["0000", "e2e5", "a1a1", "e7e8q", "zz99", "e1g1", "h2h1n", "d1d8"])
        try:
            if chess.Move.from_uci(text) not in board.legal_moves or not chess.Move.from_uci(text):
                return text
        except chess.InvalidMoveError:
            return text


def _invalid_position(rng: random.Random) -> str:
    board = _random_board(rng)
    kind = rng.randrange(5)
    if kind == 0:  # a FEN cut inside its piece placement
        placement = board.fen().split()[0]
        fen = placement[:rng.randrange(1, len(placement))]
        with pytest.raises(ValueError):
            chess.Board(fen)
        return f"position fen {fen}"
    if kind == 1:
        moves = " ".join(move.uci() for move in board.move_stack)
        return f"position startpos moves {moves} {_illegal_move(rng, board)}"
    if kind == 2:
        return f"position fen {board.fen()} moves {_illegal_move(rng, board)}"
    return rng.choice(["position", "position fen", "position startpos e2e4", "position fen moves e2e4",
                       "position kiwipete", f"position fen {rng.random()}"])


def _go(rng: random.Random) -> tuple[str, bool]:
    """A ``go`` command and whether it is malformed."""
    good = [f"go depth {rng.randrange(1, 4)}", f"go nodes {rng.randrange(1, 5000)}",
            f"go movetime {rng.randrange(1, 60)}", "go infinite", "go",
            f"go wtime {rng.randrange(-50, 3000)} btime {rng.randrange(-50, 3000)} winc 10 binc 10",
            f"go btime 500 wtime 500 movestogo {rng.randrange(1, 40)}", "go depth 2 movetime 30"]
    bad = ["go depth", "go depth x", "go nodes 0", "go nodes -5", "go movetime 1e3", "go wtime",
           "go searchmoves", "go mate 0", "go movestogo 0 wtime 100", "go 12",
           f"go nodes {10**30}", f"go movetime {10**20}"]
    if rng.random() < 0.75:
        return rng.choice(good), False
    return rng.choice(bad), True


def _noise(rng: random.Random) -> tuple[str, bool]:
    """Anything else: a command and whether it is malformed (gets an error line)."""
    words = "".join(rng.choice("abcxyz0189/-") for _ in range(rng.randrange(1, 12)))
    options = [(f"#{words}", True), (f"{rng.randrange(10**6)}", True), ("", False), ("stop", False),
               ("ucinewgame", False), ("setoption name Hash value 4", False),
               ("setoption name Hash value 0", True), ("setoption name Futility value false", False),
               ("setoption name Futility value on", True), ("setoption name Ponder value yes", True),
               ("setoption", True), ("debug on", False), (f"isready {words}", False)]
    return rng.choice(options)


def test_fuzzed_command_stream():
    """Random and malformed commands: alive, one legal bestmove per go, one error per bad line."""
    rng = random.Random(20240521)
    engine = RawEngine()
    engine.ready(START_TIMEOUT)
    expected = chess.Board()
    go_boards: list[chess.Board] = []
    errors = 0
    sent = []
    for _ in range(400):
        roll = rng.random()
        if roll < 0.2:
            command, expected = _valid_position(rng)
        elif roll < 0.35:
            command = _invalid_position(rng)
            errors += 1
        elif roll < 0.65:
            command, malformed = _go(rng)
            go_boards.append(expected.copy())
            errors += malformed
        else:
            command, malformed = _noise(rng)
            errors += malformed
        engine.send(command)
        sent.append(command)
        if rng.random() < 0.3:
            time.sleep(rng.random() * 0.02)
    engine.send("stop")
    engine.send("isready")
    lines = []
    for _ in range(sum(command.startswith("isready") for command in sent) + 1):  # one readyok each
        lines += engine.until(lambda line: line == "readyok", TIMEOUT * 2)
    assert engine.quit() == 0

    moves = bestmoves(lines)
    assert all(BESTMOVE.fullmatch(line) for line in moves), [line for line in moves if not BESTMOVE.fullmatch(line)]
    assert len(moves) == len(go_boards)
    for line, board in zip(moves, go_boards):
        move = line.split()[1]
        if any(board.legal_moves):
            assert chess.Move.from_uci(move) in board.legal_moves, (board.fen(), move)
        else:
            assert move == "(none)", board.fen()
    assert sum(line.startswith("info string error: ") for line in lines) == errors
    assert all(line.startswith(("info ", "bestmove ", "readyok")) for line in lines), lines


# -- start-up and latency -----------------------------------------------------------------
def test_go_movetime_100_answers_within_150_ms_after_readyok(raw):
    raw.send("position startpos moves e2e4 e7e5")
    latencies = []
    for _ in range(10):
        start = time.perf_counter()
        raw.send("go movetime 100")
        raw.until(lambda line: line.startswith("bestmove"))
        latencies.append(time.perf_counter() - start)
    # The median: a shared test machine may deschedule the process now and then.
    assert statistics.median(latencies) < 0.150, latencies
    assert raw.quit() == 0


def test_cold_cache_engine_moves_within_python_chess_default_timeouts(tmp_path):
    """A fresh NUMBA_CACHE_DIR and SEARCHPRUNE_CACHE_DIR (everything compiles) and
    python-chess's default timeouts (10 s to start, 10 s + the move's time to play): the
    engine answers readyok and its first move in time, from the search if the compile is
    done, else from the quick move it plays while compiling."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), SEARCHPRUNE_CACHE_DIR=str(tmp_path / "sp"))
    start = time.perf_counter()
    client = chess.engine.SimpleEngine.popen_uci(ENGINE, env=env)
    try:
        client.ping()  # what a tournament does before the first game (engines.external)
        board = chess.Board()
        before = time.perf_counter()
        result = client.play(board, chess.engine.Limit(time=0.1), game=object())
        # this play's ucinewgame + isready + go came in on the move's clock: a tournament
        # kills an engine silent for 1.2 s on a 0.1 s move, so isready must not wait again
        assert time.perf_counter() - before < 1.2
        assert result.move in board.legal_moves
        assert time.perf_counter() - start < 20  # within the two default timeouts
    finally:
        client.quit()



def test_quick_move_while_compiling_takes_a_mate_or_the_best_capture():
    """What a cold engine plays when a timed go comes before its search has compiled."""
    from searchprune.engines.uci import quick_move

    assert quick_move(chess.Board("6k1/5ppp/8/8/8/8/5PPP/R5K1 w - - 0 1")) == "a1a8"  # mate in one
    assert quick_move(chess.Board("4k3/8/8/3q4/4P3/8/8/4K3 w - - 0 1")) == "e4d5"  # pawn takes queen
    assert quick_move(chess.Board("7k/6Q1/6K1/8/8/8/8/8 b - - 0 1")) == "(none)"  # mated
    board = chess.Board()
    assert chess.Move.from_uci(quick_move(board)) in board.legal_moves
