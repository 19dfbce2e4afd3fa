"""Pruning the two-perspective chess net (``searchprune.nets.prune.dual``), issue 18.

Oracles: torch's own forward pass of the full-width model with the pruned units or
weights zeroed (``masked``), and the torch-free runtime's evaluation of the exported
file against torch; criteria are judged on a small net trained on material balance,
against the random baseline.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from searchprune.evaluation import formats, infer
from searchprune.evaluation.store import read_net
from searchprune.games import get_game
from searchprune.nets import nnue, packed
from searchprune.nets.prune import dual

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chess_boards import material_records, random_dual_model  # noqa: E402


def _outputs(model: nnue.ChessNnue, records: np.ndarray) -> torch.Tensor:
    stm, nstm = nnue.feature_indices(records)
    with torch.no_grad():
        return model(torch.from_numpy(stm), torch.from_numpy(nstm))


def _runtime_outputs(path: Path, records: np.ndarray) -> np.ndarray:
    net = read_net(path)
    params, game = infer.pack(net), get_game("chess")
    out = []
    for record in records:
        state = game.parse_position(packed.unpack(record)[0].fen())
        infer.chess_dual_net_reset(state, params)
        out.append(float(infer.chess_dual_forward(state, params)))
    return np.array(out)


@pytest.fixture(scope="module")
def positions():
    return material_records(200, seed=11)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A width-24 net trained on material balance, with its training records."""
    records = material_records(3000, seed=4)
    config = nnue.NnueConfig(width=24, epochs=10, batch_size=64, lr=3e-3, wdl=0.0, val_fraction=0.2, threads=1)
    run = nnue.train(config, records, tmp_path_factory.mktemp("run"), progress=False)
    return run["model"], records, config


@pytest.mark.parametrize("criterion", ["l1", "random", "taylor", "obd", "activation"])
def test_shrink_equals_the_masked_full_width_net(criterion, positions):
    model = random_dual_model(32)
    batches = dual.calibration(positions, 128)
    keep = dual.units_to_keep(dual.unit_scores(model, criterion, batches), 13)
    small = dual.shrink(model, keep)
    assert small.width == 13
    assert torch.allclose(_outputs(small, positions), _outputs(dual.masked(model, keep), positions), atol=1e-6)
    # and it is not the full net: a unit that mattered is gone
    assert not torch.allclose(_outputs(small, positions), _outputs(model, positions), atol=1e-3)


def test_a_shrunk_net_runs_in_the_runtime_at_its_odd_width(tmp_path, positions):
    model = random_dual_model(32, seed=3)
    small = dual.shrink(model, dual.units_to_keep(dual.unit_scores(model, "l1"), 13))
    path = nnue.export(small, tmp_path)
    assert read_net(path).manifest["sizes"] == [768, 13, 32, 1, 2]
    assert np.abs(_runtime_outputs(path, positions) - _outputs(small, positions).numpy()).max() < 1e-5
    loaded = nnue.load_model(read_net(path))
    assert torch.equal(_outputs(loaded, positions), _outputs(small, positions))


@pytest.mark.parametrize("fmt", ["csr", "2:4"])
def test_l2_masks_export_in_their_sparse_format(fmt, tmp_path, positions):
    model = random_dual_model(32, seed=5)
    mask = dual.l2_masks(model, "unstructured" if fmt == "csr" else "2:4", amount=0.75)
    dual.hold(mask)(model, 0)
    weights = model.l2.weight.detach().numpy()
    if fmt == "2:4":
        assert formats.is_24(weights) and int(mask.sum()) == mask.numel() // 2
    else:
        assert int((weights == 0).sum()) == round(0.75 * weights.size)
    path = nnue.export(model, tmp_path, fmt=fmt)
    assert read_net(path).format == fmt
    assert np.abs(_runtime_outputs(path, positions) - _outputs(model, positions).numpy()).max() < 1e-5


def test_a_dense_net_is_refused_as_2_4(tmp_path):
    from searchprune.evaluation.store import NetError

    with pytest.raises(NetError, match="cannot export as 2:4"):
        nnue.export(random_dual_model(8), tmp_path, fmt="2:4")


def test_criteria_refuse_unknown_names_and_missing_data():
    model = random_dual_model(8)
    with pytest.raises(ValueError, match="unknown criterion"):
        dual.unit_scores(model, "magic")
    with pytest.raises(ValueError, match="needs calibration positions"):
        dual.unit_scores(model, "obd")
    with pytest.raises(ValueError, match="needs calibration positions"):
        dual.l2_masks(model, "unstructured", 0.5, criterion="taylor")


