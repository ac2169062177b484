"""Fitting every model of one split: the cheap ones, the image regressors (over seeds) and the fusions.

Each function returns ``{model id: Predictions}`` for every row of the data (scoring then reads
the split's test rows); ids and labels are in ``registry``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from . import baselines, handcrafted, oracle, text_models
from .data import Predictions, StudyData
from .registry import IMAGE_MODELS, label
from .targets import Targets


def cheap_models(data: StudyData, targets: Targets, train: np.ndarray,
                 include_text_embeddings: bool = True) -> dict[str, Predictions]:
    """Fit the baselines, handcrafted OLS, title models and oracles for every regression target."""
    meta = data.metadata
    out: dict[str, Predictions] = {}
    for target in targets.regression:
        y = targets.get(target)
        fits: dict[str, np.ndarray] = {
            "global_median": baselines.global_median(y, train),
            "channel_mean": baselines.channel_mean(y, meta["channel_id"].to_numpy(), train),
            "age_ols": baselines.age_ols(y, meta["age_days"].to_numpy(), train)[0],
            "handcrafted_ols": handcrafted.robust_ols(data.features, y, train)[0],
            "tfidf_ridge": text_models.tfidf_ridge(data.titles, y, train)[0],
        }
        if include_text_embeddings and data.title_embeddings is not None:
            fits["minilm_ridge"] = text_models.embedding_ridge(data.title_embeddings, y, train)[0]
        if oracle.has_truth(meta):
            fits["oracle_content"] = oracle.predictions(meta, y, train, "content")
            fits["oracle_full"] = oracle.predictions(meta, y, train, "full")
        for name, pred in fits.items():
            out.setdefault(name, {})[target] = np.asarray(pred, float)
    return out


@dataclass(frozen=True)
class ImageModelSettings:
    """Which image regressors to train on which splits, their sizes, schedule and seeds (the chapter's parameters)."""

    epochs_cnn: int = 10
    epochs_vit: int = 10
    batch_size: int = 128
    lr_cnn: float = 3e-3
    lr_vit: float = 1e-3
    cnn_width: int = 16
    vit_dim: int = 64
    vit_depth: int = 3
    vit_heads: int = 4
    vit_patch: tuple[int, int] = (6, 8)
    seed: int = 0
    n_seeds: int = 1  # seeds seed, seed + 1, ...; the first one's models are the chapter's
    models: tuple[str, ...] = IMAGE_MODELS
    splits: tuple[str, ...] = ("random",)


def train_image_models(data: StudyData, targets: Targets, masks: Mapping[str, np.ndarray],
                       settings: ImageModelSettings, desc: str = "", seed: int | None = None):
    """Train ``settings.models`` (ids "cnn", "vit") on every regression target at once (one output each).

    Returns ``({model id: Predictions}, {model id: image_models.Regressor})``; ``seed`` overrides
    ``settings.seed``.
    """
    import torch

    from . import image_models

    seed = settings.seed if seed is None else seed
    outputs = targets.regression
    y = np.column_stack([targets.get(t) for t in outputs])
    train, val = np.flatnonzero(masks["train"]), np.flatnonzero(masks["val"])
    preds, regressors = {}, {}
    for name in settings.models:
        torch.manual_seed(seed)
        if name == "cnn":
            model = image_models.SmallCNN(len(outputs), width=settings.cnn_width)
            epochs, lr = settings.epochs_cnn, settings.lr_cnn
        else:
            model = image_models.SmallViT(data.images.shape[1:3], len(outputs), patch=tuple(settings.vit_patch),
                                          dim=settings.vit_dim, depth=settings.vit_depth, heads=settings.vit_heads)
            epochs, lr = settings.epochs_vit, settings.lr_vit
        reg = image_models.train_regressor(model, data.images, y, train, val, epochs=epochs,
                                           batch_size=settings.batch_size, lr=lr, seed=seed,
                                           desc=f"{label(name)} {desc}".strip())
        reg.outputs = list(outputs)
        out = reg.predict(data.images)
        preds[name] = {t: out[:, k] for k, t in enumerate(outputs)}
        regressors[name] = reg
    return preds, regressors


def fusion_models(preds: Mapping[str, Predictions], targets: Targets, masks: Mapping[str, np.ndarray],
                  image: str = "cnn", title: str = "minilm_ridge"):
    """Score-level fusion (weight chosen on validation rows) and a learned head (fitted on validation rows).

    Returns ``({model id: Predictions}, {"val": sweep table, "test": sweep table}, chosen weight)``.
    """
    from . import fusion

    out: dict[str, Predictions] = {}
    sweeps = {}
    for part in ("val", "test"):
        sweeps[part] = fusion.sweep(preds[image]["log_views"], preds[title]["log_views"], targets,
                                    masks[part], masks["train"])
    w = fusion.best_weight(sweeps["val"])
    for target in targets.regression:
        img, tit = preds[image][target], preds[title][target]
        out.setdefault("late_fusion", {})[target] = w * img + (1 - w) * tit
        head_pred, _ = fusion.learned_head(np.column_stack([img, tit]), targets.get(target), masks["val"])
        out.setdefault("fusion_head", {})[target] = head_pred
    return out, sweeps, w
