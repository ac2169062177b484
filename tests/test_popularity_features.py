"""Handcrafted features, robust OLS, title models, the scoring loop and CLIP's offline path."""
from __future__ import annotations

import numpy as np
import pytest

from thumbnail_lab.popularity import evaluation, handcrafted, synthetic, tables, text_models
from thumbnail_lab.popularity.data import SPLITS, StudyData


def test_handcrafted_features_respond_to_what_they_name():
    black = np.zeros((1, 36, 64, 3), np.uint8)
    white = np.full((1, 36, 64, 3), 255, np.uint8)
    red = np.zeros((1, 36, 64, 3), np.uint8)
    red[..., 0] = 220
    skin = np.zeros((1, 36, 64, 3), np.uint8)
    skin[..., :] = (224, 172, 140)
    text = np.zeros((1, 36, 64, 3), np.uint8)
    text[:, 8:28, :, :] = 0
    text[:, 8:28, ::3, :] = 255  # dense light strokes on black: high contrast and many edges
    f = handcrafted.image_features(np.concatenate([black, white, red, skin, text]))
    assert list(f.columns) == list(handcrafted.FEATURES)
    assert f.loc[0, "brightness"] == 0 and f.loc[1, "brightness"] == pytest.approx(1)
    assert f.loc[2, "saturation"] == pytest.approx(1) and f.loc[2, "warmth"] > 0.8
    assert f.loc[2, "colourfulness"] > f.loc[1, "colourfulness"]
    assert f.loc[3, "face_like_area"] == 1 and f.loc[2, "face_like_area"] == 0
    assert f.loc[4, "text_like_area"] > 0.3 and f.loc[0, "text_like_area"] == 0
    assert f.loc[4, "edge_density"] > f.loc[1, "edge_density"] == 0
    with pytest.raises(ValueError, match="shape"):
        handcrafted.image_features(np.zeros((2, 4, 4)))


def test_robust_ols_recovers_a_planted_feature():
    meta, images, _ = synthetic.make_world(800, seed=3)
    feats = handcrafted.image_features(images)
    train = np.ones(len(meta), bool)
    _, fit = handcrafted.robust_ols(feats, meta["true_object"].to_numpy(float), train)
    assert fit.cov_type == "HC3"
    # the white square's sharp high-contrast edges are what the text-like detector looks for
    assert fit.params["text_like_area"] > 0 and fit.pvalues["text_like_area"] < 0.001
    assert fit.rsquared > 0.5


def test_tfidf_ridge_finds_the_planted_word_and_leave_one_word_out():
    meta, _, _ = synthetic.make_world(400, seed=4, word_effect=1.0)
    train = np.arange(400) < 300
    pred, pipe = text_models.tfidf_ridge(meta["title"], meta["true_title_effect"], train)
    assert np.corrcoef(pred[~train], meta["true_title_effect"][~train])[0, 1] > 0.9
    attributions = text_models.leave_one_word_out("my cat amazing", lambda ts: pipe.predict(ts))
    words = [w for w, _ in attributions]
    assert words == ["my", "cat", "amazing"]
    assert max(attributions, key=lambda wa: wa[1])[0] == "amazing"


def test_minilm_loads_offline_and_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    titles = ["a cute kitten playing", "a small cat having fun", "stock market crash explained"]
    emb = text_models.embed_titles(titles, cache_dir=tmp_path)
    assert emb.shape == (3, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-4)
    assert emb[0] @ emb[1] > emb[0] @ emb[2] + 0.3  # the semantics are real, not random weights
    cached = list(tmp_path.glob("minilm_*.npy"))
    assert len(cached) == 1
    np.save(cached[0], np.zeros_like(emb))  # a cache hit must be read back, not recomputed
    assert np.all(text_models.embed_titles(titles, cache_dir=tmp_path) == 0)


