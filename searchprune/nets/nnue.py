"""The chess NNUE and its trainer at scale (torch; training only).

Architecture (issue 17): both perspectives' accumulators, side to move first,
concatenated, then one dense layer that pruning can act on::

    stm  features (768) -> W1 (shared) + b1 -> N ┐
                                                  ├ concat 2N -> clamp(0, 1) -> L2 (2N -> 32) -> clamp(0, 1) -> L3 (32 -> 1)
    nstm features (768) -> W1 (shared) + b1 -> N ┘

A feature is ``384 * (piece is not the perspective's) + 64 * type + square``, the
square mirrored vertically (``^ 56``) for Black's perspective: the convention of
``searchprune.evaluation.features.chess_feature``, so one weight row serves a piece
whichever side it is seen from. The first layer is an ``EmbeddingBag`` over the active
indices (at most 32 of 768), never a dense 768-vector: the cost of a position is its
pieces, not the input width.

Training reads ``searchprune.nets.packed`` records (``teacher_games.load``). The
target blends the teacher's score and the game's result in win-probability space,
``(1 - wdl) * sigmoid(cp / 400) + wdl * result``, and the loss is the squared error of
``sigmoid(100 * y / 400)`` against it (the output ``y`` is in pawns).

A run lives in one folder: ``checkpoint.pt`` (weights, optimiser, position in the
schedule, history), written atomically every ``checkpoint_every`` batches and at each
epoch's end, so a stopped run resumes where it stopped; ``history.json`` and
``loss.png``. Batches are drawn from a permutation seeded by ``(seed, epoch)``, so a
resumed run sees the batches an uninterrupted one would.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from searchprune.nets import packed

N_FEATURES = 768
#: The index of the all-zero row that pads a position's feature list to 32.
PAD = N_FEATURES
HIDDEN2 = 32
CP_SCALE = 400.0
#: Quantised second layer: int8 weights times 64, so trained weights stay inside +-127/64.
L2_CLIP = 127 / 64

CHECKPOINT = "checkpoint.pt"


def feature_indices(records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(side to move's, opponent's) feature indices, int64 ``(N, 32)``, padded with ``PAD``."""
    squares, codes = packed.piece_squares(records)
    squares, codes = squares.astype(np.int64), codes.astype(np.int64)
    colour, kind = codes // 6, codes % 6
    white = 384 * colour + 64 * kind + squares
    black = 384 * (1 - colour) + 64 * kind + (squares ^ 56)
    black_to_move = (records["flags"] & packed.BLACK_TO_MOVE).astype(bool)[:, None]
    empty = squares < 0
    stm = np.where(empty, PAD, np.where(black_to_move, black, white))
    nstm = np.where(empty, PAD, np.where(black_to_move, white, black))
    return stm, nstm


def targets(records: np.ndarray, wdl: float) -> np.ndarray:
    """The training target of each record: teacher score and result blended (float32)."""
    score = 1.0 / (1.0 + np.exp(-records["score"].astype(np.float64) / CP_SCALE))
    result = records["result"].astype(np.float64) / 2.0
    return ((1.0 - wdl) * score + wdl * result).astype(np.float32)


