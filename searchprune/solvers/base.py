"""What every exact solver offers: one ``Solver`` protocol, one ``SolveResult``.

A solver is written for one game and proves the game-theoretic value of a position,
unlike the generic heuristic search. Callers (``searchprune solve``, ``warmup``, data
labelling) look a game's solver up with ``solver_for(game_name)`` and use only what
this protocol promises, so they never branch per game. A game names its solver in its
registration (``searchprune.games.registry.GameBundle.solver``).

Scores are the solver's own convention, from the side to move (Connect Four: Pons'
``22 - k``; Othello: the final disc difference); a weak solve returns -1, 0 or 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from searchprune.games.registry import load, names, solver_path

__all__ = ["SolveProgress", "SolveResult", "Solver", "SolverError", "solver_class", "solver_for", "solvable_games"]


class SolverError(ValueError):
    """A solver that does not exist or cannot do what was asked; the message is one line."""


@dataclass(frozen=True)
class SolveResult:
    """What ``Solver.solve`` found."""

    #: The solver's score from the side to move; for a weak solve -1, 0 or 1.
    score: int
    #: Moves that reach ``score`` (for weak: that keep the result), ascending; every such
    #: move when ``all_best`` is True, else at least one.
    best_moves: list[int]
    #: Search calls, including those spent finding ``best_moves``.
    nodes: int
    #: Wall-clock seconds (``time.perf_counter``) of the whole call.
    seconds: float
    #: Empty squares (cells) of the position solved.
    empties: int
    #: True when ``best_moves`` lists every optimal move, not just one.
    all_best: bool = False
    #: Why the solve ended before proving its score: ``"interrupted"`` (``stop``), ``"time"``
    #: or ``"nodes"`` (the limit); None for a finished solve. A stopped solve's ``score``
    #: is only a lower bound on the exact score (in full units, also with ``weak``) and
    #: ``best_moves`` the move that reaches it: empty when there is no bound yet, and
    #: ``score`` is then the lowest possible.
    stopped: str | None = None


@dataclass(frozen=True)
class SolveProgress:
    """Where a running solve stands (``Solver.progress``, read from another thread)."""

    nodes: int
    seconds: float
    #: The best root move found so far and its score, a lower bound on the exact score
    #: (None until one root move is proven).
    bound: int | None = None
    move: int | None = None
    #: An upper bound on the exact score so far, for solvers that narrow a window (None: none).
    upper: int | None = None

    def describe(self, move_name: Callable[[int], str] = str) -> str:
        """One line: nodes, nodes/s, seconds and the bound so far (``move_name`` names a move)."""
        rate = self.nodes / self.seconds / 1e6 if self.seconds > 0 else 0.0
        if self.bound is None:
            bound = "no bound yet"
        elif self.upper is not None:
            bound = f"score in [{self.bound:+d}, {self.upper:+d}]"
        else:
            best = f" (best so far {move_name(self.move)})" if self.move is not None else ""
            bound = f"score >= {self.bound:+d}{best}"
        return f"nodes {self.nodes:,}  {rate:.2f} M nodes/s  {self.seconds:.1f} s  {bound}"


@runtime_checkable
class Solver(Protocol):
    """An exact solver for one game, with a transposition table kept between solves.

    Results are exact whatever the table holds; node counts and times are not, so call
    ``reset`` before each position to measure it alone. Solvers subclass this protocol
    explicitly to inherit the defaults of its optional parts (``use_net``).
    """

    #: The registered name of the game this solver solves.
    game: ClassVar[str]
    #: Whether ``use_net`` can order the search's moves by an evaluation net.
    orders_by_net: ClassVar[bool] = False
    #: How many threads one solve may use (the constructor's ``threads``, where above 1).
    max_threads: ClassVar[int] = 1

    def reset(self) -> None:
        """Empty the transposition table."""
        ...

    def solve(self, state, *, weak: bool = False, all_best: bool = False, limit=None) -> SolveResult:
        """Solve ``state`` (left unchanged): the exact score, or with ``weak`` only its sign.

        ``all_best``: list every optimal move (a solver for which that is free always
        does, and says so in ``SolveResult.all_best``). ``limit``: a
        ``searchprune.search.limits.Limit`` whose ``time`` and ``nodes`` stop the solve
        early (``SolveResult.stopped``). Raises ``GameError`` for a state that is not an
        unfinished position of the solver's game. Does not ``reset``.
        """
        ...

    @staticmethod
    def empties(state) -> int:
        """Empty squares (cells) of ``state``: the solve's size."""
        ...

    @staticmethod
    def exact_score(state, score: int):
        """``score`` (a finished strong solve of ``state``) as a game-neutral
        ``searchprune.search.limits.ExactScore``: outcome, and distance or margin."""
        ...

    def stop(self) -> None:
        """Ask a running ``solve`` to stop soon (safe from another thread): it returns its
        best so far with ``stopped="interrupted"``."""
        ...

    def progress(self) -> SolveProgress:
        """Nodes, seconds and the best bound so far of the running (or last) solve; safe
        to call from another thread."""
        ...

    @staticmethod
    def parse_line(line: str) -> tuple[str, int | None] | None:
        """A line of the game's test-set format as (position text, expected score or None);
        None for a line with no position."""
        ...

    @classmethod
    def warm_up(cls) -> None:
        """Compile (or load from the disk cache) the solver's kernels with one small solve
        on a small table, so that the first real solve starts at once."""
        ...

    def use_net(self, net, until_ply: int = 14) -> None:
        """Order moves by ``net`` at nodes with fewer than ``until_ply`` stones (scores stay
        exact); ``None`` goes back to the solver's own ordering. Optional: solvers with
        ``orders_by_net = False`` raise ``SolverError``."""
        if net is not None:
            raise SolverError(f"the {self.game} solver keeps its own move ordering: it takes no net")


def solvable_games() -> list[str]:
    """The registered games that have an exact solver, sorted."""
    return [name for name in names() if solver_path(name) is not None]


def solver_class(game_name: str) -> type[Solver]:
    """The solver class of ``game_name``; ``SolverError`` (``GameError`` for an unknown game)."""
    path = solver_path(game_name)
    if path is None:
        raise SolverError(f"no exact solver for {game_name!r}: solvers exist for {' and '.join(solvable_games())}")
    return load(path)


def solver_for(game_name: str, **options) -> Solver:
    """A new solver for ``game_name`` (``options``: its table size, e.g. ``tt_mib``)."""
    return solver_class(game_name)(**options)
