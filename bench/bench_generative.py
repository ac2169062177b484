"""What training and sampling the generative chapters' models costs on this CPU.

``python -m bench.bench_generative [--tiny]``

On synthetic 64x36 thumbnails (``thumbnail_lab.generative.images.synthetic_thumbnails``) it
measures, in one run:

- the CPU's matmul throughput (a large ``torch.matmul`` on one thread): the peak;
- training throughput (images/s) of the chapter-02 DCGAN, the chapter-03 latent autoencoder
  and UNet (on the autoencoder's latents), and the pixel-space UNet that latent diffusion
  replaced, through the chapters' own training functions; the FLOPs one training step does
  (counted by ``torch.utils.flop_counter``), hence the share of the matmul peak reached, and the
  share of the loop spent assembling batches (waiting for data);
- the same GAN training on two threads against one;
- DDIM (few steps) against the full DDPM ancestral sampler for the same number of images.

Ratios: DDPM/DDIM sampling time, share of matmul peak per model, two-thread/one-thread speed,
latent/pixel UNet training speed.
"""
from __future__ import annotations

import resource
import sys

import torch
from torch.utils.flop_counter import FlopCounterMode

from bench.common import matmul_peak
from thumbnail_lab.generative import diffusion, latent
from thumbnail_lab.generative.gan import Discriminator, GANConfig, Generator, discriminator_loss, generator_loss
from thumbnail_lab.generative.gan_training import train_gan
from thumbnail_lab.generative.images import synthetic_thumbnails
from thumbnail_lab.threads import torch_threads

HEIGHT, WIDTH = 36, 64


def gan_step_flops(config: GANConfig) -> float:
    """FLOPs of one GAN training step (D on real and fake, G through D, both backward passes)."""
    gen, disc = Generator(config), Discriminator(config)
    real = torch.randn(config.batch_size, 3, config.height, config.width)
    counter = FlopCounterMode(display=False)
    with counter, torch_threads(1):
        fake = gen(torch.randn(config.batch_size, config.z_dim))
        discriminator_loss(disc(real), disc(fake.detach()), config).backward()
        generator_loss(disc(fake), config).backward()
    return float(counter.get_total_flops())


def unet_step_flops(config: diffusion.DiffusionConfig) -> float:
    """FLOPs of one UNet training step (forward + backward on one batch)."""
    model = diffusion.PatchedUNet(config)
    clean = torch.randn(config.batch_size, config.channels, config.height, config.width)
    counter = FlopCounterMode(display=False)
    with counter, torch_threads(1):
        scheduler, rng = diffusion.make_scheduler(config), torch.Generator().manual_seed(0)
        loss = diffusion.diffusion_loss(model, scheduler, clean, rng, config.snr_gamma)
        loss.backward()
    return float(counter.get_total_flops())


def autoencoder_step_flops(config: latent.AutoencoderConfig) -> float:
    """FLOPs of one autoencoder training step (encode, decode, backward)."""
    model = latent.LatentAutoencoder(config)
    batch = torch.randn(config.batch_size, 3, config.height, config.width)
    counter = FlopCounterMode(display=False)
    with counter, torch_threads(1):
        (model.decoder(model.encoder(batch)) - batch).abs().mean().backward()
    return float(counter.get_total_flops())


def row(model: str, threads: int, run, step_flops: float, steps: int, peak: float) -> dict:
    """One table row from a training run's timings."""
    compute_s = max(run.seconds - run.data_seconds, 1e-9)
    achieved = step_flops * steps / compute_s / 1e9
    return {"model": model, "threads": threads, "train_images_per_s": round(run.images_per_second, 1),
            "gflop_per_step": round(step_flops / 1e9, 3), "achieved_gflop_per_s": round(achieved, 2),
            "matmul_peak_gflop_per_s": round(peak, 2), "share_of_matmul_peak": round(achieved / peak, 4),
            "data_wait_share": round(run.data_seconds / max(run.seconds, 1e-9), 4)}


