"""NegaScout / principal variation search (PVS), fail-soft, with the selective parts
an engine for a game like chess needs, each behind its own switch.

TEMPLATE MODULE: the game's kernels are globals bound by ``searchprune.search.build``.

The first move (the best by ordering) is searched with the full window; every later
move only has to be shown no better, which a null window ``(a, a + 1)`` proves
cheaply. A later move that beats it is searched again with the full window
(Reinefeld 1983; Marsland, "A review of game-tree pruning", 1986).

Selective parts (``ctx.opts``; all off, this is exact PVS):

- mate-distance pruning: the window is clipped to what a mate from here can score;
- null-move pruning: away from the principal variation and out of check, if giving
  the opponent a free move and searching ``R`` plies shallower still fails high, the
  node fails high (Beal 1989; Donninger 1993). Not twice in a row, and only when the
  game says zugzwang is unlikely (``null_ok``: chess needs a piece besides pawns);
- futility pruning: at depth 1-3 away from the PV, a quiet move cannot lift a static
  score that far below alpha by ``FUTILITY_MARGIN`` per ply (Heinz 1998);
- late-move reductions: quiet moves late in the order, not in or into check, are
  searched shallower first, and again at full depth if they beat alpha.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.config import JIT
from searchprune.search.context import (
    ABORTED,
    CUTOFFS,
    FIRST_CUTOFFS,
    NULL_PATH,
    OPT_FUTILITY,
    OPT_LMR,
    OPT_MATE_DISTANCE,
    OPT_NULL,
    OPT_TT,
    update_pv,
)
from searchprune.search.history import note_cutoff
from searchprune.search.tt import probe_node, store_node
from searchprune.types import MATE, MATE_BOUND, NO_MOVE

#: Futility margin per ply of remaining depth, in the game's evaluation units. 120 is
#: a little over a pawn in chess's centipawns, set by hand when chess came (3e8bf8a) and
#: never measured or tuned. It is one margin for every game although their units differ
#: (Connect Four: 16 per threat; Othello: about hundredths of a disc); only chess
#: switches futility on by default (``search_defaults``), and with ``futility=True`` on
#: another game the margin is untested.
FUTILITY_MARGIN = 120
#: Moves searched at full depth before reductions start, and the depth they start at.
#: Set by hand with the rest of the reduction formula below; not measured.
LMR_MOVES = 3
LMR_DEPTH = 3


@njit(**JIT)
def negascout(ctx, state: np.ndarray, depth: int, ply: int, alpha: int, beta: int) -> int:
    """PVS value of ``state`` to ``depth`` plies in window ``(alpha, beta)``.

    Same fail-soft contract as ``alphabeta``: ``v <= alpha`` means ``V <= v``,
    ``alpha < v < beta`` means ``V == v``, ``v >= beta`` means ``V >= v``, where ``V``
    is the value of the tree the switched-on pruning leaves (with every part off, the
    minimax value). Returns 0 meaninglessly once the search is aborted; callers check
    ``ctx.stats[ABORTED]``.
    """
    done, value, depth = enter_node(ctx, state, depth, ply, alpha, beta)  # noqa: F821
    if done:
        return value
    best = value  # -INF, or the stand-pat score of a quiescence node (depth <= 0)
    if best > alpha:
        alpha = best
    opts = ctx.opts
    if opts[OPT_MATE_DISTANCE] != 0:
        alpha = max(alpha, -(MATE - ply))
        beta = min(beta, MATE - ply - 1)
        if alpha >= beta:
            return alpha

    use_tt = opts[OPT_TT] != 0 and depth > 0
    tt_move = NO_MOVE
    k = key(state)  # noqa: F821
    if use_tt:
        cut, value, tt_move = probe_node(ctx, k, depth, ply, alpha, beta)
        if cut:
            return value

    selective = (opts[OPT_NULL] | opts[OPT_FUTILITY] | opts[OPT_LMR]) != 0
    checked = selective and in_check(state)  # noqa: F821
    pv_node = beta - alpha > 1
    static = np.int64(0)
    if selective and not pv_node and not checked and depth > 0:
        static = np.int64(evaluate(state, ctx.params))  # noqa: F821

    if (opts[OPT_NULL] != 0 and not pv_node and not checked and depth >= 3 and static >= beta
            and abs(beta) < MATE_BOUND and not (ply > 0 and ctx.path[ply - 1] == NULL_PATH)
            and null_ok(state)):  # noqa: F821
        # Adaptive null-move R in the manner of Heinz ("Adaptive null-move pruning",
        # 1999): 3 plies far from the horizon, 2 near it. The threshold depth 7 was set
        # by hand, not measured here.
        reduction = 3 if depth >= 7 else 2
        make_null(state)  # noqa: F821
        eval_make(state, ctx.params)  # noqa: F821
        ctx.path[ply] = NULL_PATH
        value = -negascout(ctx, state, depth - 1 - reduction, ply + 1, -beta, -beta + 1)
        unmake_null(state)  # noqa: F821
        if ctx.stats[ABORTED]:
            return 0
        if value >= beta:
            return beta if value >= MATE_BOUND else value

    futility_bound = static + FUTILITY_MARGIN * depth
    futile = (opts[OPT_FUTILITY] != 0 and not pv_node and not checked and 0 < depth <= 3
              and futility_bound <= alpha and abs(alpha) < MATE_BOUND)

    moves = ctx.moves[ply]
    order = ctx.order[ply]
    n = gen_moves(state, moves) if depth > 0 else gen_tactical(state, moves)  # noqa: F821
    score_moves(state, moves, order, n, tt_move, opts, ctx.killers[ply], ctx.history)  # noqa: F821
    alpha0 = alpha
    best_move = NO_MOVE
    for i in range(n):
        move = pick_next(moves, order, n, i)  # noqa: F821
        quiet = selective and not is_tactical(state, move)  # noqa: F821
        make(state, move)  # noqa: F821
        ctx.path[ply] = move
        gives_check = quiet and in_check(state)  # noqa: F821
        if futile and i > 0 and quiet and not gives_check:
            unmake(state, move)  # noqa: F821
            if futility_bound > best:  # the skipped move is worth at most this
                best = futility_bound
            continue
        eval_make(state, ctx.params)  # noqa: F821
        reduction = 0
        if (opts[OPT_LMR] != 0 and quiet and i >= LMR_MOVES and depth >= LMR_DEPTH and not checked
                and not gives_check):
            # One ply, one more for very late moves (from the 3 * LMR_MOVES-th) and
            # for deep nodes, one less on the PV, keeping at least one ply: a step-wise
            # stand-in for the log(depth) * log(move number) tables of engines such as
            # Stockfish. The thresholds were set by hand and never measured or tuned.
            reduction = 1 + (i >= 3 * LMR_MOVES) + (depth >= 8) - pv_node
            reduction = max(0, min(reduction, depth - 2))
        # The first move gets the full window; a later one a null window at its reduced
        # depth, then again at full depth if it beats alpha, then with the full window
        # if it lands inside it. One call site: Numba types each recursive call site by
        # re-inferring the whole function, so every extra site costs compile time.
        low = -beta if i == 0 else -alpha - 1
        child_depth = depth - 1 - reduction
        while True:
            value = -negascout(ctx, state, child_depth, ply + 1, low, -alpha)
            if ctx.stats[ABORTED] or value <= alpha:
                break
            if child_depth < depth - 1:
                child_depth = depth - 1
            elif low != -beta and value < beta:
                low = -beta
            else:
                break
        unmake(state, move)  # noqa: F821
        if ctx.stats[ABORTED]:
            return 0
        if value > best:
            best = value
            best_move = move
            if value > alpha:
                alpha = value
                update_pv(ctx, ply, move)
                if value >= beta:
                    ctx.stats[CUTOFFS] += 1
                    if i == 0:
                        ctx.stats[FIRST_CUTOFFS] += 1
                    if depth > 0:
                        note_cutoff(ctx.killers, ctx.history, ply, move, depth)
                    break
    if use_tt:
        store_node(ctx, k, depth, ply, alpha0, beta, best, best_move)
    return best
