"""``ensure_encoder``: pretrain once per machine, cache under ``artifacts/encoder/``, resume after a kill.

The cache folder is ``artifacts_root()/encoder/<stamp>/`` where the stamp hashes the corpus
(size, seed, resolution, generator version), the pretraining settings and the code version, so
a changed setting trains a new encoder beside the old one and an unchanged one loads in a
fraction of a second. While training, a checkpoint is written every few steps; a killed run
started again resumes from it to the same weights. A file lock keeps two processes (a chapter
and a test, say) from pretraining the same encoder at once.

The baselines the probes compare against (the same network with random weights, the same
network trained on the corpus's element labels, the pixel autoencoder) are cached the same
way by ``ensure_baselines``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

from ..atomic import atomic_path, write_json
from ..paths import artifacts_root
from ..threads import torch_threads
from ..thumbworld import GENERATOR_VERSION
from .augment import Augmentations
from .corpus import Corpus, corpus_name, ensure_corpus
from .model import PretrainedEncoder, ThumbEncoder
from .pretrain import PretrainConfig, pretrain

#: Bump when the encoder's code changes what a cached encoder would be.
ENCODER_VERSION = 1
WEIGHTS_FILE = "encoder.pt"


@dataclass(frozen=True)
class EncoderSettings:
    """Everything that decides which encoder ``ensure_encoder`` returns.

    Attributes
    ----------
    corpus_size, corpus_seed : int
        ThumbWorld thumbnails drawn for pretraining, and their seed (offset into the corpus range).
    width, height : int
        Thumbnail size the encoder sees.
    pretrain : PretrainConfig
        Steps, batch, objective weights, augmentations, network width, seed.
    threads : int
        torch CPU threads while pretraining (part of the stamp: it may change the last bits).
    workers : int
        Processes drawing the corpus (not part of the stamp: the pixels do not depend on it).
    """

    corpus_size: int = 20_000
    corpus_seed: int = 0
    width: int = 64
    height: int = 36
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    threads: int = 1
    workers: int = 2

    def stamp_material(self) -> dict:
        d = dataclasses.asdict(self)
        d.pop("workers")
        return {"settings": d, "generator": GENERATOR_VERSION, "encoder_version": ENCODER_VERSION}

    def stamp(self) -> str:
        """A short hash of the corpus, seed and settings (the cache folder's name)."""
        material = json.dumps(self.stamp_material(), sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()[:12]

    def corpus_folder(self) -> Path:
        return encoder_root() / corpus_name(self.corpus_size, self.corpus_seed, (self.width, self.height))

    def folder(self) -> Path:
        return encoder_root() / f"encoder-{self.stamp()}"


def settings_from(corpus_size: int = 20_000, corpus_seed: int = 0, steps: int = 600, batch_size: int = 128,
                  width: int = 32, title_weight: float = 0.0, contrastive_weight: float = 1.0, seed: int = 0,
                  threads: int = 1, augment: dict | None = None, **pretrain_kw: Any) -> EncoderSettings:
    """``EncoderSettings`` from flat chapter parameters (augmentations as a dict of ``Augmentations`` fields)."""
    config = PretrainConfig(steps=steps, batch_size=batch_size, width=width, title_weight=title_weight,
                            contrastive_weight=contrastive_weight, seed=seed,
                            augment=Augmentations(**(augment or {})), **pretrain_kw)
    return EncoderSettings(corpus_size=corpus_size, corpus_seed=corpus_seed, pretrain=config, threads=threads)


#: What chapter 01a's ablation chose: title alignment alone, crops and mild colour jitter (no hue, no greyscale).
BOOK_OBJECTIVE = {"title_weight": 1.0, "contrastive_weight": 0.0,
                  "augment": {"crop_min": 0.35, "brightness": 0.3, "contrast": 0.3, "saturation": 0.3, "hue": 0.0,
                              "grey": 0.0}}


#: Threads the book's encoder pretrains on: two steps take about half the time of one on an idle 2-core CPU
#: (0.26 s against 0.52 s per step of 128 thumbnails, float32; ``bench_encoder`` measures the ratio).
BOOK_THREADS = 2


def book_settings(corpus_size: int = 20_000, steps: int = 700, batch_size: int = 128, width: int = 32, seed: int = 0,
                  threads: int = BOOK_THREADS) -> EncoderSettings:
    """The book's encoder at a given size: chapter 01a's objective and augmentations (its defaults are 01a's).

    Chapters 03-06 pass their ``encoder_*`` parameters here, so in every profile they load the
    encoder chapter 01a pretrained and measured (a test checks the stamps agree profile by profile).
    """
    return settings_from(corpus_size=corpus_size, steps=steps, batch_size=batch_size, width=width, seed=seed,
                         threads=threads, **BOOK_OBJECTIVE)


def chapter_sizes(params: dict) -> dict:
    """``book_settings`` keywords from a chapter's ``encoder_*`` parameters and its ``seed``."""
    return {"corpus_size": params["encoder_corpus_size"], "steps": params["encoder_steps"],
            "batch_size": params["encoder_batch_size"], "width": params["encoder_width"], "seed": params.get("seed", 0)}


def book_encoder(corpus_size: int = 20_000, steps: int = 700, batch_size: int = 128, width: int = 32, seed: int = 0,
                 threads: int = BOOK_THREADS, show_progress: bool = True) -> PretrainedEncoder:
    """``ensure_encoder(book_settings(...))``: chapter 01a's encoder, pretrained here if no chapter has yet."""
    return ensure_encoder(book_settings(corpus_size, steps, batch_size, width, seed, threads), show_progress)


def encoder_root() -> Path:
    """Where every encoder and corpus of this machine is cached."""
    return artifacts_root() / "encoder"


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    folder = encoder_root() / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def load_corpus(settings: EncoderSettings, show_progress: bool = True) -> tuple[Corpus, float]:
    """The settings' corpus (drawn once and cached) and the seconds drawing it took."""
    folder = settings.corpus_folder()
    with _lock(folder.name):
        return ensure_corpus(folder, settings.corpus_size, settings.corpus_seed, (settings.width, settings.height),
                             workers=settings.workers, show_progress=show_progress)


def corpus_title_embeddings(corpus: Corpus, folder: Path) -> np.ndarray:
    """all-MiniLM-L6-v2 embeddings of the corpus titles, cached beside the corpus.

    Titles repeat (series, templates), so each distinct title is encoded once.
    """
    from ..popularity.text_models import embed_titles

    unique, inverse = np.unique(np.asarray(corpus.titles, dtype=object), return_inverse=True)
    return embed_titles(list(unique), cache_dir=folder)[inverse]


def _load(path: Path, settings: EncoderSettings) -> PretrainedEncoder | None:
    if not path.is_file():
        return None
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("stamp_material") != json.loads(json.dumps(settings.stamp_material(), sort_keys=True)):
        return None
    model = ThumbEncoder(settings.pretrain.width)
    model.load_state_dict(state["weights"])
    info = dict(state["info"], folder=str(path.parent), loaded_from_cache=True)
    return PretrainedEncoder(model.eval(), (settings.width, settings.height), state["stamp_material"]["settings"], info)


def _save(path: Path, model: torch.nn.Module, settings: EncoderSettings, info: dict) -> None:
    state = {"stamp_material": json.loads(json.dumps(settings.stamp_material(), sort_keys=True)),
             "weights": model.state_dict(), "info": info}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def ensure_encoder(settings: EncoderSettings | None = None, show_progress: bool = True) -> PretrainedEncoder:
    """The pretrained thumbnail encoder for ``settings``: loaded from the cache, else pretrained and cached.

    Parameters
    ----------
    settings : EncoderSettings, optional
        Corpus, pretraining and thread settings (the defaults are the book's ``default`` profile).
    show_progress : bool
        Progress bars while drawing and training.

    Returns
    -------
    PretrainedEncoder
        ``.embed(images_uint8_NHWC)`` gives ``(N, embed_dim)`` float32 embeddings; ``.info`` holds
        the cost (``corpus_seconds``, ``pretrain_seconds``, ``images_per_s``) and the cache folder.
    """
    settings = settings or EncoderSettings()
    folder = settings.folder()
    path = folder / WEIGHTS_FILE
    cached = _load(path, settings)
    if cached is not None:
        return cached
    with _lock(folder.name):
        cached = _load(path, settings)
        if cached is not None:
            return cached
        corpus, corpus_seconds = load_corpus(settings, show_progress)
        text, text_seconds = None, 0.0
        if settings.pretrain.title_weight > 0:
            start = time.perf_counter()
            text = corpus_title_embeddings(corpus, settings.corpus_folder())
            text_seconds = time.perf_counter() - start
        with torch_threads(settings.threads):
            result = pretrain(corpus.images, settings.pretrain, title_embeddings=text,
                              checkpoint_path=folder / "checkpoint.pt", show_progress=show_progress)
        info = {"corpus_seconds": corpus_seconds, "title_seconds": text_seconds,
                "pretrain_seconds": result.seconds, "images_per_s": result.images_per_s,
                "steps_run": result.steps_run, "history": result.history, "corpus_size": len(corpus),
                "stamp": settings.stamp(), "threads": settings.threads}
        _save(path, result.model, settings, info)
        (folder / "checkpoint.pt").unlink(missing_ok=True)
        write_json(folder / "settings.json", {**settings.stamp_material(), "info": info})
    return PretrainedEncoder(result.model, (settings.width, settings.height),
                             dataclasses.asdict(settings), dict(info, folder=str(folder), loaded_from_cache=False))
