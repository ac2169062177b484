"""Explanations: Grad-CAM for the CNN, attention rollout for the ViT, leave-one-word-out title
attributions (in ``text_models``), and the element effects the models imply vs the planted ones."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
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


def implied_effects(prediction: np.ndarray, elements: pd.DataFrame) -> pd.DataFrame:
    """Effect of each element on a model's prediction: OLS of the prediction on all element
    indicators together (HC3 errors). For a model that learned the planted world this recovers
    the planted log10 effects; shrinkage shows up as slopes below the diagonal.

    Returns a frame indexed by element with ``effect``, ``low``, ``high`` (95 %).
    """
    X = sm.add_constant(elements.astype(float), has_constant="add")
    fit = sm.OLS(np.asarray(prediction, float), X).fit(cov_type="HC3")
    ci = fit.conf_int()
    names = list(elements.columns)
    return pd.DataFrame({"effect": fit.params[names], "low": ci.loc[names, 0], "high": ci.loc[names, 1]})


def recovered_vs_planted(predictions: Mapping[str, np.ndarray], metadata: pd.DataFrame,
                         planted: Mapping[str, float], rows: np.ndarray) -> pd.DataFrame:
    """Long table (model, element, planted, effect, low, high) of implied vs planted effects.

    ``predictions`` maps a model name to its predicted log10 views for every row; the element
    indicators are the ``true_<element>`` columns; ``rows`` selects the evaluated rows.
    """
    names = [e for e in planted if f"true_{e}" in metadata]
    if not names:
        raise KeyError("metadata has no true_<element> columns for the planted elements")
    elements = metadata.loc[rows, [f"true_{e}" for e in names]].set_axis(names, axis=1)
    elements = elements.loc[:, elements.std() > 0]  # an element never shown cannot be estimated
    out = []
    for model, pred in predictions.items():
        eff = implied_effects(np.asarray(pred)[rows], elements)
        eff["planted"] = [float(planted[e]) for e in eff.index]
        out.append(eff.assign(model=model).rename_axis("element").reset_index())
    return pd.concat(out, ignore_index=True)


def word_colours(attributions: Sequence[tuple[str, float]], scale: float | None = None):
    """RGBA colour per word: blue raises the prediction, red lowers it, white is neutral."""
    import matplotlib

    vals = np.array([a for _, a in attributions], float)
    scale = scale or (np.abs(vals).max() if len(vals) and np.abs(vals).max() > 0 else 1.0)
    cmap = matplotlib.colormaps["RdBu"]
    return [cmap(0.5 + 0.5 * np.clip(v / scale, -1, 1)) for v in vals]
