"""What the commands share: game, net and limit options, each checked into a usage error."""

from __future__ import annotations

import re

import click

from searchprune.games import GameError, get_game
from searchprune.search.limits import Limit
from searchprune.types import ALGORITHMS

ALGORITHM_CHOICE = click.Choice(sorted(ALGORITHMS))


#: What an option looks like on this command line: ``-h`` or a lower-case ``--long-name``
#: (with ``=value`` perhaps). Any other word that starts with ``-`` (an Othello board
#: such as ``-OOOO--X...``, a number such as ``-1``) is an argument, not an unknown option.
_OPTION_LIKE = re.compile(r"-[A-Za-z]|--[a-z][a-z0-9]*(-[a-z0-9]+)*(=.*)?")

#: The table sizes the commands accept, in MiB: the UCI option Hash's range.
HASH_RANGE = click.FloatRange(1, 4096)


class PositionalDashes(click.Command):
    """A command whose arguments may start with ``-`` (Othello boards, negative numbers).

    Click reads every word that starts with ``-`` as an option, so ``solve othello
    "-OOOOO--..."`` failed with ``No such option '-O'``. Before click parses, the
    words that look like no option of ours (see ``_OPTION_LIKE``) are moved behind a
    ``--``, in their order, with the other arguments; real options and their values
    stay in front. An unknown ``--option`` is still reported as one.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._dashes_last(args))

    def _takes_value(self) -> set[str]:
        names: set[str] = set()
        for param in self.params:
            if isinstance(param, click.Option) and not param.is_flag and not param.count:
                names.update(param.opts)
        return names

    def _dashes_last(self, args: list[str]) -> list[str]:
        options, arguments = self._split(args)
        if not any(word.startswith("-") and word != "-" for word in arguments):
            return args
        return options + ["--"] + arguments

    def _split(self, args: list[str]) -> tuple[list[str], list[str]]:
        """(the options with their values, the arguments), each in the order given."""
        valued, options, arguments = self._takes_value(), [], []
        words = iter(args)
        for word in words:
            if word == "--":
                arguments.extend(words)
            elif _OPTION_LIKE.fullmatch(word):
                options.append(word)
                value = next(words, None) if word in valued else None  # its value, whatever it looks like
                if value is not None:
                    options.append(value)
            else:
                arguments.append(word)
        return options, arguments


def hash_option():
    return click.option("--hash", "tt_mb", type=HASH_RANGE, default=16, show_default=True,
                        help="Transposition table MiB.")


def solver_option():
    return click.option("--solver/--no-solver", "use_solver", default=True, show_default=True,
                        help="Connect Four and Othello: play the exact solver's move when it proves one "
                             "within the move's time (--time or --tc; never at a fixed --depth/--nodes).")


def book_option():
    return click.option("--book/--no-book", "use_book", default=True, show_default=True,
                        help="Connect Four: play the opening book's proven move where it holds the position "
                             "(with --time or --tc).")


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


#: The largest --time and --nodes the search can count to (a year; the node counter is 64-bit).
MAX_SECONDS = 365 * 24 * 3600.0
MAX_NODES = 2**62


def limit_or_usage(depth: int | None, seconds: float | None, nodes: int | None = None) -> Limit:
    """The limit the options ask for; one second a move when none is given."""
    if depth is None and seconds is None and nodes is None:
        return Limit(time=1.0)
    if seconds is not None and seconds > MAX_SECONDS:  # inf too; nan is Limit's to refuse
        raise click.UsageError(f"--time must be at most {MAX_SECONDS:g} s, got {seconds:g}")
    if nodes is not None and nodes > MAX_NODES:
        raise click.UsageError(f"--nodes must be at most {MAX_NODES}, got {nodes}")
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
    return click.ClickException(
        f"{what} needs torch, which this installation lacks ({error}): install the nets extra into the "
        "project's environment with `.venv/bin/pip install -e '.[nets]'` (or the README's test set-up)")


#: Self-play games in the tuning set made when a net's own training data is absent.
TUNING_GAMES = 20


def tuning_folders(parent, data: tuple[str, ...]) -> list:
    """The fine-tuning data folders for ``parent``: ``--data``, else the parent's own
    training data where it is on this machine, else a small tuning set that the game's
    own labeller makes once into the user's cache (said on stderr: the real data is
    what `searchprune nets data` makes)."""
    import hashlib
    import json
    from pathlib import Path

    from searchprune.config import cache_dir
    from searchprune.nets.data import generate, settings_for
    from searchprune.nets.dataset import DataError

    folders = [Path(d) for d in data] or parent.training_folders()
    if folders:
        return folders
    try:
        # Named by its settings, so a version that labels otherwise makes a new set, not an error.
        settings = settings_for(parent.game, games=TUNING_GAMES, shard_games=TUNING_GAMES, seed=0)
        digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:8]
        folder = cache_dir() / "tuning-data" / f"{parent.game}-{TUNING_GAMES}-{digest}"
        click.echo(f"{parent.name}'s training data is not on this machine: using a small tuning set of "
                   f"{TUNING_GAMES} self-play games labelled by the {parent.game} labeller, in {folder} (made once; "
                   f"for a real one: searchprune nets data {parent.game} --out DIR --games 2000, then --data DIR)",
                   err=True)
        generate(parent.game, folder, games=TUNING_GAMES, shard_games=TUNING_GAMES, progress=False)
    except DataError as error:
        raise click.ClickException(f"cannot make the tuning set: {' '.join(str(error).split())}; "
                                   "give --data") from None
    return [folder]
