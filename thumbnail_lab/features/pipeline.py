"""The chapter's whole feature analysis in one call, so it can run on several datasets.

``analyse`` runs the published procedure and the better statistics on one activation
matrix and one vector of views: feature groups, high/low features, random groups with KS,
held-out probabilities, per-feature permutation p-values with BH, bootstrap intervals.
``split_replication`` selects on one split and measures on another; ``status_changes``
compares two analyses of the same groups (raw and confound-adjusted views).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .groups import FeatureGroups, feature_status, find_feature_groups, group_statistic, held_out_rows, high_low
from .stats import HeldOutResult, KSResult, bh, feature_significance, held_out_test, permutation_pvalues, random_group_comparison


@dataclass(frozen=True)
class GroupParams:
    """The thresholds of the feature-group procedure (published values as defaults)."""

    threshold: float = 0.05
    min_count: int = 400
    group_size: int = 400
    top_k: int = 100
    n_held_out: int = 1
    statistic: str = "median"

    def scaled(self, fraction: float) -> "GroupParams":
        """The same procedure on a ``fraction`` of the thumbnails (group sizes scaled, at least 3)."""
        g = max(3, int(round(self.group_size * fraction)))
        return replace(self, group_size=g, min_count=max(g, int(round(self.min_count * fraction))))

    def as_dict(self) -> dict:
        """Plain dict (for results.json)."""
        return asdict(self)


@dataclass
class FeatureAnalysis:
    """Everything the chapter reports about one dataset's features."""

    params: GroupParams
    groups: FeatureGroups
    high: pd.DataFrame
    low: pd.DataFrame
    ks: KSResult
    random_stats: np.ndarray
    held_out: HeldOutResult
    null_high: np.ndarray
    null_low: np.ndarray
    table: pd.DataFrame          # groups.table + p_value, q_value, significant, ci_low, ci_high, status
    dataset_median: float
    alpha: float

    def summary(self) -> dict:
        """Key numbers (JSON-ready)."""
        t = self.table
        return {
            "n_features": int(len(t)),
            "n_high": int(len(self.high)), "n_low": int(len(self.low)),
            "dataset_median": self.dataset_median,
            "top_magnitude": float(t["magnitude"].max()) if len(t) else float("nan"),
            "bottom_magnitude": float(t["magnitude"].min()) if len(t) else float("nan"),
            "ks": self.ks.as_dict(),
            "held_out": self.held_out.as_dict(),
            "n_significant_bh": int(t["significant"].sum()),
            "share_p_below_alpha": float((t["p_value"] < self.alpha).mean()) if len(t) else float("nan"),
        }


def analyse(activations: np.ndarray | sp.spmatrix, views: np.ndarray, params: GroupParams,
            rng: np.random.Generator, n_sim: int = 1_000_000, n_perm: int = 20_000, n_boot: int = 2000,
            alpha: float = 0.05) -> FeatureAnalysis:
    """Run the feature-group procedure and its statistics on one dataset.

    Parameters
    ----------
    activations : array or sparse matrix (n_thumbnails, n_latents)
    views : np.ndarray (n_thumbnails,)
        Views (or adjusted views).
    params : GroupParams
    rng : np.random.Generator
    n_sim : int
        Simulated random groups for the held-out test (published: 1,000,000).
    n_perm : int
        Permutations for the per-feature p-values.
    n_boot : int
        Bootstrap resamples per group median.
    alpha : float
        False discovery rate of Benjamini-Hochberg, and the nominal level.
    """
    views = np.asarray(views, dtype=float)
    groups = find_feature_groups(activations, views, threshold=params.threshold, min_count=params.min_count,
                                 group_size=params.group_size, n_held_out=params.n_held_out,
                                 statistic=params.statistic)
    if len(groups.table) < 2:
        raise ValueError(f"only {len(groups.table)} latent(s) fire above {params.threshold} on at least "
                         f"{params.min_count} thumbnails; lower min_count/group_size or the threshold")
    return _statistics(groups, views, params, rng, n_sim, n_perm, n_boot, alpha)


