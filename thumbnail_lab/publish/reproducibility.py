"""Read what each chapter's execution recorded, for the appendix "Reproducing this book"."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

#: Budgets for the default profile on a 2-core laptop CPU (see the performance appendix).
BOOK_MINUTES_BUDGET = 25.0
BOOK_MEMORY_BUDGET_MB = 6 * 1024.0


def executed_dir(default: str | Path = ".") -> Path:
    """Folder of executed notebooks: ``$THUMBNAIL_LAB_EXECUTED_DIR`` (set by the runner) or ``default``."""
    return Path(os.environ.get("THUMBNAIL_LAB_EXECUTED_DIR", default))


def _title(nb: dict) -> str:
    """The first level-one heading of a notebook."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def slowest_cells(folder: Path, n: int = 12) -> pd.DataFrame:
    """The ``n`` code cells that took longest in the executed notebooks of ``folder``, from papermill's
    per-cell durations: chapter, section (the last heading above the cell), first code line, seconds and
    the cell's share of its chapter's and of the whole run's cell time."""
    rows = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        chapter = (nb.get("metadata", {}).get("thumbnail_lab") or {}).get("chapter")
        section = ""
        for cell in nb.get("cells", []) if chapter else []:
            source = "".join(cell.get("source", ""))
            if cell.get("cell_type") == "markdown":
                section = next((line.lstrip("#").strip() for line in reversed(source.splitlines())
                                if line.startswith("#")), section)
                continue
            seconds = (cell.get("metadata", {}).get("papermill") or {}).get("duration")
            if seconds is not None:
                first = next((line.strip() for line in source.splitlines() if line.strip()
                              and not line.lstrip().startswith("#")), "")
                rows.append({"chapter": chapter, "section": section, "first line": first[:70],
                             "seconds": float(seconds)})
    frame = pd.DataFrame(rows, columns=["chapter", "section", "first line", "seconds"])
    frame["share of chapter"] = frame["seconds"] / frame.groupby("chapter")["seconds"].transform("sum")
    frame["share of run"] = frame["seconds"] / frame["seconds"].sum()
    return frame.nlargest(n, "seconds").reset_index(drop=True)


def wall_minutes(records: pd.DataFrame) -> float:
    """Minutes from the first chapter's start to the last one's end (below the sum when chapters ran at once)."""
    end = pd.to_datetime(records["finished_at"])
    start = end - pd.to_timedelta(records["seconds"], unit="s")
    return float((end.max() - start.min()).total_seconds() / 60) if len(records) else float("nan")


def run_records(folder: Path) -> pd.DataFrame:
    """One row per executed notebook in ``folder``: chapter, title, profile, parameters, seconds, peak MB."""
    rows = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        record = nb.get("metadata", {}).get("thumbnail_lab")
        if not record:
            continue
        params = record.get("parameters") or {}
        rows.append({"chapter": record["chapter"], "title": _title(nb), "profile": record["profile"],
                     "parameters": ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "(chapter defaults)",
                     "seconds": record["seconds"], "peak_memory_mb": record["peak_memory_mb"],
                     "finished_at": record["finished_at"], "stamp": record["stamp"]})
    return pd.DataFrame(rows, columns=["chapter", "title", "profile", "parameters", "seconds",
                                       "peak_memory_mb", "finished_at", "stamp"])


def plot_run_budget(records: pd.DataFrame) -> plt.Figure:
    """Run time and peak memory per chapter, against the book's budgets."""
    fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(9, 0.45 * max(len(records), 3) + 1.2))
    labels = records["chapter"]
    ax_time.barh(labels, records["seconds"] / 60, color="#4c72b0")
    ax_time.set_xlabel("minutes")
    ax_time.set_title(f"run time (total {records['seconds'].sum() / 60:.1f} min; "
                      f"budget {BOOK_MINUTES_BUDGET:.0f} min for the default profile)", fontsize=9)
    ax_mem.barh(labels, records["peak_memory_mb"] / 1024, color="#dd8452")
    ax_mem.axvline(BOOK_MEMORY_BUDGET_MB / 1024, color="black", ls="--", lw=1, label="budget")
    ax_mem.set_xlabel("peak memory of the chapter's kernel (GB)")
    ax_mem.legend(loc="lower right")
    ax_mem.set_yticklabels([])
    for ax in (ax_time, ax_mem):
        ax.invert_yaxis()
    return fig


def environment_table() -> pd.DataFrame:
    """Versions of the interpreter and the libraries that decide the numbers."""
    import matplotlib
    import numpy
    import scipy
    import sklearn
    import statsmodels
    import torch

    rows = {"python": platform.python_version(), "platform": platform.platform(),
            "cpu cores": os.cpu_count(), "torch": torch.__version__, "torch threads": torch.get_num_threads(),
            "numpy": numpy.__version__, "pandas": pd.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "statsmodels": statsmodels.__version__,
            "matplotlib": matplotlib.__version__}
    return pd.DataFrame({"value": {k: str(v) for k, v in rows.items()}})
