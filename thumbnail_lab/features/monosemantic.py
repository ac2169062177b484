"""Is a feature about one thing? An objective score, possible because ThumbWorld knows the truth.

The published analysis judged features by eye ("author's assessment"). ThumbWorld records
which elements every thumbnail contains, so a feature's group can be scored: for each element,
the share of the group's thumbnails that contain it, compared with its share in the whole
dataset. The dominant element is the one most over-represented (largest lift in share); the
monosemanticity score is the share of the group that contains it. A feature whose dominant
element's planted effect has the same sign as the feature's status (high-view or low-view)
is a recovered effect; the precision of the top features is the share that are.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def truth_matrix(metadata: pd.DataFrame, elements: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """The 0/1 ``true_<element>`` columns, renamed to the element names."""
    cols = [f"true_{e}" for e in elements]
    missing = [c for c in cols if c not in metadata.columns]
    if missing:
        raise KeyError(f"metadata lacks truth columns {missing}")
    return metadata[cols].set_axis(list(elements), axis=1).astype(float).reset_index(drop=True)


def dominant_elements(members: np.ndarray, truth: pd.DataFrame, min_lift: float = 0.1) -> pd.DataFrame:
    """Per feature group: dominant element, its share in the group, its base rate, lift and score.

    Parameters
    ----------
    members : np.ndarray, shape (n_features, group_size)
        Row indices of each group.
    truth : pd.DataFrame
        0/1 element indicators, one row per thumbnail (from ``truth_matrix``).
    min_lift : float
        A group whose best element is over-represented by less than this (share minus base rate)
        has no dominant element ("none").

    Returns
    -------
    pd.DataFrame
        Columns ``dominant_element``, ``share``, ``base_rate``, ``lift``, ``monosemanticity``.
    """
    t = truth.to_numpy()
    base = t.mean(axis=0)
    shares = t[np.asarray(members)].mean(axis=1)            # (n_features, n_elements)
    lift = shares - base
    best = lift.argmax(axis=1) if len(members) else np.zeros(0, dtype=int)
    rows = np.arange(len(best))
    names = np.array(truth.columns, dtype=object)[best]
    top_lift = lift[rows, best]
    return pd.DataFrame({
        "dominant_element": np.where(top_lift >= min_lift, names, "none"),
        "share": shares[rows, best],
        "base_rate": base[best],
        "lift": top_lift,
        "monosemanticity": np.where(top_lift >= min_lift, shares[rows, best], 0.0),
    })


def planted_agreement(dominant: pd.Series, status: str, element_effects: dict[str, float],
                      min_effect: float = 0.0) -> pd.Series:
    """True where a feature's dominant element has a planted effect of the status's sign.

    ``status`` is "high" (needs effect > ``min_effect``) or "low" (effect < ``-min_effect``).
    Features without a dominant element count as not recovered.
    """
    if status not in ("high", "low"):
        raise ValueError(f"status must be 'high' or 'low', got {status!r}")
    effect = dominant.map(lambda e: element_effects.get(e, 0.0)).astype(float)
    return effect > min_effect if status == "high" else effect < -min_effect


def recovery_summary(high_dominant: pd.Series, low_dominant: pd.Series, element_effects: dict[str, float],
                     n_strongest: int = 3, min_effect: float = 0.0) -> dict:
    """Precision of the high/low features' dominant elements and which strongest planted elements were found.

    Returns a dict with ``precision_high``, ``precision_low`` (NaN when a list is empty),
    ``strongest_positive``/``strongest_negative`` (the ``n_strongest`` planted elements with
    the largest positive/negative effects) and ``found_positive``/``found_negative`` (those of
    them that dominate at least one high/low feature).
    """
    hi = planted_agreement(high_dominant, "high", element_effects, min_effect)
    lo = planted_agreement(low_dominant, "low", element_effects, min_effect)
    ranked = sorted(element_effects.items(), key=lambda kv: kv[1])
    pos = [e for e, v in ranked[::-1] if v > 0][:n_strongest]
    neg = [e for e, v in ranked if v < 0][:n_strongest]
    return {
        "precision_high": float(hi.mean()) if len(hi) else float("nan"),
        "precision_low": float(lo.mean()) if len(lo) else float("nan"),
        "strongest_positive": pos,
        "strongest_negative": neg,
        "found_positive": [e for e in pos if e in set(high_dominant)],
        "found_negative": [e for e in neg if e in set(low_dominant)],
    }
