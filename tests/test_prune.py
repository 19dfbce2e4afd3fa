"""Pruning and the pruned formats: each method on a tiny net, the schedules' sparsities,
and every compressed kernel against the dense kernel on the same weights."""

from __future__ import annotations

import copy
import itertools
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from click.testing import CliRunner
from test_nets import compiled_outputs, random_net, random_positions, real_positions

from searchprune import compression
from searchprune.cli import main
from searchprune.evaluation import formats, infer, simd
from searchprune.nets.export import export_model
from searchprune.evaluation.features import active_features, dense_inputs
from searchprune.nets.model import EvalNet, inputs_from_indices
from searchprune.nets.prune import PruneConfig, Pruner, importance, semistructured, structured, unstructured
from searchprune.nets.prune.schedule import TuningData, as_stored, distillation_target, prune_net, sparsity_steps
from searchprune.evaluation.store import NetError, load_net, read_net

#: Widths that are multiples of 32, as the pruned nets' are, plus one that is not.
GAME = "connect4"


def tiny_data(game: str = GAME, n: int = 3000, seed: int = 0) -> TuningData:
    """Random positions' features labelled by a random teacher net (learnable, not trivial)."""
    states = random_positions(game, n, seed=seed, max_plies=30)
    feats = [active_features(game, s) for s in states]
    width = max(len(f) for f in feats)
    rows = np.full((n, width), -1, dtype=np.int16)
    for i, f in enumerate(feats):
        rows[i, :len(f)] = f
    torch.manual_seed(seed + 1)
    teacher = EvalNet(game, 16)
    with torch.no_grad():
        target = teacher(inputs_from_indices(torch.from_numpy(rows), teacher.arch.n_inputs))
    cut = n * 4 // 5
    features = torch.from_numpy(rows)
    return TuningData(features[:cut], target[:cut], features[cut:], target[cut:], {"tiny": True})


def trained_tiny(hidden: int = 64, seed: int = 0) -> EvalNet:
    torch.manual_seed(seed)
    model = EvalNet(GAME, hidden)
    with torch.no_grad():
        model.l1.weight.mul_(4.0)
        model.l2.weight.mul_(3.0)
    return model


