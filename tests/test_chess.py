"""Chess against its oracles: python-chess (moves, FEN, keys, results) and the perft
counts of ``shared/data/chess/perft.epd``."""

from __future__ import annotations

import random

import chess
import chess.polyglot
import numpy as np
import pytest

from searchprune.games import GameError, get_game
from searchprune.games.chess import board as kernels
from searchprune.games.chess.game import board_from_state, from_move, state_from_board, to_move
from searchprune.paths import shared_data_dir
from searchprune.search.driver import Searcher
from searchprune.types import DRAW, LOSS, MATE, ONGOING

GAME = get_game("chess")
PERFT_EPD = shared_data_dir() / "chess" / "perft.epd"
#: The perft counts pytest checks: every (line, depth) of the suite up to this many leaves.
PERFT_LIMIT = 10_000_000


def perft_cases() -> list[tuple[str, int, int]]:
    cases = []
    for line in PERFT_EPD.read_text().splitlines():
        fen, *fields = line.split(";")
        for field in fields:
            depth, count = field.split()
            if int(count) <= PERFT_LIMIT:
                cases.append((fen.strip(), int(depth[1:]), int(count)))
    return cases


def test_perft_suite_matches_at_every_depth_up_to_ten_million():
    cases = perft_cases()
    assert len({fen for fen, _, _ in cases}) == 131
    searcher = Searcher(GAME, tt_mb=0.0625)
    wrong = [(fen, depth, count, got) for fen, depth, count in cases
             if (got := searcher.perft(GAME.parse_position(fen), depth)) != count]
    assert not wrong, wrong[:5]


def _live(state):
    return GAME.live_state(state).copy()


def _play_random_game(rng: random.Random, board: chess.Board, max_plies: int) -> int:
    """Play random moves in both python-chess and the kernels, comparing every ply."""
    state = state_from_board(board)
    buf = np.zeros(kernels.MAX_MOVES, dtype=np.int64)
    plies = 0
    while plies < max_plies:
        n = kernels.gen_moves(state, buf)
        theirs = sorted(to_move(board, m) for m in board.legal_moves)
        assert sorted(buf[:n]) == theirs, board.fen()
        assert GAME.format_position(state) == board.fen(en_passant="xfen")
        assert GAME.key(state) == chess.polyglot.zobrist_hash(board), board.fen()
        assert kernels.in_check(state) == board.is_check()
        tactical = kernels.gen_tactical(state, buf)
        expected = {to_move(board, m) for m in board.legal_moves if board.is_check() or m.promotion == chess.QUEEN
                    or (board.is_capture(m) and not m.promotion)}
        assert set(buf[:tactical]) == expected, board.fen()
        if not theirs:
            assert GAME.status(state) == (LOSS if board.is_check() else DRAW)
            break
        move = rng.choice(list(board.legal_moves))
        before = _live(state)
        kernels.make(state, np.int64(to_move(board, move)))
        kernels.unmake(state, np.int64(to_move(board, move)))
        assert np.array_equal(_live(state), before), board.fen()
        kernels.make(state, np.int64(to_move(board, move)))
        board.push(move)
        plies += 1
    return plies


def test_random_games_agree_with_python_chess_at_every_ply():
    """Move set, tactical subset, FEN, Polyglot key, check and make/unmake, every ply of
    1000 random games: 800 from the start, 200 from the perft suite's positions."""
    rng = random.Random(2026)
    starts = [line.split(";")[0].strip() for line in PERFT_EPD.read_text().splitlines()]
    plies = 0
    for game_number in range(1000):
        fen = chess.STARTING_FEN if game_number < 800 else starts[game_number % len(starts)]
        plies += _play_random_game(rng, chess.Board(fen), max_plies=200)
    assert plies > 100_000


