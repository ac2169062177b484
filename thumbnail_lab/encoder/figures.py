"""Figures of the encoder page: probe AUCs per element, nearest neighbours, resolution."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import FULL_WIDTH

ENCODER_LABELS = {"pretrained": "pretrained (no labels)", "autoencoder": "pixel autoencoder",
                  "random_init": "random weights (floor)", "supervised_ceiling": "trained on labels (ceiling)"}
ENCODER_COLOURS = {"pretrained": "#0072B2", "autoencoder": "#E69F00", "random_init": "#999999",
                   "supervised_ceiling": "#009E73"}


def probe_figure(table: pd.DataFrame, encoders: Sequence[str], title: str | None = None) -> plt.Figure:
    """Held-out probe AUC per element (rows of ``table``) for each encoder, as grouped horizontal bars."""
    elements = list(table.index)
    fig, ax = plt.subplots(figsize=(FULL_WIDTH, 0.32 * len(elements) * len(encoders) / 2 + 1.2))
    height = 0.8 / len(encoders)
    y = np.arange(len(elements))
    for k, name in enumerate(encoders):
        ax.barh(y + (k - (len(encoders) - 1) / 2) * height, table[name], height=height,
                color=ENCODER_COLOURS.get(name), label=f"{ENCODER_LABELS.get(name, name)} (mean {table[name].mean():.3f})")
    ax.set_yticks(y, elements)
    ax.invert_yaxis()
    ax.axvline(0.5, color="black", lw=0.8, ls=":")
    ax.axvline(0.9, color="black", lw=0.8, ls="--")
    ax.set_xlim(0.4, 1.0)
    ax.set_xlabel("held-out ROC AUC of a linear probe")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def neighbours_figure(images: np.ndarray, queries: np.ndarray, neighbours: Sequence[np.ndarray],
                      names: Sequence[str]) -> plt.Figure:
    """One row per query: the query, then its nearest neighbours under each encoder in ``names``."""
    k = neighbours[0].shape[1]
    ncols = 1 + k * len(names)
    fig, axes = plt.subplots(len(queries), ncols, figsize=(FULL_WIDTH * 1.25, 0.42 * len(queries) * 1.25 + 0.4),
                             squeeze=False, constrained_layout=False)
    for r, q in enumerate(queries):
        panels = [images[q]] + [images[i] for nb in neighbours for i in nb[r]]
        for c, (ax, img) in enumerate(zip(axes[r], panels)):
            ax.imshow(img, interpolation="antialiased")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(c == 0)
                spine.set_color("black")
                spine.set_linewidth(2)
    axes[0, 0].set_title("query", fontsize=8)
    for j, name in enumerate(names):
        axes[0, 1 + j * k + k // 2].set_title(f"nearest under: {ENCODER_LABELS.get(name, name)}", fontsize=8)
    fig.subplots_adjust(left=0.005, right=0.995, bottom=0.005, top=0.95, wspace=0.05, hspace=0.08)
    return fig


def resolution_figure(auc: pd.DataFrame, threshold: float = 0.9) -> plt.Figure:
    """Ceiling AUC of each element against the thumbnail resolution."""
    fig, ax = plt.subplots(figsize=(FULL_WIDTH * 0.6, 3.2))
    x = np.arange(len(auc.columns))
    for e in auc.index:
        ax.plot(x, auc.loc[e], marker="o", label=e)
    ax.axhline(threshold, color="black", ls="--", lw=0.8)
    ax.set_xticks(x, auc.columns)
    ax.set_xlabel("thumbnail size (pixels)")
    ax.set_ylabel("ceiling probe AUC")
    ax.legend(fontsize=8)
    return fig
