"""A game between a person at the terminal and the engine.

The session reads commands line by line from any text stream, so the same code
serves a person at a terminal and a test feeding stdin. Nothing typed can lose the
game: a bad move gets a one-line reason and the prompt again, and quitting (or the
input ending) prints the position in the game's notation so it can be resumed with
``--position``. The engine is ``searchprune.engines.engine.SearchEngine``, the same
facade the arena plays through.

With a time control (``PlayOptions.time_control``, ``--tc 5+3``) each side has a clock
(``searchprune.engines.clock``), shown under the board. The engine's face runs while it
searches and it spends its own clock's share (the UCI rules); the person's face runs
from the prompt until a legal move is entered (wall time: commands such as ``moves``
and mistyped moves do not stop it, and a flag that fell while typing is noticed when
the move arrives). A side whose flag falls loses on time, or draws if the other side
has too little material left to mate (for games that can tell, chess).

At a terminal the prompt reads through ``readline``: the arrows edit the line and
recall earlier ones. Commands besides moves: ``hint``, ``undo``, ``moves`` (the legal
moves), ``flip`` (turn the board, chess), ``save [file]`` (write the record now),
``quit``, ``help``.
"""

from __future__ import annotations

import datetime
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from searchprune.engines.clock import Clock, TimeControl
from searchprune.engines.engine import SearchEngine
from searchprune.games.base import Game, GameError, State
from searchprune.search.interrupt import run_interruptibly
from searchprune.search.limits import Limit, PlayResult
from searchprune.types import ONGOING, format_score

if TYPE_CHECKING:
    from searchprune.evaluation.store import Net

#: About how long a cold compile of each game's search takes, for the message shown
#: while it compiles (a game not listed says ~10 s). Chess: 20-24 s of CPU measured here
#: (2 shared cores; bench/results/interrupt.md); Connect Four and Othello: about 6 s to a
#: cold first move (bench/results/cold_start*.md); tic-tac-toe: a guess.
COMPILE_SECONDS = {"chess": 20, "othello": 6, "connect4": 6, "tictactoe": 3}

HELP = "commands: a move, 'hint', 'undo', 'moves', 'flip', 'save [file]', 'quit' (or 'help')"


@dataclass
class PlayOptions:
    human_side: int = 0  # 0: the person moves first
    limit: Limit = Limit(time=1.0)
    algorithm: str = "negascout"
    tt_mb: float = 16
    color: bool = False
    #: Where the game record goes when the session ends (games with a record format);
    #: None: a time-stamped file in the current folder.
    record_path: str | None = None
    #: A net (a loaded ``evaluation.store.Net``, a name or a path) to evaluate with
    #: instead of the game's evaluator.
    net: Net | str | None = None
    #: A clock for each side (``--tc``); None: the engine thinks ``limit`` a move, no clock.
    time_control: TimeControl | None = None
    #: Play the exact solver's move where it proves one in time (``--no-solver``: False).
    solver: bool = True
    #: Play the opening book's move where it holds the position (``--no-book``: False).
    book: bool = True


