"""Importance criteria: how much each prunable weight matters (higher: keep).

A criterion is a callable ``criterion(model, batches) -> {name: scores}`` with one score
per weight of each prunable matrix (``PRUNABLE``). ``batches`` are ``(inputs, target)``
pairs of calibration data; magnitude criteria ignore them.

- ``l1`` / ``l2``: ``|w|`` / ``w**2``. They rank single weights alike; they differ when
  scores are summed over a group (a hidden unit, in structured pruning).
- ``taylor``: ``|w * dL/dw|``, the first-order estimate of the loss change when ``w`` is
  set to zero, with the gradient of the mean loss over the calibration batches.
- ``obd``: Optimal Brain Damage's saliency ``F_ii * w**2 / 2``, the empirical Fisher
  (mean squared per-batch gradient) standing in for the Hessian's diagonal (LeCun,
  Denker and Solla 1990).
- ``random``: seeded uniform scores, the baseline every criterion must beat.
- ``activation``: ``|w_ij| * ||x_j||``, the weight times the L2 norm of its input over
  the calibration batches (the Wanda criterion): a large weight on an input that is
  rarely on matters little.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from searchprune.nets.model import EvalNet

PRUNABLE = ("l1.weight", "l2.weight")
Batches = list[tuple[torch.Tensor, torch.Tensor]]
Criterion = Callable[[EvalNet, Batches | None], dict[str, torch.Tensor]]


def weights(model: EvalNet) -> dict[str, torch.Tensor]:
    return {"l1.weight": model.l1.weight, "l2.weight": model.l2.weight}


def l1(model: EvalNet, batches: Batches | None = None) -> dict[str, torch.Tensor]:
    return {k: w.detach().abs() for k, w in weights(model).items()}


def l2(model: EvalNet, batches: Batches | None = None) -> dict[str, torch.Tensor]:
    return {k: w.detach() ** 2 for k, w in weights(model).items()}


def taylor(model: EvalNet, batches: Batches | None) -> dict[str, torch.Tensor]:
    _need(batches, "taylor")
    model.zero_grad(set_to_none=True)
    model.train()
    total = sum(x.shape[0] for x, _ in batches)
    for x, target in batches:
        (model.loss(model(x), target) * (x.shape[0] / total)).backward()
    scores = {k: (w.detach() * w.grad).abs() for k, w in weights(model).items()}
    model.zero_grad(set_to_none=True)
    return scores


def obd(model: EvalNet, batches: Batches | None) -> dict[str, torch.Tensor]:
    _need(batches, "obd")
    model.train()
    squares = {k: torch.zeros_like(w) for k, w in weights(model).items()}
    for x, target in batches:
        model.zero_grad(set_to_none=True)
        model.loss(model(x), target).backward()
        for k, w in weights(model).items():
            squares[k] += w.grad ** 2 / len(batches)
    model.zero_grad(set_to_none=True)
    return {k: 0.5 * squares[k] * w.detach() ** 2 for k, w in weights(model).items()}


def random(model: EvalNet, batches: Batches | None = None, seed: int = 0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {k: torch.rand(w.shape, generator=generator) for k, w in weights(model).items()}


def activation(model: EvalNet, batches: Batches | None) -> dict[str, torch.Tensor]:
    _need(batches, "activation")
    squares = {"l1.weight": 0.0, "l2.weight": 0.0}
    with torch.no_grad():
        for x, _ in batches:
            h = torch.clamp(model.l1(x), 0.0, 1.0)
            squares["l1.weight"] = squares["l1.weight"] + (x ** 2).sum(0)
            squares["l2.weight"] = squares["l2.weight"] + (h ** 2).sum(0)
    return {k: w.detach().abs() * torch.sqrt(squares[k])[None, :] for k, w in weights(model).items()}


def _need(batches: Batches | None, name: str) -> None:
    if not batches:
        raise ValueError(f"the {name} criterion needs calibration data (--data)")


CRITERIA: dict[str, Criterion] = {"l1": l1, "l2": l2, "taylor": taylor, "obd": obd, "activation": activation,
                                  "random": random}
#: Criteria that read data.
NEEDS_DATA = frozenset({"taylor", "obd", "activation"})


def criterion_for(name: str) -> Criterion:
    try:
        return CRITERIA[name]
    except KeyError:
        raise ValueError(f"unknown importance criterion {name!r}: choose from {', '.join(CRITERIA)}") from None
