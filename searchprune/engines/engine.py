"""Engines: something that, given a position, returns a move.

``make_engine(spec)`` builds one from an ``EngineSpec``:

- ``SearchEngine``: this project's search (``searchprune.search.driver.Searcher``) with
  the spec's algorithm, table size, switches, evaluator and limits;
- ``UciEngine`` (``searchprune.engines.external``): an external UCI chess engine;
- a ``python`` spec's class, which subclasses ``Engine`` (``RandomEngine`` ships as a
  baseline); tests use this to build engines that crash, hang or cheat.
"""

from __future__ import annotations

import abc
import importlib
import random
from dataclasses import dataclass

from searchprune.engines.spec import EngineSpec, SpecError
from searchprune.games import Game, get_game
from searchprune.search.limits import Limit

#: With a clock, a move may use the remaining time over this, plus most of the increment.
MOVES_TO_GO = 20


@dataclass(frozen=True)
class MoveInfo:
    """An engine's move and what it said about it (``None`` where it said nothing)."""

    move: int
    score: int | None = None
    depth: int | None = None
    nodes: int = 0


class Engine(abc.ABC):
    """Base class: ``play`` returns a ``MoveInfo`` for the side to move in ``state``."""

    def __init__(self, spec: EngineSpec, game: Game) -> None:
        self.spec = spec
        self.game = game

    @property
    def name(self) -> str:
        return self.spec.name

    def new_game(self) -> None:
        """Forget what was learnt in the previous game (tables, history)."""

    @abc.abstractmethod
    def play(self, state, clock: float | None = None) -> MoveInfo:
        """The move for ``state``; ``clock``: seconds left on this engine's clock, if clocked."""

    def close(self) -> None:
        """Release processes and memory."""


def move_time(limits: dict, clock: float | None) -> float | None:
    """Seconds to think about one move: the fixed ``time``, or a share of the clock."""
    if "clock" in limits and clock is not None:
        return max(0.001, min(clock / MOVES_TO_GO + 0.8 * limits.get("increment", 0.0), 0.5 * clock))
    return limits.get("time")


class SearchEngine(Engine):
    """This project's search."""

    def __init__(self, spec: EngineSpec, game: Game) -> None:
        super().__init__(spec, game)
        from searchprune.search.driver import Searcher

        self.searcher = Searcher(game, algorithm=spec.algorithm, tt_mb=spec.hash_mb, evaluator=spec.evaluator,
                                 net=spec.net, **spec.search)
        self.used = False

    def new_game(self) -> None:
        if self.used:  # a fresh table is already empty; clearing 16 MiB costs ~10 ms
            self.searcher.clear()
            self.used = False

    def play(self, state, clock: float | None = None) -> MoveInfo:
        limits = self.spec.limits
        limit = Limit(depth=limits.get("depth"), nodes=limits.get("nodes"), time=move_time(limits, clock))
        self.used = True
        result = self.searcher.search(state.copy(), limit)
        return MoveInfo(move=int(result.move), score=int(result.score), depth=result.info.depth,
                        nodes=result.info.nodes)


class RandomEngine(Engine):
    """Uniformly random legal moves (``[params] seed = …``): a floor for any ladder."""

    def __init__(self, spec: EngineSpec, game: Game, seed: int = 0) -> None:
        super().__init__(spec, game)
        self.rng = random.Random(seed)

    def play(self, state, clock: float | None = None) -> MoveInfo:
        return MoveInfo(move=self.rng.choice(self.game.legal_moves(state)))


def make_engine(spec: EngineSpec) -> Engine:
    """The engine ``spec`` describes; ``SpecError`` or ``GameError`` (one line) if it cannot be built."""
    game = get_game(spec.game)
    if spec.kind == "searchprune":
        return SearchEngine(spec, game)
    if spec.kind == "python":
        module_name, _, class_name = (spec.engine_class or "").partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError, ValueError) as error:
            raise SpecError(f"engine {spec.name}: cannot load class {spec.engine_class!r}: {error}") from None
        return cls(spec, game, **spec.params)
    from searchprune.engines.external import UciEngine  # python-chess's engine module loads only here

    return UciEngine(spec, game)
