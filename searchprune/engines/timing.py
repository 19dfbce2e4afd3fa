"""Time management: how long an engine may think, and when a move counts as overdue.

Two budgets live here, one per caller, and they deliberately stay two:

- ``move_time``: a tournament engine's budget from its spec's ``[limits]`` (a fixed
  ``time`` a move, or a share of its ``clock``). The arena measures a move from outside
  the engine, so nothing is held back for overhead.
- ``time_budget_ms``: the UCI server's budget from a GUI's ``go wtime/btime/...``.
  The GUI's clock also runs while the move is read, printed and relayed, so
  ``OVERHEAD_MS`` is kept back, and the clock is shared over more moves.

The arena forfeits a fixed-time move that overruns ``TIME_FACTOR * time + TIME_MARGIN``
seconds; the client of an external engine (``searchprune.engines.external``) kills a
process at the same deadline, so both agree on when a move is lost.
"""

from __future__ import annotations

#: With a clock, a tournament move may use the remaining time over this, plus most of the increment.
MOVES_TO_GO = 20
#: Share of the increment a tournament move may spend on top of its share of the clock.
ARENA_INCREMENT_SHARE = 0.8
#: No tournament move may use more than this share of the remaining clock.
ARENA_MAX_CLOCK_SHARE = 0.5
#: The shortest tournament move budget, in seconds.
ARENA_MIN_SECONDS = 0.001

#: A fixed-time move may overrun by this factor plus ``TIME_MARGIN`` seconds before it forfeits.
TIME_FACTOR = 2.0
TIME_MARGIN = 1.0

#: Milliseconds kept back from every UCI time budget for reading, printing and the GUI.
OVERHEAD_MS = 50
#: Moves the remaining clock is shared over when the GUI sends no ``movestogo``.
DEFAULT_MOVES_TO_GO = 30
#: Share of the increment a UCI move may spend on top of its share of the clock.
INCREMENT_SHARE = 0.75
#: No UCI move may plan to use more than this share of the remaining clock.
MAX_CLOCK_SHARE = 0.4
#: The smallest budget handed to the search (the depth-1 iteration always completes).
MIN_BUDGET_MS = 1


def move_time(limits: dict, clock: float | None) -> float | None:
    """Seconds to think about one move: the fixed ``time``, or a share of the clock.

    ``limits`` is a spec's ``[limits]`` table; ``clock`` the seconds left on the
    engine's clock (``None``: unclocked). ``None`` when the spec sets no time at all.
    """
    if "clock" in limits and clock is not None:
        share = clock / MOVES_TO_GO + ARENA_INCREMENT_SHARE * limits.get("increment", 0.0)
        return max(ARENA_MIN_SECONDS, min(share, ARENA_MAX_CLOCK_SHARE * clock))
    return limits.get("time")


def time_budget_ms(remaining_ms: int, increment_ms: int, moves_to_go: int | None, *,
                   overhead_ms: int = OVERHEAD_MS) -> int:
    """Milliseconds to think with ``remaining_ms`` on the clock (UCI, and ``play``'s clock).

    The clock's share per move plus most of the increment, never more than
    ``MAX_CLOCK_SHARE`` of what is left, less ``overhead_ms`` (UCI's ``Move Overhead``).
    """
    share = remaining_ms / (moves_to_go or DEFAULT_MOVES_TO_GO) + INCREMENT_SHARE * increment_ms
    return max(MIN_BUDGET_MS, int(min(share, MAX_CLOCK_SHARE * remaining_ms)) - overhead_ms)
