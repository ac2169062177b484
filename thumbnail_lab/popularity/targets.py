"""The four targets the popularity literature uses, built from one split's training rows.

1. ``log_views``: log10 views (regression).
2. ``channel_relative``: log10(views / channel median views), the creators' outlier measure.
3. ``popular``: 1 when log10 views exceed the *training* median (so test rows never set it).
4. ``ordinal``: five classes cut at the training quintiles of log10 views.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TARGETS = ("log_views", "channel_relative", "popular", "ordinal")
REGRESSION_TARGETS = ("log_views", "channel_relative")
N_CLASSES = 5


@dataclass(frozen=True)
class Targets:
    """All four targets for every row, plus the training cut points that define them."""

    log_views: np.ndarray
    channel_relative: np.ndarray
    popular: np.ndarray
    ordinal: np.ndarray
    median: float
    edges: np.ndarray  # the N_CLASSES - 1 inner quantile edges

    def get(self, name: str) -> np.ndarray:
        """The array for target ``name`` (one of ``TARGETS``)."""
        if name not in TARGETS:
            raise KeyError(f"unknown target {name!r}; expected one of {TARGETS}")
        return getattr(self, name)


def channel_relative(log_views: np.ndarray, channel_id: np.ndarray) -> np.ndarray:
    """log10(views / median views of the video's channel).

    The median runs over all the channel's videos, as a creator computes it on their own
    channel page; the median of log views equals the log of the median views.
    """
    frame = pd.DataFrame({"y": np.asarray(log_views, float), "c": np.asarray(channel_id)})
    return (frame["y"] - frame.groupby("c")["y"].transform("median")).to_numpy()


def quantile_edges(values: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """Inner cut points that split ``values`` into ``n_classes`` equally full bins."""
    return np.quantile(np.asarray(values, float), np.linspace(0, 1, n_classes + 1)[1:-1])


def to_classes(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Class index 0..len(edges) of each value given inner ``edges``."""
    return np.searchsorted(np.asarray(edges), np.asarray(values, float), side="right").astype(int)


def build_targets(metadata: pd.DataFrame, train_mask: np.ndarray) -> Targets:
    """Compute the four targets; cut points come only from rows where ``train_mask`` is true."""
    train_mask = np.asarray(train_mask, bool)
    if not train_mask.any():
        raise ValueError("the training split is empty; cannot set the median and quantile cuts")
    y = metadata["log_views"].to_numpy(float)
    median = float(np.median(y[train_mask]))
    edges = quantile_edges(y[train_mask])
    return Targets(
        log_views=y,
        channel_relative=channel_relative(y, metadata["channel_id"].to_numpy()),
        popular=(y > median).astype(int),
        ordinal=to_classes(y, edges),
        median=median,
        edges=edges,
    )


def split_masks(metadata: pd.DataFrame, split: str) -> dict[str, np.ndarray]:
    """Boolean masks ``train``/``val``/``test`` for split column ``split_<split>``."""
    column = f"split_{split}"
    if column not in metadata:
        raise KeyError(f"metadata has no column {column!r}")
    values = metadata[column].astype(str).to_numpy()
    return {part: values == part for part in ("train", "val", "test")}
