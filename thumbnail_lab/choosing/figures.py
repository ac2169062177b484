"""Figures of chapter 06 (each returns a matplotlib Figure for ``plotting.save_fig``)."""
from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def candidate_grid(images: np.ndarray, true: np.ndarray, predicted: Mapping[str, np.ndarray]) -> plt.Figure:
    """Rows = videos, columns = candidates
    under each: true content and each ranker's score
    the true best boxed."""
    n, k = true.shape
    fig, axes = plt.subplots(n, k, figsize=(1.9 * k, 1.55 * n + 0.2), squeeze=False)
    for i in range(n):
        for j in range(k):
            ax = axes[i, j]
            ax.imshow(images[i, j])
            ax.set_xticks([])
            ax.set_yticks([])
            lines = [f"true {true[i, j] - true[i].mean():+.2f}"] + [f"{name} {s[i, j] - s[i].mean():+.2f}"
                                                                  for name, s in predicted.items()]
            ax.set_xlabel("\n".join(lines), fontsize=6)
            if np.isclose(true[i, j], true[i].max()):
                for side in ax.spines.values():
                    side.set_edgecolor("tab:green")
                    side.set_linewidth(2.5)
    fig.tight_layout()
    return fig


def picking_bars(table: pd.DataFrame) -> plt.Figure:
    """p(best) and uplift share of each ranker with intervals, p(best)'s chance level dotted."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    y = np.arange(len(table))
    for ax, metric in zip(axes, ("p_best", "uplift_share")):
        v = table[metric].astype(float)
        err = np.vstack([v - table[f"{metric}_low"].astype(float), table[f"{metric}_high"].astype(float) - v])
        ax.barh(y, v, xerr=err, color="tab:blue", alpha=0.8, capsize=3)
        chance = table[f"{metric}_chance"].astype(float)
        ax.scatter(chance, y, marker="|", s=300, color="k", label="chance (a random pick)")
        ax.set_yticks(y, table.index)
        ax.set_xlabel(metric.replace("_", " "))
    axes[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def planning_panel(uplifts: np.ndarray, impressions: np.ndarray, rates: Mapping[str, tuple[float, float, float]],
                   alpha: float) -> plt.Figure:
    """Left: impressions per arm needed against the relative CTR uplift. Right: false-winner rates with intervals."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.loglog(100 * uplifts, impressions, "o-")
    a.minorticks_off()
    a.set_xticks(100 * uplifts, [f"{100 * u:g}" for u in uplifts])
    a.set_xlabel("relative CTR uplift (%)")
    a.set_ylabel("impressions per arm")
    names = list(rates)
    vals = np.array([rates[k][0] for k in names])
    err = np.array([[rates[k][0] - rates[k][1], rates[k][2] - rates[k][0]] for k in names]).T
    b.bar(names, vals, yerr=err, capsize=4, color=["tab:gray", "tab:red", "tab:green"][:len(names)])
    b.axhline(alpha, ls=":", color="k", label=f"alpha = {alpha}")
    b.set_ylabel("false-winner rate")
    b.legend(fontsize=7)
    fig.tight_layout()
    return fig


def prescreen_bars(table: pd.DataFrame) -> plt.Figure:
    """Extra clicks per 1,000 impressions of each strategy over a random upload, with intervals."""
    fig, ax = plt.subplots(figsize=(6, 2.8))
    y = np.arange(len(table))
    err = np.vstack([table["value"] - table["low"], table["high"] - table["value"]])
    ax.barh(y, table["value"], xerr=err, capsize=3, color="tab:purple", alpha=0.8)
    ax.set_yticks(y, table.index)
    ax.set_xlabel("extra clicks per 1,000 impressions vs a random candidate")
    ax.axvline(0, color="k", lw=0.8)
    fig.tight_layout()
    return fig


def sample_rows(rows: Mapping[str, np.ndarray], n: int = 8) -> plt.Figure:
    """One row of ``n`` samples per label."""
    fig, axes = plt.subplots(len(rows), n, figsize=(1.6 * n, 1.05 * len(rows) + 0.2), squeeze=False)
    for i, (name, imgs) in enumerate(rows.items()):
        for j in range(n):
            ax = axes[i, j]
            ax.axis("off")
            if j < len(imgs):
                ax.imshow(imgs[j])
        axes[i, 0].set_title(name, fontsize=7, loc="left")
    fig.tight_layout()
    return fig


def guidance_gap(table: pd.DataFrame, best_of: pd.DataFrame | None = None) -> plt.Figure:
    """Predicted (by the steering model) and true (estimated) uplift against guidance strength, with intervals."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for kind, colour in (("predicted", "tab:red"), ("true", "tab:blue")):
        v = table[f"{kind}_uplift"]
        ax.errorbar(table["strength"], v, yerr=[v - table[f"{kind}_low"], table[f"{kind}_high"] - v], marker="o",
                    color=colour, capsize=3, label=f"{kind} uplift (gradient guidance)")
    if best_of is not None and len(best_of):
        for kind, colour in (("predicted", "tab:red"), ("true", "tab:blue")):
            ax.scatter([table["strength"].max() * 1.15], best_of[f"{kind}_uplift"], marker="s", color=colour,
                       facecolors="none", label=f"{kind} uplift (best-of-N)")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("guidance strength")
    ax.set_ylabel("uplift over unguided samples (log10 views)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
