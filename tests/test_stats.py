"""Tests for searchprune.arena.stats against published worked examples.

Every expected number below was printed by another tool (fishtest, fastchess,
cutechess-cli) or published in a forum post; each is cited beside its test and
compared to the precision it was printed with. Nothing here is a value this
module produced itself, except the few symmetry/edge-case checks marked as such.
"""

from __future__ import annotations

import math

import pytest

from searchprune.arena.stats import (
    Z95,
    EloEstimate,
    SprtResult,
    elo_from_score,
    elo_pentanomial,
    elo_wdl,
    llr_pentanomial,
    llr_trinomial,
    los,
    pentanomial,
    score_from_elo,
    sprt,
    sprt_bounds,
)


def printed(value: float, shown: float, decimals: int) -> bool:
    """Return True if ``value`` prints as ``shown`` with ``decimals`` decimals (± half a unit)."""
    return abs(value - shown) <= 0.5 * 10.0**-decimals + 1e-9


def cutechess_z95() -> float:
    """Phi^-1(0.975) as cutechess-cli evaluates it.

    cutechess projects/lib/src/elo.cpp: phiInv(p) = sqrt(2) * erfInv(2p - 1) with
    the closed-form approximation erfInv(x) = sqrt(sqrt(z^2 - y/a) - z),
    a = 8(pi - 3) / (3 pi (4 - pi)), y = ln(1 - x^2), z = 2/(pi a) + y/2,
    pi = 3.1415926535897.
    """
    pi = 3.1415926535897
    a = 8.0 * (pi - 3.0) / (3.0 * pi * (4.0 - pi))
    y = math.log(1.0 - 0.95**2)
    z = 2.0 / (pi * a) + y / 2.0
    return math.sqrt(2.0) * math.sqrt(math.sqrt(z * z - y / a) - z)


# ---------------------------------------------------------------------------
# Elo <-> score
# ---------------------------------------------------------------------------


def test_elo_score_conversions():
    # Closed forms of the logistic curve: 3:1 odds are 400*log10(3) Elo, 400 Elo are 10:1 odds.
    assert elo_from_score(0.5) == 0.0
    assert elo_from_score(0.75) == pytest.approx(400 * math.log10(3))
    assert score_from_elo(400.0) == pytest.approx(10 / 11)
    assert score_from_elo(-400.0) == pytest.approx(1 / 11)
    for elo in (-700.0, -35.5, 0.0, 2.0, 190.0, 650.0):
        assert elo_from_score(score_from_elo(elo)) == pytest.approx(elo, abs=1e-9)


def test_elo_score_out_of_range():
    assert elo_from_score(1.0) == math.inf
    assert elo_from_score(1.2) == math.inf
    assert elo_from_score(0.0) == -math.inf
    assert math.isnan(elo_from_score(math.nan))
    assert score_from_elo(math.inf) == 1.0
    assert score_from_elo(-math.inf) == 0.0
    assert score_from_elo(-1e6) == 0.0  # no OverflowError


# ---------------------------------------------------------------------------
# LOS
# ---------------------------------------------------------------------------


def test_los_laskos_fishtest_example():
    # Kai Laskos, talkchess "Calculating the LOS (likelihood of superiority) from
    # results", 2014-01-22, http://www.talkchess.com/forum3/viewtopic.php?t=51003
    # (the formula the chessprogramming wiki "Match Statistics" page now gives):
    # fishtest run W 5975 L 6077 D 26894 -> "that Erf approximation is 0.176414".
    assert printed(los(5975, 6077), 0.176414, 6)