def reanalyse(groups: FeatureGroups, views: np.ndarray, params: GroupParams, rng: np.random.Generator,
              n_sim: int = 1_000_000, n_perm: int = 20_000, n_boot: int = 2000,
              alpha: float = 0.05) -> FeatureAnalysis:
    """The same groups (same activations) with different views, e.g. confound-adjusted ones."""
    views = np.asarray(views, dtype=float)
    table = groups.table[["feature", "n_active", "held_out"]].copy()
    table["group_stat"] = group_statistic(views[groups.kept], params.statistic)
    table["magnitude"] = table["group_stat"] / float(np.median(views))
    order = np.lexsort((table["feature"].to_numpy(), -table["group_stat"].to_numpy()))
    table["rank"] = 0
    table.loc[order, "rank"] = np.arange(1, len(table) + 1)
    new = FeatureGroups(table=table, members=groups.members, n_held_out=groups.n_held_out)
    return _statistics(new, views, params, rng, n_sim, n_perm, n_boot, alpha)


def _statistics(groups: FeatureGroups, views: np.ndarray, params: GroupParams, rng: np.random.Generator,
                n_sim: int, n_perm: int, n_boot: int, alpha: float) -> FeatureAnalysis:
    """Random groups + KS, held-out test, permutation p-values + BH, bootstrap intervals."""
    high, low = high_low(groups, params.top_k)
    kept_size = params.group_size - params.n_held_out
    ks, random_stats = random_group_comparison(groups.table["group_stat"].to_numpy(), views, kept_size, rng,
                                               statistic=params.statistic)
    held, null_high, null_low = held_out_test(views, held_out_rows(groups, high["feature"]),
                                              held_out_rows(groups, low["feature"]), rng, n_sim, params.statistic)
    table = feature_significance(groups.table, groups.kept, views, rng, n_perm, n_boot, alpha, params.statistic)
    table["status"] = feature_status(groups, params.top_k).loc[table["feature"]].to_numpy()
    return FeatureAnalysis(params, groups, high, low, ks, random_stats, held, null_high, null_low,
                           table, float(np.median(views)), alpha)


def split_replication(activations: sp.spmatrix | np.ndarray, views: np.ndarray, select: np.ndarray,
                      measure: np.ndarray, params: GroupParams, rng: np.random.Generator,
                      n_perm: int = 20_000, alpha: float = 0.05) -> tuple[pd.DataFrame, dict]:
    """Select high/low features on the ``select`` rows; measure their groups on the ``measure`` rows.

    Group sizes are scaled to each split's share of the thumbnails. A selected feature that
    fires on too few measurement thumbnails is reported as not measurable (``measured`` False),
    never dropped silently.

    Returns
    -------
    (pd.DataFrame, dict)
        One row per selected feature (``feature``, ``status``, ``stat_select``, ``measured``,
        ``stat_measure``, ``magnitude_measure``, ``p_value``, ``q_value``, ``replicated``) and a summary.
    """
    views = np.asarray(views, dtype=float)
    select, measure = np.flatnonzero(select), np.flatnonzero(measure)
    acts = sp.csr_matrix(activations) if not sp.issparse(activations) else activations.tocsr()
    n = len(views)
    p_sel, p_mea = params.scaled(len(select) / n), params.scaled(len(measure) / n)
    sel_groups = find_feature_groups(acts[select], views[select], threshold=p_sel.threshold,
                                     min_count=p_sel.min_count, group_size=p_sel.group_size,
                                     n_held_out=p_sel.n_held_out, statistic=p_sel.statistic)
    high, low = high_low(sel_groups, params.top_k)
    chosen = pd.concat([high.assign(status="high"), low.assign(status="low")], ignore_index=True)
    mea_groups = find_feature_groups(acts[measure], views[measure], threshold=p_mea.threshold,
                                     min_count=p_mea.group_size, group_size=p_mea.group_size,
                                     n_held_out=0, statistic=p_mea.statistic, features=chosen["feature"].to_numpy())
    measured = mea_groups.table.set_index("feature")
    out = pd.DataFrame({"feature": chosen["feature"], "status": chosen["status"], "stat_select": chosen["group_stat"]})
    out["measured"] = out["feature"].isin(measured.index)
    out["stat_measure"] = out["feature"].map(measured["group_stat"])
    median_measure = float(np.median(views[measure]))
    out["magnitude_measure"] = out["stat_measure"] / median_measure
    out["p_value"] = np.nan
    if out["measured"].any():
        p = permutation_pvalues(out.loc[out["measured"], "stat_measure"].to_numpy(), views[measure],
                                p_mea.group_size, n_perm, rng, params.statistic)
        out.loc[out["measured"], "p_value"] = p
    out["significant"], out["q_value"] = False, np.nan
    if out["measured"].any():
        rej, q = bh(out.loc[out["measured"], "p_value"].to_numpy(), alpha)
        out.loc[out["measured"], "significant"], out.loc[out["measured"], "q_value"] = rej, q
    direction = np.where(out["status"] == "high", out["stat_measure"] > median_measure,
                         out["stat_measure"] < median_measure)
    out["same_direction"] = out["measured"] & direction
    out["replicated"] = out["same_direction"] & out["significant"].astype(bool)
    summary = {
        "group_size_select": p_sel.group_size, "group_size_measure": p_mea.group_size,
        "n_selected": int(len(out)), "n_measured": int(out["measured"].sum()),
        "share_same_direction": (float(out.loc[out["measured"], "same_direction"].mean())
                                 if out["measured"].any() else float("nan")),
        "n_replicated": int(out["replicated"].sum()),
    }
    return out, summary


