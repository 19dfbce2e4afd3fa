"""Chess positions packed into 32 bytes each: the training data format at scale.

One record (``RECORD``, little-endian, 32 bytes) holds a position and its labels::

    offset  size  field
         0     8  occupancy   bit s set when square s (a1 = 0 ... h8 = 63) holds a piece
         8    16  pieces      one nibble per occupied square, in ascending square order,
                              low nibble first: colour * 6 + piece type - 1
                              (white pawn 0 ... white king 5, black pawn 6 ... black king 11)
        24     2  score       the teacher's score in centipawns, side to move's view
        26     1  result      the game's result for the side to move: 0 loss, 1 draw, 2 win
        27     1  flags       bits 0-3 castling rights (K, Q, k, q), bit 7 black to move
        28     1  ep          en-passant file + 1, or 0
        29     1  halfmove    the fifty-move counter
        30     2  fullmove    the move number

A board holds at most 32 pieces, so 16 bytes of nibbles always suffice. The layout is
the one small NNUE trainers use (occupancy plus nibbles), which makes 20 M positions
640 MB: ``np.fromfile(path, RECORD)`` reads a shard back with no parsing.

``pack(board, score, result)`` and ``unpack(record)`` convert one position (python-chess
at the boundary); ``piece_squares(records)`` unpacks many at once with numpy for
training, where a Python loop per position would cost more than the training step.
"""

from __future__ import annotations

import chess
import numpy as np

RECORD = np.dtype([
    ("occupancy", "<u8"), ("pieces", "u1", (16,)), ("score", "<i2"), ("result", "u1"),
    ("flags", "u1"), ("ep", "u1"), ("halfmove", "u1"), ("fullmove", "<u2"),
])
assert RECORD.itemsize == 32

LOSS, DRAW, WIN = 0, 1, 2
BLACK_TO_MOVE = 0x80
_CASTLING = ((chess.BB_H1, 1), (chess.BB_A1, 2), (chess.BB_H8, 4), (chess.BB_A8, 8))
#: The largest |score| a record holds: mates and everything beyond are clipped to it.
SCORE_CLIP = 3000


def pack(board: chess.Board, score: int, result: int) -> np.ndarray:
    """One ``RECORD`` (a 0-d array) for ``board`` with its labels.

    ``score`` is clipped to +-``SCORE_CLIP``; ``result`` is ``LOSS``, ``DRAW`` or ``WIN``
    for the side to move.
    """
    record = np.zeros((), RECORD)
    record["occupancy"] = board.occupied
    nibbles = np.zeros(32, np.uint8)
    for i, square in enumerate(chess.scan_forward(board.occupied)):
        piece = board.piece_at(square)
        nibbles[i] = (0 if piece.color == chess.WHITE else 6) + piece.piece_type - 1
    record["pieces"] = nibbles[0::2] | (nibbles[1::2] << 4)
    record["score"] = max(-SCORE_CLIP, min(SCORE_CLIP, int(score)))
    record["result"] = result
    flags = 0 if board.turn == chess.WHITE else BLACK_TO_MOVE
    for rook, bit in _CASTLING:
        if board.castling_rights & rook:
            flags |= bit
    record["flags"] = flags
    record["ep"] = 0 if board.ep_square is None else chess.square_file(board.ep_square) + 1
    record["halfmove"] = min(board.halfmove_clock, 255)
    record["fullmove"] = board.fullmove_number
    return record


def unpack(record: np.ndarray) -> tuple[chess.Board, int, int]:
    """(board, score, result) of one record: the inverse of ``pack``."""
    board = chess.Board.empty()
    squares = list(chess.scan_forward(int(record["occupancy"])))
    nibbles = np.empty(32, np.uint8)
    nibbles[0::2], nibbles[1::2] = record["pieces"] & 15, record["pieces"] >> 4
    for square, code in zip(squares, nibbles):
        board.set_piece_at(square, chess.Piece(int(code) % 6 + 1, chess.WHITE if code < 6 else chess.BLACK))
    flags = int(record["flags"])
    board.turn = chess.BLACK if flags & BLACK_TO_MOVE else chess.WHITE
    board.castling_rights = 0
    for rook, bit in _CASTLING:
        if flags & bit:
            board.castling_rights |= rook
    ep = int(record["ep"])
    if ep:
        board.ep_square = chess.square(ep - 1, 5 if board.turn == chess.WHITE else 2)
    board.halfmove_clock = int(record["halfmove"])
    board.fullmove_number = int(record["fullmove"])
    return board, int(record["score"]), int(record["result"])


def piece_squares(records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(squares, codes) of every piece of ``records``, as int8 arrays of shape (N, 32).

    Row ``i`` lists the occupied squares of record ``i`` in ascending order and their
    piece codes (``colour * 6 + type - 1``); unused slots hold -1 in both.
    """
    n = len(records)
    bits = np.unpackbits(records["occupancy"].astype("<u8").view(np.uint8).reshape(n, 8), axis=1, bitorder="little")
    count = bits.sum(axis=1, dtype=np.int64)
    squares = np.full((n, 32), -1, np.int8)
    rows, cols = np.nonzero(bits)  # row-major: ascending squares within each row
    slot = np.arange(rows.size) - np.repeat(np.cumsum(count) - count, count)
    squares[rows, slot] = cols
    nibbles = np.empty((n, 32), np.int8)
    nibbles[:, 0::2], nibbles[:, 1::2] = records["pieces"] & 15, records["pieces"] >> 4
    codes = np.where(squares >= 0, nibbles, -1).astype(np.int8)
    return squares, codes


def position_keys(records: np.ndarray) -> np.ndarray:
    """A bytes key per record of what decides the position (pieces, side, castling,
    en passant), without labels or counters: equal keys are the same position."""
    keys = np.zeros(len(records), np.dtype([("occupancy", "<u8"), ("pieces", "u1", (16,)), ("flags", "u1"), ("ep", "u1")]))
    for name in keys.dtype.names:
        keys[name] = records[name]
    return keys.view(np.dtype((np.void, keys.dtype.itemsize)))
