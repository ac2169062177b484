"""Training, sampling, saving and loading the DCGAN of :mod:`thumbnail_lab.generative.gan`."""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..atomic import atomic_path, write_json
from ..progress import progress
from ..threads import threaded
from .gan import STABILISERS, Discriminator, GANConfig, Generator, discriminator_loss, generator_loss, gradient_penalty
from .images import to_uint8, training_tensor

#: Bumped whenever the networks change, so stale checkpoints are retrained rather than loaded.
ARCHITECTURE_VERSION = 3


@dataclass
class GANRun:
    """Everything one training run produced."""

    config: GANConfig
    generator: Generator
    discriminator: Discriminator
    history: pd.DataFrame                       # step, d_loss, g_loss, d_real, d_fake, d_grad, g_grad
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)  # step -> uint8 samples from fixed latents
    snapshot_seconds: dict[int, float] = field(default_factory=dict)  # step -> training seconds until then
    seconds: float = 0.0
    data_seconds: float = 0.0                   # time spent assembling batches (the data-wait share)
    images_seen: int = 0

    @property
    def images_per_second(self) -> float:
        """Real images consumed per second of training."""
        return self.images_seen / max(self.seconds, 1e-9)


def fixed_latents(n: int, z_dim: int, seed: int) -> torch.Tensor:
    """``n`` standard-normal latent vectors drawn from their own seeded stream."""
    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(seed))


@threaded
def train_gan(images: np.ndarray, config: GANConfig, steps: int, seed: int = 0,
              snapshot_steps: tuple[int, ...] = (), n_snapshot: int = 16, log_every: int = 5,
              desc: str = "GAN") -> GANRun:
    """Train a DCGAN on uint8 ``images`` for ``steps`` discriminator/generator updates.

    Parameters
    ----------
    images : np.ndarray
        uint8 ``(N, H, W, 3)`` training thumbnails, with H and W matching ``config``.
    config : GANConfig
        Architecture, stabilisers and optimiser settings.
    steps : int
        Number of training steps (one D update and one G update each).
    seed : int
        Seeds initial weights, batch order, latents and noise.
    snapshot_steps : tuple of int
        Steps after which to draw samples from ``n_snapshot`` fixed latents (step 0 = before training).
    log_every : int
        Record the losses every this many steps.
    threads : int, optional
        Keyword only: torch CPU threads for this call (see :mod:`thumbnail_lab.threads`).
    """
    data = training_tensor(images, config.height, config.width)
    torch.manual_seed(seed)
    gen, disc = Generator(config), Discriminator(config)
    opt_g = torch.optim.Adam(gen.parameters(), lr=config.lr_g, betas=tuple(config.betas))
    opt_d = torch.optim.Adam(disc.parameters(), lr=config.lr_d, betas=tuple(config.betas))
    rng = torch.Generator().manual_seed(seed + 1)
    z_fixed = fixed_latents(n_snapshot, config.z_dim, seed + 2)
    run = GANRun(config, gen, disc, pd.DataFrame())
    rows, order, pos = [], torch.randperm(len(data), generator=rng), 0
    if 0 in snapshot_steps:
        run.snapshots[0] = sample_from_latents(gen, z_fixed)
    start, paused = time.perf_counter(), 0.0
    for step in progress(range(1, steps + 1), desc=desc):
        t0 = time.perf_counter()
        reals = []
        for _ in range(config.n_critic):   # one real batch per discriminator update
            if pos + config.batch_size > len(data):  # new epoch: reshuffle
                order, pos = torch.randperm(len(data), generator=rng), 0
            reals.append(data[order[pos:pos + config.batch_size]])
            pos += config.batch_size
        run.data_seconds += time.perf_counter() - t0
        stats = _train_step(gen, disc, opt_g, opt_d, reals, config, step, steps, rng)
        run.images_seen += sum(len(r) for r in reals)
        if step % log_every == 0 or step == steps:
            rows.append({"step": step, **stats})
        if step in snapshot_steps:   # drawing the snapshot is not training: its time is left out
            t1 = time.perf_counter()
            run.snapshot_seconds[step] = t1 - start - paused
            run.snapshots[step] = sample_from_latents(gen, z_fixed)
            paused += time.perf_counter() - t1
    run.seconds = time.perf_counter() - start - paused
    run.history = pd.DataFrame(rows)
    gen.eval()
    return run


