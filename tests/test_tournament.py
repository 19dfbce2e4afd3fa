"""Tournaments: specs, real small tournaments on a process pool and a Dask cluster,
faults (crash, illegal move, overrun, a killed worker), and resume after a kill."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchprune.arena.executors import Executors
from searchprune.arena.match import Adjudication
from searchprune.arena.records import read_results
from searchprune.arena.tournament import Tournament, TournamentError, run
from searchprune.cli import main
from searchprune.engines.spec import SpecError, available, load_spec, spec_from_dict

TESTS = Path(__file__).resolve().parent


def test_every_shipped_spec_loads():
    names = available()
    assert {"c4-negascout-d6", "ttt-random", "sf-elo1600", "oth-negascout-d4"} <= set(names)
    for name in names:
        spec = load_spec(name)
        assert spec.name == name and spec.game in ("tictactoe", "connect4", "othello", "chess")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"game": "connect4", "limits": {"depth": 4}, "speed": 1}, "unknown key 'speed'"),
        ({"game": "connect4", "algorithm": "mtdf", "limits": {"depth": 4}}, "algorithm must be"),
        ({"limits": {"depth": 4}}, "'game' is required"),
        ({"game": "connect4"}, "at least one limit"),
        ({"game": "connect4", "limits": {"depth": -1}}, "positive number"),
        ({"game": "connect4", "limits": {"depth": 4}, "search": {"killers": "no"}}, "true/false"),
        ({"kind": "uci", "limits": {"time": 1}}, "needs command"),
    ],
)
def test_bad_specs_get_one_line_errors(data, message):
    with pytest.raises(SpecError, match=message) as info:
        spec_from_dict(data)
    assert "\n" not in str(info.value)


def test_unknown_engine_and_bad_toml(tmp_path):
    with pytest.raises(SpecError, match="unknown engine 'nope'"):
        load_spec("nope")
    bad = tmp_path / "bad.toml"
    bad.write_text("game = connect4\n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(str(bad))


def spec(name: str, **data):
    return spec_from_dict(data, default_name=name)


def search_spec(name: str, game: str, depth: int, algorithm: str = "negascout"):
    return spec(name, game=game, algorithm=algorithm, limits={"depth": depth}, hash_mb=1)


def check_pairs(records: list[dict], names: tuple[str, str]) -> None:
    """Every pair is two games from one opening with the first mover swapped."""
    pairs: dict[int, list[dict]] = {}
    for r in records:
        pairs.setdefault(r["pair"], []).append(r)
    for games in pairs.values():
        assert sorted(g["leg"] for g in games) == [0, 1]
        leg0, leg1 = sorted(games, key=lambda g: g["leg"])
        assert leg0["opening"] == leg1["opening"]
        assert (leg0["first"], leg0["second"]) == (leg1["second"], leg1["first"])
        assert {leg0["first"], leg0["second"]} == set(names)


def test_tictactoe_round_robin_on_a_process_pool(tmp_path):
    engines = [search_spec("perfect", "tictactoe", 9), search_spec("shallow", "tictactoe", 2, "minimax"),
               spec("random", game="tictactoe", kind="python", **{"class": "searchprune.engines.engine:RandomEngine"})]
    event = Tournament(game="tictactoe", engines=engines, openings=["", "5", "1"], rounds=3)
    outcome = run(event, tmp_path, Executors(engines, concurrency=2))
    assert outcome.complete and len(outcome.records) == 3 * 3 * 2
    table = {s.name: s for s in outcome.standings}
    assert all(s.games == 12 for s in table.values())
    assert table["perfect"].losses == 0  # perfect play never loses tic-tac-toe
    assert sum(s.points for s in table.values()) == len(outcome.records)
    for a, b in event.pairings():
        names = (engines[a].name, engines[b].name)
        check_pairs([r for r in outcome.records if {r["first"], r["second"]} == set(names)], names)
    header, saved = read_results(tmp_path)
    assert header["game"] == "tictactoe" and len(saved) == len(outcome.records)
    pgn = (tmp_path / "games.pgn").read_text()
    assert pgn.count("[Event ") == len(outcome.records) and '[Variant "tictactoe"]' in pgn


def test_connect4_gauntlet_scores_a_searcher_over_random(tmp_path):
    engines = [search_spec("d4", "connect4", 4),
               spec("random", game="connect4", kind="python", **{"class": "searchprune.engines.engine:RandomEngine"},
                    params={"seed": 3})]
    outcome = run(Tournament(game="connect4", engines=engines, openings=["", "4"], rounds=2, mode="gauntlet"),
                  tmp_path, Executors(engines, concurrency=2))
    table = {s.name: s for s in outcome.standings}
    assert table["d4"].games == 4 and table["d4"].wins >= 3
    first_moves = [r["moves"][0] for r in outcome.records if r["opening"] == ""]
    assert all(m["depth"] is None or m["depth"] >= 1 for m in first_moves)


def test_a_dask_cluster_plays_the_same_tournament(tmp_path):
    distributed = pytest.importorskip("distributed")
    engines = [search_spec("d4", "connect4", 4), search_spec("d2", "connect4", 2)]
    event = Tournament(game="connect4", engines=engines, openings=["", "44"], rounds=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        outcome = run(event, tmp_path / "dask", Executors(engines, cluster=cluster.scheduler_address))
    local = run(event, tmp_path / "local", Executors(engines, concurrency=1))
    assert len(outcome.records) == 4
    check_pairs(outcome.records, ("d4", "d2"))
    def games(records):
        return [[(m["move"], m["score"], m["depth"], m["nodes"]) for m in r["moves"]]
                for r in sorted(records, key=lambda r: (r["pair"], r["leg"]))]

    # fixed-depth engines are deterministic: the cluster plays the very same games
    assert games(outcome.records) == games(local.records)


def faulty(name: str, cls: str, **params):
    return spec(name, game="connect4", kind="python", limits={"time": 0.05}, params=params,
                **{"class": f"faulty_engines:{cls}"})


@pytest.mark.parametrize(
    ("cls", "reason"),
    [("CrashingEngine", "crashed: RuntimeError: engine blew up"), ("IllegalEngine", "played an illegal move"),
     ("SlowEngine", "lost on time")],
)
def test_a_misbehaving_engine_loses_and_the_tournament_goes_on(tmp_path, cls, reason):
    engines = [search_spec("d2", "connect4", 2), faulty("bad", cls, at=1)]
    outcome = run(Tournament(game="connect4", engines=engines, openings=[""], rounds=2), tmp_path,
                  Executors(engines, concurrency=1))
    assert len(outcome.records) == 4
    for record in outcome.records:
        loser_first = record["first"] == "bad"
        assert record["result"] == ("0-1" if loser_first else "1-0")
        assert reason in record["termination"]


def test_a_killed_worker_loses_nothing_and_counts_nothing_twice(tmp_path):
    marker = tmp_path / "killed"
    engines = [search_spec("d2", "connect4", 2), faulty("killer", "KillerEngine", at=3, marker=str(marker))]
    event = Tournament(game="connect4", engines=engines, openings=["", "4", "44"], rounds=3)
    outcome = run(event, tmp_path / "out", Executors(engines, concurrency=2))
    assert marker.exists()  # a worker really was killed mid-game
    assert len(outcome.records) == 6 and len({(r["pair"], r["leg"]) for r in outcome.records}) == 6
    _, saved = read_results(tmp_path / "out")
    assert len(saved) == 6


def wait_for_no_process_mentioning(text: str, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if text.encode() in cmdline.read_bytes():
                    alive.append(cmdline)
            except OSError:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_killed_tournament_resumes_to_the_same_totals(tmp_path):
    args = ["tournament", "c4-negascout-d4", "c4-negascout-d6", "--rounds", "5", "--openings",
            str(tmp_path / "openings.txt"), "--json", "--no-progress"]
    (tmp_path / "openings.txt").write_text("# test openings\n4\n43\n44\n45\n3\n")
    whole = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "whole")])
    assert whole.exit_code == 0, whole.output
    expected = json.loads(whole.output)

    folder = tmp_path / "killed"
    cmd = [sys.executable, "-m", "searchprune.cli", *args, "--out", str(folder)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    results = folder / "results.jsonl"
    while time.monotonic() < deadline:
        if results.exists() and results.read_text().count('"type": "game"') >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert wait_for_no_process_mentioning(str(folder)), "workers outlived the killed tournament"
    _, partial = read_results(folder)
    assert 3 <= len(partial) < 10, "the kill came too late to test anything"
    resumed = CliRunner().invoke(main, [*args, "--out", str(folder), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    got = json.loads(resumed.output)
    assert got["games"] == expected["games"] == 10
    assert [(e["name"], e["wins"], e["draws"], e["losses"]) for e in got["engines"]] == \
           [(e["name"], e["wins"], e["draws"], e["losses"]) for e in expected["engines"]]
    _, saved = read_results(folder)
    assert len(saved) == 10


def test_torn_last_line_is_ignored(tmp_path):
    engines = [search_spec("a", "tictactoe", 2), search_spec("b", "tictactoe", 1)]
    event = Tournament(game="tictactoe", engines=engines, openings=[""], rounds=1)
    run(event, tmp_path, Executors(engines, concurrency=1))
    with open(tmp_path / "results.jsonl", "a") as handle:
        handle.write('{"type": "game", "pair": 7')
    _, saved = read_results(tmp_path)
    assert len(saved) == 2


def test_cli_errors_are_one_line(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["tournament", "c4-negascout-d4", "nope"])
    assert out.exit_code == 2 and "unknown engine 'nope'" in out.output
    out = runner.invoke(main, ["tournament", "c4-negascout-d4", "oth-negascout-d2"])
    assert out.exit_code == 2 and "plays othello" in out.output
    out = runner.invoke(main, ["tournament", "c4-negascout-d4", "c4-negascout-d6", "--sprt", "elo0=5 elo1=0"])
    assert out.exit_code == 2 and "elo0 < elo1" in out.output
    bad = tmp_path / "openings.txt"
    bad.write_text("4489\n")
    out = runner.invoke(main, ["tournament", "c4-negascout-d4", "c4-negascout-d6", "--openings", str(bad)])
    assert out.exit_code == 2 and "bad Connect Four position" in out.output


def test_existing_results_are_never_overwritten(tmp_path):
    engines = [search_spec("a", "tictactoe", 2), search_spec("b", "tictactoe", 1)]
    event = Tournament(game="tictactoe", engines=engines, openings=[""], rounds=1)
    run(event, tmp_path, Executors(engines, concurrency=1))
    with pytest.raises(TournamentError, match="--resume"):
        run(event, tmp_path, Executors(engines, concurrency=1))
    other = Tournament(game="tictactoe", engines=engines, openings=["5"], rounds=1)
    with pytest.raises(TournamentError, match="openings differ"):
        run(other, tmp_path, Executors(engines, concurrency=1), resume=True)


def test_sprt_stops_a_lopsided_match_early(tmp_path):
    engines = [search_spec("strong", "connect4", 6),
               spec("random", game="connect4", kind="python", **{"class": "searchprune.engines.engine:RandomEngine"})]
    openings = ["", "1", "2", "3", "4", "5", "6", "7"]
    event = Tournament(game="connect4", engines=engines, openings=openings, rounds=200,
                       adjudication=Adjudication(max_plies=42))
    from searchprune.arena.tournament import SprtConfig

    outcome = run(event, tmp_path, Executors(engines, concurrency=2), sprt=SprtConfig(elo0=0, elo1=100))
    assert outcome.sprt is not None and outcome.sprt.decision == "H1"
    assert len(outcome.records) < 400 and outcome.complete
