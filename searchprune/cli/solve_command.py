"""``searchprune solve``: exact scores and best moves of positions, from the game's solver
(Connect Four: from the opening book where it holds the position)."""

from __future__ import annotations

import json
import sys
import time

import click

from searchprune.cli.options import PositionalDashes, game_or_usage, limit_or_usage, net_option, net_or_usage
from searchprune.games import GameError
from searchprune.search.interrupt import exit_interrupted


@click.command(cls=PositionalDashes)
@click.argument("game_name", metavar="GAME")
@click.argument("positions", nargs=-1)
@click.option("--file", "files", type=click.File("r"), multiple=True,
              help="Positions, one per line: connect4 '<moves> [expected score]', othello OBF "
                   "('<64 squares> X; A2:+38; ...').")
@click.option("--weak", is_flag=True, help="Win/draw/loss only (score -1, 0 or 1).")
@click.option("--all-best", is_flag=True,
              help="Othello: list every optimal move, not just one (one more null-window search per move). "
                   "Connect Four always lists them.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per position.")
@net_option(" to order moves (connect4; the scores stay exact, node counts change)")
@click.option("--net-plies", type=click.IntRange(0, 42), default=14, show_default=True,
              help="With --net: order by the net at nodes with fewer stones than this.")
@click.option("--time", "seconds", type=click.FloatRange(0, min_open=True),
              help="Stop each position after this many seconds and print the bound so far.")
@click.option("--nodes", type=click.IntRange(1), help="Stop each position after this many nodes.")
@click.option("--book/--no-book", "use_book", default=True, show_default=True,
              help="Connect Four: answer a position the opening book holds from the book (nodes 0).")
@click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Connect Four: threads of one solve, sharing its table (2 uses both cores of a 2-core "
                   "machine; node counts then vary from run to run). --nodes keeps a solve on one thread.")
def solve(game_name: str, positions: tuple[str, ...], files, weak: bool, all_best: bool, as_json: bool,
          net_name: str | None, net_plies: int, seconds: float | None, nodes: int | None, use_book: bool,
          threads: int) -> None:
    """Solve positions of GAME exactly (connect4, othello).

    A position that is not one is a usage error (exit 2). In a batch where some
    positions solve and others do not, every good one is still solved and printed,
    each bad one gets an error line, and the exit status is 1. --time and --nodes stop a
    long solve and print the bound so far (score >= ..., with the best move so far where
    one is proven); so does Ctrl-C, which then exits 130. At a terminal a progress line
    (nodes, nodes/s, seconds, bound) is shown on stderr while a position solves.

    \b
    Examples:
      searchprune solve connect4 4453
      searchprune solve othello "O--OOOOX-OOOOOOXOOXXOOOXOOXOOOXXOOOOOOXX---OOOOX----O--X-------- X"
    """
    game = game_or_usage(game_name)
    solver = _solver(game_name, net_name, net_plies, threads)
    jobs = [(p, None) for p in positions]
    jobs += [job for handle in files for job in map(solver.parse_line, handle) if job is not None]
    if not jobs:
        raise click.UsageError("give at least one position, or --file")
    failures = _solve_all(game, solver, jobs, weak=weak, all_best=all_best, as_json=as_json,
                          limit=limit_or_usage(None, seconds, nodes) if seconds or nodes else None,
                          book=_book(game_name, use_book))
    if failures:
        sys.exit(2 if failures == len(jobs) else 1)


def _book(game_name: str, use_book: bool):
    """The game's shipped opening book, or None (none shipped, or ``--no-book``)."""
    from searchprune.games.registry import book_path, load

    path = book_path(game_name) if use_book else None
    return load(path).default() if path else None


def _solve_all(game, solver, jobs: list, *, weak: bool, all_best: bool, as_json: bool, limit, book=None) -> int:
    """Solve and print each job; the number that are not positions. A lone bad position
    is a usage error; Ctrl-C prints the bound so far and exits 130."""
    failures = 0
    for text, expected in jobs:
        record = _from_book(game, book, text, weak) if book is not None else None
        if record is None:
            record = _solve_one(game, solver, text, expected, weak=weak, all_best=all_best, limit=limit)
        elif expected is not None:
            record["expected"] = expected
        if "error" in record and len(jobs) == 1 and not as_json:
            raise click.UsageError(record["error"])
        failures += "error" in record
        _echo_solved(record, as_json)
        if record.get("stopped") == "interrupted":
            exit_interrupted()
    return failures


