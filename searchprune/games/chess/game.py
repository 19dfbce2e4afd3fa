"""The Python face of chess: python-chess at the boundary, compiled kernels inside.

FEN, SAN, UCI and PGN go through python-chess (the ``chess`` package); a position is
turned into the kernels' state array once (``state_from_board``) and moves into ints.
The search never calls python-chess.

Positions are written with the en-passant square only when a pawn of the side to
move stands beside the pawn that just double-pushed (python-chess's ``xfen`` rule,
which is also when the Polyglot key counts it), so that a FEN written here reads back
to the same state and key.
"""

from __future__ import annotations

import sys
from types import ModuleType

import chess
import chess.pgn
import numpy as np

from searchprune.games.base import Game, GameError, GameInfo, State
from searchprune.games.chess import board as B
from searchprune.games.chess.tables import (
    BK,
    BQ,
    CASTLE_KEYS,
    CASTLING,
    DOUBLE_PUSH,
    EN_PASSANT,
    MOVE_SPACE,
    NORMAL,
    PIECE_KEYS,
    PROMO_N,
    TURN_KEY,
    WK,
    WQ,
)
from searchprune.types import DRAW, MAX_PLY, ONGOING

START_FEN = chess.STARTING_FEN
#: Flaws python-chess reports that the kernels handle: checks no game could reach (test
#: suites use them), and castling or en-passant fields that are cleaned on reading.
_TOLERATED = (chess.STATUS_IMPOSSIBLE_CHECK | chess.STATUS_TOO_MANY_CHECKERS | chess.STATUS_BAD_CASTLING_RIGHTS
              | chess.STATUS_INVALID_EP_SQUARE)
_CASTLE_FLAGS = ((chess.BB_H1, WK), (chess.BB_A1, WQ), (chess.BB_H8, BK), (chess.BB_A8, BQ))


def _rights(board: chess.Board) -> int:
    clean = board.clean_castling_rights()
    return sum(flag for square_bb, flag in _CASTLE_FLAGS if clean & square_bb)


def _code(piece: chess.Piece) -> int:
    colour = 0 if piece.color == chess.WHITE else 1
    return colour * 8 + piece.piece_type  # python-chess types run pawn = 1 ... king = 6


def _set_up(board: chess.Board) -> State:
    """State of ``board``'s current position, with no history."""
    state = np.zeros(B.STATE_SIZE, dtype=np.int64)
    key = np.uint64(0)
    for square, piece in board.piece_map().items():
        code = _code(piece)
        state[B.BOARD + square] = code
        bit = np.int64(B.SQ_BIT[square])
        state[piece.piece_type - 1] |= bit
        state[6 + (code >> 3)] |= bit
        key ^= PIECE_KEYS[code, square]
        state[B.MG] += B.PST_MG[code, square]
        state[B.EG] += B.PST_EG[code, square]
        state[B.PHASE] += B.PHASE_OF[code]
    rights = _rights(board)
    key ^= CASTLE_KEYS[rights]
    if board.turn == chess.WHITE:
        key ^= TURN_KEY
    state[B.SIDE] = 0 if board.turn == chess.WHITE else 1
    state[B.CASTLE] = rights
    ep = board.ep_square
    state[B.EP] = ep if ep is not None and _ep_counts(board) else B.NO_SQ
    state[B.HALFMOVE] = board.halfmove_clock
    state[B.FULLMOVE] = board.fullmove_number
    state[B.ROOT] = B.NO_ROOT
    state[B.KEY] = np.int64(key)
    return state


def _ep_counts(board: chess.Board) -> bool:
    """Is a pawn of the side to move beside the pawn that just double-pushed?"""
    return board.ep_square is not None and board.fen(en_passant="xfen").split()[3] != "-"


def to_move(board: chess.Board, move: chess.Move) -> int:
    """The kernels' int for a legal python-chess ``move`` in ``board``."""
    if move.promotion:
        kind = PROMO_N + move.promotion - chess.KNIGHT
    elif board.is_castling(move):
        kind = CASTLING
    elif board.is_en_passant(move):
        kind = EN_PASSANT
    elif board.piece_type_at(move.from_square) == chess.PAWN and abs(move.to_square - move.from_square) == 16:
        kind = DOUBLE_PUSH
    else:
        kind = NORMAL
    return move.from_square | move.to_square << 6 | kind << 12


