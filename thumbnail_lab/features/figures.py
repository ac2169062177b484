"""The chapter's figures, drawn from analysis results (the chapter calls one function per figure)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator
from PIL import Image

from ..plotting import FULL_WIDTH, image_grid
from .pipeline import FeatureAnalysis
from .stats import pvalue_text


def _plain_log_ticks(axis) -> None:
    """Log-scale ticks written as 0.5, 1, 2 rather than 5x10^-1."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def load_thumbnails(paths: Sequence[Path], width: int = 160, height: int = 90) -> np.ndarray:
    """Read a few thumbnails from disk at display size (uint8, N x H x W x 3)."""
    return np.stack([np.asarray(Image.open(p).convert("RGB").resize((width, height), Image.BILINEAR)) for p in paths])


def feature_grid(paths: Sequence[Path], members: np.ndarray, table: pd.DataFrame, n_top: int = 11,
                 title: str = "") -> plt.Figure:
    """One row per feature: its ``n_top`` highest-activating thumbnails (the first is the held-out one)."""
    rows = members[:, :n_top]
    images = load_thumbnails([paths[i] for i in rows.ravel()])
    titles = []
    for _r, (_, feat) in enumerate(table.iterrows()):
        label = f"#{feat['feature']} ×{feat['magnitude']:.2f}"
        titles += [label + (f" {feat['dominant_element']}" if "dominant_element" in feat else "")] + [""] * (n_top - 1)
    return image_grid(images, ncols=n_top, titles=titles, suptitle=title)


def corpus_grid(paths: Sequence[Path], members: np.ndarray, corpus_images: np.ndarray, corpus_members: np.ndarray,
                table: pd.DataFrame, n_top: int = 11) -> plt.Figure:
    """Two rows per feature: its top thumbnails in the analysed dataset, then in the SAE's own corpus.

    The published analysis showed both to diagnose the domain shift between the corpus the SAE
    learned on and the thumbnails it is applied to. ``corpus_images`` is the corpus as a uint8
    array (shown at the analysed thumbnails' size); ``-1`` in ``corpus_members`` (a latent active
    on fewer corpus images) leaves a blank cell.
    """
    from PIL import Image

    images, titles = [], []
    blank = None
    for r, (_, feat) in enumerate(table.iterrows()):
        row = load_thumbnails([paths[i] for i in members[r, :n_top]])
        blank = np.full_like(row[0], 255) if blank is None else blank
        size = (blank.shape[1], blank.shape[0])
        crow = [np.asarray(Image.fromarray(np.asarray(corpus_images[i])).resize(size, Image.BILINEAR))
                for i in corpus_members[r, :n_top] if i >= 0]
        images += list(row) + crow + [blank] * (n_top - len(crow))
        name = f"#{feat['feature']}" + (f" {feat['dominant_element']}" if "dominant_element" in feat else "")
        titles += [f"{name}: analysed"] + [""] * (n_top - 1) + [f"{name}: SAE corpus"] + [""] * (n_top - 1)
    return image_grid(images, ncols=n_top, titles=titles)


def random_groups_figure(analysis: FeatureAnalysis, label: str = "feature groups") -> plt.Figure:
    """Histogram of feature-group medians and random-group medians (log10 views), KS in the title."""
    fig, ax = plt.subplots(figsize=(FULL_WIDTH, 3.6))
    a = np.log10(analysis.table["group_stat"])
    b = np.log10(analysis.random_stats)
    bins = np.linspace(min(a.min(), b.min()), max(a.max(), b.max()), 40)
    ax.hist(b, bins=bins, alpha=0.6, label=f"random groups (n={len(b)})", density=True)
    ax.hist(a, bins=bins, alpha=0.6, label=f"{label} (n={len(a)})", density=True)
    ax.axvline(np.log10(analysis.dataset_stat), color="k", ls="--", lw=1, label=f"dataset {analysis.params.statistic}")
    ax.set(xlabel=f"log10 {analysis.params.statistic} views of a group", ylabel="density",
           title=f"KS D = {analysis.ks.statistic:.3f}, {pvalue_text(analysis.ks.pvalue)} (published way)")
    ax.legend()
    return fig


