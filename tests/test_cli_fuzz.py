"""A seeded fuzz of the command line: no input a person can type gives a traceback.

For every command, ``CASES`` invocations are drawn (seeded, so a failure replays): one
to three of its options, each with a value read off the option's click type at and
past its bounds (``IntRange(1, 20)``: 0, 1, 20, 21), a malformed number, an unknown
choice or a missing path; its arguments valid or malformed (unknown games, broken
positions, positions that start with ``-``). Each must end with exit 0, 1 or 2 and no
exception but ``SystemExit``: a usage error, a one-line failure or a result.

Nothing here may search for long. The arguments keep searches on tic-tac-toe or on
positions that solve in milliseconds, and the commands that do real work (a
tournament, training, pruning, making data, the compression study) get only values
that click itself refuses, so they stop before any work. ``--hash``'s upper bound
(4096 MiB) is tried only past it: at it, a table of 4 GiB would be zeroed.
"""

from __future__ import annotations

import random

import click
import pytest
from click.testing import CliRunner

from searchprune.cli import main

#: Invocations drawn per command.
CASES = 12
START_FEN = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"
DASH_OTHELLO = "--X--XO-X-XX-XO-XOOOOOOOXXOOXXXOXXOOOXXOXXOOOOO-O-OOOO-XOOOOOOO- X"
BAD_POSITIONS = ["", "zzz", "4448", "0", "-", "--", "-1", "-OOOO", "8/8/8 w", "1" * 80, "é", DASH_OTHELLO,
                 START_FEN.replace("K", "X"), "O" * 64 + " Z"]
BAD_GAMES = ["shogi", "", "-x", "CONNECT4"]

#: The arguments of each command: lists of words, a valid one first (drawn half the time;
#: each kept cheap).
ARGUMENTS: dict[tuple[str, ...], list[list[str]]] = {
    ("games",): [[]],
    ("play",): [["tictactoe"], ["connect4"]] + [[g] for g in BAD_GAMES],
    ("analyse",): [["tictactoe", "5"], ["connect4", "4453"], ["othello", DASH_OTHELLO]]
    + [["connect4", p] for p in BAD_POSITIONS] + [["chess", p] for p in BAD_POSITIONS[:6]] + [[g] for g in BAD_GAMES],
    ("solve",): [["connect4", "44455554221"], ["othello", DASH_OTHELLO], ["connect4", "4455", "4444444"], []]
    + [["connect4", p] for p in BAD_POSITIONS] + [["othello", p] for p in BAD_POSITIONS] + [[g, "4"] for g in BAD_GAMES]
    + [["tictactoe", "5"]],
    ("perft",): [[START_FEN, "2"], [START_FEN, "-1"], [START_FEN, "21"], [START_FEN, "x"], [DASH_OTHELLO, "1"]]
    + [[p, "1"] for p in BAD_POSITIONS],
    ("warmup",): [["tictactoe"]] + [[g] for g in BAD_GAMES],
    ("uci",): [[]],
    ("bench",): [["--game", "tictactoe", "--signature"], ["--game", "tictactoe", "--algorithm", "alphabeta",
                                                          "--runs", "1"]] + [["--game", g] for g in BAD_GAMES],
    ("engines", "list"): [[]],
    ("nets", "list"): [[]],
    ("nets", "show"): [["nosuch"], ["connect4-mlp-h128-a730"], [""], ["/nonexistent.npz"]],
    ("nets", "verify"): [["nosuch"], ["connect4-mlp-h128-a730"], ["/nonexistent.npz"]],
    ("book", "info"): [["connect4"], ["othello"], ["connect4", "--file", "/nonexistent.npz"], ["chess"]],
}
#: Input on stdin (play and uci read moves or commands until it ends).
INPUT = {("play",): "quit\n", ("uci",): "uci\nisready\nquit\n"}
#: Commands that do real work when their options are valid: only values click refuses.
HEAVY = {("tournament",), ("train",), ("prune",), ("nets", "data"), ("bench", "compression"), ("book", "build"),
         ("book", "verify")}
