"""Reading the long results table: single numbers for the prose, and the tables the chapter shows.

Tables for the reader name models by their labels; numbers are picked by model id.
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
               split: str = "random") -> str:
    """Id of the content-only model with the highest ``metric`` on ``target`` and ``split``."""
    sub = content_only(table)
    sub = sub[(sub["split"] == split) & (sub["target"] == target) & (sub["metric"] == metric)]
    return str(sub.sort_values("value").iloc[-1]["model"])


def _with_cells(sub: pd.DataFrame) -> pd.DataFrame:
    """Add 'value [low, high]' cells."""
    return sub.assign(cell=[metrics.format_ci(v, lo, hi) for v, lo, hi in zip(sub["value"], sub["low"], sub["high"])])


def wide_table(table: pd.DataFrame, split: str, target: str, models=None) -> pd.DataFrame:
    """Seed-study shape: input -> model label -> one 'value [low, high]' column per metric."""
    sub = table[(table["split"] == split) & (table["target"] == target)]
    if models is not None:
        sub = sub[sub["model"].isin(models)]
    wide = _with_cells(sub).pivot_table(index=["input", "label"], columns="metric", values="cell", aggfunc="first",
                                        sort=False)
    return wide.rename_axis(index=["input", "model"], columns=None)


def split_comparison(table: pd.DataFrame, metric: str = "spearman", target: str = "log_views") -> pd.DataFrame:
    """One metric for every model across the three splits, 'value [low, high]' cells."""
    sub = _with_cells(table[(table["target"] == target) & (table["metric"] == metric)])
    return sub.pivot_table(index=["input", "label"], columns="split", values="cell", aggfunc="first",
                           sort=False).rename_axis(index=["input", "model"], columns=None)
