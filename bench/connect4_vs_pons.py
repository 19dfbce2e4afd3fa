"""Old vs new exact Connect Four solver vs Pascal Pons' C++ solver, side by side, one run.

    python bench/connect4_vs_pons.py --old /work/datajob --new /work/main \\
        --pons /tmp/pons/c4bench --pons-src /tmp/pons \\
        --sets L2_R2:200,L1_R2:100,L1_R3:10 --openings ,4,44,444 --cap 180 \\
        --out bench/results/connect4_vs_pons.md

What it measures: for each test set of Pons (``shared/data/connect4/Test_*``), the first
``N`` evenly spaced positions (``rows[::len//N][:N]``, as ``tests/test_connect4_solver.py``
samples) are scored, strong solve, by three engines:

- ``old``: ``searchprune.solvers.connect4.Connect4Solver`` imported from the ``--old``
  tree (default table size), in its own Python process;
- ``new``: the same class from the ``--new`` tree;
- ``pons``: Pons' solver (``--pons``), a binary built from his ``Solver.cpp`` with a
  small driver (``bench_main.cpp``, as his tag ``part12``'s ``main.cpp``): table reset
  (untimed), ``solve(P)`` timed with a steady clock, ``moves score nodes time_us``
  printed. No opening book.

Each engine is ONE long-lived process per set that solves all its positions. Ours
warm the JIT first (``warm_up()``, untimed), pause Python's garbage collector, and per
position call ``reset()`` (untimed) then time ``score(state)`` with
``time.perf_counter`` (wall time). Engines are interleaved by set (old, new, pons for
set 1, then set 2, ...) so that load on the shared machine hits all alike. Every score
is checked against the file; a mismatch is printed loudly and makes the exit status 1.

After the sets, the openings (``--openings``: the empty board and ``4``, ``44``,
``444`` by default) are solved by new and Pons (and old, unless ``--no-old-openings``),
one fresh process per engine and position, each capped at ``--cap`` seconds (killed
beyond it: reported as ``> cap``). Openings run from the easiest (most moves) to the
hardest; once an engine passes the cap, its harder openings are skipped.

Build of Pons' solver used (see the report): ``g++ --std=c++11 -O3 -DNDEBUG
-march=native -o c4bench bench_main.cpp Solver.cpp`` in his source tree.

Raw per-position results go to ``--json`` (default: next to ``--out``, ``.json``).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
#: Pons' test sets: ``../shared/data/connect4`` beside the repository (``--data`` for elsewhere).
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "connect4"


# -- worker (runs inside the old or new tree) --------------------------------------------


def worker(tree: str) -> None:
    """Read lines of moves on stdin; print one JSON line per position."""
    sys.path.insert(0, tree)
    import gc

    import numpy as np
    import searchprune
    from searchprune.games import get_game
    from searchprune.solvers.connect4 import Connect4Solver

    game = get_game("connect4")
    Connect4Solver.warm_up()
    solver = Connect4Solver()
    solver.reset()
    solver.score(game.parse_position("37313333717124171162542"))  # page in, untimed
    table_bytes = sum(v.nbytes for v in vars(solver).values() if isinstance(v, np.ndarray))
    if hasattr(solver, "_table"):
        table_bytes += solver._table.nbytes
    print(json.dumps({"ready": True, "module": searchprune.__file__, "tt_log2": solver.tt_log2,
                      "tt_size": int(solver.tt_size), "bytes": int(table_bytes)}), flush=True)
    gc.collect()
    gc.disable()
    for line in sys.stdin:
        moves = line.strip()
        state = game.parse_position(moves)
        solver.reset()
        t0 = time.perf_counter()
        score, nodes = solver.score(state)
        dt = time.perf_counter() - t0
        print(json.dumps({"moves": moves, "score": score, "nodes": nodes, "seconds": dt}), flush=True)


# -- driver -------------------------------------------------------------------------------


class Engine:
    """One running engine process: send positions, read one result line each."""

    def __init__(self, name: str, argv: list[str]):
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd="/tmp")
        self.fd = self.proc.stdout.fileno()
        self.buf = b""
        self.info: dict = {}

    def readline(self, timeout: float | None = None) -> str | None:
        """The next output line; None on timeout or end of output."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buf:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def send(self, moves: str) -> None:
        self.proc.stdin.write(moves.encode() + b"\n")
        self.proc.stdin.flush()

    def result(self, moves: str, timeout: float | None = None) -> dict | None:
        line = self.readline(timeout)
        if line is None:
            return None
        if self.name == "pons":
            f = line.split()
            if len(f) != 4 or f[0] != moves:
                raise RuntimeError(f"pons: unexpected line {line!r} for {moves!r}")
            return {"moves": moves, "score": int(f[1]), "nodes": int(f[2]), "seconds": int(f[3]) * 1e-6}
        r = json.loads(line)
        if r["moves"] != moves:
            raise RuntimeError(f"{self.name}: answer for {r['moves']!r}, expected {moves!r}")
        return r

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def start(name: str, args) -> Engine:
    if name == "pons":
        return Engine(name, [str(Path(args.pons).resolve())])
    tree = str(Path(getattr(args, name)).resolve())
    env_argv = [sys.executable, str(HERE), "--worker", tree]
    e = Engine(name, env_argv)
    info = json.loads(e.readline(600) or "{}")
    if not info.get("ready"):
        raise RuntimeError(f"{name}: worker did not start")
    if not info["module"].startswith(tree + "/"):
        raise RuntimeError(f"{name}: imported searchprune from {info['module']}, not from {tree}")
    e.info = info
    return e


