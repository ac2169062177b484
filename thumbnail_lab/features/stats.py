"""Is a feature group's median views different from chance? The chapter's statistics.

- ``random_group_comparison``: feature-group medians against as many random-group medians,
  two-sample Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``), as published;
- ``held_out_test``: the median views of the held-out thumbnails of the high (HHM) and low (LHM)
  features against a million simulated medians of as many random videos (each distinct
  thumbnail counted once: with overlapping groups one thumbnail can top several features);
- ``permutation_pvalues`` + ``bh``: a p-value per feature and Benjamini-Hochberg FDR control
  (``statsmodels.stats.multitest``), which the published analysis did not do;
- ``bootstrap_ci``: bootstrap intervals of each group's median, drawn with the exact sampler, or
  resampling channels where a group holds several videos of one channel;
- ``pvalue_text``: a p-value as printed, with an underflow written as the bound it is.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from .groups import group_statistic
from .null import sample_group_statistic


@dataclass
class KSResult:
    """Feature-group statistics against random-group statistics."""

    statistic: float
    pvalue: float
    n_features: int
    n_random: int
    feature_median: float
    random_median: float

    def as_dict(self) -> dict:
        """Plain dict (for results.json)."""
        return asdict(self)


def random_group_comparison(group_stats: np.ndarray, views: np.ndarray, group_size: int,
                            rng: np.random.Generator, n_random: int | None = None,
                            statistic: str = "median") -> tuple[KSResult, np.ndarray]:
    """Compare feature-group statistics with random groups of the same size (with replacement).

    Parameters
    ----------
    group_stats : np.ndarray
        The feature groups' statistics (e.g. medians of 399 videos).
    views : np.ndarray
        Every video's views (the population random groups are drawn from).
    group_size : int
        Videos per random group (the feature groups' size without held-out members).
    rng : np.random.Generator
    n_random : int, optional
        Number of random groups; defaults to as many as there are features (published).
    statistic : str
        "median" or "mean".

    Returns
    -------
    (KSResult, np.ndarray)
        The test and the random groups' statistics.
    """
    group_stats = np.asarray(group_stats, dtype=float)
    n_random = len(group_stats) if n_random is None else n_random
    random_stats = sample_group_statistic(views, group_size, n_random, rng, statistic)
    ks = sps.ks_2samp(group_stats, random_stats)
    return KSResult(float(ks.statistic), float(ks.pvalue), len(group_stats), n_random,
                    float(np.median(group_stats)), float(np.median(random_stats))), random_stats


#: The smallest p-value printed as a number; below it (a float underflow gives exactly 0) it is a bound.
P_FLOOR = 1e-300


def pvalue_text(p: float, digits: int = 2) -> str:
    """``"p = 0.012"``, or ``"p < 1e-300"`` for a p-value that underflowed (a published "p = 0")."""
    return f"p < {P_FLOOR:.0e}" if p < P_FLOOR else f"p = {p:.{digits}g}"


@dataclass
class HeldOutResult:
    """Held-out statistics of the high/low features against simulated random groups.

    ``high_held_out_stat`` is the median (or mean, see ``statistic``) views of the high-view
    features' held-out thumbnails (HHM), ``low_held_out_stat`` the low-view ones' (LHM).
    ``n_high``/``n_low`` count the videos that entered them (distinct thumbnails unless the test
    was run the published way), ``n_high_listed``/``n_low_listed`` the held-out rows listed.
    """

    high_held_out_stat: float
    low_held_out_stat: float
    n_high: int
    n_low: int
    p_random_ge_high: float
    p_random_le_low: float
    n_sim: int
    dataset_stat: float
    statistic: str = "median"
    n_high_listed: int = 0
    n_low_listed: int = 0

    def as_dict(self) -> dict:
        """Plain dict (for results.json)."""
        return asdict(self)


def held_out_test(views: np.ndarray, high_rows: np.ndarray, low_rows: np.ndarray,
                  rng: np.random.Generator, n_sim: int = 1_000_000,
                  statistic: str = "median", distinct: bool = True) -> tuple[HeldOutResult, np.ndarray, np.ndarray]:
    """P(random >= HHM) and P(random <= LHM) from ``n_sim`` simulated random groups.

    With ``distinct`` (the default) a thumbnail listed several times (the top activation of
    several features) counts once, and the null is simulated with the number of distinct
    videos; ``distinct=False`` is the published way, which counts it once per feature and so
    treats a median of fewer independent videos as a median of more. The high and low lists
    may differ in size; each is compared with random groups of its own size. Returns the result
    and the two simulated null samples (high-sized, low-sized).
    """
    views = np.asarray(views, dtype=float)
    high_rows, low_rows = np.asarray(high_rows), np.asarray(low_rows)
    n_listed = (high_rows.size, low_rows.size)
    if distinct:
        high_rows, low_rows = np.unique(high_rows), np.unique(low_rows)
    hhm = float(group_statistic(views[high_rows], statistic))
    lhm = float(group_statistic(views[low_rows], statistic))
    null_high = sample_group_statistic(views, len(high_rows), n_sim, rng, statistic)
    null_low = null_high if len(low_rows) == len(high_rows) else \
        sample_group_statistic(views, len(low_rows), n_sim, rng, statistic)
    p_high, p_low = monte_carlo_p(hhm, null_high), monte_carlo_p(lhm, null_low, upper=False)
    return HeldOutResult(hhm, lhm, len(high_rows), len(low_rows), float(p_high), float(p_low), n_sim,
                         float(group_statistic(views, statistic)), statistic, *n_listed), null_high, null_low


def permutation_null(views: np.ndarray, group_size: int, n_perm: int, rng: np.random.Generator,
                     statistic: str = "median") -> np.ndarray:
    """Statistic of ``n_perm`` random groups drawn WITHOUT replacement (views permuted over thumbnails).

    Every feature group has the same size, so one null sample serves them all.
    """
    views = np.asarray(views, dtype=float)
    if group_size > views.size:
        raise ValueError(f"group_size={group_size} exceeds the {views.size} videos")
    out = np.empty(n_perm)
    for i in range(n_perm):
        out[i] = group_statistic(views[rng.choice(views.size, group_size, replace=False)], statistic)
    return out


def monte_carlo_p(observed, draws, upper: bool = True, presorted: bool = False):
    """One-sided Monte Carlo p-value(s): (1 + draws at least as extreme as ``observed``) / (draws + 1).

    ``upper``: at least as extreme means ``>= observed``, else ``<= observed``. The +1 counts the
    observed value itself, so a p-value is never exactly zero. As with ``>=`` and ``<=``, a NaN
    (draw or observed) is never at least as extreme, and NaN draws still count in the denominator.
    ``presorted``: ``draws`` is already sorted ascending (a cached null), so it is not sorted again.
    """
    draws = np.asarray(draws, dtype=float).ravel()
    n = draws.size
    finite = draws[~np.isnan(draws)]
    if not presorted:
        finite = np.sort(finite)
    observed = np.asarray(observed, dtype=float)
    extreme = (finite.size - np.searchsorted(finite, observed, side="left") if upper
               else np.searchsorted(finite, observed, side="right"))
    return (1 + np.where(np.isnan(observed), 0, extreme)) / (n + 1)


def two_sided_pvalues(observed: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Two-sided Monte Carlo p-values: twice the smaller tail, with the +1 correction, capped at 1."""
    null = np.sort(np.asarray(null, dtype=float))
    observed = np.asarray(observed, dtype=float)
    n = null.size
    ge = n - np.searchsorted(null, observed, side="left")
    le = np.searchsorted(null, observed, side="right")
    return np.minimum(1.0, 2.0 * (1 + np.minimum(ge, le)) / (n + 1))


def permutation_pvalues(group_stats: np.ndarray, views: np.ndarray, group_size: int, n_perm: int,
                        rng: np.random.Generator, statistic: str = "median") -> np.ndarray:
    """Per-feature two-sided permutation p-values of the group statistic."""
    return two_sided_pvalues(group_stats, permutation_null(views, group_size, n_perm, rng, statistic))


def bh(pvalues: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg: (rejected mask, adjusted p-values) at false discovery rate ``alpha``."""
    pvalues = np.asarray(pvalues, dtype=float)
    if pvalues.size == 0:
        return np.zeros(0, dtype=bool), np.zeros(0)
    reject, adjusted, _, _ = multipletests(pvalues, alpha=alpha, method="fdr_bh")
    return reject, adjusted


def bootstrap_ci(views: np.ndarray, members: np.ndarray, rng: np.random.Generator,
                 n_boot: int = 2000, level: float = 0.95, statistic: str = "median",
                 clusters: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of each group's statistic (rows of ``members`` index ``views``).

    Videos of one channel share that channel's audience, so they are not independent draws.
    With ``clusters`` (e.g. every video's channel id), a group that holds several videos of
    one channel (and at least two channels) is resampled by channel: its channels are drawn
    with replacement, each bringing all of its videos in the group. Otherwise each bootstrap
    median is drawn with the exact order-statistic sampler, which costs ``n_boot`` random
    numbers per group instead of ``n_boot * group_size``.
    """
    views = np.asarray(views, dtype=float)
    lo, hi = np.empty(len(members)), np.empty(len(members))
    q = [(1 - level) / 2, (1 + level) / 2]
    codes = None if clusters is None else pd.factorize(np.asarray(clusters))[0]
    for i, rows in enumerate(np.asarray(members)):
        groups = None if codes is None else np.unique(codes[rows], return_inverse=True)[1]
        if groups is not None and 2 <= groups.max() + 1 < len(rows):
            boot = cluster_bootstrap(views[rows], groups, n_boot, rng, statistic)
        else:
            boot = sample_group_statistic(views[rows], len(rows), n_boot, rng, statistic)
        lo[i], hi[i] = np.quantile(boot, q)
    return lo, hi


def cluster_bootstrap(values: np.ndarray, cluster: np.ndarray, n_boot: int, rng: np.random.Generator,
                      statistic: str = "median") -> np.ndarray:
    """``n_boot`` bootstrap statistics of ``values`` resampling whole clusters (codes ``0..C-1``).

    Vectorised: each resample is a weight per value (how often its cluster was drawn); the
    median is read off the weighted cumulative counts, exactly as ``np.median`` of the
    expanded resample would give it.
    """
    values, cluster = np.asarray(values, dtype=float), np.asarray(cluster)
    n_clusters = int(cluster.max()) + 1
    picks = rng.integers(0, n_clusters, size=(n_boot, n_clusters)) + n_clusters * np.arange(n_boot)[:, None]
    drawn = np.bincount(picks.ravel(), minlength=n_boot * n_clusters).reshape(n_boot, n_clusters)
    order = np.argsort(values, kind="stable")
    weights = drawn[:, cluster[order]]                        # (n_boot, n_values), sorted by value
    sorted_values = values[order]
    total = weights.sum(axis=1)
    if statistic == "mean":
        return weights @ sorted_values / total
    if statistic != "median":
        raise ValueError(f"statistic must be 'median' or 'mean', got {statistic!r}")
    cum = np.cumsum(weights, axis=1)

    def at(pos: np.ndarray) -> np.ndarray:
        """The value at 0-based position ``pos`` of each expanded resample."""
        return sorted_values[np.minimum((cum <= pos[:, None]).sum(axis=1), len(values) - 1)]

    return 0.5 * (at((total - 1) // 2) + at(total // 2))


def feature_significance(table: pd.DataFrame, members_kept: np.ndarray, views: np.ndarray,
                         rng: np.random.Generator, n_perm: int = 20_000, n_boot: int = 2000,
                         alpha: float = 0.05, statistic: str = "median",
                         clusters: np.ndarray | None = None) -> pd.DataFrame:
    """Add ``p_value``, ``q_value`` (BH), ``significant`` and bootstrap ``ci_low``/``ci_high`` columns.

    ``clusters`` (every video's channel) makes the bootstrap resample channels where they repeat.
    """
    out = table.copy()
    out["p_value"] = permutation_pvalues(out["group_stat"].to_numpy(), views, members_kept.shape[1],
                                         n_perm, rng, statistic)
    out["significant"], out["q_value"] = bh(out["p_value"].to_numpy(), alpha)
    out["ci_low"], out["ci_high"] = bootstrap_ci(views, members_kept, rng, n_boot, statistic=statistic,
                                                 clusters=clusters)
    return out
