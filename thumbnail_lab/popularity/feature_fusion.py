"""Feature-level fusion as the fusion study built it: a weighted *sum of features*, one classifier per weight.

The study summed the image model's and the text model's features with a weight w, added a fully
connected layer and trained one model per weight with cross-entropy over five classes cut at
fixed thresholds of a normalised score; its table is train and validation accuracy per epoch for
each weight. Here the image features are the ViT's [CLS] features (or any entry of
``IMAGE_FEATURES``), the text features MiniLM's sentence embeddings; both are standardised and
whitened onto the same number of principal axes of the training rows, so that a weighted sum
adds like with like, and the normalised score is log10 views per subscriber, z-scored on the
training rows and cut at fixed z thresholds.

``IMAGE_FEATURES`` is the hook for other image encoders: map a name to a function
``(data, regressors) -> (N, d) features`` (the pretrained encoder registers itself there).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from .targets import to_classes

WEIGHTS = (0.0, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0)  # weight of the image features: 0 = title only, 1 = image only
THRESHOLDS = (-1.5, -0.5, 0.5, 1.5)  # fixed cut points of the z-scored normalised score
N_CLASSES = len(THRESHOLDS) + 1


def vit_features(data, regressors: Mapping) -> np.ndarray:
    """The trained ViT's normalised [CLS] features of every thumbnail."""
    if "vit" not in regressors:
        raise KeyError("feature-level fusion with 'vit' needs the ViT trained on this split")
    return regressors["vit"].embed(data.images)


#: image encoder name -> features of every thumbnail; the pretrained encoder adds itself here
IMAGE_FEATURES: dict[str, Callable] = {"vit": vit_features}


def image_features(name: str, data, regressors: Mapping) -> np.ndarray:
    """Features of every thumbnail from the image encoder ``name`` (a key of ``IMAGE_FEATURES``)."""
    if name not in IMAGE_FEATURES:
        raise KeyError(f"no image features called {name!r}; known: {sorted(IMAGE_FEATURES)}")
    return np.asarray(IMAGE_FEATURES[name](data, regressors), np.float32)


def fixed_classes(score: np.ndarray, train: np.ndarray, thresholds=THRESHOLDS) -> np.ndarray:
    """Classes 0..len(thresholds) of ``score`` z-scored with its training mean and sd, cut at fixed ``thresholds``."""
    score = np.asarray(score, float)
    z = (score - score[train].mean()) / (score[train].std() + 1e-12)
    return to_classes(z, np.asarray(thresholds, float))


def common_space(x: np.ndarray, train: np.ndarray, dim: int) -> np.ndarray:
    """Standardise, project onto the first ``dim`` principal axes of the training rows and whiten."""
    from sklearn.decomposition import PCA

    x = np.asarray(x, np.float64)
    mean, sd = x[train].mean(0), x[train].std(0) + 1e-8
    z = (x - mean) / sd
    pca = PCA(n_components=min(dim, z.shape[1], int(train.sum())), whiten=True, svd_solver="full").fit(z[train])
    return pca.transform(z).astype(np.float32)


@dataclass
class FeatureFusionRun:
    """Per image weight: accuracy per epoch on train and validation rows; the chosen weight and its predictions."""

    history: dict[float, list[dict]]
    weight: float
    classes: np.ndarray  # the true fixed-threshold classes of every row
    predicted: np.ndarray  # the chosen weight's predicted class of every row (its best validation epoch)
    predicted_by_weight: dict[float, np.ndarray] = field(default_factory=dict)


def train_one(img, txt, classes, masks, weight: float, epochs: int, hidden: int = 64, lr: float = 3e-3,
              batch_size: int = 128, seed: int = 0):
    """One classifier on weight * image + (1 - weight) * text features: history, and the best epoch's predictions."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(weight * img + (1 - weight) * txt)
    y = torch.from_numpy(np.asarray(classes, np.int64))
    net = nn.Sequential(nn.Linear(x.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, N_CLASSES))
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-4)
    train, val = torch.as_tensor(np.flatnonzero(masks["train"])), torch.as_tensor(np.flatnonzero(masks["val"]))
    history, best, best_pred = [], -1.0, None
    for epoch in range(epochs):
        net.train()
        for part in torch.split(train[torch.randperm(len(train), generator=gen)], batch_size):
            loss = nn.functional.cross_entropy(net(x[part]), y[part])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            pred = net(x).argmax(1)
        accs = {name: float((pred[rows] == y[rows]).float().mean()) for name, rows in (("train", train), ("val", val))}
        history.append({"epoch": epoch + 1, "train_accuracy": accs["train"], "val_accuracy": accs["val"]})
        if accs["val"] > best:
            best, best_pred = accs["val"], pred.numpy().copy()
    return history, best_pred


def sweep(image: np.ndarray, title: np.ndarray, score: np.ndarray, masks: Mapping[str, np.ndarray], epochs: int = 20,
          dim: int = 32, weights=WEIGHTS, seed: int = 0) -> FeatureFusionRun:
    """Train one feature-level fusion classifier per image weight; choose the weight on validation accuracy."""
    train = np.asarray(masks["train"], bool)
    img, txt = common_space(image, train, dim), common_space(title, train, dim)
    k = min(img.shape[1], txt.shape[1])
    img, txt = img[:, :k], txt[:, :k]
    classes = fixed_classes(score, train)
    history, predicted = {}, {}
    for w in weights:
        history[float(w)], predicted[float(w)] = train_one(img, txt, classes, masks, float(w), epochs, seed=seed)
    chosen = max(history, key=lambda w: max(h["val_accuracy"] for h in history[w]))
    return FeatureFusionRun(history, chosen, classes, predicted[chosen], predicted)


def sweep_table(run: FeatureFusionRun) -> pd.DataFrame:
    """The study's table: one row per image weight, train / validation accuracy at each epoch."""
    rows = {}
    for w, hist in run.history.items():
        for h in hist:
            rows.setdefault(w, {})[("train", h["epoch"])] = h["train_accuracy"]
            rows[w][("validation", h["epoch"])] = h["val_accuracy"]
    table = pd.DataFrame.from_dict(rows, orient="index").sort_index(axis=1, level=[0, 1])
    return table.rename_axis("image weight").round(3)


def sweep_record(run: FeatureFusionRun) -> dict:
    """weight -> {"train": accuracy per epoch, "val": accuracy per epoch} (results.json's ``fusion_sweep``)."""
    return {f"{w:g}": {"train": [round(h["train_accuracy"], 6) for h in hist],
                       "val": [round(h["val_accuracy"], 6) for h in hist]} for w, hist in run.history.items()}


def test_rows(run: FeatureFusionRun, masks, groups, split: str, n_boot: int, seed: int) -> pd.DataFrame:
    """The chosen weight's test accuracy and adjacent credit, with chance and a clustered interval (table rows)."""
    from . import metrics
    from .registry import model

    test = np.asarray(masks["test"], bool)
    s = metrics.score_classes(run.classes[test], run.predicted[test], None if groups is None else groups[test],
                              n_boot, seed, N_CLASSES)
    info = model("feature_fusion")
    return pd.DataFrame(metrics.results_rows({"split": split, "model": "feature_fusion", "label": info.label,
                                              "input": info.inputs, "oracle": info.oracle,
                                              "target": "fusion_classes"}, s))
