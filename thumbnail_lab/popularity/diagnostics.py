"""Facts about the data that the chapter's caveats rest on, each computed from the run's own rows."""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd


def between_channel_share(metadata: pd.DataFrame, column: str = "true_content_effect") -> float:
    """Share of ``column``'s variance that lies between channels (variance of channel means / total variance)."""
    x = metadata[column].astype(float)
    means = x.groupby(metadata["channel_id"].astype(str)).transform("mean")
    return float(means.var(ddof=0) / x.var(ddof=0)) if x.var(ddof=0) > 0 else float("nan")


def snapshot_overlap(metadata: pd.DataFrame, masks: Mapping[str, np.ndarray]) -> float:
    """Median share of a training video's life (upload to the one views snapshot) that falls in the test window.

    On the temporal split every video's views come from one snapshot, so a training video's views
    include those gathered while the test videos were being uploaded.
    """
    age = metadata["age_days"].to_numpy(float)
    window = float(age[masks["test"]].max())  # the oldest test upload opens the test window
    train_age = np.maximum(age[masks["train"]], 1.0)
    return float(np.median(np.clip(window / train_age, 0.0, 1.0)))


def channels_seen_in_training(metadata: pd.DataFrame, masks: Mapping[str, np.ndarray]) -> float:
    """Share of test videos whose channel has training rows (their channel median comes from training rows)."""
    channels = metadata["channel_id"].astype(str)
    seen = set(channels[masks["train"]])
    return float(channels[masks["test"]].isin(seen).mean())


def test_class_share(targets, masks: Mapping[str, np.ndarray], target: str = "popular") -> float:
    """Share of the test rows in class 1 of a binary target (0.5 when balanced)."""
    return float(np.mean(targets.get(target)[masks["test"]]))
