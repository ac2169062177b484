"""Checks in the null world, where thumbnails and titles do not change views.

A content-only model must score at chance there on views adjusted for the true channel and age
effects; on raw views it can still beat chance by recognising the channel (big channels stay
big) or the upload year (titles name it, styles drift). Each check is one-sided (below-chance R²
is overfitting, not signal): z = (estimate - chance) / clustered bootstrap standard error, and a
model family "beats chance" when any of its tests does after Holm's correction over its targets
and splits. The smallest effect a test could detect (80 % power at its Holm-Bonferroni level) is
stated beside it. ``calibration`` shows the test itself at work: random channel-level scores
(negative control) and a planted effect of that detectable size (positive control).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from . import metrics
from .data import StudyData
from .registry import is_oracle

#: the metric each target is tested on
PRIMARY = {"log_views": "spearman", "channel_relative": "spearman", "per_subscriber": "spearman",
           "adjusted": "spearman", "popular": "accuracy", "popular_per_subscriber": "accuracy",
           "ordinal": "accuracy", "fusion_classes": "accuracy"}
POWER = 0.8


def adjusted_for_channel_and_age(data: StudyData) -> StudyData:
    """A copy whose log views have the *true* channel and age effects removed (ThumbWorld only)."""
    meta = data.metadata.copy()
    missing = [c for c in ("true_channel_effect", "true_age_effect") if c not in meta]
    if missing:
        raise KeyError(f"metadata lacks {missing}; adjusting for the true effects needs ThumbWorld data")
    meta["log_views"] = meta["log_views"] - meta["true_channel_effect"] - meta["true_age_effect"]
    return StudyData(meta, data.images, data.features, data.title_embeddings)


def one_sided_tests(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """One row per content-only model x split x target (its primary metric): z, p, Holm-adjusted p, detectable effect.

    ``views`` says whether the target is on raw views or on the adjusted ones; Holm's correction
    runs within each model and kind of views.
    """
    sub = table[table["oracle"].eq("content") & ~table["model"].map(is_oracle)]
    sub = sub[[PRIMARY.get(t) == m for t, m in zip(sub["target"], sub["metric"])]].copy()
    sub["views"] = np.where(sub["target"].eq("adjusted"), "adjusted views", "raw views")
    se = sub["se"].where(sub["se"] > 0)
    sub["z"] = (sub["value"] - sub["chance"]) / se
    sub["p"] = stats.norm.sf(sub["z"])
    parts = []
    for _, g in sub.groupby(["model", "views"], sort=False):
        g = g.copy()
        g["p_holm"] = holm(g["p"].to_numpy())
        g["detectable"] = (stats.norm.isf(alpha / len(g)) + stats.norm.ppf(POWER)) * g["se"]
        parts.append(g)
    out = pd.concat(parts, ignore_index=True) if parts else sub.assign(p_holm=[], detectable=[])
    out["beats chance"] = out["p_holm"] < alpha
    return out[["views", "model", "label", "split", "target", "metric", "value", "chance", "se", "z", "p", "p_holm",
                "detectable", "beats chance", "ci_unit", "n_test_channels"]]


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (step-down, monotone, capped at 1); NaN stays NaN."""
    p = np.asarray(p, float)
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok])]
    adj = np.maximum.accumulate((len(ok) - np.arange(len(ok))) * p[order])
    out[order] = np.minimum(adj, 1.0)
    return out


def family_verdicts(tests: pd.DataFrame) -> pd.DataFrame:
    """Per model family and kind of views: tests run, whether it beats chance, its strongest test, detectable Spearman."""
    rows = []
    for (views, label), g in tests.groupby(["views", "label"], sort=False):
        best = g.loc[g["p_holm"].idxmin()] if g["p_holm"].notna().any() else g.iloc[0]
        spear = g[g["metric"] == "spearman"]["detectable"]
        acc = g[g["metric"] == "accuracy"]["detectable"]
        rows.append({"views": views, "model": label, "tests": len(g), "beats chance": bool(g["beats chance"].any()),
                     "strongest test": f"{best['target']} ({best['split']})", "its estimate": best["value"],
                     "its chance": best["chance"], "Holm p": best["p_holm"],
                     "detectable Spearman": spear.median() if len(spear) else np.nan,
                     "detectable accuracy gain": acc.median() if len(acc) else np.nan})
    return pd.DataFrame(rows).set_index(["views", "model"])


