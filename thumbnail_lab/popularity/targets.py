"""The targets the popularity literature uses, built from one split's training rows.

1. ``log_views``: log10 views (regression).
2. ``channel_relative``: log10(views / channel median views), the creators' outlier measure; the
   channel median comes from the channel's *training* rows (a channel with none, as every test
   channel of the channel split, uses the median of its own rows in its part of the split).
3. ``popular``: 1 when log10 views exceed the *training* median (so test rows never set it).
4. ``ordinal``: five classes cut at the training quintiles of log10 views.
5. ``per_subscriber``: log10(views / channel subscribers), the attention study's normalisation
   (views divided by the page's followers); needs ``channel_subscribers``.
6. ``popular_per_subscriber``: 1 when views per subscriber exceed their training median; its
   Spearman is against views per subscriber, as in that study.
7. ``adjusted``: log10 views minus the *true* channel and upload-age effects (ThumbWorld only):
   what is left is the content effect plus noise, the one target on which the content oracle is
   a ceiling.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TARGETS = ("log_views", "channel_relative", "popular", "ordinal", "per_subscriber", "popular_per_subscriber",
           "adjusted")
REGRESSION_TARGETS = ("log_views", "channel_relative", "per_subscriber", "adjusted")
N_CLASSES = 5

#: the continuous score each target is read off (a model predicts the regression targets)
SOURCE = {"log_views": "log_views", "channel_relative": "channel_relative", "popular": "log_views",
          "ordinal": "log_views", "per_subscriber": "per_subscriber", "popular_per_subscriber": "per_subscriber",
          "adjusted": "adjusted"}


@dataclass(frozen=True)
class Targets:
    """Every target for every row (None where the data cannot define it), plus the training cut points."""

    log_views: np.ndarray
    channel_relative: np.ndarray
    popular: np.ndarray
    ordinal: np.ndarray
    median: float
    edges: np.ndarray  # the N_CLASSES - 1 inner quantile edges
    per_subscriber: np.ndarray | None = None
    popular_per_subscriber: np.ndarray | None = None
    median_per_subscriber: float = float("nan")
    adjusted: np.ndarray | None = None

    def get(self, name: str) -> np.ndarray:
        """The array for target ``name`` (one of ``TARGETS``)."""
        if name not in TARGETS:
            raise KeyError(f"unknown target {name!r}; expected one of {TARGETS}")
        value = getattr(self, name)
        if value is None:
            raise KeyError(f"target {name!r} is not defined for this data")
        return value

    @property
    def available(self) -> tuple[str, ...]:
        """The targets this data defines."""
        return tuple(t for t in TARGETS if getattr(self, t) is not None)

    @property
    def regression(self) -> tuple[str, ...]:
        """The regression targets this data defines (what a model predicts)."""
        return tuple(t for t in REGRESSION_TARGETS if getattr(self, t) is not None)

    def views_for(self, target: str) -> np.ndarray:
        """What a classification target's Spearman is taken against."""
        return self.per_subscriber if target == "popular_per_subscriber" else self.log_views


def channel_relative(log_views: np.ndarray, channel_id: np.ndarray, train: np.ndarray | None = None,
                     part: np.ndarray | None = None) -> np.ndarray:
    """log10(views / median views of the video's channel), the median from training rows.

    Without ``train`` the median runs over all the channel's videos. With it, over the channel's
    training rows; a channel with no training row takes the median of its rows in the same
    ``part`` of the split (its validation or test rows), the only views a reader has for it.
    The median of log views equals the log of the median views.
    """
    frame = pd.DataFrame({"y": np.asarray(log_views, float), "c": np.asarray(channel_id).astype(str)})
    if train is None:
        return (frame["y"] - frame.groupby("c")["y"].transform("median")).to_numpy()
    train = np.asarray(train, bool)
    medians = frame[train].groupby("c")["y"].median()
    med = frame["c"].map(medians)
    frame["p"] = np.asarray(part).astype(str) if part is not None else "all"
    fallback = frame.groupby(["c", "p"])["y"].transform("median")
    return (frame["y"] - med.fillna(fallback)).to_numpy()


def quantile_edges(values: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """Inner cut points that split ``values`` into ``n_classes`` equally full bins."""
    return np.quantile(np.asarray(values, float), np.linspace(0, 1, n_classes + 1)[1:-1])


def to_classes(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Class index 0..len(edges) of each value given inner ``edges``."""
    return np.searchsorted(np.asarray(edges), np.asarray(values, float), side="right").astype(int)


def views_per_subscriber(metadata: pd.DataFrame) -> np.ndarray | None:
    """log10(views / channel subscribers), or None when subscribers are missing."""
    if "channel_subscribers" not in metadata:
        return None
    subs = pd.to_numeric(metadata["channel_subscribers"], errors="coerce").to_numpy(float)
    if not np.all(np.isfinite(subs) & (subs > 0)):
        return None
    return metadata["log_views"].to_numpy(float) - np.log10(subs)


def adjusted_views(metadata: pd.DataFrame) -> np.ndarray | None:
    """log10 views minus the true channel and age effects, or None without ThumbWorld's truth."""
    if not {"true_channel_effect", "true_age_effect"} <= set(metadata.columns):
        return None
    return (metadata["log_views"] - metadata["true_channel_effect"] - metadata["true_age_effect"]).to_numpy(float)


def build_targets(metadata: pd.DataFrame, train_mask: np.ndarray, part: np.ndarray | None = None) -> Targets:
    """Compute every target; cut points and channel medians come only from rows where ``train_mask`` is true.

    ``part`` (each row's "train"/"val"/"test") places the rows of channels that have no training row.
    """
    train_mask = np.asarray(train_mask, bool)
    if not train_mask.any():
        raise ValueError("the training split is empty; cannot set the median and quantile cuts")
    y = metadata["log_views"].to_numpy(float)
    median = float(np.median(y[train_mask]))
    edges = quantile_edges(y[train_mask])
    per_sub = views_per_subscriber(metadata)
    median_sub = float(np.median(per_sub[train_mask])) if per_sub is not None else float("nan")
    return Targets(
        log_views=y,
        channel_relative=channel_relative(y, metadata["channel_id"].to_numpy(), train_mask, part),
        popular=(y > median).astype(int),
        ordinal=to_classes(y, edges),
        median=median,
        edges=edges,
        per_subscriber=per_sub,
        popular_per_subscriber=None if per_sub is None else (per_sub > median_sub).astype(int),
        median_per_subscriber=median_sub,
        adjusted=adjusted_views(metadata),
    )


def split_masks(metadata: pd.DataFrame, split: str) -> dict[str, np.ndarray]:
    """Boolean masks ``train``/``val``/``test`` for split column ``split_<split>``."""
    column = f"split_{split}"
    if column not in metadata:
        raise KeyError(f"metadata has no column {column!r}")
    values = metadata[column].astype(str).to_numpy()
    return {part: values == part for part in ("train", "val", "test")}
