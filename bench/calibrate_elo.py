"""Calibrate our UCI_Elo levels against Stockfish's UCI_LimitStrength ladder.

    python bench/calibrate_elo.py [--level 1400 1800] [--sf-elo 1350 1600 ...] [--rounds 50]
                                  [--movetime 0.1] [--concurrency 1] [--out DIR]

Each ``--level`` of ours plays each ``--sf-elo`` of Debian's Stockfish 15.1
(``/usr/games/stockfish``: Threads 1, Hash 16, UCI_LimitStrength true; its UCI_Elo ladder
runs 1350-2850 and is Stockfish's own calibration, anchored to CCRL 40/4) through the
tournament runner (``searchprune.arena.tournament``): ``--rounds`` pairs of games with
colours swapped, one opening of ``games/chess/openings.txt`` a pair, ``--movetime``
seconds a move for both. Our side is ``searchprune uci`` run as an external engine with
``UCI_LimitStrength true`` and ``UCI_Elo <level>``, so the option is measured exactly as
a GUI uses it.

Per match: our W/D/L, the Elo difference with its 95 % interval (the game-by-game
model, ``arena.stats.elo_wdl``) and the implied Elo of the level, Stockfish's nominal
UCI_Elo plus the difference. A level is calibrated when its implied Elo, combined over
the Stockfish levels it scored 20-80 % against, has an interval of about +/-50 or
less: a few hundred games a level. The mapping in ``searchprune.engines.strength``
(depth and node caps, softmax temperature) is then refitted so that nominal and
implied agree. Levels below 1350 can only be placed by playing the calibrated levels
above them (the ladder's floor).

The runs, their commands and what they set (``engines.strength.CALIBRATION``):
``bench/results/calibrate_elo.md``.

Below Stockfish's floor, ``--anchor LEVEL=ELO`` plays our own level ``LEVEL``, whose Elo
``ELO`` an earlier match against Stockfish measured, in place of Stockfish.

Results go to ``--out`` (default ``bench/results/calibrate_elo/<time>``): each match's
tournament folder (results.jsonl, games.pgn) and ``summary.json``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchprune.arena.executors import Executors
from searchprune.arena.stats import elo_wdl
from searchprune.arena.tournament import Tournament, load_openings, run
from searchprune.engines.spec import EngineSpec
from searchprune.engines.strength import ELO_MAX, ELO_MIN

STOCKFISH = "/usr/games/stockfish"


def ours(level: int, movetime: float) -> EngineSpec:
    command = shlex.join([sys.executable, "-m", "searchprune.cli", "uci"])
    return EngineSpec(name=f"searchprune-elo{level}", game="chess", kind="uci", command=command,
                      uci_options={"UCI_LimitStrength": True, "UCI_Elo": level}, limits={"time": movetime})


def stockfish(elo: int, movetime: float) -> EngineSpec:
    return EngineSpec(name=f"stockfish-elo{elo}", game="chess", kind="uci", command=STOCKFISH,
                      uci_options={"Threads": 1, "Hash": 16, "UCI_LimitStrength": True, "UCI_Elo": elo},
                      limits={"time": movetime})


def match(level: int, sf_elo: int, args: argparse.Namespace, folder: Path) -> dict:
    """``level`` against Stockfish at ``sf_elo``, or against our own ``--anchor`` level
    (``sf_elo`` is then that level's measured Elo)."""
    opponent = ours(args.anchor[0], args.movetime) if args.anchor else stockfish(sf_elo, args.movetime)
    engines = [ours(level, args.movetime), opponent]
    tournament = Tournament(game="chess", engines=engines, openings=load_openings("chess"), rounds=args.rounds)
    outcome = run(tournament, folder, Executors(engines, concurrency=args.concurrency))
    me = next(s for s in outcome.standings if s.name == engines[0].name)
    estimate = elo_wdl(me.wins, me.draws, me.losses)
    finite = math.isfinite(estimate.elo) and math.isfinite(estimate.error)  # not at a 0 % or 100 % score
    return {"level": level, "stockfish_elo": sf_elo, "games": me.games, "wins": me.wins, "draws": me.draws,
            "losses": me.losses, "faults": me.faults, "score": estimate.score,
            "elo_diff": estimate.elo if finite else None, "error": estimate.error if finite else None,
            "implied_elo": sf_elo + estimate.elo if finite else None}


def _number(value: float | None, form: str) -> str:
    return "-" if value is None else format(value, form)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--level", type=int, nargs="+", default=[1000, 1300], help=f"our UCI_Elo ({ELO_MIN}-{ELO_MAX})")
    parser.add_argument("--sf-elo", type=int, nargs="+", default=[1350, 1600, 1900], help="Stockfish's (1350-2850)")
    parser.add_argument("--rounds", type=int, default=50, help="pairs of games per match")
    parser.add_argument("--movetime", type=float, default=0.1, help="seconds a move, both sides")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--anchor", type=lambda text: tuple(int(x) for x in text.split("=")), metavar="LEVEL=ELO",
                        help="play our level LEVEL, measured at ELO, instead of Stockfish (below its ladder)")
    args = parser.parse_args()
    if args.anchor:
        args.sf_elo = [args.anchor[1]]
    if not shutil.which(STOCKFISH):
        sys.exit(f"error: {STOCKFISH} is not installed (Debian: apt-get install stockfish)")
    out = args.out or Path(__file__).parent / "results" / "calibrate_elo" / _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    # Compile (or load) the chess kernels first: an engine that compiles inside a game
    # loses it on time, and one killed mid-compile never fills the cache for the next.
    subprocess.run([sys.executable, "-m", "searchprune.cli", "warmup", "chess"], check=True)
    rows = []
    print(f"{'level':>6} {'opponent':>10} {'games':>6} {'W':>4} {'D':>4} {'L':>4} {'score':>7} {'diff':>8} "
          f"{'+/-':>6} {'implied':>8}")
    for level in args.level:
        for sf_elo in args.sf_elo:
            versus = f"elo{args.anchor[0]}" if args.anchor else f"sf{sf_elo}"
            row = match(level, sf_elo, args, out / f"elo{level}-vs-{versus}")
            rows.append(row)
            print(f"{level:>6} {sf_elo:>10} {row['games']:>6} {row['wins']:>4} {row['draws']:>4} {row['losses']:>4} "
                  f"{100 * row['score']:>6.1f}% {_number(row['elo_diff'], '+8.0f'):>8} "
                  f"{_number(row['error'], '6.0f'):>6} {_number(row['implied_elo'], '8.0f'):>8}", flush=True)
    (out / "summary.json").write_text(json.dumps({"movetime": args.movetime, "rounds": args.rounds,
                                                  "matches": rows}, indent=2) + "\n")
    print(f"saved to {out}")


if __name__ == "__main__":
    main()
