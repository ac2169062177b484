"""Scoring the thumbnails that chapters 02 (GAN) and 03 (diffusion) generated, next to real ones."""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from .data import StudyData

SOURCES = (("GAN (chapter 02)", "02_gan"), ("diffusion (chapter 03)", "03_diffusion"))
REAL = "real test thumbnails"


def score_generated(regressor, data: StudyData, rows: np.ndarray, sources=SOURCES):
    """Predicted log views of real test thumbnails and of each chapter's ``samples.npy`` that exists.

    Returns ``({name: scores}, [names of missing sample files])``.
    """
    from ..paths import artifacts_root
    from .image_models import load_generated_samples

    h, w = data.images.shape[1:3]
    scores = {REAL: regressor.predict(data.images[rows])[:, 0]}
    missing = []
    for name, chapter in sources:
        path = artifacts_root() / "chapters" / chapter / "samples.npy"
        if path.exists():
            scores[name] = regressor.predict(load_generated_samples(path, h, w))[:, 0]
        else:
            missing.append(name)
    return scores, missing


def score_medians(scores: Mapping[str, np.ndarray], missing=()) -> pd.DataFrame:
    """One row per thumbnail set: how many were scored and their median predicted log10 views."""
    rows = [{"thumbnails": name, "scored": len(s), "median predicted log10 views": round(float(np.median(s)), 2)}
            for name, s in scores.items()]
    rows += [{"thumbnails": name, "scored": 0, "median predicted log10 views": float("nan")} for name in missing]
    return pd.DataFrame(rows).set_index("thumbnails")
