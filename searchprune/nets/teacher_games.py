"""Chess training data at scale: a UCI teacher plays itself, and labels what it plays.

``generate(out, games=...)`` writes ``shard-00000.bin`` ... (``searchprune.nets.packed``
records, 32 bytes a position) and ``config.json`` (every setting that decides the data).

Why the teacher plays as well as labels: one search per position then buys both the
move and the label, where playing with our own engine and labelling with the teacher
costs two (the first round's pipeline spent about half its time playing). This is how
the small NNUE engines make their data (a fixed node budget a move, the search score
as the label, the game's result beside it for the WDL blend).

A game: ``random_plies`` uniformly random legal moves from the start position (a count
drawn from the range, so both sides get to move first out of the randomness), then the
teacher (``go nodes <nodes>``, one thread, a small hash, ``ucinewgame`` per game) plays
both sides until the game ends: mate, stalemate, insufficient material, a threefold
repetition, the fifty-move rule, ``max_plies`` (a draw), or adjudication: a win once
``|score| >= win_score`` for ``win_plies`` plies in a row with one side ahead, a draw
once ``|score| <= draw_score`` for ``draw_plies`` plies in a row after ``draw_from`` plies.

What is recorded: every position the teacher searched, except those with the side to
move in check or whose best move is a capture or a promotion (the "quiet" filter:
their value hinges on a tactic a static evaluation cannot see), and repeats of a
position already recorded in the shard. Labels: the teacher's score (centipawns, side
to move's view; mates clipped to ``packed.SCORE_CLIP``) and the game's result.

Shard ``i`` holds games ``i * shard_games`` onward; game ``g`` draws its randomness
from ``(seed, g)``, so the data depends on neither ``concurrency`` nor which run wrote
which shard. A shard whose file exists is done: running again resumes, and running
again with more ``games`` extends the data (only the last, partial shard of the
shorter run differs, and it is kept as it was). Shards are
written atomically, as their tasks finish, through ``arena.executors`` (local
processes or a Dask cluster).
"""

from __future__ import annotations

import json
import math
import shlex
import subprocess
import time
from concurrent.futures import as_completed
from pathlib import Path

import chess
import numpy as np

from searchprune.nets import packed

#: Bump when generation changes meaning: a folder made by another version is not resumed.
VERSION = 1

DEFAULTS: dict = {
    "teacher": "/usr/games/stockfish", "nodes": 1000, "hash_mb": 16, "random_plies": [8, 9], "max_plies": 400,
    "win_score": 2000, "win_plies": 6, "draw_score": 10, "draw_plies": 10, "draw_from": 80,
}


class DataError(ValueError):
    """Settings, a folder or a teacher that cannot be used (one-line message)."""


def settings_for(*, games: int, shard_games: int = 100, seed: int = 0, **options) -> dict:
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        raise DataError(f"unknown option {unknown[0]!r}: choose from {', '.join(DEFAULTS)}")
    settings = {"version": VERSION, "games": games, "shard_games": shard_games, "seed": seed, **DEFAULTS, **options}
    for name in ("games", "shard_games", "nodes", "hash_mb", "max_plies", "win_plies", "draw_plies"):
        if not isinstance(settings[name], int) or settings[name] < 1:
            raise DataError(f"{name} must be a positive integer, got {settings[name]!r}")
    lo, hi = settings["random_plies"]
    if not 0 <= lo <= hi:
        raise DataError(f"random_plies must be 0 <= lo <= hi, got {settings['random_plies']!r}")
    return json.loads(json.dumps(settings))


def shard_path(out: Path, index: int) -> Path:
    return Path(out) / f"shard-{index:05d}.bin"


class Teacher:
    """A UCI engine over raw pipes (python-chess's asyncio client costs more per call
    than a 1000-node search)."""

    def __init__(self, command: str, hash_mb: int) -> None:
        argv = shlex.split(command)
        try:
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, text=True, bufsize=1)
        except OSError as error:
            raise DataError(f"cannot run the teacher {argv[0]!r}: {error.strerror or error}") from None
        self._send("uci")
        self._until("uciok")
        self._send(f"setoption name Threads value 1\nsetoption name Hash value {hash_mb}\nisready")
        self._until("readyok")

    def _send(self, text: str) -> None:
        self.process.stdin.write(text + "\n")

    def _until(self, word: str) -> list[str]:
        lines = []
        for line in self.process.stdout:
            lines.append(line)
            if line.startswith(word):
                return lines
        raise DataError(f"the teacher exited before answering {word!r}")

    def new_game(self) -> None:
        self._send("ucinewgame\nisready")
        self._until("readyok")

    def search(self, fen: str, moves: list[str], nodes: int) -> tuple[chess.Move, int]:
        """(best move, score in centipawns for the side to move; mates +-``SCORE_CLIP``)."""
        self._send(f"position fen {fen}{' moves ' + ' '.join(moves) if moves else ''}\ngo nodes {nodes}")
        score = 0
        for line in self._until("bestmove"):
            if line.startswith("info") and " score " in line:
                words = line.split()
                at = words.index("score")
                kind, value = words[at + 1], int(words[at + 2])
                score = value if kind == "cp" else (packed.SCORE_CLIP if value > 0 else -packed.SCORE_CLIP)
        return chess.Move.from_uci(line.split()[1]), score

    def close(self) -> None:
        try:
            self._send("quit")
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()  # reaped, so its CPU time is counted (RUSAGE_CHILDREN)


