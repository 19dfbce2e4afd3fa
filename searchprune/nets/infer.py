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

- ``TAIL_DENSE``: dense rows (dense nets, shrunk ones too), four units at a time
  (``simd.dense_rows4``), rows padded with zeros to whole 32-input windows;
- ``TAIL_24``: 2:4 rows, kept values and window-local columns, four units at a time
  (``simd.sparse24_rows4``: AVX-512 register permutes instead of scattered loads);
- ``TAIL_CSR``: compressed sparse rows, one load per non-zero;
- ``TAIL_INT``: int8 nets: activations rounded to int16 (1.0 -> 127), int16 x int16
  products summed in int32 (``simd.int16_rows4``: ``vpmaddwd``), then scaled back.

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
from searchprune.nets import formats
from searchprune.nets.features import chess_feature, connect4_feature, othello_feature
from searchprune.nets.simd import dense_rows4, int16_rows4, sparse24_rows4
from searchprune.types import MATE_BOUND

# -- params layout: header slots (float32 values holding exact small integers) --------------
(P_INPUTS, P_HIDDEN, P_HIDDEN2, P_SCALE, P_W1, P_B1, P_W2, P_B2, P_W3, P_B3, P_PRE, P_ACT, P_ACC,
 P_TAIL, P_AUX, P_AUX2) = range(16)
HEADER = 16
#: Second-layer kernels (``P_TAIL``). ``P_AUX``/``P_AUX2``: per kernel, the offsets of the
#: 2:4 columns (uint8), the CSR columns and row pointers, or (int8) the scale and the int16 activations.
TAIL_DENSE, TAIL_24, TAIL_CSR, TAIL_INT = range(4)
#: Accumulator ring of the chess and Connect Four nets: one slot per ply, indexed by ply count modulo this.
#: Longer than any search line (MAX_PLY), so a line never overwrites its own plies.
ACC_SLOTS = 256
#: Games whose net keeps per-ply accumulators (``<kernel>_make``/``_reset`` hooks).
INCREMENTAL = ("connect4", "chess")
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
    n_in, hidden, h2, _ = net.manifest["sizes"]
    tail, layer2, aux = _second_layer(net, dense)
    blocks = [("w1", dense["w1"]), ("b1", dense["b1"]), *layer2, ("w3", dense["w3"]), ("b3", dense["b3"]),
              ("pre", np.zeros(hidden, np.float32)), ("act", np.zeros(_windows(hidden) * 32, np.float32)),
              ("acc", np.zeros(ACC_SLOTS * 2 * hidden if net.game in INCREMENTAL else 1, np.float32))]
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
    params[[P_INPUTS, P_HIDDEN, P_HIDDEN2, P_SCALE, P_TAIL]] = n_in, hidden, h2, net.manifest["output_scale"], tail
    for slot, name in zip(range(P_W1, P_ACC + 1), ("w1", "b1", "w2", "b2", "w3", "b3", "pre", "act", "acc")):
        params[slot] = offsets[name]
    for slot, name in ((P_AUX, "aux"), (P_AUX2, "aux2")):
        params[slot] = offsets[name] if name in offsets else aux.get(name, 0.0)
    return params


