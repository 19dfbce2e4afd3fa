"""Ctrl-C (SIGINT) sent to real subprocesses: each command answers at once, prints what it
has, saves what it must and exits 130; long solves also stop at ``--time`` / ``--nodes``.

The session fixture compiles (or loads) the chess and Othello kernels once, so that the
signals below reach searches, not compiles.
"""

from __future__ import annotations

import json
import os
import pty
import queue
import re
import select
import signal
import subprocess
import sys
import threading
import time

import chess
import chess.pgn
import pytest

CLI = [sys.executable, "-m", "searchprune.cli"]
#: Seconds from SIGINT to exit that a test accepts on a loaded machine (the benchmark,
#: bench/interrupt.py, measures the real figure; the target is 0.5 s).
EXIT_WITHIN = 2.0
#: 57 empties: never finishes, so only a signal or a limit ends it.
LONG_OTHELLO = "f5d6c3"


@pytest.fixture(scope="module", autouse=True)
def compiled():
    result = subprocess.run(CLI + ["warmup", "chess", "othello", "connect4"], capture_output=True, text=True,
                            timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


class Running:
    """A command whose stdout lines a thread queues (None at EOF)."""

    def __init__(self, args: list[str], stdin: str | None = None, cwd=None) -> None:
        self.proc = subprocess.Popen(CLI + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1, cwd=cwd)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        if stdin is not None:
            self.send(stdin)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, text: str) -> None:
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def until(self, pattern: str, timeout: float = 120) -> str:
        """Wait for a stdout line containing ``pattern`` (text before a prompt counts too)."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            assert line is not None, f"exited {self.proc.wait()} before {pattern!r}: {self.seen[-8:]} " \
                                     f"{self.proc.stderr.read()[-2000:]}"
            self.seen.append(line)
            if pattern in line:
                return line

    def interrupt(self) -> tuple[int, float, list[str], str]:
        """SIGINT; (exit code, seconds to exit, the rest of stdout, stderr)."""
        start = time.perf_counter()
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=30)
        elapsed = time.perf_counter() - start
        rest = []
        while (line := self.lines.get(timeout=10)) is not None:
            rest.append(line)
        return code, elapsed, rest, self.proc.stderr.read()


def test_analyse_prints_its_best_so_far_and_exits_130():
    run = Running(["analyse", "chess", "--time", "120"])
    run.until("depth   4")
    code, elapsed, rest, err = run.interrupt()
    assert code == 130, err
    assert elapsed < EXIT_WITHIN
    (last,) = [line for line in rest if line.startswith("interrupted after depth")]
    move = re.fullmatch(r"interrupted after depth (\d+): bestmove (\S+)", last).group(2)
    assert chess.Board().parse_san(move) in chess.Board().legal_moves
    assert "Traceback" not in err


def test_solve_othello_shows_progress_stops_with_its_bound_and_exits_130():
    """stderr is a terminal (a pty): the progress line shows; SIGINT once it has."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(CLI + ["solve", "othello", LONG_OTHELLO], stdout=subprocess.PIPE, stderr=terminal,
                            text=True)
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 120
    while b"M nodes/s" not in seen:  # the first progress line: the solve is running
        assert time.monotonic() < deadline and proc.poll() is None, seen
        if select.select([controller], [], [], 0.5)[0]:
            seen += os.read(controller, 4096)
    assert re.search(rb"nodes [\d,]+  [\d.]+ M nodes/s  [\d.]+ s  no bound yet", seen), seen
    start = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=30)
    elapsed = time.perf_counter() - start
    os.close(controller)
    assert code == 130
    assert elapsed < EXIT_WITHIN
    (line,) = proc.stdout.read().splitlines()
    assert line.startswith(f"{LONG_OTHELLO}  stopped (interrupted) after ") and "score >= " in line