@pytest.mark.parametrize(
    ("wins", "losses", "shown_percent"),
    [
        # cutechess-cli output in PS-Wizard/OopsMate archive/data/results/v16_lazysmp.md:
        (99, 97, 55.7),  # "Score of OopsMate vs Sayuri 2018.05.23: 99 - 97 - 104 ... LOS: 55.7 %"
        (45, 37, 81.2),  # "Score of OopsMate vs SF-2100: 45 - 37 - 18 ... LOS: 81.2 %"
        (29, 8, 100.0),  # "Score of OopsMate vs OopsMate-v15: 29 - 8 - 63 ... LOS: 100.0 %"
    ],
)
def test_los_cutechess_outputs(wins, losses, shown_percent):
    assert printed(100 * los(wins, losses), shown_percent, 1)


def test_los_without_decisive_games():
    assert los(0, 0) == 0.5
    assert los(3, 3) == 0.5


# ---------------------------------------------------------------------------
# Trinomial (W/D/L) Elo
# ---------------------------------------------------------------------------


def test_elo_wdl_fastchess_unit_test():
    # Disservin/fastchess app/tests/elo_test.cpp, "EloWDL 2": Stats(wins 136,
    # losses 96, draws 111) -> diff 40.70, error 30.43.
    est = elo_wdl(wins=136, draws=111, losses=96)
    assert printed(est.elo, 40.70, 2)
    assert printed(est.error, 30.43, 2)
    assert est.games == 343
    assert est.score == pytest.approx((136 + 111 / 2) / 343)


@pytest.mark.parametrize(
    ("wins", "losses", "draws", "elo", "error", "los_percent"),
    [
        # cutechess-cli output in PS-Wizard/OopsMate archive/data/results/v16_lazysmp.md
        # ("Score of A vs B: W - L - D", then "Elo difference: E +/- e, LOS: x %").
        (99, 97, 104, 2.3, 31.8, 55.7),
        (45, 37, 18, 27.9, 62.4, 81.2),
        (29, 8, 63, 74.1, 40.8, 100.0),
    ],
)
def test_elo_wdl_cutechess_outputs(wins, losses, draws, elo, error, los_percent):
    est = elo_wdl(wins, draws, losses, z=cutechess_z95())
    assert printed(est.elo, elo, 1)
    assert printed(est.error, error, 1)
    assert printed(100 * est.los, los_percent, 1)
    # With the exact quantile the margin is ~0.14% wider than cutechess prints.
    exact = elo_wdl(wins, draws, losses)
    assert exact.elo == est.elo
    assert exact.error / est.error == pytest.approx(Z95 / cutechess_z95(), rel=1e-3)


def test_cutechess_quantile_is_close_to_exact():
    assert Z95 == pytest.approx(1.959964, abs=1e-6)
    assert cutechess_z95() == pytest.approx(Z95, rel=2e-3)


# ---------------------------------------------------------------------------
# Pentanomial
# ---------------------------------------------------------------------------


def test_pentanomial_counts_pairs():
    scores = [2, 1.5, 1, 1, 0.5, 0, 2.0, 1.0]
    assert pentanomial(scores) == [1, 1, 3, 1, 2]
    assert pentanomial([]) == [0, 0, 0, 0, 0]
    assert pentanomial(iter([0.5, 0.5])) == [0, 2, 0, 0, 0]


@pytest.mark.parametrize("bad", [2.5, -0.5, 0.25, 3])
def test_pentanomial_rejects_impossible_pair_scores(bad):
    with pytest.raises(ValueError):
        pentanomial([1, bad])


@pytest.mark.parametrize(
    ("counts", "elo", "error", "los_percent"),
    [
        # Disservin/fastchess app/tests/elo_test.cpp, Stats(LL, LD, WL, DD, WD, WW)
        # (constructor order of app/src/matchmaking/stats.hpp); WL and DD share a bin.
        ([34, 54, 31 + 32, 64, 75], 55.58, 27.65, 100.00),  # "EloPentanomial 1"
        ([332, 433, 457 + 41, 333, 334], -8.64, 10.33, 5.05),  # "EloPentanomial 2"
        ([7895, 8757, 5485 + 200, 568, 9999], -21.04, 2.95, None),  # "EloPentanomial 3"
    ],
)
def test_elo_pentanomial_fastchess_unit_tests(counts, elo, error, los_percent):
    est = elo_pentanomial(counts)
    assert printed(est.elo, elo, 2)
    assert printed(est.error, error, 2)
    if los_percent is not None:
        assert printed(100 * est.los, los_percent, 2)
    assert est.games == 2 * sum(counts)


