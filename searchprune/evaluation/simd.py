"""The second and third layers as AVX-512 kernels written in LLVM IR, with portable fallbacks.

Each kernel computes ``w3 . clip(b2 + W2 clip(pre))`` (all but the output bias) from
the first layer's output ``pre``, for the 32 second-layer units (``OUTPUTS``) at once:

- the first layer's output is read 16 values (one vector) at a time and clipped (or, for
  int8 nets, clipped, scaled and rounded to int16) **in registers**, never written back;
- every activation reaches the units' weights by an in-register permute: the 32 weights
  of one input (``dense_columns``: the layer stored by columns) are multiplied by that
  input's activation broadcast from the register, and 2:4 weights (``sparse24_groups``)
  by the activation each one selects from the register;
- the 32 sums stay in two vectors: bias, clip and the output layer run on them, and
  only the final dot product is reduced.

What that replaced, measured on the chess and Connect Four nets (``bench/results``):
row kernels (four units at a time, each reduced separately) spent most of their time
outside the multiply-adds; a column kernel over a list of the non-zero activations
(about half are zero after the clipped ReLU) did half the multiply-adds but wrote the
activations and the list to memory and read them back at once, and measured no faster;
the 2:4 row kernel (``vpermi2ps`` over windows of 32) was 0.6-0.8x as fast as dense rows.

Numba cannot name these instructions, so the kernels are Numba intrinsics that write
their loops in LLVM IR. They compile only where the CPU has AVX-512F and BW
(``HAVE_AVX512``) and Numba targets the host CPU; elsewhere the names are bound to the
portable Numba versions (``*_portable``), which compute the same values. All read from
``params``; offsets are in 4-byte units. Inputs past the hidden units (up to the next
whole chunk) are read too, and their weights are zero.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import config as numba_config
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from searchprune.config import JIT_FAST

_F32 = ir.FloatType()
_I32 = ir.IntType(32)
_VF = ir.VectorType(_F32, 16)
_VI = ir.VectorType(_I32, 16)
_I16 = ir.IntType(16)
_VS = ir.VectorType(_I16, 32)
_FAST = ("fast",)


def _host_has_avx512() -> bool:
    if numba_config.DISABLE_JIT or numba_config.CPU_NAME not in (None, "host"):
        return False  # plain Python cannot run an intrinsic; a generic target may lack AVX-512
    try:
        import llvmlite.binding as llvm

        features = llvm.get_host_cpu_features().flatten().split(",")
        return "+avx512f" in features and "+avx512bw" in features  # bw: the int16 multiply-add
    except Exception:  # noqa: BLE001 - no feature list: take the portable path
        return False


HAVE_AVX512 = _host_has_avx512()


def _load(builder, base, offset, vector_type):
    pointer = builder.bitcast(builder.gep(base, [offset]), vector_type.as_pointer())
    return builder.load(pointer, align=4)


def _horizontal_sum(builder, vector):
    width = vector.type.count
    while width > 1:
        width //= 2
        low = builder.shuffle_vector(vector, vector, ir.Constant(ir.VectorType(_I32, width), list(range(width))))
        high = builder.shuffle_vector(vector, vector,
                                      ir.Constant(ir.VectorType(_I32, width), list(range(width, 2 * width))))
        vector = builder.fadd(low, high, flags=_FAST)
    return builder.extract_element(vector, ir.Constant(_I32, 0))


#: Second-layer width the kernels are written for (``arch.HIDDEN2``): two 16-lane vectors.
OUTPUTS = 32


def _lane(index: int):
    """Permute indices that broadcast lane ``index`` to all 16 lanes."""
    return ir.Constant(_VI, [index] * 16)


def _clip_vector(builder, vector):
    zero, one = ir.Constant(_VF, [0.0] * 16), ir.Constant(_VF, [1.0] * 16)
    low = builder.select(builder.fcmp_ordered(">", vector, zero, flags=_FAST), vector, zero)
    return builder.select(builder.fcmp_ordered("<", low, one, flags=_FAST), low, one)


def _intrinsic_function(builder, name, result, arguments):
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(result, arguments), name)


def _output_layer(builder, base, halves, b2, w3):
    """``w3 . clip(sums + b2)`` from the 32 sums in two vectors."""
    out = None
    for half, total in enumerate(halves):
        offset = ir.Constant(b2.type, 16 * half)
        total = builder.fadd(total, _load(builder, base, builder.add(b2, offset), _VF), flags=_FAST)
        term = builder.fmul(_clip_vector(builder, total), _load(builder, base, builder.add(w3, offset), _VF),
                            flags=_FAST)
        out = term if out is None else builder.fadd(out, term, flags=_FAST)
    return _horizontal_sum(builder, out)


def _int16_chunk(builder, base, first):
    """32 first-layer outputs from ``first`` as int16 activations: ``floor(clip(x) * 127 + 0.5)``."""
    floor = _intrinsic_function(builder, "llvm.floor.v16f32", _VF, [_VF])
    scale, half = ir.Constant(_VF, [127.0] * 16), ir.Constant(_VF, [0.5] * 16)
    packed = []
    for part in range(2):
        x = _clip_vector(builder, _load(builder, base, builder.add(first, ir.Constant(first.type, 16 * part)), _VF))
        x = builder.call(floor, [builder.fadd(builder.fmul(x, scale), half)])
        packed.append(builder.trunc(builder.fptosi(x, _VI), ir.VectorType(_I16, 16)))
    return builder.shuffle_vector(packed[0], packed[1], ir.Constant(ir.VectorType(_I32, 32), list(range(32))))


def _short_chunk(builder, shorts, first):
    """32 int16 accumulator values from ``first`` (in int16 units), clipped to ``[0, 127]``:
    an int8 net's activations when its accumulators are kept in int16 already."""
    x = _load(builder, shorts, first, _VS)
    zero, top = ir.Constant(_VS, [0] * 32), ir.Constant(_VS, [127] * 32)
    low = builder.select(builder.icmp_signed(">", x, zero), x, zero)
    return builder.select(builder.icmp_signed("<", low, top), low, top)


