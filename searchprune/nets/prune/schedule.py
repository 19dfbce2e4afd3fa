"""The ``Pruner``: a pruning method applied on a schedule, with fine-tuning between steps.

Methods (``METHODS``):

- ``unstructured``: weights zeroed by an importance criterion, ``local`` or ``global``
  (with a per-layer ``floor``); exported as CSR by default.
- ``structured``: whole hidden units removed and the model shrunk; a smaller dense net.
- ``2:4``: 2 of every 4 consecutive input weights zeroed (``WeightNormSparsifier``).
- ``structured+2:4``: the structured schedule first, then 2:4 on the shrunk net.

Schedules (``SCHEDULES``) give the sparsity after each of ``steps`` steps:

- ``one-shot``: all at once (one step).
- ``iterative``: each step removes the same share of what is left, ``1 - (1 - A)^(k/n)``.
- ``agp``: the gradual cubic schedule of Zhu & Gupta, ``A (1 - (1 - k/n)^3)``: fast
  first, gentle at the end.
- ``lottery``: the iterative sparsities, but after each step the surviving weights are
  rewound to the parent's (the rewinding used for pre-trained networks) before
  fine-tuning, so each round's mask comes from the fine-tuned weights while the weights
  start again from the parent.

For 2:4 the schedule ramps the share of 4-weight blocks that are 2:4 (``sparsity_level``
of the sparsifier) instead, on the same curve. Each step is followed by
``finetune_epochs`` epochs of Adam on the training data with the masks held (pruned
weights are reset to zero after every optimizer step). The last step keeps whichever of
its epochs (or the unfine-tuned state) had the lowest validation loss.

Fine-tuning options: ``lr_schedule="cosine"`` anneals the rate to zero over each step's
epochs (the default keeps it constant); ``distil=W`` trains towards ``(1 - W)`` times
the label plus ``W`` times the parent's own output (knowledge distillation: the dense
parent teaches the pruned net what it would have said, a smoother target than the
labels alone).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from searchprune.evaluation.arch import arch_for
from searchprune.nets.model import EvalNet, inputs_from_indices
from searchprune.nets.prune import semistructured, structured, unstructured
from searchprune.nets.prune.importance import NEEDS_DATA, PRUNABLE, Criterion, criterion_for
from searchprune.paths import portable_path

METHODS = ("unstructured", "structured", "2:4", "structured+2:4")
SCHEDULES = ("one-shot", "iterative", "agp", "lottery")
SCOPES = ("local", "global")
LR_SCHEDULES = ("constant", "cosine")
#: The export format each method's result takes unless told otherwise.
DEFAULT_FORMAT = {"unstructured": "csr", "structured": "dense", "2:4": "2:4", "structured+2:4": "2:4"}


@dataclass
class PruneConfig:
    method: str
    #: unstructured: share of the prunable weights zeroed; structured (and structured+2:4):
    #: share of hidden units removed; 2:4: must be 0.5 or None.
    amount: float | None = None
    criterion: str = "l1"
    scope: str = "local"
    floor: float = 0.02
    schedule: str = "one-shot"
    steps: int = 1
    finetune_epochs: int = 0
    lr: float = 3e-4
    lr_schedule: str = "constant"
    #: Weight of the parent's output in the fine-tuning target (0: the labels only).
    distil: float = 0.0
    batch_size: int = 1024
    #: Positions the data-aware criteria (taylor, activation) are computed on.
    calibration: int = 8192
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse impossible recipes up front, in one line each."""
        if self.method not in METHODS:
            raise ValueError(f"unknown pruning method {self.method!r}: choose from {', '.join(METHODS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}: choose from {', '.join(SCHEDULES)}")
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be local or global, not {self.scope!r}")
        criterion_for(self.criterion)
        if self.method == "2:4":
            if self.amount not in (None, 0.5):
                raise ValueError(f"2:4 prunes exactly half of the weights; --amount {self.amount} is impossible")
        elif self.amount is None:
            raise ValueError(f"{self.method} pruning needs an amount")
        elif not 0 < self.amount < 1:
            raise ValueError(f"amount must be between 0 and 1 (exclusive): {self.amount} would "
                             f"{'prune nothing' if self.amount <= 0 else 'remove everything'}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"unknown learning-rate schedule {self.lr_schedule!r}: choose from "
                             f"{', '.join(LR_SCHEDULES)}")
        if not 0 <= self.distil <= 1:
            raise ValueError(f"distil is the parent's share of the target, in [0, 1]: got {self.distil}")
        if not 0 <= self.floor < 1:
            raise ValueError(f"floor must be in [0, 1), got {self.floor}")
        if self.steps < 1 or self.finetune_epochs < 0:
            raise ValueError("steps must be at least 1 and finetune epochs not negative")
        if self.schedule == "one-shot" and self.steps != 1:
            raise ValueError("a one-shot schedule has one step; use iterative, agp or lottery for more")
        if self.schedule == "lottery" and self.finetune_epochs < 1:
            raise ValueError("lottery rewinding retrains after each step: give --finetune-epochs")
        if self.method == "unstructured" and self.scope == "global" and self.amount > 1 - self.floor:
            raise ValueError(f"global amount {self.amount} leaves less than the per-layer floor of {self.floor}")

    @property
    def needs_data(self) -> bool:
        return self.finetune_epochs > 0 or self.criterion in NEEDS_DATA


