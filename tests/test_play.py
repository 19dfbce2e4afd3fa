"""``searchprune play``: the clock, resuming from a PGN, the prompt's commands and line editing.

Games are driven through piped stdin (click's runner or a real subprocess), and the
clock's time source is faked where a flag must fall.
"""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time

import chess.pgn
import pytest
from click.testing import CliRunner

from searchprune.cli import main
from searchprune.engines.clock import Clock, TimeControl, format_clock
from searchprune.games import get_game
from searchprune.play import PlayOptions, PlaySession
from searchprune.search.limits import Limit


def run(args: list[str], text: str):
    return CliRunner().invoke(main, args, input=text, catch_exceptions=False)


# -- time controls and the clock ------------------------------------------------------------
@pytest.mark.parametrize("text, control", [
    ("5+3", TimeControl(300, 3)),
    ("0:30+1", TimeControl(30, 1)),
    ("40/300", TimeControl(300, 0, 40)),
    ("40/5:00+5", TimeControl(300, 5, 40)),
    ("300", TimeControl(300)),
    ("2.5+0.5", TimeControl(150, 0.5)),
])
def test_time_controls_as_people_say_them(text, control):
    assert TimeControl.parse(text) == control


@pytest.mark.parametrize("text", ["", "5+", "+3", "abc", "0", "0+1", "40/", "0/300", "99999999"])
def test_unreadable_time_controls_are_refused(text):
    with pytest.raises(ValueError):
        TimeControl.parse(text)


def test_clock_charges_adds_the_increment_and_starts_new_periods():
    now = [0.0]
    clock = Clock(TimeControl(60, 2, moves=2), now=lambda: now[0])
    clock.start(0)
    now[0] = 10
    assert clock.left(0) == 50 and clock.stop() and clock.remaining[0] == 52
    clock.start(1)
    now[0] = 11
    assert clock.stop() and clock.remaining[1] == 61
    clock.start(0)
    now[0] = 21
    assert clock.moves_to_go(0) == 1
    assert clock.stop() and clock.remaining[0] == 52 - 10 + 2 + 60  # the second period's time
    clock.start(1)
    now[0] = 200
    assert clock.flagged(1) and not clock.stop()
    assert format_clock(65) == "1:05" and format_clock(3.25) == "0:03.2" and format_clock(3700) == "1:01:40"


def test_engine_budget_is_its_own_clocks_share():
    clock = Clock(TimeControl(300, 3))
    assert 5 < clock.budget(1) < 15  # 300 s / 30 moves + most of the increment, less the overhead