@pytest.mark.parametrize(
    ("counts", "games", "points", "elo", "error", "los_percent"),
    [
        # fastchess match reports ("Elo: E +/- e", "LOS: x %", "Games: n ... Points: p",
        # "Ptnml(0-2): [...]") in PS-Wizard/OopsMate
        # archive/data/results/sprt/sprt_final_results.txt:
        ([1, 7, 13, 34, 5], 120, 77.5, 104.37, 41.66, 100.00),  # vs bitbit
        ([2, 22, 5, 1, 0], 60, 17.5, -154.14, 44.15, 0.00),  # vs boot7
        ([1, 2, 12, 20, 5], 80, 53.0, 117.16, 51.84, 100.00),  # vs combusken
        ([10, 54, 83, 40, 4], 382, 178.0, -23.68, 21.70, 1.58),  # vs eleanor
        ([5, 30, 73, 26, 6], 280, 139.0, -2.48, 24.36, 42.07),  # vs elixir_linux
        ([0, 0, 9, 6, 54], 138, 126.0, 408.48, 97.29, 100.00),  # vs goldfish
        ([8, 20, 12, 0, 0], 80, 22.0, -168.40, 47.73, 0.00),  # vs Koivisto
        ([0, 1, 11, 13, 14], 78, 59.0, 196.84, 65.10, 100.00),  # vs meltdown
        ([4, 22, 27, 7, 0], 120, 48.5, -67.43, 35.57, 0.01),  # vs minke
        ([8, 12, 0, 0, 0], 40, 6.0, -301.33, 76.03, 0.00),  # vs reckless
        ([1, 1, 6, 6, 6], 40, 27.5, 136.97, 100.40, 99.90),  # vs seredina
    ],
)
def test_elo_pentanomial_fastchess_reports(counts, games, points, elo, error, los_percent):
    est = elo_pentanomial(counts)
    assert est.games == games
    assert est.score == pytest.approx(points / games)
    assert printed(est.elo, elo, 2)
    assert printed(est.error, error, 2)
    assert printed(100 * est.los, los_percent, 2)


def test_elo_pentanomial_interval_past_score_one():
    # Same file, vs sayuri: "Elo: 528.89 +/- -nan ... Ptnml(0-2): [0, 0, 1, 0, 10]".
    # The upper end of the score interval passes 1; fastchess prints nan, we give inf.
    est = elo_pentanomial([0, 0, 1, 0, 10])
    assert printed(est.elo, 528.89, 2)
    assert est.error == math.inf
    assert est.games == 22


# ---------------------------------------------------------------------------
# SPRT bounds and LLR
# ---------------------------------------------------------------------------


def test_sprt_bounds():
    # fishtest prints "(-2.94,2.94)" for alpha = beta = 0.05 (every example below).
    lower, upper = sprt_bounds(0.05, 0.05)
    assert printed(lower, -2.94, 2) and printed(upper, 2.94, 2)
    assert lower == pytest.approx(-math.log(19)) and upper == pytest.approx(math.log(19))
    # cutechess/cutechess projects/lib/tests/sprt/tst_sprt.cpp: alpha = beta = 0.01
    # -> lbound -4.6, ubound 4.6 (its fuzzyCompare tolerance is 0.01).
    lower, upper = sprt_bounds(0.01, 0.01)
    assert lower == pytest.approx(-4.6, abs=0.01) and upper == pytest.approx(4.6, abs=0.01)


