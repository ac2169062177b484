"""A denoising diffusion model of thumbnails on Hugging Face diffusers.

The network is diffusers' ``UNet2DModel``; noise schedules and samplers are its
``DDPMScheduler`` (the full ancestral sampler) and ``DDIMScheduler`` (few deterministic steps).
To fit a CPU budget the UNet can work on a 2x2 *patchified* image (pixel-unshuffle in,
pixel-shuffle out, as in "simple diffusion" and DiT): a 64x36 thumbnail becomes a 32x18 map
with 12 channels, which costs about a quarter of the compute of full resolution.
EMA weights (``diffusers.training_utils.EMAModel``) are what we sample from.

The same code diffuses in a latent space (``channels`` = the latent channels, ``height`` x
``width`` = the latent map): pass the latents of :mod:`thumbnail_lab.generative.latent` to
:func:`train_diffusion` and its autoencoder to :func:`sample`, which decodes the result. That is
the book's default, because at a CPU budget the pixel-space model only gets to colour blobs.
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
from diffusers.training_utils import EMAModel, compute_snr
from torch import nn

from ..atomic import atomic_path
from ..progress import progress
from ..threads import threaded
from .images import to_signed_tensor, to_uint8, training_tensor
from .latent import LatentAutoencoder, autoencoder_from_state, autoencoder_state, encode_images
from .optim import warmup_cosine


@dataclass(frozen=True)
class DiffusionConfig:
    """UNet size, noise schedule, prediction target and optimiser settings of one DDPM run.

    ``height``, ``width`` and ``channels`` describe the space the UNet denoises: pixels
    (3 channels) or an autoencoder's latent map.
    """

    height: int = 36
    width: int = 64
    channels: int = 3                                # 3 for pixels, the latent channels for latents
    pixel_space: bool = True                         # False: the UNet denoises an autoencoder's latents
    patch: int = 2                                   # 1 = full resolution, 2 = 2x2 pixel-unshuffle
    block_out_channels: tuple[int, ...] = (64, 128)
    layers_per_block: int = 1
    attention: bool = False                          # self-attention in the lowest-resolution block
    num_train_timesteps: int = 1000
    beta_schedule: str = "squaredcos_cap_v2"         # cosine schedule
    prediction_type: str = "sample"                  # the clean image; or "v_prediction", "epsilon"
    snr_gamma: float | None = None                   # Min-SNR-gamma loss weighting (5 in the paper); None = plain MSE
    lr: float = 1e-3
    batch_size: int = 32
    ema_power: float = 0.75                          # EMA warm-up: decay = 1 - (1 + step) ** -power

    def __post_init__(self) -> None:
        factor = self.patch * 2 ** (len(self.block_out_channels) - 1)
        if self.height % factor or self.width % factor:
            raise ValueError(f"{self.height}x{self.width} is not divisible by {factor} "
                             f"(patch {self.patch}, {len(self.block_out_channels)} UNet levels)")
        if self.pixel_space and self.channels != 3:
            raise ValueError(f"a pixel-space model denoises 3 channels, got {self.channels}; "
                             "set pixel_space=False for latents")
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
        self.unet = UNet2DModel(sample_size=(config.height // p, config.width // p),
                                in_channels=config.channels * p * p, out_channels=config.channels * p * p,
                                block_out_channels=tuple(config.block_out_channels),
                                layers_per_block=config.layers_per_block, down_block_types=tuple(down),
                                up_block_types=tuple(up), norm_num_groups=8,
                                attention_head_dim=min(32, config.block_out_channels[-1]))  # >= one head

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.patch > 1:
            x = F.pixel_unshuffle(x, self.patch)
        out = self.unet(x, t).sample
        return F.pixel_shuffle(out, self.patch) if self.patch > 1 else out


def make_scheduler(config: DiffusionConfig, kind: str = "ddpm") -> DDPMScheduler | DDIMScheduler:
    """The training/ancestral ``DDPMScheduler`` or a ``DDIMScheduler`` sharing its noise schedule."""
    ddpm = DDPMScheduler(num_train_timesteps=config.num_train_timesteps, beta_schedule=config.beta_schedule,
                         prediction_type=config.prediction_type, timestep_spacing="trailing",
                         clip_sample=config.pixel_space)  # pixels live in [-1, 1]; standardised latents do not
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
    snapshots: dict[int, nn.Module] = field(default_factory=dict)   # step -> EMA weights then (eval mode)
    snapshot_seconds: dict[int, float] = field(default_factory=dict)  # step -> training seconds until then

    @property
    def images_per_second(self) -> float:
        return self.images_seen / max(self.seconds, 1e-9)


def diffusion_loss(model: nn.Module, scheduler: DDPMScheduler, clean: torch.Tensor,
                   rng: torch.Generator, snr_gamma: float | None = None) -> torch.Tensor:
    """MSE between the network's output and its target (noise, v or the clean image) at uniform timesteps.

    With ``snr_gamma`` each image's error is weighted as in Min-SNR-gamma (Hang et al., 2023): the
    weight that turns the target's MSE into the clean image's MSE, capped at ``snr_gamma``, so the
    nearly-clean timesteps stop dominating the gradient (the paper's 3x faster convergence).
    """
    noise = torch.randn(clean.shape, generator=rng)
    t = torch.randint(0, scheduler.config.num_train_timesteps, (len(clean),), generator=rng)
    noisy = scheduler.add_noise(clean, noise, t)
    kind = scheduler.config.prediction_type
    target = {"epsilon": noise, "sample": clean}.get(kind)
    if target is None:
        target = scheduler.get_velocity(clean, noise, t)
    if snr_gamma is None:
        return F.mse_loss(model(noisy, t), target)
    snr = compute_snr(scheduler, t)
    # x0 error = target error / (snr for epsilon, snr + 1 for v, 1 for the clean image itself)
    weight = snr.clamp(max=snr_gamma) / {"epsilon": snr, "v_prediction": snr + 1}.get(kind, torch.ones_like(snr))
    per_image = F.mse_loss(model(noisy, t), target, reduction="none").mean(dim=(1, 2, 3))
    return (weight * per_image).mean()


@threaded
def train_diffusion(images: np.ndarray | torch.Tensor, config: DiffusionConfig, steps: int, seed: int = 0,
                    log_every: int = 10, desc: str = "DDPM", snapshot_steps: tuple[int, ...] = ()) -> DiffusionRun:
    """Train a DDPM with EMA weights on ``images`` (or latents) for ``steps`` optimiser steps.

    Parameters
    ----------
    images : np.ndarray or torch.Tensor
        uint8 ``(N, H, W, 3)`` training thumbnails matching ``config.height`` x ``config.width``,
        or float latents ``(N, config.channels, config.height, config.width)``.
    config : DiffusionConfig
        Network, schedule, prediction target and optimiser settings.
    steps : int
        Number of optimiser steps of ``config.batch_size`` images.
    seed : int
        Seeds the initial weights, batch order, noise and timesteps.
    log_every : int
        The loss history holds the mean loss of every window of this many steps.
    snapshot_steps : tuple of int
        Steps after which a copy of the EMA model is kept in ``run.snapshots`` (to score quality
        along training).
    threads : int, optional
        Keyword only: torch CPU threads for this call (see :mod:`thumbnail_lab.threads`).
    """
    data = _training_data(images, config)
    torch.manual_seed(seed)
    model = PatchedUNet(config)
    ema = EMAModel(model.parameters(), decay=0.9999, use_ema_warmup=True, power=config.ema_power)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    sched = warmup_cosine(opt, steps)
    scheduler = make_scheduler(config)
    rng = torch.Generator().manual_seed(seed + 1)
    run = DiffusionRun(config, model, model, pd.DataFrame())
    rows, window, order, pos = [], [], torch.randperm(len(data), generator=rng), 0
    start, paused = time.perf_counter(), 0.0
    for step in progress(range(1, steps + 1), desc=desc):
        t0 = time.perf_counter()
        if pos + config.batch_size > len(data):
            order, pos = torch.randperm(len(data), generator=rng), 0
        clean = data[order[pos:pos + config.batch_size]]
        pos += config.batch_size
        # no horizontal flips: text and logos would mirror, and the model would learn mirrored thumbnails
        run.data_seconds += time.perf_counter() - t0
        loss = diffusion_loss(model, scheduler, clean, rng, config.snr_gamma)
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
        if step in snapshot_steps:   # copying the weights is not training: its time is left out
            t1 = time.perf_counter()
            run.snapshot_seconds[step] = t1 - start - paused
            run.snapshots[step] = _ema_copy(model, ema)
            paused += time.perf_counter() - t1
    run.seconds = time.perf_counter() - start - paused
    run.history = pd.DataFrame(rows)
    run.ema_model = _ema_copy(model, ema)
    model.eval()
    return run


def _ema_copy(model: nn.Module, ema: EMAModel) -> nn.Module:
    """A copy of ``model`` holding the EMA weights, in eval mode (``model`` keeps training)."""
    copied = copy.deepcopy(model)
    ema.copy_to(copied.parameters())
    return copied.eval()


def _training_data(images: np.ndarray | torch.Tensor, config: DiffusionConfig) -> torch.Tensor:
    """Pixels as a [-1, 1] tensor, or latents as they are, checked against the config's space."""
    if not isinstance(images, torch.Tensor):
        if not config.pixel_space:
            raise ValueError(f"the config denoises {config.channels}-channel latents: pass latents, not images")
        return training_tensor(images, config.height, config.width)
    expected = (config.channels, config.height, config.width)
    if images.ndim != 4 or tuple(images.shape[1:]) != expected:
        raise ValueError(f"latents have shape {tuple(images.shape)}, the config expects (N, {expected})")
    return images.float()


def _as_images(x: torch.Tensor, autoencoder: LatentAutoencoder | None) -> np.ndarray:
    """uint8 images of a pixel tensor, or of decoded latents."""
    return to_uint8(autoencoder.decode(x) if autoencoder is not None else x)


@threaded
@torch.no_grad()
def sample(model: nn.Module, config: DiffusionConfig, n: int, seed: int, sampler: str = "ddim",
           num_steps: int = 50, batch_size: int = 128, keep_every: int | None = None,
           autoencoder: LatentAutoencoder | None = None
           ) -> np.ndarray | tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
    """Draw ``n`` images with the DDIM (``eta = 0``) or the full DDPM ancestral sampler.

    The same ``seed`` gives the same images. ``num_steps`` is ignored by ``"ddpm"``, which
    walks all ``config.num_train_timesteps`` steps. With ``keep_every`` the function also returns
    the trajectory ``[(timestep, x_t as uint8), ...]`` of the first batch. A model trained on
    latents needs its ``autoencoder``, which decodes the samples (and the trajectory).
    """
    if (autoencoder is None) != config.pixel_space:
        raise ValueError("pass the autoencoder exactly when the model denoises latents "
                         f"(config.pixel_space = {config.pixel_space})")
    scheduler = make_scheduler(config, sampler)
    scheduler.set_timesteps(config.num_train_timesteps if sampler == "ddpm" else num_steps)
    rng = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    out, trajectory = [], []
    for start in range(0, n, batch_size):
        m = min(batch_size, n - start)
        x = torch.randn(m, config.channels, config.height, config.width, generator=rng)
        for i, t in enumerate(scheduler.timesteps):
            step = scheduler.step(model(x, t.expand(m)), t, x, generator=rng)
            x = step.prev_sample
            if keep_every and start == 0 and (i % keep_every == 0 or i == len(scheduler.timesteps) - 1):
                trajectory.append((int(t), _as_images(x, autoencoder)))
        out.append(_as_images(x, autoencoder))
    model.train(was_training)
    images = np.concatenate(out)
    return (images, trajectory) if keep_every else images


@torch.no_grad()
def forward_noising(images: np.ndarray, config: DiffusionConfig, timesteps: list[int], seed: int = 0,
                    autoencoder: LatentAutoencoder | None = None) -> np.ndarray:
    """Images noised to each timestep with the training schedule: uint8 ``(len(timesteps), N, H, W, 3)``.

    With an ``autoencoder`` the noise is added to the images' latents, and what is shown is the decoding.
    """
    scheduler = make_scheduler(config)
    clean = encode_images(autoencoder, images) if autoencoder is not None else to_signed_tensor(images)
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(seed))
    return np.stack([_as_images(scheduler.add_noise(clean, noise, torch.full((len(clean),), t)), autoencoder)
                     for t in timesteps])


