"""The two-perspective chess net (``chess-dual``) in the torch-free runtime, against torch.

The oracle is ``searchprune.nets.nnue.ChessNnue`` (torch) on positions set up through
python-chess; the incremental accumulators are checked against a refresh from the
board after random walks with every kind of move, null moves and take-backs.
"""

from __future__ import annotations


import sys
from pathlib import Path

import chess
import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chess_boards import random_boards, random_dual_model  # noqa: E402

from searchprune.evaluation import infer  # noqa: E402
from searchprune.evaluation.store import load_net, read_net
from searchprune.games import get_game
from searchprune.games.chess import board as kernels
from searchprune.nets import nnue, packed
from searchprune.paths import shared_data_dir
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit


def _boards(count: int, seed: int = 1) -> list[chess.Board]:
    return random_boards(count, seed, (0, 80), unfinished=True)


def _torch_outputs(model: nnue.ChessNnue, boards: list[chess.Board]) -> np.ndarray:
    records = np.array([packed.pack(b, 0, packed.DRAW) for b in boards], dtype=packed.RECORD)
    stm, nstm = nnue.feature_indices(records)
    with torch.no_grad():
        return model(torch.from_numpy(stm), torch.from_numpy(nstm)).numpy()


@pytest.fixture(scope="module")
def dual(tmp_path_factory):
    model = random_dual_model(64)
    return model, read_net(nnue.export(model, tmp_path_factory.mktemp("nets")))


def test_the_net_file_says_what_it_is(dual):
    _, net = dual
    assert net.manifest["arch"] == "chess-dual" and net.manifest["sizes"] == [768, 64, 32, 1, 2]
    assert net.kernel == "searchprune.evaluation.infer:chess_dual_net"
    assert load_net(net.path, "chess").name == net.name


def test_float_evaluation_equals_torch(dual):
    model, net = dual
    boards = _boards(300)
    expected = _torch_outputs(model, boards)
    params = infer.pack(net)
    game = get_game("chess")
    for board, want in zip(boards, expected):
        state = game.parse_position(board.fen())
        infer.chess_dual_net_reset(state, params)
        assert abs(float(infer.chess_dual_forward(state, params)) - want) < 1e-5


def test_int8_evaluation_is_within_the_quantisation_error(tmp_path):
    """int16 first layer at scale 127, int8 second layer: the output moves by at most a few
    hundredths of a pawn on these random weights (measured: see the bound)."""
    model = random_dual_model(64, seed=2)
    net = read_net(nnue.export(model, tmp_path, quant="int8"))
    assert net.quant == "int8"
    boards = _boards(200, seed=3)
    expected = _torch_outputs(model, boards)
    params = infer.pack(net)
    game = get_game("chess")
    errors = []
    for board, want in zip(boards, expected):
        state = game.parse_position(board.fen())
        infer.chess_dual_net_reset(state, params)
        errors.append(abs(float(infer.chess_dual_forward(state, params)) - want))
    assert max(errors) < 0.1 and np.median(errors) < 0.03


def test_incremental_accumulators_equal_a_refresh(dual):
    _, net = dual
    game = get_game("chess")
    params, fresh = infer.pack(net), infer.pack(net)
    width = 2 * net.hidden
    rng = np.random.default_rng(3)  # a seed whose walks reach every kind of move
    fens = [line.split(";")[0].strip() for line in
            (shared_data_dir() / "chess" / "perft.epd").read_text().splitlines() if line.strip()]
    buf = np.zeros(kernels.MAX_MOVES, dtype=np.int64)
    kinds, checked = set(), 0
    for fen in fens:
        state = game.parse_position(fen)
        infer.chess_dual_net_reset(state, params)
        line: list[int] = []
        for _ in range(60):
            n = kernels.gen_moves(state, buf)
            if line and (n == 0 or rng.random() < 0.35):
                move = line.pop()
                kernels.unmake_null(state) if move == -1 else kernels.unmake(state, move)
            elif n and rng.random() < 0.1 and not kernels.in_check(state):
                kernels.make_null(state)
                infer.chess_dual_net_make(state, params)
                line.append(-1)
            elif n:
                move = int(buf[rng.integers(n)])
                kinds.add(move >> 12)
                kernels.make(state, move)
                infer.chess_dual_net_make(state, params)
                line.append(move)
            else:
                break
            infer.chess_dual_net_reset(state, fresh)
            at = infer._acc(params, state[kernels.HPLY], 0)  # side to move's, then the opponent's
            np.testing.assert_allclose(params[at:at + width], fresh[at:at + width], atol=1e-4)
            checked += 1
    assert checked > 1000
    assert kinds >= {0, 1, 4, 5, 6, 7}, "the walks must include promotions, en passant and castling"


