"""A tiny, valid dataset in the layout, for tests and benchmarks (not a simulator).

Each image is random coloured rectangles and ellipses on a random background, so that
perceptual hashes differ between videos; views, dates and durations are random but valid.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .layout import IMAGES_DIR, METADATA_FILE, REQUIRED_COLUMNS


def toy_image(rng: np.random.Generator, width: int = 320, height: int = 180) -> Image.Image:
    """A random image of rectangles and ellipses."""
    image = Image.new("RGB", (width, height), tuple(int(c) for c in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 8))):
        x0, y0 = int(rng.integers(0, width - 20)), int(rng.integers(0, height - 20))
        x1, y1 = x0 + int(rng.integers(15, width // 2)), y0 + int(rng.integers(15, height // 2))
        shape = draw.rectangle if rng.random() < 0.5 else draw.ellipse
        shape((x0, y0, x1, y1), fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    return image


def toy_rows(n_videos: int, n_channels: int, seed: int) -> list[dict]:
    """Metadata rows (as strings) for ``n_videos`` videos over ``n_channels`` channels."""
    rng = np.random.default_rng(seed)
    start = dt.date(2019, 1, 1)
    rows = []
    for i in range(n_videos):
        vid = f"vid{i:05d}x"
        rows.append({
            "file_name": f"{IMAGES_DIR}/{vid}.jpg", "video_id": vid, "channel_id": f"UC{int(rng.integers(n_channels)):04d}",
            "title": f"Video {i} 🎬 ÉNORME {'تجربة' if i % 7 == 0 else 'test'}",
            "views": str(int(10 ** rng.uniform(2.0, 6.0))),
            "upload_date": (start + dt.timedelta(days=int(rng.integers(0, 1500)))).isoformat(),
            "duration_s": str(int(rng.choice([30, 45, 300, 600, 900], p=[0.1, 0.05, 0.35, 0.3, 0.2]))),
            "channel_subscribers": str(int(rng.integers(100, 1_000_000))),
            "collected_at": "2024-06-01",
        })
    return rows


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    """Write ``rows`` as a UTF-8 CSV with ``columns`` (default: the keys of the first row)."""
    columns = columns or (list(rows[0]) if rows else list(REQUIRED_COLUMNS))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def make_toy_dataset(folder: str | Path, n_videos: int = 40, n_channels: int = 5, seed: int = 0,
                     size: tuple[int, int] = (320, 180)) -> Path:
    """Write a valid dataset (``metadata.csv`` + ``images/``) into ``folder`` and return it."""
    folder = Path(folder)
    (folder / IMAGES_DIR).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 7])
    rows = toy_rows(n_videos, n_channels, seed)
    for row in rows:
        toy_image(rng, *size).save(folder / row["file_name"], format="JPEG", quality=90)
    write_csv(folder / METADATA_FILE, rows)
    return folder
