"""Structured pruning: whole hidden units removed, and the model physically shrunk.

A first-layer hidden unit is a coupled group: its fan-in row (``l1.weight[u, :]``, and
the factoriser's row if any), its bias ``l1.bias[u]`` and its fan-out column
(``l2.weight[:, u]``). Removing all three removes the unit exactly: a unit whose row and
bias are zero outputs clamp(0) = 0, which its column then multiplies. ``shrink`` copies
the kept units into a smaller ``EvalNet``, so the exported net is a smaller dense net
and every kernel runs on the smaller width.

A unit's score is the sum of its group's weight scores (any ``importance`` criterion).
"""

from __future__ import annotations

import copy

import torch

from searchprune.nets.model import EvalNet


def unit_scores(scores: dict[str, torch.Tensor]) -> torch.Tensor:
    """One score per hidden unit: its fan-in row's scores plus its fan-out column's."""
    return scores["l1.weight"].sum(1) + scores["l2.weight"].sum(0)


def units_to_keep(scores: dict[str, torch.Tensor], keep: int) -> torch.Tensor:
    """Indices (ascending) of the ``keep`` highest-scoring hidden units."""
    per_unit = unit_scores(scores)
    if not 1 <= keep <= per_unit.numel():
        raise ValueError(f"cannot keep {keep} of {per_unit.numel()} hidden units")
    return torch.sort(torch.argsort(per_unit, descending=True, stable=True)[:keep]).values


def kept_units(hidden: int, amount: float) -> int:
    """Units left after removing ``amount`` of ``hidden`` (rounded; at least one)."""
    if not 0 <= amount < 1:
        raise ValueError(f"structured amount must be in [0, 1), got {amount}")
    return max(1, hidden - round(amount * hidden))


def shrink(model: EvalNet, keep: torch.Tensor) -> EvalNet:
    """A smaller ``EvalNet`` holding only the hidden units ``keep`` (their groups whole)."""
    small = EvalNet(model.game, int(keep.numel()), factorise=model.factor is not None)
    with torch.no_grad():
        small.l1.weight.copy_(model.l1.weight[keep])
        small.l1.bias.copy_(model.l1.bias[keep])
        if model.factor is not None:
            small.factor.weight.copy_(model.factor.weight[keep])
        small.l2.weight.copy_(model.l2.weight[:, keep])
        small.l2.bias.copy_(model.l2.bias)
        small.l3.weight.copy_(model.l3.weight)
        small.l3.bias.copy_(model.l3.bias)
    return small


def masked(model: EvalNet, keep: torch.Tensor) -> EvalNet:
    """The full-width model with every unit outside ``keep`` zeroed (the shrink's reference)."""
    full = copy.deepcopy(model)
    drop = torch.ones(model.hidden, dtype=torch.bool)
    drop[keep] = False
    with torch.no_grad():
        full.l1.weight[drop] = 0.0
        full.l1.bias[drop] = 0.0
        if full.factor is not None:
            full.factor.weight[drop] = 0.0
        full.l2.weight[:, drop] = 0.0
    return full
