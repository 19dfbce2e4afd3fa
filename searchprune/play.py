"""A game between a person at the terminal and the engine.

The session reads commands line by line from any text stream, so the same code
serves a person at a terminal and a test feeding stdin. Nothing typed can lose the
game: a bad move gets a one-line reason and the prompt again, and quitting (or the
input ending) prints the position in the game's notation so it can be resumed with
``--position``. The engine is ``searchprune.engines.engine.SearchEngine``, the same
facade the arena plays through.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from searchprune.engines.engine import SearchEngine
from searchprune.games.base import Game, GameError, State
from searchprune.search.limits import Limit, PlayResult
from searchprune.types import ONGOING, format_score

if TYPE_CHECKING:
    from searchprune.evaluation.store import Net

HELP = "commands: a move, 'hint', 'undo', 'quit' (or 'help')"


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


class PlaySession:
    """One game; ``run`` returns the final state."""

    def __init__(self, game: Game, options: PlayOptions, inp: TextIO, out: TextIO, state: State | None = None) -> None:
        self.game = game
        self.options = options
        self.inp = inp
        self.out = out
        self.state = game.new_state() if state is None else state
        self.start = self.state.copy()
        self.played: list[int] = []  # moves made in this session, for undo
        self.engine = SearchEngine.create(game, algorithm=options.algorithm, hash_mb=options.tt_mb, net=options.net)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self) -> None:
        self.say(self.game.render(self.state, color=self.options.color))

    def engine_move(self) -> None:
        result = self.engine.analyse(self.state, self.options.limit)
        text = self.game.format_move(self.state, result.move)
        self.game.play(self.state, result.move)
        self.played.append(result.move)
        self.say(f"Engine plays {text}   ({self.describe(result)})")

    def describe(self, result: PlayResult) -> str:
        info = result.info
        return (
            f"score {format_score(result.score)}, depth {info.depth}, nodes {info.nodes:,}, "
            f"{info.time:.2f} s, {info.nps / 1e6:.2f} M nodes/s"
        )

    def hint(self) -> None:
        result = self.engine.analyse(self.state, self.options.limit)
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
        names = self.game.info.players
        side = self.options.human_side
        self.say(f"{self.game.info.name}: you play {names[side]} ({'first' if side == 0 else 'second'}). {HELP}.")
        self.show()
        while self.game.status(self.state) == ONGOING:
            if self.game.side_to_move(self.state) != side:
                self.engine_move()
                self.show()
                continue
            legal = self.game.legal_moves(self.state)
            if len(legal) == 1 and self.game.format_move(self.state, legal[0]) == "pass":
                self.say(f"{names[side]} has no legal move and must pass.")
                self.game.play(self.state, legal[0])
                self.played.append(legal[0])
                continue
            self.out.write(f"Your move ({names[side]}): ")
            self.out.flush()
            line = self.inp.readline()
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
            try:
                move = self.game.parse_move(self.state, text)
            except GameError as error:
                self.say(f"Error: {error}")
                continue
            self.game.play(self.state, move)
            self.played.append(move)
            self.show()
        self.say(self.game.result_text(self.state))
        self.say(f"Game: {self.game.format_position(self.state)}")
        self.save_record()
        return self.state

    def quit(self) -> State:
        position = self.game.format_position(self.state)
        self.say(f"Game left unfinished. Resume with: searchprune play {self.game.info.name} --side {'first' if self.options.human_side == 0 else 'second'} --position '{position}'")
        self.save_record()
        return self.state

    def save_record(self) -> None:
        """Write the game's record file (PGN for chess), if the game has a format for one."""
        now = datetime.datetime.now()
        names = ["You", "searchprune"] if self.options.human_side == 0 else ["searchprune", "You"]
        headers = {"Event": "searchprune play", "Site": "terminal", "Date": now.strftime("%Y.%m.%d"),
                   "White": names[0], "Black": names[1]}
        record = self.game.game_record(self.start, self.played, headers)
        if record is None:
            return
        suffix, text = record
        path = Path(self.options.record_path or f"searchprune-{self.game.info.name}-{now:%Y%m%d-%H%M%S}{suffix}")
        try:
            path.write_text(text)
        except OSError as error:
            self.say(f"Error: could not save the game to {path}: {error.strerror}")
            return
        self.say(f"Game saved to {path}")
