"""How long a game's exact solver takes by number of empties: the table behind the
engines' rule for when to solve instead of search (``searchprune.engines.exact``).

    python bench/exact_threshold.py --game othello [--empties 12-24] [--per 3] [--cap 8] [--out FILE]
    python bench/exact_threshold.py --game connect4 [--empties 16-34] [--per 4] [--cap 8] [--out FILE]

For every number of empties ``e`` in the range, positions come from:

- ``ffo`` (Othello): the FFO endgame positions (``shared/data/othello/ffo-*.csv``) with
  ``e`` empties, hard positions chosen by their authors;
- ``search``: seeded games in which each side plays the move of the engine's own search at
  depth 3 (one move in ten at random), stopped at ``e`` empties: positions like the
  engine's games;
- ``random``: seeded games of uniformly random moves, stopped at ``e`` empties.

Each position is solved twice, win/draw/loss then exact, both with every best move
(``all_best=True``, as the engines ask) on the engines' table, reset before each solve,
untimed. A table kept from the previous move (as in a game) makes later solves far
cheaper, so these cold times are an upper bound for play. A solve that reaches
``--cap`` seconds is stopped and counted as ``cap``; a median printed as ``>cap`` means
more than half stopped.

The machine is shared: the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import gc
import os
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine_info import describe, emit  # noqa: E402
from searchprune.engines.engine import SearchEngine  # noqa: E402
from searchprune.engines.exact import PREDICT_SHARE  # noqa: E402
from searchprune.games import get_game  # noqa: E402
from searchprune.paths import shared_data_dir  # noqa: E402
from searchprune.search.limits import Limit  # noqa: E402
from searchprune.solvers.base import solver_class, solver_for  # noqa: E402
from searchprune.types import ONGOING  # noqa: E402

#: The move budgets whose thresholds the report derives (seconds a move).
BUDGETS = (0.1, 0.3, 1.0, 2.0, 5.0, 10.0)


def ffo_positions(game, solver, low: int, high: int) -> dict[int, list]:
    """Othello's FFO positions by empties (none for other games)."""
    out: dict[int, list] = {}
    if game.info.name != "othello":
        return out
    for name in ("ffo-20-39.csv", "ffo-40-59.csv"):
        path = shared_data_dir() / "othello" / name
        if path.exists():
            with open(path) as handle:
                for row in csv.DictReader(handle):
                    side = "X" if row["to_move"] == "black" else "O"
                    state = game.parse_position(f"{row['board']} {side}")
                    if low <= solver.empties(state) <= high:
                        out.setdefault(solver.empties(state), []).append(state)
    return out


def played_positions(game, solver, low: int, high: int, per: int, seed: int, explore: float) -> dict[int, list]:
    """``per`` positions for each empties count, each from its own seeded game: moves of a
    depth-3 search, or (probability ``explore``) uniformly random ones."""
    out: dict[int, list] = {e: [] for e in range(low, high + 1)}
    engine = SearchEngine.create(game, exact={"solver": False}) if explore < 1 else None
    rng = random.Random(seed)
    for _ in range(50 * per):
        if all(len(v) >= per for v in out.values()):
            break
        state = game.new_state()
        while game.status(state) == ONGOING:
            e = solver.empties(state)
            if e < low:
                break
            if e <= high and len(out[e]) < per and len(game.legal_moves(state)) > 1:
                out[e].append(state.copy())
            moves = game.legal_moves(state)
            if engine is None or rng.random() < explore:
                move = rng.choice(moves)
            else:
                move = engine.analyse(state, Limit(depth=3)).move
            game.play(state, move)
    return out


def timed_solve(solver, state, *, weak: bool, cap: float) -> float:
    solver.reset()
    gc.disable()
    start = time.perf_counter()
    result = solver.solve(state, weak=weak, all_best=True, limit=Limit(time=cap))
    seconds = time.perf_counter() - start
    gc.enable()
    return cap if result.stopped else seconds


