"""The chapter's whole feature analysis in one call, so it can run on several datasets.

``analyse`` runs the published procedure and the better statistics on one activation
matrix and one vector of views: feature groups, high/low features, random groups with KS,
held-out probabilities, per-feature permutation p-values with BH, bootstrap intervals.
``split_replication`` selects on one split and measures on another (``replication_table`` on
several splits and views at once); ``status_changes`` compares two analyses of the same groups
(raw and confound-adjusted views), ``top_list_survivors`` which listed features stay listed.
The false-alarm rates of the published tests and the whole-pipeline tests that replace them
are in ``calibration``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .groups import (
    FeatureGroups,
    dataset_statistic,
    feature_status,
    find_feature_groups,
    group_statistic,
    held_out_rows,
    high_low,
    ranked,
)
from .stats import (
    HeldOutResult,
    KSResult,
    bh,
    bootstrap_ci,
    feature_significance,
    held_out_test,
    monte_carlo_p,
    permutation_pvalues,
    random_group_comparison,
)


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
    held_out: HeldOutResult      # distinct held-out thumbnails (each counted once)
    null_high: np.ndarray
    null_low: np.ndarray
    table: pd.DataFrame          # groups.table + p_value, q_value, significant, ci_low, ci_high, status
    dataset_stat: float          # median (or mean) views of every video: the magnitudes' denominator
    alpha: float
    held_out_published: HeldOutResult | None = None   # the published way: a thumbnail once per feature

    def summary(self) -> dict:
        """Key numbers (JSON-ready)."""
        t = self.table
        return {
            "n_features": int(len(t)),
            "n_high": int(len(self.high)), "n_low": int(len(self.low)),
            "statistic": self.params.statistic, "dataset_stat": self.dataset_stat,
            "top_magnitude": float(t["magnitude"].max()) if len(t) else float("nan"),
            "bottom_magnitude": float(t["magnitude"].min()) if len(t) else float("nan"),
            "ks": self.ks.as_dict(),
            "held_out": self.held_out.as_dict(),
            "held_out_published": self.held_out_published.as_dict() if self.held_out_published else None,
            "n_significant_bh": int(t["significant"].sum()),
            "share_p_below_alpha": float((t["p_value"] < self.alpha).mean()) if len(t) else float("nan"),
        }


def analyse(activations: np.ndarray | sp.spmatrix, views: np.ndarray, params: GroupParams,
            rng: np.random.Generator, n_sim: int = 1_000_000, n_perm: int = 20_000, n_boot: int = 2000,
            alpha: float = 0.05, clusters: np.ndarray | None = None) -> FeatureAnalysis:
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
    clusters : np.ndarray, optional
        Every video's channel: the bootstrap intervals resample channels where a group repeats them.
    """
    views = np.asarray(views, dtype=float)
    groups = find_feature_groups(activations, views, threshold=params.threshold, min_count=params.min_count,
                                 group_size=params.group_size, n_held_out=params.n_held_out,
                                 statistic=params.statistic)
    if len(groups.table) < 2:
        raise ValueError(f"only {len(groups.table)} latent(s) fire above {params.threshold} on at least "
                         f"{params.min_count} thumbnails; lower min_count/group_size or the threshold")
    return _statistics(groups, views, params, rng, n_sim, n_perm, n_boot, alpha, clusters)


def regroup(groups: FeatureGroups, views: np.ndarray, statistic: str) -> FeatureGroups:
    """The same groups with their statistics, magnitudes and ranks recomputed on other views."""
    views = np.asarray(views, dtype=float)
    table = groups.table[["feature", "n_active", "held_out"]].copy()
    table["group_stat"] = group_statistic(views[groups.kept], statistic)
    dataset_stat = dataset_statistic(views, statistic)
    table["magnitude"] = table["group_stat"] / dataset_stat
    return FeatureGroups(table=ranked(table), members=groups.members, n_held_out=groups.n_held_out,
                         statistic=statistic, dataset_stat=dataset_stat)


def reanalyse(groups: FeatureGroups, views: np.ndarray, params: GroupParams, rng: np.random.Generator,
              n_sim: int = 1_000_000, n_perm: int = 20_000, n_boot: int = 2000,
              alpha: float = 0.05, clusters: np.ndarray | None = None) -> FeatureAnalysis:
    """The same groups (same activations) with different views, e.g. confound-adjusted ones."""
    views = np.asarray(views, dtype=float)
    return _statistics(regroup(groups, views, params.statistic), views, params, rng, n_sim, n_perm, n_boot,
                       alpha, clusters)


