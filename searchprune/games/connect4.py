"""Connect Four on 7x6, with bitboards in Pascal Pons' encoding.

Bit layout (bit index = 7 * column + row; row 0 is the bottom; the seventh bit of
each column is a sentinel that is never set, so shifts cannot carry from one column
into the next)::

      .  .  .  .  .  .  .     <- sentinel row: 6 13 20 27 34 41 48
      5 12 19 26 33 40 47
      4 11 18 25 32 39 46
      3 10 17 24 31 38 45
      2  9 16 23 30 37 44
      1  8 15 22 29 36 43
      0  7 14 21 28 35 42
      1  2  3  4  5  6  7     <- column numbers a person types

A position is two bitboards: ``mask`` (every stone) and ``current`` (the stones of
the side to move). Playing a move is ``current ^= mask; mask |= move_bit``, so the
side to move is always "current". ``current + mask`` is a perfect key: adding the
bottom row's bits to mask turns each column's stone run into one bit above it, and
``current`` fills in who owns which stone (Pons, "Solving Connect 4", part 6).

State (``uint64[45]``)::

    index 0        current
    index 1        mask
    index 2        plies played
    index 3..44    the column played at each ply (history, so positions print as moves)

A move is the column index 0..6.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.bits import popcount
from searchprune.config import JIT
from searchprune.games.base import Game, GameError, GameInfo, State
from searchprune.games.bundle import BenchParts, DataParts, GameBundle, NetParts
from searchprune.types import DRAW, LOSS, ONGOING

WIDTH = 7
HEIGHT = 6
CELLS = WIDTH * HEIGHT
CURRENT, MASK, PLY, HISTORY = 0, 1, 2, 3
STATE_SIZE = HISTORY + CELLS

_ONE = np.uint64(1)
#: One bit at the bottom of every column.
BOTTOM = np.uint64(sum(1 << (7 * c) for c in range(WIDTH)))
#: Every playable cell (all bits but the sentinels).
BOARD = np.uint64(int(BOTTOM) * ((1 << HEIGHT) - 1))
#: Column order a strong player tries first: centre outwards.
CENTRE_ORDER = np.array([3, 2, 4, 1, 5, 0, 6], dtype=np.int64)
#: Small static preference for central columns (ordering hint tie-break).
CENTRE_BONUS = np.array([0, 1, 2, 3, 2, 1, 0], dtype=np.int64)


def _count_lines_through() -> np.ndarray:
    """For each bit, how many four-cell lines pass through its cell (central cells: more)."""
    counts = np.zeros(49, dtype=np.int64)
    for col in range(WIDTH):
        for row in range(HEIGHT):
            for dc, dr in ((1, 0), (0, 1), (1, 1), (1, -1)):
                cells = [(col + i * dc, row + i * dr) for i in range(4)]
                if all(0 <= c < WIDTH and 0 <= r < HEIGHT for c, r in cells):
                    for c, r in cells:
                        counts[7 * c + r] += 1
    return counts


_LINES_THROUGH = _count_lines_through()
#: The same weights as bitboards: ``_WEIGHT_MASKS[i]`` holds the cells worth ``_WEIGHTS[i]``,
#: so the positional sum is a few popcounts instead of a loop over the cells.
_WEIGHTS = np.unique(_LINES_THROUGH[_LINES_THROUGH > 0])
_WEIGHT_MASKS = np.array(
    [sum(1 << b for b in range(49) if _LINES_THROUGH[b] == w) for w in _WEIGHTS], dtype=np.uint64
)


@njit(**JIT)
def column_mask(col: int) -> np.uint64:
    return np.uint64((1 << HEIGHT) - 1) << np.uint64(7 * col)


@njit(**JIT)
def bottom_mask(col: int) -> np.uint64:
    return _ONE << np.uint64(7 * col)


@njit(**JIT)
def top_mask(col: int) -> np.uint64:
    return _ONE << np.uint64(HEIGHT - 1 + 7 * col)


@njit(**JIT)
def possible(mask: np.uint64) -> np.uint64:
    """The cell each non-full column would receive next."""
    return (mask + BOTTOM) & BOARD


@njit(**JIT)
def alignment(pos: np.uint64) -> bool:
    """Four in a row anywhere in ``pos``: shift-and twice per direction."""
    m = pos & (pos >> np.uint64(7))  # horizontal
    if m & (m >> np.uint64(14)):
        return True
    m = pos & (pos >> np.uint64(6))  # diagonal \
    if m & (m >> np.uint64(12)):
        return True
    m = pos & (pos >> np.uint64(8))  # diagonal /
    if m & (m >> np.uint64(16)):
        return True
    m = pos & (pos >> np.uint64(1))  # vertical
    if m & (m >> np.uint64(2)):
        return True
    return False


@njit(**JIT)
def winning_cells(pos: np.uint64, mask: np.uint64) -> np.uint64:
    """Empty cells (anywhere, not only playable) that would give ``pos`` four in a row.

    For each direction, a cell wins if three stones lie on one side of it, or two on
    one side and one on the other (Pons' ``compute_winning_position``).
    """
    # vertical: only three stones below can make it
    r = (pos << np.uint64(1)) & (pos << np.uint64(2)) & (pos << np.uint64(3))
    for s in (np.uint64(7), np.uint64(6), np.uint64(8)):  # horizontal, diagonal \, diagonal /
        p = (pos << s) & (pos << (s + s))
        r |= p & (pos << (s + s + s))
        r |= p & (pos >> s)
        p = (pos >> s) & (pos >> (s + s))
        r |= p & (pos << s)
        r |= p & (pos >> (s + s + s))
    return r & (BOARD ^ mask)


@njit(**JIT)
def gen_moves(state: np.ndarray, buf: np.ndarray) -> int:
    mask = state[MASK]
    n = 0
    for col in range(WIDTH):
        if (mask & top_mask(col)) == 0:
            buf[n] = col
            n += 1
    return n


@njit(**JIT)
def make(state: np.ndarray, move: int) -> None:
    mask = state[MASK]
    state[CURRENT] ^= mask
    state[MASK] = mask | (mask + bottom_mask(move))
    ply = state[PLY]
    state[HISTORY + ply] = move
    state[PLY] = ply + np.uint64(1)


@njit(**JIT)
def unmake(state: np.ndarray, move: int) -> None:
    # The column's stones are a run from the bottom; adding the bottom bit carries to
    # just above the run, and one shift down is its top stone.
    column = state[MASK] & column_mask(move)
    top = (column + bottom_mask(move)) >> _ONE
    mask = state[MASK] ^ top
    state[MASK] = mask
    state[CURRENT] ^= mask
    ply = state[PLY] - np.uint64(1)
    state[PLY] = ply
    state[HISTORY + ply] = 0


@njit(**JIT)
def terminal(state: np.ndarray) -> int:
    # Only the player who just moved (stones = current ^ mask) can have four in a row.
    if alignment(state[CURRENT] ^ state[MASK]):
        return LOSS
    if state[PLY] == CELLS:
        return DRAW
    return ONGOING


@njit(**JIT)
def evaluate(state: np.ndarray, params: np.ndarray) -> int:
    """Threat balance plus central control, from the side to move.

    A threat is an empty cell that would complete four; threats the opponent cannot
    defuse decide most games, and stones on central cells take part in more lines.
    """
    current = state[CURRENT]
    mask = state[MASK]
    other = current ^ mask
    score = 16 * (popcount(winning_cells(current, mask)) - popcount(winning_cells(other, mask)))
    for i in range(_WEIGHTS.shape[0]):
        score += _WEIGHTS[i] * (popcount(current & _WEIGHT_MASKS[i]) - popcount(other & _WEIGHT_MASKS[i]))
    return score


@njit(**JIT)
def key(state: np.ndarray) -> np.uint64:
    return state[CURRENT] + state[MASK]


@njit(**JIT)
def order_hints(state: np.ndarray, moves: np.ndarray, n: int, hints: np.ndarray) -> None:
    """Immediate wins, then forced blocks, then threats created, then the centre.

    Only the order of the values matters (``search/ordering.py`` shifts every hint
    above the killers and history): a win (4096) before a block (2048) before any other
    move, whose hint, 8 per threat it creates plus ``CENTRE_BONUS`` (0-3, so below one
    threat) is at most 8 * 42 + 3 < 2048. The values were chosen for that order, not
    tuned; other weightings were never measured.
    """
    current = state[CURRENT]
    mask = state[MASK]
    mine = winning_cells(current, mask)
    theirs = winning_cells(current ^ mask, mask)
    for i in range(n):
        move = moves[i]
        cell = (mask + bottom_mask(move)) & column_mask(move)
        if cell & mine:
            hints[i] = 4096
        elif cell & theirs:
            hints[i] = 2048
        else:
            hints[i] = 8 * popcount(winning_cells(current | cell, mask)) + CENTRE_BONUS[move]


class Connect4(Game):
    """Connect Four, 7 columns x 6 rows; X moves first."""

    info = GameInfo(
        name="connect4",
        max_moves=WIDTH,
        max_plies=CELLS,
        move_space=WIDTH,
        players=("X", "O"),
        description="7x6 Connect Four; positions are Pons' column strings such as 4453",
    )

    def new_state(self) -> State:
        return np.zeros(STATE_SIZE, dtype=np.uint64)

    def parse_position(self, text: str) -> State:
        """Columns 1-7 played from the empty board, as in Pons' test sets (``"4453"``)."""
        text = text.strip()
        state = self.new_state()
        for i, ch in enumerate(text):
            if ch not in "1234567":
                raise GameError(f"bad Connect Four position {text!r}: character {i + 1} is {ch!r}, expected a column 1-7")
            if terminal(state) != ONGOING:
                raise GameError(f"bad Connect Four position {text!r}: the game is over before move {i + 1}")
            col = int(ch) - 1
            if state[MASK] & top_mask(col):
                raise GameError(f"bad Connect Four position {text!r}: column {ch} is full at move {i + 1}")
            make(state, np.int64(col))
        return state

    def format_position(self, state: State) -> str:
        return "".join(str(int(state[HISTORY + i]) + 1) for i in range(int(state[PLY])))

    def format_move(self, state: State, move: int) -> str:
        return str(move + 1)

    def side_to_move(self, state: State) -> int:
        return int(state[PLY]) & 1

    def plies_left(self, state: State) -> int:
        return CELLS - int(state[PLY])

    def render(self, state: State, *, color: bool = False) -> str:
        current, mask, ply = int(state[CURRENT]), int(state[MASK]), int(state[PLY])
        # ``current`` belongs to the side to move; first player's stones are:
        first = current if ply % 2 == 0 else current ^ mask
        last = int(state[HISTORY + ply - 1]) if ply else -1
        last_bit = 0
        if last >= 0:
            col_bits = mask & int(column_mask(last))
            last_bit = (col_bits + int(bottom_mask(last))) >> 1
        lines = []
        for row in range(HEIGHT - 1, -1, -1):
            cells = []
            for col in range(WIDTH):
                bit = 1 << (7 * col + row)
                if not mask & bit:
                    cells.append("\x1b[2m.\x1b[0m" if color else ".")
                    continue
                mark = "X" if first & bit else "O"
                if color:
                    paint = "\x1b[1;31m" if mark == "X" else "\x1b[1;33m"
                    if bit == last_bit:
                        paint += "\x1b[4m"
                    cells.append(f"{paint}{mark}\x1b[0m")
                else:
                    cells.append(mark)
            lines.append("| " + " ".join(cells) + " |")
        lines.append("+" + "-" * (2 * WIDTH + 1) + "+")
        lines.append("  " + " ".join(str(c + 1) for c in range(WIDTH)))
        return "\n".join(lines)


#: This game's registration (``searchprune.games.registry``).
BUNDLE = GameBundle(
    "connect4", "searchprune.games.connect4:Connect4",
    net=NetParts("connect4-mlp", "searchprune.nets.infer:connect4_net",
                 "searchprune.evaluation.infer:connect4_net", "searchprune.evaluation.features:connect4_active",
                 inputs=84, max_active=42, output_scale=1000.0, loss="mse", label_scale=22.0,
                 label_unit="Pons score", factor_block=42, incremental=True,
                 mirror="searchprune.evaluation.features:connect4_mirror"),
    bench=BenchParts(("", "4453", "44444", "334455", "4455661", "1122336655", "4444333322",
                      "7422341735647741166133573473242566"), 10,
                     {"minimax": 6, "alphabeta": 12, "negascout": 12}, study_depth=10),
    # Measured on this project's 2-core machine, 2 workers: exact solves from 11 stones
    # ~13 ms a position on average (from 10: ~40 ms, a few take seconds), the depth-12
    # searches before ~16 ms; ~26 positions a game.
    data=DataParts("searchprune.nets.data:label_connect4",
                   {"opening": [0, 6], "record_from": 0, "play_depth": 6, "epsilon": 0.1, "exact_from": 11,
                    "search_depth": 12},
                   position_text="searchprune.nets.data:connect4_text"),
    solver="searchprune.solvers.connect4:Connect4Solver",
    openings="games/connect4/openings.txt",
    book="searchprune.solvers.book:OpeningBook",
)
