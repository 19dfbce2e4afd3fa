"""Playing strength below full: UCI's ``UCI_LimitStrength`` / ``UCI_Elo``.

A level weakens the search in two ways that both grow as the Elo falls:

- a cap on depth and nodes, so it sees less (``Strength.limit``);
- a random choice among the root moves instead of the best one: every legal move is
  searched to an exact score (``multipv`` over all of them) and move ``i`` is drawn
  with weight ``exp((score_i - best) / temperature)``, so near-best moves are played
  often and a move a pawn or a piece worse now and then, more often at lower Elo.

How the levels were set, and what was measured: the caps and temperatures below are
hand-set, interpolated in Elo between the two ends of the range; they are **nominal**.
``bench/calibrate_elo.py`` plays a level against Debian's Stockfish 15.1 with
``UCI_LimitStrength`` (whose ``UCI_Elo`` ladder is 1350-2850, anchored by Stockfish to
CCRL 40/4) through the tournament runner and reports the level's Elo from the score;
a long run of it per level is how they are to be calibrated (and these constants refit).
Only smoke runs of 4 games a match have been made so far (the script's docstring: the
nominal 2400 level scored 2/4 against Stockfish's 1350 at 0.05 s a move), so the
numbers order the levels by strength but are not Elo yet; no level is claimed measured.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from searchprune.search.limits import Limit, SearchInfo
from searchprune.types import MATE_BOUND

__all__ = ["ELO_DEFAULT", "ELO_MAX", "ELO_MIN", "Strength"]

#: The range of ``UCI_Elo``: nominal, see the module docstring.
ELO_MIN = 800
ELO_MAX = 2400
ELO_DEFAULT = 1500
#: Depth cap at the two ends of the range (plies), interpolated between.
DEPTH_AT_MIN, DEPTH_AT_MAX = 1, 8
#: Node cap at the two ends, interpolated geometrically. Scoring every root move costs
#: about 2k nodes at depth 2, 30k at depth 4 and 0.3M at depth 6 (an Italian-game
#: middlegame), so the node cap, not the depth cap, usually binds.
NODES_AT_MIN, NODES_AT_MAX = 1_000, 5_000_000
#: Softmax temperature at the two ends, in centipawns: at 800 a move a pawn worse is
#: played about 2/3 as often as the best one; at 2400 almost never.
TEMPERATURE_AT_MIN, TEMPERATURE_AT_MAX = 250.0, 4.0


@dataclass(frozen=True)
class Strength:
    """One level; ``elo`` within ``ELO_MIN..ELO_MAX``."""

    elo: int

    def __post_init__(self) -> None:
        if not ELO_MIN <= self.elo <= ELO_MAX:
            raise ValueError(f"UCI_Elo must be {ELO_MIN}..{ELO_MAX}, got {self.elo}")

    @property
    def _t(self) -> float:
        """0 at ``ELO_MIN``, 1 at ``ELO_MAX``."""
        return (self.elo - ELO_MIN) / (ELO_MAX - ELO_MIN)

    @property
    def depth(self) -> int:
        return round(DEPTH_AT_MIN + self._t * (DEPTH_AT_MAX - DEPTH_AT_MIN))

    @property
    def nodes(self) -> int:
        return round(NODES_AT_MIN * (NODES_AT_MAX / NODES_AT_MIN) ** self._t)

    @property
    def temperature(self) -> float:
        return TEMPERATURE_AT_MIN * (TEMPERATURE_AT_MAX / TEMPERATURE_AT_MIN) ** self._t

    def limit(self, limit: Limit) -> Limit:
        """``limit`` with this level's depth and node caps."""
        return Limit(depth=min(limit.depth or self.depth, self.depth), nodes=min(limit.nodes or self.nodes, self.nodes),
                     time=limit.time)

    def choose(self, lines: list[SearchInfo], rng: random.Random) -> SearchInfo:
        """The line to play among ``lines`` (each scored exactly, best first).

        A forced mate found is always played: a level is meant to blunder in the
        middlegame, not to refuse a mate in one.
        """
        best = lines[0].score
        if best >= MATE_BOUND:
            return lines[0]
        weights = [math.exp(max(-50.0, (line.score - best) / self.temperature)) for line in lines]
        return rng.choices(lines, weights=weights)[0]
