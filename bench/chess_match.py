"""Match our chess engine against Stockfish limited in strength (UCI_LimitStrength / UCI_Elo).

    python bench/chess_match.py [--elo 1350 1800] [--games 20] [--tc 10+0.1 | --movetime 0.1]
                                [--max-plies 300] [--pgn-dir DIR] [--out FILE]

For each ``--elo`` level, ``--games`` games against Stockfish 15.1 (``/usr/games/stockfish``,
Threads=1, Hash=16, UCI_LimitStrength=true, UCI_Elo=E, ucinewgame before each game). Games
go in pairs with colours swapped: pair k (games 2k and 2k+1; ours White first) starts from
line k of ``games/chess/openings.txt`` (``startpos moves ...`` or a FEN; ``#`` starts a
comment), wrapping around when the games outnumber the openings.

Our side is a ``Searcher`` (``--tt-mb``, cleared before each game; ``--off`` / ``--switch``
change its parts as in ``bench/chess_suites.py``), driven directly: a python-chess board
tracks the game and the state advances with ``game.play``. Time control:

* ``--tc B+I`` (default ``10+0.1``): B seconds each plus I seconds a move. Both clocks are
  kept here from the wall time each side takes for its move (our search and move
  conversion; Stockfish's whole ``go`` round trip); a side whose clock goes below zero
  loses on time. Our budget per move is the UCI front end's ``time_budget_ms`` (a 30th of
  the clock plus 3/4 of the increment, at most 40 % of the clock, less 50 ms);
  Stockfish is sent ``wtime/btime/winc/binc`` and manages its own.
* ``--movetime S``: S seconds a move for both; a move taking over 2 S + 1 s (the
  arena's rule) loses on time.

A flag against a side whose opponent has insufficient material to mate is a draw.

A game ends by python-chess ``board.outcome(claim_draw=True)`` (mate, stalemate,
insufficient material, threefold repetition or 50 moves, claimed at once), or is
adjudicated a draw after ``--max-plies`` plies played from the opening (default 300).

Per level: W/D/L of our engine, its score, the Elo difference with its 95 % error bars
(``searchprune.arena.stats.elo_wdl``, game-by-game trinomial model) and the implied Elo of
our engine, Stockfish's nominal UCI_Elo plus the difference. (UCI_Elo is Stockfish's own
calibration, made at other time controls; treat the implied figure as a rough anchor.)
Everything is single-threaded and only one engine thinks at a time (no pondering).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import math
import platform
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
import chess.pgn
from machine_info import describe, emit

from searchprune.arena.stats import elo_wdl
from searchprune.engines.timing import TIME_FACTOR, TIME_MARGIN
from searchprune.engines.uci import time_budget_ms
from searchprune.games import get_game
from searchprune.games.chess.game import from_move, to_move
from searchprune.paths import repo_root
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit
from searchprune.types import MATE, MATE_BOUND, ONGOING

STOCKFISH = "/usr/games/stockfish"
#: UCI_Elo range of Debian's Stockfish 15.1.
ELO_RANGE = (1350, 2850)
SWITCHES = ("tt", "hints", "killers", "history", "aspiration", *Searcher.COMPONENTS)
OURS = "searchprune"


@dataclass
class TimeControl:
    base: float | None = None  # seconds on each clock
    increment: float = 0.0
    movetime: float | None = None  # fixed seconds a move

    @property
    def text(self) -> str:
        """For the report title."""
        if self.movetime is not None:
            return f"{self.movetime:g} s/move"
        return f"{self.base:g}+{self.increment:g}"

    @property
    def pgn(self) -> str:
        return f"1/{self.movetime:g}" if self.movetime is not None else f"{self.base:g}+{self.increment:g}"


@dataclass
class GameRecord:
    number: int
    opening: str
    ours_white: bool
    result: str = "*"  # PGN result, White's view
    points: float = 0.0  # ours
    termination: str = ""
    plies: int = 0
    flag: str | None = None  # "ours" or "stockfish" when a side lost on time
    depths: list[int] = field(default_factory=list)
    nps: list[int] = field(default_factory=list)
    pgn: str = ""


def parse_tc(text: str) -> TimeControl:
    base, _, inc = text.partition("+")
    try:
        tc = TimeControl(base=float(base), increment=float(inc or 0))
    except ValueError:
        raise argparse.ArgumentTypeError(f"time control is BASE+INC in seconds, e.g. 10+0.1; got {text!r}") from None
    if tc.base <= 0 or tc.increment < 0:
        raise argparse.ArgumentTypeError(f"time control needs BASE > 0 and INC >= 0; got {text!r}")
    return tc


def load_openings(path: Path) -> list[str]:
    openings = []
    for text in path.read_text().splitlines():
        text = text.split("#", 1)[0].strip()
        if text:
            openings.append(text)
    if not openings:
        raise ValueError(f"no openings in {path}")
    return openings


def score_text(score: int) -> str:
    if abs(score) >= MATE_BOUND:
        plies = MATE - abs(score)
        return f"{'+' if score > 0 else '-'}M{(plies + 1) // 2}"
    return f"{score / 100:+.2f}"


class Match:
    def __init__(self, args: argparse.Namespace, game, searcher: Searcher, openings: list[str]) -> None:
        self.args = args
        self.game = game
        self.searcher = searcher
        self.openings = openings
        self.tc: TimeControl = args.time_control

    def our_move(self, board: chess.Board, state, clock: float | None) -> tuple[chess.Move, int, float, dict]:
        """(move, move int, seconds taken, info) of our engine in ``board`` / ``state``."""
        start = time.perf_counter()
        if self.tc.movetime is not None:
            budget = self.tc.movetime
        else:
            budget = time_budget_ms(int(clock * 1000), int(self.tc.increment * 1000), None) / 1000
        work = state
        if self.game.status(state) != ONGOING:
            # Drawn by our rules though python-chess does not end the game (it is not
            # claimed): search the position without its history, as the UCI front end does.
            fresh = board.copy(stack=False)
            fresh.halfmove_clock = 0
            work = self.game.parse_position(fresh.fen())
        result = self.searcher.search(work, Limit(time=max(budget, 0.001)))
        move = from_move(result.move)
        elapsed = time.perf_counter() - start
        info = result.info
        return move, result.move, elapsed, {"depth": info.depth, "nps": info.nps, "score": result.score}

    def play(self, engine: chess.engine.SimpleEngine, elo: int, number: int) -> GameRecord:
        pair = number // 2
        opening = self.openings[pair % len(self.openings)]
        record = GameRecord(number + 1, opening, ours_white=number % 2 == 0)
        board = self.game.parse_board(opening)
        state = self.game.parse_position(opening)
        opening_plies = len(board.move_stack)
        ours_color = chess.WHITE if record.ours_white else chess.BLACK
        self.searcher.clear()
        game_id = object()  # a new one makes python-chess send ucinewgame
        clocks = {chess.WHITE: self.tc.base, chess.BLACK: self.tc.base}
        comments: dict[int, str] = {}
        while True:
            outcome = board.outcome(claim_draw=True)
            if outcome is not None:
                record.result = outcome.result()
                record.termination = outcome.termination.name.lower().replace("_", " ")
                break
            if len(board.move_stack) - opening_plies >= self.args.max_plies:
                record.result, record.termination = "1/2-1/2", "adjudication: move limit"
                break
            side = board.turn
            if side == ours_color:
                move, move_int, elapsed, info = self.our_move(board, state, clocks[side])
                record.depths.append(info["depth"])
                record.nps.append(info["nps"])
                comments[len(board.move_stack)] = f"{score_text(info['score'])}/{info['depth']} {elapsed:.2f}s"
                who = "ours"
            else:
                limit = (chess.engine.Limit(time=self.tc.movetime) if self.tc.movetime is not None else
                         chess.engine.Limit(white_clock=clocks[chess.WHITE], black_clock=clocks[chess.BLACK],
                                            white_inc=self.tc.increment, black_inc=self.tc.increment))
                start = time.perf_counter()
                played = engine.play(board, limit, game=game_id)
                elapsed = time.perf_counter() - start
                move = played.move
                who = "stockfish"
                if move is None or move not in board.legal_moves:
                    record.result = "1-0" if side == chess.BLACK else "0-1"
                    record.termination = f"Stockfish returned no legal move ({move})"
                    break
                move_int = to_move(board, move)
            if self.tc.movetime is None:
                clocks[side] -= elapsed
                lost = clocks[side] < 0
            else:
                lost = elapsed > TIME_FACTOR * self.tc.movetime + TIME_MARGIN
            if lost:
                record.flag = who
                name = OURS if who == "ours" else "Stockfish"
                if board.has_insufficient_material(not side):  # the opponent cannot mate: a draw
                    record.result = "1/2-1/2"
                    record.termination = f"{name} flagged, opponent has insufficient material"
                else:
                    record.result = "1-0" if side == chess.BLACK else "0-1"
                    record.termination = f"{name} lost on time ({elapsed:.2f} s for the move)"
                break
            if self.tc.movetime is None:
                clocks[side] += self.tc.increment
            self.game.play(state, move_int)
            board.push(move)
        record.plies = len(board.move_stack) - opening_plies
        white_points = {"1-0": 1.0, "0-1": 0.0, "1/2-1/2": 0.5}[record.result]
        record.points = white_points if record.ours_white else 1.0 - white_points
        record.pgn = self.pgn(board, record, elo, comments)
        return record

    def pgn(self, board: chess.Board, record: GameRecord, elo: int, comments: dict[int, str]) -> str:
        pgn = chess.pgn.Game.from_board(board)
        sf_name = f"Stockfish 15.1 (UCI_Elo {elo})"
        pgn.headers["Event"] = f"{OURS} vs Stockfish UCI_Elo {elo}"
        pgn.headers["Site"] = platform.node() or "?"
        pgn.headers["Date"] = _dt.date.today().strftime("%Y.%m.%d")
        pgn.headers["Round"] = str(record.number)
        pgn.headers["White"] = OURS if record.ours_white else sf_name
        pgn.headers["Black"] = sf_name if record.ours_white else OURS
        pgn.headers["Result"] = record.result
        pgn.headers["TimeControl"] = self.tc.pgn
        pgn.headers["Termination"] = record.termination
        pgn.headers["Opening"] = record.opening
        for index, node in enumerate(pgn.mainline()):
            if index in comments:
                node.comment = comments[index]
        return str(pgn) + "\n\n"


def machine() -> str:
    return describe(f"python-chess {chess.__version__}")


def fmt_elo(value: float, signed: bool = True) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return f"{value:+.0f}" if signed else f"{value:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--elo", type=int, nargs="+", default=[1350, 1800], help="Stockfish UCI_Elo levels")
    parser.add_argument("--games", type=int, default=20, help="games per level (pairs with colours swapped)")
    timing = parser.add_mutually_exclusive_group()
    timing.add_argument("--tc", type=parse_tc, default=None, help="BASE+INC seconds per side (default 10+0.1)")
    timing.add_argument("--movetime", type=float, default=None, help="fixed seconds per move for both sides")
    parser.add_argument("--max-plies", type=int, default=300, help="adjudicate a draw after this many plies")
    parser.add_argument("--openings", type=Path, default=repo_root() / "games" / "chess" / "openings.txt")
    parser.add_argument("--tt-mb", type=float, default=16, help="our transposition table MiB (default 16)")
    parser.add_argument("--off", nargs="+", choices=SWITCHES, metavar="NAME",
                        help=f"turn these parts of our search off: {', '.join(SWITCHES)}")
    parser.add_argument("--switch", nargs="+", metavar="NAME=on|off", help="set parts of our search on or off")
    parser.add_argument("--stockfish", default=STOCKFISH, help=f"Stockfish binary (default {STOCKFISH})")
    parser.add_argument("--pgn-dir", type=Path, help="write each level's games to DIR/match_elo<E>.pgn")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if args.movetime is not None:
        if args.movetime <= 0:
            parser.error("--movetime must be positive")
        args.time_control = TimeControl(movetime=args.movetime)
    else:
        args.time_control = args.tc or parse_tc("10+0.1")
    if args.games < 1 or args.max_plies < 1:
        parser.error("--games and --max-plies must be at least 1")
    for elo in args.elo:
        if not ELO_RANGE[0] <= elo <= ELO_RANGE[1]:
            parser.error(f"--elo must be within {ELO_RANGE[0]}..{ELO_RANGE[1]} (Stockfish 15.1's UCI_Elo); got {elo}")
    switches: dict[str, bool] = {name: False for name in args.off or []}
    for item in args.switch or []:
        name, sep, value = item.partition("=")
        if not sep or name not in SWITCHES or value.lower() not in ("on", "off", "1", "0", "true", "false"):
            parser.error(f"--switch takes NAME=on|off with NAME one of {', '.join(SWITCHES)}; got {item!r}")
        switches[name] = value.lower() in ("on", "1", "true")
    try:
        openings = load_openings(args.openings)
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not shutil.which(args.stockfish):
        print(f"error: no Stockfish at {args.stockfish}", file=sys.stderr)
        return 2

    game = get_game("chess")
    try:
        for opening in openings[: (args.games + 1) // 2]:
            game.parse_position(opening)
    except Exception as error:  # noqa: BLE001
        print(f"error: bad opening: {error}", file=sys.stderr)
        return 2
    searcher = Searcher(game, tt_mb=args.tt_mb, **switches)
    searcher.search(game.parse_position("startpos"), Limit(depth=5))  # warm the JIT, untimed
    searcher.clear()
    match = Match(args, game, searcher, openings)
    if args.pgn_dir:
        args.pgn_dir.mkdir(parents=True, exist_ok=True)

    levels: list[tuple[int, list[GameRecord]]] = []
    sf_name = "Stockfish"
    started = time.perf_counter()
    for elo in args.elo:
        records: list[GameRecord] = []
        levels.append((elo, records))
        pgn_path = args.pgn_dir / f"match_elo{elo}.pgn" if args.pgn_dir else None
        if pgn_path:
            pgn_path.write_text("")
        engine = chess.engine.SimpleEngine.popen_uci(args.stockfish)
        try:
            sf_name = engine.id.get("name", sf_name)
            engine.configure({"Threads": 1, "Hash": 16, "UCI_LimitStrength": True, "UCI_Elo": elo})
            engine.play(chess.Board(), chess.engine.Limit(time=0.05))  # warm-up (loads the network)
            for number in range(args.games):
                record = match.play(engine, elo, number)
                records.append(record)
                if pgn_path:
                    with open(pgn_path, "a") as handle:
                        handle.write(record.pgn)
                w = sum(r.points == 1 for r in records)
                d = sum(r.points == 0.5 for r in records)
                l_ = sum(r.points == 0 for r in records)
                print(f"  Elo {elo} game {record.number}/{args.games}: ours {'White' if record.ours_white else 'Black'}"
                      f" {record.result} ({record.termination}; {record.plies} plies)  running W/D/L {w}/{d}/{l_}",
                      file=sys.stderr, flush=True)
        finally:
            engine.quit()
    wall = time.perf_counter() - started

    command = "python " + " ".join(shlex.quote(a) for a in ["bench/chess_match.py", *(sys.argv[1:] if argv is None
                                                                                        else argv)])
    off = ", ".join(f"{name}={'on' if on else 'off'}" for name, on in switches.items()) or "none (defaults)"
    tc = args.time_control
    lines = [
        f"## {OURS} vs Stockfish (UCI_LimitStrength), {tc.text}",
        "",
        f"- command: `{command}`",
        f"- date: {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}; wall time {wall / 60:.1f} min",
        f"- machine: {machine()}",
        f"- ours: `Searcher` negascout, {args.tt_mb:g} MiB table cleared each game; switches changed: {off}; "
        + ("budget per move from `time_budget_ms` (clock/30 + 0.75 inc, at most 40 % of the clock, less 50 ms)"
           if tc.movetime is None else f"`Limit(time={tc.movetime:g})` a move"),
        f"- Stockfish: {sf_name}, Threads=1, Hash=16, UCI_LimitStrength=true, UCI_Elo=E, no pondering, "
        + ("sent both clocks (`wtime/btime/winc/binc`)" if tc.movetime is None else "`go movetime`"),
        (f"- clocks kept here from each move's wall time; a flag loses. Openings: `{args.openings.name}` "
        f"({len(openings)} lines), pair k from line k, ours White first; draw adjudicated after "
        f"{args.max_plies} plies from the opening; game end by python-chess `outcome(claim_draw=True)`"),
        "- Elo: `searchprune.arena.stats.elo_wdl` (trinomial, 95 % interval); implied = UCI_Elo + difference",
        "",
        ("| SF UCI_Elo | games | W | D | L | score | Elo diff (95 %) | implied Elo | LOS | flags ours/SF "
        "| ours median depth | ours median nodes/s |"),
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    term_lines = []
    for elo, records in levels:
        w = sum(r.points == 1 for r in records)
        d = sum(r.points == 0.5 for r in records)
        l_ = sum(r.points == 0 for r in records)
        est = elo_wdl(w, d, l_)
        depths = [x for r in records for x in r.depths]
        nps = [x for r in records for x in r.nps]
        flags = (sum(r.flag == "ours" for r in records), sum(r.flag == "stockfish" for r in records))
        error = "nan" if math.isnan(est.error) else ("inf" if math.isinf(est.error) else f"{est.error:.0f}")
        implied = fmt_elo(elo + est.elo, signed=False)
        lines.append(f"| {elo} | {len(records)} | {w} | {d} | {l_} | {est.score:.3f} | {fmt_elo(est.elo)} ± {error} "
                     f"| {implied} | {est.los:.3f} | {flags[0]}/{flags[1]} "
                     f"| {f'{statistics.median(depths):g}' if depths else '-'} "
                     f"| {statistics.median(nps) / 1e6 if nps else 0:.2f} M |")
        counts: dict[str, int] = {}
        for r in records:
            key = r.termination.split(" (")[0]
            counts[key] = counts.get(key, 0) + 1
        term_lines.append(f"- UCI_Elo {elo}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                          + f"; mean length {statistics.fmean(r.plies for r in records):.0f} plies")
    lines += ["", "Terminations:", "", *term_lines, ""]
    if args.pgn_dir:
        lines += [f"PGNs: `{args.pgn_dir}/match_elo<E>.pgn`.", ""]
    report = "\n".join(lines)
    emit(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
