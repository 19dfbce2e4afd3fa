"""One game between two engines, from an opening, with adjudication and fault handling.

``play_game(task)`` is what an executor runs (in a worker process or on a cluster):
it builds both engines from their specs, plays the game and returns a plain-dict
record, so the result pickles anywhere. Faults are results, not exceptions: an engine
that raises, overruns its time or plays an illegal move loses the game, and the record
says why.

Result strings are PGN's, from the first player's side: ``"1-0"`` (the player who
moves first from the start of the game won), ``"0-1"``, ``"1/2-1/2"``.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field

from searchprune.engines.engine import make_engine
from searchprune.engines.spec import EngineSpec
from searchprune.engines.timing import TIME_FACTOR, TIME_MARGIN, move_time
from searchprune.games import get_game
from searchprune.types import DRAW, ONGOING, WIN


@dataclass(frozen=True)
class Adjudication:
    """When a game is ended early.

    ``max_plies``: a draw after that many plies (``None``: the game's own end only).
    Resign: an engine whose own score is at most ``-resign_score`` for ``resign_moves``
    of its moves in a row loses. Draw: from ply ``draw_after`` on, both engines'
    scores within ``draw_score`` of 0 for ``draw_moves`` plies in a row is a draw.
    Scores are in the engine's own units (centi-discs, centipawns, ...).
    """

    max_plies: int | None = None
    resign_score: int | None = None
    resign_moves: int = 3
    draw_score: int | None = None
    draw_moves: int = 8
    draw_after: int = 20


@dataclass(frozen=True)
class GameTask:
    """Game ``leg`` (0 or 1) of pair ``pair``: in leg 0 ``engines[0]`` moves first."""

    pair: int
    leg: int
    round: int
    game: str
    opening: str
    engines: tuple[EngineSpec, EngineSpec]
    adjudication: Adjudication = field(default_factory=Adjudication)
    #: The opening's name where its openings file gives one (the PGN ``Opening`` tag).
    opening_name: str = ""

    @property
    def players(self) -> tuple[EngineSpec, EngineSpec]:
        """(first player, second player) of this game."""
        return self.engines if self.leg == 0 else (self.engines[1], self.engines[0])

    @property
    def key(self) -> str:
        return f"{self.pair}.{self.leg}"


def _outcome(status: int, side_to_move: int) -> str:
    """PGN result from a finished status given for ``side_to_move``."""
    if status == DRAW:
        return "1/2-1/2"
    mover_won = status == WIN
    first_won = mover_won == (side_to_move == 0)
    return "1-0" if first_won else "0-1"


def _loss_for(side: int) -> str:
    return "0-1" if side == 0 else "1-0"


def play_game(task: GameTask) -> dict:
    """Play ``task`` to the end; the record (see ``searchprune.arena.records``)."""
    game = get_game(task.game)
    adj = task.adjudication
    first, second = task.players
    record = {
        "pair": task.pair, "leg": task.leg, "round": task.round, "game": task.game, "opening": task.opening,
        "first": first.name, "second": second.name,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y.%m.%d"),
        "moves": [], "result": "*", "termination": "",
    }
    if task.opening_name:
        record["opening_name"] = task.opening_name
    engines = []
    try:
        for spec in (first, second):
            engines.append(make_engine(spec))
    except Exception as error:  # an engine that cannot even start loses
        side = len(engines)
        record.update(result=_loss_for(side), termination=f"{(first, second)[side].name} failed to start: {error}")
        return record
    try:
        _play(game, task, engines, record, adj)
    finally:
        for engine in engines:
            try:
                engine.close()
            except Exception:
                pass
    return record


def _play(game, task: GameTask, engines, record: dict, adj: Adjudication) -> None:
    state = game.parse_position(task.opening)
    for engine in engines:
        engine.new_game()
    limits = [e.spec.limits for e in engines]
    clocks = [lim.get("clock") for lim in limits]
    low_scores = [0, 0]  # consecutive own moves at or below -resign_score
    quiet_plies = 0  # consecutive plies with |score| <= draw_score
    ply = 0
    while True:
        status = game.status(state)
        side = game.side_to_move(state)
        if status != ONGOING:
            record.update(result=_outcome(status, side), termination="normal")
            return
        if adj.max_plies is not None and ply >= adj.max_plies:
            record.update(result="1/2-1/2", termination=f"adjudication: move limit ({adj.max_plies} plies)")
            return
        engine = engines[side]
        start = time.perf_counter()
        try:
            info = engine.play(state, clocks[side])
        except TimeoutError as error:  # an external engine killed for not answering in time
            record.update(result=_loss_for(side), termination=f"{engine.name} lost on time: {error}")
            return
        except Exception as error:
            record.update(result=_loss_for(side), termination=f"{engine.name} crashed: {type(error).__name__}: {error}")
            return
        elapsed = time.perf_counter() - start
        if clocks[side] is not None:
            clocks[side] -= elapsed
            if clocks[side] < 0:
                record.update(result=_loss_for(side), termination=f"{engine.name} lost on time")
                return
            clocks[side] += limits[side].get("increment", 0.0)
        else:
            budget = move_time(limits[side], None)
            if budget is not None and elapsed > TIME_FACTOR * budget + TIME_MARGIN:
                record.update(result=_loss_for(side),
                              termination=f"{engine.name} lost on time ({elapsed:.2f} s for a {budget:g} s move)")
                return
        if info.move not in game.legal_moves(state):
            record.update(result=_loss_for(side), termination=f"{engine.name} played an illegal move ({info.move})")
            return
        record["moves"].append({"move": game.format_move(state, info.move), "score": info.score, "depth": info.depth,
                                "nodes": info.nodes, "time": round(elapsed, 4)})
        game.play(state, info.move)
        ply += 1
        if info.score is not None:
            if adj.resign_score is not None:
                low_scores[side] = low_scores[side] + 1 if info.score <= -adj.resign_score else 0
                if low_scores[side] >= adj.resign_moves:
                    record.update(result=_loss_for(side), termination=f"adjudication: {engine.name} resigns")
                    return
            if adj.draw_score is not None:
                quiet_plies = quiet_plies + 1 if abs(info.score) <= adj.draw_score and ply > adj.draw_after else 0
                if quiet_plies >= adj.draw_moves:
                    record.update(result="1/2-1/2", termination="adjudication: draw by score")
                    return


#: The phrases after the loser's name in a termination that mark a fault (not a game
#: lost on the board or by adjudication), and the fault's kind in the standings.
FAULTS = {"failed to start": "failed to start", "crashed": "crashed", "played an illegal move": "illegal move",
          "lost on time": "time"}


def fault(record: dict) -> tuple[str, str] | None:
    """(engine name, fault kind) when the game's loser lost it to a fault of its own
    (``FAULTS``), read from the record's termination; None otherwise."""
    result, termination = record["result"], record.get("termination", "")
    if result not in ("1-0", "0-1"):
        return None
    loser = record["second"] if result == "1-0" else record["first"]
    rest = termination.removeprefix(f"{loser} ")
    if rest == termination:
        return None
    for phrase, kind in FAULTS.items():
        if rest.startswith(phrase):
            return loser, kind
    return None


def points(record: dict) -> dict[str, float]:
    """Points per engine name in one game record (1, 0.5, 0)."""
    first, second = record["first"], record["second"]
    result = record["result"]
    if result == "1-0":
        return {first: 1.0, second: 0.0}
    if result == "0-1":
        return {first: 0.0, second: 1.0}
    return {first: 0.5, second: 0.5}