def test_game_status_follows_the_rules():
    # threefold repetition, not twofold
    board = chess.Board()
    for uci in ["g1f3", "g8f6", "f3g1", "f6g8"]:
        board.push_uci(uci)
    state = state_from_board(board)
    assert GAME.status(state) == ONGOING
    for uci in ["g1f3", "g8f6", "f3g1", "f6g8"]:
        board.push_uci(uci)
    assert board.is_repetition(3)
    assert GAME.status(state_from_board(board)) == DRAW
    assert "repetition" in GAME.result_text(state_from_board(board))
    # in a search, one repetition after the root is already a draw
    work = GAME.search_state(GAME.parse_position("startpos"))
    for uci in ["g1f3", "g8f6", "f3g1", "f6g8"]:
        kernels.make(work, np.int64(to_move(board_from_state(work), chess.Move.from_uci(uci))))
    assert kernels.terminal(work) == DRAW
    # mate, stalemate, dead material, the 50-move rule
    assert GAME.status(GAME.parse_position("7k/6Q1/6K1/8/8/8/8/8 b - - 0 1")) == LOSS
    assert GAME.status(GAME.parse_position("7k/8/6QK/8/8/8/8/8 b - - 0 1")) == DRAW
    assert GAME.status(GAME.parse_position("8/8/4k3/8/8/3NK3/8/8 w - - 0 1")) == DRAW
    assert GAME.status(GAME.parse_position("8/8/4k3/8/8/3BK3/8/8 w - - 0 1")) == DRAW
    assert GAME.status(GAME.parse_position("8/8/4k3/8/8/2NNK3/8/8 w - - 0 1")) == ONGOING
    assert GAME.status(GAME.parse_position("8/8/4k3/8/8/3RK3/8/8 w - - 99 80")) == ONGOING
    assert GAME.status(GAME.parse_position("8/8/4k3/8/8/3RK3/8/8 w - - 100 80")) == DRAW


def test_positions_and_moves_through_the_boundary():
    state = GAME.parse_position("startpos moves e2e4 e7e5 g1f3")
    assert GAME.format_position(state) == "rnbqkbnr/pppp1ppp/8/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R b KQkq - 1 2"
    assert GAME.format_move(state, GAME.parse_move(state, "Nc6")) == "Nc6"
    assert GAME.parse_move(state, "b8c6") == GAME.parse_move(state, "Nc6")
    assert GAME.move_name(state, GAME.parse_move(state, "Nc6")) == "b8c6"
    promotion = GAME.parse_position("8/P6k/8/8/8/8/8/K7 w - - 0 1")
    assert from_move(GAME.parse_move(promotion, "a8=N")).promotion == chess.KNIGHT
    for bad, reason in [("rnbqkbnr/pppppppp/8/8 w", "bad FEN"), ("8/8/8/8/8/8/8/8 w - - 0 1", "impossible position"),
                        ("startpos moves e2e5", "illegal move 'e2e5'")]:
        with pytest.raises(GameError, match=reason):
            GAME.parse_position(bad)
    with pytest.raises(GameError, match="illegal move 'Ke2'"):
        GAME.parse_move(GAME.new_state(), "Ke2")


def _value(searcher, fen: str, depth: int) -> int:
    from searchprune.search.limits import Limit

    searcher.clear()
    return searcher.search(GAME.parse_position(fen), Limit(depth=depth)).score


#: Middlegame positions (WAC 2, 4, 10; Kiwipete; a quiet opening) with no zugzwang.
MIDDLEGAMES = [
    "8/7p/5k2/5p2/p1p2P2/Pr1pPK2/1P1R3P/8 b - - 0 1",
    "r1b2rk1/1pqn1pbp/p2pp1p1/8/2PNP3/1PN3P1/P2BQPBP/R4RK1 w - - 0 1",
    "2br2k1/2q3rn/p2NppQ1/2p1P3/Pp5R/4P3/1P3PPP/3R2K1 w - - 0 1",
    "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
    "r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3",
]


