"""The commands that play and search: games, play, analyse, perft, warmup, uci (solve: solve_command.py)."""

from __future__ import annotations

import json
import sys
import time

import click

from searchprune.cli.options import (
    ALGORITHM_CHOICE,
    PositionalDashes,
    game_or_usage,
    hash_option,
    limit_or_usage,
    net_option,
    net_or_usage,
    solver_option,
    book_option,
)
from searchprune.engines.uci import HASH_DEFAULT_MB, HASH_MAX_MB, HASH_MIN_MB
from searchprune.games import GameError, get_game, names
from searchprune.search.interrupt import exit_interrupted


@click.command("games")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per game.")
def games_cmd(as_json: bool) -> None:
    """List the registered games."""
    for name in names():
        info = get_game(name).info
        if as_json:
            click.echo(json.dumps({"name": name, "players": list(info.players), "max_moves": info.max_moves,
                                   "max_plies": info.max_plies, "description": info.description}))
        else:
            click.echo(f"{name:<12} {info.description}")


@click.command()
@click.argument("game_name", metavar="GAME")
@click.option("--side", type=click.Choice(["first", "second"]), default="first", show_default=True,
              help="Which side you play.")
@click.option("--depth", type=int, help="Engine strength: search depth in plies.")
@click.option("--time", "seconds", type=float, help="Engine strength: seconds per move (default 1).")
@click.option("--algorithm", type=ALGORITHM_CHOICE, default="negascout", show_default=True)
@hash_option()
@click.option("--position", default="",
              help="Start from this position (the game's notation: 4453, a FEN...), or chess: resume the game "
                   "in a .pgn file with its moves.")
@click.option("--color/--no-color", default=None, help="Colour the board (default: when stdout is a terminal).")
@click.option("--pgn", "record_path", type=click.Path(dir_okay=False),
              help="Chess: save the game here (default: searchprune-chess-<time>.pgn in this folder).")
@click.option("--tc", "time_control",
              help="A clock for each side: 5+3 (minutes + seconds a move), 40/300 (moves/seconds), 300 (seconds). "
                   "The engine spends its own clock; yours runs from the prompt until your move; "
                   "a fallen flag loses.")
@net_option(" instead of the hand-written evaluation")
@solver_option()
@book_option()
def play(game_name: str, side: str, depth: int | None, seconds: float | None, algorithm: str, tt_mb: float,
         position: str, color: bool | None, record_path: str | None, time_control: str | None,
         net_name: str | None, use_solver: bool, use_book: bool) -> None:
    """Play GAME against the engine in the terminal (moves may come from stdin).

    Commands at the prompt: a move, hint, undo, moves, flip, save [file], quit. Ctrl-C
    leaves as quit does (the game saved, the resume line printed) and exits 130.
    """
    from searchprune.play import PlayOptions, PlaySession

    game = game_or_usage(game_name)
    state, moves = _play_start(game, position)
    options = PlayOptions(
        human_side=0 if side == "first" else 1,
        limit=limit_or_usage(depth, seconds),
        algorithm=algorithm,
        tt_mb=tt_mb,
        color=sys.stdout.isatty() if color is None else color,
        record_path=record_path,
        net=net_or_usage(net_name, game_name),
        time_control=_time_control_or_usage(time_control, seconds),
        solver=use_solver,
        book=use_book,
    )
    session = PlaySession(game, options, sys.stdin, sys.stdout, state, moves)
    session.run()
    if session.interrupted:  # Ctrl-C: the game is saved and the resume line printed
        exit_interrupted()


def _play_start(game, position: str) -> tuple:
    """``(state, moves)`` for ``play --position``: a position, or a game record resumed."""
    from searchprune.play import load_record

    try:
        if position.lower().endswith(".pgn"):
            return load_record(game, position)
        return game.parse_position(position), []
    except GameError as error:
        raise click.UsageError(str(error)) from None


def _time_control_or_usage(text: str | None, seconds: float | None):
    if text is None:
        return None
    from searchprune.engines.clock import TimeControl

    if seconds is not None:
        raise click.UsageError("give --tc or --time, not both: with a clock the engine spends its own time")
    try:
        return TimeControl.parse(text)
    except ValueError as error:
        raise click.UsageError(str(error)) from None


@click.command()
@click.argument("game_names", nargs=-1, metavar="[GAME]...")
def warmup(game_names: tuple[str, ...]) -> None:
    """Compile (or load from the cache) the search, and the exact solver where there is one,
    for each GAME (default: every game), so play and solve start fast."""
    from searchprune.engines.engine import SearchEngine
    from searchprune.solvers import solvable_games, solver_class

    solvable = set(solvable_games())
    for name in game_names or names():
        game = game_or_usage(name)
        start = time.perf_counter()
        SearchEngine.create(game).warm_up(depth=2)
        if name in solvable:
            solver_class(name).warm_up()
        click.echo(f"{name:<12} ready in {time.perf_counter() - start:.2f} s")


