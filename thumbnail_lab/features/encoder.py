"""Image embeddings from encoders that never saw a view count.

The feature analysis must not be circular: if the encoder had learned from views, its
features would go with views by construction. This module is the pixel-level encoder of
chapter 05 (its contrast, and its ``encoder="autoencoder"`` option): a small convolutional
autoencoder trained in the chapter on thumbnails alone (reconstruction loss, no labels). The
default encoder is the pretrained one of ``thumbnail_lab.encoder``; CLIP goes through
``thumbnail_lab.popularity.clip``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..checkpoint import data_digest, maybe_checkpoint
from ..progress import progress


def to_unit_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) images to float (N, 3, H, W) in [0, 1]."""
    # np.array copies: the dataset's image cache is a read-only memmap, which torch will not wrap.
    return torch.from_numpy(np.array(images, dtype=np.uint8)).permute(0, 3, 1, 2).float().div_(255.0)


class ConvAutoencoder(nn.Module):
    """Three stride-2 convolutions down to an ``embed_dim`` vector, and back up.

    Parameters
    ----------
    height, width : int
        Image size.
    embed_dim : int
        Size of the embedding (the bottleneck).
    width_mult : int
        Channels of the first convolution (doubled at each level).
    """

    def __init__(self, height: int, width: int, embed_dim: int = 64, width_mult: int = 32) -> None:
        super().__init__()
        c = width_mult
        self.size = (height, width)
        self.encoder_conv = nn.Sequential(
            nn.Conv2d(3, c, 3, 2, 1), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, 2, 1), nn.ReLU(),
            nn.Conv2d(2 * c, 4 * c, 3, 2, 1), nn.ReLU(),
        )
        with torch.no_grad():
            self.grid = tuple(self.encoder_conv(torch.zeros(1, 3, height, width)).shape[1:])
        flat = int(np.prod(self.grid))
        self.to_embedding = nn.Linear(flat, embed_dim)
        self.from_embedding = nn.Linear(embed_dim, flat)
        self.decoder_conv = nn.Sequential(
            nn.ConvTranspose2d(4 * c, 2 * c, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(c, 3, 4, 2, 1),
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Images (N, 3, H, W) in [0, 1] to embeddings (N, embed_dim)."""
        return self.to_embedding(self.encoder_conv(x * 2 - 1).flatten(1))

    def decode(self, e: torch.Tensor) -> torch.Tensor:
        """Embeddings back to images in [0, 1] (resized to the input size)."""
        h = self.decoder_conv(self.from_embedding(e).view(-1, *self.grid))
        return torch.sigmoid(F.interpolate(h, size=self.size, mode="bilinear", align_corners=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def train_autoencoder(images: np.ndarray, embed_dim: int = 64, epochs: int = 5, batch_size: int = 128,
                      lr: float = 2e-3, width_mult: int = 32, seed: int = 0,
                      show_progress: bool = True, max_in_memory_bytes: int = 2**30,
                      checkpoint_path: Path | None = None) -> tuple[ConvAutoencoder, list[float]]:
    """Train the autoencoder on uint8 images (N, H, W, 3) without any label.

    Images whose float copy would exceed ``max_in_memory_bytes`` stay uint8 (e.g. the dataset's
    memmap) and are converted batch by batch. With ``checkpoint_path`` the state is saved after
    every epoch, and a run started again with the same images and settings resumes from it to
    bitwise the same model (a finished run returns at once). Returns the model (in eval mode)
    and the per-epoch mean reconstruction MSE.
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    n, h, w, _ = images.shape
    model = ConvAutoencoder(h, w, embed_dim, width_mult)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    # Small sets are converted once; large ones stay uint8 (a memmap) and are converted per batch,
    # since 524,288 float thumbnails would not fit in memory.
    data = to_unit_tensor(images) if n * h * w * 3 * 4 <= max_in_memory_bytes else None
    history: list[float] = []
    ckpt = maybe_checkpoint(checkpoint_path, {"trainer": "autoencoder-v1", "data": data_digest(images), "epochs": epochs,
                                              "embed_dim": embed_dim, "batch_size": batch_size, "lr": lr,
                                              "width_mult": width_mult, "seed": seed, "streamed": data is None,
                                              "threads": torch.get_num_threads()})  # threads may change the last bits
    first = 0
    if ckpt is not None:
        first, extra = ckpt.load(model, opt, {"shuffle": gen})
        history = extra.get("history", history)
    for epoch in progress(range(first, epochs), desc="autoencoder epochs", disable=not show_progress):
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            xb = data[idx] if data is not None else to_unit_tensor(images[np.sort(idx.numpy())])
            loss = F.mse_loss(model(xb), xb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(xb)
        history.append(total / n)
        if ckpt is not None:
            ckpt.save(model, opt, epoch + 1, {"shuffle": gen}, {"history": history})
    return model.eval(), history


@torch.no_grad()
def embed_images(model: ConvAutoencoder, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Embeddings (N, embed_dim) float32 of uint8 images, in batches (works on a memmap)."""
    out = [model.encode(to_unit_tensor(images[s:s + batch_size])).numpy() for s in range(0, len(images), batch_size)]
    return np.concatenate(out).astype(np.float32)