def run(tiny: bool = False) -> dict:
    """Measure everything; ``tiny`` finishes in a few seconds (for the tests)."""
    n, gan_steps, unet_steps, n_sample, size = (64, 3, 3, 2, 256) if tiny else (1024, 60, 40, 16, 2048)
    images, _ = synthetic_thumbnails(n, HEIGHT, WIDTH, seed=0)
    peak = matmul_peak(size, 1)
    if tiny:  # toy sizes: the tests only check that the benchmark runs
        gan_cfg = GANConfig(g_channels=16, d_channels=8, batch_size=8)
        ae_cfg = latent.AutoencoderConfig(channels=8, latent_channels=4, batch_size=8)
        unet_cfg = diffusion.DiffusionConfig(height=9, width=16, channels=4, pixel_space=False, patch=1,
                                             block_out_channels=(16,), num_train_timesteps=20, batch_size=8)
        pixel_cfg = diffusion.DiffusionConfig(block_out_channels=(16, 32), num_train_timesteps=20, batch_size=8)
    else:  # the chapters' default models; the pixel UNet is the one latent diffusion replaced
        gan_cfg = GANConfig()
        ae_cfg = latent.AutoencoderConfig(channels=24, latent_channels=4)
        unet_cfg = diffusion.DiffusionConfig(height=9, width=16, channels=4, pixel_space=False, patch=1,
                                             block_out_channels=(64,), prediction_type="v_prediction", snr_gamma=5.0,
                                             batch_size=32)
        pixel_cfg = diffusion.DiffusionConfig(block_out_channels=(32, 64), num_train_timesteps=250, batch_size=16)
    rows, ratios = [], {}

    gan1 = train_gan(images, gan_cfg, gan_steps, seed=0, threads=1)
    rows.append(row("DCGAN (chapter 02)", 1, gan1, gan_step_flops(gan_cfg), gan_steps, peak))
    ae = latent.train_autoencoder(images, ae_cfg, unet_steps, seed=0, threads=1)
    rows.append(row("latent autoencoder (chapter 03)", 1, ae, autoencoder_step_flops(ae_cfg), unet_steps, peak))
    latents = latent.encode_images(ae.model, images, threads=1)
    unet = diffusion.train_diffusion(latents, unet_cfg, unet_steps, seed=0, threads=1)
    rows.append(row("latent UNet DDPM (chapter 03)", 1, unet, unet_step_flops(unet_cfg), unet_steps, peak))
    pixel = diffusion.train_diffusion(images, pixel_cfg, unet_steps, seed=0, threads=1)
    rows.append(row("pixel UNet DDPM (replaced)", 1, pixel, unet_step_flops(pixel_cfg), unet_steps, peak))
    ratios["DCGAN share of matmul peak"] = rows[0]["share_of_matmul_peak"]
    ratios["latent UNet share of matmul peak"] = rows[2]["share_of_matmul_peak"]
    ratios["latent vs pixel UNet training speed (images/s)"] = round(
        unet.images_per_second / pixel.images_per_second, 3)

    all_threads = max(2, torch.get_num_threads())
    if not tiny:
        gan2 = train_gan(images, gan_cfg, gan_steps, seed=0, threads=all_threads)
        rows.append(row("DCGAN (chapter 02)", all_threads, gan2, gan_step_flops(gan_cfg), gan_steps,
                        matmul_peak(size, all_threads)))
        ratios[f"DCGAN {all_threads}-thread vs 1-thread training speed"] = round(
            gan2.images_per_second / gan1.images_per_second, 3)

    timings = {}
    for sampler, steps in (("ddim", 5 if tiny else 25), ("ddpm", unet_cfg.num_train_timesteps)):
        _, seconds = diffusion.time_sampler(unet.ema_model, unet_cfg, n_sample, 0, sampler, steps, ae.model,
                                            threads=1)
        timings[sampler] = seconds
        rows.append({"model": f"UNet sampling: {sampler.upper()} {steps} steps", "threads": 1,
                     "sample_images": n_sample, "sample_seconds": round(seconds, 3),
                     "sample_ms_per_image": round(1000 * seconds / n_sample, 2)})
    ratios["DDPM vs DDIM sampling time (same images)"] = round(timings["ddpm"] / timings["ddim"], 2)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "name": "generative",
        "description": "Chapters 02-03: DCGAN, autoencoder and UNet training throughput, share of matmul peak, "
                       "data wait, latent vs pixel diffusion, DDIM vs DDPM sampling time (synthetic 64x36 "
                       "thumbnails)",
        "rows": rows,
        "ratios": ratios,
        "notes": [f"{n} synthetic thumbnails; GAN {gan_steps} steps of {gan_cfg.batch_size}; autoencoder and "
                  f"UNets {unet_steps} steps each: latent UNet batches of {unet_cfg.batch_size} on "
                  f"{unet_cfg.channels}x{unet_cfg.height}x{unet_cfg.width} latents (channels "
                  f"{unet_cfg.block_out_channels}), pixel UNet batches of {pixel_cfg.batch_size} "
                  f"(patch 2, channels {pixel_cfg.block_out_channels}); "
                  f"matmul {size}x{size}; peak RSS {peak_mb:.0f} MB",
                  "the data wait is the time spent slicing batches out of an in-memory tensor"],
    }


if __name__ == "__main__":
    from bench.run_all import summarise

    summarise(run(tiny="--tiny" in sys.argv))
