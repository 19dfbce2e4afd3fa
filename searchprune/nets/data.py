"""Training data for the evaluation nets: labelled positions from the engine's own games.

``generate(game, out, games=...)`` plays ``games`` self-play games and writes their
positions, labelled, as shards of ``searchprune.nets.dataset`` (``shard-00000.npz``...)
plus ``config.json`` (every setting that decides the data).

Games. Each game starts from a randomised opening, ``opening = [lo, hi]`` uniformly
random legal moves (a random count in that range), so that the games differ; chess
starts, with probability ``book_share``, from one of the 50 lines of
``games/chess/openings.txt`` (realistic middlegames, the positions tournaments play)
and otherwise from the start position, then plays the random moves. From there this
project's engine plays both sides (negascout, hand-crafted evaluator, depth
``play_depth``: fast games of reasonable quality), each move replaced with
probability ``epsilon`` by a random legal move for variety, until the game ends
(chess: adjudicated a draw after ``max_plies`` plies). Every unfinished position
after the opening and from ply ``record_from`` on is recorded (a later
``record_from`` skips the early positions that are dearest to label: Connect Four
positions solve in about 20 ms at 12-15 stones, 2 ms at 16-19), except chess
positions with the side to move in check (their value hinges on the forced reply,
not on what a static evaluator sees), with the game's result for the side to move.

Labels (``score``, in the unit of ``searchprune.evaluation.arch``; ``source`` says how):

- connect4: the exact Pons score (``Connect4Solver``) from ``exact_from`` stones on;
  earlier, a depth-``search_depth`` search. A forced win or loss it finds converts
  exactly (``pons_from_mate``); any other value ``v`` becomes ``k * v``, with ``k``
  fitted per shard by least squares through the origin of exact score on search
  value over the shard's exact positions of the ``CALIBRATION_PLIES`` plies nearest
  the searched ones (those are searched too, only for the fit). With fewer than
  ``MIN_CALIBRATION`` such positions (tiny runs), ``DEFAULT_SEARCH_SCALE``.
- othello: the exact disc difference (``OthelloSolver``) with at most
  ``exact_empties`` empties; earlier, the exact score of the game's first position
  with that few empties, from the labelled side's view: the game's outcome with a
  perfect endgame (``SOURCE_RESULT``); the final disc difference of a game that
  ended earlier.
- chess: a UCI teacher (Stockfish by default; ``Threads=1``, ``Hash=16`` where it
  has those options) at ``teacher_depth`` plies and/or ``teacher_nodes`` nodes,
  centipawns for the side to move, mates as +-3000, everything clipped to +-3000.

Position text: connect4 a column string in a canonical move order (the smallest, in
column order, that builds the board), so transposed move orders read the same;
othello the game's board text (OBF); chess the FEN. Each parses back
(``get_game(game).parse_position``) to the recorded features. A shard keeps the
first occurrence of each position (equal position keys); ``load_dataset`` drops
repeated texts across shards.

Shard ``i`` holds games ``i * shard_games`` onward; game ``g`` draws its randomness
from ``(seed, g)``, so the data does not depend on ``concurrency`` or on which run
wrote which shard. A shard whose file exists is done: running again with the same
settings resumes an interrupted run. ``concurrency = 1`` works in this process; more
workers, or a Dask cluster, take one shard per task. Shards are written here as their
tasks finish, atomically, so an interrupt or a failing task loses none already done.
"""

from __future__ import annotations

import functools
import json
import math
import shlex
import time
from collections.abc import Iterator
from concurrent.futures import as_completed
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from searchprune.games.base import Game
from searchprune.games.registry import PerGame, bundle, get_game, load
from searchprune.nets.dataset import (
    SOURCE_EXACT,
    SOURCE_NAMES,
    SOURCE_RESULT,
    SOURCE_SEARCH,
    SOURCE_TEACHER,
    DataError,
    save_shard,
)
from searchprune.evaluation.features import MAX_ACTIVE, active_features
from searchprune.paths import repo_root
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit
from searchprune.types import LOSS, MATE, MATE_BOUND, ONGOING, WIN

