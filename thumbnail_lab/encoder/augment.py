"""Batched image augmentations for contrastive pretraining, each one switchable and measurable.

Every augmentation is drawn per image from a ``torch.Generator``, so a run is repeatable and a
resumed run continues the same stream. Crops and flips move things around (they remove the
position shortcut); brightness, contrast and saturation jitter, hue rotation and greyscale
change colours (they remove the colour shortcut, and with it, unless measured, the palette).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Augmentations:
    """How strongly each augmentation acts (0 switches it off).

    Attributes
    ----------
    crop_min : float
        Smallest share of the image area a random crop keeps (1 = no crop).
    flip : float
        Probability of a horizontal flip.
    brightness, contrast, saturation : float
        Multiplicative jitter: a factor drawn from [1 - x, 1 + x].
    hue : float
        Hue rotation drawn from [-hue, hue] turns (0.5 = any hue).
    grey : float
        Probability of turning the image grey.
    """

    crop_min: float = 0.35
    flip: float = 0.5
    brightness: float = 0.3
    contrast: float = 0.3
    saturation: float = 0.3
    hue: float = 0.0
    grey: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _uniform(n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=gen)


def random_crop_flip(x: torch.Tensor, aug: Augmentations, gen: torch.Generator) -> torch.Tensor:
    """Random resized crops (area in [crop_min, 1], aspect jitter of 20%) and flips, at the input size."""
    n = x.shape[0]
    area = _uniform(n, aug.crop_min, 1.0, gen)
    log_ratio = _uniform(n, math.log(0.8), math.log(1.25), gen)
    sx = torch.sqrt(area * torch.exp(log_ratio)).clamp(max=1.0)
    sy = (area / sx).clamp(max=1.0)
    tx = (1 - sx) * _uniform(n, -1.0, 1.0, gen)
    ty = (1 - sy) * _uniform(n, -1.0, 1.0, gen)
    flip = torch.where(torch.rand(n, generator=gen) < aug.flip, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = sx * flip, tx
    theta[:, 1, 1], theta[:, 1, 2] = sy, ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_FROM_YIQ = torch.linalg.inv(_TO_YIQ)


def colour_jitter(x: torch.Tensor, aug: Augmentations, gen: torch.Generator) -> torch.Tensor:
    """Brightness, contrast, saturation, hue rotation (in YIQ) and greyscale, per image."""
    n = x.shape[0]
    one = torch.ones(n)
    b = _uniform(n, 1 - aug.brightness, 1 + aug.brightness, gen) if aug.brightness else one
    c = _uniform(n, 1 - aug.contrast, 1 + aug.contrast, gen) if aug.contrast else one
    s = _uniform(n, 1 - aug.saturation, 1 + aug.saturation, gen) if aug.saturation else one
    h = _uniform(n, -aug.hue, aug.hue, gen) * 2 * math.pi if aug.hue else torch.zeros(n)
    if aug.grey:
        s = torch.where(torch.rand(n, generator=gen) < aug.grey, torch.zeros(n), s)
    # One 3x3 colour matrix per image: to YIQ, scale chroma by s and rotate it by h, back to RGB.
    cos, sin = torch.cos(h) * s, torch.sin(h) * s
    m = torch.zeros(n, 3, 3)
    m[:, 0, 0] = 1.0
    m[:, 1, 1], m[:, 1, 2], m[:, 2, 1], m[:, 2, 2] = cos, -sin, sin, cos
    mats = _FROM_YIQ @ m @ _TO_YIQ
    y = torch.einsum("nij,njhw->nihw", mats, x) * b.view(n, 1, 1, 1)
    mean = y.mean(dim=(1, 2, 3), keepdim=True)
    return ((y - mean) * c.view(n, 1, 1, 1) + mean).clamp(0.0, 1.0)


def augment(x: torch.Tensor, aug: Augmentations, gen: torch.Generator) -> torch.Tensor:
    """One random view of each image in ``x`` (float ``(N, 3, H, W)`` in [0, 1])."""
    if aug.crop_min < 1.0 or aug.flip > 0:
        x = random_crop_flip(x, aug, gen)
    if aug.brightness or aug.contrast or aug.saturation or aug.hue or aug.grey:
        x = colour_jitter(x, aug, gen)
    return x
