"""`searchprune tournament`: round robins, gauntlets and SPRTs of engine specs."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from searchprune.games import GameError
from searchprune.search.interrupt import exit_interrupted


def _sprt_option(text: str | None, engines: int):
    """``"elo0=0 elo1=5 alpha=0.05 beta=0.05"`` (commas or spaces) as an ``SprtConfig``."""
    if not text:
        return None
    from searchprune.arena.tournament import SprtConfig

    if engines != 2:
        raise click.UsageError("--sprt needs exactly two engines")
    values = {}
    for item in text.replace(",", " ").split():
        key, _, value = item.partition("=")
        if key not in ("elo0", "elo1", "alpha", "beta") or not value:
            raise click.UsageError(f"bad --sprt item {item!r}: expected elo0=, elo1=, alpha=, beta=")
        try:
            values[key] = float(value)
        except ValueError:
            raise click.UsageError(f"bad --sprt value {item!r}: not a number") from None
    if not {"elo0", "elo1"} <= values.keys():
        raise click.UsageError("--sprt needs elo0 and elo1, e.g. --sprt 'elo0=0 elo1=10'")
    try:
        return SprtConfig(**values)
    except ValueError as error:  # elo0 not below elo1, or alpha or beta out of range
        raise click.UsageError(f"--sprt: {error}") from None


#: Where a tournament without ``--out`` writes, under the current folder (the README's ``--out runs/...``).
DEFAULT_RUNS = Path("runs")


def _default_folder(game: str) -> Path:
    """A new ``runs/tournament-<game>-<time>`` folder (a suffix if that one is taken), said on stderr."""
    base = DEFAULT_RUNS / f"tournament-{game}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    click.echo(f"writing the games to {folder} (choose the folder with --out)", err=True)
    return folder


def _saved_rounds(out_dir: str, resume: bool) -> int | None:
    """On ``resume``, the rounds of the tournament saved in ``out_dir`` (None: not resuming,
    or nothing readable there; ``run`` then says why)."""
    from searchprune.arena.records import ResultsError, read_results

    if not resume:
        return None
    try:
        return read_results(Path(out_dir))[0].get("rounds")
    except (ResultsError, OSError):
        return None


def _prepare(engine_names: list[str], options: dict, concurrency: int, cluster: str | None):
    """(tournament, executors): the specs loaded and checked (a bad one: a usage error), and
    every engine started once before any game (one that cannot start: exit 1, no game
    recorded, so no forfeit for it)."""
    from searchprune.arena.executors import EngineStartError, Executors, check_engines
    from searchprune.arena.tournament import make_tournament
    from searchprune.engines.spec import SpecError

    try:
        event = make_tournament(engine_names, **options)
        check_engines(event.engines)
        return event, Executors(event.engines, concurrency=concurrency, cluster=cluster)
    except EngineStartError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except (RuntimeError, SpecError, GameError, ValueError) as error:
        raise click.UsageError(str(error)) from None


class _ProgressBar:
    """``run``'s progress callback, as a bar on stderr (``show`` None: when stderr is a
    terminal); a game lost to an engine's fault is reported on stderr as it comes in."""

    def __init__(self, show: bool | None) -> None:
        self.show = sys.stderr.isatty() if show is None else show
        self.bar = None

    def __call__(self, record: dict | None, done: int, total: int) -> None:
        from searchprune.arena.match import fault

        if record is not None and fault(record) is not None:
            line = f"fault: game {record['round'] + 1}.{record['leg'] + 1}: {record['termination']}"
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr)
            else:
                click.echo(line, err=True)
        if self.show and self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit="game", file=sys.stderr, dynamic_ncols=True)
        elif self.show:
            self.bar.update(1)
            self.bar.set_postfix_str(f"{record['first']} {record['result']} {record['second']}", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@click.command()
@click.argument("engine_names", nargs=-1, required=True, metavar="ENGINE...")
@click.option("--mode", type=click.Choice(["roundrobin", "gauntlet"]), default="roundrobin",
              help="gauntlet: the first engine against each of the others.")
@click.option("--rounds", type=click.IntRange(1),
              help="Game pairs per pairing (one opening each, colours swapped within the pair); default 10. "
                   "With --resume: the saved run's, or more to extend it.")
@click.option("--openings", "openings_path", type=click.Path(dir_okay=False),
              help="Openings file, one per line (default: games/<game>/openings.txt when it exists).")
@click.option("--concurrency", type=click.IntRange(1), default=1, help="Games in parallel.")
@click.option("--cluster", help="Dask scheduler address (tcp://host:port) instead of local processes.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Folder for results.jsonl and games.pgn (default: a new runs/tournament-<game>-<time>).")
@click.option("--resume", is_flag=True, help="Continue the tournament saved in --out (with a larger --rounds: "
                                             "extend it; an undecided SPRT goes on).")
@click.option("--sprt", "sprt_text", help="Stop early on a decision: 'elo0=0 elo1=10 alpha=0.05 beta=0.05' "
                                          "(two engines; Elo of the first over the second).")
@click.option("--max-plies", type=click.IntRange(1), help="Adjudicate a draw after this many plies.")
@click.option("--resign", nargs=2, type=int, metavar="SCORE MOVES",
              help="An engine scoring <= -SCORE for MOVES of its moves in a row loses.")
@click.option("--draw", nargs=3, type=int, metavar="SCORE PLIES AFTER",
              help="Both engines within SCORE of 0 for PLIES plies, after ply AFTER: a draw.")
@click.option("--json", "as_json", is_flag=True, help="Print the final standings as one JSON object.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
def tournament(engine_names, mode, rounds, openings_path, concurrency, cluster, out_dir, resume, sprt_text,
               max_plies, resign, draw, as_json, progress) -> None:
    """Play ENGINE specs (names in engines/ or .toml paths) against each other.

    \b
    Examples:
      searchprune tournament c4-negascout-d6 c4-alphabeta-d6 --rounds 20 --concurrency 2
      searchprune tournament c4-negascout-d8 c4-negascout-d6 --sprt 'elo0=0 elo1=50'
      searchprune tournament c4-negascout-d6 c4-random --out runs/x --resume
      searchprune tournament c4-negascout-d6 c4-random --out runs/x --resume --rounds 40
    """
    from searchprune.arena.records import ResultsError
    from searchprune.arena.tournament import TournamentError, print_report, run

    if resume and not out_dir:
        raise click.UsageError("--resume needs --out (the folder of the tournament to continue)")
    sprt = _sprt_option(sprt_text, len(engine_names))
    if rounds is None:  # a resumed run keeps its own count
        rounds = _saved_rounds(out_dir, resume) or 10
    options = {"rounds": rounds, "mode": mode, "openings": openings_path, "max_plies": max_plies, "resign": resign,
               "draw": draw}
    event, executors = _prepare(list(engine_names), options, concurrency, cluster)
    folder = Path(out_dir) if out_dir else _default_folder(event.game)
    bar = _ProgressBar(progress)
    try:
        try:
            outcome = run(event, folder, executors, resume=resume, sprt=sprt, progress=bar)
        finally:
            bar.close()  # before any message below, and before exit_interrupted skips the rest
    except (TournamentError, ResultsError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: finished games are saved in {folder}; continue with --out {folder} --resume",
                   err=True)
        exit_interrupted()
    if as_json:
        return click.echo(json.dumps(dict(outcome.as_dict(event), out=str(folder))))
    print_report(outcome, event)
    click.echo(f"\nresults: {folder / 'results.jsonl'}  games: {folder / 'games.pgn'}")
