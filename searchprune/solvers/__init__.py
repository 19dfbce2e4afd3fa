"""Exact game solvers: programs that compute the game-theoretic value of a position.

Unlike ``searchprune.search`` (a generic, game-agnostic heuristic search), a solver is
written for one game and proves its result. ``searchprune.solvers.connect4`` is a
Pascal Pons-style strong and weak solver for 7x6 Connect Four;
``searchprune.solvers.othello`` an exact (or win/draw/loss) Othello endgame solver.
"""
