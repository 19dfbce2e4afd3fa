"""Pruning the evaluation nets (torch; never imported to play).

- ``importance``: criteria that score every weight (magnitude L1/L2, first-order
  Taylor, activation-aware), as pluggable callables.
- ``unstructured``: magnitude-style masks, per layer or global with a floor per layer.
- ``structured``: whole hidden units (fan-in row, bias, fan-out column) removed, and the
  model physically shrunk to a smaller dense net.
- ``semistructured``: 2:4 masks from torch.ao.pruning's ``WeightNormSparsifier``.
- ``schedule``: the ``Pruner`` that applies a method on a schedule (one-shot,
  iterative, AGP cubic, lottery-ticket rewinding), fine-tuning between steps with the
  masks held, and ``prune_net``, which writes the result as a net file.
- ``dual``: the same for the two-perspective chess net (``nets.nnue``): accumulator
  units removed whole, unstructured and 2:4 masks and layer-wise OBS on its dense
  layer, the hybrid of both, pruning inside a training run (gradual and dynamic masks),
  and ``prune_dual_net``; fine-tuning runs ``nnue.train`` itself.

In the single-perspective ``EvalNet`` the prunable weights are the two large matrices,
``l1.weight`` (inputs -> hidden) and ``l2.weight`` (hidden -> 32). The 32-weight output
layer and the biases stay dense.
"""

from searchprune.nets.prune.importance import CRITERIA
from searchprune.nets.prune.schedule import METHODS, SCHEDULES, PruneConfig, Pruner, PruneResult, prune_net

__all__ = ["CRITERIA", "METHODS", "SCHEDULES", "PruneConfig", "PruneResult", "Pruner", "prune_net"]
