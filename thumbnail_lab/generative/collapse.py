"""Is a generator collapsing? Coverage, recall and occupied neighbours, checked against planted failures.

A collapsed generator draws a few images over and over. The mean-distance "diversity ratio" used
before missed that (three distinct images repeated score well above its threshold, while uniform
noise, which every image embeds alike, scored as collapsed). Here collapse is read from where the
samples fall among the real thumbnails, in the metrics' feature space:

* coverage (Naeem et al., 2020): the share of real thumbnails whose k-NN ball holds a sample,
  judged against its expected value when samples and data share one distribution;
* recall (Kynkäänniemi et al., 2019) and density, reported beside it;
* distinct neighbours: how many different real thumbnails are the nearest one of some sample,
  against the same count for held-out real thumbnails.

The positive controls are :func:`planted_collapse` (samples drawn from three images) and
:func:`uniform_noise`; the negative control is a set of held-out real thumbnails, which must not be flagged.
:func:`mush_share` counts the near-uniform, all-black and all-white samples a reader would call mush.
"""
from __future__ import annotations

import numpy as np

from .metrics import density_coverage, distinct_neighbours, expected_coverage, precision_recall

#: A sample set whose coverage is below this share of the same-distribution expectation is flagged.
COVERAGE_FLAG = 0.5
#: Nearest neighbours of the coverage/density balls (Naeem et al. use k = 5).
K = 5


def collapse_scores(real: np.ndarray, fake: np.ndarray, k: int = K) -> dict[str, float]:
    """Coverage, its same-distribution expectation, density, recall and distinct neighbours of ``fake``."""
    density, coverage = density_coverage(real, fake, k)
    _, recall = precision_recall(real, fake)
    return {"coverage": coverage, "expected_coverage": expected_coverage(k, len(real), len(fake)),
            "density": density, "recall": recall, "distinct_neighbours": distinct_neighbours(real, fake),
            "n_fake": int(len(fake))}


def collapse_flagged(scores: dict, share: float = COVERAGE_FLAG) -> bool:
    """Whether the samples cover less than ``share`` of what samples of the data itself would cover."""
    return bool(scores["coverage"] < share * scores["expected_coverage"])


def planted_collapse(images: np.ndarray, n: int, n_sources: int = 3, seed: int = 0) -> np.ndarray:
    """``n`` samples drawn (with repetition) from ``n_sources`` of ``images``: a collapse by construction."""
    rng = np.random.default_rng(seed)
    sources = images[rng.choice(len(images), n_sources, replace=False)]
    return sources[rng.integers(0, n_sources, n)]


def uniform_noise(n: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """``n`` images of independent uniform pixel values: varied, and nothing like a thumbnail."""
    return np.random.default_rng(seed).integers(0, 256, (n, height, width, 3), dtype=np.uint8)


def mush_kind(images: np.ndarray, flat_std: float = 12.0, dark: float = 20.0, bright: float = 235.0) -> np.ndarray:
    """Per image: "black" (mean grey level below ``dark``), "white" (above ``bright``), "flat" (spatial
    std of each colour channel, averaged, below ``flat_std``: one flat colour) or "" (none of these)."""
    x = np.asarray(images, np.float64).reshape(len(images), -1, 3)
    mean, std = x.mean((1, 2)), x.std(1).mean(1)
    return np.where(mean < dark, "black", np.where(mean > bright, "white", np.where(std < flat_std, "flat", "")))


def mush_share(images: np.ndarray, **thresholds: float) -> float:
    """Share of images that are near-uniform, all black or all white (see :func:`mush_kind`)."""
    return float((mush_kind(images, **thresholds) != "").mean())
