"""Compiled net evaluation: the evaluators a net plugs into the search.

A net runs inside the search as ``evaluate(state, params)``: ``pack`` lays the net's
arrays out in one float32 ``params`` array (a header of sizes and offsets, the weights,
then working memory), which the search context hands to every call. Kernels never
allocate (the search runs without Numba's runtime), so hidden activations go to the
working memory; each search owns its copy of ``params``.

- ``othello_net``: the first layer is the bias plus the weight rows of the discs on the
  board (``features``), recomputed per call (a move flips many discs).
- ``connect4_net``: the same accumulators as chess (below), one stone's row added per
  move (``connect4_net_make``/``_reset``). ``connect4_forward_bits`` computes the first
  layer from the bitboards (the solver's move ordering, and the tests' reference).
- ``chess_net``: NNUE-style. The first layer's output, per perspective (White's view and
  Black's view), is an accumulator kept for every ply of the line being searched, in a
  ring indexed by the state's ply count. ``chess_net_make`` runs after each make (or
  null move): it derives this ply's accumulators from the previous ply's by subtracting
  the rows of the pieces that left a square and adding those that arrived (two to four
  per move and perspective). Unmake costs nothing: the previous ply's accumulators were
  never touched. ``chess_net_reset`` computes the current ply's from scratch; the search
  calls it at the root. The evaluation reads the side to move's accumulator.

``build`` binds ``<kernel>_make`` and ``<kernel>_reset`` as the search's ``eval_make``
and ``eval_reset`` hooks when the evaluator module defines them.

Every net: ``clamp(first, 0, 1) -> w2 -> clamp(0, 1) -> w3 -> * output_scale``, the score
rounded and kept inside the non-mate range. ``*_forward`` returns the raw float output
(what the parity tests compare with torch).

The net's stored format (``formats``) decides how the second layer runs; ``pack`` writes
a tail code into the header and ``_tail`` branches on it once per evaluation:

- ``TAIL_DENSE``: dense nets (shrunk ones too), stored by columns (an input's 32
  weights together): each activation times its column (``simd.dense_columns``);
- ``TAIL_24``: 2:4 nets, by groups of 4 inputs: each unit's two kept values and which
  input each multiplies (``simd.sparse24_groups``);
- ``TAIL_CSR``: compressed sparse rows, one load per non-zero;
- ``TAIL_INT``: int8 nets: activations rounded to int16 (1.0 -> 127), multiplied by the
  int8 weights (held as int16) by pairs of inputs and summed in int32
  (``simd.int16_columns``: ``vpmaddwd``), then scaled back;
- ``TAIL_24_INT``: 2:4 int8 nets: a unit's two kept weights of a group in one int16
  multiply-add (``simd.int16_sparse24_groups``).

The dense, 2:4 and int8 kernels read the first layer's output and clip it in registers
(see ``simd``); all 32 second-layer sums stay in two vectors through the output layer.

The first layer always runs as dense float rows, whatever the format: its inputs are
one-hot, so an evaluation (or an accumulator update) adds the rows of a few active
features, and a row's sparsity saves nothing a dense vector add does not already do
fast. Sparse and quantised first layers are stored compactly and expanded here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.bits import lowest_index
from searchprune.config import JIT_FAST
from searchprune.games.chess.board import BOARD, HIST, HIST_MASK, HPLY, R_CAPTURED, R_MOVE, REC, SIDE, _castle_rook
from searchprune.games.chess.tables import CASTLING, EN_PASSANT, NULL_MOVE, PAWN, PROMO_N, PROMO_Q, WHITE
from searchprune.games.connect4 import CURRENT, HISTORY, MASK, PLY, bottom_mask, column_mask
from searchprune.games.othello import OPPONENT, PLAYER
from searchprune.games.registry import PerGame, bundle
from searchprune.evaluation import formats, simd
from searchprune.evaluation.features import chess_feature, connect4_feature, othello_feature
from searchprune.evaluation.simd import (
    dense_columns,
    int16_columns,
    int16_sparse24_groups,
    short_columns,
    sparse24_groups,
)
from searchprune.types import MATE_BOUND

# -- params layout: header slots (float32 values holding exact small integers) --------------
(P_INPUTS, P_HIDDEN, P_HIDDEN2, P_SCALE, P_W1, P_B1, P_W2, P_B2, P_W3, P_B3, P_PRE, P_ACT, P_ACC,
 P_TAIL, P_AUX, P_AUX2, P_L2_IN, P_SHORT) = range(18)
#: ``P_L2_IN``: the second layer's fan-in, ``hidden`` times the perspectives it reads.
#: ``P_SHORT``: 1 when the first layer and the accumulators are int16 (int8 nets whose
#: evaluator supports it, ``NetParts.short_accumulators``): ``w1``, ``b1`` and ``acc``
#: then hold int16 values and their offsets count int16 units from twice the header's.
#: Blocks start after the header, on a cache line.
HEADER = 32
#: Second-layer kernels (``P_TAIL``). ``P_AUX``/``P_AUX2``: per kernel, the offsets of the
#: 2:4 selectors (int32), the CSR columns and row pointers, or (int8) the scale and the 2:4 selectors (int16).
TAIL_DENSE, TAIL_24, TAIL_CSR, TAIL_INT, TAIL_24_INT, TAIL_SHORT = range(6)
#: Accumulator ring of the chess and Connect Four nets: one slot per ply, indexed by ply count modulo this.
#: Longer than any search line (MAX_PLY), so a line never overwrites its own plies.
ACC_SLOTS = 256
#: Games whose net keeps per-ply accumulators (``<kernel>_make``/``_reset`` hooks): those
#: whose registration says ``NetParts.incremental``.
INCREMENTAL: PerGame[bool] = PerGame(lambda b: True if b.net and b.net.incremental else None, "incremental net")
_ALIGN = 16  # floats: 64 bytes, so every block starts on a cache line

_ZERO = np.float32(0.0)
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)
_Q_ACT = np.float32(formats.Q_ACT)
_SCORE_LIMIT = MATE_BOUND - 1


def pack(net) -> np.ndarray:
    """The float32 ``params`` array of a ``store.Net`` (working memory included).

    Blocks are copied byte for byte, so the integer blocks of the sparse and quantised
    second layers keep their bit patterns; kernels read them through integer views.
    """
    dense = net.dense()
    n_in, hidden, fan_in, h2 = formats.layer_sizes(net.manifest["sizes"])
    tail, layer2, aux = _second_layer(net, dense)
    short = tail == TAIL_INT and _parts(net).short_accumulators
    first = [("w1", net.arrays["w1"]), ("b1", net.arrays["b1"])] if short else [("w1", dense["w1"]), ("b1", dense["b1"])]
    ring = ACC_SLOTS * 2 * hidden if net.game in INCREMENTAL else 1
    if h2 != simd.OUTPUTS:
        raise ValueError(f"the kernels are written for a second layer of {simd.OUTPUTS} units, not {h2}")
    blocks = [*first, *layer2, ("w3", dense["w3"]), ("b3", dense["b3"]),
              ("pre", np.zeros(hidden, np.float32)),
              ("act", np.zeros(fan_in, np.float32)),
              ("acc", np.zeros(ring, np.int16 if short else np.float32)),
              ("end", np.zeros(32, np.float32))]  # kernels read whole chunks (up to 32) past the last slot
    offsets = {}
    position = HEADER
    for name, block in blocks:
        offsets[name] = position
        position += -(-np.asarray(block).nbytes // (4 * _ALIGN)) * _ALIGN
    if position >= 1 << 24:
        raise ValueError(f"net too large to pack: {position} floats (offsets must stay exact in float32)")
    params = np.zeros(position, dtype=np.float32)
    raw = params.view(np.uint8)
    for name, block in blocks:
        data = np.ascontiguousarray(block).reshape(-1).view(np.uint8)
        raw[4 * offsets[name]:4 * offsets[name] + data.size] = data
    params[[P_INPUTS, P_HIDDEN, P_HIDDEN2, P_SCALE, P_TAIL, P_L2_IN, P_SHORT]] = (
        n_in, hidden, h2, net.manifest["output_scale"], TAIL_SHORT if short else tail, fan_in, short)
    for slot, name in zip(range(P_W1, P_ACC + 1), ("w1", "b1", "w2", "b2", "w3", "b3", "pre", "act", "acc")):
        params[slot] = offsets[name]
    for slot, name in ((P_AUX, "aux"), (P_AUX2, "aux2")):
        params[slot] = offsets[name] if name in offsets else aux.get(name, 0.0)
    return params


def _parts(net):
    """The registration's ``NetParts`` of ``net``'s architecture."""
    return next(parts for parts in bundle(net.game).nets if parts.arch == net.manifest["arch"])


def _chunk_count(hidden: int, width: int) -> int:
    """Chunks of ``width`` inputs the kernels read the first layer's output in."""
    return (hidden + width - 1) // width


