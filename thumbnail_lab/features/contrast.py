"""Chapter 05's contrast: the same SAE pipeline on a pixel-level autoencoder's embeddings.

The chapter's features come from the pretrained encoder; this module runs the pipeline of
earlier editions beside it (a convolutional autoencoder trained to redraw thumbnails, its own
SAE) so that the chapter can show what an encoder that only learned pixels finds, and
``coverage_records`` flattens the element-by-element target of both for the prose.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .encoder import embed_images, train_autoencoder
from .sae import SAEConfig, Standardiser, diagnostics, encode_sparse, train_sae


@dataclass(frozen=True)
class PixelContrast:
    """Sizes of the pixel autoencoder and of its SAE (the chapter's ``embed_dim``, ``ae_*``, ``contrast_*``)."""

    embed_dim: int = 64
    ae_width: int = 16
    ae_epochs: int = 8
    expansion: int = 8
    k: int = 8
    epochs: int = 30
    seed: int = 0


def pixel_features(train_images: np.ndarray, images: np.ndarray, settings: PixelContrast,
                   checkpoints: Path) -> tuple[sp.csr_matrix, float]:
    """SAE activations of ``images`` through an autoencoder and an SAE trained on ``train_images``, and the
    share of latents dead on ``images``."""
    ae, _ = train_autoencoder(train_images, settings.embed_dim, settings.ae_epochs, width_mult=settings.ae_width,
                              seed=settings.seed, checkpoint_path=checkpoints / "contrast_autoencoder.pt")
    emb_train, emb = embed_images(ae, train_images), embed_images(ae, images)
    standardise = Standardiser.fit(emb_train)
    config = SAEConfig(expansion=settings.expansion, k=settings.k, epochs=settings.epochs, seed=settings.seed)
    sae, _ = train_sae(standardise(emb_train), config, checkpoint_path=checkpoints / "contrast_sae.pt")
    return encode_sparse(sae, standardise(emb)), float(diagnostics(sae, standardise(emb)).as_dict()["dead_share"])


def coverage_records(coverage: dict[str, pd.DataFrame], dead: dict[str, float], main: str) -> dict[str, float | int | bool]:
    """Flat ``features_cov_{main,pixel}_{met,eligible,all_met,achievable,achievable_met,missed,dead}`` values.

    ``achievable`` counts the eligible elements whose base rate allows the target; ``missed`` names
    those of them that no feature stands for. Zeros (and "none") where an encoder has no table.
    """
    out: dict[str, float | int | bool] = {}
    for key, name in (("main", main), ("pixel", "pixel autoencoder")):
        t = coverage.get(name)
        eligible = t[t["eligible"]] if t is not None else pd.DataFrame({"met": [], "achievable": [], "element": []})
        out[f"features_cov_{key}_met"] = int(eligible["met"].sum())
        out[f"features_cov_{key}_eligible"] = int(len(eligible))
        out[f"features_cov_{key}_all_met"] = bool(len(eligible) and eligible["met"].all())
        reachable = eligible[eligible["achievable"]] if len(eligible) else eligible
        out[f"features_cov_{key}_achievable"] = int(len(reachable))
        out[f"features_cov_{key}_achievable_met"] = int(reachable["met"].sum()) if len(reachable) else 0
        missed = reachable[~reachable["met"].astype(bool)]["element"] if len(reachable) else []
        out[f"features_cov_{key}_missed"] = ", ".join(missed) or "none"
        out[f"features_cov_{key}_dead"] = float(dead.get(name, np.nan))
    return out
