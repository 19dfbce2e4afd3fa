"""Games by name.

A game registers as ``name -> "module:Class"`` so that listing games imports nothing
heavy and a game's kernels are compiled only when it is used. Adding a game is one
module plus one line in ``_BUILTIN``.
"""

from __future__ import annotations

import importlib

from searchprune.games.base import Game, GameError

_BUILTIN: dict[str, str] = {
    "tictactoe": "searchprune.games.tictactoe:TicTacToe",
    "connect4": "searchprune.games.connect4:Connect4",
    "othello": "searchprune.games.othello:Othello",
    "chess": "searchprune.games.chess:Chess",
}
_REGISTRY: dict[str, str] = dict(_BUILTIN)
_INSTANCES: dict[str, Game] = {}


def register(name: str, target: str) -> None:
    """Register ``target`` (``"package.module:Class"``) under ``name``."""
    if ":" not in target:
        raise ValueError(f"target must look like 'package.module:Class', got {target!r}")
    _REGISTRY[name] = target
    _INSTANCES.pop(name, None)


def names() -> list[str]:
    """Registered game names, sorted."""
    return sorted(_REGISTRY)


def get_game(name: str) -> Game:
    """The game registered as ``name``; raises ``GameError`` for an unknown name."""
    if name not in _REGISTRY:
        raise GameError(f"unknown game {name!r}: choose one of {', '.join(names())}")
    if name not in _INSTANCES:
        module_name, class_name = _REGISTRY[name].split(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        _INSTANCES[name] = cls()
    return _INSTANCES[name]
