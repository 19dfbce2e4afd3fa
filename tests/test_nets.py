"""Nets: compiled evaluation against torch, the chess accumulator against recomputation,
and net files that must be refused.

The oracle for the compiled kernels is the torch model itself (``EvalNet`` on dense
0/1 inputs built from ``active_features``), on random positions and on the real
positions of ``shared/data``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from searchprune.games import GameError, get_game
from searchprune.games import connect4 as C4
from searchprune.games.chess import board as kernels
from searchprune.evaluation import infer
from searchprune.nets.export import export_model, load_model
from searchprune.evaluation.features import active_features, dense_inputs
from searchprune.nets.model import EvalNet
from searchprune.evaluation.store import NetError, load_net, read_net, save_net
from searchprune.paths import shared_data_dir
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit
from searchprune.types import ONGOING

HIDDEN = {"connect4": 48, "othello": 40, "chess": 64}


def random_net(game: str, tmp_path, seed: int = 0):
    """A random net whose activations spread over the clipped range (not all 0 or 1)."""
    torch.manual_seed(seed)
    model = EvalNet(game, HIDDEN[game])
    with torch.no_grad():
        model.l1.weight.mul_(4.0 if game != "chess" else 6.0)
        model.l2.weight.mul_(3.0)
    return model, load_net(export_model(model, tmp_path), game)


def random_positions(game: str, count: int, seed: int, max_plies: int) -> list[np.ndarray]:
    g = get_game(game)
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        state = g.new_state()
        for _ in range(int(rng.integers(0, max_plies))):
            if g.status(state) != ONGOING:
                break
            moves = g.legal_moves(state)
            g.play(state, moves[int(rng.integers(len(moves)))])
        if g.status(state) == ONGOING:
            out.append(state)
    return out


def real_positions(game: str) -> list[np.ndarray]:
    g = get_game(game)
    data = shared_data_dir() / game
    if game == "connect4":
        lines = [line.split()[0] for name in ("Test_L3_R1", "Test_L2_R2", "Test_L1_R2")
                 for line in (data / name).read_text().splitlines()[:300]]
        return [g.parse_position(text) for text in lines]
    if game == "othello":
        lines = [line for name in ("fforum-20-39.obf", "fforum-40-59.obf")
                 for line in (data / name).read_text().splitlines() if line.strip()]
        return [g.parse_position(line.split(";")[0].strip()) for line in lines]
    fens = [" ".join(line.split()[:4]) + " 0 1" for name in ("wac.epd", "bk.epd")
            for line in (data / name).read_text().splitlines() if line.strip()]
    fens += [line.split(";")[0].strip() for line in (data / "perft.epd").read_text().splitlines() if line.strip()]
    return [g.parse_position(fen) for fen in fens]


def torch_outputs(model, game: str, states: list[np.ndarray]) -> np.ndarray:
    x = np.concatenate([dense_inputs(game, active_features(game, s)) for s in states])
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def compiled_outputs(net, game: str, states: list[np.ndarray]) -> np.ndarray:
    params = infer.pack(net)
    forward = getattr(infer, f"{game}_forward")
    out = []
    for s in states:
        if game in infer.INCREMENTAL:
            getattr(infer, f"{game}_net_reset")(s, params)
        out.append(forward(s, params))
    return np.array(out)


@pytest.mark.parametrize("game", ["connect4", "othello", "chess"])
def test_compiled_forward_equals_torch_on_random_and_real_positions(game, tmp_path):
    model, net = random_net(game, tmp_path)
    states = random_positions(game, 1500, seed=1, max_plies={"connect4": 40, "othello": 60, "chess": 120}[game])
    states += real_positions(game)
    assert len(states) > 1500
    expected = torch_outputs(model, game, states)
    got = compiled_outputs(net, game, states)
    assert np.std(expected) > 0.05, "the test net must not be saturated"
    assert np.max(np.abs(got - expected)) < 1e-4


@pytest.mark.parametrize("game", ["connect4", "chess"])
def test_a_factorised_model_exports_as_the_plain_net_it_computes(game, tmp_path):
    torch.manual_seed(3)
    model = EvalNet(game, HIDDEN[game], factorise=True)
    with torch.no_grad():
        model.l1.weight.mul_(4.0)
        model.factor.weight.normal_(0.0, 0.3)  # nonzero, so folding it in is what is tested
        model.l2.weight.mul_(3.0)
    net = load_net(export_model(model, tmp_path), game)
    states = random_positions(game, 300, seed=4, max_plies=60)
    expected = torch_outputs(model, game, states)
    assert np.std(expected) > 0.05
    assert np.max(np.abs(compiled_outputs(net, game, states) - expected)) < 1e-4


def test_evaluator_scores_are_the_scaled_rounded_output(tmp_path):
    _, net = random_net("connect4", tmp_path)
    params = infer.pack(net)
    for s in random_positions("connect4", 50, seed=2, max_plies=30):
        infer.connect4_net_reset(s, params)
        raw = float(infer.connect4_forward(s, params))
        assert infer.connect4_net(s, params) == int(np.floor(raw * 1000.0 + 0.5))


def test_chess_accumulator_after_random_make_unmake_equals_recomputation(tmp_path):
    """Random walks down and up (moves of every kind, null moves) from the perft positions:
    at every ply the incrementally kept accumulators equal a fresh computation."""
    _, net = random_net("chess", tmp_path)
    g = get_game("chess")
    params = infer.pack(net)
    fresh = infer.pack(net)
    hidden = net.hidden
    rng = np.random.default_rng(3)
    fens = [line.split(";")[0].strip() for line in
            (shared_data_dir() / "chess" / "perft.epd").read_text().splitlines() if line.strip()]
    kinds = set()
    buf = np.zeros(kernels.MAX_MOVES, dtype=np.int64)
    checked = 0
    for fen in fens:
        state = g.parse_position(fen)
        infer.chess_net_reset(state, params)
        line: list[int] = []
        for _ in range(60):
            n = kernels.gen_moves(state, buf)
            go_up = line and (n == 0 or rng.random() < 0.35)
            if go_up:
                move = line.pop()
                (kernels.unmake_null(state) if move == -1 else kernels.unmake(state, move))
            elif n and rng.random() < 0.1 and not kernels.in_check(state):
                kernels.make_null(state)
                infer.chess_net_make(state, params)
                line.append(-1)
            elif n:
                move = int(buf[rng.integers(n)])
                kinds.add(move >> 12)
                kernels.make(state, move)
                infer.chess_net_make(state, params)
                line.append(move)
            else:
                break
            infer.chess_net_reset(state, fresh)
            for perspective in (0, 1):
                a = infer._acc(params, state[kernels.HPLY], perspective)
                np.testing.assert_allclose(params[a:a + hidden], fresh[a:a + hidden], atol=1e-4)
            checked += 1
    assert checked > 1000
    assert kinds >= {0, 1, 4, 5, 6, 7}, "the walks must include promotions, en passant and castling"


def test_connect4_accumulator_after_random_make_unmake_equals_recomputation(tmp_path):
    _, net = random_net("connect4", tmp_path)
    g = get_game("connect4")
    params, fresh = infer.pack(net), infer.pack(net)
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(40):
        state = g.new_state()
        infer.connect4_net_reset(state, params)
        line: list[int] = []
        for _ in range(60):
            moves = g.legal_moves(state) if g.status(state) == ONGOING else []
            if line and (not moves or rng.random() < 0.35):
                C4.unmake(state, line.pop())
            else:
                line.append(moves[int(rng.integers(len(moves)))])
                C4.make(state, line[-1])
                infer.connect4_net_make(state, params)
            infer.connect4_net_reset(state, fresh)
            for perspective in (0, 1):
                a = infer._acc(params, int(state[C4.PLY]), perspective)
                np.testing.assert_allclose(params[a:a + net.hidden], fresh[a:a + net.hidden], atol=1e-4)
            checked += 1
    assert checked > 1000


SEARCH_ROOTS = {"chess": ["r3k2r/ppp2ppp/8/3pP3/8/8/PPP2PPP/R3K2R w KQkq d6 0 3",
                          "r1bqkb1r/pppp1ppp/2n2n2/4p3/2B1P3/5N2/PPPP1PPP/RNBQK2R w KQkq - 4 4",
                          "8/2P5/8/8/8/5k2/6p1/4K3 b - - 0 1"],
                "connect4": ["", "4453", "44125"]}
SEARCH_DEPTHS = {("chess", "alphabeta"): 3, ("chess", "negascout"): 6,  # deep enough for null moves
                 ("connect4", "alphabeta"): 6, ("connect4", "negascout"): 10}


@pytest.mark.parametrize("algorithm", ["alphabeta", "negascout"])
@pytest.mark.parametrize("game", ["connect4", "chess"])
def test_search_with_incremental_net_equals_search_with_recomputed_one(game, algorithm, tmp_path):
    """The same search, once with the accumulators kept by make hooks and once with an
    evaluator that recomputes them at every call, gives the same tree: every make in
    the search (null moves and quiescence included) runs the hook."""
    model, _ = random_net(game, tmp_path)
    with torch.no_grad():  # weights on a 1/256 grid: every sum is exact, in any order
        model.l1.weight.copy_(torch.round(model.l1.weight * 256) / 256)
        model.l1.bias.copy_(torch.round(model.l1.bias * 256) / 256)
    net = load_net(export_model(model, tmp_path), game)
    g = get_game(game)
    params = infer.pack(net)
    fast = Searcher(g, algorithm=algorithm, net=net)
    slow = Searcher(g, algorithm=algorithm, evaluator=f"searchprune.evaluation.infer:{game}_net_recompute", params=params)
    for text in SEARCH_ROOTS[game]:
        depth = SEARCH_DEPTHS[game, algorithm]
        a = fast.search(g.parse_position(text), Limit(depth=depth))
        b = slow.search(g.parse_position(text), Limit(depth=depth))
        assert (a.move, a.score, a.info.nodes, a.info.pv) == (b.move, b.score, b.info.nodes, b.info.pv)
        assert a.info.nodes > 500


# -- net files -------------------------------------------------------------------------------
def test_round_trip_through_a_file_keeps_the_weights_and_names_the_file_by_hash(tmp_path):
    model, net = random_net("othello", tmp_path)
    assert net.path.stem == net.name and net.name.endswith(net.manifest["sha256"][:12])
    again = load_model(net)
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    assert net.manifest["sizes"] == [128, HIDDEN["othello"], 32, 1]


def _rewrite(path, dst, *, manifest_edit=None, array_edit=None):
    with np.load(path, allow_pickle=False) as data:
        contents = {k: data[k] for k in data.files}
    manifest = json.loads(str(contents.pop("manifest")))
    if manifest_edit:
        manifest_edit(manifest)
    if array_edit:
        array_edit(contents)
    np.savez(dst, manifest=np.array(json.dumps(manifest)), **contents)
    return dst


def test_loading_refuses_bad_files_with_one_line_reasons(tmp_path):
    _, net = random_net("connect4", tmp_path)
    path = net.path
    cases = {}

    def poke(arrays):
        arrays["w2"][0, 0] += 1.0

    cases["weights do not match"] = _rewrite(path, tmp_path / "edited.npz", array_edit=poke)

    def other_hidden(m):
        m["sizes"] = [84, 99, 32, 1]

    cases["architecture"] = _rewrite(path, tmp_path / "arch.npz", manifest_edit=other_hidden)

    def other_hash(m):
        m["arch_hash"] = "0" * 16

    cases["is not the connect4-mlp"] = _rewrite(path, tmp_path / "archhash.npz", manifest_edit=other_hash)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    cases["not a readable net file"] = truncated
    junk = tmp_path / "junk.npz"
    junk.write_text("hello")
    cases["not a readable net file "] = junk
    renamed = tmp_path / "connect4-mlp-h48-0123456789ab.npz"
    renamed.write_bytes(path.read_bytes())
    cases["file name says hash"] = renamed
    bare = tmp_path / "bare.npz"
    np.savez(bare, w1=np.zeros(3))
    cases["no manifest"] = bare
    for reason, bad in cases.items():
        with pytest.raises(NetError, match=reason.strip()) as info:
            read_net(bad)
        assert "\n" not in str(info.value)
    with pytest.raises(NetError, match="is a connect4 net, not a chess net"):
        load_net(path, "chess")
    with pytest.raises(ValueError, match="connect4 net, not a chess net"):
        Searcher(get_game("chess"), net=net)
    with pytest.raises(NetError, match="no net named"):
        load_net("no-such-net")
    assert zipfile.is_zipfile(path)


def test_save_refuses_arrays_that_do_not_fit_the_sizes(tmp_path):
    _, net = random_net("connect4", tmp_path)
    arrays = dict(net.arrays)
    arrays["b2"] = np.zeros(31, dtype=np.float32)
    with pytest.raises(NetError, match="b2 has shape"):
        save_net(arrays, {"game": "connect4", "sizes": net.manifest["sizes"]}, tmp_path / "x")


def test_the_engine_plays_with_a_net_without_importing_torch(tmp_path):
    _, net = random_net("connect4", tmp_path)
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from searchprune.games import get_game\n"
        "from searchprune.search.driver import Searcher\n"
        "from searchprune.search.limits import Limit\n"
        "g = get_game('connect4')\n"
        f"r = Searcher(g, net={str(net.path)!r}).search(g.new_state(), Limit(depth=5))\n"
        "print(r.move, 'torch' in sys.modules and sys.modules['torch'] is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    move, imported = out.stdout.split()
    assert 0 <= int(move) < 7 and imported == "False"


def test_mirror_features_are_the_features_of_the_mirrored_position():
    from searchprune.evaluation.features import mirror_features

    c4 = get_game("connect4")
    rng = np.random.default_rng(5)
    for _ in range(100):
        moves = "".join(str(rng.integers(1, 8)) for _ in range(rng.integers(0, 12)))
        try:
            state = c4.parse_position(moves)
        except GameError:  # a full column or a finished game: not a position
            continue
        mirrored = c4.parse_position("".join(str(8 - int(c)) for c in moves))
        np.testing.assert_array_equal(mirror_features("connect4", active_features("connect4", state)[None])[0],
                                      active_features("connect4", mirrored))
    othello = get_game("othello")
    for state in random_positions("othello", 50, seed=6, max_plies=40):
        text = othello.format_position(state)
        board, side = text.split()
        flipped = "".join(board[r * 8:(r + 1) * 8][::-1] for r in range(8))
        np.testing.assert_array_equal(mirror_features("othello", active_features("othello", state)[None])[0],
                                      active_features("othello", othello.parse_position(f"{flipped} {side}")))
    with pytest.raises(ValueError, match="no mirror symmetry"):
        mirror_features("chess", np.zeros((1, 32), dtype=np.int16))
