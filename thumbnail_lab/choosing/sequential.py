"""The mixture sequential probability ratio test (mSPRT) for a difference between two arms.

With an estimated difference ``delta`` whose variance is ``var`` (asymptotically normal) and a
normal mixture N(0, tau2) over the true difference, the mixture likelihood ratio against "no
difference" has the closed form

    Lambda = sqrt(var / (var + tau2)) * exp(delta**2 * tau2 / (2 * var * (var + tau2)))

(Johari, Pekelis and Walsh, "Always valid inference", 2017). Under the null Lambda is a
martingale with mean one, so by Ville's inequality P(Lambda ever reaches 1/alpha) <= alpha: the
test may be looked at after every impression and still declares a false winner at most at rate
alpha. Looking only once a day makes it conservative.
"""
from __future__ import annotations

import numpy as np


def msprt_statistic(delta: np.ndarray, var: np.ndarray, tau2: float) -> np.ndarray:
    """The mixture likelihood ratio Lambda of the estimated difference ``delta`` with variance ``var``."""
    delta, var = np.asarray(delta, float), np.asarray(var, float)
    return np.sqrt(var / (var + tau2)) * np.exp(delta ** 2 * tau2 / (2 * var * (var + tau2)))


def msprt_log_statistic(delta: np.ndarray, var: np.ndarray, tau2: float) -> np.ndarray:
    """log Lambda (does not overflow for large z)."""
    delta, var = np.asarray(delta, float), np.asarray(var, float)
    return 0.5 * np.log(var / (var + tau2)) + delta ** 2 * tau2 / (2 * var * (var + tau2))


def z_boundary(var: np.ndarray, tau2: float, alpha: float) -> np.ndarray:
    """|z| = |delta| / sqrt(var) at which Lambda reaches 1/alpha (the boundary of the test in z units)."""
    var = np.asarray(var, float)
    return np.sqrt((var + tau2) / tau2 * (2 * np.log(1 / alpha) + np.log((var + tau2) / var)))


def msprt_rejects(delta: np.ndarray, var: np.ndarray, tau2: float, alpha: float) -> np.ndarray:
    """Whether the mSPRT has crossed 1/alpha at each look (same shape as ``delta``)."""
    return msprt_log_statistic(delta, var, tau2) >= np.log(1 / alpha)
