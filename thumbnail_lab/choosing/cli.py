"""The ``rank`` command: rank a folder of a creator's own candidate thumbnails with chapter 06's CNN."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


class RankError(ValueError):
    """Bad input to ``rank`` (one sentence naming the file)."""


def calibration_from(true: np.ndarray, scores: np.ndarray, row) -> dict:
    """What ``rank`` prints beside its predictions: the error sd of within-video differences and the pick scores."""
    t, s = np.asarray(true, float), np.asarray(scores, float)
    err = (s - s.mean(1, keepdims=True)) - (t - t.mean(1, keepdims=True))
    return {"error_sd": float(err.std()), "p_best": float(row["p_best"]), "p_best_chance": float(row["p_best_chance"]),
            "uplift_share": float(row["uplift_share"]), "k": int(row["k"]), "n_videos": int(row["n_videos"])}


def load_folder(folder: Path, width: int, height: int) -> tuple[list[str], np.ndarray]:
    """File names and uint8 images (N, height, width, 3) of the images in ``folder`` (centre-cropped to 16:9)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    folder = Path(folder)
    if not folder.is_dir():
        raise RankError(f"{folder}: no such folder; give a folder of candidate images")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise RankError(f"{folder}: no images (.jpg, .png, .webp, .bmp) in the folder")
    images = []
    for path in files:
        try:
            with Image.open(path) as img:
                images.append(np.asarray(ImageOps.fit(img.convert("RGB"), (width, height)), dtype=np.uint8))
        except (UnidentifiedImageError, OSError):
            raise RankError(f"{path}: not a readable image; remove it or replace it") from None
    return [p.name for p in files], np.stack(images)


def rank_folder(folder: Path, model_path: Path) -> tuple[pd.DataFrame, dict]:
    """Predicted log10 views of each image relative to the folder's mean, with a 95 % interval, best first."""
    from .rankers import load_ranker

    if not Path(model_path).is_file():
        raise RankError(f"{model_path}: no trained ranker; execute chapter 06 (book/06_choosing.py) first")
    reg, out, width, height, calibration = load_ranker(model_path)
    names, images = load_folder(folder, width, height)
    pred = reg.predict(images)[:, out]
    rel = pred - pred.mean()
    half = 1.96 * calibration.get("error_sd", float("nan"))
    table = pd.DataFrame({"image": names, "relative_log10_views": rel, "low": rel - half, "high": rel + half})
    return table.sort_values("relative_log10_views", ascending=False).reset_index(drop=True), calibration


def caveat(calibration: dict) -> str:
    """The caveat chapter 06 measured, in one sentence."""
    if not calibration:
        return "caveat: this model was not checked against a known truth (chapter 06 ran without ThumbWorld)."
    return (f"caveat: in chapter 06 this model picked the truly best of {calibration['k']} ThumbWorld candidates in "
            f"{calibration['p_best']:.0%} of {calibration['n_videos']} videos (a random pick: "
            f"{calibration['p_best_chance']:.0%}) and captured {calibration['uplift_share']:.0%} of the achievable "
            f"uplift; on real thumbnails it is untested, so A/B test the top two.")