def play_game(teacher: Teacher, settings: dict, game_id: int) -> tuple[list[tuple[chess.Board, int]], int | None]:
    """(recorded (board, score) pairs, winner: chess.WHITE, chess.BLACK or None)."""
    rng = np.random.default_rng([settings["seed"], game_id])
    board = chess.Board()
    lo, hi = settings["random_plies"]
    for _ in range(int(rng.integers(lo, hi + 1))):
        moves = list(board.legal_moves)
        if not moves:
            return [], None
        board.push(moves[int(rng.integers(len(moves)))])
    if board.is_game_over():
        return [], None
    teacher.new_game()
    start, moves, recorded = board.fen(), [], []
    win_run = draw_run = 0
    win_sign = False
    while True:
        outcome = board.outcome(claim_draw=False)
        if outcome is not None:
            return recorded, outcome.winner
        if len(moves) >= settings["max_plies"] or board.can_claim_fifty_moves() or board.is_repetition(3):
            return recorded, None
        move, score = teacher.search(start, moves, settings["nodes"])
        if not board.is_check() and not board.is_capture(move) and move.promotion is None:
            recorded.append((board.copy(stack=False), score))
        white = score if board.turn == chess.WHITE else -score
        if abs(white) >= settings["win_score"]:
            win_run = win_run + 1 if win_run and (white > 0) == win_sign else 1
            win_sign = white > 0
        else:
            win_run = 0
        draw_run = draw_run + 1 if abs(white) <= settings["draw_score"] and len(moves) >= settings["draw_from"] else 0
        if win_run >= settings["win_plies"]:
            return recorded, chess.WHITE if win_sign else chess.BLACK
        if draw_run >= settings["draw_plies"]:
            return recorded, None
        board.push(move)
        moves.append(move.uci())


def make_shard(settings: dict, index: int) -> tuple[np.ndarray, dict]:
    """(records, stats) of shard ``index``; reads and writes no file, so it runs the same
    in a pool worker or on a cluster."""
    first = index * settings["shard_games"]
    ids = range(first, min(first + settings["shard_games"], settings["games"]))
    start = time.perf_counter()
    teacher = Teacher(settings["teacher"], settings["hash_mb"])
    records, seen, searched = [], set(), 0
    try:
        for game_id in ids:
            positions, winner = play_game(teacher, settings, game_id)
            searched += len(positions)
            for board, score in positions:
                result = packed.DRAW if winner is None else packed.WIN if winner == board.turn else packed.LOSS
                record = packed.pack(board, score, result)
                key = bytes(packed.position_keys(record.reshape(1))[0])
                if key not in seen:
                    seen.add(key)
                    records.append(record)
    finally:
        teacher.close()
    array = np.array(records, dtype=packed.RECORD) if records else np.zeros(0, packed.RECORD)
    return array, {"games": len(ids), "positions": len(array), "recorded": searched,
                   "seconds": time.perf_counter() - start}


def _write(path: Path, records: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp")
    records.tofile(tmp)
    tmp.replace(path)


def generate(out: Path, *, games: int, shard_games: int = 100, seed: int = 0, concurrency: int = 1,
             cluster: str | None = None, progress: bool = True, **options) -> dict:
    """Play ``games`` teacher games into ``out`` (see the module docstring); a summary back."""
    from tqdm import tqdm

    from searchprune.arena.executors import open_pool

    settings = settings_for(games=games, shard_games=shard_games, seed=seed, **options)
    out = Path(out)
    config = out / "config.json"
    if config.exists():
        saved = json.loads(config.read_text())
        # More games extend a run: a shard's games depend on its index, not on the total.
        differ = [k for k in sorted(set(saved) | set(settings)) if k != "games" and saved.get(k) != settings.get(k)]
        if differ:
            key = differ[0]
            raise DataError(f"{out} holds data made with other settings ({key}: {saved.get(key)!r} there, "
                            f"{settings.get(key)!r} now): use another folder")
    Teacher(settings["teacher"], 1).close()  # a missing teacher fails here, once
    out.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps(settings, indent=2) + "\n")
    shards = math.ceil(games / shard_games)
    todo = [i for i in range(shards) if not shard_path(out, i).exists()]
    totals = {"shards": shards, "written": 0, "games": 0, "positions": 0, "recorded": 0, "task_seconds": 0.0}
    start = time.perf_counter()
    pool, shutdown = open_pool(concurrency, cluster)
    try:
        futures = {pool.submit(make_shard, settings, index): index for index in todo}
        with tqdm(total=shards, initial=shards - len(todo), unit="shard", desc="chess data", disable=not progress) as bar:
            for future in as_completed(futures):
                try:
                    records, stats = future.result()
                except Exception as error:  # noqa: BLE001 - any task failure ends the run, keeping what is written
                    for other in futures:
                        other.cancel()
                    what = str(error).splitlines()[0] if str(error) else type(error).__name__
                    raise DataError(f"shard {futures[future]} failed ({what}); the {totals['written']} shards written "
                                    "are kept: run again with the same settings to resume") from None
                _write(shard_path(out, futures[future]), records)
                totals["written"] += 1
                for name in ("games", "positions", "recorded"):
                    totals[name] += stats[name]
                totals["task_seconds"] += stats["seconds"]
                bar.set_postfix(positions=totals["positions"], refresh=False)
                bar.update(1)
    finally:
        shutdown()
    totals["seconds"] = round(time.perf_counter() - start, 1)
    totals["positions_per_cpu_second"] = round(totals["positions"] / max(totals["task_seconds"], 1e-9), 1)
    return totals


def load(folders: list[Path]) -> np.ndarray:
    """Every record of ``folders``' shards, repeats across shards dropped (first kept)."""
    parts = [np.fromfile(path, packed.RECORD) for folder in folders for path in sorted(Path(folder).glob("shard-*.bin"))]
    if not parts:
        raise DataError(f"no shards in {', '.join(map(str, folders))}")
    records = np.concatenate(parts)
    _, first = np.unique(packed.position_keys(records), return_index=True)
    return records[np.sort(first)]
