"""Chess position, legal move generation and make/unmake, compiled.

State (``int64[STATE_SIZE]``; bitboards are stored as the int64 with the same bits)::

    0..5      piece bitboards by type, both colours (pawn, knight, bishop, rook, queen, king)
    6, 7      white pieces, black pieces
    SIDE      colour to move (0 white, 1 black)
    CASTLE    castling rights, bits WK WQ BK BQ (``tables``)
    EP        en-passant target square after a double push, else NO_SQ (64)
    HALFMOVE  plies since the last capture or pawn move (50-move rule)
    FULLMOVE  move number, as in FEN
    HPLY      plies played since the position was set up
    ROOT      HPLY of the search root (see ``is_repetition``); huge outside a search
    KEY       Polyglot key without its en-passant term (``key`` adds it)
    MG, EG    material + piece-square score, white minus black, per phase
    PHASE     remaining material phase (24 at the start)
    BOARD     64 piece codes: 0 empty, ``colour * 8 + type + 1`` (white pawn 1 ... black king 14)
    HIST      a ring of HIST_PLIES undo records of REC words (below)
    SCRATCH   one spare slot at the end (``has_legal_move`` generates into it)

Each make writes one record: the move, the captured piece, castling rights, en-passant
square, half-move clock, both keys and the three scores before the move. Unmake
puts the pieces back and copies the rest from the record, so it is exact by
construction. The ring is far longer than any search path and than the 100 plies
the repetition rule can look back.

Moves are ``from | to << 6 | kind << 12`` (``tables.NORMAL`` ... ``DOUBLE_PUSH``);
castling is the king's move (e1g1), as in UCI. The generator is fully legal
(check evasions, pins, en passant that would expose the king), so perft needs no
make/unmake at the last ply.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from searchprune.bits import highest_index, lowest_index, popcount
from searchprune.config import JIT
from searchprune.games.chess.pst import PHASE_OF, PST_EG, PST_MG
from searchprune.games.chess.tables import (
    BETWEEN,
    BISHOP,
    BLACK,
    CASTLE_KEEP,
    CASTLE_KEYS,
    CASTLING,
    DARK_SQUARES,
    DOUBLE_PUSH,
    EAST,
    EN_PASSANT,
    EP_KEYS,
    KING,
    KING_ATTACKS,
    KNIGHT,
    KNIGHT_ATTACKS,
    LIGHT_SQUARES,
    LINE,
    NORMAL,
    NORTH,
    NORTH_EAST,
    NORTH_WEST,
    NULL_MOVE,
    PAWN,
    PAWN_ATTACKS,
    PIECE_KEYS,
    PROMO_N,
    PROMO_Q,
    PROMOTION_RANK,
    PUSH_TWICE_RANK,
    QUEEN,
    RAYS,
    ROOK,
    SOUTH,
    SOUTH_EAST,
    SOUTH_WEST,
    TURN_KEY,
    WEST,
    WHITE,
    WK,
    WQ,
)
from searchprune.types import DRAW, LOSS, ONGOING

SIDE, CASTLE, EP, HALFMOVE, FULLMOVE, HPLY, ROOT, KEY, MG, EG, PHASE = range(8, 19)
BOARD = 19
HIST = BOARD + 64
R_MOVE, R_CAPTURED, R_CASTLE, R_EP, R_HALFMOVE, R_KEY, R_FULLKEY, R_MG, R_EG, R_PHASE = range(10)
REC = 10
HIST_PLIES = 1024  # a power of two
HIST_MASK = HIST_PLIES - 1
SCRATCH = HIST + REC * HIST_PLIES
STATE_SIZE = SCRATCH + 1
NO_SQ = 64
#: ROOT outside a search: no earlier position counts as inside the search tree.
NO_ROOT = 1 << 40
#: Upper bound on legal moves in a chess position (218 is the known maximum).
MAX_MOVES = 256

_ONE = np.uint64(1)
_ZERO = np.uint64(0)
#: Wrap a constant argument of a kernel call: Numba compiles a callee once per distinct
#: *literal* argument (``generate(..., 256, True)`` and ``(..., 1, False)`` were three
#: compiles of the move generator), while a typed value compiles it once. Speed is the
#: same: LLVM inlines the callee and folds the constant anyway.
_I = np.int64
_B = np.bool_
#: Square bits as int64 patterns, for toggling the state's bitboards in place.
SQ_BIT = (np.uint64(1) << np.arange(64, dtype=np.uint64)).view(np.int64)
BIT = np.uint64(1) << np.arange(64, dtype=np.uint64)


# -- sliding attacks --------------------------------------------------------------------
@njit(**JIT)
def _ray_up(d: int, sq: int, occ: np.uint64) -> np.uint64:
    """Attacks along a positive ray: the nearest blocker is the lowest set bit."""
    ray = RAYS[d, sq]
    blockers = ray & occ
    if blockers:
        ray ^= RAYS[d, lowest_index(blockers)]
    return ray


@njit(**JIT)
def _ray_down(d: int, sq: int, occ: np.uint64) -> np.uint64:
    """Attacks along a negative ray: the nearest blocker is the highest set bit."""
    ray = RAYS[d, sq]
    blockers = ray & occ
    if blockers:
        ray ^= RAYS[d, highest_index(blockers)]
    return ray


@njit(**JIT)
def rook_attacks(sq: int, occ: np.uint64) -> np.uint64:
    return (_ray_up(_I(NORTH), sq, occ) | _ray_up(_I(EAST), sq, occ)
            | _ray_down(_I(SOUTH), sq, occ) | _ray_down(_I(WEST), sq, occ))


@njit(**JIT)
def bishop_attacks(sq: int, occ: np.uint64) -> np.uint64:
    return (_ray_up(_I(NORTH_EAST), sq, occ) | _ray_up(_I(NORTH_WEST), sq, occ)
            | _ray_down(_I(SOUTH_WEST), sq, occ) | _ray_down(_I(SOUTH_EAST), sq, occ))


@njit(**JIT)
def attackers_to(state: np.ndarray, sq: int, occ: np.uint64) -> np.uint64:
    """Pieces of both colours that attack ``sq`` when the board's occupancy is ``occ``."""
    white = np.uint64(state[6])
    black = np.uint64(state[7])
    pawns = np.uint64(state[PAWN])
    diagonal = np.uint64(state[BISHOP]) | np.uint64(state[QUEEN])
    straight = np.uint64(state[ROOK]) | np.uint64(state[QUEEN])
    return ((PAWN_ATTACKS[BLACK, sq] & pawns & white) | (PAWN_ATTACKS[WHITE, sq] & pawns & black)
            | (KNIGHT_ATTACKS[sq] & np.uint64(state[KNIGHT])) | (KING_ATTACKS[sq] & np.uint64(state[KING]))
            | (bishop_attacks(sq, occ) & diagonal) | (rook_attacks(sq, occ) & straight))