def sparsity_steps(schedule: str, amount: float, steps: int) -> list[float]:
    """The sparsity reached after each step of ``schedule`` towards ``amount``."""
    if schedule == "one-shot":
        return [amount]
    if schedule == "agp":
        return [amount * (1 - (1 - k / steps) ** 3) for k in range(1, steps + 1)]
    return [1 - (1 - amount) ** (k / steps) for k in range(1, steps + 1)]


@dataclass
class TuningData:
    """Training and validation positions as tensors (padded feature indices + targets)."""

    train_features: torch.Tensor
    train_target: torch.Tensor
    val_features: torch.Tensor
    val_target: torch.Tensor
    description: dict = field(default_factory=dict)


@dataclass
class PruneResult:
    model: EvalNet
    #: Keep-masks of the prunable matrices (all True for a purely structured result).
    masks: dict[str, torch.Tensor]
    history: list[dict]
    sparsity: dict


class Pruner:
    """Apply ``config`` to a trained ``EvalNet`` (the parent is not modified)."""

    def __init__(self, config: PruneConfig, data: TuningData | None = None, criterion: Criterion | None = None) -> None:
        """``criterion``: any ``importance`` callable, in place of the one ``config`` names."""
        if config.needs_data and data is None:
            raise ValueError("this recipe fine-tunes or uses a data-aware criterion: it needs training data")
        self.config = config
        self.data = data
        self.criterion = criterion or criterion_for(config.criterion)
        if criterion is None and config.criterion == "random":
            self.criterion = functools.partial(self.criterion, seed=config.seed)

    def run(self, parent: EvalNet, progress: bool = True) -> PruneResult:
        c = self.config
        torch.manual_seed(c.seed)
        self._teacher = parent if c.distil else None
        self._shuffle = torch.Generator().manual_seed(c.seed)
        model = copy.deepcopy(parent)
        history: list[dict] = []
        plan = self._plan()
        units = torch.arange(parent.hidden)
        masks = _full_masks(model)
        with tqdm(total=len(plan) * (1 + c.finetune_epochs), desc=f"prune {c.method}", unit="step",
                  disable=not progress) as bar:
            for number, (stage, target) in enumerate(plan, 1):
                if stage == "structured":
                    keep = structured.units_to_keep(self._scores(model), structured.kept_units(parent.hidden, target))
                    units = units[keep]
                    model = structured.shrink(model, keep)
                    masks = _full_masks(model)
                elif stage == "2:4":
                    masks = semistructured.masks_24(model, level=target, masks=masks)
                else:
                    masks = unstructured.masks_for(self._scores(model), target, c.scope, c.floor, masks)
                if c.schedule == "lottery":
                    model = _rewind(parent, units)
                _apply(model, masks)
                bar.update()
                record = {"step": number, "stage": stage, "target": round(target, 6), "hidden": model.hidden,
                          "sparsity": _sparsity(model, masks)["prunable"]}
                last = number == len(plan)
                if c.finetune_epochs:
                    record["epochs"] = self._finetune(model, masks, keep_best=last, bar=bar)
                history.append(record)
        return PruneResult(model, masks, history, _sparsity(model, masks, parent.hidden))

    def _plan(self) -> list[tuple[str, float]]:
        """(stage, target) per step: a sparsity, a unit share, or a 2:4 block share."""
        c = self.config
        if c.method in ("structured", "unstructured"):
            return [(c.method, s) for s in sparsity_steps(c.schedule, c.amount, c.steps)]
        levels = [s / 0.5 for s in sparsity_steps(c.schedule, 0.5, c.steps)]
        if c.method == "2:4":
            return [("2:4", level) for level in levels]
        return [("structured", s) for s in sparsity_steps(c.schedule, c.amount, c.steps)] + [("2:4", 1.0)]

    def _scores(self, model: EvalNet) -> dict[str, torch.Tensor]:
        return self.criterion(model, self._calibration(model) if self.data is not None else None)

    def _calibration(self, model: EvalNet) -> list[tuple[torch.Tensor, torch.Tensor]]:
        d = self.data
        rows = torch.randperm(d.train_features.shape[0], generator=torch.Generator().manual_seed(self.config.seed))
        rows = rows[:self.config.calibration]
        return [(inputs_from_indices(d.train_features[rows[i:i + 1024]], model.arch.n_inputs),
                 d.train_target[rows[i:i + 1024]]) for i in range(0, rows.numel(), 1024)]

    def _finetune(self, model: EvalNet, masks: dict[str, torch.Tensor], keep_best: bool, bar: tqdm) -> list[dict]:
        c, d = self.config, self.data
        optimizer = torch.optim.Adam(model.parameters(), lr=c.lr)
        n = d.train_features.shape[0]
        batches = -(-n // c.batch_size) * c.finetune_epochs
        annealing = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=batches)
                     if c.lr_schedule == "cosine" else None)
        epochs = []
        best_loss, best_state = validation_loss(model, d), copy.deepcopy(model.state_dict())
        for epoch in range(1, c.finetune_epochs + 1):
            model.train()
            order = torch.randperm(n, generator=self._shuffle)
            total = 0.0
            for start in range(0, n, c.batch_size):
                rows = order[start:start + c.batch_size]
                x = inputs_from_indices(d.train_features[rows], model.arch.n_inputs)
                loss = model.loss(model(x), distillation_target(self._teacher, x, d.train_target[rows], c.distil))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if annealing is not None:
                    annealing.step()
                _apply(model, masks)
                total += loss.item() * len(rows)
            val = validation_loss(model, d)
            epochs.append({"epoch": epoch, "train_loss": total / n, "val_loss": val})
            if val < best_loss:
                best_loss, best_state = val, copy.deepcopy(model.state_dict())
            bar.set_postfix(val=f"{val:.4g}")
            bar.update()
        if keep_best:
            model.load_state_dict(best_state)
        return epochs


