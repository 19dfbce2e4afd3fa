"""Games by name: each game's registration record (``GameBundle``) behind one line.

A game module defines its ``BUNDLE`` (``searchprune.games.bundle``) beside its kernels
and ``Game`` class: the class, and the game's optional parts (net, bench positions,
training data, exact solver, openings). Code elsewhere looks those up here instead of
keeping its own per-game table (``PerGame`` is such a table, read from the bundles).

Adding a game is its module, with its ``BUNDLE``, and one line in ``_BUILTIN`` (or a
``register`` call from outside the package); ``tests/test_conformance.py`` then runs
every check on it. A bundle is loaded when first asked for, so listing the names
imports no game.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from searchprune.games.base import Game, GameError
from searchprune.games.bundle import BenchParts, DataParts, GameBundle, NetParts
from searchprune.paths import repo_root

T = TypeVar("T")

__all__ = ["BenchParts", "DataParts", "GameBundle", "NetParts", "PerGame", "bundle", "get_game", "load", "names",
           "openings_path", "register", "solver_path"]

#: The games this package ships: name -> its module's ``BUNDLE``. Adding a game is one line here.
_BUILTIN: dict[str, str] = {
    "tictactoe": "searchprune.games.tictactoe:BUNDLE",
    "connect4": "searchprune.games.connect4:BUNDLE",
    "othello": "searchprune.games.othello:BUNDLE",
    "chess": "searchprune.games.chess:BUNDLE",
}
#: Registered games: a bundle, or the path of one not loaded yet.
_REGISTRY: dict[str, GameBundle | str] = dict(_BUILTIN)
_INSTANCES: dict[str, Game] = {}


def register(bundle: GameBundle | str, target: str | None = None) -> None:
    """Register ``bundle``, replacing any game of its name.

    ``register(name, "package.module:Class")`` registers a game with no optional parts.
    """
    if isinstance(bundle, str):
        if target is None or ":" not in target:
            raise ValueError(f"target must look like 'package.module:Class', got {target!r}")
        bundle = GameBundle(bundle, target)
    _REGISTRY[bundle.name] = bundle
    _INSTANCES.pop(bundle.name, None)


def names() -> list[str]:
    """Registered game names, sorted."""
    return sorted(_REGISTRY)


def bundle(name: str) -> GameBundle:
    """The registration of game ``name``; raises ``GameError`` for an unknown name."""
    if name not in _REGISTRY:
        raise GameError(f"unknown game {name!r}: choose one of {', '.join(names())}")
    entry = _REGISTRY[name]
    if isinstance(entry, str):
        entry = load(entry)
        if not isinstance(entry, GameBundle) or entry.name != name:
            raise GameError(f"{_REGISTRY[name]} is not the GameBundle of {name!r}")
        _REGISTRY[name] = entry
    return entry


def load(path: str) -> Any:
    """The attribute that ``"package.module:attribute"`` names (its module imported)."""
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def get_game(name: str) -> Game:
    """The game registered as ``name``; raises ``GameError`` for an unknown name."""
    if name not in _INSTANCES:
        _INSTANCES[name] = load(bundle(name).game)()
    return _INSTANCES[name]


def solver_path(name: str) -> str | None:
    """``"package.module:Class"`` of game ``name``'s exact solver, or None where it has none."""
    return bundle(name).solver


def book_path(name: str) -> str | None:
    """``"package.module:Class"`` of game ``name``'s opening book, or None where it has none."""
    return bundle(name).book


def openings_path(name: str) -> Path | None:
    """Game ``name``'s openings file, or None where it has none."""
    relative = bundle(name).openings
    return repo_root() / relative if relative else None


class PerGame(Mapping[str, T]):
    """A live read-only view ``name -> part`` over the registered games that have the part.

    What the per-game tables elsewhere became: ``PerGame(lambda b: b.bench)`` maps each
    game with a bench to its ``BenchParts``, and a game registered later shows up in it.
    ``part`` returns None for a game that lacks the part.
    """

    def __init__(self, part: Callable[[GameBundle], T | None], what: str = "part") -> None:
        self._part = part
        self._what = what

    def __getitem__(self, name: str) -> T:
        value = self._part(bundle(name)) if name in _REGISTRY else None
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return (name for name in names() if self._part(bundle(name)) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"PerGame({self._what}: {', '.join(self)})"
