"""Explanations: Grad-CAM for the CNN, attention rollout for the ViT, leave-one-word-out title
attributions (in ``text_models``), and the element effects the models imply vs the planted ones."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def grad_cam(model: nn.Module, x: torch.Tensor, layer: nn.Module, output: int = 0,
             sign: float = 1.0) -> np.ndarray:
    """Grad-CAM maps (N, H, W) in [0, 1] for regression output ``output``.

    The gradient of ``sign * output`` with respect to ``layer``'s activation map, averaged over
    space, weights the channels; the ReLU of the weighted sum, upsampled to the image size, shows
    where the evidence that raises (``sign=+1``) or lowers (``sign=-1``) the prediction lies.
    """
    store: dict[str, torch.Tensor] = {}

    def hook(_module, _inp, out):
        out.retain_grad()
        store["act"] = out

    handle = layer.register_forward_hook(hook)
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            pred = model(x)
            model.zero_grad(set_to_none=True)
            (sign * pred[:, output]).sum().backward()
    finally:
        handle.remove()
        model.train(was_training)
    act, grad = store["act"].detach(), store["act"].grad.detach()
    cam = F.relu((grad.mean(dim=(2, 3), keepdim=True) * act).sum(1, keepdim=True))
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    return _normalise(cam.numpy())


@torch.no_grad()
def attention_rollout(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) of a ``SmallViT``: (N, H, W) maps in [0, 1].

    Head-averaged attention plus the residual identity, renormalised and multiplied through
    the layers; the [CLS] row gives how much each patch flows into the prediction.
    """
    model.eval()
    model.keep_attention(True)
    try:
        model(x)
        mats = [blk.attention.mean(1) for blk in model.blocks]
    finally:
        model.keep_attention(False)
    eye = torch.eye(mats[0].shape[-1])
    rollout = eye.expand_as(mats[0])
    for a in mats:
        a = 0.5 * a + 0.5 * eye
        rollout = (a / a.sum(-1, keepdim=True)) @ rollout
    cls = rollout[:, 0, 1:].reshape(len(x), 1, *model.grid)
    return _normalise(F.interpolate(cls, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0].numpy())


def _normalise(maps: np.ndarray) -> np.ndarray:
    """Scale each map to [0, 1] (a flat map becomes all zeros)."""
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (maps - lo) / np.where(span > 0, span, 1), 0.0)


def word_colours(attributions: Sequence[tuple[str, float]], scale: float | None = None):
    """RGBA colour per word: blue raises the prediction, red lowers it, white is neutral."""
    import matplotlib

    vals = np.array([a for _, a in attributions], float)
    scale = scale or (np.abs(vals).max() if len(vals) and np.abs(vals).max() > 0 else 1.0)
    cmap = matplotlib.colormaps["RdBu"]
    return [cmap(0.5 + 0.5 * np.clip(v / scale, -1, 1)) for v in vals]
