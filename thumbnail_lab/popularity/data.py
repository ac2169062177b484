"""What the chapter's models read: one dataset's metadata, thumbnails, titles and cached inputs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import handcrafted
from .targets import Targets, build_targets, split_masks

SPLITS = ("random", "channel", "temporal")

Predictions = dict[str, np.ndarray]  # target name ("log_views", "channel_relative") -> (N,)


@dataclass
class StudyData:
    """Metadata (row i <-> image i), images, handcrafted features and optional title embeddings."""

    metadata: pd.DataFrame
    images: np.ndarray
    features: pd.DataFrame = field(default=None)
    title_embeddings: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.metadata) != len(self.images):
            raise ValueError(f"metadata has {len(self.metadata)} rows but there are {len(self.images)} images")
        self.images = np.array(self.images, dtype=np.uint8)  # a writable in-memory copy of the memmap
        if self.features is None:
            self.features = handcrafted.image_features(self.images)

    @property
    def titles(self) -> list[str]:
        return self.metadata["title"].fillna("").astype(str).tolist()

    @property
    def channels(self) -> np.ndarray:
        """The channel of every row (what the clustered bootstrap resamples)."""
        return self.metadata["channel_id"].astype(str).to_numpy()


def split_setup(data: StudyData, split: str) -> tuple[dict[str, np.ndarray], Targets]:
    """Masks and targets of one split (cut points from its training rows)."""
    masks = split_masks(data.metadata, split)
    return masks, build_targets(data.metadata, masks["train"], data.metadata[f"split_{split}"].to_numpy())


def check_splits(value: Any) -> str | None:
    """Complain unless ``value`` lists 'random' and optionally the other splits (a parameter rule)."""
    if isinstance(value, list) and "random" in value and set(value) <= set(SPLITS):
        return None
    return "must list 'random' and optionally 'channel' and 'temporal'"
