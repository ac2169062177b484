"""Read ``bench/results/results.json`` for the book's performance appendix."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .paths import REPO_ROOT

RESULTS_FILE = REPO_ROOT / "bench" / "results" / "results.json"
#: Row keys that name the amount of work (thumbnails) in a scaling row.
SIZE_KEYS = ("n_thumbnails", "n", "thumbnails", "n_videos", "n_images")


def load_results(path: str | Path | None = None) -> dict:
    """The results file written by ``make bench`` (raises a clear error when it is missing)."""
    path = Path(path) if path else RESULTS_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `make bench` first")
    return json.loads(path.read_text(encoding="utf-8"))


def ratio_table(results: dict) -> pd.DataFrame:
    """Every ratio every benchmark reported, one row each."""
    rows = [{"benchmark": b["name"], "ratio": key, "value": value}
            for b in results["benchmarks"] for key, value in (b.get("ratios") or {}).items()]
    return pd.DataFrame(rows, columns=["benchmark", "ratio", "value"])


def benchmark_table(benchmark: dict) -> pd.DataFrame:
    """The rows one benchmark measured, as a table."""
    return pd.DataFrame(benchmark.get("rows") or [])


def scaling_rows(results: dict) -> pd.DataFrame:
    """Rows that measured cost at several sizes: columns series, n, seconds, peak_mb."""
    out = []
    for bench in results["benchmarks"]:
        for row in bench.get("rows") or []:
            size_key = next((k for k in SIZE_KEYS if isinstance(row.get(k), (int, float))), None)
            if size_key is None or not isinstance(row.get("seconds"), (int, float)) or row["seconds"] <= 0:
                continue
            series = f"{bench['name'].removeprefix('bench_')}: {row.get('stage') or row.get('method') or 'all'}"
            out.append({"series": series, "n": row[size_key], "seconds": row["seconds"],
                        "peak_mb": row.get("peak_mb", np.nan)})
    frame = pd.DataFrame(out, columns=["series", "n", "seconds", "peak_mb"])
    counts = frame.groupby("series")["n"].transform("nunique")
    return frame[counts >= 3].reset_index(drop=True)  # a slope needs at least three sizes


def fitted_slopes(scaling: pd.DataFrame, column: str = "seconds") -> pd.Series:
    """Least-squares slope of log(cost) on log(n) per series: 1 means cost grows linearly with n."""
    def slope(group: pd.DataFrame) -> float:
        ok = group[column] > 0
        return float(np.polyfit(np.log(group.loc[ok, "n"]), np.log(group.loc[ok, column]), 1)[0])

    return scaling.groupby("series")[["n", column]].apply(slope).rename(f"slope_{column}")


def plot_scaling(scaling: pd.DataFrame) -> plt.Figure:
    """Seconds and peak memory against thumbnails, log-log, with each series' fitted slope."""
    has_memory = scaling["peak_mb"].notna().any()
    fig, axes = plt.subplots(1, 2 if has_memory else 1, figsize=(9, 4), squeeze=False)
    columns = [("seconds", "seconds")] + ([("peak_mb", "peak memory (MB)")] if has_memory else [])
    for ax, (column, label) in zip(axes[0], columns):
        data = scaling.dropna(subset=[column])
        slopes = fitted_slopes(data, column)
        for series, group in data.groupby("series"):
            group = group.sort_values("n")
            ax.plot(group["n"], group[column], marker="o", label=f"{series} (slope {slopes[series]:.2f})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("thumbnails")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    return fig
