"""`searchprune tournament` as its users meet it: engines that cannot start, faults in the
standings, extending a run on resume (SPRT included), the default results folder, the
PGN ``Opening`` tag, and paths other machines can read. No Stockfish needed:
``uci_random_engine.py`` and ``faulty_engines.py`` play the parts."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import chess.pgn
from click.testing import CliRunner

from searchprune.arena.records import read_results
from searchprune.arena.tournament import make_tournament, standings
from searchprune.cli import main
from searchprune.engines.spec import spec_from_dict
from searchprune.paths import portable_path, repo_root, shared_dir

TESTS = Path(__file__).resolve().parent
RANDOM_ENGINE = TESTS / "uci_random_engine.py"


def write_spec(folder: Path, name: str, text: str) -> str:
    path = folder / f"{name}.toml"
    path.write_text(text)
    return str(path)


def uci_random(folder: Path, name: str, seed: int, flags: str = "") -> str:
    command = f"{sys.executable} {RANDOM_ENGINE} {flags}"
    return write_spec(folder, name, f'kind = "uci"\ngame = "chess"\ncommand = "{command}"\n'
                                    f'[uci_options]\nSeed = {seed}\n[limits]\ntime = 0.1\n')


def ttt(folder: Path) -> tuple[str, str]:
    """A perfect tic-tac-toe searcher and a random mover, as spec files."""
    perfect = write_spec(folder, "perfect", 'game = "tictactoe"\nhash_mb = 1\n[limits]\ndepth = 9\n')
    rand = write_spec(folder, "rand", 'game = "tictactoe"\nkind = "python"\n'
                                      'class = "searchprune.engines.engine:RandomEngine"\n[params]\nseed = 5\n')
    return perfect, rand


def invoke(*args: str):
    return CliRunner().invoke(main, ["tournament", *args, "--no-progress"])


# -- 1. engines that cannot start, and faults ------------------------------------------------------------


def test_an_engine_that_cannot_start_stops_the_run_before_any_game(tmp_path):
    ok = uci_random(tmp_path, "ok", 1)
    missing = write_spec(tmp_path, "ghost", 'kind = "uci"\ngame = "chess"\ncommand = "/nonexistent/engine"\n'
                                            '[limits]\ntime = 0.1\n')
    not_uci = write_spec(tmp_path, "mute", f'kind = "uci"\ngame = "chess"\ncommand = "{sys.executable} -c pass"\n'
                                           '[limits]\ntime = 0.1\n')
    for spec, name, reason in ((missing, "ghost", "cannot run '/nonexistent/engine'"),
                               (not_uci, "mute", "is not a working UCI engine")):
        out_dir = tmp_path / f"out-{name}"
        result = invoke(ok, spec, "--rounds", "1", "--out", str(out_dir))
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: engine {name} cannot start: ") and reason in lines[0]
        assert not out_dir.exists()  # no game, so no forfeit, was recorded


def test_faults_are_counted_in_the_standings(tmp_path):
    d2 = write_spec(tmp_path, "d2", 'game = "connect4"\nhash_mb = 1\n[limits]\ndepth = 2\n')
    bad = write_spec(tmp_path, "bad", 'game = "connect4"\nkind = "python"\nclass = "faulty_engines:CrashingEngine"\n'
                                      '[params]\nat = 1\n[limits]\ntime = 0.05\n')
    result = invoke(d2, bad, "--rounds", "1", "--out", str(tmp_path / "text"))
    assert result.exit_code == 0, result.output
    assert "FAULTS: bad lost 2 of its 2 games to faults (crashed 2)" in result.output
    assert result.output.count("fault: game ") == 2  # said on stderr as each came in
    result = invoke(d2, bad, "--rounds", "1", "--out", str(tmp_path / "json"), "--json")
    rows = {row["name"]: row for row in json.loads(result.output.splitlines()[-1])["engines"]}
    assert (rows["bad"]["faults"], rows["bad"]["fault_kinds"]) == (2, {"crashed": 2})
    assert (rows["d2"]["faults"], rows["d2"]["fault_kinds"]) == (0, {})


def test_fault_counts_read_every_termination_the_arena_writes():
    engines = [spec_from_dict({"game": "connect4", "limits": {"depth": 1}}, default_name=n) for n in ("a", "b")]
    games = [("1-0", "b crashed: RuntimeError: x"), ("0-1", "a failed to start: engine a: cannot run 'x'"),
             ("1-0", "b played an illegal move (99)"), ("1-0", "b lost on time (1.30 s for a 0.1 s move)"),
             ("1-0", "normal"), ("0-1", "adjudication: a resigns"), ("1/2-1/2", "adjudication: draw by score"),
             ("0-1", "b crashed: a crash of b's opponent is not b's")]  # the winner's name: no fault
    records = [{"pair": i, "leg": 0, "first": "a", "second": "b", "result": r, "termination": t}
               for i, (r, t) in enumerate(games)]
    table = {s.name: s for s in standings(engines, records)}
    assert table["b"].faults == {"crashed": 1, "illegal move": 1, "time": 1}
    assert table["a"].faults == {"failed to start": 1}


# -- 2. extending a run on resume ---------------------------------------------------------------------------


def test_resume_with_more_rounds_plays_the_new_ones(tmp_path):
    perfect, rand = ttt(tmp_path)
    out = str(tmp_path / "run")
    first = invoke(perfect, rand, "--rounds", "1", "--out", out, "--json")
    assert first.exit_code == 0 and json.loads(first.output.splitlines()[-1])["games"] == 2
    _, before = read_results(Path(out))
    more = invoke(perfect, rand, "--rounds", "3", "--out", out, "--resume", "--json")
    assert more.exit_code == 0, more.output
    assert json.loads(more.output.splitlines()[-1])["games"] == 6
    header, after = read_results(Path(out))
    assert header["rounds"] == 3 and {r["round"] for r in after} == {0, 1, 2}
    assert [r for r in after if r["round"] == 0] == before  # the saved games kept their places
    again = invoke(perfect, rand, "--out", out, "--resume", "--json")  # no --rounds: the saved run's
    assert again.exit_code == 0 and json.loads(again.output.splitlines()[-1])["games"] == 6
    fewer = invoke(perfect, rand, "--rounds", "2", "--out", out, "--resume")
    assert fewer.exit_code == 1 and "rounds may grow on resume, not shrink" in fewer.output
    other = invoke(perfect, rand, "--rounds", "4", "--out", out, "--resume",
                   "--max-plies", "5")
    assert other.exit_code == 1 and "its adjudication differ" in other.output
    assert len(other.output.strip().splitlines()) == 1


def test_an_undecided_sprt_goes_on_when_resumed_with_more_rounds(tmp_path):
    perfect, rand = ttt(tmp_path)
    out = str(tmp_path / "sprt")
    first = invoke(perfect, rand, "--rounds", "1", "--out", out, "--json", "--sprt", "elo0=0 elo1=100")
    undecided = json.loads(first.output.splitlines()[-1])
    assert undecided["sprt"]["decision"] is None and undecided["games"] == 2
    resumed = invoke(perfect, rand, "--rounds", "200", "--out", out, "--resume", "--json")  # the SPRT is saved
    assert resumed.exit_code == 0, resumed.output
    decided = json.loads(resumed.output.splitlines()[-1])
    assert decided["sprt"]["decision"] == "H1" and 2 < decided["games"] < 400 and decided["complete"]
    changed = invoke(perfect, rand, "--rounds", "200", "--out", out, "--resume", "--sprt", "elo0=0 elo1=50")
    assert changed.exit_code == 1 and "its SPRT (elo0=0 elo1=100 alpha=0.05 beta=0.05) differs" in changed.output


# -- 3. the default folder -------------------------------------------------------------------------------


def test_without_out_the_games_go_to_a_runs_folder_and_it_is_said(tmp_path, monkeypatch):
    perfect, rand = ttt(tmp_path)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    result = invoke(perfect, rand, "--rounds", "1")
    assert result.exit_code == 0, result.output
    assert [p.name for p in work.iterdir()] == ["runs"]
    (folder,) = (work / "runs").iterdir()
    assert folder.name.startswith("tournament-tictactoe-") and (folder / "results.jsonl").exists()
    assert f"writing the games to runs/{folder.name}" in result.output
    second = invoke(perfect, rand, "--rounds", "1")  # in the same second: a folder of its own
    assert second.exit_code == 0, second.output
    assert len(list((work / "runs").iterdir())) == 2


# -- 4. the PGN Opening tag -----------------------------------------------------------------------------


def test_chess_pgn_names_the_opening_instead_of_its_moves(tmp_path):
    a, b = uci_random(tmp_path, "ra", 1), uci_random(tmp_path, "rb", 2)
    openings = tmp_path / "openings.txt"
    openings.write_text("startpos moves e2e4 c7c5 g1f3 d7d6  # Sicilian, Open; e4 c5 Nf3 d6\n"
                        "startpos moves d2d4 d7d5\n")
    result = invoke(a, b, "--rounds", "2", "--openings", str(openings), "--max-plies", "6",
                    "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    stream = io.StringIO((tmp_path / "out" / "games.pgn").read_text())
    tags = []
    while (game := chess.pgn.read_game(stream)) is not None:
        tags.append(game.headers.get("Opening"))
    assert sorted(tags, key=str) == sorted(["Sicilian, Open"] * 2 + [None] * 2, key=str)
    assert "startpos" not in (tmp_path / "out" / "games.pgn").read_text()


def test_the_shipped_chess_openings_all_have_names():
    event = make_tournament(["chess-negascout-d4", "chess-negascout-d6"])
    assert len(event.openings) == 50 and set(event.opening_names) == set(event.openings)
    najdorf = "startpos moves e2e4 c7c5 g1f3 d7d6 d2d4 c5d4 f3d4 g8f6 b1c3 a7a6"
    assert event.opening_names[najdorf] == "Sicilian, Najdorf"
    assert make_tournament(["c4-negascout-d4", "c4-negascout-d6"]).opening_names == {}  # evaluations, not names


# -- 5. paths another machine can read ------------------------------------------------------------------


def test_recorded_paths_are_relative_to_the_repository_or_shared_folder(tmp_path):
    assert portable_path(repo_root() / "data" / "connect4-teacher") == "data/connect4-teacher"
    assert portable_path(shared_dir() / "data" / "x") == "shared/data/x"
    assert portable_path(tmp_path / "elsewhere" / "c4-data") == "c4-data"
    assert not portable_path(Path.cwd()).startswith("/")


def test_a_pruned_nets_manifest_names_its_tuning_data_without_this_machines_paths(tmp_path):
    import pytest

    pytest.importorskip("torch")
    from test_prune import trained_tiny

    from searchprune.evaluation.store import read_net
    from searchprune.nets import data as D
    from searchprune.nets.export import export_model

    folder = tmp_path / "deep" / "c4-tuning"
    D.generate("connect4", folder, progress=False, games=4, shard_games=4, seed=3, exact_from=16, search_depth=4)
    parent = export_model(trained_tiny(), tmp_path / "parent")
    result = CliRunner().invoke(main, ["prune", str(parent), "--method", "structured", "--amount", "0.5",
                                       "--data", str(folder), "--finetune-epochs", "0", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    manifest = read_net(next((tmp_path / "out").glob("*.npz"))).manifest
    assert manifest["prune"]["data"]["folders"] == ["c4-tuning"]
    assert str(tmp_path) not in json.dumps(manifest["prune"])
