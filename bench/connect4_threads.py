"""Connect Four solver on one thread and on two, side by side in one run.

    python bench/connect4_threads.py [--positions "" 4 44 4444 4453] [--set L1_R3:6] [--repeats 1]
                                     [--threads 1 2] [--best-moves] [--out bench/results/connect4_threads.md]

Each position is solved (``Connect4Solver.score``, strong, no book; with ``--best-moves``
``Connect4Solver.solve``, the score and then every optimal column) with each thread count in
turn, alternating, from an emptied table, after the kernels are compiled; the times are
wall seconds, the nodes the sum over threads. Two threads run the null-window tests of the
bisection side by side on one table (``searchprune.solvers.bisection``); the ratio is
one-thread time over two-thread time per position (above 1: two threads are faster), and
the summary its median. The best-move analysis shares the columns out among the threads. ``--set NAME:K`` adds K evenly spaced positions of Pons' test set
``Test_NAME`` (from the shared data folder), their scores checked against the file.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchprune.games import get_game
from searchprune.paths import shared_data_dir
from searchprune.solvers.connect4 import Connect4Solver
from connect4_vs_pons import load, spaced  # noqa: E402 - beside this script


def pons_rows(spec: str) -> list[tuple[str, int | None]]:
    """``NAME:K``: K evenly spaced positions of Pons' ``Test_NAME`` (the Pons benchmark's reader)."""
    name, _, k = spec.partition(":")
    return spaced(load(shared_data_dir() / "connect4", name), int(k or 10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--positions", nargs="*", default=["", "4", "44", "4444", "4453"])
    parser.add_argument("--set", dest="sets", action="append", default=[], help="NAME:K, e.g. L1_R3:6")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--best-moves", action="store_true", help="time solve() (score and best columns)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    game = get_game("connect4")
    jobs = [(p, None) for p in args.positions] + [row for spec in args.sets for row in pons_rows(spec)]
    Connect4Solver.warm_up()
    solvers = {t: Connect4Solver(threads=t) for t in args.threads}
    for solver in solvers.values():  # compile the threaded path too, on a small position
        solver.score(game.parse_position("7422341735647741166133573473242566"))
    started = _dt.datetime.now(_dt.timezone.utc)
    load_before = os.getloadavg()
    rows = []
    for moves, expected in jobs:
        state = game.parse_position(moves)
        for repeat in range(args.repeats):
            for threads, solver in solvers.items():
                solver.reset()
                t0 = time.perf_counter()
                if args.best_moves:
                    solved = solver.solve(state)
                    score, nodes, best = solved.score, solved.nodes, solved.best_moves
                else:
                    (score, nodes), best = solver.score(state), None
                seconds = time.perf_counter() - t0
                if expected is not None and score != expected:
                    sys.exit(f"{moves!r}: score {score}, expected {expected}")
                rows.append({"position": moves, "threads": threads, "repeat": repeat, "score": score,
                             "nodes": nodes, "seconds": round(seconds, 4), "best_moves": best})
                first = next(r for r in rows if r["position"] == moves)  # the first thread count's
                if best != first["best_moves"]:
                    sys.exit(f"{moves!r}: best moves {best} on {threads} threads, "
                             f"{first['best_moves']} on {first['threads']}")
                print(f"{moves or '(empty)':>12} threads={threads} score={score:+d} nodes={nodes:,} {seconds:.2f} s",
                      flush=True)
    load_after = os.getloadavg()
    base = min(args.threads)
    ratios = {}
    for t in args.threads:
        if t == base:
            continue
        per = []
        for moves, _ in jobs:
            a = statistics.median(r["seconds"] for r in rows if r["position"] == moves and r["threads"] == base)
            b = statistics.median(r["seconds"] for r in rows if r["position"] == moves and r["threads"] == t)
            per.append((moves, a / b))
        ratios[t] = per
    lines = [
        "# Connect Four solver: one thread and two, side by side",
        "",
        f"Command: `python bench/connect4_threads.py {' '.join(sys.argv[1:])}`",
        "",
        f"Date: {started:%Y-%m-%d %H:%M} UTC. Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}. Load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after.",
        "",
        f"Strong solve (`Connect4Solver.{'solve`: score and every optimal column' if args.best_moves else 'score`'}), "
        "no book, table (64 MiB) emptied before each; wall seconds; "
        "nodes summed over threads. Thread counts alternate position by position.",
        "",
        "| position | threads | score | nodes | seconds |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| `{r['position'] or '(empty board)'}` | {r['threads']} | {r['score']:+d} | {r['nodes']:,} | "
              f"{r['seconds']:.2f} |" for r in rows]
    for t, per in ratios.items():
        lines += ["", f"Time with {base} thread over time with {t} (above 1: {t} threads are faster):", "",
                  "| position | ratio |", "|---|---|"]
        lines += [f"| `{m or '(empty board)'}` | {x:.2f} |" for m, x in per]
        lines += [f"| **median** | **{statistics.median(x for _, x in per):.2f}** |"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
        args.out.with_suffix(".json").write_text(json.dumps({"rows": rows, "argv": sys.argv[1:]}, indent=1) + "\n")


if __name__ == "__main__":
    main()
