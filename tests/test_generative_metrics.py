"""Metrics on known inputs, the feature extractor, and the memorisation check on a planted copy."""
import numpy as np
import pytest

from thumbnail_lab.generative.feature_extractor import embed_images, ensure_feature_extractor, predict_labels
from thumbnail_lab.generative.images import synthetic_thumbnails
from thumbnail_lab.generative.memorisation import copy_check, flatten_pixels, nearest_neighbours, nn_ratio
from thumbnail_lab.generative.metrics import (
    diversity,
    element_coverage,
    element_frequencies,
    frechet_distance,
    kernel_inception_distance,
    precision_recall,
)
from thumbnail_lab.threads import torch_threads


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread: small convolutions on a shared 2-core machine run many times faster."""
    with torch_threads(1):
        yield


RNG = np.random.default_rng(0)
A = RNG.normal(size=(400, 8))
B = RNG.normal(size=(400, 8))
FAR = RNG.normal(size=(400, 8)) + 5.0


def test_frechet_distance():
    assert frechet_distance(A, A) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(A, B) < 0.5
    assert frechet_distance(A, FAR) == pytest.approx(8 * 25, rel=0.1)   # |mean shift|^2 dominates


def test_kid():
    same, _ = kernel_inception_distance(A, A, n_subsets=5, subset_size=100)
    close, _ = kernel_inception_distance(A, B, n_subsets=5, subset_size=100)
    far, _ = kernel_inception_distance(A, FAR, n_subsets=5, subset_size=100)
    assert abs(same) < 0.05 and abs(close) < 0.05 and far > 10


def test_precision_recall_and_diversity():
    p_same, r_same = precision_recall(A, B)     # finite-sample k-NN balls miss a few points even for one law
    assert p_same > 0.75 and r_same > 0.75
    assert precision_recall(A, FAR) == (0.0, 0.0)
    collapsed = np.repeat(A[:1], 50, axis=0) + 1e-3 * RNG.normal(size=(50, 8))
    p, r = precision_recall(A, collapsed)
    assert p == 1.0 and r < 0.1
    assert diversity(collapsed) < 0.01 * diversity(A)


def test_element_frequencies_and_coverage():
    freq = element_frequencies({"train": np.array([[0.9, 0.1], [0.8, 0.7]]), "gen": np.zeros((2, 2))}, ["a", "b"])
    assert freq.loc["a", "train"] == 1.0 and freq.loc["b", "train"] == 0.5 and freq["gen"].sum() == 0
    assert element_coverage([0.5, 0.2, 0.0], [0.4, 0.05, 0.3]) == 0.5


def test_memorisation_flags_planted_pixel_copy():
    train, _ = synthetic_thumbnails(200, 16, 28, seed=3)
    noisy_copy = np.clip(train[17].astype(int) + RNG.integers(-2, 3, train[17].shape), 0, 255).astype(np.uint8)
    idx, dist = nearest_neighbours(flatten_pixels(noisy_copy[None]), flatten_pixels(train), k=2)
    assert idx[0, 0] == 17 and nn_ratio(dist)[0] < 1 / 3
    check = copy_check(noisy_copy[None], train)
    assert check["nearest"].iloc[0] == 17 and check["copy"].iloc[0]


def test_feature_extractor_learns_and_caches(tmp_path):
    images, labels = synthetic_thumbnails(300, 16, 28, seed=0)
    model, scores = ensure_feature_extractor(images, labels, ("red", "bar"), "synthetic", tmp_path, epochs=8)
    assert (scores["auc"] > 0.8).all(), scores
    assert embed_images(model, images[:5]).shape == (5, 128)
    again, _ = ensure_feature_extractor(images, labels, ("red", "bar"), "synthetic", tmp_path, epochs=8)
    assert np.allclose(predict_labels(again, images[:5]), predict_labels(model, images[:5]))
