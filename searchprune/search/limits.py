"""Value objects at the search's Python boundary: what to search, and what came back.

Modelled on ``chess.engine``: a ``Limit`` says when to stop, a ``PlayResult`` carries
the move and the ``SearchInfo`` of the last completed iteration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Limit:
    """When to stop searching; any combination, the first reached wins.

    ``depth`` in plies, ``nodes`` visited, ``time`` in seconds for this search. With
    none given the search runs until it proves the result, or ``stop()`` is called.
    The depth-1 iteration always completes, so a move is always returned.
    """

    depth: int | None = None
    nodes: int | None = None
    time: float | None = None

    def __post_init__(self) -> None:
        if self.depth is not None and self.depth < 1:
            raise ValueError(f"depth must be at least 1, got {self.depth}")
        if self.nodes is not None and self.nodes < 1:
            raise ValueError(f"nodes must be at least 1, got {self.nodes}")
        if self.time is not None and not self.time > 0:
            raise ValueError(f"time must be positive, got {self.time}")


@dataclass(frozen=True)
class SearchInfo:
    """Statistics of a search up to the end of one completed iteration."""

    depth: int
    seldepth: int
    score: int
    nodes: int
    time: float  # seconds since the search started
    pv: list[int] = field(default_factory=list)
    tt_probes: int = 0
    tt_hits: int = 0
    tt_cutoffs: int = 0
    cutoffs: int = 0
    first_cutoffs: int = 0
    evals: int = 0  # leaves scored by the evaluator
    hashfull: int = 0  # permille of the table written by this search

    @property
    def nps(self) -> int:
        """Nodes per second."""
        return int(self.nodes / self.time) if self.time > 0 else 0

    @property
    def first_cutoff_rate(self) -> float:
        """Share of beta cutoffs made by the first move searched (ordering quality)."""
        return self.first_cutoffs / self.cutoffs if self.cutoffs else 0.0

    @property
    def tt_hit_rate(self) -> float:
        return self.tt_hits / self.tt_probes if self.tt_probes else 0.0

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(nps=self.nps, first_cutoff_rate=self.first_cutoff_rate, tt_hit_rate=self.tt_hit_rate)
        return d


@dataclass(frozen=True)
class ExactScore:
    """A proven game-theoretic value of a position, from the side to move: what an
    engine knows when a solve finished (``PlayResult.exact``).

    Game-neutral: each solver translates its own score convention into it
    (``Solver.exact_score``).
    """

    #: 1 a win, 0 a draw, -1 a loss for the side to move, under perfect play.
    outcome: int
    #: Plies from this position to the deciding move, that move included (Connect Four:
    #: the move that makes four, by either side); None where not known.
    plies: int | None = None
    #: The final disc difference (Othello); None where the game has none.
    margin: int | None = None

    def __post_init__(self) -> None:
        if self.outcome not in (-1, 0, 1):
            raise ValueError(f"outcome must be -1, 0 or 1, got {self.outcome}")

    def text(self) -> str:
        """``win in 5 plies`` / ``draw`` / ``loss in 4 plies``, or ``win by 12`` / ``loss by 6``
        where the margin is known; then ``(exact)``."""
        if self.outcome == 0:
            return "draw (exact)"
        verdict = "win" if self.outcome > 0 else "loss"
        if self.margin is not None:
            return f"{verdict} by {abs(self.margin)} (exact)"
        if self.plies is not None:
            return f"{verdict} in {self.plies} plies (exact)"
        return f"{verdict} (exact)"


@dataclass(frozen=True)
class PlayResult:
    """The outcome of a search: the move to play and how it was found."""

    move: int
    score: int
    info: SearchInfo
    #: The info of every completed iteration, shallowest first.
    iterations: list[SearchInfo] = field(default_factory=list)
    #: True if a limit or ``stop()`` cut an iteration short (its work is discarded).
    interrupted: bool = False
    #: A search for several lines (``multipv``, ``root_moves``): the last completed
    #: iteration's lines, best first, each ``pv`` from the root; empty otherwise.
    lines: list[SearchInfo] = field(default_factory=list)
    #: Where the move comes from: ``"search"``, or ``"solver"`` when it is proven
    #: optimal (``searchprune.engines.exact``); ``exact`` then holds the value.
    source: str = "search"
    exact: ExactScore | None = None
