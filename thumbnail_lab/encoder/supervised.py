"""The supervised ceiling: the same network trained on the corpus's element labels.

It gets the same corpus, batch size and number of steps as the pretraining, and flips as its
only augmentation. What its linear probes reach is the best this network can do at this
resolution and budget; elements it cannot detect are, for this network, too small to see.
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..progress import progress
from .augment import Augmentations, augment
from .model import ThumbEncoder, to_input
from .pretrain import PretrainConfig, PretrainResult, autocast, lr_at


def train_supervised(images: np.ndarray, labels: np.ndarray, config: PretrainConfig,
                     show_progress: bool = True) -> PretrainResult:
    """Train ``ThumbEncoder`` + a linear multi-label head with binary cross-entropy on ``labels`` (N, L)."""
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    encoder = ThumbEncoder(config.width)
    head = nn.Linear(encoder.embed_dim, labels.shape[1])
    params = list(encoder.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    data, y = to_input(images), torch.from_numpy(np.asarray(labels, np.float32))
    flips = Augmentations(crop_min=1.0, flip=0.5, brightness=0.0, contrast=0.0, saturation=0.0)
    encoder.train()
    start = time.perf_counter()
    history = []
    for step in progress(range(config.steps), desc="supervised ceiling steps", disable=not show_progress):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, config)
        idx = torch.randint(0, len(data), (config.batch_size,), generator=gen)
        with autocast(config.bf16):
            logits = head(encoder(augment(data[idx], flips, gen))).float()
        loss = F.binary_cross_entropy_with_logits(logits, y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        history.append(float(loss.detach()))
    seconds = time.perf_counter() - start
    return PretrainResult(encoder.eval(), history, seconds, config.steps * config.batch_size / seconds, config.steps)