class PlaySession:
    """One game; ``run`` returns the final state."""

    def __init__(self, game: Game, options: PlayOptions, inp: TextIO, out: TextIO, state: State | None = None,
                 moves: list[int] | None = None, now=None) -> None:
        """``moves``: played from ``state`` before the session (a game resumed from its
        record: they stay in the record and count for repetitions); ``now``: the
        clock's time source (tests)."""
        self.game = game
        self.options = options
        self.inp = inp
        self.out = out
        self.state = game.new_state() if state is None else state
        self.start = self.state.copy()
        self.played: list[int] = []  # moves made from ``start``, for undo and the record
        self.interrupted = False  # True once Ctrl-C ended the session
        for move in moves or []:
            game.play(self.state, move)
            self.played.append(move)
        self.engine = SearchEngine.create(game, algorithm=options.algorithm, hash_mb=options.tt_mb, net=options.net,
                                          exact={"solver": options.solver, "book": options.book})
        control = options.time_control
        self.clock = None if control is None else (Clock(control) if now is None else Clock(control, now))
        self.flipped = False
        #: Set when a flag falls: the result text, and the PGN result ("1-0", "0-1", "1/2-1/2").
        self.time_result: tuple[str, str] | None = None
        self.interactive = inp is sys.stdin and out is sys.stdout and _is_terminal(inp)
        if self.interactive:
            try:
                import readline  # noqa: F401 - input() then edits lines and keeps a history
            except ImportError:  # not on every platform; input() still works without it
                pass

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self) -> None:
        extra = {"flipped": True} if self.flipped else {}
        self.say(self.game.render(self.state, color=self.options.color, **extra))
        if self.clock is not None:
            self.say(self.clock.text(self.game.info.players, self.game.side_to_move(self.state)))

    def prepare(self) -> None:
        """Compile (or load) the search before any clock runs, saying so when it compiles."""
        if self.engine.needs_compiling():
            seconds = COMPILE_SECONDS.get(self.game.info.name, 10)
            self.say(f"Compiling the search for {self.game.info.name}, once per install, ~{seconds} s...")
        run_interruptibly(lambda: self.engine.warm_up(depth=1))  # Ctrl-C: KeyboardInterrupt at once

    def think(self, limit: Limit | None = None) -> PlayResult:
        """The engine's search of the current position. Ctrl-C stops it at once: what it had
        found is shown and ``KeyboardInterrupt`` raised (``run`` then saves the game)."""
        result, interrupted = run_interruptibly(
            lambda: self.engine.analyse(self.state, limit or self.options.limit), self.engine.stop)
        if interrupted:
            self.say(f"\nInterrupted while the engine thought: its best so far was "
                     f"{self.game.format_move(self.state, result.move)}   ({self.describe(result)})")
            raise KeyboardInterrupt
        return result

    def engine_move(self) -> None:
        limit = self.options.limit
        side = self.game.side_to_move(self.state)
        if self.clock is not None:  # its own clock's share; --depth still caps it
            self.clock.start(side)
            limit = Limit(depth=limit.depth, time=self.clock.budget(side))
        result = self.think(limit)
        if self.clock is not None and not self.clock.stop():
            self.flag_fell(side)
            return
        text = self.game.format_move(self.state, result.move)
        self.game.play(self.state, result.move)
        self.played.append(result.move)
        self.say(f"Engine plays {text}   ({self.describe(result)})")

    def describe(self, result: PlayResult) -> str:
        info = result.info
        if result.source == "book":
            return f"{result.exact.text()}, from the opening book"
        if result.exact is not None:
            return f"{result.exact.text()}, solved in {info.time:.2f} s, nodes {info.nodes:,}"
        return (
            f"score {format_score(result.score)}, depth {info.depth}, nodes {info.nodes:,}, "
            f"{info.time:.2f} s, {info.nps / 1e6:.2f} M nodes/s"
        )

    def hint(self) -> None:
        result = self.think()
        self.say(f"Hint: {self.game.format_move(self.state, result.move)}   ({self.describe(result)})")

    def undo(self) -> None:
        # Take back the engine's reply and the person's move, so it is the person's turn again.
        count = 2 if self.game.side_to_move(self.state) == self.options.human_side else 1
        if len(self.played) < count:
            self.say("Nothing to undo.")
            return
        for _ in range(count):
            self.game.undo(self.state, self.played.pop())
        self.show()

    def run(self) -> State:
        """Play until the game ends or the person leaves; Ctrl-C leaves as ``quit`` does
        (the game saved, the resume line printed) and sets ``interrupted``."""
        try:
            self.prepare()
            return self._run()
        except KeyboardInterrupt:
            self.interrupted = True
            self.say()
            return self.quit()

    def engine_options(self) -> str:
        """The ``play`` options that set the engine up as it is (strength, table, net, clock),
        for the banner and the resume line."""
        options = self.options
        words = []
        if options.time_control is not None:
            words.append(f"--tc {options.time_control.option()}")
        for flag, value in (("--depth", options.limit.depth), ("--nodes", options.limit.nodes),
                            ("--time", options.limit.time)):
            if value is not None and options.time_control is None:
                words.append(f"{flag} {value:g}")
        if options.algorithm != PlayOptions.algorithm:
            words.append(f"--algorithm {options.algorithm}")
        if options.tt_mb != PlayOptions.tt_mb:
            words.append(f"--hash {options.tt_mb:g}")
        if options.net is not None:
            words.append(f"--net {getattr(options.net, 'name', options.net)}")
        if not options.solver:
            words.append("--no-solver")
        if not options.book:
            words.append("--no-book")
        return " ".join(words)

    def _run(self) -> State:
        names = self.game.info.players
        side = self.options.human_side
        self.say(f"{self.game.info.name}: you play {names[side]} ({'first' if side == 0 else 'second'}); "
                 f"engine: {self.engine_options() or 'defaults'}. {HELP}.")
        self.show()
        if self.clock is not None:
            self.say(f"Clock: {self.options.time_control.describe()}; yours runs from the prompt until your move.")
        while self.game.status(self.state) == ONGOING and self.time_result is None:
            if self.game.side_to_move(self.state) != side:
                self.engine_move()
                if self.time_result is None:
                    self.show()
                continue
            legal = self.game.legal_moves(self.state)
            if len(legal) == 1 and self.game.format_move(self.state, legal[0]) == "pass":
                self.say(f"{names[side]} has no legal move and must pass.")
                self.game.play(self.state, legal[0])
                self.played.append(legal[0])
                continue
            if self.clock is not None:
                self.clock.start(side)
            line = self.ask(f"Your move ({names[side]}): ")
            if not line:  # input ended: leave as if 'quit'
                self.say()
                return self.quit()
            text = line.strip()
            command = text.lower()
            if not command:
                continue
            if command in ("quit", "q", "exit"):
                return self.quit()
            if command in ("help", "?"):
                self.say(HELP)
                continue
            if command == "hint":
                self.hint()
                continue
            if command == "undo":
                self.undo()
                continue
            if self.command(command, text):
                continue
            try:
                move = self.game.parse_move(self.state, text)
            except GameError as error:
                self.say(f"Error: {error}")
                continue
            if self.clock is not None and not self.clock.stop():
                self.flag_fell(side)
                break
            self.game.play(self.state, move)
            self.played.append(move)
            self.show()
        self.say(self.time_result[0] if self.time_result else self.game.result_text(self.state))
        self.say(f"Game: {self.game.format_position(self.state)}")
        self.save_record()
        return self.state

    def ask(self, prompt: str) -> str:
        """One line of input ("" at its end). At a terminal through ``input``, so that
        ``readline`` edits the line and recalls history; else from ``inp``."""
        if self.interactive:
            try:
                return input(prompt) + "\n"
            except EOFError:
                return ""
        self.out.write(prompt)
        self.out.flush()
        return self.inp.readline()

    def command(self, command: str, text: str) -> bool:
        """Run ``moves``, ``flip`` or ``save [file]``; False if ``text`` is none of them."""
        if command == "moves":
            names = sorted(self.game.format_move(self.state, move) for move in self.game.legal_moves(self.state))
            self.say(f"Legal moves ({len(names)}): {', '.join(names)}")
        elif command == "flip":
            if self.game.info.name != "chess":
                self.say("Error: only the chess board can be flipped")
                return True
            self.flipped = not self.flipped
            self.show()
        elif command == "save" or command.startswith("save "):
            self.save_record(text[4:].strip() or None)
        elif "\x1b" in text:
            self.say("Error: that was a control key, not a move (line editing needs a terminal)")
        else:
            return False
        return True

    def flag_fell(self, side: int) -> None:
        """``side``'s flag fell: it loses, unless the other side cannot mate (a draw)."""
        names = self.game.info.players
        other = 1 - side
        if _cannot_mate(self.game, self.state, other):
            self.time_result = (f"{names[side]} ran out of time, but {names[other]} cannot mate: draw.", "1/2-1/2")
        else:
            self.time_result = (f"{names[side]} loses on time: {names[other]} wins.", "1-0" if other == 0 else "0-1")
        self.show()

    def quit(self) -> State:
        position = self.game.format_position(self.state)
        side = "first" if self.options.human_side == 0 else "second"
        extra = self.engine_options()
        self.say(f"Game left unfinished. Resume with: searchprune play {self.game.info.name} --side {side}"
                 f"{' ' + extra if extra else ''} --position '{position}'")
        self.save_record()
        return self.state

    def save_record(self, path_text: str | None = None) -> None:
        """Write the game's record file (PGN for chess), if the game has a format for one,
        to ``path_text`` (else the session's record path)."""
        now = datetime.datetime.now()
        names = ["You", "searchprune"] if self.options.human_side == 0 else ["searchprune", "You"]
        headers = {"Event": "searchprune play", "Site": "terminal", "Date": now.strftime("%Y.%m.%d"),
                   "White": names[0], "Black": names[1]}
        if self.options.time_control is not None:
            headers["TimeControl"] = self.options.time_control.pgn()
        record = self.game.game_record(self.start, self.played, headers)
        if record is None:
            if path_text is not None:
                self.say(f"Error: {self.game.info.name} has no record format to save")
            return
        suffix, text = record
        if self.time_result is not None and suffix == ".pgn":
            text = _pgn_lost_on_time(text, self.time_result[1])
        if path_text is not None:
            self.options.record_path = path_text  # later saves (and the one at the end) go there too
        path = Path(self.options.record_path or f"searchprune-{self.game.info.name}-{now:%Y%m%d-%H%M%S}{suffix}")
        try:
            path.write_text(text)
        except OSError as error:
            self.say(f"Error: could not save the game to {path}: {error.strerror}")
            return
        self.say(f"Game saved to {path}")


