"""Reading the long results table: single numbers for the prose, and the tables the chapter shows.

Tables for the reader name models by their labels; numbers are picked by model id. Every shown
table says how many test videos and channels it is scored on and which unit its intervals
resample, and gives each accuracy beside the chance level of its own test rows.
"""
from __future__ import annotations

import pandas as pd

from . import metrics
from .registry import is_oracle


def pick(table: pd.DataFrame, model: str, target: str, metric: str, split: str = "random",
         column: str = "value") -> float:
    """One number of the results table (NaN when that model, target, metric and split is absent)."""
    row = table[(table["model"] == model) & (table["target"] == target) & (table["metric"] == metric)
                & (table["split"] == split)]
    return float(row[column].iloc[0]) if len(row) else float("nan")


def content_only(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of models that see only the thumbnail and/or the title (oracles excluded)."""
    return table[table["oracle"].eq("content") & ~table["model"].map(is_oracle)]


def best_model(table: pd.DataFrame, target: str = "popular", metric: str = "accuracy",
               split: str = "random", above_chance: bool = True) -> str:
    """Id of the content-only model with the highest ``metric`` (above its own chance level) on ``target``, ``split``."""
    sub = content_only(table)
    sub = sub[(sub["split"] == split) & (sub["target"] == target) & (sub["metric"] == metric)]
    key = sub["value"] - sub["chance"].fillna(0) if above_chance and "chance" in sub else sub["value"]
    return str(sub.loc[key.idxmax(), "model"])


def _with_cells(sub: pd.DataFrame) -> pd.DataFrame:
    """Add 'value [low, high]' cells."""
    return sub.assign(cell=[metrics.format_ci(v, lo, hi) for v, lo, hi in zip(sub["value"], sub["low"], sub["high"])])


def wide_table(table: pd.DataFrame, split: str, target: str, models=None) -> pd.DataFrame:
    """Seed-study shape: input -> model label -> one 'value [low, high]' column per metric, the chance
    level of each accuracy beside it, and the test videos, channels and resampled unit."""
    sub = table[(table["split"] == split) & (table["target"] == target)]
    if models is not None:
        sub = sub[sub["model"].isin(models)]
    wide = _with_cells(sub).pivot_table(index=["input", "label"], columns="metric", values="cell", aggfunc="first",
                                        sort=False)
    for metric in ("accuracy", "adjacent_accuracy"):
        if metric in wide:
            chance = sub[sub["metric"] == metric].set_index(["input", "label"])["chance"]
            wide.insert(list(wide.columns).index(metric) + 1, f"{metric} chance", chance.reindex(wide.index).round(3))
    info = sub.drop_duplicates(["input", "label"]).set_index(["input", "label"])
    for column, name in (("n_test", "test videos"), ("n_test_channels", "test channels"), ("ci_unit", "resampled")):
        if column in info:
            wide[name] = info[column].reindex(wide.index)
    return wide.rename_axis(index=["input", "model"], columns=None)


def split_comparison(table: pd.DataFrame, metric: str = "spearman", target: str = "log_views") -> pd.DataFrame:
    """One metric for every model across the three splits, 'value [low, high]' cells, and each split's test channels."""
    sub = _with_cells(table[(table["target"] == target) & (table["metric"] == metric)])
    wide = sub.pivot_table(index=["input", "label"], columns="split", values="cell", aggfunc="first",
                           sort=False).rename_axis(index=["input", "model"], columns=None)
    if "n_test_channels" in sub:
        counts = sub.groupby("split", sort=False)["n_test_channels"].first()
        wide.columns = [f"{s} ({int(counts[s])} test channels)" for s in wide.columns]
    return wide


def seed_spread(seed_table: pd.DataFrame, target: str = "log_views", metrics_=("r2", "spearman")) -> pd.DataFrame:
    """Image models over training seeds: each seed's score and the range, per model and metric."""
    sub = seed_table[(seed_table["target"] == target) & seed_table["metric"].isin(metrics_)]
    wide = sub.pivot_table(index=["label", "metric"], columns="seed", values="value", aggfunc="first", sort=False)
    wide.columns = [f"seed {c}" for c in wide.columns]
    seeds = wide.to_numpy()
    wide["range"] = seeds.max(1) - seeds.min(1)
    return wide.round(3)


def differences_table(diffs: pd.DataFrame) -> pd.DataFrame:
    """Paired differences 'a - b [low, high]', one column per split with its test channels."""
    if diffs.empty:
        return diffs
    d = diffs.assign(cell=[metrics.format_ci(v, lo, hi, 3) for v, lo, hi in
                           zip(diffs["difference"], diffs["low"], diffs["high"])])
    d["column"] = [f"{s} ({n} test channels)" for s, n in zip(d["split"], d["n_test_channels"])]
    return d.pivot_table(index=["a", "b"], columns="column", values="cell", aggfunc="first",
                         sort=False).rename_axis(index=["model a", "minus model b"], columns=None)


def evaluation_record(table: pd.DataFrame) -> dict:
    """split -> target -> model id -> {ci_unit, n_test_channels, chance: {metric: level}} (for results.json)."""
    out: dict = {}
    for (split, target, model), g in table.groupby(["split", "target", "model"], sort=False):
        first = g.iloc[0]
        chance = {m: (None if pd.isna(c) else round(float(c), 6)) for m, c in zip(g["metric"], g["chance"])
                  if m != "mae"}
        out.setdefault(split, {}).setdefault(target, {})[model] = {
            "ci_unit": str(first["ci_unit"]), "n_test_channels": int(first["n_test_channels"]), "chance": chance}
    return out
