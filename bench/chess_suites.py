"""Chess test suites (Win At Chess, Bratko-Kopec): positions solved at a fixed time per move, ours vs Stockfish.

    python bench/chess_suites.py [--suite wac|bk|both] [--times 0.1 1.0] [--limit N]
                                 [--off null_move ...] [--switch lmr=off ...] [--no-stockfish] [--out FILE]

Positions come from ``shared/data/chess/wac.epd`` (WAC.001-200) and ``bk.epd`` (BK.01-24).
A position is solved when the move played is one of its ``bm`` moves (compared as moves,
so SAN spelling does not matter).

* ours: one ``Searcher`` (``--tt-mb``, default 16 MiB), ``clear()`` before every position
  (untimed), then ``search(state, Limit(time=t))``. The JIT is warmed first, untimed.
  ``--off NAME`` (or ``--switch NAME=off``) turns a part of the search off for ablations:
  the selective components ``qsearch``, ``check_extension``, ``null_move``, ``lmr``,
  ``futility``, ``mate_distance`` and the ordering parts ``tt``, ``hints``, ``killers``,
  ``history``, ``aspiration``.
* Stockfish (``/usr/games/stockfish``, Threads=1, Hash=16): ``ucinewgame`` (hash cleared)
  before every position, then ``go movetime`` t.

Both run single-threaded and never at the same time. The report gives solved/total per
suite and time for both, our median nodes/s and depth (and Stockfish's), and the ids
of the positions each left unsolved (``--details`` adds a per-position table).

Exit status: 0 on a completed run, 2 if the data or Stockfish is missing or the
arguments are bad.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import shlex
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import chess
import chess.engine
from machine_info import describe, emit

from searchprune.games import get_game
from searchprune.games.chess.game import from_move
from searchprune.paths import shared_data_dir
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit

STOCKFISH = "/usr/games/stockfish"
SUITES = {"wac": ("Win At Chess", "wac.epd"), "bk": ("Bratko-Kopec", "bk.epd")}
#: Searcher switches an ablation may turn off (keyword names of ``Searcher``).
#: Stockfish reports this depth or more (245, its MAX_PLY - 1) once it has proved a mate.
MATE_DEPTH = 200
SWITCHES = ("tt", "hints", "killers", "history", "aspiration", *Searcher.COMPONENTS)


@dataclass
class Problem:
    id: str
    board: chess.Board
    best: list[chess.Move]

    @property
    def best_san(self) -> str:
        return " ".join(self.board.san(m) for m in self.best)


@dataclass
class Answer:
    move: chess.Move | None
    solved: bool
    depth: int | None
    nodes: int | None
    nps: int | None
    seconds: float


@dataclass
class Run:
    suite: str
    seconds: float
    engine: str
    answers: list[Answer] = field(default_factory=list)

    @property
    def solved(self) -> int:
        return sum(a.solved for a in self.answers)

    def median(self, name: str) -> float | None:
        values = [getattr(a, name) for a in self.answers if getattr(a, name) is not None]
        if name == "depth":  # Stockfish reports depth 245 (its limit) after finding a mate: not a real depth
            values = [v for v in values if v < MATE_DEPTH]
        return statistics.median(values) if values else None


def load_suite(path: Path, limit: int | None) -> list[Problem]:
    problems = []
    for text in path.read_text().splitlines():
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        board, ops = chess.Board.from_epd(text)
        best = ops.get("bm") or []
        if not best:
            raise ValueError(f"no bm in {text!r}")
        problems.append(Problem(str(ops.get("id", f"#{len(problems) + 1}")), board, list(best)))
        if limit is not None and len(problems) == limit:
            break
    return problems


def parse_switches(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict[str, bool]:
    switches: dict[str, bool] = {}
    for name in args.off or []:
        switches[name] = False
    for item in args.switch or []:
        name, sep, value = item.partition("=")
        if not sep or name not in SWITCHES or value.lower() not in ("on", "off", "1", "0", "true", "false"):
            parser.error(f"--switch takes NAME=on|off with NAME one of {', '.join(SWITCHES)}; got {item!r}")
        switches[name] = value.lower() in ("on", "1", "true")
    return switches


def run_ours(searcher: Searcher, game, problems: list[Problem], suite: str, seconds: float) -> Run:
    run = Run(suite, seconds, "ours")
    for k, problem in enumerate(problems, 1):
        state = game.parse_position(problem.board.fen())
        searcher.clear()
        gc.disable()
        try:
            start = time.perf_counter()
            result = searcher.search(state, Limit(time=seconds))
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        move = from_move(result.move)
        info = result.info
        run.answers.append(Answer(move, move in problem.best, info.depth, info.nodes, info.nps, elapsed))
        progress(run, k, len(problems))
    return run


def run_stockfish(engine: chess.engine.SimpleEngine, problems: list[Problem], suite: str, seconds: float) -> Run:
    run = Run(suite, seconds, "stockfish")
    for k, problem in enumerate(problems, 1):
        start = time.perf_counter()
        # A new ``game`` object makes python-chess send ucinewgame: Stockfish clears its hash.
        result = engine.play(problem.board, chess.engine.Limit(time=seconds), game=object(),
                             info=chess.engine.INFO_BASIC)
        elapsed = time.perf_counter() - start
        info = result.info
        run.answers.append(Answer(result.move, result.move in problem.best, info.get("depth"), info.get("nodes"),
                                  info.get("nps"), elapsed))
        progress(run, k, len(problems))
    return run


def progress(run: Run, k: int, total: int) -> None:
    if k == total or k % 25 == 0:
        print(f"  {run.suite} {run.seconds:g} s {run.engine}: {k}/{total}, solved {run.solved}", file=sys.stderr,
              flush=True)


def machine() -> str:
    return describe(f"python-chess {chess.__version__}")


def fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "nps":
        return f"{value / 1e6:.2f} M"
    return f"{value:g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", choices=("wac", "bk", "both"), default="both")
    parser.add_argument("--times", type=float, nargs="+", default=[0.1, 1.0], help="seconds per move (default 0.1 1.0)")
    parser.add_argument("--limit", type=int, default=None, help="first N positions of each suite")
    parser.add_argument("--tt-mb", type=float, default=16, help="our transposition table MiB (default 16)")
    parser.add_argument("--off", nargs="+", choices=SWITCHES, metavar="NAME",
                        help=f"turn these parts of our search off: {', '.join(SWITCHES)}")
    parser.add_argument("--switch", nargs="+", metavar="NAME=on|off", help="set parts of our search on or off")
    parser.add_argument("--no-stockfish", action="store_true", help="run ours only (e.g. for ablations)")
    parser.add_argument("--stockfish", default=STOCKFISH, help=f"Stockfish binary (default {STOCKFISH})")
    parser.add_argument("--details", action="store_true", help="add a per-position table to the report")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    switches = parse_switches(args, parser)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if any(t <= 0 for t in args.times):
        parser.error("--times must be positive")

    folder = shared_data_dir() / "chess"
    keys = ["wac", "bk"] if args.suite == "both" else [args.suite]
    try:
        suites = {key: load_suite(folder / SUITES[key][1], args.limit) for key in keys}
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not args.no_stockfish and not shutil.which(args.stockfish):
        print(f"error: no Stockfish at {args.stockfish} (or pass --no-stockfish)", file=sys.stderr)
        return 2

    game = get_game("chess")
    searcher = Searcher(game, tt_mb=args.tt_mb, **switches)
    # Warm the JIT (compile or load every kernel), untimed.
    searcher.search(game.parse_position(suites[keys[0]][0].board.fen()), Limit(depth=4))
    searcher.search(game.parse_position("startpos"), Limit(depth=5))
    searcher.clear()

    runs: list[Run] = []
    for key in keys:
        for seconds in args.times:
            runs.append(run_ours(searcher, game, suites[key], key, seconds))
    sf_name = "-"
    if not args.no_stockfish:
        engine = chess.engine.SimpleEngine.popen_uci(args.stockfish)
        try:
            engine.configure({"Threads": 1, "Hash": 16})
            sf_name = engine.id.get("name", "Stockfish")
            engine.play(chess.Board(), chess.engine.Limit(time=0.1))  # warm-up (loads the network)
            for key in keys:
                for seconds in args.times:
                    runs.append(run_stockfish(engine, suites[key], key, seconds))
        finally:
            engine.quit()

    def find(key: str, seconds: float, who: str) -> Run | None:
        return next((r for r in runs if (r.suite, r.seconds, r.engine) == (key, seconds, who)), None)

    command = "python " + " ".join(shlex.quote(a) for a in ["bench/chess_suites.py", *(sys.argv[1:] if argv is None
                                                                                         else argv)])
    off = ", ".join(f"{name}={'on' if on else 'off'}" for name, on in switches.items()) or "none (defaults)"
    lines = [
        "## Chess test suites: solved at a fixed time per move",
        "",
        f"- command: `{command}`",
        f"- date: {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {machine()}",
        (f"- ours: `Searcher` negascout, {args.tt_mb:g} MiB table cleared before each position; switches changed: "
        f"{off}; `Limit(time=t)` (the search starts no iteration after half of t)"),
        "- Stockfish: not run" if args.no_stockfish else
        f"- Stockfish: {sf_name}, Threads=1, Hash=16, ucinewgame before each position, `go movetime`",
        ("- solved: the move played is one of the position's `bm` moves; nodes/s and depth are medians over the "
        "positions (ours: of the last completed iteration; Stockfish's depth 245 after a proven mate is left out)"),
        "",
        ("| suite | s/move | positions | ours solved | Stockfish solved | ours nodes/s | ours depth "
        "| SF nodes/s | SF depth |"),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key in keys:
        for seconds in args.times:
            ours, sf = find(key, seconds, "ours"), find(key, seconds, "stockfish")
            total = len(suites[key])
            sf_cells = (f"{sf.solved}/{total} | {fmt(sf.median('nps'), 'nps')} | {fmt(sf.median('depth'), 'd')}"
                        if sf else "- | - | -")
            sf_solved, sf_rest = sf_cells.split(" | ", 1)
            lines.append(f"| {SUITES[key][0]} | {seconds:g} | {total} | {ours.solved}/{total} | {sf_solved} "
                         f"| {fmt(ours.median('nps'), 'nps')} | {fmt(ours.median('depth'), 'd')} | {sf_rest} |")
    lines += ["", "### Unsolved", ""]
    for key in keys:
        for seconds in args.times:
            for who in ("ours", "stockfish"):
                run = find(key, seconds, who)
                if run is None:
                    continue
                missed = [p.id for p, a in zip(suites[key], run.answers) if not a.solved]
                lines.append(f"- {SUITES[key][0]}, {seconds:g} s, {who} ({len(missed)}): "
                             f"{', '.join(missed) if missed else 'none'}")
    if args.details:
        for key in keys:
            for seconds in args.times:
                ours, sf = find(key, seconds, "ours"), find(key, seconds, "stockfish")
                lines += ["", f"### {SUITES[key][0]}, {seconds:g} s per move", "",
                          "| id | bm | ours | ok | depth | nodes | s | Stockfish | ok | depth |",
                          "|---|---|---|---|---|---|---|---|---|---|"]
                for i, problem in enumerate(suites[key]):
                    a = ours.answers[i]
                    row = (f"| {problem.id} | {problem.best_san} | {problem.board.san(a.move)} | "
                           f"{'yes' if a.solved else 'no'} | {a.depth} | {a.nodes:,} | {a.seconds:.2f} |")
                    if sf:
                        b = sf.answers[i]
                        row += (f" {problem.board.san(b.move) if b.move else '-'} | {'yes' if b.solved else 'no'} "
                                f"| {b.depth if b.depth is not None and b.depth < MATE_DEPTH else 'mate'} |")
                    else:
                        row += " - | - | - |"
                    lines.append(row)
    lines.append("")
    report = "\n".join(lines)
    emit(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
