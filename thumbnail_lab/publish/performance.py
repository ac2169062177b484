"""Read ``bench/results/results.json`` (``make bench``) and ``artifacts/scale/scale.json`` (``make scale``)
for the book's performance appendix."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..paths import REPO_ROOT, artifacts_root

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


def benchmark_overview(results: dict) -> pd.DataFrame:
    """One row per benchmark: its name, what it measures and its notes (as the benchmark file states them)."""
    rows = [{"benchmark": b["name"], "what it measures": b.get("description", ""),
             "notes": " ".join(b.get("notes", []))} for b in results["benchmarks"]]
    return pd.DataFrame(rows).set_index("benchmark")


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


#: ``make scale``'s targets on the 2-core machine (issue: the published scale in an hour).
SCALE_MINUTES_BUDGET = 60.0
SCALE_MEMORY_BUDGET_MB = 8 * 1024.0
#: The stages of ``thumbnail_lab.features.scale``: two run once, then five at every size.
SCALE_STAGE_ORDER = ("encoder", "sae", "plan", "draw", "embed", "activations", "analyse")


#: ``make scale``'s record from the book's own 2-core machine, kept with the book so that a clean clone
#: (where ``make scale``, an hour long, has not run) still shows the published scale's measurement.
RECORDED_SCALE = REPO_ROOT / "bench" / "recorded" / "scale.json"


def load_scale(path: str | Path | None = None) -> dict | None:
    """What ``make scale`` recorded: the file given; else this machine's run (``artifacts/scale/scale.json``),
    else the record kept with the book (``RECORDED_SCALE``); None if there is none. ``file`` says which."""
    candidates = [Path(path)] if path else [artifacts_root() / "scale" / "scale.json", RECORDED_SCALE]
    for candidate in candidates:
        if candidate.is_file():
            scale = json.loads(candidate.read_text(encoding="utf-8"))
            found, root = candidate.resolve(), REPO_ROOT.resolve()
            return {**scale, "file": str(found.relative_to(root) if found.is_relative_to(root) else candidate),
                    "recorded_with_book": found == RECORDED_SCALE.resolve()}
    return None


def scale_provenance(scale: dict) -> str:
    """Where and when ``make scale`` measured: the machine's cores, processor and memory, and the file."""
    machine = scale.get("machine")
    where = (f"on {machine['cpu_cores']} CPU cores ({machine['processor']}, {machine['memory_gb']:.0f} GB) at "
             f"{machine['measured_at']}" if machine else "on a machine it did not describe")
    kept = (", the record kept with the book, because make scale has not run on this machine"
            if scale.get("recorded_with_book") else "")
    return f"make scale measured these {where} (file {scale.get('file', 'scale.json')}{kept})."


def with_scale(results: dict, scale: dict | None) -> dict:
    """The benchmark results with ``make scale``'s stages added as one more benchmark (for the slopes)."""
    if scale is None:
        return results
    return {**results, "benchmarks": [*results["benchmarks"], {"name": "make scale", "rows": scale["rows"]}]}


def scale_stage_table(scale: dict) -> pd.DataFrame:
    """Every stage of the largest size, and the stages run once, with seconds and peak memory."""
    rows = pd.DataFrame(scale["rows"])
    largest = max(scale["settings"]["sizes"])
    once = ~rows["stage"].isin(SCALE_STAGE_ORDER[2:])
    keep = rows[once | (rows["n_thumbnails"] == largest)].copy()
    keep["runs"] = np.where(once[keep.index], "once", f"at {largest:,} thumbnails")
    keep["minutes"] = keep["seconds"] / 60
    order = {stage: k for k, stage in enumerate(SCALE_STAGE_ORDER)}
    keep = keep.sort_values("stage", key=lambda col: col.map(order))
    return keep[["stage", "runs", "n_thumbnails", "minutes", "peak_mb", "resumed"]].reset_index(drop=True)


def scale_budget(scale: dict) -> dict:
    """Minutes and peak GB of the largest size end to end (with the once-only stages) against the targets."""
    stages = scale_stage_table(scale)
    minutes, peak_mb = float(stages["minutes"].sum()), float(stages["peak_mb"].max())
    everything = float(pd.DataFrame(scale["rows"])["seconds"].sum() / 60)
    return {"n": int(max(scale["settings"]["sizes"])), "minutes": minutes, "peak_gb": peak_mb / 1024,
            "all_sizes_minutes": everything, "resumed": bool(stages["resumed"].any()),
            "met": minutes < SCALE_MINUTES_BUDGET and peak_mb < SCALE_MEMORY_BUDGET_MB}


def scale_sentence(budget: dict) -> str:
    """One sentence: the largest size's minutes and memory against the targets, met or not."""
    verdict = "both targets met" if budget["met"] else "a target missed"
    resumed = " (resumed after an interruption, so its minutes leave out the time lost to it)" if budget["resumed"] else ""
    return (f"The feature study at {budget['n']:,} thumbnails took {budget['minutes']:.0f} min end to "
            f"end, the encoder and SAE included, with a peak of {budget['peak_gb']:.1f} GB{resumed}, against targets "
            f"of {SCALE_MINUTES_BUDGET:.0f} min and {SCALE_MEMORY_BUDGET_MB / 1024:.0f} GB: {verdict}. The whole "
            f"make scale, smaller sizes included, took {budget['all_sizes_minutes']:.0f} min.")


