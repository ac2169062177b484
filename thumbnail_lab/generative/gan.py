"""A DCGAN for 16:9 thumbnails, with the stabilisers practitioners reach for as switches.

The generator maps a latent vector to a ``(3, H, W)`` image in [-1, 1] by upsampling a
``(H/4, W/4)`` feature map twice; the discriminator mirrors it with strided convolutions.
Stabilisers (each can be turned off for an ablation):

* spectral normalisation of the discriminator's layers (bounds its Lipschitz constant);
* one-sided label smoothing (real targets 0.9 instead of 1; non-saturating loss only);
* instance noise (Gaussian noise added to real and fake inputs of D, annealed to zero);
* gradient-norm clipping of both networks' updates;
* the loss: ``"nonsaturating"`` (the DCGAN loss) or ``"hinge"``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class GANConfig:
    """Architecture, stabilisers and optimiser settings of one GAN run."""

    height: int = 36
    width: int = 64
    z_dim: int = 64
    g_channels: int = 128          # channels of the generator's first feature map (halved per upsampling)
    d_channels: int = 32           # channels of the discriminator's first layer (doubled per layer)
    spectral_norm: bool = True
    label_smoothing: float = 0.9   # target for real images in the non-saturating loss; 1.0 turns it off
    instance_noise: float = 0.1    # initial std of the noise added to D's inputs; 0 turns it off
    grad_clip: float | None = 1.0  # max gradient norm; None turns it off
    loss: str = "nonsaturating"    # or "hinge"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    batch_size: int = 32

    def __post_init__(self) -> None:
        if self.height % 4 or self.width % 4:
            raise ValueError(f"height and width must be multiples of 4, got {self.height}x{self.width}")
        if self.loss not in ("nonsaturating", "hinge"):
            raise ValueError(f"loss must be 'nonsaturating' or 'hinge', got {self.loss!r}")
        if not 0.5 < self.label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be in (0.5, 1], got {self.label_smoothing}")

    def without_stabilisers(self) -> "GANConfig":
        """The same GAN with every stabiliser off (the ablation)."""
        return GANConfig(**{**asdict(self), "spectral_norm": False, "label_smoothing": 1.0,
                            "instance_noise": 0.0, "grad_clip": None})


class Generator(nn.Module):
    """Latent ``(N, z_dim)`` -> image ``(N, 3, H, W)`` in [-1, 1]."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        c = config.g_channels
        self.shape0 = (c, config.height // 4, config.width // 4)
        self.project = nn.Sequential(nn.Linear(config.z_dim, c * self.shape0[1] * self.shape0[2]),
                                     nn.BatchNorm1d(c * self.shape0[1] * self.shape0[2]), nn.ReLU(True))
        self.body = nn.Sequential(
            # resize-convolutions, not transposed convolutions: no checkerboard artefacts
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c, c // 2, 3, padding=1),
            nn.BatchNorm2d(c // 2), nn.ReLU(True),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c // 2, c // 4, 3, padding=1),
            nn.BatchNorm2d(c // 4), nn.ReLU(True),
            nn.Conv2d(c // 4, 3, 3, padding=1), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(self.project(z).view(-1, *self.shape0))


class Discriminator(nn.Module):
    """Image ``(N, 3, H, W)`` -> one realness logit per image."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        c = config.d_channels
        wrap = nn.utils.parametrizations.spectral_norm if config.spectral_norm else (lambda m: m)
        self.body = nn.Sequential(
            wrap(nn.Conv2d(3, c, 4, 2, 1)), nn.LeakyReLU(0.2, True),
            wrap(nn.Conv2d(c, 2 * c, 4, 2, 1)), nn.LeakyReLU(0.2, True),
            wrap(nn.Conv2d(2 * c, 4 * c, 3, 2, 1)), nn.LeakyReLU(0.2, True))
        with torch.no_grad():
            n_flat = self.body(torch.zeros(1, 3, config.height, config.width)).numel()
        self.head = wrap(nn.Linear(n_flat, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x).flatten(1)).squeeze(1)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, config: GANConfig) -> torch.Tensor:
    """D's loss on a batch of real and fake logits, with one-sided label smoothing for the BCE loss."""
    if config.loss == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    real_target = torch.full_like(real_logits, config.label_smoothing)  # one-sided: fakes stay at 0
    return (F.binary_cross_entropy_with_logits(real_logits, real_target)
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def generator_loss(fake_logits: torch.Tensor, config: GANConfig) -> torch.Tensor:
    """G's loss: the non-saturating ``-log D(G(z))`` or the hinge generator loss ``-D(G(z))``."""
    if config.loss == "hinge":
        return -fake_logits.mean()
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def n_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