#: Bump when generation changes meaning: a folder made by another version is not resumed.
DATA_VERSION = 1

#: Settings of each game and their defaults (its registration's ``DataParts``, with the
#: timings that chose them); all of them go into config.json.
DEFAULTS: PerGame[dict] = PerGame(lambda b: dict(b.data.defaults) if b.data else None, "training data")

#: Inclusive bounds of the integer settings (None: no upper bound).
_INT_RANGES = {"games": (1, None), "shard_games": (1, None), "seed": (0, None), "record_from": (0, None), "play_depth": (1, 64),
               "exact_from": (0, 42), "search_depth": (1, 42), "exact_empties": (0, 60), "max_plies": (1, 10_000),
               "teacher_depth": (1, 100), "teacher_nodes": (1, None)}
#: Integer settings that may be None (off).
_OPTIONAL = ("teacher_depth", "teacher_nodes")

#: connect4: exact positions this many plies from ``exact_from`` on calibrate the search.
CALIBRATION_PLIES = 4
#: connect4: fewest calibration pairs a shard fits its own scale from.
MIN_CALIBRATION = 20
#: connect4: Pons points per search unit when a shard is too small to fit one. Measured
#: once: 0.061 and 0.076 over two samples of ~560 positions (plies 10-20, depth 12).
DEFAULT_SEARCH_SCALE = 0.07

#: chess: labels are clipped here; a mate scores this much.
TEACHER_CLIP = 3000
#: chess: teacher options set where the teacher has them (one thread: one per worker).
TEACHER_OPTIONS = {"Threads": 1, "Hash": 16}
#: chess: seconds a teacher has to start and answer ``uci``.
TEACHER_START_TIMEOUT = 10.0
BOOK = Path("games") / "chess" / "openings.txt"

#: Table sizes (MiB) of the play and label searches: small and cheap to clear per game.
PLAY_TT_MB = 4
LABEL_TT_MB = 16


# -- settings and the folder ------------------------------------------------------------

def settings_for(game: str, *, games: int, shard_games: int = 50, seed: int = 0, **options) -> dict:
    """Every setting of a run (defaults filled in), validated; raises ``DataError``."""
    if game not in DEFAULTS:
        raise DataError(f"no training data for game {game!r}: choose from {', '.join(DEFAULTS)}")
    unknown = sorted(set(options) - set(DEFAULTS[game]))
    if unknown:
        raise DataError(f"unknown {game} data option {unknown[0]!r}: choose from {', '.join(DEFAULTS[game])}")
    settings = {"version": DATA_VERSION, "game": game, "games": games, "shard_games": shard_games,
                "seed": seed, **DEFAULTS[game], **options}
    for name, (lo, hi) in _INT_RANGES.items():
        value = settings.get(name)
        if name not in settings or (value is None and name in _OPTIONAL):
            continue
        if not isinstance(value, int) or value < lo or (hi is not None and value > hi):
            raise DataError(f"{name} must be an integer from {lo}{f' to {hi}' if hi else ' up'}, got {value!r}")
    opening = settings["opening"]
    if (not isinstance(opening, (list, tuple)) or len(opening) != 2 or not all(isinstance(n, int) for n in opening)
            or not 0 <= opening[0] <= opening[1]):
        raise DataError(f"opening must be two integers 0 <= lo <= hi (random moves), got {opening!r}")
    for name in ("epsilon", "book_share"):
        if name in settings and not (isinstance(settings[name], (int, float)) and 0 <= settings[name] <= 1):
            raise DataError(f"{name} must be between 0 and 1, got {settings[name]!r}")
    if "teacher" in settings and settings["teacher_depth"] is None and settings["teacher_nodes"] is None:
        raise DataError("give the chess teacher a limit: teacher_depth or teacher_nodes")
    return json.loads(json.dumps(settings))  # as config.json reads back: tuples become lists


def shard_count(settings: dict) -> int:
    return math.ceil(settings["games"] / settings["shard_games"])


def shard_path(out: Path, index: int) -> Path:
    return Path(out) / f"shard-{index:05d}.npz"