def _int_totals(builder, sums, unscale):
    """Eight int32 accumulators -> the two float vectors of sums, scaled by ``unscale``."""
    factor = builder.insert_element(ir.Constant(_VF, None), unscale, ir.Constant(_I32, 0))
    factor = builder.shuffle_vector(factor, factor, _lane(0))
    return [builder.fmul(builder.sitofp(t, _VF), factor, flags=_FAST) for t in _halves(builder, sums, builder.add)]


def _halves(builder, sums, add):
    """Eight accumulators (four pairs of low and high halves) -> the two vectors of sums."""
    out = []
    for half in range(2):
        total = builder.load(sums[half])
        for k in (2, 4, 6):
            total = add(total, builder.load(sums[k + half]))
        out.append(total)
    return out


def _columns_intrinsic(integer: bool, short_input: bool = False, skip_zero: bool = False):
    """The dense second layer by columns: per input, its 32 weights times its activation.

    Float: ``weights`` holds ``[16 * chunks, 32]`` floats (input by input); each chunk of
    16 inputs is loaded from ``pre`` and clipped, and for each of its inputs the
    activation is broadcast from the register (``vpermps``) and multiplied into the two
    weight vectors (four inputs in flight on eight accumulators).

    ``integer`` (int8 nets): a chunk is 32 inputs (two loads), clipped, scaled to
    ``[0, 127]``, rounded as ``floor(x * 127 + 0.5)`` and packed to int16 pairs; each
    pair is broadcast (``vpermd``) and ``vpmaddwd`` multiplies it by the pair's 32
    interleaved int16 weight pairs (``weights``: ``[16 * chunks, 32, 2]`` int16), summed
    exactly in int32 and scaled by ``unscale`` at the end.

    ``short_input`` (with ``integer``): ``pre`` is an offset in int16 units of int16
    accumulators (the int8 chess nets keep them so); a chunk is one load of 32 of them,
    clipped to ``[0, 127]`` (``_short_chunk``), and the rest is as above.

    ``skip_zero`` (activation sparsity, issue 18): after the clipped ReLU many activations
    are exactly zero. Each chunk's lanes are tested against zero once (one compare to a
    16-bit mask), and every block of 4 lanes (4 inputs, or 4 int16 pairs) that is all zero
    skips its multiply-adds, as Stockfish's sparse input layer skips zero blocks. The sums
    are those of the dense kernel less terms that are exactly zero.
    """
    @intrinsic
    def columns(typingctx, params, weights, pre, chunks, b2, w3, unscale):
        signature = types.float32(params, types.int64, types.int64, types.int64, types.int64, types.int64,
                                  types.float32)

        def codegen(context, builder, sig, args):
            array, weights, pre, chunks, b2, w3, unscale = args
            i64 = weights.type
            base = context.make_array(sig.args[0])(context, builder, array).data
            shorts = builder.bitcast(base, _I16.as_pointer())
            permute_f = _intrinsic_function(builder, "llvm.x86.avx512.permvar.sf.512", _VF, [_VF, _VI])
            permute_i = _intrinsic_function(builder, "llvm.x86.avx512.permvar.si.512", _VI, [_VI, _VI])
            madd = _intrinsic_function(builder, "llvm.x86.avx512.pmaddw.d.512", _VI, [_VS, _VS])
            zero = ir.Constant(_VI, [0] * 16) if integer else ir.Constant(_VF, [0.0] * 16)
            sums = [cgutils.alloca_once_value(builder, zero) for _ in range(8)]
            width = 32 if integer else 16  # inputs per chunk
            with cgutils.for_range(builder, chunks) as loop:
                first = builder.add(pre, builder.mul(loop.index, ir.Constant(i64, width)))
                if short_input:
                    chunk = builder.bitcast(_short_chunk(builder, shorts, first), _VI)
                elif integer:
                    chunk = builder.bitcast(_int16_chunk(builder, base, first), _VI)
                else:
                    chunk = _clip_vector(builder, _load(builder, base, first, _VF))
                def one_input(j):  # input (float) or input pair (int16) j of the chunk
                    column = builder.mul(builder.add(builder.mul(loop.index, ir.Constant(i64, 16)),
                                                     ir.Constant(i64, j)), ir.Constant(i64, OUTPUTS))
                    if integer:
                        pair = builder.bitcast(builder.call(permute_i, [chunk, _lane(j)]), _VS)
                    else:
                        activation = builder.call(permute_f, [chunk, _lane(j)])
                    for half in range(2):
                        at = builder.add(weights, builder.add(column, ir.Constant(i64, 16 * half)))
                        acc = sums[2 * (j % 4) + half]
                        if integer:
                            product = builder.call(madd, [_load(builder, shorts, builder.mul(at, ir.Constant(i64, 2)),
                                                                _VS), pair])
                            builder.store(builder.add(builder.load(acc), product), acc)
                        else:
                            product = builder.fmul(_load(builder, base, at, _VF), activation, flags=_FAST)
                            builder.store(builder.fadd(builder.load(acc), product, flags=_FAST), acc)

                if not skip_zero:
                    for j in range(16):
                        one_input(j)
                else:
                    lanes = builder.bitcast(chunk, _VI)
                    nonzero = builder.bitcast(builder.icmp_unsigned("!=", lanes, ir.Constant(_VI, [0] * 16)),
                                              ir.IntType(16))
                    for block in range(4):
                        bits = builder.and_(nonzero, ir.Constant(ir.IntType(16), 0xF << (4 * block)))
                        with builder.if_then(builder.icmp_unsigned("!=", bits, ir.Constant(ir.IntType(16), 0))):
                            for j in range(4 * block, 4 * block + 4):
                                one_input(j)
            if integer:
                totals = _int_totals(builder, sums, unscale)
            else:
                totals = _halves(builder, sums, lambda a, b: builder.fadd(a, b, flags=_FAST))
            return _output_layer(builder, base, totals, b2, w3)

        return signature, codegen

    return columns


