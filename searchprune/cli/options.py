"""What the commands share: game, net and limit options, each checked into a usage error."""

from __future__ import annotations

import click

from searchprune.games import GameError, get_game
from searchprune.search.limits import Limit
from searchprune.types import ALGORITHMS

ALGORITHM_CHOICE = click.Choice(sorted(ALGORITHMS))


def game_or_usage(name: str):
    try:
        return get_game(name)
    except GameError as error:
        raise click.UsageError(str(error)) from None


def net_option(what: str):
    return click.option("--net", "net_name", metavar="NAME|PATH",
                        help=f"Evaluate with this net (see `searchprune nets list`){what}.")


def net_or_usage(net_name: str | None, game_name: str):
    """The checked net for ``game_name``, or None; a bad net is a usage error."""
    if net_name is None:
        return None
    from searchprune.evaluation.store import NetError, load_net

    try:
        return load_net(net_name, game_name)
    except NetError as error:
        raise click.UsageError(str(error)) from None


def limit_or_usage(depth: int | None, seconds: float | None, nodes: int | None = None) -> Limit:
    """The limit the options ask for; one second a move when none is given."""
    if depth is None and seconds is None and nodes is None:
        return Limit(time=1.0)
    try:
        return Limit(depth=depth, time=seconds, nodes=nodes)
    except ValueError as error:
        raise click.UsageError(str(error)) from None


def finetune_options(epochs: int):
    """The fine-tuning options of `prune` and `bench compression` (``epochs``: the default)."""
    options = [
        click.option("--data", multiple=True, type=click.Path(file_okay=False, exists=True),
                     help="Training data (repeatable); default: the parent's, where it is on this machine."),
        click.option("--limit", type=click.IntRange(1), help="Fine-tune on at most this many training positions."),
        click.option("--finetune-epochs", type=click.IntRange(0), default=epochs,
                     help="Epochs of fine-tuning after each pruning step, with the pruned weights held at zero."),
        click.option("--lr", type=float, default=3e-4, help="Fine-tuning learning rate."),
        click.option("--lr-schedule", type=click.Choice(["constant", "cosine"]), default="constant",
                     help="Keep the rate, or anneal it to zero over each step's fine-tuning (cosine)."),
        click.option("--distil", type=click.FloatRange(0, 1), default=0.0,
                     help="Share of the parent's own output in the fine-tuning target (knowledge distillation)."),
    ]

    def apply(command):
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def needs_torch(what: str, error: ImportError) -> click.ClickException:
    return click.ClickException(f"{what} needs torch: pip install 'searchprune[nets]' ({error})")
