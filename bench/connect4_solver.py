"""Benchmark the exact Connect Four solver on Pascal Pons' six test sets.

    python bench/connect4_solver.py [--limit N] [--sets L3_R1,L2_R1,...] [--weak] [--out FILE]

For each set: the transposition table is reset before each position (untimed, as in
Pons' ``main``), the position is scored (timed with ``time.perf_counter``, Python's
garbage collector paused), and the score is checked against the file (sign only for
``--weak``). The JIT is warmed first, untimed. The Markdown table printed per set sits
next to the reference figures of Pons' C++ solver on this machine kind, read from the
data folder's README.md, with the ratios ours / reference.

Exit status: 0 if every score is right, 1 if any is wrong (the lines are listed on
stderr), 2 if the data is missing or the arguments are bad.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import re
import shlex
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine_info import describe

from searchprune.games.connect4 import Connect4
from searchprune.paths import shared_data_dir
from searchprune.solvers.connect4 import Connect4Solver

#: Pons' set order and names (his part 2), with the default number of positions.
SETS = {
    "L3_R1": ("End-Easy", 1000, 1000),
    "L2_R1": ("Middle-Easy", 1000, 1000),
    "L2_R2": ("Middle-Medium", 1000, 1000),
    "L1_R1": ("Begin-Easy", 1000, 1000),
    "L1_R2": ("Begin-Medium", 200, 200),
    "L1_R3": ("Begin-Hard", 60, 96),  # strong / weak: the README's reference rows
}


@dataclass
class Reference:
    strong_time: float | None = None
    strong_nodes: float | None = None
    weak_time: float | None = None
    weak_nodes: float | None = None
    positions: str = "1000"


@dataclass
class SetResult:
    key: str
    positions: int
    mean_s: float
    median_s: float
    mean_nodes: float
    wrong: list[str]


def data_dir() -> Path:
    return shared_data_dir() / "connect4"


def _parse_time(text: str) -> float | None:
    m = re.fullmatch(r"\s*([\d.,]+)\s*(µs|us|ms|s)\s*", text)
    if not m:
        return None
    scale = {"µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]
    return float(m.group(1).replace(",", "")) * scale


def _parse_number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


def load_reference(readme: Path) -> dict[str, Reference]:
    """The README's "Reference figures" table, by set key; empty if it cannot be read."""
    refs: dict[str, Reference] = {}
    if not readme.is_file():
        return refs
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = re.search(r"Test_(L\d_R\d)", line)
        if not m or not line.lstrip().startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5:
            continue
        ref = Reference(_parse_time(cells[1]), _parse_number(cells[2]), _parse_time(cells[3]), _parse_number(cells[4]))
        lines = re.search(r"first (\d+) lines \(strong\) / (\d+) lines \(weak\)", cells[0])
        if lines:
            ref.positions = f"{lines.group(1)} strong / {lines.group(2)} weak"
        refs[m.group(1)] = ref
    return refs


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_nodes(n: float | None) -> str:
    if n is None:
        return "–"
    return f"{n:,.2f}" if n < 1000 else f"{n:,.0f}"


def fmt_ratio(ours: float, ref: float | None) -> str:
    return "–" if not ref else f"{ours / ref:.2f}"