def distillation_target(parent: EvalNet | None, x: torch.Tensor, label: torch.Tensor, weight: float) -> torch.Tensor:
    """``(1 - weight) * label + weight * parent's output`` (in the target's units): the
    fine-tuning target; the label itself without a parent or weight."""
    if parent is None or not weight:
        return label
    with torch.no_grad():
        return (1 - weight) * label + weight * parent.as_target(parent(x))


def validation_loss(model: EvalNet, data: TuningData) -> float:
    from searchprune.nets.train import predict

    with torch.no_grad():
        return float(model.loss(predict(model, data.val_features), data.val_target))


def _full_masks(model: EvalNet) -> dict[str, torch.Tensor]:
    return {"l1.weight": torch.ones_like(model.l1.weight, dtype=torch.bool),
            "l2.weight": torch.ones_like(model.l2.weight, dtype=torch.bool)}


def _apply(model: EvalNet, masks: dict[str, torch.Tensor]) -> None:
    """Zero the pruned weights (and the factoriser's share of pruned first-layer weights)."""
    with torch.no_grad():
        model.l1.weight.mul_(masks["l1.weight"])
        model.l2.weight.mul_(masks["l2.weight"])
        if model.factor is not None and not bool(masks["l1.weight"].all()):
            # The factoriser adds to every input of its block, which would revive pruned
            # weights at export: fold it into the first layer and drop it.
            model.l1.weight.copy_(model.first_layer_weight() * masks["l1.weight"])
            model.factor = None


