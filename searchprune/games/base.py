"""The game protocol: compiled kernels over numpy arrays, plus a thin Python class.

This is the one place the protocol is written down. A game is one module. Its compiled
half is a set of ``@njit`` functions that the search reads as globals
(``searchprune.search.build`` specialises the search for each game, so these calls are
inlined).

Required kernels (``KERNELS``):

=====================================  =================================================
``gen_moves(state, buf) -> n``         write the legal moves (ints) into ``buf[:n]``
``make(state, move)``                  play ``move`` in place
``unmake(state, move)``                take back ``move``, restoring ``state`` exactly
``terminal(state) -> status``          ``ONGOING``, or ``WIN``/``DRAW``/``LOSS`` for the
                                       side to move (``searchprune.types``)
``evaluate(state, params) -> score``   heuristic score for the side to move; ``params``
                                       is a float32 array the evaluator may read (a
                                       net's weights: ``searchprune.evaluation``)
``key(state) -> uint64``               64-bit position key (equal positions, equal keys)
``order_hints(state, moves, n, out)``  write a hint >= 0 for each of ``moves[:n]`` into
                                       ``out[:n]``; larger is searched first (tactical
                                       moves, threats, forced replies, centre...). One
                                       call per node, so a game shares work between moves
=====================================  =================================================

Optional kernels (``OPTIONAL``): a game defines those it has; the search uses the
defaults in ``searchprune.search.defaults`` for the others. With the defaults the
quiescence search is a plain evaluation and null moves are never tried, so switching
those components on for such a game changes nothing.

=================================  =====================================================
``in_check(state) -> bool``        the side to move is in check (check extension; no
                                   null move, reduction or stand-pat in check). Default:
                                   never
``gen_tactical(state, buf) -> n``  moves that change the material (quiescence search);
                                   every legal move when in check. Default: none
``is_tactical(state, move)``       ``move`` (not yet played) is one of those. Default:
                                   never
``make_null / unmake_null(state)`` pass the move (null-move pruning). Default: nothing
``null_ok(state) -> bool``         a null move is safe here (zugzwang is unlikely).
                                   Default: never
``perft_over(state) -> bool``      a line of the perft tree ends here with no leaves.
                                   Default: the game is over (``terminal``)
=================================  =====================================================

Optional hooks of an evaluator ``module:func`` (``evaluate`` or a net's): an
incremental evaluator, such as the nets' accumulators, keeps per-ply working state in
``params``. The search binds ``module:func_reset`` and ``module:func_make`` as
``eval_reset`` / ``eval_make`` where they exist (``searchprune.search.build.EVAL_HOOKS``);
the defaults do nothing.

=================================  =====================================================
``<func>_reset(state, params)``    set the working state up for ``state`` (at the root)
``<func>_make(state, params)``     after a make or null move: update it for the new ply
                                   (unmake needs no hook: the last ply's is untouched)
=================================  =====================================================

The state is one preallocated 1-D numpy array whose layout and dtype the game
chooses. Moves are small non-negative ints below ``GameInfo.move_space`` (history
tables are indexed by them). The kernels never validate: the Python class does.

The game's other parts (net features and evaluator, bench positions, data labeller,
exact solver, openings) are not part of its module: its registration names them
(``searchprune.games.registry.GameBundle``).
"""

from __future__ import annotations

import abc
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import ClassVar

import numpy as np

from searchprune.types import DRAW, LOSS, ONGOING, WIN

#: Names every game module must define as compiled kernels.
KERNELS = ("gen_moves", "make", "unmake", "terminal", "evaluate", "key", "order_hints")
#: Names a game module may define as compiled kernels; ``searchprune.search.defaults``
#: holds the default of each, used where the game does not define it.
OPTIONAL = ("in_check", "gen_tactical", "is_tactical", "make_null", "unmake_null", "null_ok", "perft_over")

State = np.ndarray
Move = int


class GameError(ValueError):
    """Bad input for a game: a malformed position or an illegal move.

    The message is one line a person can act on.
    """


@dataclass(frozen=True)
class GameInfo:
    """Static facts about a game (separate from any position's mutable state)."""

    name: str
    #: Upper bound on legal moves in any position (size of a move buffer).
    max_moves: int
    #: Upper bound on the plies of a whole game.
    max_plies: int
    #: Moves are ints in ``range(move_space)``.
    move_space: int
    #: Names of the players, first mover first.
    players: tuple[str, str]
    description: str = ""


