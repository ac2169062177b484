"""Scoring a set of generated thumbnails against the training thumbnails, all in one place.

Both chapters call :func:`score_samples`, so the GAN, its ablation and the diffusion model
are measured with the same extractor, the same reference features and the same sample sizes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .collapse import collapse_flagged, collapse_scores, mush_share
from .feature_extractor import FeatureExtractor, embed_images, predict_labels
from .metrics import diversity, element_coverage, frechet_distance, kernel_inception_distance, precision_recall


@dataclass(frozen=True)
class MetricSpace:
    """Where both generation chapters measure samples.

    ``embed`` gives the features of every distance (Fréchet distance, KID, precision/recall,
    coverage): the pretrained encoder's pooled features (``PretrainedEncoder.pooled``), the role
    Inception plays in the literature. ``labeller`` is the supervised element CNN that reads which
    elements a sample shows. Without ``embed`` the element CNN's own features are the space.
    """

    labeller: FeatureExtractor
    embed: Callable[[np.ndarray], np.ndarray] | None = None


def _labeller(space: MetricSpace | FeatureExtractor) -> FeatureExtractor:
    return space.labeller if isinstance(space, MetricSpace) else space


def metric_features(space: MetricSpace | FeatureExtractor, images: np.ndarray) -> np.ndarray:
    """The features every distance of both chapters is computed in (FD, KID, precision/recall, coverage)."""
    if isinstance(space, MetricSpace) and space.embed is not None:
        return np.asarray(space.embed(images), np.float32)
    return embed_images(_labeller(space), images)


@dataclass
class Reference:
    """Features, element probabilities and diversity of the real thumbnails that samples are compared with."""

    features: np.ndarray
    probabilities: np.ndarray
    diversity: float

    @property
    def frequencies(self) -> np.ndarray:
        return (self.probabilities > 0.5).mean(0)


def reference_from(extractor: MetricSpace | FeatureExtractor, images: np.ndarray) -> Reference:
    """Embed and label real thumbnails once, for every later comparison."""
    features = metric_features(extractor, images)
    return Reference(features, predict_labels(_labeller(extractor), images), diversity(features))


def score_samples(extractor: MetricSpace | FeatureExtractor, samples: np.ndarray, reference: Reference,
                  seed: int = 0) -> dict[str, float]:
    """Fréchet distance, KID, precision/recall, density/coverage, collapse and element shares of ``samples``.

    ``coverage``, ``density``, ``distinct_neighbours`` and ``collapsed`` are those of
    :mod:`thumbnail_lab.generative.collapse`, against a reference subset as large as the samples;
    ``mush`` the share of near-uniform, black or white samples. ``diversity_ratio`` is the
    samples' mean pairwise feature distance over the real images' (reported, not used as a
    verdict: it calls uniform noise collapsed). ``elements_shown`` is the share of elements the
    samples show at least half as often as the real data does; ``element_error`` the mean
    absolute difference between the samples' and the real data's element frequencies.
    """
    feats = metric_features(extractor, samples)
    probs = predict_labels(_labeller(extractor), samples)
    kid, kid_sd = kernel_inception_distance(reference.features, feats, subset_size=min(200, len(feats)), seed=seed)
    ref = reference.features[: max(len(feats), 50)]
    precision, recall = precision_recall(ref, feats)
    collapse = collapse_scores(ref, feats)
    return {"n_samples": int(len(samples)), "n_reference": int(len(reference.features)),
            "fd": frechet_distance(reference.features, feats), "kid": kid, "kid_sd": kid_sd,
            "precision": precision, "recall": recall, "density": collapse["density"],
            "coverage": collapse["coverage"], "expected_coverage": collapse["expected_coverage"],
            "distinct_neighbours": collapse["distinct_neighbours"], "collapsed": collapse_flagged(collapse),
            "mush": mush_share(samples), "diversity_ratio": diversity(feats, seed=seed) / reference.diversity,
            "elements_shown": element_coverage(reference.frequencies, (probs > 0.5).mean(0)),
            "element_error": float(np.abs((probs > 0.5).mean(0) - reference.frequencies).mean()),
            "_probabilities": probs}


def public(scores: dict) -> dict:
    """The scores without private entries (arrays), ready for a table or JSON."""
    return {k: v for k, v in scores.items() if not k.startswith("_")}


def element_labels(metadata, elements: tuple[str, ...] | list[str]) -> tuple[np.ndarray, list[str]]:
    """0/1 training labels for the feature extractor and their names.

    ThumbWorld has ``true_<element>`` columns. Real data has none; then the extractor learns the
    five quintiles of ``log_views`` instead (its embedding still works for the distances, but the
    element-coverage numbers are then about views quintiles, and chapters should say so).
    """
    if len(elements):
        missing = [f"true_{e}" for e in elements if f"true_{e}" not in metadata.columns]
        if missing:
            raise ValueError(f"metadata lacks the truth columns {missing}")
        return metadata[[f"true_{e}" for e in elements]].to_numpy(dtype=np.float32), list(elements)
    quintile = np.searchsorted(np.quantile(metadata["log_views"], [0.2, 0.4, 0.6, 0.8]), metadata["log_views"])
    names = [f"views_q{q + 1}" for q in range(5)]
    return np.eye(5, dtype=np.float32)[quintile], names


# The words the chapters' prose glues in, chosen from the scores above. Each returns a word or a
# flag, never a sentence: the sentences live in the chapters' markdown.

#: An element classifier with a held-out AUC below this barely tells the element apart.
LEGIBLE_AUC = 0.7


def collapse_verdict(stabilised: dict, ablated: dict) -> str:
    """What losing the stabilisers did: "collapsed" (flagged where the stabilised GAN is not), "covers less
    of the data" (lower coverage, not flagged) or "covers as much of the data"."""
    if ablated["collapsed"] and not stabilised["collapsed"]:
        return "collapsed"
    return "covers less of the data" if ablated["coverage"] < stabilised["coverage"] else "covers as much of the data"


