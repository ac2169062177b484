"""Chapter 05's feature study at the published scale, one stage at a time and resumable (``make scale``).

``python -m thumbnail_lab scale [--sizes 1024 4096 ... 524288] [--out artifacts/scale]``

For each size ``n`` the stages are:

``plan``
    a ThumbWorld platform of ``n`` videos (``default`` world): channels, titles, thumbnail
    specifications, views and the planted truth;
``draw``
    its thumbnails at 64x36, rendered in memory (no JPEG round trip) in blocks of ``BLOCK``;
``embed``
    every block through the book's pretrained encoder (chapter 01a's, from its cache);
``activations``
    the embeddings through the SAE, kept sparse;
``analyse``
    the published procedure (``features.pipeline.analyse``): groups of 400 at 524,288
    thumbnails (scaled with ``n``), 1,000,000 simulated medians, permutation p-values with BH and
    channel-resampled intervals; the high and low features' dominant planted elements.

Two stages do not grow with ``n`` and run once: ``encoder`` (load, or pretrain, the book's
encoder) and ``sae`` (train the SAE on the encoder corpus's embeddings, as chapter 05 does by
default, the published set-up). Each stage writes its output, then its record (seconds, peak
resident memory of this process and its workers, sampled every 0.2 s) to ``stages.json``; a
killed run started again skips every finished stage and, inside ``draw`` and ``embed``, every
finished block (such a stage's record says ``resumed``). ``scale.json`` collects the records in
the shape the performance appendix reads.

The three block stages (``draw``, ``embed``, ``activations``) are maps over blocks of thumbnails and
run through ``thumbnail_lab.cluster.map_shards``: on a local Dask cluster of ``workers`` processes
(two by default), on a running scheduler, or (``workers=0``) in this process, with the same files.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..atomic import atomic_path, write_json
from ..machine import describe
from ..paths import artifacts_root

PUBLISHED_N = 524_288
SIZES = (1024, 4096, 16384, 65536, PUBLISHED_N)
BLOCK = 16_384
IMAGE_SIZE = (64, 36)


@dataclass(frozen=True)
class ScaleSettings:
    """What the scale run does; every field is a command-line option of ``python -m thumbnail_lab scale``."""

    sizes: tuple[int, ...] = SIZES
    seed: int = 0
    workers: int = 2                   # a local Dask cluster of this many processes for the block stages; 0: here
    scheduler: str | None = None       # or a running Dask scheduler's address (its workers share this disk)
    encoder: dict = field(default_factory=lambda: {"corpus_size": 20_000, "steps": 700, "batch_size": 128,
                                                   "width": 32})
    sae_expansion: int = 1
    sae_k: int = 8
    sae_epochs: int = 20
    n_sim: int = 1_000_000
    n_perm: int = 20_000
    n_boot: int = 1000
    alpha: float = 0.05

    def group_size(self, n: int) -> int:
        """The published 400 thumbnails per group at 524,288, in proportion below it (at least 10)."""
        return max(10, int(round(400 * n / PUBLISHED_N)))


class PeakMemory:
    """Peak resident memory (MB) of this process and its child processes, sampled every ``every`` seconds."""

    def __init__(self, every: float = 0.2) -> None:
        self.every, self.peak_mb = every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss_mb(self) -> float:
        import psutil

        me = psutil.Process()
        total = me.memory_info().rss
        for child in me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # a worker that has just exited
                pass
        return total / 2**20

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._rss_mb())
            self._stop.wait(self.every)

    def __enter__(self) -> "PeakMemory":
        self.peak_mb = self._rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self._rss_mb())


class Stages:
    """The records of one folder's stages (``stages.json``), written after each stage finishes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "stages.json"
        self.records: dict = json.loads(self.path.read_text(encoding="utf-8")) if self.path.is_file() else {}

    def done(self, stage: str) -> bool:
        return stage in self.records

    def run(self, stage: str, n: int, work: Callable[[], dict | None], resumed: bool = False) -> None:
        """Run ``work`` (which writes its own outputs) under a clock and a memory sampler, then record it."""
        with PeakMemory() as memory:
            start = time.perf_counter()
            extra = work() or {}
        self.records[stage] = {"stage": stage, "n_thumbnails": int(n), "seconds": round(time.perf_counter() - start, 2),
                               "peak_mb": round(memory.peak_mb, 1), "resumed": bool(resumed), **extra}
        write_json(self.path, self.records)


def _save_npy(path: Path, array: np.ndarray) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, array)


def _blocks(n: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]


