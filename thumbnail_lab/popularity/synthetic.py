"""A tiny planted world for unit tests and benchmarks (not the book's dataset).

Thumbnails are noisy backgrounds; some carry a white square (the planted 'object') that adds
``object_effect`` to log10 views; some titles carry the word 'amazing', which adds
``word_effect``. Channels and upload age add their own parts, exactly like ThumbWorld's
structural model, and the same truth columns are written, so every module can be tested
without generating the real dataset.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

WORDS = ("cooking", "travel", "review", "guide", "day", "new", "best", "how", "why", "my", "car", "cat")


def make_world(n: int = 400, height: int = 36, width: int = 64, n_channels: int = 20, seed: int = 0,
               object_effect: float = 0.6, word_effect: float = 0.3, noise_sd: float = 0.15):
    """Return ``(metadata, images, truth)`` shaped like ``ensure_dataset``'s output."""
    rng = np.random.default_rng(seed)
    channel = rng.integers(0, n_channels, n)
    base = rng.uniform(40, 200, size=(n_channels, 3))[channel]
    images = np.clip(base[:, None, None, :] + rng.normal(0, 20, size=(n, height, width, 3)), 0, 255)
    has_object = rng.random(n) < 0.5
    s = height // 3
    for i in np.flatnonzero(has_object):
        y0, x0 = rng.integers(0, height - s), rng.integers(0, width - s)
        images[i, y0:y0 + s, x0:x0 + s] = 255
    amazing = rng.random(n) < 0.4
    titles = [" ".join(rng.choice(WORDS, 4)) + (" amazing" if a else "") for a in amazing]
    channel_effect = rng.normal(0, 0.3, n_channels)[channel]
    age = rng.uniform(10, 1000, n)
    age_effect = 0.2 * np.log10(age)
    content = object_effect * has_object + word_effect * amazing
    noise = rng.normal(0, noise_sd, n)
    mean = 4.0 + content + channel_effect + age_effect
    log_views = mean + noise
    splits = {}
    splits["split_random"] = rng.choice(["train", "val", "test"], n, p=[0.6, 0.2, 0.2])
    ch_part = rng.choice(["train", "val", "test"], n_channels, p=[0.6, 0.2, 0.2])
    splits["split_channel"] = ch_part[channel]
    order = np.argsort(np.argsort(-age))
    splits["split_temporal"] = np.where(order < 0.6 * n, "train", np.where(order < 0.8 * n, "val", "test"))
    meta = pd.DataFrame({
        "video_id": [f"v{i}" for i in range(n)], "channel_id": [f"c{c}" for c in channel], "title": titles,
        "views": np.round(10 ** log_views).astype(int), "log_views": log_views, "age_days": age,
        "true_object": has_object.astype(int), "true_amazing": amazing.astype(int),
        "true_channel_effect": channel_effect, "true_age_effect": age_effect,
        "true_title_effect": word_effect * amazing,
        "true_content_effect": content, "true_noise": noise, "true_log_views_mean": mean, **splits,
    })
    truth = {"element_effects": {"object": object_effect}, "noise_sd": noise_sd}
    return meta, images.astype(np.uint8), truth
