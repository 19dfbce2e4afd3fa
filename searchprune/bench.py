"""Bench signature and nodes per second.

The signature is a fixed node count: every game's fixed positions searched to a
fixed depth by a fresh negascout engine (16 MiB table, all options on). Any change
to search behaviour (ordering, pruning, table, evaluation) changes it, so every
search change reports it and a test pins it (Stockfish's ``bench`` does the same).

Nodes per second are measured after a warm-up search (JIT compiled, or loaded from
the cache) as the median of several runs, each over all of a game's positions.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from searchprune.games import get_game
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit

#: Per game: (positions in the game's notation, depth). Changing these changes the signature.
SIGNATURE_POSITIONS: dict[str, tuple[tuple[str, ...], int]] = {
    "tictactoe": (("", "5", "51", "159", "1526"), 9),
    "connect4": (("", "4453", "44444", "334455", "4455661", "1122336655", "4444333322",
                  "7422341735647741166133573473242566"), 10),
    "othello": (("", "f5d6c3d3c4", "f5f6e6f4e3c5c4", "f5d6c5f4e3f6"), 7),
    "chess": (("startpos", "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
               "r1b2rk1/1pqn1pbp/p2pp1p1/8/2PNP3/1PN3P1/P2BQPBP/R4RK1 w - - 0 1",
               "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1"), 7),
}
#: Depth per algorithm for the nodes/s measurement (minimax has no pruning).
NPS_DEPTH: dict[str, dict[str, int]] = {
    "tictactoe": {"minimax": 9, "alphabeta": 9, "negascout": 9},
    "connect4": {"minimax": 6, "alphabeta": 12, "negascout": 12},
    "othello": {"minimax": 5, "alphabeta": 8, "negascout": 8},
    # No chess minimax: below the horizon it searches every capture sequence full width.
    "chess": {"alphabeta": 6, "negascout": 8},
}


def signature(game_name: str) -> int:
    """Total nodes of the fixed bench searches for one game."""
    game = get_game(game_name)
    positions, depth = SIGNATURE_POSITIONS[game_name]
    total = 0
    for text in positions:
        searcher = Searcher(game, algorithm="negascout", tt_mb=16)
        result = searcher.search(game.parse_position(text), Limit(depth=depth))
        total += result.info.nodes
    return total


@dataclass(frozen=True)
class NpsResult:
    game: str
    algorithm: str
    depth: int
    nodes: int  # per run
    seconds: list[float]  # per run

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def nps(self) -> float:
        """Nodes per second of the median run."""
        return self.nodes / self.median_seconds

    def as_dict(self) -> dict:
        return {
            "game": self.game,
            "algorithm": self.algorithm,
            "depth": self.depth,
            "nodes": self.nodes,
            "runs": len(self.seconds),
            "median_seconds": self.median_seconds,
            "nps": self.nps,
        }


def nodes_per_second(game_name: str, algorithm: str, runs: int = 5) -> NpsResult:
    """Median-run nodes/s of ``algorithm`` over the game's signature positions."""
    game = get_game(game_name)
    positions, _ = SIGNATURE_POSITIONS[game_name]
    depth = NPS_DEPTH[game_name][algorithm]
    states = [game.parse_position(text) for text in positions]
    Searcher(game, algorithm=algorithm).search(states[0], Limit(depth=2))  # warm-up: compile or load
    seconds: list[float] = []
    nodes = 0
    for _ in range(runs):
        run_nodes = 0
        run_seconds = 0.0
        for state in states:
            result = Searcher(game, algorithm=algorithm).search(state, Limit(depth=depth))
            run_nodes += result.info.nodes
            run_seconds += result.info.time
        nodes = run_nodes
        seconds.append(run_seconds)
    return NpsResult(game_name, algorithm, depth, nodes, seconds)
