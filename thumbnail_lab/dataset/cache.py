"""A memory-mapped uint8 image array per resolution, so training never decodes JPEGs per epoch.

``images_<W>x<H>.npy`` holds every cleaned thumbnail, row ``i`` for metadata row ``i``,
resized (centre-cropped to the aspect first, so a 4:3 ``hqdefault`` with letterbox bars
becomes 16:9). It is written once through a temporary file and renamed into place, so a
killed build never leaves a half-filled array that looks complete (and the next build removes
the temporary file a killed one left, which can be large); then it is opened with
``mmap_mode='r'``: pages load on demand and many processes share them. Every image is
decoded by ``images.load_resized``, the loader the validator and the importer use, so the
cached pixels honour EXIF orientation and 16-bit depth exactly as they do.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np

from ..atomic import atomic_path
from ..progress import progress
from .images import load_resized


def cache_path(folder: Path, width: int, height: int) -> Path:
    """Where the array for ``width`` x ``height`` lives."""
    return Path(folder) / f"images_{width}x{height}.npy"


def build_image_cache(paths: Sequence[Path], out: Path, width: int, height: int,
                      workers: int | None = None, show_progress: bool = True, chunk: int = 256) -> Path:
    """Decode and resize every image in ``paths`` into a uint8 ``.npy`` at ``out`` (atomically).

    Parameters
    ----------
    paths : sequence of Path
        Image files, in metadata row order.
    out : Path
        The ``.npy`` file to create.
    width, height : int
        Target size in pixels.
    workers : int, optional
        Decoding threads (Pillow releases the GIL while decoding and resizing).
    show_progress : bool
        Show a progress bar.
    chunk : int
        Images decoded per batch (bounds memory).
    """
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    remove_stale_temporaries(out)
    workers = workers or min(4, os.cpu_count() or 1)
    with atomic_path(out) as tmp:
        array = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(len(paths), height, width, 3))
        bar = progress(total=len(paths), desc=f"caching images at {width}x{height}", disable=not show_progress)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for start in range(0, len(paths), chunk):
                batch = paths[start:start + chunk]
                for offset, pixels in enumerate(pool.map(lambda p: load_resized(p, width, height), batch)):
                    array[start + offset] = pixels
                bar.update(len(batch))
        bar.close()
        array.flush()
        del array
    return out


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Delete the temporary arrays a killed build of ``out`` left beside it; returns them.

    The caller holds the dataset's build lock (``ensure_dataset`` does), so no other process
    is writing one of them.
    """
    stale = sorted(Path(out).parent.glob(f".{Path(out).name}.*.tmp"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def open_image_cache(path: Path, n_rows: int, width: int, height: int) -> np.memmap | None:
    """The cached array opened read-only, or None if it is missing or has the wrong shape."""
    if not Path(path).is_file():
        return None
    try:
        array = np.load(path, mmap_mode="r")
    except (ValueError, OSError):
        return None
    if array.dtype != np.uint8 or array.shape != (n_rows, height, width, 3):
        return None
    return array
