"""The torch side of a net (training and pruning only; playing never imports this).

``EvalNet`` is ``Linear(inputs, hidden) -> clamp(0, 1) -> Linear(hidden, 32) -> clamp(0, 1)
-> Linear(32, 1)``: exactly what ``searchprune.evaluation.infer`` computes from the exported
arrays. ``loss`` is the architecture's training loss (``searchprune.evaluation.arch``).

``factorise=True`` adds a training-time factoriser, as Stockfish's trainer does: each
block of ``arch.factor_block`` inputs (one piece type of one side, one player's
stones) also feeds a shared "virtual" weight column, so what every square of a piece
type has in common (its material value) is learnt from every position holding one,
not square by square. The block weight adds to each of its inputs' columns, so
``first_layer_weight()`` folds it in and the exported net is the plain architecture.
"""

from __future__ import annotations

import torch
from torch import nn

from searchprune.evaluation.arch import CP_SCALE, HIDDEN2, Arch, arch_for
from searchprune.evaluation.formats import Q_ACT


class EvalNet(nn.Module):
    def __init__(self, game: str, hidden: int, factorise: bool = False) -> None:
        super().__init__()
        if hidden < 1:
            raise ValueError(f"hidden size must be at least 1, got {hidden}")
        self.arch: Arch = arch_for(game)
        self.game = game
        self.hidden = int(hidden)
        self.l1 = nn.Linear(self.arch.n_inputs, self.hidden)
        self.factor: nn.Linear | None = None
        if factorise:
            self.factor = nn.Linear(self.arch.n_inputs // self.arch.factor_block, self.hidden, bias=False)
            nn.init.zeros_(self.factor.weight)  # starts as the plain net
        self.l2 = nn.Linear(self.hidden, HIDDEN2)
        self.l3 = nn.Linear(HIDDEN2, 1)
        #: Round the first layer's activations to 1/127 as the int8 kernel does (evaluation only).
        self.round_activations = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw outputs ``[B]`` for 0/1 inputs ``x`` ``[B, inputs]``."""
        h = self.l1(x)
        if self.factor is not None:
            h = h + self.factor(x.view(x.shape[0], -1, self.arch.factor_block).sum(-1))
        h = torch.clamp(h, 0.0, 1.0)
        if self.round_activations:
            h = torch.floor(h * Q_ACT + 0.5) / Q_ACT
        h = torch.clamp(self.l2(h), 0.0, 1.0)
        return self.l3(h).squeeze(-1)

    def first_layer_weight(self) -> torch.Tensor:
        """The first layer's ``[hidden, inputs]`` weight with the factoriser folded in."""
        if self.factor is None:
            return self.l1.weight
        return self.l1.weight + self.factor.weight.repeat_interleave(self.arch.factor_block, dim=1)

    def loss(self, y: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.mean((self.as_target(y) - target) ** 2)

    def as_target(self, y: torch.Tensor) -> torch.Tensor:
        """Raw outputs in the units of the training target (win probability for ``wdl``)."""
        if self.arch.loss == "wdl":
            return torch.sigmoid(y * self.arch.output_scale / CP_SCALE)
        return y


def inputs_from_indices(indices: torch.Tensor, n_inputs: int) -> torch.Tensor:
    """Dense 0/1 float inputs ``[B, n_inputs]`` from padded (-1) index rows ``[B, K]``."""
    x = torch.zeros(indices.shape[0], n_inputs + 1, dtype=torch.float32)
    idx = indices.long().clone()
    idx[idx < 0] = n_inputs  # padding lands in a spare column, then dropped
    x.scatter_(1, idx, 1.0)
    return x[:, :n_inputs]
