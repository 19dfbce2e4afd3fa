"""Write a zero-weight evaluation file (``eval.dat``) that Edax 4.6 loads.

    python bench/edax_zero_eval.py [/work/ref/edax/data/eval.dat]

Edax's trained weights cannot be downloaded here, and its exact endgame solver still
needs *an* evaluation file (it orders moves with it and refuses to start without one).
With every weight zero, Edax's midgame evaluation is 0 everywhere; the solve stays
exact, only its move ordering (and so its node count) is worse than with the trained
weights.

Written from reading ``eval_open()`` in ``src/eval.c`` of ``abulmo/edax-reversi``,
commit ``14f048c05ddfa385b6bf954a9c2905bbe677e9d3`` (2025-03-10, Edax 4.6). That
function reads, in the machine's byte order (little-endian here):

- ``uint32`` ``EDAX`` = 0x45444158 and ``uint32`` ``EVAL`` = 0x4556414c (``const.h``);
- ``uint32`` version, release, build, then a ``double`` date (no padding: each is an
  ``fread`` of its own);
- for each of ``EVAL_N_PLY`` = 61 plies, ``n_w`` = 114364 packed ``int16`` weights
  (the sum of ``EVAL_PACKED_SIZE`` = 10206 + 29889 + 2*29646 + 4*3321 + 1134 + 378
  + 135 + 45 + 1).

So the file is 28 + 61 * 114364 * 2 = 13,952,436 bytes. Version 0.0.0 marks it as
ours (Edax prints "weights version 0.0.0 loaded"; it does not check the version).
No Edax code is copied here.
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

EDAX, EVAL = 0x45444158, 0x4556414C
N_PLY = 61
PACKED_SIZES = (10206, 29889, 29646, 29646, 3321, 3321, 3321, 3321, 1134, 378, 135, 45, 1)
N_WEIGHTS = sum(PACKED_SIZES)  # 114364, Edax's n_w
HEADER = struct.Struct("<5Id")  # EDAX, EVAL, version, release, build, date
FILE_SIZE = HEADER.size + N_PLY * N_WEIGHTS * 2


def write_zero_eval(path: Path) -> int:
    """Write the zero-weight file at ``path`` (folders made); return its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(HEADER.pack(EDAX, EVAL, 0, 0, 0, 0.0))
        handle.write(bytes(N_PLY * N_WEIGHTS * 2))
    size = path.stat().st_size
    assert size == FILE_SIZE, (size, FILE_SIZE)
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=Path("/work/ref/edax/data/eval.dat"))
    args = parser.parse_args(argv)
    size = write_zero_eval(args.path)
    print(f"wrote {args.path} ({size:,} bytes, {N_PLY} plies x {N_WEIGHTS} zero weights)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