def test_study_loop_scores_every_model_target_and_split():
    meta, images, _ = synthetic.make_world(300, seed=5)
    data = StudyData(meta, images)
    run = evaluation.run_splits(data, n_boot=20)
    table = evaluation.add_fraction_of_oracle(run.table)
    assert set(table["split"]) == set(SPLITS)
    # the synthetic world has ThumbWorld's truth (adjusted views) but no subscribers (no per-subscriber target)
    assert set(table["target"]) == {"log_views", "channel_relative", "popular", "ordinal", "adjusted"}
    frac = table.query("model == 'oracle_content' and metric == 'spearman'")["fraction_of_oracle"]
    assert np.allclose(frac, 1.0)
    # on adjusted views (content + noise) the content benchmark is a ceiling for the content-only models
    adjusted = tables.content_only(table).query("target == 'adjusted' and metric == 'r2'")
    bench = table.query("model == 'oracle_content' and target == 'adjusted' and metric == 'r2'").set_index("split")
    assert (adjusted["value"].to_numpy() <= bench.loc[adjusted["split"], "value"].to_numpy() + 1e-9).all()
    # channels are resampled wherever the test rows hold two or more; one test channel has none to draw
    assert (table["ci_unit"] == np.where(table["n_test_channels"] >= 2, "channel", "video")).all()
    assert "channel" in set(table["ci_unit"])
    wide = tables.wide_table(table, "random", "ordinal")
    assert {"accuracy", "adjacent_accuracy", "spearman"} <= set(wide.columns)
    assert "[" in wide.iloc[0, 0]
    with pytest.raises(ValueError, match="rows"):
        StudyData(meta, images[:10])


def register_tiny_clip(open_clip, folder, name: str, embed_dim: int) -> None:
    """Register a tiny, randomly initialised open_clip architecture called ``name`` (no weights anywhere)."""
    import json

    cfg = {"embed_dim": embed_dim,
           "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 16},
           "text_cfg": {"context_length": 8, "vocab_size": 64, "width": 16, "heads": 2, "layers": 1}}
    (folder / f"{name}.json").write_text(json.dumps(cfg))
    open_clip.add_model_config(folder / f"{name}.json")


def test_clip_code_path_with_a_tiny_random_model(tmp_path):
    open_clip = pytest.importorskip("open_clip", reason="open_clip is not installed")
    import torch

    from thumbnail_lab.popularity import clip

    register_tiny_clip(open_clip, tmp_path, "TinyTest-CLIP", 16)
    torch.manual_seed(0)
    ckpt = tmp_path / "tiny.pt"
    torch.save(open_clip.create_model("TinyTest-CLIP").state_dict(), ckpt)
    model = clip.load("TinyTest-CLIP", ckpt)
    emb = clip.image_embeddings(np.zeros((5, 36, 64, 3), np.uint8), model, batch_size=2)
    assert emb.shape == (5, 16) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        clip.load("TinyTest-CLIP", tmp_path / "missing.pt")


def test_clip_download_path_passes_the_weight_tag_to_open_clip(tmp_path, monkeypatch):
    """The online path, offline: open_clip's factory is stood in for, so no socket is opened."""
    open_clip = pytest.importorskip("open_clip", reason="open_clip is not installed")
    from thumbnail_lab.popularity import clip

    register_tiny_clip(open_clip, tmp_path, "TinyDownload-CLIP", 8)
    real_create, calls = open_clip.create_model, []

    def fake_create(name, pretrained=None, **kw):
        calls.append((name, pretrained))
        return real_create(name, **kw)          # random weights in place of the download

    monkeypatch.setattr(open_clip, "create_model", fake_create)
    model = clip.load("TinyDownload-CLIP", pretrained="laion2b_s34b_b79k")
    assert calls == [("TinyDownload-CLIP", "laion2b_s34b_b79k")]
    assert clip.image_embeddings(np.zeros((3, 36, 64, 3), np.uint8), model).shape == (3, 8)
    with pytest.raises(ValueError, match="not both"):
        clip.load("TinyDownload-CLIP", tmp_path / "x.pt", pretrained="laion2b_s34b_b79k")
    with pytest.raises(FileNotFoundError, match="downloaded only"):
        clip.load("TinyDownload-CLIP")
