"""Build the Connect Four opening book (``searchprune.solvers.book``) with the project's solver.

Coverage: every position the engine can meet up to ``plies`` stones when it plays its
book move and the opponent plays anything, as first player and as second player. Ply
by ply: the positions where the engine is to move are solved (the exact score and every
optimal column); the engine's book move (``book_move``, in the canonical orientation) is
played; each legal reply that does not end the game gives a position two plies on.
Mirror images and transpositions are folded (one canonical position each, see
``solvers.book``).

Resumable and sharded: each ply's results go to ``<work>/ply-<p>.jsonl`` as they are
solved (one line a position), and a rerun solves only what is missing; the finished
book is written from those files. The solves run in a local process pool, or on a Dask
cluster (``arena.executors.open_pool``); each worker keeps its solver's table between
positions. Nothing is random: the same ``plies`` always gives the same book, so there is
no seed to give.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import as_completed
from pathlib import Path

from searchprune.arena.executors import open_pool
from searchprune.solvers.book import WIDTH, OpeningBook, book_move, canonical_key

__all__ = ["build_book", "verify_book"]

#: Most positions a worker solves per task (one task's results are written together);
#: fewer where a ply has few, so that every worker gets some.
CHUNK = 8

_SOLVER = None


def _worker_solver():
    global _SOLVER
    if _SOLVER is None:
        from searchprune.solvers.connect4 import Connect4Solver

        _SOLVER = Connect4Solver()
    return _SOLVER


def solve_positions(positions: list[str]) -> list[dict]:
    """Solve each position (moves, 1-based columns): score, optimal columns, nodes, seconds."""
    from searchprune.games import get_game

    game, solver = get_game("connect4"), _worker_solver()
    out = []
    for moves in positions:
        result = solver.solve(game.parse_position(moves), all_best=True)
        out.append({"moves": moves, "score": result.score, "best": result.best_moves, "nodes": result.nodes,
                    "seconds": round(result.seconds, 4)})
    return out


def _add(positions: dict[int, str], moves: str) -> None:
    """Add the position ``moves`` reaches to ``{canonical key: moves}``, the moves mirrored
    where the position is the mirror image of the canonical one: one entry a position,
    whatever the move order or orientation (the smallest move string kept)."""
    from searchprune.games import get_game

    key, mirrored = canonical_key(get_game("connect4").parse_position(moves))
    canonical = "".join(str(WIDTH + 1 - int(c)) for c in moves) if mirrored else moves
    if key not in positions or canonical < positions[key]:
        positions[key] = canonical


def _children(game, entry: dict) -> list[str]:
    """The positions two plies on: the book move, then every reply that does not end the game."""
    from searchprune.types import ONGOING

    state = game.parse_position(entry["moves"])
    engine_move = book_move(entry["best"])
    game.play(state, engine_move)
    if game.status(state) != ONGOING:
        return []
    out = []
    for reply in game.legal_moves(state):
        game.play(state, reply)
        if game.status(state) == ONGOING:
            out.append(entry["moves"] + str(engine_move + 1) + str(reply + 1))
        game.undo(state, reply)
    return out


def _read_done(path: Path) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:  # a line cut short when the run was stopped
                    continue
                done[entry["moves"]] = entry
    return done


def build_book(work: str | Path, plies: int, *, start: str = "", concurrency: int = 2, cluster: str | None = None,
               out: str | Path | None = None,
               progress: Callable[[int, int, int], None] | None = None) -> dict:
    """Solve the book's positions up to ``plies`` stones into ``work`` (resumable), then
    write the book to ``out`` (default: the shipped ``games/connect4/book.npz``).

    ``start``: the position the book grows from (moves; default the empty board), with
    the engine to move there or after any first reply. ``progress(ply, solved, total)``
    after each task. Returns the manifest."""
    from searchprune.games import get_game
    from searchprune.types import ONGOING

    if not 0 <= plies <= 20:
        raise ValueError(f"plies must be 0..20, got {plies}")
    game = get_game("connect4")
    root = game.parse_position(start)  # GameError for a bad position
    if game.status(root) != ONGOING:
        raise ValueError(f"the book cannot start from a finished position: {start!r}")
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    first = len(start)
    frontier: dict[int, dict[int, str]] = {first: {}, first + 1: {}}
    _add(frontier[first], start)
    for reply in game.legal_moves(root):
        game.play(root, reply)
        if game.status(root) == ONGOING:
            _add(frontier[first + 1], start + str(reply + 1))
        game.undo(root, reply)
    entries: dict[int, tuple[int, list[int]]] = {}
    per_ply = []
    executor, shutdown = open_pool(concurrency, cluster)
    try:
        for ply in range(first, plies + 1):
            positions = sorted(frontier.get(ply, {}).values())
            path = work / f"ply-{ply}.jsonl"
            done = _read_done(path)
            todo = [p for p in positions if p not in done]
            size = max(1, min(CHUNK, len(todo) // (4 * concurrency)))
            chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
            with open(path, "a") as handle:
                futures = [executor.submit(solve_positions, chunk) for chunk in chunks]
                for future in as_completed(futures):
                    for entry in future.result():
                        handle.write(json.dumps(entry) + "\n")
                        done[entry["moves"]] = entry
                    handle.flush()
                    if progress is not None:
                        progress(ply, sum(p in done for p in positions), len(positions))
            seconds = 0.0
            for moves in positions:
                entry = done[moves]
                key, mirrored = canonical_key(game.parse_position(moves))
                assert not mirrored, moves  # the frontier holds canonical positions only
                entries[key] = (entry["score"], entry["best"], moves)
                seconds += entry["seconds"]
                for child in _children(game, entry):
                    _add(frontier.setdefault(ply + 2, {}), child)
            per_ply.append({"ply": ply, "positions": len(positions), "solve_cpu_seconds": round(seconds, 1)})
    finally:
        shutdown()
    book = OpeningBook.from_entries(entries)
    manifest = {
        "game": "connect4",
        "plies": plies,
        "start": start,
        "made_by": f"searchprune book build connect4 --plies {plies}" + (f" --start {start}" if start else ""),
        "covers": "every position up to this many stones that the engine meets playing its book move "
                  "(the most central optimal column) as either player, against any replies; mirror images folded",
        "per_ply": per_ply,
        "solve_cpu_seconds": round(sum(p["solve_cpu_seconds"] for p in per_ply), 1),
        "wall_seconds_this_run": round(time.perf_counter() - started, 1),
    }
    return book.save(out or OpeningBook.default_path(), manifest)


def verify_book(book: OpeningBook, sample: int, seed: int = 1) -> list[str]:
    """Re-solve ``sample`` entries picked with ``seed`` (all if fewer) on a fresh solver;
    the positions whose stored score or optimal columns differ (empty: all agree)."""
    import random

    from searchprune.games import get_game
    from searchprune.solvers.connect4 import Connect4Solver

    game = get_game("connect4")
    solver = Connect4Solver()
    rng = random.Random(seed)
    wrong = []
    for index in sorted(rng.sample(range(len(book)), min(sample, len(book)))):
        moves = str(book.moves[index])
        state = game.parse_position(moves)
        result = solver.solve(state, all_best=True)
        best = [c for c in range(WIDTH) if int(book.best[index]) >> c & 1]
        if canonical_key(state) != (int(book.keys[index]), False) or result.score != int(book.scores[index]) \
                or result.best_moves != best:
            wrong.append(moves or "(empty board)")
    return wrong
