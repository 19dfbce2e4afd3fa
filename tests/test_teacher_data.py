"""Chess data at scale: the packed record format and teacher self-play generation.

The format is checked against python-chess (the oracle for what a position is); the
generation runs with ``tests/uci_random_engine.py`` as the teacher, so it needs no
Stockfish: that engine reports its material balance as its score, which the labels
must then equal.
"""

from __future__ import annotations

import sys
from pathlib import Path

import chess
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import uci_random_engine  # noqa: E402
from chess_boards import random_boards  # noqa: E402

from searchprune.nets import packed, teacher_games  # noqa: E402

RANDOM_TEACHER = f"{sys.executable} {Path(__file__).with_name('uci_random_engine.py')}"


def _random_boards(count: int, seed: int = 0) -> list[chess.Board]:
    return random_boards(count, seed, (1, 120))


def test_a_record_is_32_bytes():
    assert packed.RECORD.itemsize == 32


def test_pack_unpack_round_trip_against_python_chess():
    boards = _random_boards(300) + [chess.Board("r3k2r/8/8/3pP3/8/8/8/R3K2R w KQkq d6 0 1"),
                                    chess.Board("4k3/8/8/8/3Pp3/8/8/4K3 b - d3 0 40")]
    for i, board in enumerate(boards):
        record = packed.pack(board, score=i - 150, result=i % 3)
        back, score, result = packed.unpack(record)
        assert back.piece_map() == board.piece_map()
        assert back.turn == board.turn and back.castling_rights == board.clean_castling_rights()
        assert back.ep_square == board.ep_square
        assert back.halfmove_clock == board.halfmove_clock and back.fullmove_number == board.fullmove_number
        assert (score, result) == (i - 150, i % 3)
    assert any(b.ep_square is not None for b in boards) and any(b.castling_rights for b in boards)


def test_scores_are_clipped():
    assert packed.unpack(packed.pack(chess.Board(), 99_999, packed.WIN))[1] == packed.SCORE_CLIP
    assert packed.unpack(packed.pack(chess.Board(), -99_999, packed.LOSS))[1] == -packed.SCORE_CLIP


def test_piece_squares_unpacks_many_like_python_chess():
    boards = _random_boards(200, seed=1)
    records = np.array([packed.pack(b, 0, packed.DRAW) for b in boards], dtype=packed.RECORD)
    squares, codes = packed.piece_squares(records)
    for board, row_squares, row_codes in zip(boards, squares, codes):
        got = {int(s): int(c) for s, c in zip(row_squares, row_codes) if s >= 0}
        expected = {s: (0 if p.color == chess.WHITE else 6) + p.piece_type - 1 for s, p in board.piece_map().items()}
        assert got == expected
        assert np.all(row_codes[len(got):] == -1) and np.all(row_squares[len(got):] == -1)


def test_position_keys_ignore_labels_and_counters():
    board = chess.Board("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3")
    other = board.copy()
    other.halfmove_clock, other.fullmove_number = 7, 30
    black = board.copy()
    black.turn = chess.BLACK
    records = np.array([packed.pack(board, 10, packed.WIN), packed.pack(other, -50, packed.LOSS),
                        packed.pack(black, 10, packed.WIN)], dtype=packed.RECORD)
    keys = packed.position_keys(records)
    assert keys[0] == keys[1] and keys[0] != keys[2]


def _generate(out: Path, games: int = 4, **options) -> dict:
    options = {"teacher": RANDOM_TEACHER, "max_plies": 40, "random_plies": [2, 3], **options}
    return teacher_games.generate(out, games=games, shard_games=2, seed=3, concurrency=1, progress=False, **options)


def test_generation_labels_quiet_positions_with_the_teachers_score(tmp_path):
    summary = _generate(tmp_path / "d")
    assert summary["shards"] == 2 and summary["written"] == 2 and summary["games"] == 4
    records = teacher_games.load([tmp_path / "d"])
    assert len(records) == summary["positions"] > 20
    for record in records:
        board, score, result = packed.unpack(record)
        assert board.is_valid() and not board.is_check()
        # the random teacher's score is its material balance (a mate in one is clipped)
        assert score in (uci_random_engine.material(board), packed.SCORE_CLIP)
        assert result in (packed.LOSS, packed.DRAW, packed.WIN)


def test_generation_resumes_and_is_reproducible(tmp_path):
    _generate(tmp_path / "d")
    first = (tmp_path / "d" / "shard-00001.bin").read_bytes()
    (tmp_path / "d" / "shard-00001.bin").unlink()
    summary = _generate(tmp_path / "d")
    assert summary["written"] == 1
    assert (tmp_path / "d" / "shard-00001.bin").read_bytes() == first
    assert _generate(tmp_path / "d", games=6)["written"] == 1  # more games extend the run


def test_other_settings_are_refused_in_one_line(tmp_path):
    _generate(tmp_path / "d", games=2)
    with pytest.raises(teacher_games.DataError, match="other settings .*nodes"):
        _generate(tmp_path / "d", games=2, nodes=5)


def test_a_teacher_that_crashes_keeps_the_shards_written(tmp_path):
    with pytest.raises(teacher_games.DataError, match="cannot run the teacher"):
        _generate(tmp_path / "x", teacher="/nonexistent/fish")
    with pytest.raises(teacher_games.DataError, match="failed .*run again"):
        _generate(tmp_path / "y", games=4, teacher=f"{RANDOM_TEACHER} --crash-at 30")
