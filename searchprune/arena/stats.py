"""Match statistics for engine-vs-engine testing: Elo, LOS, pentanomial, SPRT.

Everything here uses the *logistic* Elo model, in which an Elo difference ``d``
corresponds to an expected score per game of ``1 / (1 + 10**(-d / 400))``.

Conventions, and the tools they follow:

* ``elo_wdl`` - game-by-game (trinomial) estimate as cutechess-cli's ``Elo``
  class computes it (and fastchess's ``EloWDL``, whose formulas are the same).
* ``elo_pentanomial`` - pair-by-pair estimate as fastchess's ``EloPentanomial``
  and fishtest's ``stat_util.get_elo`` compute it.
* ``llr_pentanomial`` / ``llr_trinomial`` / ``sprt`` - the generalised SPRT of
  fishtest's ``LLRcalc.LLR_logistic`` (exact maximum-likelihood version).

Pentanomial counts are always ordered by pair score, ascending:
``[LL, LD+DL, WL+LW+DD, WD+DW, WW]`` = pair scores ``0, 0.5, 1, 1.5, 2``
(the order of fishtest's and fastchess's ``Ptnml(0-2)`` line).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "REGULARIZATION",
    "Z95",
    "EloEstimate",
    "SprtResult",
    "elo_from_score",
    "elo_pentanomial",
    "elo_wdl",
    "llr_pentanomial",
    "llr_trinomial",
    "los",
    "pentanomial",
    "score_from_elo",
    "sprt",
    "sprt_bounds",
]

#: Two-sided 95% quantile of the standard normal law, Phi^-1(0.975).
Z95 = 1.959963984540054

#: Pseudo-count that fishtest (``LLRcalc.regularize``) and fastchess put in
#: place of an empty bin before computing the LLR.
REGULARIZATION = 1e-3

_PAIR_BINS = 5
_GAME_BINS = 3


# ---------------------------------------------------------------------------
# Elo <-> score
# ---------------------------------------------------------------------------


def score_from_elo(elo: float) -> float:
    """Return the expected score per game, in [0, 1], of a logistic Elo difference."""
    if math.isnan(elo):
        return math.nan
    exponent = -elo / 400.0
    if exponent > 300.0:  # 10**exponent would overflow; the score is 0 to double precision
        return 0.0
    return 1.0 / (1.0 + 10.0**exponent)


def elo_from_score(p: float) -> float:
    """Return the logistic Elo difference ``-400*log10(1/p - 1)`` of an expected score p.

    Defined for p in (0, 1); p <= 0 gives -inf, p >= 1 gives +inf, nan gives nan.
    """
    if math.isnan(p):
        return math.nan
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return -400.0 * math.log10(1.0 / p - 1.0) + 0.0  # + 0.0: p = 1/2 gives 0.0, not -0.0


# ---------------------------------------------------------------------------
# Point estimates with a 95% interval
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EloEstimate:
    """An Elo estimate from match results.

    elo:   logistic Elo difference of the mean score.
    error: half the width of the 95% interval, in Elo (the "+/-" figure).
    los:   likelihood of superiority, in [0, 1].
    score: mean score per game, in [0, 1].
    games: number of games the estimate rests on.
    """

    elo: float
    error: float
    los: float
    score: float
    games: int


def los(wins: int, losses: int) -> float:
    """Return the likelihood of superiority ``0.5*(1 + erf((W - L)/sqrt(2(W + L))))``.

    Normal approximation of the chance that the side with ``wins`` is the
    stronger one (chessprogramming wiki "Match Statistics"; cutechess
    ``Elo::LOS``). Draws carry no information here. Returns 0.5 when
    ``wins + losses == 0``.
    """
    _check_counts((wins, losses))
    decisive = wins + losses
    if decisive == 0:
        return 0.5
    return 0.5 * (1.0 + math.erf((wins - losses) / math.sqrt(2.0 * decisive)))


def _normal_cdf(x: float) -> float:
    """Return Phi(x), the standard normal distribution function."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _mean_and_variance(values: Sequence[float], counts: Sequence[float]) -> tuple[float, float]:
    """Return the mean and the (population, divide-by-n) variance of a frequency table."""
    total = float(sum(counts))
    mean = sum(v * c for v, c in zip(values, counts)) / total
    variance = sum(c * (v - mean) ** 2 for v, c in zip(values, counts)) / total
    return mean, variance


