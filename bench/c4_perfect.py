"""Does the default Connect Four engine ever play a move that worsens the game-theoretic
outcome? Games from the empty board at the engine's default time a move, every engine
move checked.

    python bench/c4_perfect.py [--games 10] [--time 1.0] [--seed 1] [--out FILE]

The engine is ``play connect4``'s: ``SearchEngine.create(connect4)`` with its defaults
(the opening book, then the solver, then the search), ``--time`` seconds a move. It
plays half the games first and half second against three opponents:

- ``perfect``: the solver, choosing at random among its optimal moves;
- ``random``: uniformly random legal moves;
- ``search``: the heuristic search alone (no book, no solver), 0.1 s a move.

Each engine move is checked. In a position the book holds, the move must be one of the
book's optimal columns (its entries are solver results; ``book verify`` re-solves them; a
fresh solve of these early positions takes up to minutes). Elsewhere the win/draw/loss
value of the position before the move, from the engine's side, is compared with the value
after it, each from a fresh win/draw/loss solve on a separate solver. A move that lowers
the value is a mistake; the target is none.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import random
import shlex
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine_info import describe, emit  # noqa: E402
from searchprune.engines.engine import SearchEngine  # noqa: E402
from searchprune.games import get_game  # noqa: E402
from searchprune.search.limits import Limit  # noqa: E402
from searchprune.solvers.book import OpeningBook  # noqa: E402
from searchprune.solvers.connect4 import Connect4Solver  # noqa: E402
from searchprune.types import DRAW, ONGOING  # noqa: E402

GAME = get_game("connect4")


class Referee:
    """Win/draw/loss values from the side to move: the book, else a weak solve."""

    def __init__(self) -> None:
        self.book = OpeningBook.default()
        self.solver = Connect4Solver()

    def book_best(self, state) -> list[int] | None:
        found = self.book.lookup(state) if self.book is not None else None
        return None if found is None else found[1]

    def value(self, state) -> int:
        status = GAME.status(state)
        if status != ONGOING:
            return 0 if status == DRAW else -1  # a finished game: the side to move has lost
        return self.solver.solve(state, weak=True, best_moves=False).score


def opponent_move(kind: str, state, rng: random.Random, solver: Connect4Solver, search: SearchEngine) -> int:
    if kind == "perfect":
        return rng.choice(solver.solve(state, all_best=True).best_moves)
    if kind == "random":
        return rng.choice(GAME.legal_moves(state))
    return search.analyse(state, Limit(time=0.1)).move


def play_games(kind: str, games: int, seconds: float, rng: random.Random, referee: Referee) -> dict:
    engine = SearchEngine.create(GAME)
    search = SearchEngine.create(GAME, exact={"book": False, "solver": False})
    solver = Connect4Solver()
    sources, results = Counter(), Counter()
    mistakes, moves, slowest = [], 0, 0.0
    for game_index in range(games):
        engine.new_game()
        engine_side = game_index % 2
        state = GAME.new_state()
        while GAME.status(state) == ONGOING:
            if int(state[2]) % 2 == engine_side:
                best = referee.book_best(state)
                before = referee.value(state) if best is None else None
                start = time.perf_counter()
                result = engine.analyse(state, Limit(time=seconds))
                slowest = max(slowest, time.perf_counter() - start)
                GAME.play(state, result.move)
                sources[result.source] += 1
                moves += 1
                if best is not None and result.move not in best:
                    mistakes.append(f"{GAME.format_position(state)} ({result.source}: not among the book's {best})")
                elif before is not None and -referee.value(state) < before:
                    mistakes.append(f"{GAME.format_position(state)} ({result.source}: {before:+d} -> "
                                    f"{-referee.value(state):+d})")
            else:
                GAME.play(state, opponent_move(kind, state, rng, solver, search))
        status, mover = GAME.status(state), int(state[2]) % 2
        results["draw" if status == DRAW else ("loss" if mover == engine_side else "win")] += 1
    return {"games": games, "moves": moves, "sources": dict(sources), "results": dict(results),
            "mistakes": mistakes, "slowest": slowest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--games", type=int, default=10, help="games per opponent (half as first player)")
    parser.add_argument("--time", type=float, default=1.0, help="the engine's seconds a move")
    parser.add_argument("--opponents", default="perfect,random,search")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    command = shlex.join(["python", "bench/c4_perfect.py", *(argv if argv is not None else sys.argv[1:])])
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    machine = describe("numba " + __import__("numba").__version__)
    SearchEngine.create(GAME).warm_up(depth=2)
    referee = Referee()
    rng = random.Random(args.seed)
    rows, all_mistakes = [], []
    for kind in args.opponents.split(","):
        found = play_games(kind, args.games, args.time, rng, referee)
        results = found["results"]
        sources = ", ".join(f"{name} {count}" for name, count in sorted(found["sources"].items()))
        rows.append(f"| {kind} | {found['games']} | {results.get('win', 0)}/{results.get('draw', 0)}/"
                    f"{results.get('loss', 0)} | {found['moves']} | {sources} | {len(found['mistakes'])} | "
                    f"{found['slowest']:.2f} |")
        all_mistakes += [f"{kind}: {m}" for m in found["mistakes"]]
        print(rows[-1], file=sys.stderr, flush=True)
    book = referee.book
    lines = [
        "# Connect Four: does the default engine ever worsen the outcome?",
        "",
        f"- command: `{command}`",
        f"- date: {started}",
        f"- machine: {machine}",
        f"- engine: `play connect4`'s defaults at {args.time:g} s a move; book: "
        + (f"{len(book):,} positions ({book.manifest.get('made_by', '?')})" if book else "none"),
        "",
        "| opponent | games | engine W/D/L | engine moves | moves by source | mistakes | slowest move s |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "A mistake: a move after which the position's win/draw/loss value, from the engine's side, is lower "
        "than before it (values from the book or a fresh solve).",
        "",
        *([f"- {m}" for m in all_mistakes] or ["No mistakes."]),
    ]
    emit("\n".join(lines) + "\n", args.out)
    return 1 if all_mistakes else 0


if __name__ == "__main__":
    sys.exit(main())
