"""Scores for the four targets, each with a percentile bootstrap confidence interval.

Every model here outputs a continuous score (predicted log views, or predicted
channel-relative views). The two classification targets are read off that score with cut
points taken from the model's own *training* predictions (its median for popular/unpopular,
its quintiles for the five classes), so a model that shrinks towards the mean still spreads
its predictions over all classes, and no test row sets a threshold.
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
from scipy import stats

from .targets import N_CLASSES, REGRESSION_TARGETS, quantile_edges, to_classes


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """Coefficient of determination 1 - SSE/SST (can be negative)."""
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    sst = np.sum((y - y.mean()) ** 2)
    return float(1.0 - np.sum((y - pred) ** 2) / sst) if sst > 0 else float("nan")


def mae(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean absolute error (log10 units for log-views targets)."""
    return float(np.mean(np.abs(np.asarray(y, float) - np.asarray(pred, float))))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation; 0 when either side is constant (no ranking information)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(stats.spearmanr(a, b).statistic)


def accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    """Share of exact matches."""
    return float(np.mean(np.asarray(y) == np.asarray(pred)))


def adjacent_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    """Ordinal accuracy: 1 for the right class, 0.5 for a neighbouring class, 0 otherwise."""
    gap = np.abs(np.asarray(y, int) - np.asarray(pred, int))
    return float(np.mean(np.where(gap == 0, 1.0, np.where(gap == 1, 0.5, 0.0))))


def metric_functions(target: str) -> dict[str, Callable[..., float]]:
    """The metrics reported for ``target``; each takes (truth, score, classes, log_views)."""
    if target in REGRESSION_TARGETS:
        return {"r2": lambda y, s, c, v: r2(y, s), "mae": lambda y, s, c, v: mae(y, s),
                "spearman": lambda y, s, c, v: spearman(y, s)}
    if target == "popular":
        return {"accuracy": lambda y, s, c, v: accuracy(y, c),
                "spearman": lambda y, s, c, v: spearman(s, v)}
    if target == "ordinal":
        return {"accuracy": lambda y, s, c, v: accuracy(y, c),
                "adjacent_accuracy": lambda y, s, c, v: adjacent_accuracy(y, c),
                "spearman": lambda y, s, c, v: spearman(s, y)}
    raise KeyError(f"unknown target {target!r}")


def classes_from_score(target: str, score: np.ndarray, train_score: np.ndarray) -> np.ndarray | None:
    """Turn a continuous score into class labels with cut points from the training scores."""
    if target == "popular":
        return (np.asarray(score) > np.median(train_score)).astype(int)
    if target == "ordinal":
        return to_classes(score, quantile_edges(train_score, N_CLASSES))
    return None


def bootstrap_indices(n: int, n_boot: int, seed: int) -> np.ndarray:
    """``n_boot`` resamples of row indices 0..n-1 with replacement, from a seeded generator."""
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def score(target: str, y: np.ndarray, score_: np.ndarray, train_score: np.ndarray,
          log_views: np.ndarray, n_boot: int = 200, seed: int = 0,
          level: float = 0.95) -> dict[str, tuple[float, float, float]]:
    """Every metric of ``target`` as (estimate, low, high) with a paired percentile bootstrap.

    Parameters
    ----------
    target : str
        One of ``targets.TARGETS``.
    y : array
        True values on the evaluated rows (continuous, 0/1 or class index).
    score_ : array
        The model's continuous prediction on the same rows.
    train_score : array
        The model's predictions on its training rows (sets classification cut points).
    log_views : array
        log10 views of the evaluated rows (popular/unpopular Spearman is against views).
    n_boot, seed, level
        Number of resamples, their seed, and the interval's coverage.
    """
    y, score_, log_views = np.asarray(y), np.asarray(score_, float), np.asarray(log_views, float)
    if not len(y) == len(score_) == len(log_views):
        raise ValueError(f"length mismatch: truth {len(y)}, score {len(score_)}, views {len(log_views)}")
    classes = classes_from_score(target, score_, train_score)
    fns = metric_functions(target)
    point = {name: fn(y, score_, classes, log_views) for name, fn in fns.items()}
    draws = {name: [] for name in fns}
    for idx in bootstrap_indices(len(y), n_boot, seed):
        c = None if classes is None else classes[idx]
        for name, fn in fns.items():
            draws[name].append(fn(y[idx], score_[idx], c, log_views[idx]))
    if n_boot == 0:  # no interval asked for (e.g. inside a sweep)
        return {name: (point[name], float("nan"), float("nan")) for name in fns}
    alpha = (1 - level) / 2
    return {name: (point[name], *map(float, np.nanquantile(draws[name], [alpha, 1 - alpha])))
            for name in fns}


def chance_level(target: str, metric: str) -> float:
    """What a model that knows nothing scores in expectation (the 'at chance' reference)."""
    if metric in ("r2", "spearman"):
        return 0.0
    if metric == "accuracy":
        return 0.5 if target == "popular" else 1.0 / N_CLASSES
    if metric == "adjacent_accuracy":  # P(exact) + 0.5 P(neighbour) for independent uniform classes
        k = N_CLASSES
        return 1.0 / k + 0.5 * 2 * (k - 1) / k**2
    return float("nan")


def fraction_of_oracle(value: float, oracle: float, chance: float = 0.0) -> float:
    """(value - chance) / (oracle - chance): 0 is chance, 1 is the best achievable."""
    gap = oracle - chance
    return float((value - chance) / gap) if gap > 1e-12 else float("nan")


def format_ci(est: float, lo: float, hi: float, digits: int = 2) -> str:
    """'0.41 [0.36, 0.46]' for tables."""
    return f"{est:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def results_rows(meta: Mapping[str, str], scores: Mapping[str, tuple[float, float, float]]) -> list[dict]:
    """Flatten one evaluation into table rows: ``meta`` plus metric, value, low, high."""
    return [{**meta, "metric": m, "value": v, "low": lo, "high": hi} for m, (v, lo, hi) in scores.items()]
