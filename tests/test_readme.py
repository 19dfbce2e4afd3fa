"""Every command line in README.md's "Using it" block runs, as a new user would run it.

``test_every_using_it_line_runs`` runs each line, in the README's order (later lines use
what earlier ones made: ``data/c4``, ``runs/d8``), as a real process in one fresh
temporary folder, with the project's ``.venv`` first on ``PATH`` (the README activates
it) and ``SEARCHPRUNE_NETS`` pointing into that folder (the user's nets). It fails on
any non-zero exit or a traceback. Lines that need Stockfish are skipped only where
``/usr/games/stockfish`` is absent.

How a line is made cheap enough for a test (``SMALL`` holds it, line by line): a value
the README gives is replaced by a smaller one (``--rounds 10`` -> ``--rounds 1``,
``--depth 14`` -> ``--depth 8``, ``--games 2000`` -> ``--games 10``), and options the
README leaves at their defaults are added (``--epochs 1``, a study's ``--variant``s,
``--work`` and ``--out`` inside the temporary folder so nothing is written into the
repository, whose ``nets/`` and ``bench/results/`` are the README's defaults). The
interactive commands read ``quit`` on stdin. The README's relative paths to the
repository's files (``../shared/data/...``, ``bench/...``) are read from the
repository root, and two solver files are cut to their first lines. Nothing else
changes: the command, its game, engines, nets and the options that decide what it does.

It took 14 minutes on 2 cores shared with other work (44 lines, 7 of them on Stockfish;
the longest, at 1-1.5 minutes each: ``bench``, ``warmup``, a chess prune that labels its
tuning set), so it is marked slow. ``test_using_it_block_parses`` (fast) checks that
every line names a command this project has.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from searchprune.cli import main
from searchprune.paths import repo_root

STOCKFISH = Path("/usr/games/stockfish")
README = repo_root() / "README.md"
TIMEOUT = 900

#: README line (its words up to the first option, or the whole command) -> (replacements,
#: added words, stdin). A replacement maps an option to its new value; ``{tmp}`` is the folder.
SMALL: dict[str, tuple[dict[str, str], list[str], str | None]] = {
    "searchprune play connect4 --side second --time 2": ({"--time": "0.5"}, [], "quit\n"),
    "searchprune play tictactoe --depth 9": ({}, [], "5\nquit\n"),
    "searchprune play othello --time 2": ({"--time": "0.5"}, [], "d3\nquit\n"),
    "searchprune analyse connect4 4453 --depth 14": ({"--depth": "8"}, [], None),
    "searchprune book verify connect4": ({"--sample": "3"}, [], None),
    "searchprune book build connect4": ({"--plies": "11", "--work": "{tmp}/book-work", "--out": "{tmp}/book.npz"},
                                        ["--start", "4444333"], None),
    "searchprune solve othello --weak --all-best --file": ({}, [], None),
    "searchprune play chess --time 2": ({"--time": "0.2"}, [], "e4\nquit\n"),
    "searchprune analyse chess": ({"--time": "0.5"}, [], None),
    "searchprune perft": ({"5": "3"}, [], None),
    "searchprune uci": ({}, [], "uci\nisready\nposition startpos moves e2e4\ngo movetime 100\nquit\n"),
    "searchprune tournament chess-negascout-100ms sf-elo1350": ({"--rounds": "1"}, ["--max-plies", "40"], None),
    "searchprune tournament c4-negascout-d6 c4-alphabeta-d6 c4-random": ({"--rounds": "1"}, [], None),
    "searchprune tournament c4-negascout-d8 c4-negascout-d6": ({}, ["--rounds", "2"], None),
    "searchprune play connect4 --net": ({}, ["--depth", "4"], "4\nquit\n"),
    "searchprune uci --net": ({}, [], "uci\nisready\nposition startpos\ngo movetime 100\nquit\n"),
    "searchprune nets data connect4": ({"--games": "10"}, ["--shard-games", "5"], None),
    "searchprune nets data chess": ({"--games": "2"}, ["--shard-games", "1"], None),
    "searchprune train connect4": ({}, ["--epochs", "1"], None),
    "searchprune prune": ({}, ["--out", "{tmp}/nets"], None),
    "searchprune bench compression": ({}, [
        "--variant", "dense", "--variant", "structured 50%", "--rounds", "1", "--condition", "nodes", "--nodes", "200",
        "--positions", "2", "--depth", "4", "--think", "0.01", "--eval-rounds", "1", "--finetune-epochs", "1",
        "--work", "{tmp}/compression-work", "--out", "{tmp}/bench-results"], None),
    "searchprune bench --net": ({}, ["--runs", "1"], None),
    "searchprune bench": ({}, ["--runs", "1"], None),
    "python bench/connect4_solver.py": ({}, ["--sets", "L3_R1", "--limit", "20"], None),
    "python bench/othello_endgame.py": ({"--ffo": "40"}, ["--tt-mib", "16"], None),
    "python bench/cold_start.py": ({}, ["--runs", "1", "--depth", "4"], None),
    "python bench/tournament_throughput.py": ({}, ["--rounds", "1", "--runs", "1", "--workers", "1"], None),
    "python bench/chess_perft.py": ({}, ["--positions", "1", "--max-leaves", "20000", "--pc-max-leaves", "20000",
                                        "--repeats", "1"], None),
    "python bench/chess_suites.py": ({}, ["--limit", "2", "--times", "0.1"], None),
    "python bench/chess_match.py": ({"--elo": "1350"}, ["--games", "2", "--movetime", "0.05", "--max-plies", "40"],
                                    None),
    "python bench/nets_eval.py": ({}, ["--runs", "1"], None),
    "python bench/nets_strength.py": ({"--rounds": "1"}, ["--perfect", "10", "--nodes", "500",
                                                          "--work", "{tmp}/strength"], None),
}
#: Solver files cut to their first lines (file name -> lines kept).
CUT = {"Test_L3_R1": 20, "fforum-20-39.obf": 1}
#: Lines that need Stockfish (a UCI engine spec on it, chess data labelled by it, or a chess
#: net pruned without its training data, whose tuning set it labels).
NEEDS_STOCKFISH = re.compile(r"\bsf-|nets data chess|prune chess|chess_perft|chess_suites|chess_match")


def using_it_lines() -> list[str]:
    """The command lines of the "Using it" section's code blocks, comments dropped and
    continued lines joined; ``source .venv/bin/activate`` left out (``PATH`` does it)."""
    section = README.read_text().split("## Using it", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] != "source":
                lines.append(shlex.join(words))
    return lines


def _rule(line: str):
    """The longest ``SMALL`` key that the line starts with."""
    keys = [k for k in SMALL if line == k or line.startswith(k + " ")]
    return SMALL[max(keys, key=len)] if keys else ({}, [], None)


def small(line: str, tmp: Path) -> tuple[list[str], str | None]:
    """The line's words with the test's limits, and its stdin."""
    replace, extra, stdin = _rule(line)
    words = shlex.split(line)
    for i, word in enumerate(words):
        if word in replace and (word.isdigit() or i + 1 < len(words)):
            if word.isdigit():  # a positional value (perft's depth)
                words[i] = replace[word]
            else:
                words[i + 1] = replace[word].replace("{tmp}", str(tmp))
        words[i] = _repository_path(words[i], tmp)
    return words + [w.replace("{tmp}", str(tmp)) for w in extra], stdin


def _repository_path(word: str, tmp: Path) -> str:
    """A path the README gives from the repository root, read from there (solver files cut)."""
    if not word.startswith(("../shared/", "bench/")) or not (repo_root() / word).exists():
        return word
    source = (repo_root() / word).resolve()
    if source.name not in CUT:
        return str(source)
    cut = tmp / "cut" / source.name
    cut.parent.mkdir(exist_ok=True)
    cut.write_text("".join(source.read_text().splitlines(keepends=True)[: CUT[source.name]]))
    return str(cut)


def test_using_it_block_parses():
    """Every line runs `searchprune COMMAND` of this CLI or one of the repository's bench scripts."""
    lines = using_it_lines()
    assert len(lines) > 30
    for line in lines:
        words = shlex.split(line)
        if words[0] == "python":
            assert (repo_root() / words[1]).is_file(), line
            continue
        assert words[0] == "searchprune", line
        command = main.commands.get(words[1]) if len(words) > 1 else main
        assert command is not None, f"no command {words[1]!r}: {line}"
        if isinstance(command, click.Group) and len(words) > 2 and not words[2].startswith("-"):
            assert words[2] in command.commands, line
    assert any(line.startswith("searchprune bench compression") and "--parent" in line for line in lines)


@pytest.mark.slow
def test_every_using_it_line_runs(tmp_path):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               SEARCHPRUNE_NETS=str(tmp_path / "nets"), PYTHONUNBUFFERED="1")
    work = tmp_path / "work"
    work.mkdir()
    failures, timings = [], []
    for line in using_it_lines():
        if NEEDS_STOCKFISH.search(line) and not STOCKFISH.exists():
            timings.append(f"skipped (no Stockfish): {line}")
            continue
        words, stdin = small(line, tmp_path)
        if words[0] == "python":
            words[0] = sys.executable
        start = time.perf_counter()
        try:
            proc = subprocess.run(words, cwd=work, env=env, input=stdin or "", capture_output=True, text=True,
                                  timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            failures.append(f"{shlex.join(words)}: still running after {TIMEOUT} s")
            continue
        timings.append(f"{time.perf_counter() - start:7.1f} s  {shlex.join(words)}")
        output = proc.stdout + proc.stderr
        if proc.returncode != 0 or "Traceback" in output:
            failures.append(f"{shlex.join(words)}: exit {proc.returncode}\n{output[-3000:]}")
    print("\n".join(timings))
    assert not failures, "\n\n".join(failures)
