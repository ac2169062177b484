"""Drawing PosterWorld thumbnails: flat poster graphics, unlike anything ThumbWorld draws.

ThumbWorld paints photographic scenes (rooms, landscapes, pitches) with cartoon faces and
objects; PosterWorld draws flat graphic design: solid or two-tone backgrounds in pastel and
duotone palettes, textures, faceless silhouettes, rockets, bar charts, star badges, captions
in condensed, light and monospaced faces, and poster-style centred layouts. Each ``draw_*``
paints one element with a per-thumbnail ``random.Random``.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from ..thumbworld.palette import Color, font, hsv, mix, shade

W, H = 320, 180
#: Faces ThumbWorld never uses for its headlines.
CAPTION_FONTS = ("DejaVuSansCondensed-Bold.ttf", "DejaVuSerifCondensed-Italic.ttf", "DejaVuSansMono.ttf",
                 "DejaVuSans-ExtraLight.ttf", "DejaVuSerif.ttf")
TEAL = (0.45, 0.53)  # hue band of the planted teal background; other backgrounds avoid it


@dataclass(frozen=True)
class PosterSpec:
    """Everything needed to draw one poster thumbnail."""

    rng_key: str
    flags: tuple[str, ...]
    caption: str
    font_name: str
    accent_hue: float


def _background_hue(rng: random.Random, teal: bool) -> float:
    if teal:
        return rng.uniform(*TEAL)
    while True:  # any hue outside the teal band
        h = rng.random()
        if not TEAL[0] - 0.04 <= h <= TEAL[1] + 0.04:
            return h


def draw_background(rng: random.Random, teal: bool) -> tuple[Image.Image, Color]:
    """A flat, two-tone or soft-radial background; returns the image and its main colour."""
    hue = _background_hue(rng, teal)
    pastel = rng.random() < 0.5
    base = hsv(hue, rng.uniform(0.25, 0.45) if pastel else rng.uniform(0.55, 0.9),
               rng.uniform(0.8, 0.97) if pastel else rng.uniform(0.45, 0.85))
    img = Image.new("RGB", (W, H), base)
    d = ImageDraw.Draw(img)
    style = rng.choice(("flat", "split", "circle", "band"))
    second = shade(base, rng.uniform(0.7, 0.85)) if rng.random() < 0.6 else shade(base, rng.uniform(1.15, 1.35))
    if style == "split":
        x = rng.uniform(0.35, 0.65) * W
        d.rectangle((x, 0, W, H), fill=second)
    elif style == "circle":
        r = rng.uniform(70, 140)
        cx, cy = rng.uniform(0, W), rng.uniform(0, H)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=second)
    elif style == "band":
        y = rng.uniform(0.2, 0.7) * H
        d.rectangle((0, y, W, y + rng.uniform(25, 60)), fill=second)
    return img, base


def draw_stripes(img: Image.Image, rng: random.Random, base: Color) -> None:
    """A texture over the background: diagonal stripes, a dot grid or a checker of squares."""
    d = ImageDraw.Draw(img)
    ink = shade(base, 0.72) if sum(base) > 300 else shade(base, 1.45)
    kind = rng.choice(("diagonal", "dots", "checker"))
    step = rng.randint(12, 20)
    if kind == "diagonal":
        for x in range(-H, W + H, step):
            d.line([(x, 0), (x + H, H)], fill=ink, width=max(3, step // 3))
    elif kind == "dots":
        r = step * 0.22
        for y in range(step // 2, H, step):
            for x in range(step // 2 + (y // step % 2) * step // 2, W, step):
                d.ellipse((x - r, y - r, x + r, y + r), fill=ink)
    else:
        for y in range(0, H, step):
            for x in range((y // step % 2) * step, W, 2 * step):
                d.rectangle((x, y, x + step - 1, y + step - 1), fill=ink)


def draw_person(img: Image.Image, rng: random.Random, cx: float, cy: float, s: float) -> None:
    """A faceless flat silhouette: round head, rounded torso and arms, one solid colour."""
    d = ImageDraw.Draw(img)
    colour = hsv(rng.random(), rng.uniform(0.0, 0.35), rng.uniform(0.1, 0.35)) if rng.random() < 0.6 else \
        hsv(rng.random(), 0.7, 0.55)
    r = 13 * s
    d.ellipse((cx - r, cy - 2.6 * r, cx + r, cy - 0.6 * r), fill=colour)
    d.rounded_rectangle((cx - 1.6 * r, cy - 0.4 * r, cx + 1.6 * r, cy + 2.6 * r), radius=int(0.8 * r), fill=colour)
    if rng.random() < 0.5:  # one raised arm
        side = rng.choice((-1, 1))
        d.line([(cx + side * 1.3 * r, cy), (cx + side * 2.4 * r, cy - 1.8 * r)], fill=colour, width=max(2, int(0.6 * r)))


def draw_rocket(img: Image.Image, rng: random.Random, cx: float, cy: float, s: float) -> None:
    """A rocket: a white or coloured body, a red nose cone, fins, a window and a flame."""
    d = ImageDraw.Draw(img)
    w, h = 11 * s, 34 * s
    body = (235, 235, 240) if rng.random() < 0.6 else hsv(rng.random(), 0.5, 0.9)
    nose, fin = (220, 40, 50), hsv(rng.uniform(0.55, 0.7), 0.7, 0.6)
    tilt = math.radians(rng.uniform(-30, 30))

    def rot(px: float, py: float) -> tuple[float, float]:
        return (cx + px * math.cos(tilt) - py * math.sin(tilt), cy + px * math.sin(tilt) + py * math.cos(tilt))

    d.polygon([rot(-w, -h * 0.2), rot(-w * 1.9, h * 0.55), rot(-w, h * 0.4)], fill=fin)
    d.polygon([rot(w, -h * 0.2), rot(w * 1.9, h * 0.55), rot(w, h * 0.4)], fill=fin)
    d.polygon([rot(-w * 0.6, h * 0.45), rot(0, h * (0.9 + 0.3 * rng.random())), rot(w * 0.6, h * 0.45)],
              fill=(255, 170, 30))
    d.polygon([rot(-w, -h * 0.35), rot(w, -h * 0.35), rot(w, h * 0.45), rot(-w, h * 0.45)], fill=body)
    d.polygon([rot(-w, -h * 0.35), rot(0, -h * 0.85), rot(w, -h * 0.35)], fill=nose)
    wx, wy = rot(0, -h * 0.05)
    d.ellipse((wx - w * 0.5, wy - w * 0.5, wx + w * 0.5, wy + w * 0.5), fill=(90, 170, 230), outline=(60, 60, 70))


def draw_chart(img: Image.Image, rng: random.Random, cx: float, cy: float, s: float, hue: float) -> None:
    """A small bar chart on a white card, sometimes with a trend line."""
    d = ImageDraw.Draw(img)
    cw, chh = 42 * s, 32 * s
    d.rectangle((cx - cw, cy - chh, cx + cw, cy + chh), fill=(250, 250, 250), outline=(80, 80, 80))
    n = rng.randint(3, 6)
    bw = 1.6 * cw / (n * 1.4)
    heights = [rng.uniform(0.2, 0.9) for _ in range(n)]
    if rng.random() < 0.5:
        heights.sort()
    for k, hh in enumerate(heights):
        x0 = cx - cw * 0.8 + k * bw * 1.4
        d.rectangle((x0, cy + chh * 0.8 - hh * 1.5 * chh, x0 + bw, cy + chh * 0.8), fill=hsv(hue + 0.08 * k, 0.7, 0.8))
    if rng.random() < 0.5:
        pts = [(cx - cw * 0.8 + k * bw * 1.4 + bw / 2, cy + chh * 0.8 - hh * 1.5 * chh - 4) for k, hh in enumerate(heights)]
        d.line(pts, fill=(30, 30, 30), width=2)


def draw_badge(img: Image.Image, rng: random.Random, cx: float, cy: float, s: float) -> None:
    """A star-burst price badge with a number in it."""
    d = ImageDraw.Draw(img)
    spikes, r_out = rng.randint(10, 16), 22 * s
    pts = []
    for k in range(2 * spikes):
        r = r_out if k % 2 == 0 else r_out * 0.78
        a = math.pi * k / spikes
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    colour = rng.choice(((250, 210, 30), (240, 70, 60), (255, 130, 20)))
    d.polygon(pts, fill=colour, outline=shade(colour, 0.6))
    label = rng.choice(("-50%", "NEW", "#1", "x2", "TOP", "FREE"))
    d.text((cx, cy), label, fill=(20, 20, 20), anchor="mm", font=font("DejaVuSansCondensed-Bold.ttf", max(8, int(11 * s))))


def draw_caption(img: Image.Image, rng: random.Random, words: str, font_name: str, top: bool) -> None:
    """A caption on a translucent-looking bar at the top or the bottom, in a non-ThumbWorld face."""
    d = ImageDraw.Draw(img)
    size = rng.randint(20, 30)
    f = font(font_name, size)
    y0 = 6 if top else H - size - 18
    bar = rng.choice(((20, 20, 20), (250, 250, 250), (40, 40, 90)))
    ink = (250, 250, 250) if sum(bar) < 300 else (20, 20, 20)
    bb = d.textbbox((W / 2, y0 + size / 2 + 5), words, font=f, anchor="mm")
    d.rectangle((bb[0] - 10, bb[1] - 5, bb[2] + 10, bb[3] + 5), fill=bar)
    d.text((W / 2, y0 + size / 2 + 5), words, fill=ink, anchor="mm", font=f)


def draw_border(img: Image.Image, rng: random.Random, hue: float) -> None:
    """A thick inner frame with rounded corners."""
    d = ImageDraw.Draw(img)
    inset = rng.randint(4, 9)
    d.rounded_rectangle((inset, inset, W - inset, H - inset), radius=rng.randint(6, 18),
                        outline=hsv(hue, 0.6, rng.choice((0.2, 0.95))), width=rng.randint(5, 9))


def render(spec: PosterSpec) -> Image.Image:
    """Draw the poster thumbnail described by ``spec`` (320x180 RGB)."""
    rng = random.Random(spec.rng_key)
    flags = set(spec.flags)
    img, base = draw_background(rng, "teal_background" in flags)
    if "stripes" in flags:
        draw_stripes(img, rng, base)
    caption_top = rng.random() < 0.5
    band = (45, H - 8) if "caption" in flags and caption_top else (10, H - 45) if "caption" in flags else (10, H - 10)
    objects = [k for k in ("person", "rocket", "chart", "badge") if k in flags]
    rng.shuffle(objects)
    slots = len(objects) or 1
    span = (W - 20) / slots
    for k, name in enumerate(objects):
        cx = 10 + span * (k + 0.5) + rng.uniform(-0.15, 0.15) * span
        cy = (band[0] + band[1]) / 2 + rng.uniform(-10, 10)
        s = max(0.7, min(1.5, min(span / 90, (band[1] - band[0]) / 80))) * rng.uniform(0.85, 1.1)
        if name == "person":
            draw_person(img, rng, cx, cy + 6 * s, s)
        elif name == "rocket":
            draw_rocket(img, rng, cx, cy, s)
        elif name == "chart":
            draw_chart(img, rng, cx, cy, s * 0.9, spec.accent_hue)
        else:
            draw_badge(img, rng, cx, cy, s)
    if "caption" in flags:
        draw_caption(img, rng, spec.caption, spec.font_name, caption_top)
    if "border" in flags:
        draw_border(img, rng, spec.accent_hue)
    if rng.random() < 0.3:  # content-free accent: a few confetti squares
        d = ImageDraw.Draw(img)
        for _ in range(rng.randint(3, 8)):
            x, y = rng.uniform(0, W), rng.uniform(0, H)
            d.rectangle((x, y, x + 4, y + 4), fill=mix(base, hsv(rng.random(), 0.8, 0.9), 0.7))
    return img
