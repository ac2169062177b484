"""Partial dependence by intervention: redraw a thumbnail with one element added or removed.

ThumbWorld can re-draw any of its thumbnails from the plan, so the effect a model implies for
an element can be measured the way an experimenter would: take a video, draw its thumbnail
with the element and without it (everything else, down to the random stream that places
objects, unchanged), and average the change in the model's prediction over videos. The same
intervention applied to the structural model gives the planted effect to compare with, which
includes the interactions the element takes part in (``face*text``) for the videos at hand.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

BACKGROUNDS = ("indoor", "landscape", "sport_field")  # 'studio' is the absence of all three
EXPRESSIONS = {"face_smiling": "smiling", "face_shocked": "shocked"}
FACE_PARTS = ("face_smiling", "face_shocked", "face_closeup")


def toggle(spec, element: str, present: bool):
    """A copy of ThumbWorld ``spec`` with ``element`` shown (``present``) or not.

    Elements that depend on each other move together: a smiling, shocked or close-up face
    needs a face; removing the face removes them; a background replaces the others.
    """
    flags = set(spec.flags)
    changes: dict = {}
    if element in BACKGROUNDS:
        flags -= set(BACKGROUNDS)
        if present:
            flags.add(element)
        changes["background"] = element if present else "studio"
    elif element in EXPRESSIONS:
        flags -= set(EXPRESSIONS)
        if present:
            flags |= {"face", element}
        changes["expression"] = EXPRESSIONS[element] if present else "neutral"
    elif element == "face":
        if present:
            flags.add("face")
        else:
            flags -= {"face", *FACE_PARTS}
            changes["expression"] = "neutral"
    elif element == "face_closeup":
        flags = flags | {"face", "face_closeup"} if present else flags - {"face_closeup"}
    else:
        flags = flags | {element} if present else flags - {element}
    order = [e for e in spec.flags if e in flags] + sorted(flags - set(spec.flags))
    return dataclasses.replace(spec, flags=tuple(order), **changes)


def planted_content(flags: set[str], element_effects: Mapping[str, float],
                    interactions: Mapping[str, float]) -> float:
    """Content effect of a set of elements under the structural model (title part excluded)."""
    # Sorted: summing a set follows its hash order, which changes between processes (and the last bits with it).
    total = sum(element_effects.get(e, 0.0) for e in sorted(flags))
    for pair, effect in interactions.items():
        a, b = pair.split("*")
        total += effect * (a in flags and b in flags)
    return float(total)


def draw(spec, width: int, height: int) -> np.ndarray:
    """Render ``spec`` and pass it through the dataset's own JPEG + resize path (uint8 H x W x 3)."""
    from PIL import Image, ImageOps

    from ..dataset.images import open_checked, to_rgb
    from ..thumbworld.compose import encode_jpeg, render

    image = open_checked(encode_jpeg(render(spec), spec.quality))
    image.draft(image.mode, (width, height))
    image.load()
    rgb, _ = to_rgb(image)
    return np.asarray(ImageOps.fit(rgb, (width, height), method=Image.Resampling.LANCZOS), dtype=np.uint8)


def intervention_effects(specs: Sequence, predict: Mapping[str, Callable[[np.ndarray], np.ndarray]],
                         elements: Sequence[str], truth: Mapping, width: int, height: int,
                         seed: int = 0, n_boot: int = 200, groups: Sequence | None = None) -> pd.DataFrame:
    """Mean change in each model's prediction when each element is added vs removed.

    Parameters
    ----------
    specs : ThumbWorld specs of the videos to intervene on.
    predict : model name -> function from uint8 images (N, H, W, 3) to predicted log10 views.
    elements : element names to toggle.
    truth : ThumbWorld's truth (``element_effects``, ``interactions``) for the planted change.
    groups : the channel of each video; channels are resampled where they repeat.

    Returns a long frame: element, model, effect, low, high (clustered bootstrap), planted, ci_unit.
    """
    effects = truth.get("element_effects", {})
    interactions = truth.get("interactions", {})
    from .metrics import bootstrap_weights

    weights, unit = bootstrap_weights(None if groups is None else np.asarray(groups), len(specs), n_boot, seed)
    rows = []
    for element in elements:
        on = [toggle(s, element, True) for s in specs]
        off = [toggle(s, element, False) for s in specs]
        images_on = np.stack([draw(s, width, height) for s in on])
        images_off = np.stack([draw(s, width, height) for s in off])
        planted = np.mean([planted_content(set(a.flags), effects, interactions)
                           - planted_content(set(b.flags), effects, interactions) for a, b in zip(on, off)])
        for model, fn in predict.items():
            diff = np.asarray(fn(images_on), float) - np.asarray(fn(images_off), float)
            means = weights @ diff / weights.sum(1) if n_boot else np.full(1, np.nan)
            rows.append({"element": element, "model": model, "effect": float(diff.mean()),
                         "low": float(np.quantile(means, 0.025)), "high": float(np.quantile(means, 0.975)),
                         "planted": float(planted), "ci_unit": unit})
    return pd.DataFrame(rows)


def thumbworld_specs(truth: Mapping, video_ids: Sequence[str]) -> list:
    """Re-plan the ThumbWorld that produced ``truth`` and return the specs of ``video_ids``."""
    from ..thumbworld.platform import plan_platform

    plan = plan_platform(int(truth["n_videos"]), str(truth["scenario"]), int(truth["seed"]))
    by_id = {row["video_id"]: spec for row, spec in zip(plan.rows, plan.specs)}
    missing = [v for v in video_ids if v not in by_id]
    if missing:
        raise KeyError(f"video ids not in the re-planned ThumbWorld (different version or seed?): {missing[:3]}")
    return [by_id[v] for v in video_ids]
