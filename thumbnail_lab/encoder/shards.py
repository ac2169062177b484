"""Embedding a dataset folder shard by shard: in this process, or mapped over a Dask cluster, with one output.

The stage that grows with the number of thumbnails is decoding and embedding them. ``embed_folder``
cuts the folder's rows into shards of ``shard_size`` and runs ``embed_shard`` on each with
``thumbnail_lab.cluster.map_shards``: here, one after the other, or with ``workers`` (a ``LocalCluster``
of that many worker processes) or ``scheduler`` (the address of a running Dask scheduler), each worker
loading the cached encoder weights once. The shards come back in order and are written as one ``.npy``
of float32 embeddings in ``metadata.csv`` row order, so the file does not depend on where it was
computed (up to float rounding of the thread pools).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..atomic import atomic_path
from ..cluster import map_shards
from ..dataset.images import load_resized
from .cache import WEIGHTS_FILE, EncoderSettings, ensure_encoder
from .cache import _load as load_cached


def shard_rows(n_rows: int, shard_size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` row ranges of at most ``shard_size`` rows covering ``0..n_rows``."""
    if shard_size < 1:
        raise ValueError(f"shard_size must be at least 1, got {shard_size}")
    return [(s, min(s + shard_size, n_rows)) for s in range(0, n_rows, shard_size)]


def embed_shard(paths: list[str], weights: str, settings: EncoderSettings, threads: int = 1) -> np.ndarray:
    """Embeddings ``(len(paths), dim)`` of the images at ``paths`` (decoded and resized as the image cache does).

    Runs on a worker: it loads the weights ``ensure_encoder`` cached at ``weights`` and never pretrains.
    """
    torch.set_num_threads(threads)
    images = np.stack([load_resized(Path(p), settings.width, settings.height) for p in paths])
    return _worker_encoder(weights, settings).embed(images)


#: Encoders a worker process has loaded, by weights file and stamp: one load per worker, not per shard.
_LOADED: dict[tuple[str, str], object] = {}


def _worker_encoder(weights: str, settings: EncoderSettings):
    key = (weights, settings.stamp())
    if key not in _LOADED:
        encoder = load_cached(Path(weights), settings)
        if encoder is None:
            raise FileNotFoundError(f"{weights}: no cached encoder with these settings on this worker; a worker needs "
                                    "the artifacts folder the client pretrained into (a shared disk)")
        _LOADED[key] = encoder
    return _LOADED[key]


def embed_folder(folder: str | Path, out: str | Path, settings: EncoderSettings | None = None, shard_size: int = 1024,
                 workers: int = 0, scheduler: str | None = None, show_progress: bool = True) -> Path:
    """Embed every thumbnail of a dataset folder into ``out`` (``.npy``), locally or on a Dask cluster.

    Parameters
    ----------
    folder : path
        A dataset in the ``metadata.csv`` + ``images/`` layout.
    out : path
        The ``.npy`` file to write (atomically), one float32 row per ``metadata.csv`` row.
    settings : EncoderSettings, optional
        Which pretrained encoder (pretrained here first if it is not cached; default: the book's).
    shard_size : int
        Rows per task.
    workers : int
        > 0: start a local cluster of this many worker processes (one thread each) on loopback.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); overrides ``workers``.
    """
    folder, out = Path(folder), Path(out)
    settings = settings or EncoderSettings()
    ensure_encoder(settings, show_progress)   # pretrain once here, never on a worker
    weights = str(settings.folder() / WEIGHTS_FILE)
    files = pd.read_csv(folder / "metadata.csv", usecols=["file_name"], dtype=str)["file_name"]
    paths = [str(folder / f) for f in files]
    shards = [paths[a:b] for a, b in shard_rows(len(paths), shard_size)]
    start = time.perf_counter()
    parts, started = map_shards(embed_shard, shards, workers=workers, scheduler=scheduler, warm=_import_on_worker,
                                desc="embedding shards", show_progress=show_progress, weights=weights,
                                settings=settings)
    done = time.perf_counter()
    embeddings = np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, embeddings.astype(np.float32))
    out.with_suffix(".json").write_text(json.dumps({
        "folder": str(folder), "rows": len(paths), "encoder": weights, "shards": len(shards), "shard_size": shard_size,
        "cluster": scheduler or (f"local, {workers} workers" if workers else None),
        "start_seconds": started - start, "map_seconds": done - started}, indent=1))
    return out


def _import_on_worker() -> None:
    """Import what ``embed_shard`` needs, so the first shard a worker runs does not pay for it."""
    import thumbnail_lab.encoder.shards  # noqa: F401
