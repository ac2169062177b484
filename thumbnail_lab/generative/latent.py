"""The autoencoder whose latent space the diffusion model works in (latent diffusion).

Stable Diffusion's recipe at thumbnail scale: a convolutional autoencoder compresses a
64x36 thumbnail 4x per side into a 16x9 map of a few channels, and the denoiser learns the
distribution of those maps instead of pixels. On a CPU budget this is the difference between
colour blobs and layouts: the decoder, trained first and cheaply on a plain reconstruction
loss, draws the edges and flat colours; the denoiser only has to place them.

Two details make the latent space easy to diffuse. Gaussian noise is added to the latents
while the autoencoder trains, so the decoder tolerates the small errors of generated latents;
and latents are standardised per channel (the role of Stable Diffusion's scaling factor), so
the noise schedule meets unit variance. Unlike the embedding autoencoder of the features
chapter (:mod:`thumbnail_lab.features.encoder`), which squeezes an image into one vector,
this one keeps a spatial map.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ..progress import progress
from ..threads import threaded
from .images import to_uint8, training_tensor
from .optim import warmup_cosine


@dataclass(frozen=True)
class AutoencoderConfig:
    """Size, latent shape and training settings of the latent autoencoder."""

    height: int = 36
    width: int = 64
    channels: int = 32              # channels at full resolution (doubled at the two lower levels)
    latent_channels: int = 8        # channels of the (height/4) x (width/4) latent map
    latent_noise: float = 0.1       # std of the noise added to latents while training the decoder
    latent_penalty: float = 1e-3    # weight of the mean squared latent (keeps the scale in check)
    lr: float = 2e-3
    batch_size: int = 32

    def __post_init__(self) -> None:
        if self.height % 4 or self.width % 4:
            raise ValueError(f"the latent autoencoder halves the image twice: {self.height}x{self.width} "
                             "must be multiples of 4")

    @property
    def latent_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one latent map."""
        return self.latent_channels, self.height // 4, self.width // 4


class _Residual(nn.Module):
    """x + conv(silu(conv(x))): depth at constant resolution."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.SiLU(),
                                  nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class LatentAutoencoder(nn.Module):
    """Image ``(N, 3, H, W)`` in [-1, 1] <-> standardised latent ``(N, C, H/4, W/4)``."""

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__()
        c, z = config.channels, config.latent_channels
        self.config = config
        self.encoder = nn.Sequential(
            nn.Conv2d(3, c, 3, padding=1), nn.SiLU(),
            nn.Conv2d(c, 2 * c, 4, 2, 1), nn.SiLU(), _Residual(2 * c),
            nn.Conv2d(2 * c, 2 * c, 4, 2, 1), nn.SiLU(), _Residual(2 * c),
            nn.Conv2d(2 * c, z, 1))
        self.decoder = nn.Sequential(
            nn.Conv2d(z, 2 * c, 3, padding=1), nn.SiLU(), _Residual(2 * c),
            nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.SiLU(), _Residual(2 * c),
            nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, c, 3, padding=1), nn.SiLU(),
            nn.Conv2d(c, 3, 3, padding=1))
        # per-channel statistics of the training latents, set after training (identity until then)
        self.register_buffer("latent_mean", torch.zeros(1, z, 1, 1))
        self.register_buffer("latent_std", torch.ones(1, z, 1, 1))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Standardised latents of images in [-1, 1]."""
        return (self.encoder(x) - self.latent_mean) / self.latent_std

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] (not clipped) from standardised latents."""
        return self.decoder(z * self.latent_std + self.latent_mean)


@dataclass
class AutoencoderRun:
    """A trained autoencoder, its loss history and its cost."""

    model: LatentAutoencoder
    history: pd.DataFrame          # step, loss (L1 reconstruction, mean over the logging window)
    seconds: float
    images_seen: int
    data_seconds: float = 0.0      # time spent drawing batches (the data-wait share)

    @property
    def images_per_second(self) -> float:
        return self.images_seen / max(self.seconds, 1e-9)


@threaded
def train_autoencoder(images: np.ndarray, config: AutoencoderConfig, steps: int, seed: int = 0,
                      log_every: int = 10) -> AutoencoderRun:
    """Train on uint8 ``images`` (L1 reconstruction through noised latents), then fit the latent statistics.

    ``threads`` (keyword only) sets torch's CPU threads for the call.
    """
    data = training_tensor(images, config.height, config.width)
    torch.manual_seed(seed)
    model = LatentAutoencoder(config)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    sched = warmup_cosine(opt, steps)
    rng = torch.Generator().manual_seed(seed + 1)
    rows, window, data_seconds = [], [], 0.0
    start = time.perf_counter()
    for step in progress(range(1, steps + 1), desc="latent autoencoder"):
        t0 = time.perf_counter()
        batch = data[torch.randint(0, len(data), (config.batch_size,), generator=rng)]
        data_seconds += time.perf_counter() - t0
        z = model.encoder(batch)
        recon = model.decoder(z + config.latent_noise * torch.randn(z.shape, generator=rng))
        rec_loss = F.l1_loss(recon, batch)
        loss = rec_loss + config.latent_penalty * z.pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        window.append(rec_loss.item())
        if step % log_every == 0 or step == steps:
            rows.append({"step": step, "loss": float(np.mean(window))})
            window = []
    seconds = time.perf_counter() - start
    model.eval()
    fit_latent_statistics(model, data)
    return AutoencoderRun(model, pd.DataFrame(rows), seconds, steps * config.batch_size, data_seconds)


@torch.no_grad()
def fit_latent_statistics(model: LatentAutoencoder, data: torch.Tensor, batch_size: int = 256) -> None:
    """Set the per-channel mean and std that standardise the latents of ``data`` (images in [-1, 1])."""
    raw = torch.cat([model.encoder(data[i:i + batch_size]) for i in range(0, len(data), batch_size)])
    model.latent_mean.copy_(raw.mean(dim=(0, 2, 3), keepdim=True))
    model.latent_std.copy_(raw.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6))


@threaded
@torch.no_grad()
def encode_images(model: LatentAutoencoder, images: np.ndarray, batch_size: int = 256) -> torch.Tensor:
    """Standardised latents ``(N, C, H/4, W/4)`` of uint8 images."""
    data = training_tensor(images, model.config.height, model.config.width)
    model.eval()
    return torch.cat([model.encode(data[i:i + batch_size]) for i in range(0, len(data), batch_size)])


@torch.no_grad()
def decode_to_images(model: LatentAutoencoder, latents: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """uint8 images ``(N, H, W, 3)`` from standardised latents."""
    model.eval()
    return np.concatenate([to_uint8(model.decode(latents[i:i + batch_size]))
                           for i in range(0, len(latents), batch_size)])


def autoencoder_state(model: LatentAutoencoder) -> dict:
    """What :func:`autoencoder_from_state` needs to rebuild ``model`` (config and weights)."""
    return {"config": asdict(model.config), "weights": model.state_dict()}


def autoencoder_from_state(state: dict) -> LatentAutoencoder:
    """The autoencoder saved by :func:`autoencoder_state`, in eval mode."""
    model = LatentAutoencoder(AutoencoderConfig(**state["config"]))
    model.load_state_dict(state["weights"])
    return model.eval()
