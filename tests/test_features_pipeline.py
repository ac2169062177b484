"""The whole analysis on synthetic worlds with a known answer; adjustment; monosemanticity."""
import numpy as np
import pandas as pd
import pytest

from thumbnail_lab.features.adjust import adjusted_log_views, adjustment_formula
from thumbnail_lab.features.monosemantic import dominant_elements, planted_agreement, recovery_summary, truth_matrix
from thumbnail_lab.features.pipeline import GroupParams, analyse, reanalyse, split_replication, status_changes
from thumbnail_lab.features.synthetic import synthetic_features

PARAMS = GroupParams(threshold=0.05, min_count=100, group_size=100, top_k=10)


def test_analysis_finds_planted_effects():
    world = synthetic_features(6000, n_latents=128, k=8, share_with_effect=0.5, effect_sd=0.6, seed=0)
    res = analyse(world.activations, world.views, PARAMS, np.random.default_rng(0), n_sim=50_000, n_perm=4000, n_boot=200)
    assert res.ks.pvalue < 0.05
    def iqr(x):
        return np.subtract(*np.percentile(np.log10(x), [75, 25]))
    assert iqr(res.table["group_stat"]) > 1.5 * iqr(res.random_stats)     # feature medians spread wider
    assert res.held_out.p_random_ge_high < 0.05 and res.held_out.p_random_le_low < 0.05
    high_effects = world.effects[res.high["feature"]]
    low_effects = world.effects[res.low["feature"]]
    assert (high_effects > 0).mean() >= 0.7 and (low_effects < 0).mean() >= 0.7
    sig = res.table[res.table["significant"]]
    assert len(sig) > 0 and (world.effects[sig["feature"]] != 0).mean() >= 0.8
    assert (res.table["ci_low"] <= res.table["group_stat"]).all() and (res.table["group_stat"] <= res.table["ci_high"]).all()
    assert set(res.table["status"]) == {"high", "low", "middle"}
    summary = res.summary()
    assert summary["n_features"] == len(res.table) and summary["top_magnitude"] > 1


def test_null_world_is_calibrated():
    world = synthetic_features(6000, n_latents=128, k=8, share_with_effect=0.0, seed=1)
    res = analyse(world.activations, world.views, PARAMS, np.random.default_rng(1), n_sim=50_000, n_perm=4000, n_boot=100)
    assert res.table["significant"].sum() <= 2
    assert (res.table["p_value"] < 0.05).mean() < 0.15


def test_split_replication_and_reanalysis():
    world = synthetic_features(8000, n_latents=128, k=8, share_with_effect=0.2, effect_sd=0.6, seed=2)
    rng = np.random.default_rng(2)
    select = rng.random(8000) < 0.5
    table, summary = split_replication(world.activations, world.views, select, ~select, PARAMS, rng, n_perm=3000)
    assert summary["n_selected"] == 20 and summary["group_size_select"] == 50
    assert summary["share_same_direction"] > 0.7 and summary["n_replicated"] > 0
    raw = analyse(world.activations, world.views, PARAMS, rng, n_sim=10_000, n_perm=2000, n_boot=100)
    same = reanalyse(raw.groups, world.views, PARAMS, rng, n_sim=10_000, n_perm=2000, n_boot=100)
    np.testing.assert_allclose(same.table["group_stat"], raw.table["group_stat"])
    assert status_changes(raw, same).shape[0] <= 3      # only p-value noise may flip significance
    shuffled = reanalyse(raw.groups, rng.permutation(world.views), PARAMS, rng, n_sim=10_000, n_perm=2000, n_boot=100)
    assert status_changes(raw, shuffled).shape[0] > 5


def test_adjustment_removes_channel_and_age():
    rng = np.random.default_rng(3)
    n = 3000
    meta = pd.DataFrame({"channel_id": rng.integers(0, 30, n).astype(str), "age_days": rng.uniform(1, 2000, n)})
    channel_effect = rng.normal(0, 0.5, 30)[meta["channel_id"].astype(int)]
    content = rng.normal(0, 0.2, n)
    meta["log_views"] = 3 + channel_effect + 0.4 * np.log1p(meta["age_days"]) + content
    adj, r2 = adjusted_log_views(meta)
    assert r2 > 0.8
    assert np.corrcoef(adj, content)[0, 1] > 0.95
    assert abs(np.corrcoef(adj, meta["age_days"])[0, 1]) < 0.05
    assert "C(channel_id)" not in adjustment_formula(meta.assign(channel_id="one"))
    # the within-channel route (for many channels) gives the same residuals as the dummies
    within, r2_within = adjusted_log_views(meta, max_dummies=5)
    np.testing.assert_allclose(within, adj, atol=1e-8)
    assert abs(r2_within - r2) < 1e-10
    with pytest.raises(KeyError, match="age_days"):
        adjusted_log_views(meta.drop(columns="age_days"))


def test_monosemanticity_and_recovery():
    meta = pd.DataFrame({"true_face": [1, 1, 1, 1, 0, 0, 0, 0], "true_food": [0, 0, 0, 1, 1, 1, 1, 0]})
    truth = truth_matrix(meta, ["face", "food"])
    dom = dominant_elements(np.array([[0, 1, 2, 3], [4, 5, 6, 7], [0, 4, 1, 5]]), truth)
    assert dom["dominant_element"].tolist() == ["face", "food", "none"]
    np.testing.assert_allclose(dom["share"][:2], [1.0, 0.75])
    effects = {"face": 0.3, "food": -0.2}
    assert planted_agreement(dom["dominant_element"], "high", effects).tolist() == [True, False, False]
    rec = recovery_summary(pd.Series(["face", "none"]), pd.Series(["food"]), effects)
    assert rec["precision_high"] == 0.5 and rec["precision_low"] == 1.0
    assert rec["found_positive"] == ["face"] and rec["found_negative"] == ["food"]


def test_shuffled_test_rates_are_near_nominal():
    from thumbnail_lab.features.pipeline import shuffled_test_rates

    world = synthetic_features(3000, n_latents=64, k=6, share_with_effect=0.5, seed=4)
    rng = np.random.default_rng(4)
    res = analyse(world.activations, world.views, PARAMS, rng, n_sim=10_000, n_perm=500, n_boot=50)
    rates = shuffled_test_rates(res.groups, world.views, PARAMS, rng, n_repeats=60, n_sim=20_000)
    assert len(rates) == 60 and rates.columns.tolist() == ["ks_p", "p_high", "p_low"]
    assert (rates["p_high"] < 0.05).mean() < 0.2 and (rates["p_low"] < 0.05).mean() < 0.2
