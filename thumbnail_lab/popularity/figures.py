"""The chapter's figures, one function each, so the chapter's cells stay one line long."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import displayable
from .explain import word_colours
from .registry import is_oracle


def targets_overview(log_views: np.ndarray, median: float, edges: np.ndarray,
                     channel_relative: np.ndarray) -> plt.Figure:
    """Histogram of log10 views with the popular cut and the quintile edges; channel-relative beside it."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    axes[0].hist(log_views, bins=40, color="C0", alpha=0.8)
    for e in edges:
        axes[0].axvline(e, color="0.3", ls=":", lw=1)
    axes[0].axvline(median, color="C3", lw=2, label="popular / unpopular cut (train median)")
    axes[0].set(xlabel="log10 views", ylabel="videos", title="targets 1, 3, 4: log views, median, quintiles")
    axes[0].legend(loc="upper left", fontsize=8)
    axes[1].hist(channel_relative, bins=40, color="C2", alpha=0.8)
    axes[1].set(xlabel="log10(views / channel median)", title="target 2: channel-relative views")
    return fig


def learning_curves(histories: Mapping[str, list[dict]]) -> plt.Figure:
    """Training and validation loss per epoch of each image model."""
    fig, axes = plt.subplots(1, len(histories), figsize=(9, 3), squeeze=False)
    for ax, (name, hist) in zip(axes[0], histories.items()):
        h = pd.DataFrame(hist)
        ax.plot(h["epoch"], h["train_loss"], "o-", label="train (augmented)")
        ax.plot(h["epoch"], h["val_loss"], "s-", label="validation")
        ax.axhline(1.0, color="0.5", ls=":", lw=1, label="predict the mean")
        ax.set(title=name, xlabel="epoch", ylabel="MSE (standardised targets)")
        ax.legend(fontsize=8)
    return fig


