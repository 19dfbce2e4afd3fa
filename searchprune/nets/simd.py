"""Second-layer row kernels with AVX-512 vectors written in LLVM IR, and portable fallbacks.

The second layer is 32 dot products of weight rows with the hidden activations. Its
kernels take four rows at a time (``*_rows4``): the four share each load of the
activations, and their four sums are reduced together (five shuffle-and-add steps,
not sixteen).

2:4 rows keep 2 weights in every group of 4 inputs, so 16 kept weights always come from
the same 32 inputs (8 groups): a window. Their inputs can be picked out of the two
512-bit registers holding those 32 activations by one two-source permute
(``vpermi2ps``), with the kept weight's column inside the window as the permute index.
That replaces the scattered loads (a gather, or one load per weight) that made a plain
2:4 kernel about 5x slower than the dense one, and does half the multiply-adds of the
dense row.

Numba cannot name that instruction, so the kernels are Numba intrinsics that write the
loop in LLVM IR. They compile only where the CPU has AVX-512F (``HAVE_AVX512``) and
Numba targets the host CPU; elsewhere ``dense_rows4``/``sparse24_rows4`` are the
portable Numba versions (``*_portable``), which compute the same sums. All read from
``params``: row weights at ``weights`` (rows ``stride`` floats apart), 2:4 window-local
columns (uint8, rows ``stride`` bytes apart) at byte offset ``columns``, the activations
at ``act`` (zero-padded to whole windows); ``windows`` windows of 32 inputs.
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
_I8 = ir.IntType(8)
_V8 = ir.VectorType(_I8, 16)
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


def _shuffle(builder, a, b, lanes):
    return builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(_I32, len(lanes)), lanes))


def _sum_four(builder, vectors):
    """Four 16-lane vectors -> one vector whose lanes 0, 4, 8 and 12 hold their sums.

    Adding halves of two vectors at a time merges them, so four sums cost five
    shuffle-and-add steps instead of four separate reductions of four steps each.
    """
    low, high = list(range(8)) + list(range(16, 24)), list(range(8, 16)) + list(range(24, 32))
    ab = builder.fadd(_shuffle(builder, vectors[0], vectors[1], low), _shuffle(builder, vectors[0], vectors[1], high),
                      flags=_FAST)
    cd = builder.fadd(_shuffle(builder, vectors[2], vectors[3], low), _shuffle(builder, vectors[2], vectors[3], high),
                      flags=_FAST)
    quarter = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]
    v = builder.fadd(_shuffle(builder, ab, cd, quarter), _shuffle(builder, ab, cd, [i + 4 for i in quarter]),
                     flags=_FAST)
    v = builder.fadd(v, _shuffle(builder, v, v, [i ^ 2 for i in range(16)]), flags=_FAST)
    return builder.fadd(v, _shuffle(builder, v, v, [i ^ 1 for i in range(16)]), flags=_FAST)


def _rows4_intrinsic(kind: str):
    """Four rows' dot products with the activations, 32 inputs (one window) per step.

    Dense rows hold 32 weights per window; 2:4 rows hold 16 kept weights and their
    window-local columns (bytes, widened to the permute's 32-bit indices), and
    ``vpermi2ps`` picks each one's activation out of the two registers that hold the
    window. Byte columns rather than int32 ones: with 64-byte index loads the 2:4 rows
    measured 1.2x *slower* than dense, with 16-byte ones 1.3x faster (hidden 128 and 64).
    ``int16`` rows (offsets in int16 units) multiply 32 int16 weights by 32 int16
    activations per instruction (``vpmaddwd``), summed exactly in int32 lanes and
    returned as floats.
    """
    sparse, integer = kind == "2:4", kind == "int16"
    @intrinsic
    def rows4(typingctx, params, weights, columns, act, stride, windows):
        signature = types.UniTuple(types.float32, 4)(params, types.int64, types.int64, types.int64, types.int64,
                                                     types.int64)

        def codegen(context, builder, sig, args):
            array, weights, columns, act, stride, windows = args
            base = context.make_array(sig.args[0])(context, builder, array).data
            column_bytes = builder.bitcast(base, _I8.as_pointer())
            permute = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VF, [_VF, _VI, _VF]),
                                                     "llvm.x86.avx512.vpermi2var.ps.512")
            zero = ir.Constant(_VI, [0] * 16) if integer else ir.Constant(_VF, [0.0] * 16)
            sums = [cgutils.alloca_once_value(builder, zero) for _ in range(4)]
            shorts = builder.bitcast(base, _I16.as_pointer())
            madd = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VI, [_VS, _VS]),
                                                  "llvm.x86.avx512.pmaddw.d.512")
            i64 = stride.type
            with cgutils.for_range(builder, windows) as loop:
                step = builder.mul(loop.index, ir.Constant(i64, 16 if sparse else 32))
                window = builder.add(act, builder.mul(loop.index, ir.Constant(i64, 32)))
                if integer:
                    acts = _load(builder, shorts, window, _VS)
                else:
                    low = _load(builder, base, window, _VF)
                    high = _load(builder, base, builder.add(window, ir.Constant(i64, 16)), _VF)
                for r in range(4):
                    row = builder.add(builder.mul(stride, ir.Constant(i64, r)), step)
                    at = builder.add(weights, row)
                    if integer:
                        product = builder.call(madd, [_load(builder, shorts, at, _VS), acts])
                        builder.store(builder.add(builder.load(sums[r]), product), sums[r])
                        continue
                    if sparse:
                        index = builder.zext(_load(builder, column_bytes, builder.add(columns, row), _V8), _VI)
                        picked = builder.call(permute, [low, index, high])
                        product = builder.fmul(_load(builder, base, at, _VF), picked, flags=_FAST)
                    else:
                        product = builder.fadd(
                            builder.fmul(_load(builder, base, at, _VF), low, flags=_FAST),
                            builder.fmul(_load(builder, base, builder.add(at, ir.Constant(i64, 16)), _VF), high,
                                         flags=_FAST), flags=_FAST)
                    builder.store(builder.fadd(builder.load(sums[r]), product, flags=_FAST), sums[r])
            if integer:  # exact: |sums| stay far below 2**24
                sums = [cgutils.alloca_once_value(builder, builder.sitofp(builder.load(t), _VF)) for t in sums]
            total = _sum_four(builder, [builder.load(t) for t in sums])
            lanes = [builder.extract_element(total, ir.Constant(_I32, 4 * r)) for r in range(4)]
            return context.make_tuple(builder, sig.return_type, lanes)

        return signature, codegen

    return rows4


_dense_rows4_simd = _rows4_intrinsic("dense")
_sparse24_rows4_simd = _rows4_intrinsic("2:4")
_int16_rows4_simd = _rows4_intrinsic("int16")


@njit(**JIT_FAST)
def dense_rows4_portable(params: np.ndarray, weights: int, columns: int, act: int, stride: int, windows: int):
    """Four dense rows (``stride`` apart) times the activations: one dot product each."""
    n = windows * 32
    a = params[act:act + n]
    s0 = s1 = s2 = s3 = np.float32(0.0)
    w0 = params[weights:weights + n]
    w1 = params[weights + stride:weights + stride + n]
    w2 = params[weights + 2 * stride:weights + 2 * stride + n]
    w3 = params[weights + 3 * stride:weights + 3 * stride + n]
    for i in range(n):
        s0 += w0[i] * a[i]
        s1 += w1[i] * a[i]
        s2 += w2[i] * a[i]
        s3 += w3[i] * a[i]
    return s0, s1, s2, s3


@njit(**JIT_FAST)
def sparse24_rows4_portable(params: np.ndarray, weights: int, columns: int, act: int, stride: int, windows: int):
    """Four 2:4 rows times the activations: one load per kept weight."""
    return (dot24_gather(params, weights, columns, act, windows),
            dot24_gather(params, weights + stride, columns + stride, act, windows),
            dot24_gather(params, weights + 2 * stride, columns + 2 * stride, act, windows),
            dot24_gather(params, weights + 3 * stride, columns + 3 * stride, act, windows))
@njit(**JIT_FAST)
def int16_rows4_portable(params: np.ndarray, weights: int, columns: int, act: int, stride: int, windows: int):
    """Four int16 rows times the int16 activations (offsets in int16 units), summed in int32."""
    n = windows * 32
    shorts = params.view(np.int16)
    a = shorts[act:act + n]
    w0 = shorts[weights:weights + n]
    w1 = shorts[weights + stride:weights + stride + n]
    w2 = shorts[weights + 2 * stride:weights + 2 * stride + n]
    w3 = shorts[weights + 3 * stride:weights + 3 * stride + n]
    s0 = s1 = s2 = s3 = np.int32(0)
    for i in range(n):
        x = np.int32(a[i])
        s0 += np.int32(w0[i]) * x
        s1 += np.int32(w1[i]) * x
        s2 += np.int32(w2[i]) * x
        s3 += np.int32(w3[i]) * x
    return np.float32(s0), np.float32(s1), np.float32(s2), np.float32(s3)


@njit(**JIT_FAST)
def dot24_gather(params: np.ndarray, values: int, columns: int, act: int, windows: int) -> np.float32:
    """One 2:4 row times the activations, one load per kept weight (``columns``: a byte offset)."""
    n = windows * 16
    v = params[values:values + n]
    c = params.view(np.uint8)[columns:columns + n]
    a = params[act:act + windows * 32]
    s = np.float32(0.0)
    for k in range(n):
        s += v[k] * a[np.int64(c[k]) + ((k >> 4) << 5)]
    return s


if HAVE_AVX512:
    @njit(**JIT_FAST)
    def dense_rows4(params: np.ndarray, weights: int, columns: int, act: int, stride: int, windows: int):
        return _dense_rows4_simd(params, weights, columns, act, stride, windows)

    @njit(**JIT_FAST)
    def sparse24_rows4(params: np.ndarray, weights: int, columns: int, act: int, stride: int, windows: int):
        return _sparse24_rows4_simd(params, weights, columns, act, stride, windows)

    @njit(**JIT_FAST)
    def int16_rows4(params: np.ndarray, weights: int, columns: int, act: int, stride: int, windows: int):
        return _int16_rows4_simd(params, weights, columns, act, stride, windows)
else:
    dense_rows4 = dense_rows4_portable
    sparse24_rows4 = sparse24_rows4_portable
    int16_rows4 = int16_rows4_portable