def _check_config(out: Path, settings: dict) -> bool:
    """True if ``out`` already holds a run with ``settings``; raise if it holds another."""
    path = out / "config.json"
    if not path.exists():
        return False
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read {path}: {error}") from None
    saved.setdefault("record_from", 0)  # runs from before the setting existed recorded every ply
    if saved != settings:
        key = next(k for k in sorted(set(saved) | set(settings)) if saved.get(k) != settings.get(k))
        raise DataError(f"{out} holds data made with other settings ({key}: {saved.get(key)!r} there, "
                        f"{settings.get(key)!r} now): use another folder")
    return True


# -- self-play ------------------------------------------------------------------------

@dataclass
class Position:
    """A recorded position: what a shard row holds, before labelling."""

    game: int
    ply: int
    key: int
    text: str
    features: np.ndarray
    mover: int  # side to move, 0 first player


@dataclass
class PlayedGame:
    id: int
    positions: list[Position] = field(default_factory=list)
    winner: int | None = None  # 0 first player, 1 second, None a draw
    final_text: str = ""


def connect4_text(game: Game, state: np.ndarray) -> str:
    """The smallest column string (in column order) that builds ``state``'s board.

    Move orders reaching one board give one text, so ``load_dataset`` merges the
    transpositions. Any order of a position's stones is legal (alternating owners, each
    column bottom-up): no prefix can hold four in a row when the whole board holds none.
    """
    text = game.format_position(state)
    owners: list[list[int]] = [[] for _ in range(7)]  # per column, bottom-up: 0 first player, 1 second
    for ply, ch in enumerate(text):
        owners[int(ch) - 1].append(ply & 1)
    dead: set[tuple[int, ...]] = set()
    order: list[int] = []

    def extend(filled: tuple[int, ...]) -> bool:
        if len(order) == len(text):
            return True
        if filled in dead:
            return False
        for col in range(7):
            if filled[col] < len(owners[col]) and owners[col][filled[col]] == len(order) & 1:
                order.append(col)
                if extend(filled[:col] + (filled[col] + 1,) + filled[col + 1:]):
                    return True
                order.pop()
        dead.add(filled)
        return False

    extend((0,) * 7)
    return "".join(str(c + 1) for c in order)


def position_text(game: Game, state: np.ndarray) -> str:
    """The recorded text of ``state``: the game's canonical one (``DataParts.position_text``)."""
    data = bundle(game.info.name).data
    canonical = data.position_text if data else None
    return load(canonical)(game, state) if canonical else game.format_position(state)


@functools.cache
def chess_book() -> tuple[str, ...]:
    """The lines of ``games/chess/openings.txt`` (``startpos moves ...``)."""
    from searchprune.arena.tournament import TournamentError, read_openings

    try:
        return tuple(read_openings(repo_root() / BOOK))
    except TournamentError as error:
        raise DataError(f"{error} (book_share=0 starts every chess game from the start position)") from None