def held_out_figure(analysis: FeatureAnalysis) -> plt.Figure:
    """Simulated null medians of random groups with the held-out HHM and LHM marked."""
    h = analysis.held_out
    fig, ax = plt.subplots(figsize=(FULL_WIDTH, 3.6))
    null = np.log10(analysis.null_high)
    ax.hist(null, bins=80, density=True, color="0.6", label=f"{h.n_sim:,} random groups of {h.n_high} videos")
    ax.axvline(np.log10(h.high_held_out_stat), color="C2", lw=2,
               label=f"held-out, high-view features ({h.n_high} distinct): P(random ≥) = {h.p_random_ge_high:.2g}")
    ax.axvline(np.log10(h.low_held_out_stat), color="C3", lw=2,
               label=f"held-out, low-view features ({h.n_low} distinct): P(random ≤) = {h.p_random_le_low:.2g}")
    lines = np.log10([h.high_held_out_stat, h.low_held_out_stat])
    lo, hi = np.quantile(null, [0.0005, 0.9995])
    ax.set_xlim(min(lo, lines.min()) - 0.05, max(hi, lines.max()) + 0.05)   # a few far outliers would squash the plot
    ax.set(xlabel=f"log10 {analysis.params.statistic} views", ylabel="density")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def magnitude_figure(high: pd.DataFrame, low: pd.DataFrame, dataset_stat: float, statistic: str = "median") -> plt.Figure:
    """Each high/low feature's group statistic over the dataset's, with bootstrap intervals (log scale).

    The features were selected for being extreme, so these intervals cover their groups' true
    statistics less often than their nominal level; the split-sample intervals do not have that problem.
    """
    dataset_median = dataset_stat
    fig, ax = plt.subplots(figsize=(FULL_WIDTH, 3.8))
    both = pd.concat([high.assign(kind="high"), low.iloc[::-1].assign(kind="low")], ignore_index=True)
    x = np.arange(len(both))
    colors = np.where(both["kind"] == "high", "C2", "C3")
    err = np.vstack([both["magnitude"] - both["ci_low"] / dataset_median, both["ci_high"] / dataset_median - both["magnitude"]])
    ax.bar(x, both["magnitude"] - 1, bottom=1, color=colors)
    ax.errorbar(x, both["magnitude"], yerr=err, fmt="none", ecolor="k", lw=0.8, capsize=2)
    ax.axhline(1, color="k", lw=1)
    ax.set_yscale("log")
    _plain_log_ticks(ax.yaxis)
    ax.set_xticks(x, [str(f) for f in both["feature"]], rotation=90, fontsize=7)
    ax.set(xlabel="feature (high-view left, low-view right)", ylabel=f"group {statistic} / dataset {statistic}")
    return fig


def calibration_rates_figure(table: pd.DataFrame) -> plt.Figure:
    """False-alarm rate of each test the published way and the corrected way, with the calibrated band.

    ``table`` is ``calibration.calibration_table``: one row per test; the grey band is the
    binomial 95 % interval of a calibrated test's rate over that many repeats.
    """
    fig, ax = plt.subplots(figsize=(FULL_WIDTH * 0.75, 3.4))
    x = np.arange(len(table))
    kinds = [("published_rate", "published way", "C3"), ("distinct_rate", "duplicates collapsed", "C1"),
             ("corrected_rate", "whole pipeline (corrected)", "C0")]
    for i, (col, label, color) in enumerate(kinds):
        ax.bar(x + (i - 1) * 0.27, table[col].fillna(0), width=0.25, color=color, label=label)
    row = table.iloc[0]
    ax.axhspan(row["interval_low"], row["interval_high"], color="0.85", zorder=0,
               label=f"calibrated: 95 % of {int(row['n_repeats'])} repeats")
    ax.axhline(row["alpha"], color="k", lw=1, ls="--", label=f"α = {row['alpha']:g}")
    ax.set_xticks(x, table.index)
    ax.set(ylabel="share of repeats with p < α")
    ax.legend(fontsize=8, loc="upper right")
    return fig


