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
- ``MultiPV`` (spin, 1): report the best N lines (``info ... multipv k ...``, best
  first, each with an exact score); the ``bestmove`` is the first line's move.
- ``Move Overhead`` (spin, ms, 50): kept back from every clock or ``movetime`` budget
  for reading, printing and relaying the move (raise it over a slow link).
- ``UCI_LimitStrength`` (check) and ``UCI_Elo`` (spin): play below full strength; how
  a level weakens and how far the levels are calibrated: ``searchprune.engines.strength``
  (750-1540, measured by ``bench/calibrate_elo.py`` against Stockfish's ladder at 0.1 s
  a move: ``bench/results/calibrate_elo.md``).
- ``Ponder`` (check): the GUI may send ``go ponder``; with it on, ``bestmove`` also
  names the reply expected (``bestmove e2e4 ponder e7e5``).
- ``Threads`` (spin, 1..1): the search is single-threaded; the option is there
  because GUIs set it.
- ``Clear Hash`` (button): empty the table, killers and history.

``go`` understands ``depth``, ``nodes``, ``movetime``, ``wtime``, ``btime``,
``winc``, ``binc``, ``movestogo``, ``infinite``, ``mate N`` (search at most ``2N - 1``
plies, stopping at a mate found), ``searchmoves <moves>`` (only these at the root) and
``ponder``; with no limit at all it searches until ``stop``, like ``go infinite``.
After ``go infinite`` the ``bestmove`` waits for ``stop`` even if the search ends
sooner (a proven mate). ``go ponder`` searches the position after the expected reply
without a time limit until ``ponderhit`` (the reply came: from then on the clock
budget of that ``go`` applies, counted from the ``ponderhit``) or ``stop`` (another
reply came: ``bestmove`` at once, to be ignored by the GUI). A position with no legal
move (mated, stalemated) answers ``bestmove (none)``.