@pytest.mark.parametrize("game, position, option, value, reason", [
    ("othello", LONG_OTHELLO, "--nodes", "200000", "nodes"),
    ("othello", LONG_OTHELLO, "--time", "0.5", "time"),
    ("connect4", "4", "--nodes", "200000", "nodes"),
])
def test_long_solves_stop_at_their_limits(game, position, option, value, reason):
    start = time.perf_counter()
    book = ["--no-book"] if game == "connect4" else []  # the opening book would answer "4" at once
    result = subprocess.run(CLI + ["solve", game, position, option, value, "--json", *book], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["stopped"] == reason
    if reason == "nodes":
        assert 200_000 <= record["nodes"] < 200_000 + 50_000  # the limit is read every 1024 nodes
    else:
        assert record["seconds"] < 1.5 and time.perf_counter() - start < 60


def test_a_short_solve_is_unchanged_by_the_limits():
    fforum = "ooooooooxooxxx--xxooxoo-xoxooo--xoooox--xooxoo--xooooo--xxxx---- o"
    plain = json.loads(subprocess.run(CLI + ["solve", "othello", fforum, "--json"], capture_output=True,
                                      text=True, timeout=120, check=True).stdout)
    limited = json.loads(subprocess.run(CLI + ["solve", "othello", fforum, "--json", "--time", "60"],
                                        capture_output=True, text=True, timeout=120, check=True).stdout)
    assert "stopped" not in plain and "stopped" not in limited
    assert (plain["score"], plain["best_moves"], plain["nodes"]) == \
           (limited["score"], limited["best_moves"], limited["nodes"])


def test_play_chess_saves_the_game_and_prints_the_resume_line(tmp_path):
    pgn = tmp_path / "game.pgn"
    run = Running(["play", "chess", "--time", "60", "--pgn", str(pgn), "--no-color"], stdin="e4\n")
    run.until("Black to move")  # the board after e4 is drawn: the engine thinks
    time.sleep(1.5)
    code, elapsed, rest, err = run.interrupt()
    assert code == 130, err
    assert elapsed < EXIT_WITHIN
    text = "\n".join(run.seen + rest)
    assert "Interrupted while the engine thought: its best so far was" in text
    (resume,) = [line for line in rest if "Resume with: searchprune play chess" in line]
    fen = resume.split("--position '")[1].rstrip("'")
    after_e4 = chess.Board()
    after_e4.push_san("e4")
    assert chess.Board(fen).board_fen() == after_e4.board_fen() and chess.Board(fen).turn == chess.BLACK
    assert f"Game saved to {pgn}" in text
    with open(pgn) as handle:
        game = chess.pgn.read_game(handle)
    assert [move.uci() for move in game.mainline_moves()] == ["e2e4"]
    assert "Traceback" not in err


def test_play_ctrl_c_at_the_prompt_also_saves(tmp_path):
    pgn = tmp_path / "game.pgn"
    run = Running(["play", "chess", "--depth", "1", "--pgn", str(pgn), "--no-color"], stdin="d4\n")
    run.until("Engine plays")
    time.sleep(0.5)  # back at the prompt, waiting for the person
    code, elapsed, rest, err = run.interrupt()
    assert code == 130, err
    assert elapsed < EXIT_WITHIN
    assert any("Resume with: searchprune play chess" in line for line in rest)
    with open(pgn) as handle:
        game = chess.pgn.read_game(handle)
    assert len(list(game.mainline_moves())) == 2


def test_uci_answers_the_running_go_and_exits_130():
    run = Running(["uci"], stdin="isready\n")
    run.until("readyok")
    run.send("position startpos\ngo infinite\n")
    run.until("info depth 3")
    code, elapsed, rest, err = run.interrupt()
    assert code == 130, err
    assert elapsed < EXIT_WITHIN
    assert len([line for line in rest if line.startswith("bestmove ")]) == 1
    assert "Traceback" not in err


def test_run_interruptibly_returns_the_best_so_far():
    """In-process: a KeyboardInterrupt in the waiting main thread stops the call through its flag."""
    from searchprune.search.interrupt import run_interruptibly

    stop = threading.Event()

    def work() -> str:
        stop.wait(30)
        return "best so far"

    threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    start = time.perf_counter()
    assert run_interruptibly(work, stop.set) == ("best so far", True)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("args", [["analyse", "chess", "--time", "5"], ["solve", "othello", LONG_OTHELLO],
                                  ["play", "chess", "--no-color"]], ids=["analyse", "solve", "play"])
def test_ctrl_c_during_a_cold_compile_exits_130_without_a_traceback(args, tmp_path):
    """A Numba compile that the signal interrupted in its own thread would break with a
    traceback: the compile runs in a worker, and Ctrl-C leaves it behind."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), SEARCHPRUNE_CACHE_DIR=str(tmp_path / "sp"))
    proc = subprocess.Popen(CLI + args + (["--pgn", str(tmp_path / "g.pgn")] if args[0] == "play" else []), env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)  # compiling (a chess or solver compile takes longer than this)
    start = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert time.perf_counter() - start < EXIT_WITHIN
    assert "Traceback" not in err and "Error" not in err
    if args[0] == "play":
        assert "Resume with: searchprune play chess" in out and (tmp_path / "g.pgn").exists()