def _statistics(groups: FeatureGroups, views: np.ndarray, params: GroupParams, rng: np.random.Generator,
                n_sim: int, n_perm: int, n_boot: int, alpha: float,
                clusters: np.ndarray | None = None) -> FeatureAnalysis:
    """Random groups + KS, held-out test (distinct and published way), permutation p-values + BH, bootstrap."""
    high, low = high_low(groups, params.top_k)
    kept_size = params.group_size - params.n_held_out
    ks, random_stats = random_group_comparison(groups.table["group_stat"].to_numpy(), views, kept_size, rng,
                                               statistic=params.statistic)
    rows = held_out_rows(groups, high["feature"]), held_out_rows(groups, low["feature"])
    held, null_high, null_low = held_out_test(views, *rows, rng, n_sim, params.statistic)
    published, _, _ = held_out_test(views, *rows, rng, n_sim, params.statistic, distinct=False)
    table = feature_significance(groups.table, groups.kept, views, rng, n_perm, n_boot, alpha, params.statistic,
                                 clusters=clusters)
    table["status"] = feature_status(groups, params.top_k).loc[table["feature"]].to_numpy()
    return FeatureAnalysis(params, groups, high, low, ks, random_stats, held, null_high, null_low,
                           table, dataset_statistic(views, params.statistic), alpha, published)


def split_replication(activations: sp.spmatrix | np.ndarray, views: np.ndarray, select: np.ndarray,
                      measure: np.ndarray, params: GroupParams, rng: np.random.Generator,
                      n_perm: int = 20_000, alpha: float = 0.05, clusters: np.ndarray | None = None,
                      n_boot: int = 1000, n_chance: int = 1000) -> tuple[pd.DataFrame, dict]:
    """Select high/low features on the ``select`` rows; measure their groups on the ``measure`` rows.

    Group sizes are scaled to each split's share of the thumbnails. A selected feature that
    fires on too few measurement thumbnails is reported as not measurable (``measured`` False),
    never dropped silently. The measured statistics carry bootstrap intervals (resampling
    channels where a group repeats them, with ``clusters``): these are the intervals that cover
    what they claim, since the measured groups were not selected on the thumbnails they are
    measured on. The share of measured features that point the same way again comes with its
    chance level: the same share with the measurement thumbnails' views shuffled ``n_chance``
    times (about 0.5), and the p-value of the observed share against it.

    Returns
    -------
    (pd.DataFrame, dict)
        One row per selected feature (``feature``, ``status``, ``stat_select``, ``magnitude_select``,
        ``measured``, ``stat_measure``, ``ci_low``, ``ci_high``, ``magnitude_measure``, ``p_value``,
        ``q_value``, ``same_direction``, ``replicated``) and a summary.
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
    mea_views = views[measure]
    mea_groups = find_feature_groups(acts[measure], mea_views, threshold=p_mea.threshold,
                                     min_count=p_mea.group_size, group_size=p_mea.group_size,
                                     n_held_out=0, statistic=p_mea.statistic, features=chosen["feature"].to_numpy())
    measured = mea_groups.table.set_index("feature")
    out = pd.DataFrame({"feature": chosen["feature"], "status": chosen["status"], "stat_select": chosen["group_stat"],
                        "magnitude_select": chosen["magnitude"]})
    out["measured"] = out["feature"].isin(measured.index)
    out["stat_measure"] = out["feature"].map(measured["group_stat"])
    out["ci_low"], out["ci_high"] = np.nan, np.nan
    measure_stat = mea_groups.dataset_stat          # like by like: a mean by the mean, a median by the median
    out["magnitude_measure"] = out["stat_measure"] / measure_stat
    out["p_value"] = np.nan
    out["significant"], out["q_value"] = False, np.nan
    m = out["measured"].to_numpy()
    members = mea_groups.members[pd.Index(mea_groups.table["feature"]).get_indexer(out.loc[m, "feature"])]
    if m.any():
        lo, hi = bootstrap_ci(mea_views, members, rng, n_boot, statistic=params.statistic,
                              clusters=None if clusters is None else np.asarray(clusters)[measure])
        out.loc[m, "ci_low"], out.loc[m, "ci_high"] = lo, hi
        p = permutation_pvalues(out.loc[m, "stat_measure"].to_numpy(), mea_views, p_mea.group_size, n_perm, rng,
                                params.statistic)
        out.loc[m, "p_value"] = p
        rej, q = bh(p, alpha)
        out.loc[m, "significant"], out.loc[m, "q_value"] = rej, q
    is_high = (out["status"] == "high").to_numpy()
    direction = np.where(is_high, out["stat_measure"] > measure_stat, out["stat_measure"] < measure_stat)
    out["same_direction"] = out["measured"] & direction
    out["replicated"] = out["same_direction"] & out["significant"].astype(bool)
    share = float(out.loc[m, "same_direction"].mean()) if m.any() else float("nan")
    chance = _same_direction_chance(mea_views, members, is_high[m], measure_stat, params.statistic, n_chance, rng)
    summary = {
        "group_size_select": p_sel.group_size, "group_size_measure": p_mea.group_size,
        "n_selected": int(len(out)), "n_measured": int(m.sum()),
        "share_same_direction": share,
        "chance_same_direction": float(chance.mean()) if chance.size else float("nan"),
        "p_value_same_direction": (float(monte_carlo_p(share, chance)) if chance.size
                                   else float("nan")),
        "n_replicated": int(out["replicated"].sum()),
    }
    return out, summary


def _same_direction_chance(views: np.ndarray, members: np.ndarray, is_high: np.ndarray, centre: float,
                           statistic: str, n_chance: int, rng: np.random.Generator, chunk: int = 200) -> np.ndarray:
    """Share of groups on their list's side of ``centre`` with the views shuffled, ``n_chance`` times."""
    if not len(members):
        return np.zeros(0)
    out = []
    for start in range(0, n_chance, chunk):
        c = min(chunk, n_chance - start)
        shuffled = np.stack([rng.permutation(views) for _ in range(c)])
        stats = group_statistic(shuffled[:, members], statistic)          # (c, n_groups)
        out.append(np.where(is_high, stats > centre, stats < centre).mean(axis=1))
    return np.concatenate(out)


