"""The chapter's loops: fit every model on every split, score every target, tabulate.

A model here is anything that yields, for every row, a predicted log10 views and a predicted
channel-relative log10 views (``Predictions``). Scoring then reads all four targets off those
two scores (see ``metrics``), always on the split's test rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from ..progress import progress
from . import baselines, handcrafted, metrics, oracle, text_models
from .targets import REGRESSION_TARGETS, TARGETS, Targets, build_targets, split_masks

SPLITS = ("random", "channel", "temporal")

#: model -> (what it sees, which oracle bounds it). "full" models may use channel and age.
MODELS: dict[str, tuple[str, str]] = {
    "global median": ("nothing", "full"),
    "channel mean": ("channel", "full"),
    "upload age (OLS)": ("upload age", "full"),
    "handcrafted (OLS)": ("thumbnail", "content"),
    "small CNN": ("thumbnail", "content"),
    "small ViT": ("thumbnail", "content"),
    "CLIP + ridge": ("thumbnail", "content"),
    "TF-IDF + ridge": ("title", "content"),
    "MiniLM + ridge": ("title", "content"),
    "late fusion (CNN + MiniLM)": ("thumbnail + title", "content"),
    "learned fusion head": ("thumbnail + title", "content"),
    "oracle (content)": ("true content effect", "content"),
    "oracle (full)": ("true expected views", "full"),
}

Predictions = dict[str, np.ndarray]  # target name ("log_views", "channel_relative") -> (N,)


@dataclass
class StudyData:
    """What the models read: metadata (row i <-> image i), images, titles and cached inputs."""

    metadata: pd.DataFrame
    images: np.ndarray
    features: pd.DataFrame = field(default=None)
    title_embeddings: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.metadata) != len(self.images):
            raise ValueError(f"metadata has {len(self.metadata)} rows but there are {len(self.images)} images")
        if self.features is None:
            self.features = handcrafted.image_features(self.images)

    @property
    def titles(self) -> list[str]:
        return self.metadata["title"].fillna("").astype(str).tolist()


def split_setup(data: StudyData, split: str) -> tuple[dict[str, np.ndarray], Targets]:
    """Masks and targets of one split (cut points from its training rows)."""
    masks = split_masks(data.metadata, split)
    return masks, build_targets(data.metadata, masks["train"])


def cheap_models(data: StudyData, targets: Targets, train: np.ndarray,
                 include_text_embeddings: bool = True) -> dict[str, Predictions]:
    """Fit the baselines, handcrafted OLS, title models and oracles for both regression targets."""
    meta = data.metadata
    out: dict[str, Predictions] = {}
    for target in REGRESSION_TARGETS:
        y = targets.get(target)
        fits: dict[str, np.ndarray] = {
            "global median": baselines.global_median(y, train),
            "channel mean": baselines.channel_mean(y, meta["channel_id"].to_numpy(), train),
            "upload age (OLS)": baselines.age_ols(y, meta["age_days"].to_numpy(), train)[0],
            "handcrafted (OLS)": handcrafted.robust_ols(data.features, y, train)[0],
            "TF-IDF + ridge": text_models.tfidf_ridge(data.titles, y, train)[0],
        }
        if include_text_embeddings and data.title_embeddings is not None:
            fits["MiniLM + ridge"] = text_models.embedding_ridge(data.title_embeddings, y, train)[0]
        if oracle.has_truth(meta):
            fits["oracle (content)"] = oracle.predictions(meta, y, train, "content")
            fits["oracle (full)"] = oracle.predictions(meta, y, train, "full")
        for name, pred in fits.items():
            out.setdefault(name, {})[target] = np.asarray(pred, float)
    return out


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
            inputs, bound = MODELS.get(name, ("?", "content"))
            out += metrics.results_rows({"split": split, "model": name, "input": inputs, "oracle": bound,
                                         "target": target}, s)
    return pd.DataFrame(out)


def run_splits(data: StudyData, splits=SPLITS, extra: Callable[[str, Targets, dict], dict] | None = None,
               n_boot: int = 200, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """Fit the cheap models (and ``extra(split, targets, masks)``'s) on each split and score them.

    Returns the long results table and ``{split: {model: Predictions}}``.
    """
    tables, all_preds = [], {}
    for split in progress(list(splits), desc="splits"):
        masks, targets = split_setup(data, split)
        preds = cheap_models(data, targets, masks["train"])
        if extra is not None:
            preds.update(extra(split, targets, masks))
        all_preds[split] = preds
        tables.append(evaluate(preds, targets, masks, split, n_boot=n_boot, seed=seed))
    return pd.concat(tables, ignore_index=True), all_preds


def add_fraction_of_oracle(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``fraction_of_oracle``: (value - chance) / (oracle - chance) with the model's own oracle
    (content-only for thumbnail/title models, full for channel/age models), same split/target/metric."""
    oracles = table[table["model"].str.startswith("oracle")].copy()
    if oracles.empty:
        return table.assign(fraction_of_oracle=np.nan)
    oracles["oracle"] = oracles["model"].str.extract(r"\((\w+)\)")[0]
    ref = oracles.set_index(["split", "target", "metric", "oracle"])["value"]
    keys = list(zip(table["split"], table["target"], table["metric"], table["oracle"]))
    best = np.array([ref.get(k, np.nan) for k in keys], float)
    chance = np.array([metrics.chance_level(t, m) for t, m in zip(table["target"], table["metric"])])
    frac = np.where(table["metric"] == "mae", np.nan,
                    (table["value"].to_numpy() - chance) / np.where(np.abs(best - chance) > 1e-12, best - chance, np.nan))
    return table.assign(fraction_of_oracle=frac)


def wide_table(table: pd.DataFrame, split: str, target: str, models=None) -> pd.DataFrame:
    """Seed-study shape: input -> model -> one 'value [low, high]' column per metric."""
    sub = table[(table["split"] == split) & (table["target"] == target)]
    if models is not None:
        sub = sub[sub["model"].isin(models)]
    sub = sub.assign(cell=[metrics.format_ci(v, lo, hi) for v, lo, hi in zip(sub["value"], sub["low"], sub["high"])])
    wide = sub.pivot_table(index=["input", "model"], columns="metric", values="cell", aggfunc="first", sort=False)
    return wide.rename_axis(columns=None)


def split_comparison(table: pd.DataFrame, metric: str = "spearman", target: str = "log_views") -> pd.DataFrame:
    """One metric for every model across the three splits, 'value [low, high]' cells."""
    sub = table[(table["target"] == target) & (table["metric"] == metric)]
    sub = sub.assign(cell=[metrics.format_ci(v, lo, hi) for v, lo, hi in zip(sub["value"], sub["low"], sub["high"])])
    return sub.pivot_table(index=["input", "model"], columns="split", values="cell", aggfunc="first",
                           sort=False).rename_axis(columns=None)