def _start(game: Game, settings: dict, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """(state, plies played) where the random moves begin: a book line or the start."""
    if game.info.name == "chess" and rng.random() < settings["book_share"]:
        from searchprune.games.chess.game import state_from_board

        book = chess_book()
        board = game.parse_board(book[int(rng.integers(len(book)))])
        return state_from_board(board), len(board.move_stack)
    return game.new_state(), 0


def _recordable(game: Game, state: np.ndarray) -> bool:
    """Not in check, for a game with checks (the optional ``in_check`` kernel)."""
    in_check = getattr(game.kernels, "in_check", None)
    return in_check is None or not in_check(state)


def _random_move(game: Game, state: np.ndarray, rng: np.random.Generator) -> int:
    legal = game.legal_moves(state)
    return legal[int(rng.integers(len(legal)))]


def play_game(game: Game, settings: dict, game_id: int, searcher: Searcher) -> PlayedGame:
    """One self-play game, seeded from ``(seed, game_id)`` alone."""
    rng = np.random.default_rng([settings["seed"], game_id])
    state, ply = _start(game, settings, rng)
    lo, hi = settings["opening"]
    for _ in range(int(rng.integers(lo, hi + 1))):
        if game.status(state) != ONGOING:
            break
        game.play(state, _random_move(game, state, rng))
        ply += 1
    searcher.clear()
    played = PlayedGame(game_id)
    limit = Limit(depth=settings["play_depth"])
    max_plies = settings.get("max_plies", game.info.max_plies)
    while game.status(state) == ONGOING and ply < max_plies:
        if ply >= settings["record_from"] and _recordable(game, state):
            features = active_features(game.info.name, state)
            played.positions.append(Position(game_id, ply, game.key(state), position_text(game, state), features,
                                             game.side_to_move(state)))
        explore = rng.random() < settings["epsilon"]
        game.play(state, _random_move(game, state, rng) if explore else searcher.search(state, limit).move)
        ply += 1
    status, mover = game.status(state), game.side_to_move(state)
    played.winner = mover if status == WIN else 1 - mover if status == LOSS else None
    played.final_text = game.format_position(state)
    return played


def unique_positions(games: list[PlayedGame]) -> list[Position]:
    """Every position of ``games`` in order, repeats (equal keys) after the first dropped."""
    seen: set[int] = set()
    out = []
    for played in games:
        for position in played.positions:
            if position.key not in seen:
                seen.add(position.key)
                out.append(position)
    return out


# -- labels -----------------------------------------------------------------------------

class _Timer:
    """Seconds and counts of label work per source (what the summary reports)."""

    def __init__(self) -> None:
        self.seconds = {name: 0.0 for name in SOURCE_NAMES.values()}
        self.counts = {name: 0 for name in SOURCE_NAMES.values()}

    @contextmanager
    def __call__(self, source: int, count: int = 1) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[SOURCE_NAMES[source]] += time.perf_counter() - start
            self.counts[SOURCE_NAMES[source]] += count


def pons_from_mate(value: int, ply: int) -> int:
    """Pons score of a forced result the search found at a position with ``ply`` stones.

    A win ``n`` plies away lands the winner's stone as the ``T = ply + n``-th stone on
    the board, the winner's ``ceil(T / 2)``-th: Pons scores that ``22 - ceil(T / 2)``.
    """
    stones = ply + MATE - abs(value)
    return int(np.sign(value)) * (22 - (stones + 1) // 2)


def _pons_bound(ply: int, depth: int) -> int:
    """Largest |Pons score| possible when a search ``depth`` plies deep found no forced
    result: a win then lands no earlier than stone ``ply + depth + 1``."""
    return max(0, 22 - (ply + min(depth, 42 - ply) + 2) // 2)


def fit_scale(values: list[int], exact: list[int]) -> float:
    """Least-squares ``k`` (through the origin) of exact Pons score on search value."""
    x, y = np.asarray(values, dtype=np.float64), np.asarray(exact, dtype=np.float64)
    if len(x) < MIN_CALIBRATION or not np.any(x):
        return DEFAULT_SEARCH_SCALE
    return float(x @ y / (x @ x))


def label_connect4(game: Game, positions: list[Position], games: list[PlayedGame], settings: dict,
                   timer: _Timer) -> tuple[np.ndarray, np.ndarray, dict]:
    """(score, source, stats): solver scores late, converted search values early."""
    from searchprune.solvers.connect4 import Connect4Solver

    solver = Connect4Solver()
    searcher = Searcher(game, algorithm="negascout", tt_mb=LABEL_TT_MB)
    depth, exact_from = settings["search_depth"], settings["exact_from"]
    limit = Limit(depth=depth)
    score = np.zeros(len(positions), dtype=np.float32)
    source = np.full(len(positions), SOURCE_EXACT, dtype=np.int8)
    pending: list[tuple[int, int]] = []  # (row, non-decisive search value) awaiting the scale
    calibration: tuple[list[int], list[int]] = ([], [])
    current_game = None
    for row, position in enumerate(positions):
        if position.game != current_game:
            searcher.clear()  # a label depends on its game alone, not on the shard's order
            current_game = position.game
        state = game.parse_position(position.text)
        calibrate = exact_from <= position.ply < exact_from + CALIBRATION_PLIES
        value = None
        if position.ply < exact_from or calibrate:
            with timer(SOURCE_SEARCH, int(position.ply < exact_from)):
                value = searcher.search(state, limit).score
        if position.ply >= exact_from:
            with timer(SOURCE_EXACT):
                score[row] = solver.score(state)[0]
            if calibrate and abs(value) < MATE_BOUND:
                calibration[0].append(value)
                calibration[1].append(int(score[row]))
            continue
        source[row] = SOURCE_SEARCH
        if abs(value) >= MATE_BOUND:
            score[row] = pons_from_mate(value, position.ply)
        else:
            pending.append((row, value))
    scale = fit_scale(*calibration)
    for row, value in pending:
        bound = _pons_bound(positions[row].ply, depth)
        score[row] = np.clip(scale * value, -bound, bound)
    return score, source, {"search_scale": scale}


def label_othello(game: Game, positions: list[Position], games: list[PlayedGame], settings: dict,
                  timer: _Timer) -> tuple[np.ndarray, np.ndarray, dict]:
    """(score, source, stats): solver scores late, each game's solved outcome early."""
    from searchprune.solvers.othello import OthelloSolver

    solver = OthelloSolver()
    limit = settings["exact_empties"]
    reference: dict[int, tuple[int, int]] = {}  # game -> (exact or final score, its side to move)
    for played in games:
        first = next((p for p in played.positions if _empties(p) <= limit), None)
        if first is None:
            final = game.parse_position(played.final_text)
            reference[played.id] = (game.score(final), game.side_to_move(final))
            continue
        with timer(SOURCE_EXACT, 0):  # the first exact solve of a game: counted with the exact labels
            reference[played.id] = (solver.solve(game.parse_position(first.text)).score, first.mover)
    score = np.zeros(len(positions), dtype=np.float32)
    source = np.full(len(positions), SOURCE_EXACT, dtype=np.int8)
    for row, position in enumerate(positions):
        if _empties(position) <= limit:
            with timer(SOURCE_EXACT):
                score[row] = solver.solve(game.parse_position(position.text)).score
        else:
            with timer(SOURCE_RESULT):
                value, mover = reference[position.game]
                score[row] = value if mover == position.mover else -value
            source[row] = SOURCE_RESULT
    return score, source, {}


def _empties(position: Position) -> int:
    return 64 - len(position.features)  # one active input per disc


def _teacher_argv(command: str | list[str]) -> list[str]:
    try:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
    except ValueError as error:
        raise DataError(f"cannot split teacher command {command!r}: {error}") from None
    if not argv:
        raise DataError("the teacher command is empty")
    return argv


@contextmanager
def open_teacher(command: str | list[str]) -> Iterator:
    """A running UCI teacher (``chess.engine.SimpleEngine``), always quit (or killed) on exit."""
    import chess.engine

    argv = _teacher_argv(command)
    try:
        engine = chess.engine.SimpleEngine.popen_uci(argv, timeout=TEACHER_START_TIMEOUT)
    except OSError as error:
        raise DataError(f"cannot run the teacher {argv[0]!r}: {error.strerror or error}") from None
    except (chess.engine.EngineError, TimeoutError) as error:
        raise DataError(f"the teacher {' '.join(argv)!r} is not a working UCI engine: {error}") from None
    try:
        engine.configure({k: v for k, v in TEACHER_OPTIONS.items() if k in engine.options})
        yield engine
    finally:
        try:
            engine.quit()
        except (chess.engine.EngineError, TimeoutError):
            pass  # dead or deaf: close() kills it
        finally:
            engine.close()


def teacher_centipawns(score) -> int:
    """A python-chess ``Score`` (side to move's view) as a label: mates +-3000, clipped."""
    if score.is_mate():
        return TEACHER_CLIP if score.mate() > 0 else -TEACHER_CLIP
    return int(np.clip(score.score(), -TEACHER_CLIP, TEACHER_CLIP))


def label_chess(game: Game, positions: list[Position], games: list[PlayedGame], settings: dict,
                timer: _Timer) -> tuple[np.ndarray, np.ndarray, dict]:
    """(score, source, stats): the teacher's view of every position, one process per call."""
    import chess
    import chess.engine

    limit = chess.engine.Limit(depth=settings["teacher_depth"], nodes=settings["teacher_nodes"])
    score = np.zeros(len(positions), dtype=np.float32)
    with open_teacher(settings["teacher"]) as engine:
        for row, position in enumerate(positions):
            board = chess.Board(position.text)
            with timer(SOURCE_TEACHER):
                # game=: a new game id sends ucinewgame, so a label depends on its game alone
                info = engine.analyse(board, limit, game=position.game, info=chess.engine.INFO_SCORE)
            if "score" not in info:
                raise DataError(f"the teacher reported no score for {position.text}")
            score[row] = teacher_centipawns(info["score"].pov(board.turn))
    return score, np.full(len(positions), SOURCE_TEACHER, dtype=np.int8), {}


#: The labeller of each game with training data (its registration's ``DataParts.labeller``).
LABELLERS: PerGame = PerGame(lambda b: load(b.data.labeller) if b.data else None, "labeller")


# -- shards -----------------------------------------------------------------------------

def make_shard(settings: dict, index: int) -> tuple[dict, dict]:
    """(rows, stats) of shard ``index``: its games played, deduplicated and labelled.

    A task of its own: it reads no file but the chess book and writes nothing, so it
    runs the same in a pool worker or on a cluster.
    """
    game = get_game(settings["game"])
    first = index * settings["shard_games"]
    ids = range(first, min(first + settings["shard_games"], settings["games"]))
    start = time.perf_counter()
    searcher = Searcher(game, algorithm="negascout", tt_mb=PLAY_TT_MB)
    games = [play_game(game, settings, game_id, searcher) for game_id in ids]
    play_seconds = time.perf_counter() - start
    positions = unique_positions(games)
    timer = _Timer()
    score, source, extra = LABELLERS[settings["game"]](game, positions, games, settings, timer)
    features = np.full((len(positions), MAX_ACTIVE[settings["game"]]), -1, dtype=np.int16)
    for row, position in enumerate(positions):
        features[row, :len(position.features)] = position.features
    rows = {
        "features": features,
        "score": score,
        "result": np.array([_result(games[p.game - first], p) for p in positions], dtype=np.float32),
        "game": np.array([p.game for p in positions], dtype=np.int64),
        "ply": np.array([p.ply for p in positions], dtype=np.int16),
        "position": np.array([p.text for p in positions], dtype=str),
        "source": source,
    }
    stats = {"positions": len(positions), "games": len(games), "recorded": sum(len(g.positions) for g in games),
             "play_seconds": play_seconds, "label_seconds": timer.seconds, "label_counts": timer.counts, **extra}
    return rows, stats


def _result(played: PlayedGame, position: Position) -> int:
    if played.winner is None:
        return 0
    return 1 if played.winner == position.mover else -1


def warm(game_name: str) -> None:
    """Compile (or load from Numba's cache) the search once, before workers start, so
    they do not each compile it."""
    game = get_game(game_name)
    Searcher(game, algorithm="negascout", tt_mb=1).search(game.new_state(), Limit(depth=2))


def _run(settings: dict, todo: list[int], concurrency: int, cluster: str | None) -> Iterator[tuple[int, object]]:
    """``(shard, (rows, stats) or the exception it raised)`` as tasks finish.

    After a failure nothing new starts; tasks already running finish and come back.
    """
    if cluster is None and concurrency == 1:
        for index in todo:
            try:
                yield index, make_shard(settings, index)
            except Exception as error:  # reported, then nothing more starts
                yield index, error
                return
        return
    executor, shutdown = _executor(settings["game"], concurrency, cluster)
    try:
        futures = {executor.submit(make_shard, settings, index): index for index in todo}
        failed = False
        for future in as_completed(futures):
            if future.cancelled():
                continue
            error = future.exception()
            if error is not None and not failed:
                failed = True
                for other in futures:
                    other.cancel()
            yield futures[future], error if error is not None else future.result()
    finally:
        shutdown()


def _executor(game_name: str, concurrency: int, cluster: str | None):
    """(executor, shutdown) of a local process pool or of the Dask cluster at ``cluster``,
    warmed for ``game_name`` first (``arena.executors.open_pool``)."""
    from searchprune.arena.executors import open_pool

    try:
        return open_pool(concurrency, cluster, warm, game_name)
    except RuntimeError as error:
        raise DataError(str(error)) from None


def generate(game: str, out: Path, *, games: int, shard_games: int = 50, seed: int = 0, concurrency: int = 1,
             cluster: str | None = None, progress: bool = True, **label_options) -> dict:
    """Play and label ``games`` games into ``out`` (see the module docstring); return a summary.

    ``label_options`` are the game's ``DEFAULTS`` keys. A folder made with the same
    settings resumes (existing shards are kept); other settings raise ``DataError``.
    """
    from tqdm import tqdm

    if not isinstance(concurrency, int) or concurrency < 1:
        raise DataError(f"concurrency must be an integer of at least 1, got {concurrency!r}")
    settings = settings_for(game, games=games, shard_games=shard_games, seed=seed, **label_options)
    out = Path(out)
    resumed = _check_config(out, settings)
    todo = [i for i in range(shard_count(settings)) if not shard_path(out, i).exists()]
    if todo and "teacher" in settings:
        with open_teacher(settings["teacher"]):
            pass  # a missing or broken teacher fails here, once, not in every task
    if not resumed:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(settings, indent=2) + "\n")
    start = time.perf_counter()
    summary = _Summary(game, out, shard_count(settings), len(todo))
    failure = None
    with tqdm(total=summary.shards, initial=summary.shards - len(todo), unit="shard", desc=f"{game} data",
              disable=not progress) as bar, closing(_run(settings, todo, concurrency, cluster)) as results:
        for index, outcome in results:
            if isinstance(outcome, BaseException):
                failure = failure or (index, outcome)
                continue
            rows, stats = outcome
            save_shard(shard_path(out, index), rows)
            summary.add(stats)
            bar.set_postfix(positions=summary.positions, refresh=False)
            bar.update(1)
    summary.seconds = time.perf_counter() - start
    if failure is not None:
        index, error = failure
        what = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"shard {index} failed ({type(error).__name__}: {what}); the {summary.written} shards "
                        f"written are kept: run again with the same settings to resume")
    return summary.as_dict()


@dataclass
class _Summary:
    """Totals over the shards this run wrote."""

    game: str
    out: Path
    shards: int
    todo: int
    written: int = 0
    positions: int = 0
    recorded: int = 0
    games: int = 0
    play_seconds: float = 0.0
    seconds: float = 0.0
    label_seconds: dict = field(default_factory=lambda: {n: 0.0 for n in SOURCE_NAMES.values()})
    label_counts: dict = field(default_factory=lambda: {n: 0 for n in SOURCE_NAMES.values()})
    search_scales: list = field(default_factory=list)

    def add(self, stats: dict) -> None:
        self.written += 1
        self.positions += stats["positions"]
        self.recorded += stats["recorded"]
        self.games += stats["games"]
        self.play_seconds += stats["play_seconds"]
        for name in SOURCE_NAMES.values():
            self.label_seconds[name] += stats["label_seconds"][name]
            self.label_counts[name] += stats["label_counts"][name]
        if "search_scale" in stats:
            self.search_scales.append(stats["search_scale"])

    def as_dict(self) -> dict:
        used = [n for n in SOURCE_NAMES.values() if self.label_counts[n] or self.label_seconds[n]]
        return {
            "game": self.game, "folder": str(self.out), "shards": self.shards, "shards_written": self.written,
            "shards_skipped": self.shards - self.todo, "games": self.games, "positions": self.positions,
            "duplicates_dropped": self.recorded - self.positions, "seconds": round(self.seconds, 3),
            "play_seconds": round(self.play_seconds, 3),
            "label_seconds": {n: round(self.label_seconds[n], 3) for n in used},
            "label_positions": {n: self.label_counts[n] for n in used},
            "label_ms_per_position": {n: round(1e3 * self.label_seconds[n] / self.label_counts[n], 3)
                                      for n in used if self.label_counts[n]},
            **({"search_scale": [round(s, 5) for s in self.search_scales]} if self.search_scales else {}),
        }