@pytest.mark.parametrize("fen", MIDDLEGAMES)
def test_search_with_pruning_off_equals_plain_alphabeta(fen):
    """PVS with table, ordering and aspiration, but null move, LMR and futility off, gives
    the root value of plain alpha-beta without table, killers or history (both with quiescence and
    check extension)."""
    off = dict(null_move=False, lmr=False, futility=False)
    engine = Searcher(GAME, **off)
    # Ordering hints stay on: without MVV-LVA the capture search below the horizon
    # explodes, and order never changes an alpha-beta value.
    plain = Searcher(GAME, algorithm="alphabeta", tt=False, killers=False, history=False, aspiration=False, **off)
    for depth in (1, 2, 3):
        assert _value(engine, fen, depth) == _value(plain, fen, depth), depth


# Mates checked by python-chess below (``forced_mate``), not by the engine.
MATES = [
    ("r1bqkb1r/pppp1ppp/2n2n2/4p2Q/2B1P3/8/PPPP1PPP/RNB1K1NR w KQkq - 4 4", 1),
    ("6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1", 1),
    ("2rr3k/pp3pp1/1nnqbN1p/3pN3/2pP4/2P3Q1/PPB4P/R4RK1 w - - 0 1", 2),  # WAC.001
    ("r2q1r1k/2p1b1pp/p1n5/1p1Q1bN1/4n3/1BP1B3/PP3PPP/R4RK1 w - - 0 1", 2),  # WAC.084
    ("r1b2rk1/2p2ppp/p7/1p6/3P3q/1BP3bP/PP3QP1/RNB1R1K1 w - - 0 1", 2),  # WAC.154
]


def forced_mate(board: chess.Board, moves: int) -> bool:
    """Can the side to move mate within ``moves`` moves? (python-chess, full width)."""
    for move in board.legal_moves:
        board.push(move)
        try:
            if board.is_checkmate():
                return True
            if moves > 1 and not board.is_game_over() and all(
                _mates_after(board, reply, moves - 1) for reply in list(board.legal_moves)
            ):
                return True
        finally:
            board.pop()
    return False


def _mates_after(board: chess.Board, reply: chess.Move, moves: int) -> bool:
    board.push(reply)
    try:
        return forced_mate(board, moves)
    finally:
        board.pop()


@pytest.mark.parametrize("fen,moves", MATES)
def test_mates_are_found_at_their_distance(fen, moves):
    from searchprune.search.limits import Limit

    board = chess.Board(fen)
    assert forced_mate(board, moves) and (moves == 1 or not forced_mate(board, moves - 1))
    result = Searcher(GAME).search(GAME.parse_position(fen), Limit(depth=2 * moves + 2))
    assert result.score == MATE - (2 * moves - 1)
    line = board.copy()
    for move in result.info.pv:
        line.push(from_move(move))
    assert line.is_checkmate() and len(result.info.pv) == 2 * moves - 1
    # the mated side sees the same distance, negated
    board.push(from_move(result.move))
    if moves > 1:
        reply = Searcher(GAME).search(state_from_board(board), Limit(depth=2 * moves + 1))
        assert reply.score == -(MATE - (2 * moves - 2))


def _count_replies(board: chess.Board, move: chess.Move) -> int:
    board.push(move)
    try:
        return board.legal_moves.count()
    finally:
        board.pop()


def test_perft_command_json_and_divide():
    import json

    from click.testing import CliRunner

    from searchprune.cli import main

    result = CliRunner().invoke(main, ["perft", "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq -",
                                       "3", "--divide", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["nodes"] == 97862 and out["seconds"] >= 0
    board = chess.Board("r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq -")
    expected = {}
    for move in board.legal_moves:  # python-chess's own count below each move
        board.push(move)
        expected[move.uci()] = sum(_count_replies(board, reply) for reply in list(board.legal_moves))
        board.pop()
    assert out["divide"] == expected
    result = CliRunner().invoke(main, ["perft", "not a fen", "2"])
    assert result.exit_code == 2 and "bad FEN" in result.output


def test_engine_specs_can_switch_every_search_component():
    from searchprune.engines.spec import SEARCH_SWITCHES, load_spec

    assert set(Searcher.COMPONENTS) <= set(SEARCH_SWITCHES)
    assert load_spec("chess-negascout-d6-nopruning").search == dict(null_move=False, lmr=False, futility=False)
