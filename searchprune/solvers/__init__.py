"""Exact game solvers: programs that compute the game-theoretic value of a position.

Unlike ``searchprune.search`` (a generic, game-agnostic heuristic search), a solver is
written for one game and proves its result. Every solver implements the ``Solver``
protocol and returns a ``SolveResult`` (``searchprune.solvers.base``); callers find a
game's solver with ``solver_for(game_name)``. ``searchprune.solvers.connect4`` is a
Pascal Pons-style strong and weak solver for 7x6 Connect Four;
``searchprune.solvers.othello`` an exact (or win/draw/loss) Othello endgame solver.
The solver modules compile their kernels and load only when a solver is asked for.
"""

from searchprune.solvers.base import SolveProgress, SolveResult, Solver, SolverError, solvable_games, solver_class, solver_for

__all__ = ["SolveProgress", "SolveResult", "Solver", "SolverError", "solvable_games", "solver_class", "solver_for"]
