"""What chapter 06 reads from earlier chapters, each built here when it is missing or from another run.

``popularity_cnn`` (chapter 04's CNN), ``diffusion_model`` (chapter 03's latent diffusion model),
``element_probe`` (the detector that reads elements off generated images: chapter 03's supervised
feature extractor, or linear probes on the pretrained encoder) and ``encoder_embed`` (chapter
01a's pretrained encoder).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..paths import chapter_dir


def popularity_cnn(ds, images: np.ndarray, params: dict, epochs: int, seed: int):
    """(Regressor, log-views output, where it came from): chapter 04's CNN if it matches, else a small one."""
    from .rankers import load_chapter04_cnn, train_small_cnn

    expected = {k: params[k] for k in ("source", "scenario", "n_videos", "seed")}
    expected.update(image_width=images.shape[2], image_height=images.shape[1])
    loaded = load_chapter04_cnn(chapter_dir("04_popularity"), expected)
    if loaded is not None:
        return (*loaded, "chapter 04")
    split = ds.split("random")
    reg, out = train_small_cnn(images, ds.metadata["log_views"].to_numpy(), split["train"], split["val"],
                               epochs, seed=seed)
    return reg, out, "trained here"


def diffusion_model(ds, images: np.ndarray, ae_steps: int, diffusion_steps: int, seed: int):
    """(UNet, config, autoencoder, where it came from): chapter 03's checkpoint if it was trained on ``ds``."""
    from ..generative import diffusion, latent

    path = chapter_dir("03_diffusion") / "ddpm.pt"
    if path.is_file():
        model, config, extra, ae = diffusion.load_diffusion(path)
        if extra.get("dataset") == ds.name and ae is not None and ae.config.height == images.shape[1]:
            return model, config, ae, "chapter 03"
    ae_config = latent.AutoencoderConfig(height=images.shape[1], width=images.shape[2], channels=8, latent_channels=4)
    ae = latent.train_autoencoder(images, ae_config, ae_steps, seed=seed).model
    space = ae_config.latent_shape
    latent_flag = {"pixel_space": False} if "pixel_space" in diffusion.DiffusionConfig.__dataclass_fields__ else {}
    config = diffusion.DiffusionConfig(height=space[1], width=space[2], channels=space[0], patch=1, **latent_flag,
                                       block_out_channels=(32,), num_train_timesteps=200,
                                       prediction_type="v_prediction", batch_size=32)
    run = diffusion.train_diffusion(latent.encode_images(ae, images), config, diffusion_steps, seed=seed)
    return run.ema_model, config, ae, "trained here"


def encoder_embed(params: dict) -> Callable[[np.ndarray], np.ndarray]:
    """The pretrained encoder's ``embed``, at the chapter's ``encoder_*`` sizes (chapter 01a's encoder).

    The pretraining thread count is 01a's default (it is part of the stamp); the embedding runs
    with the chapter's threads.
    """
    from ..encoder import book_encoder, chapter_sizes

    return book_encoder(**chapter_sizes(params)).embed


def element_probe(kind: str, ds, images: np.ndarray, epochs: int, seed: int,
                  embed: Callable[[np.ndarray], np.ndarray] | None = None):
    """(probe: uint8 images -> element probabilities (N, E), element names) trained on real thumbnails.

    ``kind`` "feature_extractor": chapter 03's supervised element classifier (its cache is shared);
    "encoder": one logistic-regression probe per element on the pretrained encoder's embeddings.
    """
    from ..generative.evaluation import element_labels

    labels, names = element_labels(ds.metadata, ds.elements)
    train = ds.split("random")["train"]
    if kind == "encoder":
        from sklearn.linear_model import LogisticRegression

        if embed is None:
            raise ValueError("probe 'encoder' needs the pretrained encoder (thumbnail_lab.encoder)")
        z = embed(images[train])
        fits = [LogisticRegression(max_iter=2000).fit(z, labels[train, j]) if 0 < labels[train, j].mean() < 1
                else float(labels[train, j].mean()) for j in range(len(names))]
        return (lambda x: _probe_encoder(fits, embed(np.asarray(x)))), names
    from ..generative.feature_extractor import ensure_feature_extractor, predict_labels

    shared = chapter_dir("03_diffusion")
    folder = shared if (shared / "feature_extractor.pt").is_file() else chapter_dir("06_choosing")
    model, _ = ensure_feature_extractor(images, labels, names, ds.name, folder, epochs=epochs, seed=seed)
    return (lambda x: predict_labels(model, np.asarray(x))), names


def _probe_encoder(fits: list, z: np.ndarray) -> np.ndarray:
    """Probabilities of each element from fitted probes (a constant where an element never varies)."""
    return np.column_stack([f.predict_proba(z)[:, 1] if hasattr(f, "predict_proba") else np.full(len(z), f)
                            for f in fits])
