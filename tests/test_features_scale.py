"""``make scale``'s stages at a tiny size: every stage recorded at every size, a killed run resumes to the
same outputs, and the memory sampler sees an allocation (and stays flat without one)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from thumbnail_lab.__main__ import main
from thumbnail_lab.features import scale
from thumbnail_lab.features.scale import PeakMemory, ScaleSettings, run_scale

TINY_ENCODER = dict(corpus_size=64, steps=4, batch_size=8, width=4)
STAGES = {"plan", "draw", "embed", "activations", "analyse"}


def _settings(sizes=(128, 256, 384), workers=0) -> ScaleSettings:
    return ScaleSettings(sizes=sizes, workers=workers, encoder=TINY_ENCODER, sae_epochs=2, n_sim=500, n_perm=50,
                         n_boot=20)


@pytest.fixture
def artifacts(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.setattr(scale, "BLOCK", 128)   # several blocks per size, so a kill can fall between them
    return tmp_path


def test_every_stage_is_recorded_at_every_size_with_the_published_procedure(artifacts):
    path = run_scale(_settings(), artifacts / "out", show_progress=False)
    result = json.loads(path.read_text())
    rows = pd.DataFrame(result["rows"])
    assert set(rows.loc[rows["stage"].isin(STAGES)].groupby("n_thumbnails")["stage"].apply(frozenset)) == {
        frozenset(STAGES)}
    assert {"encoder", "sae"} <= set(rows["stage"]) and (rows["seconds"] >= 0).all() and (rows["peak_mb"] > 0).all()
    summary = result["summaries"]["384"]
    assert summary["params"]["group_size"] == ScaleSettings().group_size(384) == 10
    assert {"found_positive", "found_negative", "precision_high"} <= set(summary["recovery"])
    features = pd.read_csv(artifacts / "out" / "n384-s0" / "features.csv")
    assert {"feature", "p_value", "q_value", "dominant_element", "lift"} <= set(features.columns)
    assert ScaleSettings().group_size(scale.PUBLISHED_N) == 400


def test_a_killed_run_resumes_to_the_same_outputs(artifacts, monkeypatch):
    whole = run_scale(_settings((384,)), artifacts / "whole", show_progress=False)
    real_draw, calls = scale.ScaleRun.stage_draw, []

    def draw_then_die(self):
        from thumbnail_lab.encoder import corpus

        original = corpus.draw_specs

        def counting(*args, **kwargs):
            if len(calls) == 2:
                raise KeyboardInterrupt  # killed after two of three blocks
            calls.append(1)
            return original(*args, **kwargs)

        monkeypatch.setattr(corpus, "draw_specs", counting)
        try:
            real_draw(self)
        finally:
            monkeypatch.setattr(corpus, "draw_specs", original)

    monkeypatch.setattr(scale.ScaleRun, "stage_draw", draw_then_die)
    with pytest.raises(KeyboardInterrupt):
        run_scale(_settings((384,)), artifacts / "killed", show_progress=False)
    folder = artifacts / "killed" / "n384-s0"
    assert sorted(p.name for p in folder.glob("images-*.npy")) == ["images-0000.npy", "images-0001.npy"]
    assert "draw" not in json.loads((folder / "stages.json").read_text())
    monkeypatch.setattr(scale.ScaleRun, "stage_draw", real_draw)
    resumed = run_scale(_settings((384,)), artifacts / "killed", show_progress=False)
    draw = next(r for r in json.loads(resumed.read_text())["rows"] if r["stage"] == "draw")
    assert draw["resumed"] is True
    for k in range(3):
        np.testing.assert_array_equal(np.load(folder / f"images-{k:04d}.npy"),
                                      np.load(whole.parent / "n384-s0" / f"images-{k:04d}.npy"))
    a, b = (sp.load_npz(p / "n384-s0" / "activations.npz") for p in (artifacts / "killed", whole.parent))
    np.testing.assert_allclose(a.toarray(), b.toarray(), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_a_local_cluster_writes_the_same_blocks_as_one_process(artifacts):
    alone = run_scale(_settings((384,)), artifacts / "alone", show_progress=False).parent / "n384-s0"
    cluster = run_scale(_settings((384,), workers=2), artifacts / "cluster", show_progress=False).parent / "n384-s0"
    for k in range(3):   # three blocks of 128: a block written in the wrong place would fail here
        np.testing.assert_array_equal(np.load(cluster / f"images-{k:04d}.npy"), np.load(alone / f"images-{k:04d}.npy"))
        np.testing.assert_allclose(np.load(cluster / f"embeddings-{k:04d}.npy"),
                                   np.load(alone / f"embeddings-{k:04d}.npy"), rtol=1e-4, atol=1e-5)
    a, b = (sp.load_npz(folder / "activations.npz") for folder in (alone, cluster))
    assert a.shape == b.shape and (a != b).nnz <= a.nnz // 100   # TopK ties may flip at float rounding
    assert pd.read_csv(alone / "features.csv").shape == pd.read_csv(cluster / "features.csv").shape


def test_the_memory_sampler_sees_an_allocation_and_stays_flat_without_one():
    with PeakMemory(every=0.01) as idle:
        pass
    baseline = idle.peak_mb
    with PeakMemory(every=0.01) as busy:
        block = np.ones(300 * 2**20 // 8)       # 300 MB, touched
        block[::512] += 1
        del block
    assert busy.peak_mb - baseline > 250
    with PeakMemory(every=0.01) as flat:
        sum(range(1000))
    assert abs(flat.peak_mb - baseline) < 50


def test_the_command_refuses_a_size_too_small_to_group(capsys):
    assert main(["scale", "--sizes", "1024", "10", "--quiet"]) == 2
    assert "every size must be at least 64 thumbnails" in capsys.readouterr().err