@njit(**JIT)
def is_attacked(state: np.ndarray, sq: int, by: int, occ: np.uint64) -> bool:
    """Does colour ``by`` attack ``sq`` (sliders see through nothing but ``occ``)?"""
    theirs = np.uint64(state[6 + by])
    if PAWN_ATTACKS[1 - by, sq] & np.uint64(state[PAWN]) & theirs:
        return True
    if KNIGHT_ATTACKS[sq] & np.uint64(state[KNIGHT]) & theirs:
        return True
    if KING_ATTACKS[sq] & np.uint64(state[KING]) & theirs:
        return True
    queens = np.uint64(state[QUEEN])
    if bishop_attacks(sq, occ) & (np.uint64(state[BISHOP]) | queens) & theirs:
        return True
    return (rook_attacks(sq, occ) & (np.uint64(state[ROOK]) | queens) & theirs) != _ZERO


@njit(**JIT)
def king_square(state: np.ndarray, colour: int) -> int:
    return lowest_index(np.uint64(state[KING]) & np.uint64(state[6 + colour]))


@njit(**JIT)
def in_check(state: np.ndarray) -> bool:
    """Is the side to move in check?"""
    us = state[SIDE]
    occ = np.uint64(state[6]) | np.uint64(state[7])
    return is_attacked(state, king_square(state, us), 1 - us, occ)


