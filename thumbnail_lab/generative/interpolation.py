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


#: A walk is called smooth when its largest step is below this share of the distance between random samples.
SMOOTH_STEP = 0.5


def walk_smoothness(frames: np.ndarray, samples: np.ndarray, n_pairs: int = 500, seed: int = 0) -> dict[str, float]:
    """Pixel distance between consecutive frames of a walk against the distance between random sample pairs.

    Returns the mean and the largest consecutive-frame distance, the mean distance of ``n_pairs``
    random pairs of ``samples`` (the jump a walk would make if each frame were a fresh sample),
    their ratios, and ``smooth``: whether the largest step stays below ``SMOOTH_STEP`` of that jump.
    A walk whose frames are shuffled (:func:`shuffled`) is the control that must fail.
    """
    f = np.asarray(frames, np.float64).reshape(len(frames), -1) / 255.0
    s = np.asarray(samples, np.float64).reshape(len(samples), -1) / 255.0
    steps = np.linalg.norm(np.diff(f, axis=0), axis=1)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(s), n_pairs), rng.integers(0, len(s), n_pairs)
    keep = a != b
    random_pair = float(np.linalg.norm(s[a[keep]] - s[b[keep]], axis=1).mean())
    return {"step_mean": float(steps.mean()), "step_max": float(steps.max()), "random_pair": random_pair,
            "mean_ratio": float(steps.mean() / random_pair), "max_ratio": float(steps.max() / random_pair),
            "smooth": bool(steps.max() < SMOOTH_STEP * random_pair)}


def shuffled(frames: np.ndarray, seed: int = 0) -> np.ndarray:
    """The walk's frames in a random order: the same images, no continuity (the positive control)."""
    return frames[np.random.default_rng(seed).permutation(len(frames))]
