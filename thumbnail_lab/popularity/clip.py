"""Optional: CLIP image embeddings (open_clip) for a ridge head, from a local checkpoint or, online, a download.

A reader who has a CLIP checkpoint on disk passes its path and the matching open_clip
architecture name; a reader who is online may instead name open_clip weights (``pretrained``),
which open_clip then downloads. Without either the chapter skips this model and says so, and
never opens a socket. Both code paths are tested offline with a tiny, randomly initialised
architecture (the download by standing in for open_clip's factory).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def available() -> tuple[bool, str]:
    """(True, version) when open_clip imports, else (False, why)."""
    try:
        import open_clip
    except ImportError as err:
        return False, f"open_clip is not installed ({err}); `pip install open-clip-torch` to enable CLIP"
    return True, open_clip.__version__


def load(model_name: str, checkpoint: str | Path = "", pretrained: str = ""):
    """Build ``model_name`` with weights from the local file ``checkpoint``, or, online only, ``pretrained``.

    ``pretrained`` is an open_clip weight tag (e.g. ``"laion2b_s34b_b79k"``, see
    ``open_clip.list_pretrained()``): open_clip downloads those weights from the network, so it is an
    explicit choice for readers who are online, never a default. With neither, nothing is loaded.
    """
    ok, why = available()
    if not ok:
        raise ImportError(why)
    import open_clip

    if pretrained:
        if checkpoint:
            raise ValueError("give clip_checkpoint (a local file) or clip_pretrained (a download), not both")
        return open_clip.create_model(model_name, pretrained=pretrained, device="cpu").eval()
    checkpoint = Path(checkpoint).expanduser()
    if not checkpoint.is_file():
        raise FileNotFoundError(f"CLIP checkpoint {checkpoint} does not exist (weights are downloaded only "
                                "when clip_pretrained names them)")
    model = open_clip.create_model(model_name, pretrained=str(checkpoint), device="cpu")
    return model.eval()


def image_embeddings(images: np.ndarray, model, batch_size: int = 64) -> np.ndarray:
    """Unit-length CLIP image embeddings of uint8 thumbnails (N, H, W, 3).

    Thumbnails are resized (bicubic, antialiased) to the model's input size and normalised
    with its preprocessing mean and sd, the tensor equivalent of open_clip's PIL transform.
    """
    import torch
    from torch.nn import functional as F

    visual = model.visual
    size = visual.image_size if isinstance(visual.image_size, (tuple, list)) else (visual.image_size,) * 2
    cfg = getattr(visual, "preprocess_cfg", {}) or {}
    mean = torch.tensor(cfg.get("mean", (0.48145466, 0.4578275, 0.40821073))).view(1, 3, 1, 1)
    sd = torch.tensor(cfg.get("std", (0.26862954, 0.26130258, 0.27577711))).view(1, 3, 1, 1)
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(images[i:i + batch_size])).permute(0, 3, 1, 2).float() / 255
            x = F.interpolate(x, size=tuple(size), mode="bicubic", antialias=True, align_corners=False).clamp(0, 1)
            emb = model.encode_image((x - mean) / sd)
            out.append(F.normalize(emb, dim=-1).numpy())
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 0), np.float32)


def ridge_table(data, targets, masks, model_name: str, checkpoint: str, n_boot: int, seed: int,
                pretrained: str = ""):
    """CLIP image embeddings + ridge on the random split, when a local checkpoint (or a download tag) is given.

    Returns its wide results table (``tables.wide_table``), or None without a usable checkpoint.
    """
    if not checkpoint and not pretrained:
        return None
    ok, why = available()
    if not ok:
        print(why)
        return None
    from . import tables, text_models
    from .evaluation import evaluate

    emb = image_embeddings(data.images, load(model_name, checkpoint, pretrained))
    preds = {"clip_ridge": {t: text_models.embedding_ridge(emb, targets.get(t), masks["train"])[0]
                            for t in targets.regression}}
    table = evaluate(preds, targets, masks, "random", n_boot, seed, groups=data.channels)
    return tables.wide_table(table, "random", "log_views")
