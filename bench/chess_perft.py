"""Benchmark chess perft (leaf counting) against python-chess and Stockfish.

    python bench/chess_perft.py [--positions N] [--max-leaves N] [--pc-max-leaves N] [--repeats N] [--out FILE]

Positions are the first N lines of ``shared/data/chess/perft.epd`` (default 7: the named
positions of the chessprogramming wiki "Perft Results" page). For each one:

* ours: ``Searcher.perft`` (legal moves, bulk-counted at the last ply) at the deepest
  depth the EPD lists whose count is at most ``--max-leaves``; the JIT is warmed first,
  untimed, then the median of ``--repeats`` timed runs (``time.perf_counter``, Python's
  garbage collector paused);
* python-chess: the fairest pure-python perft, bulk-counted (depth 1 returns
  ``board.legal_moves.count()``, deeper levels push/pop), one timed run at the deepest
  depth whose count is at most ``--pc-max-leaves`` (a few seconds at ~1 M leaves/s);
* Stockfish (``/usr/games/stockfish``, one thread): ``go perft D`` at our depth, timed
  from sending the command to reading ``Nodes searched``, the median of ``--repeats``
  runs after one untimed warm-up run per position.

Every count is checked against the EPD. The table gives leaves, seconds and leaves/s
of each, and the ratios of leaves/s ours / python-chess and ours / Stockfish (the
python-chess ratio compares rates measured at its own, possibly smaller, depth).
Run it on a quiet machine: everything is single-threaded and one engine runs at a time.

Exit status: 0 if every count is right, 1 if any is wrong, 2 if the data or Stockfish
is missing or the arguments are bad.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import chess
from machine_info import describe

from searchprune.games import get_game
from searchprune.paths import shared_data_dir
from searchprune.search.driver import Searcher

STOCKFISH = "/usr/games/stockfish"
#: Names of the first seven lines of perft.epd (see the data folder's README).
NAMES = ("initial", "Kiwipete", "position 3", "position 4", "position 4 mirrored", "position 5", "position 6")


@dataclass
class Position:
    line: int
    name: str
    fen: str
    counts: dict[int, int]  # depth -> leaf count from the EPD


@dataclass
class Row:
    position: Position
    depth: int = 0
    ours_leaves: int = 0
    ours_s: float = 0.0
    pc_depth: int = 0
    pc_leaves: int = 0
    pc_s: float = 0.0
    sf_leaves: int = 0
    sf_s: float = 0.0
    wrong: list[str] = field(default_factory=list)

    @property
    def ours_rate(self) -> float:
        return self.ours_leaves / max(self.ours_s, 1e-9)

    @property
    def pc_rate(self) -> float:
        return self.pc_leaves / max(self.pc_s, 1e-9)

    @property
    def sf_rate(self) -> float:
        return self.sf_leaves / max(self.sf_s, 1e-9)


def load_positions(path: Path, count: int) -> list[Position]:
    positions = []
    for number, text in enumerate(path.read_text().splitlines(), 1):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        fen, *fields = [part.strip() for part in text.split(";")]
        counts = {}
        for item in fields:
            if item.startswith("D"):
                depth, value = item[1:].split()
                counts[int(depth)] = int(value)
        name = NAMES[len(positions)] if len(positions) < len(NAMES) else f"perft.epd line {number}"
        positions.append(Position(number, name, fen, counts))
        if len(positions) == count:
            break
    return positions


def deepest(counts: dict[int, int], max_leaves: int) -> int:
    """The deepest listed depth whose count is at most ``max_leaves`` (at least depth 1)."""
    fitting = [depth for depth, n in counts.items() if n <= max_leaves]
    return max(fitting) if fitting else min(counts)


def pc_perft(board: chess.Board, depth: int) -> int:
    """python-chess perft, bulk-counted at the last ply."""
    if depth == 1:
        return board.legal_moves.count()
    if depth == 0:
        return 1
    total = 0
    for move in board.legal_moves:
        board.push(move)
        total += pc_perft(board, depth - 1)
        board.pop()
    return total


class StockfishPerft:
    """A Stockfish process driven over a pipe for ``go perft``."""

    def __init__(self, command: str) -> None:
        self.id_name = "Stockfish"
        self.proc = subprocess.Popen([command], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.send("uci")
        self.wait_for("uciok")
        self.send("setoption name Threads value 1")
        self.send("setoption name Hash value 16")
        self.sync()

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, prefix: str) -> str:
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("Stockfish closed its output")
            if line.startswith("id name "):
                self.id_name = line[len("id name "):].strip()
            if line.startswith(prefix):
                return line.strip()

    def sync(self) -> None:
        self.send("isready")
        self.wait_for("readyok")

    def perft(self, fen: str, depth: int) -> tuple[int, float]:
        """(leaves, seconds) of ``go perft depth`` from ``fen``."""
        self.send(f"position fen {fen}")
        self.sync()
        start = time.perf_counter()
        self.send(f"go perft {depth}")
        line = self.wait_for("Nodes searched")
        elapsed = time.perf_counter() - start
        return int(line.split(":")[1]), elapsed

    def close(self) -> None:
        try:
            self.send("quit")
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001
            self.proc.kill()


def machine() -> str:
    return describe(f"python-chess {chess.__version__}")


def rate(value: float) -> str:
    return f"{value / 1e6:.2f} M"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--positions", type=int, default=7, help="first N lines of perft.epd (default 7)")
    parser.add_argument("--max-leaves", type=int, default=5_000_000,
                        help="ours and Stockfish: deepest depth with at most this many leaves (default 5e6)")
    parser.add_argument("--pc-max-leaves", type=int, default=5_000_000,
                        help="python-chess: deepest depth with at most this many leaves (default 5e6, "
                             "a few seconds each)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of ours and Stockfish (median)")
    parser.add_argument("--stockfish", default=STOCKFISH, help=f"Stockfish binary (default {STOCKFISH})")
    parser.add_argument("--no-python-chess", action="store_true", help="skip python-chess")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if args.positions < 1 or args.repeats < 1 or args.max_leaves < 1 or args.pc_max_leaves < 1:
        parser.error("--positions, --repeats and the leaf caps must be at least 1")

    path = shared_data_dir() / "chess" / "perft.epd"
    if not path.is_file():
        print(f"error: no perft data at {path} (set SEARCHPRUNE_SHARED)", file=sys.stderr)
        return 2
    if not shutil.which(args.stockfish):
        print(f"error: no Stockfish at {args.stockfish}", file=sys.stderr)
        return 2
    positions = load_positions(path, args.positions)

    game = get_game("chess")
    searcher = Searcher(game, tt_mb=1)
    searcher.perft(game.parse_position("startpos"), 4)  # warm the JIT, untimed

    rows: list[Row] = []
    for position in positions:
        row = Row(position)
        rows.append(row)
        state = game.parse_position(position.fen)
        row.depth = deepest(position.counts, args.max_leaves)
        times = []
        gc.disable()
        try:
            for _ in range(args.repeats):
                start = time.perf_counter()
                row.ours_leaves = searcher.perft(state, row.depth)
                times.append(time.perf_counter() - start)
        finally:
            gc.enable()
        row.ours_s = statistics.median(times)
        expected = position.counts[row.depth]
        if row.ours_leaves != expected:
            row.wrong.append(f"ours D{row.depth} {row.ours_leaves} != {expected}")
        if not args.no_python_chess:
            row.pc_depth = deepest(position.counts, args.pc_max_leaves)
            board = chess.Board(position.fen)
            gc.disable()
            try:
                start = time.perf_counter()
                row.pc_leaves = pc_perft(board, row.pc_depth)
                row.pc_s = time.perf_counter() - start
            finally:
                gc.enable()
            if row.pc_leaves != position.counts[row.pc_depth]:
                row.wrong.append(f"python-chess D{row.pc_depth} {row.pc_leaves} != {position.counts[row.pc_depth]}")
        print(f"  {position.name}: ours D{row.depth} {row.ours_leaves:,} in {row.ours_s:.4f} s; "
              f"python-chess D{row.pc_depth} {row.pc_leaves:,} in {row.pc_s:.2f} s", file=sys.stderr, flush=True)

    # Stockfish last, so that its process never runs beside our timings.
    stockfish = StockfishPerft(args.stockfish)
    sf_name = stockfish.id_name
    try:
        stockfish.perft(chess.STARTING_FEN, 4)  # warm-up (loads the network, touches the code)
        for row in rows:
            stockfish.perft(row.position.fen, max(1, row.depth - 1))  # untimed warm-up
            times = []
            for _ in range(args.repeats):
                row.sf_leaves, elapsed = stockfish.perft(row.position.fen, row.depth)
                times.append(elapsed)
            row.sf_s = statistics.median(times)
            if row.sf_leaves != row.position.counts[row.depth]:
                row.wrong.append(f"Stockfish D{row.depth} {row.sf_leaves} != {row.position.counts[row.depth]}")
    finally:
        stockfish.close()

    command = "python " + " ".join(shlex.quote(a) for a in ["bench/chess_perft.py", *(sys.argv[1:] if argv is None
                                                                                        else argv)])
    lines = [
        "## Chess perft: leaves per second",
        "",
        f"- command: `{command}`",
        f"- date: {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {machine()}",
        (f"- ours: `Searcher.perft` (bulk-counted legal perft), median of {args.repeats} runs after JIT warm-up; "
        f"depth: deepest with at most {args.max_leaves:,} leaves"),
        (f"- python-chess: bulk-counted push/pop perft (`legal_moves.count()` at depth 1), one run; depth: deepest "
        f"with at most {args.pc_max_leaves:,} leaves"),
        (f"- Stockfish: {sf_name}, `go perft D` at our depth over a pipe (time from the command to `Nodes searched`), "
        f"Threads=1, median of {args.repeats} runs after a warm-up"),
        "- leaves/s in millions; ratios are of leaves/s (ours / other; above 1: ours is faster)",
        "",
        ("| position | D | leaves | ok | ours s | ours leaves/s | pc D | pc leaves | pc s | pc leaves/s "
        "| SF s | SF leaves/s | ours/pc | ours/SF |"),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    pc_ratios, sf_ratios = [], []
    for row in rows:
        ok = "yes" if not row.wrong else "NO"
        if args.no_python_chess:
            pc_cells = "- | - | - | - "
            pc_ratio = "-"
        else:
            pc_ratios.append(row.ours_rate / row.pc_rate)
            pc_cells = f"{row.pc_depth} | {row.pc_leaves:,} | {row.pc_s:.3f} | {rate(row.pc_rate)} "
            pc_ratio = f"{pc_ratios[-1]:.0f}"
        sf_ratios.append(row.ours_rate / row.sf_rate)
        lines.append(f"| {row.position.name} | {row.depth} | {row.ours_leaves:,} | {ok} | {row.ours_s:.4f} "
                     f"| {rate(row.ours_rate)} | {pc_cells}| {row.sf_s:.4f} | {rate(row.sf_rate)} "
                     f"| {pc_ratio} | {sf_ratios[-1]:.2f} |")
    pc_median = f"{statistics.median(pc_ratios):.0f}" if pc_ratios else "-"
    lines += [
        (f"| **median** | | | {sum(not r.wrong for r in rows)}/{len(rows)} right | | | | | | | | "
        f"| **{pc_median}** | **{statistics.median(sf_ratios):.2f}** |"),
        "",
        (f"Median leaves/s ratio: ours / python-chess = {pc_median}, ours / Stockfish = "
        f"{statistics.median(sf_ratios):.2f}."),
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
    wrong = [f"{row.position.name}: {w}" for row in rows for w in row.wrong]
    if wrong:
        print(f"error: {len(wrong)} wrong count(s):", file=sys.stderr)
        for w in wrong:
            print("  " + w, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