def run_set(key: str, limit: int, weak: bool, solver: Connect4Solver, game: Connect4) -> SetResult:
    path = data_dir() / f"Test_{key}"
    lines = path.read_text(encoding="ascii").splitlines()[:limit]
    times: list[float] = []
    nodes_total = 0
    wrong: list[str] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for lineno, line in enumerate(lines, 1):
            moves, expected_text = line.split()
            expected = int(expected_text)
            if weak:
                expected = (expected > 0) - (expected < 0)
            state = game.parse_position(moves)
            solver.reset()
            t0 = time.perf_counter()
            score, nodes = solver.score(state, weak=weak)
            times.append(time.perf_counter() - t0)
            nodes_total += nodes
            if score != expected:
                wrong.append(f"Test_{key} line {lineno}: {moves} expected {expected}, got {score}")
            if len(lines) >= 50 and lineno % max(1, len(lines) // 10) == 0:
                print(f"  Test_{key}: {lineno}/{len(lines)}", file=sys.stderr, flush=True)
    finally:
        if gc_was_enabled:
            gc.enable()
    return SetResult(
        key, len(lines), statistics.fmean(times), statistics.median(times), nodes_total / len(lines), wrong
    )


def table(results: list[SetResult], refs: dict[str, Reference], weak: bool) -> str:
    mode = "weak" if weak else "strong"
    head = (
        f"| set | positions | mean time | median time | mean nodes | K pos/s | M nodes/s "
        f"| ref positions | ref mean time ({mode}) | ref mean nodes ({mode}) | time ratio | nodes ratio |"
    )
    rows = [head, "|" + "---|" * 12]
    for r in results:
        ref = refs.get(r.key, Reference())
        ref_t = ref.weak_time if weak else ref.strong_time
        ref_n = ref.weak_nodes if weak else ref.strong_nodes
        name = SETS[r.key][0]
        rows.append(
            f"| {name} (`Test_{r.key}`) | {r.positions} | {fmt_time(r.mean_s)} | {fmt_time(r.median_s)} "
            f"| {fmt_nodes(r.mean_nodes)} | {1e-3 / r.mean_s:.3g} | {r.mean_nodes / r.mean_s / 1e6:.2f} "
            f"| {ref.positions if r.key in refs else '–'} | {fmt_time(ref_t)} | {fmt_nodes(ref_n)} "
            f"| {fmt_ratio(r.mean_s, ref_t)} | {fmt_ratio(r.mean_nodes, ref_n)} |"
        )
    return "\n".join(rows)


def machine() -> str:
    return describe()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--limit", type=int, default=None, help="at most N positions per set (default: per-set defaults)"
    )
    parser.add_argument(
        "--sets", default=",".join(SETS), help="comma-separated sets, e.g. L3_R1,L2_R1 (default: all six)"
    )
    parser.add_argument("--weak", action="store_true", help="weak solve (win/draw/loss), scores checked by sign")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown report to FILE")
    args = parser.parse_args(argv)

    keys = []
    for name in args.sets.split(","):
        key = name.strip().removeprefix("Test_")
        if key not in SETS:
            parser.error(f"unknown set {name!r}; choose from {', '.join(SETS)}")
        keys.append(key)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if not data_dir().is_dir():
        print(
            f"error: no Connect Four test data at {data_dir()} (set SEARCHPRUNE_SHARED to the shared folder)",
            file=sys.stderr,
        )
        return 2
    refs = load_reference(data_dir() / "README.md")

    game = Connect4()
    solver = Connect4Solver()
    # Warm the JIT (load or compile every kernel), untimed.
    for moves in ("37313333717124171162542", "44455554221", "112233"):
        solver.solve(game.parse_position(moves), weak=args.weak)
    solver.reset()

    results: list[SetResult] = []
    for key in keys:
        default = SETS[key][2] if args.weak else SETS[key][1]
        limit = default if args.limit is None else args.limit
        results.append(run_set(key, limit, args.weak, solver, game))

    mode = "weak" if args.weak else "strong"
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(sys.argv[1:] if argv is None else argv)])
    report = "\n".join(
        [
            f"## {mode.capitalize()} solver",
            "",
            f"- command: `{command}`",
            f"- date: {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"- machine: {machine()}",
            f"- table: {solver.tt_size:,} slots (`tt_log2={solver.tt_log2}`), reset before each position (untimed)",
            "",
            table(results, refs, args.weak),
            "",
        ]
    )
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")

    wrong = [w for r in results for w in r.wrong]
    if wrong:
        print(f"error: {len(wrong)} wrong score(s):", file=sys.stderr)
        for w in wrong:
            print("  " + w, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
