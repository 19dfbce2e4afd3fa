"""Pruning the two-perspective chess NNUE (``searchprune.nets.nnue.ChessNnue``), issue 18.

**Structured** (``shrink``): an accumulator unit ``j`` is one group across both
perspectives: its feature column ``ft.weight[:, j]`` and bias ``ft_bias[j]`` (shared by
the two accumulators) and the two second-layer columns that read it, ``l2.weight[:, j]``
(side to move) and ``l2.weight[:, width + j]`` (opponent). With the column and the bias
zero the unit's accumulator is 0 in both perspectives and its clipped output 0, so
removing the group is exact; the kept units make a narrower dense ``ChessNnue``, whose
accumulator updates and dense layer both shrink.

**Unstructured and 2:4** (``l2_masks``): on ``l2.weight``, the dense layer after the
accumulators. The feature transformer is left alone: its cost per node is the update of
the accumulators, which zeros in a feature's row would not make cheaper.

Criteria (``SCORES``: each scores single weights, ``weight_scores``, and units, their
group's weights summed, ``unit_scores``; higher means keep):

- ``l1`` / ``l2``: ``|w|`` / ``w**2``, summed over a unit's group;
- ``random``: seeded uniform scores, the baseline every criterion must beat;
- ``taylor``: ``|w * dL/dw|``, the first-order estimate of the loss change when ``w``
  is zeroed, from the gradient of the mean loss over calibration positions;
- ``obd``: Optimal Brain Damage's saliency ``F_ii * w**2 / 2`` with the empirical Fisher
  (mean squared per-batch gradient) standing in for the Hessian's diagonal (LeCun,
  Denker and Solla 1990);
- ``activation``: a unit by its mean clipped output over the calibration positions
  times its outgoing weights' magnitude; a weight of ``l2`` by ``|w| * ||x_j||`` of its
  input (Wanda).

**Optimal Brain Surgeon, layer-wise** (``obs_l2``): with ``H = X^T X`` over the clipped
accumulator outputs ``X`` that feed ``l2``, a weight's saliency is ``w_q^2 / (2 [H^-1]_qq)``
(the least increase of the layer's squared output error when it goes and the others
move to make up for it; Hassibi and Stork 1993, layer-wise as in Dong et al. 2017 and
Frantar and Alistarh's OBC). The lowest go, and each output unit's kept weights are then
solved for jointly, ``w_K = H_KK^-1 H_K: w``: the exact OBS update for removing the whole
set at once.

Fine-tuning runs the trainer itself (``nnue.train`` with ``init`` and ``after_step``),
with the masks re-applied after every optimiser step.
"""

from __future__ import annotations

import copy
import math
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from searchprune.nets import nnue
from searchprune.nets.nnue import ChessNnue

SCORES = ("l1", "l2", "random", "taylor", "obd", "activation")
#: Criteria that read calibration positions.
NEEDS_DATA = frozenset({"taylor", "obd", "activation"})
#: Positions a calibration batch holds (gradients for taylor and obd are taken per batch).
CALIBRATION_BATCH = 1024


def calibration(records: np.ndarray, count: int = 8192, seed: int = 0,
                wdl: float = 0.0) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """``(stm, nstm, target)`` batches of ``count`` positions drawn from ``records`` (seeded)."""
    rows = np.sort(np.random.default_rng(seed).permutation(len(records))[:count])
    chosen = records[rows]
    return [nnue._tensors(chosen[i:i + CALIBRATION_BATCH], wdl) for i in range(0, len(chosen), CALIBRATION_BATCH)]


def _loss(model: ChessNnue, batch) -> torch.Tensor:
    stm, nstm, target = batch
    return torch.mean((model.win_probability(model(stm, nstm)) - target) ** 2)