def _elo_interval(mean: float, variance: float, samples: float, z: float) -> tuple[float, float]:
    """Return (elo, error) for a mean score with a normal ``mean ± z*sqrt(variance/samples)`` interval.

    Each end of the score interval is converted to Elo and the error is half
    the Elo width. An end at or beyond score 0 or 1 makes the error inf; a
    mean of exactly 0 or 1 (no variance to speak of) makes it nan.
    """
    elo = elo_from_score(mean)
    if math.isinf(elo):
        return elo, math.nan
    half_width = z * math.sqrt(variance / samples)
    error = (elo_from_score(mean + half_width) - elo_from_score(mean - half_width)) / 2.0
    return elo, error


def elo_wdl(wins: int, draws: int, losses: int, *, z: float = Z95) -> EloEstimate:
    """Return the Elo estimate of W/D/L results under the trinomial (game-by-game) model.

    Convention of cutechess-cli's ``Elo`` class (``projects/lib/src/elo.cpp``),
    identical to fastchess's ``EloWDL``:

    * score mu = (W + D/2) / n, n = W + D + L;
    * per-game variance = w(1 - mu)^2 + d(1/2 - mu)^2 + l(0 - mu)^2 with the
      observed frequencies w, d, l (divide by n, not n - 1);
    * score interval mu ± z * sqrt(variance / n), each end converted with
      ``elo_from_score``; error = (elo(upper) - elo(lower)) / 2;
    * los = ``los(wins, losses)`` (cutechess ``Elo::LOS``; fastchess instead
      reports Phi((mu - 1/2) / sqrt(variance / n))).

    ``z`` defaults to the exact Phi^-1(0.975) = 1.959964, as fastchess and
    fishtest use. cutechess evaluates that quantile with an approximate inverse
    error function (about 1.957162), so its printed "+/-" runs ~0.14% smaller.

    Degenerate cases: no games gives elo, error and score nan and los 0.5;
    all wins gives elo +inf, all losses elo -inf, both with error nan (the
    interval has collapsed onto an unbounded Elo); an interval reaching score
    0 or 1 while the mean does not gives error inf (cutechess and fastchess
    print nan there).
    """
    _check_counts((wins, draws, losses))
    games = wins + draws + losses
    if games == 0:
        return EloEstimate(math.nan, math.nan, 0.5, math.nan, 0)
    mean, variance = _mean_and_variance((1.0, 0.5, 0.0), (wins, draws, losses))
    elo, error = _elo_interval(mean, variance, games, z)
    return EloEstimate(elo, error, los(wins, losses), mean, games)


def pentanomial(pair_scores: Iterable[float]) -> list[int]:
    """Return the pentanomial counts of game-pair scores.

    Each pair is two games from the same opening with colours swapped; its
    score (0, 0.5, 1, 1.5 or 2 points for the side of interest) goes into bin
    ``int(2 * score)``. The result is ``[LL, LD, WL+DD, WD, WW]``, the
    ``Ptnml(0-2)`` order. Raises ValueError on any other pair score.
    """
    counts = [0] * _PAIR_BINS
    for score in pair_scores:
        doubled = 2.0 * float(score)
        index = round(doubled)
        if not (0 <= index < _PAIR_BINS and abs(doubled - index) < 1e-9):
            raise ValueError(f"a game pair scores 0, 0.5, 1, 1.5 or 2 points, not {score!r}")
        counts[index] += 1
    return counts


