"""Figures of the generative chapters: loss curves, sample grids with row labels, strips."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from ..plotting import FULL_WIDTH


def loss_curves(histories: dict[str, pd.DataFrame], columns: Sequence[str], ylabel: str = "loss",
                smooth: int = 1, logy: bool = False) -> plt.Figure:
    """One panel per run, one line per column of its history (optionally a rolling mean)."""
    fig, axes = plt.subplots(1, len(histories), figsize=(FULL_WIDTH, 3.2), squeeze=False, sharey=True)
    for ax, (name, hist) in zip(axes[0], histories.items()):
        for col in columns:
            ax.plot(hist["step"], hist[col].rolling(smooth, min_periods=1).mean(), label=col)
        ax.set(title=name, xlabel="training step", ylabel=ylabel)
        if logy:
            ax.set_yscale("log")
        ax.legend()
    return fig


def labelled_rows(rows: dict[str, np.ndarray], ncols: int | None = None, width: float = FULL_WIDTH) -> plt.Figure:
    """A grid of uint8 images with one labelled row per entry of ``rows`` (label -> images)."""
    ncols = ncols or max(len(v) for v in rows.values())
    h, w = next(iter(rows.values())).shape[1:3]
    label_w = 1.1
    cell = (width - label_w) / ncols
    fig, axes = plt.subplots(len(rows), ncols + 1, squeeze=False, constrained_layout=False,
                             figsize=(width, len(rows) * cell * h / w * 1.08),
                             gridspec_kw={"width_ratios": [label_w / cell] + [1] * ncols})
    for r, (label, images) in enumerate(rows.items()):
        axes[r, 0].text(1.0, 0.5, label, ha="right", va="center", fontsize=8, transform=axes[r, 0].transAxes)
        for c in range(ncols + 1):
            axes[r, c].axis("off")
            if 0 < c <= len(images):
                axes[r, c].imshow(images[c - 1], interpolation="antialiased")
    fig.subplots_adjust(left=0.0, right=1.0, bottom=0.0, top=1.0, wspace=0.04, hspace=0.06)
    return fig


def strip(frames: np.ndarray, every: int = 1, width: float = FULL_WIDTH) -> plt.Figure:
    """Frames side by side in one row (every ``every``-th frame)."""
    frames = frames[::every]
    h, w = frames.shape[1:3]
    fig, axes = plt.subplots(1, len(frames), figsize=(width, width / len(frames) * h / w * 1.05),
                             constrained_layout=False, squeeze=False)
    for ax, frame in zip(axes[0], frames):
        ax.imshow(frame, interpolation="antialiased")
        ax.axis("off")
    fig.subplots_adjust(left=0.0, right=1.0, bottom=0.0, top=1.0, wspace=0.03)
    return fig


def frequency_bars(freq: pd.DataFrame) -> plt.Figure:
    """Grouped horizontal bars: one group per element, one bar per image set."""
    fig, ax = plt.subplots(figsize=(FULL_WIDTH, 0.32 * len(freq) + 1.0))
    freq.iloc[::-1].plot.barh(ax=ax, width=0.8)
    ax.set(xlabel="share of images in which the classifier detects the element", ylabel="")
    ax.legend(loc="lower right")
    return fig


def sampler_tradeoff(table: pd.DataFrame, n_images: int) -> plt.Figure:
    """KID against sampling seconds, one labelled point per sampler setting (log time axis)."""
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for _, r in table.iterrows():
        ax.scatter(r["seconds"], r["kid"], s=40)
        ax.annotate(f"{r['sampler']} {r['steps']}", (r["seconds"], r["kid"]), textcoords="offset points",
                    xytext=(5, 3))
    ax.set(xscale="log", xlabel=f"seconds for {n_images} images (log scale)", ylabel="KID (lower is better)")
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.margins(x=0.15, y=0.15)
    return fig


def quality_along_training(table: pd.DataFrame, n_images: int) -> plt.Figure:
    """Fréchet distance and KID of samples drawn at several points of training (columns images_seen, fd, kid)."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    for ax, metric, label in zip(axes, ("fd", "kid"), ("Fréchet distance", "KID")):
        ax.plot(table["images_seen"], table[metric], marker="o")
        ax.set(xscale="log", xlabel="training images seen (log scale)", ylabel=f"{label} (lower is better)")
    fig.suptitle(f"{n_images} samples per point, against the same real thumbnails", fontsize=9)
    return fig


def copy_share_by_size(table: pd.DataFrame) -> plt.Figure:
    """Copy share against training-set size (log axis), with the intervals' bars (columns n_train, copy_share, low, high)."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    err = np.vstack([table["copy_share"] - table["low"], table["high"] - table["copy_share"]])
    ax.errorbar(table["n_train"], table["copy_share"], yerr=err, marker="o", capsize=3)
    ax.set(xscale="log", xlabel="training thumbnails (log scale)", ylabel="share of samples flagged as copies",
           ylim=(-0.02, 1.02))
    return fig


def race_figure(summary: dict, reference: dict[str, float] | None = None) -> plt.Figure:
    """The equal-time race: each metric against training seconds, one line per generator, seed intervals as bars.

    ``summary`` is ``race.race_summary``; ``reference`` the same metrics of held-out real thumbnails (dashed).
    """
    panels = (("fd", "Fréchet distance ↓"), ("kid", "KID ↓"), ("precision", "precision ↑"), ("recall", "recall ↑"),
              ("coverage", "coverage ↑"))
    fig, axes = plt.subplots(1, len(panels), figsize=(FULL_WIDTH + 2, 2.9))
    budgets = sorted({float(b) for points in summary.values() for b in points})
    for ax, (metric, title) in zip(axes, panels):
        for name, points in summary.items():
            rows = sorted(points.values(), key=lambda p: p["seconds"])
            if not rows:   # it raced and reached no budget: in the legend, with no point
                ax.plot([], [], marker="o", ls="none", label=f"{name} (no budget reached)")
                continue
            x = [p["seconds"] for p in rows]
            y = np.array([p[metric] for p in rows])
            err = np.vstack([y - [p[f"{metric}_low"] for p in rows], [p[f"{metric}_high"] for p in rows] - y])
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=name)
        if reference is not None:
            ax.axhline(reference[metric], color="0.4", ls="--", lw=1, label="held-out real")
        ax.set(title=title, xlabel="training seconds", xscale="log")
        ax.set_xticks(budgets, [f"{b:g}" for b in budgets])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[0].legend(fontsize=8)
    return fig
