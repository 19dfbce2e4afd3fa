"""Random chess positions for tests, through python-chess (the oracle for what a position is)."""

from __future__ import annotations

import random

import chess


def random_boards(count: int, seed: int, plies: tuple[int, int], *, unfinished: bool = False) -> list[chess.Board]:
    """``count`` boards, each ``randrange(*plies)`` random legal moves from the start (fewer
    where the game ends first); ``unfinished`` skips the boards whose game is over."""
    rng = random.Random(seed)
    boards = []
    while len(boards) < count:
        board = chess.Board()
        for _ in range(rng.randrange(*plies)):
            moves = list(board.legal_moves)
            if not moves:
                break
            board.push(rng.choice(moves))
        if not (unfinished and board.is_game_over()):
            boards.append(board)
    return boards


PIECE_VALUES = {chess.PAWN: 1, chess.KNIGHT: 3, chess.BISHOP: 3, chess.ROOK: 5, chess.QUEEN: 9, chess.KING: 0}


def material_records(count: int, seed: int = 0):
    """Packed training records of random positions labelled with the side to move's
    material balance in centipawns: a target a small net can learn."""
    import numpy as np

    from searchprune.nets import packed

    out = []
    for board in random_boards(count, seed, (4, 80)):
        balance = sum(PIECE_VALUES[p.piece_type] * (1 if p.color == board.turn else -1)
                      for p in board.piece_map().values())
        out.append(packed.pack(board, 100 * balance, packed.DRAW))
    return np.array(out, dtype=packed.RECORD)


def random_dual_model(width: int, seed: int = 0):
    """A two-perspective chess net with weights large enough that every layer's clipping
    is exercised (torch: the oracle of the runtime and of pruning)."""
    import torch

    from searchprune.nets import nnue

    torch.manual_seed(seed)
    model = nnue.ChessNnue(width)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.3)
        model.ft.weight[nnue.PAD].zero_()
    return model
