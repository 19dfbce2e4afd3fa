"""Engines: something that, given a position, returns a move.

``make_engine(spec)`` builds one from an ``EngineSpec``:

- ``SearchEngine``: this project's search (``searchprune.search.driver.Searcher``) with
  the spec's algorithm, table size, switches, evaluator and limits;
- ``ExternalUciEngine`` (``searchprune.engines.external``): an external UCI chess engine;
- a ``python`` spec's class, which subclasses ``Engine`` (``RandomEngine`` ships as a
  baseline); tests use this to build engines that crash, hang or cheat.

``SearchEngine`` is also the facade every other caller of the search goes through:
the arena (``play`` under the spec's limits), the terminal game (``searchprune.play``),
the UCI server (``searchprune.engines.uci``) and ``searchprune analyse`` (``analyse``
under an explicit ``Limit``, reporting each iteration). ``SearchEngine.create`` builds
one from keyword options where there is no spec file.
"""

from __future__ import annotations

import abc
import importlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from searchprune.engines.exact import exact_play_for
from searchprune.engines.spec import EngineSpec, SpecError
from searchprune.engines.timing import move_time
from searchprune.games import Game, get_game
from searchprune.search.limits import Limit, PlayResult, SearchInfo

__all__ = ["Engine", "MoveInfo", "SearchEngine", "RandomEngine", "make_engine"]


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


class SearchEngine(Engine):
    """This project's search: one ``Searcher`` kept across the moves of a game.

    ``net``: a loaded ``searchprune.evaluation.store.Net`` (or a net name or path) that
    replaces the spec's ``net``; callers that have already loaded and checked a net
    pass it here so that it is not read twice.
    """

    def __init__(self, spec: EngineSpec, game: Game, *, net=None) -> None:
        from searchprune.search.driver import Searcher  # the compiled search loads only here

        if net is not None:
            spec = replace(spec, net=str(getattr(net, "path", net)))
        super().__init__(spec, game)
        self.searcher = Searcher(game, algorithm=spec.algorithm, tt_mb=spec.hash_mb, evaluator=spec.evaluator,
                                 net=net if net is not None else spec.net, **spec.search)
        #: The book's and the solver's part of a timed move (``searchprune.engines.exact``);
        #: None for a game without a solver, or with both switched off.
        self.exact = exact_play_for(game, spec.exact)
        self.used = False

    @classmethod
    def create(cls, game: Game, *, algorithm: str = "negascout", hash_mb: float = 16, net=None,
               limits: dict | None = None, name: str = "searchprune", exact: dict | None = None,
               **search: bool) -> SearchEngine:
        """An engine from keyword options instead of a spec file.

        ``search``: ``Searcher`` switches (``null_move=False``, ...); ``limits``: a spec's
        ``[limits]`` for ``play`` (callers that pass a ``Limit`` to ``analyse`` need none);
        ``exact``: a spec's ``[exact]`` (``{"solver": False}`` turns the solver off).
        """
        spec = EngineSpec(name=name, game=game.info.name, algorithm=algorithm, hash_mb=hash_mb,
                          limits=dict(limits or {}), search=dict(search), exact=dict(exact or {}))
        return cls(spec, game, net=net)

    @property
    def net(self):
        """The net the search evaluates with (``None``: the game's evaluator)."""
        return self.searcher.net

    def new_game(self) -> None:
        if self.used:  # a fresh table is already empty; clearing 16 MiB costs ~10 ms
            self.clear()

    def clear(self) -> None:
        """Forget everything learnt: tables (the solver's too), killers, history."""
        self.searcher.clear()
        if self.exact is not None:
            self.exact.new_game()
        self.used = False

    def stop(self) -> None:
        """Ask a running ``analyse`` or ``play`` to stop soon; safe to call from another thread."""
        if self.exact is not None:
            self.exact.stop()
        self.searcher.stop()

    def needs_compiling(self) -> bool:
        """True when the search is not in the disk cache yet: ``warm_up`` will compile it."""
        return self.searcher.needs_compiling()

    def warm_up(self, depth: int = 2) -> None:
        """Compile (or load from the cache) the search: search the start ``depth`` plies, then ``clear``.

        Also loads the game kernels callers run from Python between iterations (legal
        moves, playing the PV out to print it), so that none of that loading is left for
        the first timed search.
        """
        state = self.game.new_state()
        self.analyse(state, Limit(depth=depth))
        if self.exact is not None and self.exact.use_solver:
            self.exact.solver_class.warm_up()
        self.clear()
        for move in self.game.legal_moves(state)[:1]:
            self.game.play(state, move)
            self.game.undo(state, move)

    def analyse(self, state, limit: Limit | None = None, *,
                on_iteration: Callable[[SearchInfo], None] | None = None, multipv: int = 1,
                root_moves: list[int] | None = None,
                on_lines: Callable[[list[SearchInfo]], None] | None = None) -> PlayResult:
        """Search ``state`` (left unchanged) within ``limit``, calling ``on_iteration`` after
        each completed iteration; the result of the last one.

        ``multipv``, ``root_moves`` and ``on_lines``: the best ``multipv`` lines, or only
        these moves at the root (``Searcher.search``).
        With a time limit and a single line, a game with a solver plays the book's move,
        or the solver's when it proves one in time (``searchprune.engines.exact``: the
        result's ``source`` is then ``"book"`` or ``"solver"`` and ``exact`` its value),
        else searches in the time left. Raises ``GameError`` if the game is already over.
        """
        self.used = True
        if self.exact is not None and limit is not None and limit.time is not None and multipv == 1 \
                and root_moves is None:
            start = time.perf_counter()
            found = self.exact.play(state, limit, lambda s, lim, moves: self.searcher.search(s, lim, root_moves=moves))
            if found is not None:  # proven: no iterations to report (``found.exact`` says it all)
                return found
            limit = Limit(depth=limit.depth, nodes=limit.nodes,
                          time=max(limit.time - (time.perf_counter() - start), 0.001))
        return self.searcher.search(state, limit, on_iteration=on_iteration, multipv=multipv,
                                    root_moves=root_moves, on_lines=on_lines)

    def play(self, state, clock: float | None = None) -> MoveInfo:
        limits = self.spec.limits
        limit = Limit(depth=limits.get("depth"), nodes=limits.get("nodes"), time=move_time(limits, clock))
        result = self.analyse(state.copy(), limit)
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
    from searchprune.engines.external import ExternalUciEngine  # python-chess's engine module loads only here

    return ExternalUciEngine(spec, game)
