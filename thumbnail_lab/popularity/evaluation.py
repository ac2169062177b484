"""The scoring loop: fit every model on every split and score every target on the test rows.

A model here is anything that yields, for every row, a score per regression target
(``Predictions``: predicted log10 views, channel-relative views, views per subscriber, adjusted
views); scoring reads every target off those scores (see ``metrics`` and ``targets.SOURCE``),
always on the split's test rows. A model may instead give a score for one classification target
only (the attention model's logit for ``popular_per_subscriber``). The result is one long table,
a row per split x model x target x metric, with the model's id, its label, the chance level of
its own test rows, the resampled unit and the number of test channels. The resamples of one
split are shared by all its models, so differences between models get paired intervals.
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
from .targets import SOURCE, Targets

Draws = dict[tuple[str, str, str], np.ndarray]  # (model, target, metric) -> resampled values


def evaluate(predictions: Mapping[str, Predictions], targets: Targets, masks: Mapping[str, np.ndarray],
             split: str, n_boot: int = 200, seed: int = 0, rows: str = "test", groups: np.ndarray | None = None,
             draws: Draws | None = None) -> pd.DataFrame:
    """Score every model on every target it has a score for; one row per model x target x metric.

    ``groups`` (the channel of every row) makes the intervals resample channels; ``draws``, when
    given, collects every metric's resampled values.
    """
    test, train = masks[rows], masks["train"]
    weights = metrics.bootstrap_weights(None if groups is None else groups[test], int(test.sum()), n_boot, seed)
    out = []
    for name, pred in predictions.items():
        info = model(name)
        for target in targets.available:
            source = target if target in pred else SOURCE[target]
            if source not in pred:
                continue
            s = metrics.score(target, targets.get(target)[test], pred[source][test], pred[source][train],
                              targets.views_for(target)[test], None if groups is None else groups[test],
                              n_boot=n_boot, seed=seed, weights=weights)
            out += metrics.results_rows({"split": split, "model": name, "label": info.label, "input": info.inputs,
                                         "oracle": info.oracle, "target": target}, s)
            if draws is not None:
                draws.update({(name, target, m): d for m, d in s.draws.items()})
    return pd.DataFrame(out)


def add_fraction_of_oracle(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``fraction_of_oracle``: (value - chance) / (benchmark - its chance) with the model's own oracle
    (the content benchmark for thumbnail/title models, the full oracle for channel/age models), same
    split/target/metric. Above 1 means the model beats the benchmark."""
    oracles = table[table["model"].isin(ORACLES.values())]
    if oracles.empty:
        return table.assign(fraction_of_oracle=np.nan)
    ref = oracles.set_index(["split", "target", "metric", "oracle"])
    keys = list(zip(table["split"], table["target"], table["metric"], table["oracle"]))
    best = np.array([ref["value"].get(k, np.nan) for k in keys], float)
    best_chance = np.array([ref["chance"].get(k, np.nan) for k in keys], float)
    gap = np.where(np.abs(best - best_chance) > 1e-12, best - best_chance, np.nan)
    frac = np.where(table["metric"] == "mae", np.nan, (table["value"].to_numpy() - table["chance"].to_numpy()) / gap)
    return table.assign(fraction_of_oracle=frac)


@dataclass
class SplitRun:
    """One split's masks, targets, predictions, scores, resamples, and the image models and fusion fitted on it."""

    split: str
    masks: dict[str, np.ndarray]
    targets: Targets
    predictions: dict[str, Predictions]
    table: pd.DataFrame
    draws: Draws = field(default_factory=dict)
    regressors: dict = field(default_factory=dict)
    seed_tables: list[pd.DataFrame] = field(default_factory=list)  # image models of the further seeds
    sweeps: dict[str, pd.DataFrame] | None = None
    fusion_weight: float | None = None


@dataclass
class StudyRun:
    """Every split's run and the long results table of all of them (with ``fraction_of_oracle``)."""

    splits: dict[str, SplitRun]
    table: pd.DataFrame
    n_boot: int = 200
    seed: int = 0

    @property
    def fusion_weights(self) -> dict[str, float]:
        """Split -> image weight chosen on validation, for the splits that fitted a fusion."""
        return {s: r.fusion_weight for s, r in self.splits.items() if r.fusion_weight is not None}

    @property
    def seed_table(self) -> pd.DataFrame:
        """Scores of the image models of every seed (the first seed's are in ``table``)."""
        parts = [r.table[r.table["model"].isin(r.regressors)].assign(seed=self.seed) for r in self.splits.values()]
        parts += [t for r in self.splits.values() for t in r.seed_tables]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def add_models(self, data: StudyData, split: str, predictions: Mapping[str, Predictions]) -> None:
        """Score further models (fitted outside, e.g. the attention model) on ``split``, on the same resamples."""
        run = self.splits[split]
        extra = evaluate(predictions, run.targets, run.masks, split, self.n_boot, self.seed, groups=data.channels,
                         draws=run.draws)
        run.predictions.update(predictions)
        run.table = pd.concat([run.table, extra], ignore_index=True)
        self.table = add_fraction_of_oracle(pd.concat([r.table for r in self.splits.values()], ignore_index=True))


