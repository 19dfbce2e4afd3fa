"""Engines that misbehave on purpose, for the tournament fault tests (loaded by python specs)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from searchprune.engines.engine import Engine, MoveInfo


class _Faulty(Engine):
    """Plays the first legal move for ``at`` moves of each game, then misbehaves."""

    def __init__(self, spec, game, at: int = 2, marker: str = "") -> None:
        super().__init__(spec, game)
        self.at = at
        self.marker = Path(marker) if marker else None
        self.moves_made = 0

    def new_game(self) -> None:
        self.moves_made = 0

    def play(self, state, clock=None):
        moves = self.game.legal_moves(state)
        self.moves_made += 1
        if self.moves_made > self.at:
            return self.misbehave(state, moves)
        return MoveInfo(move=moves[0])

    def misbehave(self, state, moves):
        raise NotImplementedError


class CrashingEngine(_Faulty):
    def misbehave(self, state, moves):
        raise RuntimeError("engine blew up")


class IllegalEngine(_Faulty):
    def misbehave(self, state, moves):
        return MoveInfo(move=max(moves) + 100)


class SlowEngine(_Faulty):
    def misbehave(self, state, moves):
        time.sleep(1.5)
        return MoveInfo(move=moves[0])


class KillerEngine(_Faulty):
    """Kills its own worker process the first time (a marker file remembers), then plays on."""

    def misbehave(self, state, moves):
        if self.marker is not None and not self.marker.exists():
            self.marker.write_text("killed once")
            os.kill(os.getpid(), signal.SIGKILL)
        return MoveInfo(move=moves[0])