# -- move generation ----------------------------------------------------------------------
@njit(**JIT)
def encode(frm: int, to: int, kind: int) -> int:
    return frm | (to << 6) | (kind << 12)


@njit(**JIT)
def _pinned(state: np.ndarray, ksq: int, own: np.uint64, opp: np.uint64, occ: np.uint64) -> np.uint64:
    """Our pieces that stand alone between our king and an enemy slider aiming at it."""
    queens = np.uint64(state[QUEEN])
    snipers = ((rook_attacks(ksq, opp) & (np.uint64(state[ROOK]) | queens))
               | (bishop_attacks(ksq, opp) & (np.uint64(state[BISHOP]) | queens))) & opp
    pinned = _ZERO
    while snipers:
        s = lowest_index(snipers)
        snipers &= snipers - _ONE
        between = BETWEEN[ksq, s] & occ
        if between and not (between & (between - _ONE)) and (between & own):
            pinned |= between
    return pinned


@njit(**JIT)
def _ep_is_legal(state: np.ndarray, frm: int, to: int, capsq: int, ksq: int, us: int, occ: np.uint64) -> bool:
    """Would capturing en passant from ``frm`` leave our king attacked?"""
    after = (occ ^ BIT[frm] ^ BIT[capsq]) | BIT[to]
    them = np.uint64(state[6 + 1 - us]) & ~BIT[capsq]
    queens = np.uint64(state[QUEEN])
    if rook_attacks(ksq, after) & (np.uint64(state[ROOK]) | queens) & them:
        return False
    if bishop_attacks(ksq, after) & (np.uint64(state[BISHOP]) | queens) & them:
        return False
    # Any other checker (a knight, or a pawn that is not the one captured) still checks.
    others = ((KNIGHT_ATTACKS[ksq] & np.uint64(state[KNIGHT]))
              | (PAWN_ATTACKS[us, ksq] & np.uint64(state[PAWN]))) & them
    return others == _ZERO


@njit(**JIT)
def _add_targets(buf: np.ndarray, n: int, cap: int, frm: int, hits: np.uint64) -> int:
    """Append a move from ``frm`` to each square of ``hits``, stopping at ``cap`` moves."""
    while hits and n < cap:
        buf[n] = encode(frm, lowest_index(hits), _I(NORMAL))
        n += 1
        hits &= hits - _ONE
    return n


@njit(**JIT)
def _add_pawn_move(buf: np.ndarray, n: int, cap: int, frm: int, to: int, promotes: bool, tactical: bool) -> int:
    """Append a pawn move; one reaching the last rank is four promotions (a queen only
    when ``tactical``), the queen first, stopping at ``cap`` moves."""
    if not promotes:
        buf[n] = encode(frm, to, _I(NORMAL))
        return n + 1
    buf[n] = encode(frm, to, _I(PROMO_Q))
    n += 1
    if not tactical:
        for kind in range(PROMO_N, PROMO_Q):
            if n >= cap:
                break
            buf[n] = encode(frm, to, kind)
            n += 1
    return n


