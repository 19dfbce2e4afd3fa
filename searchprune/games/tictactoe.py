"""Tic-tac-toe: the smallest game, and ground truth for every search (its value is a draw).

State (``int64[19]``)::

    index  0..8   cells in reading order, 0 empty, 1 X (first player), 2 O
    index  9      plies played
    index 10..18  the cell played at each ply (history, so positions print as moves)

Cells, and the digits a person types for them::

    1 | 2 | 3
    4 | 5 | 6
    7 | 8 | 9

A move is the cell index 0..8. The key is the base-3 number of the board, so it is
perfect: two different positions never share it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.games.base import Game, GameError, GameInfo, State
from searchprune.games.bundle import BenchParts, GameBundle
from searchprune.types import DRAW, LOSS, ONGOING

PLY = 9
HISTORY = 10
STATE_SIZE = 19

LINES = np.array(
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]],
    dtype=np.int64,
)
# Static preference: centre, then corners, then edges.
CELL_HINT = np.array([1, 0, 1, 0, 2, 0, 1, 0, 1], dtype=np.int64)


@njit(**JIT)
def _mover(state: np.ndarray) -> int:
    """Piece of the side to move (1 for X, 2 for O)."""
    return 1 + (state[PLY] & 1)


@njit(**JIT)
def _has_line(state: np.ndarray, piece: int) -> bool:
    for i in range(8):
        if state[LINES[i, 0]] == piece and state[LINES[i, 1]] == piece and state[LINES[i, 2]] == piece:
            return True
    return False


@njit(**JIT)
def _completes_line(state: np.ndarray, cell: int, piece: int) -> bool:
    """Would ``piece`` on the empty ``cell`` make three in a row?"""
    for i in range(8):
        count = 0
        hit = False
        for j in range(3):
            c = LINES[i, j]
            if c == cell:
                hit = True
            elif state[c] == piece:
                count += 1
        if hit and count == 2:
            return True
    return False


@njit(**JIT)
def gen_moves(state: np.ndarray, buf: np.ndarray) -> int:
    n = 0
    for cell in range(9):
        if state[cell] == 0:
            buf[n] = cell
            n += 1
    return n


@njit(**JIT)
def make(state: np.ndarray, move: int) -> None:
    ply = state[PLY]
    state[move] = 1 + (ply & 1)
    state[HISTORY + ply] = move
    state[PLY] = ply + 1


@njit(**JIT)
def unmake(state: np.ndarray, move: int) -> None:
    state[move] = 0
    ply = state[PLY] - 1
    state[PLY] = ply
    state[HISTORY + ply] = 0


@njit(**JIT)
def terminal(state: np.ndarray) -> int:
    # Only the player who just moved can have made a line.
    if state[PLY] > 0 and _has_line(state, 3 - _mover(state)):
        return LOSS
    if state[PLY] == 9:
        return DRAW
    return ONGOING


@njit(**JIT)
def evaluate(state: np.ndarray, params: np.ndarray) -> int:
    """Open lines: each line only one side occupies counts the square of its stones."""
    me = _mover(state)
    score = 0
    for i in range(8):
        mine = 0
        theirs = 0
        for j in range(3):
            v = state[LINES[i, j]]
            if v == me:
                mine += 1
            elif v != 0:
                theirs += 1
        if theirs == 0:
            score += mine * mine
        elif mine == 0:
            score -= theirs * theirs
    return score


@njit(**JIT)
def key(state: np.ndarray) -> np.uint64:
    k = np.uint64(0)
    for cell in range(9):
        k = k * np.uint64(3) + np.uint64(state[cell])
    return k


@njit(**JIT)
def order_hints(state: np.ndarray, moves: np.ndarray, n: int, hints: np.ndarray) -> None:
    """Winning moves first, then forced blocks, then centre > corners > edges."""
    me = _mover(state)
    for i in range(n):
        move = moves[i]
        if _completes_line(state, move, me):
            hints[i] = 8
        elif _completes_line(state, move, 3 - me):
            hints[i] = 4
        else:
            hints[i] = CELL_HINT[move]


class TicTacToe(Game):
    """Noughts and crosses on 3x3; X moves first."""

    info = GameInfo(
        name="tictactoe",
        max_moves=9,
        max_plies=9,
        move_space=9,
        players=("X", "O"),
        description="3x3 noughts and crosses; value from the start is a draw",
    )

    def new_state(self) -> State:
        return np.zeros(STATE_SIZE, dtype=np.int64)

    def parse_position(self, text: str) -> State:
        """Digits 1-9, the cells played in order from the empty board (``"519"``)."""
        text = text.strip()
        state = self.new_state()
        for i, ch in enumerate(text):
            if ch not in "123456789":
                raise GameError(f"bad tic-tac-toe position {text!r}: character {i + 1} is {ch!r}, expected a cell 1-9")
            move = int(ch) - 1
            if move not in self.legal_moves(state):
                raise GameError(f"bad tic-tac-toe position {text!r}: move {i + 1} ({ch}) is illegal")
            make(state, np.int64(move))
        return state

    def format_position(self, state: State) -> str:
        return "".join(str(int(state[HISTORY + i]) + 1) for i in range(int(state[PLY])))

    def format_move(self, state: State, move: int) -> str:
        return str(move + 1)

    def side_to_move(self, state: State) -> int:
        return int(state[PLY]) & 1

    def plies_left(self, state: State) -> int:
        return 9 - int(state[PLY])

    def render(self, state: State, *, color: bool = False) -> str:
        marks = {1: "X", 2: "O"}
        paint = {1: "\x1b[1;31m", 2: "\x1b[1;34m"}
        rows = []
        for r in range(3):
            cells = []
            for c in range(3):
                v = int(state[3 * r + c])
                if v == 0:
                    text = str(3 * r + c + 1)
                    cells.append(f"\x1b[2m{text}\x1b[0m" if color else text)
                else:
                    cells.append(f"{paint[v]}{marks[v]}\x1b[0m" if color else marks[v])
            rows.append(" " + " | ".join(cells))
        return "\n---+---+---\n".join(rows)


#: This game's registration (``searchprune.games.registry``).
BUNDLE = GameBundle(
    "tictactoe", "searchprune.games.tictactoe:TicTacToe",
    bench=BenchParts(("", "5", "51", "159", "1526"), 9,
                     {"minimax": 9, "alphabeta": 9, "negascout": 9}),
    openings="games/tictactoe/openings.txt",
)
