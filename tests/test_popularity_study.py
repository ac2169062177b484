"""The chapter's study pieces: model ids and labels, one split's run, the tables, summaries and checks."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from thumbnail_lab.popularity import evaluation, generated, null, outputs, panels, recovery, registry, synthetic, tables
from thumbnail_lab.popularity.data import StudyData, check_splits
from thumbnail_lab.popularity.fitting import ImageModelSettings
from thumbnail_lab.popularity.image_models import check_patch


def _table() -> pd.DataFrame:
    """A hand-made long results table: two models and the content oracle on one target."""
    rows = [("cnn", 0.6), ("minilm_ridge", 0.7), ("oracle_content", 0.9), ("channel_mean", 0.8)]
    out = []
    for split in ("random", "channel"):
        for model, value in rows:
            info = registry.model(model)
            out.append({"split": split, "model": model, "label": info.label, "input": info.inputs,
                        "oracle": info.oracle, "target": "popular", "metric": "accuracy",
                        "value": value - (split == "channel") * 0.1, "low": 0.4, "high": value + 0.05,
                        "chance": 0.5, "se": 0.05, "ci_unit": "channel", "n_test": 100,
                        "n_test_channels": 12 if split == "random" else 4})
    return pd.DataFrame(out)


def test_every_model_has_a_label_an_input_and_an_oracle_kind():
    assert all(m.oracle in registry.ORACLES for m in registry.MODELS.values())
    assert len({m.label for m in registry.MODELS.values()}) == len(registry.MODELS)  # labels tell models apart
    assert registry.label("cnn") == "small CNN" and registry.label("minilm_ridge") == "MiniLM + ridge"
    assert registry.is_oracle("oracle_full") and not registry.is_oracle("cnn")
    assert registry.model("new_model") == registry.Model("new_model", "?", "content")


def test_tables_pick_by_id_and_show_labels():
    table = _table()
    assert tables.pick(table, "cnn", "popular", "accuracy") == pytest.approx(0.6)
    assert tables.pick(table, "cnn", "popular", "accuracy", split="channel") == pytest.approx(0.5)
    assert np.isnan(tables.pick(table, "vit", "popular", "accuracy"))
    # the oracle and the channel-mean baseline score higher, but neither is a content-only model
    assert tables.best_model(table) == "minilm_ridge"
    assert set(tables.content_only(table)["model"]) == {"cnn", "minilm_ridge"}
    wide = tables.wide_table(table, "random", "popular")
    assert wide.index.names == ["input", "model"] and ("thumbnail", "small CNN") in wide.index
    assert wide.loc[("thumbnail", "small CNN"), "accuracy"] == "0.60 [0.40, 0.65]"


def test_summary_keys_use_model_ids_and_carry_chance_unit_and_channels():
    table = evaluation.add_fraction_of_oracle(_table())
    # (0.6 - 0.5) / (0.9 - 0.5) for the CNN against the content benchmark; the baseline has no full oracle here
    assert tables.pick(table, "cnn", "popular", "accuracy", column="fraction_of_oracle") == pytest.approx(0.25)
    assert np.isnan(tables.pick(table, "channel_mean", "popular", "accuracy", column="fraction_of_oracle"))
    tests = null.one_sided_tests(table)
    # CNN on the random split: z = (0.6 - 0.5) / 0.05 = 2, p = 0.023; two tests (two splits) -> Holm 0.046
    cnn = tests.query("model == 'cnn' and split == 'random'").iloc[0]
    assert cnn["z"] == pytest.approx(2.0) and cnn["p_holm"] == pytest.approx(2 * 0.02275, abs=1e-4)
    assert cnn["beats chance"] and cnn["detectable"] == pytest.approx((1.95996 + 0.84162) * 0.05, abs=1e-4)
    summary = outputs.results_summary(table, tests, {"random": 0.3})
    entry = summary["metrics"]["random/popular/cnn/accuracy"]
    assert entry["value"] == 0.6 and entry["chance"] == 0.5 and entry["ci_unit"] == "channel"
    assert summary["evaluation"]["channel"]["popular"]["cnn"] == {"ci_unit": "channel", "n_test_channels": 4,
                                                                  "chance": {"accuracy": 0.5}}
    assert summary["null_tests"]["raw views/random/popular/cnn"]["beats_chance"] is True
    assert summary["fusion_weight"] == {"random": 0.3}
    verdicts = null.family_verdicts(tests)
    assert verdicts.loc[("raw views", "small CNN"), "beats chance"]
    wide = tables.wide_table(table, "random", "popular")
    assert list(wide.columns) == ["accuracy", "accuracy chance", "test videos", "test channels", "resampled"]
    assert list(tables.split_comparison(table, "accuracy", "popular").columns) == [
        "random (12 test channels)", "channel (4 test channels)"]


def test_one_split_returns_its_image_models_and_fusion():
    meta, images, _ = synthetic.make_world(240, height=12, width=16, seed=1)
    data = StudyData(meta, images, title_embeddings=np.random.default_rng(0).normal(size=(240, 8)))
    settings = ImageModelSettings(epochs_cnn=1, epochs_vit=1, cnn_width=4, vit_dim=8, vit_depth=1, vit_heads=2,
                                  vit_patch=(4, 4), batch_size=64, n_seeds=2)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run = evaluation.run_splits(data, ("random", "channel"), images=settings, n_boot=5)
    finally:
        torch.set_num_threads(before)
    random, channel = run.splits["random"], run.splits["channel"]
    assert set(random.regressors) == {"cnn", "vit"} and not channel.regressors  # image models: random split only
    assert list(random.predictions)[-4:] == ["cnn", "vit", "late_fusion", "fusion_head"]
    assert set(random.sweeps) == {"val", "test"} and run.fusion_weights == {"random": random.fusion_weight}
    assert set(run.table["label"]) >= {"small CNN", "learned score-level head"}
    assert set(run.table["ci_unit"]) == {"channel"} and (run.table["n_test_channels"] > 1).all()
    assert "fraction_of_oracle" in run.table
    seeds = run.seed_table  # the further seed's image models are scored on the same rows
    assert sorted(set(seeds["seed"])) == [0, 1] and set(seeds["model"]) == {"cnn", "vit"}
    assert list(tables.seed_spread(seeds).columns) == ["seed 0", "seed 1", "range"]
    diffs = evaluation.paired_differences(run, [("cnn", "vit")], "log_views", "spearman")
    assert len(diffs) == 1 and diffs["low"].iloc[0] <= diffs["difference"].iloc[0] <= diffs["high"].iloc[0]
    no_fusion = evaluation.run_split(data, "random", images=settings, fuse=False, n_boot=0)
    assert "late_fusion" not in no_fusion.predictions and no_fusion.fusion_weight is None


def test_panel_rows_recovery_gap_and_generated_medians():
    scores = np.array([5.0, 1.0, 4.0, 3.0, 2.0])
    top, bottom = panels.extremes(scores, np.array([1, 2, 3, 4]), 2)
    assert top.tolist() == [2, 3] and bottom.tolist() == [4, 1]
    pdp = pd.DataFrame({"element": ["face", "text"] * 2, "model": ["cnn", "cnn", "vit", "vit"],
                        "label": ["small CNN", "small CNN", "small ViT", "small ViT"],
                        "effect": [0.1, -0.2, 0.9, 0.3], "planted": [0.15, 0.1, 0.15, 0.1]})
    assert recovery.largest_gap(pdp, "cnn") == {"element": "text", "effect": -0.2, "planted": 0.1}
    assert list(recovery.recovery_slopes(pdp).index) == ["small CNN", "small ViT"]
    medians = generated.score_medians({generated.REAL: np.array([1.0, 2.0, 4.0])}, ["GAN (chapter 02)"])
    assert medians.loc[generated.REAL].tolist() == [3, 2.0] and medians.loc["GAN (chapter 02)", "scored"] == 0


def test_parameter_checks_of_the_chapter():
    assert check_patch([6, 8]) is None and check_patch([6]) and check_patch([0, 8]) and check_patch([6.0, 8])
    assert check_splits(["random", "temporal"]) is None
    assert check_splits(["channel"]) and check_splits(["random", "bogus"])
