"""Walks through a generator's latent space, as a strip of frames and an animated GIF."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..atomic import atomic_path


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between latent vectors (stays at the typical norm of a Gaussian)."""
    a_n, b_n = a / a.norm(), b / b.norm()
    omega = torch.arccos(torch.clamp((a_n * b_n).sum(), -1.0, 1.0))
    if omega.abs() < 1e-6:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def latent_walk(anchors: torch.Tensor, frames_per_leg: int) -> torch.Tensor:
    """Latents visiting each anchor in turn (slerp between consecutive anchors), ``(legs*frames+1, z_dim)``."""
    if len(anchors) < 2 or frames_per_leg < 1:
        raise ValueError("need at least two anchors and one frame per leg")
    steps = [slerp(anchors[i], anchors[i + 1], j / frames_per_leg)
             for i in range(len(anchors) - 1) for j in range(frames_per_leg)]
    return torch.stack(steps + [anchors[-1]])


def save_gif(frames: np.ndarray, path: str | Path, scale: int = 4, ms_per_frame: int = 120) -> Path:
    """Write uint8 frames ``(N, H, W, 3)`` as a looping GIF, upscaled ``scale`` times (nearest)."""
    path = Path(path)
    pics = [Image.fromarray(f).resize((f.shape[1] * scale, f.shape[0] * scale), Image.NEAREST) for f in frames]
    with atomic_path(path) as tmp:
        pics[0].save(tmp, format="GIF", save_all=True, append_images=pics[1:], duration=ms_per_frame, loop=0)
    return path
