"""The pretrained encoder as chapter 04's backbone, the three ways the seed studies used theirs.

The attention and fusion studies started from ImageNet networks; here the network is the book's
own pretrained encoder (chapter 01a), compared on the same split and targets as every other
model of the chapter:

- ``encoder_linear``: the frozen encoder's embeddings with a ridge head (a linear probe);
- ``encoder_finetune``: the encoder and a linear head trained end to end from the pretrained weights;
- ``encoder_scratch``: the same network and head trained from random weights, for as many epochs.

The two trained ones use ``image_models.train_regressor`` (the CNN's loop: augmentation, one-cycle
schedule, the best validation epoch), so the only difference between them is where the weights start.
"""
from __future__ import annotations

import copy
from typing import Mapping

import numpy as np
import torch
from torch import nn

from ..encoder.model import PretrainedEncoder, ThumbEncoder
from . import image_models, text_models
from .data import Predictions, StudyData
from .targets import Targets

BACKBONE_MODELS = ("encoder_linear", "encoder_finetune", "encoder_scratch")


class EncoderRegressor(nn.Module):
    """A ``ThumbEncoder`` with a linear head, reading the chapter's standardised image tensors."""

    def __init__(self, encoder: ThumbEncoder, n_outputs: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.embed_dim, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        unit = x * image_models.PIXEL_SD + image_models.PIXEL_MEAN   # back to [0, 1], what the encoder reads
        return self.head(self.encoder(unit))


def linear_head(encoder: PretrainedEncoder, data: StudyData, targets: Targets, train: np.ndarray) -> Predictions:
    """Ridge regression of every regression target on the frozen encoder's embeddings."""
    emb = encoder.embed(data.images)
    return {t: text_models.embedding_ridge(emb, targets.get(t), train)[0] for t in targets.regression}


def trained_backbone(start: ThumbEncoder, data: StudyData, targets: Targets, masks: Mapping[str, np.ndarray],
                     epochs: int, lr: float, batch_size: int, seed: int, desc: str):
    """(Predictions, Regressor) of ``start`` plus a linear head trained end to end on every regression target."""
    torch.manual_seed(seed)
    outputs = targets.regression
    y = np.column_stack([targets.get(t) for t in outputs])
    net = EncoderRegressor(start, len(outputs))
    reg = image_models.train_regressor(net, data.images, y, np.flatnonzero(masks["train"]),
                                       np.flatnonzero(masks["val"]), epochs=epochs, batch_size=batch_size, lr=lr,
                                       seed=seed, desc=desc)
    reg.outputs = list(outputs)
    out = reg.predict(data.images)
    return {t: out[:, k] for k, t in enumerate(outputs)}, reg


def backbone_models(encoder: PretrainedEncoder, data: StudyData, targets: Targets, masks: Mapping[str, np.ndarray],
                    epochs: int, lr: float, finetune_lr: float, batch_size: int = 128, seed: int = 0):
    """The three uses of the pretrained encoder, on ``masks``: ``({model id: Predictions}, {model id: Regressor})``.

    Fine-tuning starts from a copy of the pretrained weights (the cached encoder is left as it is);
    training from scratch starts from the same architecture with the seed's random weights.
    """
    preds = {"encoder_linear": linear_head(encoder, data, targets, masks["train"])}
    width = encoder.model.channels // 4
    torch.manual_seed(seed)
    starts = {"encoder_finetune": (copy.deepcopy(encoder.model).train(), finetune_lr),
              "encoder_scratch": (ThumbEncoder(width), lr)}
    regressors = {}
    for name, (start, rate) in starts.items():
        preds[name], regressors[name] = trained_backbone(start, data, targets, masks, epochs, rate, batch_size, seed,
                                                         desc=name.replace("_", " "))
    return preds, regressors
