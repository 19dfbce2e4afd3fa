"""A monotonic clock that compiled kernels can read without taking the GIL.

``monotonic_ns()`` is plain ``time.monotonic_ns`` in Python (and under
``NUMBA_DISABLE_JIT=1``); inside a kernel it compiles to one ``clock_gettime(
CLOCK_MONOTONIC)`` call, the same clock, so a deadline computed in Python is
comparable with what the kernel reads. The call links by symbol name, not by address,
so kernels that use it stay in Numba's on-disk cache (a ctypes function pointer would
not), and it needs no ``objmode`` block, which would take the GIL on every poll.
"""

from __future__ import annotations

import time

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

_CLOCK_MONOTONIC = 1  # from <time.h> on Linux


def monotonic_ns() -> int:
    """Nanoseconds on the monotonic clock."""
    return time.monotonic_ns()


@intrinsic
def _clock_gettime_ns(typingctx):  # pragma: no cover - runs only when compiled
    def codegen(context, builder, signature, args):
        i64, i32 = ir.IntType(64), ir.IntType(32)
        timespec = ir.LiteralStructType([i64, i64])
        fnty = ir.FunctionType(i32, [i32, timespec.as_pointer()])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "clock_gettime")
        ts = cgutils.alloca_once(builder, timespec)
        builder.call(fn, [ir.Constant(i32, _CLOCK_MONOTONIC), ts])
        sec = builder.load(cgutils.gep_inbounds(builder, ts, 0, 0))
        nsec = builder.load(cgutils.gep_inbounds(builder, ts, 0, 1))
        return builder.add(builder.mul(sec, ir.Constant(i64, 1_000_000_000)), nsec)

    return types.int64(), codegen


@overload(monotonic_ns)
def _monotonic_ns_compiled():  # pragma: no cover - runs only when compiled
    def impl():
        return _clock_gettime_ns()

    return impl
