"""The pretraining corpus: ThumbWorld thumbnails from seeds that no analysed dataset uses.

The corpus is planned with ``plan_platform`` from ``CORPUS_SEED_BASE + seed`` and drawn in
memory (no JPEG round trip), each thumbnail from its own random stream, then shrunk with a box
filter to the encoder's size. Analysed datasets are generated with small seeds (the chapters'
``seed`` parameter, 0 by default); ``check_not_corpus_seed`` refuses an analysed seed that would
reach into the corpus's range, so the encoder never pretrains on a thumbnail it is later probed on.

The corpus carries titles (for the optional title-alignment objective) and the element flags,
which only the probes and the supervised ceiling read: ``pretrain`` is never given them.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from ..atomic import atomic_path, write_json
from ..progress import progress
from ..thumbworld import ELEMENTS, GENERATOR_VERSION
from ..thumbworld.compose import ThumbSpec, render
from ..thumbworld.platform import plan_platform

#: Corpus seeds start here; analysed ThumbWorld datasets must use smaller seeds.
CORPUS_SEED_BASE = 7_000_000
_CHUNK = 64

Size = tuple[int, int]  # (width, height)


@dataclass
class Corpus:
    """Thumbnails for pretraining, with what only the evaluation may read.

    Attributes
    ----------
    images : np.ndarray
        uint8 ``(N, H, W, 3)``.
    titles : list of str
        One title per thumbnail (the title-alignment objective reads them).
    labels : np.ndarray
        int8 ``(N, len(elements))`` truth flags: for probes and the supervised ceiling only.
    elements : tuple of str
        Names of the label columns.
    seed : int
        The corpus seed (the world is planned from ``CORPUS_SEED_BASE + seed``).
    """

    images: np.ndarray
    titles: list[str]
    labels: np.ndarray
    elements: tuple[str, ...]
    seed: int

    def __len__(self) -> int:
        return len(self.images)


def world_seed(seed: int) -> int:
    """The ThumbWorld seed the corpus with ``seed`` is planned from."""
    return CORPUS_SEED_BASE + int(seed)


def check_not_corpus_seed(dataset_seed: int) -> None:
    """Raise ``ValueError`` if an analysed dataset's seed lies in the corpus's seed range."""
    if int(dataset_seed) >= CORPUS_SEED_BASE:
        raise ValueError(f"dataset seed {dataset_seed} is reserved for the encoder's pretraining corpus "
                         f"(seeds >= {CORPUS_SEED_BASE:,}); analyse a world with a smaller seed")


_SPECS: Sequence[ThumbSpec] = ()
_SIZES: Sequence[Size] = ()


def _init(specs: Sequence[ThumbSpec], sizes: Sequence[Size]) -> None:
    global _SPECS, _SIZES
    _SPECS, _SIZES = specs, sizes


def _draw_chunk(indices: Sequence[int]) -> tuple[int, list[np.ndarray]]:
    """Render thumbnails ``indices`` and shrink each to every size; one array per size."""
    out = [np.empty((len(indices), h, w, 3), np.uint8) for w, h in _SIZES]
    for k, i in enumerate(indices):
        img = render(_SPECS[i])
        for s, (w, h) in enumerate(_SIZES):
            out[s][k] = np.asarray(img.resize((w, h), Image.Resampling.BOX))
    return indices[0], out


def draw_specs(specs: Sequence[ThumbSpec], sizes: Sequence[Size], workers: int = 1,
               show_progress: bool = True) -> list[np.ndarray]:
    """Render ``specs`` in memory at each of ``sizes``; returns one uint8 array per size, in spec order."""
    sizes = [tuple(map(int, s)) for s in sizes]
    arrays = [np.empty((len(specs), h, w, 3), np.uint8) for w, h in sizes]
    chunks = [list(range(k, min(k + _CHUNK, len(specs)))) for k in range(0, len(specs), _CHUNK)]
    bar = progress(total=len(specs), desc="drawing the corpus", disable=not show_progress)

    def store(first: int, parts: list[np.ndarray]) -> None:
        for array, part in zip(arrays, parts):
            array[first:first + len(part)] = part
        bar.update(len(parts[0]))

    if workers <= 1 or len(chunks) <= 1:
        _init(specs, sizes)
        for chunk in chunks:
            store(*_draw_chunk(chunk))
    else:
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        with ctx.Pool(workers, initializer=_init, initargs=(specs, sizes)) as pool:
            for first, parts in pool.imap_unordered(_draw_chunk, chunks):
                store(first, parts)
    bar.close()
    return arrays


def draw_corpus(n: int, seed: int = 0, size: Size = (64, 36), workers: int | None = None,
                show_progress: bool = True, extra_sizes: Sequence[Size] = ()) -> tuple[Corpus, dict[Size, np.ndarray]]:
    """Plan and draw ``n`` corpus thumbnails at ``size`` (and optionally at ``extra_sizes``).

    Returns the corpus and a mapping ``size -> images`` for the extra sizes (used to find the
    resolution at which an element becomes visible).
    """
    if n < 1:
        raise ValueError(f"corpus size must be positive, got {n}")
    plan = plan_platform(int(n), "default", world_seed(seed))
    workers = default_workers() if workers is None else max(1, int(workers))
    sizes = [tuple(size)] + [tuple(s) for s in extra_sizes]
    arrays = draw_specs(plan.specs, sizes, workers=workers, show_progress=show_progress)
    labels = np.array([[row[f"true_{e}"] for e in ELEMENTS] for row in plan.rows], dtype=np.int8)
    corpus = Corpus(images=arrays[0], titles=[row["title"] for row in plan.rows], labels=labels,
                    elements=tuple(ELEMENTS), seed=int(seed))
    return corpus, dict(zip(sizes[1:], arrays[1:]))


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def corpus_name(n: int, seed: int, size: Size) -> str:
    """Folder name of a cached corpus, e.g. ``corpus-n20000-s0-64x36-v2``."""
    return f"corpus-n{int(n)}-s{int(seed)}-{size[0]}x{size[1]}-v{GENERATOR_VERSION}"


def ensure_corpus(folder: str | Path, n: int, seed: int = 0, size: Size = (64, 36), workers: int | None = None,
                  show_progress: bool = True) -> tuple[Corpus, float]:
    """Load the corpus cached in ``folder``, or draw and cache it; returns it and the seconds drawing took."""
    import json
    import time

    folder = Path(folder)
    images_path, meta_path = folder / "images.npy", folder / "corpus.json"
    if meta_path.is_file() and images_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        images = np.load(images_path, mmap_mode="r")
        if images.shape == (n, size[1], size[0], 3):
            corpus = Corpus(images=np.asarray(images), titles=meta["titles"],
                            labels=np.load(folder / "labels.npy"), elements=tuple(meta["elements"]), seed=seed)
            return corpus, float(meta["seconds"])
    start = time.perf_counter()
    corpus, _ = draw_corpus(n, seed, size, workers=workers, show_progress=show_progress)
    seconds = time.perf_counter() - start
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in (("images.npy", corpus.images), ("labels.npy", corpus.labels)):
        with atomic_path(folder / name) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, array)
    write_json(meta_path, {"n": n, "seed": seed, "size": list(size), "seconds": seconds,
                           "elements": list(corpus.elements), "titles": corpus.titles})  # last: marks complete
    return corpus, seconds
