"""The search driver: iterative deepening, aspiration windows, limits and the PV.

``Searcher`` owns the arrays of one engine (table, killers, history) across moves
of a game; each ``search`` deepens one ply at a time, starts each iteration from a
window around the previous score (aspiration) and widens it on failure, and keeps
the move of the last iteration that completed. Limits are checked inside the
compiled search (nodes exactly, the clock and the stop flag every
``context.POLL_INTERVAL`` nodes) and between iterations here.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from searchprune.games.base import Game, GameError, State
from searchprune.search import context
from searchprune.search.build import build_searcher
from searchprune.search.clock import monotonic_ns
from searchprune.search.limits import Limit, PlayResult, SearchInfo
from searchprune.search.tt import new_table, tt_hashfull
from searchprune.types import ALGORITHMS, INF, MATE, MATE_BOUND, MAX_PLY, MINIMAX, ONGOING

#: Start aspiration windows from this depth on (shallower iterations are cheap).
ASPIRATION_MIN_DEPTH = 3
#: Stop deepening once this share of the time budget is spent: the next iteration
#: typically costs several times the last, so starting it would mostly be wasted.
TIME_SHARE_TO_START = 0.5


class Searcher:
    """One engine's search state for one game.

    Keyword options switch the search's parts on or off so their effect can be
    measured: ``tt``, ``hints`` (the game's ordering hints), ``killers``, ``history``
    and ``aspiration``; and the selective components (``COMPONENTS``), whose default
    is the game's ``search_defaults`` (chess: all on; other games: all off).
    ``qsearch`` and ``check_extension`` change the leaves of every algorithm;
    ``null_move``, ``lmr``, ``futility`` and ``mate_distance`` are parts of negascout.
    ``algorithm`` is ``"minimax"``, ``"alphabeta"`` or ``"negascout"``.
    ``net`` (a ``searchprune.evaluation.store.Net``, a net file or a net name) evaluates
    instead of the game's evaluator; it must be a net for this game.
    """

    #: Keyword name -> context switch of the selective search components.
    COMPONENTS = {
        "qsearch": context.OPT_QSEARCH,
        "check_extension": context.OPT_CHECK_EXT,
        "null_move": context.OPT_NULL,
        "lmr": context.OPT_LMR,
        "futility": context.OPT_FUTILITY,
        "mate_distance": context.OPT_MATE_DISTANCE,
    }

    def __init__(
        self,
        game: Game,
        *,
        algorithm: str = "negascout",
        tt_mb: float = 16,
        tt: bool = True,
        hints: bool = True,
        killers: bool = True,
        history: bool = True,
        aspiration: bool = True,
        aspiration_delta: int = 16,
        evaluator: str | None = None,
        params: np.ndarray | None = None,
        net=None,
        **components: bool,
    ) -> None:
        unknown = sorted(set(components) - set(self.COMPONENTS))
        if unknown:
            raise ValueError(f"unknown search option {unknown[0]!r}: choose from "
                             f"tt, hints, killers, history, aspiration, {', '.join(self.COMPONENTS)}")
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {algorithm!r}: choose one of {', '.join(ALGORITHMS)}")
        if aspiration_delta < 1:
            raise ValueError(f"aspiration_delta must be at least 1, got {aspiration_delta}")
        self.game = game
        self.algorithm = algorithm
        self.aspiration = aspiration and ALGORITHMS[algorithm] != MINIMAX
        self.aspiration_delta = aspiration_delta
        self.net = None
        if net is not None:
            if evaluator is not None or params is not None:
                raise ValueError("give either a net or an evaluator with its params, not both")
            from searchprune.evaluation.infer import pack
            from searchprune.evaluation.store import Net, load_net

            self.net = net if isinstance(net, Net) else load_net(net, game.info.name)
            if self.net.game != game.info.name:
                raise ValueError(f"{self.net.name} is a {self.net.game} net, not a {game.info.name} net")
            evaluator, params = self.net.kernel, pack(self.net)
        self.kernels = build_searcher(game, evaluator)
        self.ctx = context.new_context(game.info.max_moves, game.info.move_space, new_table(tt_mb), params)
        self._never_stop = np.zeros(1, dtype=np.int64)
        opts = self.ctx.opts
        opts[context.OPT_TT] = int(tt)
        opts[context.OPT_HINTS] = int(hints)
        opts[context.OPT_KILLERS] = int(killers)
        opts[context.OPT_HISTORY] = int(history)
        for name, slot in self.COMPONENTS.items():
            opts[slot] = int(components.get(name, game.search_defaults.get(name, False)))

    def clear(self) -> None:
        """Forget everything learnt: table, killers, history (a new game)."""
        self.ctx.tt[:] = 0
        self.ctx.history[:] = 0
        self.ctx.killers[:] = -1

    def perft(self, state: State, depth: int) -> int:
        """Leaf count of the legal-move tree ``depth`` plies deep (``state`` unchanged)."""
        if not 0 <= depth <= MAX_PLY:
            raise ValueError(f"perft depth must be 0..{MAX_PLY}, got {depth}")
        return int(self.kernels.perft(self.ctx, np.array(state, copy=True), np.int64(depth), np.int64(0)))

    def stop(self) -> None:
        """Ask a running search to stop soon; safe to call from another thread."""
        self.ctx.stop[0] = 1

    def root_search(self, ctx, state: State, depth: int, alpha: int, beta: int) -> int:
        """One root search of ``self.algorithm`` in the window ``(alpha, beta)`` (minimax
        ignores it): the evaluator's state refreshed, then the compiled search from ply 0.

        The principal variation is then ``ctx.pv[0, :ctx.pv_len[0]]``, and ``state`` is
        restored, aborted or not. Only the algorithm used compiles; it is called from
        here rather than through a compiled root kernel, whose own compile re-linked and
        re-optimised the whole search (0.7 s of chess's cold start).
        """
        kernels = self.kernels
        kernels.eval_reset(state, ctx.params)
        if self.algorithm == "minimax":
            return int(kernels.minimax(ctx, state, np.int64(depth), np.int64(0)))
        search = getattr(kernels, self.algorithm)
        return int(search(ctx, state, np.int64(depth), np.int64(0), np.int64(alpha), np.int64(beta)))

    def needs_compiling(self) -> bool:
        """True when the first search will compile rather than load from Numba's disk cache
        (the first run after an install or an edit of the compiled source).

        Read from the presence of the search kernel's cache index; False where there is no
        disk cache to read (``NUMBA_DISABLE_JIT=1``).
        """
        cache = getattr(getattr(self.kernels, self.algorithm), "_cache", None)
        index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
        return index is not None and not os.path.exists(index)

    def search(
        self,
        state: State,
        limit: Limit | None = None,
        *,
        on_iteration: Callable[[SearchInfo], None] | None = None,
        multipv: int = 1,
        root_moves: list[int] | None = None,
        on_lines: Callable[[list[SearchInfo]], None] | None = None,
    ) -> PlayResult:
        """Search ``state`` (left unchanged) within ``limit``; return the best move found.

        ``multipv`` > 1 or ``root_moves`` (only these moves may be played) search each
        root move on its own (``_search_lines``): the result's ``lines`` hold the best
        ``multipv`` of them with exact scores, and ``on_lines`` is called with them after
        each completed iteration (``on_iteration`` too, with the best line).
        Raises ``GameError`` if the game is already over, ``ValueError`` for a root move
        that is not legal.
        """
        if self.game.status(state) != ONGOING:
            raise GameError("the game is over: there is nothing to search")
        limit = limit or Limit()
        if multipv < 1:
            raise ValueError(f"multipv must be at least 1, got {multipv}")
        if multipv > 1 or root_moves is not None:
            return self._search_lines(state, limit, multipv, root_moves, on_iteration, on_lines)
        ctx = self.ctx
        work, algorithm, start_ns, deadline, max_depth = self._begin(state, limit)

        iterations: list[SearchInfo] = []
        interrupted = False
        score = 0
        for depth in range(1, max_depth + 1):
            # Depth 1 ignores the limits so that there is always a move to return.
            ctx.opts[context.OPT_NODE_LIMIT] = limit.nodes or 0 if depth > 1 else 0
            ctx.opts[context.OPT_DEADLINE] = deadline if depth > 1 else 0
            value = self._iterate(work, depth, score, algorithm, aspirate=bool(iterations))
            if ctx.stats[context.ABORTED]:
                interrupted = True
                break
            score = value
            info = self._info(depth, score, start_ns)
            iterations.append(info)
            if on_iteration is not None:
                on_iteration(info)
            if self._done(info, limit, start_ns):
                break
        final = iterations[-1]
        return PlayResult(move=final.pv[0], score=final.score, info=final, iterations=iterations, interrupted=interrupted)

    def _begin(self, state: State, limit: Limit) -> tuple[State, np.int64, int, int, int]:
        """Ready the context for a new search: ``(work, algorithm, start_ns, deadline, max_depth)``."""
        ctx = self.ctx
        work = self.game.search_state(state)
        algorithm = np.int64(ALGORITHMS[self.algorithm])
        ctx.opts[context.OPT_GEN] = ctx.opts[context.OPT_GEN] % 255 + 1
        ctx.stats[:] = 0
        ctx.stop[0] = 0
        ctx.killers[:] = -1
        ctx.history[:] >>= 1  # keep some of the last search's credit, but let it fade
        start_ns = monotonic_ns()
        deadline = start_ns + int(limit.time * 1e9) if limit.time else 0
        # Deeper than the game can last finds nothing new.
        max_depth = min(limit.depth or MAX_PLY - 1, MAX_PLY - 1, self.game.plies_left(state))
        return work, algorithm, start_ns, deadline, max_depth

    def _search_lines(self, state: State, limit: Limit, multipv: int, root_moves: list[int] | None,
                      on_iteration: Callable[[SearchInfo], None] | None,
                      on_lines: Callable[[list[SearchInfo]], None] | None) -> PlayResult:
        """Iterative deepening over the root moves one by one, keeping the best ``multipv``.

        The compiled search returns one move, so each root move's reply position is
        searched from its own root, one ply shallower, sharing the table. The first
        ``multipv`` moves (best first by the previous iteration) get the full window;
        each later one a null window just above the ``multipv``-th score so far, and
        the full window again only if it beats it (PVS at the root). A later move
        that fails low keeps only its bound, which orders it for the next iteration.
        Depth 1 ignores the limits, as in ``search``, so there is always a move.
        """
        legal = self.game.legal_moves(state)
        moves = legal if root_moves is None else list(dict.fromkeys(int(m) for m in root_moves))
        illegal = [m for m in moves if m not in legal]
        if illegal or not moves:
            raise ValueError(f"root move {illegal[0]!r} is not legal here" if illegal else "no root moves given")
        ctx = self.ctx
        work, algorithm, start_ns, deadline, max_depth = self._begin(state, limit)
        wanted = min(multipv, len(moves))
        iterations: list[SearchInfo] = []
        lines: list[SearchInfo] = []
        interrupted = False
        for depth in range(1, max_depth + 1):
            ctx.opts[context.OPT_NODE_LIMIT] = limit.nodes or 0 if depth > 1 else 0
            ctx.opts[context.OPT_DEADLINE] = deadline if depth > 1 else 0
            found = self._root_moves_once(work, moves, depth, wanted, algorithm)
            if found is None:
                interrupted = True
                break
            ranked, moves = found
            lines = [self._info(depth, score, start_ns, pv) for score, pv in ranked[:wanted]]
            iterations.append(lines[0])
            if on_iteration is not None:
                on_iteration(lines[0])
            if on_lines is not None:
                on_lines(lines)
            if self._done(lines[0], limit, start_ns):
                break
        final = iterations[-1]
        return PlayResult(move=final.pv[0], score=final.score, info=final, iterations=iterations,
                          interrupted=interrupted, lines=lines)

    def _root_moves_once(self, work: State, moves: list[int], depth: int, wanted: int,
                         algorithm: np.int64) -> tuple[list[tuple[int, list[int]]], list[int]] | None:
        """One iteration over ``moves``: ``(ranked, order)``, ``ranked`` the ``(score, pv)``
        of every move best first (exact for the best ``wanted``, a bound below them),
        ``order`` the moves in that order; ``None`` if the search was stopped."""
        ctx = self.ctx
        run_ctx = ctx._replace(stop=self._never_stop) if depth == 1 else ctx
        scored: list[tuple[int, list[int]]] = []
        for move in moves:
            child = np.array(work, copy=True)
            self.game.kernels.make(child, np.int64(move))
            exact = sorted((s for s, _ in scored), reverse=True)
            floor = exact[wanted - 1] if len(exact) >= wanted else None
            if floor is not None and abs(floor) < MATE_BOUND:
                # Is this move better than the wanted-th best? A null window says.
                value = self._child_value(run_ctx, child, depth, -floor - 1, -floor, algorithm)
                if value is None:
                    return None
                if value <= floor:
                    scored.append((value, [move]))
                    continue
            value = self._child_value(run_ctx, child, depth, -INF, INF, algorithm)
            if value is None:
                return None
            scored.append((value, [move] + [int(m) for m in ctx.pv[0, :int(ctx.pv_len[0])]]))
        ranked = sorted(scored, key=lambda line: -line[0])  # stable: ties keep the previous order
        return ranked, [pv[0] for _, pv in ranked]

    def _child_value(self, run_ctx, child: State, depth: int, alpha: int, beta: int,
                     algorithm: np.int64) -> int | None:
        """The root's score of the move that led to ``child``, searched ``depth - 1`` plies
        in the child's window ``(alpha, beta)``; ``None`` if stopped. A mate score one
        ply further from the root than the child's search counted it."""
        value = self.root_search(run_ctx, child, depth - 1, alpha, beta)
        if self.ctx.stats[context.ABORTED]:
            return None
        if value >= MATE_BOUND:
            value -= 1
        elif value <= -MATE_BOUND:
            value += 1
        return -value

    # -- internals -----------------------------------------------------------------
    def _iterate(self, work: State, depth: int, previous: int, algorithm: np.int64, aspirate: bool) -> int:
        """One iteration: a root search, re-searched with wider windows until exact."""
        ctx = self.ctx
        delta = self.aspiration_delta
        use_window = self.aspiration and aspirate and depth >= ASPIRATION_MIN_DEPTH and abs(previous) < MATE_BOUND
        alpha, beta = (previous - delta, previous + delta) if use_window else (-INF, INF)
        # Depth 1 always completes, so there is a move to return: it reads a stop flag
        # nobody sets, and a stop() during it takes effect from depth 2.
        run_ctx = ctx._replace(stop=self._never_stop) if depth == 1 else ctx
        while True:
            value = self.root_search(run_ctx, work, depth, alpha, beta)
            if ctx.stats[context.ABORTED] or algorithm == MINIMAX:
                return value
            if value <= alpha and alpha > -INF:  # fail low: the true score is <= value
                alpha = max(value - delta, -INF)
            elif value >= beta and beta < INF:  # fail high: the true score is >= value
                beta = min(value + delta, INF)
            else:
                return value
            delta *= 2

    def _info(self, depth: int, score: int, start_ns: int, pv: list[int] | None = None) -> SearchInfo:
        stats = self.ctx.stats
        pv_len = int(self.ctx.pv_len[0])
        return SearchInfo(
            depth=depth,
            seldepth=int(stats[context.SELDEPTH]),
            score=score,
            nodes=int(stats[context.NODES]),
            time=(monotonic_ns() - start_ns) / 1e9,
            pv=[int(m) for m in self.ctx.pv[0, :pv_len]] if pv is None else pv,
            tt_probes=int(stats[context.TT_PROBES]),
            tt_hits=int(stats[context.TT_HITS]),
            tt_cutoffs=int(stats[context.TT_CUTOFFS]),
            cutoffs=int(stats[context.CUTOFFS]),
            first_cutoffs=int(stats[context.FIRST_CUTOFFS]),
            evals=int(stats[context.EVALS]),
            hashfull=int(tt_hashfull(self.ctx.tt, self.ctx.opts[context.OPT_GEN])),
        )

    def _done(self, info: SearchInfo, limit: Limit, start_ns: int) -> bool:
        """Should deepening stop after this iteration?"""
        if abs(info.score) >= MATE_BOUND and MATE - abs(info.score) <= info.depth:
            return True  # a forced result within the horizon: proven
        if limit.nodes and info.nodes >= limit.nodes:
            return True
        if limit.time and (monotonic_ns() - start_ns) / 1e9 >= TIME_SHARE_TO_START * limit.time:
            return True
        return False


def search(game: Game, state: State, limit: Limit | None = None, **options) -> PlayResult:
    """One-shot search with a fresh ``Searcher`` (options as for ``Searcher``)."""
    return Searcher(game, **options).search(state, limit)


__all__ = ["Searcher", "search", "Limit", "PlayResult", "SearchInfo"]