def fusion_sweep(tables: Mapping[str, pd.DataFrame], chosen: float) -> plt.Figure:
    """Spearman and accuracies against the image weight, on validation and test rows."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for part, tab in tables.items():
        ls = "--" if part == "val" else "-"
        axes[0].plot(tab["image_weight"], tab["log_views_spearman"], ls, marker="o", label=f"Spearman ({part})")
        axes[1].plot(tab["image_weight"], tab["popular_accuracy"], ls, marker="o", color="C1",
                     label=f"popular accuracy ({part})")
        axes[1].plot(tab["image_weight"], tab["ordinal_adjacent_accuracy"], ls, marker="s", color="C2",
                     label=f"5-class adjacent-credit accuracy ({part})")
    for ax in axes:
        ax.axvline(chosen, color="0.4", ls=":", lw=1)
        ax.set_xlabel("weight of the image model (0 = title only, 1 = thumbnail only)")
        ax.legend(fontsize=7, loc="lower left")
    axes[0].set_ylabel("Spearman with log views")
    axes[1].set_ylabel("accuracy")
    return fig


def oracle_fractions(table: pd.DataFrame, split: str, metric: str = "spearman",
                     targets: Sequence[str] = ("log_views", "channel_relative", "adjusted")) -> plt.Figure:
    """Horizontal bars: each model's ``metric`` as a fraction of its benchmark, one panel per target.

    The content benchmark is a ceiling only on adjusted views; the axis always reaches past the largest bar.
    """
    sub = table[(table["split"] == split) & (table["metric"] == metric) & ~table["model"].map(is_oracle)
                & table["target"].isin(targets)]
    targets = [t for t in targets if t in set(sub["target"])]
    models = list(dict.fromkeys(sub["label"]))
    fig, axes = plt.subplots(1, len(targets), figsize=(9, 0.28 * len(models) + 1.4), sharey=True, squeeze=False)
    for ax, target in zip(axes[0], targets):
        t = sub[sub["target"] == target].set_index("label").reindex(models)
        colours = ["C0" if o == "content" else "C1" for o in t["oracle"]]
        ax.barh(range(len(models)), t["fraction_of_oracle"], color=colours)
        ax.axvline(0, color="k", lw=0.8)
        ax.axvline(1, color="0.4", ls="--", lw=1)
        kind = "ceiling" if target == "adjusted" else "benchmark, not a ceiling"
        ax.set(title=f"{target.replace('_', ' ')}\n({kind})", xlabel=f"share of benchmark {metric}")
        vals = t["fraction_of_oracle"].to_numpy(float)
        lo = min(-0.1, np.nanmin(vals) - 0.05) if np.isfinite(vals).any() else -0.1
        hi = max(1.15, np.nanmax(vals) + 0.1) if np.isfinite(vals).any() else 1.15
        ax.set_xlim(lo, hi)
    axes[0][0].set_yticks(range(len(models)), models)
    axes[0][0].invert_yaxis()
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in ("C0", "C1")]
    fig.legend(handles, ["vs content benchmark (thumbnail/title)", "vs full oracle (channel/age)"],
               loc="lower center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, -0.06))
    return fig


def feature_fusion_curves(history: Mapping[float, list[dict]], chance: float, majority: float,
                          chosen: float) -> plt.Figure:
    """Train (dashed) and validation (solid) accuracy per epoch of each image weight's classifier, with chance."""
    fig, ax = plt.subplots(figsize=(9, 3.4), constrained_layout=True)
    for k, (w, hist) in enumerate(sorted(history.items())):
        h = pd.DataFrame(hist)
        colour = plt.cm.viridis(k / max(1, len(history) - 1))
        ax.plot(h["epoch"], h["val_accuracy"], "-", color=colour, lw=2.2 if w == chosen else 1.2,
                label=f"w = {w:g}" + (" (chosen)" if w == chosen else ""))
        ax.plot(h["epoch"], h["train_accuracy"], "--", color=colour, lw=0.8)
    ax.axhline(chance, color="k", ls=":", lw=1, label="chance: shuffled labels")
    ax.axhline(majority, color="C3", ls=":", lw=1, label="majority class")
    ax.set(xlabel="epoch", ylabel="accuracy (5 fixed-threshold classes)",
           title="feature-level fusion: validation (solid) and train (dashed) accuracy per image weight w")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def interval_dots(table: pd.DataFrame, target: str, metric: str, hue: str = "split",
                  chance: float | None = None, title: str = "") -> plt.Figure:
    """Point estimates with bootstrap intervals, models (by label) down the side, one colour per ``hue`` value."""
    sub = table[(table["target"] == target) & (table["metric"] == metric)]
    models = list(dict.fromkeys(sub["label"]))
    levels = list(dict.fromkeys(sub[hue]))
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(models) * max(1, len(levels)) ** 0.5 + 1.2))
    for k, level in enumerate(levels):
        s = sub[sub[hue] == level].set_index("label").reindex(models)
        y = np.arange(len(models)) + (k - (len(levels) - 1) / 2) * 0.22
        ax.errorbar(s["value"], y, xerr=[s["value"] - s["low"], s["high"] - s["value"]], fmt="o", ms=4,
                    capsize=2, label=str(level), color=f"C{k}")
    if chance is not None:
        ax.axvline(chance, color="k", ls=":", lw=1, label="chance")
    ax.set_yticks(range(len(models)), models)
    ax.set_ylim(len(models) - 0.5, -0.5)  # first model on top, with room for every row's dots
    ax.set(xlabel=f"{metric} ({target.replace('_', ' ')}), 95% interval resampling channels", title=title)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def heatmap_grid(images: np.ndarray, maps: np.ndarray, titles: Sequence[str], suptitle: str = "",
                 ncols: int = 6) -> plt.Figure:
    """Thumbnails (top) with their heatmaps overlaid (bottom), in column pairs."""
    n = len(images)
    rows = int(np.ceil(n / ncols))
    h, w = images.shape[1:3]
    fig, axes = plt.subplots(2 * rows, ncols, figsize=(9, 2 * rows * 9 / ncols * h / w * 1.15), squeeze=False,
                             constrained_layout=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i in range(n):
        r, c = 2 * (i // ncols), i % ncols
        axes[r][c].imshow(images[i], interpolation="antialiased")
        axes[r][c].set_title(titles[i], fontsize=7, pad=2)
        axes[r + 1][c].imshow(images[i], interpolation="antialiased")
        axes[r + 1][c].imshow(maps[i], cmap="inferno", alpha=0.55, vmin=0, vmax=1, interpolation="bilinear")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9, wspace=0.05, hspace=0.2)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def _word_row(ax, renderer, row: float, words, colours, x: float = 0.2) -> None:
    """Draw ``words`` on one line of ``ax`` from ``x``, each on its own coloured box."""
    for word, colour in zip(words, colours):
        dark = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2] < 0.5
        t = ax.text(x, row, displayable(word), fontsize=9, va="center", color="white" if dark else "black",
                    bbox=dict(boxstyle="round,pad=0.15", fc=colour, ec="none"))
        bb = t.get_window_extent(renderer=renderer).transformed(ax.transData.inverted())
        x = bb.x1 + 0.012