def from_move(move: int) -> chess.Move:
    """The python-chess move for the kernels' int ``move``."""
    kind = move >> 12
    promotion = kind - PROMO_N + chess.KNIGHT if PROMO_N <= kind <= PROMO_N + 3 else None
    return chess.Move(move & 63, (move >> 6) & 63, promotion=promotion)


def uci(move: int) -> str:
    return from_move(move).uci()


def state_from_board(board: chess.Board) -> State:
    """State of ``board``, its moves replayed from the root so repetitions are known."""
    root = board.root()
    state = _set_up(root)
    replay = root.copy(stack=False)
    for move in board.move_stack:
        B.make(state, np.int64(to_move(replay, move)))
        replay.push(move)
    return state


def board_from_state(state: State) -> chess.Board:
    """A python-chess board of the current position (without the move history)."""
    board = chess.Board(None)
    for square in range(64):
        code = int(state[B.BOARD + square])
        if code:
            board.set_piece_at(square, chess.Piece(code & 7, chess.WHITE if code < 8 else chess.BLACK))
    board.turn = chess.WHITE if state[B.SIDE] == 0 else chess.BLACK
    rights = int(state[B.CASTLE])
    board.castling_rights = sum(square_bb for square_bb, flag in _CASTLE_FLAGS if rights & flag)
    ep = int(state[B.EP])
    board.ep_square = None if ep == B.NO_SQ else ep
    board.halfmove_clock = int(state[B.HALFMOVE])
    board.fullmove_number = int(state[B.FULLMOVE])
    return board


def board_with_history(state: State) -> chess.Board:
    """``state`` as a python-chess board whose move stack holds the plies since the last
    capture or pawn move: all the history a repetition can reach (what a UCI engine
    needs to see in ``position ... moves``)."""
    work = np.array(state, copy=True)
    moves = []
    for _ in range(min(int(work[B.HALFMOVE]), int(work[B.HPLY]))):
        ply = int(work[B.HPLY]) - 1
        move = int(work[B.HIST + (ply & B.HIST_MASK) * B.REC + B.R_MOVE])
        B.unmake(work, np.int64(move))
        moves.append(move)
    board = board_from_state(work)
    for move in reversed(moves):
        board.push(from_move(move))
    return board