def run_split(data: StudyData, split: str, images: ImageModelSettings | None = None, fuse: bool = True,
              n_boot: int = 200, seed: int = 0, desc: str = "") -> SplitRun:
    """Fit the cheap models, and the image models (every seed) and fusions where ``images.splits`` has ``split``."""
    masks, targets = split_setup(data, split)
    preds = cheap_models(data, targets, masks["train"])
    run = SplitRun(split, masks, targets, preds, pd.DataFrame())
    if images is not None and split in images.splits:
        image_preds, run.regressors = train_image_models(data, targets, masks, images, f"{desc} {split}".strip())
        if fuse and "cnn" in image_preds and "minilm_ridge" in preds:
            fused, run.sweeps, run.fusion_weight = fusion_models({**preds, **image_preds}, targets, masks)
            image_preds = {**image_preds, **fused}
        preds.update(image_preds)
        for extra in range(1, images.n_seeds):
            more, _ = train_image_models(data, targets, masks, images, f"{desc} {split} seed {images.seed + extra}",
                                         seed=images.seed + extra)
            table = evaluate(more, targets, masks, split, n_boot, seed, groups=data.channels)
            run.seed_tables.append(table.assign(seed=images.seed + extra))
    run.table = evaluate(preds, targets, masks, split, n_boot=n_boot, seed=seed, groups=data.channels, draws=run.draws)
    return run


def run_splits(data: StudyData, splits=SPLITS, images: ImageModelSettings | None = None, fuse: bool = True,
               n_boot: int = 200, seed: int = 0, desc: str = "") -> StudyRun:
    """``run_split`` on each split; the results table adds each model's fraction of its oracle."""
    runs = {split: run_split(data, split, images, fuse, n_boot, seed, desc)
            for split in progress(list(splits), desc=f"splits {desc}".strip())}
    table = pd.concat([r.table for r in runs.values()], ignore_index=True)
    return StudyRun(runs, add_fraction_of_oracle(table), n_boot, seed)


def paired_differences(run: StudyRun, pairs, target: str, metric: str, splits=None) -> pd.DataFrame:
    """Model a minus model b on the same resamples: one row per pair and split, estimate and paired interval."""
    out = []
    for split, r in run.splits.items():
        if splits is not None and split not in splits:
            continue
        for a, b in pairs:
            ka, kb = (a, target, metric), (b, target, metric)
            if ka not in r.draws or kb not in r.draws:
                continue
            va = float(r.table.query("model == @a and target == @target and metric == @metric")["value"].iloc[0])
            vb = float(r.table.query("model == @b and target == @target and metric == @metric")["value"].iloc[0])
            est, lo, hi = metrics.paired_difference((va, r.draws[ka]), (vb, r.draws[kb]))
            sub = r.table[r.table["model"] == a].iloc[0]
            out.append({"split": split, "a": model(a).label, "b": model(b).label, "target": target, "metric": metric,
                        "difference": est, "low": lo, "high": hi, "ci_unit": sub["ci_unit"],
                        "n_test_channels": int(sub["n_test_channels"])})
    return pd.DataFrame(out)


def add_study_models(study: StudyRun, data: StudyData, split: str = "random", attention_epochs: int = 8,
                     fusion_epochs: int = 20, fusion_image: str = "vit", seed: int = 0):
    """Fit the attention study's title model and the fusion study's feature-level fusion on ``split``; score both.

    Returns ``(attention model or None, feature-fusion run or None)``: both need views per
    subscriber, the attention model the MiniLM tokenizer, the fusion the title embeddings and
    the image features ``fusion_image``.
    """
    from . import feature_fusion, title_attention

    run = study.splits[split]
    targets, masks = run.targets, run.masks
    if targets.per_subscriber is None:
        return None, None
    attention = title_attention.train(title_attention.tokenise(data.titles), targets.popular_per_subscriber, masks,
                                      targets.adjusted, epochs=attention_epochs, seed=seed)
    study.add_models(data, split, {"title_attention": attention.predict()})
    fused = None
    if data.title_embeddings is not None and (fusion_image != "vit" or "vit" in run.regressors):
        image = feature_fusion.image_features(fusion_image, data, run.regressors)
        fused = feature_fusion.sweep(image, data.title_embeddings, targets.per_subscriber, masks, fusion_epochs,
                                     seed=seed)
        rows = feature_fusion.test_rows(fused, masks, data.channels, split, study.n_boot, study.seed)
        run.table = pd.concat([run.table, rows], ignore_index=True)
        study.table = add_fraction_of_oracle(pd.concat([r.table for r in study.splits.values()], ignore_index=True))
    return attention, fused