def test_the_search_plays_with_it(dual):
    _, net = dual
    game = get_game("chess")
    searcher = Searcher(game, tt_mb=1, net=net)
    state = game.parse_position("r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3")
    result = searcher.search(state, Limit(depth=4))
    assert result.move in game.legal_moves(state)
    again = Searcher(game, tt_mb=1, net=net).search(state, Limit(depth=4))
    assert (again.move, again.score, again.info.nodes) == (result.move, result.score, result.info.nodes)


def test_int8_nets_keep_int16_accumulators_exactly(tmp_path, monkeypatch):
    """An int8 net's accumulators are int16 sums of its stored integer rows: after random
    walks they equal a refresh exactly, and the evaluation equals the float-accumulator
    path over the same dequantised weights."""
    model = random_dual_model(64, seed=4)
    net = read_net(nnue.export(model, tmp_path, quant="int8"))
    params, fresh = infer.pack(net), infer.pack(net)
    assert params[infer.P_SHORT] == 1 and params[infer.P_TAIL] == infer.TAIL_SHORT
    real = infer._parts
    monkeypatch.setattr(infer, "_parts", lambda n: __import__("dataclasses").replace(real(n), short_accumulators=False))
    floats = infer.pack(net)
    monkeypatch.undo()
    assert floats[infer.P_SHORT] == 0
    game = get_game("chess")
    shorts, fresh_shorts = params.view(np.int16), fresh.view(np.int16)
    width = 2 * net.hidden
    rng = np.random.default_rng(3)
    buf = np.zeros(kernels.MAX_MOVES, dtype=np.int64)
    checked = 0
    for board in _boards(20, seed=5):
        state = game.parse_position(board.fen())
        infer.chess_dual_net_reset(state, params)
        line: list[int] = []
        for _ in range(40):
            n = kernels.gen_moves(state, buf)
            if line and (n == 0 or rng.random() < 0.3):
                kernels.unmake(state, line.pop())
            elif n:
                line.append(int(buf[rng.integers(n)]))
                kernels.make(state, line[-1])
                infer.chess_dual_net_make(state, params)
            else:
                break
            infer.chess_dual_net_reset(state, fresh)
            at = infer._acc_in(params, 2, state[kernels.HPLY], 0)
            assert np.array_equal(shorts[at:at + width], fresh_shorts[at:at + width])
            infer.chess_dual_net_reset(state, floats)
            assert infer.chess_dual_net(state, params) == infer.chess_dual_net(state, floats)
            checked += 1
    assert checked > 300


@pytest.mark.parametrize("quant", [None, "int8"])
def test_the_zero_skipping_dense_layer_equals_the_dense_one(quant, tmp_path):
    """Activation sparsity (issue 18): the kernel that skips blocks of 4 zero activations
    gives the dense kernel's output on real positions, and with no, some or all of the
    accumulators' outputs zero."""
    from searchprune.evaluation import simd

    net = read_net(nnue.export(random_dual_model(64, seed=4), tmp_path, quant=quant))
    params, game = infer.pack(net), get_game("chess")
    short = bool(params[infer.P_SHORT])
    dense, skip = ((simd.short_columns, simd.short_columns_skip) if short
                   else (simd.dense_columns, simd.dense_columns_skip))
    width = 32 if short else 16
    fan_in = int(params[infer.P_L2_IN])
    chunks = -(-fan_in // width)
    unscale = np.float32(params[infer.P_AUX]) if short else np.float32(1.0)
    values = params.view(np.int16) if short else params
    zero, one = (0, 127) if short else (0.0, 1.0)
    seen = set()
    for board in _boards(60, seed=9):
        state = game.parse_position(board.fen())
        infer.chess_dual_net_reset(state, params)
        pre = infer._acc_in(params, infer._units(params), state[kernels.HPLY], 0)
        for case in ("real", "none zero", "all zero", "half zero"):
            acc = values[pre:pre + fan_in]
            if case == "none zero":
                acc[:] = np.clip(acc, one / 4, one) if short else np.clip(acc, 0.25, 1.0)
            elif case == "all zero":
                acc[:] = -1 if short else -0.5
            elif case == "half zero":
                acc[::2] = zero
            args = (params, int(params[infer.P_W2]), pre, chunks, int(params[infer.P_B2]), int(params[infer.P_W3]),
                    unscale)
            assert abs(float(skip(*args)) - float(dense(*args))) <= 1e-6, case
            seen.add((case, bool(np.any(np.clip(acc, 0, None) == 0))))
            infer.chess_dual_net_reset(state, params)
    assert ("real", True) in seen  # real positions do have zero activations
