"""Linear probes: how linearly readable each element is from frozen embeddings.

For one element, a logistic regression is fitted on standardised embeddings of training
thumbnails and scored by ROC AUC on held-out ones (the field's way of measuring an encoder).
Every encoder is probed with the same rows, the same regularisation grid and the same
choice rule (the C with the best AUC on a validation part of the training rows).

The fits run with BLAS held to one thread: on a shared 2-core machine OpenBLAS's spinning
threads made a probe thirty times slower than on one thread.
"""
from __future__ import annotations

import warnings
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

#: Inverse regularisation strengths tried for every probe.
C_GRID: tuple[float, ...] = (0.01, 0.1, 1.0)


def _fit(X: np.ndarray, y: np.ndarray, C: float):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(C=C, max_iter=300, tol=1e-3).fit(X, y)


def probe_auc(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
              c_grid: Sequence[float] = C_GRID, val_fraction: float = 0.2, seed: int = 0) -> float:
    """Held-out ROC AUC of a logistic-regression probe (C chosen on a validation part of the training rows).

    Returns NaN when either part holds only one class.
    """
    from sklearn.metrics import roc_auc_score

    y_train, y_test = np.asarray(y_train).astype(int), np.asarray(y_test).astype(int)
    if len(np.unique(y_train)) < 2 or len(np.unique(y_test)) < 2:
        return float("nan")
    mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-6
    Xtr, Xte = (X_train - mean) / std, (X_test - mean) / std
    C = c_grid[0]
    if len(c_grid) > 1:
        rng = np.random.default_rng(seed)
        val = rng.random(len(Xtr)) < val_fraction
        if len(np.unique(y_train[val])) == 2 and len(np.unique(y_train[~val])) == 2:
            scores = [roc_auc_score(y_train[val], _fit(Xtr[~val], y_train[~val], c).decision_function(Xtr[val]))
                      for c in c_grid]
            C = c_grid[int(np.argmax(scores))]
    return float(roc_auc_score(y_test, _fit(Xtr, y_train, C).decision_function(Xte)))


def linear_probes(embeddings: np.ndarray, labels: np.ndarray, elements: Sequence[str], train: np.ndarray,
                  test: np.ndarray, c_grid: Sequence[float] = C_GRID, seed: int = 0) -> pd.Series:
    """Held-out AUC per element (a Series indexed by element) of probes on ``embeddings``.

    Parameters
    ----------
    embeddings : np.ndarray
        ``(N, D)`` frozen embeddings.
    labels : np.ndarray
        0/1 ``(N, len(elements))``.
    train, test : np.ndarray
        Row positions of the probe's training and held-out thumbnails.
    """
    from threadpoolctl import threadpool_limits

    X = np.asarray(embeddings, np.float64)
    labels = np.asarray(labels)
    with threadpool_limits(1):
        return pd.Series({e: probe_auc(X[train], labels[train, j], X[test], labels[test, j], c_grid, seed=seed)
                          for j, e in enumerate(elements)}, name="auc")


def probe_table(embeddings: Mapping[str, np.ndarray], labels: np.ndarray, elements: Sequence[str],
                train: np.ndarray, test: np.ndarray, c_grid: Sequence[float] = C_GRID, seed: int = 0) -> pd.DataFrame:
    """One column of held-out AUCs per encoder, one row per element, plus the prevalence."""
    table = pd.DataFrame({name: linear_probes(X, labels, elements, train, test, c_grid, seed)
                          for name, X in embeddings.items()})
    table.insert(0, "prevalence", np.asarray(labels)[test].mean(axis=0))
    table.index.name = "element"
    return table