@threaded
def time_sampler(model: nn.Module, config: DiffusionConfig, n: int, seed: int, sampler: str,
                 num_steps: int, autoencoder: LatentAutoencoder | None = None) -> tuple[np.ndarray, float]:
    """Samples and the wall-clock seconds they took (decoding included)."""
    t0 = time.perf_counter()
    images = sample(model, config, n, seed, sampler, num_steps, autoencoder=autoencoder)
    return images, time.perf_counter() - t0


def save_diffusion(run: DiffusionRun, path: str | Path, extra: dict | None = None,
                   autoencoder: LatentAutoencoder | None = None) -> Path:
    """Save the EMA weights and config, and the autoencoder of a latent model (atomically)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save({"config": asdict(run.config), "ema": run.ema_model.state_dict(), "extra": extra or {},
                    "autoencoder": autoencoder_state(autoencoder) if autoencoder is not None else None}, tmp)
    return path


def load_diffusion(path: str | Path) -> tuple[PatchedUNet, DiffusionConfig, dict, LatentAutoencoder | None]:
    """Load what :func:`save_diffusion` wrote: the model (eval mode), its config, metadata and autoencoder."""
    state = torch.load(Path(path), map_location="cpu", weights_only=False)
    cfg = dict(state["config"])
    cfg["block_out_channels"] = tuple(cfg["block_out_channels"])
    cfg.setdefault("pixel_space", state.get("autoencoder") is None)  # checkpoints from before the flag
    config = DiffusionConfig(**cfg)
    model = PatchedUNet(config)
    model.load_state_dict(state["ema"])
    model.eval()
    ae = state.get("autoencoder")
    return model, config, state["extra"], autoencoder_from_state(ae) if ae is not None else None


def main_steps_problem(main_steps: int, compared_steps: list[int] | tuple[int, ...]) -> str | None:
    """Why ``main_steps`` cannot be the chapter's sampler (it must be one of the compared DDIM step counts), or None.

    The comparison samples and the text quote the trade-off row of the main sampler; a count that
    was not timed and scored there would leave them quoting a different sampler.
    """
    if main_steps in compared_steps:
        return None
    return f"parameter 'main_ddim_steps' must be one of ddim_steps {list(compared_steps)}, got {main_steps}"
