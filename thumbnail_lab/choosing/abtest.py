"""Planning and simulating a thumbnail A/B test.

**Click model (an assumption, stated in the chapter).** A video's impressions do not depend on
which thumbnail is shown, so a thumbnail's true content effect on log10 views acts through its
click-through rate alone: ``ctr = base_ctr * 10 ** (content - reference)``, with the reference the
mean content of the video's candidates. Impressions are split evenly between the arms and every
impression is clicked independently with its arm's rate.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from .sequential import msprt_rejects


def ctr_from_content(content: np.ndarray, base_ctr: float) -> np.ndarray:
    """Click-through rates of candidates (rows = videos) under the click model (capped below one)."""
    content = np.asarray(content, float)
    ref = content.mean(axis=-1, keepdims=True)
    return np.minimum(base_ctr * 10 ** (content - ref), 0.999)


def impressions_needed(p_a: float, p_b: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Impressions per arm for a two-sided test of two click-through rates (statsmodels, arcsine effect size)."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    h = proportion_effectsize(p_b, p_a)
    return float(NormalIndPower().solve_power(effect_size=abs(h), alpha=alpha, power=power, ratio=1.0))


def wald_impressions(p_a: float, p_b: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """The textbook closed form for the same question (pooled variance under the null, unpooled under the alternative)."""
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    pbar = (p_a + p_b) / 2
    num = za * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))
    return float(num ** 2 / (p_a - p_b) ** 2)


def daily_clicks(p_a: float, p_b: float, per_day: int, days: int, n_tests: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative clicks of each arm after each day (n_tests, days) and impressions per arm after each day."""
    a = rng.binomial(per_day, p_a, size=(n_tests, days)).cumsum(1)
    b = rng.binomial(per_day, p_b, size=(n_tests, days)).cumsum(1)
    return a, b, per_day * np.arange(1, days + 1)


def difference_and_variance(a: np.ndarray, b: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimated CTR difference (b - a) and its variance (pooled rate, so the null variance is right)."""
    pooled = (a + b) / (2 * n)
    var = np.maximum(pooled * (1 - pooled) * 2 / n, 1e-12)
    return b / n - a / n, var


def simulate_tests(p_a: float, p_b: float, per_day: int, days: int, n_tests: int, alpha: float, tau2: float,
                   seed: int = 0) -> dict:
    """Share of ``n_tests`` simulated tests that declare a winner, by how the test is read.

    ``fixed_once``: the fixed-horizon z-test read once, on the last day; ``fixed_peeking``: the same
    test read every day, stopping at the first significant day; ``sequential``: the mSPRT read every day.
    With ``p_a == p_b`` these are false-winner rates; otherwise they are powers.
    """
    a, b, n = daily_clicks(p_a, p_b, per_day, days, n_tests, np.random.default_rng(seed))
    delta, var = difference_and_variance(a, b, n)
    significant = np.abs(delta / np.sqrt(var)) > stats.norm.ppf(1 - alpha / 2)
    seq = msprt_rejects(delta, var, tau2, alpha)
    stop_day = np.where(seq.any(1), seq.argmax(1) + 1, days)
    return {"fixed_once": float(significant[:, -1].mean()), "fixed_peeking": float(significant.any(1).mean()),
            "sequential": float(seq.any(1).mean()), "sequential_mean_days": float(stop_day.mean()),
            "n_tests": int(n_tests)}


def false_winners_by_looks(p: float, per_day: int, days: int, n_tests: int, alpha: float, tau2: float,
                           looks_per_day=(1, 4, 24, 96), seed: int = 0) -> dict[int, dict[str, float]]:
    """False-winner rates of the peeked fixed test and of the mSPRT between identical arms, by looks per day.

    The mSPRT's guarantee (at most ``alpha``) holds however often one looks; the rate approaches
    ``alpha`` only as the looks approach every impression, so read daily it sits below ``alpha``.
    Each look sees ``per_day // looks`` more impressions per arm; the same total as daily looks.
    """
    out = {}
    for looks in looks_per_day:
        a, b, n = daily_clicks(p, p, max(1, per_day // looks), days * looks, n_tests, np.random.default_rng(seed))
        delta, var = difference_and_variance(a, b, n)
        significant = np.abs(delta / np.sqrt(var)) > stats.norm.ppf(1 - alpha / 2)
        out[int(looks)] = {"fixed_peeking": float(significant.any(1).mean()),
                           "sequential": float(msprt_rejects(delta, var, tau2, alpha).any(1).mean())}
    return out


def binomial_interval(rate: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson interval of a rate observed in ``n`` trials."""
    k = int(round(rate * n))
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return float(ci.low), float(ci.high)


def expected_winner_ctr(p1: np.ndarray, p2: np.ndarray, impressions: float) -> np.ndarray:
    """Expected true CTR of the arm with more clicks after ``impressions`` per arm (normal approximation)."""
    p1, p2 = np.asarray(p1, float), np.asarray(p2, float)
    sd = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / impressions)
    win1 = stats.norm.cdf((p1 - p2) / np.maximum(sd, 1e-12))
    return p1 * win1 + p2 * (1 - win1)


def prescreen_uplift(ctr: np.ndarray, scores: np.ndarray, impressions: float,
                     rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Extra clicks per 1,000 impressions over uploading a random candidate, per video, for four strategies.

    ``model_top1``: upload the model's pick, no test; ``test_model_top2``: A/B test the model's top two;
    ``test_random2``: A/B test two random candidates; ``best``: the truly best candidate.
    """
    order = np.argsort(-np.asarray(scores, float) + 1e-9 * rng.random(scores.shape), axis=1)
    rows = np.arange(len(ctr))
    two = np.argsort(rng.random(ctr.shape), axis=1)[:, :2]
    base = ctr.mean(1)
    top2 = expected_winner_ctr(ctr[rows, order[:, 0]], ctr[rows, order[:, 1]], impressions)
    rand2 = expected_winner_ctr(ctr[rows, two[:, 0]], ctr[rows, two[:, 1]], impressions)
    return {"model_top1": 1000 * (ctr[rows, order[:, 0]] - base), "test_model_top2": 1000 * (top2 - base),
            "test_random2": 1000 * (rand2 - base), "best": 1000 * (ctr.max(1) - base)}
