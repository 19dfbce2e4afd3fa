"""Othello (Reversi) on 8x8 with two 64-bit bitboards.

Square numbering (bit index; the order of OBF board strings, see
``shared/data/othello/README.md``)::

         A  B  C  D  E  F  G  H
      1  0  1  2  3  4  5  6  7
      2  8  9 10 11 12 13 14 15
      3 16 17 18 19 20 21 22 23
      4 24 25 26 27 28 29 30 31
      5 32 33 34 35 36 37 38 39
      6 40 41 42 43 44 45 46 47
      7 48 49 50 51 52 53 54 55
      8 56 57 58 59 60 61 62 63

Shifting a board by +1 moves every disc one file right (towards H), +8 one rank
down (towards 8), +9 and +7 diagonally; horizontal and diagonal shifts mask off the
A and H files so no line wraps around the board edge.

A position is ``player`` (the side to move's discs) and ``opponent``. A player with
no legal placement must pass: ``PASS`` (64) is then the only move; when neither side
can place a disc the game is over and the disc difference decides it. Passing
counts as a ply.

State (``uint64[4 + 2 * MAX_GAME_PLIES]``)::

    index 0          player (side to move) discs
    index 1          opponent discs
    index 2          colour to move: 0 black (X, first), 1 white (O)
    index 3          plies played since the position was set up
    index 4 + 2k     move of ply k (square or PASS)
    index 5 + 2k     discs it flipped (unmake restores them)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.bits import highest_index, popcount
from searchprune.config import JIT
from searchprune.games.base import Game, GameError, GameInfo, State
from searchprune.games.bundle import BenchParts, DataParts, GameBundle, NetParts
from searchprune.hashing import mix
from searchprune.types import DRAW, LOSS, ONGOING, WIN

PLAYER, OPPONENT, COLOUR, PLY, HISTORY = 0, 1, 2, 3, 4
PASS = 64
#: Each placement can be followed by at most one pass (two passes end the game).
MAX_GAME_PLIES = 120
STATE_SIZE = HISTORY + 2 * MAX_GAME_PLIES

_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_NOT_EDGE_FILES = np.uint64(0x7E7E7E7E7E7E7E7E)  # discs that a sideways shift may carry
_NOT_A = np.uint64(0xFEFEFEFEFEFEFEFE)
_NOT_H = np.uint64(0x7F7F7F7F7F7F7F7F)
_CORNERS = np.uint64((1 << 0) | (1 << 7) | (1 << 56) | (1 << 63))
#: X-squares (diagonal to a corner) and C-squares (beside it), keyed by their corner.
_X_SQUARES = np.array([9, 14, 49, 54], dtype=np.int64)
_CORNER_OF = np.array([0, 7, 56, 63], dtype=np.int64)
_C_SQUARES = np.array([[1, 8], [6, 15], [48, 57], [55, 62]], dtype=np.int64)
_START_BLACK = np.uint64((1 << 28) | (1 << 35))  # E4, D5
_START_WHITE = np.uint64((1 << 27) | (1 << 36))  # D4, E5

#: Classic static square values; the ordering hint adds mobility to them.
SQUARE_VALUE = np.array(
    [
        100, -20, 10, 5, 5, 10, -20, 100,
        -20, -50, -2, -2, -2, -2, -50, -20,
        10, -2, -1, -1, -1, -1, -2, 10,
        5, -2, -1, -1, -1, -1, -2, 5,
        5, -2, -1, -1, -1, -1, -2, 5,
        10, -2, -1, -1, -1, -1, -2, 10,
        -20, -50, -2, -2, -2, -2, -50, -20,
        100, -20, 10, 5, 5, 10, -20, 100,
    ],
    dtype=np.int64,
)  # fmt: skip


@njit(**JIT)
def _shift(b: np.uint64, d: int) -> np.uint64:
    """Move every disc one step in direction ``d`` (0..7), dropping what leaves the board."""
    if d == 0:
        return (b << np.uint64(1)) & _NOT_A  # east
    if d == 1:
        return (b >> np.uint64(1)) & _NOT_H  # west
    if d == 2:
        return b << np.uint64(8)  # south (towards rank 8)
    if d == 3:
        return b >> np.uint64(8)  # north
    if d == 4:
        return (b << np.uint64(9)) & _NOT_A  # south-east
    if d == 5:
        return (b >> np.uint64(9)) & _NOT_H  # north-west
    if d == 6:
        return (b << np.uint64(7)) & _NOT_H  # south-west
    return (b >> np.uint64(7)) & _NOT_A  # north-east


@njit(**JIT)
def _moves_one_way(player: np.uint64, o: np.uint64, shift: np.uint64) -> np.uint64:
    """Squares one step past a run of ``o`` discs that starts next to a ``player`` disc,
    along one line direction (``shift`` bits a step), both ways. Each run is grown by
    doubling (1, 2, 4, then up to 6 discs long) rather than one disc a step."""
    up = o & (player << shift)
    up |= o & (up << shift)
    down = o & (player >> shift)
    down |= o & (down >> shift)
    pre_up = o & (o << shift)
    pre_down = o & (o >> shift)
    two = shift + shift
    up |= pre_up & (up << two)
    down |= pre_down & (down >> two)
    up |= pre_up & (up << two)
    down |= pre_down & (down >> two)
    return (up << shift) | (down >> shift)


@njit(**JIT)
def legal_moves(player: np.uint64, opponent: np.uint64) -> np.uint64:
    """Empty squares where ``player`` flips something, for all directions at once.

    Per line direction, runs of opponent discs next to the player's are grown both ways
    at once by doubling, and one step past such a run is a move if it lands on an empty
    square. Opponent discs on the A and H files are left out for every direction but
    the vertical one, so no run wraps around the board's side.
    """
    inner = opponent & _NOT_EDGE_FILES
    moves = (_moves_one_way(player, inner, np.uint64(1)) | _moves_one_way(player, opponent, np.uint64(8))
             | _moves_one_way(player, inner, np.uint64(7)) | _moves_one_way(player, inner, np.uint64(9)))
    return moves & ~(player | opponent)


def _ray_table() -> np.ndarray:
    """``RAYS[square, d]``: the squares beyond ``square`` in direction ``d``, to the edge.

    Directions 0-3 (east, south, south-east, south-west) go to higher bit indices,
    4-7 (west, north, north-west, north-east) to lower ones.
    """
    steps = [(1, 0), (0, 1), (1, 1), (-1, 1), (-1, 0), (0, -1), (-1, -1), (1, -1)]
    rays = np.zeros((64, 8), dtype=np.uint64)
    for square in range(64):
        for d, (df, dr) in enumerate(steps):
            f, r, ray = square % 8 + df, square // 8 + dr, 0
            while 0 <= f < 8 and 0 <= r < 8:
                ray |= 1 << (8 * r + f)
                f, r = f + df, r + dr
            rays[square, d] = ray
    return rays


RAYS = _ray_table()


@njit(**JIT)
def flips(player: np.uint64, opponent: np.uint64, square: int) -> np.uint64:
    """Opponent discs flipped when ``player`` plays on empty ``square`` (0 if none).

    Per ray: the first square along it that is not an opponent disc ends the run of
    opponent discs; if that square is the player's, the run flips. Towards higher bits
    the first such square is the lowest set bit; towards lower bits the highest, found
    on ``blockers | 1`` so that an empty set needs no test (the spare bit is masked off
    again by ``& blockers``). No branch: the exact solver calls this on squares whose
    outcome no branch predictor can guess, and a mispredicted branch per ray cost about
    half its time.
    """
    flipped = _ZERO
    for d in range(4):
        ray = RAYS[square, d]
        blockers = ray & ~opponent
        outflank = blockers & (~blockers + _ONE) & player
        flipped |= ray & (outflank - np.uint64(outflank != _ZERO))
    for d in range(4, 8):
        ray = RAYS[square, d]
        blockers = ray & ~opponent
        outflank = (_ONE << np.uint64(highest_index(blockers | _ONE))) & player & blockers
        flipped |= ray & (_ZERO - (outflank << _ONE))
    return flipped


@njit(**JIT)
def disc_difference(player: np.uint64, opponent: np.uint64) -> int:
    """Final score of a finished game for ``player``: empties go to the winner."""
    mine = popcount(player)
    theirs = popcount(opponent)
    empties = 64 - mine - theirs
    if mine > theirs:
        return mine - theirs + empties
    if mine < theirs:
        return mine - theirs - empties
    return 0


@njit(**JIT)
def gen_moves(state: np.ndarray, buf: np.ndarray) -> int:
    moves = legal_moves(state[PLAYER], state[OPPONENT])
    if moves == 0:
        buf[0] = PASS  # only called on ongoing positions: the opponent can move
        return 1
    n = 0
    while moves:
        low = moves & (~moves + _ONE)
        buf[n] = popcount(low - _ONE)
        n += 1
        moves ^= low
    return n


@njit(**JIT)
def make(state: np.ndarray, move: int) -> None:
    player = state[PLAYER]
    opponent = state[OPPONENT]
    ply = state[PLY]
    slot = HISTORY + 2 * ply
    state[slot] = move
    if move == PASS:
        state[slot + 1] = 0
    else:
        f = flips(player, opponent, move)
        state[slot + 1] = f
        player |= f | (_ONE << np.uint64(move))
        opponent &= ~f
    state[PLAYER] = opponent
    state[OPPONENT] = player
    state[COLOUR] ^= _ONE
    state[PLY] = ply + _ONE


@njit(**JIT)
def unmake(state: np.ndarray, move: int) -> None:
    ply = state[PLY] - _ONE
    slot = HISTORY + 2 * ply
    player = state[OPPONENT]  # the side that made ``move``
    opponent = state[PLAYER]
    if move != PASS:
        f = state[slot + 1]
        player &= ~(f | (_ONE << np.uint64(move)))
        opponent |= f
    state[PLAYER] = player
    state[OPPONENT] = opponent
    state[COLOUR] ^= _ONE
    state[PLY] = ply
    state[slot] = 0
    state[slot + 1] = 0


@njit(**JIT)
def terminal(state: np.ndarray) -> int:
    player = state[PLAYER]
    opponent = state[OPPONENT]
    if legal_moves(player, opponent) or legal_moves(opponent, player):
        return ONGOING
    diff = popcount(player) - popcount(opponent)
    if diff > 0:
        return WIN
    if diff < 0:
        return LOSS
    return DRAW


@njit(**JIT)
def potential_mobility(discs: np.uint64, empty: np.uint64) -> int:
    """Empty squares next to ``discs``: where the other side may later move (potential mobility)."""
    around = _ZERO
    for d in range(8):
        around |= _shift(discs, d)
    return popcount(around & empty)


@njit(**JIT)
def _edge_anchored(discs: np.uint64) -> int:
    """Discs in unbroken runs along an edge from an owned corner: they can never flip."""
    count = 0
    for c in range(4):
        corner = _CORNER_OF[c]
        if not discs & (_ONE << np.uint64(corner)):
            continue
        for d in range(8):
            step = _shift(_ONE << np.uint64(corner), d)
            # only the two directions along the board edge from this corner
            if popcount(step) == 0 or (d >= 4):
                continue
            while step & discs:
                count += 1
                step = _shift(step, d)
    return count


@njit(**JIT)
def evaluate(state: np.ndarray, params: np.ndarray) -> int:
    """Midgame score for the side to move, roughly in hundredths of a disc.

    Mobility and potential mobility (frontier), corners, X- and C-squares beside an
    empty corner, edge discs anchored to an owned corner (stable), and parity (with
    an odd number of empties the side to move should get the last move).
    """
    player = state[PLAYER]
    opponent = state[OPPONENT]
    empty = ~(player | opponent)
    score = 8 * (popcount(legal_moves(player, opponent)) - popcount(legal_moves(opponent, player)))
    score += 3 * (potential_mobility(opponent, empty) - potential_mobility(player, empty))
    score += 40 * (popcount(player & _CORNERS) - popcount(opponent & _CORNERS))
    for c in range(4):
        if empty & (_ONE << np.uint64(_CORNER_OF[c])):
            x = _ONE << np.uint64(_X_SQUARES[c])
            score -= 20 * ((player & x) != 0) - 20 * ((opponent & x) != 0)
            for k in range(2):
                cs = _ONE << np.uint64(_C_SQUARES[c, k])
                score -= 8 * ((player & cs) != 0) - 8 * ((opponent & cs) != 0)
    score += 12 * (_edge_anchored(player) - _edge_anchored(opponent))
    if popcount(empty) & 1:
        score += 4
    return score


@njit(**JIT)
def key(state: np.ndarray) -> np.uint64:
    # The colour is left out: the same discs with the same side to move have the same
    # value whichever colour that side plays.
    return mix(mix(state[PLAYER]) ^ state[OPPONENT])


@njit(**JIT)
def order_hints(state: np.ndarray, moves: np.ndarray, n: int, hints: np.ndarray) -> None:
    """Static square value, plus fewer replies for the opponent first (fastest-first)."""
    player = state[PLAYER]
    opponent = state[OPPONENT]
    for i in range(n):
        move = moves[i]
        if move == PASS:
            hints[i] = 0
            continue
        f = flips(player, opponent, move)
        mine = player | f | (_ONE << np.uint64(move))
        replies = popcount(legal_moves(opponent & ~f, mine))
        hints[i] = SQUARE_VALUE[move] + 100 + 4 * (32 - replies)


def square_name(square: int) -> str:
    return "pass" if square == PASS else "abcdefgh"[square % 8] + str(square // 8 + 1)


class Othello(Game):
    """Othello on 8x8 from the standard start; black (X) moves first."""

    info = GameInfo(
        name="othello",
        max_moves=64,
        max_plies=MAX_GAME_PLIES,
        move_space=PASS + 1,
        players=("X", "O"),
        description="8x8 Othello; moves like d3 or pass; positions as OBF ('<64 squares> X') or moves ('f5d6')",
    )

    def new_state(self) -> State:
        state = np.zeros(STATE_SIZE, dtype=np.uint64)
        state[PLAYER] = _START_BLACK
        state[OPPONENT] = _START_WHITE
        return state

    def parse_position(self, text: str) -> State:
        """OBF (``"<64 of X O - > X"``, A1..H8) or moves from the start (``"f5d6c3"``)."""
        text = text.strip()
        if text and not any(ch.isdigit() for ch in text.split(";")[0]):
            return self._parse_obf(text)  # move lists always hold digits, boards never
        state = self.new_state()
        words = text.lower().replace(",", " ").split()
        tokens = [w[i : i + 2] for w in words for i in range(0, len(w), 2)] if words else []
        for i, token in enumerate(tokens):
            try:
                move = self.parse_move(state, token)
            except GameError as error:
                raise GameError(f"bad Othello position {text!r}: move {i + 1} ({token}): {error}") from None
            make(state, np.int64(move))
        return state

    def _parse_obf(self, text: str) -> State:
        parts = text.split(";")[0].split()
        squares = "".join(parts[:-1]) if len(parts) > 1 else parts[0][:64]
        side = parts[-1] if len(parts) > 1 else (parts[0][64:] or "X")
        if len(squares) != 64:
            raise GameError(f"bad Othello position: expected 64 squares, got {len(squares)}")
        if side.upper() not in ("X", "O", "B", "W", "*"):
            raise GameError(f"bad Othello position: side to move must be X or O, got {side!r}")
        black = white = 0
        for i, ch in enumerate(squares):
            if ch in "Xx*b":
                black |= 1 << i
            elif ch in "Oow":
                white |= 1 << i
            elif ch not in "-.":
                raise GameError(f"bad Othello position: square {square_name(i)} is {ch!r}, expected X, O or -")
        state = np.zeros(STATE_SIZE, dtype=np.uint64)
        white_to_move = side.upper() in ("O", "W")
        state[PLAYER], state[OPPONENT] = (white, black) if white_to_move else (black, white)
        state[COLOUR] = int(white_to_move)
        return state

    def format_position(self, state: State) -> str:
        black, white = self._colours(state)
        squares = "".join("X" if black >> i & 1 else "O" if white >> i & 1 else "-" for i in range(64))
        return f"{squares} {'O' if int(state[COLOUR]) else 'X'}"

    def format_move(self, state: State, move: int) -> str:
        return square_name(move)

    def parse_move(self, state: State, text: str) -> int:
        text = text.strip().lower()
        if text in ("pa", "ps", "--"):
            text = "pass"
        return super().parse_move(state, text)

    def side_to_move(self, state: State) -> int:
        return int(state[COLOUR])

    def plies_left(self, state: State) -> int:
        return 2 * (64 - popcount(state[PLAYER] | state[OPPONENT]))

    def score(self, state: State) -> int:
        """Disc difference for the side to move, empties to the winner (final score rule)."""
        return int(disc_difference(state[PLAYER], state[OPPONENT]))

    def _colours(self, state: State) -> tuple[int, int]:
        player, opponent = int(state[PLAYER]), int(state[OPPONENT])
        return (opponent, player) if int(state[COLOUR]) else (player, opponent)

    def result_text(self, state: State) -> str:
        black, white = self._colours(state)
        b, w = bin(black).count("1"), bin(white).count("1")
        return f"{super().result_text(state)[:-1]} ({b}-{w})." if self.status(state) != ONGOING else super().result_text(state)

    def render(self, state: State, *, color: bool = False) -> str:
        black, white = self._colours(state)
        marks = int(legal_moves(state[PLAYER], state[OPPONENT])) if self.status(state) == ONGOING else 0
        lines = ["   a b c d e f g h"]
        for rank in range(8):
            cells = []
            for file in range(8):
                i = 8 * rank + file
                if black >> i & 1:
                    cells.append("\x1b[1;30;42mX\x1b[0m" if color else "X")
                elif white >> i & 1:
                    cells.append("\x1b[1;37;42mO\x1b[0m" if color else "O")
                elif marks >> i & 1:
                    cells.append("\x1b[33m*\x1b[0m" if color else "*")
                else:
                    cells.append("\x1b[2m.\x1b[0m" if color else ".")
            lines.append(f"{rank + 1}  " + " ".join(cells))
        b, w = bin(black).count("1"), bin(white).count("1")
        turn = (f"{'O' if int(state[COLOUR]) else 'X'} to move; * marks legal moves" if self.status(state) == ONGOING
                else "game over")
        lines.append(f"   X {b}  O {w}   ({turn})")
        return "\n".join(lines)


#: This game's registration (``searchprune.games.registry``).
BUNDLE = GameBundle(
    "othello", "searchprune.games.othello:Othello",
    net=NetParts("othello-mlp", "searchprune.nets.infer:othello_net",
                 "searchprune.evaluation.infer:othello_net", "searchprune.evaluation.features:othello_active",
                 inputs=128, max_active=64, output_scale=6400.0, loss="mse", label_scale=64.0,
                 label_unit="disc difference", factor_block=64,
                 mirror="searchprune.evaluation.features:othello_mirror"),
    bench=BenchParts(("", "f5d6c3d3c4", "f5f6e6f4e3c5c4", "f5d6c5f4e3f6"), 7,
                     {"minimax": 5, "alphabeta": 8, "negascout": 8}, study_depth=6),
    # Solves at 18 empties: ~75 ms for a game's first (cold), well under 1 ms for the
    # rest (~6 ms a labelled position); ~54 positions a game.
    data=DataParts("searchprune.nets.data:label_othello",
                   {"opening": [0, 10], "record_from": 0, "play_depth": 4, "epsilon": 0.1, "exact_empties": 18}),
    solver="searchprune.solvers.othello:OthelloSolver",
    openings="games/othello/openings.txt",
)
