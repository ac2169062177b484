"""Steering chapter 03's diffusion model towards a popularity model, and scoring the result twice.

Two ways to ask a generator for "more views": **best-of-N** (draw N samples, keep the one the
popularity model scores highest) and **gradient guidance** (at every DDIM step, move the model's
estimate of the clean image along the gradient of the popularity model's prediction, then take
the step from the moved estimate). What comes out is scored by the model that steered it and by
the truth, *estimated*: an element probe reads which elements a generated image shows, and
ThumbWorld's true element effects turn those into a content effect. Where the first score keeps
rising and the second does not, the generator is exploiting the model.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from ..popularity.image_models import PIXEL_MEAN, PIXEL_SD


def cnn_input(images_signed: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Images in [-1, 1] (N, 3, H, W) -> the popularity CNN's standardised input at its size (differentiable)."""
    x = images_signed.clamp(-1, 1)
    if x.shape[-2:] != (height, width):
        x = torch.nn.functional.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)
    return ((x + 1) / 2 - PIXEL_MEAN) / PIXEL_SD


def clean_and_noise(out: torch.Tensor, x: torch.Tensor, a: float, kind: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The clean-image and noise estimates at a step with cumulative alpha ``a`` from the UNet's ``out``."""
    sa, sb = a ** 0.5, (1 - a) ** 0.5
    if kind == "epsilon":
        return (x - sb * out) / sa, out
    if kind == "v_prediction":
        return sa * x - sb * out, sa * out + sb * x
    return out, (x - sa * out) / sb


def guided_sample(model, config, n: int, seed: int, num_steps: int, strength: float,
                  score: Callable[[torch.Tensor], torch.Tensor] | None = None, autoencoder=None,
                  batch_size: int = 64) -> np.ndarray:
    """DDIM samples (uint8) steered by the gradient of ``score`` (images in [-1, 1] -> one value each).

    At each step the clean estimate moves by ``strength * sqrt(1 - alpha_t)`` times the score's
    gradient normalised to unit RMS per image. ``strength = 0`` is plain DDIM (eta = 0), the
    sampler of ``generative.diffusion.sample``, from the same noise for the same ``seed``.
    """
    from ..generative.diffusion import make_scheduler
    from ..generative.images import to_uint8

    sched = make_scheduler(config, "ddim")
    sched.set_timesteps(num_steps)
    acp = sched.alphas_cumprod.double().numpy()
    jump = config.num_train_timesteps // num_steps
    rng, out = torch.Generator().manual_seed(seed), []
    model.eval()
    for start in range(0, n, batch_size):
        m = min(batch_size, n - start)
        x = torch.randn(m, config.channels, config.height, config.width, generator=rng)
        for t in sched.timesteps:
            a = float(acp[int(t)])
            a_prev = float(acp[int(t) - jump]) if int(t) - jump >= 0 else 1.0
            with torch.no_grad():
                x0, eps = clean_and_noise(model(x, t.expand(m)), x, a, config.prediction_type)
            if getattr(config, "pixel_space", config.channels == 3):  # diffusers clips pixel estimates
                x0 = x0.clamp(-1, 1)
            if strength and score is not None:
                x0 = x0 + strength * (1 - a) ** 0.5 * _unit_gradient(x0, score, autoencoder)
            if strength:  # diffusers' DDIM keeps the unclipped noise estimate (use_clipped_model_output=False)
                eps = (x - a ** 0.5 * x0) / (1 - a) ** 0.5
            x = a_prev ** 0.5 * x0 + (1 - a_prev) ** 0.5 * eps
        with torch.no_grad():
            out.append(to_uint8(autoencoder.decode(x) if autoencoder is not None else x))
    return np.concatenate(out)


def _unit_gradient(x0: torch.Tensor, score, autoencoder) -> torch.Tensor:
    """Gradient of ``score`` at the clean estimate, scaled to unit RMS per image."""
    x0 = x0.detach().requires_grad_(True)
    with torch.enable_grad():
        images = autoencoder.decode(x0) if autoencoder is not None else x0
        grad, = torch.autograd.grad(score(images).sum(), x0)
    rms = grad.pow(2).mean(dim=(1, 2, 3), keepdim=True).sqrt().clamp_min(1e-12)
    return grad / rms


def best_of_n(images: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    """From consecutive groups of ``n`` images, the one with the highest score each."""
    groups = len(images) // n
    s = np.asarray(scores[:groups * n], float).reshape(groups, n)
    return images[:groups * n].reshape(groups, n, *images.shape[1:])[np.arange(groups), s.argmax(1)]


def truth_estimate(probs: np.ndarray, names: Sequence[str], truth: Mapping) -> np.ndarray:
    """Expected true content effect of images whose element probabilities (N, E) a probe gives."""
    effects, inter = truth.get("element_effects", {}), truth.get("interactions", {})
    idx = {e: j for j, e in enumerate(names)}
    probs = np.asarray(probs, float)
    total = sum(effects.get(e, 0.0) * probs[:, j] for e, j in idx.items())
    for pair, eff in inter.items():
        a, b = pair.split("*")
        if a in idx and b in idx:
            total = total + eff * probs[:, idx[a]] * probs[:, idx[b]]
    return np.asarray(total, float) * np.ones(len(probs))


def uplift(treated: np.ndarray, control: np.ndarray, n_boot: int = 200, seed: int = 0,
           paired: bool = False) -> tuple[float, float, float]:
    """Mean of ``treated`` minus mean of ``control`` with a 95 % bootstrap interval.

    ``paired``: sample i of both sets came from the same starting noise, so they are resampled together.
    """
    rng = np.random.default_rng(seed)
    treated, control = np.asarray(treated, float), np.asarray(control, float)
    ti = rng.integers(0, len(treated), (n_boot, len(treated)))
    ci = ti if paired else rng.integers(0, len(control), (n_boot, len(control)))
    draws = treated[ti].mean(1) - control[ci].mean(1)
    lo, hi = np.quantile(draws, [0.025, 0.975])
    return float(treated.mean() - control.mean()), float(lo), float(hi)


def probe_scores(probs: np.ndarray, labels: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """Accuracy of each element probe (threshold 0.5) on images whose elements ``labels`` are known."""
    return {e: float(((probs[:, j] > 0.5) == (labels[:, j] > 0.5)).mean()) for j, e in enumerate(names)}
