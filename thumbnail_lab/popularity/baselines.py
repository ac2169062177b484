"""Baselines every model must beat: a constant, the channel's average, and upload age alone."""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm


def global_median(y: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Predict the training median for every row (a model that knows nothing)."""
    return np.full(len(y), float(np.median(np.asarray(y, float)[train])))


def channel_mean(y: np.ndarray, channel_id: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Predict the training mean of the video's channel; unseen channels get the global mean.

    On the channel-grouped split every test channel is unseen, so this collapses to a constant:
    that is exactly the leakage the random split hides.
    """
    frame = pd.DataFrame({"y": np.asarray(y, float), "c": np.asarray(channel_id)})
    means = frame[train].groupby("c")["y"].mean()
    return frame["c"].map(means).fillna(frame.loc[train, "y"].mean()).to_numpy(float)


def age_design(age_days: np.ndarray) -> np.ndarray:
    """Design matrix [1, log1p(age in days)]: views accumulate roughly logarithmically with age."""
    return sm.add_constant(np.log1p(np.clip(np.asarray(age_days, float), 0, None)), has_constant="add")


def age_ols(y: np.ndarray, age_days: np.ndarray, train: np.ndarray):
    """OLS of the target on log upload age, fitted on training rows.

    Returns
    -------
    (predictions for every row, statsmodels results)
    """
    X = age_design(age_days)
    fit = sm.OLS(np.asarray(y, float)[train], X[train]).fit(cov_type="HC3")
    return fit.predict(X), fit
