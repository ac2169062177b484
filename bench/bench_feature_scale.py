"""The feature-group procedure and its statistics at the published scale (524,288 thumbnails).

``python -m bench.bench_feature_scale [--tiny]``

Synthetic TopK-sparse activations (4,096 latents, 32 draws per thumbnail, stored as a sparse
CSR matrix) with planted view effects stand in for SAE activations. For each size from 1,024 to
524,288 thumbnails it times ``thumbnail_lab.features.pipeline.analyse``: feature groups
(threshold 0.05, groups of up to 400, scaled with the size), random groups + KS, the held-out
test with 1,000,000 simulated medians, per-feature permutation p-values with BH, and bootstrap
intervals. Peak memory is traced with tracemalloc during the analysis (the activations' own
size is reported beside it). The baseline ratio compares the sparse procedure with the same
group search on a dense copy of the activations, at the largest size where a dense copy is cheap.
"""
from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import numpy as np

from thumbnail_lab.features.groups import find_feature_groups
from thumbnail_lab.features.pipeline import GroupParams, analyse
from thumbnail_lab.features.synthetic import synthetic_features

FULL_N = 524_288
N_LATENTS = 4096
K = 32


def params_for(n: int) -> GroupParams:
    """The published thresholds with the group size scaled to ``n`` (400 at 524,288; at least 10)."""
    g = max(10, int(round(400 * n / FULL_N)))
    return GroupParams(threshold=0.05, min_count=g, group_size=g, top_k=100)


def measure(n: int, n_sim: int, n_perm: int, n_boot: int, n_latents: int = N_LATENTS) -> dict:
    """Time and trace one size."""
    start = time.perf_counter()
    world = synthetic_features(n, n_latents, K, seed=n)
    t_make = time.perf_counter() - start
    acts_mb = (world.activations.data.nbytes + world.activations.indices.nbytes + world.activations.indptr.nbytes) / 2**20
    p = params_for(n)
    start = time.perf_counter()
    find_feature_groups(world.activations, world.views, threshold=p.threshold, min_count=p.min_count,
                        group_size=p.group_size)
    t_groups = time.perf_counter() - start
    tracemalloc.start()
    start = time.perf_counter()
    res = analyse(world.activations, world.views, p, np.random.default_rng(0), n_sim=n_sim, n_perm=n_perm, n_boot=n_boot)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {"n_thumbnails": n, "n_latents": n_latents, "group_size": p.group_size, "n_features": len(res.table),
            "n_significant_bh": int(res.table["significant"].sum()), "seconds": round(seconds, 3),
            "group_search_s": round(t_groups, 3), "peak_mb": round(peak, 1), "activations_mb": round(acts_mb, 1),
            "make_data_s": round(t_make, 3),
            "n_sim": n_sim, "n_perm": n_perm, "n_boot": n_boot}


def dense_baseline(n: int, n_latents: int = N_LATENTS) -> tuple[float, float]:
    """Seconds of the group search on sparse vs dense activations of ``n`` thumbnails."""
    world = synthetic_features(n, n_latents, K, seed=n)
    p = params_for(n)
    dense = world.activations.toarray()
    start = time.perf_counter()
    find_feature_groups(world.activations, world.views, threshold=p.threshold, min_count=p.min_count, group_size=p.group_size)
    t_sparse = time.perf_counter() - start
    start = time.perf_counter()
    find_feature_groups(dense, world.views, threshold=p.threshold, min_count=p.min_count, group_size=p.group_size)
    return t_sparse, time.perf_counter() - start


def run(tiny: bool = False) -> dict:
    """Scaling rows from 1,024 thumbnails to 524,288 (``tiny``: up to 4,096, fewer simulations)."""
    sizes = [1024, 2048, 4096] if tiny else [1024, 4096, 16_384, 65_536, 262_144, FULL_N]
    # n_perm must make p-values small enough for BH over thousands of features (min p = 2 / (n_perm + 1)).
    n_sim, n_perm, n_boot = (100_000, 500, 100) if tiny else (1_000_000, 100_000, 1000)
    n_latents = 512 if tiny else N_LATENTS
    rows = [measure(n, n_sim, n_perm, n_boot, n_latents) for n in sizes]
    t_sparse, t_dense = dense_baseline(sizes[-1] if tiny else 16_384, n_latents)
    x, y = np.log([r["n_thumbnails"] for r in rows]), np.log([r["seconds"] for r in rows])
    slope = float(np.polyfit(x[1:], y[1:], 1)[0]) if len(rows) > 2 else float("nan")
    largest = rows[-1]
    return {
        "name": "feature_scale",
        "description": f"feature groups + statistics on synthetic sparse activations ({n_latents} latents, "
                       f"top-{K} draws), up to {sizes[-1]:,} thumbnails",
        "rows": rows,
        "ratios": {"dense_over_sparse_group_search": t_dense / t_sparse, "loglog_slope_seconds": slope,
                   "largest_seconds": largest["seconds"], "largest_peak_mb": largest["peak_mb"]},
        "notes": [
            "group size scales as 400 * n / 524,288 (at least 10); published thresholds otherwise",
            f"dense baseline: group search on a dense copy at {(sizes[-1] if tiny else 16_384):,} thumbnails "
            f"took {t_dense:.3f} s vs {t_sparse:.3f} s sparse",
            f"process max RSS after the run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
            "peak_mb is tracemalloc's peak during the analysis only (activations built before, see activations_mb)",
            "seconds = the whole analysis (groups, KS, held-out test, permutation p-values + BH, bootstrap); "
            "most of it is the fixed number of simulations (n_sim, n_perm, n_boot per feature), which is why "
            "it grows far slower than the number of thumbnails; group_search_s is the group search alone",
        ],
    }


if __name__ == "__main__":
    from bench.run_all import summarise

    summarise(run(tiny="--tiny" in sys.argv))
