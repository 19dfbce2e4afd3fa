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

Criteria (``UNIT_CRITERIA`` score units, ``WEIGHT_CRITERIA`` single weights of ``l2``;
higher means keep):

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

Fine-tuning runs the trainer itself (``nnue.train`` with ``init`` and ``after_step``),
with the masks re-applied after every optimiser step.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from searchprune.nets import nnue
from searchprune.nets.nnue import ChessNnue

UNIT_CRITERIA = ("l1", "l2", "random", "taylor", "obd", "activation")
WEIGHT_CRITERIA = ("l1", "l2", "random", "taylor", "obd", "activation")
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
    if criterion not in WEIGHT_CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r}: choose from {', '.join(WEIGHT_CRITERIA)}")
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
    if criterion not in UNIT_CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r}: choose from {', '.join(UNIT_CRITERIA)}")
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
    scores = weight_scores(model, criterion, batches, seed)["l2.weight"].float()
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
