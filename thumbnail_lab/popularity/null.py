"""Checks in the null world, where thumbnails and titles do not change views.

A content-only model must score at chance there once the true channel and age effects are
removed; on raw views it can still beat chance by recognising the channel (big channels stay
big) or the upload year (titles name it, styles drift).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from . import metrics
from .data import StudyData


def adjusted_for_channel_and_age(data: StudyData) -> StudyData:
    """A copy whose log views have the *true* channel and age effects removed (ThumbWorld only).

    In the null world what is left is pure noise, so every model must score at chance on every
    target and split.
    """
    meta = data.metadata.copy()
    missing = [c for c in ("true_channel_effect", "true_age_effect") if c not in meta]
    if missing:
        raise KeyError(f"metadata lacks {missing}; adjusting for the true effects needs ThumbWorld data")
    meta["log_views"] = meta["log_views"] - meta["true_channel_effect"] - meta["true_age_effect"]
    return StudyData(meta, data.images, data.features, data.title_embeddings)


def null_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per model, split, target and metric: the estimate, its interval, and whether the interval
    contains the chance level (what a content-only model must show in the null world)."""
    out = table.copy()
    out["chance"] = [metrics.chance_level(t, m) for t, m in zip(out["target"], out["metric"])]
    out = out[out["metric"] != "mae"]
    out["interval covers chance"] = (out["low"] <= out["chance"]) & (out["chance"] <= out["high"])
    return out[["split", "model", "label", "target", "metric", "value", "low", "high", "chance",
                "interval covers chance"]].reset_index(drop=True)


def share_covering_chance(table: pd.DataFrame) -> float:
    """Share of all metric intervals in ``table`` (MAE aside) that contain the chance level."""
    return float(null_summary(table)["interval covers chance"].mean())


def chance_coverage(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Share of each model's intervals that contain chance (rows: model labels), one column per table."""
    parts = []
    for name, table in tables.items():
        summary = null_summary(table)
        parts.append(summary.groupby("label", sort=False)["interval covers chance"].mean().rename(name))
    return pd.concat(parts, axis=1).rename_axis("model").round(2)


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
