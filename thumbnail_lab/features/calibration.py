"""How often the chapter's tests fire when nothing is there, and the whole-pipeline tests that fix them.

The published procedure selects the most extreme features and then tests them: a KS test of
all feature-group medians against random groups, and the held-out medians of the selected
features (HHM, LHM) against random videos. Both reference distributions ignore how the
features were found: the groups overlap (so the feature medians are not independent draws) and
one thumbnail can top several selected features (so HHM is a median of fewer videos than it
counts). The *whole-pipeline* test puts the selection inside the null: the views are shuffled
over the thumbnails, the same groups re-ranked, the top and bottom features re-selected and
the statistic recomputed, many times; the observed statistic's p-value is its rank among
those draws. That is a permutation test of "views do not depend on the thumbnail", exact
whatever the overlap (conservative where the statistic ties).

``pipeline_draws`` runs the pipeline on shuffled views (group statistics vectorised over draws;
the null medians of the published tests come from the exact sampler and are cached by group
size, since shuffling does not change the population); ``pipeline_pvalues`` puts an analysis's
published, de-duplicated and whole-pipeline p-values side by side; ``calibration_table``
measures each test's false-alarm rate over repeats against the binomial interval around alpha.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from .groups import FeatureGroups, group_statistic
from .null import sample_group_statistic
from .stats import monte_carlo_p

#: The published tests whose calibration the chapter measures.
TESTS: tuple[str, ...] = ("KS", "held-out high", "held-out low")


def binomial_interval(n_repeats: int, alpha: float, level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` interval of the false-alarm rate of a calibrated test over ``n_repeats``."""
    lo, hi = sps.binom.interval(level, n_repeats, alpha)
    return float(lo) / n_repeats, float(hi) / n_repeats


@dataclass
class PipelineDraws:
    """The select-then-test pipeline run on shuffled views, one row per draw.

    ``table`` columns: ``ks_d``, ``ks_p`` (KS statistic and its published p-value), ``hhm``,
    ``lhm`` (held-out statistics over distinct thumbnails), ``n_high``, ``n_low`` (how many
    distinct), ``p_high``, ``p_low`` (their published-style p-values, duplicates collapsed),
    ``p_high_published``, ``p_low_published`` (the published way: a thumbnail counted once per
    feature). ``high``/``low``: positions (rows of ``groups.table``) of each draw's selected features.
    """

    table: pd.DataFrame
    high: np.ndarray
    low: np.ndarray


class _NullCache:
    """Sorted simulated statistics of random groups of ``m`` videos, drawn once per ``m``."""

    def __init__(self, views: np.ndarray, n_sim: int, rng: np.random.Generator, statistic: str):
        self.views, self.n_sim, self.rng, self.statistic = views, n_sim, rng, statistic
        self.cache: dict[int, np.ndarray] = {}

    def null(self, m: int) -> np.ndarray:
        if m not in self.cache:
            self.cache[m] = np.sort(sample_group_statistic(self.views, m, self.n_sim, self.rng, self.statistic))
        return self.cache[m]

    def p_ge(self, observed: float, m: int) -> float:
        return float(monte_carlo_p(observed, self.null(m), presorted=True))

    def p_le(self, observed: float, m: int) -> float:
        return float(monte_carlo_p(observed, self.null(m), upper=False, presorted=True))


