"""Drawing ThumbWorld's visual elements with PIL at 320x180.

Each ``draw_*`` function paints one interpretable element onto an RGB image with
``ImageDraw`` and a per-video ``random.Random``, so that the same video always gets the
same pixels. Functions return the box they occupy ``(x0, y0, x1, y1)`` so that later
elements (an arrow, a red circle) can point at them. Everything is drawn at the final
size: there is no upscaling and no anti-aliasing pass, which keeps a thumbnail at a few
milliseconds.
"""
from __future__ import annotations

import functools
import math
import random

from PIL import Image, ImageDraw

from .palette import HAIR_COLORS, SKIN_TONES, SMALL_FONT, TEXT_COLORS, Color, font, hsv, mix, palette_color, shade

W, H = 320, 180
Box = tuple[int, int, int, int]


# --------------------------------------------------------------------------- helpers
@functools.lru_cache(maxsize=8)
def _gradient_mask(kind: str) -> Image.Image:
    """A 320x180 greyscale ramp (vertical, horizontal or radial) used to blend two colours."""
    if kind == "radial":
        return Image.radial_gradient("L").resize((W, H))
    ramp = Image.linear_gradient("L")
    return ramp.resize((W, H)) if kind == "vertical" else ramp.rotate(90).resize((W, H))


def gradient(c0: Color, c1: Color, kind: str = "vertical") -> Image.Image:
    """A full-size RGB image blending ``c0`` (top/left/centre) into ``c1``."""
    return Image.composite(Image.new("RGB", (W, H), c1), Image.new("RGB", (W, H), c0), _gradient_mask(kind))