def load(data: Path, name: str) -> list[tuple[str, int]]:
    """Pons' test set ``name`` as (moves, score), read by the solver's own line parser
    (imported here, in the parent only: each worker imports its own tree)."""
    sys.path.insert(0, str(ROOT))
    from searchprune.solvers.connect4 import Connect4Solver

    lines = (data / f"Test_{name}").read_text(encoding="ascii").splitlines()
    return [job for job in map(Connect4Solver.parse_line, lines) if job is not None]


def spaced(rows: list, k: int) -> list:
    step = max(1, len(rows) // k)
    return rows[::step][:k]


def fmt_time(s: float) -> str:
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.0f} µs"


def ratio_stats(a: list[dict], b: list[dict]) -> tuple[float, float]:
    """(median of per-position time ratios a/b, ratio of mean times)."""
    per = [x["seconds"] / max(y["seconds"], 1e-6) for x, y in zip(a, b)]
    mean_a = statistics.fmean(x["seconds"] for x in a)
    mean_b = statistics.fmean(y["seconds"] for y in b)
    return statistics.median(per), mean_a / mean_b


def machine() -> dict:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "python": platform.python_version()}


def busy_processes() -> str:
    """Processes using more than 20% CPU now (name, nice, %CPU), for the report."""
    try:
        out = subprocess.run(["ps", "-eo", "comm,ni,pcpu", "--sort=-pcpu"], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    rows = []
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) >= 3 and float(f[-1]) > 20:
            rows.append(f"{f[0]} (nice {f[1]}, {f[2]}%)")
    return ", ".join(rows) or "none"


