"""Is a generator copying its training set? Nearest training neighbours, in the space the model draws in.

The score is the normalised distance of Carlini et al. (2023, "Extracting training data from
diffusion models", their CIFAR-10 definition as we read it): the distance from a sample to its
nearest training image divided by ``alpha`` (0.5) times the mean distance to its ``n`` (50)
nearest training images. It is small only when one training image is much closer than the crowd
around it: a copy of that image, not a blend of many (a ratio to the *second* nearest, used
before, misses copies of any training image that has a near-duplicate). A sample is flagged
below ``COPY_THRESHOLD`` (the book's threshold, checked by the controls below).

Where the comparison happens matters. A latent diffusion model can only draw what its decoder
draws, so its exact copies are ``decode(encode(x))``, blurred versions of ``x``: compared with
the sharp training images they are hardly closer than other samples. Its samples are therefore
compared with the *reconstructions* of the training images (:func:`reconstructions`); a pixel
generator (the GAN) is compared with the training pixels. Planted copies (:func:`latent_copies`,
exact and noisy) are the positive controls, held-out thumbnails through the same decoder the
negative control (:func:`copy_controls`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

#: Samples whose normalised nearest-neighbour distance is below this are counted as copies.
COPY_THRESHOLD = 1 / 3
#: Carlini et al.'s normalisation: alpha times the mean distance to the n nearest training images.
ALPHA, N_NEAREST = 0.5, 50


def flatten_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 ``(N, H, W, 3)`` -> float32 ``(N, H*W*3)`` in [0, 1], the space the copy check uses."""
    return np.asarray(images, dtype=np.float32).reshape(len(images), -1) / 255.0


def nearest_neighbours(queries: np.ndarray, reference: np.ndarray, k: int = 2,
                       chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Indices and Euclidean distances of each query's ``k`` nearest reference rows, nearest first."""
    ref = torch.from_numpy(np.ascontiguousarray(reference, dtype=np.float32))
    k = min(k, len(ref))
    idx, dist = [], []
    for i in range(0, len(queries), chunk):
        q = torch.from_numpy(np.ascontiguousarray(queries[i:i + chunk], dtype=np.float32))
        values, indices = torch.topk(torch.cdist(q, ref), k, dim=1, largest=False)
        idx.append(indices.numpy())
        dist.append(values.numpy())
    return np.concatenate(idx), np.concatenate(dist).astype(np.float64)


def nn_ratio(distances: np.ndarray) -> np.ndarray:
    """Nearest / second-nearest distance for each query (from :func:`nearest_neighbours` with k >= 2)."""
    distances = np.asarray(distances, dtype=np.float64)
    if distances.ndim != 2 or distances.shape[1] < 2:
        raise ValueError("need the two nearest distances per query, shape (N, >=2)")
    return distances[:, 0] / np.maximum(distances[:, 1], 1e-12)


def copy_score(distances: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Carlini et al.'s normalised distance: nearest / (``alpha`` * mean of the row's nearest distances)."""
    distances = np.asarray(distances, dtype=np.float64)
    if distances.ndim != 2 or distances.shape[1] < 2:
        raise ValueError("need several nearest distances per query, shape (N, >=2)")
    return distances[:, 0] / np.maximum(alpha * distances.mean(1), 1e-12)


def copy_check(samples: np.ndarray, reference_images: np.ndarray, n: int = N_NEAREST) -> pd.DataFrame:
    """Per sample: its nearest reference image, the distance and the copy score (uint8 images in, one row each)."""
    idx, dist = nearest_neighbours(flatten_pixels(samples), flatten_pixels(reference_images), k=n)
    score = copy_score(dist)
    return pd.DataFrame({"nearest": idx[:, 0], "distance": dist[:, 0], "score": score,
                         "copy": score < COPY_THRESHOLD})


def share_interval(flags: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Share of True ``flags`` and its exact (Clopper-Pearson) binomial interval."""
    from scipy.stats import binomtest

    flags = np.asarray(flags, dtype=bool)
    if len(flags) == 0:
        return float("nan"), float("nan"), float("nan")
    ci = binomtest(int(flags.sum()), len(flags)).proportion_ci(confidence)
    return float(flags.mean()), float(ci.low), float(ci.high)


@torch.no_grad()
def reconstructions(autoencoder, images: np.ndarray) -> np.ndarray:
    """``decode(encode(images))``: what a latent model's perfect copies of ``images`` look like (uint8)."""
    from .latent import decode_to_images, encode_images

    return decode_to_images(autoencoder, encode_images(autoencoder, images))


@torch.no_grad()
def latent_copies(autoencoder, images: np.ndarray, noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Planted copies a latent model could emit: exact ``decode(encode(x))`` and ``decode(encode(x) + noise * e)``."""
    from .latent import decode_to_images, encode_images

    z = encode_images(autoencoder, images)
    e = torch.randn(z.shape, generator=torch.Generator().manual_seed(seed))
    return decode_to_images(autoencoder, z), decode_to_images(autoencoder, z + noise * e)


def copy_controls(reference_images: np.ndarray, exact: np.ndarray, noisy: np.ndarray,
                  held_out: np.ndarray) -> dict[str, float]:
    """Recall of the copy check on planted exact and noisy copies, and its false-positive rate on held-out images."""
    out = {}
    for name, imgs in (("copy_recall_exact", exact), ("copy_recall_noisy", noisy), ("copy_false_positive", held_out)):
        share, low, high = share_interval(copy_check(imgs, reference_images)["copy"])
        out.update({name: share, f"{name}_low": low, f"{name}_high": high, f"{name}_n": int(len(imgs))})
    return out


def copy_share_by_size(images: np.ndarray, sizes: list[int], config, steps: int, n_samples: int, seed: int,
                       num_steps: int, autoencoder=None) -> pd.DataFrame:
    """Copy share of diffusion models trained for ``steps`` steps on nested random subsets of ``images``.

    One row per training-set size: the share of ``n_samples`` DDIM samples flagged as copies of
    their own training subset, with its exact 95% interval. The same steps at every size, so a
    small set is seen many more times per image: the creator's remedy, more data, under test.
    """
    from .diffusion import sample, train_diffusion
    from .latent import encode_images

    order = np.random.default_rng(seed).permutation(len(images))
    rows = []
    for size in sizes:
        subset = images[np.sort(order[:size])]
        data = encode_images(autoencoder, subset) if autoencoder is not None else subset
        run = train_diffusion(data, config, steps, seed=seed, desc=f"DDPM on {size} thumbnails")
        drawn = sample(run.ema_model, config, n_samples, seed + 11, "ddim", num_steps, autoencoder=autoencoder)
        reference = reconstructions(autoencoder, subset) if autoencoder is not None else subset
        share, low, high = share_interval(copy_check(drawn, reference)["copy"])
        rows.append({"n_train": int(size), "epochs": steps * config.batch_size / size, "copy_share": share,
                     "low": low, "high": high, "n_samples": int(n_samples)})
    return pd.DataFrame(rows)
