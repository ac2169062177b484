"""A denoising diffusion model of thumbnails on Hugging Face diffusers.

The network is diffusers' ``UNet2DModel``; noise schedules and samplers are its
``DDPMScheduler`` (the full ancestral sampler) and ``DDIMScheduler`` (few deterministic steps).
To fit a CPU budget the UNet can work on a 2x2 *patchified* image (pixel-unshuffle in,
pixel-shuffle out, as in "simple diffusion" and DiT): a 64x36 thumbnail becomes a 32x18 map
with 12 channels, which costs about a quarter of the compute of full resolution.
EMA weights (``diffusers.training_utils.EMAModel``) are what we sample from. At a CPU budget
of a few thousand steps, predicting the clean image (``prediction_type="sample"``) gives clean,
if smooth, samples, where noise (epsilon) or v prediction still leave visible grain.
"""
from __future__ import annotations

import copy
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from diffusers import DDIMScheduler, DDPMScheduler, UNet2DModel
from diffusers.training_utils import EMAModel
from torch import nn

from ..atomic import atomic_path
from ..progress import progress
from ..threads import threaded
from .images import to_tensor, to_uint8, training_tensor


@dataclass(frozen=True)
class DiffusionConfig:
    """UNet size, noise schedule, prediction target and optimiser settings of one DDPM run."""

    height: int = 36
    width: int = 64
    patch: int = 2                                   # 1 = full resolution, 2 = 2x2 pixel-unshuffle
    block_out_channels: tuple[int, ...] = (64, 128)
    layers_per_block: int = 1
    attention: bool = False                          # self-attention in the lowest-resolution block
    num_train_timesteps: int = 1000
    beta_schedule: str = "squaredcos_cap_v2"         # cosine schedule
    prediction_type: str = "sample"                  # the clean image; or "v_prediction", "epsilon"
    lr: float = 1e-3
    batch_size: int = 32
    ema_power: float = 0.75                          # EMA warm-up: decay = 1 - (1 + step) ** -power

    def __post_init__(self) -> None:
        factor = self.patch * 2 ** (len(self.block_out_channels) - 1)
        if self.height % factor or self.width % factor:
            raise ValueError(f"{self.height}x{self.width} is not divisible by {factor} "
                             f"(patch {self.patch}, {len(self.block_out_channels)} UNet levels)")
        if self.prediction_type not in ("epsilon", "v_prediction", "sample"):
            raise ValueError("prediction_type must be 'epsilon', 'v_prediction' or 'sample', "
                             f"got {self.prediction_type!r}")


class PatchedUNet(nn.Module):
    """``UNet2DModel`` wrapped in a pixel-unshuffle / pixel-shuffle pair (identity when ``patch == 1``)."""

    def __init__(self, config: DiffusionConfig) -> None:
        super().__init__()
        p, levels = config.patch, len(config.block_out_channels)
        down = ["DownBlock2D"] * levels
        up = ["UpBlock2D"] * levels
        if config.attention:
            down[-1], up[0] = "AttnDownBlock2D", "AttnUpBlock2D"
        self.patch = p
        self.unet = UNet2DModel(sample_size=(config.height // p, config.width // p), in_channels=3 * p * p,
                                out_channels=3 * p * p, block_out_channels=tuple(config.block_out_channels),
                                layers_per_block=config.layers_per_block, down_block_types=tuple(down),
                                up_block_types=tuple(up), norm_num_groups=8, attention_head_dim=32)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.patch > 1:
            x = F.pixel_unshuffle(x, self.patch)
        out = self.unet(x, t).sample
        return F.pixel_shuffle(out, self.patch) if self.patch > 1 else out


def make_scheduler(config: DiffusionConfig, kind: str = "ddpm") -> DDPMScheduler | DDIMScheduler:
    """The training/ancestral ``DDPMScheduler`` or a ``DDIMScheduler`` sharing its noise schedule."""
    ddpm = DDPMScheduler(num_train_timesteps=config.num_train_timesteps, beta_schedule=config.beta_schedule,
                         prediction_type=config.prediction_type, clip_sample=True, timestep_spacing="trailing")
    if kind == "ddpm":
        return ddpm
    if kind == "ddim":
        return DDIMScheduler.from_config(ddpm.config)
    raise ValueError(f"scheduler kind must be 'ddpm' or 'ddim', got {kind!r}")


@dataclass
class DiffusionRun:
    """What one DDPM training run produced."""

    config: DiffusionConfig
    model: PatchedUNet
    ema_model: PatchedUNet
    history: pd.DataFrame                      # step, loss (smoothed over the logging window)
    seconds: float = 0.0
    data_seconds: float = 0.0
    images_seen: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def images_per_second(self) -> float:
        return self.images_seen / max(self.seconds, 1e-9)


def diffusion_loss(model: nn.Module, scheduler: DDPMScheduler, clean: torch.Tensor,
                   rng: torch.Generator) -> torch.Tensor:
    """MSE between the network's output and its target (noise or v) at uniformly drawn timesteps."""
    noise = torch.randn(clean.shape, generator=rng)
    t = torch.randint(0, scheduler.config.num_train_timesteps, (len(clean),), generator=rng)
    noisy = scheduler.add_noise(clean, noise, t)
    kind = scheduler.config.prediction_type
    target = {"epsilon": noise, "sample": clean}.get(kind)
    if target is None:
        target = scheduler.get_velocity(clean, noise, t)
    return F.mse_loss(model(noisy, t), target)


@threaded
def train_diffusion(images: np.ndarray, config: DiffusionConfig, steps: int, seed: int = 0,
                    log_every: int = 10, desc: str = "DDPM") -> DiffusionRun:
    """Train a DDPM with EMA weights on uint8 ``images`` for ``steps`` optimiser steps.

    Parameters
    ----------
    images : np.ndarray
        uint8 ``(N, H, W, 3)`` training thumbnails matching ``config.height`` x ``config.width``.
    config : DiffusionConfig
        Network, schedule, prediction target and optimiser settings.
    steps : int
        Number of optimiser steps of ``config.batch_size`` images.
    seed : int
        Seeds the initial weights, batch order, noise and timesteps.
    log_every : int
        The loss history holds the mean loss of every window of this many steps.
    threads : int, optional
        Keyword only: torch CPU threads for this call (see :mod:`thumbnail_lab.threads`).
    """
    data = training_tensor(images, config.height, config.width)
    torch.manual_seed(seed)
    model = PatchedUNet(config)
    ema = EMAModel(model.parameters(), decay=0.9999, use_ema_warmup=True, power=config.ema_power)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    # warm-up then cosine decay: a short run needs a high learning rate early and a calm one at the end
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=max(steps, 2), pct_start=0.05)
    scheduler = make_scheduler(config)
    rng = torch.Generator().manual_seed(seed + 1)
    run = DiffusionRun(config, model, model, pd.DataFrame())
    rows, window, order, pos = [], [], torch.randperm(len(data), generator=rng), 0
    start = time.perf_counter()
    for step in progress(range(1, steps + 1), desc=desc):
        t0 = time.perf_counter()
        if pos + config.batch_size > len(data):
            order, pos = torch.randperm(len(data), generator=rng), 0
        clean = data[order[pos:pos + config.batch_size]]
        pos += config.batch_size
        # no horizontal flips: text and logos would mirror, and the model would learn mirrored thumbnails
        run.data_seconds += time.perf_counter() - t0
        loss = diffusion_loss(model, scheduler, clean, rng)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        ema.step(model.parameters())
        run.images_seen += len(clean)
        window.append(loss.item())
        if step % log_every == 0 or step == steps:
            rows.append({"step": step, "loss": float(np.mean(window))})
            window = []
    run.seconds = time.perf_counter() - start
    run.history = pd.DataFrame(rows)
    run.ema_model = copy.deepcopy(model)
    ema.copy_to(run.ema_model.parameters())
    model.eval()
    run.ema_model.eval()
    return run


