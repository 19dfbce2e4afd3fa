"""Cold start: seconds from launching `searchprune play GAME` to the engine's first move.

Cold: empty Numba and searchprune caches (fresh folders via NUMBA_CACHE_DIR and
SEARCHPRUNE_CACHE_DIR), so everything compiles. Warm: the same folders a second time,
so everything loads from the disk cache. The engine moves first (--side second) at a
fixed depth; the clock stops when its "Engine plays" line arrives.

    python bench/cold_start.py [--game connect4] [--runs 3] [--depth 8] [--out bench/results/cold_start.md]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"cold": 15.0, "warm": 1.5}


def first_move_seconds(env: dict, game: str, depth: int, folder: str) -> float:
    """Seconds to the first engine move; the process runs in ``folder`` (chess saves its PGN there)."""
    cmd = [sys.executable, "-m", "searchprune.cli", "play", game, "--side", "second", "--depth", str(depth), "--no-color"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=folder)
    for line in proc.stdout:
        if line.startswith("Engine plays"):
            elapsed = time.perf_counter() - start
            break
    else:
        raise RuntimeError("the engine never moved")
    proc.communicate("quit\n", timeout=60)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--game", default="connect4")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, NUMBA_CACHE_DIR=f"{tmp}/numba", SEARCHPRUNE_CACHE_DIR=f"{tmp}/sp")
            cold.append(first_move_seconds(env, args.game, args.depth, tmp))
            warm.extend(first_move_seconds(env, args.game, args.depth, tmp) for _ in range(2))
    rows = {"cold": cold, "warm": warm}
    lines = [
        "| start | runs | median s | min s | max s | target s |",
        "|---|---|---|---|---|---|",
    ]
    for name, values in rows.items():
        lines.append(
            f"| {name} | {len(values)} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} "
            f"| < {TARGETS[name]} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        header = (
            f"# Cold start: `searchprune play {args.game}` to the first engine move\n\n"
            f"Command: `python bench/cold_start.py --game {args.game} --runs {args.runs} --depth {args.depth}` "
            f"(engine moves first at depth {args.depth}; {time.strftime('%Y-%m-%d')}; {os.cpu_count()} CPUs).\n\n"
        )
        args.out.write_text(header + table + "\n")


if __name__ == "__main__":
    main()
