"""torch model -> net file: the arrays the compiled evaluator reads, plus the manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from searchprune.nets.model import EvalNet
from searchprune.nets.store import save_net


def model_arrays(model: EvalNet) -> dict[str, np.ndarray]:
    """Dense arrays in the store's layout (``w1`` transposed: one row per input)."""
    def array(t):
        return t.detach().cpu().numpy().astype(np.float32)

    return {
        "w1": np.ascontiguousarray(array(model.first_layer_weight()).T),
        "b1": array(model.l1.bias),
        "w2": array(model.l2.weight),
        "b2": array(model.l2.bias),
        "w3": array(model.l3.weight).reshape(-1),
        "b3": array(model.l3.bias),
    }


def export_model(model: EvalNet, folder: Path, *, parent: str | None = None, training: dict | None = None,
                 metrics: dict | None = None) -> Path:
    """Write ``model`` as a net file in ``folder``; return its path (named by content hash)."""
    manifest = {"game": model.game, "sizes": model.arch.sizes(model.hidden), "parent": parent,
                "training": training or {}, "metrics": metrics or {}}
    return save_net(model_arrays(model), manifest, folder)


def load_model(net) -> EvalNet:
    """A torch model with a dense net's weights (for fine-tuning, pruning and parity tests)."""
    import torch

    model = EvalNet(net.game, net.hidden)
    a = net.arrays
    with torch.no_grad():
        model.l1.weight.copy_(torch.from_numpy(a["w1"].T.copy()))
        model.l1.bias.copy_(torch.from_numpy(a["b1"]))
        model.l2.weight.copy_(torch.from_numpy(a["w2"]))
        model.l2.bias.copy_(torch.from_numpy(a["b2"]))
        model.l3.weight.copy_(torch.from_numpy(a["w3"].reshape(1, -1)))
        model.l3.bias.copy_(torch.from_numpy(a["b3"]))
    return model