def _groups24_intrinsic():
    """The 2:4 second layer by groups of 4 inputs.

    Every unit keeps 2 of each group's 4 weights: its *slots*. Per group and slot the
    kernel holds 32 kept values (one per unit, two vectors) and 32 selectors: which of the
    16 activations of the group's chunk (4 groups) each value multiplies, as int32 lanes.
    One permute (``vpermps``) per group, slot and half picks every unit's activation from
    the clipped chunk: half the multiply-adds of the dense layer, and no scattered loads.
    Values and selectors: ``[chunks, 4 groups, 2 slots, 32]`` each.
    """
    @intrinsic
    def groups24(typingctx, params, values, selectors, pre, chunks, b2, w3):
        signature = types.float32(params, types.int64, types.int64, types.int64, types.int64, types.int64,
                                  types.int64)

        def codegen(context, builder, sig, args):
            array, values, selectors, pre, chunks, b2, w3 = args
            i64 = values.type
            base = context.make_array(sig.args[0])(context, builder, array).data
            ints = builder.bitcast(base, _I32.as_pointer())
            permute = _intrinsic_function(builder, "llvm.x86.avx512.permvar.sf.512", _VF, [_VF, _VI])
            sums = [cgutils.alloca_once_value(builder, ir.Constant(_VF, [0.0] * 16)) for _ in range(8)]
            with cgutils.for_range(builder, chunks) as loop:
                first = builder.add(pre, builder.mul(loop.index, ir.Constant(i64, 16)))
                chunk = _clip_vector(builder, _load(builder, base, first, _VF))
                start = builder.mul(loop.index, ir.Constant(i64, 256))
                for q in range(4):
                    for part in range(4):  # slot 0 low, slot 0 high, slot 1 low, slot 1 high
                        at = builder.add(start, ir.Constant(i64, 64 * q + 16 * part))
                        picked = builder.call(permute, [chunk, _load(builder, ints, builder.add(selectors, at), _VI)])
                        product = builder.fmul(_load(builder, base, builder.add(values, at), _VF), picked, flags=_FAST)
                        acc = sums[4 * (q % 2) + part]
                        builder.store(builder.fadd(builder.load(acc), product, flags=_FAST), acc)
            totals = _halves(builder, sums, lambda a, b: builder.fadd(a, b, flags=_FAST))
            return _output_layer(builder, base, totals, b2, w3)

        return signature, codegen

    return groups24


