"""Bench signature and nodes per second.

The signature is a fixed node count: every game's fixed positions (its registration's
``BenchParts``) searched to a fixed depth by a fresh negascout engine (16 MiB table, all options on). Any change
to search behaviour (ordering, pruning, table, evaluation) changes it, so every
search change reports it and a test pins it (Stockfish's ``bench`` does the same).

Nodes per second are measured after a warm-up search (JIT compiled, or loaded from
the cache) as the median of several runs, each over all of a game's positions.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from searchprune.games import get_game
from searchprune.games.registry import PerGame
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit
from searchprune.types import ONGOING

#: Per game: (positions in the game's notation, depth), from each registration's
#: ``BenchParts``. Changing those changes the signature.
SIGNATURE_POSITIONS: PerGame[tuple[tuple[str, ...], int]] = PerGame(
    lambda b: (b.bench.positions, b.bench.depth) if b.bench else None, "bench")
#: Depth per algorithm for the nodes/s measurement (minimax has no pruning).
NPS_DEPTH: PerGame[dict[str, int]] = PerGame(lambda b: dict(b.bench.nps_depth) if b.bench else None, "bench")


def signature(game_name: str, net=None) -> int:
    """Total nodes of the fixed bench searches for one game (with ``net``: evaluated by it)."""
    game = get_game(game_name)
    positions, depth = SIGNATURE_POSITIONS[game_name]
    total = 0
    for text in positions:
        searcher = Searcher(game, algorithm="negascout", tt_mb=16, net=net)
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


def nodes_per_second(game_name: str, algorithm: str, runs: int = 5, net=None) -> NpsResult:
    """Median-run nodes/s of ``algorithm`` over the game's signature positions."""
    game = get_game(game_name)
    positions, _ = SIGNATURE_POSITIONS[game_name]
    depth = NPS_DEPTH[game_name][algorithm]
    states = [game.parse_position(text) for text in positions]
    Searcher(game, algorithm=algorithm, net=net).search(states[0], Limit(depth=2))  # warm-up: compile or load
    seconds: list[float] = []
    nodes = 0
    for _ in range(runs):
        run_nodes = 0
        run_seconds = 0.0
        for state in states:
            result = Searcher(game, algorithm=algorithm, net=net).search(state, Limit(depth=depth))
            run_nodes += result.info.nodes
            run_seconds += result.info.time
        nodes = run_nodes
        seconds.append(run_seconds)
    return NpsResult(game_name, algorithm, depth, nodes, seconds)


@njit(nogil=True)  # takes the evaluator as an argument: compiled per evaluator, not cached
def _evaluate_all(evaluate, states: np.ndarray, params: np.ndarray, repeat: int) -> int:
    total = 0
    for _ in range(repeat):
        for k in range(states.shape[0]):
            total += evaluate(states[k], params)
    return total


@njit(nogil=True)  # as above
def _update_all(update, states: np.ndarray, params: np.ndarray, repeat: int) -> int:
    for _ in range(repeat):
        for k in range(states.shape[0]):
            update(states[k], params)
    return 0


def bench_positions(game_name: str, count: int = 200, seed: int = 0) -> list:
    """``count`` positions of random play (10 to 40 plies from the start), seeded."""
    game = get_game(game_name)
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        state = game.new_state()
        for _ in range(int(rng.integers(10, 41))):
            moves = game.legal_moves(state)
            if game.status(state) != ONGOING or not moves:
                break
            game.play(state, moves[int(rng.integers(len(moves)))])
        if game.status(state) == ONGOING:
            out.append(state)
    return out


def evaluation_times(net, repeat: int = 200, runs: int = 5) -> dict:
    """Median µs per call of the net's evaluator and of the game's own, in compiled code.

    Both evaluate the same positions (``bench_positions``) in one compiled loop. A net
    with accumulators (``<kernel>_reset``/``_make``) is timed as at a search node: the
    evaluation reads an accumulator set up beforehand, and ``make`` is the separate
    cost of its update after one move (each position's last move). Positions of equal
    ply share a ring slot; the time does not depend on which one's values it holds.
    """
    import importlib

    from searchprune.evaluation.infer import pack

    game = get_game(net.game)
    states = np.stack(bench_positions(net.game, count=200))
    params = pack(net)
    module_name, func = net.kernel.split(":")
    module = importlib.import_module(module_name)
    reset, make = getattr(module, f"{func}_reset", None), getattr(module, f"{func}_make", None)
    if reset is not None:
        for k in range(states.shape[0]):
            reset(states[k], params)
    timed = {"net": (_evaluate_all, getattr(module, func)), "hand": (_evaluate_all, game.kernels.evaluate)}
    if make is not None:
        timed["make"] = (_update_all, make)
    times = {}
    for name, (loop, kernel) in timed.items():
        loop(kernel, states, params, 1)  # compile
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            loop(kernel, states, params, repeat)
            samples.append((time.perf_counter() - start) / (repeat * states.shape[0]) * 1e6)
        times[name] = statistics.median(samples)
    return {**times, "positions": int(states.shape[0])}