def _clipped_norm(params, clip: float | None) -> float:
    """Clip the gradient norm to ``clip`` (if set) and return the norm before clipping."""
    return float(torch.nn.utils.clip_grad_norm_(list(params), clip if clip is not None else float("inf")))


def _train_step(gen: Generator, disc: Discriminator, opt_g, opt_d, reals: list[torch.Tensor], config: GANConfig,
                step: int, steps: int, rng: torch.Generator) -> dict[str, float]:
    """``config.n_critic`` discriminator updates, one generator update; the losses, D's outputs and gradient norms.

    ``d_grad`` and ``g_grad`` are the gradient norms before clipping: with clipping off they show a
    loss explosion as it happens.
    """
    gen.train()
    sigma = config.instance_noise * max(0.0, 1.0 - step / steps)  # annealed to zero by the end

    def noisy(x: torch.Tensor) -> torch.Tensor:
        return x + sigma * torch.randn(x.shape, generator=rng) if sigma > 0 else x

    for real in reals:
        fake = gen(torch.randn(len(real), config.z_dim, generator=rng))
        real_logits, fake_logits = disc(noisy(real)), disc(noisy(fake.detach()))
        d_loss = discriminator_loss(real_logits, fake_logits, config)
        if config.loss == "wgan-gp":
            d_loss = d_loss + config.gp_weight * gradient_penalty(disc, real, fake.detach(), rng)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        d_grad = _clipped_norm(disc.parameters(), config.grad_clip)
        opt_d.step()

    g_loss = generator_loss(disc(noisy(fake)), config)
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    g_grad = _clipped_norm(gen.parameters(), config.grad_clip)
    opt_g.step()
    return {"d_loss": d_loss.item(), "g_loss": g_loss.item(),
            "d_real": torch.sigmoid(real_logits).mean().item(), "d_fake": torch.sigmoid(fake_logits).mean().item(),
            "d_grad": d_grad, "g_grad": g_grad}


@torch.no_grad()
def sample_from_latents(gen: Generator, z: torch.Tensor, batch_size: int = 256,
                        batch_stats: bool = False) -> np.ndarray:
    """Images for the given latents (uint8 ``(N, H, W, 3)``).

    By default the generator runs in eval mode: batch norm uses the running statistics it kept
    while training. With ``batch_stats`` it runs in the mode it trained in, each batch of
    ``batch_size`` latents normalised by its own statistics (pass the training batch size); the
    running statistics are left as they were.
    """
    was_training = gen.training
    saved = {k: v.clone() for k, v in gen.state_dict().items() if "running" in k or "num_batches" in k}
    gen.train(batch_stats)
    out = np.concatenate([to_uint8(gen(z[i:i + batch_size])) for i in range(0, len(z), batch_size)])
    if batch_stats:
        gen.load_state_dict(saved, strict=False)
    gen.train(was_training)
    return out


@threaded
def sample_gan(gen: Generator, n: int, seed: int, batch_stats: bool = False, batch_size: int = 256) -> np.ndarray:
    """``n`` random samples; the same seed gives the same images (see :func:`sample_from_latents`)."""
    z_dim = gen.project[0].in_features
    return sample_from_latents(gen, fixed_latents(n, z_dim, seed), batch_size=batch_size, batch_stats=batch_stats)


def ablation_variants(config: GANConfig) -> dict[str, GANConfig]:
    """The leave-one-out ablation: all stabilisers, each one off in turn, none (the standard DCGAN), and WGAN-GP."""
    variants = {"all stabilisers": config}
    variants.update({f"without {name.replace('_', ' ')}": config.without(name) for name in STABILISERS})
    variants["none (DCGAN, batch-norm D)"] = config.without_stabilisers()
    variants["WGAN-GP"] = config.wgan_gp()
    return variants


