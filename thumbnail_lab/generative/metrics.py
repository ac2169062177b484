"""Distances between sets of images in a feature space, and element coverage.

All functions take feature matrices ``(N, D)`` (e.g. from
:func:`thumbnail_lab.generative.feature_extractor.embed_images`) or label probabilities.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import linalg


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (the formula of FID).

    ``|mu_r - mu_f|^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))``; 0 for identical sets. Biased
    upwards for small samples, so compare only numbers computed with equal sample sizes.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    mu_r, mu_f = real.mean(0), fake.mean(0)
    s_r, s_f = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    with warnings.catch_warnings():
        # with fewer samples than dimensions the covariances are singular; the square root of
        # their product still exists (it is what the FID reference code computes), so we do
        # not repeat scipy's warning in every chapter
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(s_r @ s_f)
        if not np.isfinite(covmean).all():  # regularise as the FID reference code does
            eps = 1e-6 * np.eye(len(s_r))
            covmean = linalg.sqrtm((s_r + eps) @ (s_f + eps))
    covmean = covmean.real
    return float(max(0.0, np.sum((mu_r - mu_f) ** 2) + np.trace(s_r) + np.trace(s_f) - 2 * np.trace(covmean)))


def kernel_inception_distance(real: np.ndarray, fake: np.ndarray, n_subsets: int = 20,
                              subset_size: int = 200, seed: int = 0) -> tuple[float, float]:
    """KID: unbiased MMD² with the cubic polynomial kernel, averaged over random subsets.

    Returns ``(mean, std)`` over subsets. Unbiased, so it is ~0 (and may be slightly negative)
    for two samples of the same distribution, whatever the sample size.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    m = min(subset_size, len(real), len(fake))
    d = real.shape[1]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        k_xx, k_yy, k_xy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
        off = ~np.eye(m, dtype=bool)
        values.append(k_xx[off].mean() + k_yy[off].mean() - 2 * k_xy.mean())
    return float(np.mean(values)), float(np.std(values))


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` and ``b``."""
    sq = (a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """k-NN precision and recall of a generated distribution (Kynkäänniemi et al., 2019).

    Precision: share of generated samples inside some real sample's k-NN ball (are samples
    realistic?). Recall: share of real samples inside some generated sample's k-NN ball
    (is the variety of the data covered?).
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"need more than k={k} samples in each set, got {len(real)} and {len(fake)}")
    r_rr, r_ff = _pairwise(real, real), _pairwise(fake, fake)
    radius_r = np.sort(r_rr, axis=1)[:, k]   # column 0 is the point itself
    radius_f = np.sort(r_ff, axis=1)[:, k]
    d_fr = _pairwise(fake, real)
    precision = (d_fr <= radius_r[None, :]).any(axis=1).mean()
    recall = (d_fr.T <= radius_f[None, :]).any(axis=1).mean()
    return float(precision), float(recall)


def diversity(features: np.ndarray, max_n: int = 1000, seed: int = 0) -> float:
    """Mean pairwise Euclidean distance between feature vectors (low = mode collapse)."""
    features = np.asarray(features, np.float64)
    if len(features) > max_n:
        features = features[np.random.default_rng(seed).choice(len(features), max_n, replace=False)]
    d = _pairwise(features, features)
    return float(d[~np.eye(len(d), dtype=bool)].mean())


def element_frequencies(probabilities: dict[str, np.ndarray], names: tuple[str, ...] | list[str],
                        threshold: float = 0.5) -> pd.DataFrame:
    """Share of images in which each element is detected (probability above ``threshold``), per image set.

    ``probabilities`` maps a set name (e.g. "training", "GAN") to its ``(N, L)`` probabilities.
    """
    return pd.DataFrame({label: (np.asarray(p) > threshold).mean(0) for label, p in probabilities.items()},
                        index=pd.Index(list(names), name="element"))


def element_coverage(real_freq: np.ndarray, fake_freq: np.ndarray, min_ratio: float = 0.5) -> float:
    """Share of elements whose generated frequency is at least ``min_ratio`` times their real frequency.

    Elements absent from the real data are skipped.
    """
    real_freq, fake_freq = np.asarray(real_freq, float), np.asarray(fake_freq, float)
    present = real_freq > 0
    if not present.any():
        return float("nan")
    return float((fake_freq[present] >= min_ratio * real_freq[present]).mean())


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5) -> tuple[float, float]:
    """Density and coverage of generated samples (Naeem et al., 2020, "Reliable fidelity and diversity metrics").

    Each real sample gets a ball whose radius is the distance to its ``k``-th nearest real
    neighbour. Density: the mean number of real balls a generated sample falls in, divided by
    ``k`` (about 1 for samples from the real distribution, more when samples crowd where the
    data is dense). Coverage: the share of real balls that contain at least one generated sample
    (see :func:`expected_coverage` for its value when both sets come from one distribution).
    Unlike recall, coverage does not grow with outliers among the samples.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if len(real) <= k or len(fake) < 1:
        raise ValueError(f"need more than k={k} real samples and at least one generated one")
    radius = np.sort(_pairwise(real, real), axis=1)[:, k]   # column 0 is the point itself
    inside = _pairwise(fake, real) <= radius[None, :]       # (fake, real)
    return float(inside.sum(1).mean() / k), float(inside.any(0).mean())


def expected_coverage(k: int, n_real: int, n_fake: int) -> float:
    """Coverage expected when real and generated samples come from the same distribution (Naeem et al., 2020).

    ``1 - prod_{i=1..k} (n_real - i) / (n_real + n_fake - i)``: about ``1 - 2^-k`` for equal sizes.
    """
    i = np.arange(1, k + 1)
    return float(1.0 - np.prod((n_real - i) / (n_real + n_fake - i)))


def distinct_neighbours(real: np.ndarray, fake: np.ndarray) -> int:
    """How many distinct real samples are the nearest real neighbour of some generated sample."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    return int(len(np.unique(_pairwise(fake, real).argmin(axis=1))))