@pytest.mark.parametrize(("alpha", "beta"), [(0.0, 0.05), (0.05, 1.0), (0.6, 0.5), (-0.1, 0.1)])
def test_sprt_bounds_reject_bad_error_rates(alpha, beta):
    with pytest.raises(ValueError):
        sprt_bounds(alpha, beta)


# fishtest result blocks for SPRTs with logistic bounds - "{elo0,elo1}" braces,
# see official-stockfish/fishtest server/fishtest/util.py format_bounds - as
# quoted in official-stockfish/Stockfish pull requests / commit messages:
# "LLR: x (-2.94,2.94) {elo0,elo1}" ... "Ptnml(0-2): LL, LD, WL+DD, WD, WW".
FISHTEST_LOGISTIC_RUNS = [
    # Stockfish commit closing PR #3273 (LMR for captures at allNodes), 2020-12:
    # https://tests.stockfishchess.org/tests/view/5fe50b9d3932f79192d3973c
    ([292, 5905, 28939, 6129, 299], -0.25, 1.25, 2.95),
    # https://tests.stockfishchess.org/tests/view/5fe552e43932f79192d39744
    ([5, 418, 6043, 506, 12], 0.25, 1.25, 2.92),
    # https://github.com/official-stockfish/Stockfish/pull/3098 (Search tweak), 2020-09:
    # https://tests.stockfishchess.org/tests/view/5f4cb5e8ba100690c5cc5d25
    ([491, 7345, 29693, 7670, 465], -0.25, 1.25, 2.96),
    # https://tests.stockfishchess.org/tests/view/5f4dbc2eba100690c5cc5dac
    ([53, 2220, 21459, 2445, 47], 0.25, 1.25, 2.97),
    # https://github.com/official-stockfish/Stockfish/pull/3209 (New net cb26f10b1fd9), 2020-11:
    # https://tests.stockfishchess.org/tests/view/5f9c7bbc6a2c112b60691d4d
    ([253, 4282, 17604, 4431, 286], -0.25, 1.25, 2.94),
    # https://tests.stockfishchess.org/tests/view/5f9d01f06a2c112b60691d87
    ([58, 3302, 33130, 3518, 84], 0.25, 1.25, 2.97),
    # https://github.com/official-stockfish/Stockfish/pull/3331 (Tweak Score), 2021-01:
    # https://tests.stockfishchess.org/tests/view/60161ee1735dd7f0f03530f8
    ([115, 2196, 11328, 2317, 136], -0.25, 1.25, 2.94),
    # https://tests.stockfishchess.org/tests/view/60163146735dd7f0f03530ff
    ([14, 1030, 14318, 1163, 19], 0.25, 1.25, 2.93),
    # https://github.com/official-stockfish/Stockfish/pull/2920 (Tuned Pawns), 2020-08:
    # https://tests.stockfishchess.org/tests/view/5f2aa49fa5abc164f05e4d1b
    ([665, 4806, 9333, 4893, 747], -0.50, 1.50, 2.95),
    # https://tests.stockfishchess.org/tests/view/5f2b1059b3ebe5cbfee85ae7
    ([328, 4564, 15580, 4789, 371], 0.25, 1.75, 2.98),
    # https://github.com/official-stockfish/Stockfish/pull/2971 (Search tweak), 2020-08:
    # https://tests.stockfishchess.org/tests/view/5f31219090816720665374ec
    ([17, 253, 1042, 337, 39], -0.50, 1.50, 2.96),
    # https://tests.stockfishchess.org/tests/view/5f3127f79081672066537502
    ([11, 407, 3238, 513, 11], 0.25, 1.75, 2.93),
    # https://github.com/official-stockfish/Stockfish/pull/3017 (Remove passed pawn extension):
    # https://tests.stockfishchess.org/tests/view/5f3955f0e98b6c64b3df41d7
    ([174, 2658, 10273, 2713, 178], -1.50, 0.50, 2.96),
    # https://tests.stockfishchess.org/tests/view/5f399e41e98b6c64b3df4210
    ([40, 1272, 12142, 1300, 30], -1.50, 0.50, 3.01),
    # https://github.com/official-stockfish/Stockfish/pull/2913 (Search simplification):
    # https://tests.stockfishchess.org/tests/view/5f294e72a5abc164f05e4c7d
    ([2073, 13759, 27890, 13977, 1973], -1.50, 0.50, 2.97),
    # https://github.com/official-stockfish/Stockfish/pull/2493 (More LMR at root), 2020-01:
    # https://tests.stockfishchess.org/tests/view/5e1ceb9975be933c8fe635a3
    ([1284, 17437, 55536, 18085, 1292], 0.00, 2.00, 2.94),
]