def status_changes(raw: FeatureAnalysis, adjusted: FeatureAnalysis) -> pd.DataFrame:
    """Features whose status (high/low/middle, or BH significance) differs between two analyses."""
    a = raw.table.set_index("feature")[["status", "magnitude", "significant"]]
    b = adjusted.table.set_index("feature")[["status", "magnitude", "significant"]]
    both = a.add_suffix("_raw").join(b.add_suffix("_adjusted"))
    changed = (both["status_raw"] != both["status_adjusted"]) | (both["significant_raw"] != both["significant_adjusted"])
    both = both[changed & ((both["status_raw"] != "middle") | (both["status_adjusted"] != "middle")
                           | both["significant_raw"] | both["significant_adjusted"])]
    return both.reset_index()


def shuffled_test_rates(groups: FeatureGroups, views: np.ndarray, params: GroupParams, rng: np.random.Generator,
                        n_repeats: int = 200, n_sim: int = 100_000, alpha: float = 0.05) -> pd.DataFrame:
    """How often the KS and held-out tests fire when the views are shuffled over thumbnails.

    Each repeat permutes the views (so no feature can matter), re-ranks the same groups and
    runs the published tests. A calibrated test fires in about ``alpha`` of the repeats; the
    feature groups overlap and the ranking picks extremes, which is what this checks.

    Returns
    -------
    pd.DataFrame
        One row per repeat: ``ks_p``, ``p_high`` (P(random >= HHM)), ``p_low`` (P(random <= LHM)).
    """
    views = np.asarray(views, dtype=float)
    kept_size = params.group_size - params.n_held_out
    rows = []
    for _ in range(n_repeats):
        shuffled = rng.permutation(views)
        stats = group_statistic(shuffled[groups.kept], params.statistic)
        order = np.lexsort((groups.table["feature"].to_numpy(), -stats))
        k = min(params.top_k, len(order) // 2)
        ks, _ = random_group_comparison(stats, shuffled, kept_size, rng, statistic=params.statistic)
        held, _, _ = held_out_test(shuffled, groups.held_out[order[:k]].ravel(), groups.held_out[order[-k:]].ravel(),
                                   rng, n_sim, params.statistic)
        rows.append({"ks_p": ks.pvalue, "p_high": held.p_random_ge_high, "p_low": held.p_random_le_low})
    return pd.DataFrame(rows)