@njit(**JIT)
def generate(state: np.ndarray, buf: np.ndarray, cap: int, tactical: bool) -> int:
    """Write legal moves into ``buf`` and return how many, stopping once there are ``cap``.

    ``tactical``: only captures (en passant included; a capture that promotes, to a queen
    only) and queen promotions, unless the side to move is in check, when every evasion
    is generated.
    """
    us = state[SIDE]
    them = 1 - us
    own = np.uint64(state[6 + us])
    opp = np.uint64(state[6 + them])
    occ = own | opp
    ksq = king_square(state, us)
    checkers = attackers_to(state, ksq, occ) & opp
    n = 0
    if checkers & (checkers - _ONE) == _ZERO:  # not in double check: pieces may move
        pinned = _pinned(state, ksq, own, opp, occ)
        if checkers:
            target = BETWEEN[ksq, lowest_index(checkers)] | checkers
            tactical = False
        elif tactical:
            target = opp
        else:
            target = ~own
        # pawns
        pawns = np.uint64(state[PAWN]) & own
        empty = ~occ
        if us == WHITE:
            single = (pawns << np.uint64(8)) & empty
            double = ((single & PUSH_TWICE_RANK[WHITE]) << np.uint64(8)) & empty & target
            up = 8
        else:
            single = (pawns >> np.uint64(8)) & empty
            double = ((single & PUSH_TWICE_RANK[BLACK]) >> np.uint64(8)) & empty & target
            up = -8
        if tactical:  # pushes that promote, nothing else
            single &= PROMOTION_RANK[us]
            double = _ZERO
        else:
            single &= target
        last_rank = PROMOTION_RANK[us]
        while single:
            to = lowest_index(single)
            single &= single - _ONE
            frm = to - up
            if pinned & BIT[frm] and not (LINE[ksq, frm] & BIT[to]):
                continue
            n = _add_pawn_move(buf, n, cap, frm, to, (BIT[to] & last_rank) != _ZERO, tactical)
            if n >= cap:
                return n
        while double:
            to = lowest_index(double)
            double &= double - _ONE
            frm = to - 2 * up
            if pinned & BIT[frm] and not (LINE[ksq, frm] & BIT[to]):
                continue
            buf[n] = encode(frm, to, _I(DOUBLE_PUSH))
            n += 1
            if n >= cap:
                return n
        capturers = pawns
        while capturers:
            frm = lowest_index(capturers)
            capturers &= capturers - _ONE
            hits = PAWN_ATTACKS[us, frm] & opp & target
            if pinned & BIT[frm]:
                hits &= LINE[ksq, frm]
            while hits:
                to = lowest_index(hits)
                hits &= hits - _ONE
                n = _add_pawn_move(buf, n, cap, frm, to, (BIT[to] & last_rank) != _ZERO, tactical)
                if n >= cap:
                    return n
        ep = state[EP]
        if ep != NO_SQ:
            capsq = ep - up
            capturers = PAWN_ATTACKS[them, ep] & pawns
            while capturers:
                frm = lowest_index(capturers)
                capturers &= capturers - _ONE
                if _ep_is_legal(state, frm, ep, capsq, ksq, us, occ):
                    buf[n] = encode(frm, ep, _I(EN_PASSANT))
                    n += 1
                    if n >= cap:
                        return n
        # knights (a pinned knight can never move), then sliders (a pinned one stays on its line)
        knights = np.uint64(state[KNIGHT]) & own & ~pinned
        while knights:
            frm = lowest_index(knights)
            knights &= knights - _ONE
            n = _add_targets(buf, n, cap, frm, KNIGHT_ATTACKS[frm] & target)
            if n >= cap:
                return n
        queens = np.uint64(state[QUEEN])
        for straight in range(2):
            sliders = ((np.uint64(state[ROOK]) if straight else np.uint64(state[BISHOP])) | queens) & own
            while sliders:
                frm = lowest_index(sliders)
                sliders &= sliders - _ONE
                hits = (rook_attacks(frm, occ) if straight else bishop_attacks(frm, occ)) & target
                if pinned & BIT[frm]:
                    hits &= LINE[ksq, frm]
                n = _add_targets(buf, n, cap, frm, hits)
                if n >= cap:
                    return n
        # castling: neither in check, nor through or into an attacked square
        rights = state[CASTLE]
        if not checkers and not tactical and rights:
            for side in range(2):  # king side, queen side
                flag = (WK if side == 0 else WQ) << (2 * us)
                if not rights & flag:
                    continue
                home = 56 * us + 4
                step = 1 if side == 0 else -1
                path = np.uint64(0x60 if side == 0 else 0x0E) << np.uint64(56 * us)
                if (occ & path) or is_attacked(state, home + step, them, occ) \
                        or is_attacked(state, home + 2 * step, them, occ):
                    continue
                buf[n] = encode(home, home + 2 * step, _I(CASTLING))
                n += 1
                if n >= cap:
                    return n
    # king steps: the king itself must not shield the square it steps to from a slider
    hits = KING_ATTACKS[ksq] & ~own
    if tactical and not checkers:
        hits &= opp
    without_king = occ ^ BIT[ksq]
    while hits:
        to = lowest_index(hits)
        hits &= hits - _ONE
        if not is_attacked(state, to, them, without_king):
            buf[n] = encode(ksq, to, _I(NORMAL))
            n += 1
            if n >= cap:
                return n
    return n


