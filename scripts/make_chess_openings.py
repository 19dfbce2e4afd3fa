"""Generate the balanced chess opening set, ``games/chess/openings.txt``, with Stockfish.

Tournament games are played in pairs from the same opening with colours swapped, so
an opening should leave neither side clearly better. The candidates are well-known
main lines, 8 to 10 plies deep, across open, semi-open, closed and flank openings
(``CANDIDATES`` below, in SAN). Each is replayed with python-chess, merged with any
earlier candidate that reaches the same position, and scored by Stockfish at a fixed
depth (single thread, hash cleared before each position, so a rerun on any machine
gives the same numbers for the same Stockfish build). Candidates within
``--window`` centipawns of 0, from White's side, are kept, the ``--count`` closest to
0 at most, in the order of ``CANDIDATES``.

Each line of the file is ``startpos moves <uci moves>`` (what
``get_game("chess").parse_position`` reads, keeping the opening's moves as the game's
history), then ``# <name>; <SAN>; sf d<depth> <score>`` with the evidence it was
kept on. The header lines (``#``) say how the file was made.

Rerun (from the repository root; about 1 minute on one core at depth 18)::

    python3 scripts/make_chess_openings.py                 # /usr/games/stockfish, depth 18
    python3 scripts/make_chess_openings.py --dry-run       # print instead of writing
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import sys
import time
from pathlib import Path

import chess
import chess.engine

from searchprune.games import get_game
from searchprune.paths import repo_root
from searchprune.types import ONGOING

#: (name, SAN moves from the start), grouped by first move.
CANDIDATES = [
    ("Ruy Lopez, Morphy Defence", "e4 e5 Nf3 Nc6 Bb5 a6 Ba4 Nf6"),
    ("Ruy Lopez, Closed", "e4 e5 Nf3 Nc6 Bb5 a6 Ba4 Nf6 O-O Be7"),
    ("Ruy Lopez, Berlin Defence", "e4 e5 Nf3 Nc6 Bb5 Nf6 O-O Nxe4"),
    ("Ruy Lopez, Exchange Variation", "e4 e5 Nf3 Nc6 Bb5 a6 Bxc6 dxc6"),
    ("Italian Game, Giuoco Piano", "e4 e5 Nf3 Nc6 Bc4 Bc5 c3 Nf6"),
    ("Italian Game, Two Knights, 4.d3", "e4 e5 Nf3 Nc6 Bc4 Nf6 d3 Be7"),
    ("Evans Gambit Accepted", "e4 e5 Nf3 Nc6 Bc4 Bc5 b4 Bxb4"),
    ("Scotch Game", "e4 e5 Nf3 Nc6 d4 exd4 Nxd4 Nf6"),
    ("Four Knights, Spanish", "e4 e5 Nf3 Nc6 Nc3 Nf6 Bb5 Bb4"),
    ("Ponziani Opening", "e4 e5 Nf3 Nc6 c3 Nf6 d4 Nxe4"),
    ("Petrov Defence", "e4 e5 Nf3 Nf6 Nxe5 d6 Nf3 Nxe4"),
    ("Philidor Defence", "e4 e5 Nf3 d6 d4 Nf6 Nc3 Nbd7"),
    ("Vienna Game", "e4 e5 Nc3 Nf6 f4 d5 fxe5 Nxe4"),
    ("Vienna Game, fianchetto", "e4 e5 Nc3 Nc6 g3 g6 Bg2 Bg7"),
    ("Bishop's Opening", "e4 e5 Bc4 Nf6 d3 c6 Nf3 d5"),
    ("Centre Game", "e4 e5 d4 exd4 Qxd4 Nc6 Qe3 Nf6"),
    ("King's Gambit Accepted", "e4 e5 f4 exf4 Nf3 g5 h4 g4"),
    ("Sicilian, Najdorf", "e4 c5 Nf3 d6 d4 cxd4 Nxd4 Nf6 Nc3 a6"),
    ("Sicilian, Dragon", "e4 c5 Nf3 d6 d4 cxd4 Nxd4 Nf6 Nc3 g6"),
    ("Sicilian, Scheveningen", "e4 c5 Nf3 d6 d4 cxd4 Nxd4 Nf6 Nc3 e6"),
    ("Sicilian, Classical", "e4 c5 Nf3 d6 d4 cxd4 Nxd4 Nf6 Nc3 Nc6"),
    ("Sicilian, Sveshnikov", "e4 c5 Nf3 Nc6 d4 cxd4 Nxd4 Nf6 Nc3 e5"),
    ("Sicilian, Kalashnikov", "e4 c5 Nf3 Nc6 d4 cxd4 Nxd4 e5 Nb5 d6"),
    ("Sicilian, Taimanov", "e4 c5 Nf3 e6 d4 cxd4 Nxd4 Nc6 Nc3 Qc7"),
    ("Sicilian, Four Knights", "e4 c5 Nf3 e6 d4 cxd4 Nxd4 Nf6 Nc3 Nc6"),
    ("Sicilian, Kan", "e4 c5 Nf3 e6 d4 cxd4 Nxd4 a6"),
    ("Sicilian, Accelerated Dragon", "e4 c5 Nf3 Nc6 d4 cxd4 Nxd4 g6"),
    ("Sicilian, Rossolimo", "e4 c5 Nf3 Nc6 Bb5 g6 O-O Bg7"),
    ("Sicilian, Moscow", "e4 c5 Nf3 d6 Bb5+ Bd7 Bxd7+ Qxd7"),
    ("Sicilian, Alapin", "e4 c5 c3 Nf6 e5 Nd5 d4 cxd4"),
    ("Sicilian, Closed", "e4 c5 Nc3 Nc6 g3 g6 Bg2 Bg7"),
    ("Sicilian, Grand Prix Attack", "e4 c5 Nc3 Nc6 f4 g6 Nf3 Bg7"),
    ("Sicilian, Smith-Morra Gambit Accepted", "e4 c5 d4 cxd4 c3 dxc3 Nxc3 Nc6"),
    ("French, Winawer", "e4 e6 d4 d5 Nc3 Bb4 e5 c5"),
    ("French, Classical", "e4 e6 d4 d5 Nc3 Nf6 Bg5 Be7"),
    ("French, Tarrasch", "e4 e6 d4 d5 Nd2 Nf6 e5 Nfd7"),
    ("French, Advance", "e4 e6 d4 d5 e5 c5 c3 Nc6"),
    ("French, Rubinstein", "e4 e6 d4 d5 Nc3 dxe4 Nxe4 Nd7"),
    ("Caro-Kann, Classical", "e4 c6 d4 d5 Nc3 dxe4 Nxe4 Bf5"),
    ("Caro-Kann, Advance", "e4 c6 d4 d5 e5 Bf5 Nf3 e6"),
    ("Caro-Kann, Panov Attack", "e4 c6 d4 d5 exd5 cxd5 c4 Nf6"),
    ("Caro-Kann, Two Knights", "e4 c6 Nc3 d5 Nf3 Bg4 h3 Bxf3"),
    ("Pirc Defence, Classical", "e4 d6 d4 Nf6 Nc3 g6 Be2 Bg7"),
    ("Pirc Defence, Austrian Attack", "e4 d6 d4 Nf6 Nc3 g6 f4 Bg7"),
    ("Alekhine Defence, Modern", "e4 Nf6 e5 Nd5 d4 d6 Nf3 Bg4"),
    ("Scandinavian Defence", "e4 d5 exd5 Qxd5 Nc3 Qa5 d4 Nf6"),
    ("Queen's Gambit Declined, Orthodox", "d4 d5 c4 e6 Nc3 Nf6 Bg5 Be7"),
    ("Queen's Gambit Declined, Exchange", "d4 d5 c4 e6 Nc3 Nf6 cxd5 exd5"),
    ("Queen's Gambit Declined, Ragozin", "d4 d5 c4 e6 Nc3 Nf6 Nf3 Bb4"),
    ("Queen's Gambit Accepted", "d4 d5 c4 dxc4 Nf3 Nf6 e3 e6"),
    ("Slav Defence", "d4 d5 c4 c6 Nf3 Nf6 Nc3 dxc4"),
    ("Semi-Slav Defence", "d4 d5 c4 c6 Nf3 Nf6 Nc3 e6"),
    ("Tarrasch Defence", "d4 d5 c4 e6 Nc3 c5 cxd5 exd5"),
    ("Chigorin Defence", "d4 d5 c4 Nc6 Nc3 dxc4 Nf3 Nf6"),
    ("Albin Countergambit", "d4 d5 c4 e5 dxe5 d4 Nf3 Nc6"),
    ("London System", "d4 d5 Nf3 Nf6 Bf4 c5 e3 Nc6"),
    ("Colle System", "d4 d5 Nf3 Nf6 e3 e6 Bd3 c5"),
    ("Torre Attack", "d4 Nf6 Nf3 e6 Bg5 c5 e3 h6"),
    ("Trompowsky Attack", "d4 Nf6 Bg5 Ne4 Bf4 c5 f3 Qa5+"),
    ("Nimzo-Indian, Classical", "d4 Nf6 c4 e6 Nc3 Bb4 Qc2 O-O"),
    ("Nimzo-Indian, Rubinstein", "d4 Nf6 c4 e6 Nc3 Bb4 e3 O-O"),
    ("Queen's Indian Defence", "d4 Nf6 c4 e6 Nf3 b6 g3 Bb7"),
    ("Bogo-Indian Defence", "d4 Nf6 c4 e6 Nf3 Bb4+ Bd2 Qe7"),
    ("Catalan Opening", "d4 Nf6 c4 e6 g3 d5 Bg2 Be7"),
    ("King's Indian, Classical", "d4 Nf6 c4 g6 Nc3 Bg7 e4 d6 Nf3 O-O"),
    ("King's Indian, Saemisch", "d4 Nf6 c4 g6 Nc3 Bg7 e4 d6 f3 O-O"),
    ("King's Indian, Fianchetto", "d4 Nf6 c4 g6 Nf3 Bg7 g3 O-O Bg2 d6"),
    ("Gruenfeld, Exchange", "d4 Nf6 c4 g6 Nc3 d5 cxd5 Nxd5 e4 Nxc3"),
    ("Gruenfeld, Russian System", "d4 Nf6 c4 g6 Nc3 d5 Nf3 Bg7 Qb3 dxc4"),
    ("Modern Benoni", "d4 Nf6 c4 c5 d5 e6 Nc3 exd5 cxd5 d6"),
    ("Benko Gambit", "d4 Nf6 c4 c5 d5 b5 cxb5 a6"),
    ("Old Indian Defence", "d4 Nf6 c4 d6 Nc3 e5 Nf3 Nbd7"),
    ("Budapest Gambit", "d4 Nf6 c4 e5 dxe5 Ng4 Bf4 Nc6"),
    ("Dutch, Leningrad", "d4 f5 g3 Nf6 Bg2 g6 Nf3 Bg7"),
    ("Dutch, Stonewall", "d4 f5 c4 Nf6 g3 e6 Bg2 d5"),
    ("English, Symmetrical", "c4 c5 Nc3 Nc6 g3 g6 Bg2 Bg7"),
    ("English, Four Knights", "c4 e5 Nc3 Nf6 Nf3 Nc6 g3 d5"),
    ("English, Reversed Closed Sicilian", "c4 e5 Nc3 Nc6 g3 g6 Bg2 Bg7"),
    ("Reti Opening", "Nf3 d5 c4 e6 g3 Nf6 Bg2 Be7"),
    ("King's Indian Attack", "Nf3 d5 g3 Nf6 Bg2 c6 O-O Bg4"),
    ("Bird Opening", "f4 d5 Nf3 Nf6 e3 g6 Be2 Bg7"),
    ("Nimzowitsch-Larsen Attack", "b3 e5 Bb2 Nc6 e3 Nf6 Bb5 d6"),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stockfish", default="/usr/games/stockfish", help="UCI engine command (default %(default)s)")
    p.add_argument("--depth", type=int, default=18, help="search depth of each score (default 18)")
    p.add_argument("--window", type=int, default=60, help="keep |score| <= this, centipawns (default 60)")
    p.add_argument("--count", type=int, default=50, help="openings wanted at most (default 50)")
    p.add_argument("--out", type=Path, default=repo_root() / "games" / "chess" / "openings.txt")
    p.add_argument("--dry-run", action="store_true", help="print the file instead of writing it")
    return p.parse_args(argv)


def score_text(cp: int) -> str:
    return f"{cp:+d}" if cp else "0"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.monotonic()
    game = get_game("chess")
    scored = []  # (index, name, san, uci text, centipawns for White)
    seen: set[str] = set()
    merged = 0
    with chess.engine.SimpleEngine.popen_uci(shlex.split(args.stockfish)) as engine:
        engine.configure({"Threads": 1, "Hash": 64})
        version = engine.id.get("name", args.stockfish)
        for index, (name, san) in enumerate(CANDIDATES):
            board = chess.Board()
            for word in san.split():
                board.push_san(word)
            if board.epd() in seen:
                merged += 1
                print(f"  {name}: transposes to an earlier line, skipped", file=sys.stderr)
                continue
            seen.add(board.epd())
            # a fresh game each time: ucinewgame clears the hash, so scores do not depend on order
            info = engine.analyse(board, chess.engine.Limit(depth=args.depth), game=object())
            cp = info["score"].white().score(mate_score=100_000)
            text = "startpos moves " + " ".join(m.uci() for m in board.move_stack)
            print(f"  {name}: {score_text(cp)} cp (depth {info.get('depth')})", file=sys.stderr)
            scored.append((index, name, san, text, cp))
    within = [s for s in scored if abs(s[4]) <= args.window]
    kept = sorted(sorted(within, key=lambda s: (abs(s[4]), s[0]))[: args.count])
    lines = []
    for _, name, san, text, cp in kept:
        state = game.parse_position(text)
        assert game.status(state) == ONGOING, text
        lines.append(f"{text}  # {name}; {san}; sf d{args.depth} {score_text(cp)}")
    scores = [s[4] for s in kept]
    seconds = time.monotonic() - start
    command = "python3 scripts/make_chess_openings.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    header = [
        f"# chess openings for tournaments (each played twice, colours swapped): {len(lines)} lines.",
        f"# Made by: {command.strip()}  ({version}, {today}, {seconds:.0f} s)",
        f"# Criterion: well-known main lines of 8-10 plies; {version} at depth {args.depth} (1 thread,",
        f"# hash cleared per position) scores each within +-{args.window} centipawns from White's side;",
        f"# the {args.count} closest to 0 kept. {len(CANDIDATES)} candidates, {merged} transpositions merged,",
        (f"# {len(scored) - len(within)} outside the window; kept scores {min(scores):+d}..{max(scores):+d},"
         f" mean {sum(scores) / len(scores):+.1f}, mean |score| {sum(map(abs, scores)) / len(scores):.1f}."),
        "# Format: 'startpos moves <uci moves>' (parse_position notation), then '# name; SAN; score'.",
    ]
    text = "\n".join(header + lines) + "\n"
    if args.dry_run:
        print(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"wrote {len(lines)} openings to {args.out} in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