class ScaleRun:
    """One size's folder and stages; each ``stage_*`` method skips itself when its output is there."""

    def __init__(self, folder: Path, n: int, settings: ScaleSettings, show_progress: bool = True) -> None:
        self.folder, self.n, self.settings, self.show = folder, int(n), settings, show_progress
        folder.mkdir(parents=True, exist_ok=True)
        self.stages = Stages(folder)
        self._plan = None

    def plan(self):
        """The platform plan (recomputed from the seed when a resumed run needs it again)."""
        from ..thumbworld.platform import plan_platform

        if self._plan is None:
            self._plan = plan_platform(self.n, "default", self.settings.seed)
        return self._plan

    def stage_plan(self) -> None:
        from ..thumbworld import ELEMENTS
        from ..thumbworld.views import simulate_views

        def work() -> dict:
            table, _ = simulate_views(self.plan(), "default", self.settings.seed)
            truth = table[[f"true_{e}" for e in ELEMENTS]].to_numpy(dtype=np.int8)
            channels = pd.factorize(table["channel_id"])[0]
            np.savez(self.folder / "videos.npz", views=table["views"].to_numpy(float), channels=channels,
                     truth=truth, elements=np.array(ELEMENTS))
            return {"n_channels": int(channels.max() + 1)}

        if not self.stages.done("plan"):
            self.stages.run("plan", self.n, work)

    def _block_path(self, kind: str, k: int) -> Path:
        return self.folder / f"{kind}-{k:04d}.npy"

    def _map(self, fn, jobs: list, desc: str, **kwargs) -> list:
        from ..cluster import map_shards

        return map_shards(fn, jobs, workers=self.settings.workers, scheduler=self.settings.scheduler,
                          warm=_import_on_worker, desc=f"{desc} {self.n:,} thumbnails", show_progress=self.show,
                          **kwargs)[0]

    def _todo(self, kind: str) -> list[int]:
        return [k for k in range(len(_blocks(self.n))) if not self._block_path(kind, k).is_file()]

    def stage_draw(self) -> None:
        todo = self._todo("images")

        def work() -> None:
            jobs = [(self.plan().specs[slice(*_blocks(self.n)[k])], str(self._block_path("images", k))) for k in todo]
            self._map(draw_block, jobs, "drawing")

        if not self.stages.done("draw"):
            self.stages.run("draw", self.n, work, resumed=len(todo) < len(_blocks(self.n)))

    def stage_embed(self, encoder_settings) -> None:
        from ..encoder.cache import WEIGHTS_FILE

        todo = self._todo("embeddings")
        weights = str(encoder_settings.folder() / WEIGHTS_FILE)

        def work() -> None:
            jobs = [(str(self._block_path("images", k)), str(self._block_path("embeddings", k))) for k in todo]
            self._map(embed_block, jobs, "embedding", weights=weights, settings=encoder_settings,
                      threads=1 if self.settings.workers or self.settings.scheduler else 0)

        if not self.stages.done("embed"):
            self.stages.run("embed", self.n, work, resumed=len(todo) < len(_blocks(self.n)))

    def stage_activations(self, sae_path: Path) -> None:
        def work() -> dict:
            jobs = [str(self._block_path("embeddings", k)) for k in range(len(_blocks(self.n)))]
            acts = sp.vstack(self._map(encode_block, jobs, "encoding", sae_path=str(sae_path)), format="csr")
            sp.save_npz(self.folder / "activations.npz", acts)
            return {"n_latents": int(acts.shape[1]), "nonzeros": int(acts.nnz)}

        if not self.stages.done("activations"):
            self.stages.run("activations", self.n, work)

    def stage_analyse(self) -> None:
        if not self.stages.done("analyse"):
            self.stages.run("analyse", self.n, lambda: analyse_at_scale(self.folder, self.n, self.settings))


def draw_block(job: tuple[list, str]) -> str:
    """Render one block's thumbnail specifications at 64x36 into a ``.npy`` (on a worker or here)."""
    from ..encoder.corpus import draw_specs

    specs, path = job
    _save_npy(Path(path), draw_specs(specs, [IMAGE_SIZE], workers=1, show_progress=False)[0])
    return path


def embed_block(job: tuple[str, str], weights: str, settings, threads: int = 0) -> str:
    """Embed one block of thumbnails with the cached encoder at ``weights`` (``threads`` 0: leave torch's setting)."""
    from ..encoder.shards import _worker_encoder
    from ..threads import torch_threads

    images_path, out_path = job
    with torch_threads(threads):
        _save_npy(Path(out_path), _worker_encoder(weights, settings).embed(np.load(images_path)))
    return out_path


#: SAEs a process has loaded, by file: one load per worker, not per block.
_SAES: dict[str, dict] = {}


def encode_block(embeddings_path: str, sae_path: str) -> sp.csr_matrix:
    """One block's embeddings, standardised and through the SAE: its sparse activations."""
    import torch

    from .sae import encode_sparse

    if sae_path not in _SAES:
        _SAES[sae_path] = torch.load(sae_path, weights_only=False)
    state = _SAES[sae_path]
    return encode_sparse(state["sae"], state["standardise"](np.load(embeddings_path)))


def _import_on_worker() -> None:
    """Import what the block functions need, so a worker's first block does not pay for it."""
    import thumbnail_lab.encoder.shards  # noqa: F401
    import thumbnail_lab.features.sae  # noqa: F401