@njit(**JIT)
def gen_moves(state: np.ndarray, buf: np.ndarray) -> int:
    return generate(state, buf, _I(MAX_MOVES), _B(False))


@njit(**JIT)
def gen_tactical(state: np.ndarray, buf: np.ndarray) -> int:
    """Captures and queen promotions (every evasion when in check), for quiescence."""
    return generate(state, buf, _I(MAX_MOVES), _B(True))


@njit(**JIT)
def has_legal_move(state: np.ndarray) -> bool:
    return generate(state, state[SCRATCH:SCRATCH + 1], _I(1), _B(False)) > 0


@njit(**JIT)
def is_tactical(state: np.ndarray, move: int) -> bool:
    """Does ``move`` (not yet played) capture or promote?"""
    kind = move >> 12
    return state[BOARD + ((move >> 6) & 63)] != 0 or kind == EN_PASSANT or (PROMO_N <= kind <= PROMO_Q)


# -- make / unmake ----------------------------------------------------------------------
@njit(**JIT)
def _toggle(state: np.ndarray, code: int, sq: int) -> None:
    """Add or remove piece ``code`` on ``sq`` in the bitboards (not the mailbox)."""
    bit = SQ_BIT[sq]
    state[(code & 7) - 1] ^= bit
    state[6 + (code >> 3)] ^= bit


@njit(**JIT)
def _score(state: np.ndarray, code: int, sq: int, sign: int) -> None:
    """Add (``sign`` 1) or remove (-1) piece ``code`` on ``sq`` in the key and the scores."""
    state[KEY] = np.int64(np.uint64(state[KEY]) ^ PIECE_KEYS[code, sq])
    state[MG] += sign * PST_MG[code, sq]
    state[EG] += sign * PST_EG[code, sq]
    state[PHASE] += sign * PHASE_OF[code]


@njit(**JIT)
def _ep_key(state: np.ndarray) -> np.uint64:
    """The en-passant term of the Polyglot key: the file (EP is set only when a pawn
    of the side to move stands beside the pawn that double-pushed, as Polyglot wants)."""
    ep = state[EP]
    return _ZERO if ep == NO_SQ else EP_KEYS[ep & 7]


@njit(**JIT)
def key(state: np.ndarray) -> np.uint64:
    """Polyglot Zobrist key, equal to ``chess.polyglot.zobrist_hash`` of the same position."""
    return np.uint64(state[KEY]) ^ _ep_key(state)


@njit(**JIT)
def _push_record(state: np.ndarray, move: int, captured: int) -> None:
    rec = HIST + (state[HPLY] & HIST_MASK) * REC
    state[rec + R_MOVE] = move
    state[rec + R_CAPTURED] = captured
    state[rec + R_CASTLE] = state[CASTLE]
    state[rec + R_EP] = state[EP]
    state[rec + R_HALFMOVE] = state[HALFMOVE]
    state[rec + R_KEY] = state[KEY]
    state[rec + R_FULLKEY] = np.int64(key(state))
    state[rec + R_MG] = state[MG]
    state[rec + R_EG] = state[EG]
    state[rec + R_PHASE] = state[PHASE]


