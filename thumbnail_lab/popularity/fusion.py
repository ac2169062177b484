"""Combining the image and title models' *scores*: a score-level fusion weight sweep and a learned head.

The fusion study's own set-up, which sums the models' *features*, is in ``feature_fusion``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from . import metrics
from .targets import Targets


def sweep(image_score: np.ndarray, title_score: np.ndarray, targets: Targets, rows: np.ndarray,
          train: np.ndarray, weights: np.ndarray | None = None) -> pd.DataFrame:
    """Score w * image + (1 - w) * title for each image weight w (0 = title only, 1 = image only).

    Both inputs are predicted log10 views. Returns one row per weight with R², Spearman,
    popular/unpopular accuracy and ordinal adjacent-credit accuracy on ``rows``.
    """
    weights = np.linspace(0, 1, 11) if weights is None else np.asarray(weights, float)
    out = []
    for w in weights:
        fused = w * np.asarray(image_score) + (1 - w) * np.asarray(title_score)
        row = {"image_weight": float(w)}
        for target, keep in (("log_views", ("r2", "spearman")), ("popular", ("accuracy",)),
                             ("ordinal", ("accuracy", "adjacent_accuracy"))):
            s = metrics.score(target, targets.get(target)[rows], fused[rows], fused[train],
                              targets.log_views[rows], n_boot=0)
            row.update({f"{target}_{m}": s.values[m][0] for m in keep})
        out.append(row)
    return pd.DataFrame(out)


def best_weight(table: pd.DataFrame, column: str = "log_views_r2") -> float:
    """The image weight with the highest ``column`` (choose it on validation rows, not test)."""
    return float(table.loc[table[column].idxmax(), "image_weight"])


def learned_head(scores: np.ndarray, y: np.ndarray, fit_rows: np.ndarray):
    """Linear fusion head fitted on held-out (validation) predictions, so it learns how far to
    trust each model out of sample rather than how well each memorised its training rows.

    Returns (fused predictions for every row, fitted LinearRegression).
    """
    scores = np.asarray(scores, float)
    head = LinearRegression().fit(scores[fit_rows], np.asarray(y, float)[fit_rows])
    return head.predict(scores), head
