"""The chess NNUE trainer: its features against the engine's own, learning, and resuming.

Features are checked against ``searchprune.evaluation.features`` on positions set up
through python-chess, so the trainer and the engine agree on what an input means.
"""

from __future__ import annotations

import sys
from pathlib import Path

import chess
import numpy as np
import pytest
import torch

from searchprune.evaluation.features import chess_active_from
from searchprune.games import get_game
from searchprune.nets import nnue, packed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chess_boards import material_records  # noqa: E402


def test_features_are_the_engines_features():
    game = get_game("chess")
    records = material_records(60, seed=1)
    stm, nstm = nnue.feature_indices(records)
    for record, ours, theirs in zip(records, stm, nstm):
        board = packed.unpack(record)[0]
        state = game.parse_position(board.fen())
        buf = np.full(32, -1, dtype=np.int64)
        mover = 0 if board.turn == chess.WHITE else 1
        for perspective, row in ((mover, ours), (1 - mover, theirs)):
            n = chess_active_from(state, perspective, buf)
            assert sorted(buf[:n].tolist()) == sorted(int(i) for i in row if i != nnue.PAD)


def test_targets_blend_score_and_result():
    board = chess.Board()
    records = np.array([packed.pack(board, 0, packed.WIN), packed.pack(board, 400, packed.LOSS)], dtype=packed.RECORD)
    assert nnue.targets(records, 0.0) == pytest.approx([0.5, 1 / (1 + np.exp(-1))])
    assert nnue.targets(records, 1.0) == pytest.approx([1.0, 0.0])


def test_training_learns_material(tmp_path):
    records = material_records(3000)
    config = nnue.NnueConfig(width=16, epochs=12, batch_size=64, lr=3e-3, wdl=0.0, val_fraction=0.2, threads=1)
    _, val = nnue.split(records, config.val_fraction)
    target = nnue.targets(val, 0.0)
    constant = float(np.mean((target - target.mean()) ** 2))  # the best a net blind to the board can do
    run = nnue.train(config, records, tmp_path / "run", progress=False)
    assert run["history"][-1]["val_loss"] < 0.5 * constant
    assert (tmp_path / "run" / "loss.png").exists() and (tmp_path / "run" / "history.json").exists()
    assert float(run["model"].l2.weight.detach().abs().max()) <= nnue.L2_CLIP + 1e-6


def test_a_stopped_run_resumes_to_the_same_weights(tmp_path):
    records = material_records(600, seed=2)
    config = nnue.NnueConfig(width=8, epochs=2, batch_size=100, seed=5, threads=1, val_fraction=0.1)
    straight = nnue.train(config, records, tmp_path / "a", progress=False)["model"]
    first = nnue.train(config, records, tmp_path / "b", progress=False, stop_after=7)
    assert first["step"] == 7 < first["steps"]
    resumed = nnue.train(config, records, tmp_path / "b", progress=False, resume=True)["model"]
    for name, tensor in straight.state_dict().items():
        assert torch.equal(tensor, resumed.state_dict()[name]), name


def test_a_run_folder_is_not_overwritten_or_resumed_with_other_settings(tmp_path):
    records = material_records(200, seed=3)
    config = nnue.NnueConfig(width=8, epochs=1, batch_size=100, threads=1, val_fraction=0.1)
    nnue.train(config, records, tmp_path / "a", progress=False)
    with pytest.raises(ValueError, match="holds a run"):
        nnue.train(config, records, tmp_path / "a", progress=False)
    with pytest.raises(ValueError, match="other settings"):
        nnue.train(nnue.NnueConfig(width=9, epochs=1, batch_size=100, threads=1, val_fraction=0.1), records,
                   tmp_path / "a", progress=False, resume=True)