def test_random_scores_are_seeded():
    model = random_dual_model(16)
    assert torch.equal(dual.unit_scores(model, "random", seed=1), dual.unit_scores(model, "random", seed=1))
    assert not torch.equal(dual.unit_scores(model, "random", seed=1), dual.unit_scores(model, "random", seed=2))


def _val_loss(model, records, config) -> float:
    return nnue.evaluate_loss(model, nnue.split(records, config.val_fraction)[1], config.wdl)


@pytest.mark.parametrize("criterion", ["l1", "taylor", "obd", "activation"])
def test_criteria_beat_the_random_baseline(criterion, trained):
    """Removing half the units of a trained net by a criterion costs less validation loss
    than removing a random half (the median of five seeds)."""
    model, records, config = trained
    batches = dual.calibration(nnue.split(records, config.val_fraction)[0], 1024)

    def loss_after(scores):
        return _val_loss(dual.shrink(model, dual.units_to_keep(scores, 12)), records, config)

    randoms = sorted(loss_after(dual.unit_scores(model, "random", seed=s)) for s in range(5))
    assert loss_after(dual.unit_scores(model, criterion, batches)) < randoms[2]


def test_finetuning_holds_the_masks_and_recovers_loss(trained, tmp_path):
    model, records, config = trained
    mask = dual.l2_masks(model, "unstructured", amount=0.8)
    pruned = copy.deepcopy(model)
    dual.hold(mask)(pruned, 0)
    before = _val_loss(pruned, records, config)
    tune = nnue.NnueConfig(width=model.width, epochs=2, batch_size=64, lr=1e-3, wdl=0.0, val_fraction=0.2, threads=1)
    tuned = nnue.train(tune, records, tmp_path / "tune", progress=False, init=pruned, after_step=dual.hold(mask),
                       teacher=model, distil=0.5)["model"]
    assert bool((tuned.l2.weight.detach()[~mask] == 0).all())
    assert _val_loss(tuned, records, config) < before
    path = nnue.export(tuned, tmp_path / "nets", fmt="csr")
    stored = nnue.load_model(read_net(path))
    assert bool((stored.l2.weight.detach()[~mask] == 0).all())


def test_a_starting_model_of_another_width_is_refused(tmp_path):
    records = material_records(50, seed=6)
    with pytest.raises(ValueError, match="16 wide"):
        nnue.train(nnue.NnueConfig(width=8, epochs=1, batch_size=10, threads=1, val_fraction=0.2), records,
                   tmp_path / "run", progress=False, init=random_dual_model(16))


def test_load_model_refuses_a_single_perspective_net(tmp_path):
    from searchprune.nets.export import export_model
    from searchprune.nets.model import EvalNet

    path = export_model(EvalNet("chess", 8), tmp_path)
    with pytest.raises(ValueError, match="not a chess-dual net"):
        nnue.load_model(read_net(path))


@pytest.mark.parametrize("method", ["unstructured", "2:4"])
def test_obs_update_beats_plain_removal_on_the_layer(method, trained):
    """Same mask, two ways to prune: zero the weights, or zero them and let OBS move the
    rest. OBS's squared error of the layer's output on the calibration positions is lower."""
    model, records, config = trained
    batches = dual.calibration(nnue.split(records, config.val_fraction)[0], 1024, seed=1)
    x = dual.l2_inputs(model, batches).float()
    reference = x @ model.l2.weight.detach().T
    surgeon = copy.deepcopy(model)
    mask = dual.obs_l2(surgeon, batches, method, amount=0.6)
    assert bool((surgeon.l2.weight.detach()[~mask] == 0).all())
    if method == "2:4":
        assert formats.is_24(surgeon.l2.weight.detach().numpy())
    else:
        assert int((~mask).sum()) == round(0.6 * mask.numel())
    plain = model.l2.weight.detach() * mask

    def error(weight):
        return float(((x @ weight.T - reference) ** 2).sum())

    assert error(surgeon.l2.weight.detach()) < 0.9 * error(plain)


