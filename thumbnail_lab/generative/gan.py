"""A DCGAN for 16:9 thumbnails, with the stabilisers practitioners reach for as switches.

The generator maps a latent vector to a ``(3, H, W)`` image in [-1, 1] by upsampling a
``(H/4, W/4)`` feature map twice; the discriminator mirrors it with strided convolutions.
Stabilisers (each can be turned off for an ablation):

* spectral normalisation of the discriminator's layers (bounds its Lipschitz constant);
* one-sided label smoothing (real targets 0.9 instead of 1; non-saturating loss only);
* instance noise (Gaussian noise added to real and fake inputs of D, annealed to zero);
* gradient-norm clipping of both networks' updates;
* the loss: ``"nonsaturating"`` (the DCGAN loss), ``"hinge"`` or ``"wgan-gp"`` (the Wasserstein
  critic with a gradient penalty, Gulrajani et al. 2017: the remedy for an exploding game).

With spectral normalisation off the discriminator is the standard DCGAN one (batch normalisation
after every convolution but the first, Radford et al. 2016), so a leave-one-out ablation
compares against the network practitioners actually use, not one with no normalisation at all.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

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
    loss: str = "nonsaturating"    # or "hinge", "wgan-gp"
    d_batch_norm: bool = False     # batch norm in D (the standard DCGAN discriminator; used without spectral norm)
    gp_weight: float = 10.0        # gradient-penalty weight of "wgan-gp"
    n_critic: int = 1              # discriminator updates per generator update
    betas: tuple[float, float] = (0.5, 0.999)   # Adam's betas for both networks
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    batch_size: int = 32

    def __post_init__(self) -> None:
        if self.height % 4 or self.width % 4:
            raise ValueError(f"height and width must be multiples of 4, got {self.height}x{self.width}")
        if self.loss not in ("nonsaturating", "hinge", "wgan-gp"):
            raise ValueError(f"loss must be 'nonsaturating', 'hinge' or 'wgan-gp', got {self.loss!r}")
        if self.loss == "wgan-gp" and self.d_batch_norm:
            raise ValueError("the gradient penalty is per image: a WGAN-GP critic cannot use batch norm")
        if not 0.5 < self.label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be in (0.5, 1], got {self.label_smoothing}")

    def without(self, stabiliser: str) -> "GANConfig":
        """The same GAN with one stabiliser (a name in ``STABILISERS``) off; without spectral norm, D uses batch norm."""
        off = {"spectral_norm": {"spectral_norm": False, "d_batch_norm": True},
               "label_smoothing": {"label_smoothing": 1.0}, "instance_noise": {"instance_noise": 0.0},
               "grad_clip": {"grad_clip": None}}
        if stabiliser not in off:
            raise ValueError(f"unknown stabiliser {stabiliser!r}; choose one of {', '.join(STABILISERS)}")
        return replace(self, **off[stabiliser])

    def without_stabilisers(self) -> "GANConfig":
        """The same GAN with every stabiliser off: the standard DCGAN (batch-norm discriminator)."""
        config = self
        for name in STABILISERS:
            config = config.without(name)
        return config

    def wgan_gp(self) -> "GANConfig":
        """The Wasserstein GAN with gradient penalty: the paper's critic settings (5 updates, Adam(0, 0.9), 1e-4)."""
        return replace(self, loss="wgan-gp", spectral_norm=False, d_batch_norm=False, label_smoothing=1.0,
                       instance_noise=0.0, grad_clip=None, n_critic=5, betas=(0.0, 0.9), lr_g=1e-4, lr_d=1e-4)


#: The stabilisers the ablation switches off one at a time.
STABILISERS = ("spectral_norm", "label_smoothing", "instance_noise", "grad_clip")


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

        def norm(channels: int) -> nn.Module:
            return nn.BatchNorm2d(channels) if config.d_batch_norm else nn.Identity()

        self.body = nn.Sequential(
            wrap(nn.Conv2d(3, c, 4, 2, 1)), nn.LeakyReLU(0.2, True),
            wrap(nn.Conv2d(c, 2 * c, 4, 2, 1)), norm(2 * c), nn.LeakyReLU(0.2, True),
            wrap(nn.Conv2d(2 * c, 4 * c, 3, 2, 1)), norm(4 * c), nn.LeakyReLU(0.2, True))
        with torch.no_grad():
            n_flat = self.body(torch.zeros(1, 3, config.height, config.width)).numel()
        self.head = wrap(nn.Linear(n_flat, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x).flatten(1)).squeeze(1)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, config: GANConfig) -> torch.Tensor:
    """D's loss on a batch of real and fake logits, with one-sided label smoothing for the BCE loss."""
    if config.loss == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    if config.loss == "wgan-gp":  # the critic's Wasserstein estimate; the penalty is added by the training step
        return fake_logits.mean() - real_logits.mean()
    real_target = torch.full_like(real_logits, config.label_smoothing)  # one-sided: fakes stay at 0
    return (F.binary_cross_entropy_with_logits(real_logits, real_target)
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def generator_loss(fake_logits: torch.Tensor, config: GANConfig) -> torch.Tensor:
    """G's loss: the non-saturating ``-log D(G(z))`` or the hinge generator loss ``-D(G(z))``."""
    if config.loss in ("hinge", "wgan-gp"):
        return -fake_logits.mean()
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def n_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def gradient_penalty(disc: nn.Module, real: torch.Tensor, fake: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """WGAN-GP's penalty: the mean of (|grad D(x_hat)| - 1)^2 at random points between real and fake images."""
    eps = torch.rand(len(real), 1, 1, 1, generator=rng)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(disc(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