def pons_meta(src: Path, git_dir: str | None) -> dict:
    meta = {"table_log2": None, "commit": None}
    hpp = src / "Solver.hpp"
    if hpp.exists():
        m = re.search(r"TABLE_SIZE\s*=\s*(\d+)", hpp.read_text())
        if m:
            meta["table_log2"] = int(m.group(1))
    if git_dir:
        try:
            meta["commit"] = subprocess.run(["git", "--git-dir", git_dir, "log", "-1", "--format=%H %ad %s"],
                                            capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            pass
    return meta


def run_sets(args, sets, mismatches, log) -> dict:
    results: dict = {}
    infos: dict = {}
    for name, n in sets:
        rows = spaced(load(Path(args.data), name), n)
        results[name] = {"expected": rows}
        for eng in ("old", "new", "pons"):
            t0 = time.time()
            e = start(eng, args)
            if e.info:
                infos[eng] = e.info
            out = []
            try:
                for moves, _ in rows:
                    e.send(moves)
                for moves, want in rows:
                    r = e.result(moves)
                    if r is None:
                        raise RuntimeError(f"{eng} died on {name} {moves}")
                    if r["score"] != want:
                        msg = f"!!! SCORE MISMATCH: {eng} {name} {moves}: expected {want}, got {r['score']}"
                        print(msg, file=sys.stderr, flush=True)
                        mismatches.append(msg)
                    out.append(r)
            finally:
                e.close()
            results[name][eng] = out
            log(f"{name} {eng}: {len(out)} positions in {time.time() - t0:.1f} s, "
                f"median {fmt_time(statistics.median(r['seconds'] for r in out))}, load {os.getloadavg()[0]:.2f}")
    return results, infos


def run_openings(args, log) -> dict:
    openings = sorted(args.openings.split(","), key=len, reverse=True)  # easiest first
    engines = ["new", "pons"] + ([] if args.no_old_openings else ["old"])
    res: dict = {o: {} for o in openings}
    for eng in engines:
        over = False
        for o in openings:
            if over:
                res[o][eng] = {"skipped": True}
                continue
            e = start(eng, args)
            try:
                t0 = time.perf_counter()
                e.send(o)
                r = e.result(o, timeout=args.cap)
                wall = time.perf_counter() - t0
            finally:
                e.kill()
            if r is None:
                res[o][eng] = {"capped": True}
                over = True
                log(f"opening {o or '(empty)'} {eng}: > {args.cap:g} s (killed)")
            else:
                r["wall_driver"] = wall
                res[o][eng] = r
                log(f"opening {o or '(empty)'} {eng}: score {r['score']} nodes {r['nodes']} "
                    f"{fmt_time(r['seconds'])}, load {os.getloadavg()[0]:.2f}")
    return res


def report(args, meta, sets_res, infos, open_res, mismatches, started, finished) -> str:
    m = meta["machine"]
    pons = meta["pons"]
    L = [
        "# Connect Four: old vs new solver vs Pons' C++ solver",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"Date: {started} to {finished} (UTC). Machine: nproc {m['nproc']}, {m['cpu']}, Python {m['python']}.",
        f"Load average (1/5/15 min) at start {meta['load_start']}, at end {meta['load_end']}.",
        f"Busy processes at start: {meta['busy_start']}. At end: {meta['busy_end']}.",
        "",
        f"Pons: `PascalPons/connect4` {pons['commit']}; built `g++ --std=c++11 -O3 -DNDEBUG -march=native` "
        f"(g++ {meta['gxx']}) with a bench driver `bench_main.cpp` (his part12 `main.cpp` logic: untimed "
        f"`reset()`, timed `solve(P)`, nodes and µs printed); no opening book; table `TABLE_SIZE = "
        f"{pons['table_log2']}`: next_prime(2**{pons['table_log2']}) entries of a 4-byte partial key + "
        f"1-byte value, about {5 * 2 ** (pons['table_log2'] or 0) / 2 ** 20:.0f} MiB, one slot, always replace.",
    ]
    for eng in ("old", "new"):
        i = infos.get(eng, {})
        L.append(f"Ours, {eng} (`{getattr(args, eng)}`): tt_log2 {i.get('tt_log2')}, {i.get('tt_size')} entries, "
                 f"{i.get('bytes', 0) / 2 ** 20:.1f} MiB of table arrays.")
    L += [
        "",
        "Strong solve of every position; table reset before each (untimed). Ours: wall time of "
        "`Connect4Solver.score(state)` in a warmed worker process with the GC paused. Pons: his solver's "
        "steady-clock µs. One process per engine per set, engines interleaved by set (old, new, pons).",
        "",
        f"Score check: {'every score matched the file' if not mismatches else f'**{len(mismatches)} MISMATCHES**'}.",
    ]
    for msg in mismatches:
        L.append(f"- {msg}")
    L += ["", "## Test sets", "",
          "| set | N | engine | median time | mean time | mean nodes | nodes/s |",
          "|---|---|---|---|---|---|---|"]
    for name, r in sets_res.items():
        for eng in ("old", "new", "pons"):
            xs = r[eng]
            mt = statistics.fmean(x["seconds"] for x in xs)
            mn = statistics.fmean(x["nodes"] for x in xs)
            L.append(f"| {name} | {len(xs)} | {eng} | {fmt_time(statistics.median(x['seconds'] for x in xs))} | "
                     f"{fmt_time(mt)} | {mn:,.0f} | {mn / mt / 1e6:.2f} M |")
    L += ["", "Time ratios (median of per-position ratios; ratio of mean times). Nodes: ratio of mean nodes.", "",
          "| set | new/old median | new/old means | new/pons median | new/pons means | old/pons median | "
          "old/pons means | nodes new/old | nodes new/pons |",
          "|---|---|---|---|---|---|---|---|---|"]
    for name, r in sets_res.items():
        no = ratio_stats(r["new"], r["old"])
        np_ = ratio_stats(r["new"], r["pons"])
        op = ratio_stats(r["old"], r["pons"])
        mnodes = {e: statistics.fmean(x["nodes"] for x in r[e]) for e in ("old", "new", "pons")}
        L.append(f"| {name} | {no[0]:.3f} | {no[1]:.3f} | {np_[0]:.2f} | {np_[1]:.2f} | {op[0]:.2f} | {op[1]:.2f} | "
                 f"{mnodes['new'] / mnodes['old']:.3f} | {mnodes['new'] / mnodes['pons']:.3f} |")
    if open_res:
        L += ["", f"## Openings (strong solve, cap {args.cap:g} s, fresh process each)", "",
              "Ours: wall time of `score()` in the worker; Pons: his µs. `> cap`: killed at the cap; "
              "`skipped`: an easier opening already passed the cap.", "",
              "| position | engine | score | nodes | time |", "|---|---|---|---|---|"]
        for o, per in open_res.items():
            for eng, r in per.items():
                label = o or "(empty)"
                if r.get("capped"):
                    L.append(f"| {label} | {eng} | - | - | > {args.cap:g} s |")
                elif r.get("skipped"):
                    L.append(f"| {label} | {eng} | - | - | skipped |")
                else:
                    L.append(f"| {label} | {eng} | {r['score']} | {r['nodes']:,} | {fmt_time(r['seconds'])} |")
        if args.no_old_openings:
            L.append("\nOld solver not run on the openings (`--no-old-openings`).")
    L += ["", "## Not measured", "",
          "- Weak (win/draw/loss) solving, best-move listing (`solve()`), and the sets not named above "
          "(L3_R1, L2_R1, L1_R1); only the first N evenly spaced positions of each named set.",
          "- Pons with his opening book; Pons or ours with equal table sizes (each runs its default size).",
          "- Repeat runs: one run each, on a shared 2-core machine; see the load figures above.", ""]
    return "\n".join(L)


def main(argv=None) -> int:
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--old", default="/work/datajob", help="tree with the old searchprune")
    p.add_argument("--new", default=str(ROOT), help="tree with the new searchprune")
    p.add_argument("--pons", default="/tmp/pons/c4bench", help="Pons' solver with the bench driver")
    p.add_argument("--pons-src", default="/tmp/pons", help="Pons' source tree (for the table size)")
    p.add_argument("--pons-git-dir", default="/work/.mirror/PascalPons+connect4/repo")
    p.add_argument("--data", default=str(DEFAULT_DATA))
    p.add_argument("--sets", default="L2_R2:200,L1_R2:100,L1_R3:10", help="SET:N,... in run order")
    p.add_argument("--openings", default=",4,44,444", help="comma-separated move strings ('' = empty board)")
    p.add_argument("--no-openings", action="store_true")
    p.add_argument("--no-old-openings", action="store_true")
    p.add_argument("--cap", type=float, default=180.0, help="seconds per opening solve")
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/connect4_vs_pons.md")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    sets = []
    for item in args.sets.split(","):
        name, _, n = item.partition(":")
        sets.append((name, int(n or 100)))

    def log(msg: str) -> None:
        print(f"[{_dt.datetime.now():%H:%M:%S}] {msg}", flush=True)

    started = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    gxx = subprocess.run(["g++", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    meta = {"command": "python bench/connect4_vs_pons.py " + " ".join(sys.argv[1:]) if argv is None else "",
            "machine": machine(), "load_start": "%.2f / %.2f / %.2f" % os.getloadavg(),
            "busy_start": busy_processes(), "pons": pons_meta(Path(args.pons_src), args.pons_git_dir), "gxx": gxx}
    log(f"start: {meta['machine']}, load {meta['load_start']}, pons {meta['pons']}")
    mismatches: list[str] = []
    sets_res, infos = run_sets(args, sets, mismatches, log)
    open_res = {} if args.no_openings else run_openings(args, log)
    meta["load_end"] = "%.2f / %.2f / %.2f" % os.getloadavg()
    meta["busy_end"] = busy_processes()
    finished = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    text = report(args, meta, sets_res, infos, open_res, mismatches, started, finished)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    jpath = args.json or args.out.with_suffix(".json")
    jpath.write_text(json.dumps({"meta": meta, "infos": infos, "sets": sets_res, "openings": open_res,
                                 "mismatches": mismatches}, indent=1), encoding="utf-8")
    print(text)
    if mismatches:
        print(f"\n!!! {len(mismatches)} SCORE MISMATCHES (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