def _groups24_int16_intrinsic():
    """The 2:4 second layer of int8 nets: one ``vpermw`` picks both slots' activations.

    A chunk is 32 inputs (8 groups) rounded to int16 in a register. Per group and half
    (16 units), 32 int16 selectors hold each unit's two kept inputs side by side, so one
    permute lines up ``(a[slot 0], a[slot 1])`` pairs against the units' interleaved
    ``(w[slot 0], w[slot 1])`` int8 weights (held as int16), and one ``vpmaddwd`` adds
    both products into the unit's int32 sum. Values and selectors (int16):
    ``[chunks, 8 groups, 2 halves, 16 units, 2 slots]``; offsets in 4-byte units.
    """
    @intrinsic
    def groups24(typingctx, params, values, selectors, pre, chunks, b2, w3, unscale):
        signature = types.float32(params, types.int64, types.int64, types.int64, types.int64, types.int64,
                                  types.int64, types.float32)

        def codegen(context, builder, sig, args):
            array, values, selectors, pre, chunks, b2, w3, unscale = args
            i64 = values.type
            base = context.make_array(sig.args[0])(context, builder, array).data
            shorts = builder.bitcast(base, _I16.as_pointer())
            permute = _intrinsic_function(builder, "llvm.x86.avx512.permvar.hi.512", _VS, [_VS, _VS])
            madd = _intrinsic_function(builder, "llvm.x86.avx512.pmaddw.d.512", _VI, [_VS, _VS])
            sums = [cgutils.alloca_once_value(builder, ir.Constant(_VI, [0] * 16)) for _ in range(8)]
            two = ir.Constant(i64, 2)
            with cgutils.for_range(builder, chunks) as loop:
                chunk = _int16_chunk(builder, base, builder.add(pre, builder.mul(loop.index, ir.Constant(i64, 32))))
                start = builder.mul(loop.index, ir.Constant(i64, 512))  # int16 units
                for q in range(8):
                    for half in range(2):
                        at = builder.add(start, ir.Constant(i64, 64 * q + 32 * half))
                        index = _load(builder, shorts, builder.add(builder.mul(selectors, two), at), _VS)
                        weights = _load(builder, shorts, builder.add(builder.mul(values, two), at), _VS)
                        product = builder.call(madd, [weights, builder.call(permute, [chunk, index])])
                        acc = sums[2 * (q % 4) + half]
                        builder.store(builder.add(builder.load(acc), product), acc)
            return _output_layer(builder, base, _int_totals(builder, sums, unscale), b2, w3)

        return signature, codegen

    return groups24


