"""Recovered vs planted element effects: redraw test thumbnails with each element on and off.

ThumbWorld can redraw any of its thumbnails from the plan, so the change in a model's prediction
when one element is drawn in or out can be set beside the change the structural model plants.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from . import handcrafted
from .data import StudyData
from .registry import label
from .targets import Targets


def intervention_table(data: StudyData, targets: Targets, masks: Mapping[str, np.ndarray], regressors: Mapping,
                       truth: Mapping, elements, n_videos: int, seed: int, n_boot: int = 200) -> pd.DataFrame:
    """Partial dependence by redrawing ``n_videos`` test thumbnails with each element on and off.

    One row per element x model (id in ``model``, display name in ``label``): the mean change in
    predicted log10 views with its bootstrap interval, and the planted change.
    """
    from . import counterfactual

    rng = np.random.default_rng(seed)
    test = np.flatnonzero(masks["test"])
    rows = np.sort(rng.choice(test, size=min(n_videos, len(test)), replace=False))
    specs = counterfactual.thumbworld_specs(truth, data.metadata["video_id"].iloc[rows].tolist())
    predict = {name: (lambda images, r=reg: r.predict(images)[:, 0]) for name, reg in regressors.items()}
    predict["handcrafted_ols"] = handcrafted.image_predictor(data.features, targets.log_views, masks["train"])
    h, w = data.images.shape[1:3]
    table = counterfactual.intervention_effects(specs, predict, list(elements), truth, w, h, seed, n_boot,
                                                groups=data.channels[rows])
    return table.assign(label=table["model"].map(label))


def recovery_slopes(table: pd.DataFrame) -> pd.DataFrame:
    """Per model (by label): slope of implied on planted effects (1 = unbiased) and their correlation."""
    out = []
    for name, t in table.groupby("label", sort=False):
        slope = np.polyfit(t["planted"], t["effect"], 1)[0]
        out.append({"model": name, "slope": slope, "correlation": np.corrcoef(t["planted"], t["effect"])[0, 1]})
    return pd.DataFrame(out).set_index("model")


def largest_gap(table: pd.DataFrame, model: str = "cnn") -> dict:
    """The element where ``model``'s implied effect is furthest from the planted one."""
    sub = table[table["model"] == model]
    worst = sub.loc[(sub["effect"] - sub["planted"]).abs().idxmax()]
    return {"element": str(worst["element"]), "effect": float(worst["effect"]), "planted": float(worst["planted"])}
