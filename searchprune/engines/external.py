"""External UCI chess engines (Stockfish and the like) as tournament engines.

``ExternalUciEngine`` (the client side of UCI; this project's own UCI server is
``searchprune.engines.uci.UciServer``) runs a ``uci`` spec's ``command`` through ``chess.engine.SimpleEngine``,
sets its ``[uci_options]`` and answers ``play(state, clock)`` like any ``Engine``.

History: a UCI engine sees only what ``position`` sends it, so it can judge
repetitions and the 50-move rule only if it gets the moves, not just a FEN.
``searchprune.games.chess.game.board_with_history`` rebuilds them from the state itself: the chess state
keeps an undo record (with the move) for every ply played, so the moves since the
last capture or pawn move (the only ones a repetition can reach back to, and at most
100 plies) are taken back on a copy and replayed onto a python-chess board. The engine
then gets ``position <that root> moves ...``, exactly the history the game's own
draw rules see, however the caller came by the state, and the engine keeps no state
of its own that could drift from the game.

Faults become exceptions that ``searchprune.arena.match`` scores as a loss: a process
that dies (``EngineTerminatedError``), a move python-chess finds illegal
(``EngineError``), and a move that does not come in time: a watchdog kills the process
once the arena would forfeit the move anyway (``searchprune.engines.timing``), or after ``UNTIMED_DEADLINE`` seconds
for depth- and node-limited specs, and ``play`` raises ``TimeoutError``.
"""

from __future__ import annotations

import shlex
import threading

import chess
import chess.engine

from searchprune.engines.engine import Engine, MoveInfo
from searchprune.engines.spec import EngineSpec, SpecError
from searchprune.engines.timing import TIME_FACTOR, TIME_MARGIN
from searchprune.games import Game
from searchprune.games.chess.game import board_with_history, to_move
from searchprune.types import MATE, MATE_BOUND

#: Seconds an engine has to start and answer ``uci``/``isready`` (Stockfish loads its net).
START_TIMEOUT = 10.0
#: Seconds a ``quit`` may take before the process is killed.
QUIT_TIMEOUT = 2.0
#: A depth- or node-limited move still thinking after this many seconds counts as hung.
UNTIMED_DEADLINE = 120.0
#: What python-chess parses from the engine's ``info`` lines.
INFO = chess.engine.INFO_BASIC | chess.engine.INFO_SCORE


def centipawns(score: chess.engine.Score) -> int:
    """A UCI score in this project's units: centipawns, or ``±(MATE - plies)`` for a mate."""
    mate = score.mate()
    if mate is None:
        # an engine's centipawns must never read as a mate score
        return max(-MATE_BOUND + 1, min(MATE_BOUND - 1, score.score()))
    if mate > 0:
        return MATE - (2 * mate - 1)
    return -(MATE + 2 * mate)


class ExternalUciEngine(Engine):
    """Client of an external UCI engine process; one per engine, so one per game in a tournament."""

    def __init__(self, spec: EngineSpec, game: Game) -> None:
        super().__init__(spec, game)
        self.process: chess.engine.SimpleEngine | None = None
        self.killed = False
        self.game_token = object()  # python-chess sends ucinewgame when this changes
        if spec.game != "chess":
            raise SpecError(f"engine {spec.name}: uci engines play chess, not {spec.game}")
        try:
            argv = shlex.split(spec.command or "")
        except ValueError as error:
            raise SpecError(f"engine {spec.name}: cannot split command {spec.command!r}: {error}") from None
        try:
            self.process = chess.engine.SimpleEngine.popen_uci(argv, timeout=START_TIMEOUT)
        except (chess.engine.EngineError, TimeoutError) as error:  # before OSError: TimeoutError is one
            what = f"no answer to uci in {START_TIMEOUT:g} s" if isinstance(error, TimeoutError) else \
                f"{type(error).__name__}: {error}"
            raise SpecError(f"engine {spec.name}: {spec.command!r} is not a working UCI engine: {what}") from None
        except OSError as error:
            raise SpecError(f"engine {spec.name}: cannot run {argv[0]!r}: {error.strerror or error}") from None
        try:
            self.process.configure(spec.uci_options)
        except (chess.engine.EngineError, TimeoutError) as error:
            self.close()
            raise SpecError(f"engine {spec.name}: bad [uci_options]: {error}") from None
        self._ready()
        self.process.timeout = None  # play's own watchdog (below) bounds a move instead

    def _ready(self) -> None:
        """``isready`` until ``readyok``, within ``START_TIMEOUT``, off any move's clock: an
        engine may still be loading (Stockfish its net, ``searchprune uci`` its kernels),
        and the ``isready`` that python-chess sends with the first move's ``ucinewgame``
        counts against that move's deadline."""
        try:
            self.process.ping()
        except (chess.engine.EngineError, TimeoutError) as error:
            self.close()
            what = f"no readyok in {START_TIMEOUT:g} s" if isinstance(error, TimeoutError) else str(error)
            raise SpecError(f"engine {self.spec.name}: {self.spec.command!r} is not ready: {what}") from None

    def new_game(self) -> None:
        self.game_token = object()

    def _limit(self, turn: chess.Color, clock: float | None) -> tuple[chess.engine.Limit, float, str]:
        """(the UCI limit, seconds before the move counts as hung, that deadline in words)."""
        limits = self.spec.limits
        limit = chess.engine.Limit(depth=limits.get("depth"), nodes=limits.get("nodes"))
        if "clock" in limits:
            remaining = max(0.001, clock if clock is not None else limits["clock"])
            increment = limits.get("increment", 0.0)
            if turn == chess.WHITE:
                limit.white_clock, limit.white_inc = remaining, increment
            else:
                limit.black_clock, limit.black_inc = remaining, increment
            return limit, remaining + TIME_MARGIN, f"{remaining:.2f} s left on the clock"
        if "time" in limits:
            limit.time = limits["time"]
            return limit, TIME_FACTOR * limit.time + TIME_MARGIN, f"{limit.time:g} s a move"
        return limit, UNTIMED_DEADLINE, "a depth or node limit"

    def play(self, state, clock: float | None = None) -> MoveInfo:
        if self.process is None:
            raise chess.engine.EngineTerminatedError("engine process was closed")
        board = board_with_history(state)
        limit, deadline, what = self._limit(board.turn, clock)
        watchdog = threading.Timer(deadline, self._kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            result = self.process.play(board, limit, game=self.game_token, info=INFO)
        except chess.engine.EngineTerminatedError:
            if self.killed:
                raise TimeoutError(f"no move after {deadline:.2f} s ({what}): engine killed") from None
            raise
        finally:
            watchdog.cancel()
        if result.move is None:
            raise chess.engine.EngineError(f"no move (bestmove (none)) in {board.fen()}")
        score = result.info.get("score")
        return MoveInfo(move=to_move(board, result.move),
                        score=None if score is None else centipawns(score.pov(board.turn)),
                        depth=result.info.get("depth"), nodes=result.info.get("nodes", 0))

    def _kill(self) -> None:
        """Watchdog: the move is overdue, so end the process (``play`` then raises)."""
        self.killed = True
        if self.process is not None:
            self.process.close()

    def close(self) -> None:
        """Ask the engine to quit, kill it if it does not, and wait until it is gone."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.timeout = QUIT_TIMEOUT
            process.quit()
        except (chess.engine.EngineError, TimeoutError):
            pass  # dead already, or deaf: close() below kills it
        finally:
            process.close()
            process.returncode.result(timeout=START_TIMEOUT)
