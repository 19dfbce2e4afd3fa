"""The net training loop: learning, early stopping, determinism, resume, reports.

Data are synthetic but real positions: random games of the actual game, labelled with
a fixed linear function of the net's own input features, so a small net can learn the
label and a test can tell learning from noise in a few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from searchprune.games.registry import get_game
from searchprune.nets.dataset import SOURCE_EXACT, load_dataset, save_shard
from searchprune.evaluation.features import MAX_ACTIVE, N_INPUTS, active_features
from searchprune.evaluation.store import load_net
from searchprune.nets.train import CHECKPOINT, TrainConfig, prepare_data, train
from searchprune.types import ONGOING

torch.set_num_threads(1)

#: Centipawn value of pawn..king as chess feature type 0..5 (king: none, always both).
PIECE_CP = np.array([100, 300, 320, 500, 900, 0])


def connect4_label(features: np.ndarray, weights: np.ndarray) -> float:
    """A Pons-range score that is a linear function of the stones (learnable)."""
    own, theirs = features[features < 42], features[features >= 42] - 42
    return float(np.clip(np.round(weights[own].sum() - weights[theirs].sum()), -21, 21))


def chess_label(features: np.ndarray) -> float:
    """Material balance for the side to move, in centipawns."""
    own = features < 384
    values = PIECE_CP[(features % 384) // 64]
    return float(values[own].sum() - values[~own].sum())


def write_data(folder: Path, game_name: str, games: int, seed: int, max_plies: int = 60) -> Path:
    """Random games of ``game_name`` as a data folder (two shards plus config.json)."""
    game = get_game(game_name)
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-1.5, 1.5, 42)
    rows: dict[str, list] = {k: [] for k in ("features", "score", "result", "game", "ply", "position", "source")}
    for g in range(games):
        state = game.new_state()
        for ply in range(max_plies):
            if game.status(state) != ONGOING:
                break
            active = active_features(game_name, state)
            padded = np.full(MAX_ACTIVE[game_name], -1, dtype=np.int16)
            padded[:active.size] = active
            score = connect4_label(active, weights) if game_name == "connect4" else chess_label(active)
            rows["features"].append(padded)
            rows["score"].append(score)
            rows["result"].append(np.sign(score))
            rows["game"].append(g)
            rows["ply"].append(ply)
            rows["position"].append(game.format_position(state))
            rows["source"].append(SOURCE_EXACT)
            moves = game.legal_moves(state)
            game.play(state, moves[rng.integers(len(moves))])
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"game": game_name}))
    arrays = {"features": np.stack(rows["features"]), "score": np.array(rows["score"], np.float32),
              "result": np.array(rows["result"], np.float32), "game": np.array(rows["game"], np.int64),
              "ply": np.array(rows["ply"], np.int16), "position": np.array(rows["position"]),
              "source": np.array(rows["source"], np.int8)}
    half = len(arrays["score"]) // 2
    for i, part in enumerate((slice(0, half), slice(half, None))):
        save_shard(folder / f"shard-{i:05d}.npz", {k: v[part] for k, v in arrays.items()})
    return folder


@pytest.fixture(scope="module")
def c4_data(tmp_path_factory) -> Path:
    return write_data(tmp_path_factory.mktemp("c4") / "data", "connect4", games=300, seed=1)


def c4_config(**changes) -> TrainConfig:
    settings = {"game": "connect4", "hidden": 16, "epochs": 3, "batch_size": 256, "lr": 3e-3, "patience": 50,
                "threads": 1}
    return TrainConfig(**{**settings, **changes})


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_learns_a_learnable_target_and_keeps_the_best_epoch(c4_data, tmp_path):
    result = train(c4_config(epochs=8), [c4_data], tmp_path / "run", progress=False)
    val_losses = [h["val_loss"] for h in result.history]
    assert len(result.history) == 8
    assert result.history[-1]["train_loss"] < 0.5 * result.history[0]["train_loss"]
    _, _, val = prepare_data(c4_config(), [c4_data])
    baseline = float(np.var(val.score / 22.0))  # loss of always predicting the mean
    assert result.metrics["loss"] < 0.2 * baseline
    assert result.metrics["sign_agreement"] > 0.8
    assert result.metrics["mae"] < 2.0  # in Pons units; labels span -21..21
    assert result.best_epoch == int(np.argmin(val_losses)) + 1
    assert result.metrics["loss"] == pytest.approx(min(val_losses), rel=1e-5)


def test_early_stopping_after_patience_epochs_without_improvement(c4_data, tmp_path):
    # lr 0: the validation loss never improves after the first epoch.
    result = train(c4_config(epochs=20, patience=2, lr=0.0), [c4_data], tmp_path / "run", progress=False)
    assert [h["epoch"] for h in result.history] == [1, 2, 3]
    assert result.best_epoch == 1
    report = json.loads(result.report.read_text())
    assert report["stopped_early"] is True and report["epochs_run"] == 3


def test_lr_drop_lowers_the_rate_after_each_epoch_without_improvement(c4_data, tmp_path):
    # lr 0 would never change; a huge rate makes the loss worse after the first epoch
    result = train(c4_config(epochs=4, lr=5.0, lr_drop=0.5), [c4_data], tmp_path / "run", progress=False)
    rates = [h["lr"] for h in result.history]
    worse = [h["val_loss"] >= min(g["val_loss"] for g in result.history[:i]) for i, h in enumerate(result.history)
             if i > 0]
    expected = [5.0, 5.0]  # the rate of each epoch: the first always improves on nothing
    for got_worse in worse[:-1]:
        expected.append(expected[-1] * (0.5 if got_worse else 1.0))
    assert any(worse) and rates == expected
    train(c4_config(epochs=2, lr_drop=0.5), [c4_data], tmp_path / "resumed", progress=False)
    resumed = train(c4_config(epochs=4, lr_drop=0.5), [c4_data], tmp_path / "resumed", resume=True, progress=False)
    straight = train(c4_config(epochs=4, lr_drop=0.5), [c4_data], tmp_path / "straight", progress=False)
    assert [h["lr"] for h in resumed.history] == [h["lr"] for h in straight.history]
    assert same_weights(resumed.model.state_dict(), straight.model.state_dict())


def test_same_seed_and_data_give_identical_weights(c4_data, tmp_path):
    a = train(c4_config(epochs=2), [c4_data], tmp_path / "a", progress=False)
    b = train(c4_config(epochs=2), [c4_data], tmp_path / "b", progress=False)
    c = train(c4_config(epochs=2, seed=1), [c4_data], tmp_path / "c", progress=False)
    assert same_weights(a.model.state_dict(), b.model.state_dict())
    assert [h["val_loss"] for h in a.history] == [h["val_loss"] for h in b.history]
    assert not same_weights(a.model.state_dict(), c.model.state_dict())


def test_resume_gives_the_weights_of_a_straight_run(c4_data, tmp_path):
    train(c4_config(epochs=2), [c4_data], tmp_path / "resumed", progress=False)
    resumed = train(c4_config(epochs=4), [c4_data], tmp_path / "resumed", resume=True, progress=False)
    straight = train(c4_config(epochs=4), [c4_data], tmp_path / "straight", progress=False)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
    assert [h["train_loss"] for h in resumed.history] == [h["train_loss"] for h in straight.history]
    assert resumed.best_epoch == straight.best_epoch
    assert same_weights(resumed.model.state_dict(), straight.model.state_dict())
    last = [torch.load(tmp_path / run / CHECKPOINT, weights_only=True)["model"] for run in ("resumed", "straight")]
    assert same_weights(*last)


def test_refuses_to_overwrite_a_run_and_to_resume_with_other_settings(c4_data, tmp_path):
    out = tmp_path / "run"
    train(c4_config(epochs=1), [c4_data], out, progress=False)
    before = (out / CHECKPOINT).read_bytes()
    with pytest.raises(ValueError, match="already holds a training run") as info:
        train(c4_config(epochs=1), [c4_data], out, progress=False)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="other settings.*lr") as info:
        train(c4_config(epochs=2, lr=1e-2), [c4_data], out, resume=True, progress=False)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="nothing to resume"):
        train(c4_config(epochs=1), [c4_data], tmp_path / "empty", resume=True, progress=False)
    assert (out / CHECKPOINT).read_bytes() == before


def test_validation_positions_come_from_held_out_games(c4_data, tmp_path):
    data, train_data, val_data = prepare_data(c4_config(val_fraction=0.2), [c4_data])
    assert not set(train_data.game) & set(val_data.game)
    assert not set(train_data.position) & set(val_data.position)
    assert len(train_data) + len(val_data) == len(data) == len(load_dataset([c4_data]))
    assert 0.1 < len(set(val_data.game)) / len(set(data.game)) < 0.3
    result = train(c4_config(epochs=1, val_fraction=0.2), [c4_data], tmp_path / "run", progress=False)
    reported = json.loads(result.report.read_text())["data"]
    assert (reported["train_positions"], reported["val_positions"]) == (len(train_data), len(val_data))
    assert result.metrics["positions"] == len(val_data)


def test_reports_and_export(c4_data, tmp_path):
    out, nets = tmp_path / "run", tmp_path / "nets"
    result = train(c4_config(epochs=2), [c4_data], out, progress=False, export_to=nets, parent="base-net")
    report = json.loads((out / "report.json").read_text())
    assert result.report == out / "report.json"
    assert set(report) >= {"config", "data", "history", "best_epoch", "stopped_early", "seconds", "metrics", "net"}
    assert report["config"]["hidden"] == 16 and report["data"]["positions"] > 1000
    assert [h["epoch"] for h in report["history"]] == [1, 2]
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "](loss.png)" in (out / "report.md").read_text()
    assert result.net_path is not None and report["net"] == str(result.net_path)
    net = load_net(result.net_path)
    manifest = net.manifest
    assert manifest["parent"] == "base-net"
    assert manifest["training"]["best_epoch"] == result.best_epoch and manifest["training"]["lr"] == 3e-3
    assert manifest["metrics"]["loss"] == pytest.approx(result.metrics["loss"])


def test_chess_metrics_are_in_centipawns_and_win_probability(tmp_path):
    data = write_data(tmp_path / "data", "chess", games=40, seed=2, max_plies=40)
    config = TrainConfig(game="chess", hidden=8, epochs=2, batch_size=128, threads=1)
    result = train(config, [data], tmp_path / "run", progress=False)
    metrics = result.metrics
    assert metrics["mae_cp"] is not None and metrics["mae_cp"] >= 0
    assert 0 < metrics["mae_cp_positions"] <= metrics["positions"]
    assert 0 <= metrics["wdl_mse"] < 1
    assert metrics["loss"] == pytest.approx(min(h["val_loss"] for h in result.history), rel=1e-5)
    assert N_INPUTS["chess"] == result.model.l1.in_features


@pytest.mark.parametrize("changes", [{"patience": 0}, {"epochs": 0}, {"batch_size": 0}, {"lr": -1.0},
                                     {"result_weight": 2.0}, {"game": "tictactoe"}, {"lr_drop": 0.0},
                                     {"lr_drop": 1.5}])
def test_settings_that_would_train_nothing_are_refused(changes):
    with pytest.raises(ValueError):
        c4_config(**changes)