Start-up: the kernels compile (or load from the disk cache) in a background thread
from the moment the server is built, on an engine of their own, so ``uci``,
``ucinewgame`` and ``setoption`` answer at once. ``isready`` waits for them, but only
until ``READY_WAIT_S`` after the warm-up began (a cold compile takes longer than a
client's start-up timeout on a slow machine); a ``go`` that arrives before they are ready waits as long as its budget allows
(``KERNEL_WAIT_SHARE``) and is otherwise answered by ``quick_move`` with an ``info
string`` saying so. With a warm cache the kernels load in well under a second, and
after ``readyok`` every ``go`` is searched. Ctrl-C (``searchprune uci`` at a terminal)
answers the running ``go`` and exits 130.

Bad input (an unknown command, an unreadable FEN, an illegal move, a bad number) is
answered by one ``info string error: ...`` line and changes nothing: the previous
position and options stay. A ``go`` with a bad parameter still gets its one
``bestmove``, from a depth-1 search.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import TextIO

import chess

from searchprune.engines.engine import SearchEngine
from searchprune.engines.strength import ELO_DEFAULT, ELO_MAX, ELO_MIN, Strength
from searchprune.engines.timing import (
    DEFAULT_MOVES_TO_GO,
    INCREMENT_SHARE,
    MAX_CLOCK_SHARE,
    MIN_BUDGET_MS,
    OVERHEAD_MS,
    time_budget_ms,
)
from searchprune.games import GameError, get_game
from searchprune.games.chess.game import state_from_board, to_move, uci
from searchprune.search.limits import Limit, SearchInfo
from searchprune.types import MATE, MATE_BOUND, ONGOING

__all__ = ["UciServer", "UciError", "Go", "read_go", "parse_go", "parse_position", "score_text", "info_line", "time_budget_ms",
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
#: Seconds after the warm-up began by which ``isready`` answers, compiled or not: well
#: inside a client's start-up timeout (python-chess allows 10 s for ``ucinewgame`` +
#: ``isready`` + the first ``go``). A ``go`` still waits for the kernels as long as its
#: own budget allows.
READY_WAIT_S = 4.0
#: Share of a timed ``go``'s budget it may spend waiting for a compile still under way;
#: past it the ``go`` is answered with ``quick_move``.
KERNEL_WAIT_SHARE = 0.8
_GO_NUMBERS = ("depth", "nodes", "movetime", "wtime", "btime", "winc", "binc", "movestogo", "mate")
_AT_LEAST_ONE = ("depth", "nodes", "movestogo", "mate")
_GO_WORDS = _GO_NUMBERS + ("infinite", "ponder", "searchmoves")
MULTIPV_MAX = 256
MOVE_OVERHEAD_MAX_MS = 5000
#: What ``bestmove`` says where there is no legal move (UCI: "(none)").
NO_MOVE_TEXT = "(none)"
#: Larger ``go`` numbers are refused (the search keeps nodes and deadlines in 64 bits).
_GO_MAX = 10**12


class UciError(ValueError):
    """A malformed command; its message is the one-line reply."""


@dataclass(frozen=True)
class Go:
    """A parsed ``go``: its limit, and the words that are not limits."""

    limit: Limit
    infinite: bool
    ponder: bool = False
    searchmoves: tuple[str, ...] = ()


def parse_go(words: list[str], white_to_move: bool) -> tuple[Limit, bool]:
    """``(limit, infinite)`` for the words after ``go``; raises ``UciError``.

    ``infinite`` is True for ``go infinite`` and for a ``go`` without any limit.
    Negative clock times (a GUI whose flag is falling) count as zero.
    """
    go = read_go(words, white_to_move)
    return go.limit, go.infinite


def read_go(words: list[str], white_to_move: bool, *, overhead_ms: int = OVERHEAD_MS) -> Go:
    """The ``Go`` for the words after ``go``; raises ``UciError``. ``searchmoves`` are
    left as text (the caller checks them against its board)."""
    values: dict[str, int] = {}
    infinite = ponder = False
    searchmoves: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("infinite", "ponder"):
            infinite, ponder = infinite or word == "infinite", ponder or word == "ponder"
            i += 1
            continue
        if word == "searchmoves":
            i += 1
            while i < len(words) and words[i] not in _GO_WORDS:
                searchmoves.append(words[i])
                i += 1
            if not searchmoves:
                raise UciError("go searchmoves needs at least one move")
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
        budgets.append(max(MIN_BUDGET_MS, values["movetime"] - overhead_ms))
    clock, increment = ("wtime", "winc") if white_to_move else ("btime", "binc")
    if clock in values:
        budgets.append(time_budget_ms(max(0, values[clock]), max(0, values.get(increment, 0)),
                                      values.get("movestogo"), overhead_ms=overhead_ms))
    depth = values.get("depth")
    if "mate" in values:  # a mate in N moves lies within 2N - 1 plies
        depth = min(depth or _GO_MAX, 2 * values["mate"] - 1)
    limit = Limit(depth=depth, nodes=values.get("nodes"), time=min(budgets) / 1000 if budgets else None)
    return Go(limit=limit, infinite=infinite or limit == Limit(), ponder=ponder, searchmoves=tuple(searchmoves))


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


def info_line(info: SearchInfo, multipv: int | None = None) -> str:
    """The ``info`` line of one completed iteration (of its ``multipv``-th line)."""
    pv = " ".join(uci(move) for move in info.pv)
    line = "" if multipv is None else f" multipv {multipv}"
    return (f"info depth {info.depth} seldepth {info.seldepth}{line} score {score_text(info.score)} "
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
    #: ``go ponder``: the ``bestmove`` waits for ``release`` (``ponderhit`` or ``stop``).
    ponder: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    #: The seconds the search may take after ``ponderhit`` (None: no time limit).
    ponder_time: float | None = None
    timer: threading.Timer | None = None


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
        self.multipv = 1
        self.move_overhead_ms = OVERHEAD_MS
        self.limit_strength = False
        self.elo = ELO_DEFAULT
        self.ponder = False
        self.rng = random.Random()
        self.engine = self._new_engine()
        self._out_lock = threading.Lock()
        self._job: _Job | None = None
        self._start_warmup()

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

    def interrupt(self) -> None:
        """Ctrl-C: stop the running search at once and print its ``bestmove`` (its best so far)."""
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
            "ponderhit": self._ponderhit,
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
        self.emit(f"option name MultiPV type spin default 1 min 1 max {MULTIPV_MAX}")
        self.emit(f"option name Move Overhead type spin default {OVERHEAD_MS} min 0 max {MOVE_OVERHEAD_MAX_MS}")
        self.emit("option name Threads type spin default 1 min 1 max 1")
        self.emit("option name Ponder type check default false")
        self.emit("option name UCI_LimitStrength type check default false")
        self.emit(f"option name UCI_Elo type spin default {ELO_DEFAULT} min {ELO_MIN} max {ELO_MAX}")
        self.emit("option name Clear Hash type button")
        self.emit("uciok")

    def _isready(self, args: list[str]) -> None:
        # Ready once the kernels are, but never later than READY_WAIT_S after the warm-up
        # began, however many isready come: a cold compile on a slow machine must not
        # outlast a client's start-up timeout (python-chess: 10 s), nor the deadline of a
        # first move whose ucinewgame + isready the client sends on its clock (a go that
        # comes while it still compiles is answered by quick_move).
        self._warmup.join(max(0.0, self._warmup_started + READY_WAIT_S - time.monotonic()))
        self.emit("readyok")

    def _ignore(self, args: list[str]) -> None:
        """``debug``: accepted, nothing to do (no debug output)."""

    def _ponderhit(self, args: list[str]) -> None:
        """The expected reply was played: the pondering search goes on under its clock."""
        job = self._job
        if job is None or not job.ponder or job.release.is_set():
            return
        if job.ponder_time is not None:
            job.timer = threading.Timer(job.ponder_time, self._ponder_time_up, args=(job,))
            job.timer.daemon = True
            job.timer.start()
        job.release.set()

    def _ponder_time_up(self, job: _Job) -> None:
        if self._job is job:
            job.requested.set()
            self.engine.stop()

    def _ucinewgame(self, args: list[str]) -> None:
        self._settle()
        self.engine.clear()

    def _setoption(self, args: list[str]) -> None:
        if len(args) < 2 or args[0] != "name":
            raise UciError("setoption needs 'name <name> [value <value>]'")
        at = args.index("value") if "value" in args else len(args)
        name, value = " ".join(args[1:at]), " ".join(args[at + 1:]) if at < len(args) else None
        if not name:
            raise UciError("setoption needs 'name <name> [value <value>]'")
        if self._set_search_option(name.lower(), value):
            return
        if len(name.split()) > 1 and name.lower() not in ("move overhead", "clear hash"):
            raise UciError(f"setoption name {args[1]}: expected 'value' after the name")
        if name.lower() == "hash":
            self._set_hash(value)
        elif name.lower() == "evalfile":
            self._set_eval_file(value)
        else:
            self._set_switch(name, value)
        self._settle()
        self.engine = self._new_engine()
        self._start_warmup()  # a new evaluator (EvalFile) has kernels of its own

    def _set_search_option(self, name: str, value: str | None) -> bool:
        """Options that change how a ``go`` searches, not the engine: True if ``name`` was one."""
        if name not in ("clear hash", "multipv", "move overhead", "threads", "uci_elo", "uci_limitstrength", "ponder"):
            return False
        self._settle()  # as for every setoption, a search still running stops first
        if name == "clear hash":
            self.engine.clear()
        elif name == "multipv":
            self.multipv = _spin("MultiPV", value, 1, MULTIPV_MAX)
        elif name == "move overhead":
            self.move_overhead_ms = _spin("Move Overhead", value, 0, MOVE_OVERHEAD_MAX_MS)
        elif name == "threads":
            _spin("Threads", value, 1, 1)
        elif name == "uci_elo":
            self.elo = _spin("UCI_Elo", value, ELO_MIN, ELO_MAX)
        elif name in ("uci_limitstrength", "ponder"):
            if value is None or value.lower() not in ("true", "false"):
                raise UciError(f"{'UCI_LimitStrength' if name != 'ponder' else 'Ponder'} takes 'true' or "
                               f"'false', got {value!r}")
            setattr(self, "limit_strength" if name != "ponder" else "ponder", value.lower() == "true")
        return True

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
            raise UciError(f"unknown option {name!r}: options are Hash, EvalFile, {', '.join(self.switches)}, "
                           "MultiPV, Move Overhead, Threads, Ponder, UCI_LimitStrength, UCI_Elo, Clear Hash")
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
            go = read_go(args, self.board.turn == chess.WHITE, overhead_ms=self.move_overhead_ms)
            root_moves = _root_moves(self.board, go.searchmoves)
        except UciError as error:
            self.emit(f"info string error: {error}")
            go, root_moves = Go(limit=Limit(depth=1), infinite=False), None
        limit = go.limit
        job = _Job(infinite=go.infinite, ponder=go.ponder)
        if go.ponder:  # no time limit until ponderhit
            job.ponder_time = limit.time
            limit = Limit(depth=limit.depth, nodes=limit.nodes)
        job.thread = threading.Thread(target=self._think, args=(job, self.board.copy(), limit, received, root_moves),
                                      daemon=True)
        self._job = job
        job.thread.start()

    def _stop(self, args: list[str]) -> None:
        self._stop_search()

    # -- searching -------------------------------------------------------------------
    def _think(self, job: _Job, board: chess.Board, limit: Limit, received: float,
               root_moves: list[int] | None = None) -> None:
        """The worker: search ``board``, then print the one ``bestmove`` of this ``go``."""
        try:
            if self._wait_for_kernels(job, limit, received):
                best = self._best_move(job, board, _spend_waiting(limit, received), root_moves)
            else:  # still compiling (a cold start): a quick legal move now beats a lost game on time
                self.emit("info string the search is still compiling: a quick move this time")
                best = quick_move(board)
        except Exception as error:  # noqa: BLE001 - the GUI must get its bestmove whatever happened
            self.emit(f"info string error: search failed: {' '.join(str(error).split())}")
            best = min((move.uci() for move in board.legal_moves), default=NO_MOVE_TEXT)
        if job.infinite:
            job.requested.wait()
        if job.ponder:
            job.release.wait()
        if job.timer is not None:
            job.timer.cancel()
        self.emit(f"bestmove {best}")

    def _best_move(self, job: _Job, board: chess.Board, limit: Limit, root_moves: list[int] | None = None) -> str:
        """The move to play in ``board`` in UCI notation (``(none)`` when there is none),
        with `` ponder <reply>`` when the ``Ponder`` option is on and a reply is known."""
        if board.is_checkmate() or board.is_stalemate():
            self.emit(f"info depth 0 score {'mate 0' if board.is_checkmate() else 'cp 0'}")
            return NO_MOVE_TEXT
        state = state_from_board(board)
        if self.game.status(state) != ONGOING:
            # Drawn by repetition or the 50-move rule, yet the GUI wants a move: search
            # the position afresh; with too little material to mate, any move will do.
            fresh = board.copy(stack=False)
            fresh.halfmove_clock = 0
            state = state_from_board(fresh)
            if self.game.status(state) != ONGOING:
                return min(move.uci() for move in board.legal_moves)

        def stop_if_asked() -> None:
            if job.requested.is_set():
                self.engine.stop()

        def on_iteration(info: SearchInfo) -> None:
            self.emit(info_line(info))
            stop_if_asked()

        def on_lines(lines: list[SearchInfo]) -> None:
            for index, info in enumerate(lines[:self.multipv], 1):
                self.emit(info_line(info, index))
            stop_if_asked()

        if self.limit_strength:  # every root move scored, one drawn (engines.strength)
            strength = Strength(self.elo)
            result = self.engine.analyse(state, strength.limit(limit), on_lines=on_lines, root_moves=root_moves,
                                         multipv=len(root_moves or list(board.legal_moves)) + 1)
            pv = strength.choose(result.lines, self.rng).pv
        elif self.multipv > 1 or root_moves is not None:
            pv = self.engine.analyse(state, limit, on_lines=on_lines, multipv=self.multipv,
                                     root_moves=root_moves).info.pv
        else:
            pv = self.engine.analyse(state, limit, on_iteration=on_iteration).info.pv
        ponder = f" ponder {uci(pv[1])}" if self.ponder and len(pv) > 1 else ""
        return uci(pv[0]) + ponder

    def _stop_search(self) -> None:
        """Stop the running search, if any, and wait for its ``bestmove``."""
        job, self._job = self._job, None
        if job is None:
            return
        job.requested.set()
        job.release.set()
        self.engine.stop()  # the search's depth 1 ignores it, so a move always comes back
        job.thread.join()

    def _settle(self) -> None:
        """No search running: the engine may be changed or used (the warm-up has its own)."""
        self._stop_search()

    @property
    def searcher(self):
        """The ``Searcher`` behind the engine (for tests and diagnostics)."""
        return self.engine.searcher

    def _new_engine(self) -> SearchEngine:
        return SearchEngine.create(self.game, name=ENGINE_NAME, hash_mb=self.hash_mb, net=self.net,
                                   **{SWITCHES[name]: on for name, on in self.switches.items()})

    def _start_warmup(self) -> None:
        """Compile (or load) the kernels in the background, on an engine of their own with
        the current options, so that ``uci``, ``isready`` and ``ucinewgame`` answer at once
        and a ``go`` waits only for what is left (``_wait_for_kernels``)."""
        spare = SearchEngine.create(self.game, name=ENGINE_NAME, hash_mb=HASH_MIN_MB, net=self.net,
                                    **{SWITCHES[name]: on for name, on in self.switches.items()})
        self._warmup = threading.Thread(target=spare.warm_up, kwargs={"depth": 1}, daemon=True)
        self._warmup_started = time.monotonic()
        self._warmup.start()

    def _wait_for_kernels(self, job: _Job, limit: Limit, received: float) -> bool:
        """Wait for the warm-up while this ``go`` allows: its whole budget but a reserve
        (``KERNEL_WAIT_SHARE``), without end where it has no time limit, until ``stop``.
        True once the kernels are ready."""
        deadline = None if limit.time is None else received + limit.time * KERNEL_WAIT_SHARE
        while self._warmup.is_alive():
            if job.requested.is_set() or (deadline is not None and time.monotonic() >= deadline):
                return False
            self._warmup.join(0.005)
        return True


def _spin(name: str, value: str | None, low: int, high: int) -> int:
    """A spin option's value; raises ``UciError`` unless an integer in ``low..high``."""
    try:
        number = int(value or "")
    except ValueError:
        raise UciError(f"{name}: {value!r} is not an integer") from None
    if not low <= number <= high:
        raise UciError(f"{name} must be {low}..{high}, got {number}"
                       + (" (the search is single-threaded)" if name == "Threads" else ""))
    return number


def _root_moves(board: chess.Board, texts: tuple[str, ...]) -> list[int] | None:
    """The moves of ``go searchmoves`` (None: all); raises ``UciError`` for one not legal."""
    if not texts:
        return None
    moves = []
    for text in texts:
        try:
            move = board.parse_uci(text)
            if not move:
                raise ValueError
        except ValueError:
            raise UciError(f"go searchmoves: {text!r} is not a legal move here") from None
        moves.append(to_move(board, move))
    return moves


def quick_move(board: chess.Board) -> str:
    """A legal move chosen in a millisecond, for a ``go`` that arrives while the search
    still compiles: a mate in one, else the most valuable capture by the least valuable
    piece, else a promotion, else the move to the most central square; ``(none)``."""
    values = {chess.PAWN: 1, chess.KNIGHT: 3, chess.BISHOP: 3, chess.ROOK: 5, chess.QUEEN: 9, chess.KING: 0}

    def rank(move: chess.Move) -> tuple:
        board.push(move)
        mate = board.is_checkmate()
        board.pop()
        victim = board.piece_type_at(move.to_square) or (chess.PAWN if board.is_en_passant(move) else None)
        gain = 10 * values[victim] - values[board.piece_type_at(move.from_square)] if victim else -100
        centre = -abs(3.5 - chess.square_file(move.to_square)) - abs(3.5 - chess.square_rank(move.to_square))
        return mate, gain, values.get(move.promotion, 0), centre, move.uci()

    moves = list(board.legal_moves)
    return max(moves, key=rank).uci() if moves else NO_MOVE_TEXT


def _spend_waiting(limit: Limit, received: float) -> Limit:
    """``limit`` less the time spent since the ``go`` arrived (waiting for the kernels)."""
    if limit.time is None:
        return limit
    left = max(MIN_BUDGET_MS / 1000, limit.time - (time.monotonic() - received))
    return Limit(depth=limit.depth, nodes=limit.nodes, time=left)

