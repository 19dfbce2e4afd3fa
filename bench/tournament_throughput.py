"""Tournament throughput: games per second with 1 and 2 local workers, and overhead per game.

    python bench/tournament_throughput.py [--engines c4-negascout-d4 c4-negascout-d6]
        [--rounds 20] [--runs 3] [--workers 1 2] [--out FILE]

Each run plays a fresh tournament (``--rounds`` game pairs from the game's shipped
openings) into a temporary folder through ``searchprune.arena.tournament.run``, timed
from the call to its return: pool start, game dispatch, result saving (fsync per game)
included; the Numba cache is warm (one untimed run first). Per run:

- games/s = games / wall seconds;
- thinking = the sum over games of the engines' own move times (measured in the
  worker around each ``Engine.play``);
- overhead per game = (workers x wall - thinking) / games: worker time not spent
  thinking (building engines, setting up positions, legality checks, pickling,
  saving, idle workers at the end).

Medians over ``--runs``. The machine has 2 cores, so 2 workers is the most that can
help here.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine_info import emit

from searchprune.arena.executors import Executors
from searchprune.arena.tournament import Tournament, read_openings, run
from searchprune.engines.spec import load_spec
from searchprune.paths import repo_root


def one_run(specs, openings, rounds: int, workers: int) -> tuple[int, float, float]:
    event = Tournament(game=specs[0].game, engines=specs, openings=openings, rounds=rounds)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        outcome = run(event, Path(folder), Executors(specs, concurrency=workers))
        wall = time.perf_counter() - start
    thinking = sum(m["time"] for r in outcome.records for m in r["moves"])
    return len(outcome.records), wall, thinking


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs=2, default=["c4-negascout-d4", "c4-negascout-d6"])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    specs = [load_spec(name) for name in args.engines]
    openings_file = repo_root() / "games" / specs[0].game / "openings.txt"
    openings = read_openings(openings_file) if openings_file.exists() else [""]
    one_run(specs, openings, 1, 1)  # warm-up: compile or load the kernels

    lines = [
        f"- command: `python bench/tournament_throughput.py --engines {' '.join(args.engines)} --rounds {args.rounds} "
        f"--runs {args.runs} --workers {' '.join(map(str, args.workers))}`",
        f"- date: {time.strftime('%Y-%m-%d %H:%M')} UTC; {os.cpu_count()} CPUs; Python {platform.python_version()}; "
        f"load average at start {os.getloadavg()[0]:.2f}",
        f"- {len(openings)} openings from `{openings_file.relative_to(repo_root())}`" if openings != [""] else "- start position only",
        "",
        "| workers | games | median wall s | games/s | median thinking s/game | overhead ms/game | runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for workers in args.workers:
        results = [one_run(specs, openings, args.rounds, workers) for _ in range(args.runs)]
        games = results[0][0]
        wall = statistics.median(r[1] for r in results)
        thinking = statistics.median(r[2] / r[0] for r in results)
        overhead = statistics.median((workers * r[1] - r[2]) / r[0] for r in results)
        lines.append(f"| {workers} | {games} | {wall:.2f} | {games / wall:.1f} | {thinking:.4f} | "
                     f"{1000 * overhead:.1f} | {args.runs} |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    emit(text, args.out)


if __name__ == "__main__":
    main()
