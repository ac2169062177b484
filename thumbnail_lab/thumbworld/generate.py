"""Writing a ThumbWorld dataset to disk: deterministic, parallel and resumable.

Layout written (the book's dataset contract)::

    out_dir/metadata.csv          one row per video, UTF-8, truth columns prefixed ``true_``
    out_dir/images/<video_id>.jpg 320x180 JPEG thumbnails
    out_dir/truth.json            every effect size, the noise level and the oracle R²

Resuming works because nothing depends on the order of work: the metadata comes from the
seed alone, each thumbnail from its own random stream, and every file is moved into
place by an atomic rename, so a killed run leaves only complete images (which a re-run
keeps) and either the old ``metadata.csv`` or none.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
from pathlib import Path
from typing import Sequence

from ..atomic import write_bytes, write_json
from ..progress import progress
from .compose import ThumbSpec, encode_jpeg, render
from .platform import SCENARIOS, plan_platform
from .views import simulate_views

_STAMP = ".thumbworld.json"
_CHUNK = 48

_SPECS: Sequence[ThumbSpec] = ()
_IDS: Sequence[str] = ()
_IMAGE_DIR: Path = Path(".")


#: Bump whenever the generator's output changes: the version is part of every ThumbWorld
#: folder name, so data made by an older generator is never mistaken for current data.
GENERATOR_VERSION = 2

def _put_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary sibling and a rename.

    Unlike ``thumbnail_lab.atomic.write_bytes`` this skips ``fsync``: a killed process
    cannot tear a renamed file, and syncing every thumbnail would cost more than drawing
    it. (Only a power cut could lose recent images, and a re-run redraws them.)
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _init_worker(specs: Sequence[ThumbSpec], ids: Sequence[str], image_dir: Path) -> None:
    global _SPECS, _IDS, _IMAGE_DIR
    _SPECS, _IDS, _IMAGE_DIR = specs, ids, image_dir


def _render_chunk(indices: Sequence[int]) -> int:
    """Draw and write the thumbnails ``indices``; returns how many were written."""
    for i in indices:
        spec = _SPECS[i]
        _put_file(_IMAGE_DIR / f"{_IDS[i]}.jpg", encode_jpeg(render(spec), spec.quality))
    return len(indices)


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def render_thumbnails(specs: Sequence[ThumbSpec], ids: Sequence[str], image_dir: Path, todo: Sequence[int],
                      workers: int = 1, show_progress: bool = True) -> None:
    """Draw the thumbnails listed in ``todo`` into ``image_dir``, in ``workers`` processes."""
    chunks = [list(todo[k:k + _CHUNK]) for k in range(0, len(todo), _CHUNK)]
    bar = progress(total=len(todo), desc="drawing thumbnails", disable=not show_progress or not todo)
    if workers <= 1 or len(chunks) <= 1:
        _init_worker(specs, ids, image_dir)
        for chunk in chunks:
            bar.update(_render_chunk(chunk))
    else:
        # fork shares the plan with the workers without pickling it; spawn is the fallback.
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(specs, ids, image_dir)) as pool:
            for done in pool.imap_unordered(_render_chunk, chunks):
                bar.update(done)
    bar.close()


def _check_stamp(out_dir: Path, params: dict) -> None:
    """Refuse to mix two different worlds in one folder."""
    stamp = out_dir / _STAMP
    if stamp.exists():
        old = json.loads(stamp.read_text(encoding="utf-8"))
        if old != params:
            raise ValueError(f"{out_dir} already holds a ThumbWorld generated with {old}; "
                             f"refusing to mix it with {params}. Use another folder or delete it.")
    else:
        write_json(stamp, params)


def generate_thumbworld(out_dir: str | os.PathLike, n_videos: int, scenario: str = "default", seed: int = 0,
                        workers: int | None = None, show_progress: bool = True) -> Path:
    """Generate (or finish generating) a ThumbWorld dataset in ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Dataset folder; created if missing. Thumbnails already present are kept, so an
        interrupted run can simply be repeated.
    n_videos : int
        Number of videos (rows) before any cleaning.
    scenario : {"default", "null", "single_channel"}
        ``default``: content effects plus confounds (sport on old, small archive channels);
        ``null``: the same platform and pixels, but content has no effect on views;
        ``single_channel``: one large channel, long-form only (meant for ~330 videos).
    seed : int
        Same seed, same bytes.
    workers : int, optional
        Processes that draw thumbnails (default: all cores this process may use).
    show_progress : bool
        Print a progress bar.

    Returns
    -------
    pathlib.Path
        ``out_dir``.
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown ThumbWorld scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if isinstance(n_videos, bool) or not isinstance(n_videos, int) or n_videos < 1:
        raise ValueError(f"n_videos must be a positive integer, got {n_videos!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    out_dir = Path(out_dir)
    image_dir = out_dir / "images"
    image_dir.mkdir(parents=True, exist_ok=True)
    _check_stamp(out_dir, {"generator": "thumbworld", "version": GENERATOR_VERSION, "n_videos": n_videos,
                           "scenario": scenario, "seed": seed})
    for stale in image_dir.glob(".*.tmp"):  # left by a killed run; never a finished image
        stale.unlink(missing_ok=True)
    plan = plan_platform(n_videos, scenario, seed)
    ids = [row["video_id"] for row in plan.rows]
    todo = [i for i, vid in enumerate(ids) if not (image_dir / f"{vid}.jpg").exists()]
    workers = default_workers() if workers is None else max(1, int(workers))
    render_thumbnails(plan.specs, ids, image_dir, todo, workers=min(workers, max(1, len(todo) // _CHUNK)),
                      show_progress=show_progress)
    table, truth = simulate_views(plan, scenario, seed)
    csv = table.to_csv(index=False, lineterminator="\n", float_format="%.6f")
    write_json(out_dir / "truth.json", truth)
    write_bytes(out_dir / "metadata.csv", csv.encode("utf-8"))  # last: its presence means 'complete'
    return out_dir
