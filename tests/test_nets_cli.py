"""Nets at the user's boundary: nets list/show/verify, --net on the commands, the UCI
EvalFile option, engine specs with a net, and the solver's net ordering (exact scores)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

torch = pytest.importorskip("torch")

from searchprune.cli import main
from searchprune.engines.spec import SpecError, spec_from_dict
from searchprune.engines.uci import UciServer
from searchprune.games import get_game
from searchprune.nets.export import export_model
from searchprune.nets.model import EvalNet
from searchprune.evaluation.store import load_net
from searchprune.paths import shared_data_dir
from searchprune.solvers.connect4 import Connect4Solver


@pytest.fixture()
def user_nets(tmp_path, monkeypatch):
    """A user nets folder with one connect4 and one chess net, and a broken file."""
    folder = tmp_path / "nets"
    monkeypatch.setenv("SEARCHPRUNE_NETS", str(folder))
    torch.manual_seed(0)
    paths = {g: export_model(EvalNet(g, h), folder, parent="ancestor-net", metrics={"loss": 0.25})
             for g, h in (("connect4", 16), ("chess", 16))}
    (folder / "broken.npz").write_bytes(b"PK\x03\x04 not really")
    return paths


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_nets_list_json_has_one_object_per_net_with_the_required_fields(user_nets):
    result = run("nets", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    good = {r["name"]: r for r in rows if "error" not in r and not r["shipped"]}
    bad = [r for r in rows if "error" in r]
    assert {r["game"] for r in good.values()} == {"connect4", "chess"}
    shipped = [r for r in rows if r.get("shipped")]
    assert {r["game"] for r in shipped} >= {"connect4", "chess"}  # the repository's nets/ are listed too
    for row in good.values():
        assert {"name", "game", "path", "bytes", "sha256", "parent"} <= set(row)
        assert row["parent"] == "ancestor-net" and row["metrics"]["loss"] == 0.25
        assert row["bytes"] == user_nets[row["game"]].stat().st_size
    assert len(bad) == 1 and bad[0]["path"].endswith("broken.npz")


def test_nets_show_and_verify(user_nets, tmp_path):
    name = user_nets["connect4"].stem
    shown = run("nets", "show", name[:20])
    assert shown.exit_code == 0 and json.loads(shown.output)["sha256"].startswith(name[-12:])
    ok = run("nets", "verify", str(user_nets["chess"]), "--game", "chess")
    assert ok.exit_code == 0 and ok.output.startswith("ok")
    data = bytearray(user_nets["chess"].read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(bytes(data))
    for bad in (str(corrupt), str(tmp_path / "nets" / "broken.npz")):
        result = run("nets", "verify", bad)
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("BAD")
    wrong_game = run("nets", "verify", str(user_nets["chess"]), "--game", "connect4")
    assert wrong_game.exit_code == 1 and "not a connect4 net" in wrong_game.output


def test_play_and_analyse_take_a_net_and_refuse_a_wrong_one(user_nets):
    result = run("play", "connect4", "--depth", "3", "--net", user_nets["connect4"].stem, input="4\nquit\n")
    assert result.exit_code == 0, result.output
    wrong = run("play", "connect4", "--net", user_nets["chess"].stem, input="quit\n")
    assert wrong.exit_code == 2 and "is a chess net, not a connect4 net" in wrong.output
    analysed = run("analyse", "connect4", "44", "--depth", "4", "--json", "--net", str(user_nets["connect4"]))
    assert analysed.exit_code == 0 and json.loads(analysed.output.splitlines()[-1])["depth"] == 4


def test_uci_eval_file_option_swaps_the_evaluator_and_keeps_it_on_a_bad_value(user_nets):
    commands = ["uci", f"setoption name EvalFile value {user_nets['connect4']}", "isready",
                f"setoption name EvalFile value {user_nets['chess'].stem}", "isready", "go depth 2",
                "setoption name EvalFile value /no/such.npz", "isready", "quit"]
    out = io.StringIO()
    engine = UciServer(io.StringIO("\n".join(commands) + "\n"), out)
    engine.run()
    lines = out.getvalue().splitlines()
    assert "option name EvalFile type string default <empty>" in lines
    errors = [line for line in lines if line.startswith("info string error")]
    assert len(errors) == 2 and "not a chess net" in errors[0] and "no net file" in errors[1]
    assert any(line.startswith("bestmove ") for line in lines)
    assert engine.net is not None and engine.net.path == user_nets["chess"]
    assert engine.searcher.net is engine.net


def test_engine_spec_with_a_net(user_nets, tmp_path):
    spec = spec_from_dict({"game": "connect4", "net": user_nets["connect4"].stem, "limits": {"depth": 2}})
    assert spec.net == str(user_nets["connect4"].resolve())
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "local.npz").write_bytes(user_nets["connect4"].read_bytes())
    relative = spec_from_dict({"game": "connect4", "net": "local.npz", "limits": {"depth": 2}},
                              source=str(tmp_path / "specs" / "x.toml"))
    assert relative.net == str((tmp_path / "specs" / "local.npz").resolve())
    for bad, reason in [({"net": user_nets["chess"].stem}, "not a connect4 net"), ({"net": "nope"}, "no net named"),
                        ({"net": user_nets["connect4"].stem, "evaluator": "a.b:c"}, "not both")]:
        with pytest.raises(SpecError, match=reason):
            spec_from_dict({"game": "connect4", "limits": {"depth": 2}, **bad})


def test_solver_ordered_by_a_net_keeps_every_score_exact(user_nets):
    """Ordering changes node counts only: on Pons' positions the scores are the files'."""
    game = get_game("connect4")
    lines = [line.split() for name in ("Test_L2_R1", "Test_L1_R1") for line in
             (shared_data_dir() / "connect4" / name).read_text().splitlines()[:25]]
    solver = Connect4Solver(tt_log2=20)
    solver.use_net(load_net(user_nets["connect4"]), until_ply=42)
    nodes_net = nodes_plain = 0
    for text, expected in lines:
        solver.reset()
        score, nodes = solver.score(game.parse_position(text))
        assert score == int(expected), text
        nodes_net += nodes
    plain = Connect4Solver(tt_log2=20)
    for text, _ in lines:
        plain.reset()
        nodes_plain += plain.score(game.parse_position(text))[1]
    assert nodes_net != nodes_plain  # the net really ordered the moves
    result = run("solve", "connect4", "--net", user_nets["connect4"].stem, "--json", lines[0][0])
    assert json.loads(result.output)["score"] == int(lines[0][1])
    assert run("solve", "othello", "--net", user_nets["connect4"].stem, "x").exit_code == 2


def test_bench_with_a_net_reports_evaluation_times(user_nets):
    result = run("bench", "--net", user_nets["connect4"].stem, "--algorithm", "negascout", "--runs", "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["net"] == user_nets["connect4"].stem
    assert data["eval_us"]["net"] > 0 and data["eval_us"]["hand"] > 0 and data["eval_us"]["make"] > 0
    assert data["eval_us"]["positions"] == 200
    assert np.isfinite(data["nps"][0]["nps"])


def test_prune_without_the_parents_data_makes_a_small_tuning_set(user_nets, tmp_path, monkeypatch):
    """Issue 19, item 4: the README's prune lines failed on a fresh machine with `give --data`
    (the parent's training data is not there). Now the game's labeller makes a small tuning
    set once into the user's cache, says so, and the next prune reuses it."""
    from searchprune import config
    from searchprune.cli import options

    cache = tmp_path / "cache"
    monkeypatch.setattr(config, "cache_dir", lambda: cache)
    monkeypatch.setattr(options, "TUNING_GAMES", 4)
    parent = user_nets["connect4"].stem
    args = ["prune", parent, "--method", "structured", "--amount", "0.25", "--finetune-epochs", "1",
            "--out", str(tmp_path / "pruned")]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "training data is not on this machine: using a small tuning set of 4 self-play games" in result.output
    assert len(list((cache / "tuning-data").glob("connect4-4-*/config.json"))) == 1
    assert "validation loss" in result.output and "on the small tuning set" in result.output
    assert len(list((tmp_path / "pruned").glob("*.npz"))) == 1
    again = run(*args[:-1], str(tmp_path / "pruned-again"))
    assert again.exit_code == 0, again.output
    assert len(list((tmp_path / "pruned-again").glob("*.npz"))) == 1
    # a recipe that needs no data makes none
    bare = run("prune", parent, "--method", "unstructured", "--amount", "0.5", "--out", str(tmp_path / "bare"))
    assert bare.exit_code == 0 and "tuning set" not in bare.output
