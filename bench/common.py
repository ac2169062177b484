"""Measurements that several benchmarks share."""
from __future__ import annotations

import time

import torch

from thumbnail_lab.threads import torch_threads


def matmul_peak(size: int, threads: int = 1, repeats: int = 5) -> float:
    """Best GFLOP/s of a float32 ``size`` x ``size`` matmul on ``threads`` threads: this CPU's peak,
    against which a training loop's achieved FLOP rate is read."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    best = float("inf")
    with torch_threads(threads):
        torch.matmul(a, b)  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            torch.matmul(a, b)
            best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best / 1e9
