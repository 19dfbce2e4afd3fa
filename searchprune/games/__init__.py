"""Pluggable games behind one protocol (see ``searchprune.games.base``)."""

from searchprune.games.base import Game, GameError, GameInfo
from searchprune.games.registry import get_game, names, register

__all__ = ["Game", "GameError", "GameInfo", "get_game", "names", "register"]
