"""How a net's weights are stored: dense, 2:4-compressed, CSR, and quantised (no torch).

Every format holds the same net, ``inputs -> hidden -> 32 -> 1``; they differ in how the
two big weight matrices are written down. ``encode`` turns dense float arrays into a
format's arrays, ``decode`` turns them back (exactly, for the float formats), and
``check`` refuses arrays that do not make the format, in one line.

- ``dense``: ``w1[inputs, hidden]`` (one row per input feature), ``b1``, ``w2[32, hidden]``,
  ``b2``, ``w3[32]``, ``b3[1]``. Structured pruning also ends here: a shrunk net is a
  smaller dense net.
- ``2:4``: in every group of 4 consecutive *input* weights of a unit, 2 are zero (both
  layers). Per matrix (torch orientation ``[out, in]``): ``<w>_values[out, in/2]``, the
  kept weights in input order, and ``<w>_positions[out, in/8]`` (uint8), the kept
  weights' places inside their group, 2 bits each, four to a byte.
- ``csr``: compressed sparse rows. ``w1`` by input feature (the rows the accumulator
  adds), ``w2`` by output unit: ``<w>_values[nnz]``, ``<w>_indices[nnz]`` (int16: the
  column), ``<w>_indptr[rows + 1]`` (int32).

In a two-perspective net (``sizes`` with a fifth entry) only ``w2`` takes the sparse
format: ``w1`` is a feature transformer, whose rows the accumulators add and subtract
(its cost is those updates, not a product), and is stored dense in every format.

Quantisation (``quant="int8"``, any format), the classic NNUE scheme: the first layer in
int16 at scale 127 (the clipped activation's 1.0 is 127), the second layer's weights in
int8 at a per-tensor scale ``w2_scale`` (largest weight -> 127) and its biases in int32
at ``127 * w2_scale``; the 32-weight output layer stays float. ``decode`` dequantises.
"""

from __future__ import annotations

import numpy as np

FORMATS = ("dense", "2:4", "csr")
QUANTS = (None, "int8")
#: The clipped activation's 1.0 in the quantised first layer.
Q_ACT = 127
SMALL = ("b1", "b2", "w3", "b3")


class FormatError(ValueError):
    """Arrays that do not make the format they claim (the caller adds the file name)."""


def layer_sizes(sizes: list[int]) -> tuple[int, int, int, int]:
    """``(inputs, hidden, second layer's fan-in, second layer's width)`` of a manifest's
    ``sizes``: ``[inputs, hidden, 32, 1]``, or with a fifth entry, the perspectives whose
    accumulators the second layer reads side by side (``arch.Arch.sizes``)."""
    n_in, hidden, h2 = sizes[0], sizes[1], sizes[2]
    perspectives = sizes[4] if len(sizes) > 4 else 1
    return n_in, hidden, perspectives * hidden, h2


def sparse_matrices(sizes: list[int]) -> tuple[str, ...]:
    """The matrices a sparse format compresses: both, or ``w2`` alone in a two-perspective net."""
    return ("w2",) if len(sizes) > 4 and sizes[4] > 1 else ("w1", "w2")


def dense_shapes(sizes: list[int]) -> dict[str, tuple]:
    n_in, hidden, fan_in, h2 = layer_sizes(sizes)
    return {"w1": (n_in, hidden), "b1": (hidden,), "w2": (h2, fan_in), "b2": (h2,), "w3": (h2,), "b3": (1,)}


