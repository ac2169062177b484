"""Conversions between the dataset's uint8 image arrays and the [-1, 1] tensors models train on."""
from __future__ import annotations

import numpy as np
import torch


def to_signed_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 ``(N, H, W, 3)`` images -> float32 ``(N, 3, H, W)`` tensor in [-1, 1]."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected images of shape (N, H, W, 3), got {images.shape}")
    x = torch.from_numpy(np.array(images, copy=True)).permute(0, 3, 1, 2).float()
    return x.div_(127.5).sub_(1.0).contiguous()


def training_tensor(images: np.ndarray, height: int, width: int) -> torch.Tensor:
    """``to_signed_tensor`` for a model built for ``height`` x ``width`` images; any other size is an error."""
    data = to_signed_tensor(images)
    if tuple(data.shape[2:]) != (height, width):
        raise ValueError(f"images are {tuple(data.shape[2:])} but the config expects {(height, width)}")
    return data


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float ``(N, 3, H, W)`` tensor in [-1, 1] -> uint8 ``(N, H, W, 3)`` array (values clipped)."""
    x = ((x.detach().float().clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


def synthetic_thumbnails(n: int, height: int = 36, width: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random coloured rectangles on plain backgrounds, for tests and for runs without a dataset.

    Returns the uint8 images ``(n, height, width, 3)`` and 0/1 labels ``(n, 2)``:
    column 0 says whether a red-ish block is present, column 1 whether a bright bar is.
    """
    rng = np.random.default_rng(seed)
    images = np.empty((n, height, width, 3), dtype=np.uint8)
    labels = np.zeros((n, 2), dtype=np.float32)
    for i in range(n):
        img = np.broadcast_to(rng.integers(0, 120, 3), (height, width, 3)).copy()
        if rng.random() < 0.5:
            h, w = rng.integers(height // 3, height // 1.5), rng.integers(width // 4, width // 2)
            y, x = rng.integers(0, height - h), rng.integers(0, width - w)
            img[y:y + h, x:x + w] = (220, rng.integers(0, 60), rng.integers(0, 60))
            labels[i, 0] = 1
        if rng.random() < 0.4:
            y = rng.integers(0, height - 6)
            img[y:y + 6, 4:width - 4] = (240, 240, 240)
            labels[i, 1] = 1
        images[i] = img
    return images, labels
