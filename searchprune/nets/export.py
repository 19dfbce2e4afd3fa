"""torch model -> net file: the arrays the compiled evaluator reads, plus the manifest.

``export_model`` writes any format (``formats``): dense, 2:4, CSR, each optionally
quantised; a model whose weights do not fit the format (a 2:4 file from a model that is
not 2:4 sparse) is refused rather than silently changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from searchprune.evaluation import formats
from searchprune.nets.model import EvalNet
from searchprune.evaluation.store import NetError, save_net


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
                 metrics: dict | None = None, fmt: str = "dense", quant: str | None = None,
                 prune: dict | None = None) -> Path:
    """Write ``model`` as a net file in ``folder``; return its path (named by content hash)."""
    try:
        arrays = formats.encode(model_arrays(model), fmt, quant)
    except formats.FormatError as exc:
        raise NetError(f"cannot export as {fmt}{' int8' if quant else ''}: {exc}") from None
    manifest = {"game": model.game, "sizes": model.arch.sizes(model.hidden), "parent": parent,
                "training": training or {}, "metrics": metrics or {}, "format": fmt, "quant": quant}
    if prune is not None:
        manifest["prune"] = prune
    return save_net(arrays, manifest, folder)


def load_model(net) -> EvalNet:
    """A torch model with a net's weights, any format (for fine-tuning, pruning and parity tests).

    A quantised net loads its dequantised weights (``round_activations`` adds the int8
    kernel's rounding of the first layer's activations)."""
    return model_from_arrays(net.game, net.dense())


def model_from_arrays(game: str, a: dict[str, np.ndarray]) -> EvalNet:
    """A torch model holding dense float arrays in the store's layout."""
    import torch

    model = EvalNet(game, a["b1"].shape[0])
    with torch.no_grad():
        model.l1.weight.copy_(torch.from_numpy(a["w1"].T.copy()))
        model.l1.bias.copy_(torch.from_numpy(a["b1"]))
        model.l2.weight.copy_(torch.from_numpy(a["w2"]))
        model.l2.bias.copy_(torch.from_numpy(a["b2"]))
        model.l3.weight.copy_(torch.from_numpy(a["w3"].reshape(1, -1)))
        model.l3.bias.copy_(torch.from_numpy(a["b3"]))
    return model