# -- 2:4 ----------------------------------------------------------------------------------------
def is_24(matrix: np.ndarray) -> bool:
    """Every group of 4 consecutive entries along the last axis holds at least 2 zeros."""
    out, n_in = matrix.shape
    if n_in % 4:
        return False
    return bool(np.all(np.count_nonzero(matrix.reshape(out, n_in // 4, 4), axis=2) <= 2))


def compress_24(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values[out, w/2], positions[out, w/8])`` of a 2:4 matrix ``[out, in]``, where ``w``
    is ``in`` rounded up to a multiple of 8 (zero columns pad the last byte of positions)."""
    out, n_in = matrix.shape
    if n_in % 4:
        raise FormatError(f"2:4 needs the input width to be a multiple of 4, not {n_in}")
    if not is_24(matrix):
        raise FormatError("the matrix is not 2:4 sparse (a group of 4 holds more than 2 non-zeros)")
    width = _padded(n_in)
    groups = np.pad(matrix, ((0, 0), (0, width - n_in))).reshape(out, width // 4, 4)
    # The two kept places of each group: its non-zeros, padded with zeros' places, in order.
    order = np.argsort(groups == 0, axis=2, kind="stable")[:, :, :2]
    kept = np.sort(order, axis=2)
    values = np.take_along_axis(groups, kept, axis=2).reshape(out, width // 2)
    places = kept.reshape(out, width // 8, 4).astype(np.uint8)
    positions = places[..., 0] | places[..., 1] << 2 | places[..., 2] << 4 | places[..., 3] << 6
    return np.ascontiguousarray(values), positions.astype(np.uint8)


def _padded(n_in: int) -> int:
    return -(-n_in // 8) * 8


def kept_places(positions: np.ndarray) -> np.ndarray:
    """Unpack 2-bit positions ``[out, in/8]`` -> places inside their group ``[out, in/2]``."""
    p = positions.astype(np.int64)
    return np.stack([p & 3, (p >> 2) & 3, (p >> 4) & 3, (p >> 6) & 3], axis=2).reshape(p.shape[0], -1)


def kept_columns(positions: np.ndarray) -> np.ndarray:
    """Column (input) of every kept value ``[out, in/2]``."""
    places = kept_places(positions)
    return places + 4 * (np.arange(places.shape[1]) // 2)[None, :]


def expand_24(values: np.ndarray, positions: np.ndarray, n_in: int) -> np.ndarray:
    matrix = np.zeros((values.shape[0], _padded(n_in)), dtype=values.dtype)
    np.put_along_axis(matrix, kept_columns(positions), values, axis=1)
    return np.ascontiguousarray(matrix[:, :n_in])


# -- CSR ------------------------------------------------------------------------------------------
def compress_csr(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(matrix)
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=matrix.shape[0]), out=indptr[1:])
    return matrix[rows, cols], cols.astype(np.int16), indptr


def expand_csr(values: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple) -> np.ndarray:
    matrix = np.zeros(shape, dtype=values.dtype)
    rows = np.repeat(np.arange(shape[0]), np.diff(indptr))
    matrix[rows, indices.astype(np.int64)] = values
    return matrix


# -- quantisation -------------------------------------------------------------------------------
def quantise(dense: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """int16 first layer, int8 second layer (+ its scale), float output layer."""
    w2_max = float(np.max(np.abs(dense["w2"]))) or 1.0
    scale = np.float32(127.0 / w2_max)
    limit = np.iinfo(np.int16).max
    if max(np.max(np.abs(dense["w1"])), np.max(np.abs(dense["b1"]))) * Q_ACT > limit:
        raise FormatError("first-layer weights too large for int16 at scale 127")
    return {"w1": np.round(dense["w1"] * Q_ACT).astype(np.int16), "b1": np.round(dense["b1"] * Q_ACT).astype(np.int16),
            "w2": np.clip(np.round(dense["w2"] * scale), -127, 127).astype(np.int8),
            "b2": np.round(dense["b2"] * (Q_ACT * scale)).astype(np.int32),
            "w3": dense["w3"].astype(np.float32), "b3": dense["b3"].astype(np.float32),
            "w2_scale": np.array([scale], dtype=np.float32)}


def dequantise(q: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    scale = float(q["w2_scale"][0])
    return {"w1": (q["w1"] / np.float32(Q_ACT)).astype(np.float32), "b1": (q["b1"] / np.float32(Q_ACT)).astype(np.float32),
            "w2": (q["w2"] / np.float32(scale)).astype(np.float32),
            "b2": (q["b2"] / np.float32(Q_ACT * scale)).astype(np.float32),
            "w3": q["w3"].astype(np.float32), "b3": q["b3"].astype(np.float32)}


# -- whole nets -------------------------------------------------------------------------------------
def encode(dense: dict[str, np.ndarray], fmt: str, quant: str | None,
           sparse: tuple[str, ...] = ("w1", "w2")) -> dict[str, np.ndarray]:
    """A net's stored arrays in format ``fmt`` (quantised first if ``quant``); ``sparse``:
    the matrices the format compresses (``sparse_matrices``), the others stay dense."""
    if fmt not in FORMATS:
        raise FormatError(f"unknown net format {fmt!r}: choose from {', '.join(FORMATS)}")
    if quant not in QUANTS:
        raise FormatError(f"unknown quantisation {quant!r}: choose from int8 or none")
    arrays = quantise(dense) if quant else {k: np.asarray(v, dtype=np.float32) for k, v in dense.items()}
    if fmt == "dense":
        return arrays
    stored = {k: arrays[k] for k in SMALL + tuple(k for k in ("w1", "w2") if k not in sparse)}
    if quant:
        stored["w2_scale"] = arrays["w2_scale"]
    matrices = {"w1": arrays["w1"].T, "w2": arrays["w2"]} if fmt == "2:4" else {"w1": arrays["w1"], "w2": arrays["w2"]}
    for name in sparse:
        matrix = matrices[name]
        if fmt == "2:4":
            stored[f"{name}_values"], stored[f"{name}_positions"] = compress_24(matrix)
        else:
            stored[f"{name}_values"], stored[f"{name}_indices"], stored[f"{name}_indptr"] = compress_csr(matrix)
    return stored


def decode_raw(arrays: dict[str, np.ndarray], fmt: str, sizes: list[int]) -> dict[str, np.ndarray]:
    """The dense arrays in the stored number type (quantised integers stay integers)."""
    shapes = dense_shapes(sizes)
    if fmt == "dense":
        return {k: v for k, v in arrays.items() if k != "w2_scale"}
    sparse = sparse_matrices(sizes)
    dense = {k: arrays[k] for k in SMALL + tuple(k for k in ("w1", "w2") if k not in sparse)}
    if fmt == "2:4":
        if "w1" in sparse:
            dense["w1"] = np.ascontiguousarray(expand_24(arrays["w1_values"], arrays["w1_positions"], sizes[0]).T)
        dense["w2"] = expand_24(arrays["w2_values"], arrays["w2_positions"], layer_sizes(sizes)[2])
    else:
        for name in sparse:
            dense[name] = expand_csr(arrays[f"{name}_values"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"],
                                     shapes[name])
    return dense


def decode(arrays: dict[str, np.ndarray], fmt: str, quant: str | None, sizes: list[int]) -> dict[str, np.ndarray]:
    """Dense float32 arrays of a stored net (what the net computes, up to quantised activations)."""
    raw = decode_raw(arrays, fmt, sizes)
    if quant:
        return dequantise({**raw, "w2_scale": arrays["w2_scale"]})
    return {k: np.asarray(v, dtype=np.float32) for k, v in raw.items()}


def expected_arrays(fmt: str, quant: str | None, sizes: list[int]) -> dict[str, tuple[tuple | None, str]]:
    """Name -> (shape or None when it depends on the number of non-zeros, dtype kind) of a format."""
    n_in, hidden, fan_in, h2 = layer_sizes(sizes)
    shapes = dense_shapes(sizes)
    w_type = {"w1": "int16" if quant else "float32", "w2": "int8" if quant else "float32"}
    small = {"b1": "int16" if quant else "float32", "b2": "int32" if quant else "float32",
             "w3": "float32", "b3": "float32"}
    expected: dict[str, tuple[tuple | None, str]] = {k: (shapes[k], t) for k, t in small.items()}
    if quant:
        expected["w2_scale"] = ((1,), "float32")
    sparse = () if fmt == "dense" else sparse_matrices(sizes)
    expected.update({k: (shapes[k], w_type[k]) for k in ("w1", "w2") if k not in sparse})
    if fmt == "2:4":
        for name, (out, width) in {"w1": (hidden, n_in), "w2": (h2, fan_in)}.items():
            if name not in sparse:
                continue
            expected[f"{name}_values"] = ((out, _padded(width) // 2), w_type[name])
            expected[f"{name}_positions"] = ((out, _padded(width) // 8), "uint8")
    elif fmt == "csr":
        for name, rows in {"w1": n_in, "w2": h2}.items():
            if name not in sparse:
                continue
            expected[f"{name}_values"] = (None, w_type[name])
            expected[f"{name}_indices"] = (None, "int16")
            expected[f"{name}_indptr"] = ((rows + 1,), "int32")
    return expected


def check(arrays: dict[str, np.ndarray], fmt: str, quant: str | None, sizes: list[int]) -> None:
    """Raise ``FormatError`` unless ``arrays`` make a net of this format and size."""
    if fmt not in FORMATS:
        raise FormatError(f"net format {fmt!r} is not supported by this version ({', '.join(FORMATS)})")
    if quant not in QUANTS:
        raise FormatError(f"quantisation {quant!r} is not supported by this version (int8 or none)")
    expected = expected_arrays(fmt, quant, sizes)
    if set(arrays) != set(expected):
        raise FormatError(f"arrays {sorted(arrays)} do not make a {fmt}{' int8' if quant else ''} net "
                          f"({', '.join(sorted(expected))})")
    for name, (shape, dtype) in expected.items():
        a = arrays[name]
        if shape is not None and a.shape != shape:
            raise FormatError(f"{name} has shape {a.shape}, the manifest's sizes need {shape}")
        if a.dtype != np.dtype(dtype):
            raise FormatError(f"{name} is {a.dtype}, the format needs {dtype}")
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise FormatError(f"{name} holds NaN or infinite values")
    if fmt == "csr":
        _, hidden, fan_in, _ = layer_sizes(sizes)
        for name, width in (("w1", hidden), ("w2", fan_in)):
            if name not in sparse_matrices(sizes):
                continue
            values, indices, indptr = (arrays[f"{name}_{k}"] for k in ("values", "indices", "indptr"))
            if (values.ndim != 1 or values.shape != indices.shape or indptr[0] != 0 or np.any(np.diff(indptr) < 0)
                    or indptr[-1] != values.size or (indices.size and (indices.min() < 0 or indices.max() >= width))):
                raise FormatError(f"{name}: the CSR arrays do not agree (index pointers, sizes or columns)")
    if fmt == "2:4":
        n_in, _, fan_in, _ = layer_sizes(sizes)
        widths = {"w1": n_in, "w2": fan_in}
        if any(widths[name] % 4 for name in sparse_matrices(sizes)):
            raise FormatError(f"2:4 needs widths that are multiples of 4, not {sizes[:2]}")


def nonzeros(dense: dict[str, np.ndarray]) -> int:
    return int(sum(np.count_nonzero(v) for k, v in dense.items() if k in ("w1", "b1", "w2", "b2", "w3", "b3")))