def test_gradual_pruning_inside_training_reaches_its_sparsity(tmp_path):
    records = material_records(800, seed=8)
    config = nnue.NnueConfig(width=16, epochs=3, batch_size=50, lr=3e-3, wdl=0.0, val_fraction=0.2, threads=1)
    steps = 3 * -(-len(nnue.split(records, 0.2)[0]) // 50)
    schedule = dual.GradualMagnitude(0.7, start=5, end=steps // 2, every=5)
    assert schedule.sparsity_at(5) == 0 and schedule.sparsity_at(steps // 2) == pytest.approx(0.7)
    seen = []
    model = nnue.train(config, records, tmp_path / "run", progress=False,
                       after_step=lambda m, s: (schedule(m, s), seen.append(float((m.l2.weight == 0).float().mean()))))["model"]
    assert seen[0] == 0.0 and seen[-1] == pytest.approx(0.7, abs=1 / model.l2.weight.numel())
    assert all(b >= a - 1e-9 for a, b in zip(seen, seen[1:]))  # never regrows
    assert bool((model.l2.weight.detach()[~schedule.mask] == 0).all())


def test_dynamic_sparsity_moves_the_mask_and_keeps_the_count(tmp_path):
    records = material_records(800, seed=9)
    config = nnue.NnueConfig(width=16, epochs=2, batch_size=50, lr=3e-3, wdl=0.0, val_fraction=0.2, threads=1)
    schedule = dual.DynamicSparse(0.8, end=20, every=4)
    first = {}

    def step(model, number):
        schedule(model, number)
        first.setdefault("mask", schedule.mask.clone())

    model = nnue.train(config, records, tmp_path / "run", progress=False, after_step=step)["model"]
    assert int(schedule.mask.sum()) == int(first["mask"].sum()) == schedule.mask.numel() - round(0.8 * schedule.mask.numel())
    assert schedule.regrown > 0 and not torch.equal(schedule.mask, first["mask"])
    assert bool((model.l2.weight.detach()[~schedule.mask] == 0).all())


def test_the_prune_command_prunes_a_chess_dual_net(trained, tmp_path):
    from click.testing import CliRunner

    from searchprune.cli import main

    model, records, config = trained
    data = tmp_path / "data"
    data.mkdir()
    records.tofile(data / "shard-00000.bin")
    parent = nnue.export(model, tmp_path / "parent", training={"config": {"wdl": 0.0, "val_fraction": 0.2}})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["prune", str(parent), "--method", "hybrid", "--amount", "0.7", "--criterion",
                                       "obs", "--data", str(data), "--finetune-epochs", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    net = read_net(Path(result.output.split("net: ")[1].split()[0]))
    recipe = net.manifest["prune"]
    assert net.manifest["arch"] == "chess-dual" and net.format == "csr" and net.manifest["parent"] == read_net(parent).name
    assert recipe["method"] == "hybrid" and recipe["width"][0] == 24 and recipe["width"][1] == net.hidden <= 24
    assert net.manifest["metrics"]["positions"] == len(nnue.split(records, 0.2)[1])
    assert recipe["data"]["folders"] == ["data"]  # the folder's name, not this machine's path
    refused = CliRunner().invoke(main, ["prune", str(parent), "--method", "unstructured", "--amount", "0.5",
                                        "--schedule", "agp", "--steps", "2", "--out", str(out)])
    assert refused.exit_code == 1 and "--schedule is not supported for chess-dual" in refused.output
    no_data = CliRunner().invoke(main, ["prune", str(parent), "--method", "2:4", "--criterion", "obd", "--out", str(out)])
    assert no_data.exit_code == 1 and "give --data" in no_data.output


def test_a_gradually_pruned_run_resumes_to_the_same_weights(tmp_path):
    records = material_records(600, seed=10)
    config = nnue.NnueConfig(width=8, epochs=2, batch_size=50, seed=3, threads=1, val_fraction=0.1)

    def schedule():
        return dual.GradualMagnitude(0.6, start=2, end=12, every=3)

    straight = nnue.train(config, records, tmp_path / "a", progress=False, after_step=schedule())["model"]
    nnue.train(config, records, tmp_path / "b", progress=False, stop_after=6, after_step=schedule())
    resumed = nnue.train(config, records, tmp_path / "b", progress=False, resume=True, after_step=schedule())["model"]
    for name, tensor in straight.state_dict().items():
        assert torch.equal(tensor, resumed.state_dict()[name]), name
    assert float((straight.l2.weight == 0).float().mean()) == pytest.approx(0.6, abs=1 / straight.l2.weight.numel())
