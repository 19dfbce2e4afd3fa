"""The whole net pipeline, tiny: generate labelled positions, train one epoch, export,
load, and search with the net, through the command line a user would use."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

pytest.importorskip("torch")

from searchprune.cli import main
from searchprune.games import get_game
from searchprune.nets.dataset import load_dataset
from searchprune.evaluation.store import load_net
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit


def test_generate_train_export_load_search(tmp_path, monkeypatch):
    monkeypatch.setenv("SEARCHPRUNE_NETS", str(tmp_path / "user-nets"))
    runner = CliRunner()
    data = tmp_path / "data"
    made = runner.invoke(main, ["nets", "data", "connect4", "--out", str(data), "--games", "16", "--shard-games", "8",
                                "--set", "exact_from=14", "--set", "search_depth=6"])
    assert made.exit_code == 0, made.output
    summary = json.loads(made.output.strip().splitlines()[-1])
    positions = load_dataset(data)
    assert summary["positions"] >= len(positions) >= 200

    trained = runner.invoke(main, ["train", "connect4", "--data", str(data), "--out", str(tmp_path / "run"),
                                   "--hidden", "16", "--epochs", "1", "--threads", "1", "--factorise",
                                   "--lr-drop", "0.5", "--mirror"])
    assert trained.exit_code == 0, trained.output
    assert (tmp_path / "run" / "loss.png").stat().st_size > 1000

    listed = [json.loads(line) for line in runner.invoke(main, ["nets", "list", "--json"]).output.splitlines()]
    listed = [row for row in listed if not row["shipped"]]  # the one just trained, in the user's folder
    assert len(listed) == 1 and listed[0]["game"] == "connect4"
    net = load_net(listed[0]["name"], "connect4")
    assert net.manifest["training"]["data"]["positions"] == len(positions)
    assert net.manifest["training"]["epochs_run"] == 1 and "loss" in net.manifest["metrics"]
    assert (net.manifest["training"]["factorise"], net.manifest["training"]["lr_drop"]) == (True, 0.5)

    game = get_game("connect4")
    result = Searcher(game, net=net).search(game.parse_position("4453"), Limit(depth=6))
    assert result.move in game.legal_moves(game.parse_position("4453")) and result.info.evals > 0
    played = runner.invoke(main, ["play", "connect4", "--depth", "4", "--net", net.name], input="4\nquit\n")
    assert played.exit_code == 0, played.output