def budget_table(records: pd.DataFrame, scale: dict | None) -> pd.DataFrame:
    """Each budget against what this build measured: the chapters' wall minutes and largest kernel (from
    their run records; the budgets are for the default profile), and ``make scale``'s largest size."""
    from .reproducibility import BOOK_MEMORY_BUDGET_MB, BOOK_MINUTES_BUDGET, wall_minutes

    chapters = records[~records["chapter"].str.startswith("appendix_")]
    measured_in = f"this build ({', '.join(sorted(set(chapters['profile']))) or 'no chapters'} profile)"
    rows = [("make book: chapters, first start to last end (min)", BOOK_MINUTES_BUDGET, wall_minutes(chapters),
             measured_in),
            ("make book: largest chapter kernel (GB)", BOOK_MEMORY_BUDGET_MB / 1024,
             chapters["peak_memory_mb"].max() / 1024 if len(chapters) else np.nan, measured_in)]
    b = scale_budget(scale) if scale is not None else None
    if b is not None:
        where = "make scale" + (" (the record kept with the book)" if scale.get("recorded_with_book") else "")
        rows += [(f"make scale at {b['n']:,} thumbnails (min)", SCALE_MINUTES_BUDGET, b["minutes"], where),
                 (f"make scale at {b['n']:,} thumbnails (GB)", SCALE_MEMORY_BUDGET_MB / 1024, b["peak_gb"], where)]
    frame = pd.DataFrame(rows, columns=["budget", "target", "measured", "measured in"])
    frame["met"] = np.where(frame["measured"].isna(), "not measured", np.where(frame["measured"] < frame["target"],
                                                                                "yes", "no"))
    if b is not None and b["n"] < PUBLISHED_SCALE:
        frame.loc[frame["measured in"].str.startswith("make scale"), "met"] = "not at the published size"
    return frame.set_index("budget")


def scale_findings(scale: dict) -> pd.DataFrame:
    """The feature study's own results at each size: features, BH discoveries, held-out test, planted elements."""
    rows = []
    for n, s in sorted(scale["summaries"].items(), key=lambda kv: int(kv[0])):
        found = s["recovery"]
        rows.append({"thumbnails": int(n), "group size": s["params"]["group_size"], "features": s["n_features"],
                     "significant (BH)": s["n_significant_bh"],
                     "P(random >= high held-out median)": s["held_out"]["p_random_ge_high"],
                     "P(random <= low held-out median)": s["held_out"]["p_random_le_low"],
                     "raising elements found": ", ".join(found["found_positive"]) or "none",
                     "lowering elements found": ", ".join(found["found_negative"]) or "none"})
    return pd.DataFrame(rows).set_index("thumbnails")


def _bench(results: dict, module: str) -> dict | None:
    """The result of ``bench/<module>.py`` if it ran without error."""
    found = [b for b in results["benchmarks"] if b.get("module", b["name"]) == module and "error" not in b]
    return found[0] if found else None


#: Forward FLOPs of a CLIP ViT-B/32 image encoder per 224x224 image (its published figure, ~4.4 GFLOPs).
CLIP_B32_GFLOP = 4.4
#: Dense bf16 throughput assumed for one data-centre GPU in the plan: about half of an H100/H200's
#: ~800-990 TFLOP/s peak, which large-batch ViT inference reaches in practice (an assumption, not measured).
GPU_EFFECTIVE_TFLOPS = 400.0
PUBLISHED_SCALE = 524_288


def plan_table(results: dict, n: int = PUBLISHED_SCALE) -> pd.DataFrame:
    """Hours each stage would take for ``n`` thumbnails, from this run's per-thumbnail costs."""
    rows = []

    def add(stage: str, seconds_per_item: float | None, basis: str, scales_out: str) -> None:
        if seconds_per_item is not None:
            rows.append({"stage": stage, "hours": seconds_per_item * n / 3600, "basis": basis,
                         "parallelises across machines": scales_out})

    world = _bench(results, "bench_thumbworld")
    if world:
        rate = max(r["thumbnails_per_s"] for r in world["rows"])
        add("generate ThumbWorld thumbnails", 1 / rate, f"{rate:.0f} thumbnails/s measured", "yes: by video index")
    data = _bench(results, "bench_dataset")
    if data:
        row = data["rows"][-1]
        add("validate + cache images", 1 / row["validate_images_per_s"] + 1 / row["cache_build_images_per_s"],
            f"{row['validate_images_per_s']:.0f} validated/s, {row['cache_build_images_per_s']:.0f} cached/s",
            "yes: by image shard")
    pop = _bench(results, "bench_popularity")
    cpu_peak = None
    if pop:
        cnn = next((r for r in pop["rows"] if r.get("latency_batch256_ms_per_image")), None)
        if cnn:
            add(f"embed with the book's {cnn['model']}", cnn["latency_batch256_ms_per_image"] / 1e3,
                f"{cnn['latency_batch256_ms_per_image']:.3f} ms/thumbnail measured", "yes: by image shard")
        cpu_peak = max(r["matmul_peak_gflop_per_s"] for r in pop["rows"])
        add("embed with a CLIP ViT-B/32 (CPU, at matmul peak)", CLIP_B32_GFLOP / cpu_peak,
            f"{CLIP_B32_GFLOP} GFLOP/image at the measured {cpu_peak:.0f} GFLOP/s (a lower bound)",
            "yes: by image shard")
        add("embed with a CLIP ViT-B/32 (one GPU)", CLIP_B32_GFLOP / (GPU_EFFECTIVE_TFLOPS * 1e3),
            f"{CLIP_B32_GFLOP} GFLOP/image at an assumed {GPU_EFFECTIVE_TFLOPS:.0f} TFLOP/s", "yes: one GPU per shard")
    scale = _bench(results, "bench_feature_scale")
    if scale:
        largest = max(scale["rows"], key=lambda r: r["n_thumbnails"])
        add("feature groups + statistics", largest["seconds"] / largest["n_thumbnails"],
            f"{largest['seconds']:.1f} s measured on {largest['n_thumbnails']:,} thumbnails",
            "no need: one machine, minutes")
    return pd.DataFrame(rows)
