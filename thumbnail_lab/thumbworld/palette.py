"""Colours and fonts shared by every ThumbWorld drawing.

Fonts are the DejaVu faces that matplotlib ships (so no download and no system font is
needed); loading a FreeType face is slow, so every (face, size) pair is loaded once per
process and cached.
"""
from __future__ import annotations

import colorsys
import functools
import random
from pathlib import Path

from PIL import ImageFont

Color = tuple[int, int, int]

#: Bold faces used for headline text; the channel's style picks one.
HEADLINE_FONTS = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif-BoldItalic.ttf",
)
#: Face for small print (logo initials).
SMALL_FONT = "DejaVuSans-Bold.ttf"


@functools.lru_cache(maxsize=1)
def font_dir() -> Path:
    """Folder of matplotlib's bundled TrueType fonts."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@functools.lru_cache(maxsize=512)
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """The TrueType face ``name`` at ``size`` pixels, loaded once per process."""
    return ImageFont.truetype(str(font_dir() / name), size=int(size))


def hsv(h: float, s: float, v: float) -> Color:
    """An RGB colour from hue/saturation/value in [0, 1] (hue wraps)."""
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0))
    return int(r * 255), int(g * 255), int(b * 255)


def warm_hue(rng: random.Random) -> float:
    """A hue among reds, oranges, yellows and magentas."""
    return rng.choice((rng.uniform(-0.05, 0.16), rng.uniform(0.88, 0.98)))


def cool_hue(rng: random.Random) -> float:
    """A hue among greens-cyans, blues and violets."""
    return rng.uniform(0.42, 0.76)


def palette_color(rng: random.Random, warm: bool, s: tuple[float, float] = (0.45, 0.95),
                  v: tuple[float, float] = (0.45, 0.95)) -> Color:
    """A colour from the warm or cool palette."""
    hue = warm_hue(rng) if warm else cool_hue(rng)
    return hsv(hue, rng.uniform(*s), rng.uniform(*v))


def shade(color: Color, factor: float) -> Color:
    """``color`` darkened (factor < 1) or lightened (factor > 1)."""
    if factor <= 1:
        return tuple(int(c * factor) for c in color)  # type: ignore[return-value]
    return tuple(int(c + (255 - c) * (factor - 1)) for c in color)  # type: ignore[return-value]


def mix(a: Color, b: Color, t: float) -> Color:
    """Linear blend of two colours (t=0 gives ``a``)."""
    return tuple(int(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


SKIN_TONES: tuple[Color, ...] = (
    (255, 224, 196), (241, 194, 155), (224, 172, 125), (198, 134, 86),
    (160, 102, 62), (120, 74, 44), (92, 56, 36),
)
HAIR_COLORS: tuple[Color, ...] = (
    (20, 16, 14), (60, 38, 22), (110, 70, 36), (200, 160, 90), (150, 60, 30), (190, 190, 190), (230, 60, 140),
)
TEXT_COLORS: tuple[Color, ...] = (
    (255, 255, 255), (255, 230, 0), (255, 214, 10), (255, 60, 40), (60, 255, 90), (0, 220, 255), (255, 255, 255),
)
