"""Composing one thumbnail from its planned content.

The plan (``platform.py``) decides *what* a thumbnail shows (the truth flags); this
module decides *where and how* it is drawn, with a random stream that belongs to that one
video, so a thumbnail can be re-drawn alone, in any order, in any process.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from . import elements as el

W, H = el.W, el.H


@dataclass(frozen=True)
class ThumbSpec:
    """Everything needed to draw one thumbnail (all of it decided by the plan)."""

    rng_key: str                  # seeds the drawing stream: same key, same pixels
    flags: tuple[str, ...]        # elements present (names from ``ELEMENTS``)
    background: str               # studio | indoor | landscape | sport_field
    expression: str               # neutral | smiling | shocked (only used with a face)
    headline: str                 # 1-3 words, drawn when "text" is in flags
    font_name: str
    text_color: tuple[int, int, int]
    logo_initials: str
    logo_color: tuple[int, int, int]
    logo_shape: str
    logo_corner: str
    quality: int = 90


def render(spec: ThumbSpec) -> Image.Image:
    """Draw the thumbnail described by ``spec`` (320x180 RGB)."""
    rng = random.Random(spec.rng_key)
    flags = set(spec.flags)
    warm = "warm_palette" in flags
    img = el.BACKGROUNDS[spec.background](rng, warm)
    d = ImageDraw.Draw(img)
    side = rng.choice(("left", "right"))
    closeup = "face_closeup" in flags
    # The close-up presenter takes one side; everything else shares the rest.
    fx0, fx1 = (150, W - 4) if closeup and side == "left" else (4, 170) if closeup else (4, W - 4)
    text_top = rng.random() < 0.55
    has_text = "text" in flags
    band_h = rng.uniform(58, 80)
    text_region = (fx0, 4, fx1, int(4 + band_h)) if text_top else (fx0, int(H - 4 - band_h), fx1, H - 4)
    oy0, oy1 = (int(4 + band_h * 0.8), H - 4) if has_text and text_top else \
        (4, int(H - band_h * 0.8)) if has_text else (10, H - 6)
    items = [k for k in ("food", "vehicle", "animal", "money") if k in flags]
    small_people = "face" in flags and not closeup
    if small_people:
        items.append("people")
    rng.shuffle(items)
    targets: list[el.Box] = []
    span = (fx1 - fx0) / max(1, len(items))
    for k, item in enumerate(items):
        x0 = fx0 + k * span
        region = (int(x0), oy0, int(x0 + span), oy1)
        if item == "people":
            targets.append(el.draw_small_figures(img, d, rng, spec.expression, region))
            continue
        scale = min(span / 95, (oy1 - oy0) / 70) * rng.uniform(0.75, 1.1)
        scale = max(0.45, min(scale, 1.6))
        cx = x0 + span / 2 + rng.uniform(-span * 0.1, span * 0.1)
        cy = (oy0 + oy1) / 2 + rng.uniform(-8, 8)
        targets.append(el.OBJECTS[item](img, rng, cx, cy, scale))
    if closeup:
        targets.append(el.draw_closeup_face(img, rng, spec.expression, side))
    if "arrow" in flags:
        target = rng.choice(targets) if targets else (int(rng.uniform(60, 200)), 50, int(rng.uniform(120, 260)), 130)
        el.draw_arrow(img, d, rng, target)
    el.draw_decoration(img, d, rng)
    if has_text:
        color = el.headline_color(rng, spec.text_color)
        el.draw_headline(img, d, rng, spec.headline, spec.font_name, color, text_region)
    if "logo" in flags:
        el.draw_logo(img, rng, spec.logo_initials, spec.logo_color, spec.logo_shape, spec.logo_corner)
    return img


def encode_jpeg(img: Image.Image, quality: int = 90) -> bytes:
    """JPEG bytes of ``img`` (baseline, no optimisation pass: fast and deterministic)."""
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
