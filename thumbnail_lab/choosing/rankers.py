"""Ways to rank a video's candidate thumbnails: trained models, a rule-of-thumb checklist, chance.

A ranker maps uint8 images (N, H, W, 3) to a score (N,), higher = expected to do better.
``score_sets`` applies one to candidate sets (n, K, H, W, 3).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np

Ranker = Callable[[np.ndarray], np.ndarray]
CHECKLIST = ("face_like_area", "text_like_area", "contrast", "saturation")


def score_sets(ranker: Ranker, images: np.ndarray) -> np.ndarray:
    """Scores (n, K) of candidate sets ``images`` (n, K, H, W, 3)."""
    n, k = images.shape[:2]
    flat = images.reshape(n * k, *images.shape[2:])
    return np.asarray(ranker(flat), float).reshape(n, k)


def checklist_features(images: np.ndarray) -> np.ndarray:
    """Face-like area, text-like area, contrast (luma sd) and saturation of each image (N, 4)."""
    from ..popularity.handcrafted import image_features

    feats = image_features(images)
    luma = (np.asarray(images, np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)).reshape(len(images), -1)
    feats["contrast"] = luma.std(1) / 255
    return feats[list(CHECKLIST)].to_numpy(float)


def checklist_ranker(reference: np.ndarray) -> Ranker:
    """A checker's grade: checks passed (face, large text, contrast, saturation above the reference median).

    Ties between equal grades are broken by the summed standardised features, as a checker's
    "how far above" would.
    """
    ref = checklist_features(reference)
    median, sd = np.median(ref, 0), ref.std(0) + 1e-9

    def grade(images: np.ndarray) -> np.ndarray:
        f = checklist_features(images)
        return (f > median).sum(1) + 0.01 * np.tanh(((f - median) / sd).sum(1))
    return grade


def random_ranker(seed: int = 0) -> Ranker:
    """Scores drawn at random: the chance level of picking."""
    rng = np.random.default_rng(seed)
    return lambda images: rng.random(len(images))


def regressor_ranker(regressor, output: int = 0) -> Ranker:
    """Predicted log10 views (output ``output``) of a trained ``popularity.image_models.Regressor``."""
    return lambda images: regressor.predict(np.asarray(images))[:, output]


def embedding_ranker(embed: Callable[[np.ndarray], np.ndarray], images: np.ndarray, y: np.ndarray,
                     train: np.ndarray) -> Ranker:
    """Ridge regression (alpha by cross-validation) of ``y`` on embeddings of the training ``images``."""
    from sklearn.linear_model import RidgeCV

    fit = RidgeCV(alphas=np.logspace(-2, 4, 13)).fit(embed(images[train]), y[train])
    return lambda new: fit.predict(embed(np.asarray(new)))


def load_chapter04_cnn(folder: Path, expected: dict):
    """Chapter 04's trained CNN and the index of its log-views output, if it was trained on ``expected``.

    ``expected`` holds the parameters that must match chapter 04's run (source, scenario, n_videos,
    seed, image_width, image_height); returns None when the files are missing or the run differs.
    """
    import torch

    from ..popularity.image_models import Regressor, SmallCNN

    weights, results = Path(folder) / "cnn.pt", Path(folder) / "results.json"
    if not (weights.is_file() and results.is_file()):
        return None
    params = json.loads(results.read_text()).get("parameters", {})
    if any(params.get(k) != v for k, v in expected.items()):
        return None
    state = torch.load(weights, map_location="cpu", weights_only=False)
    model = SmallCNN(len(state["outputs"]), width=int(params.get("cnn_width", 16)))
    model.load_state_dict(state["state_dict"])
    model.eval()
    reg = Regressor(model, np.asarray(state["y_mean"]), np.asarray(state["y_sd"]), outputs=list(state["outputs"]))
    return reg, list(state["outputs"]).index("log_views")


def train_small_cnn(images: np.ndarray, log_views: np.ndarray, train: np.ndarray, val: np.ndarray,
                    epochs: int, width: int = 16, seed: int = 0):
    """A small CNN regressing log10 views (chapter 04's recipe), for when chapter 04's is missing."""
    import torch

    from ..popularity.image_models import SmallCNN, train_regressor

    torch.manual_seed(seed)
    reg = train_regressor(SmallCNN(1, width=width), images, np.asarray(log_views, np.float32)[:, None], train, val,
                          epochs=epochs, seed=seed, desc="CNN (chapter 06)")
    reg.outputs = ["log_views"]
    return reg, 0


def save_ranker(path: Path, regressor, output: int, width: int, height: int, cnn_width: int, calibration: dict) -> Path:
    """Save a CNN ranker with what the ``rank`` command needs: image size, output and the chapter's measurements."""
    import torch

    from ..atomic import atomic_path

    with atomic_path(Path(path)) as tmp:
        torch.save({"state_dict": regressor.model.state_dict(), "y_mean": np.asarray(regressor.y_mean).tolist(),
                    "y_sd": np.asarray(regressor.y_sd).tolist(), "outputs": list(regressor.outputs),
                    "output": output, "width": width, "height": height, "cnn_width": cnn_width,
                    "calibration": calibration}, tmp)
    return Path(path)


def load_ranker(path: Path):
    """What ``save_ranker`` wrote: (Regressor, output index, width, height, calibration)."""
    import torch

    from ..popularity.image_models import Regressor, SmallCNN

    state = torch.load(Path(path), map_location="cpu", weights_only=False)
    model = SmallCNN(len(state["outputs"]), width=int(state["cnn_width"]))
    model.load_state_dict(state["state_dict"])
    model.eval()
    reg = Regressor(model, np.asarray(state["y_mean"]), np.asarray(state["y_sd"]), outputs=list(state["outputs"]))
    return reg, int(state["output"]), int(state["width"]), int(state["height"]), dict(state["calibration"])