def elo_pentanomial(counts: Sequence[int], *, z: float = Z95) -> EloEstimate:
    """Return the Elo estimate of pentanomial counts under the pair-by-pair model.

    Convention of fastchess's ``EloPentanomial`` and fishtest's
    ``stat_util.get_elo``: each of the N pairs is one sample of the mean
    per-game score of the pair (0, 1/4, 1/2, 3/4, 1); mu is their mean, the
    variance their population variance, the score interval
    mu ± z * sqrt(variance / N); error = half the Elo width of that interval;
    los = Phi((mu - 1/2) / sqrt(variance / N)). ``games`` is 2N.

    Unlike fishtest's ``get_elo``, empty bins are not regularised (as in
    fastchess); the difference is below print precision for real tests.
    Degenerate cases as in ``elo_wdl``: no pairs gives nan (los 0.5); all
    pairs 2-0 or all 0-2 give elo +/-inf with error nan; zero variance with
    a mean strictly between 0 and 1 gives error 0 and los 0, 0.5 or 1.
    """
    _check_counts(counts, _PAIR_BINS)
    pairs = sum(counts)
    if pairs == 0:
        return EloEstimate(math.nan, math.nan, 0.5, math.nan, 0)
    values = [i / (_PAIR_BINS - 1) for i in range(_PAIR_BINS)]
    mean, variance = _mean_and_variance(values, counts)
    elo, error = _elo_interval(mean, variance, pairs, z)
    return EloEstimate(elo, error, _score_los(mean, variance, pairs), mean, 2 * pairs)


def _score_los(mean: float, variance: float, samples: float) -> float:
    """Return Phi((mean - 1/2) / standard error): the LOS of a normal score estimate."""
    standard_error = math.sqrt(variance / samples)
    if standard_error == 0.0:
        return 0.5 if mean == 0.5 else float(mean > 0.5)
    return _normal_cdf((mean - 0.5) / standard_error)


# ---------------------------------------------------------------------------
# SPRT
# ---------------------------------------------------------------------------


def sprt_bounds(alpha: float, beta: float) -> tuple[float, float]:
    """Return Wald's SPRT bounds (ln(beta/(1-alpha)), ln((1-beta)/alpha)) on the LLR.

    alpha is the type I error (accepting H1 when elo = elo0), beta the type II
    error (accepting H0 when elo = elo1); alpha = beta = 0.05 gives ±2.944.
    """
    if not (0.0 < alpha < 1.0 and 0.0 < beta < 1.0 and alpha + beta < 1.0):
        raise ValueError("need 0 < alpha, 0 < beta and alpha + beta < 1")
    return math.log(beta / (1.0 - alpha)), math.log((1.0 - beta) / alpha)


def _regularize(counts: Sequence[float]) -> list[float]:
    """Return the counts with each empty bin replaced by ``REGULARIZATION`` (fishtest's prior)."""
    return [float(c) if c > 0 else REGULARIZATION for c in counts]


def _secular_root(deviations: Sequence[float], probs: Sequence[float]) -> float:
    """Return the x solving sum_i p_i d_i / (1 + x d_i) = 0, by bisection.

    Needs min(d) < 0 < max(d) and all p_i > 0. The left side falls strictly
    from +inf to -inf on the open interval (-1/max(d), -1/min(d)), where every
    1 + x d_i is positive, so the root is unique and bisection brackets it.
    """
    lo, hi = -1.0 / max(deviations), -1.0 / min(deviations)

    def slope(x: float) -> float:
        return sum(p * d / (1.0 + x * d) for p, d in zip(probs, deviations))

    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:  # the bracket is down to adjacent doubles
            break
        if slope(mid) > 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _mle_with_mean(values: Sequence[float], probs: Sequence[float], mean: float) -> list[float]:
    """Return the maximum-likelihood distribution on ``values`` with expectation ``mean``.

    Given observed frequencies ``probs``, the constrained maximiser is
    p_i = phat_i / (1 + x (a_i - mean)) where x solves the secular equation
    (Proposition 1.1 of M. Van den Bergh's note
    https://www.cantate.be/Fishtest/support_MLE_multinomial.pdf, which
    fishtest's ``LLRcalc.MLE_expected`` cites).
    """
    deviations = [a - mean for a in values]
    x = _secular_root(deviations, probs)
    return [p / (1.0 + x * d) for p, d in zip(probs, deviations)]


