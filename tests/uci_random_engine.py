"""A tiny honest UCI engine for tests that must run without Stockfish.

It plays a mate in one when it has one (reporting ``score mate 1``), otherwise a
random legal move (seeded by the ``Seed`` option), reporting the material balance
from its own side as ``score cp``, ``depth 1`` and the legal moves as ``nodes``.

Misbehaviour on request, counted in ``go`` commands of this process (one process
plays one tournament game, so ``--crash-at 3`` is the engine's third move):
``--crash-at N`` exits with code 3, ``--hang-at N`` stops answering (sleeps, bounded
so that a leaked process still goes away), ``--illegal-at N`` names a move of a piece
it does not have. ``--ready-delay S`` answers no ``isready`` before S seconds after it started (an
engine still loading, as a cold ``searchprune uci`` compiling its kernels).

    python3 tests/uci_random_engine.py [--crash-at N | --hang-at N | --illegal-at N] [--ready-delay S]
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import chess

VALUES = {chess.PAWN: 1, chess.KNIGHT: 3, chess.BISHOP: 3, chess.ROOK: 5, chess.QUEEN: 9, chess.KING: 0}
HANG_SECONDS = 60


def material(board: chess.Board) -> int:
    """Centipawns of material for the side to move."""
    total = 0
    for piece in board.piece_map().values():
        total += VALUES[piece.piece_type] * (1 if piece.color == board.turn else -1)
    return 100 * total


def position(words: list[str]) -> chess.Board:
    """The board of a ``position startpos|fen ... [moves ...]`` command."""
    moves = words.index("moves") if "moves" in words else len(words)
    board = chess.Board() if words[1] == "startpos" else chess.Board(" ".join(words[2:moves]))
    for text in words[moves + 1:]:
        board.push_uci(text)
    return board


def choose(board: chess.Board, rng: random.Random) -> tuple[chess.Move, str]:
    """(move, UCI score text): a mate in one if there is one, else a random move."""
    legal = list(board.legal_moves)
    for move in legal:
        board.push(move)
        mates = board.is_checkmate()
        board.pop()
        if mates:
            return move, "mate 1"
    return rng.choice(legal), f"cp {material(board)}"


def illegal(board: chess.Board) -> str:
    """A move from a square where the side to move has no piece."""
    empty = next(sq for sq in chess.SQUARES if board.color_at(sq) != board.turn)
    return chess.square_name(empty) + chess.square_name((empty + 8) % 64)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crash-at", type=int)
    parser.add_argument("--hang-at", type=int)
    parser.add_argument("--illegal-at", type=int)
    parser.add_argument("--ready-delay", type=float, default=0.0)
    args = parser.parse_args()
    started = time.monotonic()
    rng = random.Random(0)
    board = chess.Board()
    searches = 0
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "uci":
            print("id name uci-random\nid author searchprune tests")
            print("option name Seed type spin default 0 min 0 max 1000000\nuciok")
        elif words[0] == "isready":
            time.sleep(max(0.0, started + args.ready_delay - time.monotonic()))
            print("readyok")
        elif words[0] == "setoption" and words[1:3] == ["name", "Seed"]:
            rng.seed(int(words[4]))
        elif words[0] == "position":
            board = position(words)
        elif words[0] == "go":
            searches += 1
            if searches == args.crash_at:
                return 3
            if searches == args.hang_at:
                time.sleep(HANG_SECONDS)
            if searches == args.illegal_at:
                print(f"bestmove {illegal(board)}")
            else:
                move, score = choose(board, rng)
                print(f"info depth 1 score {score} nodes {board.legal_moves.count()}\nbestmove {move.uci()}")
        elif words[0] == "quit":
            break
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