def pipeline_draws(groups: FeatureGroups, views: np.ndarray, params, rng: np.random.Generator, n_draws: int,
                   n_sim: int = 100_000, chunk: int = 64) -> PipelineDraws:
    """Shuffle the views ``n_draws`` times and rerun selection, KS and held-out tests on the same groups.

    Parameters
    ----------
    groups : FeatureGroups
        The feature groups (they depend on the thumbnails only, so shuffling views keeps them).
    views : np.ndarray
        Every video's views.
    params : GroupParams
        ``top_k`` and ``statistic`` of the procedure.
    rng : np.random.Generator
    n_draws : int
        Shuffles.
    n_sim : int
        Simulated random groups behind each published-style p-value.
    chunk : int
        Shuffles whose group statistics are computed at once (bounds memory).
    """
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1, got {n_draws}")
    views = np.asarray(views, dtype=float)
    statistic = params.statistic
    features = groups.table["feature"].to_numpy()
    n_features = len(features)
    k = min(params.top_k, n_features // 2)
    kept, held = groups.kept, groups.held_out
    nulls = _NullCache(views, n_sim, rng, statistic)
    rows, highs, lows = [], [], []
    for start in range(0, n_draws, chunk):
        shuffled = np.stack([rng.permutation(views) for _ in range(min(chunk, n_draws - start))])
        all_stats = group_statistic(shuffled[:, kept], statistic)             # (draws, features)
        for v, stats in zip(shuffled, all_stats):
            order = np.lexsort((features, -stats))
            high, low = order[:k], order[::-1][:k]
            random_stats = sample_group_statistic(views, kept.shape[1], n_features, rng, statistic)
            ks = sps.ks_2samp(stats, random_stats)
            row = {"ks_d": float(ks.statistic), "ks_p": float(ks.pvalue)}
            for name, key, chosen, tail in (("high", "hhm", high, nulls.p_ge), ("low", "lhm", low, nulls.p_le)):
                listed = held[chosen].ravel()
                distinct = np.unique(listed)
                stat = float(group_statistic(v[distinct], statistic))
                row.update({key: stat, f"n_{name}": distinct.size, f"p_{name}": tail(stat, distinct.size),
                            f"p_{name}_published": tail(float(group_statistic(v[listed], statistic)), listed.size)})
            rows.append(row)
            highs.append(high)
            lows.append(low)
    return PipelineDraws(pd.DataFrame(rows), np.array(highs).reshape(n_draws, k), np.array(lows).reshape(n_draws, k))


def _pipeline_p(table: pd.DataFrame, reference: PipelineDraws) -> dict[str, np.ndarray]:
    ref = reference.table
    return {"KS": monte_carlo_p(table["ks_d"], ref["ks_d"]),
            "held-out high": monte_carlo_p(table["hhm"], ref["hhm"]),
            "held-out low": monte_carlo_p(table["lhm"], ref["lhm"], upper=False)}


def pipeline_pvalues(analysis, reference: PipelineDraws) -> pd.DataFrame:
    """An analysis's published, de-duplicated and whole-pipeline p-values, one row per test in ``TESTS``.

    ``reference`` must be ``pipeline_draws`` of the same groups and views. The KS test has no
    duplicates, so its ``distinct_p`` is NaN.
    """
    h, pub = analysis.held_out, analysis.held_out_published
    observed = pd.DataFrame([{"ks_d": analysis.ks.statistic, "hhm": h.high_held_out_stat,
                              "lhm": h.low_held_out_stat}])
    pipeline = _pipeline_p(observed, reference)
    return pd.DataFrame({
        "statistic": [analysis.ks.statistic, h.high_held_out_stat, h.low_held_out_stat],
        "published_p": [analysis.ks.pvalue, pub.p_random_ge_high, pub.p_random_le_low],
        "distinct_p": [np.nan, h.p_random_ge_high, h.p_random_le_low],
        "pipeline_p": [float(pipeline[t][0]) for t in TESTS],
    }, index=pd.Index(TESTS, name="test"))


def calibration_table(repeats: PipelineDraws, reference: PipelineDraws, alpha: float) -> pd.DataFrame:
    """Each test's false-alarm rate over the ``repeats`` worlds, the published way and the corrected way.

    ``published_rate``: share of repeats with the published p-value below ``alpha`` (KS as
    published; held-out counting a thumbnail once per feature); ``distinct_rate``: held-out with
    duplicates collapsed (NaN for KS); ``corrected_rate``: the whole-pipeline p-value against the
    independent ``reference`` draws. ``interval_low``/``interval_high`` bound the rate of a
    calibrated test (binomial 95 %).
    """
    t = repeats.table
    n = len(t)
    corrected = _pipeline_p(t, reference)
    lo, hi = binomial_interval(n, alpha)
    return pd.DataFrame({
        "published_rate": [(t["ks_p"] < alpha).mean(), (t["p_high_published"] < alpha).mean(),
                           (t["p_low_published"] < alpha).mean()],
        "distinct_rate": [np.nan, (t["p_high"] < alpha).mean(), (t["p_low"] < alpha).mean()],
        "corrected_rate": [float((corrected[test] < alpha).mean()) for test in TESTS],
        "n_repeats": n, "alpha": alpha, "interval_low": lo, "interval_high": hi,
    }, index=pd.Index(TESTS, name="test"))


def shuffled_test_rates(groups: FeatureGroups, views: np.ndarray, params, rng: np.random.Generator,
                        n_repeats: int = 200, n_reference: int = 999, n_sim: int = 100_000,
                        alpha: float = 0.05) -> pd.DataFrame:
    """How often each test fires at level ``alpha`` when the views are shuffled over the thumbnails.

    ``n_repeats`` shuffled worlds are tested; the whole-pipeline p-values use ``n_reference``
    further, independent shuffles. See ``calibration_table`` for the columns.
    """
    repeats = pipeline_draws(groups, views, params, rng, n_repeats, n_sim)
    reference = pipeline_draws(groups, views, params, rng, n_reference, n_sim)
    return calibration_table(repeats, reference, alpha)


def calibration_record(table: pd.DataFrame) -> dict:
    """The ``calibration`` entry of results.json: per test ``published_rate``, ``corrected_rate``,
    ``n_repeats``, ``alpha`` (and the de-duplicated rate and the interval, where they exist)."""
    out = {}
    for test, row in table.iterrows():
        entry = {"published_rate": float(row["published_rate"]), "corrected_rate": float(row["corrected_rate"]),
                 "n_repeats": int(row["n_repeats"]), "alpha": float(row["alpha"]),
                 "interval": [float(row["interval_low"]), float(row["interval_high"])]}
        if not np.isnan(row["distinct_rate"]):
            entry["distinct_rate"] = float(row["distinct_rate"])
        out[test] = entry
    return out
