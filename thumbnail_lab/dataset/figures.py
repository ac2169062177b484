"""The data card: the figures and small tables that describe a thumbnail dataset.

Every function takes the cleaned metadata (``PreparedDataset.metadata``) or plain arrays,
so the same card works for ThumbWorld and for imported real data; the functions that
need ThumbWorld's truth say so and are only called when it exists.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from PIL import Image

from ..plotting import FULL_WIDTH, image_grid


def load_thumbnails(paths: Sequence[Path]) -> np.ndarray:
    """Decode thumbnails at full size into one uint8 array (N, H, W, 3) (resized to the first one's size)."""
    out = []
    for p in paths:
        with Image.open(p) as im:
            im = im.convert("RGB")
            if out and im.size != (out[0].shape[1], out[0].shape[0]):
                im = im.resize((out[0].shape[1], out[0].shape[0]))
            out.append(np.asarray(im))
    return np.stack(out)


def short_count(n: float) -> str:
    """Views the way the platform prints them: 950, 12K, 3.4M."""
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            v = n / div
            return f"{v:.1f}{unit}" if v < 10 else f"{v:.0f}{unit}"
    return f"{int(n)}"


def sample_grid(metadata: pd.DataFrame, data_dir: Path, n: int = 32, seed: int = 0, ncols: int = 8) -> plt.Figure:
    """A uniformly random (not cherry-picked) sample of thumbnails, each with its view count."""
    rows = metadata.sample(n=min(n, len(metadata)), random_state=seed)
    images = load_thumbnails([data_dir / f for f in rows["file_name"]])
    titles = [f"{short_count(v)} views" for v in rows["views"]]
    return image_grid(images, ncols=ncols, titles=titles)


def extremes_grid(metadata: pd.DataFrame, data_dir: Path, k: int = 6) -> plt.Figure:
    """The ``k`` most-viewed thumbnails (top row) next to the ``k`` least-viewed (bottom row)."""
    order = metadata.sort_values("views", kind="mergesort")
    rows = pd.concat([order.tail(k).iloc[::-1], order.head(k)])
    images = load_thumbnails([data_dir / f for f in rows["file_name"]])
    titles = [f"{'top' if i < k else 'bottom'}: {short_count(v)} views" for i, v in enumerate(rows["views"])]
    return image_grid(images, ncols=k, titles=titles)


def log_views_histogram(log_views: np.ndarray, min_views: int | None = None) -> plt.Figure:
    """Distribution of log10 views, with the median and the minimum-views cut marked."""
    fig, ax = plt.subplots(figsize=(FULL_WIDTH, 3.2))
    ax.hist(log_views, bins=60, color="C0", alpha=0.85)
    med = float(np.median(log_views))
    ax.axvline(med, color="k", ls="--", lw=1, label=f"median: {short_count(10 ** med)} views")
    if min_views:
        ax.axvline(np.log10(min_views), color="C3", lw=1, label=f"cleaning cut: {min_views} views")
    ax.set(xlabel="log10(views)", ylabel="videos")
    ax.legend()
    return fig


def views_vs_age(age_days: np.ndarray, log_views: np.ndarray, seed: int = 0, max_points: int = 4000) -> plt.Figure:
    """log10 views against video age (log scale) with a LOWESS smoother."""
    from statsmodels.nonparametric.smoothers_lowess import lowess

    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(age_days))[:max_points]
    x, y = np.log10(np.asarray(age_days, dtype=float)[idx] + 1), np.asarray(log_views, dtype=float)[idx]
    smooth = lowess(y, x, frac=0.3, it=1, return_sorted=True)
    fig, ax = plt.subplots(figsize=(FULL_WIDTH, 3.4))
    ax.scatter(x, y, s=4, alpha=0.25, color="C0", label="videos")
    ax.plot(smooth[:, 0], smooth[:, 1], color="C3", lw=2.5, label="LOWESS smoother")
    ticks = [7, 30, 90, 365, 2 * 365, 5 * 365, 10 * 365]
    ax.set_xticks(np.log10(np.array(ticks) + 1), ["1 w", "1 m", "3 m", "1 y", "2 y", "5 y", "10 y"])
    ax.set(xlabel="video age at collection", ylabel="log10(views)")
    ax.legend(loc="upper left")
    return fig


