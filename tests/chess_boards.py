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
