"""Image regressors trained in the book: a small CNN and a small Vision Transformer.

Both map a thumbnail (uint8, H x W x 3) to ``n_outputs`` standardised targets (the chapter uses
one output per regression target, log10 views first), are trained with MSE and AdamW under a
cosine schedule, and keep the weights of the epoch with the lowest validation loss.
Augmentation uses torchvision transforms v2, applied per group of a batch so that it costs a
few milliseconds rather than a Python loop over every image.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..progress import progress
from ..threads import torch_threads

PIXEL_MEAN, PIXEL_SD = 0.5, 0.25


class SmallCNN(nn.Module):
    """Four 3x3 conv blocks (the first two with stride 2), global average pooling, a linear head.

    Strided convolutions instead of conv + max-pool keep the full-resolution layer cheap, which
    is where a CPU spends its time. ``features`` ends at a (B, 4*width, H/4, W/4) map: the layer
    Grad-CAM explains.
    """

    def __init__(self, n_outputs: int = 1, width: int = 16, dropout: float = 0.1) -> None:
        super().__init__()

        def block(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
                    nn.ReLU(inplace=True)]

        self.features = nn.Sequential(*block(3, width, 2), *block(width, 2 * width, 2),
                                      *block(2 * width, 4 * width), *block(4 * width, 4 * width))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout),
                                  nn.Linear(4 * width, n_outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # channels-last is oneDNN's fast layout for convolutions on CPU
        return self.head(self.features(x.contiguous(memory_format=torch.channels_last)))


class _Block(nn.Module):
    """Pre-norm transformer encoder block that can keep its attention weights for explanations."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float, dropout: float) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, dim))
        self.keep_attention = False
        self.attention: torch.Tensor | None = None  # (B, heads, T, T) when kept

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        out, weights = self.attn(h, h, h, need_weights=self.keep_attention, average_attn_weights=False)
        if self.keep_attention:
            self.attention = weights.detach()
        x = x + out
        return x + self.mlp(self.norm2(x))


class SmallViT(nn.Module):
    """Patch embedding + learned positions + [CLS] token + transformer encoder + regression head.

    ``patch`` is a side length or a (height, width) pair that divides the image size.
    """

    def __init__(self, image_hw: tuple[int, int], n_outputs: int = 1, patch: int | tuple[int, int] = 4,
                 dim: int = 64, depth: int = 3, heads: int = 4, mlp_ratio: float = 2.0, dropout: float = 0.0) -> None:
        super().__init__()
        h, w = image_hw
        ph, pw = (patch, patch) if isinstance(patch, int) else tuple(patch)
        if h % ph or w % pw:
            raise ValueError(f"image size {h}x{w} is not divisible by the patch size {ph}x{pw}")
        self.grid = (h // ph, w // pw)
        # Patches may be rectangular: a 16:9 thumbnail cut into 6 x 8 patches of 6 x 8 pixels
        # gives 48 tokens, and attention cost grows with the square of the token count.
        self.patch_embed = nn.Conv2d(3, dim, (ph, pw), stride=(ph, pw))
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, 1 + self.grid[0] * self.grid[1], dim) * 0.02)
        self.blocks = nn.ModuleList(_Block(dim, heads, mlp_ratio, dropout) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_outputs)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The normalised [CLS] token (B, dim) that the regression head reads: the image features."""
        tokens = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(len(tokens), -1, -1), tokens], dim=1) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x[:, 0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))

    def keep_attention(self, keep: bool = True) -> None:
        """Make every block store its attention weights on the next forward pass."""
        for blk in self.blocks:
            blk.keep_attention = keep


def to_standardised_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) -> normalised float32 (N, 3, H, W)."""
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0)
    return x.sub_(PIXEL_MEAN).div_(PIXEL_SD)


def check_patch(value) -> str | None:
    """Complain unless ``value`` is a [patch height, patch width] pair of positive integers (a parameter rule)."""
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(p, int) and p > 0 for p in value):
        return None
    return "must be [patch height, patch width], two positive integers"


def augmenter(height: int, width: int):
    """Light geometric augmentation (flip, small crop-and-resize) that leaves colour alone,
    because palette is one of the things that drives views in ThumbWorld."""
    from torchvision.transforms import v2

    return v2.Compose([
        v2.RandomHorizontalFlip(),
        v2.RandomResizedCrop((height, width), scale=(0.8, 1.0), ratio=(width / height * 0.9, width / height * 1.1),
                             antialias=True),
    ])


def augment_batch(x: torch.Tensor, transform, groups: int = 8) -> torch.Tensor:
    """Apply ``transform`` to ``groups`` slices of the batch, each with its own random draw."""
    return torch.cat([transform(part) for part in torch.chunk(x, groups)]) if len(x) else x


