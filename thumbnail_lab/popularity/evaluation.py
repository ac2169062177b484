"""The scoring loop: fit every model on every split and score every target on the test rows.

A model here is anything that yields, for every row, a predicted log10 views and a predicted
channel-relative log10 views (``Predictions``). Scoring then reads all four targets off those
two scores (see ``metrics``), always on the split's test rows. The result is one long table,
a row per split x model x target x metric, with the model's id and its label.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from ..progress import progress
from . import metrics
from .data import SPLITS, Predictions, StudyData, split_setup
from .fitting import ImageModelSettings, cheap_models, fusion_models, train_image_models
from .registry import ORACLES, model
from .targets import TARGETS, Targets


def evaluate(predictions: Mapping[str, Predictions], targets: Targets, masks: Mapping[str, np.ndarray],
             split: str, n_boot: int = 200, seed: int = 0, rows: str = "test") -> pd.DataFrame:
    """Score every model on every target (test rows); one row per model x target x metric."""
    test, train = masks[rows], masks["train"]
    out = []
    for name, pred in predictions.items():
        for target in TARGETS:
            source = "channel_relative" if target == "channel_relative" else "log_views"
            if source not in pred:
                continue
            s = metrics.score(target, targets.get(target)[test], pred[source][test], pred[source][train],
                              targets.log_views[test], n_boot=n_boot, seed=seed)
            info = model(name)
            out += metrics.results_rows({"split": split, "model": name, "label": info.label, "input": info.inputs,
                                         "oracle": info.oracle, "target": target}, s)
    return pd.DataFrame(out)


def add_fraction_of_oracle(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``fraction_of_oracle``: (value - chance) / (oracle - chance) with the model's own oracle
    (content-only for thumbnail/title models, full for channel/age models), same split/target/metric."""
    oracles = table[table["model"].isin(ORACLES.values())]
    if oracles.empty:
        return table.assign(fraction_of_oracle=np.nan)
    ref = oracles.set_index(["split", "target", "metric", "oracle"])["value"]
    keys = list(zip(table["split"], table["target"], table["metric"], table["oracle"]))
    best = np.array([ref.get(k, np.nan) for k in keys], float)
    chance = np.array([metrics.chance_level(t, m) for t, m in zip(table["target"], table["metric"])])
    gap = np.where(np.abs(best - chance) > 1e-12, best - chance, np.nan)
    frac = np.where(table["metric"] == "mae", np.nan, (table["value"].to_numpy() - chance) / gap)
    return table.assign(fraction_of_oracle=frac)


@dataclass
class SplitRun:
    """One split's masks, targets, predictions, scores, and the image models and fusion fitted on it."""

    masks: dict[str, np.ndarray]
    targets: Targets
    predictions: dict[str, Predictions]
    table: pd.DataFrame
    regressors: dict = field(default_factory=dict)
    sweeps: dict[str, pd.DataFrame] | None = None
    fusion_weight: float | None = None


@dataclass
class StudyRun:
    """Every split's run and the long results table of all of them (with ``fraction_of_oracle``)."""

    splits: dict[str, SplitRun]
    table: pd.DataFrame

    @property
    def fusion_weights(self) -> dict[str, float]:
        """Split -> image weight chosen on validation, for the splits that fitted a fusion."""
        return {s: r.fusion_weight for s, r in self.splits.items() if r.fusion_weight is not None}


def run_split(data: StudyData, split: str, images: ImageModelSettings | None = None, fuse: bool = True,
              n_boot: int = 200, seed: int = 0, desc: str = "") -> SplitRun:
    """Fit the cheap models, and the image models and fusions where ``images.splits`` has ``split``; score them."""
    masks, targets = split_setup(data, split)
    preds = cheap_models(data, targets, masks["train"])
    run = SplitRun(masks, targets, preds, pd.DataFrame())
    if images is not None and split in images.splits:
        image_preds, run.regressors = train_image_models(data, targets, masks, images, f"{desc} {split}".strip())
        if fuse and "cnn" in image_preds and "minilm_ridge" in preds:
            fused, run.sweeps, run.fusion_weight = fusion_models({**preds, **image_preds}, targets, masks)
            image_preds = {**image_preds, **fused}
        preds.update(image_preds)
    run.table = evaluate(preds, targets, masks, split, n_boot=n_boot, seed=seed)
    return run


def run_splits(data: StudyData, splits=SPLITS, images: ImageModelSettings | None = None, fuse: bool = True,
               n_boot: int = 200, seed: int = 0, desc: str = "") -> StudyRun:
    """``run_split`` on each split; the results table adds each model's fraction of its oracle."""
    runs = {split: run_split(data, split, images, fuse, n_boot, seed, desc)
            for split in progress(list(splits), desc=f"splits {desc}".strip())}
    table = pd.concat([r.table for r in runs.values()], ignore_index=True)
    return StudyRun(runs, add_fraction_of_oracle(table))