def fmt(seconds: float, cap: float) -> str:
    if seconds >= cap:
        return f">{cap:g}"
    return f"{seconds * 1000:.1f}" if seconds < 1 else f"{seconds * 1000:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--game", required=True, choices=["connect4", "othello"])
    parser.add_argument("--empties", default="12-24", help="range of empties, e.g. 12-24")
    parser.add_argument("--per", type=int, default=3, help="positions per empties count and source (search, random)")
    parser.add_argument("--ffo-per", type=int, default=2, help="Othello: FFO positions per empties count at most")
    parser.add_argument("--cap", type=float, default=8.0, help="seconds after which a solve is stopped")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    low, _, high = args.empties.partition("-")
    low, high = int(low), int(high or low)

    game = get_game(args.game)
    solver_class(args.game).warm_up()
    solver = solver_for(args.game)  # the engines' table size
    sources = {
        "ffo": {e: v[: args.ffo_per] for e, v in ffo_positions(game, solver, low, high).items()},
        "search": played_positions(game, solver, low, high, args.per, args.seed, explore=0.1),
        "random": played_positions(game, solver, low, high, args.per, args.seed + 1, explore=1.0),
    }
    command = shlex.join(["python", "bench/exact_threshold.py", *(argv if argv is not None else sys.argv[1:])])
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    machine = describe("numba " + __import__("numba").__version__)
    medians: dict[int, tuple[float, float]] = {}
    rows = []
    for e in range(low, high + 1):
        times: dict[str, dict[str, list[float]]] = {}
        for name, positions in sources.items():
            for state in positions.get(e, []):
                for mode in ("weak", "exact"):
                    seconds = timed_solve(solver, state, weak=mode == "weak", cap=args.cap)
                    times.setdefault(mode, {}).setdefault(name, []).append(seconds)
        if not times:
            continue
        every = {mode: [t for per_source in times[mode].values() for t in per_source] for mode in times}
        weak, exact = statistics.median(every["weak"]), statistics.median(every["exact"])
        medians[e] = (weak, exact)
        per_source = "  ".join(f"{name} {fmt(statistics.median(times['exact'][name]), args.cap)}"
                               for name in sources if name in times["exact"])
        row = (f"| {e} | {len(every['exact'])} | {fmt(weak, args.cap)} | {fmt(exact, args.cap)} "
               f"| {fmt(max(every['exact']), args.cap)} | {per_source} |")
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
    load_end = os.getloadavg()[0]

    lines = [
        f"# {args.game} exact solver: time by empties (the engines' solve threshold)",
        "",
        f"- command: `{command}`",
        f"- date: {started}",
        f"- machine: {machine}; at the end {load_end:.2f}",
        f"- solver: `{type(solver).__name__}` with the engines' table, reset before each solve (untimed), every "
        f"best move (`all_best=True`); a solve stopped at {args.cap:g} s counts as {args.cap:g} s",
        f"- positions per empties: {args.per} from search play-outs, {args.per} from random play-outs "
        f"(seed {args.seed})" + (f", up to {args.ffo_per} FFO" if args.game == "othello" else ""),
        "",
        "Milliseconds, medians over all the positions with that many empties (`>cap`: more than half stopped).",
        "",
        "| empties | positions | win/draw/loss ms | exact ms | exact max ms | exact median by source (ms) |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "For `searchprune.engines.exact.SOLVE_SECONDS` (median seconds, exact and win/draw/loss, by empties):",
        "",
        "```",
        "exact: {" + ", ".join(f"{e}: {x:.3g}" for e, (_, x) in sorted(medians.items())) + "}",
        "weak: {" + ", ".join(f"{e}: {w:.3g}" for e, (w, _) in sorted(medians.items())) + "}",
        "```",
        "",
        f"## Largest empties whose median fits {PREDICT_SHARE:.2g} of the move's budget",
        "",
        "| budget s | exact at or below | win/draw/loss at or below |",
        "|---|---|---|",
    ]
    for budget in BUDGETS:
        exact = max((e for e, (_, x) in medians.items() if x <= PREDICT_SHARE * budget), default=None)
        weak = max((e for e, (w, _) in medians.items() if w <= PREDICT_SHARE * budget), default=None)
        lines.append(f"| {budget:g} | {exact if exact is not None else '-'} | {weak if weak is not None else '-'} |")
    emit("\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