def _gradients(model: ChessNnue, batches) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Per parameter: the mean gradient over the batches, and the mean squared batch gradient."""
    names = ("ft.weight", "ft_bias", "l2.weight")
    params = dict(model.named_parameters())
    mean = {k: torch.zeros_like(params[k]) for k in names}
    square = {k: torch.zeros_like(params[k]) for k in names}
    for batch in batches:
        model.zero_grad(set_to_none=True)
        _loss(model, batch).backward()
        for k in names:
            mean[k] += params[k].grad / len(batches)
            square[k] += params[k].grad ** 2 / len(batches)
    model.zero_grad(set_to_none=True)
    return mean, square


def weight_scores(model: ChessNnue, criterion: str, batches=None, seed: int = 0) -> dict[str, torch.Tensor]:
    """One score per weight of ``ft.weight`` (feature rows, the padding row last),
    ``ft_bias`` and ``l2.weight``, by ``criterion``."""
    if criterion not in SCORES:
        raise ValueError(f"unknown criterion {criterion!r}: choose from {', '.join(SCORES)}")
    if criterion in NEEDS_DATA and not batches:
        raise ValueError(f"the {criterion} criterion needs calibration positions (--data)")
    w = {k: p.detach() for k, p in model.named_parameters() if k in ("ft.weight", "ft_bias", "l2.weight")}
    if criterion == "l1":
        return {k: v.abs() for k, v in w.items()}
    if criterion == "l2":
        return {k: v ** 2 for k, v in w.items()}
    if criterion == "random":
        generator = torch.Generator().manual_seed(seed)
        return {k: torch.rand(v.shape, generator=generator) for k, v in w.items()}
    if criterion == "activation":
        inputs = _input_norms(model, batches)
        scores = {k: v.abs() for k, v in w.items()}
        scores["l2.weight"] = w["l2.weight"].abs() * inputs[None, :]
        return scores
    mean, square = _gradients(model, batches)
    if criterion == "taylor":
        return {k: (w[k] * mean[k]).abs() for k in w}
    return {k: 0.5 * square[k] * w[k] ** 2 for k in w}  # obd


def _accumulators(model: ChessNnue, batch) -> torch.Tensor:
    """Clipped accumulator outputs, ``(positions, 2 * width)``: side to move's, then the opponent's."""
    stm, nstm, _ = batch
    both = torch.cat([model.ft(stm) + model.ft_bias, model.ft(nstm) + model.ft_bias], dim=1)
    return torch.clamp(both, 0.0, 1.0)


def _input_norms(model: ChessNnue, batches) -> torch.Tensor:
    """``||x_j||`` over the calibration positions of each input of ``l2`` (a clipped accumulator)."""
    with torch.no_grad():
        return torch.sqrt(sum((_accumulators(model, b) ** 2).sum(0) for b in batches))


def unit_scores(model: ChessNnue, criterion: str, batches=None, seed: int = 0) -> torch.Tensor:
    """One score per accumulator unit: its group's weight scores summed (``activation``:
    the unit's mean clipped output in both perspectives times its ``l2`` columns' L1 norm)."""
    width = model.width
    if criterion == "random":
        return torch.rand(width, generator=torch.Generator().manual_seed(seed))
    if criterion == "activation":
        if not batches:
            raise ValueError("the activation criterion needs calibration positions (--data)")
        with torch.no_grad():
            mean = sum(_accumulators(model, b).sum(0) for b in batches) / sum(b[0].shape[0] for b in batches)
            out = model.l2.weight.detach().abs().sum(0)
        return mean[:width] * out[:width] + mean[width:] * out[width:]
    s = weight_scores(model, criterion, batches, seed)
    l2 = s["l2.weight"]
    return s["ft.weight"][:nnue.N_FEATURES].sum(0) + s["ft_bias"] + l2[:, :width].sum(0) + l2[:, width:].sum(0)


def units_to_keep(scores: torch.Tensor, keep: int) -> torch.Tensor:
    """Indices (ascending) of the ``keep`` highest-scoring units (ties: the lower index)."""
    if not 1 <= keep <= scores.numel():
        raise ValueError(f"cannot keep {keep} of {scores.numel()} accumulator units")
    return torch.sort(torch.argsort(scores, descending=True, stable=True)[:keep]).values


def shrink(model: ChessNnue, keep: torch.Tensor) -> ChessNnue:
    """A narrower ``ChessNnue`` holding only the accumulator units ``keep``, groups whole."""
    small = ChessNnue(int(keep.numel()))
    columns = torch.cat([keep, keep + model.width])
    with torch.no_grad():
        small.ft.weight.copy_(model.ft.weight[:, keep])
        small.ft_bias.copy_(model.ft_bias[keep])
        small.l2.weight.copy_(model.l2.weight[:, columns])
        small.l2.bias.copy_(model.l2.bias)
        small.l3.load_state_dict(model.l3.state_dict())
    return small


def masked(model: ChessNnue, keep: torch.Tensor) -> ChessNnue:
    """The full-width model with every unit outside ``keep`` zeroed (``shrink``'s reference)."""
    full = copy.deepcopy(model)
    drop = torch.ones(model.width, dtype=torch.bool)
    drop[keep] = False
    with torch.no_grad():
        full.ft.weight[:, drop] = 0.0
        full.ft_bias[drop] = 0.0
        full.l2.weight[:, torch.cat([drop, drop])] = 0.0
    return full


def l2_masks(model: ChessNnue, method: str, amount: float | None = None, criterion: str = "l1", batches=None,
             seed: int = 0) -> torch.Tensor:
    """Keep-mask of ``l2.weight``: ``unstructured`` drops the ``amount`` lowest-scoring
    weights; ``2:4`` the 2 lowest of every 4 consecutive inputs of each output unit."""
    return _mask_from_scores(weight_scores(model, criterion, batches, seed)["l2.weight"].float(), method, amount)


def _mask_from_scores(scores: torch.Tensor, method: str, amount: float | None) -> torch.Tensor:
    flat = scores.reshape(-1)
    if method == "unstructured":
        if amount is None or not 0 < amount < 1:
            raise ValueError(f"unstructured pruning needs an amount in (0, 1), got {amount}")
        keep = torch.zeros(flat.numel(), dtype=torch.bool)
        keep[torch.argsort(flat, descending=True, stable=True)[:flat.numel() - round(amount * flat.numel())]] = True
        return keep.reshape(scores.shape)
    if method == "2:4":
        blocks = scores.reshape(scores.shape[0], -1, 4)
        top = torch.topk(blocks, 2, dim=2).indices
        keep = torch.zeros_like(blocks, dtype=torch.bool).scatter_(2, top, True)
        return keep.reshape(scores.shape)
    raise ValueError(f"l2 masks are unstructured or 2:4, not {method!r}")


def hold(mask: torch.Tensor):
    """An ``after_step`` for ``nnue.train`` that keeps the pruned weights of ``l2`` at zero."""
    def apply(model: ChessNnue, step: int) -> None:
        with torch.no_grad():
            model.l2.weight.mul_(mask)
    return apply


def l2_inputs(model: ChessNnue, batches) -> torch.Tensor:
    """The inputs of ``l2`` over the calibration positions, ``(positions, 2 * width)``, float64."""
    with torch.no_grad():
        return torch.cat([_accumulators(model, b) for b in batches]).double()


def obs_l2(model: ChessNnue, batches, method: str, amount: float | None = None,
           damping: float = 1e-4) -> torch.Tensor:
    """Prune ``l2.weight`` in place by layer-wise OBS (``method``: ``unstructured`` at
    ``amount``, or ``2:4``) and return its keep-mask. ``damping`` times the mean of
    ``H``'s diagonal is added to it, so inputs that are never on keep it invertible."""
    if not batches:
        raise ValueError("OBS needs calibration positions (--data)")
    x = l2_inputs(model, batches)
    hessian = x.T @ x
    hessian += damping * float(hessian.diagonal().mean()) * torch.eye(hessian.shape[0], dtype=hessian.dtype)
    inverse = torch.linalg.inv(hessian)
    w = model.l2.weight.detach().double()
    saliency = w ** 2 / (2 * inverse.diagonal()[None, :])
    mask = _mask_from_scores(saliency, method, amount)
    solved = torch.zeros_like(w)
    for unit in range(w.shape[0]):
        kept = mask[unit]
        target = hessian[kept] @ w[unit]  # H_K: w, the kept inputs' correlation with the old output
        solved[unit, kept] = torch.linalg.solve(hessian[kept][:, kept], target)
    with torch.no_grad():
        model.l2.weight.copy_(solved.float())
    return mask


def _resumed_mask(weight: torch.Tensor) -> torch.Tensor | None:
    """The mask of a run resumed from a checkpoint: its exact zeros (None if it has none)."""
    kept = weight.detach() != 0
    return None if bool(kept.all()) else kept


class GradualMagnitude:
    """An ``after_step`` that prunes ``l2`` gradually inside a training run (Zhu and Gupta's
    AGP): every ``every`` steps from ``start`` to ``end`` the sparsity rises along
    ``amount * (1 - (1 - t)^3)`` by magnitude; pruned weights stay pruned (held at zero,
    they stay the smallest), and from ``end`` on the mask is only held."""

    def __init__(self, amount: float, start: int, end: int, every: int = 100) -> None:
        if not 0 < amount < 1 or not 0 <= start < end or every < 1:
            raise ValueError("gradual pruning needs 0 < amount < 1, 0 <= start < end and every >= 1")
        self.amount, self.start, self.end, self.every = amount, start, end, every
        self.mask: torch.Tensor | None = None

    def sparsity_at(self, step: int) -> float:
        t = min(1.0, max(0.0, (step - self.start) / (self.end - self.start)))
        return self.amount * (1 - (1 - t) ** 3)

    def resume(self, model: ChessNnue) -> None:
        """A run resumed from its checkpoint: the mask is the checkpoint's zeros."""
        self.mask = _resumed_mask(model.l2.weight)

    def __call__(self, model: ChessNnue, step: int) -> None:
        due = self.start <= step <= self.end and ((step - self.start) % self.every == 0 or step == self.end)
        if due and self.sparsity_at(step) > 0:
            self.mask = _mask_from_scores(model.l2.weight.detach().abs(), "unstructured", self.sparsity_at(step))
        if self.mask is not None:
            with torch.no_grad():
                model.l2.weight.mul_(self.mask)


class DynamicSparse:
    """An ``after_step`` that trains ``l2`` sparse from the start at ``amount`` and lets the
    mask move (RigL, Evci et al. 2020): every ``every`` steps until ``end`` a share of the
    kept weights, falling along a cosine from ``drop``, goes (the smallest) and as many
    pruned ones come back (those of largest gradient, starting at zero)."""

    def __init__(self, amount: float, end: int, every: int = 100, drop: float = 0.3, seed: int = 0) -> None:
        if not 0 < amount < 1 or end < 1 or every < 1 or not 0 < drop < 1:
            raise ValueError("dynamic sparsity needs 0 < amount < 1, end >= 1, every >= 1 and 0 < drop < 1")
        self.amount, self.end, self.every, self.drop, self.seed = amount, end, every, drop, seed
        self.mask: torch.Tensor | None = None
        self.regrown = 0

    def __call__(self, model: ChessNnue, step: int) -> None:
        weight = model.l2.weight
        if self.mask is None:
            self.mask = _mask_from_scores(torch.rand(weight.shape, generator=torch.Generator().manual_seed(self.seed)),
                                          "unstructured", self.amount)
        elif step < self.end and step % self.every == 0 and weight.grad is not None:
            self._move(weight, step)
        with torch.no_grad():
            weight.mul_(self.mask)

    def resume(self, model: ChessNnue) -> None:
        """A run resumed from its checkpoint: the mask is the checkpoint's zeros."""
        self.mask = _resumed_mask(model.l2.weight)

    def _move(self, weight: torch.Tensor, step: int) -> None:
        share = self.drop * 0.5 * (1 + math.cos(math.pi * step / self.end))
        count = int(share * int(self.mask.sum()))
        if count < 1:
            return
        kept = self.mask.reshape(-1)
        magnitude = torch.where(kept, weight.detach().abs().reshape(-1), torch.inf)
        growth = torch.where(kept, -torch.inf, weight.grad.detach().abs().reshape(-1))
        dropped = torch.argsort(magnitude, stable=True)[:count]
        grown = torch.argsort(growth, descending=True, stable=True)[:count]
        kept[dropped] = False
        kept[grown] = True
        with torch.no_grad():
            weight.view(-1)[grown] = 0.0
        self.regrown += count


#: Recipes of ``prune_dual``. ``hybrid``: unstructured first (``amount`` of ``l2``), then
#: the units whose two ``l2`` columns are at least ``EMPTY`` zero removed whole.
METHODS = ("structured", "unstructured", "2:4", "structured+2:4", "hybrid")
#: Criteria ``prune_dual`` takes: the scores above, or ``obs`` (``obs_l2``; unstructured,
#: 2:4 and hybrid only).
CRITERIA = SCORES + ("obs",)
EMPTY = 0.9
DEFAULT_FORMAT = {"structured": "dense", "unstructured": "csr", "2:4": "2:4", "structured+2:4": "2:4", "hybrid": "csr"}


@dataclass
class DualRecipe:
    method: str
    #: structured: share of units removed; unstructured and hybrid: share of l2's weights.
    amount: float | None = None
    criterion: str = "l1"
    finetune_epochs: int = 0
    lr: float = 3e-4
    distil: float = 0.0
    batch_size: int = 4096
    calibration: int = 8192
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r} for a chess-dual net: choose from {', '.join(METHODS)}")
        if self.criterion not in CRITERIA:
            raise ValueError(f"unknown criterion {self.criterion!r}: choose from {', '.join(CRITERIA)}")
        if self.criterion == "obs" and self.method in ("structured", "structured+2:4"):
            raise ValueError("obs prunes single weights: use it with unstructured, 2:4 or hybrid")
        if self.method == "2:4":
            if self.amount not in (None, 0.5):
                raise ValueError(f"2:4 prunes exactly half of the weights; --amount {self.amount} is impossible")
        elif self.amount is None or not 0 < self.amount < 1:
            raise ValueError(f"{self.method} pruning needs an amount between 0 and 1 (exclusive), got {self.amount}")
        if not 0 <= self.distil <= 1 or self.finetune_epochs < 0:
            raise ValueError("distil must be in [0, 1] and the fine-tuning epochs not negative")

    @property
    def needs_data(self) -> bool:
        return self.finetune_epochs > 0 or self.criterion in NEEDS_DATA or self.criterion == "obs"


