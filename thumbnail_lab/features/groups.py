"""Feature groups: the thumbnails a latent fires on most, and their median views.

The published procedure, with every threshold a parameter: a latent qualifies when it
activates above ``threshold`` on at least ``min_count`` thumbnails; its group is its
``group_size`` highest-activating thumbnails; the top one is held out and the group's
statistic (the median views, or the mean in the single-channel variant) is taken over the other
``group_size - 1``. Features are ranked by that statistic; the top ``top_k`` are "high-view
features", the bottom ``top_k`` "low-view". A feature's magnitude divides its group statistic by
the same statistic of the whole dataset (a mean by a mean, a median by a median).

Activations may be a dense array or a SciPy sparse matrix (thumbnails x latents); a TopK SAE's
activations are sparse, which is what makes 524,288 thumbnails cheap.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass
class FeatureGroups:
    """Qualifying features and their groups.

    Attributes
    ----------
    table : pd.DataFrame
        One row per qualifying feature: ``feature`` (latent index), ``n_active``, ``group_stat``
        (median or mean views of the group without its held-out members), ``held_out`` (the
        first held-out thumbnail's row), ``magnitude`` (``group_stat`` / ``dataset_stat``), ``rank``
        (1 = highest ``group_stat``).
    members : np.ndarray
        ``(n_features, group_size)`` row indices of each group, highest activation first.
    n_held_out : int
        How many of each group's top members are held out.
    statistic : str
        "median" or "mean": what ``group_stat`` and ``dataset_stat`` hold.
    dataset_stat : float
        The same statistic over every thumbnail's views (the magnitudes' denominator).
    """

    table: pd.DataFrame
    members: np.ndarray
    n_held_out: int
    statistic: str = "median"
    dataset_stat: float = float("nan")

    @property
    def kept(self) -> np.ndarray:
        """Rows of each group that enter its statistic (the held-out ones removed)."""
        return self.members[:, self.n_held_out:]

    @property
    def held_out(self) -> np.ndarray:
        """Held-out rows of each group, ``(n_features, n_held_out)``."""
        return self.members[:, :self.n_held_out]


def _top_rows(rows: np.ndarray, acts: np.ndarray, size: int) -> np.ndarray:
    """The ``size`` rows with the highest activations, highest first; ties broken by lower row."""
    if rows.size > size:
        # argpartition on (activation, -row) keeps the tie rule exact: take a superset, then sort.
        cut = np.partition(acts, rows.size - size)[rows.size - size]
        keep = acts >= cut
        rows, acts = rows[keep], acts[keep]
    order = np.lexsort((rows, -acts))
    return rows[order[:size]]


def group_statistic(values: np.ndarray, statistic: str) -> np.ndarray:
    """Median or mean along the last axis."""
    if statistic == "median":
        return np.median(values, axis=-1)
    if statistic == "mean":
        return np.mean(values, axis=-1)
    raise ValueError(f"statistic must be 'median' or 'mean', got {statistic!r}")


def dataset_statistic(views: np.ndarray, statistic: str) -> float:
    """The group statistic of every video: what a magnitude divides by (like by like)."""
    return float(group_statistic(np.asarray(views, dtype=float), statistic))


def group_size_for_share(n_thumbnails: int, share: float, minimum: int = 3) -> int:
    """Thumbnails per group that make up ``share`` of ``n_thumbnails`` (published: 400 of 524,288)."""
    return max(minimum, int(round(share * n_thumbnails)))


def ranked(table: pd.DataFrame) -> pd.DataFrame:
    """Set ``rank`` (1 = highest ``group_stat``, ties by lower feature index) in place; return the table."""
    order = np.lexsort((table["feature"].to_numpy(), -table["group_stat"].to_numpy()))
    rank = np.empty(len(table), dtype=np.int64)
    rank[order] = np.arange(1, len(table) + 1)
    table["rank"] = rank
    return table


def find_feature_groups(activations: np.ndarray | sp.spmatrix, views: np.ndarray, *,
                        threshold: float = 0.05, min_count: int = 400, group_size: int = 400,
                        n_held_out: int = 1, statistic: str = "median",
                        features: np.ndarray | None = None) -> FeatureGroups:
    """Build the feature groups of the published procedure.

    Parameters
    ----------
    activations : array or sparse matrix, shape (n_thumbnails, n_latents)
        Latent activations of each thumbnail.
    views : np.ndarray, shape (n_thumbnails,)
        Views (or adjusted views) of each thumbnail.
    threshold : float
        A latent is active on a thumbnail when its activation exceeds this.
    min_count : int
        A latent qualifies when it is active on at least this many thumbnails.
    group_size : int
        Thumbnails per group (the highest-activating ones, all active).
    n_held_out : int
        Top members held out from the group statistic (the published analysis held out one).
    statistic : str
        "median" (published, large groups) or "mean" (published single-channel variant).
    features : np.ndarray, optional
        Only consider these latents (e.g. features selected on another split); ``min_count``
        still applies, and a group smaller than ``group_size`` is an error, not a silent shrink.

    Returns
    -------
    FeatureGroups
    """
    views = np.asarray(views, dtype=float)
    n, n_latents = activations.shape
    if views.shape != (n,):
        raise ValueError(f"views has shape {views.shape}, expected ({n},) to match the activations")
    if not 0 <= n_held_out < group_size:
        raise ValueError(f"n_held_out={n_held_out} must be in [0, group_size={group_size})")
    if min_count < group_size:
        raise ValueError(f"min_count={min_count} must be at least group_size={group_size}, "
                         "or a group would contain inactive thumbnails")
    csc = sp.csc_matrix(activations) if not sp.issparse(activations) else activations.tocsc()
    candidates = np.arange(n_latents) if features is None else np.asarray(features, dtype=np.int64)
    rows_out, feats, counts = [], [], []
    for j in candidates:
        lo, hi = csc.indptr[j], csc.indptr[j + 1]
        data = csc.data[lo:hi]
        active = data > threshold
        count = int(active.sum())
        if count < min_count:
            continue
        rows_out.append(_top_rows(csc.indices[lo:hi][active], data[active], group_size))
        feats.append(int(j))
        counts.append(count)
    members = np.array(rows_out, dtype=np.int64).reshape(len(rows_out), group_size)
    stats = group_statistic(views[members[:, n_held_out:]], statistic) if len(feats) else np.empty(0)
    dataset_stat = dataset_statistic(views, statistic)
    table = pd.DataFrame({
        "feature": np.array(feats, dtype=np.int64),
        "n_active": np.array(counts, dtype=np.int64),
        "group_stat": stats,
        "held_out": members[:, 0] if len(feats) and n_held_out else np.full(len(feats), -1),
        "magnitude": stats / dataset_stat,
    })
    # Rank by the statistic, ties by feature index, so the ranking is deterministic.
    return FeatureGroups(table=ranked(table), members=members, n_held_out=n_held_out, statistic=statistic,
                         dataset_stat=dataset_stat)


def high_low(groups: FeatureGroups, top_k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``top_k`` highest-ranked ("high-view") and lowest-ranked ("low-view") features.

    When fewer than ``2 * top_k`` features qualify, the two lists would overlap; they are
    capped at half the features each so that no feature is both high and low.
    """
    k = min(top_k, len(groups.table) // 2)
    ranked = groups.table.sort_values("rank")
    return ranked.head(k).reset_index(drop=True), ranked.tail(k).iloc[::-1].reset_index(drop=True)


def feature_status(groups: FeatureGroups, top_k: int) -> pd.Series:
    """"high", "low" or "middle" for each qualifying feature, indexed by feature."""
    high, low = high_low(groups, top_k)
    status = pd.Series("middle", index=groups.table["feature"].to_numpy(), name="status")
    status[high["feature"].to_numpy()] = "high"
    status[low["feature"].to_numpy()] = "low"
    return status


def held_out_rows(groups: FeatureGroups, features: np.ndarray, distinct: bool = False) -> np.ndarray:
    """Held-out thumbnail rows of the given features (all held-out members, flattened).

    With overlapping groups one thumbnail can be the top activation of several features;
    ``distinct`` counts it once (sorted unique rows), as an independent-videos test needs.
    """
    index = pd.Index(groups.table["feature"]).get_indexer(np.asarray(features))
    if (index < 0).any():
        raise KeyError(f"features {np.asarray(features)[index < 0].tolist()} do not qualify")
    rows = groups.held_out[index].ravel()
    return np.unique(rows) if distinct else rows


def group_overlap(groups: FeatureGroups, n_thumbnails: int) -> dict:
    """How much the feature groups share thumbnails, beside what random groups would share.

    Returns ``n_groups``, ``group_size``, ``group_share`` (group size / thumbnails),
    ``groups_per_member`` (mean number of groups a member thumbnail is in),
    ``groups_per_member_random`` (its expectation for random groups of the same size:
    ``1 + (n_groups - 1) * group_share``), ``share_members_in_several_groups``,
    ``mean_pairwise_jaccard`` and ``mean_pairwise_jaccard_random`` (random groups, approximately
    ``share / (2 - share)``).
    """
    members = np.asarray(groups.members)
    n_groups, size = members.shape
    share = size / n_thumbnails
    counts = np.bincount(members.ravel(), minlength=n_thumbnails)
    counts = counts[counts > 0]
    incidence = sp.csr_matrix((np.ones(members.size, dtype=np.float32),
                               (np.repeat(np.arange(n_groups), size), members.ravel())), shape=(n_groups, n_thumbnails))
    shared = (incidence @ incidence.T).toarray()          # |A & B| of every pair of groups
    upper = np.triu_indices(n_groups, 1)
    jaccard = shared[upper] / (2 * size - shared[upper]) if n_groups > 1 else np.zeros(0)
    return {
        "n_groups": int(n_groups), "group_size": int(size), "group_share": float(share),
        "groups_per_member": float(counts.mean()) if counts.size else float("nan"),
        "groups_per_member_random": float(1 + (n_groups - 1) * share),
        "share_members_in_several_groups": float((counts > 1).mean()) if counts.size else float("nan"),
        "mean_pairwise_jaccard": float(jaccard.mean()) if jaccard.size else float("nan"),
        "mean_pairwise_jaccard_random": float(share / (2 - share)),
    }


def top_activations(activations: np.ndarray | sp.spmatrix, features: np.ndarray, n_top: int,
                    threshold: float = 0.05) -> np.ndarray:
    """The ``n_top`` highest-activating rows of each latent in ``features`` (e.g. in another corpus).

    Returns ``(len(features), n_top)`` row indices, highest first; ``-1`` pads a latent that is
    active (above ``threshold``) on fewer than ``n_top`` rows.
    """
    csc = sp.csc_matrix(activations) if not sp.issparse(activations) else activations.tocsc()
    out = np.full((len(features), n_top), -1, dtype=np.int64)
    for i, j in enumerate(np.asarray(features, dtype=np.int64)):
        lo, hi = csc.indptr[j], csc.indptr[j + 1]
        data, rows = csc.data[lo:hi], csc.indices[lo:hi]
        active = data > threshold
        top = _top_rows(rows[active], data[active], n_top)
        out[i, :top.size] = top
    return out


def member_table(groups: FeatureGroups, top_k: int, activations: np.ndarray | sp.spmatrix,
                 video_ids) -> pd.DataFrame:
    """One row per feature group member, so an analyst can see which of their videos make up each group.

    Columns: ``feature``, ``status`` (high/low/middle), ``rank`` (the member's place in its group,
    1 = highest activation), ``video_id``, ``activation``, ``held_out`` (whether it is one of the
    group's held-out top members), and ``feature_rank`` (the feature's rank by group statistic).
    """
    status = feature_status(groups, top_k)
    features = groups.table["feature"].to_numpy()
    members = np.asarray(groups.members)
    size = members.shape[1] if members.ndim == 2 else 0
    rows = members.ravel()
    cols = np.repeat(features, size)
    csr = sp.csr_matrix(activations) if not sp.issparse(activations) else activations.tocsr()
    values = np.asarray(csr[rows, cols]).ravel() if rows.size else np.zeros(0)
    return pd.DataFrame({
        "feature": cols,
        "status": status.reindex(cols).to_numpy(),
        "rank": np.tile(np.arange(1, size + 1), len(features)),
        "video_id": np.asarray(video_ids, dtype=object)[rows],
        "activation": values.astype(float),
        "held_out": np.tile(np.arange(size) < groups.n_held_out, len(features)),
        "feature_rank": np.repeat(groups.table["rank"].to_numpy(), size),
    })
