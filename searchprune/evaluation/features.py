"""Input features of the evaluation nets, from the side to move's point of view.

One definition per game, compiled, used by both the search (``infer``) and training
(``active_features`` turns a state into the indices of its active inputs):

- connect4: 84 inputs, ``cell`` for the side to move's stones and ``42 + cell`` for the
  opponent's, where ``cell = 6 * column + row`` (row 0 at the bottom).
- othello: 128 inputs, ``square`` for the side to move's discs, ``64 + square`` for the
  opponent's.
- chess: 768 inputs, ``384 * (piece is the opponent's) + 64 * type + square`` with
  ``type`` pawn..king = 0..5. From Black's side the board is mirrored vertically
  (``square ^ 56``), so "own pawns march up the board" in both perspectives. The chess
  net keeps one accumulator per perspective (``infer``), so the feature index takes the
  perspective rather than always the side to move.

Every input is 0 or 1, so a net's first layer is the sum of the weight rows of the
active inputs (plus the bias): that is what the compiled kernels compute.

Which kernel serves which game, and each game's input counts, are the game's
registration (``searchprune.games.registry.NetParts``): the functions below that take
a game name look them up there.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.bits import lowest_index
from searchprune.config import JIT
from searchprune.games.chess.board import BOARD, SIDE
from searchprune.games.connect4 import CURRENT, MASK
from searchprune.games.othello import OPPONENT, PLAYER
from searchprune.games.registry import PerGame, bundle, load

#: Number of inputs and the most that can be active at once, per game with a net
#: (views of the registrations' ``NetParts``).
N_INPUTS: PerGame[int] = PerGame(lambda b: b.net.inputs if b.net else None, "inputs")
MAX_ACTIVE: PerGame[int] = PerGame(lambda b: b.net.max_active if b.net else None, "most active inputs")


@njit(**JIT)
def connect4_feature(bit: int, own: bool) -> int:
    """Input index of a stone on bitboard ``bit`` (``7 * column + row``)."""
    return (bit // 7) * 6 + bit % 7 + (0 if own else 42)


@njit(**JIT)
def othello_feature(square: int, own: bool) -> int:
    return square + (0 if own else 64)


@njit(**JIT)
def chess_feature(perspective: int, code: int, square: int) -> int:
    """Input index of piece ``code`` (``colour * 8 + type + 1``) on ``square`` as seen by
    ``perspective`` (0 White, 1 Black)."""
    theirs = (code >> 3) != perspective
    sq = square if perspective == 0 else square ^ 56
    return 384 * theirs + 64 * ((code & 7) - 1) + sq


@njit(**JIT)
def _bits_to_features(bits: np.uint64, own: bool, game: int, out: np.ndarray, n: int) -> int:
    while bits:
        b = lowest_index(bits)
        bits &= bits - np.uint64(1)
        out[n] = connect4_feature(b, own) if game == 0 else othello_feature(b, own)
        n += 1
    return n


@njit(**JIT)
def connect4_active(state: np.ndarray, out: np.ndarray) -> int:
    """Write the active inputs of a Connect Four state into ``out``; return how many."""
    current = np.uint64(state[CURRENT])
    other = current ^ np.uint64(state[MASK])
    n = _bits_to_features(current, True, 0, out, 0)
    return _bits_to_features(other, False, 0, out, n)


@njit(**JIT)
def othello_active(state: np.ndarray, out: np.ndarray) -> int:
    n = _bits_to_features(np.uint64(state[PLAYER]), True, 1, out, 0)
    return _bits_to_features(np.uint64(state[OPPONENT]), False, 1, out, n)


@njit(**JIT)
def chess_active_from(state: np.ndarray, perspective: int, out: np.ndarray) -> int:
    """Active inputs of a chess state from ``perspective``'s side."""
    n = 0
    for sq in range(64):
        code = state[BOARD + sq]
        if code:
            out[n] = chess_feature(perspective, code, sq)
            n += 1
    return n


@njit(**JIT)
def chess_active(state: np.ndarray, out: np.ndarray) -> int:
    return chess_active_from(state, state[SIDE], out)


def _net(game: str):
    net = bundle(game).net
    if net is None:
        raise ValueError(f"{game} has no evaluation net: choose from {', '.join(N_INPUTS)}")
    return net


def active_features(game: str, state: np.ndarray) -> np.ndarray:
    """Sorted active input indices of ``state`` (side to move's view) as int16."""
    net = _net(game)
    out = np.full(net.max_active, -1, dtype=np.int64)
    n = load(net.features)(state, out)
    return np.sort(out[:n]).astype(np.int16)


def dense_inputs(game: str, indices: np.ndarray) -> np.ndarray:
    """0/1 float32 input rows from ``[N, K]`` padded (-1) index rows."""
    indices = np.atleast_2d(indices)
    x = np.zeros((indices.shape[0], _net(game).inputs), dtype=np.float32)
    rows, cols = np.nonzero(indices >= 0)
    x[rows, indices[rows, cols]] = 1.0
    return x


def mirror_features(game: str, indices: np.ndarray) -> np.ndarray:
    """Index rows ``[N, K]`` (-1 padded) of the left-right mirror images of the positions.

    Connect Four and Othello are symmetric under reversing the columns (files), so a
    mirrored position has the mirrored value: a free doubling of the training data.
    Chess is not (castling, and the ``-1`` padding would hide nothing), so it is refused:
    a game's ``NetParts.mirror`` names its mirror, or is None.
    """
    mirror = _net(game).mirror
    if mirror is None:
        raise ValueError(f"{game} positions have no mirror symmetry to augment with")
    f = np.asarray(indices, dtype=np.int64)
    mirrored = load(mirror)(f)
    mirrored = np.where(f >= 0, mirrored, np.iinfo(np.int64).max)
    mirrored.sort(axis=1)
    return np.where(mirrored == np.iinfo(np.int64).max, -1, mirrored).astype(np.int16)


def connect4_mirror(f: np.ndarray) -> np.ndarray:
    """Connect Four inputs with the columns reversed (padding entries are don't-cares)."""
    side, cell = np.divmod(f, 42)
    column, row = np.divmod(cell, 6)
    return side * 42 + (6 - column) * 6 + row


def othello_mirror(f: np.ndarray) -> np.ndarray:
    """Othello inputs with the files reversed (padding entries are don't-cares)."""
    side, square = np.divmod(f, 64)
    return side * 64 + (square // 8) * 8 + 7 - square % 8
