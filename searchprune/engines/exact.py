"""Exact play: the engine's move is a proven one whenever the book holds the position or
the move's budget lets the solver prove one.

Connect Four and Othello have exact solvers (``searchprune.solvers``), and Connect Four an
opening book of solved positions (``searchprune.solvers.book``). A ``SearchEngine`` with a
time budget asks ``ExactPlay`` first:

0. **Book.** A position in the book gets the book's move at once (the most central
   optimal column, the move the book was built to follow).
1. **Plan.** An exact solve is tried when the measured median time of a cold exact solve
   at this many empties (``SOLVE_SECONDS``, from ``bench/exact_threshold.py``) fits in
   ``PREDICT_SHARE`` of the move's budget, or at or below ``solver_empties`` when a
   spec or option fixes the threshold; else a win/draw/loss solve (which only proves
   the outcome, several times faster) when its median fits.
2. **Solve,** every optimal move (for Connect Four the score says how fast: Pons' score
   counts the winner's stones, so the optimal moves are exactly the fastest wins, the
   longest losses, or the draws), stopped after ``SOLVE_SHARE`` of the budget. The
   solver's table is kept across the moves of a game, so each solve reuses the last.
3. **Choose** among the optimal moves with the heuristic search (``root_moves``), for at
   most ``CHOOSE_SHARE`` of the budget: between moves of equal value it prefers the one
   its evaluation likes best, which against a fallible opponent is the position with the most chances for them to
   go wrong. That is the trap rule: it is the evaluation's judgement, not a count of
   traps.
4. **Fall back** to the heuristic search, in the time left, when the solve did not
   finish.

Without a time budget (fixed depth or nodes) the engine only searches, so fixed-depth
and fixed-node specs stay reproducible.
"""

from __future__ import annotations

import time
from dataclasses import replace

from searchprune.search.limits import ExactScore, Limit, PlayResult, SearchInfo
from searchprune.games.registry import book_path, load, solver_path
from searchprune.solvers.base import solver_class, solver_for
from searchprune.types import MATE, MATE_BOUND

__all__ = ["ExactPlay", "PREDICT_SHARE", "SOLVE_SHARE", "SOLVE_SECONDS", "exact_play_for", "predicted_seconds"]

#: A solve is planned when its median cold time fits this share of the move's budget ...
PREDICT_SHARE = 1 / 3
#: ... and it may use this share of the budget before the search takes over. A planned
#: solve that runs long is a hard position, where the search is likeliest to err: at 2/3,
#: bench/c4_perfect.py saw one outcome-losing search move in 402 (a 12-stone position whose
#: cold solve takes 0.8 s); the search's last 15 % still reaches depth 14 or so.
SOLVE_SHARE = 0.85
#: Once the solve has proven the move's value, choosing among equally good moves may use
#: at most this share of the budget (a proven move need not spend the whole budget).
CHOOSE_SHARE = 1 / 5
#: Median seconds of a cold solve with every best move, exact and win/draw/loss
#: ("weak"), by empties, as measured by ``bench/exact_threshold.py``
#: (``bench/results/exact_threshold.md``), read through ``predicted_seconds``. Beyond
#: the largest entry a solve is never planned without an explicit ``solver_empties``.
SOLVE_SECONDS: dict[str, dict[str, dict[int, float]]] = {
    "connect4": {
        "exact": {
            10: 1.1e-05, 11: 9.37e-06, 12: 8.71e-06, 13: 9.09e-06, 14: 9.15e-06, 15: 1.08e-05, 16: 2.53e-05,
            17: 1.88e-05, 18: 1.44e-05, 19: 1.24e-05, 20: 1.45e-05, 21: 4.01e-05, 22: 8.86e-06, 23: 9.27e-06,
            24: 0.000444, 25: 0.00083, 26: 0.000197, 27: 0.000788, 28: 0.0011, 29: 0.0197, 30: 0.0247,
            31: 0.0154, 32: 0.0418, 33: 0.203, 34: 0.251, 35: 0.417, 36: 0.71},
        "weak": {
            10: 1.45e-05, 11: 9.47e-06, 12: 1.12e-05, 13: 1.02e-05, 14: 1.06e-05, 15: 1.06e-05, 16: 2.11e-05,
            17: 2.05e-05, 18: 2.32e-05, 19: 1.13e-05, 20: 2.01e-05, 21: 0.000126, 22: 4.8e-05, 23: 6.92e-05,
            24: 0.000279, 25: 0.000697, 26: 0.000465, 27: 0.00054, 28: 0.00832, 29: 0.00594, 30: 0.0342,
            31: 0.0185, 32: 0.0894, 33: 0.223, 34: 0.633, 35: 0.405, 36: 1.48},
    },
    "othello": {
        "exact": {
            12: 0.000854, 13: 0.0011, 14: 0.00325, 15: 0.00579, 16: 0.0073, 17: 0.0404, 18: 0.0431,
            19: 0.285, 20: 0.355, 21: 0.864, 22: 2.78, 23: 7.24, 24: 8},
        "weak": {
            12: 0.000387, 13: 0.000495, 14: 0.00112, 15: 0.0021, 16: 0.00223, 17: 0.0182, 18: 0.0183,
            19: 0.0951, 20: 0.125, 21: 0.349, 22: 0.779, 23: 1.15, 24: 7.55},
    },
}