def prune_dual(parent: ChessNnue, recipe: DualRecipe, train_rows: np.ndarray | None = None, *, wdl: float = 0.0,
               workdir: Path | None = None) -> tuple[ChessNnue, torch.Tensor | None, dict]:
    """Apply ``recipe`` to a copy of ``parent``: ``(model, l2 keep-mask or None, report)``.

    ``train_rows``: the parent's training positions (calibration and fine-tuning; never
    its validation games); ``workdir``: where the fine-tuning run keeps its checkpoint.
    """
    if recipe.needs_data and (train_rows is None or not len(train_rows)):
        raise ValueError("this recipe fine-tunes or reads calibration positions: give training data (--data)")
    batches = calibration(train_rows, recipe.calibration, recipe.seed, wdl) if recipe.needs_data else None
    model, mask = copy.deepcopy(parent), None
    if recipe.method.startswith("structured"):
        scores = unit_scores(model, recipe.criterion, batches, recipe.seed)
        kept = max(1, model.width - round(recipe.amount * model.width))
        if recipe.method == "structured+2:4":
            kept = max(2, kept - kept % 2)  # 2:4 reads the 2 * kept inputs in groups of 4
        model = shrink(model, units_to_keep(scores, kept))
    if recipe.method != "structured":
        method = "2:4" if recipe.method.endswith("2:4") else "unstructured"
        if recipe.criterion == "obs":
            mask = obs_l2(model, batches, method, recipe.amount)
        else:
            mask = l2_masks(model, method, recipe.amount, recipe.criterion, batches, recipe.seed)
            hold(mask)(model, 0)
    if recipe.method == "hybrid":
        empty = (~mask[:, :model.width]).float().mean(0) + (~mask[:, model.width:]).float().mean(0)
        keep = torch.nonzero(empty < 2 * EMPTY).flatten()
        if keep.numel() == 0:
            keep = torch.argsort(empty)[:1]
        model, mask = shrink(model, keep), mask[:, torch.cat([keep, keep + model.width])]
    report = {"width": [parent.width, model.width],
              "l2_zero": float((model.l2.weight.detach() == 0).float().mean())}
    if recipe.finetune_epochs:
        config = nnue.NnueConfig(width=model.width, epochs=recipe.finetune_epochs, batch_size=recipe.batch_size,
                                 lr=recipe.lr, lr_floor=1.0, wdl=wdl, val_fraction=0.02, seed=recipe.seed)
        with tempfile.TemporaryDirectory() as scratch:
            run = nnue.train(config, train_rows, Path(workdir or scratch) / "finetune", progress=False, init=model,
                             after_step=hold(mask) if mask is not None else None,
                             teacher=parent if recipe.distil else None, distil=recipe.distil)
        model = run["model"]
        report["finetune"] = run["history"]
    return model, mask, report