def views_by_channel(metadata: pd.DataFrame, max_channels: int = 24) -> plt.Figure:
    """Left: log views per channel (largest channels, sorted by median). Right: channel median vs subscribers."""
    has_subs = "channel_subscribers" in metadata.columns and metadata["channel_subscribers"].notna().any()
    fig, axes = plt.subplots(1, 2 if has_subs else 1, figsize=(FULL_WIDTH, 3.6), squeeze=False,
                             gridspec_kw={"width_ratios": [2, 1]} if has_subs else None)
    counts = metadata["channel_id"].value_counts()
    top = counts.index[:max_channels]
    sub = metadata[metadata["channel_id"].isin(top)]
    order = sub.groupby("channel_id")["log_views"].median().sort_values().index
    ax = axes[0, 0]
    ax.boxplot([sub.loc[sub["channel_id"] == c, "log_views"] for c in order], showfliers=False)
    ax.set_xticks(range(1, len(order) + 1), [f"ch{k + 1}" for k in range(len(order))], rotation=90, fontsize=7)
    ax.set(xlabel=f"the {len(order)} channels with most videos, by median", ylabel="log10(views)")
    if has_subs:
        per = metadata.groupby("channel_id").agg(med=("log_views", "median"), subs=("channel_subscribers", "median"),
                                                  n=("log_views", "size"))
        ax = axes[0, 1]
        ax.scatter(np.log10(per["subs"].clip(lower=1)), per["med"], s=8 + 2 * np.sqrt(per["n"]), alpha=0.6)
        ax.set(xlabel="log10(channel subscribers)", ylabel="channel median log10(views)")
    return fig


def naive_element_effects(metadata: pd.DataFrame, elements: Sequence[str]) -> pd.DataFrame:
    """Per element: share of videos showing it and the naive difference in mean log views (with - without)."""
    rows = []
    for e in elements:
        has = metadata[f"true_{e}"].to_numpy() == 1
        naive = metadata.loc[has, "log_views"].mean() - metadata.loc[~has, "log_views"].mean() \
            if has.any() and (~has).any() else np.nan
        rows.append({"element": e, "share": float(has.mean()), "n_with": int(has.sum()), "naive_diff": float(naive)})
    return pd.DataFrame(rows)


def element_figure(table: pd.DataFrame, true_effects: dict[str, float] | None) -> plt.Figure:
    """Left: how often each element appears. Right: naive difference in log views vs the true effect."""
    fig, axes = plt.subplots(1, 2, figsize=(FULL_WIDTH, 4.2), sharey=True)
    y = np.arange(len(table))
    axes[0].barh(y, table["share"], color="C0")
    axes[0].set_yticks(y, table["element"])
    axes[0].invert_yaxis()
    axes[0].set(xlabel="share of videos showing it")
    axes[1].axvline(0, color="k", lw=0.8)
    axes[1].scatter(table["naive_diff"], y, color="C1", label="naive: mean with - mean without", zorder=3)
    if true_effects is not None:
        axes[1].scatter([true_effects.get(e, np.nan) for e in table["element"]], y, color="C2", marker="D",
                        label="true effect (ThumbWorld)", zorder=3)
    axes[1].set(xlabel="difference in log10(views)")
    axes[1].legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, ncol=2)
    return fig


_LATIN = re.compile(r"^[\x00-\u024F\u2000-\u206F\u20A0-\u20CF\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]*$")


def title_table(titles: pd.Series) -> pd.DataFrame:
    """Length in characters, script (Latin or not), and the presence of digits, CAPS words and emoji."""
    from ..thumbworld.views import title_features  # generic: works on any title

    feats = pd.DataFrame([title_features(t) for t in titles.fillna("")])
    return pd.DataFrame({
        "length": titles.fillna("").str.len().to_numpy(),
        "non_latin": ~titles.fillna("").map(lambda t: bool(_LATIN.match(t))).to_numpy(),
        "has_number": feats["has_number"].to_numpy() == 1, "has_caps_word": feats["has_caps_word"].to_numpy() == 1,
        "has_emoji": feats["has_emoji"].to_numpy() == 1, "has_question": feats["has_question"].to_numpy() == 1,
    })


