"""Ctrl-C and start-up latency of the commands, measured on real subprocesses.

Three tables:

1. Ctrl-C to exit: each command is started, left to work (a search, a solve, a game
   whose engine thinks, a UCI ``go infinite``), sent SIGINT, and timed until it exits;
   the exit code and the line it must print are checked. Target: under 0.5 s.
2. ``go movetime 100`` after ``readyok``: seconds from sending the ``go`` to its
   ``bestmove``. Target: within 150 ms.
3. A cold UCI start (fresh ``NUMBA_CACHE_DIR`` and ``SEARCHPRUNE_CACHE_DIR``): seconds from
   launching ``searchprune uci`` to ``uciok``, to ``readyok``, to the first ``bestmove`` of
   ``go movetime 100``, and to the first ``go movetime 100`` answered by the compiled
   search (an ``info depth`` line) rather than by the quick move a still-compiling
   engine answers with.

The kernels are compiled (or loaded) first with ``searchprune warmup``, so that tables 1
and 2 measure searches, not compiles.

    python bench/interrupt.py [--runs 5] [--cold-runs 1] [--out bench/results/interrupt.md]
    python bench/interrupt.py --cold-only --cold-runs 3    # table 3 alone, printed
"""

from __future__ import annotations

import argparse
import os
import pty
import queue
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CLI = [sys.executable, "-m", "searchprune.cli"]
TARGET_EXIT_S = 0.5
TARGET_GO_S = 0.150


class Proc:
    """A subprocess whose stdout lines a thread queues with their arrival time."""

    def __init__(self, args: list[str], env: dict | None = None, cwd: str | None = None,
                 terminal: bool = False, merge: bool = False) -> None:
        """``terminal``: stderr is a pty (progress lines show), read by ``until_stderr``;
        ``merge``: stderr joins stdout's lines."""
        self.started = time.perf_counter()
        self.controller, pty_end = pty.openpty() if terminal else (None, subprocess.STDOUT if merge else subprocess.DEVNULL)
        # SIGINT back to its default in the child: a shell starts a background job (this
        # benchmark run with `nohup ... &`) with SIGINT ignored, which children inherit,
        # and Python then installs no KeyboardInterrupt handler at all.
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=pty_end,
                                     text=True, bufsize=1, env=env, cwd=cwd,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        if terminal:
            os.close(pty_end)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def until_stderr(self, pattern: bytes, timeout: float = 300) -> None:
        """Wait until the terminal on stderr has shown ``pattern``."""
        seen = b""
        deadline = time.monotonic() + timeout
        while pattern not in seen:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"no {pattern!r} on stderr")
            if select.select([self.controller], [], [], 0.2)[0]:
                try:
                    seen += os.read(self.controller, 4096)
                except OSError:  # the terminal closed: the process has exited
                    raise RuntimeError(f"exited before {pattern!r} on stderr: {seen[-400:]!r}") from None

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put((time.perf_counter(), line.rstrip("\n")))
        self.lines.put((time.perf_counter(), None))

    def send(self, text: str) -> float:
        self.proc.stdin.write(text)
        self.proc.stdin.flush()
        return time.perf_counter()

    def until(self, pattern: str, timeout: float = 300) -> tuple[float, str]:
        deadline = time.monotonic() + timeout
        while True:
            at, line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line is None:
                raise RuntimeError(f"exited before {pattern!r}")
            if pattern in line:
                return at, line

    def interrupt(self) -> tuple[float, int, list[str]]:
        """SIGINT; (seconds to exit, exit code, the lines printed after it: stdout, then
        the terminal's stderr)."""
        start = time.perf_counter()
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        elapsed = time.perf_counter() - start
        rest = []
        while True:
            _, line = self.lines.get(timeout=10)
            if line is None:
                break
            rest.append(line)
        if self.controller is not None:
            tail = b""
            while select.select([self.controller], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.controller, 4096)
                except OSError:  # the terminal closed with the process
                    break
                if not chunk:
                    break
                tail += chunk
            rest += tail.decode(errors="replace").replace("\r", "\n").splitlines()
        return elapsed, code, rest


# Each case: (name, command, stdin, what to wait for before SIGINT, extra wait, a line it must print).
# A str waits for that line on stdout; None for the solve's first progress line on stderr, a
# terminal; a number waits that many seconds (the command is then at work), with stderr
# joined to stdout. ``{folder}`` is the run's temporary folder, ``{run}`` the run's number.
CASES = [
    ("analyse chess --time 120", ["analyse", "chess", "--time", "120"], None, "depth   4", 0.0,
     "interrupted after depth"),
    ("solve othello f5d6c3 (57 empties)", ["solve", "othello", "f5d6c3"], None, None, 0.5, "stopped (interrupted)"),
    ("solve connect4 --no-book 4", ["solve", "connect4", "--no-book", "4"], None, None, 0.5, "stopped (interrupted)"),
    ("play chess, engine thinking (--time 60)", ["play", "chess", "--time", "60", "--no-color"], "e4\n",
     "Black to move", 1.0, "Resume with"),
    ("play chess, at the prompt", ["play", "chess", "--depth", "1", "--no-color"], "d4\n", "Engine plays", 0.5,
     "Resume with"),
    ("uci, go infinite", ["uci"], "isready\nposition startpos\ngo infinite\n", "info depth 4", 0.0, "bestmove"),
    ("tournament, 2 workers", ["tournament", "c4-negascout-100ms", "c4-negascout-d8", "--rounds", "200",
                               "--concurrency", "2", "--out", "{folder}/t-{run}"], None, 10.0, 0.0,
     "finished games are saved"),
    ("nets data connect4", ["nets", "data", "connect4", "--out", "{folder}/d-{run}", "--games", "400",
                            "--concurrency", "1"], None, 10.0, 0.0, "finished shards are kept"),
    ("train connect4", ["train", "connect4", "--data", "{folder}/train-data", "--out", "{folder}/r-{run}", "--epochs", "200",
                        "--hidden", "64", "--patience", "200", "--batch-size", "16", "--export-to", "{folder}/nets"], None, 8.0, 0.0,
     "last finished epoch is saved"),
]


