"""What pretraining the book's thumbnail encoder costs on this CPU.

``python -m bench.bench_encoder [--tiny]``

On ThumbWorld corpus thumbnails (64x36, drawn in memory from the corpus's reserved seeds) it
measures, in one run:

- the CPU's matmul throughput (a large float32 ``torch.matmul`` on one and on two threads): the peak;
- corpus drawing throughput (thumbnails/s, one process);
- pretraining throughput (augmented images/s through the network, forward and backward) of the
  contrastive objective, the title-alignment objective and both together, through
  ``thumbnail_lab.encoder.pretrain``; the FLOPs of one step (``torch.utils.flop_counter``), hence
  the share of the matmul peak reached;
- the same contrastive training in float32 against bfloat16 autocast;
- the title-alignment objective (the book's) on two threads against one;
- the supervised ceiling's training throughput, and embedding (inference) throughput.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from bench.common import matmul_peak
from thumbnail_lab.encoder import PretrainConfig, PretrainedEncoder, pretrain
from thumbnail_lab.encoder.augment import augment
from thumbnail_lab.encoder.corpus import draw_corpus
from thumbnail_lab.encoder.model import ThumbEncoder
from thumbnail_lab.encoder.pretrain import Heads, native_bf16, nt_xent, title_alignment
from thumbnail_lab.encoder.supervised import train_supervised
from thumbnail_lab.threads import torch_threads


def step_flops(config: PretrainConfig, text_dim: int = 384) -> float:
    """FLOPs of one pretraining step (augmented views forward, losses, backward), counted in float32."""
    enc = ThumbEncoder(config.width)
    heads = Heads(enc.embed_dim, config.proj_dim, text_dim)
    x = torch.rand(config.batch_size, 3, 36, 64)
    text = torch.nn.functional.normalize(torch.randn(config.batch_size, text_dim), dim=1)
    gen = torch.Generator().manual_seed(0)
    counter = FlopCounterMode(display=False)
    with counter, torch_threads(1):
        loss = torch.zeros(())
        if config.contrastive_weight > 0:
            e = enc(torch.cat([augment(x, config.augment, gen), augment(x, config.augment, gen)]))
            z = heads.contrastive(e)
            loss = loss + nt_xent(z[:len(x)], z[len(x):], config.temperature)
            e = e[:len(x)]
        else:
            e = enc(augment(x, config.augment, gen))
        if config.title_weight > 0:
            loss = loss + title_alignment(heads.title(e), text, heads.log_scale)
        loss.backward()
    return float(counter.get_total_flops())


def run(tiny: bool = False) -> dict:
    """Measure everything; ``tiny`` finishes in a few seconds (for the tests)."""
    n, steps, batch, width, size = (64, 3, 16, 8, 256) if tiny else (2000, 30, 128, 32, 2048)
    start = time.perf_counter()
    corpus, _ = draw_corpus(n, seed=0, workers=1, show_progress=False)
    draw_rate = n / (time.perf_counter() - start)
    text = np.random.default_rng(0).normal(size=(n, 384)).astype(np.float32)  # stands in for MiniLM (same shape)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    peaks = {1: matmul_peak(size, 1), 2: matmul_peak(size, 2)}
    rows, ratios = [], {}
    runs = {}
    # The precision pair is short: emulated bfloat16 (a CPU without native bf16) runs many times slower.
    pair = min(steps, 6)
    for name, kw, n_steps in (("contrastive", dict(contrastive_weight=1.0, title_weight=0.0), steps),
                              ("title alignment", dict(contrastive_weight=0.0, title_weight=1.0), steps),
                              ("contrastive + title", dict(contrastive_weight=1.0, title_weight=1.0), steps),
                              ("contrastive, bfloat16 autocast", dict(contrastive_weight=1.0, title_weight=0.0,
                                                                       bf16=True), pair),
                              ("contrastive, float32", dict(contrastive_weight=1.0, title_weight=0.0, bf16=False),
                               pair),
                              ("title alignment, 2 threads", dict(contrastive_weight=0.0, title_weight=1.0), steps)):
        config = PretrainConfig(steps=n_steps, batch_size=batch, width=width, warmup=1, checkpoint_every=n_steps,
                                **kw)
        threads = 2 if name.endswith("2 threads") else 1
        with torch_threads(threads):
            result = pretrain(corpus.images, config, text, show_progress=False)
        flops = step_flops(config)
        achieved = flops * n_steps / result.seconds / 1e9
        runs[name] = result
        rows.append({"model": f"encoder pretraining: {name}", "threads": threads, "bf16": config.bf16,
                     "train_images_per_s": round(result.images_per_s, 1), "gflop_per_step": round(flops / 1e9, 3),
                     "achieved_gflop_per_s": round(achieved, 2), "matmul_peak_gflop_per_s": round(peaks[threads], 2),
                     "share_of_matmul_peak": round(achieved / peaks[threads], 4)})
    config = PretrainConfig(steps=steps, batch_size=batch, width=width, warmup=1)
    with torch_threads(1):
        sup = train_supervised(corpus.images, corpus.labels, config, show_progress=False)
        encoder = PretrainedEncoder(runs["contrastive"].model)
        start = time.perf_counter()
        encoder.embed(corpus.images)
        embed_rate = n / (time.perf_counter() - start)
    rows.append({"model": "supervised ceiling", "threads": 1, "bf16": config.bf16,
                 "train_images_per_s": round(sup.images_per_s, 1)})
    rows.append({"model": "embedding (inference, float32)", "threads": 1, "images_per_s": round(embed_rate, 1)})
    rows.append({"model": "corpus drawing (render + shrink)", "threads": 1, "images_per_s": round(draw_rate, 1)})
    ratios["contrastive share of matmul peak"] = rows[0]["share_of_matmul_peak"]
    ratios["contrastive + title share of matmul peak"] = rows[2]["share_of_matmul_peak"]
    ratios["bf16 vs float32 contrastive training speed"] = round(
        runs["contrastive, bfloat16 autocast"].images_per_s / runs["contrastive, float32"].images_per_s, 3)
    ratios["native bf16 on this CPU (1 = yes)"] = int(native_bf16())
    ratios["title alignment: two threads vs one"] = round(
        runs["title alignment, 2 threads"].images_per_s / runs["title alignment"].images_per_s, 3)
    ratios["title vs contrastive images/s"] = round(
        runs["title alignment"].images_per_s / runs["contrastive"].images_per_s, 3)
    return {
        "name": "encoder",
        "description": "The pretrained encoder (chapter 01a): pretraining images/s per objective, share of "
                       "matmul peak, bf16 vs float32, supervised ceiling, embedding and corpus drawing speed",
        "rows": rows,
        "ratios": ratios,
        "notes": [f"{n} corpus thumbnails at 64x36; {steps} steps of {batch}; network width {width}; "
                  f"matmul {size}x{size}; random unit vectors stand in for the MiniLM title embeddings",
                  "FLOPs are counted in float32; under bf16 autocast the same operations run in bfloat16, so "
                  "their share is read against the float32 matmul peak",
                  "images/s counts every augmented view (two per thumbnail for the contrastive objective)"],
    }


if __name__ == "__main__":
    from bench.run_all import summarise

    summarise(run(tiny="--tiny" in sys.argv))
