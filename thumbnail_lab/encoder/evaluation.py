"""The encoder page's measurements: probes on the analysed data, transfer, neighbours, resolution.

Each function takes embedders (anything with ``.embed(images)``) and returns a table, so the
chapter reads as one call per question.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..threads import torch_threads
from .cache import EncoderSettings
from .corpus import draw_specs, world_seed
from .pretrain import PretrainConfig
from .probes import linear_probes, probe_table
from .supervised import train_supervised

#: The palette and scene elements whose probes measure what colour augmentations cost.
PALETTE_SCENE = ("warm_palette", "indoor", "landscape", "sport_field")


def dataset_labels(metadata: pd.DataFrame, elements: Sequence[str]) -> np.ndarray:
    """0/1 ``(N, len(elements))`` from a dataset's ``true_<element>`` columns."""
    return metadata[[f"true_{e}" for e in elements]].to_numpy(dtype=np.int8)


def embed_all(embedders: Mapping[str, Any], images: np.ndarray, threads: int | None = None) -> dict[str, np.ndarray]:
    """``{name: embeddings}`` of ``images`` for every embedder."""
    with torch_threads(threads):
        return {name: e.embed(images) for name, e in embedders.items()}


def probe_summary(table: pd.DataFrame, encoders: Sequence[str], ceiling: str = "supervised_ceiling") -> pd.DataFrame:
    """Mean AUC per encoder, its gap to the ceiling, and how many elements it reads with AUC >= 0.85 / 0.9."""
    rows = []
    for name in encoders:
        rows.append({"encoder": name, "mean_auc": table[name].mean(), "gap_to_ceiling": table[ceiling].mean() -
                     table[name].mean(), "elements_auc_ge_0.9": int((table[name] >= 0.9).sum()),
                     "elements_auc_ge_0.85": int((table[name] >= 0.85).sum())})
    return pd.DataFrame(rows).set_index("encoder")


def ceiling_check(table: pd.DataFrame, encoder: str = "pretrained", ceiling: str = "supervised_ceiling",
                  ceiling_min: float = 0.9, encoder_min: float = 0.85) -> pd.DataFrame:
    """Elements the ceiling reads with AUC >= ``ceiling_min``, and whether ``encoder`` reaches ``encoder_min``."""
    seen = table[table[ceiling] >= ceiling_min][[ceiling, encoder]].copy()
    seen["met"] = seen[encoder] >= encoder_min
    return seen


@dataclass
class ResolutionStudy:
    """Ceiling AUC per element and resolution, and the first resolution at which each element is visible."""

    auc: pd.DataFrame            # rows: element, columns: "WxH"
    visible_at: pd.Series        # element -> first "WxH" with AUC >= threshold, or "not within WxH"
    seconds: float


