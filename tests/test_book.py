"""The Connect Four opening book: built by the project's solver, checked against fresh
solves, folded by mirror images, and played by the engine (``engines.exact``).

Oracles: the solver (itself checked against Pons' test sets) for every stored entry,
and games against a perfect opponent (the solver) for the engine that plays from it.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from click.testing import CliRunner

from searchprune.arena.book_build import build_book, verify_book
from searchprune.cli import main
from searchprune.engines.engine import SearchEngine
from searchprune.engines.exact import ExactPlay
from searchprune.games import get_game
from searchprune.paths import shared_data_dir
from searchprune.search.limits import Limit
from searchprune.solvers.book import BookError, OpeningBook, book_move, canonical_key, mirror_key
from searchprune.solvers.connect4 import Connect4Solver
from searchprune.types import DRAW, ONGOING

C4 = get_game("connect4")
START = "4444333"  # a book grown from here to 11 stones builds in seconds


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("book")
    manifest = build_book(folder / "work", 11, start=START, concurrency=1, out=folder / "book.npz")
    return OpeningBook.load(folder / "book.npz"), manifest, folder


def mirrored(moves: str) -> str:
    return "".join(str(8 - int(c)) for c in moves)


def test_every_entry_equals_a_fresh_solve(small_book):
    book, manifest, _ = small_book
    assert len(book) == manifest["entries"] > 50
    assert verify_book(book, sample=len(book)) == []


def test_a_wrong_entry_is_found(small_book):
    """The verification can fail: one score changed is reported."""
    book, _, _ = small_book
    scores = book.scores.copy()
    scores[3] += 1
    broken = OpeningBook(book.keys, scores, book.best, book.moves)
    assert verify_book(broken, sample=len(book)) == [str(book.moves[3]) or "(empty board)"]


def test_mirror_images_share_one_entry(small_book):
    book, _, _ = small_book
    solver = Connect4Solver(tt_log2=20)
    for moves in [str(m) for m in book.moves[:20]]:
        here, there = C4.parse_position(moves), C4.parse_position(mirrored(moves))
        assert canonical_key(here)[0] == canonical_key(there)[0]
        assert mirror_key(mirror_key(canonical_key(here)[0])) == canonical_key(here)[0]
        score, best, move = book.lookup(there)
        fresh = solver.solve(there, all_best=True)
        assert (score, best) == (fresh.score, fresh.best_moves)
        assert move == 6 - book.lookup(here)[2]  # the book move is mirrored too


def test_book_move_is_the_most_central_optimal_column():
    assert book_move([0, 6, 2]) == 2
    assert book_move([4, 2]) == 2
    assert book_move([6]) == 6


def test_the_engine_stays_in_the_book_it_was_built_for(small_book):
    """From the book's start, whatever the opponent replies, every engine move up to the
    book's depth comes from the book, and is one of the solver's optimal moves."""
    book, _, _ = small_book
    engine = SearchEngine.create(C4)
    engine.exact = ExactPlay(C4, book=book)
    solver = Connect4Solver(tt_log2=20)
    rng = random.Random(1)
    for _ in range(6):
        state = C4.parse_position(START if rng.random() < 0.5 else START + str(rng.randint(1, 7)))
        while int(state[2]) <= 11 and C4.status(state) == ONGOING:
            result = engine.analyse(state, Limit(time=1.0))
            assert result.source == "book", C4.format_position(state)
            assert result.move in solver.solve(state, all_best=True).best_moves
            C4.play(state, result.move)
            if C4.status(state) != ONGOING:
                break
            C4.play(state, rng.choice(C4.legal_moves(state)))


def test_a_damaged_book_is_refused_in_one_line(small_book, tmp_path):
    _, _, folder = small_book
    data = (folder / "book.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(BookError, match="not an opening book") as error:
        OpeningBook.load(tmp_path / "cut.npz")
    assert "\n" not in str(error.value)
    result = CliRunner().invoke(main, ["book", "verify", "connect4", "--file", str(tmp_path / "cut.npz")])
    assert result.exit_code == 2 and "not an opening book" in result.output


def test_book_verify_command(small_book):
    _, _, folder = small_book
    result = CliRunner().invoke(main, ["book", "verify", "connect4", "--file", str(folder / "book.npz"),
                                       "--sample", "5"])
    assert result.exit_code == 0, result.output
    assert "ok: 5 of" in result.output


def test_build_resumes_from_what_it_solved(small_book, tmp_path):
    """A rerun over the same work folder solves nothing again and writes the same book."""
    book, manifest, folder = small_book
    again = build_book(folder / "work", 11, start=START, concurrency=1, out=tmp_path / "again.npz")
    assert again["sha256"] == manifest["sha256"]
    assert again["wall_seconds_this_run"] < manifest["wall_seconds_this_run"] + 5


SHIPPED = OpeningBook.default()


@pytest.mark.skipif(SHIPPED is None, reason="no opening book shipped in games/connect4")
def test_the_book_driven_engine_wins_every_game_as_first_player():
    """Issue 20: from the empty board, the engine (book, then solver, then search; 1 s a
    move) beats a perfect opponent that picks at random among its least bad moves (from
    the book where it holds the position, else a solve). Two games, about a minute each:
    the opponent's solves of the early positions are the cost."""
    engine = SearchEngine.create(C4)
    opponent = Connect4Solver()
    rng = random.Random(7)
    for _ in range(2):
        engine.new_game()
        state = C4.new_state()
        while C4.status(state) == ONGOING:
            if int(state[2]) % 2 == 0:
                C4.play(state, engine.analyse(state, Limit(time=1.0)).move)
            else:
                found = SHIPPED.lookup(state)
                best = found[1] if found is not None else opponent.solve(state, all_best=True).best_moves
                C4.play(state, rng.choice(best))
        # the side to move has lost: the opponent, on an odd number of stones
        assert int(state[2]) % 2 == 1, C4.format_position(state)


