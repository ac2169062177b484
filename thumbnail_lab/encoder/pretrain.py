"""Self-supervised pretraining: two-view contrastive learning, optionally aligned with titles.

The objective never reads views or element labels. ``contrastive_weight`` weighs SimCLR's
NT-Xent loss between two augmented views of each thumbnail; ``title_weight`` weighs CLIP's
recipe with the text tower frozen: the image's projection is pulled towards its title's
all-MiniLM-L6-v2 embedding and away from the other titles in the batch (soft targets from the
titles' own similarities, because many thumbnails share near-identical titles).

The network runs under bfloat16 autocast (``bf16``; the losses are computed in float32) where the
CPU has bfloat16 instructions (AVX512-BF16 or AMX), which about doubles the speed there; elsewhere
it runs in float32, because autocast on a CPU without them emulates bfloat16 and was measured 12x
slower than float32 (0.58 s against 7.2 s per step of 128 thumbnails, one thread, AVX2 only). Training is counted in steps
and checkpointed with ``thumbnail_lab.checkpoint`` (model,
optimiser and the sampling/augmentation generator), so a killed run resumes to the same weights.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..checkpoint import data_digest, maybe_checkpoint
from ..progress import progress
from .augment import Augmentations, augment
from .model import ThumbEncoder, to_input


def native_bf16() -> bool:
    """Whether this CPU computes in bfloat16 natively (AVX512-BF16 or AMX tiles), as torch reports it."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)


@dataclass(frozen=True)
class PretrainConfig:
    """What the pretraining does (everything that changes the weights)."""

    steps: int = 600
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup: int = 30
    temperature: float = 0.2
    contrastive_weight: float = 1.0
    title_weight: float = 0.0
    width: int = 32
    proj_dim: int = 128
    augment: Augmentations = field(default_factory=Augmentations)
    bf16: bool = field(default_factory=native_bf16)
    seed: int = 0
    checkpoint_every: int = 50

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class PretrainResult:
    """The trained encoder and what training cost."""

    model: ThumbEncoder
    history: list[float]
    seconds: float
    images_per_s: float
    steps_run: int


class Heads(nn.Module):
    """Projection heads on top of the embedding (thrown away after pretraining)."""

    def __init__(self, embed_dim: int, proj_dim: int, text_dim: int) -> None:
        super().__init__()
        self.contrastive = nn.Sequential(nn.Linear(embed_dim, 512), nn.ReLU(inplace=True), nn.Linear(512, proj_dim))
        self.title = nn.Sequential(nn.Linear(embed_dim, 512), nn.ReLU(inplace=True), nn.Linear(512, text_dim))
        self.log_scale = nn.Parameter(torch.tensor(math.log(10.0)))


class _Trainee(nn.Module):
    def __init__(self, encoder: ThumbEncoder, heads: Heads) -> None:
        super().__init__()
        self.encoder, self.heads = encoder, heads


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's loss: each view must pick its partner among the 2N - 1 other views."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.T / temperature
    n = z1.shape[0]
    sim.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, target)


def title_alignment(img: torch.Tensor, text: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """CLIP's image-to-text loss with the text frozen and soft targets from title-title similarity."""
    img = F.normalize(img, dim=1)
    logits = img @ text.T * log_scale.exp().clamp(max=100.0)
    with torch.no_grad():
        target = F.softmax(text @ text.T / 0.05, dim=1)
    return -(target * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


def autocast(enabled: bool):
    """bfloat16 autocast on the CPU: about twice the training speed where the CPU has bf16 instructions
    (``native_bf16``), many times slower where it has not."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(enabled))


def lr_at(step: int, config: PretrainConfig) -> float:
    """Linear warm-up, then cosine decay to zero (a function of the step alone: resumable)."""
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    t = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))


def pretrain(images: np.ndarray, config: PretrainConfig, title_embeddings: np.ndarray | None = None,
             checkpoint_path: str | Path | None = None, show_progress: bool = True) -> PretrainResult:
    """Pretrain a ``ThumbEncoder`` on uint8 thumbnails ``(N, H, W, 3)`` without labels.

    Parameters
    ----------
    images : np.ndarray
        The corpus.
    config : PretrainConfig
        Steps, batch, optimiser, objective weights and augmentations.
    title_embeddings : np.ndarray, optional
        Unit-length ``(N, D)`` title embeddings; required when ``config.title_weight > 0``.
    checkpoint_path : path, optional
        Save every ``checkpoint_every`` steps and resume from a matching checkpoint.
    """
    if config.title_weight > 0 and title_embeddings is None:
        raise ValueError("title_weight > 0 needs the titles' embeddings")
    if config.contrastive_weight <= 0 and config.title_weight <= 0:
        raise ValueError("at least one of contrastive_weight and title_weight must be positive")
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    encoder = ThumbEncoder(config.width)
    text_dim = title_embeddings.shape[1] if title_embeddings is not None else 1
    trainee = _Trainee(encoder, Heads(encoder.embed_dim, config.proj_dim, text_dim))
    opt = torch.optim.AdamW(trainee.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    data = to_input(images)
    text = torch.from_numpy(np.asarray(title_embeddings, np.float32)) if title_embeddings is not None else None
    ckpt = maybe_checkpoint(checkpoint_path, {"trainer": "encoder-pretrain-v1", "data": data_digest(images),
                                              "titles": data_digest(title_embeddings) if text is not None else None,
                                              "config": config.as_dict(), "threads": torch.get_num_threads()})
    first, history = 0, []
    if ckpt is not None:
        first, extra = ckpt.load(trainee, opt, {"batches": gen})
        history = list(extra.get("history", []))
    trainee.train()
    n = len(data)
    start = time.perf_counter()
    running = 0.0
    for step in progress(range(first, config.steps), desc="pretraining steps", disable=not show_progress):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, config)
        idx = torch.randint(0, n, (config.batch_size,), generator=gen)
        x = data[idx]
        loss = torch.zeros(())
        with autocast(config.bf16):
            if config.contrastive_weight > 0:
                v1, v2 = augment(x, config.augment, gen), augment(x, config.augment, gen)
                e = trainee.encoder(torch.cat([v1, v2]))
                z = trainee.heads.contrastive(e).float()
                loss = loss + config.contrastive_weight * nt_xent(z[:len(x)], z[len(x):], config.temperature)
                e_title = e[:len(x)]
            else:
                e_title = trainee.encoder(augment(x, config.augment, gen))
            if config.title_weight > 0:
                loss = loss + config.title_weight * title_alignment(trainee.heads.title(e_title).float(), text[idx],
                                                                     trainee.heads.log_scale)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        running += float(loss.detach())
        if (step + 1) % config.checkpoint_every == 0 or step + 1 == config.steps:
            history.append(running / max(1, (step + 1) - (len(history) * config.checkpoint_every)))
            running = 0.0
            if ckpt is not None:
                ckpt.save(trainee, opt, step + 1, {"batches": gen}, {"history": history})
    seconds = time.perf_counter() - start
    steps_run = config.steps - first
    views = 2 if config.contrastive_weight > 0 else 1
    ips = steps_run * config.batch_size * views / seconds if steps_run else float("nan")
    return PretrainResult(encoder.eval(), history, seconds, ips, steps_run)
