"""Training loop for the evaluation nets: data in, best model, report and net file out.

A run lives in one folder (``out``) so it can be stopped and picked up again:

- ``checkpoint.pt``: everything the next epoch depends on (weights, Adam state, RNG
  states, history, best weights), rewritten atomically after every epoch. Resuming
  from it gives bit-for-bit the weights an uninterrupted run would have.
- ``report.json`` / ``report.md`` / ``loss.png``: what was trained on, the loss curves
  and the validation metrics of the kept (best) model.

Validation holds out whole games (``split_by_game``): positions of one game are
strongly correlated, so a split by position would report memorisation as skill.
Early stopping watches the validation loss and keeps the best epoch's weights, which
are the ones reported and exported.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from searchprune.evaluation.arch import CP_SCALE, Arch, arch_for
from searchprune.evaluation.features import mirror_features
from searchprune.games.registry import bundle
from searchprune.nets.dataset import FIELDS, Dataset, load_dataset, split_by_game
from searchprune.nets.export import export_model
from searchprune.nets.model import EvalNet, inputs_from_indices

CHECKPOINT = "checkpoint.pt"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
LOSS_PNG = "loss.png"
#: Bumped when the checkpoint's contents change meaning.
CHECKPOINT_FORMAT = 1
#: Settings a resumed run may change: they decide how long training goes on, not
#: what any epoch computes, so the resumed run still matches a straight one.
RESUMABLE_CHANGES = frozenset({"epochs", "patience", "threads"})
#: Rows per forward pass when only predicting (no gradients, so larger is fine).
EVAL_BATCH = 8192
#: Chess labels beyond this many centipawns are mate-like; their error says little.
CP_METRIC_LIMIT = 1000


@dataclass
class TrainConfig:
    game: str
    hidden: int = 128
    epochs: int = 30
    batch_size: int = 1024
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0
    patience: int = 4
    val_fraction: float = 0.1
    result_weight: float = 0.0
    threads: int | None = None
    #: Add the mirror image of every training position (connect4, othello; see
    #: ``features.mirror_features``). Validation positions stay as they are.
    mirror: bool = False
    #: Train with the factoriser (``EvalNet(factorise=True)``); the export folds it in.
    factorise: bool = False
    #: Multiply the learning rate by this after each epoch that does not improve the
    #: validation loss (1: constant rate). The rate lives in the optimizer's state, so a
    #: resumed run goes on with the rate it had.
    lr_drop: float = 1.0

    def __post_init__(self) -> None:
        """Refuse settings that would train nothing (and export an untrained net) up front."""
        for name in ("hidden", "epochs", "batch_size", "patience"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.lr_drop <= 1:
            raise ValueError(f"lr_drop must be in (0, 1], got {self.lr_drop}")
        if self.lr < 0 or self.weight_decay < 0:
            raise ValueError(f"lr and weight_decay must not be negative, got {self.lr} and {self.weight_decay}")
        if not 0 <= self.result_weight <= 1:
            raise ValueError(f"result_weight must be between 0 and 1, got {self.result_weight}")
        arch_for(self.game)  # an unknown game fails here, before any data is read
        if self.mirror and bundle(self.game).net.mirror is None:
            raise ValueError(f"mirror augmentation needs a left-right symmetric game; {self.game} has none")


@dataclass
class TrainResult:
    model: EvalNet  # the best epoch's weights
    history: list[dict]  # per epoch: epoch, train_loss, val_loss, seconds
    best_epoch: int  # 1-based
    metrics: dict  # validation metrics of ``model``
    net_path: Path | None
    report: Path  # report.json


@dataclass
class _Split:
    """One side of the split as the training loop wants it: tensors next to the rows."""

    data: Dataset
    features: torch.Tensor  # int16[N, K], -1 padded (kept sparse; densified per batch)
    target: torch.Tensor  # float32[N]


@dataclass
class _Run:
    """The mutable state of a run: exactly what a checkpoint holds."""

    model: EvalNet
    optimizer: torch.optim.Optimizer
    shuffle: torch.Generator
    history: list[dict]
    best_state: dict[str, torch.Tensor]
    best_epoch: int

    @property
    def best_loss(self) -> float:
        return self.history[self.best_epoch - 1]["val_loss"] if self.best_epoch else math.inf

    @property
    def epochs_since_best(self) -> int:
        return len(self.history) - self.best_epoch


def train(config: TrainConfig, data_folders: list[Path], out: Path, *, resume: bool = False,
          progress: bool = True, export_to: Path | None = None, parent: str | None = None) -> TrainResult:
    """Train a net on ``data_folders`` in run folder ``out``; see the module docstring."""
    out = Path(out)
    checkpoint = out / CHECKPOINT
    if checkpoint.exists() and not resume:
        raise ValueError(f"{out} already holds a training run ({CHECKPOINT}); resume it or choose another folder")
    if resume and not checkpoint.exists():
        raise ValueError(f"nothing to resume: {checkpoint} does not exist")
    with _torch_threads(config.threads):
        data, train_data, val_data = prepare_data(config, data_folders)
        fingerprint = data_fingerprint(data)
        run = _resume_run(checkpoint, config, fingerprint) if resume else _new_run(config)
        out.mkdir(parents=True, exist_ok=True)
        arch = arch_for(config.game)
        train_split, val_split = _to_split(train_data, arch, config), _to_split(val_data, arch, config)
        while len(run.history) < config.epochs and run.epochs_since_best < config.patience:
            _train_one_epoch(run, train_split, val_split, config, progress)
            _save_checkpoint(checkpoint, run, config, fingerprint)
        run.model.load_state_dict(run.best_state)
        metrics = validation_metrics(run.model, val_split.data, val_split.target)
        description = _describe_data(data, train_data, val_data)
        net_path = None
        if export_to is not None:
            training = {**asdict(config), "data": description, "epochs_run": len(run.history),
                        "best_epoch": run.best_epoch}
            net_path = export_model(run.model, Path(export_to), parent=parent, training=training, metrics=metrics)
        report = _write_reports(out, config, run, description, metrics, net_path)
    return TrainResult(run.model, run.history, run.best_epoch, metrics, net_path, report)


def prepare_data(config: TrainConfig, data_folders: list[Path]) -> tuple[Dataset, Dataset, Dataset]:
    """(all, train, validation) positions: validation is ``val_fraction`` of the games."""
    data = load_dataset(list(map(Path, data_folders)), game=config.game)
    train_data, val_data = split_by_game(data, config.val_fraction, config.seed)
    if config.mirror:
        train_data = with_mirrors(train_data)
    return data, train_data, val_data


def with_mirrors(data: Dataset) -> Dataset:
    """``data`` plus the mirror image of each position (same label, game and result)."""
    mirrored = mirror_features(data.game_name, data.features)
    doubled = {f: np.concatenate([getattr(data, f), getattr(data, f)]) for f in FIELDS}
    doubled["features"] = np.concatenate([data.features, mirrored])
    doubled["position"] = np.concatenate([data.position, np.char.add(data.position.astype(str), " (mirrored)")])
    return Dataset(data.game_name, *(doubled[f] for f in FIELDS), description=dict(data.description))


def data_fingerprint(data: Dataset) -> str:
    """Digest of the positions and labels, so a run is never resumed on other data."""
    digest = hashlib.sha256()
    for array in (data.features, data.score, data.result, data.game):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """Use ``threads`` torch threads for the run only (the caller's setting comes back)."""
    if threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _to_split(data: Dataset, arch: Arch, config: TrainConfig) -> _Split:
    target = arch.target(data.score, data.result, config.result_weight)
    return _Split(data, torch.from_numpy(np.ascontiguousarray(data.features)), torch.from_numpy(target))


def _new_run(config: TrainConfig) -> _Run:
    """A fresh model, every RNG seeded from ``config.seed`` (same seed + data: same weights)."""
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    random.seed(config.seed)
    model = EvalNet(config.game, config.hidden, config.factorise)
    shuffle = torch.Generator().manual_seed(config.seed)
    return _Run(model, _optimizer(model, config), shuffle, [], _copy_state(model), 0)


def _optimizer(model: EvalNet, config: TrainConfig) -> torch.optim.Optimizer:
    return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


def _copy_state(model: EvalNet) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _train_one_epoch(run: _Run, train_split: _Split, val_split: _Split, config: TrainConfig,
                     progress: bool) -> None:
    epoch = len(run.history) + 1
    start = time.perf_counter()
    n_batches = math.ceil(len(train_split.data) / config.batch_size)
    with tqdm(total=n_batches, desc=f"epoch {epoch}/{config.epochs}", unit="batch", disable=not progress,
              leave=True) as bar:
        train_loss = _fit_epoch(run, train_split, config.batch_size, bar)
        with torch.no_grad():
            val_loss = float(run.model.loss(predict(run.model, val_split.features), val_split.target))
        bar.set_postfix(loss=f"{train_loss:.4g}", val=f"{val_loss:.4g}")
    run.history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                        "lr": run.optimizer.param_groups[0]["lr"], "seconds": time.perf_counter() - start})
    if val_loss < run.best_loss:
        run.best_epoch = epoch
        run.best_state = _copy_state(run.model)
    else:
        for group in run.optimizer.param_groups:
            group["lr"] *= config.lr_drop


