"""Our UCI protocol server: the chess search as a UCI engine over two text streams.

``UciServer(inp, out).run()`` is what ``searchprune uci`` runs on stdin and stdout
(the command and its options are defined with the others, in ``cli.py``). It searches
through the facade the arena uses, ``searchprune.engines.engine.SearchEngine``. The
client side of the protocol, which runs other engines, is ``searchprune.engines.external``.

The main thread reads commands; each ``go`` runs the search in a worker thread (the
compiled kernels release the GIL), so ``stop`` and ``isready`` are answered while it
thinks. Every ``go`` is answered by exactly one ``bestmove`` line: a ``position``,
``go``, ``ucinewgame``, ``setoption`` or ``quit`` (or the end of the input) that
arrives during a search stops it, and its ``bestmove`` is printed, before it acts.

Options (``setoption name <name> value <value>``; names are case-insensitive):

- ``Hash`` (spin, MiB): transposition table size;
- switches (check, ``true``/``false``) for the selective search components, each a
  ``Searcher`` switch: ``NullMove`` (``null_move``), ``LMR`` (``lmr``),
  ``Futility`` (``futility``), ``Quiescence`` (``qsearch``), ``CheckExtension``
  (``check_extension``), ``MateDistance`` (``mate_distance``);
- ``EvalFile`` (string): a chess net (name or ``.npz`` path, ``searchprune nets list``)
  to evaluate with; ``<empty>`` or ``none`` goes back to the hand-written evaluation.
  A net that does not load is refused with one line and the previous evaluator stays.

``go`` understands ``depth``, ``nodes``, ``movetime``, ``wtime``, ``btime``,
``winc``, ``binc``, ``movestogo`` and ``infinite``; with no limit at all it searches
until ``stop``, like ``go infinite``. After ``go infinite`` the ``bestmove`` waits
for ``stop`` even if the search ends sooner (a proven mate).

Bad input (an unknown command, an unreadable FEN, an illegal move, a bad number) is
answered by one ``info string error: ...`` line and changes nothing: the previous
position and options stay. A ``go`` with a bad parameter still gets its one
``bestmove``, from a depth-1 search.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TextIO

import chess

from searchprune.engines.engine import SearchEngine
from searchprune.engines.timing import (
    DEFAULT_MOVES_TO_GO,
    INCREMENT_SHARE,
    MAX_CLOCK_SHARE,
    MIN_BUDGET_MS,
    OVERHEAD_MS,
    time_budget_ms,
)
from searchprune.games import GameError, get_game
from searchprune.games.chess.game import state_from_board, uci
from searchprune.search.limits import Limit, SearchInfo
from searchprune.types import MATE, MATE_BOUND, ONGOING

__all__ = ["UciServer", "UciError", "parse_go", "parse_position", "score_text", "info_line", "time_budget_ms",
           "HASH_MIN_MB", "HASH_MAX_MB", "OVERHEAD_MS", "DEFAULT_MOVES_TO_GO", "INCREMENT_SHARE", "MAX_CLOCK_SHARE",
           "MIN_BUDGET_MS"]

ENGINE_NAME = "searchprune"
ENGINE_AUTHOR = "the searchprune authors"
#: UCI switch name -> ``Searcher`` switch.
SWITCHES = {
    "NullMove": "null_move",
    "LMR": "lmr",
    "Futility": "futility",
    "Quiescence": "qsearch",
    "CheckExtension": "check_extension",
    "MateDistance": "mate_distance",
}
#: EvalFile's value for "no net: the hand-written evaluation".
NO_NET = "<empty>"
HASH_MIN_MB = 1
HASH_MAX_MB = 4096
#: The table size before any ``setoption name Hash``.
HASH_DEFAULT_MB = 16
_GO_NUMBERS = ("depth", "nodes", "movetime", "wtime", "btime", "winc", "binc", "movestogo")
_AT_LEAST_ONE = ("depth", "nodes", "movestogo")
#: Larger ``go`` numbers are refused (the search keeps nodes and deadlines in 64 bits).
_GO_MAX = 10**12


class UciError(ValueError):
    """A malformed command; its message is the one-line reply."""


def parse_go(words: list[str], white_to_move: bool) -> tuple[Limit, bool]:
    """``(limit, infinite)`` for the words after ``go``; raises ``UciError``.

    ``infinite`` is True for ``go infinite`` and for a ``go`` without any limit.
    Negative clock times (a GUI whose flag is falling) count as zero.
    """
    values: dict[str, int] = {}
    infinite = False
    i = 0
    while i < len(words):
        word = words[i]
        if word == "infinite":
            infinite = True
            i += 1
            continue
        if word not in _GO_NUMBERS:
            raise UciError(f"unsupported go parameter {word!r}")
        if i + 1 == len(words):
            raise UciError(f"go {word} needs a number")
        try:
            values[word] = int(words[i + 1])
        except ValueError:
            raise UciError(f"go {word}: {words[i + 1]!r} is not an integer") from None
        if word in _AT_LEAST_ONE and values[word] < 1:
            raise UciError(f"go {word} must be at least 1, got {values[word]}")
        if values[word] > _GO_MAX:
            raise UciError(f"go {word} must be at most {_GO_MAX}, got {values[word]}")
        i += 2
    budgets = []
    if "movetime" in values:
        budgets.append(max(MIN_BUDGET_MS, values["movetime"] - OVERHEAD_MS))
    clock, increment = ("wtime", "winc") if white_to_move else ("btime", "binc")
    if clock in values:
        budgets.append(time_budget_ms(max(0, values[clock]), max(0, values.get(increment, 0)),
                                      values.get("movestogo")))
    limit = Limit(depth=values.get("depth"), nodes=values.get("nodes"),
                  time=min(budgets) / 1000 if budgets else None)
    return limit, infinite or limit == Limit()


def parse_position(words: list[str]) -> chess.Board:
    """The board for the words after ``position``; raises ``UciError``."""
    if not words or words[0] not in ("startpos", "fen"):
        raise UciError("position needs 'startpos' or 'fen <FEN>'")
    if words[0] == "fen" and words[1:2] in ([], ["moves"]):
        raise UciError("position fen needs a FEN")
    text = " ".join(words if words[0] == "startpos" else words[1:])
    try:
        board = get_game("chess").parse_board(text)
    except GameError as error:
        raise UciError(str(error)) from None
    return board


def score_text(score: int) -> str:
    """UCI score: ``cp X``, or ``mate N`` in moves (negative when the side to move is mated)."""
    if abs(score) < MATE_BOUND:
        return f"cp {score}"
    moves = (MATE - abs(score) + 1) // 2
    return f"mate {moves if score > 0 else -moves}"


def info_line(info: SearchInfo) -> str:
    """The ``info`` line of one completed iteration."""
    pv = " ".join(uci(move) for move in info.pv)
    return (f"info depth {info.depth} seldepth {info.seldepth} score {score_text(info.score)} "
            f"nodes {info.nodes} nps {info.nps} time {int(info.time * 1000)} hashfull {info.hashfull} pv {pv}")


@dataclass
class _Job:
    """One ``go``: its thread, and whether ``stop`` was asked for.

    The search clears the stop flag as it starts, so a ``stop`` that arrives
    before that is also kept in ``requested``, which the iteration callback passes on.
    """

    infinite: bool
    requested: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class UciServer:
    """A UCI session over two text streams; ``run`` returns at ``quit`` or end of input."""

    def __init__(self, inp: TextIO, out: TextIO, *, tt_mb: int = HASH_DEFAULT_MB, net=None) -> None:
        self.inp = inp
        self.out = out
        self.game = get_game("chess")
        self.hash_mb = tt_mb
        self.net = net  # a searchprune.evaluation.store.Net, or None: the hand-written evaluation
        self.switches = {name: bool(self.game.search_defaults.get(key, False)) for name, key in SWITCHES.items()}
        self.board = chess.Board()
        self.engine = self._new_engine()
        self._out_lock = threading.Lock()
        self._job: _Job | None = None
        # Compile (or load) the kernels while the GUI is busy; isready and go wait for it.
        self._warmup = threading.Thread(target=self._warm, daemon=True)
        self._warmup.start()

    # -- the loop --------------------------------------------------------------------
    def run(self) -> None:
        """Answer commands until ``quit`` or the end of the input."""
        while True:
            line = self.inp.readline()
            if not line:
                break
            words = line.split()
            if not words:
                continue
            if words[0] == "quit":
                break
            try:
                self._dispatch(words[0], words[1:])
            except UciError as error:
                self.emit(f"info string error: {error}")
        self._stop_search()

    def _dispatch(self, command: str, args: list[str]) -> None:
        handler = {
            "uci": self._uci,
            "isready": self._isready,
            "ucinewgame": self._ucinewgame,
            "setoption": self._setoption,
            "position": self._position,
            "go": self._go,
            "stop": self._stop,
            "debug": self._ignore,
            "ponderhit": self._ignore,
        }.get(command)
        if handler is None:
            raise UciError(f"unknown command {command!r}")
        handler(args)

    def emit(self, line: str) -> None:
        """Write one line and flush it (from either thread)."""
        with self._out_lock:
            self.out.write(line + "\n")
            self.out.flush()

    # -- commands --------------------------------------------------------------------
    def _uci(self, args: list[str]) -> None:
        self.emit(f"id name {ENGINE_NAME}")
        self.emit(f"id author {ENGINE_AUTHOR}")
        self.emit(f"option name Hash type spin default {self.hash_mb} min {HASH_MIN_MB} max {HASH_MAX_MB}")
        for name, on in self.switches.items():
            self.emit(f"option name {name} type check default {str(on).lower()}")
        self.emit(f"option name EvalFile type string default {self.net.name if self.net else NO_NET}")
        self.emit("uciok")

    def _isready(self, args: list[str]) -> None:
        self._warmup.join()
        self.emit("readyok")

    def _ignore(self, args: list[str]) -> None:
        """``debug`` and ``ponderhit``: accepted, nothing to do (no debug output, no pondering)."""

    def _ucinewgame(self, args: list[str]) -> None:
        self._settle()
        self.engine.clear()

    def _setoption(self, args: list[str]) -> None:
        if len(args) < 2 or args[0] != "name":
            raise UciError("setoption needs 'name <name> [value <value>]'")
        name, value = args[1], " ".join(args[3:]) if args[2:3] == ["value"] else None
        if len(args) > 2 and value is None:
            raise UciError(f"setoption name {name}: expected 'value' after the name")
        if name.lower() == "hash":
            self._set_hash(value)
        elif name.lower() == "evalfile":
            self._set_eval_file(value)
        else:
            self._set_switch(name, value)
        self._settle()
        self.engine = self._new_engine()

    def _set_hash(self, value: str | None) -> None:
        try:
            mb = int(value or "")
        except ValueError:
            raise UciError(f"Hash: {value!r} is not an integer") from None
        if not HASH_MIN_MB <= mb <= HASH_MAX_MB:
            raise UciError(f"Hash must be {HASH_MIN_MB}..{HASH_MAX_MB} MiB, got {mb}")
        self.hash_mb = mb

    def _set_eval_file(self, value: str | None) -> None:
        from searchprune.evaluation.store import NetError, load_net

        if value is None or value.strip().lower() in ("", NO_NET.lower(), "none"):
            self.net = None
            return
        try:
            self.net = load_net(value.strip(), "chess")
        except NetError as error:
            raise UciError(f"EvalFile: {error}") from None

    def _set_switch(self, name: str, value: str | None) -> None:
        canonical = {key.lower(): key for key in self.switches}.get(name.lower())
        if canonical is None:
            raise UciError(f"unknown option {name!r}: options are Hash, EvalFile, {', '.join(self.switches)}")
        if value is None or value.lower() not in ("true", "false"):
            raise UciError(f"{canonical} takes 'true' or 'false', got {value!r}")
        self.switches[canonical] = value.lower() == "true"

    def _position(self, args: list[str]) -> None:
        board = parse_position(args)
        self._stop_search()
        self.board = board

    def _go(self, args: list[str]) -> None:
        received = time.monotonic()
        self._settle()
        try:
            limit, infinite = parse_go(args, self.board.turn == chess.WHITE)
        except UciError as error:
            self.emit(f"info string error: {error}")
            limit, infinite = Limit(depth=1), False
        job = _Job(infinite=infinite)
        job.thread = threading.Thread(target=self._think, args=(job, self.board.copy(), limit, received),
                                      daemon=True)
        self._job = job
        job.thread.start()

    def _stop(self, args: list[str]) -> None:
        self._stop_search()

    # -- searching -------------------------------------------------------------------
    def _think(self, job: _Job, board: chess.Board, limit: Limit, received: float) -> None:
        """The worker: search ``board``, then print the one ``bestmove`` of this ``go``."""
        try:
            best = self._best_move(job, board, _spend_waiting(limit, received))
        except Exception as error:  # noqa: BLE001 - the GUI must get its bestmove whatever happened
            self.emit(f"info string error: search failed: {' '.join(str(error).split())}")
            best = min((move.uci() for move in board.legal_moves), default="0000")
        if job.infinite:
            job.requested.wait()
        self.emit(f"bestmove {best}")

    def _best_move(self, job: _Job, board: chess.Board, limit: Limit) -> str:
        """The move to play in ``board`` in UCI notation (``0000`` when there is none)."""
        if board.is_checkmate() or board.is_stalemate():
            self.emit(f"info depth 0 score {'mate 0' if board.is_checkmate() else 'cp 0'}")
            return "0000"
        state = state_from_board(board)
        if self.game.status(state) != ONGOING:
            # Drawn by repetition or the 50-move rule, yet the GUI wants a move: search
            # the position afresh; with too little material to mate, any move will do.
            fresh = board.copy(stack=False)
            fresh.halfmove_clock = 0
            state = state_from_board(fresh)
            if self.game.status(state) != ONGOING:
                return min(move.uci() for move in board.legal_moves)

        def on_iteration(info: SearchInfo) -> None:
            self.emit(info_line(info))
            if job.requested.is_set():
                self.engine.stop()

        return uci(self.engine.analyse(state, limit, on_iteration=on_iteration).move)

    def _stop_search(self) -> None:
        """Stop the running search, if any, and wait for its ``bestmove``."""
        job, self._job = self._job, None
        if job is None:
            return
        job.requested.set()
        self.engine.stop()  # the search's depth 1 ignores it, so a move always comes back
        job.thread.join()

    def _settle(self) -> None:
        """No search running and the kernels ready: the engine may be changed or used."""
        self._stop_search()
        self._warmup.join()

    @property
    def searcher(self):
        """The ``Searcher`` behind the engine (for tests and diagnostics)."""
        return self.engine.searcher

    def _new_engine(self) -> SearchEngine:
        return SearchEngine.create(self.game, name=ENGINE_NAME, hash_mb=self.hash_mb, net=self.net,
                                   **{SWITCHES[name]: on for name, on in self.switches.items()})

    def _warm(self) -> None:
        self.engine.warm_up(depth=1)


def _spend_waiting(limit: Limit, received: float) -> Limit:
    """``limit`` less the time spent since the ``go`` arrived (waiting for the kernels)."""
    if limit.time is None:
        return limit
    left = max(MIN_BUDGET_MS / 1000, limit.time - (time.monotonic() - received))
    return Limit(depth=limit.depth, nodes=limit.nodes, time=left)