class ExactPlay:
    """One game's solver, used for the moves it can prove within their budget."""

    def __init__(self, game, *, solver: bool = True, solver_empties: int | None = None, book=None) -> None:
        if solver_empties is not None and solver_empties < 0:
            raise ValueError(f"solver_empties must be >= 0, got {solver_empties}")
        self.game = game
        self.use_solver = solver
        self.solver_empties = solver_empties
        #: The opening book (``solvers.book.OpeningBook``), or None.
        self.book = book
        self.solver_class = solver_class(game.info.name)
        self._solver = None  # made on first use: a table of 64 MiB

    @property
    def solver(self):
        if self._solver is None:
            self._solver = solver_for(self.game.info.name)
        return self._solver

    def new_game(self) -> None:
        if self._solver is not None:
            self._solver.reset()

    def stop(self) -> None:
        if self._solver is not None:
            self._solver.stop()

    def plan(self, state, budget: float) -> str | None:
        """The solve worth trying on ``state`` in ``budget`` seconds: ``"exact"``,
        ``"weak"`` (win/draw/loss) or None."""
        empties = self.solver_class.empties(state)
        if self.solver_empties is not None:
            return "exact" if empties <= self.solver_empties else None
        for mode in ("exact", "weak"):
            predicted = predicted_seconds(self.game.info.name, mode, empties)
            if predicted is not None and predicted <= PREDICT_SHARE * budget:
                return mode
        return None

    def play(self, state, limit: Limit, search) -> PlayResult | None:
        """The proven move for ``state`` within ``limit.time``, or None (nothing proven:
        the caller searches in what is left of the budget). ``search(state, limit,
        root_moves)`` is the heuristic search that chooses among the optimal moves."""
        start = time.perf_counter()
        if limit.time is None:
            return None
        if self.book is not None:
            found = self.book.lookup(state)
            if found is not None:
                score, _, move = found
                return _exact_result(move, self.solver_class.exact_score(state, score), nodes=0,
                                     seconds=time.perf_counter() - start, empties=self.solver_class.empties(state),
                                     source="book")
        mode = self.plan(state, limit.time) if self.use_solver else None
        if mode is None:
            return None
        weak = mode == "weak"
        result = self.solver.solve(state, weak=weak, all_best=True, limit=Limit(time=SOLVE_SHARE * limit.time))
        if result.stopped == "interrupted":  # stop(): a move at once, marked as cut short
            return replace(search(state, Limit(depth=1), None), interrupted=True)
        if result.stopped or not result.best_moves:
            return None
        exact = ExactScore(outcome=result.score) if weak else self.solver.exact_score(state, result.score)
        move = result.best_moves[0]
        left = min(limit.time - (time.perf_counter() - start), CHOOSE_SHARE * limit.time)
        if len(result.best_moves) > 1 and left > 0.001:
            move = search(state, Limit(depth=limit.depth, time=left), result.best_moves).move
        return _exact_result(move, exact, nodes=result.nodes, seconds=result.seconds, empties=result.empties,
                             source="solver")


def _exact_result(move: int, exact: ExactScore, *, nodes: int, seconds: float, empties: int,
                  source: str) -> PlayResult:
    score = search_score(exact)
    info = SearchInfo(depth=empties, seldepth=empties, score=score, nodes=nodes, time=seconds, pv=[move])
    return PlayResult(move=move, score=score, info=info, iterations=[info], source=source, exact=exact)


def predicted_seconds(game_name: str, mode: str, empties: int) -> float | None:
    """The planning time of a ``mode`` solve at ``empties``: the largest measured median
    at this many empties or fewer (a few positions per count make the medians noisy; a
    solve with fewer empties is not planned as slower), None beyond the measurements."""
    measured = SOLVE_SECONDS.get(game_name, {}).get(mode, {})
    if not measured or empties > max(measured):
        return None
    return max((seconds for count, seconds in measured.items() if count <= empties), default=min(measured.values()))


def search_score(exact: ExactScore) -> int:
    """``exact`` on the search's scale (``searchprune.types``): a win ``n`` plies away is
    ``MATE - n``; a win or loss of unknown distance sits at ``MATE_BOUND``."""
    if exact.outcome == 0:
        return 0
    magnitude = MATE - exact.plies if exact.plies is not None else MATE_BOUND
    return exact.outcome * magnitude


def exact_play_for(game, settings: dict | None = None) -> ExactPlay | None:
    """The ``ExactPlay`` of ``game`` under a spec's ``[exact]`` settings (``book``,
    ``solver``, ``solver_empties``); None for a game without a solver, or with both the
    book and the solver switched off (or absent)."""
    settings = settings or {}
    if solver_path(game.info.name) is None:
        return None
    book = None
    if settings.get("book", True) and book_path(game.info.name) is not None:
        book = load(book_path(game.info.name)).default()
    use_solver = settings.get("solver", True)
    if book is None and not use_solver:
        return None
    return ExactPlay(game, solver=use_solver, solver_empties=settings.get("solver_empties"), book=book)