def analyse_at_scale(folder: Path, n: int, settings: ScaleSettings) -> dict:
    """Chapter 05's published procedure on the stored activations; writes ``features.csv`` and ``summary.json``."""
    from ..thumbworld.views import effects_for
    from .monosemantic import dominant_elements, recovery_summary
    from .pipeline import GroupParams, analyse

    videos = np.load(folder / "videos.npz")
    acts = sp.load_npz(folder / "activations.npz")
    g = settings.group_size(n)
    params = GroupParams(threshold=0.05, min_count=g, group_size=g, top_k=100)
    res = analyse(acts, videos["views"], params, np.random.default_rng(settings.seed), n_sim=settings.n_sim,
                  n_perm=settings.n_perm, n_boot=settings.n_boot, alpha=settings.alpha, clusters=videos["channels"])
    truth = pd.DataFrame(videos["truth"], columns=list(videos["elements"])).astype(float)
    table = pd.concat([res.table.reset_index(drop=True), dominant_elements(res.groups.members, truth)], axis=1)
    table.to_csv(folder / "features.csv", index=False)
    by_feature = table.set_index("feature")["dominant_element"]
    found = recovery_summary(by_feature.loc[res.high["feature"]], by_feature.loc[res.low["feature"]],
                             effects_for("default")[0])
    summary = {**res.summary(), "recovery": found, "params": params.as_dict(), "n_sim": settings.n_sim}
    write_json(folder / "summary.json", summary)
    return {"group_size": g, "n_features": summary["n_features"], "n_significant_bh": summary["n_significant_bh"]}


def _fixed_stages(out: Path, settings: ScaleSettings, show_progress: bool):
    """The encoder (loaded or pretrained) and the SAE trained on its corpus's embeddings, recorded once.

    Returns the encoder's settings (workers load its cached weights) and the SAE's file.
    """
    import torch

    from ..encoder import book_settings, ensure_encoder
    from ..encoder.cache import load_corpus
    from .sae import SAEConfig, Standardiser, train_sae

    stages, sae_path = Stages(out), out / "sae.pt"
    encoder_settings = book_settings(**settings.encoder, seed=settings.seed)

    def encoder_work() -> dict:
        info = ensure_encoder(encoder_settings, show_progress).info
        return {"loaded_from_cache": bool(info.get("loaded_from_cache")),
                **{key: round(float(info[key]), 2) for key in ("corpus_seconds", "pretrain_seconds") if key in info}}

    def sae_work() -> None:
        emb = ensure_encoder(encoder_settings, show_progress).embed(load_corpus(encoder_settings, show_progress)[0].images)
        standardise = Standardiser.fit(emb)
        config = SAEConfig(expansion=settings.sae_expansion, k=settings.sae_k, epochs=settings.sae_epochs,
                           seed=settings.seed)
        sae, _ = train_sae(standardise(emb), config, show_progress=show_progress, checkpoint_path=out / "sae-ckpt.pt")
        with atomic_path(sae_path) as tmp:
            torch.save({"sae": sae, "standardise": standardise}, tmp)

    if stages.done("encoder"):
        ensure_encoder(encoder_settings, show_progress)   # its cache may have been cleared since
    else:
        stages.run("encoder", encoder_settings.corpus_size, encoder_work)
    if not (stages.done("sae") and sae_path.is_file()):
        stages.run("sae", encoder_settings.corpus_size, sae_work)
    return encoder_settings, sae_path


def run_scale(settings: ScaleSettings = ScaleSettings(), out: Path | None = None,  # noqa: B008 (frozen)
              show_progress: bool = True) -> Path:
    """Run every stage at every size (skipping finished ones); returns the path of ``scale.json``."""
    from ..encoder.corpus import check_not_corpus_seed

    check_not_corpus_seed(settings.seed)
    out = Path(out) if out else artifacts_root() / "scale"
    out.mkdir(parents=True, exist_ok=True)
    encoder_settings, sae_path = _fixed_stages(out, settings, show_progress)
    for n in sorted(settings.sizes):
        run = ScaleRun(out / f"n{n}-s{settings.seed}", n, settings, show_progress)
        run.stage_plan()
        run.stage_draw()
        run.stage_embed(encoder_settings)
        run.stage_activations(sae_path)
        run.stage_analyse()
        if show_progress:
            print(f"[scale] {n:,} thumbnails: " + ", ".join(f"{r['stage']} {r['seconds']:.0f} s"
                                                           for r in run.stages.records.values()), flush=True)
    return write_summary(out, settings)


def write_summary(out: Path, settings: ScaleSettings) -> Path:
    """``scale.json``: every record, in the benchmark-results shape the performance appendix reads."""
    rows = list(Stages(out).records.values())
    summaries = {}
    for n in sorted(settings.sizes):
        folder = out / f"n{n}-s{settings.seed}"
        rows += list(Stages(folder).records.values())
        if (folder / "summary.json").is_file():
            summaries[str(n)] = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    path = out / "scale.json"
    write_json(path, {"name": "scale", "machine": describe(), "settings": asdict(settings), "rows": rows,
                      "summaries": summaries})
    return path
