"""Writing a PosterWorld dataset folder in the book's layout (what ``import`` and ``ensure_dataset`` read).

    out_dir/metadata.csv          one row per video, truth columns prefixed ``true_``
    out_dir/images/<video_id>.jpg 320x180 JPEG posters
    out_dir/truth.json            element effects, rates and the noise level

Images are written first (each by an atomic rename), the CSV last, so a folder with a
``metadata.csv`` is complete; a repeated call keeps the images that exist.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
from pathlib import Path
from typing import Sequence

from ..atomic import write_bytes, write_json
from ..thumbworld.compose import encode_jpeg
from .draw import PosterSpec, render
from .world import plan_posters, simulate_views

GENERATOR_VERSION = 1
_STAMP = ".posterworld.json"
_JOBS: Sequence[tuple[PosterSpec, str]] = ()


def _init(jobs: Sequence[tuple[PosterSpec, str]]) -> None:
    global _JOBS
    _JOBS = jobs


def _draw(indices: Sequence[int]) -> int:
    for i in indices:
        spec, path = _JOBS[i]
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(encode_jpeg(render(spec), 90))
        os.replace(tmp, path)
    return len(indices)


def posterworld_name(n_videos: int, seed: int) -> str:
    """Folder name of a PosterWorld dataset, e.g. ``posterworld-n3000-s0-v1``."""
    return f"posterworld-n{int(n_videos)}-s{int(seed)}-v{GENERATOR_VERSION}"


def generate_posterworld(out_dir: str | os.PathLike, n_videos: int = 3000, seed: int = 0,
                         workers: int = 1) -> Path:
    """Generate (or finish) a PosterWorld dataset in ``out_dir``; returns the folder.

    Parameters
    ----------
    out_dir : path
        Dataset folder (created if missing).
    n_videos : int
        Posters (rows) to draw.
    seed : int
        Same seed, same bytes.
    workers : int
        Drawing processes.
    """
    if isinstance(n_videos, bool) or not isinstance(n_videos, int) or n_videos < 1:
        raise ValueError(f"n_videos must be a positive integer, got {n_videos!r}")
    out_dir = Path(out_dir)
    images = out_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    params = {"generator": "posterworld", "version": GENERATOR_VERSION, "n_videos": n_videos, "seed": seed}
    stamp = out_dir / _STAMP
    if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) != params:
        raise ValueError(f"{out_dir} already holds another PosterWorld; use another folder")
    write_json(stamp, params)
    plan = plan_posters(n_videos, seed)
    jobs = [(spec, str(out_dir / row["file_name"])) for spec, row in zip(plan.specs, plan.rows)]
    todo = [i for i, (_, path) in enumerate(jobs) if not Path(path).exists()]
    chunks = [todo[k:k + 64] for k in range(0, len(todo), 64)]
    if workers <= 1 or len(chunks) <= 1:
        _init(jobs)
        for chunk in chunks:
            _draw(chunk)
    else:
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        with ctx.Pool(workers, initializer=_init, initargs=(jobs,)) as pool:
            list(pool.imap_unordered(_draw, chunks))
    table, truth = simulate_views(plan, seed)
    write_json(out_dir / "truth.json", truth)
    write_bytes(out_dir / "metadata.csv", table.to_csv(index=False, lineterminator="\n", float_format="%.6f").encode())
    return out_dir
