"""Independent references the tests compare the engine with.

Nothing here uses the engine's search, and the game references use no bitboards:
plain lists and loops, slow and obviously right.
"""

from __future__ import annotations

import numpy as np

from searchprune.types import DRAW, INF, LOSS, ONGOING, terminal_score

PARAMS = np.zeros(1)


def negamax(game, state, depth: int, ply: int = 0) -> int:
    """The ten-line pure-Python negamax: the value every search must reproduce."""
    status = int(game.kernels.terminal(state))
    if status != ONGOING:
        return terminal_score(status, ply)
    if depth == 0:
        return int(game.kernels.evaluate(state, PARAMS))
    best = -INF
    for move in game.legal_moves(state):
        game.kernels.make(state, np.int64(move))
        best = max(best, -negamax(game, state, depth - 1, ply + 1))
        game.kernels.unmake(state, np.int64(move))
    return best


class NaiveTicTacToe:
    """3x3 board as a list; moves are cells 0..8."""

    LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]

    def __init__(self) -> None:
        self.cells = [0] * 9
        self.turn = 1

    def won(self, piece: int) -> bool:
        return any(all(self.cells[c] == piece for c in line) for line in self.LINES)

    def status(self) -> int:
        if self.won(3 - self.turn):
            return LOSS
        return DRAW if all(self.cells) else ONGOING

    def moves(self) -> list[int]:
        return [c for c in range(9) if self.cells[c] == 0] if self.status() == ONGOING else []

    def play(self, move: int) -> None:
        self.cells[move] = self.turn
        self.turn = 3 - self.turn


class NaiveConnect4:
    """6 rows x 7 columns as nested lists; row 0 is the bottom; moves are columns 0..6."""

    def __init__(self) -> None:
        self.grid = [[0] * 7 for _ in range(6)]
        self.turn = 1
        self.plies = 0

    def won(self, piece: int) -> bool:
        g = self.grid
        for r in range(6):
            for c in range(7):
                for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
                    cells = [(r + i * dr, c + i * dc) for i in range(4)]
                    if all(0 <= rr < 6 and 0 <= cc < 7 and g[rr][cc] == piece for rr, cc in cells):
                        return True
        return False

    def status(self) -> int:
        if self.won(3 - self.turn):
            return LOSS
        return DRAW if self.plies == 42 else ONGOING

    def moves(self) -> list[int]:
        if self.status() != ONGOING:
            return []
        return [c for c in range(7) if self.grid[5][c] == 0]

    def play(self, move: int) -> None:
        row = next(r for r in range(6) if self.grid[r][move] == 0)
        self.grid[row][move] = self.turn
        self.turn = 3 - self.turn
        self.plies += 1


class NaiveOthello:
    """8x8 board as a list of lists; moves are squares 0..63 (8 * rank + file) or 64 (pass)."""

    DIRS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]

    def __init__(self) -> None:
        self.grid = [[0] * 8 for _ in range(8)]
        self.grid[3][3] = self.grid[4][4] = 2  # white on d4, e5
        self.grid[3][4] = self.grid[4][3] = 1  # black on e4, d5
        self.turn = 1

    def _flips(self, who: int, r: int, c: int) -> list:
        if self.grid[r][c]:
            return []
        out = []
        for dr, dc in self.DIRS:
            line, rr, cc = [], r + dr, c + dc
            while 0 <= rr < 8 and 0 <= cc < 8 and self.grid[rr][cc] == 3 - who:
                line.append((rr, cc))
                rr, cc = rr + dr, cc + dc
            if line and 0 <= rr < 8 and 0 <= cc < 8 and self.grid[rr][cc] == who:
                out += line
        return out

    def _placements(self, who: int) -> list[int]:
        return [8 * r + c for r in range(8) for c in range(8) if self._flips(who, r, c)]

    def status(self) -> int:
        if self._placements(self.turn) or self._placements(3 - self.turn):
            return ONGOING
        mine = sum(row.count(self.turn) for row in self.grid)
        theirs = sum(row.count(3 - self.turn) for row in self.grid)
        return LOSS if mine < theirs else (DRAW if mine == theirs else 1)

    def moves(self) -> list[int]:
        if self.status() != ONGOING:
            return []
        return self._placements(self.turn) or [64]

    def play(self, move: int) -> None:
        if move != 64:
            r, c = divmod(move, 8)
            for rr, cc in self._flips(self.turn, r, c):
                self.grid[rr][cc] = self.turn
            self.grid[r][c] = self.turn
        self.turn = 3 - self.turn


def naive_othello_from(black: int, white: int, turn: int) -> NaiveOthello:
    """A ``NaiveOthello`` holding these discs, ``turn`` 1 (black) or 2 (white) to move."""
    board = NaiveOthello()
    board.grid = [[1 if black >> (8 * r + c) & 1 else 2 if white >> (8 * r + c) & 1 else 0 for c in range(8)]
                  for r in range(8)]
    board.turn = turn
    return board


def othello_exact_value(board: NaiveOthello) -> int:
    """Final disc difference for the side to move under perfect play, empties to the winner.

    Plain negamax to the end of the game, no pruning: only for a handful of empties.
    """
    moves = board.moves()
    if not moves:
        mine = sum(row.count(board.turn) for row in board.grid)
        theirs = sum(row.count(3 - board.turn) for row in board.grid)
        empties = 64 - mine - theirs
        return mine - theirs + (empties if mine > theirs else -empties if mine < theirs else 0)
    best = -65
    for move in moves:
        child = NaiveOthello()
        child.grid = [row[:] for row in board.grid]
        child.turn = board.turn
        child.play(move)
        best = max(best, -othello_exact_value(child))
    return best


class PythonChess:
    """Chess through python-chess, which this project did not write: legal moves by its
    own generator, results by its rules (threefold repetition, 50 moves, dead material)."""

    def __init__(self) -> None:
        import chess

        self.board = chess.Board()

    def status(self) -> int:
        board = self.board
        if board.is_checkmate():
            return LOSS
        if (board.is_stalemate() or board.is_insufficient_material() or board.is_repetition(3)
                or board.halfmove_clock >= 100):
            return DRAW
        return ONGOING

    def moves(self) -> list[int]:
        from searchprune.games.chess.game import to_move

        if self.status() != ONGOING:
            return []
        return [to_move(self.board, m) for m in self.board.legal_moves]

    def play(self, move: int) -> None:
        from searchprune.games.chess.game import from_move

        self.board.push(from_move(move))


#: Every registered game needs a naive reference here (a test checks it).
REFERENCES = {"tictactoe": NaiveTicTacToe, "connect4": NaiveConnect4, "othello": NaiveOthello, "chess": PythonChess}


def random_position(game, rng, min_plies: int = 0, max_plies: int = 10):
    """A random ongoing position reached by random legal moves (None if the game ended)."""
    state = game.new_state()
    for _ in range(int(rng.integers(min_plies, max_plies + 1))):
        moves = game.legal_moves(state)
        if not moves:
            break
        game.play(state, moves[int(rng.integers(len(moves)))])
    return state if game.status(state) == ONGOING else None