@pytest.mark.parametrize(("counts", "elo0", "elo1", "shown_llr"), FISHTEST_LOGISTIC_RUNS)
def test_llr_pentanomial_fishtest_results(counts, elo0, elo1, shown_llr):
    assert printed(llr_pentanomial(counts, elo0, elo1), shown_llr, 2)


@pytest.mark.parametrize(
    ("counts", "elo0", "elo1", "shown_llr"),
    [
        # Disservin/fastchess app/tests/sprt_test.cpp, logistic model, pentanomial,
        # Stats(LL, LD, WL, DD, WD, WW); expected values given to 2 decimals.
        ([223, 9863, 20279 + 1000, 10037, 246], 0.5, 2.5, -3.07),  # "logistic pentanomial 1"
        ([871, 26175, 55003 + 980, 26678, 821], 0.0, 2.0, -4.98),  # "logistic pentanomial 2"
    ],
)
def test_llr_pentanomial_fastchess_unit_tests(counts, elo0, elo1, shown_llr):
    assert printed(llr_pentanomial(counts, elo0, elo1), shown_llr, 2)


@pytest.mark.parametrize(
    ("wins", "losses", "draws", "elo0", "elo1", "shown_llr"),
    [
        # Disservin/fastchess app/tests/sprt_test.cpp, logistic model, trinomial,
        # Stats(wins, losses, draws).
        (21404, 21184, 40708, 0.5, 2.5, -1.57),  # "logistic trinomial 1"
        (57433, 57030, 106593, 0.0, 2.0, -2.59),  # "logistic trinomial 2"
    ],
)
def test_llr_trinomial_fastchess_unit_tests(wins, losses, draws, elo0, elo1, shown_llr):
    assert printed(llr_trinomial(wins, draws, losses, elo0, elo1), shown_llr, 2)


def test_llr_mirror_symmetry():
    # Self-consistency, not a worked example: seen from the other engine (counts
    # reversed, Elo negated) the same test has the same LLR, and swapping H0/H1
    # negates it.
    counts, elo0, elo1, _ = FISHTEST_LOGISTIC_RUNS[0]
    forward = llr_pentanomial(counts, elo0, elo1)
    assert llr_pentanomial(counts[::-1], -elo0, -elo1) == pytest.approx(forward, rel=1e-9)
    assert llr_pentanomial(counts, elo1, elo0) == pytest.approx(-forward, rel=1e-9)
    assert llr_trinomial(30, 50, 20, 0, 5) == pytest.approx(llr_trinomial(20, 50, 30, 0, -5), rel=1e-9)


# ---------------------------------------------------------------------------
# SPRT decisions
# ---------------------------------------------------------------------------


def test_sprt_accepts_h1_on_fishtest_pass():
    # PR #3273 STC above: fishtest LLR 2.95 > 2.944, passed.
    result = sprt([292, 5905, 28939, 6129, 299], -0.25, 1.25)
    assert isinstance(result, SprtResult)
    assert printed(result.llr, 2.95, 2)
    assert result.decision == "H1"
    assert (result.lower, result.upper) == sprt_bounds(0.05, 0.05)


