"""The best achievable score, known only because ThumbWorld writes its truth next to the data.

A model that sees only the thumbnail and the title can at best learn the *content* part of
the structural model (elements, their interactions and the title effect); a model that also
knows the channel and the upload age can at best learn the noise-free expected views. The
oracle predicts each target by least squares on those true components, fitted on the
training rows, and is then scored exactly like a model.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

INPUTS = {
    "content": ("true_content_effect",),
    "full": ("true_content_effect", "true_channel_effect", "true_age_effect"),
}


def has_truth(metadata: pd.DataFrame) -> bool:
    """True when the metadata carries ThumbWorld's truth columns."""
    return all(c in metadata for c in INPUTS["full"])


def predictions(metadata: pd.DataFrame, y: np.ndarray, train: np.ndarray, kind: str = "content") -> np.ndarray:
    """Oracle predictions of ``y`` for every row from the true components of ``kind``.

    Parameters
    ----------
    metadata : DataFrame with the ``true_*`` columns.
    y : target values; train : boolean mask of rows used to fit the least-squares map.
    kind : ``"content"`` (thumbnail + title) or ``"full"`` (plus channel and age).
    """
    if kind not in INPUTS:
        raise KeyError(f"oracle kind must be one of {tuple(INPUTS)}, got {kind!r}")
    missing = [c for c in INPUTS[kind] if c not in metadata]
    if missing:
        raise KeyError(f"metadata lacks truth columns {missing}; the oracle needs ThumbWorld data")
    X = np.column_stack([np.ones(len(metadata))] + [metadata[c].to_numpy(float) for c in INPUTS[kind]])
    coef, *_ = np.linalg.lstsq(X[train], np.asarray(y, float)[train], rcond=None)
    return X @ coef
