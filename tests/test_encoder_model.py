"""The encoder network, its augmentations and pretraining: shapes, ranges and determinism for a seed."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from thumbnail_lab.encoder import Augmentations, PretrainConfig, PretrainedEncoder, ThumbEncoder, pretrain
from thumbnail_lab.encoder.augment import augment, colour_jitter
from thumbnail_lab.encoder.corpus import CORPUS_SEED_BASE, check_not_corpus_seed, draw_corpus
from thumbnail_lab.encoder.pretrain import native_bf16, nt_xent, title_alignment
from thumbnail_lab.threads import torch_threads

TINY = PretrainConfig(steps=4, batch_size=8, width=4, warmup=2, checkpoint_every=2, seed=3)


def _images(n=24, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 36, 64, 3), dtype=np.uint8)


def test_embedding_shape_dtype_and_resizing():
    enc = PretrainedEncoder(ThumbEncoder(4).eval())
    emb = enc.embed(_images(5))
    assert emb.shape == (5, enc.embed_dim) == (5, 6 * 16) and emb.dtype == np.float32
    big = np.repeat(np.repeat(_images(3), 2, axis=1), 2, axis=2)       # 128x72: resized to 64x36
    assert enc.embed(big).shape == (3, enc.embed_dim)
    assert enc.embed(np.zeros((0, 36, 64, 3), np.uint8)).shape == (0, enc.embed_dim)
    with pytest.raises(ValueError):
        enc.embed(np.zeros((2, 36, 64), np.uint8))


def test_augmentations_keep_range_and_shape_and_follow_the_generator():
    x = torch.rand(6, 3, 36, 64)
    a = augment(x, Augmentations(hue=0.5, grey=0.5), torch.Generator().manual_seed(1))
    b = augment(x, Augmentations(hue=0.5, grey=0.5), torch.Generator().manual_seed(1))
    assert a.shape == x.shape and float(a.min()) >= 0 and float(a.max()) <= 1 and torch.equal(a, b)
    off = Augmentations(crop_min=1.0, flip=0.0, brightness=0, contrast=0, saturation=0)
    assert torch.allclose(augment(x, off, torch.Generator()), x)
    grey = colour_jitter(x, Augmentations(brightness=0, contrast=0, saturation=0, grey=1.0), torch.Generator())
    assert torch.allclose(grey[:, 0], grey[:, 1], atol=1e-5) and torch.allclose(grey[:, 1], grey[:, 2], atol=1e-5)


def test_losses_prefer_matching_pairs():
    z = torch.randn(8, 16)
    assert nt_xent(z, z, 0.1) < nt_xent(z, torch.randn(8, 16), 0.1)
    text = torch.nn.functional.normalize(torch.randn(8, 16), dim=1)
    scale = torch.tensor(np.log(20.0))
    assert title_alignment(text, text, scale) < title_alignment(torch.randn(8, 16), text, scale)


def test_bfloat16_autocast_only_where_the_cpu_has_it(monkeypatch):
    # Emulated bfloat16 (AVX2 only) was measured 12x slower than float32: the default follows the CPU.
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert not native_bf16() and PretrainConfig().bf16 is False
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert native_bf16() and PretrainConfig().bf16 is True
    assert PretrainConfig(bf16=False).bf16 is False


@pytest.mark.parametrize("title_weight", [0.0, 1.0])
def test_pretraining_is_deterministic_for_a_seed(title_weight):
    images = _images()
    text = np.random.default_rng(1).normal(size=(len(images), 8)).astype(np.float32)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    config = PretrainConfig(**{**TINY.as_dict(), "augment": Augmentations(), "title_weight": title_weight})
    with torch_threads(1):
        a = pretrain(images, config, text, show_progress=False)
        b = pretrain(images, config, text, show_progress=False)
        c = pretrain(images, PretrainConfig(**{**config.as_dict(), "augment": Augmentations(), "seed": 4}), text,
                     show_progress=False)
    ea, eb, ec = (PretrainedEncoder(r.model).embed(images[:4]) for r in (a, b, c))
    assert np.array_equal(ea, eb) and not np.array_equal(ea, ec)
    assert len(a.history) == 2 and all(np.isfinite(a.history)) and a.images_per_s > 0


def test_corpus_is_drawn_from_reserved_seeds_with_titles_and_labels():
    corpus, extra = draw_corpus(12, seed=0, workers=1, show_progress=False, extra_sizes=[(32, 18)])
    assert corpus.images.shape == (12, 36, 64, 3) and corpus.images.dtype == np.uint8
    assert corpus.labels.shape == (12, len(corpus.elements)) and len(corpus.titles) == 12
    assert extra[(32, 18)].shape == (12, 18, 32, 3)
    again, _ = draw_corpus(12, seed=0, workers=2, show_progress=False)
    assert np.array_equal(corpus.images, again.images)
    check_not_corpus_seed(0)
    with pytest.raises(ValueError, match="reserved"):
        check_not_corpus_seed(CORPUS_SEED_BASE)