@njit(**JIT)
def _pop_record(state: np.ndarray) -> int:
    """Restore everything but the pieces from the last record; return the record's index."""
    h = state[HPLY] - 1
    state[HPLY] = h
    rec = HIST + (h & HIST_MASK) * REC
    state[CASTLE] = state[rec + R_CASTLE]
    state[EP] = state[rec + R_EP]
    state[HALFMOVE] = state[rec + R_HALFMOVE]
    state[KEY] = state[rec + R_KEY]
    state[MG] = state[rec + R_MG]
    state[EG] = state[rec + R_EG]
    state[PHASE] = state[rec + R_PHASE]
    return rec


@njit(**JIT)
def _castle_rook(to: int) -> tuple:
    """(rook from, rook to) for the castling whose king lands on ``to``."""
    if to == 6:
        return 7, 5
    if to == 2:
        return 0, 3
    if to == 62:
        return 63, 61
    return 56, 59


@njit(**JIT)
def make(state: np.ndarray, move: int) -> None:
    frm = move & 63
    to = (move >> 6) & 63
    kind = move >> 12
    us = state[SIDE]
    piece = state[BOARD + frm]
    capsq = to
    if kind == EN_PASSANT:
        capsq = to - 8 if us == WHITE else to + 8
    captured = state[BOARD + capsq]
    _push_record(state, move, captured)
    state[HALFMOVE] += 1
    if captured:
        _toggle(state, captured, capsq)
        _score(state, captured, capsq, _I(-1))
        state[BOARD + capsq] = 0
        state[HALFMOVE] = 0
    _toggle(state, piece, frm)
    _score(state, piece, frm, _I(-1))
    state[BOARD + frm] = 0
    if PROMO_N <= kind <= PROMO_Q:
        piece = us * 8 + kind + 1  # PROMO_N..PROMO_Q are knight..queen
    _toggle(state, piece, to)
    _score(state, piece, to, _I(1))
    state[BOARD + to] = piece
    if kind == CASTLING:
        rfrom, rto = _castle_rook(to)
        rook = state[BOARD + rfrom]
        _toggle(state, rook, rfrom)
        _score(state, rook, rfrom, _I(-1))
        state[BOARD + rfrom] = 0
        _toggle(state, rook, rto)
        _score(state, rook, rto, _I(1))
        state[BOARD + rto] = rook
    if (piece & 7) == PAWN + 1 or kind == EN_PASSANT or PROMO_N <= kind <= PROMO_Q:
        state[HALFMOVE] = 0
    state[EP] = NO_SQ
    if kind == DOUBLE_PUSH:
        ep = (frm + to) >> 1
        if PAWN_ATTACKS[us, ep] & np.uint64(state[PAWN]) & np.uint64(state[7 - us]):
            state[EP] = ep
    rights = state[CASTLE]
    new_rights = rights & CASTLE_KEEP[frm] & CASTLE_KEEP[to]
    if new_rights != rights:
        state[KEY] = np.int64(np.uint64(state[KEY]) ^ CASTLE_KEYS[rights] ^ CASTLE_KEYS[new_rights])
        state[CASTLE] = new_rights
    state[KEY] = np.int64(np.uint64(state[KEY]) ^ TURN_KEY)
    state[SIDE] = 1 - us
    state[FULLMOVE] += us
    state[HPLY] += 1


@njit(**JIT)
def unmake(state: np.ndarray, move: int) -> None:
    rec = _pop_record(state)
    us = 1 - state[SIDE]
    state[SIDE] = us
    state[FULLMOVE] -= us
    frm = move & 63
    to = (move >> 6) & 63
    kind = move >> 12
    piece = state[BOARD + to]
    _toggle(state, piece, to)
    state[BOARD + to] = 0
    if PROMO_N <= kind <= PROMO_Q:
        piece = us * 8 + PAWN + 1
    _toggle(state, piece, frm)
    state[BOARD + frm] = piece
    captured = state[rec + R_CAPTURED]
    if captured:
        capsq = to
        if kind == EN_PASSANT:
            capsq = to - 8 if us == WHITE else to + 8
        _toggle(state, captured, capsq)
        state[BOARD + capsq] = captured
    if kind == CASTLING:
        rfrom, rto = _castle_rook(to)
        rook = state[BOARD + rto]
        _toggle(state, rook, rto)
        state[BOARD + rto] = 0
        _toggle(state, rook, rfrom)
        state[BOARD + rfrom] = rook