# -- formats and kernels ---------------------------------------------------------------------------
def _masked_24(matrix: np.ndarray) -> np.ndarray:
    out, n_in = matrix.shape
    groups = np.abs(matrix).reshape(out, n_in // 4, 4)
    drop = np.argsort(groups, axis=2)[:, :, :2]
    mask = np.ones_like(groups)
    np.put_along_axis(mask, drop, 0, axis=2)
    return (matrix * mask.reshape(matrix.shape)).astype(np.float32)


def _sparse_model(model: EvalNet, how: str) -> EvalNet:
    model = copy.deepcopy(model)
    with torch.no_grad():
        for layer in (model.l1, model.l2):
            w = layer.weight.numpy()
            if how == "2:4":
                layer.weight.copy_(torch.from_numpy(_masked_24(w)))
            else:
                layer.weight.copy_(torch.from_numpy(np.where(np.abs(w) > np.quantile(np.abs(w), 0.8), w, 0)))
    return model


@pytest.mark.parametrize("game", ["connect4", "chess"])
@pytest.mark.parametrize("fmt", ["2:4", "csr"])
def test_compressed_kernels_equal_the_dense_kernel_on_the_same_weights(game, fmt, tmp_path):
    model, _ = random_net(game, tmp_path)
    sparse = _sparse_model(model, "2:4" if fmt == "2:4" else "unstructured")
    dense_net = load_net(export_model(sparse, tmp_path / "dense"), game)
    packed_net = load_net(export_model(sparse, tmp_path / fmt, fmt=fmt), game)
    assert packed_net.format == fmt and packed_net.bytes < dense_net.bytes
    states = random_positions(game, 400, seed=2, max_plies=40) + real_positions(game)[:300]
    dense_out = compiled_outputs(dense_net, game, states)
    packed_out = compiled_outputs(packed_net, game, states)
    assert np.abs(dense_out).max() > 0.1  # the comparison is not between zeros
    np.testing.assert_allclose(packed_out, dense_out, rtol=0, atol=2e-5)


@pytest.mark.parametrize("quant", [None, "int8"])
@pytest.mark.parametrize("zeros", [0.0, 0.5, 1.0])
def test_the_24_kernels_equal_their_portable_versions_and_numpy(quant, zeros, tmp_path):
    """The 2:4 kernels (SIMD on AVX-512 machines, portable elsewhere) against numpy's
    ``w3 . clip(b2 + W2 clip(pre))`` on the expanded weights (int8: integer weights,
    activations rounded to 1/127), for first-layer outputs with none, half and all of
    them clipped to zero."""
    model, _ = random_net(GAME, tmp_path)
    net = load_net(export_model(_sparse_model(model, "2:4"), tmp_path, fmt="2:4", quant=quant), GAME)
    params = infer.pack(net)
    assert params[infer.P_TAIL] == (infer.TAIL_24_INT if quant else infer.TAIL_24)
    rng = np.random.default_rng(int(zeros * 100))
    pre = int(params[infer.P_PRE])  # the first layer's output, clipped by the kernel
    params[pre:pre + net.hidden] = (rng.random(net.hidden, dtype=np.float32) * 1.4 - 0.2) * (rng.random(net.hidden) >= zeros)
    act = np.clip(params[pre:pre + net.hidden].astype(np.float64), 0, 1)
    dense = net.dense()
    weights, b2, w3 = int(params[infer.P_W2]), int(params[infer.P_B2]), int(params[infer.P_W3])
    if quant:
        raw = formats.decode_raw(net.arrays, "2:4", net.manifest["sizes"])["w2"].astype(np.float64)
        sums = (raw @ np.floor(act * 127 + 0.5)) * float(params[infer.P_AUX])
        args = (params, weights, int(params[infer.P_AUX2]), pre, infer._chunks(net.hidden, 32), b2, w3,
                params[infer.P_AUX])
        fast, portable = simd.int16_sparse24_groups, simd.int16_sparse24_groups_portable
    else:
        sums = dense["w2"].astype(np.float64) @ act
        args = (params, weights, int(params[infer.P_AUX]), pre, infer._chunks(net.hidden, 16), b2, w3)
        fast, portable = simd.sparse24_groups, simd.sparse24_groups_portable
    expected = dense["w3"].astype(np.float64).reshape(-1) @ np.clip(sums + dense["b2"], 0, 1)
    assert abs(fast(*args) - portable(*args)) < 1e-5
    assert abs(portable(*args) - expected) < 1e-5


@pytest.mark.parametrize("quant", [None, "int8"])
@pytest.mark.parametrize("zeros", [0.0, 0.5, 1.0])
def test_the_column_kernels_equal_their_portable_versions_and_numpy(quant, zeros, tmp_path):
    """The dense and int8 kernels (SIMD on AVX-512 machines, portable elsewhere) against
    numpy's ``w3 . clip(b2 + W2 clip(pre))``, the int8 one with its activations rounded
    to 1/127, for first-layer outputs with none, half and all of them clipped to zero."""
    model, _ = random_net(GAME, tmp_path)
    net = load_net(export_model(model, tmp_path, quant=quant), GAME)
    params = infer.pack(net)
    rng = np.random.default_rng(int(zeros * 100))
    pre = int(params[infer.P_PRE])
    params[pre:pre + net.hidden] = (rng.random(net.hidden, dtype=np.float32) * 1.4 - 0.2) * (rng.random(net.hidden) >= zeros)
    act = np.clip(params[pre:pre + net.hidden].astype(np.float64), 0, 1)
    dense = net.dense()
    if quant:
        sums = (net.arrays["w2"].astype(np.float64) @ np.floor(act * 127 + 0.5)) * float(params[infer.P_AUX])
        chunks, unscale = infer._chunks(net.hidden, 32), params[infer.P_AUX]
        fast, portable = simd.int16_columns, simd.int16_columns_portable
    else:
        sums = dense["w2"].astype(np.float64) @ act
        chunks, unscale = infer._chunks(net.hidden, 16), np.float32(1.0)
        fast, portable = simd.dense_columns, simd.dense_columns_portable
    expected = dense["w3"].astype(np.float64).reshape(-1) @ np.clip(sums + dense["b2"], 0, 1)
    args = (params, int(params[infer.P_W2]), pre, chunks, int(params[infer.P_B2]), int(params[infer.P_W3]), unscale)
    assert abs(fast(*args) - portable(*args)) < 1e-5
    assert abs(portable(*args) - expected) < 1e-5


@pytest.mark.parametrize("fmt", ["dense", "2:4", "csr"])
def test_quantised_kernel_is_within_tolerance_of_float_and_matches_its_emulation(fmt, tmp_path):
    """Stated tolerance: raw output within 0.02 of the float net (scores within 20 of 1000
    per unit, Connect Four), and within 1e-4 of torch running the dequantised weights with
    the kernel's rounded activations."""
    model, _ = random_net(GAME, tmp_path)
    if fmt != "dense":
        model = _sparse_model(model, "2:4" if fmt == "2:4" else "unstructured")
    float_net = load_net(export_model(model, tmp_path / "f", fmt=fmt), GAME)
    q_net = load_net(export_model(model, tmp_path / "q", fmt=fmt, quant="int8"), GAME)
    assert q_net.quant == "int8" and q_net.arrays[f"w2{'' if fmt == 'dense' else '_values'}"].dtype == np.int8
    states = random_positions(GAME, 500, seed=3, max_plies=40)
    q_out = compiled_outputs(q_net, GAME, states)
    float_out = compiled_outputs(float_net, GAME, states)
    assert np.abs(q_out - float_out).max() < 0.02
    emulated = as_stored(model, fmt, "int8")
    x = np.concatenate([dense_inputs(GAME, active_features(GAME, s)) for s in states])
    with torch.no_grad():
        np.testing.assert_allclose(q_out, emulated(torch.from_numpy(x)).numpy(), rtol=0, atol=1e-4)


def test_formats_round_trip_and_refuse_what_they_are_not():
    rng = np.random.default_rng(0)
    dense = {"w1": rng.normal(size=(84, 64)).astype(np.float32), "b1": rng.normal(size=64).astype(np.float32),
             "w2": _masked_24(rng.normal(size=(32, 64)).astype(np.float32)), "b2": np.zeros(32, np.float32),
             "w3": np.ones(32, np.float32), "b3": np.zeros(1, np.float32)}
    dense["w1"] = np.ascontiguousarray(_masked_24(dense["w1"].T).T)
    sizes = [84, 64, 32, 1]
    for fmt in ("dense", "2:4", "csr"):
        stored = formats.encode(dense, fmt, None)
        formats.check(stored, fmt, None, sizes)
        back = formats.decode(stored, fmt, None, sizes)
        for k, v in dense.items():
            np.testing.assert_array_equal(back[k], v)
    stored = formats.encode(dense, "2:4", None)
    assert stored["w1_positions"].dtype == np.uint8 and stored["w1_values"].shape == (64, 44)  # 84 -> 88 padded
    with pytest.raises(formats.FormatError, match="not 2:4"):
        formats.encode({**dense, "w2": np.ones((32, 64), np.float32)}, "2:4", None)
    bad = dict(formats.encode(dense, "csr", None))
    bad["w2_indptr"] = bad["w2_indptr"][::-1].copy()
    with pytest.raises(formats.FormatError, match="CSR"):
        formats.check(bad, "csr", None, sizes)


def test_a_mismatched_pruned_file_is_refused_in_one_line(tmp_path):
    model, _ = random_net(GAME, tmp_path)
    path = export_model(_sparse_model(model, "2:4"), tmp_path, fmt="2:4")
    with np.load(path) as data:
        contents = {k: data[k] for k in data.files}
    manifest = json.loads(str(contents.pop("manifest")))
    manifest["format"] = "csr"
    bad = tmp_path / "bad.npz"
    np.savez(bad, manifest=np.array(json.dumps(manifest)), **contents)
    with pytest.raises(NetError) as error:
        read_net(bad)
    assert "\n" not in str(error.value) and "csr" in str(error.value)
    with pytest.raises(NetError, match="not 2:4"):
        export_model(model, tmp_path, fmt="2:4")  # a dense model is not silently made 2:4


# -- methods ----------------------------------------------------------------------------------------
def test_structured_shrunk_net_equals_the_masked_full_net(tmp_path):
    model = trained_tiny(96).double()
    scores = importance.l2(model)
    keep = structured.units_to_keep(scores, 48)
    small, full = structured.shrink(model, keep).double(), structured.masked(model, keep).double()
    small.load_state_dict({k: v.double() for k, v in small.state_dict().items()})
    x = inputs_from_indices(tiny_data(n=500).train_features, model.arch.n_inputs).double()
    with torch.no_grad():
        a, b = small(x), full(x)
    assert small.hidden == 48 and float(a.abs().max()) > 0.1
    torch.testing.assert_close(a, b, rtol=0, atol=1e-12)  # exact up to summation order in float64
    # and in the compiled kernel: the shrunk file and the masked full-width file score alike
    states = random_positions(GAME, 300, seed=5, max_plies=30)
    small_net = load_net(export_model(structured.shrink(trained_tiny(96), keep), tmp_path / "s"), GAME)
    full_net = load_net(export_model(structured.masked(trained_tiny(96), keep), tmp_path / "f"), GAME)
    np.testing.assert_allclose(compiled_outputs(small_net, GAME, states), compiled_outputs(full_net, GAME, states),
                               rtol=0, atol=1e-5)


def test_unstructured_local_and_global_masks_hit_their_amount_and_respect_the_floor():
    model = trained_tiny()
    scores = importance.l1(model)
    local = unstructured.masks_for(scores, 0.7)
    for m in local.values():
        assert (~m).float().mean().item() == pytest.approx(0.7, abs=1 / m.numel())
    # scale layer 2 down so a plain global threshold would empty it
    scores = {"l1.weight": scores["l1.weight"], "l2.weight": scores["l2.weight"] * 1e-6}
    glob = unstructured.masks_for(scores, 0.7, scope="global", floor=0.05)
    total = sum(m.numel() for m in glob.values())
    assert sum(int((~m).sum()) for m in glob.values()) == round(0.7 * total)
    assert glob["l2.weight"].float().mean().item() == pytest.approx(0.05, abs=1 / glob["l2.weight"].numel())
    with pytest.raises(ValueError, match="floor"):
        unstructured.masks_for(scores, 0.99, scope="global", floor=0.05)


@pytest.mark.parametrize("criterion", ["l1", "l2", "taylor", "obd", "activation", "random"])
def test_every_criterion_scores_every_weight_and_ranks_the_way_it_says(criterion):
    model, data = trained_tiny(), tiny_data(n=600)
    x = inputs_from_indices(data.train_features[:256], model.arch.n_inputs)
    x[:, 5] = 0.0  # one input never on
    batches = [(x, data.train_target[:256])]
    scores = importance.CRITERIA[criterion](model, batches)
    assert scores["l1.weight"].shape == model.l1.weight.shape and scores["l2.weight"].shape == model.l2.weight.shape
    assert all(bool((s >= 0).all()) and float(s.max()) > 0 for s in scores.values())
    if criterion == "activation":  # an input that is never on scores zero whatever its weight
        assert float(scores["l1.weight"][:, 5].max()) == 0.0 and float(scores["l1.weight"][:, 6].max()) > 0
    if criterion in ("taylor", "obd"):  # zero gradient, zero score: the output layer's dead units
        assert not torch.equal(scores["l1.weight"].argsort(), importance.l1(model)["l1.weight"].argsort())
    if criterion in ("obd", "activation"):  # a weight on an input never on has no gradient and no activation
        assert float(scores["l1.weight"][:, 5].max()) == 0.0
    if criterion == "random":  # seeded, and blind to the weights
        assert torch.equal(scores["l1.weight"], importance.random(model, seed=0)["l1.weight"])
        assert not torch.equal(scores["l1.weight"], importance.random(model, seed=1)["l1.weight"])


def test_sparsity_schedules_are_the_curves_they_name():
    assert sparsity_steps("one-shot", 0.8, 1) == [0.8]
    agp = sparsity_steps("agp", 0.8, 4)
    assert agp[-1] == pytest.approx(0.8) and agp[0] == pytest.approx(0.8 * (1 - 0.75 ** 3))
    added = np.diff([0.0, *agp])
    assert all(later < earlier for earlier, later in itertools.pairwise(added))  # front-loaded: each step adds less
    it = sparsity_steps("iterative", 0.75, 2)
    assert it == pytest.approx([0.5, 0.75])  # half of what is left, twice


@pytest.mark.parametrize("method,amount,schedule,steps", [
    ("unstructured", 0.8, "one-shot", 1), ("unstructured", 0.8, "agp", 3), ("unstructured", 0.75, "lottery", 2),
    ("structured", 0.5, "iterative", 2), ("structured", 0.25, "agp", 2), ("2:4", None, "agp", 3),
    ("structured+2:4", 0.5, "one-shot", 1)])
def test_each_method_and_schedule_reaches_its_target_sparsity_through_fine_tuning(method, amount, schedule, steps,
                                                                                   tmp_path):
    parent, data = trained_tiny(), tiny_data()
    config = PruneConfig(method=method, amount=amount, schedule=schedule, steps=steps, finetune_epochs=1,
                         batch_size=256, criterion="l1" if method != "structured" else "taylor")
    result = Pruner(config, data).run(parent, progress=False)
    model = result.model
    hidden = {"structured": round(64 * (1 - (amount or 0))), "structured+2:4": 32}.get(method, 64)
    assert model.hidden == hidden
    zero = {k: float((w == 0).float().mean()) for k, w in (("l1", model.l1.weight), ("l2", model.l2.weight))}
    if method == "unstructured":
        assert result.sparsity["prunable"] == pytest.approx(amount, abs=1e-3)
        assert (zero["l1"] * model.l1.weight.numel() + zero["l2"] * model.l2.weight.numel()) / (
            model.l1.weight.numel() + model.l2.weight.numel()) >= amount - 1e-3
    if "2:4" in method:
        assert semistructured.is_24(model.l1.weight) and semistructured.is_24(model.l2.weight)
        assert result.sparsity["prunable"] == pytest.approx(0.5)
    assert len(result.history) == steps + (method == "structured+2:4")
    assert all(len(step["epochs"]) == 1 for step in result.history)
    # weights changed by fine-tuning, and the parent is untouched
    assert not torch.equal(parent.l2.bias, model.l2.bias) and parent.hidden == 64


@pytest.mark.parametrize("game", ["connect4", "chess"])
def test_distillation_blends_the_label_with_the_parents_output_in_target_units(game):
    """Chess targets are win probabilities: the parent's raw output goes through the same
    logistic as the loss before it is blended."""
    torch.manual_seed(0)
    parent = EvalNet(game, 8)
    x = (torch.rand(5, parent.arch.n_inputs) < 0.05).float()
    label = torch.rand(5)
    with torch.no_grad():
        y = parent(x)
    taught = torch.sigmoid(y * 100 / 400) if game == "chess" else y
    torch.testing.assert_close(distillation_target(parent, x, label, 0.25), 0.75 * label + 0.25 * taught)
    assert distillation_target(parent, x, label, 0.0) is label and distillation_target(None, x, label, 1.0) is label


def test_fine_tuning_options_are_checked_and_recorded(tmp_path):
    with pytest.raises(ValueError, match="distil"):
        PruneConfig(method="structured", amount=0.5, distil=1.5)
    with pytest.raises(ValueError, match="learning-rate schedule"):
        PruneConfig(method="structured", amount=0.5, lr_schedule="step")
    parent = load_net(export_model(trained_tiny(), tmp_path / "parent"), GAME)
    config = PruneConfig(method="structured", amount=0.25, finetune_epochs=1, batch_size=256, distil=0.5,
                         lr_schedule="cosine")
    recipe = read_net(prune_net(parent, config, tmp_path / "out", data=tiny_data(), progress=False)).manifest["prune"]
    assert (recipe["distil"], recipe["lr_schedule"]) == (0.5, "cosine")


def test_2_4_holds_through_fine_tuning_and_export(tmp_path):
    parent = load_net(export_model(trained_tiny(), tmp_path / "parent"), GAME)
    config = PruneConfig(method="2:4", finetune_epochs=2, batch_size=128)
    path = prune_net(parent, config, tmp_path / "out", data=tiny_data(), progress=False)
    net = read_net(path)
    assert net.format == "2:4" and net.manifest["parent"] == parent.name
    recipe = net.manifest["prune"]
    assert (recipe["method"], recipe["finetune_epochs"], recipe["schedule"]) == ("2:4", 2, "one-shot")
    dense = net.dense()
    assert formats.is_24(dense["w1"].T) and formats.is_24(dense["w2"])
    assert net.manifest["metrics"]["loss"] > 0


def test_global_unstructured_with_taylor_needs_data_and_says_so():
    with pytest.raises(ValueError, match="data"):
        Pruner(PruneConfig(method="unstructured", amount=0.5, criterion="taylor"))


# -- the command ------------------------------------------------------------------------------------
def test_prune_command_writes_a_net_and_refuses_impossible_amounts(tmp_path):
    parent = export_model(trained_tiny(), tmp_path / "parent")
    runner = CliRunner()
    for args, message in [(["--method", "2:4", "--amount", "0.7"], "impossible"),
                          (["--method", "structured", "--amount", "1"], "remove everything"),
                          (["--method", "unstructured", "--amount", "0.999", "--scope", "global", "--floor", "0.1"],
                           "floor"),
                          (["--method", "structured"], "needs an amount")]:
        result = runner.invoke(main, ["prune", str(parent), *args, "--out", str(tmp_path / "out")])
        assert result.exit_code != 0 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing half-written
    result = runner.invoke(main, ["prune", str(parent), "--method", "structured", "--amount", "0.5", "--quant", "int8",
                                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    net = read_net(next((tmp_path / "out").glob("*.npz")))
    assert net.hidden == 32 and net.quant == "int8" and net.manifest["prune"]["amount"] == 0.5
    assert "non-zeros" in result.output


def test_the_compression_bench_builds_variants_once_and_tabulates_them(tmp_path):
    parent = load_net(export_model(trained_tiny(), tmp_path / "parent"), GAME)
    data = tiny_data(n=800)
    wanted = [v for v in compression.VARIANTS if v.key in ("dense", "structured 50%", "2:4 int8")]
    run = compression.Bench(parent, tmp_path / "work", data, finetune_epochs=1, lr=1e-3, log=lambda _: None)
    nets = {v.key: run.build(v) for v in wanted}
    for v in wanted:
        run.static(v, nets[v.key])
    assert nets["dense"] is parent and nets["structured 50%"].hidden == 32
    assert nets["2:4 int8"].format == "2:4" and nets["2:4 int8"].quant == "int8"
    assert nets["2:4 int8"].manifest["parent"] == parent.name
    again = compression.Bench(parent, tmp_path / "work", data, finetune_epochs=1, lr=1e-3, log=lambda _: None)
    assert again.build(wanted[1]).path == nets["structured 50%"].path  # reused, not pruned again
    rows = compression.table(again.results, [v.key for v in wanted])
    assert len(rows) == 2 + 3 and "| structured 50% | 32 |" in rows[3]
    assert again.results["2:4 int8"]["weight_bytes"] < again.results["dense"]["weight_bytes"] / 3
    text = compression.write_report(again, [v.key for v in wanted], tmp_path / "out", "searchprune bench compression",
                                    ["x"])
    assert (tmp_path / "out" / "compression_connect4.md").read_text() == text and "| 2:4 int8 |" in text
    assert json.loads((tmp_path / "out" / "compression_connect4.json").read_text())["structured 50%"]["hidden"] == 32
    assert (tmp_path / "out" / "compression_connect4.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="distil 0.0 \\(now 0.5\\)"):  # another recipe: not mixed in
        compression.Bench(parent, tmp_path / "work", data, finetune_epochs=1, lr=1e-3, distil=0.5, log=lambda _: None)


def test_the_compression_study_plays_its_matches_in_process_and_resumes_them(tmp_path, monkeypatch):
    """The Elo matches run through searchprune.arena in this process (its worker pool, no
    child `searchprune` command): a match records its fields, and a match folder that
    holds games resumes with the games it lacks."""
    import subprocess

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"the compression study started a subprocess: {args[:1]}")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    parent = load_net(export_model(trained_tiny(), tmp_path / "parent"), GAME)
    study = compression.Bench(parent, tmp_path / "work", tiny_data(n=400), finetune_epochs=0, lr=1e-3,
                              log=lambda _: None)
    variant = next(v for v in compression.VARIANTS if v.key == "structured 50%")
    net = study.build(variant)
    study.elo(variant.key, net, "nodes", {"nodes": 300}, rounds=1, concurrency=1, openings=None)
    entry = study.results[variant.key]["elo"]["nodes"]
    assert set(entry) == {"games", "score", "elo", "error", "wins", "draws", "losses", "limits", "seconds",
                          "pentanomial"}
    assert entry["games"] == 2 and entry["wins"] + entry["draws"] + entry["losses"] == 2
    assert entry["limits"] == {"nodes": 300}
    results = tmp_path / "work" / "matches" / "structured_50" / "nodes" / "results.jsonl"
    lines = results.read_text().splitlines()
    assert len(lines) == 3  # the header and two games
    results.write_text("\n".join(lines[:2]) + "\n")  # as if stopped after the first game
    del study.results[variant.key]["elo"]
    study.elo(variant.key, net, "nodes", {"nodes": 300}, rounds=1, concurrency=1, openings=None)
    assert results.read_text().splitlines()[:2] == lines[:2]  # the saved game kept, one more played
    assert len(results.read_text().splitlines()) == 3 and study.results[variant.key]["elo"]["nodes"]["games"] == 2


def test_the_study_options_check_their_names_and_plan_the_matches():
    options = compression.StudyOptions(game="connect4", variants=("dense", "2:4"), conditions=("nodes",))
    assert options.search_depth == 10 and [v.key for v in options.selected()] == ["dense", "2:4"]
    assert options.matches(["dense", "2:4"]) == [("2:4", "nodes", {"nodes": 5000})]
    assert compression.StudyOptions(game="chess", build_only=True).matches(["2:4"]) == []
    for bad, message in [({"variants": ("3:4",)}, "unknown variant '3:4'"), ({"game": "tictactoe"}, "no compression"),
                         ({"conditions": ("moves",)}, "unknown match condition")]:
        with pytest.raises(compression.StudyError, match=message):
            compression.StudyOptions(**{"game": "connect4", **bad})
    result = CliRunner().invoke(main, ["bench", "compression", "--game", "tictactoe"])
    assert result.exit_code == 2 and "no compression study for 'tictactoe'" in result.output


def test_a_criterion_is_any_callable():
    """A custom criterion (here: keep the weights of the first hidden units) decides the mask."""
    def first_units(model, batches):
        return {k: torch.arange(w.shape[0], 0, -1, dtype=torch.float32)[:, None].expand_as(w).clone()
                for k, w in importance.weights(model).items()}

    result = Pruner(PruneConfig(method="structured", amount=0.5), criterion=first_units).run(trained_tiny(), False)
    parent = trained_tiny()
    torch.testing.assert_close(result.model.l1.weight, parent.l1.weight[:32])
