"""Generate balanced opening sets for engine-vs-engine tournaments.

Tournament games are played in pairs from the same opening with colours swapped, so
an opening is useful when neither side starts out decided: a pair then measures the
engines, not the opening. This script writes ``games/<game>/openings.txt`` for the
three non-chess games, one opening per line in the game's own position notation (what
``get_game(name).parse_position`` accepts, and what ``searchprune tournament`` reads
by default), each followed by ``  # score ...`` with the evidence it was kept on. The
first lines of each file are ``#`` comments saying how it was made.

How balance is judged (all with the project's own tools):

tic-tac-toe
    Every 1-ply and 2-ply opening, one per class of the 8 board symmetries, whose
    perfect-play value is a draw: ``Searcher(game).search(state, Limit(depth=9))``
    searches to the end of the game (depth is capped at the plies left, so every leaf
    is terminal) and a draw scores 0. The value is cross-checked with a plain
    memoised minimax written here, independent of the engine.

Connect Four
    Distinct positions of ``--c4-min-plies`` to ``--c4-max-plies`` plies (default 6
    to 6: 4- and 5-ply positions take far longer to solve; transpositions merged by
    ``game.key``, and a position merged with its left-right mirror), visited in a
    seeded random order and solved exactly with ``Connect4Solver.score(state,
    weak=True)`` (-1/0/+1 for the side to move). Positions whose weak value is 0 (a
    draw with perfect play) are kept. The first player wins Connect Four from the
    start, so draws at this depth are the balanced ones. To save solver time, a
    candidate is first searched by the engine (``--c4-engine-depth``) and skipped
    when it finds a forced result or a score outside ``--c4-engine-window``; each
    solve runs in a worker process that is killed after ``--c4-timeout`` seconds
    (that position is skipped), and the search stops after ``--c4-budget`` seconds.
    Draws cost about 10-15 s each to find on one core, so if fewer than
    ``--c4-count`` turn up, the set is topped up with decided positions whose strong
    score (Pons' convention, from the side to move: ``22 - k`` is a win with the
    k-th stone) is closest to 0, i.e. decided only near the end of the game; those
    are strong-solved for ``--c4-topup-budget`` seconds (longer only if needed to
    reach the count), the slowest weak solves first (a late decision is hard to
    prove), and are marked as not draws.

Othello
    Random move sequences of 6 to 8 plies from the standard start (seeded; the same
    number per length), merged when they reach the same position up to the 8 board
    symmetries with the same side to move, written with the first move normalised to
    f5 (the start position's own symmetries map any first move to f5). Each is
    searched to ``--othello-depth`` (score in hundredths of a disc for the side to
    move) and the ``--othello-count`` with the smallest absolute score are kept, the
    same number per length; the score one ply deeper is recorded too, as a check of
    stability.

Determinism: candidates and their order come from ``--seed`` only, and every value
written is exact (solver) or a fixed-depth search, so a rerun with the same options
writes the same openings, except where a Connect Four solve crosses ``--c4-timeout``
or the ``--c4-budget`` runs out on a slower or busier machine (the header records
how many were skipped). The header's date changes, of course.

Rerun (from the repository root; about 8 minutes on one core, nearly all Connect Four)::

    python3 scripts/make_openings.py                  # all three games, seed 1
    python3 scripts/make_openings.py --game othello   # one game
    python3 scripts/make_openings.py --dry-run        # print instead of writing
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing as mp
import random
import shlex
import sys
import time
from functools import cache
from pathlib import Path

from searchprune.games import GameError, get_game
from searchprune.paths import repo_root
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit
from searchprune.types import MATE_BOUND, ONGOING, format_score

GAMES = ("tictactoe", "connect4", "othello")


def header(game: str, criterion: list[str], args: argparse.Namespace, seconds: float, count: int) -> list[str]:
    command = "python3 scripts/make_openings.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    lines = [
        f"# {game} openings for tournaments (each played twice, colours swapped): {count} lines.",
        f"# Made by: {command.strip()}  (seed {args.seed}, {today}, {seconds:.0f} s)",
    ]
    lines += [f"# {text}" for text in criterion]
    lines.append("# Format: the opening (first token, parse_position notation), then '# score ...' evidence.")
    return lines


# -- tic-tac-toe ----------------------------------------------------------------------

#: The 8 symmetries of the 3x3 board, as cell permutations (new index -> old index).
_TTT_SYMS = []
for _rot in range(4):
    for _flip in (False, True):
        perm = []
        for cell in range(9):
            r, c = divmod(cell, 3)
            if _flip:
                c = 2 - c
            for _ in range(_rot):
                r, c = c, 2 - r
            perm.append(3 * r + c)
        _TTT_SYMS.append(perm)


@cache
def _ttt_value(board: tuple[int, ...], mover: int) -> int:
    """Plain negamax value (+1 win, 0 draw, -1 loss) for ``mover`` (1 or 2) to move."""
    lines = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6))
    other = 3 - mover
    if any(all(board[i] == other for i in line) for line in lines):
        return -1
    if all(board):
        return 0
    best = -2
    for cell in range(9):
        if not board[cell]:
            child = board[:cell] + (mover,) + board[cell + 1 :]
            best = max(best, -_ttt_value(child, other))
    return best


def make_tictactoe(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    game = get_game("tictactoe")
    searcher = Searcher(game)
    seen: set[tuple[int, ...]] = set()
    kept, lines = [], []
    for plies in (1, 2):
        for seq in _sequences("123456789", plies):
            if len(set(seq)) < plies:
                continue
            board = [0] * 9
            for i, ch in enumerate(seq):
                board[int(ch) - 1] = 1 + i % 2
            canon = min(tuple(board[p] for p in perm) for perm in _TTT_SYMS)
            if canon in seen:
                continue
            seen.add(canon)
            state = game.parse_position(seq)
            result = searcher.search(state, Limit(depth=9))
            exact = _ttt_value(tuple(board), 1 + plies % 2)
            engine = 0 if result.score == 0 else (1 if result.score > 0 else -1)
            if engine != exact:
                raise SystemExit(f"tic-tac-toe {seq}: engine says {result.score}, minimax says {exact}")
            mover = game.info.players[game.side_to_move(state)]
            verdict = "draw" if exact == 0 else format_score(result.score)
            print(f"  tictactoe {seq:>3}: {verdict} ({mover} to move)", file=sys.stderr)
            if result.score == 0:
                kept.append(seq)
                lines.append(f"{seq:<4}  # score 0 (draw with perfect play, full-depth search; {mover} to move)")
    criterion = [
        "Criterion: every 1- and 2-ply opening, one per board-symmetry class, whose perfect-play",
        "value is a draw (Searcher depth 9 = to the end; cross-checked by plain minimax).",
        f"Classes examined: {len(seen)}; drawn and kept: {len(kept)}.",
    ]
    return criterion, lines


def _sequences(alphabet: str, n: int):
    if n == 0:
        yield ""
        return
    for head in _sequences(alphabet, n - 1):
        for ch in alphabet:
            yield head + ch


# -- Connect Four -------------------------------------------------------------------


def _c4_mirror(seq: str) -> str:
    return "".join(str(8 - int(ch)) for ch in seq)


def _c4_positions(min_plies: int, max_plies: int) -> list[str]:
    """One move string per distinct position (mirror images merged), by ply, BFS order."""
    game = get_game("connect4")
    level = [""]
    out = []
    for plies in range(1, max_plies + 1):
        seen: dict[int, str] = {}
        for seq in level:
            for col in "1234567":
                text = seq + col
                try:
                    state = game.parse_position(text)
                except GameError:  # full column or finished game: no such opening
                    continue
                if game.status(state) != ONGOING:
                    continue
                mirror = game.key(game.parse_position(_c4_mirror(text)))
                canon = min(game.key(state), mirror)
                seen.setdefault(canon, text)
        level = list(seen.values())
        if plies >= min_plies:
            out.extend(level)
    return out


def _c4_worker(conn) -> None:
    """Solve positions sent over ``conn``: ``(text, weak)`` -> ``(score, nodes, seconds)``."""
    from searchprune.solvers.connect4 import Connect4Solver

    game = get_game("connect4")
    solver = Connect4Solver()
    while True:
        item = conn.recv()
        if item is None:
            return
        text, weak = item
        start = time.perf_counter()
        score, nodes = solver.score(game.parse_position(text), weak=weak)
        conn.send((score, nodes, time.perf_counter() - start))


class _SolverPool:
    """One solver worker process, restarted when a solve is cut off by the timeout."""

    def __init__(self) -> None:
        self._ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_c4_worker, args=(child,), daemon=True)
        self._proc.start()
        self._conn = parent

    def solve(self, text: str, weak: bool, timeout: float):
        if self._proc is None:
            self._start()
        self._conn.send((text, weak))
        if self._conn.poll(timeout):
            return self._conn.recv()
        self._proc.kill()  # our own worker: the solve ran past its time
        self._proc.join()
        self._proc = None
        return None

    def close(self) -> None:
        if self._proc is not None:
            self._conn.send(None)
            self._proc.join(5)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()
            self._proc = None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _c4_strong_text(score: int, mover: str) -> str:
    """Pons' strong score in words: ``22 - k`` wins with the mover's k-th stone."""
    if score > 0:
        return f"{mover} to move wins, with its {_ordinal(22 - score)} stone"
    return f"{mover} to move loses, to the opponent's {_ordinal(22 + score)} stone"


def make_connect4(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    game = get_game("connect4")
    start = time.monotonic()
    candidates = _c4_positions(args.c4_min_plies, args.c4_max_plies)
    rng = random.Random(args.seed)
    rng.shuffle(candidates)
    searcher = Searcher(game)
    pool = _SolverPool()
    draws: list[tuple[str, int]] = []  # (text, engine score)
    decided: list[tuple[float, str]] = []  # (weak-solve seconds, text)
    stats = {"tried": 0, "prefiltered": 0, "timeouts": 0, "solved": 0, "strong": 0}

    def mover_of(text: str) -> str:
        return game.info.players[game.side_to_move(game.parse_position(text))]

    try:
        for text in candidates:
            if len(draws) >= args.c4_count or time.monotonic() - start > args.c4_budget:
                break
            state = game.parse_position(text)
            engine = searcher.search(state, Limit(depth=args.c4_engine_depth)).score
            stats["tried"] += 1
            if abs(engine) >= MATE_BOUND or abs(engine) > args.c4_engine_window:
                stats["prefiltered"] += 1
                continue
            result = pool.solve(text, True, args.c4_timeout)
            if result is None:
                stats["timeouts"] += 1
                print(f"  connect4 {text}: weak solve over {args.c4_timeout:g} s, skipped", file=sys.stderr)
                continue
            stats["solved"] += 1
            weak, nodes, seconds = result
            print(
                f"  connect4 {text}: weak {weak:+d} ({nodes} nodes, {seconds:.2f} s), engine {engine:+d}"
                f"  [{len(draws) + (weak == 0)}/{args.c4_count}]",
                file=sys.stderr,
            )
            if weak == 0:
                draws.append((text, engine))
            else:
                decided.append((seconds, text))
        lines = []
        for text, engine in sorted(draws, key=lambda d: (len(d[0]), d[0])):
            lines.append(
                f"{text:<7} # score 0 (weak solve: draw with perfect play; {mover_of(text)} to move;"
                f" engine d{args.c4_engine_depth} {_signed(engine)})"
            )
        topped = 0
        topup_seconds = 0.0
        if len(draws) < args.c4_count and decided:
            # Too few draws: strong-solve the decided positions, hardest weak solve first
            # (a late decision is slow to prove), and add those closest to 0.
            strong = []
            topup_start = time.monotonic()
            needed = args.c4_count - len(draws)
            for _, text in sorted(decided, key=lambda d: -d[0]):
                # The budget may be overrun only as far as needed to reach the count.
                if time.monotonic() - topup_start > args.c4_topup_budget and len(strong) >= needed:
                    break
                result = pool.solve(text, False, args.c4_timeout)
                if result is None:
                    continue
                stats["strong"] += 1
                print(f"  connect4 {text}: strong {result[0]:+d} ({result[2]:.2f} s)", file=sys.stderr)
                strong.append((abs(result[0]), text, result[0]))
            strong.sort()
            topup_seconds = time.monotonic() - topup_start
            for _, text, score in strong[:needed]:
                mover = mover_of(text)
                lines.append(
                    f"{text:<7} # score {score:+d} (strong solve, Pons' units; not a draw:"
                    f" {_c4_strong_text(score, mover)})"
                )
                topped += 1
    finally:
        pool.close()
    plies = sorted({len(line.split()[0]) for line in lines})
    plies_range = f"{args.c4_min_plies}" + (f"-{args.c4_max_plies}" if args.c4_max_plies != args.c4_min_plies else "")
    worst = max((abs(int(line.split()[3])) for line in lines), default=0)
    criterion = [
        (
            f"Criterion: distinct {plies_range}-ply positions (transpositions and"
            " left-right mirrors merged), in seeded random order,"
        ),
        "kept when the Connect4Solver weak value is 0 (draw with perfect play; the start is a first-player win).",
        (
            f"Prefilter: engine depth {args.c4_engine_depth} score within +-{args.c4_engine_window} and no forced"
            f" result; solve timeout {args.c4_timeout:g} s; budget {args.c4_budget:g} s."
        ),
        (
            f"Tried {stats['tried']} of {len(candidates)} candidates: {stats['prefiltered']} prefiltered,"
            f" {stats['timeouts']} timed out, {stats['solved']} solved, {len(draws)} draws kept."
            f" Plies present: {', '.join(map(str, plies))}."
        ),
    ]
    if topped:
        criterion += [
            f"Too few draws in the budget: {topped} more are decided positions with the strong score closest to 0",
            (
                f"(Pons' units: 22 - k = a win with the k-th stone; {stats['strong']} strong-solved in"
                f" {topup_seconds:.0f} s; all |score| <= {worst}): decided only near the end of the game."
            ),
        ]
    return criterion, lines


# -- Othello ------------------------------------------------------------------------


def _oth_square_syms() -> list[list[int]]:
    """The 8 symmetries of the board as square permutations (square -> image)."""
    syms = []
    for rot in range(4):
        for flip in (False, True):
            perm = []
            for sq in range(64):
                r, c = divmod(sq, 8)
                if flip:
                    c = 7 - c
                for _ in range(rot):
                    r, c = c, 7 - r
                perm.append(8 * r + c)
            syms.append(perm)
    return syms


_OTH_SYMS = _oth_square_syms()


def _oth_canon(black: int, white: int, colour: int) -> tuple[int, int, int]:
    discs_b = [i for i in range(64) if black >> i & 1]
    discs_w = [i for i in range(64) if white >> i & 1]
    best = None
    for perm in _OTH_SYMS:
        b = sum(1 << perm[i] for i in discs_b)
        w = sum(1 << perm[i] for i in discs_w)
        if best is None or (b, w) < best:
            best = (b, w)
    return best[0], best[1], colour


def _oth_to_f5(moves: list[int]) -> list[int]:
    """Apply the start-preserving symmetry that turns the first move into f5."""
    f5 = 8 * 4 + 5
    start = {(3, 3), (4, 4), (3, 4), (4, 3)}
    for perm in _OTH_SYMS:
        image = {divmod(perm[8 * r + c], 8) for r, c in start}
        # start-preserving: d4/e5 (white) map to d4/e5, e4/d5 (black) to e4/d5
        if image == start and perm[8 * 3 + 3] in (27, 36) and perm[moves[0]] == f5:
            return [perm[m] for m in moves]
    raise AssertionError("no start-preserving symmetry maps the first move to f5")


def make_othello(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    from searchprune.games.othello import PASS, square_name

    game = get_game("othello")
    rng = random.Random(args.seed)
    lengths = list(range(args.othello_min_plies, args.othello_max_plies + 1))
    per_length = args.othello_candidates // len(lengths)
    pool: dict[int, list[tuple[str, object]]] = {n: [] for n in lengths}
    seen: set[tuple[int, int, int]] = set()
    for n in lengths:
        attempts = 0
        while len(pool[n]) < per_length and attempts < 50 * per_length:
            attempts += 1
            state = game.new_state()
            moves = []
            for _ in range(n):
                legal = game.legal_moves(state)
                if not legal:
                    break
                move = rng.choice(legal)
                moves.append(move)
                game.play(state, move)
            if len(moves) < n or PASS in moves or game.status(state) != ONGOING:
                continue
            black, white = game._colours(state)
            canon = _oth_canon(black, white, game.side_to_move(state))
            if canon in seen:
                continue
            seen.add(canon)
            text = "".join(square_name(m) for m in _oth_to_f5(moves))
            pool[n].append((text, game.parse_position(text)))
    searcher = Searcher(game)
    deeper = Searcher(game)
    per_kept = [
        args.othello_count // len(lengths) + (i < args.othello_count % len(lengths)) for i in range(len(lengths))
    ]
    chosen = []
    scored_total = 0
    for n, keep in zip(lengths, per_kept):
        scored = []
        for index, (text, state) in enumerate(pool[n]):
            score = searcher.search(state, Limit(depth=args.othello_depth)).score
            scored.append((abs(score), index, text, state, score))
        scored_total += len(scored)
        scored.sort(key=lambda s: (s[0], s[1]))
        for _, _, text, state, score in scored[:keep]:
            check = deeper.search(state, Limit(depth=args.othello_depth + 1)).score
            chosen.append((n, text, score, check))
        worst = scored[keep - 1][0] if len(scored) >= keep else None
        print(
            f"  othello {n} plies: {len(scored)} distinct candidates, kept {keep}, |score| <= {worst}", file=sys.stderr
        )
    lines = []
    for n, text, score, check in chosen:
        mover = "X" if n % 2 == 0 else "O"
        lines.append(
            f"{text:<17} # score {_signed(score)} (engine d{args.othello_depth}, 1/100 disc,"
            f" {mover} to move; d{args.othello_depth + 1} {_signed(check)})"
        )
    worst = max(abs(c[2]) for c in chosen)
    criterion = [
        (
            f"Criterion: random {args.othello_min_plies}-{args.othello_max_plies}-ply sequences from the standard"
            " start (seeded), distinct up to the 8 board symmetries,"
        ),
        (
            f"first move normalised to f5; the smallest |score| at engine depth {args.othello_depth} kept"
            " (hundredths of a disc, side to move), equal numbers per length."
        ),
        f"Scored {scored_total} distinct candidates; kept {len(chosen)}, all |score| <= {worst}.",
    ]
    return criterion, lines


def _signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


# -- main ---------------------------------------------------------------------------

MAKERS = {"tictactoe": make_tictactoe, "connect4": make_connect4, "othello": make_othello}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--game", choices=(*GAMES, "all"), default="all", help="which set to make (default all)")
    p.add_argument("--seed", type=int, default=1, help="random seed for candidate order (default 1)")
    p.add_argument(
        "--out-dir",
        type=Path,
        default=repo_root() / "games",
        help="folder holding <game>/openings.txt (default: the repository's games/)",
    )
    p.add_argument("--dry-run", action="store_true", help="print the files instead of writing them")
    g = p.add_argument_group("Connect Four")
    g.add_argument("--c4-count", type=int, default=50, help="openings wanted (default 50)")
    g.add_argument(
        "--c4-min-plies",
        type=int,
        default=6,
        help="shortest candidates (default 6: 4- and 5-ply solves are much slower)",
    )
    g.add_argument("--c4-max-plies", type=int, default=6)
    g.add_argument("--c4-timeout", type=float, default=6.0, help="seconds per weak solve before skipping (default 6)")
    g.add_argument("--c4-budget", type=float, default=390.0, help="seconds for the search for draws (default 390)")
    g.add_argument(
        "--c4-topup-budget",
        type=float,
        default=90.0,
        help="seconds of strong solves when too few draws are found (default 90)",
    )
    g.add_argument("--c4-engine-depth", type=int, default=10, help="prefilter search depth (default 10)")
    g.add_argument(
        "--c4-engine-window",
        type=int,
        default=20,
        help="skip candidates whose engine score is beyond +-this (default 20)",
    )
    g = p.add_argument_group("Othello")
    g.add_argument("--othello-count", type=int, default=51, help="openings wanted (default 51: 17 per length)")
    g.add_argument("--othello-min-plies", type=int, default=6)
    g.add_argument("--othello-max-plies", type=int, default=8)
    g.add_argument(
        "--othello-candidates", type=int, default=3000, help="distinct random positions to score (default 3000)"
    )
    g.add_argument("--othello-depth", type=int, default=8, help="search depth of the score (default 8)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    games = GAMES if args.game == "all" else (args.game,)
    total = time.monotonic()
    for name in games:
        start = time.monotonic()
        print(f"{name}:", file=sys.stderr)
        criterion, lines = MAKERS[name](args)
        seconds = time.monotonic() - start
        text = "\n".join(header(name, criterion, args, seconds, len(lines)) + lines) + "\n"
        # Every line must be an ongoing position the game itself accepts.
        game = get_game(name)
        for line in lines:
            state = game.parse_position(line.split()[0])
            assert game.status(state) == ONGOING, line
        if args.dry_run:
            print(text)
        else:
            path = args.out_dir / name / "openings.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"{name}: wrote {len(lines)} openings to {path} in {seconds:.1f} s", file=sys.stderr)
    print(f"total {time.monotonic() - total:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