def resolution_study(settings: EncoderSettings, elements: Sequence[str], sizes: Sequence[tuple[int, int]],
                     n: int = 2400, steps: int = 150, batch_size: int = 32, threshold: float = 0.9,
                     show_progress: bool = False) -> ResolutionStudy:
    """Train the supervised ceiling at each resolution on a fresh corpus draw; probe AUC per element.

    The thumbnails come from another reserved corpus seed (``corpus_seed + 1000``), drawn once at
    every size from the same 320x180 renders, so only the resolution changes. The ceiling's
    network is the encoder's (its pooling makes it size-agnostic), with the encoder's settings
    except ``steps`` and ``batch_size``.
    """
    from ..thumbworld.platform import ELEMENTS, plan_platform

    start = time.perf_counter()
    plan = plan_platform(int(n), "default", world_seed(settings.corpus_seed + 1000))
    arrays = draw_specs(plan.specs, sizes, workers=settings.workers, show_progress=show_progress)
    labels = np.array([[row[f"true_{e}"] for e in ELEMENTS] for row in plan.rows], dtype=np.int8)
    cols = [ELEMENTS.index(e) for e in elements]
    cut = int(0.67 * n)
    train, test = np.arange(cut), np.arange(cut, n)
    config = PretrainConfig(**{**settings.pretrain.as_dict(), "augment": settings.pretrain.augment,
                               "steps": steps, "batch_size": batch_size, "warmup": max(1, steps // 10)})
    auc = {}
    for (w, h), images in zip(sizes, arrays):
        with torch_threads(settings.threads):
            model = train_supervised(images[train], labels[train], config, show_progress=show_progress).model
            from .model import PretrainedEncoder

            emb = PretrainedEncoder(model, (w, h)).embed(images)
        auc[f"{w}x{h}"] = linear_probes(emb, labels[:, cols], elements, train, test)
    table = pd.DataFrame(auc)
    table.index.name = "element"
    visible = {}
    for e in elements:
        ok = [c for c in table.columns if table.loc[e, c] >= threshold]
        visible[e] = ok[0] if ok else f"not within {table.columns[-1]}"
    return ResolutionStudy(table, pd.Series(visible, name="visible_at"), time.perf_counter() - start)


def nearest_neighbours(embeddings: np.ndarray, queries: np.ndarray, k: int = 5) -> np.ndarray:
    """Indices ``(len(queries), k)`` of each query's ``k`` nearest rows by cosine similarity (itself excluded)."""
    X = np.asarray(embeddings, np.float64)
    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-6)
    X /= np.linalg.norm(X, axis=1, keepdims=True) + 1e-12
    sim = X[queries] @ X.T
    sim[np.arange(len(queries)), queries] = -np.inf
    return np.argsort(-sim, axis=1)[:, :k]


def neighbour_agreement(labels: np.ndarray, queries: np.ndarray, neighbours: np.ndarray) -> float:
    """Share of (query, neighbour, element) triples where the neighbour shares the query's element flag."""
    return float((labels[neighbours] == labels[queries][:, None, :]).mean())


def ensure_posterworld(n_videos: int, seed: int, show_progress: bool = False):
    """PosterWorld as a prepared dataset (generated under ``data_root()`` once, then loaded)."""
    from ..dataset import ensure_dataset
    from ..paths import data_root
    from ..posterworld import generate_posterworld, posterworld_name

    folder = data_root() / posterworld_name(n_videos, seed)
    if not (folder / "metadata.csv").is_file():
        generate_posterworld(folder, n_videos=n_videos, seed=seed, workers=2)
    return ensure_dataset(source=Path(folder), seed=seed, show_progress=show_progress)


def transfer_probes(embedders: Mapping[str, Any], ds, elements: Sequence[str], threads: int | None = None,
                    width: int = 64, height: int = 36) -> pd.DataFrame:
    """Probe table on another renderer's dataset (its random split's train vs test rows)."""
    images = ds.images(width, height)
    labels = dataset_labels(ds.metadata, elements)
    split = ds.split("random")
    train = np.concatenate([split["train"], split["val"]])
    return probe_table(embed_all(embedders, images, threads), labels, elements, train, split["test"])


@dataclass(frozen=True)
class Variant:
    """One short pretraining of the ablation: objective weights and augmentations."""

    contrastive_weight: float
    title_weight: float
    augment: Any

    @property
    def views(self) -> int:
        return 2 if self.contrastive_weight > 0 else 1


def augmentation_ablation(corpus_images: np.ndarray, title_embeddings: np.ndarray | None, probe_images: np.ndarray,
                          probe_labels: np.ndarray, elements: Sequence[str], train: np.ndarray, test: np.ndarray,
                          variants: Mapping[str, Variant], base: PretrainConfig, images_budget: int,
                          threads: int | None = None, show_progress: bool = False) -> pd.DataFrame:
    """Probe AUCs (columns: variants) after a short pretraining with each objective and augmentation set.

    Every variant passes the same number of augmented images (``images_budget``) through the
    network, so an objective with two views per thumbnail gets half the steps: equal compute.
    """
    from .model import PretrainedEncoder
    from .pretrain import pretrain

    columns = {}
    for name, v in variants.items():
        steps = max(1, images_budget // (base.batch_size * v.views))
        config = PretrainConfig(**{**base.as_dict(), "augment": v.augment, "steps": steps,
                                   "warmup": max(1, steps // 10), "contrastive_weight": v.contrastive_weight,
                                   "title_weight": v.title_weight})
        with torch_threads(threads):
            model = pretrain(corpus_images, config, title_embeddings if v.title_weight > 0 else None,
                             show_progress=show_progress).model
            emb = PretrainedEncoder(model).embed(probe_images)
        columns[name] = linear_probes(emb, probe_labels, elements, train, test)
    table = pd.DataFrame(columns)
    table.index.name = "element"
    return table


def has_element_labels(ds) -> bool:
    """Whether ``ds`` has truth columns a probe can be fitted to (ThumbWorld, PosterWorld; not real data)."""
    try:
        dataset_elements(ds)
    except ValueError:
        return False
    return True


def dataset_elements(ds) -> list[str]:
    """Element names with truth columns: ThumbWorld's, else those the dataset's ``truth.json`` lists."""
    names = list(ds.elements) or [e for e in (ds.truth or {}).get("elements", [])
                                  if f"true_{e}" in ds.metadata.columns]
    if not names:
        raise ValueError(f"{ds.name} has no element truth columns (real data): the probes need labelled "
                         "thumbnails; use a ThumbWorld or PosterWorld dataset as the probe set")
    return names


def cached_ablation(settings: EncoderSettings, n: int, images_budget: int, variants: Mapping[str, Variant],
                    probe_images: np.ndarray, probe_labels: np.ndarray, elements: Sequence[str],
                    train: np.ndarray, test: np.ndarray, batch_size: int = 64) -> pd.DataFrame:
    """``augmentation_ablation`` on the first ``n`` corpus thumbnails, cached under ``artifacts/encoder/``."""
    import dataclasses
    import hashlib
    import json

    from ..atomic import write_text
    from ..checkpoint import data_digest
    from .cache import corpus_title_embeddings, encoder_root, load_corpus

    key = json.dumps({"encoder": settings.stamp_material(), "n": n, "images": images_budget, "batch": batch_size,
                      "variants": {k: dataclasses.asdict(v) for k, v in variants.items()},
                      "probe": data_digest(np.asarray(probe_labels)), "probe_images": data_digest(probe_images),
                      "elements": list(elements), "train": data_digest(np.asarray(train))}, sort_keys=True)
    path = encoder_root() / f"ablation-{hashlib.sha256(key.encode()).hexdigest()[:12]}.csv"
    if path.is_file():
        return pd.read_csv(path, index_col="element")
    corpus, _ = load_corpus(settings, show_progress=False)
    text = None
    if any(v.title_weight > 0 for v in variants.values()):
        text = corpus_title_embeddings(corpus, settings.corpus_folder())[:n]
    base = PretrainConfig(**{**settings.pretrain.as_dict(), "augment": settings.pretrain.augment,
                             "batch_size": batch_size})
    table = augmentation_ablation(corpus.images[:n], text, probe_images, probe_labels, elements, train, test,
                                  variants, base, images_budget, threads=settings.threads)
    write_text(path, table.to_csv())
    return table
