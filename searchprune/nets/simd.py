"""The 2:4 dot product with AVX-512 register permutes, and its portable fallback.

A 2:4 row keeps 2 weights in every group of 4 inputs, so 16 kept weights always come
from the same 32 inputs (8 groups): a window. Their inputs can be picked out of two
512-bit registers holding those 32 activations by one two-source permute
(``vpermi2ps``), with the kept weight's column inside the window as the permute index.
That replaces the scattered loads (a gather, or one load per weight) that made a plain
2:4 kernel about 5x slower than the dense one, and does half the multiply-adds of the
dense row.

Numba cannot name that instruction, so ``dot24`` is a Numba intrinsic that writes the
loop in LLVM IR. It compiles only where the CPU has AVX-512F (``HAVE_AVX512``) and Numba
targets the host CPU; elsewhere ``dot24`` is ``dot24_gather``, the same sum with one
load per kept weight. Both read from ``params``: values at ``values``, window-local
columns (int32 bit patterns) at ``columns``, the activations at ``act``; ``windows``
windows of 16 kept weights.
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
_FAST = ("fast",)


def _host_has_avx512() -> bool:
    if numba_config.CPU_NAME not in (None, "host"):  # a portable (generic) target: no AVX-512 assumed
        return False
    try:
        import llvmlite.binding as llvm

        return "+avx512f" in llvm.get_host_cpu_features().flatten().split(",")
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


@intrinsic
def _dot24_permute(typingctx, params, values, columns, act, windows):
    signature = types.float32(params, types.int64, types.int64, types.int64, types.int64)

    def codegen(context, builder, sig, args):
        array, values, columns, act, windows = args
        base = context.make_array(sig.args[0])(context, builder, array).data
        ints = builder.bitcast(base, _I32.as_pointer())
        permute = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VF, [_VF, _VI, _VF]),
                                                 "llvm.x86.avx512.vpermi2var.ps.512")
        total = cgutils.alloca_once_value(builder, ir.Constant(_VF, [0.0] * 16))
        with cgutils.for_range(builder, windows) as loop:
            sixteen = builder.mul(loop.index, ir.Constant(loop.index.type, 16))
            weights = _load(builder, base, builder.add(values, sixteen), _VF)
            index = _load(builder, ints, builder.add(columns, sixteen), _VI)
            window = builder.add(act, builder.add(sixteen, sixteen))
            low = _load(builder, base, window, _VF)
            high = _load(builder, base, builder.add(window, ir.Constant(window.type, 16)), _VF)
            picked = builder.call(permute, [low, index, high])
            product = builder.fmul(weights, picked, flags=_FAST)
            builder.store(builder.fadd(builder.load(total), product, flags=_FAST), total)
        return _horizontal_sum(builder, builder.load(total))

    return signature, codegen


@njit(**JIT_FAST)
def dot24_gather(params: np.ndarray, values: int, columns: int, act: int, windows: int) -> np.float32:
    """The portable 2:4 dot product: one load per kept weight."""
    n = windows * 16
    v = params[values:values + n]
    c = params.view(np.int32)[columns:columns + n]
    a = params[act:act + windows * 32]
    s = np.float32(0.0)
    for k in range(n):
        s += v[k] * a[c[k] + ((k >> 4) << 5)]
    return s


if HAVE_AVX512:
    @njit(**JIT_FAST)
    def dot24(params: np.ndarray, values: int, columns: int, act: int, windows: int) -> np.float32:
        return _dot24_permute(params, values, columns, act, windows)
else:
    dot24 = dot24_gather
