"""Scores for every target, with a clustered bootstrap confidence interval and a chance level.

Every model here outputs a continuous score (predicted log views, or predicted
channel-relative views, ...). The classification targets are read off that score with cut
points taken from the model's own *training* predictions (its median for popular/unpopular,
its quintiles for the five classes), so a model that shrinks towards the mean still spreads
its predictions over all classes, and no test row sets a threshold. Ties at a cut point (a
constant prediction ties everywhere) are broken at random.

Videos cluster in channels, so the bootstrap resamples *channels* wherever a channel has more
than one evaluated video (a clustered bootstrap), and videos only where none repeats. A resample
is a row of weights (how often each video was drawn), so every metric of every resample is
computed at once with matrix products; ranks for Spearman are the weighted mid-ranks, which
equal scipy's ranks of the resampled rows exactly. The weights depend only on the evaluated rows
and the seed, so two models scored on the same rows are resampled identically (paired).
"""
from __future__ import annotations

from dataclasses import dataclass
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


def credit(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Adjacent-class credit per row: 1 for the right class, 0.5 for a neighbouring class, 0 otherwise."""
    gap = np.abs(np.asarray(y, int) - np.asarray(pred, int))
    return np.where(gap == 0, 1.0, np.where(gap == 1, 0.5, 0.0))


def adjacent_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    """Ordinal accuracy: 1 for the right class, 0.5 for a neighbouring class, 0 otherwise."""
    return float(np.mean(credit(y, pred)))


# --- resampling --------------------------------------------------------------------------------

def bootstrap_weights(groups: np.ndarray | None, n: int, n_boot: int, seed: int) -> tuple[np.ndarray, str]:
    """(``n_boot`` x ``n``) resample counts of each row, and the unit resampled ("channel" or "video").

    With ``groups`` (the channel of each row) that repeat, whole channels are drawn with
    replacement (as many as there are) and every video of a drawn channel comes with it;
    otherwise videos are drawn. One channel has nothing to resample between (every draw would be the
    same channel and the interval would have zero width), so there videos are drawn too: the interval
    then covers the next videos of this channel, not other channels. Row 0 of the result is not special:
    the point estimate uses weights 1.
    """
    rng = np.random.default_rng(seed)
    if groups is not None and len(groups):
        codes, _ = _codes(groups)
        n_groups = codes.max() + 1
        if 2 <= n_groups < n:  # some channel has more than one row, and there are channels to draw
            draws = rng.integers(0, n_groups, size=(n_boot, n_groups))
            counts = _counts(draws, n_groups)
            return counts[:, codes], "channel"
    return _counts(rng.integers(0, n, size=(n_boot, n)), n), "video"


def _codes(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer code 0..G-1 of each row's group, and the group labels."""
    labels, codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    return codes.reshape(-1), labels


def _counts(draws: np.ndarray, size: int) -> np.ndarray:
    """How often each of ``size`` items appears in each row of ``draws``."""
    offsets = draws + size * np.arange(len(draws))[:, None]
    return np.bincount(offsets.ravel(), minlength=size * len(draws)).reshape(len(draws), size).astype(float)


def n_groups(groups: np.ndarray | None) -> int:
    """Number of distinct channels among the rows (0 without channels)."""
    return 0 if groups is None else int(len(np.unique(np.asarray(groups).astype(str))))


# --- weighted metrics: one value per resample (row of W) ----------------------------------------

def _wmean(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    return W @ x / W.sum(1)


def weighted_r2(W: np.ndarray, y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """R² of each resample."""
    total = W.sum(1)
    sst = W @ (y * y) - (W @ y) ** 2 / total
    sse = W @ ((y - pred) ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sst > 1e-12 * np.maximum(total, 1), 1.0 - sse / sst, np.nan)


def weighted_ranks(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Mid-ranks of ``x`` in each resample (the ranks scipy gives the resampled rows, tied values averaged)."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    group = np.cumsum(np.r_[True, xs[1:] != xs[:-1]]) - 1
    gw = np.add.reduceat(W[:, order], starts, axis=1)
    mid = np.cumsum(gw, axis=1) - gw + (gw + 1) / 2
    ranks = np.empty_like(W)
    ranks[:, order] = mid[:, group]
    return ranks


def weighted_spearman(W: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman correlation of each resample (0 where either side is constant in it)."""
    ra, rb = weighted_ranks(W, a), weighted_ranks(W, b)
    total = W.sum(1, keepdims=True)
    ma, mb = (W * ra).sum(1, keepdims=True) / total, (W * rb).sum(1, keepdims=True) / total
    da, db = ra - ma, rb - mb
    cov, va, vb = (W * da * db).sum(1), (W * da * da).sum(1), (W * db * db).sum(1)
    ok = (va > 1e-9) & (vb > 1e-9)
    return np.where(ok, cov / np.sqrt(np.where(ok, va * vb, 1.0)), 0.0)


def metric_functions(target: str) -> dict[str, Callable[..., np.ndarray]]:
    """The metrics reported for ``target``; each takes (W, truth, score, classes, views) -> one value per row of W.

    ``views`` is what a classification target's Spearman is taken against: log10 views for
    popular/unpopular, log10 views per subscriber for its per-subscriber version.
    """
    if target in REGRESSION_TARGETS:
        return {"r2": lambda W, y, s, c, v: weighted_r2(W, y, s),
                "mae": lambda W, y, s, c, v: _wmean(W, np.abs(y - s)),
                "spearman": lambda W, y, s, c, v: weighted_spearman(W, y, s)}
    if target in ("popular", "popular_per_subscriber"):
        return {"accuracy": lambda W, y, s, c, v: _wmean(W, (y == c).astype(float)),
                "spearman": lambda W, y, s, c, v: weighted_spearman(W, s, v)}
    if target == "ordinal":
        return {"accuracy": lambda W, y, s, c, v: _wmean(W, (y == c).astype(float)),
                "adjacent_accuracy": lambda W, y, s, c, v: _wmean(W, credit(y, c)),
                "spearman": lambda W, y, s, c, v: weighted_spearman(W, s, y)}
    raise KeyError(f"unknown target {target!r}")


def n_classes(target: str) -> int:
    """Number of classes of a classification target (0 for a regression target)."""
    return {"popular": 2, "popular_per_subscriber": 2, "ordinal": N_CLASSES}.get(target, 0)


def tie_broken(score: np.ndarray, train_score: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores nudged at random by a thousandth of their smallest gap, so that ties fall on either side of a cut.

    Distinct scores keep their order, and a cut point between two of them moves by less than that nudge.
    """
    score, train_score = np.asarray(score, float), np.asarray(train_score, float)
    values = np.unique(np.concatenate([score, train_score]))
    gaps = np.diff(values)
    step = 1e-3 * gaps.min() if len(gaps) else 1.0
    rng = np.random.default_rng(seed)
    return score + step * rng.random(len(score)), train_score + step * rng.random(len(train_score))


def classes_from_score(target: str, score: np.ndarray, train_score: np.ndarray, seed: int = 0) -> np.ndarray | None:
    """Turn a continuous score into class labels with cut points from the training scores (ties at random)."""
    if not n_classes(target):
        return None
    score, train_score = tie_broken(score, train_score, seed)
    if n_classes(target) == 2:
        return (score > np.median(train_score)).astype(int)
    return to_classes(score, quantile_edges(train_score, N_CLASSES))


def chance_levels(target: str, y: np.ndarray, classes: np.ndarray | None) -> dict[str, float]:
    """What each metric would be with the same predicted classes shuffled across the same rows.

    Accuracy: sum over classes of (true share x predicted share) of the evaluated rows, so an
    unbalanced test set, or a model that puts most rows in its majority class, does not pass
    for skill. Adjacent credit likewise; R² and Spearman: 0.
    """
    out = {name: 0.0 for name in metric_functions(target) if name in ("r2", "spearman")}
    if classes is not None:
        k = n_classes(target)
        p = np.bincount(np.asarray(y, int), minlength=k)[:k] / len(y)
        q = np.bincount(np.asarray(classes, int), minlength=k)[:k] / len(y)
        out["accuracy"] = float(p @ q)
        if target == "ordinal":
            grid = credit(np.arange(k)[:, None], np.arange(k)[None, :])
            out["adjacent_accuracy"] = float(p @ grid @ q)
    return out


@dataclass
class Scored:
    """One model on one target: per metric the estimate, its interval, chance and the resampled values."""

    values: dict[str, tuple[float, float, float]]
    chance: dict[str, float]
    draws: dict[str, np.ndarray]
    ci_unit: str
    n_rows: int
    n_channels: int


def score(target: str, y: np.ndarray, score_: np.ndarray, train_score: np.ndarray,
          views: np.ndarray, groups: np.ndarray | None = None, n_boot: int = 200, seed: int = 0,
          level: float = 0.95, weights: tuple[np.ndarray, str] | None = None) -> Scored:
    """Every metric of ``target`` with a (clustered) percentile bootstrap interval and its chance level.

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
    views : array
        What a classification target's Spearman is against (log10 views, or per subscriber).
    groups : array, optional
        Channel of each evaluated row: channels are resampled where they repeat.
    n_boot, seed, level
        Number of resamples, their seed, and the interval's coverage.
    weights : optional
        Precomputed ``bootstrap_weights`` for these rows (so many models share one draw).
    """
    y, score_, views = np.asarray(y), np.asarray(score_, float), np.asarray(views, float)
    if not len(y) == len(score_) == len(views):
        raise ValueError(f"length mismatch: truth {len(y)}, score {len(score_)}, views {len(views)}")
    if groups is not None and len(groups) != len(y):
        raise ValueError(f"length mismatch: truth {len(y)}, channels {len(groups)}")
    classes = classes_from_score(target, score_, train_score, seed)
    W, unit = weights if weights is not None else bootstrap_weights(groups, len(y), n_boot, seed)
    fns = metric_functions(target)
    ones = np.ones((1, len(y)))
    yf = y.astype(float) if classes is None else y
    point = {name: float(fn(ones, yf, score_, classes, views)[0]) for name, fn in fns.items()}
    draws = {name: fn(W, yf, score_, classes, views) if len(W) else np.zeros(0) for name, fn in fns.items()}
    alpha = (1 - level) / 2
    values = {name: (point[name], *_interval(draws[name], alpha)) for name in fns}
    return Scored(values, chance_levels(target, y, classes), draws, unit, len(y), n_groups(groups))


def _interval(draws: np.ndarray, alpha: float) -> tuple[float, float]:
    """Percentile interval of ``draws`` (NaN without resamples)."""
    if len(draws) == 0 or np.all(np.isnan(draws)):
        return float("nan"), float("nan")
    lo, hi = np.nanquantile(draws, [alpha, 1 - alpha])
    return float(lo), float(hi)


def paired_difference(a: tuple[float, np.ndarray], b: tuple[float, np.ndarray],
                      level: float = 0.95) -> tuple[float, float, float]:
    """Estimate and percentile interval of a - b from (estimate, resampled values) of two models on the same resamples."""
    diff = np.asarray(a[1]) - np.asarray(b[1])
    return (a[0] - b[0], *_interval(diff, (1 - level) / 2))


def chance_level(target: str, metric: str) -> float:
    """A model that knows nothing, with balanced predicted classes on balanced rows (see ``chance_levels``)."""
    if metric in ("r2", "spearman"):
        return 0.0
    k = n_classes(target)
    if metric == "accuracy" and k:
        return 1.0 / k
    if metric == "adjacent_accuracy":  # P(exact) + 0.5 P(neighbour) for independent uniform classes
        return 1.0 / N_CLASSES + 0.5 * 2 * (N_CLASSES - 1) / N_CLASSES**2
    return float("nan")


def fraction_of_oracle(value: float, oracle: float, chance: float = 0.0) -> float:
    """(value - chance) / (oracle - chance): 0 is chance, 1 is the benchmark's score."""
    gap = oracle - chance
    return float((value - chance) / gap) if gap > 1e-12 else float("nan")


def format_ci(est: float, lo: float, hi: float, digits: int = 2) -> str:
    """'0.41 [0.36, 0.46]' for tables."""
    return f"{est:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def results_rows(meta: Mapping[str, str], scored: Scored) -> list[dict]:
    """Flatten one evaluation into table rows: ``meta`` plus metric, value, low, high, chance, the bootstrap
    standard error, the resampled unit and the numbers of test videos and channels."""
    return [{**meta, "metric": m, "value": v, "low": lo, "high": hi, "chance": scored.chance.get(m, np.nan),
             "se": float(np.nanstd(scored.draws[m], ddof=1)) if len(scored.draws[m]) > 1 else np.nan,
             "ci_unit": scored.ci_unit, "n_test": scored.n_rows, "n_test_channels": scored.n_channels}
            for m, (v, lo, hi) in scored.values.items()]


def score_classes(y: np.ndarray, classes: np.ndarray, groups: np.ndarray | None = None, n_boot: int = 200,
                  seed: int = 0, n_class: int = N_CLASSES, level: float = 0.95) -> Scored:
    """Accuracy and adjacent-credit accuracy of predicted ``classes`` (already labels), with chance and interval."""
    y, classes = np.asarray(y, int), np.asarray(classes, int)
    W, unit = bootstrap_weights(groups, len(y), n_boot, seed)
    ones = np.ones((1, len(y)))
    fns = {"accuracy": lambda w: _wmean(w, (y == classes).astype(float)),
           "adjacent_accuracy": lambda w: _wmean(w, credit(y, classes))}
    draws = {name: fn(W) if len(W) else np.zeros(0) for name, fn in fns.items()}
    values = {name: (float(fn(ones)[0]), *_interval(draws[name], (1 - level) / 2)) for name, fn in fns.items()}
    p = np.bincount(y, minlength=n_class)[:n_class] / len(y)
    q = np.bincount(classes, minlength=n_class)[:n_class] / len(y)
    grid = credit(np.arange(n_class)[:, None], np.arange(n_class)[None, :])
    chance = {"accuracy": float(p @ q), "adjacent_accuracy": float(p @ grid @ q)}
    return Scored(values, chance, draws, unit, len(y), n_groups(groups))
