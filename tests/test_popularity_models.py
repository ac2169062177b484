"""Image models, Grad-CAM, attention rollout, fusion and CLIP on tiny planted data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from thumbnail_lab.popularity import explain, fusion, image_models
from thumbnail_lab.popularity.targets import build_targets


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest, and most predictably on a busy machine, on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _squares(n: int, h: int = 24, w: int = 32, seed: int = 0):
    """Dark noisy images; half carry a white square. Returns images, labels and square boxes."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, size=(n, h, w, 3)).astype(np.uint8)
    label = (np.arange(n) % 2).astype(np.float32)
    boxes = []
    for i in range(n):
        y0, x0 = rng.integers(0, h - 8), rng.integers(0, w - 8)
        boxes.append((y0, x0))
        if label[i]:
            images[i, y0:y0 + 8, x0:x0 + 8] = 255
    return images, label, boxes


@pytest.mark.parametrize("kind", ["cnn", "vit"])
def test_model_overfits_a_tiny_batch(kind):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(16, 24, 32, 3)).astype(np.uint8)
    y = rng.normal(size=(16, 2)).astype(np.float32)
    torch.manual_seed(0)
    model = image_models.SmallCNN(2, width=8, dropout=0.0) if kind == "cnn" else \
        image_models.SmallViT((24, 32), 2, patch=4, dim=32, depth=2, heads=2)
    idx = np.arange(16)
    reg = image_models.train_regressor(model, images, y, idx, idx, epochs=80, batch_size=16, lr=5e-3,
                                       weight_decay=0.0, augment=False, show_progress=False)
    pred = reg.predict(images)
    assert pred.shape == (16, 2)
    first, last = reg.history[0]["train_loss"], reg.history[-1]["train_loss"]
    assert last < 0.05 * first, (first, last)
    assert np.mean((pred - y) ** 2) < 0.1 * np.var(y)


def test_grad_cam_has_image_shape_and_peaks_on_the_planted_square():
    images, label, boxes = _squares(256)
    torch.manual_seed(0)
    model = image_models.SmallCNN(1, width=8, dropout=0.0)
    idx = np.arange(256)
    reg = image_models.train_regressor(model, images, label, idx[:200], idx[200:], epochs=12, batch_size=32,
                                       lr=5e-3, augment=False, show_progress=False)
    pos = [i for i in range(200, 256) if label[i]]
    assert reg.predict(images[pos]).mean() > reg.predict(images[[i - 1 for i in pos]]).mean() + 0.5
    maps = explain.grad_cam(reg.model, image_models.to_standardised_tensor(images[pos]), reg.model.features)
    assert maps.shape == (len(pos), 24, 32)
    assert maps.min() >= 0 and maps.max() <= 1
    hits = 0
    for m, i in zip(maps, pos):
        y, x = np.unravel_index(np.argmax(m), m.shape)
        y0, x0 = boxes[i]
        hits += (y0 - 2 <= y < y0 + 10) and (x0 - 2 <= x < x0 + 10)
    assert hits >= 0.8 * len(pos), f"Grad-CAM peaked on the square in {hits}/{len(pos)} images"


def test_attention_rollout_shape_and_range():
    model = image_models.SmallViT((24, 32), 1, patch=4, dim=16, depth=2, heads=2)
    maps = explain.attention_rollout(model, torch.randn(3, 3, 24, 32))
    assert maps.shape == (3, 24, 32)
    assert 0 <= maps.min() and maps.max() <= 1
    assert all(blk.attention is not None and not blk.keep_attention for blk in model.blocks)


def test_vit_rejects_indivisible_patch_size():
    with pytest.raises(ValueError, match="divisible"):
        image_models.SmallViT((30, 32), patch=4)


def test_fusion_sweep_ends_match_the_single_models():
    import pandas as pd

    rng = np.random.default_rng(1)
    n = 300
    meta = pd.DataFrame({"log_views": rng.normal(4, 1, n), "channel_id": rng.integers(0, 10, n)})
    y = meta["log_views"].to_numpy()
    img, title = y + rng.normal(0, 0.5, n), y + rng.normal(0, 1.5, n)
    train = np.arange(n) < 200
    targets = build_targets(meta, train)
    table = fusion.sweep(img, title, targets, ~train, train)
    assert table["image_weight"].tolist()[0] == 0 and table["image_weight"].tolist()[-1] == 1
    # the image model is the better one here, so the best weight leans towards it
    assert fusion.best_weight(table) >= 0.6
    fused, head = fusion.learned_head(np.column_stack([img, title]), y, ~train)
    assert head.coef_[0] > head.coef_[1] > 0
    assert fused.shape == (n,)


def test_generated_samples_are_resized(tmp_path):
    arr = np.zeros((3, 64, 64, 3), np.uint8)
    np.save(tmp_path / "samples.npy", arr)
    out = image_models.load_generated_samples(tmp_path / "samples.npy", 36, 64)
    assert out.shape == (3, 36, 64, 3) and out.dtype == np.uint8
    np.save(tmp_path / "bad.npy", arr.astype(np.float32))
    with pytest.raises(ValueError, match="bad.npy"):
        image_models.load_generated_samples(tmp_path / "bad.npy", 36, 64)