_dense_columns_simd = _columns_intrinsic(integer=False)
_int16_columns_simd = _columns_intrinsic(integer=True)
_short_columns_simd = _columns_intrinsic(integer=True, short_input=True)
_dense_columns_skip_simd = _columns_intrinsic(integer=False, skip_zero=True)
_short_columns_skip_simd = _columns_intrinsic(integer=True, short_input=True, skip_zero=True)
_sparse24_groups_simd = _groups24_intrinsic()
_int16_sparse24_groups_simd = _groups24_int16_intrinsic()


@njit(**JIT_FAST)
def _crelu(x: np.float32) -> np.float32:
    return min(max(x, np.float32(0.0)), np.float32(1.0))


@njit(**JIT_FAST)
def dense_columns_portable(params: np.ndarray, weights: int, pre: int, chunks: int, b2: int, w3: int,
                           unscale: np.float32) -> np.float32:
    """``dense_columns`` in plain loops, one unit at a time."""
    out = np.float32(0.0)
    for k in range(OUTPUTS):
        s = params[b2 + k]
        for i in range(16 * chunks):
            s += params[weights + i * OUTPUTS + k] * _crelu(params[pre + i])
        out += params[w3 + k] * _crelu(s)
    return out


@njit(**JIT_FAST)
def int16_columns_portable(params: np.ndarray, weights: int, pre: int, chunks: int, b2: int, w3: int,
                           unscale: np.float32) -> np.float32:
    """``int16_columns`` in plain loops: int16 activations, int32 sums, one unit at a time."""
    shorts = params.view(np.int16)
    out = np.float32(0.0)
    for k in range(OUTPUTS):
        s = np.int32(0)
        for i in range(32 * chunks):
            x = np.int32(np.floor(_crelu(params[pre + i]) * np.float32(127.0) + np.float32(0.5)))
            s += np.int32(shorts[2 * (weights + (i // 2) * OUTPUTS + k) + i % 2]) * x
        out += params[w3 + k] * _crelu(np.float32(s) * unscale + params[b2 + k])
    return out


@njit(**JIT_FAST)
def short_columns_portable(params: np.ndarray, weights: int, pre: int, chunks: int, b2: int, w3: int,
                           unscale: np.float32) -> np.float32:
    """``short_columns`` in plain loops: int16 accumulators at ``pre`` (int16 units) clipped
    to ``[0, 127]``, int32 sums, one unit at a time."""
    shorts = params.view(np.int16)
    out = np.float32(0.0)
    for k in range(OUTPUTS):
        s = np.int32(0)
        for i in range(32 * chunks):
            x = np.int32(min(max(np.int32(shorts[pre + i]), np.int32(0)), np.int32(127)))
            s += np.int32(shorts[2 * (weights + (i // 2) * OUTPUTS + k) + i % 2]) * x
        out += params[w3 + k] * _crelu(np.float32(s) * unscale + params[b2 + k])
    return out


@njit(**JIT_FAST)
def sparse24_groups_portable(params: np.ndarray, values: int, selectors: int, pre: int, chunks: int, b2: int,
                             w3: int) -> np.float32:
    """``sparse24_groups`` in plain loops: one unit at a time, one load per kept weight."""
    ints = params.view(np.int32)
    out = np.float32(0.0)
    for k in range(OUTPUTS):
        s = params[b2 + k]
        for c in range(chunks):
            for slot in range(8):  # 4 groups x 2 slots
                at = (c * 8 + slot) * OUTPUTS + k
                s += params[values + at] * _crelu(params[pre + 16 * c + ints[selectors + at]])
        out += params[w3 + k] * _crelu(s)
    return out


@njit(**JIT_FAST)
def int16_sparse24_groups_portable(params: np.ndarray, values: int, selectors: int, pre: int, chunks: int, b2: int,
                                   w3: int, unscale: np.float32) -> np.float32:
    """``int16_sparse24_groups`` in plain loops: int16 activations, int32 sums, one unit at a time."""
    shorts = params.view(np.int16)
    out = np.float32(0.0)
    for k in range(OUTPUTS):
        s = np.int32(0)
        for c in range(chunks):
            for q in range(8):
                for slot in range(2):
                    at = c * 512 + q * 64 + (k // 16) * 32 + (k % 16) * 2 + slot
                    x = _crelu(params[pre + 32 * c + shorts[2 * selectors + at]])
                    s += np.int32(shorts[2 * values + at]) * np.int32(np.floor(x * np.float32(127.0) + np.float32(0.5)))
        out += params[w3 + k] * _crelu(np.float32(s) * unscale + params[b2 + k])
    return out


if HAVE_AVX512:
    @njit(**JIT_FAST)
    def dense_columns(params: np.ndarray, weights: int, pre: int, chunks: int, b2: int, w3: int,
                      unscale: np.float32) -> np.float32:
        return _dense_columns_simd(params, weights, pre, chunks, b2, w3, unscale)

    @njit(**JIT_FAST)
    def int16_columns(params: np.ndarray, weights: int, pre: int, chunks: int, b2: int, w3: int,
                      unscale: np.float32) -> np.float32:
        return _int16_columns_simd(params, weights, pre, chunks, b2, w3, unscale)

    @njit(**JIT_FAST)
    def short_columns(params: np.ndarray, weights: int, pre: int, chunks: int, b2: int, w3: int,
                      unscale: np.float32) -> np.float32:
        return _short_columns_simd(params, weights, pre, chunks, b2, w3, unscale)

    @njit(**JIT_FAST)
    def dense_columns_skip(params: np.ndarray, weights: int, pre: int, chunks: int, b2: int, w3: int,
                           unscale: np.float32) -> np.float32:
        return _dense_columns_skip_simd(params, weights, pre, chunks, b2, w3, unscale)

    @njit(**JIT_FAST)
    def short_columns_skip(params: np.ndarray, weights: int, pre: int, chunks: int, b2: int, w3: int,
                           unscale: np.float32) -> np.float32:
        return _short_columns_skip_simd(params, weights, pre, chunks, b2, w3, unscale)

    @njit(**JIT_FAST)
    def sparse24_groups(params: np.ndarray, values: int, selectors: int, pre: int, chunks: int, b2: int,
                        w3: int) -> np.float32:
        return _sparse24_groups_simd(params, values, selectors, pre, chunks, b2, w3)

    @njit(**JIT_FAST)
    def int16_sparse24_groups(params: np.ndarray, values: int, selectors: int, pre: int, chunks: int, b2: int,
                              w3: int, unscale: np.float32) -> np.float32:
        return _int16_sparse24_groups_simd(params, values, selectors, pre, chunks, b2, w3, unscale)
else:
    dense_columns = dense_columns_skip = dense_columns_portable
    int16_columns = int16_columns_portable
    short_columns = short_columns_skip = short_columns_portable
    sparse24_groups = sparse24_groups_portable
    int16_sparse24_groups = int16_sparse24_groups_portable