def replication_figure(tables: dict[str, pd.DataFrame], statistic: str = "median") -> plt.Figure:
    """Selected on one part, measured on the other: one panel per split.

    x: the magnitude on the part the features were selected on (extreme by construction);
    y: the magnitude measured on the other part, with its bootstrap interval. Points that
    fall back towards 1 from the diagonal are the selection's regression to the mean.
    """
    fig, axes = plt.subplots(1, len(tables), figsize=(FULL_WIDTH, 3.8), sharex=True, sharey=True, squeeze=False)
    for ax, (name, t) in zip(axes[0], tables.items()):
        m = t[t["measured"]]
        scale = m["stat_measure"] / m["magnitude_measure"]            # the measured part's dataset statistic
        for status, color in (("high", "C2"), ("low", "C3")):
            s, sc = m[m["status"] == status], scale[m["status"] == status]
            ax.errorbar(s["magnitude_select"], s["magnitude_measure"],
                        yerr=[s["magnitude_measure"] - s["ci_low"] / sc, s["ci_high"] / sc - s["magnitude_measure"]],
                        fmt="o", ms=4, color=color, lw=0.8, capsize=2, label=f"{status}-view when selected")
        both = m[["magnitude_select", "magnitude_measure"]]
        lim = [both.min().min() * 0.8, both.max().max() * 1.25] if len(m) else [0.5, 2]
        ax.plot(lim, lim, "k--", lw=0.8)
        ax.axhline(1, color="k", lw=1)
        ax.set(xscale="log", yscale="log", title=name, xlabel="magnitude where selected")
        _plain_log_ticks(ax.xaxis)
        _plain_log_ticks(ax.yaxis)
    axes[0, 0].set_ylabel(f"magnitude measured on the other part ({statistic})")
    axes[0, 0].legend(fontsize=8)
    return fig


def lift_figure(random_lifts: np.ndarray, lifts: dict[str, np.ndarray]) -> plt.Figure:
    """Lift of the dominant element: random groups of thumbnails (grey) against the listed features."""
    fig, ax = plt.subplots(figsize=(FULL_WIDTH * 0.75, 3.4))
    values = np.concatenate([random_lifts, *lifts.values()])
    bins = np.linspace(values.min(), values.max(), 40)
    ax.hist(random_lifts, bins=bins, density=True, color="0.7", label=f"{len(random_lifts):,} random groups")
    for (name, lift), color in zip(lifts.items(), ("C2", "C3", "C0")):
        ax.hist(lift, bins=bins, density=True, histtype="step", lw=2, color=color, label=f"{name} (n={len(lift)})")
    ax.axvline(np.quantile(random_lifts, 0.95), color="k", ls="--", lw=1, label="95th percentile of random groups")
    ax.set(xlabel="lift of the dominant element (share in group − share in dataset)", ylabel="density")
    ax.legend(fontsize=8)
    return fig


