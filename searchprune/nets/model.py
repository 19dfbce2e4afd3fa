"""The torch side of a net (training and pruning only; playing never imports this).

``EvalNet`` is ``Linear(inputs, hidden) -> clamp(0, 1) -> Linear(hidden, 32) -> clamp(0, 1)
-> Linear(32, 1)``: exactly what ``searchprune.nets.infer`` computes from the exported
arrays. ``loss`` is the architecture's training loss (``searchprune.nets.arch``).
"""

from __future__ import annotations

import torch
from torch import nn

from searchprune.nets.arch import CP_SCALE, HIDDEN2, Arch, arch_for


class EvalNet(nn.Module):
    def __init__(self, game: str, hidden: int) -> None:
        super().__init__()
        if hidden < 1:
            raise ValueError(f"hidden size must be at least 1, got {hidden}")
        self.arch: Arch = arch_for(game)
        self.game = game
        self.hidden = int(hidden)
        self.l1 = nn.Linear(self.arch.n_inputs, self.hidden)
        self.l2 = nn.Linear(self.hidden, HIDDEN2)
        self.l3 = nn.Linear(HIDDEN2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw outputs ``[B]`` for 0/1 inputs ``x`` ``[B, inputs]``."""
        h = torch.clamp(self.l1(x), 0.0, 1.0)
        h = torch.clamp(self.l2(h), 0.0, 1.0)
        return self.l3(h).squeeze(-1)

    def loss(self, y: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.arch.loss == "wdl":
            p = torch.sigmoid(y * self.arch.output_scale / CP_SCALE)
            return torch.mean((p - target) ** 2)
        return torch.mean((y - target) ** 2)


def inputs_from_indices(indices: torch.Tensor, n_inputs: int) -> torch.Tensor:
    """Dense 0/1 float inputs ``[B, n_inputs]`` from padded (-1) index rows ``[B, K]``."""
    x = torch.zeros(indices.shape[0], n_inputs + 1, dtype=torch.float32)
    idx = indices.long().clone()
    idx[idx < 0] = n_inputs  # padding lands in a spare column, then dropped
    x.scatter_(1, idx, 1.0)
    return x[:, :n_inputs]