def _fit_epoch(run: _Run, split: _Split, batch_size: int, bar: tqdm) -> float:
    """One pass over shuffled mini-batches; the mean training loss per position."""
    model = run.model
    model.train()
    n = len(split.data)
    order = torch.randperm(n, generator=run.shuffle)
    total = 0.0
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        loss = model.loss(model(inputs_from_indices(split.features[rows], model.arch.n_inputs)), split.target[rows])
        run.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        run.optimizer.step()
        total += loss.item() * len(rows)
        bar.update()
        bar.set_postfix(loss=f"{total / min(n, start + batch_size):.4g}", refresh=False)
    return total / n


@torch.no_grad()
def predict(model: EvalNet, features: torch.Tensor) -> torch.Tensor:
    """Raw outputs ``[N]`` for padded index rows ``[N, K]``, in memory-bounded batches."""
    model.eval()
    n_inputs = model.arch.n_inputs
    parts = [model(inputs_from_indices(features[i:i + EVAL_BATCH], n_inputs))
             for i in range(0, features.shape[0], EVAL_BATCH)]
    return torch.cat(parts) if parts else torch.zeros(0)


def validation_metrics(model: EvalNet, data: Dataset, target: torch.Tensor) -> dict:
    """Loss plus errors in the label's own units, which a person can judge.

    connect4/othello: mean absolute error of the predicted label, and how often the
    prediction rounded to a whole label unit has the label's sign (win/draw/loss).
    chess: mean absolute error in centipawns where the label is under 1000 cp (beyond
    that, labels are mate-like and any large score is as good), and the mean squared
    error of the win probabilities, the scale the net is trained on.
    """
    y = predict(model, torch.from_numpy(np.ascontiguousarray(data.features)))
    with torch.no_grad():
        metrics: dict = {"loss": float(model.loss(y, target)), "positions": len(data)}
    y64 = y.double().numpy()
    score = data.score.astype(np.float64)
    arch = model.arch
    if arch.loss == "wdl":
        cp = y64 * arch.output_scale
        inside = np.abs(score) < CP_METRIC_LIMIT
        metrics["mae_cp"] = float(np.mean(np.abs(cp - score)[inside])) if inside.any() else None
        metrics["mae_cp_positions"] = int(inside.sum())
        metrics["wdl_mse"] = float(np.mean((_sigmoid(cp / CP_SCALE) - _sigmoid(score / CP_SCALE)) ** 2))
    else:
        label = y64 * _label_per_output(arch)
        metrics["mae"] = float(np.mean(np.abs(label - score)))
        metrics["label_unit"] = arch.label_unit
        metrics["sign_agreement"] = float(np.mean(np.sign(np.round(label)) == np.sign(score)))
    return metrics