def _layer(w: int, h: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A transparent RGBA layer for an element that will be rotated before pasting."""
    layer = Image.new("RGBA", (max(1, w), max(1, h)), (0, 0, 0, 0))
    return layer, ImageDraw.Draw(layer)


def _tilt(rng: random.Random, max_deg: float, p: float = 0.35) -> float:
    """A random tilt for an element, or none (rotating a layer is the slowest drawing step)."""
    return rng.uniform(-max_deg, max_deg) if rng.random() < p else 0.0


def _paste(img: Image.Image, layer: Image.Image, cx: float, cy: float, angle: float = 0.0) -> Box:
    """Paste ``layer`` centred at (cx, cy), rotated by ``angle`` degrees; return the box."""
    if abs(angle) > 0.5:
        layer = layer.rotate(angle, resample=Image.BILINEAR, expand=True)
    x0, y0 = int(cx - layer.width / 2), int(cy - layer.height / 2)
    img.paste(layer, (x0, y0), layer)
    return x0, y0, x0 + layer.width, y0 + layer.height


# --------------------------------------------------------------------------- backgrounds
def draw_studio(rng: random.Random, warm: bool) -> Image.Image:
    """A plain 'studio' background: gradient, light burst, split panels or bokeh."""
    c0 = palette_color(rng, warm, v=(0.55, 1.0))
    c1 = palette_color(rng, warm, v=(0.1, 0.6))
    style = rng.choice(("vertical", "horizontal", "radial", "burst", "split", "bokeh"))
    if style in ("vertical", "horizontal", "radial"):
        return gradient(c0, c1, style)
    base = gradient(c0, c1, "radial")
    d = ImageDraw.Draw(base)
    if style == "burst":  # comic-style rays from an off-centre point
        cx, cy, n = rng.uniform(60, 260), rng.uniform(40, 140), rng.randint(10, 22)
        ray = shade(c0, 1.25)
        off = rng.uniform(0, 360)
        for k in range(0, n, 2):
            a0, a1 = off + 360 * k / n, off + 360 * (k + 1) / n
            d.pieslice((cx - 420, cy - 420, cx + 420, cy + 420), a0, a1, fill=ray)
    elif style == "split":  # two-panel 'before / after' look
        x = int(rng.uniform(110, 210))
        c2 = palette_color(rng, not warm if rng.random() < 0.3 else warm, v=(0.3, 0.9))
        d.polygon([(x + rng.randint(-30, 30), 0), (W, 0), (W, H), (x + rng.randint(-30, 30), H)], fill=c2)
    else:  # out-of-focus light circles
        for _ in range(rng.randint(8, 18)):
            r = rng.uniform(6, 30)
            x, y = rng.uniform(0, W), rng.uniform(0, H)
            d.ellipse((x - r, y - r, x + r, y + r), fill=mix(c0, (255, 255, 255), rng.uniform(0.1, 0.5)))
    return base


def draw_indoor(rng: random.Random, warm: bool) -> Image.Image:
    """A room: wall, floor in perspective, a window or door, a picture, shelves or a lamp."""
    wall = palette_color(rng, warm, s=(0.15, 0.55), v=(0.55, 0.95))
    floor = palette_color(rng, warm, s=(0.3, 0.7), v=(0.25, 0.6)) if rng.random() < 0.5 else \
        hsv(rng.uniform(0.05, 0.1), rng.uniform(0.4, 0.7), rng.uniform(0.3, 0.6))
    base = gradient(shade(wall, 1.1), shade(wall, 0.75), rng.choice(("vertical", "horizontal", "radial")))
    d = ImageDraw.Draw(base)
    fy = int(rng.uniform(110, 150))
    d.polygon([(0, fy), (W, fy), (W, H), (0, H)], fill=floor)
    for k in range(1, 6):  # floor boards converging to a vanishing point
        x = k * W / 6
        d.line([(x, fy), (W / 2 + (x - W / 2) * 1.8, H)], fill=shade(floor, 0.8), width=1)
    d.line([(0, fy), (W, fy)], fill=shade(wall, 0.55), width=2)
    wx, ww = rng.uniform(10, 220), rng.uniform(50, 90)
    wy, wh = rng.uniform(15, 40), rng.uniform(45, 70)
    if rng.random() < 0.7:  # window with sky
        sky = (150, 200, 245) if not warm else (255, 190, 120)
        d.rectangle((wx, wy, wx + ww, wy + wh), fill=sky, outline=(245, 245, 240), width=4)
        d.line([(wx + ww / 2, wy), (wx + ww / 2, wy + wh)], fill=(245, 245, 240), width=3)
        d.line([(wx, wy + wh / 2), (wx + ww, wy + wh / 2)], fill=(245, 245, 240), width=3)
    else:  # door
        dx = rng.uniform(20, 260)
        d.rectangle((dx, fy - 95, dx + 42, fy), fill=shade(floor, 1.2), outline=shade(floor, 0.6), width=2)
        d.ellipse((dx + 32, fy - 50, dx + 37, fy - 45), fill=(230, 200, 80))
    for _ in range(rng.randint(0, 2)):  # picture frames
        px, py = rng.uniform(0, 280), rng.uniform(10, 60)
        pw, ph = rng.uniform(20, 40), rng.uniform(16, 30)
        d.rectangle((px, py, px + pw, py + ph), fill=palette_color(rng, warm), outline=(60, 40, 30), width=3)
    if rng.random() < 0.5:  # shelf with books
        sx, sy = rng.uniform(150, 280), rng.uniform(40, 80)
        d.rectangle((sx, sy, sx + 70, sy + 4), fill=(110, 75, 45))
        x = sx + 3
        while x < sx + 65:
            bw = rng.randint(4, 8)
            d.rectangle((x, sy - rng.randint(12, 20), x + bw, sy), fill=hsv(rng.random(), 0.6, 0.7))
            x += bw + 1
    if rng.random() < 0.4:  # floor lamp
        lx = rng.uniform(10, 300)
        d.line([(lx, fy + 10), (lx, fy - 60)], fill=(50, 50, 50), width=3)
        d.polygon([(lx - 14, fy - 60), (lx + 14, fy - 60), (lx + 8, fy - 80), (lx - 8, fy - 80)], fill=(250, 230, 170))
    return base


def draw_landscape(rng: random.Random, warm: bool) -> Image.Image:
    """Outdoors: sky, sun or moon, layered mountains or hills, trees, sometimes a lake."""
    if warm:  # sunset / golden hour
        top, bottom = hsv(rng.uniform(0.9, 1.02), 0.6, rng.uniform(0.55, 0.9)), hsv(rng.uniform(0.06, 0.13), 0.75, 1.0)
    else:  # day or night
        night = rng.random() < 0.25
        top = hsv(rng.uniform(0.58, 0.68), 0.8, 0.25 if night else 0.85)
        bottom = hsv(rng.uniform(0.52, 0.6), 0.35, 0.45 if night else 1.0)
    base = gradient(top, bottom, "vertical")
    d = ImageDraw.Draw(base)
    sx, sy, sr = rng.uniform(30, 290), rng.uniform(20, 80), rng.uniform(10, 24)
    d.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=(255, 235, 150) if warm else (255, 255, 235))
    horizon = rng.uniform(90, 130)
    hill_hue = rng.uniform(0.25, 0.4) if rng.random() < 0.7 else rng.uniform(0.05, 0.12)
    for layer in range(rng.randint(2, 4)):
        v = 0.75 - 0.17 * layer
        color = hsv(hill_hue + (0.02 if warm else 0) * layer, 0.45, v) if layer else \
            mix(hsv(rng.uniform(0.6, 0.7), 0.3, 0.6), top, 0.3)
        pts = [(0, H)]
        x, y = -10.0, horizon + layer * 14 - rng.uniform(0, 40)
        jag = 40 if layer == 0 else 18
        while x < W + 40:
            pts.append((x, y))
            x += rng.uniform(25, 70)
            y = min(H - 5, max(20, y + rng.uniform(-jag, jag)))
        pts.append((W, H))
        d.polygon(pts, fill=color)
        if layer == 0 and rng.random() < 0.5:  # snow caps on the far range
            for px, py in pts[1:-1]:
                if py < horizon - 15:
                    d.polygon([(px - 8, py + 10), (px, py), (px + 8, py + 10)], fill=(245, 245, 250))
    if rng.random() < 0.35:  # lake
        ly = rng.uniform(140, 160)
        d.rectangle((0, ly, W, H), fill=mix(bottom, (40, 90, 160), 0.5))
    for _ in range(rng.randint(0, 7)):  # pine trees
        tx, ty, th = rng.uniform(0, W), rng.uniform(125, 175), rng.uniform(14, 40)
        green = hsv(rng.uniform(0.28, 0.38), 0.6, rng.uniform(0.2, 0.45))
        d.polygon([(tx - th / 3, ty), (tx + th / 3, ty), (tx, ty - th)], fill=green)
    return base


def draw_sport_field(rng: random.Random, warm: bool) -> Image.Image:
    """A pitch seen from the stands: striped grass, white lines, a crowd, small players."""
    base = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(base)
    top = int(rng.uniform(25, 60))
    crowd_bg = (70, 50, 45) if warm else (40, 45, 65)
    d.rectangle((0, 0, W, top), fill=crowd_bg)
    for color in rng.sample(_CROWD, 10):  # the crowd as coloured dots
        d.point([(rng.uniform(0, W), rng.uniform(0, top - 2)) for _ in range(26)], fill=color)
    grass = hsv(rng.uniform(0.24, 0.34) + (-0.04 if warm else 0.02), 0.65, rng.uniform(0.45, 0.7))
    d.rectangle((0, top, W, H), fill=grass)
    n = rng.randint(6, 12)
    for k in range(0, n, 2):  # mowing stripes in perspective
        x0, x1 = -80 + k * (W + 160) / n, -80 + (k + 1) * (W + 160) / n
        d.polygon([(W / 2 + (x0 - W / 2) * 0.6, top), (W / 2 + (x1 - W / 2) * 0.6, top), (x1, H), (x0, H)],
                  fill=shade(grass, 1.12))
    white = (240, 240, 240)
    inset = rng.uniform(20, 45)
    d.polygon([(inset + 40, top + 8), (W - inset - 40, top + 8), (W - inset, H - 8), (inset, H - 8)],
              outline=white, width=2)
    d.line([(W / 2, top + 8), (W / 2, H - 8)], fill=white, width=2)
    cy = (top + H) / 2
    d.ellipse((W / 2 - 26, cy - 14, W / 2 + 26, cy + 14), outline=white, width=2)
    team_a, team_b = hsv(rng.random(), 0.85, 0.9), hsv(rng.random(), 0.85, 0.35)
    for k in range(rng.randint(8, 16)):  # players: a few pixels each, seen from far away
        x, y = rng.uniform(20, W - 20), rng.uniform(top + 12, H - 10)
        s = 0.6 + (y - top) / (H - top)
        shirt = team_a if k % 2 else team_b
        d.rectangle((x - 2 * s, y - 6 * s, x + 2 * s, y), fill=shirt)
        d.ellipse((x - 1.5 * s, y - 9 * s, x + 1.5 * s, y - 6 * s), fill=rng.choice(SKIN_TONES))
        d.line([(x - s, y), (x - s, y + 3 * s)], fill=(30, 30, 30))
        d.line([(x + s, y), (x + s, y + 3 * s)], fill=(30, 30, 30))
    bx, by = rng.uniform(40, 280), rng.uniform(top + 15, H - 15)
    d.ellipse((bx - 2, by - 2, bx + 2, by + 2), fill=(255, 255, 255))
    return base


_CROWD = tuple(hsv(k / 24, 0.5, 0.55 + 0.45 * ((k * 7) % 5) / 4) for k in range(24))

BACKGROUNDS = {"studio": draw_studio, "indoor": draw_indoor, "landscape": draw_landscape,
               "sport_field": draw_sport_field}


# --------------------------------------------------------------------------- faces
def _face_features(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, expression: str,
                   skin: Color, rng: random.Random, detail: bool = True) -> None:
    """Eyes, brows, nose and mouth of a head of radius ``r`` centred at (cx, cy)."""
    ink = (35, 25, 25)
    ex, ey = r * 0.36, cy - r * 0.12
    eye_w = r * (0.2 if expression == "shocked" else 0.15)
    eye_h = r * (0.2 if expression == "shocked" else 0.1 if expression == "smiling" else 0.13)
    for sx in (-1, 1):
        x = cx + sx * ex
        if detail:
            d.ellipse((x - eye_w, ey - eye_h, x + eye_w, ey + eye_h), fill=(250, 250, 250))
            pr = max(1.0, r * (0.055 if expression == "shocked" else 0.075))
            d.ellipse((x - pr, ey - pr, x + pr, ey + pr), fill=ink)
        else:
            d.ellipse((x - eye_w / 2, ey - eye_h / 2, x + eye_w / 2, ey + eye_h / 2), fill=ink)
        brow_y = ey - eye_h - r * (0.22 if expression == "shocked" else 0.1)
        tilt = r * (0.06 if expression == "shocked" else -0.02 if expression == "smiling" else 0.0)
        d.line([(x - eye_w * 1.1, brow_y + tilt), (x + eye_w * 1.1, brow_y - tilt * 0.3)], fill=ink,
               width=max(1, int(r * 0.06)))
    if detail:
        d.line([(cx, cy - r * 0.02), (cx - r * 0.06, cy + r * 0.2), (cx + r * 0.04, cy + r * 0.22)],
               fill=shade(skin, 0.7), width=max(1, int(r * 0.04)))
    my, mw = cy + r * 0.45, r * 0.38
    if expression == "smiling":
        if detail and rng.random() < 0.6:  # open grin with teeth
            d.chord((cx - mw, my - r * 0.25, cx + mw, my + r * 0.25), 0, 180, fill=(120, 20, 30))
            d.chord((cx - mw * 0.85, my - r * 0.2, cx + mw * 0.85, my + r * 0.05), 0, 180, fill=(250, 250, 250))
        else:
            d.arc((cx - mw, my - r * 0.3, cx + mw, my + r * 0.12), 15, 165, fill=ink, width=max(1, int(r * 0.07)))
    elif expression == "shocked":
        mh = r * 0.28
        d.ellipse((cx - mw * 0.45, my - mh * 0.6, cx + mw * 0.45, my + mh), fill=(90, 15, 25))
    else:
        d.line([(cx - mw * 0.7, my), (cx + mw * 0.7, my)], fill=ink, width=max(1, int(r * 0.06)))


def draw_closeup_face(img: Image.Image, rng: random.Random, expression: str, side: str) -> Box:
    """A large head-and-shoulders presenter (the classic reaction face), possibly tilted."""
    r = rng.uniform(38, 62)
    lw, lh = int(r * 3.2), int(r * 3.6)
    layer, d = _layer(lw, lh)
    cx, cy = lw / 2, r * 1.3
    skin, hair = rng.choice(SKIN_TONES), rng.choice(HAIR_COLORS)
    shirt = hsv(rng.random(), rng.uniform(0.2, 0.9), rng.uniform(0.2, 0.9))
    d.ellipse((cx - r * 1.5, cy + r * 1.35, cx + r * 1.5, cy + r * 3.6), fill=shirt)  # shoulders
    hair_style = rng.choice(("short", "long", "bald", "spiky", "cap"))
    if hair_style == "long":  # behind the head and neck, down to the shoulders
        d.rounded_rectangle((cx - r * 0.98, cy - r * 1.02, cx + r * 0.98, cy + r * 1.5), radius=r * 0.6, fill=hair)
    d.rectangle((cx - r * 0.3, cy + r * 0.6, cx + r * 0.3, cy + r * 1.5), fill=shade(skin, 0.85))  # neck
    for sx in (-1, 1):  # ears
        d.ellipse((cx + sx * r * 0.78 - r * 0.14, cy - r * 0.15, cx + sx * r * 0.78 + r * 0.14, cy + r * 0.25),
                  fill=shade(skin, 0.92))
    d.ellipse((cx - r * 0.8, cy - r, cx + r * 0.8, cy + r), fill=skin)
    if hair_style in ("short", "long"):
        d.chord((cx - r * 0.84, cy - r * 1.08, cx + r * 0.84, cy + r * 0.25), 180, 360, fill=hair)
    elif hair_style == "spiky":
        for k in range(7):
            x = cx - r * 0.8 + k * r * 0.27
            d.polygon([(x - r * 0.18, cy - r * 0.55), (x + r * 0.18, cy - r * 0.55), (x, cy - r * 1.25)], fill=hair)
    elif hair_style == "cap":
        cap = hsv(rng.random(), 0.8, 0.7)
        d.chord((cx - r * 0.86, cy - r * 1.1, cx + r * 0.86, cy + r * 0.1), 180, 360, fill=cap)
        d.rectangle((cx - r * 0.86, cy - r * 0.5, cx + r * 1.3, cy - r * 0.38), fill=shade(cap, 0.7))
    _face_features(d, cx, cy, r, expression, skin, rng, detail=True)
    if expression == "shocked" and rng.random() < 0.5:  # hands on cheeks
        for sx in (-1, 1):
            d.ellipse((cx + sx * r * 0.95 - r * 0.22, cy + r * 0.05, cx + sx * r * 0.95 + r * 0.22, cy + r * 0.75),
                      fill=shade(skin, 1.05))
    if rng.random() < 0.2:  # glasses
        for sx in (-1, 1):
            x = cx + sx * r * 0.36
            d.ellipse((x - r * 0.22, cy - r * 0.3, x + r * 0.22, cy + r * 0.06), outline=(20, 20, 20),
                      width=max(2, int(r * 0.05)))
    x = rng.uniform(70, 110) if side == "left" else rng.uniform(210, 250)
    y = H - lh / 2 + rng.uniform(0, r * 0.6)
    return _paste(img, layer, x, y, _tilt(rng, 12, p=0.5))


def draw_small_figures(img: Image.Image, d: ImageDraw.ImageDraw, rng: random.Random, expression: str,
                       region: Box) -> Box:
    """One to four full-body people at a small scale inside ``region`` (faces a few pixels wide)."""
    x0, y0, x1, y1 = region
    n = rng.choice((1, 1, 2, 2, 3, 4))
    r = rng.uniform(7, 13)
    span = (x1 - x0) / n
    boxes = []
    for k in range(n):
        cx = x0 + span * (k + 0.5) + rng.uniform(-span * 0.15, span * 0.15)
        feet = min(H - 2, y1 - rng.uniform(0, 8))
        body_h = r * 3.2
        top = feet - body_h - r * 2
        skin, shirt = rng.choice(SKIN_TONES), hsv(rng.random(), 0.7, rng.uniform(0.4, 0.95))
        pants = hsv(rng.random(), 0.4, rng.uniform(0.15, 0.5))
        d.rectangle((cx - r * 0.5, feet - r * 1.5, cx - r * 0.1, feet), fill=pants)
        d.rectangle((cx + r * 0.1, feet - r * 1.5, cx + r * 0.5, feet), fill=pants)
        d.rounded_rectangle((cx - r * 0.75, top + r * 1.9, cx + r * 0.75, feet - r * 1.3), radius=r * 0.3, fill=shirt)
        arm = -1.0 if expression == "shocked" else 1.0  # arms up when shocked
        for sx in (-1, 1):
            d.line([(cx + sx * r * 0.7, top + r * 2.2), (cx + sx * r * 1.3, top + r * (2.0 + 1.6 * arm))],
                   fill=shirt, width=max(2, int(r * 0.35)))
        d.ellipse((cx - r * 0.8, top, cx + r * 0.8, top + r * 2), fill=skin)
        d.chord((cx - r * 0.82, top - r * 0.05, cx + r * 0.82, top + r * 1.2), 180, 360, fill=rng.choice(HAIR_COLORS))
        _face_features(d, cx, top + r, r, expression, skin, rng, detail=r > 10)
        boxes.append((cx - r * 1.3, top, cx + r * 1.3, feet))
    return (int(min(b[0] for b in boxes)), int(min(b[1] for b in boxes)),
            int(max(b[2] for b in boxes)), int(max(b[3] for b in boxes)))


# --------------------------------------------------------------------------- objects
def draw_food(img: Image.Image, rng: random.Random, cx: float, cy: float, scale: float) -> Box:
    """A dish: pizza, salad, pasta or sushi on a plate, a burger, or a steaming bowl."""
    s = 38 * scale
    layer, d = _layer(int(s * 2.6), int(s * 2.2))
    lx, ly = layer.width / 2, layer.height * 0.58
    kind = rng.choice(("pizza", "salad", "pasta", "sushi", "burger", "bowl"))
    if kind == "bowl":
        bowl = hsv(rng.random(), rng.uniform(0.1, 0.7), rng.uniform(0.6, 1.0))
        soup = rng.choice(((200, 120, 40), (235, 200, 120), (150, 40, 20), (230, 220, 200)))
        d.ellipse((lx - s, ly - s * 0.35, lx + s, ly + s * 0.25), fill=soup)
        d.chord((lx - s, ly - s * 0.9, lx + s, ly + s * 0.85), 0, 180, fill=bowl)
        for _ in range(rng.randint(3, 7)):  # noodles / toppings
            x = lx + rng.uniform(-s * 0.7, s * 0.7)
            d.arc((x - 8, ly - s * 0.25, x + 8, ly + 2), 180, 360, fill=(250, 235, 170), width=2)
        for k in range(3):  # steam
            x = lx - s * 0.4 + k * s * 0.4
            d.line([(x, ly - s * 0.4), (x + 5, ly - s * 0.65), (x - 3, ly - s * 0.9), (x + 4, ly - s * 1.1)],
                   fill=(245, 245, 245), width=2)
        return _paste(img, layer, cx, cy, _tilt(rng, 6))
    plate = (250, 250, 248) if rng.random() < 0.8 else hsv(rng.random(), 0.3, 0.9)
    d.ellipse((lx - s * 1.25, ly - s * 0.7, lx + s * 1.25, ly + s * 0.7), fill=shade(plate, 0.85))
    d.ellipse((lx - s * 1.05, ly - s * 0.58, lx + s * 1.05, ly + s * 0.55), fill=plate)
    if kind == "pizza":
        d.ellipse((lx - s * 0.9, ly - s * 0.5, lx + s * 0.9, ly + s * 0.5), fill=(215, 150, 60))
        d.ellipse((lx - s * 0.78, ly - s * 0.42, lx + s * 0.78, ly + s * 0.42), fill=(235, 190, 70))
        for _ in range(rng.randint(5, 9)):
            x, y = lx + rng.uniform(-s * 0.6, s * 0.6), ly + rng.uniform(-s * 0.3, s * 0.3)
            d.ellipse((x - s * 0.1, y - s * 0.07, x + s * 0.1, y + s * 0.07), fill=(180, 30, 30))
    elif kind == "salad":
        for _ in range(rng.randint(14, 24)):
            x, y = lx + rng.uniform(-s * 0.75, s * 0.75), ly + rng.uniform(-s * 0.38, s * 0.38)
            c = rng.choice(((60, 170, 60), (100, 200, 70), (40, 130, 50), (220, 40, 40), (250, 200, 50)))
            rr = s * rng.uniform(0.08, 0.16)
            d.ellipse((x - rr, y - rr * 0.7, x + rr, y + rr * 0.7), fill=c)
    elif kind == "pasta":
        for _ in range(rng.randint(10, 18)):
            x, y = lx + rng.uniform(-s * 0.6, s * 0.6), ly + rng.uniform(-s * 0.3, s * 0.3)
            d.arc((x - s * 0.3, y - s * 0.15, x + s * 0.3, y + s * 0.15), rng.uniform(0, 180), rng.uniform(200, 360),
                  fill=(245, 210, 110), width=2)
        d.ellipse((lx - s * 0.3, ly - s * 0.2, lx + s * 0.3, ly + s * 0.1), fill=(190, 40, 30))
    elif kind == "sushi":
        for k in range(rng.randint(3, 5)):
            x = lx - s * 0.7 + k * s * 0.38
            d.rounded_rectangle((x - s * 0.16, ly - s * 0.18, x + s * 0.16, ly + s * 0.18), radius=4, fill=(250, 250, 250))
            d.rounded_rectangle((x - s * 0.17, ly - s * 0.22, x + s * 0.17, ly - s * 0.04), radius=4,
                                fill=rng.choice(((250, 120, 90), (230, 60, 60), (250, 200, 60))))
    else:  # burger, side view on the plate
        w = s * 0.85
        d.chord((lx - w, ly - s * 0.9, lx + w, ly - s * 0.1), 180, 360, fill=(210, 140, 60))
        d.rectangle((lx - w * 1.05, ly - s * 0.5, lx + w * 1.05, ly - s * 0.4), fill=(80, 180, 60))
        d.rectangle((lx - w, ly - s * 0.4, lx + w, ly - s * 0.22), fill=(250, 200, 40))
        d.rounded_rectangle((lx - w, ly - s * 0.22, lx + w, ly + s * 0.02), radius=5, fill=(90, 50, 30))
        d.rounded_rectangle((lx - w, ly + s * 0.02, lx + w, ly + s * 0.22), radius=5, fill=(200, 130, 60))
    return _paste(img, layer, cx, cy, _tilt(rng, 8))


def draw_vehicle(img: Image.Image, rng: random.Random, cx: float, cy: float, scale: float) -> Box:
    """A car in side view (sedan, sports car or pickup) in a random colour, facing left or right."""
    s = 46 * scale
    layer, d = _layer(int(s * 2.4), int(s * 1.2))
    lx, ly = layer.width / 2, layer.height * 0.62
    body = hsv(rng.random(), rng.uniform(0.5, 1.0), rng.uniform(0.35, 1.0))
    kind = rng.choice(("sedan", "sports", "pickup"))
    glass = (170, 210, 235)
    if kind == "sports":
        d.polygon([(lx - s, ly + s * 0.15), (lx - s, ly - s * 0.1), (lx - s * 0.3, ly - s * 0.35),
                   (lx + s * 0.25, ly - s * 0.35), (lx + s * 1.1, ly - s * 0.05), (lx + s * 1.1, ly + s * 0.15)], fill=body)
        d.polygon([(lx - s * 0.2, ly - s * 0.3), (lx + s * 0.2, ly - s * 0.3), (lx + s * 0.5, ly - s * 0.12),
                   (lx - s * 0.4, ly - s * 0.12)], fill=glass)
    else:
        roof = s * (0.55 if kind == "sedan" else 0.6)
        d.rounded_rectangle((lx - s, ly - s * 0.2, lx + s, ly + s * 0.2), radius=s * 0.12, fill=body)
        rx1 = lx + (s * 0.45 if kind == "sedan" else s * 0.05)
        d.polygon([(lx - s * 0.6, ly - s * 0.2), (lx - s * 0.4, ly - roof), (rx1 - s * 0.1, ly - roof),
                   (rx1 + s * 0.15, ly - s * 0.2)], fill=body)
        d.polygon([(lx - s * 0.5, ly - s * 0.22), (lx - s * 0.35, ly - roof + 5), (rx1 - s * 0.12, ly - roof + 5),
                   (rx1 + s * 0.05, ly - s * 0.22)], fill=glass)
        d.line([(lx - s * 0.12, ly - roof + 5), (lx - s * 0.12, ly - s * 0.22)], fill=body, width=3)
    d.rectangle((lx + s * 0.9, ly - s * 0.08, lx + s, ly), fill=(255, 240, 170))  # headlight
    for wx in (-0.6, 0.62):
        x, wr = lx + wx * s, s * 0.24
        d.ellipse((x - wr, ly + s * 0.1 - wr, x + wr, ly + s * 0.1 + wr), fill=(25, 25, 25))
        d.ellipse((x - wr * 0.5, ly + s * 0.1 - wr * 0.5, x + wr * 0.5, ly + s * 0.1 + wr * 0.5), fill=(190, 190, 195))
    if rng.random() < 0.5:
        layer = layer.transpose(Image.FLIP_LEFT_RIGHT)
    return _paste(img, layer, cx, cy, _tilt(rng, 4))


def draw_animal(img: Image.Image, rng: random.Random, cx: float, cy: float, scale: float) -> Box:
    """A cat or a dog, sitting, in a random fur colour."""
    s = 30 * scale
    layer, d = _layer(int(s * 2.4), int(s * 3.0))
    lx, ly = layer.width / 2, layer.height * 0.38
    fur = rng.choice(((230, 140, 50), (60, 55, 50), (240, 240, 235), (150, 110, 80), (190, 160, 110), (110, 110, 120)))
    dark = shade(fur, 0.7)
    d.ellipse((lx - s * 0.75, ly + s * 0.4, lx + s * 0.75, ly + s * 1.9), fill=fur)  # body
    d.line([(lx + s * 0.6, ly + s * 1.7), (lx + s * 1.1, ly + s * 1.2), (lx + s * 1.05, ly + s * 0.7)], fill=dark,
           width=max(2, int(s * 0.15)))  # tail
    if rng.random() < 0.5:  # cat: pointy ears, whiskers
        for sx in (-1, 1):
            d.polygon([(lx + sx * s * 0.75, ly - s * 0.1), (lx + sx * s * 0.2, ly - s * 0.55),
                       (lx + sx * s * 0.7, ly - s * 0.95)], fill=dark)
        d.ellipse((lx - s * 0.8, ly - s * 0.7, lx + s * 0.8, ly + s * 0.6), fill=fur)
        for sx in (-1, 1):
            d.ellipse((lx + sx * s * 0.32 - s * 0.12, ly - s * 0.2, lx + sx * s * 0.32 + s * 0.12, ly + s * 0.02),
                      fill=(120, 200, 80))
            d.line([(lx + sx * s * 0.32, ly - s * 0.18), (lx + sx * s * 0.32, ly)], fill=(10, 10, 10), width=2)
            for k in (-1, 0, 1):
                d.line([(lx + sx * s * 0.15, ly + s * 0.2), (lx + sx * s * 0.75, ly + s * (0.15 + 0.1 * k))],
                       fill=(30, 30, 30), width=1)
        d.polygon([(lx - s * 0.08, ly + s * 0.1), (lx + s * 0.08, ly + s * 0.1), (lx, ly + s * 0.2)], fill=(230, 120, 130))
    else:  # dog: floppy ears, snout, tongue
        d.ellipse((lx - s * 0.75, ly - s * 0.7, lx + s * 0.75, ly + s * 0.6), fill=fur)
        for sx in (-1, 1):
            d.ellipse((lx + sx * s * 0.7 - s * 0.25, ly - s * 0.6, lx + sx * s * 0.7 + s * 0.25, ly + s * 0.3), fill=dark)
            d.ellipse((lx + sx * s * 0.3 - s * 0.09, ly - s * 0.25, lx + sx * s * 0.3 + s * 0.09, ly - s * 0.07),
                      fill=(20, 15, 10))
        d.ellipse((lx - s * 0.35, ly + s * 0.0, lx + s * 0.35, ly + s * 0.45), fill=shade(fur, 1.2))
        d.ellipse((lx - s * 0.12, ly + s * 0.02, lx + s * 0.12, ly + s * 0.16), fill=(20, 15, 10))
        if rng.random() < 0.6:
            d.rounded_rectangle((lx - s * 0.1, ly + s * 0.35, lx + s * 0.1, ly + s * 0.6), radius=4, fill=(230, 90, 110))
    return _paste(img, layer, cx, cy, _tilt(rng, 10))


def draw_money(img: Image.Image, rng: random.Random, cx: float, cy: float, scale: float) -> Box:
    """Stacks of gold coins, a fan of green banknotes, gold bars or a big gold dollar sign."""
    s = 34 * scale
    layer, d = _layer(int(s * 2.6), int(s * 2.4))
    lx, ly = layer.width / 2, layer.height / 2
    gold, gold_dark = (250, 200, 40), (190, 130, 20)
    kind = rng.choice(("coins", "bills", "bars", "sign"))
    if kind == "coins":
        for k in range(rng.randint(2, 4)):
            x = lx + (k - 1.5) * s * 0.5
            h = rng.randint(3, 8)
            for j in range(h):
                y = ly + s * 0.8 - j * s * 0.16
                d.ellipse((x - s * 0.3, y - s * 0.1, x + s * 0.3, y + s * 0.1), fill=gold, outline=gold_dark)
    elif kind == "bills":
        for k in range(rng.randint(3, 6)):  # a fan of notes: rotated rectangles drawn as polygons
            a = math.radians(-40 + k * 18)
            ux, uy, hw, hh = math.cos(a), math.sin(a), s * 0.8, s * 0.4
            x, y = lx, ly + s * 0.2
            corners = [(x + sx * hw * ux - sy * hh * uy, y - sx * hw * uy - sy * hh * ux)
                       for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
            d.polygon(corners, fill=(110, 170, 100), outline=(40, 90, 40), width=2)
            d.ellipse((x - hh * 0.6, y - hh * 0.6, x + hh * 0.6, y + hh * 0.6), fill=(170, 210, 150))
        d.text((lx, ly + s * 0.2), "$", fill=(40, 90, 40), anchor="mm", font=font("DejaVuSans-Bold.ttf", max(8, int(s * 0.4))))
    elif kind == "bars":
        for dx, dy in ((-0.5, 0.4), (0.5, 0.4), (0.0, -0.05)):
            x, y = lx + dx * s, ly + dy * s
            d.polygon([(x - s * 0.5, y + s * 0.2), (x + s * 0.5, y + s * 0.2), (x + s * 0.35, y - s * 0.2),
                       (x - s * 0.35, y - s * 0.2)], fill=gold, outline=gold_dark)
            d.polygon([(x - s * 0.3, y - s * 0.15), (x + s * 0.3, y - s * 0.15), (x + s * 0.25, y - s * 0.05),
                       (x - s * 0.25, y - s * 0.05)], fill=(255, 235, 130))
    else:
        d.ellipse((lx - s, ly - s, lx + s, ly + s), fill=gold, outline=gold_dark, width=max(2, int(s * 0.1)))
        d.text((lx, ly), "$", fill=gold_dark, anchor="mm", font=font("DejaVuSans-Bold.ttf", max(10, int(s * 1.3))))
    return _paste(img, layer, cx, cy, _tilt(rng, 10))


OBJECTS = {"food": draw_food, "vehicle": draw_vehicle, "animal": draw_animal, "money": draw_money}


# --------------------------------------------------------------------------- overlays
def draw_arrow(img: Image.Image, d: ImageDraw.ImageDraw, rng: random.Random, target: Box) -> None:
    """A bold red arrow pointing at ``target`` and/or a red circle drawn around it."""
    red = (rng.randint(220, 255), rng.randint(0, 40), rng.randint(0, 40))
    tx, ty = (target[0] + target[2]) / 2, (target[1] + target[3]) / 2
    kind = rng.choice(("arrow", "arrow", "circle", "both"))
    if kind in ("circle", "both"):
        rx, ry = max(14.0, (target[2] - target[0]) * 0.55), max(12.0, (target[3] - target[1]) * 0.55)
        d.ellipse((tx - rx, ty - ry, tx + rx, ty + ry), outline=red, width=rng.randint(3, 5))
    if kind in ("arrow", "both"):
        ang = math.atan2(ty - H / 2, tx - W / 2) + math.pi + rng.uniform(-0.8, 0.8)
        length, width = rng.uniform(45, 80), rng.uniform(7, 12)
        dist = max(20.0, min(target[2] - target[0], target[3] - target[1]) * 0.35)
        tipx, tipy = tx + math.cos(ang) * dist, ty + math.sin(ang) * dist
        ux, uy = math.cos(ang), math.sin(ang)
        px, py = -uy, ux
        head = width * 2.3
        bx, by = tipx + ux * head, tipy + uy * head
        ex, ey = tipx + ux * length, tipy + uy * length
        shaft = [(bx + px * width / 2, by + py * width / 2), (ex + px * width / 2, ey + py * width / 2),
                 (ex - px * width / 2, ey - py * width / 2), (bx - px * width / 2, by - py * width / 2)]
        tip = [(tipx, tipy), (bx + px * head, by + py * head), (bx - px * head, by - py * head)]
        outline = (255, 255, 255) if rng.random() < 0.5 else None
        d.polygon(shaft, fill=red, outline=outline)
        d.polygon(tip, fill=red, outline=outline)


def draw_headline(img: Image.Image, d: ImageDraw.ImageDraw, rng: random.Random, words: str, font_name: str,
                  color: Color, region: Box) -> Box:
    """Bold 1-3 word text with a dark outline and a drop shadow, fitted into ``region``."""
    x0, y0, x1, y1 = region
    lines = words.split(" ")
    if len(lines) == 3 and rng.random() < 0.5:
        lines = [" ".join(lines[:2]), lines[2]]
    elif len(lines) > 1 and rng.random() < 0.4:
        lines = [" ".join(lines)]
    text = "\n".join(lines)
    max_w, max_h = x1 - x0, y1 - y0
    size = int(min(58, max_h / (len(lines) * 1.05)))
    while size > 12:  # shrink until it fits the region
        f = font(font_name, size)
        bb = d.multiline_textbbox((0, 0), text, font=f, stroke_width=max(2, size // 12), spacing=0, align="center")
        if bb[2] - bb[0] <= max_w and bb[3] - bb[1] <= max_h:
            break
        size -= 4
    f = font(font_name, size)
    stroke = max(2, size // 10)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if rng.random() < 0.3:  # solid banner behind the text
        bb = d.multiline_textbbox((cx, cy), text, font=f, anchor="mm", spacing=0, align="center")
        d.rectangle((bb[0] - 6, bb[1] - 4, bb[2] + 6, bb[3] + 6), fill=rng.choice(((220, 20, 30), (20, 20, 20),
                                                                                     (255, 215, 0), (30, 90, 230))))
    off = max(2, size // 14)
    d.multiline_text((cx + off, cy + off), text, font=f, fill=(0, 0, 0), anchor="mm", spacing=0, align="center",
                     stroke_width=stroke, stroke_fill=(0, 0, 0))
    d.multiline_text((cx, cy), text, font=f, fill=color, anchor="mm", spacing=0, align="center",
                     stroke_width=stroke, stroke_fill=rng.choice(((0, 0, 0), (0, 0, 0), (20, 20, 120), (120, 0, 0))))
    bb = d.multiline_textbbox((cx, cy), text, font=f, anchor="mm", spacing=0, align="center", stroke_width=stroke)
    return int(bb[0]), int(bb[1]), int(bb[2]), int(bb[3])


def headline_color(rng: random.Random, preferred: Color) -> Color:
    """The channel's text colour most of the time, another bright one otherwise."""
    return preferred if rng.random() < 0.7 else rng.choice(TEXT_COLORS)


def draw_logo(img: Image.Image, rng: random.Random, initials: str, color: Color, shape: str, corner: str) -> None:
    """The channel's watermark: a small badge with its initials, half transparent, in a corner."""
    size = 26
    badge, d = _layer(size, size)
    if shape == "circle":
        d.ellipse((0, 0, size - 1, size - 1), fill=color + (255,), outline=(255, 255, 255, 255), width=2)
    else:
        d.rounded_rectangle((0, 0, size - 1, size - 1), radius=6, fill=color + (255,), outline=(255, 255, 255, 255),
                            width=2)
    d.text((size / 2, size / 2), initials, fill=(255, 255, 255, 255), anchor="mm", font=font(SMALL_FONT, 10))
    alpha = badge.getchannel("A").point(lambda a: a * 170 // 255)
    x = 6 if corner.endswith("left") else W - size - 6
    y = 6 if corner.startswith("top") else H - size - 6
    img.paste(badge.convert("RGB"), (x, y), alpha)


def draw_decoration(img: Image.Image, d: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """Content-free decoration (sparkles, a frame, a 'NEW' tag area...) that carries no effect."""
    kind = rng.choice(("sparkles", "frame", "stripe", "none", "none"))
    if kind == "sparkles":
        for _ in range(rng.randint(2, 6)):
            x, y, r = rng.uniform(0, W), rng.uniform(0, H), rng.uniform(3, 8)
            c = (255, 255, rng.randint(120, 255))
            d.polygon([(x, y - r), (x + r * 0.3, y - r * 0.3), (x + r, y), (x + r * 0.3, y + r * 0.3), (x, y + r),
                       (x - r * 0.3, y + r * 0.3), (x - r, y), (x - r * 0.3, y - r * 0.3)], fill=c)
    elif kind == "frame":
        d.rectangle((0, 0, W - 1, H - 1), outline=hsv(rng.random(), 0.6, 0.95), width=rng.randint(3, 6))
    elif kind == "stripe":
        y = rng.choice((0, H - 8))
        d.rectangle((0, y, W, y + 8), fill=hsv(rng.random(), 0.3, 0.15))


