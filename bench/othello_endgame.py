"""Benchmark the exact Othello endgame solver on the FFO endgame positions, against Edax.

    python bench/othello_endgame.py [--ffo 40-49] [--tt-mib 256] [--weak] [--out FILE]

Positions come from ``shared/data/othello/ffo-40-59.csv`` and ``ffo-20-39.csv``;
``--ffo`` picks them by number (``40-49``, ``20-39``, ``40,41,45``). Single thread.
The JIT is warmed first, untimed; the table is reset before every position, untimed;
each solve is timed in wall and CPU seconds (``time.process_time``) with Python's
garbage collector paused. Every score, and the move, is checked against the file.

The table printed puts each position beside the Edax 4.6 reference of the data
folder's README (zero-weight evaluation, single thread, CPU seconds on this machine
kind) with the ratios ours / Edax. Exit status: 0 if every score and move is right,
1 if any is wrong, 2 if the data is missing or the arguments are bad.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import gc
import os
import platform
import re
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchprune.games.othello import Othello
from searchprune.paths import shared_data_dir
from searchprune.solvers.othello import OthelloSolver

FILES = ("ffo-20-39.csv", "ffo-40-59.csv")


def parse_selection(text: str) -> list[int]:
    numbers: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        numbers.extend(range(int(low), int(high or low) + 1))
    return numbers


def load_rows(folder: Path) -> dict[int, dict]:
    rows = {}
    for name in FILES:
        with open(folder / name) as handle:
            for row in csv.DictReader(handle):
                rows[int(row["ffo"])] = row
    return rows


def edax_reference(readme: Path) -> dict[int, tuple[int, float]]:
    """FFO number -> (nodes, CPU seconds) from the README's Edax table."""
    out = {}
    for line in readme.read_text().splitlines():
        match = re.match(r"\|\s*(\d+)\s*\|\s*\d+\s*\|\s*[+-]?\d+\s*\|\s*([\d,]+)\s*\|\s*([\d.]+)\s*\|", line)
        if match:
            out[int(match.group(1))] = (int(match.group(2).replace(",", "")), float(match.group(3)))
    return out


def edax_cells(nodes: int, cpu: float, edax_nodes: int, edax_cpu: float) -> str:
    """The Edax columns of a row: its nodes and CPU seconds, and our ratios to them."""
    if not edax_nodes:
        return "- | - | - | -"
    return f"{edax_nodes:,} | {edax_cpu:.2f} | {nodes / edax_nodes:.2f} | {cpu / edax_cpu:.2f}"


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def selected_rows(ffo: str) -> tuple[dict, list[int]]:
    """The data file's rows and the FFO numbers ``ffo`` names (``40-49``, ``40,45``);
    raises ``OSError`` or ``ValueError`` (a number not in the files) in one line."""
    rows = load_rows(shared_data_dir() / "othello")
    numbers = parse_selection(ffo)
    missing = [n for n in numbers if n not in rows]
    if missing:
        raise ValueError(f"no FFO position numbered {missing[0]}")
    return rows, numbers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ffo", default="40-49", help="FFO numbers, e.g. 40-49 or 20-39 or 40,45")
    parser.add_argument("--tt-mib", type=float, default=256, help="transposition table size")
    parser.add_argument("--weak", action="store_true", help="win/draw/loss only")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)

    folder = shared_data_dir() / "othello"
    try:
        rows, numbers = selected_rows(args.ffo)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    reference = edax_reference(folder / "README.md") if not args.weak else {}

    game = Othello()
    solver = OthelloSolver(tt_mib=args.tt_mib)
    solver.solve(game.parse_position(f"{rows[21]['board']} O"))  # warm the JIT (FForum #21)

    lines = [
        f"- command: `python {' '.join(shlex.quote(a) for a in ['bench/othello_endgame.py', *(argv or sys.argv[1:])])}`",
        f"- date: {_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}",
        f"- machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}; "
        f"load average at start {os.getloadavg()[0]:.2f}",
        f"- table: {solver.slots:,} slots ({args.tt_mib:g} MiB), reset before each position (untimed); "
        f"{'win/draw/loss' if args.weak else 'exact'} solve",
        "",
        "| FFO | empties | score | expected | move | ok | nodes | wall s | CPU s | M nodes/s "
        "| Edax nodes | Edax CPU s | nodes ratio | CPU ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    wrong = 0
    totals = [0, 0.0, 0.0, 0, 0.0]  # nodes, wall, cpu, edax nodes, edax cpu
    for number in numbers:
        row = rows[number]
        state = game.parse_position(f"{row['board']} {'X' if row['to_move'] == 'black' else 'O'}")
        expected = int(row["best_score"])
        if args.weak:
            expected = (expected > 0) - (expected < 0)
        solver.reset()
        gc.disable()
        wall, cpu = time.perf_counter(), time.process_time()
        result = solver.solve(state, weak=args.weak)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        gc.enable()
        move = game.format_move(state, result.best_moves[0]).upper()
        ok = result.score == expected and (args.weak or move in row["best_moves"].split())
        wrong += not ok
        edax_nodes, edax_cpu = reference.get(number, (0, 0.0))
        totals = [totals[0] + result.nodes, totals[1] + wall, totals[2] + cpu, totals[3] + edax_nodes,
                  totals[4] + edax_cpu]
        ref = edax_cells(result.nodes, cpu, edax_nodes, edax_cpu)
        line = (f"| {number} | {row['empties']} | {result.score:+d} | {expected:+d} | {move} | {'yes' if ok else 'NO'} "
                f"| {result.nodes:,} | {wall:.2f} | {cpu:.2f} | {result.nodes / max(wall, 1e-9) / 1e6:.1f} | {ref} |")
        lines.append(line)
        print(line, flush=True)
    nodes, wall, cpu, edax_nodes, edax_cpu = totals
    ref = edax_cells(nodes, cpu, edax_nodes, edax_cpu)
    line = (f"| total | | {len(numbers) - wrong}/{len(numbers)} right | | | | {nodes:,} | {wall:.2f} | {cpu:.2f} "
            f"| {nodes / max(wall, 1e-9) / 1e6:.1f} | {ref} |")
    lines.append(line)
    print(line, flush=True)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    if wrong:
        print(f"{wrong} wrong result(s)", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