def prune_dual_net(parent, recipe: DualRecipe, folder: Path, *, data: list[Path] | None = None,
                   limit: int | None = None, fmt: str | None = None, quant: str | None = None) -> Path:
    """Prune the stored ``chess-dual`` net ``parent`` by ``recipe`` and write the result into
    ``folder``; the manifest records the recipe and the validation loss as stored."""
    from searchprune.nets import teacher_games
    from searchprune.paths import portable_path

    trained = parent.manifest.get("training", {}).get("config", {})
    wdl, val_fraction = float(trained.get("wdl", 0.0)), float(trained.get("val_fraction", 0.02))
    train_rows = val_rows = None
    if data:
        records = teacher_games.load(data)
        if limit:
            records = records[:limit]
        train_rows, val_rows = nnue.split(records, val_fraction)
    model, _, report = prune_dual(nnue.load_model(parent), recipe, train_rows, wdl=wdl)
    fmt = fmt or DEFAULT_FORMAT[recipe.method]
    metrics = {}
    if val_rows is not None:
        metrics = {"loss": nnue.evaluate_loss(as_stored(model, fmt, quant), val_rows, wdl), "positions": len(val_rows)}
    recipe_record = {**asdict(recipe), "format": fmt, "quant": quant, **report,
                     "data": {"folders": [portable_path(f) for f in data or []], "limit": limit}}
    return nnue.export(model, folder, quant=quant, fmt=fmt, parent=parent.name, prune=recipe_record,
                       training=parent.manifest.get("training", {}), metrics=metrics)


def as_stored(model: ChessNnue, fmt: str, quant: str | None) -> ChessNnue:
    """``model`` as a file of this format holds it (through encode and decode: quantised
    weights; the int8 kernel's rounding of activations is not modelled)."""
    from searchprune.evaluation import formats
    from searchprune.evaluation.arch import arch_for

    sizes = arch_for("chess", nnue.ARCH).sizes(model.width)
    arrays = formats.encode(nnue.model_arrays(model), fmt, quant, formats.sparse_matrices(sizes))
    return nnue.model_from_arrays(formats.decode(arrays, fmt, quant, sizes))
