"""What a labelled chess position costs: positions per CPU-second for each labelling choice.

Each choice plays the same games (same seeds) through ``searchprune.nets.teacher_games``:
the teacher plays itself at a node budget and labels what it plays. The CPU time is
this process's plus the teacher process's (``RUSAGE_CHILDREN`` once it has exited), so
the figure does not depend on how busy the machine was, unlike wall time.

    .venv/bin/python bench/chess_data_cost.py --games 20 --out bench/results/chess_data_cost.md

Choices: Stockfish (Debian's 15.1) at 500, 1000, 2000 and 5000 nodes, and this project's
own engine (``searchprune uci``, hand-written evaluation) at 5000 and 20000 nodes.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

from searchprune.nets import teacher_games



def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(teacher: str, nodes: int, games: int, seed: int) -> dict:
    settings = teacher_games.settings_for(games=games, shard_games=games, seed=seed, teacher=teacher, nodes=nodes)
    cpu, wall = _cpu(), time.perf_counter()
    records, stats = teacher_games.make_shard(settings, 0)
    cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    return {"positions": int(len(records)), "games": stats["games"], "cpu_seconds": round(cpu, 2),
            "wall_seconds": round(wall, 2), "positions_per_cpu_second": round(len(records) / cpu, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    ours = f"{shutil.which('searchprune') or sys.executable + ' -m searchprune.cli'} uci"
    choices = [("stockfish", "/usr/games/stockfish", n) for n in (500, 1000, 2000, 5000)]
    choices += [("searchprune", ours, n) for n in (5000, 20000)]
    rows = []
    for name, command, nodes in choices:
        row = {"teacher": name, "nodes": nodes, **measure(command, nodes, args.games, args.seed)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    lines = ["# Chess training data: positions per CPU-second by labelling choice", "",
             f"- command: `.venv/bin/python bench/chess_data_cost.py --games {args.games} --seed {args.seed}`",
             "- each choice plays the same seeded games (8-9 random plies, then the teacher plays itself at the "
             "node budget; quiet positions not in check are kept); CPU = this process + the teacher's", "",
             "| teacher | nodes a move | games | positions | CPU s | positions / CPU s | wall s |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['teacher']} | {r['nodes']:,} | {r['games']} | {r['positions']:,} | {r['cpu_seconds']} | "
              f"{r['positions_per_cpu_second']} | {r['wall_seconds']} |" for r in rows]
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