class Game(abc.ABC):
    """Python face of a game: parse, format, render and validate.

    Subclasses set ``info``, live in the module that holds the compiled kernels,
    and implement the abstract methods. Everything here validates its input and raises
    ``GameError`` with a one-line reason; the kernels it calls do not check anything.
    """

    info: ClassVar[GameInfo]
    #: Search components on by default for this game (``Searcher`` keyword names such as
    #: ``qsearch`` or ``null_move``); the rest default to off.
    search_defaults: ClassVar[dict[str, bool]] = {}

    @property
    def kernels(self) -> ModuleType:
        """The module holding the compiled protocol: by default the class's own module."""
        return sys.modules[type(self).__module__]

    # -- positions ---------------------------------------------------------------
    @abc.abstractmethod
    def new_state(self) -> State:
        """The start position."""

    @abc.abstractmethod
    def parse_position(self, text: str) -> State:
        """A position from its text form (the game's own notation); raises ``GameError``."""

    @abc.abstractmethod
    def format_position(self, state: State) -> str:
        """Text form accepted by ``parse_position``."""

    # -- moves -------------------------------------------------------------------
    @abc.abstractmethod
    def format_move(self, state: State, move: Move) -> str:
        """Human form of ``move`` in ``state`` (before it is played)."""

    def move_name(self, state: State, move: Move) -> str:
        """Machine notation of ``move`` (perft divide, engine protocols); by default the
        human form. Chess uses UCI (``e2e4``)."""
        return self.format_move(state, move)

    def parse_move(self, state: State, text: str) -> Move:
        """The legal move that ``text`` names in ``state``; raises ``GameError`` otherwise."""
        text = text.strip()
        if self.status(state) != ONGOING:
            raise GameError("the game is over: no move can be played")
        legal = self.legal_moves(state)
        for move in legal:
            if self.format_move(state, move).lower() == text.lower():
                return move
        listed = ", ".join(self.format_move(state, m) for m in legal)
        raise GameError(f"illegal move {text!r}: legal moves are {listed}")

    def legal_moves(self, state: State) -> list[Move]:
        """Legal moves in generation order (empty once the game is over)."""
        if self.kernels.terminal(state) != ONGOING:
            return []
        buf = np.empty(self.info.max_moves, dtype=np.int64)
        n = self.kernels.gen_moves(state, buf)
        return [int(m) for m in buf[:n]]

    def play(self, state: State, move: Move) -> None:
        """Play a legal move in place; raises ``GameError`` for an illegal one."""
        if move not in self.legal_moves(state):
            raise GameError(f"illegal move {move!r}")
        self.kernels.make(state, np.int64(move))

    def undo(self, state: State, move: Move) -> None:
        """Take back ``move``, which must be the last move played."""
        self.kernels.unmake(state, np.int64(move))

    # -- results -----------------------------------------------------------------
    def status(self, state: State) -> int:
        """``ONGOING`` or the result for the side to move."""
        return int(self.kernels.terminal(state))

    def plies_left(self, state: State) -> int:
        """Upper bound on the plies the game can still last (caps the search depth)."""
        return self.info.max_plies

    def live_state(self, state: State) -> np.ndarray:
        """The part of ``state`` that make/unmake restore exactly (by default all of it;
        a game may keep scratch space or spent undo records beyond it)."""
        return state

    def search_state(self, state: State) -> State:
        """The copy of ``state`` a search works on (a game may mark it as a search root)."""
        return np.array(state, copy=True)

    @abc.abstractmethod
    def side_to_move(self, state: State) -> int:
        """0 if the first player is to move, 1 otherwise."""

    def result_text(self, state: State) -> str:
        """One line announcing the result of a finished game."""
        status = self.status(state)
        mover = self.side_to_move(state)
        names = self.info.players
        if status == DRAW:
            return "Draw."
        if status == WIN:
            return f"{names[mover]} wins."
        if status == LOSS:
            return f"{names[1 - mover]} wins."
        return "The game is not over."

    def game_record(self, start: State, moves: list[Move], headers: dict[str, str]) -> tuple[str, str] | None:
        """``(suffix, text)`` of a file recording the game played from ``start`` (PGN for
        chess), or None where the game has no standard record format."""
        return None

    # -- display -----------------------------------------------------------------
    @abc.abstractmethod
    def render(self, state: State, *, color: bool = False) -> str:
        """The board as text, coloured with ANSI escapes when ``color``."""

    def key(self, state: State) -> int:
        return int(self.kernels.key(state))