def load_record(game: Game, path: str) -> tuple[State, list[int]]:
    """The start and the moves of the game recorded in ``path`` (PGN, chess), to resume
    it with its history; raises ``GameError`` with a one-line reason."""
    if game.info.name != "chess":
        raise GameError(f"a {path} record can only resume a chess game")
    import chess.pgn  # the chess game's own library; only chess has a record format

    try:
        with open(path, encoding="utf-8-sig") as handle:
            record = chess.pgn.read_game(handle)
    except (OSError, UnicodeDecodeError) as error:
        raise GameError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    if record is None:
        raise GameError(f"{path} holds no PGN game")
    if record.errors:
        raise GameError(f"{path}: {record.errors[0]}")
    board = record.board()
    start = game.parse_position(board.fen())
    state = start.copy()
    moves = []
    for move in record.mainline_moves():
        move_code = game.parse_move(state, move.uci())
        game.play(state, move_code)
        moves.append(move_code)
    return start, moves


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _cannot_mate(game: Game, state: State, side: int) -> bool:
    """Whether ``side`` has too little material to ever mate (chess; False elsewhere)."""
    if game.info.name != "chess":
        return False
    import chess

    board = chess.Board(game.format_position(state))
    return board.has_insufficient_material(chess.WHITE if side == 0 else chess.BLACK)


def _pgn_lost_on_time(text: str, result: str) -> str:
    """The PGN ``text`` with ``result`` and a time-forfeit termination."""
    import io

    import chess.pgn

    record = chess.pgn.read_game(io.StringIO(text))
    record.headers["Result"] = result
    record.headers["Termination"] = "time forfeit"
    return str(record) + "\n"