class Chess(Game):
    """Standard chess (no Chess960)."""

    info = GameInfo(
        name="chess",
        max_moves=B.MAX_MOVES,
        max_plies=100_000,
        move_space=MOVE_SPACE,
        players=("White", "Black"),
        description="chess: legal bitboard move generator, Polyglot keys, quiescence and pruning",
    )

    search_defaults = dict(qsearch=True, check_extension=True, null_move=True, lmr=True, futility=True,
                           mate_distance=True)

    @property
    def kernels(self) -> ModuleType:
        return sys.modules["searchprune.games.chess"]

    # -- positions ---------------------------------------------------------------------
    def new_state(self) -> State:
        return _set_up(chess.Board())

    def parse_position(self, text: str) -> State:
        """A FEN, or ``startpos`` (also the empty text), either followed by ``moves`` and UCI moves."""
        return state_from_board(self.parse_board(text))

    def parse_board(self, text: str) -> chess.Board:
        words = text.split() or ["startpos"]
        moves: list[str] = []
        if "moves" in words:
            at = words.index("moves")
            words, moves = words[:at], words[at + 1:]
        if words == ["startpos"]:
            board = chess.Board()
        else:
            fen = " ".join(words)
            try:
                board = chess.Board(fen)
            except ValueError as error:
                raise GameError(f"bad FEN {fen!r}: {error}") from None
            fatal = board.status() & ~_TOLERATED
            if fatal:
                raise GameError(f"impossible position {fen!r}: {_status_text(fatal)}")
        for text_move in moves:
            try:
                move = board.parse_uci(text_move)
                if not move:  # python-chess reads 0000 as a null move
                    raise ValueError
            except ValueError:
                raise GameError(f"illegal move {text_move!r} in {board.fen()}") from None
            board.push(move)
        if board.fullmove_number > 100_000 or board.halfmove_clock > 100_000:
            raise GameError(f"move counters out of range in {board.fen()}")
        return board

    def format_position(self, state: State) -> str:
        return board_from_state(state).fen(en_passant="xfen")

    # -- moves -------------------------------------------------------------------------
    def format_move(self, state: State, move: int) -> str:
        """SAN, e.g. ``Nf3``, ``exd5``, ``O-O``, ``e8=Q+``."""
        return board_from_state(state).san(from_move(move))

    def move_name(self, state: State, move: int) -> str:
        return uci(move)

    def parse_move(self, state: State, text: str) -> int:
        """SAN (``Nf3``, ``O-O``) or UCI (``g1f3``); raises ``GameError`` if illegal or unreadable."""
        text = text.strip()
        if self.status(state) != ONGOING:
            raise GameError("the game is over: no move can be played")
        board = board_from_state(state)
        try:
            move = chess.Move.from_uci(text.lower())
            if move not in board.legal_moves:
                raise ValueError
        except ValueError:
            try:
                move = board.parse_san(text)
            except ValueError:
                legal = ", ".join(sorted(board.san(m) for m in board.legal_moves))
                raise GameError(f"illegal move {text!r}: legal moves are {legal}") from None
        return to_move(board, move)

    # -- results -----------------------------------------------------------------------
    def side_to_move(self, state: State) -> int:
        return int(state[B.SIDE])

    def plies_left(self, state: State) -> int:
        return MAX_PLY

    def live_state(self, state: State) -> np.ndarray:
        """Everything up to the undo records of the moves played (later records are spent)."""
        return state[:B.HIST + B.REC * min(int(state[B.HPLY]), B.HIST_PLIES)]

    def search_state(self, state: State) -> State:
        """A copy to search, whose repetitions since now count as draws at once."""
        work = np.array(state, copy=True)
        work[B.ROOT] = work[B.HPLY]
        return work

    def result_text(self, state: State) -> str:
        text = super().result_text(state)
        if self.status(state) == DRAW:
            reason = _draw_reason(state)
            return f"Draw ({reason})." if reason else text
        return text

    def game_record(self, start: State, moves: list[int], headers: dict[str, str]) -> tuple[str, str]:
        """The game from ``start`` through ``moves`` as PGN (FEN and SetUp tags when it did
        not begin at the initial position); ``headers`` fill the tag roster."""
        board = board_from_state(start)
        pgn = chess.pgn.Game()
        if board.fen() != START_FEN:
            pgn.setup(board)
        for name, value in headers.items():
            pgn.headers[name] = value
        node = pgn
        for move in moves:
            node = node.add_variation(from_move(move))
            board.push(node.move)
        outcome = board.outcome(claim_draw=True)
        pgn.headers["Result"] = outcome.result() if outcome else "*"
        return ".pgn", str(pgn) + "\n"

    # -- display -----------------------------------------------------------------------
    def render(self, state: State, *, color: bool = False, flipped: bool = False) -> str:
        """The board from White's side (Black's when ``flipped``), then who moves and the FEN."""
        board = board_from_state(state)
        lines = []
        files = range(7, -1, -1) if flipped else range(8)
        for rank in range(8) if flipped else range(7, -1, -1):
            cells = []
            for file in files:
                piece = board.piece_at(chess.square(file, rank))
                symbol = piece.unicode_symbol() if piece else "·"
                if color:
                    shade = "\x1b[48;5;180m" if (rank + file) % 2 else "\x1b[48;5;137m"
                    symbol = f"{shade}\x1b[30m {symbol} \x1b[0m"
                else:
                    symbol = f" {symbol}"
                cells.append(symbol)
            lines.append(f"{rank + 1} " + "".join(cells))
        lines.append("  " + "".join(f" {f} " if color else f" {f}" for f in ("hgfedcba" if flipped else "abcdefgh")))
        side = "White" if board.turn == chess.WHITE else "Black"
        check = ", in check" if board.is_check() else ""
        lines.append(f"{side} to move{check}. FEN {board.fen(en_passant='xfen')}")
        return "\n".join(lines)


def _draw_reason(state: State) -> str:
    if B.insufficient_material(state):
        return "insufficient material"
    if B.is_repetition(state):
        return "threefold repetition"
    if not B.has_legal_move(state):
        return "stalemate"
    if state[B.HALFMOVE] >= 100:
        return "50-move rule"
    return ""


def _status_text(status: chess.Status) -> str:
    names = [flag.name.lower().replace("_", " ") for flag in chess.Status if flag and flag in status]
    return ", ".join(names) or "invalid"
