"""A wide opening set for strength probes: many distinct random positions, so that a
match has hundreds of game pairs rather than the 50 of the shipped (solved) openings.

    python bench/wide_openings.py --game connect4 --count 400 --plies 6 --out bench/openings/connect4-400.txt
    python bench/wide_openings.py --game chess --count 300 --plies 4 --depth 6 --window 60 \
        --out bench/openings/chess-300.txt

Positions: ``--plies`` uniformly random legal moves (seeded) from the start (Connect
Four) or from a random line of the shipped book ``games/chess/openings.txt`` (chess),
distinct (``game.key``; Connect Four also up to the left-right mirror), kept when a
depth-``--depth`` search with the hand-written evaluator finds no forced result and
scores within ``--window`` (chess: centipawns). Unlike ``scripts/make_openings.py``
nothing is solved, so a pair may start from a position that is decided with perfect
play; with colours swapped within the pair that costs statistical power, not fairness.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchprune.games import get_game
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit
from searchprune.types import MATE_BOUND, ONGOING


def mirror_text(text: str) -> str:
    return "".join(str(8 - int(c)) for c in text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--game", default="connect4", choices=["connect4", "chess"])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--plies", type=int, default=6)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    game = get_game(args.game)
    rng = np.random.default_rng(args.seed)
    searcher = Searcher(game)
    seen: set[int] = set()
    kept: list[str] = []
    tried = 0
    start = time.time()
    book = [line.split("#")[0].strip() for line in (Path("games") / "chess" / "openings.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")] if args.game == "chess" else [""]
    while len(kept) < args.count:
        tried += 1
        moves = book[int(rng.integers(len(book)))]
        state = game.parse_position(moves) if moves else game.new_state()
        for _ in range(args.plies):
            legal = game.legal_moves(state)
            move = legal[int(rng.integers(len(legal)))]
            moves += f" {game.move_name(state, move)}" if args.game == "chess" else str(move + 1)
            game.play(state, move)
            if game.status(state) != ONGOING:
                break
        if game.status(state) != ONGOING:
            continue
        keys = {game.key(state)}
        if args.game == "connect4":
            keys.add(game.key(game.parse_position(mirror_text(moves))))
        if keys & seen:
            continue
        seen |= keys
        searcher.clear()
        score = searcher.search(state, Limit(depth=args.depth)).score
        if abs(score) >= MATE_BOUND or abs(score) > args.window:
            continue
        kept.append(f"{moves}  # engine d{args.depth} {score:+d}")
    header = [f"# {args.game} wide opening set for strength probes: {len(kept)} lines.",
              f"# Made by: python bench/wide_openings.py {' '.join(sys.argv[1:])}  ({time.time() - start:.0f} s)",
              f"# Criterion: {args.plies} random plies (seed {args.seed}){' after a random book line' if book[0] else ''}, "
              f"distinct{' up to transposition and mirror' if args.game == 'connect4' else ''}, "
              f"engine depth {args.depth} score within +-{args.window} and no forced result; not solved "
              f"({tried} tried)."]
    args.out.write_text("\n".join(header + kept) + "\n")
    print(f"{len(kept)} openings of {tried} tried -> {args.out}")


if __name__ == "__main__":
    main()