def flagged_word(flagged: bool) -> str:
    """A detector's verdict on one set: "flagged" or "not flagged"."""
    return "flagged" if flagged else "not flagged"


def coverage_word(stabilised: dict, ablated: dict) -> str:
    """How many elements the ablated GAN shows next to the stabilised one: "fewer", "more" or "as many"."""
    c_s, c_a = stabilised["elements_shown"], ablated["elements_shown"]
    return "fewer" if c_a < c_s else "more" if c_a > c_s else "as many"


def fd_word(stabilised: dict, ablated: dict) -> str:
    """The ablated GAN's Fréchet distance next to the stabilised one's: "worse" (larger) or "better"."""
    return "worse" if ablated["fd"] > stabilised["fd"] else "better"


def discriminator_won(stabilised: dict, ablated: dict) -> bool:
    """Whether the ablated GAN's discriminator ended below half the stabilised one's final loss."""
    return "d_loss_final" in ablated and ablated["d_loss_final"] < 0.5 * stabilised.get("d_loss_final", 0.0)


def closer_model(gan: dict, diffusion: dict, metric: str = "fd") -> str:
    """The model with the smaller ``metric`` (a distance or an error): "diffusion model" or "GAN"."""
    return "diffusion model" if diffusion[metric] < gan[metric] else "GAN"


def fd_factor(gan: dict, diffusion: dict) -> float:
    """How many times as far from the data the farther model's Fréchet distance is."""
    near, far = sorted((gan["fd"], diffusion["fd"]))
    return far / max(near, 1e-12)


def kid_agrees(gan: dict, diffusion: dict) -> bool:
    """Whether KID ranks the model that the Fréchet distance puts closer strictly closer as well."""
    near, far = (diffusion, gan) if closer_model(gan, diffusion) == "diffusion model" else (gan, diffusion)
    return near["kid"] < far["kid"]


def floor_share(decoder_ceiling: dict, diffusion: dict) -> float:
    """The Fréchet distance of real thumbnails through the autoencoder, as a share of the diffusion model's."""
    return decoder_ceiling["fd"] / max(diffusion["fd"], 1e-12)


def copy_word(share: float) -> str:
    """Whether a model shows signs of copying: "no" when no sample failed the ratio test, else "some"."""
    return "no" if share == 0 else "some"


def legible(auc: float, min_auc: float = LEGIBLE_AUC) -> bool:
    """Whether a classifier's held-out AUC tells its element apart (False for NaN: no such label)."""
    return bool(auc >= min_auc)


def element_rates(freq, labels: np.ndarray, names: list[str]) -> dict[str, dict[str, float]]:
    """Per element: how often the classifier detects it in real thumbnails ("real") and in diffusion samples
    ("sampled"), in GAN samples ("gan"), and its true prevalence in the training labels ("truth", the base rate)."""
    truth = np.asarray(labels, dtype=float).mean(0)
    return {name: {"real": float(freq.loc[name, "training"]), "sampled": float(freq.loc[name, "diffusion"]),
                   "gan": float(freq.loc[name, "GAN"]), "truth": float(truth[j])} for j, name in enumerate(names)}