def _solver(game_name: str, net_name: str | None, net_plies: int, threads: int = 1):
    """The game's exact solver, ordering by the net if one is given; usage errors otherwise."""
    from searchprune.search.interrupt import run_interruptibly
    from searchprune.solvers import SolverError, solver_class

    try:
        cls = solver_class(game_name)
    except SolverError as error:
        raise click.UsageError(str(error)) from None
    if threads > cls.max_threads:
        raise click.UsageError(f"--threads: the {game_name} solver runs on at most {cls.max_threads} thread(s)")
    solver = cls(threads=threads) if threads > 1 else cls()
    if net_name is not None:
        if not solver.orders_by_net:
            raise click.UsageError(f"--net: the {game_name} solver keeps its own move ordering")
        solver.use_net(net_or_usage(net_name, game_name), net_plies)
    try:  # compile (or load) the kernels before any solve's clock starts
        run_interruptibly(type(solver).warm_up)
    except KeyboardInterrupt:
        exit_interrupted()
    return solver


def _solve_one(game, solver, text: str, expected: int | None, *, weak: bool, all_best: bool, limit=None) -> dict:
    """The record of one position, solved from an empty table (``error`` where it is not a
    position; ``stopped`` where a limit or Ctrl-C ended it: ``score`` is then a lower bound)."""
    from searchprune.search.interrupt import run_interruptibly

    try:
        state = game.parse_position(text)
        solver.reset()
        progress = _progress_line(game, state, solver) if sys.stderr.isatty() else None
        result, interrupted = run_interruptibly(
            lambda: solver.solve(state, weak=weak, all_best=all_best, limit=limit), solver.stop, tick=progress)
    except GameError as error:
        return {"position": text, "error": str(error)}
    if progress is not None:
        click.echo("\r\033[K", err=True, nl=False)  # clear the progress line
    record = {"position": text, "score": result.score,
              "best_moves": [game.format_move(state, m) for m in result.best_moves],
              "all_best": result.all_best, "nodes": result.nodes, "seconds": round(result.seconds, 6), "weak": weak}
    if interrupted or result.stopped:
        record["stopped"] = "interrupted" if interrupted else result.stopped
    if expected is not None:
        record["expected"] = expected
    return record


def _from_book(game, book, text: str, weak: bool) -> dict | None:
    """The record of a position the opening book holds (None where it does not, or the text
    is not a position: the solver then says why)."""
    start = time.perf_counter()
    try:
        state = game.parse_position(text)
    except GameError:
        return None
    found = book.lookup(state)
    if found is None:
        return None
    score, best, _ = found
    return {"position": text, "score": (score > 0) - (score < 0) if weak else score,
            "best_moves": [game.format_move(state, m) for m in best], "all_best": True, "nodes": 0,
            "seconds": round(time.perf_counter() - start, 6), "weak": weak, "source": "book"}


def _progress_line(game, state, solver):
    """A tick for ``run_interruptibly`` that redraws the solve's progress line on stderr."""
    def tick() -> None:
        line = solver.progress().describe(lambda move: game.format_move(state, move))
        click.echo(f"\r{line}\033[K", err=True, nl=False)
    return tick


def _echo_solved(record: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(record))
    elif "error" in record:
        click.echo(f"Error: {record['position']}: {record['error']}", err=True)
    elif "stopped" in record:
        best = f" (best so far {' '.join(record['best_moves'])})" if record["best_moves"] else " (no best move yet)"
        click.echo(f"{record['position'] or '(start)'}  stopped ({record['stopped']}) after {record['nodes']:,} "
                   f"nodes, {record['seconds']:.2f} s: score >= {record['score']:+d}{best}")
    else:
        score = record["score"]
        outcome = "draw" if score == 0 else ("win" if score > 0 else "loss")
        source = "  (from the opening book)" if record.get("source") == "book" else ""
        click.echo(f"{record['position'] or '(start)'}  score {score:+d} ({outcome} for the side to move)  "
                   f"best {' '.join(record['best_moves'])}  nodes {record['nodes']:,}  {record['seconds']:.4f} s"
                   f"{source}")