@pytest.mark.skipif(not (shared_data_dir() / "connect4" / "Test_L2_R1").exists(), reason="no Pons test set")
def test_the_engine_never_spoils_a_drawn_or_won_position():
    """From Pons' middle-game positions that the side to move draws or wins, the engine
    (the solver at 0.5 s a move) keeps the result against a perfect opponent."""
    engine = SearchEngine.create(C4)
    opponent = Connect4Solver()
    rng = random.Random(3)
    lines = (shared_data_dir() / "connect4" / "Test_L2_R1").read_text().split("\n")
    picked = [line.split() for line in lines[:200] if line.strip() and int(line.split()[1]) >= 0][:6]
    for moves, expected in picked:
        state = C4.parse_position(moves)
        engine_side = int(state[2]) % 2
        while C4.status(state) == ONGOING:
            if int(state[2]) % 2 == engine_side:
                C4.play(state, engine.analyse(state, Limit(time=0.5)).move)
            else:
                C4.play(state, rng.choice(opponent.solve(state, all_best=True).best_moves))
        loser = int(state[2]) % 2 if C4.status(state) != DRAW else None  # the side to move has lost
        if int(expected) > 0:
            assert loser == 1 - engine_side, moves
        else:
            assert loser != engine_side, moves


@pytest.mark.skipif(SHIPPED is None, reason="no opening book shipped in games/connect4")
def test_solve_answers_from_the_book_unless_told_not_to():
    """The empty board: the book's +1 and column 4 at once; --no-book leaves it to the
    solver (here stopped by --time, so only a bound)."""
    import json

    result = CliRunner().invoke(main, ["solve", "connect4", "", "--json"])
    record = json.loads(result.output)
    assert result.exit_code == 0 and record["source"] == "book"
    assert record["score"] == 1 and record["best_moves"] == ["4"] and record["nodes"] == 0
    result = CliRunner().invoke(main, ["solve", "connect4", "", "--json", "--no-book", "--time", "0.2"])
    record = json.loads(result.output)
    assert "source" not in record and record["stopped"] == "time"
