"""Is a feature about one thing? An objective score, possible because ThumbWorld knows the truth.

The published analysis judged features by eye ("author's assessment"). ThumbWorld records
which elements every thumbnail contains, so a feature's group can be scored: for each element,
the share of the group's thumbnails that contain it, compared with its share in the whole
dataset. The dominant element is the one most over-represented (largest lift in share); the
monosemanticity score is the share of the group that contains it. A feature whose dominant
element's planted effect has the same sign as the feature's status (high-view or low-view)
is a recovered effect; the precision of the top features is the share that are.

None of these numbers means anything without its chance level. When most planted effects are
positive, random features already score a high "precision" on the high-view list; and the
dominant element is the *best* of many, so even a random group has a positive lift. So each
comes with a baseline and a p-value: ``precision_with_chance`` (random lists of as many
features, exact hypergeometric, and lists selected on shuffled views), ``recovery_with_chance``
(random lists) and ``lift_with_chance`` (random groups of thumbnails, ``random_group_lift``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from .stats import monte_carlo_p


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


def precision_with_chance(agreement: np.ndarray, listed: np.ndarray, shuffled: np.ndarray | None = None) -> dict:
    """Precision of a list of features, with the precision of random lists and a p-value.

    Parameters
    ----------
    agreement : np.ndarray of bool, shape (n_features,)
        Whether each qualifying feature's dominant element has a planted effect of the list's sign.
    listed : np.ndarray
        Positions (into ``agreement``) of the listed features.
    shuffled : np.ndarray, optional
        ``(n_draws, k)`` positions of the lists selected on shuffled views (``PipelineDraws.high``).

    Returns
    -------
    dict
        ``precision``, ``n_listed``, ``chance_precision`` (a random list of as many features:
        the share of all features that agree), ``p_value`` (P(a random list does at least as well),
        hypergeometric) and, with ``shuffled``, ``chance_precision_shuffled`` and ``p_value_shuffled``.
    """
    agreement = np.asarray(agreement, dtype=bool)
    listed = np.asarray(listed)
    k, hits = listed.size, int(agreement[listed].sum())
    out = {"precision": hits / k if k else float("nan"), "n_listed": int(k),
           "chance_precision": float(agreement.mean()),
           "p_value": float(sps.hypergeom.sf(hits - 1, agreement.size, int(agreement.sum()), k)) if k else float("nan")}
    if shuffled is not None and np.size(shuffled):
        draws = agreement[np.asarray(shuffled)].mean(axis=1)
        out["chance_precision_shuffled"] = float(draws.mean())
        out["p_value_shuffled"] = float(monte_carlo_p(out["precision"], draws))
    return out


def recovery_with_chance(dominant: np.ndarray, listed: np.ndarray, targets: list[str], rng: np.random.Generator,
                         n_draws: int = 10_000) -> dict:
    """How many ``targets`` (e.g. the strongest planted elements) dominate a listed feature, against random lists.

    Returns ``found``, ``n_targets``, ``chance_found`` (mean over ``n_draws`` random lists of as
    many features) and ``p_value`` (share of random lists finding at least as many, +1 corrected).
    """
    dominant = np.asarray(dominant, dtype=object)
    listed = np.asarray(listed)
    targets = list(targets)
    found = len(set(targets) & set(dominant[listed]))
    k, n = listed.size, dominant.size
    hit = np.isin(dominant, targets)
    picks = np.argpartition(rng.random((n_draws, n)), k - 1, axis=1)[:, :k] if 0 < k < n else \
        np.tile(np.arange(n), (n_draws, 1))[:, :k]
    names = np.where(hit[picks], dominant[picks], "")
    counts = np.array([len(set(row) - {""}) for row in names])
    return {"found": int(found), "n_targets": len(targets), "chance_found": float(counts.mean()),
            "p_value": float(monte_carlo_p(found, counts))}


def random_group_lift(truth: pd.DataFrame, group_size: int, n_groups: int, rng: np.random.Generator) -> np.ndarray:
    """Lift of the dominant element (the most over-represented one) of ``n_groups`` random groups of thumbnails."""
    t = truth.to_numpy()
    base = t.mean(axis=0)
    members = np.array([rng.choice(len(t), group_size, replace=False) for _ in range(n_groups)])
    return (t[members].mean(axis=1) - base).max(axis=1)


def lift_with_chance(lifts: np.ndarray, random_lifts: np.ndarray, rng: np.random.Generator,
                     n_draws: int = 10_000) -> dict:
    """The median lift of a list of features against the median lift of as many random groups.

    Returns ``median_lift``, ``chance_median_lift`` (median of the random groups' lifts),
    ``chance_high`` (their 95th percentile), ``share_above_chance_high`` (listed features above
    it; 0.05 by chance) and ``p_value`` (P(the median of as many random groups >= the list's), +1 corrected).
    """
    lifts, random_lifts = np.asarray(lifts, dtype=float), np.asarray(random_lifts, dtype=float)
    observed = float(np.median(lifts))
    draws = np.median(rng.choice(random_lifts, (n_draws, lifts.size)), axis=1)
    high = float(np.quantile(random_lifts, 0.95))
    return {"median_lift": observed, "chance_median_lift": float(np.median(random_lifts)), "chance_high": high,
            "share_above_chance_high": float((lifts > high).mean()),
            "p_value": float(monte_carlo_p(observed, draws))}


def describe_features(analysis, dataset) -> pd.DataFrame:
    """The analysis's feature table with each group's dominant ThumbWorld element, in table order.

    ``dataset`` needs ``metadata``, ``elements`` and ``truth`` (``None`` for real data, where the
    columns are filled with "?" and NaN).
    """
    table = analysis.table.reset_index(drop=True)
    if dataset.truth is None or not len(dataset.elements):
        return table.assign(dominant_element="?", share=np.nan, base_rate=np.nan, lift=np.nan, monosemanticity=np.nan)
    dom = dominant_elements(analysis.groups.members, truth_matrix(dataset.metadata, dataset.elements))
    return pd.concat([table, dom], axis=1)


def truth_check(described: pd.DataFrame, analysis, element_effects: dict[str, float], rng: np.random.Generator,
                draws=None, random_lifts: np.ndarray | None = None, n_strongest: int = 3) -> dict:
    """Precision, recovery and lift of the high and low lists, each with its chance level and p-value.

    Parameters
    ----------
    described : pd.DataFrame
        ``describe_features`` of ``analysis`` (rows in ``analysis.table`` order).
    analysis : FeatureAnalysis
    element_effects : dict
        The planted effect of each element.
    rng : np.random.Generator
    draws : PipelineDraws, optional
        The pipeline on shuffled views of the same groups: adds the shuffled-ranking chance level.
    random_lifts : np.ndarray, optional
        ``random_group_lift`` of random groups of the groups' size: adds the lift's chance level.

    Returns
    -------
    dict
        ``{"high": {...}, "low": {...}}``, each with ``precision``, ``chance_precision``,
        ``p_value`` (random lists), ``chance_precision_shuffled``/``p_value_shuffled`` (with ``draws``),
        ``found``/``n_targets``/``chance_found``/``p_value_found`` (the ``n_strongest`` planted
        elements of the list's sign that dominate a listed feature) and the lift numbers
        prefixed ``lift_`` (with ``random_lifts``).
    """
    features = pd.Index(described["feature"])
    dominant = described["dominant_element"].to_numpy(dtype=object)
    by_effect = sorted(element_effects.items(), key=lambda kv: kv[1])
    lists = (("high", analysis.high, [e for e, v in by_effect[::-1] if v > 0][:n_strongest], "high"),
             ("low", analysis.low, [e for e, v in by_effect if v < 0][:n_strongest], "low"))
    out = {}
    for status, listed, targets, side in lists:
        pos = features.get_indexer(listed["feature"])
        agreement = planted_agreement(described["dominant_element"], status, element_effects).to_numpy()
        entry = precision_with_chance(agreement, pos, None if draws is None else getattr(draws, side))
        found = recovery_with_chance(dominant, pos, targets, rng)
        entry.update(found=found["found"], n_targets=found["n_targets"], chance_found=found["chance_found"],
                     p_value_found=found["p_value"], targets=targets,
                     found_elements=[e for e in targets if e in set(dominant[pos])])
        if random_lifts is not None:
            lift = lift_with_chance(described["lift"].to_numpy()[pos], random_lifts, rng)
            entry.update({f"lift_{k}": v for k, v in lift.items()})
        out[status] = entry
    return out


#: The numbers of ``truth_check`` that the chapter glues, per list (``found_elements`` etc. stay in the JSON).
TRUTH_NUMBERS: tuple[str, ...] = ("precision", "chance_precision", "p_value", "chance_precision_shuffled",
                                  "p_value_shuffled", "found", "n_targets", "chance_found", "p_value_found",
                                  "lift_median_lift", "lift_chance_median_lift", "lift_p_value")


def flat_truth_check(checks: dict[str, dict]) -> dict[str, float]:
    """``{"raw": truth_check(...), "adjusted": ...}`` as flat names: ``high_precision``, ``low_p_value_adj``, ...

    An empty ``checks`` (no truth: real data) gives the same names with NaN, so every name exists.
    """
    out = {}
    for kind, suffix in (("raw", ""), ("adjusted", "_adj")):
        for status in ("high", "low"):
            entry = checks.get(kind, {}).get(status, {})
            for key in TRUTH_NUMBERS:
                out[f"{status}_{key}{suffix}"] = float(entry.get(key, float("nan")))
    return out


def truth_summary(checks: dict[str, dict]) -> dict:
    """The ``truth_check`` entry of results.json: raw views, per list ``precision``, ``chance_precision``, ``p_value``."""
    raw = checks.get("raw", {})
    return {s: {k: raw[s][k] for k in ("precision", "chance_precision", "p_value")} for s in raw}


def truth_table(checks: dict[str, dict]) -> pd.DataFrame:
    """The truth-check numbers as a table: one row per number, one column per (views, list)."""
    if not checks:
        return pd.DataFrame()
    data = {(kind, status): {k: checks[kind][status].get(k, np.nan) for k in TRUTH_NUMBERS}
            for kind in checks for status in checks[kind]}
    return pd.DataFrame(data)


def planted_element_coverage(described: pd.DataFrame, element_effects: dict[str, float],
                             ceiling_auc: dict[str, float] | None = None, base_rates: dict[str, float] | None = None,
                             min_effect: float = 0.1, min_auc: float = 0.9, min_ratio: float = 2.0) -> pd.DataFrame:
    """Does some qualifying feature stand for each planted element the encoder should be able to see?

    For every element with ``|effect| >= min_effect``: the features whose dominant element it is, the
    largest over-representation among them (share in the group over the base rate), and ``met``: at
    least one has a ratio of ``min_ratio`` or more. ``eligible`` says whether the supervised ceiling
    sees the element (held-out AUC >= ``min_auc``); without ``ceiling_auc`` every element is eligible
    and ``ceiling_auc`` is NaN. With ``base_rates`` (each element's share of the thumbnails), ``max_ratio``
    is the largest over-representation possible (a group made only of thumbnails with the element), and
    ``achievable`` says whether it reaches ``min_ratio``: if not, the target cannot be met, however well the
    features see the element.

    Parameters
    ----------
    described : pd.DataFrame
        ``describe_features`` of an analysis (``dominant_element``, ``share``, ``base_rate``).
    """
    ratio = described["share"] / described["base_rate"].where(described["base_rate"] > 0)
    rows = []
    for element, effect in sorted(element_effects.items(), key=lambda kv: -abs(kv[1])):
        if abs(effect) < min_effect:
            continue
        mine = ratio[described["dominant_element"] == element]
        auc = float(ceiling_auc.get(element, np.nan)) if ceiling_auc else np.nan
        best = float(mine.max()) if len(mine) else 0.0
        base = float(base_rates.get(element, np.nan)) if base_rates else np.nan
        rows.append({"element": element, "effect": float(effect), "ceiling_auc": auc, "base_rate": base,
                     "max_ratio": 1 / base if base > 0 else np.nan,
                     "eligible": bool(ceiling_auc is None or auc >= min_auc),
                     "achievable": bool(not base > 0 or 1 / base >= min_ratio), "n_features": int(len(mine)),
                     "n_features_over_ratio": int((mine >= min_ratio).sum()), "best_ratio": best,
                     "met": bool(best >= min_ratio)})
    return pd.DataFrame(rows, columns=["element", "effect", "ceiling_auc", "base_rate", "max_ratio", "eligible",
                                       "achievable", "n_features", "n_features_over_ratio", "best_ratio", "met"])
