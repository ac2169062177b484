"""Explanation panels: what the chapter's heatmap and title figures draw, for chosen test rows.

Each panel returns the images, the maps and the per-image titles (predicted / true log10 views)
that ``figures.heatmap_grid`` lays out; the algorithms themselves are in ``explain``.
"""
from __future__ import annotations

import numpy as np

from . import explain, text_models
from .data import StudyData
from .targets import Targets


def _titles(regressor, data: StudyData, targets: Targets, rows: np.ndarray) -> list[str]:
    """'predicted / true' log10 views of ``rows``."""
    pred = regressor.predict(data.images[rows])[:, 0]
    return [f"{p:.2f} / {t:.2f}" for p, t in zip(pred, targets.log_views[rows])]


def cam_panel(data: StudyData, targets: Targets, regressor, top: np.ndarray, bottom: np.ndarray):
    """Images, Grad-CAM maps and titles for the highest (evidence up) and lowest (evidence down) rows."""
    from .image_models import to_standardised_tensor

    layer = regressor.model.features
    maps = np.concatenate([
        explain.grad_cam(regressor.model, to_standardised_tensor(data.images[top]), layer, 0, +1.0),
        explain.grad_cam(regressor.model, to_standardised_tensor(data.images[bottom]), layer, 0, -1.0)])
    rows = np.concatenate([top, bottom])
    return data.images[rows], maps, _titles(regressor, data, targets, rows)


def rollout_panel(data: StudyData, targets: Targets, regressor, rows: np.ndarray):
    """Images, ViT attention-rollout maps and titles for ``rows``."""
    from .image_models import to_standardised_tensor

    maps = explain.attention_rollout(regressor.model, to_standardised_tensor(data.images[rows]))
    return data.images[rows], maps, _titles(regressor, data, targets, rows)


def extremes(scores: np.ndarray, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` rows among ``rows`` with the highest ``scores`` (highest first) and the ``n`` lowest."""
    order = rows[np.argsort(-scores[rows])]
    return order[:n], order[-n:]


def title_attributions(data: StudyData, targets: Targets, train: np.ndarray, rows: np.ndarray):
    """(title, predicted log views, leave-one-word-out attributions) for ``rows`` with MiniLM + ridge."""
    _, ridge = text_models.embedding_ridge(data.title_embeddings, targets.log_views, train)
    predict = lambda titles: ridge.predict(text_models.encode(titles))  # noqa: E731
    titles = [data.titles[i] for i in rows]
    return [(t, float(predict([t])[0]), text_models.leave_one_word_out(t, predict)) for t in titles]