@njit(**JIT)
def make_null(state: np.ndarray) -> None:
    """Pass the move (null-move pruning). The half-move clock restarts, so no repetition
    is matched across a null move."""
    _push_record(state, _I(NULL_MOVE), _I(0))
    state[EP] = NO_SQ
    state[HALFMOVE] = 0
    state[KEY] = np.int64(np.uint64(state[KEY]) ^ TURN_KEY)
    state[SIDE] = 1 - state[SIDE]
    state[HPLY] += 1


@njit(**JIT)
def unmake_null(state: np.ndarray) -> None:
    _pop_record(state)
    state[SIDE] = 1 - state[SIDE]


@njit(**JIT)
def null_ok(state: np.ndarray) -> bool:
    """Zugzwang guard: the side to move has a piece other than pawns and king."""
    own = np.uint64(state[6 + state[SIDE]])
    return (own & ~np.uint64(state[PAWN]) & ~np.uint64(state[KING])) != _ZERO


@njit(**JIT)
def perft_over(state: np.ndarray) -> bool:
    """Perft counts the legal-move tree: draw rules end no line (no moves end it anyway)."""
    return False


# -- game end -----------------------------------------------------------------------------
@njit(**JIT)
def is_repetition(state: np.ndarray) -> bool:
    """Has this position occurred before, counted the way a search needs it?

    A position seen twice before (threefold repetition) is a draw. So is one seen once
    since the search root (``state[ROOT]``): the side that can repeat it can repeat it
    again. Only positions since the last capture or pawn move can match.
    """
    h = state[HPLY]
    back = min(state[HALFMOVE], h)
    if back < 4:
        return False
    k = np.int64(key(state))
    root = state[ROOT]
    seen = 0
    for i in range(4, back + 1, 2):
        ply = h - i
        if state[HIST + (ply & HIST_MASK) * REC + R_FULLKEY] == k:
            if ply >= root:
                return True
            seen += 1
            if seen >= 2:
                return True
    return False


@njit(**JIT)
def insufficient_material(state: np.ndarray) -> bool:
    """Neither side can mate: bare kings plus at most one minor piece, or only bishops on one colour."""
    if np.uint64(state[PAWN]) | np.uint64(state[ROOK]) | np.uint64(state[QUEEN]):
        return False
    knights = np.uint64(state[KNIGHT])
    bishops = np.uint64(state[BISHOP])
    if popcount(knights | bishops) <= 1:
        return True
    return knights == _ZERO and ((bishops & LIGHT_SQUARES) == _ZERO or (bishops & DARK_SQUARES) == _ZERO)


@njit(**JIT)
def terminal(state: np.ndarray) -> int:
    """Mate, stalemate, the 50-move rule, repetition (see ``is_repetition``) or dead material."""
    if insufficient_material(state) or is_repetition(state):
        return DRAW
    if not has_legal_move(state):
        return LOSS if in_check(state) else DRAW
    if state[HALFMOVE] >= 100:
        return DRAW
    return ONGOING


# -- ordering ---------------------------------------------------------------------------
#: Victim values for MVV-LVA by piece type (pawn..king).
_VICTIM = np.array([1, 3, 3, 5, 9, 0], dtype=np.int64)


@njit(**JIT)
def order_hints(state: np.ndarray, moves: np.ndarray, n: int, out: np.ndarray) -> None:
    """MVV-LVA: captures by victim value, then cheapest attacker; queen promotions first."""
    for i in range(n):
        move = moves[i]
        kind = move >> 12
        victim = state[BOARD + ((move >> 6) & 63)]
        hint = 0
        if victim:
            attacker = (state[BOARD + (move & 63)] & 7) - 1
            hint = 8 + _VICTIM[(victim & 7) - 1] * 8 - attacker
        elif kind == EN_PASSANT:
            hint = 8 + 8 - PAWN
        if kind == PROMO_Q:
            hint += 80
        out[i] = hint