def title_figure(table: pd.DataFrame) -> plt.Figure:
    """Title lengths by script, and how often titles carry numbers, CAPS words, emoji and questions."""
    fig, axes = plt.subplots(1, 2, figsize=(FULL_WIDTH, 3.2), gridspec_kw={"width_ratios": [2, 1]})
    bins = np.arange(0, table["length"].max() + 6, 4)
    axes[0].hist([table.loc[~table["non_latin"], "length"], table.loc[table["non_latin"], "length"]], bins=bins,
                 stacked=True, label=["Latin script", "other scripts"], color=["C0", "C1"])
    axes[0].set(xlabel="title length (characters)", ylabel="videos")
    axes[0].legend()
    shares = table[["has_number", "has_caps_word", "has_emoji", "has_question", "non_latin"]].mean()
    axes[1].barh(range(len(shares)), shares.to_numpy(), color="C2")
    axes[1].set_yticks(range(len(shares)), ["number", "CAPS word", "emoji", "question", "non-Latin"])
    axes[1].invert_yaxis()
    axes[1].set(xlabel="share of titles")
    return fig


def naive_scraper_damage(titles: pd.Series) -> dict[str, float]:
    """What a naive scraper would do to these titles.

    It strips everything outside ASCII (a common 'fix' for encoding errors) and names
    files after the title. Returns the share of titles altered, the share left with no
    letters at all, and the share of videos whose title-derived file name collides with another's.
    """
    titles = titles.fillna("")
    ascii_only = titles.map(lambda t: t.encode("ascii", "ignore").decode())
    altered = (ascii_only != titles).mean()
    emptied = (~ascii_only.str.contains(r"[A-Za-z]", regex=True)).mean()
    slug = ascii_only.map(lambda t: re.sub(r"[^a-z0-9]+", "_", unicodedata.normalize("NFKD", t).lower()).strip("_"))
    collide = slug.duplicated(keep=False).mean()
    return {"titles_altered": float(altered), "titles_without_letters": float(emptied),
            "file_name_collisions": float(collide)}


def cleaning_figure(report: pd.DataFrame) -> plt.Figure:
    """How many rows each cleaning step removed, in the order the steps run."""
    fig, ax = plt.subplots(figsize=(FULL_WIDTH, 2.8))
    y = np.arange(len(report))
    ax.barh(y, report["removed"], color="C3")
    for k, (rem, left) in enumerate(zip(report["removed"], report["remaining"])):
        ax.text(rem, k, f"  -{rem:,}  ({left:,} left)", va="center", fontsize=8)
    ax.set_yticks(y, report["filter"])
    ax.invert_yaxis()
    ax.set(xlabel="videos removed")
    ax.set_xlim(0, max(1, report["removed"].max()) * 1.45)
    return fig


def split_figure(metadata: pd.DataFrame) -> plt.Figure:
    """Left: train/val/test sizes of the three splits. Right: upload dates by temporal split."""
    fig, axes = plt.subplots(1, 2, figsize=(FULL_WIDTH, 3.2))
    kinds = ["random", "channel", "temporal"]
    bottom = np.zeros(len(kinds))
    for part, color in (("train", "C0"), ("val", "C1"), ("test", "C2")):
        counts = np.array([(metadata[f"split_{k}"] == part).sum() for k in kinds])
        axes[0].bar(kinds, counts, bottom=bottom, color=color, label=part)
        bottom += counts
    axes[0].set(ylabel="videos", xlabel="split", ylim=(0, bottom.max() * 1.18))
    axes[0].legend(loc="upper center", ncol=3)
    dates = pd.to_datetime(metadata["upload_date"])
    bins = pd.date_range(dates.min().normalize(), dates.max() + pd.Timedelta(days=60), freq="90D")
    for part, color in (("train", "C0"), ("val", "C1"), ("test", "C2")):
        axes[1].hist(dates[metadata["split_temporal"] == part], bins=bins, color=color, label=part)
    axes[1].set(xlabel="upload date", ylabel="videos")
    axes[1].legend()
    return fig