def _llr_logistic(counts: Sequence[float], elo0: float, elo1: float) -> float:
    """Return the generalised LLR of H1: score = L(elo1) against H0: score = L(elo0).

    ``counts`` are frequencies of equally spaced outcomes 0 .. 1 (3 for games,
    5 for pairs). Empty bins are regularised, then the LLR is
    N * sum_i phat_i * ln(p1_i / p0_i) with p0, p1 the maximum-likelihood
    distributions whose mean per-game score is L(elo0) resp. L(elo1)
    (fishtest ``LLRcalc.LLR_logistic``). Zero games give 0.0.
    """
    if sum(counts) == 0:
        return 0.0
    regularized = _regularize(counts)
    total = sum(regularized)
    probs = [c / total for c in regularized]
    values = [i / (len(counts) - 1) for i in range(len(counts))]
    p0 = _mle_with_mean(values, probs, score_from_elo(elo0))
    p1 = _mle_with_mean(values, probs, score_from_elo(elo1))
    return total * sum(p * (math.log(q1) - math.log(q0)) for p, q0, q1 in zip(probs, p0, p1))


def llr_pentanomial(counts: Sequence[int], elo0: float, elo1: float) -> float:
    """Return the log-likelihood ratio of pentanomial counts for logistic Elo bounds.

    fishtest's ``LLR_logistic`` on ``Ptnml(0-2)`` counts ``[LL, LD, WL+DD,
    WD, WW]``: generalised (MLE) LLR of H1: elo = elo1 against H0: elo = elo0,
    elo0/elo1 in logistic Elo per game; each empty bin counts as 1e-3 pairs.
    No pairs give 0.0.
    """
    _check_counts(counts, _PAIR_BINS)
    return _llr_logistic(counts, elo0, elo1)


def llr_trinomial(wins: int, draws: int, losses: int, elo0: float, elo1: float) -> float:
    """Return the log-likelihood ratio of W/D/L results for logistic Elo bounds.

    The model of ``llr_pentanomial`` applied game by game: fishtest's
    ``LLR_logistic`` on ``[losses, draws, wins]``, empty bins counted as 1e-3
    games. No games give 0.0.
    """
    counts = (losses, draws, wins)
    _check_counts(counts, _GAME_BINS)
    return _llr_logistic(counts, elo0, elo1)


@dataclass(frozen=True)
class SprtResult:
    """State of an SPRT: the LLR, its bounds, and the decision.

    decision is "H1" once llr >= upper (elo1 accepted), "H0" once
    llr <= lower (elo0 accepted), and None while the test must go on.
    """

    llr: float
    lower: float
    upper: float
    decision: Literal["H0", "H1"] | None


def sprt(
    counts: Sequence[int],
    elo0: float,
    elo1: float,
    alpha: float = 0.05,
    beta: float = 0.05,
) -> SprtResult:
    """Return the SPRT state of results for H0: elo = elo0 against H1: elo = elo1.

    ``counts`` are 5 pentanomial counts ``[LL, LD, WL+DD, WD, WW]`` (the
    usual case) or 3 game counts ``(wins, draws, losses)``. The LLR is
    ``llr_pentanomial`` resp. ``llr_trinomial`` (logistic Elo bounds), the
    bounds ``sprt_bounds(alpha, beta)``. Plain Wald stopping rule: fishtest's
    dynamic overshoot correction is not applied.
    """
    lower, upper = sprt_bounds(alpha, beta)
    if len(counts) == _PAIR_BINS:
        llr = llr_pentanomial(counts, elo0, elo1)
    elif len(counts) == _GAME_BINS:
        wins, draws, losses = counts
        llr = llr_trinomial(wins, draws, losses, elo0, elo1)
    else:
        raise ValueError(f"need 5 pentanomial or 3 W/D/L counts, got {len(counts)}")
    decision: Literal["H0", "H1"] | None = None
    if llr >= upper:
        decision = "H1"
    elif llr <= lower:
        decision = "H0"
    return SprtResult(llr, lower, upper, decision)


def _check_counts(counts: Sequence[float], length: int | None = None) -> None:
    """Raise ValueError unless counts are non-negative (and ``length`` long, if given)."""
    if length is not None and len(counts) != length:
        raise ValueError(f"need {length} counts, got {len(counts)}")
    if any(c < 0 for c in counts):
        raise ValueError(f"counts must be non-negative, got {list(counts)}")
