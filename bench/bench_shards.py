"""The embedding stage past one process: ``embed`` in this process against a Dask LocalCluster of 1 and 2 workers.

``python -m bench.bench_shards [--tiny]``

On a PosterWorld folder it embeds every thumbnail with the same encoder three ways, through
``thumbnail_lab.encoder.shards.embed_folder``: in this process, on a local Dask cluster of one worker
process and of two (one thread each). The cluster's start-up is measured apart from the map over
shards, which is what grows with the number of thumbnails. The outputs are compared (they must agree
to float tolerance). From the two-worker rate it projects the hours at 524,288 and at 10 million
thumbnails on N such machines, assuming the stage stays a pure map over shards (no shared state), the
images sit on a disk every worker reads, and the per-thumbnail cost stays what it is here.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from thumbnail_lab.encoder import ensure_encoder, settings_from
from thumbnail_lab.encoder.shards import embed_folder
from thumbnail_lab.posterworld.generate import generate_posterworld

SCALES = (524_288, 10_000_000)


def _timed(folder: Path, out: Path, settings, shard_size: int, workers: int) -> tuple[dict, np.ndarray]:
    """Wall seconds of one ``embed_folder`` call, and its own split into cluster start-up and the map."""
    start = time.perf_counter()
    path = embed_folder(folder, out, settings, shard_size=shard_size, workers=workers, show_progress=False)
    wall = time.perf_counter() - start
    meta = json.loads(path.with_suffix(".json").read_text())
    return {"wall": wall, "start": meta["start_seconds"], "map": meta["map_seconds"]}, np.load(path)


def run(tiny: bool = False) -> dict:
    """Measure the three ways; ``tiny`` finishes in under a minute (for the tests)."""
    n, shard, width = (48, 16, 4) if tiny else (3000, 250, 32)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = generate_posterworld(tmp / "posters", n_videos=n, seed=4)
        settings = settings_from(corpus_size=48 if tiny else 300, steps=4 if tiny else 8, batch_size=8 if tiny else 16,
                                 width=width, warmup=1)
        ensure_encoder(settings, show_progress=False)     # pretraining is not what is measured
        seconds, outputs = {}, {}
        for name, workers in (("this process", 0), ("1 worker", 1), ("2 workers", 2)):
            seconds[name], outputs[name] = _timed(folder, tmp / f"{workers}.npy", settings, shard, workers)
    diff = max(float(np.abs(outputs[k] - outputs["this process"]).max()) for k in outputs)
    per_thumb = seconds["2 workers"]["map"] / n
    rows = [{"way": k, "thumbnails": n, "shards": -(-n // shard), "wall_seconds": round(v["wall"], 3),
             "cluster_start_seconds": round(v["start"], 3), "map_seconds": round(v["map"], 3),
             "thumbnails_per_s": round(n / v["map"], 1)} for k, v in seconds.items()]
    rows += [{"way": f"projected: {scale:,} on {machines} machine(s) of 2 workers", "thumbnails": scale,
              "shards": -(-scale // shard), "map_seconds": round(per_thumb * scale / machines, 1),
              "thumbnails_per_s": round(machines / per_thumb, 1)}
             for scale in SCALES for machines in (1, 10)]
    return {
        "name": "shards",
        "description": f"embedding {n:,} PosterWorld thumbnails (encoder width {width}) in this process and on a "
                       f"local Dask cluster of 1 and 2 worker processes, shards of {shard}",
        "rows": rows,
        "ratios": {"speedup_two_workers_over_one": seconds["1 worker"]["map"] / seconds["2 workers"]["map"],
                   "one_worker_over_in_process": seconds["1 worker"]["map"] / seconds["this process"]["map"],
                   "max_abs_difference": diff},
        "notes": ["map_seconds leave out starting the cluster (cluster_start_seconds), which a large job pays once",
                  "projections: the two-worker rate, linear in thumbnails and in machines (a pure map over "
                  "shards on a shared disk); they are arithmetic, not measurements"],
    }


if __name__ == "__main__":
    from bench.run_all import summarise

    summarise(run(tiny="--tiny" in sys.argv))
