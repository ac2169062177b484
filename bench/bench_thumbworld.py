"""How fast ThumbWorld draws thumbnails, alone and in parallel.

``python -m bench.bench_thumbworld [--tiny]``

Each row generates a complete dataset (plan, thumbnails, views, CSV, truth) into a fresh
temporary folder. Thumbnails per second are reported on the wall clock and per CPU-second
(parent plus worker processes), because the second number does not depend on what else
the machine is doing. Ratios: the parallel speed-up over one worker measured in the same
run, and the per-core rate against the project's budget of 300 thumbnails per second per core.
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from thumbnail_lab.thumbworld import generate_thumbworld

BUDGET_PER_CORE = 300.0


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(n_videos: int, workers: int, seed: int = 0) -> dict:
    """Generate ``n_videos`` with ``workers`` processes; return the timings."""
    with tempfile.TemporaryDirectory() as tmp:
        cpu0, t0 = _cpu_seconds(), time.perf_counter()
        generate_thumbworld(Path(tmp) / "w", n_videos, seed=seed, workers=workers, show_progress=False)
        wall, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    return {"n_videos": n_videos, "workers": workers, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "thumbnails_per_s": round(n_videos / wall, 1), "thumbnails_per_cpu_s": round(n_videos / cpu, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run(tiny: bool = False) -> dict:
    """Measure serial and 2-worker generation at one or several sizes."""
    sizes = [100] if tiny else [250, 1000, 4000]
    measure(20, 1)  # warm-up: imports, font loading and gradient caches are paid once per process
    rows = []
    for n in sizes:
        for workers in (1, 2):
            rows.append(measure(n, workers))
    largest = [r for r in rows if r["n_videos"] == sizes[-1]]
    serial, parallel = largest[0], largest[1]
    per_core = serial["thumbnails_per_cpu_s"]
    return {
        "name": "thumbworld",
        "description": "ThumbWorld generation (plan + 320x180 JPEG thumbnails + views + CSV) per second",
        "rows": rows,
        "ratios": {
            "parallel_2_workers_vs_serial_wall": round(parallel["thumbnails_per_s"] / serial["thumbnails_per_s"], 3),
            "serial_per_cpu_s_vs_budget_300": round(per_core / BUDGET_PER_CORE, 3),
            "serial_wall_vs_budget_300": round(serial["thumbnails_per_s"] / BUDGET_PER_CORE, 3),
        },
        "notes": [
            "thumbnails_per_cpu_s divides by CPU time of the parent and its workers, so it is the per-core rate "
            "even on a busy machine; the wall-clock rates depend on the other load at the time.",
            "tiny=True measures 100 videos, where process start-up dominates the 2-worker row.",
        ],
    }


if __name__ == "__main__":
    from bench.run_all import summarise

    summarise(run(tiny="--tiny" in sys.argv))