def _windows(hidden: int) -> int:
    """32-input windows of the 2:4 kernel (the activations are padded with zeros to fill them)."""
    return -(-hidden // 32)


def _second_layer(net, dense: dict[str, np.ndarray]) -> tuple[int, list, dict]:
    """(tail code, the second layer's blocks, header values that are not offsets)."""
    h2, hidden = dense["w2"].shape
    fmt, stored = net.format, net.arrays
    if fmt == "2:4":
        # Pad each row to whole windows (zero weights), then number each kept weight's
        # column inside its window of 32 inputs.
        padded = np.zeros((h2, _windows(hidden) * 32), np.float32)
        padded[:, :hidden] = dense["w2"]
        columns = formats.kept_columns(formats.compress_24(padded)[1])
        values = np.take_along_axis(padded, columns, axis=1)
        local = (columns - 32 * (np.arange(columns.shape[1]) // 16)[None, :]).astype(np.uint8)
        return TAIL_24, [("w2", values), ("aux", local), ("b2", dense["b2"])], {}
    if fmt == "csr":
        values, columns, indptr = formats.compress_csr(dense["w2"])
        return TAIL_CSR, [("w2", values), ("aux", columns.astype(np.int32)), ("aux2", indptr.astype(np.int32)),
                          ("b2", dense["b2"])], {}
    padded = np.zeros((h2, _windows(hidden) * 32), np.int16 if net.quant else np.float32)
    if net.quant:  # int8 weights held as int16 (the multiply-add's operand); dequantised biases
        padded[:, :hidden] = stored["w2"]
        unscale = np.float32(1.0 / (formats.Q_ACT * float(stored["w2_scale"][0])))
        return (TAIL_INT, [("w2", padded), ("b2", dense["b2"]), ("aux2", np.zeros(_windows(hidden) * 32, np.int16))],
                {"aux": unscale})
    padded[:, :hidden] = dense["w2"]
    return TAIL_DENSE, [("w2", padded), ("b2", dense["b2"])], {}


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
    return _tail_int(params, pre)


@njit(**JIT_FAST)
def _units4(params: np.ndarray, j: int, s0: np.float32, s1: np.float32, s2: np.float32, s3: np.float32) -> np.float32:
    """Second-layer units ``j..j+3`` from their sums: bias, clip, times their output weights."""
    b2 = int(params[P_B2]) + j
    w3 = int(params[P_W3]) + j
    return (params[w3] * min(max(s0 + params[b2], _ZERO), _ONE)
            + params[w3 + 1] * min(max(s1 + params[b2 + 1], _ZERO), _ONE)
            + params[w3 + 2] * min(max(s2 + params[b2 + 2], _ZERO), _ONE)
            + params[w3 + 3] * min(max(s3 + params[b2 + 3], _ZERO), _ONE))


@njit(**JIT_FAST)
def _tail_dense(params: np.ndarray, pre: int) -> np.float32:
    """Dense rows, four second-layer units per call of ``dense_rows4``.

    Four rows at a time share the loads of the activations and reduce their four sums
    together. (Adding a ``w2`` row per hidden unit instead, which could skip units
    clipped to 0, measured 2-3x slower: the sums then live in ``params`` too, LLVM
    cannot rule out that they alias the weights, and every add goes through memory.)
    """
    hidden = int(params[P_HIDDEN])
    windows = (hidden + 31) // 32
    stride = windows * 32
    w2 = int(params[P_W2])
    act_at = int(params[P_ACT])
    _clip(params, pre, act_at, hidden)
    out = params[int(params[P_B3])]
    for j in range(0, int(params[P_HIDDEN2]), 4):
        s0, s1, s2, s3 = dense_rows4(params, w2 + j * stride, 0, act_at, stride, windows)
        out += _units4(params, j, s0, s1, s2, s3)
    return out


@njit(**JIT_FAST)
def _tail_24(params: np.ndarray, pre: int) -> np.float32:
    """2:4 rows: per unit, 16 kept weights per window of 32 inputs, four units per call."""
    hidden = int(params[P_HIDDEN])
    windows = (hidden + 31) // 32
    kept = windows * 16
    values = int(params[P_W2])
    columns = 4 * int(params[P_AUX])  # a byte offset: one byte per kept weight
    act_at = int(params[P_ACT])
    _clip(params, pre, act_at, hidden)
    out = params[int(params[P_B3])]
    for j in range(0, int(params[P_HIDDEN2]), 4):
        s0, s1, s2, s3 = sparse24_rows4(params, values + j * kept, columns + j * kept, act_at, kept, windows)
        out += _units4(params, j, s0, s1, s2, s3)
    return out


@njit(**JIT_FAST)
def _tail_csr(params: np.ndarray, pre: int) -> np.float32:
    """Compressed sparse rows: one load of an activation per non-zero weight."""
    hidden = int(params[P_HIDDEN])
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
    """int8 nets: int16 activations (1.0 -> 127) times int16-held int8 weights, summed in
    int32 (``simd.int16_rows4``), then scaled back to floats; biases are float."""
    hidden = int(params[P_HIDDEN])
    windows = (hidden + 31) // 32
    stride = windows * 32
    x = params[pre:pre + hidden]
    act_at = 2 * int(params[P_AUX2])  # in int16 units
    act = params.view(np.int16)[act_at:act_at + hidden]
    for i in range(hidden):
        act[i] = np.int16(min(max(np.floor(x[i] * _Q_ACT + _HALF), _ZERO), _Q_ACT))
    w2 = 2 * int(params[P_W2])
    unscale = params[P_AUX]
    out = params[int(params[P_B3])]
    for j in range(0, int(params[P_HIDDEN2]), 4):
        s0, s1, s2, s3 = int16_rows4(params, w2 + j * stride, 0, act_at, stride, windows)
        out += _units4(params, j, s0 * unscale, s1 * unscale, s2 * unscale, s3 * unscale)
    return out


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
    """Offset of the accumulator of ``perspective`` at ply count ``ply``."""
    return int(params[P_ACC]) + ((ply & (ACC_SLOTS - 1)) * 2 + perspective) * int(params[P_HIDDEN])


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
def chess_net_reset(state: np.ndarray, params: np.ndarray) -> None:
    """Compute the current ply's accumulators from the pieces on the board."""
    hidden = int(params[P_HIDDEN])
    w1 = int(params[P_W1])
    b1 = int(params[P_B1])
    for perspective in range(2):
        acc = _acc(params, state[HPLY], perspective)
        _copy_row(params, acc, b1, hidden)
        for sq in range(64):
            code = state[BOARD + sq]
            if code:
                _add_row(params, acc, w1 + chess_feature(perspective, code, sq) * hidden, hidden)


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
def chess_net_make(state: np.ndarray, params: np.ndarray) -> None:
    """This ply's accumulators from the last ply's and the move just made (or a null move)."""
    hidden = int(params[P_HIDDEN])
    w1 = int(params[P_W1])
    ply = state[HPLY]
    rec = HIST + ((ply - 1) & HIST_MASK) * REC
    move = state[rec + R_MOVE]
    if move == NULL_MOVE:
        for perspective in range(2):
            _copy_row(params, _acc(params, ply, perspective), _acc(params, ply - 1, perspective), hidden)
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
        dst = _acc(params, ply, perspective)
        _move_rows(params, dst, _acc(params, ply - 1, perspective),
                   w1 + chess_feature(perspective, left, frm) * hidden,
                   w1 + chess_feature(perspective, arrived, to) * hidden, hidden)
        if captured:
            _sub_row(params, dst, w1 + chess_feature(perspective, captured, capsq) * hidden, hidden)
        if kind == CASTLING:
            rfrom, rto = _castle_rook(to)
            rook = state[BOARD + rto]
            _sub_row(params, dst, w1 + chess_feature(perspective, rook, rfrom) * hidden, hidden)
            _add_row(params, dst, w1 + chess_feature(perspective, rook, rto) * hidden, hidden)


@njit(**JIT_FAST)
def chess_forward(state: np.ndarray, params: np.ndarray) -> np.float32:
    """Raw output from the side to move's accumulator (``reset``/``make`` keep it current)."""
    return _tail(params, _acc(params, state[HPLY], state[SIDE]))


@njit(**JIT_FAST)
def chess_net(state: np.ndarray, params: np.ndarray) -> int:
    return _score(params, chess_forward(state, params))


@njit(**JIT_FAST)
def chess_net_recompute(state: np.ndarray, params: np.ndarray) -> int:
    """``chess_net`` with the accumulators recomputed from the board at every call: slow,
    and no hooks; the reference the incremental evaluator is tested against."""
    chess_net_reset(state, params)
    return chess_net(state, params)