def calibration(y: np.ndarray, groups: np.ndarray, n_worlds: int = 200, n_boot: int = 200, seed: int = 0,
                icc: float = 0.5, alpha: float = 0.05) -> pd.DataFrame:
    """How often the one-sided Spearman test says "beats chance" (negative control) and "caught" (positive).

    Negative control: scores made of a random per-channel part (share ``icc`` of the variance)
    and per-video noise, independent of ``y``; a test at level ``alpha`` must reject in about
    ``alpha`` of the worlds. The same test with a video bootstrap shows what ignoring channels does.
    Positive control: the same noise plus a planted correlation with ``y`` of the size the
    clustered test can detect with 80 % power; it must be caught in about 80 % of the worlds.
    """
    rng = np.random.default_rng(seed)
    y = np.asarray(y, float)
    codes, _ = metrics._codes(groups)
    z_y = stats.norm.ppf((stats.rankdata(y) - 0.5) / len(y))
    weights = {"channel": metrics.bootstrap_weights(groups, len(y), n_boot, seed + 1)[0],
               "video": metrics.bootstrap_weights(None, len(y), n_boot, seed + 1)[0]}
    ses, rejected = {u: [] for u in weights}, {u: [] for u in weights}
    noises = [np.sqrt(icc) * rng.normal(size=codes.max() + 1)[codes] + np.sqrt(1 - icc) * rng.normal(size=len(y))
              for _ in range(n_worlds)]
    for noise in noises:
        est = metrics.spearman(noise, y)
        for unit, W in weights.items():
            se = float(np.std(metrics.weighted_spearman(W, noise, y), ddof=1))
            ses[unit].append(se)
            rejected[unit].append(stats.norm.sf(est / se) < alpha)
    effect = (stats.norm.isf(alpha) + stats.norm.ppf(POWER)) * float(np.mean(ses["channel"]))
    rho = min(0.99, effect)
    caught = []
    for noise in noises:
        s = rho * z_y + np.sqrt(1 - rho**2) * noise / noise.std()
        est = metrics.spearman(s, y)
        se = float(np.std(metrics.weighted_spearman(weights["channel"], s, y), ddof=1))
        caught.append(stats.norm.sf(est / se) < alpha)
    return pd.DataFrame([
        {"control": "negative: random channel-level scores", "resampled unit": "channel", "planted Spearman": 0.0,
         "share flagged": np.mean(rejected["channel"]), "expected": alpha},
        {"control": "negative: random channel-level scores", "resampled unit": "video", "planted Spearman": 0.0,
         "share flagged": np.mean(rejected["video"]), "expected": alpha},
        {"control": "positive: planted effect", "resampled unit": "channel", "planted Spearman": rho,
         "share flagged": np.mean(caught), "expected": POWER},
    ])


def binomial_band(n: int, p: float, level: float = 0.95) -> tuple[float, float]:
    """Range of the share of ``n`` independent worlds flagged at rate ``p`` (``level`` of the time)."""
    lo, hi = stats.binom.interval(level, n, p)
    return lo / n, hi / n


def selection_correlations(data: StudyData) -> dict[str, float]:
    """Correlation of the channel- and age-adjusted views with the true channel and age effects.

    Zero before cleaning; a filter on views (e.g. dropping videos under 500 views) keeps only the
    lucky videos of small channels and recent uploads, which makes the leftover noise correlate
    negatively with both: a confound created by the cleaning itself.
    """
    meta = data.metadata
    resid = meta["log_views"] - meta["true_channel_effect"] - meta["true_age_effect"]
    return {"channel": float(np.corrcoef(resid, meta["true_channel_effect"])[0, 1]),
            "age": float(np.corrcoef(resid, meta["true_age_effect"])[0, 1])}


def leak_names(verdicts: pd.DataFrame) -> Mapping[str, bool]:
    """Whether any family beats chance on raw views, and on adjusted views (the chapter names the leak)."""
    flags = verdicts["beats chance"]
    return {views: bool(flags.xs(views, level="views").any()) if views in flags.index.get_level_values(0) else False
            for views in ("raw views", "adjusted views")}