def _rewind(parent: EvalNet, units: torch.Tensor) -> EvalNet:
    """The parent's weights for the surviving units (the lottery recipe's rewind point)."""
    return structured.shrink(parent, units) if units.numel() != parent.hidden else copy.deepcopy(parent)


def _sparsity(model: EvalNet, masks: dict[str, torch.Tensor], parent_hidden: int | None = None) -> dict:
    sizes = {k: int(m.numel()) for k, m in masks.items()}
    zeros = {k: int((~m).sum()) for k, m in masks.items()}
    out = {k: zeros[k] / sizes[k] for k in PRUNABLE}
    out["prunable"] = sum(zeros.values()) / sum(sizes.values())
    out["hidden"] = model.hidden
    if parent_hidden is not None:
        out["hidden_removed"] = 1 - model.hidden / parent_hidden
    return out


def tuning_data(net, data_folders: list[Path], limit: int | None = None) -> TuningData:
    """The parent's training positions, split into the same train and validation games as
    its own training (its seed and validation share), so fine-tuning never sees the
    games its validation loss is measured on."""
    from searchprune.nets.train import TrainConfig, _to_split, prepare_data

    trained = net.manifest.get("training", {})
    config = TrainConfig(game=net.game, hidden=net.hidden, seed=int(trained.get("seed", 0)),
                         val_fraction=float(trained.get("val_fraction", 0.1)), mirror=bool(trained.get("mirror", False)),
                         result_weight=float(trained.get("result_weight", 0.0)))
    data, train_data, val_data = prepare_data(config, data_folders)
    if limit is not None and len(train_data) > limit:
        train_data = train_data.subset(np.sort(np.random.default_rng(0).choice(len(train_data), limit, replace=False)))
    arch = arch_for(net.game)
    train_split, val_split = _to_split(train_data, arch, config), _to_split(val_data, arch, config)
    return TuningData(train_split.features, train_split.target, val_split.features, val_split.target,
                      {"folders": [portable_path(f) for f in data_folders], "positions": len(data),
                       "train_positions": len(train_data), "val_positions": len(val_data),
                       "seed": config.seed, "val_fraction": config.val_fraction, "mirror": config.mirror})


def prune_net(parent, config: PruneConfig, folder: Path, *, data: TuningData | None = None, fmt: str | None = None,
              quant: str | None = None, progress: bool = True) -> Path:
    """Prune the stored net ``parent`` by ``config`` and write the result into ``folder``.

    The manifest's ``metrics`` hold the validation loss of the net as stored (quantised
    weights and rounded activations included), ``prune`` the whole recipe.
    """
    from searchprune.nets.export import export_model, load_model

    fmt = fmt or DEFAULT_FORMAT[config.method]
    result = Pruner(config, data).run(load_model(parent), progress=progress)
    metrics = {}
    if data is not None:
        metrics = {"loss": validation_loss(as_stored(result.model, fmt, quant), data),
                   "positions": int(data.val_features.shape[0])}
    recipe = {**asdict(config), "format": fmt, "quant": quant, "sparsity": result.sparsity, "history": result.history,
              "data": data.description if data is not None else None}
    return export_model(result.model, Path(folder), parent=parent.name, metrics=metrics, fmt=fmt, quant=quant,
                        prune=recipe, training=parent.manifest.get("training", {}))


def as_stored(model: EvalNet, fmt: str, quant: str | None) -> EvalNet:
    """The model as a file of this format holds it: through encode and decode (quantised
    weights), with the int8 kernel's rounded activations."""
    from searchprune.evaluation import formats
    from searchprune.nets.export import model_arrays, model_from_arrays

    sizes = model.arch.sizes(model.hidden)
    stored = model_from_arrays(model.game, formats.decode(formats.encode(model_arrays(model), fmt, quant), fmt, quant,
                                                          sizes))
    stored.round_activations = quant is not None
    return stored
