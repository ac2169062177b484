"""Simulating the statistic of random groups of videos, fast and exactly.

The published analysis compares a feature group's median views with the medians of random
groups of videos, drawn with replacement, simulated up to a million times. Drawing
``m`` videos a million times and sorting each draw costs ``m`` random numbers and a sort per
median. It is not needed: if ``U_1..U_m`` are uniform, the draws are ``x[floor(U_i * n)]`` on
the sorted values ``x``, a monotone map, so the ``k``-th smallest draw is ``x[floor(U_(k) * n)]``
where ``U_(k)`` is the ``k``-th uniform order statistic, which has a ``Beta(k, m - k + 1)``
distribution. Given ``U_(k) = u``, the next order statistic is ``u + (1 - u) * Beta(1, m - k)``
(the minimum of the ``m - k`` uniforms left above ``u``). So a median of ``m`` draws with
replacement costs one or two random numbers and one table lookup, and it has exactly the
same distribution as the brute-force median.
"""
from __future__ import annotations

import numpy as np


def _index(u: np.ndarray, n: int) -> np.ndarray:
    """Map uniforms in [0, 1) to indices of ``n`` sorted values (the empirical inverse CDF)."""
    idx = (u * n).astype(np.intp)
    return np.minimum(idx, n - 1, out=idx)


def sample_order_statistics(sorted_values: np.ndarray, m: int, k: int, n_draws: int,
                            rng: np.random.Generator, pair: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Sample the ``k``-th smallest of ``m`` draws with replacement, ``n_draws`` times.

    Parameters
    ----------
    sorted_values : np.ndarray
        The population, sorted ascending (1-D).
    m : int
        Draws per sample.
    k : int
        Which order statistic, 1-based (``1 <= k <= m``).
    n_draws : int
        How many samples.
    rng : np.random.Generator
        Source of randomness.
    pair : bool
        Also return the ``(k + 1)``-th smallest of the same samples (needs ``k < m``).

    Returns
    -------
    np.ndarray or tuple of np.ndarray
        The ``k``-th order statistics (and the ``(k + 1)``-th when ``pair``).
    """
    x = np.asarray(sorted_values)
    n = x.size
    if n == 0:
        raise ValueError("the population is empty")
    if not 1 <= k <= m or (pair and k >= m):
        raise ValueError(f"order statistic k={k} is impossible for m={m} draws (pair={pair})")
    u = rng.beta(k, m - k + 1, size=n_draws)
    first = x[_index(u, n)]
    if not pair:
        return first
    # The m - k uniforms above u are uniform on (u, 1); their minimum is u + (1 - u) * B with
    # B ~ Beta(1, m - k), i.e. 1 - (1 - u) * V ** (1 / (m - k)) for V uniform. Computed in place.
    v = rng.random(n_draws)
    np.power(v, 1.0 / (m - k), out=v)
    np.subtract(1.0, u, out=u)
    np.multiply(u, v, out=u)
    np.subtract(1.0, u, out=u)
    return first, x[_index(u, n)]


def sample_medians(values: np.ndarray, m: int, n_draws: int, rng: np.random.Generator,
                   presorted: bool = False) -> np.ndarray:
    """Medians of ``m`` videos drawn with replacement from ``values``, ``n_draws`` times (exact).

    Same distribution as ``np.median(rng.choice(values, (n_draws, m)), axis=1)``, at the cost of
    one or two random numbers per median instead of ``m`` and a sort.

    Parameters
    ----------
    values : np.ndarray
        The population (e.g. every video's views).
    m : int
        Group size.
    n_draws : int
        Number of simulated groups.
    rng : np.random.Generator
        Source of randomness.
    presorted : bool
        ``values`` is already sorted ascending (skips a sort).

    Returns
    -------
    np.ndarray
        ``n_draws`` float medians.
    """
    if m < 1:
        raise ValueError(f"group size must be at least 1, got {m}")
    x = np.asarray(values, dtype=float)
    if not presorted:
        x = np.sort(x)
    if m % 2 == 1:
        return sample_order_statistics(x, m, (m + 1) // 2, n_draws, rng)
    lo, hi = sample_order_statistics(x, m, m // 2, n_draws, rng, pair=True)
    return 0.5 * (lo + hi)


def sample_means(values: np.ndarray, m: int, n_draws: int, rng: np.random.Generator,
                 chunk: int = 200_000) -> np.ndarray:
    """Means of ``m`` videos drawn with replacement from ``values``, ``n_draws`` times.

    Means have no order-statistic shortcut; this draws in chunks so memory stays bounded.
    """
    x = np.asarray(values, dtype=float)
    out = np.empty(n_draws)
    for start in range(0, n_draws, chunk):
        stop = min(start + chunk, n_draws)
        out[start:stop] = x[rng.integers(0, x.size, size=(stop - start, m))].mean(axis=1)
    return out


def sample_group_statistic(values: np.ndarray, m: int, n_draws: int, rng: np.random.Generator,
                           statistic: str = "median") -> np.ndarray:
    """Random-group ``statistic`` ("median" or "mean") of ``m`` draws with replacement."""
    if statistic == "median":
        return sample_medians(values, m, n_draws, rng)
    if statistic == "mean":
        return sample_means(values, m, n_draws, rng)
    raise ValueError(f"statistic must be 'median' or 'mean', got {statistic!r}")


def brute_force_medians(values: np.ndarray, m: int, n_draws: int, rng: np.random.Generator,
                        chunk: int = 20_000) -> np.ndarray:
    """The vectorised baseline: ``np.median`` of a chunked ``rng.choice`` matrix."""
    x = np.asarray(values, dtype=float)
    out = np.empty(n_draws)
    for start in range(0, n_draws, chunk):
        stop = min(start + chunk, n_draws)
        out[start:stop] = np.median(rng.choice(x, size=(stop - start, m), replace=True), axis=1)
    return out


def loop_medians(values: np.ndarray, m: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """The straightforward baseline: one Python-level draw and median per group."""
    x = np.asarray(values, dtype=float)
    return np.array([np.median(rng.choice(x, size=m, replace=True)) for _ in range(n_draws)])
