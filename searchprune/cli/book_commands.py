"""``searchprune book``: build, verify and describe the Connect Four opening book."""

from __future__ import annotations

import sys

import click

from searchprune.search.interrupt import exit_interrupted


@click.group()
def book() -> None:
    """The Connect Four opening book: positions the solver proved ahead of time."""


@book.command("build")
@click.argument("game_name", metavar="GAME", type=click.Choice(["connect4"]))
@click.option("--plies", type=click.IntRange(0, 20), default=8, show_default=True,
              help="Cover positions with up to this many stones.")
@click.option("--start", default="", help="Grow the book from this position (moves) instead of the empty board.")
@click.option("--work", type=click.Path(file_okay=False), default="runs/book-connect4", show_default=True,
              help="Solved positions, one file a ply (a rerun resumes from them).")
@click.option("--out", type=click.Path(dir_okay=False),
              help="The book file (default: the shipped games/connect4/book.npz); its manifest goes beside it.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=2, show_default=True, help="Worker processes.")
@click.option("--cluster", help="Solve on the Dask cluster at this scheduler address instead.")
def build(game_name: str, plies: int, start: str, work: str, out: str | None, concurrency: int,
          cluster: str | None) -> None:
    """Solve every position the engine can meet up to --plies stones (resumable)."""
    from searchprune.arena.book_build import build_book
    from searchprune.games import GameError

    def progress(ply: int, solved: int, total: int) -> None:
        click.echo(f"\rply {ply}: {solved}/{total} positions solved", nl=solved == total, err=True)

    try:
        manifest = build_book(work, plies, start=start, concurrency=concurrency, cluster=cluster, out=out,
                              progress=progress)
    except (GameError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    except RuntimeError as error:  # a Dask scheduler that cannot be reached
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: what was solved is kept in {work}; run the same command again to resume",
                   err=True)
        exit_interrupted()
    click.echo(f"book: {manifest['entries']:,} positions up to {plies} stones, sha256 {manifest['sha256'][:16]}..., "
               f"{manifest['solve_cpu_seconds']:,.0f} CPU-s of solving")


def _load(path: str | None):
    from searchprune.solvers.book import BookError, OpeningBook

    try:
        loaded = OpeningBook.load(path) if path else OpeningBook.default()
    except BookError as error:
        raise click.UsageError(str(error)) from None
    if loaded is None:
        raise click.UsageError("no opening book is shipped here: make one with `searchprune book build connect4`")
    return loaded


@book.command("verify")
@click.argument("game_name", metavar="GAME", type=click.Choice(["connect4"]))
@click.option("--file", "path", type=click.Path(dir_okay=False), help="The book (default: the shipped one).")
@click.option("--sample", type=click.IntRange(1), default=20, show_default=True, help="Entries to re-solve.")
@click.option("--seed", type=int, default=1, show_default=True, help="Which entries.")
def verify(game_name: str, path: str | None, sample: int, seed: int) -> None:
    """Re-solve a random sample of the book's entries and compare."""
    from searchprune.arena.book_build import verify_book

    loaded = _load(path)
    wrong = verify_book(loaded, sample, seed)
    checked = min(sample, len(loaded))
    if wrong:
        click.echo(f"error: {len(wrong)} of {checked} entries differ from a fresh solve: {', '.join(wrong[:5])}",
                   err=True)
        sys.exit(1)
    click.echo(f"ok: {checked} of {len(loaded):,} entries re-solved, all equal")


@book.command("info")
@click.argument("game_name", metavar="GAME", type=click.Choice(["connect4"]))
@click.option("--file", "path", type=click.Path(dir_okay=False), help="The book (default: the shipped one).")
def info(game_name: str, path: str | None) -> None:
    """What the book covers, how it was made, its size and checksum."""
    loaded = _load(path)
    manifest = loaded.manifest
    click.echo(f"{loaded.path}: {len(loaded):,} positions, {loaded.path.stat().st_size:,} bytes")
    for key in ("made_by", "covers", "solve_cpu_seconds", "sha256"):
        if key in manifest:
            click.echo(f"{key}: {manifest[key]}")
