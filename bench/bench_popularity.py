"""What training and running the popularity chapter's image models costs on this CPU.

``python -m bench.bench_popularity [--tiny]``

On synthetic 64x36 thumbnails (``thumbnail_lab.popularity.synthetic``) it measures, in one run:

- the CPU's matmul throughput (a large ``torch.matmul``, on 1 thread and on all threads): the peak
  that training is compared with;
- training throughput of the small CNN and the small ViT (images/s, with augmentation, through
  the chapter's own ``train_regressor``), the FLOPs they do per image (counted by
  ``torch.utils.flop_counter``), hence the share of the matmul peak they reach, and the share of
  the loop spent waiting for data (batch gathering and augmentation);
- the same training on all threads, against one thread (the chapter trains on one);
- inference latency per thumbnail at batch size 1 against a batch of 256.

- the clustered bootstrap of the chapter's scores: every resample as a row of weights, scored at
  once with matrix products, against a Python loop over resampled index arrays (same resamples).

Ratios: batched vs batch-1 inference speed-up, all-threads vs one-thread training speed,
vectorised vs looped bootstrap.
"""
from __future__ import annotations

import resource
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from bench.common import matmul_peak
from thumbnail_lab.popularity import image_models, metrics, synthetic
from thumbnail_lab.threads import torch_threads

HEIGHT, WIDTH = 36, 64


def train_flops_per_image(model: nn.Module, batch: int = 16) -> float:
    """FLOPs of one forward + backward pass per image, counted by torch's flop counter."""
    x, y = torch.randn(batch, 3, HEIGHT, WIDTH), torch.randn(batch, 2)
    counter = FlopCounterMode(display=False)
    with counter:
        nn.functional.mse_loss(model(x), y).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / batch


def build(kind: str) -> nn.Module:
    """The chapter's default CNN or ViT."""
    torch.manual_seed(0)
    if kind == "small CNN":
        return image_models.SmallCNN(2, width=16)
    return image_models.SmallViT((HEIGHT, WIDTH), 2, patch=(6, 8), dim=64, depth=3, heads=4)


def latency(model: nn.Module, images: np.ndarray, batch: int, threads: int = 1) -> float:
    """Seconds per thumbnail when predicting ``images`` in batches of ``batch``."""
    model.eval()
    with torch.no_grad(), torch_threads(threads):
        model(image_models.to_standardised_tensor(images[:batch]))  # warm-up
        start = time.perf_counter()
        for i in range(0, len(images), batch):
            model(image_models.to_standardised_tensor(images[i:i + batch]))
    return (time.perf_counter() - start) / len(images)


def measure(kind: str, images: np.ndarray, y: np.ndarray, epochs: int, threads: int, peak: float) -> dict:
    """Training throughput, share of peak and data wait of one model on ``threads`` threads."""
    model = build(kind)
    flops = train_flops_per_image(model)
    idx = np.arange(len(images))
    reg = image_models.train_regressor(model, images, y, idx, idx[: len(idx) // 8], epochs=epochs,
                                       batch_size=128, show_progress=False, threads=threads)
    t = reg.timing
    achieved = t["images"] / max(t["compute_s"], 1e-9) * flops / 1e9
    return {"model": kind, "threads": threads, "train_images_per_s": round(t["images_per_s"], 1),
            "train_mflop_per_image": round(flops / 1e6, 2), "achieved_gflop_per_s": round(achieved, 2),
            "matmul_peak_gflop_per_s": round(peak, 2), "share_of_matmul_peak": round(achieved / peak, 4),
            "data_wait_share": round(t["data_wait_share"], 4)}


def bootstrap_speed(n: int, n_boot: int, n_channels: int = 100) -> dict:
    """Seconds to bootstrap Spearman and R² of one model: weights at once vs a loop over resampled rows."""
    rng = np.random.default_rng(0)
    y, groups = rng.normal(size=n), rng.integers(0, n_channels, n)
    s = y + rng.normal(size=n)
    W, _ = metrics.bootstrap_weights(groups, n, n_boot, 0)
    start = time.perf_counter()
    metrics.weighted_spearman(W, y, s), metrics.weighted_r2(W, y, s)
    vectorised = time.perf_counter() - start
    rows = [np.repeat(np.arange(n), w.astype(int)) for w in W]
    start = time.perf_counter()
    for idx in rows:
        metrics.spearman(y[idx], s[idx]), metrics.r2(y[idx], s[idx])
    looped = time.perf_counter() - start
    return {"vectorised_s": vectorised, "looped_s": looped}


def run(tiny: bool = False) -> dict:
    """Measure everything; ``tiny`` finishes in a few seconds (for the tests)."""
    n, epochs, size = (256, 1, 256) if tiny else (2048, 2, 2048)
    meta, images, _ = synthetic.make_world(n, HEIGHT, WIDTH, seed=0)
    y = np.column_stack([meta["log_views"], meta["log_views"] - meta["log_views"].median()]).astype(np.float32)
    all_threads = torch.get_num_threads()
    peaks = {1: matmul_peak(size, 1)}
    peaks[all_threads] = peaks[1] if all_threads == 1 else matmul_peak(size, all_threads)
    rows, ratios = [], {}
    for kind in ("small CNN", "small ViT"):
        one = measure(kind, images, y, epochs, 1, peaks[1])
        model = build(kind)
        lat1 = latency(model, images[: 32 if tiny else 256], 1)
        latb = latency(model, images, 256)
        one.update({"latency_batch1_ms": round(lat1 * 1e3, 4), "latency_batch256_ms_per_image": round(latb * 1e3, 4)})
        rows.append(one)
        ratios[f"{kind}: batched vs batch-1 inference speed-up"] = round(lat1 / latb, 2)
        if all_threads > 1 and not tiny:
            many = measure(kind, images, y, epochs, all_threads, peaks[all_threads])
            rows.append({**many, "latency_batch1_ms": None, "latency_batch256_ms_per_image": None})
            ratios[f"{kind}: {all_threads}-thread vs 1-thread training speed"] = round(
                many["train_images_per_s"] / one["train_images_per_s"], 3)
    boot = bootstrap_speed(200 if tiny else 700, 20 if tiny else 200)
    ratios["clustered bootstrap: vectorised vs looped speed-up"] = round(boot["looped_s"] / max(boot["vectorised_s"], 1e-9), 1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "name": "popularity",
        "description": "Chapter 04 image models: training throughput, share of matmul peak, data wait, "
                       "inference latency (synthetic 64x36 thumbnails)",
        "rows": rows,
        "ratios": ratios,
        "notes": [f"{n} synthetic thumbnails, {epochs} epoch(s), batch 128, augmentation on",
                  f"matmul peak: {peaks[1]:.1f} GFLOP/s on 1 thread, {peaks[all_threads]:.1f} on {all_threads}",
                  f"peak resident memory of the process: {peak_mb:.0f} MB",
                  f"bootstrap of Spearman and R2: {boot['vectorised_s'] * 1e3:.1f} ms vectorised, "
                  f"{boot['looped_s'] * 1e3:.1f} ms looped",
                  "share of peak = FLOPs per image x images per compute-second / matmul peak; small convolutions "
                  "and attention reach a fraction of a large matmul's throughput"],
    }


if __name__ == "__main__":
    from bench.run_all import summarise

    summarise(run(tiny="--tiny" in sys.argv))