def content_coverage_figure(tables: dict[str, pd.DataFrame], min_ratio: float = 2.0) -> plt.Figure:
    """Per planted element, the best over-representation any feature of each encoder reaches (bars), the target line.

    ``tables`` maps an encoder's name to its ``planted_element_coverage``; elements the supervised
    ceiling cannot see are hatched (they are not part of the target).
    """
    first = next(iter(tables.values()))
    elements = first["element"].tolist()
    fig, ax = plt.subplots(figsize=(FULL_WIDTH * 0.8, 0.45 * len(elements) + 1.4))
    height = 0.8 / max(1, len(tables))
    y = np.arange(len(elements))
    for k, (name, table) in enumerate(tables.items()):
        t = table.set_index("element").loc[elements]
        bars = ax.barh(y + k * height, t["best_ratio"], height=height, color=f"C{k}", label=name)
        for bar, eligible in zip(bars, t["eligible"]):
            if not eligible:
                bar.set_hatch("//")
                bar.set_alpha(0.5)
    if "max_ratio" in first and first["max_ratio"].notna().any():
        ax.scatter(first["max_ratio"], y + height * (len(tables) - 1) / 2, marker="|", s=200, color="k", zorder=3,
                   label="largest possible (1 / base rate)")
    labels = [f"{e} ({v:+.2f})" for e, v in zip(elements, first["effect"])]
    ax.set_yticks(y + height * (len(tables) - 1) / 2, labels)
    ax.invert_yaxis()
    ax.axvline(min_ratio, color="k", ls="--", lw=1, label=f"target: {min_ratio:g}x the base rate")
    ax.axvline(1.0, color="0.5", ls=":", lw=1, label="no over-representation")
    ax.set(xlabel="best share in a feature group it dominates / its base rate (0: dominates none)",
           ylabel="planted element (effect on log10 views)")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def adjustment_figure(raw: FeatureAnalysis, adjusted: FeatureAnalysis, names: pd.Series | None = None) -> plt.Figure:
    """Raw vs adjusted magnitude of every feature, high/low status by colour, changed ones labelled."""
    a = raw.table.set_index("feature")
    b = adjusted.table.set_index("feature").loc[a.index]
    fig, ax = plt.subplots(figsize=(FULL_WIDTH * 0.7, 4.4))
    for status, color in (("middle", "0.7"), ("high", "C2"), ("low", "C3")):
        m = a["status"] == status
        ax.scatter(a.loc[m, "magnitude"], b.loc[m, "magnitude"], s=14, color=color, label=f"{status} on raw views")
    changed = a.index[(a["status"] != b["status"]) & (a["status"] != "middle")]
    for i, f in enumerate(changed):
        # alternate the label offsets: neighbouring features often sit close together
        ax.annotate(f"#{f}" + (f" {names[f]}" if names is not None and f in names else ""),
                    (a.loc[f, "magnitude"], b.loc[f, "magnitude"]), fontsize=7,
                    xytext=(4, 9 * ((i % 5) - 2)), textcoords="offset points",
                    arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "0.5"})
    lim = [min(a["magnitude"].min(), b["magnitude"].min()) * 0.9, max(a["magnitude"].max(), b["magnitude"].max()) * 1.1]
    ax.plot(lim, lim, "k--", lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="magnitude on raw views", ylabel="magnitude on adjusted views")
    _plain_log_ticks(ax.xaxis)
    _plain_log_ticks(ax.yaxis)
    ax.legend(fontsize=8)
    return fig


def calibration_figure(pvalues: dict[str, np.ndarray], alpha: float) -> plt.Figure:
    """Sorted p-values against uniform quantiles (QQ), one line per analysis, with the nominal level."""
    fig, axes = plt.subplots(1, 2, figsize=(FULL_WIDTH, 3.8))
    for name, p in pvalues.items():
        p = np.sort(np.asarray(p))
        q = (np.arange(1, p.size + 1) - 0.5) / p.size
        axes[0].plot(q, p, marker=".", ms=3, lw=1, label=f"{name} ({(p < alpha).mean():.0%} < α)")
        axes[1].hist(p, bins=np.linspace(0, 1, 21), histtype="step", lw=1.5, density=True, label=name)
    axes[0].plot([0, 1], [0, 1], "k--", lw=0.8, label="uniform (calibrated)")
    axes[0].set(xlabel="uniform quantile", ylabel="feature p-value (sorted)", title="QQ plot")
    axes[1].axhline(1, color="k", ls="--", lw=0.8)
    axes[1].set(xlabel="feature p-value", ylabel="density", title=f"histogram (nominal α = {alpha})")
    axes[0].legend(fontsize=8)
    return fig
