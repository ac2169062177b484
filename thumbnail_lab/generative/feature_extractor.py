"""The in-project image feature extractor: an element classifier whose penultimate layer is the embedding.

Inception-based FID needs downloaded ImageNet weights and measures ImageNet features. Here a
small CNN is trained on the dataset's own truth columns (ThumbWorld's ``true_<element>``
0/1 labels), so that (1) it labels the elements present in generated thumbnails and (2) its
128-d pooled features serve as the space for Fréchet distance, KID and precision/recall.
Numbers computed in this space are comparable with each other, never with published FIDs.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ..atomic import atomic_path
from ..progress import progress
from ..threads import threaded
from .images import to_signed_tensor
from .optim import warmup_cosine

#: Bumped when training changes (2: diffusers' warm-up + cosine schedule), so stale caches are retrained.
EXTRACTOR_VERSION = 2


class FeatureExtractor(nn.Module):
    """Three strided conv blocks, global average pooling (the embedding) and a linear multi-label head."""

    def __init__(self, n_labels: int, width: int = 32, embed_dim: int = 128) -> None:
        super().__init__()

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(True),
                                 nn.Conv2d(c_out, c_out, 3, stride=2, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(True))

        self.body = nn.Sequential(block(3, width), block(width, 2 * width), block(2 * width, embed_dim))
        self.head = nn.Linear(embed_dim, n_labels)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features ``(N, embed_dim)``."""
        return self.body(x).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


def train_feature_extractor(images: np.ndarray, labels: np.ndarray, label_names: tuple[str, ...] | list[str],
                            epochs: int = 4, seed: int = 0, val_fraction: float = 0.2,
                            batch_size: int = 64) -> tuple[FeatureExtractor, pd.DataFrame]:
    """Train the multi-label classifier; return it (eval mode) and its held-out scores per label.

    Parameters
    ----------
    images : np.ndarray
        uint8 ``(N, H, W, 3)`` thumbnails.
    labels : np.ndarray
        0/1 ``(N, L)`` matrix, one column per name in ``label_names``.
    epochs, seed, val_fraction, batch_size
        Training length, seed, share of images held out for the scores, batch size.

    Returns
    -------
    model, scores
        ``scores`` has one row per label: prevalence, held-out AUC and accuracy at 0.5.
    """
    from sklearn.metrics import roc_auc_score

    labels = np.asarray(labels, dtype=np.float32)
    if labels.shape != (len(images), len(label_names)):
        raise ValueError(f"labels have shape {labels.shape}, expected {(len(images), len(label_names))}")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(images))
    n_val = int(round(val_fraction * len(images)))
    val, train = perm[:n_val], perm[n_val:]
    x, y = to_signed_tensor(images), torch.from_numpy(labels)
    torch.manual_seed(seed)
    model = FeatureExtractor(len(label_names))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    g = torch.Generator().manual_seed(seed)
    steps = epochs * int(np.ceil(len(train) / batch_size))
    sched = warmup_cosine(opt, steps)
    model.train()
    for _ in progress(range(epochs), desc="feature extractor (epochs)"):
        order = torch.from_numpy(train)[torch.randperm(len(train), generator=g)]
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            loss = F.binary_cross_entropy_with_logits(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    rows = []
    if n_val:
        probs = predict_labels(model, images[val])
        for j, name in enumerate(label_names):
            truth = labels[val, j]
            auc = roc_auc_score(truth, probs[:, j]) if 0 < truth.sum() < len(truth) else float("nan")
            rows.append({"label": name, "prevalence": float(truth.mean()), "auc": float(auc),
                         "accuracy": float(((probs[:, j] > 0.5) == truth).mean())})
    return model, pd.DataFrame(rows)


@torch.no_grad()
def embed_images(model: FeatureExtractor, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """128-d features of uint8 images, float64 ``(N, 128)``."""
    model.eval()
    return np.concatenate([model.embed(to_signed_tensor(images[i:i + batch_size])).double().numpy()
                           for i in range(0, len(images), batch_size)])


@torch.no_grad()
def predict_labels(model: FeatureExtractor, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Per-label probabilities of uint8 images, ``(N, L)``."""
    model.eval()
    return np.concatenate([torch.sigmoid(model(to_signed_tensor(images[i:i + batch_size]))).numpy()
                           for i in range(0, len(images), batch_size)])


@threaded
def ensure_feature_extractor(images: np.ndarray, labels: np.ndarray, label_names: tuple[str, ...] | list[str],
                             dataset_name: str, folder: str | Path, epochs: int = 4,
                             seed: int = 0) -> tuple[FeatureExtractor, pd.DataFrame]:
    """Load the cached extractor from ``folder`` if it was trained with the same inputs, else train and cache it.

    The cache key holds the dataset name, image size, label names, epochs and seed, so chapters
    02 and 03 share one extractor and a change of any of these retrains it.
    """
    folder = Path(folder)
    key = {"dataset": dataset_name, "shape": list(np.shape(images)[1:]), "labels": list(label_names),
           "epochs": epochs, "seed": seed, "version": EXTRACTOR_VERSION}
    path = folder / "feature_extractor.pt"
    if path.exists():
        state = torch.load(path, map_location="cpu", weights_only=False)
        if state["key"] == json.loads(json.dumps(key)):
            model = FeatureExtractor(len(label_names))
            model.load_state_dict(state["weights"])
            model.eval()
            return model, pd.DataFrame(state["scores"])
    model, scores = train_feature_extractor(images, labels, label_names, epochs=epochs, seed=seed)
    with atomic_path(path) as tmp:
        torch.save({"key": key, "weights": model.state_dict(), "scores": scores.to_dict("records")}, tmp)
    return model, scores