#: Arguments for the heavy commands, which must never get as far as working.
HEAVY_ARGUMENTS = {
    ("tournament",): [["c4-random", "c4-random"], ["nosuch", "c4-random"], []],
    ("train",): [["connect4", "--data", ".", "--out", "unused"], ["shogi"]],
    ("prune",): [["connect4-mlp-h128-a730", "--method", "structured"], ["nosuch"], []],
    ("nets", "data"): [["connect4", "--out", "unused", "--games", "1"], ["shogi"]],
    ("bench", "compression"): [["--game", "connect4"], ["--game", "shogi"], []],
    ("book", "build"): [["connect4", "--work", "unused"], ["othello"], []],
    ("book", "verify"): [["connect4"], ["connect4", "--file", "/nonexistent.npz"], ["chess"]],
}
#: Values an option must never get here, even at its bound (time and allocations).
NEVER = {"--hash": {"4096", "4096.0"}, "--depth": {"20"}, "--time": set(), "--games": set()}
#: Option values that would search too long on a valid position (the fuzz picks others).
CAPPED = {"--depth": ["1", "2", "0", "-1", "x"], "--time": ["0.01", "0", "-1", "nan", "inf", "1e300", "x"],
          "--nodes": ["1", "1000", "0", "-1", "99999999999999999999", "x"],
          "--runs": ["1", "0", "-1", "x"], "--positions": ["0", "-1", "x"]}


def leaf_commands(group: click.Group = main, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                yield path + (name,), command
            yield from leaf_commands(command, path + (name,))
        else:
            yield path + (name,), command


COMMANDS = dict(leaf_commands())


def _bounds(kind: click.ParamType) -> list[str]:
    """Values at and past the bounds of a range type."""
    out = []
    for bound, step in ((getattr(kind, "min", None), -1), (getattr(kind, "max", None), 1)):
        if bound is not None:
            out += [str(bound), str(bound + step)]
    return out


def values_for(option: click.Option, refused_only: bool) -> list[str]:
    """Values to try for ``option``: only ones its click type refuses where ``refused_only``."""
    kind = option.type
    if isinstance(kind, (click.IntRange, click.FloatRange)):
        values = _bounds(kind) + ["x"]
        if refused_only:
            return [v for v in values if v == "x" or not _in_range(kind, v)]
    elif isinstance(kind, click.Choice):
        values = ["nosuch", ""] + ([] if refused_only else list(kind.choices))
    elif kind in (click.INT, click.FLOAT):
        values = ["x", "1.5.1"] + ([] if refused_only else ["-1", "0", "1", "nan", "inf", "1e300"])
        if kind is click.INT:
            values.append("1.5")
    elif isinstance(kind, (click.Path, click.File)):  # a path that need not exist would be written to
        refused = isinstance(kind, click.File) or kind.exists
        values = (["/nonexistent/folder/x"] if refused else []) + ([] if refused_only else ["", "."])
    else:
        values = [] if refused_only else ["", "nosuch", "-", "é"]
    if not refused_only and option.opts[0] in CAPPED:
        values = CAPPED[option.opts[0]]
    return [v for v in values if v not in NEVER.get(option.opts[0], ())]


def _in_range(kind, text: str) -> bool:
    try:
        kind.convert(text, None, None)
    except click.BadParameter:
        return False
    return True


def draw(path: tuple[str, ...], rng: random.Random) -> list[str]:
    """One invocation of the command at ``path``."""
    command = COMMANDS[path]
    heavy = path in HEAVY
    choices = (HEAVY_ARGUMENTS if heavy else ARGUMENTS)[path]
    words = list(choices[0] if rng.random() < 0.5 else rng.choice(choices))  # half the time the first, valid
    options = [p for p in command.params if isinstance(p, click.Option) and p.name != "help"]
    chosen = rng.sample(options, min(len(options), rng.randint(1, 3)))
    tried_refused = False
    for option in chosen:
        name = rng.choice(option.opts + option.secondary_opts)
        if option.is_flag or option.count:
            words.append(name)
            continue
        values = values_for(option, refused_only=heavy)
        if values:
            words += [name, rng.choice(values)]
            tried_refused = True
    if heavy and not tried_refused:
        words.append("--no-such-option")
    if not heavy and path[:1] in (("analyse",), ("play",)) and not {"--depth", "--time", "--nodes"} & set(words):
        words += ["--depth", "2"]
    return words


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_fuzzed_command_line_never_gives_a_traceback(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a command writes (a PGN, a run folder) stays here
    monkeypatch.setenv("SEARCHPRUNE_NETS", str(tmp_path / "nets"))
    assert path in ARGUMENTS or path in HEAVY, f"the fuzz has no arguments for {' '.join(path)}"
    rng = random.Random(" ".join(path))
    for _ in range(CASES):
        args = list(path) + draw(path, rng)
        result = CliRunner().invoke(main, args, input=INPUT.get(path, ""))
        where = f"searchprune {' '.join(map(repr, args))}"
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{where}: {result.exception!r}\n{result.output}")
        assert result.exit_code in (0, 1, 2), f"{where}: exit {result.exit_code}\n{result.output}"
        assert "Traceback" not in result.output, f"{where}:\n{result.output}"
        if path in HEAVY:
            assert result.exit_code == 2, f"{where}: a heavy command got past its options\n{result.output}"
