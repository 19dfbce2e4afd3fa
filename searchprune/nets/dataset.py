"""Labelled positions as plain arrays: what data generation writes and training reads.

A data folder holds shards (``shard-00000.npz`` ...) written by
``searchprune.nets.data.generate`` plus ``config.json``, the generation settings.
Every shard has the fields of ``Dataset`` (one row per position). ``load_dataset``
concatenates the shards of one or more folders and drops repeated positions (the
first occurrence, in game order, is kept), and ``split_by_game`` holds out whole
games, so positions of one game are never on both sides of the split.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: ``Dataset.source`` codes: how a position's ``score`` was obtained.
SOURCE_EXACT, SOURCE_SEARCH, SOURCE_TEACHER, SOURCE_RESULT = 0, 1, 2, 3
SOURCE_NAMES = {SOURCE_EXACT: "exact", SOURCE_SEARCH: "search", SOURCE_TEACHER: "teacher", SOURCE_RESULT: "result"}
FIELDS = ("features", "score", "result", "game", "ply", "position", "source")


class DataError(ValueError):
    """A data folder or shard that cannot be used (one-line message)."""


@dataclass
class Dataset:
    game_name: str
    features: np.ndarray  # int16[N, K]: active input indices (side to move), -1 padded
    score: np.ndarray  # float32[N]: the label in the architecture's label unit
    result: np.ndarray  # float32[N]: the game's result for the side to move: -1, 0, 1
    game: np.ndarray  # int64[N]: id of the game the position comes from
    ply: np.ndarray  # int16[N]: plies played in that game before the position
    position: np.ndarray  # str[N]: the position as text the game parses (FEN, moves...)
    source: np.ndarray  # int8[N]: SOURCE_* code of the label
    description: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.score.shape[0])

    def subset(self, rows: np.ndarray) -> Dataset:
        return Dataset(self.game_name, *(getattr(self, f)[rows] for f in FIELDS), description=dict(self.description))

    def describe(self) -> dict:
        """Counts for manifests and reports."""
        sources = {SOURCE_NAMES[int(c)]: int(n) for c, n in zip(*np.unique(self.source, return_counts=True))}
        return {"positions": len(self), "games": int(np.unique(self.game).size), "sources": sources,
                **self.description}


def save_shard(path: Path, rows: dict) -> None:
    """Write one shard atomically (a half-written shard is never seen as done)."""
    missing = [f for f in FIELDS if f not in rows]
    if missing:
        raise DataError(f"shard rows lack {', '.join(missing)}")
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **{f: np.asarray(rows[f]) for f in FIELDS})
    tmp.replace(path)


def shard_paths(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob("shard-*.npz") if not p.name.endswith(".tmp.npz"))


def load_dataset(folders: list[Path] | Path, game: str | None = None) -> Dataset:
    """Every shard of ``folders``, repeated positions dropped (first occurrence kept)."""
    if isinstance(folders, (str, Path)):
        folders = [folders]
    parts: dict[str, list[np.ndarray]] = {f: [] for f in FIELDS}
    description: dict = {"folders": []}
    game_name = game
    for folder in map(Path, folders):
        config_path = folder / "config.json"
        if not config_path.is_file():
            raise DataError(f"{folder} is not a data folder (no config.json)")
        config = json.loads(config_path.read_text())
        if game_name is None:
            game_name = config.get("game")
        if config.get("game") != game_name:
            raise DataError(f"{folder} holds {config.get('game')} positions, not {game_name}")
        description["folders"].append({"path": str(folder), "config": config})
        for shard in shard_paths(folder):
            try:
                with np.load(shard, allow_pickle=False) as data:
                    for f in FIELDS:
                        parts[f].append(data[f])
            except (OSError, KeyError, ValueError) as exc:
                raise DataError(f"unreadable shard {shard}: {exc}") from None
    if not parts["score"]:
        raise DataError(f"no shards in {', '.join(map(str, folders))}")
    arrays = {f: np.concatenate(parts[f]) for f in FIELDS}
    order = np.argsort(arrays["game"], kind="stable")
    _, first = np.unique(arrays["position"][order], return_index=True)
    keep = np.sort(order[first])
    description["duplicates_dropped"] = int(len(order) - len(keep))
    return Dataset(game_name, *(arrays[f][keep] for f in FIELDS), description=description)


def split_by_game(data: Dataset, val_fraction: float = 0.1, seed: int = 0) -> tuple[Dataset, Dataset]:
    """(train, validation): a random ``val_fraction`` of the games, all of their positions."""
    if not 0 < val_fraction < 1:
        raise DataError(f"validation fraction must be between 0 and 1, got {val_fraction}")
    games = np.unique(data.game)
    if games.size < 2:
        raise DataError("need positions from at least two games to split by game")
    rng = np.random.default_rng(seed)
    n_val = min(games.size - 1, max(1, round(games.size * val_fraction)))
    val_games = rng.choice(games, size=n_val, replace=False)
    is_val = np.isin(data.game, val_games)
    return data.subset(np.flatnonzero(~is_val)), data.subset(np.flatnonzero(is_val))