def test_sprt_accepts_h0_on_fastchess_failure():
    # fastchess sprt_test.cpp "logistic pentanomial 2": LLR -4.98 < -2.944.
    result = sprt([871, 26175, 55983, 26678, 821], 0.0, 2.0)
    assert result.decision == "H0"


def test_sprt_trinomial_counts():
    # fastchess sprt_test.cpp "logistic trinomial 2": LLR -2.59, not yet past -2.944.
    result = sprt((57433, 106593, 57030), 0.0, 2.0)  # (wins, draws, losses)
    assert printed(result.llr, -2.59, 2)
    assert result.decision is None
    assert sprt((57433, 106593, 57030), 0.0, 2.0, alpha=0.1, beta=0.1).decision == "H0"


def test_sprt_without_overshoot_correction():
    # PR #2493 LTC above: fishtest stopped at LLR 2.9402 < 2.9444 because its
    # dynamic overshoot correction lowers the bound; the plain Wald rule goes on.
    result = sprt([1284, 17437, 55536, 18085, 1292], 0.0, 2.0)
    assert 2.94 < result.llr < result.upper
    assert result.decision is None


# ---------------------------------------------------------------------------
# Degenerate inputs
# ---------------------------------------------------------------------------


def test_no_games():
    for est in (elo_wdl(0, 0, 0), elo_pentanomial([0, 0, 0, 0, 0])):
        assert isinstance(est, EloEstimate)
        assert math.isnan(est.elo) and math.isnan(est.error) and math.isnan(est.score)
        assert est.los == 0.5 and est.games == 0
    assert llr_pentanomial([0, 0, 0, 0, 0], 0, 2) == 0.0
    assert llr_trinomial(0, 0, 0, 0, 2) == 0.0
    assert sprt([0, 0, 0, 0, 0], 0, 2) == SprtResult(0.0, *sprt_bounds(0.05, 0.05), None)


def test_one_sided_results():
    all_wins = elo_wdl(wins=12, draws=0, losses=0)
    assert all_wins.elo == math.inf and math.isnan(all_wins.error)
    assert all_wins.score == 1.0 and all_wins.los > 0.99
    all_losses = elo_wdl(wins=0, draws=0, losses=12)
    assert all_losses.elo == -math.inf and math.isnan(all_losses.error)
    assert all_losses.los < 0.01
    sweep = elo_pentanomial([0, 0, 0, 0, 7])
    assert sweep.elo == math.inf and math.isnan(sweep.error) and sweep.los == 1.0
    wiped = elo_pentanomial([7, 0, 0, 0, 0])
    assert wiped.elo == -math.inf and wiped.los == 0.0
    # All draws: no variance, Elo 0 exactly, nothing to prefer either side.
    draws = elo_wdl(wins=0, draws=9, losses=0)
    assert draws.elo == 0.0 and draws.error == 0.0 and draws.los == 0.5
    # Empty bins are regularised (1e-3 pseudo-pairs), so one-sided results still
    # give a finite LLR of the right sign, and SPRT can decide on them.
    assert 0 < llr_pentanomial([0, 0, 0, 0, 104], 0, 5) < math.inf
    assert -math.inf < llr_pentanomial([104, 0, 0, 0, 0], 0, 5) < 0
    assert 0 < llr_trinomial(50, 0, 0, 0, 5) < math.inf
    assert sprt([0, 0, 0, 0, 400], 0, 5).decision == "H1"
    assert sprt([400, 0, 0, 0, 0], 0, 5).decision == "H0"


def test_bad_counts_are_rejected():
    with pytest.raises(ValueError):
        elo_wdl(-1, 0, 3)
    with pytest.raises(ValueError):
        elo_pentanomial([1, 2, 3])
    with pytest.raises(ValueError):
        llr_pentanomial([1, 2, -3, 4, 5], 0, 2)
    with pytest.raises(ValueError):
        sprt([1, 2, 3, 4], 0, 2)
    with pytest.raises(ValueError):
        los(-1, 2)