# -- playing -------------------------------------------------------------------------------
def test_clock_is_shown_and_commands_work(tmp_path):
    saved = tmp_path / "now.pgn"
    result = run(["play", "chess", "--tc", "40/300", "--depth", "2", "--pgn", str(tmp_path / "end.pgn")],
                 f"moves\nflip\ne4\nsave {saved}\n\x1b[A\nquit\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Clock: 5:00 for 40 moves, then again" in out
    assert "Clock: White 5:00 *   Black 5:00" in out and "Black" in out
    assert "Legal moves (20): Na3, Nc3, Nf3, Nh3, a3, a4" in out
    assert "   h g f e d c b a" in out  # flipped
    assert "control key, not a move" in out and "illegal move" not in out
    record = chess.pgn.read_game(io.StringIO(saved.read_text()))
    assert record.headers["TimeControl"] == "40/300"
    assert next(move.uci() for move in record.mainline_moves()) == "e2e4"
    assert not (tmp_path / "end.pgn").exists()  # save FILE: like "save as", the record at the end goes there too
    assert f"Game saved to {saved}" in out.split("Game left unfinished")[1]


def test_bad_time_control_is_a_usage_error():
    result = CliRunner().invoke(main, ["play", "chess", "--tc", "5 minutes"], input="quit\n")
    assert result.exit_code == 2 and "unreadable time control" in result.output
    result = CliRunner().invoke(main, ["play", "chess", "--tc", "5+3", "--time", "1"], input="quit\n")
    assert result.exit_code == 2 and "not both" in result.output


class _SlowInput(io.StringIO):
    """Piped moves, each typed ``seconds`` after its prompt on a fake clock."""

    def __init__(self, text: str, now: list[float], seconds: float) -> None:
        super().__init__(text)
        self.now, self.seconds = now, seconds

    def readline(self, *args) -> str:
        self.now[0] += self.seconds
        return super().readline(*args)


def _session(position: str, text: str, seconds: float, tmp_path, tc: str = "1+0") -> tuple[str, str]:
    now = [0.0]
    game = get_game("chess")
    out = io.StringIO()
    options = PlayOptions(limit=Limit(depth=1), time_control=TimeControl.parse(tc),
                          record_path=str(tmp_path / "game.pgn"))
    PlaySession(game, options, _SlowInput(text, now, seconds), out, game.parse_position(position),
                now=lambda: now[0]).run()
    return out.getvalue(), (tmp_path / "game.pgn").read_text()


def test_the_person_loses_on_time(tmp_path):
    out, pgn = _session("", "e4\n", 61, tmp_path)
    assert "White loses on time: Black wins." in out
    record = chess.pgn.read_game(io.StringIO(pgn))
    assert record.headers["Result"] == "0-1" and record.headers["Termination"] == "time forfeit"
    assert not list(record.mainline_moves())  # the late move is not played


def test_a_fallen_flag_against_a_bare_king_is_a_draw(tmp_path):
    out, pgn = _session("4k3/8/8/8/8/8/8/3QK3 w - - 0 1", "Qd7+\n", 61, tmp_path)
    assert "cannot mate: draw" in out and '[Result "1/2-1/2"]' in pgn


def test_moves_in_time_keep_playing(tmp_path):
    out, _ = _session("", "e4\nd4\nquit\n", 5, tmp_path)
    assert "loses on time" not in out and out.count("Engine plays") == 2
    # Each move took 5 s of the person's (fake) wall time; the engine's real time is tiny.
    assert "Clock: White 0:55 *" in out and "Clock: White 0:50 *" in out


def test_resume_from_pgn_keeps_the_history(tmp_path):
    old = tmp_path / "old.pgn"
    old.write_text('[Event "?"]\n\n1. Nf3 Nf6 2. Ng1 Ng8 3. Nf3 Nf6 4. Ng1 *\n')
    new = tmp_path / "new.pgn"
    result = run(["play", "chess", "--side", "second", "--depth", "1", "--position", str(old), "--pgn", str(new)],
                 "Ng8\n")
    assert result.exit_code == 0, result.output
    assert "Draw (threefold repetition)." in result.output  # the start position's third time
    record = chess.pgn.read_game(io.StringIO(new.read_text()))
    assert len(list(record.mainline_moves())) == 8 and record.headers["Result"] == "1/2-1/2"


def test_resume_from_a_bad_pgn_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.pgn"
    bad.write_text("1. e4 e5 2. Ke3 *\n")
    result = CliRunner().invoke(main, ["play", "chess", "--position", str(bad)], input="quit\n")
    assert result.exit_code == 2 and "bad.pgn" in result.output
    result = CliRunner().invoke(main, ["play", "chess", "--position", str(tmp_path / "none.pgn")], input="quit\n")
    assert result.exit_code == 2 and "cannot read" in result.output


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_arrow_keys_edit_at_a_terminal(tmp_path):
    """At a terminal the prompt is readline's: Up recalls the last line instead of
    reaching the game as ``'\\x1b[A'``."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "searchprune.cli", "play", "chess", "--depth", "1", "--no-color",
                             "--pgn", str(tmp_path / "g.pgn")], stdin=slave, stdout=slave, stderr=slave,
                            close_fds=True, env={**os.environ, "TERM": "xterm"})
    os.close(slave)
    seen = b""

    def read_until(marker: bytes, count: int) -> None:
        nonlocal seen
        deadline = time.monotonic() + 300
        while seen.count(marker) < count and time.monotonic() < deadline:
            if select.select([master], [], [], 1)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break

    try:
        read_until(b"Your move", 1)
        os.write(master, b"e4\r")
        read_until(b"Your move", 2)
        os.write(master, b"\x1b[A\r")  # Up: "e4" again, now illegal
        read_until(b"illegal move", 1)
        os.write(master, b"quit\r")
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    text = seen.decode(errors="replace")
    assert "illegal move 'e4'" in text and "\\x1b" not in text, text[-2000:]


@pytest.mark.parametrize("text", ["5+3", "40/300", "300", "0.5+0.1"])
def test_a_time_control_option_reads_back_as_itself(text):
    from searchprune.engines.clock import TimeControl

    control = TimeControl.parse(text)
    assert TimeControl.parse(control.option()) == control


def test_the_banner_and_the_resume_line_keep_the_engine_options():
    from searchprune.games import get_game
    from searchprune.play import PlayOptions, PlaySession
    from searchprune.search.limits import Limit

    out = io.StringIO()
    options = PlayOptions(limit=Limit(time=0.05), tt_mb=8, net="connect4-mlp-h128-q8-796fd59e7e5b")
    PlaySession(get_game("connect4"), options, io.StringIO("quit\n"), out).run()
    text = out.getvalue()
    assert "engine: --time 0.05 --hash 8 --net connect4-mlp-h128-q8-796fd59e7e5b" in text
    resume = next(line for line in text.splitlines() if "Resume with" in line)
    assert "--time 0.05" in resume and "--hash 8" in resume and "--net connect4-mlp-h128-q8-796fd59e7e5b" in resume
