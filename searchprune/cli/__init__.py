"""The ``searchprune`` command line: it parses, calls the library and prints.

Every command validates its input and turns a ``GameError`` or a bad option into a
one-line error and a non-zero exit; results already produced are printed as they
are made, so an error later in a batch does not take them back. The commands live
in one module per family; this module is the group that gathers them.
"""

from __future__ import annotations

import click

from searchprune.cli.bench_commands import bench
from searchprune.cli.book_commands import book
from searchprune.cli.engine_commands import engines
from searchprune.cli.game_commands import analyse, games_cmd, perft, play, uci_command, warmup
from searchprune.cli.net_commands import nets, prune, train
from searchprune.cli.solve_command import solve
from searchprune.cli.tournament_command import tournament


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="searchprune")
def main() -> None:
    """Game-tree search engine: play, solve, benchmark."""


for _command in (games_cmd, play, solve, bench, warmup, perft, analyse, tournament, engines, nets, train, prune,
                 uci_command, book):
    main.add_command(_command)
