"""The encoder network and the frozen-embedding wrapper the chapters call.

``ThumbEncoder`` is a small CNN for 64x36 thumbnails: a stride-2 stem, two residual-free
conv blocks (each ending in a stride-2 convolution) and a last 3x3 convolution. Its embedding
concatenates, from the last feature map, the global average (what the thumbnail is mostly
made of), the global maximum (whether something small is anywhere, e.g. a logo or an arrow)
and the average over each quadrant (where things are). The same network, with random
weights, pretrained or trained on labels, is what every probe compares.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def to_input(images: np.ndarray) -> torch.Tensor:
    """uint8 ``(N, H, W, 3)`` images to float ``(N, 3, H, W)`` in [0, 1]."""
    return torch.from_numpy(np.array(images, dtype=np.uint8)).permute(0, 3, 1, 2).float().div_(255.0)


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class ThumbEncoder(nn.Module):
    """A small CNN whose pooled features are the thumbnail embedding.

    Parameters
    ----------
    width : int
        Channels after the stem (doubled twice), e.g. 32 gives a 128-channel last map.
    """

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        c = int(width)
        self.channels = 4 * c
        self.body = nn.Sequential(
            _conv(3, c, 2),                        # 64x36 -> 32x18
            _conv(c, 2 * c), _conv(2 * c, 2 * c, 2),  # -> 16x9
            _conv(2 * c, 4 * c), _conv(4 * c, 4 * c, 2),  # -> 8x5
            _conv(4 * c, 4 * c),
        )

    @property
    def embed_dim(self) -> int:
        """Length of the embedding: mean, max and 4 quadrant means of the last map."""
        return 6 * self.channels

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """The last feature map of images in [0, 1]."""
        return self.body(x * 2 - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Embeddings ``(N, embed_dim)`` of images ``(N, 3, H, W)`` in [0, 1]."""
        h = self.feature_map(x)
        quadrants = F.adaptive_avg_pool2d(h, (2, 2)).flatten(1)
        return torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3)), quadrants], dim=1)


@dataclass
class PretrainedEncoder:
    """A frozen encoder: ``embed(images)`` gives one float32 vector per uint8 thumbnail.

    Attributes
    ----------
    model : ThumbEncoder
        The network (eval mode).
    size : (int, int)
        The (width, height) it was trained at; other sizes are resized to it.
    settings : dict
        The settings it was pretrained with (empty for a random or supervised network).
    info : dict
        Cost and provenance: corpus and pretraining seconds, images per second, the cache folder.
    """

    model: ThumbEncoder
    size: tuple[int, int] = (64, 36)
    settings: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def embed_dim(self) -> int:
        return self.model.embed_dim

    @torch.no_grad()
    def embed(self, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Embeddings ``(N, embed_dim)`` float32 of uint8 ``(N, H, W, 3)`` images (a memmap is fine)."""
        images = np.asarray(images) if not isinstance(images, np.memmap) else images
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"expected uint8 images (N, H, W, 3), got shape {images.shape}")
        self.model.eval()
        w, h = self.size
        out = []
        for s in range(0, len(images), batch_size):
            x = to_input(images[s:s + batch_size])
            if x.shape[-2:] != (h, w):
                x = F.interpolate(x, size=(h, w), mode="area")
            out.append(self.model(x).numpy())
        if not out:
            return np.zeros((0, self.embed_dim), np.float32)
        return np.concatenate(out).astype(np.float32)

    def pooled(self, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """The global average of the last feature map, ``(N, channels)``: the role of Inception's pool3 in FID.

        Generated images are compared in this space (Fréchet distance, KID, precision/recall,
        coverage): it has as many dimensions as the element CNN's features had, few enough for the
        covariances of a few hundred samples.
        """
        return self.embed(images, batch_size)[:, :self.model.channels]
