"""Synthetic sparse activations with planted view effects, for tests and the scale benchmark.

Real activations need an encoder and an SAE; to time the feature-group statistics at the
published scale (524,288 thumbnails) or to test them against a known answer, this draws a
TopK-like sparse activation matrix directly: each thumbnail fires at most ``k`` latents chosen
with Zipf-like popularity, and a few latents carry a planted effect on log views.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class SyntheticFeatures:
    """A synthetic activation matrix, the views it implies and the planted effects."""

    activations: sp.csr_matrix      # (n, n_latents) float32, at most k non-zeros per row
    views: np.ndarray               # (n,) float
    effects: np.ndarray             # (n_latents,) planted log10 effect per unit activation
    channels: np.ndarray | None = None   # (n,) channel of each thumbnail (when drawn with channels)


def synthetic_features(n: int, n_latents: int = 4096, k: int = 32, share_with_effect: float = 0.05,
                       effect_sd: float = 0.5, noise_sd: float = 0.5, seed: int = 0,
                       chunk: int = 65_536, n_channels: int = 0, channel_sd: float = 0.5,
                       channel_share: float = 0.5) -> SyntheticFeatures:
    """Draw a synthetic feature world.

    Parameters
    ----------
    n : int
        Thumbnails.
    n_latents : int
        SAE latents.
    k : int
        Latent draws per thumbnail (duplicates merge, so at most ``k`` active).
    share_with_effect : float
        Share of latents with a non-zero planted effect (0 gives a null world).
    effect_sd, noise_sd : float
        Spread of planted effects and of the views' noise, in log10 units.
    seed : int
    chunk : int
        Rows drawn at a time (bounds memory).
    n_channels : int
        With channels (> 0), every thumbnail belongs to a channel; a channel adds a
        ``N(0, channel_sd)`` effect to its videos' log views and draws ``channel_share`` of its
        latents from three favourites of its own: latents then go with views through the channel,
        with no effect of their own (a confounded world).
    """
    rng = np.random.default_rng(seed)
    popularity = 1.0 / (np.arange(n_latents) + 10.0) ** 0.8
    cdf = np.cumsum(popularity / popularity.sum())
    effects = np.where(rng.random(n_latents) < share_with_effect, rng.normal(0, effect_sd, n_latents), 0.0)
    blocks, log_views = [], np.empty(n)
    if n_channels:
        channels = rng.integers(0, n_channels, n)
        favourites = rng.integers(0, n_latents, (n_channels, 3))
        channel_effect = rng.normal(0, channel_sd, n_channels)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        cols = np.minimum(np.searchsorted(cdf, rng.random((m, k))), n_latents - 1)
        if n_channels:
            own = rng.random((m, k)) < channel_share
            pick = favourites[channels[start:start + m, None], rng.integers(0, 3, (m, k))]
            cols = np.where(own, pick, cols)
        vals = rng.random((m, k)).astype(np.float32)
        rows = np.repeat(np.arange(m), k)
        block = sp.csr_matrix((vals.ravel(), (rows, cols.ravel())), shape=(m, n_latents), dtype=np.float32)
        block.sum_duplicates()
        blocks.append(block)
        log_views[start:start + m] = 4.0 + block @ effects + rng.normal(0, noise_sd, m)
    if n_channels:
        log_views += channel_effect[channels]
        return SyntheticFeatures(sp.vstack(blocks, format="csr"), np.round(10 ** log_views), effects, channels)
    return SyntheticFeatures(sp.vstack(blocks, format="csr"), np.round(10 ** log_views), effects)
