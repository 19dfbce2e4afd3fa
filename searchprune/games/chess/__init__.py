"""Chess: compiled bitboard kernels (``board``), evaluation, and the python-chess bridge.

This package is the game module the search binds: it re-exports the protocol
kernels and the optional ones the chess search components use (quiescence, check
extension, null move, late-move reductions, futility pruning).
"""

from searchprune.games.bundle import BenchParts, DataParts, GameBundle, NetParts
from searchprune.games.chess.board import (  # noqa: F401
    gen_moves,
    gen_tactical,
    has_legal_move,
    in_check,
    is_tactical,
    key,
    make,
    make_null,
    null_ok,
    order_hints,
    perft_over,
    terminal,
    unmake,
    unmake_null,
)
from searchprune.games.chess.evaluation import evaluate  # noqa: F401
from searchprune.games.chess.game import Chess  # noqa: F401

#: This game's registration (``searchprune.games.registry``).
BUNDLE = GameBundle(
    "chess", "searchprune.games.chess:Chess",
    net=NetParts("chess-nnue", "searchprune.nets.infer:chess_net",
                 "searchprune.evaluation.infer:chess_net", "searchprune.evaluation.features:chess_active",
                 inputs=768, max_active=32, output_scale=100.0, loss="wdl", label_scale=100.0,
                 label_unit="centipawns", factor_block=64, incremental=True, short_accumulators=True),
    # NNUE: both perspectives' accumulators, side to move first, into the second layer
    # (trained by searchprune.nets.nnue from packed teacher data).
    other_nets=(NetParts("chess-dual", "chess-dual-v1", "searchprune.evaluation.infer:chess_dual_net",
                         "searchprune.evaluation.features:chess_active", inputs=768, max_active=32,
                         output_scale=100.0, loss="wdl", label_scale=100.0, label_unit="centipawns",
                         factor_block=64, incremental=True, short_accumulators=True, perspectives=2),),
    bench=BenchParts(("startpos", "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
                      "r1b2rk1/1pqn1pbp/p2pp1p1/8/2PNP3/1PN3P1/P2BQPBP/R4RK1 w - - 0 1",
                      "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1"), 7,
                     # No chess minimax: below the horizon it searches every capture
                     # sequence full width.
                     {"alphabeta": 6, "negascout": 8}, study_depth=5),
    # Stockfish at 10k nodes: ~9 ms a position, ~76 positions a game, so 100k positions
    # take ~10 minutes on 2 processes.
    data=DataParts("searchprune.nets.data:label_chess",
                   {"opening": [2, 10], "record_from": 0, "book_share": 0.5, "play_depth": 4, "epsilon": 0.05,
                    "max_plies": 200, "teacher": "/usr/games/stockfish", "teacher_depth": None,
                    "teacher_nodes": 10_000}),
    openings="games/chess/openings.txt",
)
from searchprune.games.bundle import BenchParts, DataParts, GameBundle, NetParts
