"""Is a generator copying its training set? Nearest training neighbours of every sample.

A sample whose nearest training image is much closer than the second nearest (distance ratio
below 1/3, the criterion of Carlini et al. 2023 "Extracting training data from diffusion
models", there with the k-th neighbour) looks like a copy of one specific thumbnail rather
than a blend of many.
"""
from __future__ import annotations

import numpy as np
import torch


def flatten_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 ``(N, H, W, 3)`` -> float32 ``(N, H*W*3)`` in [0, 1], the space the copy check uses."""
    return np.asarray(images, dtype=np.float32).reshape(len(images), -1) / 255.0


def nearest_neighbours(queries: np.ndarray, reference: np.ndarray, k: int = 2,
                       chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Indices and Euclidean distances of each query's ``k`` nearest reference rows, nearest first."""
    ref = torch.from_numpy(np.ascontiguousarray(reference, dtype=np.float32))
    idx, dist = [], []
    for i in range(0, len(queries), chunk):
        q = torch.from_numpy(np.ascontiguousarray(queries[i:i + chunk], dtype=np.float32))
        d = torch.cdist(q, ref)
        values, indices = torch.topk(d, k, dim=1, largest=False)
        idx.append(indices.numpy())
        dist.append(values.numpy())
    return np.concatenate(idx), np.concatenate(dist).astype(np.float64)


def nn_ratio(distances: np.ndarray) -> np.ndarray:
    """Nearest / second-nearest distance for each query (from :func:`nearest_neighbours` with k >= 2)."""
    distances = np.asarray(distances, dtype=np.float64)
    if distances.ndim != 2 or distances.shape[1] < 2:
        raise ValueError("need the two nearest distances per query, shape (N, >=2)")
    return distances[:, 0] / np.maximum(distances[:, 1], 1e-12)


def copy_share(distances: np.ndarray, threshold: float = 1 / 3) -> float:
    """Share of queries whose nearest/second-nearest ratio is below ``threshold``."""
    return float((nn_ratio(distances) < threshold).mean())