def coloured_titles(items: Sequence[tuple[str, float, list[tuple[str, float]]]],
                    attention: Sequence[list[tuple[str, float]]] | None = None) -> plt.Figure:
    """Each title with words coloured by their leave-one-word-out attribution (blue up, red down), and,
    with ``attention``, a second line with the attention model's weight per word (darker = more weight)."""
    import matplotlib

    scale = max([abs(a) for _, _, attr in items for _, a in attr] + [1e-9])
    per = 2 if attention is not None else 1
    fig, ax = plt.subplots(figsize=(9, 0.42 * per * len(items) + 0.6))
    ax.axis("off")
    ax.set_xlim(0, 1)
    ax.set_ylim(per * len(items), -0.6)
    renderer = fig.canvas.get_renderer()
    greens = matplotlib.colormaps["Greens"]
    for k, (_title, pred, attr) in enumerate(items):
        row = per * k
        ax.text(0.0, row, f"{pred:5.2f} LOWO", fontsize=8, va="center", family="monospace")
        _word_row(ax, renderer, row, [w for w, _ in attr], word_colours(attr, scale))
        if attention is not None:
            weights = np.array([a for _, a in attention[k]], float)
            ax.text(0.0, row + 0.9, "      attention", fontsize=8, va="center", family="monospace", color="0.3")
            _word_row(ax, renderer, row + 0.9, [w for w, _ in attention[k]],
                      [greens(0.1 + 0.9 * v / max(weights.max(), 1e-9)) for v in weights])
    ax.set_title("predicted log10 views, then the title: blue words raise the prediction, red words lower it "
                 f"(full scale ±{scale:.3f} log10)" + ("; green: BiLSTM attention weight" if attention else ""),
                 fontsize=9, loc="left")
    return fig


def recovered_vs_planted(table: pd.DataFrame) -> plt.Figure:
    """Implied element effect (with interval) against the planted one, one colour per model (by label)."""
    fig, ax = plt.subplots(figsize=(7, 5))
    models = list(dict.fromkeys(table["label"]))
    for k, model in enumerate(models):
        t = table[table["label"] == model]
        jitter = (k - (len(models) - 1) / 2) * 0.004
        ax.errorbar(t["planted"] + jitter, t["effect"], yerr=[t["effect"] - t["low"], t["high"] - t["effect"]],
                    fmt="o", ms=4, capsize=2, label=model, color=f"C{k}", alpha=0.85)
    lo = min(table["planted"].min(), table["low"].min()) - 0.02
    hi = max(table["planted"].max(), table["high"].max()) + 0.02
    ax.plot([lo, hi], [lo, hi], color="0.4", ls="--", lw=1, label="recovered = planted")
    first = table[table["label"] == models[0]]
    for _, r in first.iterrows():
        ax.annotate(r["element"], (r["planted"], r["effect"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set(xlabel="planted change in log10 views for the same redraw (ThumbWorld truth)",
           ylabel="change in the model's prediction",
           title="recovered vs planted element effects (test thumbnails redrawn with / without)")
    ax.legend(fontsize=8)
    return fig


def score_distributions(scores: Mapping[str, np.ndarray]) -> plt.Figure:
    """Histograms of predicted log10 views for real and generated thumbnails."""
    fig, ax = plt.subplots(figsize=(9, 3.2))
    for k, (name, s) in enumerate(scores.items()):
        ax.hist(s, bins=30, density=True, alpha=0.45, color=f"C{k}", label=f"{name} (n={len(s)})")
        ax.axvline(np.median(s), color=f"C{k}", lw=2)
    ax.set(xlabel="predicted log10 views (small CNN)", ylabel="density")
    ax.legend(fontsize=8)
    return fig