@threaded
@torch.no_grad()
def sample(model: nn.Module, config: DiffusionConfig, n: int, seed: int, sampler: str = "ddim",
           num_steps: int = 50, batch_size: int = 128, keep_every: int | None = None
           ) -> np.ndarray | tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
    """Draw ``n`` images with the DDIM (``eta = 0``) or the full DDPM ancestral sampler.

    The same ``seed`` gives the same images. ``num_steps`` is ignored by ``"ddpm"``, which
    walks all ``config.num_train_timesteps`` steps. With ``keep_every`` the function also returns
    the trajectory ``[(timestep, predicted x_t as uint8), ...]`` of the first batch.
    """
    scheduler = make_scheduler(config, sampler)
    scheduler.set_timesteps(config.num_train_timesteps if sampler == "ddpm" else num_steps)
    rng = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    out, trajectory = [], []
    for start in range(0, n, batch_size):
        m = min(batch_size, n - start)
        x = torch.randn(m, 3, config.height, config.width, generator=rng)
        for i, t in enumerate(scheduler.timesteps):
            step = scheduler.step(model(x, t.expand(m)), t, x, generator=rng)
            x = step.prev_sample
            if keep_every and start == 0 and (i % keep_every == 0 or i == len(scheduler.timesteps) - 1):
                trajectory.append((int(t), to_uint8(x)))
        out.append(to_uint8(x))
    model.train(was_training)
    images = np.concatenate(out)
    return (images, trajectory) if keep_every else images


def forward_noising(images: np.ndarray, config: DiffusionConfig, timesteps: list[int], seed: int = 0) -> np.ndarray:
    """Images noised to each timestep with the training schedule: uint8 ``(len(timesteps), N, H, W, 3)``."""
    scheduler = make_scheduler(config)
    clean = to_tensor(images)
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(seed))
    return np.stack([to_uint8(scheduler.add_noise(clean, noise, torch.full((len(clean),), t))) for t in timesteps])


@threaded
def time_sampler(model: nn.Module, config: DiffusionConfig, n: int, seed: int, sampler: str,
                 num_steps: int) -> tuple[np.ndarray, float]:
    """Samples and the wall-clock seconds they took."""
    t0 = time.perf_counter()
    images = sample(model, config, n, seed, sampler, num_steps)
    return images, time.perf_counter() - t0


def save_diffusion(run: DiffusionRun, path: str | Path, extra: dict | None = None) -> Path:
    """Save the EMA weights and config (atomically)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save({"config": asdict(run.config), "ema": run.ema_model.state_dict(), "extra": extra or {}}, tmp)
    return path


def load_diffusion(path: str | Path) -> tuple[PatchedUNet, DiffusionConfig, dict]:
    """Load EMA weights saved by :func:`save_diffusion`: the model (eval mode), its config and metadata."""
    state = torch.load(Path(path), map_location="cpu", weights_only=False)
    cfg = dict(state["config"])
    cfg["block_out_channels"] = tuple(cfg["block_out_channels"])
    config = DiffusionConfig(**cfg)
    model = PatchedUNet(config)
    model.load_state_dict(state["ema"])
    model.eval()
    return model, config, state["extra"]
