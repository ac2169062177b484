"""Interpretable image features and a heteroskedasticity-robust OLS on them.

The features are the ones thumbnail advice talks about (bright, saturated, warm, colourful,
busy; a face; big text), computed with deliberately simple detectors so that a reader can
check each one by eye: a skin-colour rule for faces and a block contrast rule for text.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import ndimage

FEATURES = ("brightness", "saturation", "warmth", "colourfulness", "edge_density",
            "face_like_area", "text_like_area")


def _luma(rgb: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma in 0..255 for float RGB (..., 3)."""
    return rgb @ np.array([0.299, 0.587, 0.114])


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """Skin-coloured pixels by the classic YCbCr box (Chai & Ngan 1999): a 'face-like' detector."""
    y = _luma(rgb)
    cb = 128 - 0.168736 * rgb[..., 0] - 0.331264 * rgb[..., 1] + 0.5 * rgb[..., 2]
    cr = 128 + 0.5 * rgb[..., 0] - 0.418688 * rgb[..., 1] - 0.081312 * rgb[..., 2]
    return (y > 60) & (cr >= 133) & (cr <= 173) & (cb >= 77) & (cb <= 127)


def edge_mask(luma: np.ndarray, threshold: float = 80.0) -> np.ndarray:
    """Pixels whose Sobel gradient magnitude exceeds ``threshold`` (luma units); luma is (N, H, W)."""
    gx = ndimage.sobel(luma, axis=2, mode="nearest")
    gy = ndimage.sobel(luma, axis=1, mode="nearest")
    return np.hypot(gx, gy) > threshold


def text_like_mask(luma: np.ndarray, edges: np.ndarray, block: int = 4) -> np.ndarray:
    """Blocks with many edges and a large light-dark range, the signature of bold outlined text.

    Returns one value per block (N, H // block, W // block).
    """
    n, h, w = luma.shape
    hb, wb = h // block, w // block
    lum = luma[:, : hb * block, : wb * block].reshape(n, hb, block, wb, block)
    edg = edges[:, : hb * block, : wb * block].reshape(n, hb, block, wb, block)
    contrast = lum.max(axis=(2, 4)) - lum.min(axis=(2, 4))
    return (edg.mean(axis=(2, 4)) > 0.4) & (contrast > 120)


def image_features(images: np.ndarray, chunk: int = 512) -> pd.DataFrame:
    """The handcrafted features of uint8 images (N, H, W, 3), one row per image."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected images of shape (N, H, W, 3), got {images.shape}")
    parts = [_chunk_features(images[i:i + chunk].astype(np.float32)) for i in range(0, len(images), chunk)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FEATURES)


def _chunk_features(rgb: np.ndarray) -> pd.DataFrame:
    """Features of one float32 chunk (n, H, W, 3) in 0..255."""
    lum = _luma(rgb)
    mx, mn = rgb.max(axis=-1), rgb.min(axis=-1)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    edges = edge_mask(lum)
    colourfulness = (np.hypot(flat(rg).std(1), flat(yb).std(1))
                     + 0.3 * np.hypot(flat(rg).mean(1), flat(yb).mean(1))) / 255
    return pd.DataFrame({
        "brightness": flat(lum).mean(1) / 255,
        "saturation": flat(np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0)).mean(1),
        "warmth": flat(rgb[..., 0] - rgb[..., 2]).mean(1) / 255,
        "colourfulness": colourfulness,
        "edge_density": flat(edges).mean(1),
        "face_like_area": flat(skin_mask(rgb)).mean(1),
        "text_like_area": flat(text_like_mask(lum, edges)).mean(1),
    })


def standardise(features: pd.DataFrame, train: np.ndarray) -> pd.DataFrame:
    """z-score each column with training mean and sd, so coefficients read as 'per sd'."""
    mu, sd = features[train].mean(), features[train].std(ddof=0).replace(0, 1.0)
    return (features - mu) / sd


def robust_ols(features: pd.DataFrame, y: np.ndarray, train: np.ndarray):
    """OLS of ``y`` on standardised features with HC3 (heteroskedasticity-robust) errors.

    Returns
    -------
    (predictions for every row, statsmodels results whose ``summary()`` is the table)
    """
    X = sm.add_constant(standardise(features, train), has_constant="add")
    fit = sm.OLS(np.asarray(y, float)[train], X[train]).fit(cov_type="HC3")
    return np.asarray(fit.predict(X)), fit


def coefficient_table(fit) -> pd.DataFrame:
    """The coefficient block of a statsmodels summary as a DataFrame (robust SE, z, p, 95 % CI)."""
    ci = fit.conf_int()
    return pd.DataFrame({"coef (per sd)": fit.params, "robust SE (HC3)": fit.bse, "z": fit.tvalues,
                         "p": fit.pvalues, "CI low": ci[0], "CI high": ci[1]}).round(4)


def image_predictor(features: pd.DataFrame, y: np.ndarray, train: np.ndarray):
    """Fit the robust OLS and return a function from uint8 images to predictions.

    New images are standardised with the *training* means and sds, as the fit was.
    """
    mu, sd = features[train].mean(), features[train].std(ddof=0).replace(0, 1.0)
    X = sm.add_constant((features - mu) / sd, has_constant="add")
    fit = sm.OLS(np.asarray(y, float)[train], X[train]).fit(cov_type="HC3")

    def predict(images: np.ndarray) -> np.ndarray:
        new = sm.add_constant((image_features(images) - mu) / sd, has_constant="add")
        return np.asarray(fit.predict(new[X.columns]))

    return predict