class ChessNnue(nn.Module):
    """``(768 -> width) x 2 -> 32 -> 1`` with clipped ReLU; output in pawns."""

    def __init__(self, width: int) -> None:
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be at least 1, got {width}")
        self.width = int(width)
        self.ft = nn.EmbeddingBag(N_FEATURES + 1, self.width, mode="sum", padding_idx=PAD)
        nn.init.normal_(self.ft.weight, std=0.1)
        with torch.no_grad():
            self.ft.weight[PAD].zero_()
        self.ft_bias = nn.Parameter(torch.zeros(self.width))
        self.l2 = nn.Linear(2 * self.width, HIDDEN2)
        self.l3 = nn.Linear(HIDDEN2, 1)

    def forward(self, stm: torch.Tensor, nstm: torch.Tensor) -> torch.Tensor:
        both = torch.cat([self.ft(stm) + self.ft_bias, self.ft(nstm) + self.ft_bias], dim=1)
        hidden = torch.clamp(self.l2(torch.clamp(both, 0.0, 1.0)), 0.0, 1.0)
        return self.l3(hidden).squeeze(-1)

    @staticmethod
    def win_probability(y: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(y * 100.0 / CP_SCALE)

    def clip_for_quantisation(self) -> None:
        with torch.no_grad():
            self.l2.weight.clamp_(-L2_CLIP, L2_CLIP)


@dataclass
class NnueConfig:
    width: int = 256
    epochs: int = 10
    batch_size: int = 16384
    lr: float = 1e-3
    #: The learning rate falls along a cosine to ``lr * lr_floor`` by the last batch.
    lr_floor: float = 0.01
    weight_decay: float = 0.0
    #: Share of the game result in the target (0: teacher scores only).
    wdl: float = 0.3
    #: Share of the records (the last shards: whole games) held out for validation.
    val_fraction: float = 0.02
    seed: int = 0
    checkpoint_every: int = 500
    threads: int | None = None

    def __post_init__(self) -> None:
        for name in ("width", "epochs", "batch_size", "checkpoint_every"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if not 0 <= self.wdl <= 1 or not 0 < self.val_fraction < 1 or not 0 < self.lr_floor <= 1:
            raise ValueError("wdl must be in [0, 1], val_fraction in (0, 1), lr_floor in (0, 1]")


def split(records: np.ndarray, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation): the last ``val_fraction`` of the records (the last games) held out."""
    cut = len(records) - max(1, int(len(records) * val_fraction))
    return records[:cut], records[cut:]


def _tensors(records: np.ndarray, wdl: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    stm, nstm = feature_indices(records)
    return torch.from_numpy(stm), torch.from_numpy(nstm), torch.from_numpy(targets(records, wdl))


def evaluate_loss(model: ChessNnue, records: np.ndarray, wdl: float, batch: int = 65536) -> float:
    """Mean squared error in win probability over ``records``."""
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(records), batch):
            stm, nstm, target = _tensors(records[start:start + batch], wdl)
            total += float(torch.sum((model.win_probability(model(stm, nstm)) - target) ** 2))
    return total / max(1, len(records))


def _save(path: Path, state: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def train(config: NnueConfig, records: np.ndarray, out: Path, *, resume: bool = False, progress: bool = True,
          stop_after: int | None = None, init: ChessNnue | None = None,
          after_step: Callable[[ChessNnue, int], None] | None = None,
          teacher: ChessNnue | None = None, distil: float = 0.0) -> dict:
    """Train on ``records`` into the run folder ``out``; the history back (see the module doc).

    ``stop_after``: run at most this many batches in this call, then checkpoint and
    return (a time-boxed session's share of a long run; ``resume`` goes on from there).

    Fine-tuning (``searchprune.nets.prune.dual``): ``init`` is the starting model (copied;
    its width must be ``config.width``), ``after_step(model, step)`` runs after every
    optimiser step (holding pruning masks, or moving them on a schedule; one with a
    ``resume(model)`` method is told when the run resumes from its checkpoint), and with a
    ``teacher`` the target is ``(1 - distil)`` times the label plus ``distil`` times the
    teacher's own win probability (knowledge distillation).
    """
    from tqdm import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    train_rows, val_rows = split(records, config.val_fraction)
    per_epoch = math.ceil(len(train_rows) / config.batch_size)
    total = per_epoch * config.epochs
    model = ChessNnue(config.width)
    if init is not None:
        if init.width != config.width:
            raise ValueError(f"the starting model is {init.width} wide, the config says {config.width}")
        model.load_state_dict(init.state_dict())
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    state = {"step": 0, "history": [], "config": asdict(config), "positions": len(records)}
    path = out / CHECKPOINT
    if resume and path.exists():
        saved = torch.load(path, weights_only=False)
        if saved["config"] != state["config"] or saved["positions"] != len(records):
            raise ValueError(f"{path} was made with other settings or data: use another folder")
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        state = {k: saved[k] for k in state}
        if hasattr(after_step, "resume"):
            after_step.resume(model)  # a pruning schedule takes its mask back from the weights
    elif path.exists():
        raise ValueError(f"{out} holds a run already: resume it, or use another folder")

    def checkpoint() -> None:
        _save(path, {**state, "model": model.state_dict(), "optimiser": optimiser.state_dict()})

    start, started_at = state["step"], time.perf_counter()
    bar = tqdm(total=total, initial=start, unit="batch", disable=not progress, desc=f"nnue {config.width}")
    running = []
    end = total if stop_after is None else min(total, start + stop_after)
    while state["step"] < end:
        epoch, index = divmod(state["step"], per_epoch)
        order = np.random.default_rng([config.seed, epoch]).permutation(len(train_rows))
        rows = train_rows[np.sort(order[index * config.batch_size:(index + 1) * config.batch_size])]
        stm, nstm, target = _tensors(rows, config.wdl)
        if teacher is not None and distil:
            with torch.no_grad():
                target = (1 - distil) * target + distil * teacher.win_probability(teacher(stm, nstm))
        for group in optimiser.param_groups:
            group["lr"] = config.lr * (config.lr_floor + (1 - config.lr_floor) * 0.5 * (1 + math.cos(math.pi * state["step"] / total)))
        loss = torch.mean((model.win_probability(model(stm, nstm)) - target) ** 2)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        model.clip_for_quantisation()
        if after_step is not None:
            after_step(model, state["step"])
        running.append(float(loss.detach()))
        state["step"] += 1
        bar.update(1)
        if state["step"] % per_epoch == 0 or state["step"] == total:
            val = evaluate_loss(model, val_rows, config.wdl)
            state["history"].append({"epoch": epoch + 1, "train_loss": float(np.mean(running)), "val_loss": val,
                                     "seconds": round(time.perf_counter() - started_at, 1)})
            running = []
            bar.set_postfix(val=f"{val:.5f}", refresh=False)
            checkpoint()
            _report(out, state["history"])
        elif state["step"] % config.checkpoint_every == 0:
            checkpoint()
    bar.close()
    if state["step"] < total:
        checkpoint()
    rate = (state["step"] - start) * config.batch_size / max(time.perf_counter() - started_at, 1e-9)
    return {"history": state["history"], "positions_per_second": round(rate), "model": model, "step": state["step"],
            "steps": total}


def _report(out: Path, history: list[dict]) -> None:
    (out / "history.json").write_text(json.dumps(history, indent=1) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    figure, axes = plt.subplots(figsize=(6, 4))
    epochs = [h["epoch"] for h in history]
    axes.plot(epochs, [h["train_loss"] for h in history], label="train")
    axes.plot(epochs, [h["val_loss"] for h in history], label="validation")
    axes.set_xlabel("epoch")
    axes.set_ylabel("MSE (win probability)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(out / "loss.png", dpi=100)
    plt.close(figure)


#: The architecture of ``ChessNnue`` in the runtime (``searchprune.evaluation``).
ARCH = "chess-dual"


def model_arrays(model: ChessNnue) -> dict[str, np.ndarray]:
    """Dense arrays in the store's layout: ``w1`` one row per feature, ``w2[32, 2 * width]``."""
    def array(t: torch.Tensor) -> np.ndarray:
        return t.detach().cpu().numpy().astype(np.float32)

    return {"w1": np.ascontiguousarray(array(model.ft.weight)[:N_FEATURES]), "b1": array(model.ft_bias),
            "w2": array(model.l2.weight), "b2": array(model.l2.bias), "w3": array(model.l3.weight).reshape(-1),
            "b3": array(model.l3.bias)}


def model_from_arrays(a: dict[str, np.ndarray]) -> ChessNnue:
    """A ``ChessNnue`` holding dense float arrays in the store's layout (``model_arrays``'s inverse)."""
    model = ChessNnue(a["b1"].shape[0])
    with torch.no_grad():
        model.ft.weight[:N_FEATURES].copy_(torch.from_numpy(np.array(a["w1"], dtype=np.float32)))
        model.ft.weight[PAD].zero_()
        model.ft_bias.copy_(torch.from_numpy(np.array(a["b1"], dtype=np.float32)))
        model.l2.weight.copy_(torch.from_numpy(np.array(a["w2"], dtype=np.float32)))
        model.l2.bias.copy_(torch.from_numpy(np.array(a["b2"], dtype=np.float32)))
        model.l3.weight.copy_(torch.from_numpy(np.array(a["w3"], dtype=np.float32).reshape(1, -1)))
        model.l3.bias.copy_(torch.from_numpy(np.array(a["b3"], dtype=np.float32)))
    return model


def load_model(net) -> ChessNnue:
    """A torch model with a stored ``chess-dual`` net's weights, any format (a quantised
    net gives its dequantised weights); raises ``ValueError`` for another architecture."""
    if net.manifest.get("arch") != ARCH:
        raise ValueError(f"{net.name} is not a {ARCH} net (its architecture: {net.manifest.get('arch', 'single')})")
    return model_from_arrays(net.dense())


def export(model: ChessNnue, folder: Path, *, training: dict | None = None, metrics: dict | None = None,
           quant: str | None = None, fmt: str = "dense", parent: str | None = None,
           prune: dict | None = None) -> Path:
    """Write ``model`` as a net file of the ``chess-dual`` architecture into ``folder``, in
    ``fmt`` (dense, 2:4 or CSR second layer: ``searchprune.evaluation.formats``)."""
    from searchprune.evaluation import formats
    from searchprune.evaluation.arch import arch_for
    from searchprune.evaluation.store import NetError, save_net

    try:
        sizes = arch_for("chess", ARCH).sizes(model.width)
        arrays = formats.encode(model_arrays(model), fmt, quant, formats.sparse_matrices(sizes))
    except formats.FormatError as exc:
        raise NetError(f"cannot export as {fmt}{' int8' if quant else ''}: {exc}") from None
    manifest = {"game": "chess", "arch": ARCH, "sizes": sizes,
                "training": training or {}, "metrics": metrics or {}, "format": fmt, "quant": quant}
    if parent is not None:
        manifest["parent"] = parent
    if prune is not None:
        manifest["prune"] = prune
    return save_net(arrays, manifest, folder)