def _label_per_output(arch: Arch) -> float:
    """The label a raw output of 1 stands for, read off ``Arch.target`` (its only definition)."""
    return 1.0 / float(arch.target(np.ones(1), np.zeros(1), 0.0)[0])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# --- checkpoints -------------------------------------------------------------------


def _save_checkpoint(path: Path, run: _Run, config: TrainConfig, fingerprint: str) -> None:
    """Write the run's state atomically: a crash mid-write leaves the previous epoch's."""
    np_state = np.random.get_state()
    state = {
        "format": CHECKPOINT_FORMAT, "config": asdict(config), "data": fingerprint,
        "model": run.model.state_dict(), "optimizer": run.optimizer.state_dict(),
        "best_model": run.best_state, "best_epoch": run.best_epoch, "history": run.history,
        "rng": {"torch": torch.get_rng_state(), "shuffle": run.shuffle.get_state(), "python": random.getstate(),
                "numpy": {"key": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                          "has_gauss": int(np_state[3]), "gauss": float(np_state[4])}},
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def _resume_run(path: Path, config: TrainConfig, fingerprint: str) -> _Run:
    """The run saved in ``path``, refused if it was trained with other settings or data."""
    try:
        state = torch.load(path, weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:  # a damaged or foreign file
        raise ValueError(f"cannot read checkpoint {path} ({type(exc).__name__}): not a checkpoint of this version") from None
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"checkpoint {path} has format {state.get('format')}, expected {CHECKPOINT_FORMAT}")
    saved, now = state["config"], asdict(config)
    changed = [f"{k}: {saved.get(k)!r} -> {now[k]!r}" for k in now if k not in RESUMABLE_CHANGES
               and saved.get(k) != now[k]]
    if changed:
        raise ValueError(f"cannot resume {path.parent} with other settings ({'; '.join(changed)})")
    if state["data"] != fingerprint:
        raise ValueError(f"cannot resume {path.parent}: the data differ from the data it was trained on")
    model = EvalNet(config.game, config.hidden, config.factorise)
    model.load_state_dict(state["model"])
    optimizer = _optimizer(model, config)
    optimizer.load_state_dict(state["optimizer"])
    shuffle = torch.Generator()
    _restore_rng(state["rng"], shuffle)
    return _Run(model, optimizer, shuffle, state["history"], state["best_model"], state["best_epoch"])


def _restore_rng(rng: dict, shuffle: torch.Generator) -> None:
    torch.set_rng_state(rng["torch"])
    shuffle.set_state(rng["shuffle"])
    random.setstate(rng["python"])
    np_state = rng["numpy"]
    np.random.set_state(("MT19937", np_state["key"].numpy().astype(np.uint32), np_state["pos"],
                         np_state["has_gauss"], np_state["gauss"]))


# --- reports -----------------------------------------------------------------------


def _describe_data(data: Dataset, train_data: Dataset, val_data: Dataset) -> dict:
    return {**data.describe(), "train_positions": len(train_data), "train_games": int(np.unique(train_data.game).size),
            "val_positions": len(val_data), "val_games": int(np.unique(val_data.game).size)}


def _write_reports(out: Path, config: TrainConfig, run: _Run, description: dict, metrics: dict,
                   net_path: Path | None) -> Path:
    """report.json, loss.png and report.md; returns the JSON's path."""
    report = {
        "config": asdict(config), "data": description, "history": run.history,
        "epochs_run": len(run.history), "best_epoch": run.best_epoch,
        "stopped_early": len(run.history) < config.epochs,
        "seconds": sum(h["seconds"] for h in run.history), "metrics": metrics,
        "net": str(net_path) if net_path else None, "loss_plot": LOSS_PNG,
    }
    _plot_losses(out / LOSS_PNG, run.history, run.best_epoch)
    _write_text(out / REPORT_MD, _markdown(report))
    path = out / REPORT_JSON
    _write_text(path, json.dumps(report, indent=2) + "\n")
    return path


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _plot_losses(path: Path, history: list[dict], best_epoch: int) -> None:
    """Train and validation loss per epoch, best epoch marked. Uses a bare Agg figure,
    so the caller's matplotlib backend (pyplot state) is left alone."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    epochs = [h["epoch"] for h in history]
    ax.plot(epochs, [h["train_loss"] for h in history], marker=".", label="train")
    ax.plot(epochs, [h["val_loss"] for h in history], marker=".", label="validation")
    if best_epoch:
        ax.axvline(best_epoch, color="grey", linestyle="--", label=f"best (epoch {best_epoch})")
    if all(h["train_loss"] > 0 and h["val_loss"] > 0 for h in history):
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    fig.savefig(tmp, format="png", dpi=100)
    tmp.replace(path)


def _markdown(report: dict) -> str:
    config, data, metrics = report["config"], report["data"], report["metrics"]
    if "mae_cp" in metrics:
        mae = metrics["mae_cp"]
        quality = (f"MAE {mae:.1f} cp (|label| < {CP_METRIC_LIMIT} cp)" if mae is not None else "no labels under "
                   f"{CP_METRIC_LIMIT} cp") + f", win-probability MSE {metrics['wdl_mse']:.4g}"
    else:
        quality = (f"MAE {metrics['mae']:.3g} ({metrics['label_unit']}), "
                   f"sign agreement {100 * metrics['sign_agreement']:.1f}%")
    stop = f"stopped early (patience {config['patience']})" if report["stopped_early"] else "ran every epoch"
    lines = [
        f"# Training report: {config['game']}, hidden {config['hidden']}",
        "",
        (f"- data: {data['positions']} positions from {data['games']} games "
         f"(train {data['train_positions']} / validation {data['val_positions']} positions, split by game)"),
        f"- epochs: {report['epochs_run']} of {config['epochs']}, {stop}; best epoch {report['best_epoch']}",
        f"- validation (best epoch): loss {metrics['loss']:.4g}, {quality}",
        f"- time: {report['seconds']:.1f} s",
        f"- net: {report['net'] or 'not exported'}",
        "",
        f"![loss curves]({LOSS_PNG})",
        "",
    ]
    return "\n".join(lines)