@click.command(cls=PositionalDashes)
@click.argument("position")
@click.argument("depth", type=click.IntRange(0, 20))
@click.option("--game", "game_name", default="chess", show_default=True, help="Game of the position.")
@click.option("--divide", is_flag=True, help="Also count the leaves below each legal move.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: nodes, seconds (and divide).")
def perft(position: str, depth: int, game_name: str, divide: bool, as_json: bool) -> None:
    """Count the leaves of the legal-move tree DEPTH plies below POSITION (a FEN for chess).

    The move generator's standard correctness test. Compilation is done before the clock
    starts, so the seconds reported are the count itself.
    """
    from searchprune.search.driver import Searcher

    game = game_or_usage(game_name)
    try:
        state = game.parse_position(position)
    except GameError as error:
        raise click.UsageError(str(error)) from None
    searcher = Searcher(game, tt_mb=0.0625)
    searcher.perft(state, 1)  # compile or load the kernels outside the timing
    start = time.perf_counter()
    parts: dict[str, int] = {}
    if divide and depth > 0:
        for move in game.legal_moves(state):
            child = state.copy()
            game.play(child, move)
            parts[game.move_name(state, move)] = searcher.perft(child, depth - 1)
        nodes = sum(parts.values())
    else:
        nodes = searcher.perft(state, depth)
    seconds = time.perf_counter() - start
    if as_json:
        out = {"nodes": nodes, "seconds": round(seconds, 6), "depth": depth}
        if divide:
            out["divide"] = parts
        click.echo(json.dumps(out))
        return
    for name, count in parts.items():
        click.echo(f"{name}: {count}")
    rate = f", {nodes / seconds / 1e6:.1f} M leaves/s" if seconds > 0 else ""
    click.echo(f"{'' if not parts else chr(10)}Nodes searched: {nodes}  ({seconds:.3f} s{rate})")


@click.command(cls=PositionalDashes)
@click.argument("game_name", metavar="GAME")
@click.argument("position", default="")
@click.option("--depth", type=int, help="Search depth in plies.")
@click.option("--time", "seconds", type=float, help="Seconds to search.")
@click.option("--nodes", type=int, help="Nodes to search.")
@click.option("--algorithm", type=ALGORITHM_CHOICE, default="negascout", show_default=True)
@hash_option()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per iteration.")
@net_option("")
@solver_option()
@book_option()
def analyse(game_name: str, position: str, depth, seconds, nodes, algorithm: str, tt_mb: float, as_json: bool,
            net_name: str | None, use_solver: bool, use_book: bool) -> None:
    """Search POSITION of GAME and print each iteration (depth, score, nodes, PV).

    Ctrl-C stops the search at once, prints the last completed iteration's move and exits 130.
    """
    from searchprune.engines.engine import SearchEngine
    from searchprune.search.interrupt import run_interruptibly
    from searchprune.types import format_score

    game = game_or_usage(game_name)
    try:
        state = game.parse_position(position)
        engine = SearchEngine.create(game, algorithm=algorithm, hash_mb=tt_mb, net=net_or_usage(net_name, game_name),
                                     exact={"solver": use_solver, "book": use_book})
    except (GameError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    limit = limit_or_usage(depth, seconds, nodes)

    def pv_text(pv: list[int]) -> str:
        work = state.copy()
        words = []
        for move in pv:
            words.append(game.format_move(work, move))
            game.play(work, move)
        return " ".join(words)

    def report(info) -> None:
        if as_json:
            click.echo(json.dumps(dict(info.as_dict(), pv=pv_text(info.pv).split())))
        else:
            click.echo(f"depth {info.depth:>3}  score {format_score(info.score):>12}  nodes {info.nodes:>12,}  "
                       f"{info.time:7.3f} s  {info.nps / 1e6:6.2f} Mn/s  tt {info.tt_hit_rate:4.0%}  "
                       f"first-cut {info.first_cutoff_rate:4.0%}  pv {pv_text(info.pv)}")

    try:  # load (or compile) the kernels before the clock starts
        run_interruptibly(lambda: engine.warm_up(depth=1))
    except KeyboardInterrupt:
        exit_interrupted()
    try:
        result, interrupted = run_interruptibly(lambda: engine.analyse(state, limit, on_iteration=report),
                                                engine.stop)
    except GameError as error:
        raise click.UsageError(str(error)) from None
    best = f"bestmove {game.format_move(state, result.move)}"
    if not interrupted:
        _echo_exact(game, state, result, as_json)
    if interrupted:  # Ctrl-C: the last completed iteration's move, then the shell's code for SIGINT
        click.echo(f"interrupted after depth {result.info.depth}: {best}", err=as_json)
        exit_interrupted()
    if not as_json:
        click.echo(best)


def _echo_exact(game, state, result, as_json: bool) -> None:
    """The solver's proof, when the move came from one (``result.exact``)."""
    if result.exact is not None:
        move = game.format_move(state, result.move)
        click.echo(json.dumps({"exact": result.exact.text(), "move": move}) if as_json
                   else f"solved: {result.exact.text()}")


@click.command("uci")
@click.option("--hash", "tt_mb", type=click.IntRange(HASH_MIN_MB, HASH_MAX_MB), default=HASH_DEFAULT_MB,
              show_default=True,
              help="Transposition table MiB (the UCI option Hash changes it later).")
@net_option(" for chess (the UCI option EvalFile changes it later)")
def uci_command(tt_mb: int, net_name: str | None) -> None:
    """Play chess as a UCI engine on stdin/stdout (for GUIs such as cutechess or Arena)."""
    from searchprune.engines.uci import UciServer

    server = UciServer(sys.stdin, sys.stdout, tt_mb=tt_mb, net=net_or_usage(net_name, "chess"))
    try:
        server.run()
    except KeyboardInterrupt:  # Ctrl-C at a terminal: answer the running go, then exit
        server.interrupt()
        exit_interrupted()
