"""Unstructured pruning: zero the least important single weights.

``local``: each prunable matrix loses ``amount`` of its weights. ``global``: one threshold
over all of them, so a layer whose weights matter less loses more; ``floor`` is the share
of each layer's weights that is always kept (its most important ones), so no layer
collapses. Weights already pruned (``masks``) stay pruned: their scores are minus infinity.
"""

from __future__ import annotations

import math

import torch


def masks_for(scores: dict[str, torch.Tensor], amount: float, scope: str = "local", floor: float = 0.02,
              masks: dict[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """Boolean keep-masks with ``amount`` of all the scored weights pruned."""
    if scope not in ("local", "global"):
        raise ValueError(f"scope must be local or global, not {scope!r}")
    if not 0 <= amount < 1:
        raise ValueError(f"unstructured amount must be in [0, 1), got {amount}")
    scores = {k: _held(v, masks and masks.get(k)) for k, v in scores.items()}
    if scope == "local":
        return {k: _keep_top(v, v.numel() - round(amount * v.numel())) for k, v in scores.items()}
    total = sum(v.numel() for v in scores.values())
    floors = {k: math.ceil(floor * v.numel()) for k, v in scores.items()}
    if total - round(amount * total) < sum(floors.values()):
        raise ValueError(f"global amount {amount} would cut a layer below its floor of {floor:.0%}")
    # The floor's weights are protected (score +inf); the rest compete for what is left.
    protected = {k: _keep_top(v, floors[k]) for k, v in scores.items()}
    ranked = torch.cat([torch.where(protected[k], torch.inf, v).reshape(-1) for k, v in scores.items()])
    keep = _keep_top(ranked, total - round(amount * total))
    out, start = {}, 0
    for k, v in scores.items():
        out[k] = keep[start:start + v.numel()].reshape(v.shape)
        start += v.numel()
    return out


def _held(scores: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    scores = scores.detach().float()
    return scores if mask is None else torch.where(mask, scores, -torch.inf)


def _keep_top(scores: torch.Tensor, count: int) -> torch.Tensor:
    """Mask of the ``count`` highest scores (ties broken by position, deterministically)."""
    flat = scores.reshape(-1)
    keep = torch.zeros(flat.numel(), dtype=torch.bool)
    if count > 0:
        keep[torch.argsort(flat, descending=True, stable=True)[:count]] = True
    return keep.reshape(scores.shape)
