"""What the pretrained encoder is measured against: a floor, a ceiling and the pixel autoencoder.

- ``random_init``: the same network with its random initial weights (the floor: what the
  architecture and the pooling give for free);
- ``supervised_ceiling``: the same network trained on the corpus's element labels with the same
  batch and steps (the best this network does at this resolution and budget);
- ``autoencoder``: chapter 05's pixel-level convolutional autoencoder, trained on the same corpus
  (the contrast: what a reconstruction objective finds).

All are cached under ``artifacts/encoder/baselines-<stamp>/`` keyed by the encoder's settings.
"""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..atomic import atomic_path
from ..features.encoder import ConvAutoencoder, embed_images, train_autoencoder
from ..threads import torch_threads
from .cache import EncoderSettings, _lock, encoder_root, load_corpus
from .model import PretrainedEncoder, ThumbEncoder
from .supervised import train_supervised


@dataclass(frozen=True)
class BaselineSettings:
    """How the autoencoder contrast is trained (chapter 05's defaults)."""

    ae_embed_dim: int = 64
    ae_width: int = 16
    ae_epochs: int = 4


@dataclass
class AutoencoderEmbedder:
    """Chapter 05's autoencoder behind the same ``embed`` call as the encoder."""

    model: ConvAutoencoder
    info: dict[str, Any] = field(default_factory=dict)

    def embed(self, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
        return embed_images(self.model, images, batch_size)


def random_init(settings: EncoderSettings) -> PretrainedEncoder:
    """The encoder's network with the random weights its seed gives (nothing trained)."""
    torch.manual_seed(settings.pretrain.seed)
    return PretrainedEncoder(ThumbEncoder(settings.pretrain.width).eval(), (settings.width, settings.height),
                             info={"pretrain_seconds": 0.0})


def _folder(settings: EncoderSettings, extra: BaselineSettings) -> Path:
    import hashlib

    material = json.dumps({"encoder": settings.stamp_material(), "baselines": dataclasses.asdict(extra)},
                          sort_keys=True)
    return encoder_root() / f"baselines-{hashlib.sha256(material.encode()).hexdigest()[:12]}"


def ensure_baselines(settings: EncoderSettings, extra: BaselineSettings | None = None,
                     show_progress: bool = True) -> dict[str, Any]:
    """``{"autoencoder", "random_init", "supervised_ceiling"}`` embedders for ``settings`` (trained once, cached)."""
    extra = extra or BaselineSettings()
    folder = _folder(settings, extra)
    path = folder / "baselines.pt"
    size = (settings.width, settings.height)
    with _lock(folder.name):
        if not path.is_file():
            corpus, _ = load_corpus(settings, show_progress)
            with torch_threads(settings.threads):
                sup = train_supervised(corpus.images, corpus.labels, settings.pretrain, show_progress=show_progress)
                start = time.perf_counter()
                ae, ae_history = train_autoencoder(corpus.images, embed_dim=extra.ae_embed_dim, epochs=extra.ae_epochs,
                                                   width_mult=extra.ae_width, seed=settings.pretrain.seed,
                                                   show_progress=show_progress)
                ae_seconds = time.perf_counter() - start
            state = {"supervised": sup.model.state_dict(), "autoencoder": ae.state_dict(),
                     "info": {"supervised_seconds": sup.seconds, "supervised_images_per_s": sup.images_per_s,
                              "autoencoder_seconds": ae_seconds, "autoencoder_history": ae_history}}
            folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                torch.save(state, tmp)
    state = torch.load(path, map_location="cpu", weights_only=True)
    sup_model = ThumbEncoder(settings.pretrain.width)
    sup_model.load_state_dict(state["supervised"])
    ae_model = ConvAutoencoder(settings.height, settings.width, extra.ae_embed_dim, extra.ae_width)
    ae_model.load_state_dict(state["autoencoder"])
    info = state["info"]
    return {"autoencoder": AutoencoderEmbedder(ae_model.eval(), {"seconds": info["autoencoder_seconds"]}),
            "random_init": random_init(settings),
            "supervised_ceiling": PretrainedEncoder(sup_model.eval(), size,
                                                    info={"pretrain_seconds": info["supervised_seconds"],
                                                          "images_per_s": info["supervised_images_per_s"]})}