@threaded
def train_ablation(images: np.ndarray, config: GANConfig, steps: int, seeds: list[int]) -> dict[tuple[str, int], GANRun]:
    """Every variant of :func:`ablation_variants` trained for ``steps`` generator steps with each seed."""
    return {(name, seed): train_gan(images, variant, steps, seed=seed, desc=f"{name}, seed {seed}")
            for name, variant in ablation_variants(config).items() for seed in seeds}


def explosion(history: pd.DataFrame, column: str = "d_grad", factor: float = 10.0) -> dict[str, float]:
    """The largest gradient norm of a run against its median, and whether it exceeds ``factor`` times the median."""
    values = history[column].to_numpy(dtype=float)
    peak, median = float(np.nanmax(values)), float(np.nanmedian(values))
    return {"peak": peak, "median": median, "ratio": peak / max(median, 1e-12),
            "exploded": bool(peak > factor * median), "peak_step": int(history["step"].iloc[int(np.nanargmax(values))])}


def save_gan(run: GANRun, path: str | Path, extra: dict | None = None) -> Path:
    """Save the generator's weights, its config and ``extra`` metadata (atomically)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save({"config": asdict(run.config), "generator": run.generator.state_dict(),
                    "extra": extra or {}}, tmp)
    return path


def load_gan(path: str | Path) -> tuple[Generator, dict]:
    """Load a generator saved by :func:`save_gan`; returns it (eval mode) and the ``extra`` metadata."""
    state = torch.load(Path(path), map_location="cpu", weights_only=False)
    gen = Generator(GANConfig(**state["config"]))
    gen.load_state_dict(state["generator"])
    gen.eval()
    return gen, state["extra"]


def gan_key(dataset_name: str, config: GANConfig, steps: int, seed: int) -> dict:
    """What identifies a trained GAN: dataset, config, steps and seed (stored in its checkpoint)."""
    return json.loads(json.dumps({"dataset": dataset_name, "config": asdict(config), "steps": steps, "seed": seed,
                                  "architecture": ARCHITECTURE_VERSION}))


def save_gan_outputs(run: GANRun, folder: str | Path, key: dict, n_samples: int) -> np.ndarray:
    """Save ``gan.pt`` (with the training time) and ``n_samples`` random samples (``samples.npy``, seed = key's
    seed + 100) in ``folder``."""
    folder = Path(folder)
    save_gan(run, folder / "gan.pt", extra={"key": key, "seconds": run.seconds})
    samples = sample_gan(run.generator, n_samples, key["seed"] + 100)
    save_samples(samples, folder / "samples.npy", {**key, "n_samples": n_samples})
    return samples


@threaded
def gan_samples(images: np.ndarray, dataset_name: str, config: GANConfig, steps: int, seed: int,
                n_samples: int, folder: str | Path) -> np.ndarray:
    """Random GAN samples for a dataset: from ``folder``'s checkpoint when it matches, else trained and saved.

    The checkpoint is reused only if it was trained on the same dataset with the same config,
    steps and seed, so the samples do not depend on whether chapter 02 ran first.
    """
    key = gan_key(dataset_name, config, steps, seed)
    ckpt = Path(folder) / "gan.pt"
    if ckpt.exists():
        state = torch.load(ckpt, map_location="cpu", weights_only=False)
        if state["extra"].get("key") == key:
            return sample_gan(load_gan(ckpt)[0], n_samples, seed + 100)
    run = train_gan(images, config, steps, seed=seed)
    return save_gan_outputs(run, folder, key, n_samples)


def gan_training_seconds(folder: str | Path) -> float:
    """How long the GAN saved in ``folder`` trained (NaN for a checkpoint that did not record it)."""
    state = torch.load(Path(folder) / "gan.pt", map_location="cpu", weights_only=False)
    return float(state["extra"].get("seconds", float("nan")))


def save_samples(samples: np.ndarray, path: str | Path, meta: dict) -> None:
    """Write uint8 samples as ``.npy`` plus a ``.json`` sidecar saying what made them."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, np.asarray(samples, dtype=np.uint8))
    write_json(path.with_suffix(".json"), meta)
