"""Our exact Othello endgame solver vs Edax 4.6, side by side, on the same FFO positions, one run.

    python bench/othello_vs_edax.py [--ffo 40-49] [--edax /work/ref/edax/bin/lEdax-x86-64-v3] \\
        [--tt-mib 256] [--out bench/results/othello_vs_edax.md]

For each FFO position (``--ffo``: ``40-49``, ``40-44``, ``20-39``, ``40,45``), both engines
solve it exactly, single thread, one right after the other; which goes first alternates
from one position to the next (ours first on the first), so that load on the shared machine
hits both alike.

- Ours: ``searchprune.solvers.othello.OthelloSolver`` in this process (``--tt-mib``), the
  same way as ``bench/othello_endgame.py`` (whose helpers are imported): JIT warmed first
  (FForum #21, untimed), ``reset()`` before each position (untimed), ``solve(state)`` timed
  with ``time.process_time`` (user + system CPU of this process) with the GC paused.
- Edax: one fresh process per position, ``edax -n 1 -l 60 -eval-file <zero eval> -solve
  <one-line .obf>`` (the command of the data README), run in the Edax tree; the line is
  ``<board> <side>; <best move>:<score>;`` from the data file (Edax only checks against it). Its "CPU s" is
  Edax's own figure for the solve, the ``(cpu = ...)`` of its summary line: ``getrusage``
  user time around ``obf_search()`` (ms resolution; it leaves out reading the eval file
  and making the tables, like ours leaves out the JIT). Its "process CPU s" is the whole
  process, user + system, from ``getrusage(RUSAGE_CHILDREN)`` before/after (startup
  included). Edax's default table (2^22 entries, about 130 MB) is used.

Scores are checked against the data file (``shared/data/othello/ffo-*.csv``), for both
engines; our move must be one of the file's best moves (Edax's move is reported only).
Output: a Markdown table (FFO, empties, scores, nodes, CPU seconds and ratios ours / Edax,
then totals and the median per-position CPU ratio, and this run's Edax beside the figures
stored in the data README) printed and written to ``--out``, and the raw numbers to the
``.json`` beside it. Exit status: 0 if every score is right, 1 if any score (or our move) is
wrong, 2 if Edax, its eval file or the data is missing, or the arguments are bad.

Building the reference (Edax is GPL-3.0: keep it outside this repository)::

    # 1. source: the fetch tool with github:abulmo/edax-reversi gives a bare git dir, then
    git clone /work/.mirror/abulmo+edax-reversi/repo /work/ref/edax   # commit 14f048c0 (2025-03-10)
    # 2. build (gcc 12; x86-64-v3 = AVX2/BMI2/POPCNT; use ARCH=x86-64-v2 or x86-64 on older CPUs)
    mkdir -p /work/ref/edax/bin
    cd /work/ref/edax/src && make build ARCH=x86-64-v3 CC=gcc OS=linux   # -> ../bin/lEdax-x86-64-v3
    # 3. zero-weight evaluation file (the trained one cannot be downloaded here)
    cd /work/main && .venv/bin/python bench/edax_zero_eval.py /work/ref/edax/data/eval.dat

(The makefile's compiler variable is ``CC``, not ``COMP``: without ``CC=gcc`` it uses clang.)
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))

from connect4_vs_pons import busy_processes, machine  # noqa: E402
from othello_endgame import edax_reference, selected_rows  # noqa: E402 (also puts ROOT on sys.path)

from searchprune.games.othello import Othello  # noqa: E402
from searchprune.paths import shared_data_dir  # noqa: E402
from searchprune.solvers.othello import OthelloSolver  # noqa: E402

DEFAULT_EDAX = Path("/work/ref/edax/bin/lEdax-x86-64-v3")
BUILD = "make build ARCH=x86-64-v3 CC=gcc OS=linux"
BUILD_HELP = ("build it with: git clone /work/.mirror/abulmo+edax-reversi/repo /work/ref/edax && "
              "mkdir -p /work/ref/edax/bin && (cd /work/ref/edax/src && " + BUILD + ") && "
              ".venv/bin/python bench/edax_zero_eval.py /work/ref/edax/data/eval.dat "
              "(the source comes from the fetch tool, github:abulmo/edax-reversi; see this script's docstring)")
#: Edax's summary line: "<file>: <nodes> nodes in  0:00.411 (cpu =  0:00.405) (...)".
SUMMARY = re.compile(r"(\d+) nodes in\s+([\d:.]+) \(cpu =\s+([\d:.]+)")
#: Edax's result row at verbosity 1: "  1|   20   +38        0:00.411      21000788   51096808 a2 B1 ...".
ROW = re.compile(r"^\s*1\|\s*(\d+)\S*\s+([+-]\d+)\s+[\d:.]+\s+\d+\s+\d*\s*([a-hA-H][1-8]|PA|--)?")


def side(row: dict) -> str:
    """The side to move of a data row, as the position text wants it (``X``/``O``)."""
    return "X" if row["to_move"] == "black" else "O"


def clock_seconds(text: str) -> float:
    """Edax's ``[[D:]H:]M:SS.mmm`` as seconds."""
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def run_ours(solver: OthelloSolver, game: Othello, row: dict) -> dict:
    """Solve one position with our solver: table reset untimed, solve timed in CPU seconds."""
    state = game.parse_position(f"{row['board']} {side(row)}")
    solver.reset()
    gc.disable()
    cpu = time.process_time()
    result = solver.solve(state)
    cpu = time.process_time() - cpu
    gc.enable()
    return {"score": result.score, "move": game.format_move(state, result.best_moves[0]).upper(),
            "nodes": result.nodes, "cpu": cpu}


