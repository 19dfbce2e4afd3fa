"""Playing strength below full: UCI's ``UCI_LimitStrength`` / ``UCI_Elo``.

A level weakens the search in two ways that both grow as the Elo falls:

- a cap on depth and nodes, so it sees less (``Strength.limit``);
- a random choice among the root moves instead of the best one: every legal move is
  searched to an exact score (``multipv`` over all of them) and move ``i`` is drawn
  with weight ``exp((score_i - best) / temperature)``, so near-best moves are played
  often and a move a pawn or a piece worse now and then, more often at lower Elo.

How the levels are set, and what was measured: the caps and temperatures below are
interpolated along a "skill" from 0 to 1 (``DEPTH_AT_*``, ``NODES_AT_*``,
``TEMPERATURE_AT_*`` at its two ends), and ``UCI_Elo`` picks the skill by linear
interpolation between the points of ``CALIBRATION``, each a skill whose Elo
``bench/calibrate_elo.py`` measured (``bench/results/calibrate_elo.md``): against Debian's
Stockfish 15.1 with ``UCI_LimitStrength`` (its ``UCI_Elo`` ladder, 1350-2850, is
Stockfish's own calibration, anchored to CCRL 40/4) and, below that ladder's floor,
against our own measured level; 40 games a point at 0.1 s a move, so each point is
good to about +/-110-140 Elo (95 %), the lowest far less (a 3.8 % score: about 400-1000).
The range is what was measured, 750-1540: at 0.1 s a move skills above 0.75 play no
better (time, not the caps, binds), and below 0.375 a level lost every game to the one
above. At longer time controls the upper levels,
whose node caps do not bind at 0.1 s, play stronger than their number.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from searchprune.search.limits import Limit, SearchInfo
from searchprune.types import MATE_BOUND

__all__ = ["ELO_DEFAULT", "ELO_MAX", "ELO_MIN", "Strength"]

#: (Elo, skill): the measured points ``UCI_Elo`` interpolates between (module docstring):
#: skill 0.375 scored 3.8 % (1 win, 1 draw, 38 losses) against skill 0.5; skill 0.43
#: 25 % against Stockfish 1350 (1159); skill 0.5 45 % (1315) and skill 0.497 41 % (1289)
#: against Stockfish 1350, so 1300; skills 0.75 and 1.0 75 % each against Stockfish 1350.
CALIBRATION = ((750, 0.375), (1160, 0.43), (1300, 0.5), (1540, 0.75))
#: The range of ``UCI_Elo``: the measured one.
ELO_MIN, ELO_MAX = CALIBRATION[0][0], CALIBRATION[-1][0]
ELO_DEFAULT = 1300
#: Depth cap at the two ends of the skill range (plies), interpolated between.
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
        """The skill of this Elo: linear between the ``CALIBRATION`` points around it."""
        for (elo_a, skill_a), (elo_b, skill_b) in zip(CALIBRATION, CALIBRATION[1:]):
            if self.elo <= elo_b:
                return skill_a + (skill_b - skill_a) * (self.elo - elo_a) / (elo_b - elo_a)
        return CALIBRATION[-1][1]

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