def ctrl_c_rows(runs: int, folder: str) -> list[str]:
    # what the train case trains on: a small data set, made whole first
    subprocess.run(CLI + ["nets", "data", "connect4", "--out", f"{folder}/train-data", "--games", "40",
                          "--concurrency", "2"], check=True, capture_output=True, cwd=folder)
    rows = []
    for name, args, stdin, wait_for, extra, expected in CASES:
        times, codes, printed = [], set(), True
        for run in range(runs):
            words = [word.replace("{folder}", folder).replace("{run}", str(run)) for word in args]
            waits = isinstance(wait_for, float)
            proc = Proc(CLI + words + (["--pgn", f"{folder}/game.pgn"] if args[0] == "play" else []), cwd=folder,
                        terminal=wait_for is None, merge=waits)
            if stdin:
                proc.send(stdin)
            if isinstance(wait_for, str):
                proc.until(wait_for)
            elif waits:
                time.sleep(wait_for)
            else:
                proc.until_stderr(b"M nodes/s")
            time.sleep(extra)
            elapsed, code, rest = proc.interrupt()
            times.append(elapsed)
            codes.add(code)
            printed &= any(expected in line for line in rest)
        rows.append(f"| {name} | {runs} | {statistics.median(times):.3f} | {max(times):.3f} | "
                    f"{', '.join(map(str, sorted(codes)))} | {'yes' if printed else 'NO'} |")
    return rows


def go_latency(repeats: int) -> list[float]:
    proc = Proc(CLI + ["uci"])
    proc.send("isready\n")
    proc.until("readyok")
    proc.send("position startpos moves e2e4 e7e5\n")
    latencies = []
    for _ in range(repeats):
        sent = proc.send("go movetime 100\n")
        at, _ = proc.until("bestmove")
        latencies.append(at - sent)
    proc.send("quit\n")
    proc.proc.wait(timeout=30)
    return latencies


def cold_start() -> dict[str, float]:
    """Seconds from launch to each milestone of a cold UCI start."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=f"{tmp}/numba", SEARCHPRUNE_CACHE_DIR=f"{tmp}/sp")
        proc = Proc(CLI + ["uci"], env=env)
        t0 = proc.started
        proc.send("uci\n")
        uciok, _ = proc.until("uciok")
        proc.send("ucinewgame\nisready\n")
        readyok, _ = proc.until("readyok")
        proc.send("position startpos\ngo movetime 100\n")
        first, _ = proc.until("bestmove")
        searched = None
        while searched is None:
            proc.send("go movetime 100\n")
            saw_depth = False
            while True:
                at, line = proc.until("")
                saw_depth |= line.startswith("info depth")
                if line.startswith("bestmove"):
                    break
            if saw_depth:
                searched = at
            else:
                time.sleep(0.2)
        proc.send("quit\n")
        proc.proc.wait(timeout=60)
        return {"uciok": uciok - t0, "readyok": readyok - t0, "first bestmove": first - t0,
                "first searched bestmove": searched - t0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--go-repeats", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--cold-only", action="store_true", help="measure and print table 3 only")
    args = parser.parse_args()
    if args.cold_only:
        for index in range(1, args.cold_runs + 1):
            print(f"| {index} | " + " | ".join(f"{value:.2f}" for value in cold_start().values()) + " |", flush=True)
        return
    subprocess.run(CLI + ["warmup", "chess", "othello", "connect4"], check=True, capture_output=True)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        rows = ctrl_c_rows(args.runs, folder)
    latencies = go_latency(args.go_repeats)
    colds = [cold_start() for _ in range(args.cold_runs)]
    load_after = os.getloadavg()
    lines = ["## Ctrl-C to exit", "",
             "| command | runs | median s | max s | exit codes | printed its best so far / resume line |",
             "|---|---|---|---|---|---|", *rows, "", f"Target: under {TARGET_EXIT_S} s.", "",
             "## `go movetime 100` after `readyok`", "",
             "| repeats | median ms | max ms | over 150 ms |", "|---|---|---|---|",
             (f"| {len(latencies)} | {statistics.median(latencies) * 1000:.0f} | {max(latencies) * 1000:.0f} | "
              f"{sum(latency > TARGET_GO_S for latency in latencies)} |"), "",
             "## Cold UCI start (fresh caches), seconds from launch", "",
             "| run | uciok | readyok | first bestmove | first searched bestmove |", "|---|---|---|---|---|"]
    for index, cold in enumerate(colds, 1):
        lines.append(f"| {index} | " + " | ".join(f"{value:.2f}" for value in cold.values()) + " |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        header = (f"# Interruption and start-up latency\n\nCommand: `python bench/interrupt.py --runs {args.runs} "
                  f"--go-repeats {args.go_repeats} --cold-runs {args.cold_runs} --out {args.out}` "
                  f"({time.strftime('%Y-%m-%d')}; {os.cpu_count()} CPUs; load average "
                  f"{load_before[0]:.1f} before, {load_after[0]:.1f} after).\n\n")
        args.out.write_text(header + table + "\n")


if __name__ == "__main__":
    main()
