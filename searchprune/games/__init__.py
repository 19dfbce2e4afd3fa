"""Pluggable games behind one protocol (``searchprune.games.base``), each registered as
one bundle of its parts (``searchprune.games.registry``)."""

from searchprune.games.base import Game, GameError, GameInfo
from searchprune.games.registry import GameBundle, bundle, get_game, names, register

__all__ = ["Game", "GameBundle", "GameError", "GameInfo", "bundle", "get_game", "names", "register"]