#: ``_chunk_count`` for the kernels; set-up code calls the plain function (no compile at load).
_chunks = njit(**JIT_FAST)(_chunk_count)


def _by_chunk(kept: np.ndarray) -> np.ndarray:
    """``[units, 2 * groups]`` kept values (two per group) -> ``[chunk, group, slot, unit]``."""
    units, slots = kept.shape
    return np.ascontiguousarray(kept.reshape(units, slots // 8, 4, 2).transpose(1, 2, 3, 0))


def _by_pair_chunk(kept: np.ndarray) -> np.ndarray:
    """``[32 units, 2 * groups]`` -> ``[chunk, 8 groups, 2 halves, 16 units, 2 slots]``."""
    units, slots = kept.shape
    return np.ascontiguousarray(kept.reshape(2, units // 2, slots // 16, 8, 2).transpose(2, 3, 0, 1, 4))


def _kept_24(matrix: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A 2:4 ``[units, hidden]`` matrix padded with zero columns to whole chunks of ``width``
    inputs: its kept values ``[units, 2 * groups]`` and each one's input inside its chunk."""
    padded = np.pad(matrix, ((0, 0), (0, width * _chunk_count(matrix.shape[1], width) - matrix.shape[1])))
    values, positions = formats.compress_24(padded)
    return values, formats.kept_columns(positions) % width


def _unscale(stored: dict[str, np.ndarray]) -> np.float32:
    """int32 sum of int16 activations times int8 weights -> float."""
    return np.float32(1.0 / (formats.Q_ACT * float(stored["w2_scale"][0])))


def _second_layer(net, dense: dict[str, np.ndarray]) -> tuple[int, list, dict]:
    """(tail code, the second layer's blocks, header values that are not offsets)."""
    h2, hidden = dense["w2"].shape
    fmt, stored = net.format, net.arrays
    if fmt == "2:4" and net.quant:
        # By chunks of 32 inputs (8 groups): per group and half of the units, each unit's
        # two kept int8 values side by side, and the chunk's inputs they multiply.
        raw = formats.decode_raw(stored, fmt, net.manifest["sizes"])["w2"]
        values, selectors = _kept_24(raw, 32)
        return TAIL_24_INT, [("w2", _by_pair_chunk(values.astype(np.int16))),
                             ("aux2", _by_pair_chunk(selectors.astype(np.int16))), ("b2", dense["b2"])], \
            {"aux": _unscale(stored)}
    if fmt == "2:4":
        # By chunks of 16 inputs (4 groups of 4): each unit's two kept values per group (its
        # slots) and which of the chunk's 16 inputs each multiplies, laid out [chunk, group,
        # slot, unit]. Inputs past the hidden units get zero weights.
        values, selectors = _kept_24(dense["w2"], 16)
        return TAIL_24, [("w2", _by_chunk(values)), ("aux", _by_chunk(selectors.astype(np.int32))),
                         ("b2", dense["b2"])], {}
    if fmt == "csr":
        values, columns, indptr = formats.compress_csr(dense["w2"])
        return TAIL_CSR, [("w2", values), ("aux", columns.astype(np.int32)), ("aux2", indptr.astype(np.int32)),
                          ("b2", dense["b2"])], {}
    if net.quant:
        # int8 weights held as int16 (the multiply-add's operand), by pairs of inputs: pair
        # p's column holds (w[k, 2p], w[k, 2p + 1]) for every unit k; dequantised biases.
        pairs = 16 * _chunk_count(hidden, 32)
        columns = np.zeros((2 * pairs, h2), np.int16)
        columns[:hidden] = stored["w2"].T
        return TAIL_INT, [("w2", columns.reshape(pairs, 2, h2).transpose(0, 2, 1)), ("b2", dense["b2"])], \
            {"aux": _unscale(stored)}
    columns = np.zeros((16 * _chunk_count(hidden, 16), h2), np.float32)  # by input: its 32 weights
    columns[:hidden] = dense["w2"].T
    return TAIL_DENSE, [("w2", columns), ("b2", dense["b2"])], {}


# -- shared pieces ---------------------------------------------------------------------------
# Loops index slices (``params[a:a + n][i]``) rather than ``params[a + i]``: with a
# plain ``range`` index LLVM can prove it non-negative, drop Numba's negative-index
# fix-up and vectorise; with ``a + i`` it could not (measured 5x slower).
@njit(**JIT_FAST)
def _add_row(params: np.ndarray, dst: int, row: int, hidden: int) -> None:
    d = params[dst:dst + hidden]
    r = params[row:row + hidden]
    for i in range(hidden):
        d[i] += r[i]


@njit(**JIT_FAST)
def _sub_row(params: np.ndarray, dst: int, row: int, hidden: int) -> None:
    d = params[dst:dst + hidden]
    r = params[row:row + hidden]
    for i in range(hidden):
        d[i] -= r[i]


@njit(**JIT_FAST)
def _clip(params: np.ndarray, pre: int, act: int, hidden: int) -> None:
    """The activations at ``params[act:]``: the first layer's output at ``pre`` clipped to [0, 1]."""
    x = params[pre:pre + hidden]
    a = params[act:act + hidden]
    for i in range(hidden):
        a[i] = min(max(x[i], _ZERO), _ONE)


@njit(**JIT_FAST)
def _tail(params: np.ndarray, pre: int) -> np.float32:
    """Raw output from the first layer's output at ``params[pre:pre + hidden]``."""
    tail = params[P_TAIL]
    if tail == TAIL_DENSE:
        return _tail_dense(params, pre)
    if tail == TAIL_24:
        return _tail_24(params, pre)
    if tail == TAIL_CSR:
        return _tail_csr(params, pre)
    if tail == TAIL_INT:
        return _tail_int(params, pre)
    if tail == TAIL_SHORT:
        return _tail_short(params, pre)
    return _tail_24_int(params, pre)


@njit(**JIT_FAST)
def _tail_dense(params: np.ndarray, pre: int) -> np.float32:
    """Dense nets (shrunk ones too): the second layer by columns (``simd.dense_columns``)."""
    return params[int(params[P_B3])] + dense_columns(params, int(params[P_W2]), pre,
                                                     _chunks(int(params[P_L2_IN]), 16), int(params[P_B2]),
                                                     int(params[P_W3]), _ONE)


@njit(**JIT_FAST)
def _tail_24(params: np.ndarray, pre: int) -> np.float32:
    """2:4 nets: each unit's two kept weights per group of 4 inputs (``simd.sparse24_groups``)."""
    return params[int(params[P_B3])] + sparse24_groups(params, int(params[P_W2]), int(params[P_AUX]), pre,
                                                       _chunks(int(params[P_L2_IN]), 16), int(params[P_B2]),
                                                       int(params[P_W3]))


@njit(**JIT_FAST)
def _tail_csr(params: np.ndarray, pre: int) -> np.float32:
    """Compressed sparse rows: one load of an activation per non-zero weight."""
    hidden = int(params[P_L2_IN])
    values = int(params[P_W2])
    ints = params.view(np.int32)
    columns = int(params[P_AUX])
    rows = int(params[P_AUX2])
    b2 = int(params[P_B2])
    w3 = int(params[P_W3])
    act_at = int(params[P_ACT])
    _clip(params, pre, act_at, hidden)
    act = params[act_at:act_at + hidden]
    out = params[int(params[P_B3])]
    for j in range(int(params[P_HIDDEN2])):
        lo = ints[rows + j]
        n = ints[rows + j + 1] - lo
        v = params[values + lo:values + lo + n]
        c = ints[columns + lo:columns + lo + n]
        s = params[b2 + j]
        for k in range(n):
            s += v[k] * act[c[k]]
        out += params[w3 + j] * min(max(s, _ZERO), _ONE)
    return out


@njit(**JIT_FAST)
def _tail_int(params: np.ndarray, pre: int) -> np.float32:
    """int8 nets: activations rounded to int16 (1.0 -> 127) in registers, times the int8
    weights (held as int16) by input pairs, summed in int32 (``simd.int16_columns``),
    scaled back to floats; biases are float."""
    return params[int(params[P_B3])] + int16_columns(params, int(params[P_W2]), pre,
                                                     _chunks(int(params[P_L2_IN]), 32), int(params[P_B2]),
                                                     int(params[P_W3]), params[P_AUX])


@njit(**JIT_FAST)
def _tail_short(params: np.ndarray, pre: int) -> np.float32:
    """int8 nets with int16 accumulators: ``pre`` counts int16 units; the accumulators are
    clipped to ``[0, 127]`` in registers and multiplied as ``_tail_int`` does
    (``simd.short_columns``)."""
    return params[int(params[P_B3])] + short_columns(params, int(params[P_W2]), pre,
                                                     _chunks(int(params[P_L2_IN]), 32), int(params[P_B2]),
                                                     int(params[P_W3]), params[P_AUX])


@njit(**JIT_FAST)
def _tail_24_int(params: np.ndarray, pre: int) -> np.float32:
    """2:4 int8 nets: both kept weights of a unit's group in one int16 multiply-add
    (``simd.int16_sparse24_groups``)."""
    return params[int(params[P_B3])] + int16_sparse24_groups(params, int(params[P_W2]), int(params[P_AUX2]), pre,
                                                             _chunks(int(params[P_L2_IN]), 32), int(params[P_B2]),
                                                             int(params[P_W3]), params[P_AUX])


@njit(**JIT_FAST)
def _score(params: np.ndarray, out: np.float32) -> int:
    value = int(np.floor(out * params[P_SCALE] + np.float32(0.5)))
    return max(-_SCORE_LIMIT, min(_SCORE_LIMIT, value))


@njit(**JIT_FAST)
def _copy_row(params: np.ndarray, dst: int, src: int, hidden: int) -> None:
    d = params[dst:dst + hidden]
    r = params[src:src + hidden]
    for i in range(hidden):
        d[i] = r[i]


@njit(**JIT_FAST)
def _add_rows(params: np.ndarray, dst: int, src: int, plus: int, hidden: int) -> None:
    """``dst = src + row(plus)``: a stone dropped (Connect Four), in one pass."""
    d = params[dst:dst + hidden]
    s = params[src:src + hidden]
    p = params[plus:plus + hidden]
    for i in range(hidden):
        d[i] = s[i] + p[i]


@njit(**JIT_FAST)
def _acc(params: np.ndarray, ply: int, perspective: int) -> int:
    """Offset of the accumulator of ``perspective`` at ply count ``ply`` (float accumulators)."""
    return _acc_in(params, 1, ply, perspective)


@njit(**JIT_FAST)
def _acc_in(params: np.ndarray, units: int, ply: int, perspective: int) -> int:
    """``_acc`` counted in ``units`` per float: 2 for int16 accumulators (``P_SHORT``)."""
    return units * int(params[P_ACC]) + ((ply & (ACC_SLOTS - 1)) * 2 + perspective) * int(params[P_HIDDEN])


@njit(**JIT_FAST)
def _units(params: np.ndarray) -> int:
    """Table units per float offset: 2 where the first layer is int16 (``P_SHORT``)."""
    return 2 if params[P_SHORT] else 1


@njit(**JIT_FAST)
def _start_first_layer(params: np.ndarray) -> int:
    """Copy the first layer's bias into the working vector; return its offset."""
    pre = int(params[P_PRE])
    _copy_row(params, pre, int(params[P_B1]), int(params[P_HIDDEN]))
    return pre


# -- Connect Four and Othello: the first layer from the bitboards; Connect Four's accumulators --
@njit(**JIT_FAST)
def _add_stones(params: np.ndarray, pre: int, bits: np.uint64, own: bool, connect4: bool) -> None:
    """Add the first-layer rows of the stones (discs) on ``bits``."""
    hidden = int(params[P_HIDDEN])
    w1 = int(params[P_W1])
    while bits:
        b = lowest_index(bits)
        feature = connect4_feature(b, own) if connect4 else othello_feature(b, own)
        _add_row(params, pre, w1 + feature * hidden, hidden)
        bits &= bits - np.uint64(1)


@njit(**JIT_FAST)
def connect4_forward_bits(current: np.uint64, mask: np.uint64, params: np.ndarray) -> np.float32:
    """Raw output for the side to move's stones ``current`` and all stones ``mask`` (the
    solver's representation), the first layer computed from the bitboards."""
    pre = _start_first_layer(params)
    _add_stones(params, pre, current, True, True)
    _add_stones(params, pre, current ^ mask, False, True)
    return _tail(params, pre)


@njit(**JIT_FAST)
def connect4_net_reset(state: np.ndarray, params: np.ndarray) -> None:
    """The current ply's accumulators (first player's view, second player's) from the board."""
    hidden = int(params[P_HIDDEN])
    ply = int(state[PLY])
    to_move = ply & 1  # whose stones ``current`` holds
    current = np.uint64(state[CURRENT])
    other = current ^ np.uint64(state[MASK])
    for perspective in range(2):
        acc = _acc(params, ply, perspective)
        _copy_row(params, acc, int(params[P_B1]), hidden)
        own, theirs = (current, other) if perspective == to_move else (other, current)
        _add_stones(params, acc, own, True, True)
        _add_stones(params, acc, theirs, False, True)


@njit(**JIT_FAST)
def connect4_net_make(state: np.ndarray, params: np.ndarray) -> None:
    """This ply's accumulators from the last ply's plus the row of the stone just dropped."""
    hidden = int(params[P_HIDDEN])
    ply = int(state[PLY])
    col = int(state[HISTORY + ply - 1])
    column = np.uint64(state[MASK]) & column_mask(col)
    square = lowest_index((column + bottom_mask(col)) >> np.uint64(1))  # the column's top stone
    moved = (ply - 1) & 1  # who dropped it
    w1 = int(params[P_W1])
    for perspective in range(2):
        row = w1 + connect4_feature(square, perspective == moved) * hidden
        _add_rows(params, _acc(params, ply, perspective), _acc(params, ply - 1, perspective), row, hidden)


@njit(**JIT_FAST)
def connect4_forward(state: np.ndarray, params: np.ndarray) -> np.float32:
    """Raw output from the side to move's accumulator (``reset``/``make`` keep it current)."""
    ply = int(state[PLY])
    return _tail(params, _acc(params, ply, ply & 1))


@njit(**JIT_FAST)
def connect4_net(state: np.ndarray, params: np.ndarray) -> int:
    return _score(params, connect4_forward(state, params))


@njit(**JIT_FAST)
def connect4_net_recompute(state: np.ndarray, params: np.ndarray) -> int:
    """``connect4_net`` from the bitboards at every call: the incremental one's reference."""
    return _score(params, connect4_forward_bits(np.uint64(state[CURRENT]), np.uint64(state[MASK]), params))


@njit(**JIT_FAST)
def othello_forward(state: np.ndarray, params: np.ndarray) -> np.float32:
    pre = _start_first_layer(params)
    _add_stones(params, pre, np.uint64(state[PLAYER]), True, False)
    _add_stones(params, pre, np.uint64(state[OPPONENT]), False, False)
    return _tail(params, pre)


@njit(**JIT_FAST)
def othello_net(state: np.ndarray, params: np.ndarray) -> int:
    return _score(params, othello_forward(state, params))


# -- chess: accumulators updated from the undo record --------------------------------------------
@njit(**JIT_FAST)
def _chess_reset(state: np.ndarray, params: np.ndarray, by_mover: bool) -> None:
    """Compute the current ply's accumulators from the pieces on the board.

    A ply's two accumulators lie side by side: White's view then Black's, or with
    ``by_mover`` the side to move's then the opponent's (what a two-perspective net's
    second layer reads as one vector of ``2 * hidden``). int16 first layers
    (``P_SHORT``) run the same rows over the int16 view of ``params``.
    """
    if params[P_SHORT]:
        _chess_reset_rows(state, params, params.view(np.int16), 2, by_mover)
    else:
        _chess_reset_rows(state, params, params, 1, by_mover)


@njit(**JIT_FAST)
def _chess_reset_rows(state: np.ndarray, params: np.ndarray, table: np.ndarray, units: int, by_mover: bool) -> None:
    hidden = int(params[P_HIDDEN])
    w1 = units * int(params[P_W1])
    b1 = units * int(params[P_B1])
    first = state[SIDE] if by_mover else 0
    for perspective in range(2):
        acc = _acc_in(params, units, state[HPLY], perspective ^ first)
        _copy_row(table, acc, b1, hidden)
        for sq in range(64):
            code = state[BOARD + sq]
            if code:
                _add_row(table, acc, w1 + chess_feature(perspective, code, sq) * hidden, hidden)


@njit(**JIT_FAST)
def chess_net_reset(state: np.ndarray, params: np.ndarray) -> None:
    _chess_reset(state, params, False)


@njit(**JIT_FAST)
def _move_rows(params: np.ndarray, dst: int, src: int, minus: int, plus: int, hidden: int) -> None:
    """``dst = src - row(minus) + row(plus)``: a piece moving, in one pass."""
    d = params[dst:dst + hidden]
    s = params[src:src + hidden]
    m = params[minus:minus + hidden]
    p = params[plus:plus + hidden]
    for i in range(hidden):
        d[i] = s[i] - m[i] + p[i]


@njit(**JIT_FAST)
def _chess_make(state: np.ndarray, params: np.ndarray, by_mover: bool) -> None:
    """This ply's accumulators from the last ply's and the move just made (or a null move);
    ``by_mover``: the side to move's first (``_chess_reset``), so the last ply's order is
    the other way round."""
    if params[P_SHORT]:
        _chess_make_rows(state, params, params.view(np.int16), 2, by_mover)
    else:
        _chess_make_rows(state, params, params, 1, by_mover)


@njit(**JIT_FAST)
def _chess_make_rows(state: np.ndarray, params: np.ndarray, table: np.ndarray, units: int, by_mover: bool) -> None:
    hidden = int(params[P_HIDDEN])
    w1 = units * int(params[P_W1])
    ply = state[HPLY]
    now = state[SIDE] if by_mover else 0
    before = 1 - state[SIDE] if by_mover else 0
    rec = HIST + ((ply - 1) & HIST_MASK) * REC
    move = state[rec + R_MOVE]
    if move == NULL_MOVE:
        for perspective in range(2):
            _copy_row(table, _acc_in(params, units, ply, perspective ^ now),
                      _acc_in(params, units, ply - 1, perspective ^ before), hidden)
        return
    frm = move & 63
    to = (move >> 6) & 63
    kind = move >> 12
    us = 1 - state[SIDE]
    arrived = state[BOARD + to]
    left = us * 8 + PAWN + 1 if PROMO_N <= kind <= PROMO_Q else arrived
    captured = state[rec + R_CAPTURED]
    capsq = to
    if kind == EN_PASSANT:
        capsq = to - 8 if us == WHITE else to + 8
    for perspective in range(2):
        dst = _acc_in(params, units, ply, perspective ^ now)
        _move_rows(table, dst, _acc_in(params, units, ply - 1, perspective ^ before),
                   w1 + chess_feature(perspective, left, frm) * hidden,
                   w1 + chess_feature(perspective, arrived, to) * hidden, hidden)
        if captured:
            _sub_row(table, dst, w1 + chess_feature(perspective, captured, capsq) * hidden, hidden)
        if kind == CASTLING:
            rfrom, rto = _castle_rook(to)
            rook = state[BOARD + rto]
            _sub_row(table, dst, w1 + chess_feature(perspective, rook, rfrom) * hidden, hidden)
            _add_row(table, dst, w1 + chess_feature(perspective, rook, rto) * hidden, hidden)


@njit(**JIT_FAST)
def chess_net_make(state: np.ndarray, params: np.ndarray) -> None:
    _chess_make(state, params, False)


@njit(**JIT_FAST)
def chess_forward(state: np.ndarray, params: np.ndarray) -> np.float32:
    """Raw output from the side to move's accumulator (``reset``/``make`` keep it current)."""
    return _tail(params, _acc_in(params, _units(params), state[HPLY], state[SIDE]))


@njit(**JIT_FAST)
def chess_net(state: np.ndarray, params: np.ndarray) -> int:
    return _score(params, chess_forward(state, params))


@njit(**JIT_FAST)
def chess_net_recompute(state: np.ndarray, params: np.ndarray) -> int:
    """``chess_net`` with the accumulators recomputed from the board at every call: slow,
    and no hooks; the reference the incremental evaluator is tested against."""
    chess_net_reset(state, params)
    return chess_net(state, params)


# -- chess, two perspectives: both accumulators, side to move first, into the second layer ----
@njit(**JIT_FAST)
def chess_dual_net_reset(state: np.ndarray, params: np.ndarray) -> None:
    _chess_reset(state, params, True)


@njit(**JIT_FAST)
def chess_dual_net_make(state: np.ndarray, params: np.ndarray) -> None:
    _chess_make(state, params, True)


@njit(**JIT_FAST)
def chess_dual_forward(state: np.ndarray, params: np.ndarray) -> np.float32:
    """Raw output from this ply's two accumulators, read as one vector of ``2 * hidden``."""
    return _tail(params, _acc_in(params, _units(params), state[HPLY], 0))


@njit(**JIT_FAST)
def chess_dual_net(state: np.ndarray, params: np.ndarray) -> int:
    return _score(params, chess_dual_forward(state, params))


@njit(**JIT_FAST)
def chess_dual_net_recompute(state: np.ndarray, params: np.ndarray) -> int:
    """``chess_dual_net`` with the accumulators recomputed from the board at every call."""
    chess_dual_net_reset(state, params)
    return chess_dual_net(state, params)
