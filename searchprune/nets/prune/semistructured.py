"""2:4 semi-structured pruning: in every group of 4 consecutive input weights of a unit,
2 are zero. The masks come from torch.ao.pruning's ``WeightNormSparsifier`` (block
(1, 4), 2 zeros per block: the 2 smallest weights of each block go);
``sparsity_level`` is the share of blocks made 2:4, which the schedules ramp up."""

from __future__ import annotations

import copy

import torch
from torch.ao.pruning import WeightNormSparsifier

from searchprune.evaluation import formats
from searchprune.nets.model import EvalNet
from searchprune.nets.prune.importance import PRUNABLE


def masks_24(model: EvalNet, level: float = 1.0, masks: dict[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """Keep-masks making ``level`` of the 4-weight blocks of each prunable matrix 2:4.

    Weights already pruned (``masks``) stay pruned; the sparsifier scores a copy of the
    model with them zeroed, so a block that already holds two zeros keeps them.
    """
    probe = copy.deepcopy(model)
    with torch.no_grad():
        for name, w in (("l1.weight", probe.l1.weight), ("l2.weight", probe.l2.weight)):
            if masks and name in masks:
                w.mul_(masks[name])
    sparsifier = WeightNormSparsifier(sparsity_level=level, sparse_block_shape=(1, 4), zeros_per_block=2)
    sparsifier.prepare(probe, [{"tensor_fqn": name} for name in PRUNABLE])
    sparsifier.step()
    out = {"l1.weight": probe.l1.parametrizations.weight[0].mask.clone(),
           "l2.weight": probe.l2.parametrizations.weight[0].mask.clone()}
    if masks:
        out = {k: v & masks[k] if k in masks else v for k, v in out.items()}
    return out


def is_24(weight: torch.Tensor) -> bool:
    """Every group of 4 consecutive input weights holds at least 2 zeros (``formats.is_24``)."""
    return formats.is_24(weight.detach().cpu().numpy())