def replication_table(activations: sp.spmatrix | np.ndarray, views: dict[str, np.ndarray],
                      splits: dict[str, np.ndarray], params: GroupParams, rng: np.random.Generator,
                      clusters: np.ndarray | None = None, **kwargs) -> pd.DataFrame:
    """``split_replication`` on every split (a mask of the selection rows) and every kind of views.

    Returns one row per (split, views) with the summary numbers; the rest of each split is measured.
    """
    rows = []
    for split_name, select in splits.items():
        for views_name, v in views.items():
            _, summary = split_replication(activations, v, select, ~np.asarray(select), params, rng,
                                           clusters=clusters, **kwargs)
            rows.append({"split": split_name, "views": views_name, **summary})
    return pd.DataFrame(rows).set_index(["split", "views"])


def status_changes(raw: FeatureAnalysis, adjusted: FeatureAnalysis) -> pd.DataFrame:
    """Features whose status (high/low/middle, or BH significance) differs between two analyses."""
    a = raw.table.set_index("feature")[["status", "magnitude", "significant"]]
    b = adjusted.table.set_index("feature")[["status", "magnitude", "significant"]]
    both = a.add_suffix("_raw").join(b.add_suffix("_adjusted"))
    changed = (both["status_raw"] != both["status_adjusted"]) | (both["significant_raw"] != both["significant_adjusted"])
    both = both[changed & ((both["status_raw"] != "middle") | (both["status_adjusted"] != "middle")
                           | both["significant_raw"] | both["significant_adjusted"])]
    return both.reset_index()


def top_list_survivors(raw: FeatureAnalysis, adjusted: FeatureAnalysis) -> pd.DataFrame:
    """The high and low features on raw views, and whether each stays on its list on adjusted views.

    Columns ``feature``, ``status``, ``rank_raw``, ``rank_adjusted``, ``stays`` (on the same list),
    ``significant_adjusted`` (BH on adjusted views).
    """
    a = raw.table.set_index("feature")
    b = adjusted.table.set_index("feature")
    listed = a[a["status"] != "middle"]
    out = pd.DataFrame({"status": listed["status"], "rank_raw": listed["rank"],
                        "rank_adjusted": b.loc[listed.index, "rank"],
                        "stays": b.loc[listed.index, "status"].to_numpy() == listed["status"].to_numpy(),
                        "significant_adjusted": b.loc[listed.index, "significant"].astype(bool)})
    return out.reset_index().sort_values(["status", "rank_raw"]).reset_index(drop=True)