@dataclass
class Regressor:
    """A trained network plus the target scaling needed to read its outputs."""

    model: nn.Module
    y_mean: np.ndarray
    y_sd: np.ndarray
    history: list[dict] = field(default_factory=list)
    timing: dict = field(default_factory=dict)
    outputs: list[str] = field(default_factory=lambda: ["log_views", "channel_relative"])

    @torch.no_grad()
    def predict(self, images: np.ndarray, batch_size: int = 256, threads: int | None = None) -> np.ndarray:
        """Predicted targets (N, n_outputs) in their original units (``threads``: see ``train_regressor``)."""
        self.model.eval()
        with torch_threads(threads):
            out = [self.model(to_standardised_tensor(images[i:i + batch_size])).numpy()
                   for i in range(0, len(images), batch_size)]
        pred = np.concatenate(out) if out else np.zeros((0, len(self.y_mean)))
        return pred * self.y_sd + self.y_mean

    @torch.no_grad()
    def embed(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """The network's image features (N, dim), for a model with an ``embed`` method (the ViT)."""
        self.model.eval()
        out = [self.model.embed(to_standardised_tensor(images[i:i + batch_size])).numpy()
               for i in range(0, len(images), batch_size)]
        return np.concatenate(out).astype(np.float32)


def train_regressor(model: nn.Module, images: np.ndarray, y: np.ndarray, train_idx: np.ndarray,
                    val_idx: np.ndarray, epochs: int = 10, batch_size: int = 128, lr: float = 2e-3,
                    weight_decay: float = 1e-4, augment: bool = True, seed: int = 0,
                    desc: str = "train", show_progress: bool = True, threads: int | None = None) -> Regressor:
    """Train ``model`` to regress ``y`` (N, k) from uint8 ``images`` (N, H, W, 3).

    Returns a ``Regressor`` holding the weights of the best validation epoch, the per-epoch
    history and a timing breakdown (data preparation vs compute) for the benchmark.
    ``threads`` sets torch's intra-op threads for the run; None (the default) leaves the caller's
    setting alone, which for a chapter is its ``threads`` parameter (see ``torch_threads``).
    """
    with torch_threads(threads):
        return _train(model, images, y, train_idx, val_idx, epochs, batch_size, lr, weight_decay, augment, seed,
                      desc, show_progress)


def _train(model, images, y, train_idx, val_idx, epochs, batch_size, lr, weight_decay, augment, seed, desc,
           show_progress) -> Regressor:
    """The training loop behind ``train_regressor``."""
    y = np.asarray(y, np.float32).reshape(len(images), -1)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    y_mean, y_sd = y[train_idx].mean(0), y[train_idx].std(0) + 1e-6
    x_all = to_standardised_tensor(images)
    y_all = torch.from_numpy((y - y_mean) / y_sd)
    transform = augmenter(*images.shape[1:3]) if augment else None
    steps = max(1, epochs * math.ceil(len(train_idx) / batch_size))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    train_t = torch.as_tensor(np.asarray(train_idx))
    best, best_state, history = float("inf"), None, []
    data_s = compute_s = 0.0
    seen = 0
    for epoch in progress(range(epochs), desc=desc, disable=not show_progress):
        model.train()
        order = train_t[torch.randperm(len(train_t), generator=gen)]
        total = 0.0
        for start in range(0, len(order), batch_size):
            t0 = time.perf_counter()
            idx = order[start:start + batch_size]
            xb, yb = x_all[idx], y_all[idx]
            if transform is not None:
                xb = augment_batch(xb, transform)
            t1 = time.perf_counter()
            loss = nn.functional.mse_loss(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            compute_s += time.perf_counter() - t1
            data_s += t1 - t0
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
        val = _mse(model, x_all, y_all, val_idx)
        history.append({"epoch": epoch + 1, "train_loss": total / max(1, len(order)), "val_loss": val})
        if val < best or best_state is None:
            best, best_state = val, {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    timing = {"data_s": data_s, "compute_s": compute_s, "images": seen,
              "images_per_s": seen / max(data_s + compute_s, 1e-9),
              "data_wait_share": data_s / max(data_s + compute_s, 1e-9)}
    return Regressor(model, y_mean, y_sd, history, timing)


@torch.no_grad()
def _mse(model: nn.Module, x_all: torch.Tensor, y_all: torch.Tensor, idx: np.ndarray) -> float:
    """Mean squared error (standardised units) of ``model`` on rows ``idx``."""
    if len(idx) == 0:
        return float("nan")
    model.eval()
    idx = torch.as_tensor(np.asarray(idx))
    errs = [nn.functional.mse_loss(model(x_all[idx[i:i + 512]]), y_all[idx[i:i + 512]], reduction="sum")
            for i in range(0, len(idx), 512)]
    return float(sum(errs) / (len(idx) * y_all.shape[1]))


def load_generated_samples(path: str | Path, height: int, width: int) -> np.ndarray:
    """Load generated thumbnails (uint8 N x H x W x 3 ``.npy``) and resize them to height x width."""
    from PIL import Image

    path = Path(path)
    arr = np.load(path)
    if arr.ndim != 4 or arr.shape[-1] != 3 or arr.dtype != np.uint8:
        raise ValueError(f"{path}: expected uint8 samples of shape (N, H, W, 3), got {arr.dtype} {arr.shape}")
    if arr.shape[1:3] == (height, width):
        return arr
    return np.stack([np.asarray(Image.fromarray(a).resize((width, height), Image.BILINEAR)) for a in arr])