def run_edax(edax: Path, eval_file: Path, row: dict) -> dict:
    """Solve one position with a fresh Edax process; its own search CPU and the process's CPU."""
    with tempfile.NamedTemporaryFile("w", suffix=".obf", delete=False) as handle:
        # the file's best move and score too, or Edax warns "missing best score" (it does not search with them)
        handle.write(f"{row['board']} {side(row)}; {row['best_moves'].split()[0]}:{int(row['best_score']):+d};\n")
    argv = [str(edax), "-n", "1", "-l", "60", "-eval-file", str(eval_file), "-solve", handle.name]
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(argv, cwd=edax.parents[1], capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        os.unlink(handle.name)
    summary = SUMMARY.search(done.stdout)
    found = [m for m in map(ROW.match, done.stdout.splitlines()) if m]
    if done.returncode or not summary or not found:
        raise RuntimeError(f"edax failed (status {done.returncode}): {done.stdout[-500:]}{done.stderr[-500:]}")
    return {"score": int(found[-1].group(2)), "move": (found[-1].group(3) or "?").upper(),
            "nodes": int(summary.group(1)), "cpu": clock_seconds(summary.group(3)),
            "wall": clock_seconds(summary.group(2)),
            "process_cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "process_user": after.ru_utime - before.ru_utime}


def edax_meta(edax: Path, eval_file: Path) -> dict:
    """Edax's commit, compiler and whether its eval file is all zero weights."""
    meta = {"binary": str(edax), "build": f"cd src && {BUILD}", "commit": None, "gcc": None}
    try:
        meta["commit"] = subprocess.run(["git", "-C", str(edax.parents[1]), "log", "-1", "--format=%H %ad %s",
                                         "--date=short"], capture_output=True, text=True, check=True).stdout.strip()
        meta["gcc"] = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    data = eval_file.read_bytes()
    meta["eval_file"] = str(eval_file)
    meta["eval_bytes"] = len(data)
    meta["eval_zero"] = not data[28:].strip(b"\0")  # 28-byte header, then int16 weights
    return meta


def stored_comparison(results: list[dict]) -> dict:
    """This run's Edax beside the figures stored in the data README, on the positions it lists."""
    stored = edax_reference(shared_data_dir() / "othello" / "README.md")
    rows = [r for r in results if r["ffo"] in stored]
    return {"positions": len(rows), "nodes": sum(stored[r["ffo"]][0] for r in rows),
            "cpu": sum(stored[r["ffo"]][1] for r in rows), "cpu_today": sum(r["edax"]["cpu"] for r in rows),
            "cpu_ours": sum(r["ours"]["cpu"] for r in rows),
            "same_nodes": sum(stored[r["ffo"]][0] == r["edax"]["nodes"] for r in rows)}


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def report(results: list[dict], meta: dict, args) -> str:
    """The Markdown report: header, one row per position, totals and medians, notes."""
    m, e = meta["machine"], meta["edax"]
    lines = [
        "# Othello exact endgame: our solver vs Edax 4.6, same positions, same run",
        "",
        f"- command: `{meta['command']}`",
        f"- date: {meta['started']} to {meta['finished']} (UTC)",
        f"- machine: nproc {m['nproc']}, {m['cpu']}, Python {m['python']}; load average (1/5/15 min) "
        f"at start {meta['load_start']}, at end {meta['load_end']}",
        f"- busy processes at start: {meta['busy_start']}; at end: {meta['busy_end']}",
        f"- Edax: `abulmo/edax-reversi` {e['commit']}; built `{e['build']}` (gcc {e['gcc']}: "
        "`-std=c17 -Ofast -fwhole-program -flto=auto -fomit-frame-pointer -DNDEBUG -march=x86-64-v3`), "
        f"`{Path(e['binary']).name} -n 1 -l 60 -eval-file {Path(e['eval_file']).name} -solve <position>`, "
        "one process per position, default table (2^22 entries)",
        f"- Edax evaluation file: {'**zero-weight**' if e['eval_zero'] else '**NOT zero-weight**'} "
        f"(`bench/edax_zero_eval.py`, {e['eval_bytes']:,} bytes)",
        f"- ours: `OthelloSolver(tt_mib={args.tt_mib:g})`, JIT warmed first, table reset before each "
        "position (untimed), `time.process_time` around `solve()`",
        "- Edax CPU s: Edax's own `(cpu = ...)` figure (user time of the search, ms); Edax process CPU s: "
        "user + system of the whole process (`RUSAGE_CHILDREN`), reading the eval file included",
        "- order: ours first on odd rows, Edax first on even rows",
        "",
        "| FFO | empties | score ours | score Edax | expected | nodes ours | nodes Edax | nodes ratio "
        "| CPU s ours | CPU s Edax | Edax process CPU s | CPU ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        o, x = r["ours"], r["edax"]
        flag = "" if r["ok"] else " **WRONG**"
        lines.append(f"| {r['ffo']} | {r['empties']} | {o['score']:+d} | {x['score']:+d} | {r['expected']:+d}{flag} "
                     f"| {o['nodes']:,} | {x['nodes']:,} | {ratio(o['nodes'], x['nodes'])} | {o['cpu']:.2f} "
                     f"| {x['cpu']:.2f} | {x['process_cpu']:.2f} | {ratio(o['cpu'], x['cpu'])} |")
    t = meta["totals"]
    lines += [
        f"| total | | {t['right_ours']}/{len(results)} right | {t['right_edax']}/{len(results)} right | "
        f"| {t['nodes_ours']:,} | {t['nodes_edax']:,} | {ratio(t['nodes_ours'], t['nodes_edax'])} "
        f"| {t['cpu_ours']:.2f} | {t['cpu_edax']:.2f} | {t['process_cpu_edax']:.2f} "
        f"| {ratio(t['cpu_ours'], t['cpu_edax'])} |",
        f"| median of per-position ratios | | | | | | | {t['median_nodes_ratio']:.2f} | | | | "
        f"{t['median_cpu_ratio']:.2f} |",
        "",
        f"Ours: {t['nodes_ours'] / max(t['cpu_ours'], 1e-9) / 1e6:.1f} M nodes per CPU-second; "
        f"Edax: {t['nodes_edax'] / max(t['cpu_edax'], 1e-9) / 1e6:.1f} M. "
        f"Total CPU ratio ours / Edax: {ratio(t['cpu_ours'], t['cpu_edax'])} "
        f"({ratio(t['cpu_ours'], t['process_cpu_edax'])} against Edax's whole-process CPU).",
        "",
    ]
    st = meta.get("stored")
    if st and st["positions"]:
        lines += [
            f"Stored Edax figures (data README, another day) for the {st['positions']} of these positions it lists: "
            f"{st['cpu']:.1f} CPU s and {st['nodes']:,} nodes; this run's Edax: "
            f"{st['cpu_today']:.1f} CPU s (today / stored = {ratio(st['cpu_today'], st['cpu'])}), node counts equal "
            f"to the stored ones on {st['same_nodes']}/{st['positions']}. Our CPU ratio against the stored "
            f"figures would be {ratio(st['cpu_ours'], st['cpu'])}; against Edax in this run it is "
            f"{ratio(st['cpu_ours'], st['cpu_today'])}.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ffo", default="40-49", help="FFO numbers, e.g. 40-49 or 40-44 or 40,45")
    parser.add_argument("--edax", type=Path, default=DEFAULT_EDAX, help="the Edax binary")
    parser.add_argument("--eval-file", type=Path, help="Edax's eval file (default: <edax tree>/data/eval.dat)")
    parser.add_argument("--tt-mib", type=float, default=256, help="our transposition table size")
    parser.add_argument("--out", type=Path, help="write the Markdown report here (and the .json beside it)")
    args = parser.parse_args(argv)
    eval_file = args.eval_file or args.edax.resolve().parents[1] / "data" / "eval.dat"
    if not os.access(args.edax, os.X_OK) or not eval_file.is_file():
        missing = args.edax if not os.access(args.edax, os.X_OK) else eval_file
        print(f"error: {missing} not found; {BUILD_HELP}", file=sys.stderr)
        return 2
    try:
        rows, numbers = selected_rows(args.ffo)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    edax = args.edax.resolve()

    meta = {"command": "python bench/othello_vs_edax.py " + " ".join(map(shlex.quote, argv or sys.argv[1:])),
            "started": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M"), "machine": machine(),
            "load_start": "%.2f / %.2f / %.2f" % os.getloadavg(), "busy_start": busy_processes(),
            "edax": edax_meta(edax, eval_file), "tt_mib": args.tt_mib}
    game = Othello()
    solver = OthelloSolver(tt_mib=args.tt_mib)
    solver.solve(game.parse_position(f"{rows[21]['board']} {side(rows[21])}"))  # warm the JIT (FForum #21)

    results = []
    for i, number in enumerate(numbers):
        row = rows[number]
        expected = int(row["best_score"])
        runs = {}
        for engine in (("ours", "edax") if i % 2 == 0 else ("edax", "ours")):
            runs[engine] = run_ours(solver, game, row) if engine == "ours" else run_edax(edax, eval_file, row)
        ok = (runs["ours"]["score"] == expected and runs["edax"]["score"] == expected
              and runs["ours"]["move"] in row["best_moves"].split())
        results.append({"ffo": number, "empties": int(row["empties"]), "expected": expected,
                        "best_moves": row["best_moves"], "first": "ours" if i % 2 == 0 else "edax", "ok": ok, **runs})
        print(f"FFO #{number}: ours {runs['ours']['score']:+d} {runs['ours']['nodes']:,} nodes "
              f"{runs['ours']['cpu']:.2f} s | Edax {runs['edax']['score']:+d} {runs['edax']['nodes']:,} nodes "
              f"{runs['edax']['cpu']:.2f} s (process {runs['edax']['process_cpu']:.2f} s) | expected {expected:+d}"
              f"{'' if ok else '  WRONG'} | load {os.getloadavg()[0]:.2f}", flush=True)

    total = lambda engine, key: sum(r[engine][key] for r in results)  # noqa: E731
    meta["totals"] = {
        "right_ours": sum(r["ours"]["score"] == r["expected"] for r in results),
        "right_edax": sum(r["edax"]["score"] == r["expected"] for r in results),
        "nodes_ours": total("ours", "nodes"), "nodes_edax": total("edax", "nodes"),
        "cpu_ours": total("ours", "cpu"), "cpu_edax": total("edax", "cpu"),
        "process_cpu_edax": total("edax", "process_cpu"),
        "median_cpu_ratio": statistics.median(r["ours"]["cpu"] / max(r["edax"]["cpu"], 1e-3) for r in results),
        "median_nodes_ratio": statistics.median(r["ours"]["nodes"] / max(r["edax"]["nodes"], 1) for r in results),
    }
    meta["stored"] = stored_comparison(results)
    meta["load_end"] = "%.2f / %.2f / %.2f" % os.getloadavg()
    meta["busy_end"] = busy_processes()
    meta["finished"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    text = report(results, meta, args)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    wrong = [r["ffo"] for r in results if not r["ok"]]
    if wrong:
        print(f"wrong result(s) on FFO {wrong}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
