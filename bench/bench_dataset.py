"""What the dataset pipeline costs, and what the image cache saves.

``python -m bench.bench_dataset [--tiny]``

On a synthetic dataset of 320x180 JPEGs (``thumbnail_lab.dataset.toy``) it measures, in one run:
the first ``ensure_dataset`` (validate every image, clean, split) against a second call that
loads the saved artifacts; building the 64x36 memory-mapped image cache; and one training
epoch's worth of image reads from that cache against decoding and resizing every JPEG again
(what a training loop without the cache would do each epoch). Ratios: the cache's speed-up per
epoch, the build's cost in decode-epochs, and the reload's speed-up over a cold build.
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from thumbnail_lab.dataset import ensure_dataset
from thumbnail_lab.dataset.images import load_resized
from thumbnail_lab.dataset.toy import make_toy_dataset

WIDTH, HEIGHT = 64, 36


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def measure(n_videos: int) -> dict:
    """All timings for one dataset size, in a fresh temporary folder."""
    saved = {k: os.environ.get(k) for k in ("THUMBNAIL_LAB_DATA", "THUMBNAIL_LAB_ARTIFACTS")}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["THUMBNAIL_LAB_DATA"] = str(Path(tmp) / "data")
        os.environ["THUMBNAIL_LAB_ARTIFACTS"] = str(Path(tmp) / "artifacts")
        try:
            folder = make_toy_dataset(Path(tmp) / "data" / "toy", n_videos=n_videos, n_channels=max(3, n_videos // 40))
            options = dict(show_progress=False, min_views=0, drop_shorts=False, min_channel_videos=1)
            ds, cold = _timed(lambda: ensure_dataset(folder, **options))
            _, warm = _timed(lambda: ensure_dataset(folder, **options))
            images, build = _timed(lambda: ds.images(WIDTH, HEIGHT))
            _, cached_epoch = _timed(lambda: np.array(images, dtype=np.float32).sum())
            paths = ds.image_paths()
            _, decode_epoch = _timed(lambda: sum(float(load_resized(p, WIDTH, HEIGHT).sum()) for p in paths))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    n = len(ds.metadata)
    return {"n_images": n, "prepare_cold_s": round(cold, 4), "prepare_warm_s": round(warm, 4),
            "validate_images_per_s": round(n / cold, 1), "cache_build_s": round(build, 4),
            "cache_build_images_per_s": round(n / build, 1), "epoch_from_cache_s": round(cached_epoch, 5),
            "epoch_decoding_jpegs_s": round(decode_epoch, 4),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run(tiny: bool = False) -> dict:
    """Measure at one (tiny) or two sizes; ratios from the largest."""
    rows = [measure(n) for n in ([60] if tiny else [500, 4000])]
    big = rows[-1]
    return {
        "name": "dataset",
        "description": f"ensure_dataset on synthetic 320x180 JPEGs; {WIDTH}x{HEIGHT} image cache vs decoding per epoch",
        "rows": rows,
        "ratios": {
            "epoch_cache_speedup_vs_decoding": round(big["epoch_decoding_jpegs_s"] / big["epoch_from_cache_s"], 1),
            "cache_build_cost_in_decode_epochs": round(big["cache_build_s"] / big["epoch_decoding_jpegs_s"], 2),
            "reload_speedup_vs_cold_prepare": round(big["prepare_cold_s"] / big["prepare_warm_s"], 1),
        },
        "notes": ["The cache is built once per resolution and shared by every chapter and process (memory-mapped).",
                  "Cold prepare decodes and hashes every image (validation, SHA-256, perceptual hash)."],
    }


if __name__ == "__main__":
    from bench.run_all import summarise

    summarise(run(tiny="--tiny" in sys.argv))
