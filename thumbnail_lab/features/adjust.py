"""Views adjusted for upload age and channel.

A feature can go with more views because of what it shows, or because the videos that
show it are older (views accumulate) or come from big channels. The adjustment fits
``log_views ~ C(channel_id) + bs(log1p(age_days), df)`` with statsmodels and keeps the residual:
the part of a video's views that its channel and age do not explain. Adding back the
dataset's mean log views puts the adjusted views on the familiar scale.

Caveat the chapter states: channel effects also absorb whatever a channel's thumbnails
always show (a channel that always puts a face in its thumbnails), so the adjustment is
conservative about content effects that are confounded with channel identity.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from patsy import dmatrix


def adjustment_formula(metadata: pd.DataFrame, age_df: int = 5, channel_col: str = "channel_id",
                       age_col: str = "age_days") -> str:
    """The model formula; the channel term is dropped when there is a single channel."""
    terms = [f"bs(np.log1p({age_col}), df={age_df})"]
    if metadata[channel_col].nunique() > 1:
        terms.insert(0, f"C({channel_col})")
    return "log_views ~ " + " + ".join(terms)


def adjusted_log_views(metadata: pd.DataFrame, age_df: int = 5, channel_col: str = "channel_id",
                       age_col: str = "age_days", max_dummies: int = 500) -> tuple[np.ndarray, float]:
    """Residual log10 views after channel and age, shifted back by the mean log views.

    Parameters
    ----------
    metadata : pd.DataFrame
        Needs ``log_views``, ``channel_col`` and ``age_col``.
    age_df : int
        Degrees of freedom of the B-spline in log(1 + age).
    max_dummies : int
        Up to this many channels the model is fitted with channel dummies (statsmodels formula);
        beyond it, with the within-channel transformation, which gives the same residuals
        (Frisch-Waugh-Lovell) without a design matrix of one column per channel.

    Returns
    -------
    (np.ndarray, float)
        Adjusted log10 views (row-aligned with ``metadata``) and the model's R².
    """
    missing = [c for c in ("log_views", channel_col, age_col) if c not in metadata.columns]
    if missing:
        raise KeyError(f"metadata lacks the column(s) {missing} needed for the adjustment")
    bad = metadata[["log_views", age_col]].isna().any(axis=1)
    if bad.any():
        raise ValueError(f"metadata rows {np.flatnonzero(bad)[:10].tolist()} have missing log_views/{age_col}")
    frame = metadata[["log_views", channel_col, age_col]].reset_index(drop=True)
    y = frame["log_views"].to_numpy(dtype=float)
    if frame[channel_col].nunique() <= max_dummies:
        fit = smf.ols(adjustment_formula(frame, age_df, channel_col, age_col), data=frame).fit()
        resid = np.asarray(fit.resid)
    else:
        resid = _within_residuals(frame, age_df, channel_col, age_col)
    r2 = 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    return resid + float(y.mean()), r2


def _within_residuals(frame: pd.DataFrame, age_df: int, channel_col: str, age_col: str) -> np.ndarray:
    """Residuals of log_views ~ channel effects + age spline, via demeaning within channels."""
    spline = np.asarray(dmatrix(f"bs(np.log1p({age_col}), df={age_df}) - 1", frame, return_type="matrix"))
    groups = frame[channel_col].to_numpy()
    y = frame["log_views"].to_numpy(dtype=float)
    def demean(a):
        return a - pd.DataFrame(a).groupby(groups).transform("mean").to_numpy()
    y_w, x_w = demean(y.reshape(-1, 1))[:, 0], demean(spline)
    fit = sm.OLS(y_w, x_w).fit()
    return y_w - x_w @ np.asarray(fit.params)


def adjusted_views(metadata: pd.DataFrame, age_df: int = 5, channel_col: str = "channel_id",
                   age_col: str = "age_days") -> tuple[np.ndarray, float]:
    """Adjusted views on the views scale (10 ** adjusted log views) and the model's R²."""
    log_adj, r2 = adjusted_log_views(metadata, age_df, channel_col, age_col)
    return 10.0 ** log_adj, r2
