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
    assert res.ks.pvalue < 0.05 and res.dataset_stat == np.median(world.views)
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


def test_shuffled_test_rates_are_calibrated_within_a_binomial_interval():
    """Issue 14, item 7: the rates the chapter prints, checked against the binomial interval around alpha."""
    from thumbnail_lab.features.calibration import binomial_interval, shuffled_test_rates

    world = synthetic_features(3000, n_latents=256, k=8, share_with_effect=0.5, seed=4)
    params = GroupParams(threshold=0.05, min_count=40, group_size=40, top_k=10)     # about 200 features
    rng = np.random.default_rng(4)
    res = analyse(world.activations, world.views, params, rng, n_sim=10_000, n_perm=500, n_boot=50)
    rates = shuffled_test_rates(res.groups, world.views, params, rng, n_repeats=250, n_reference=1999,
                                n_sim=20_000, alpha=0.05)
    lo, hi = binomial_interval(250, 0.05)
    assert rates.columns[:4].tolist() == ["published_rate", "distinct_rate", "corrected_rate", "n_repeats"]
    assert (rates["interval_low"] == lo).all() and (rates["interval_high"] == hi).all()
    assert rates["corrected_rate"].between(lo, hi).all(), rates
    # alpha is used: at alpha = 0.2 the same tests fire about four times as often
    wide = shuffled_test_rates(res.groups, world.views, params, np.random.default_rng(4), n_repeats=250,
                               n_reference=1999, n_sim=20_000, alpha=0.2)
    assert wide["corrected_rate"].between(*binomial_interval(250, 0.2)).all(), wide


def test_channel_split_does_not_replicate_channel_confounding():
    """Issue 14, item 5: latents that go with views only through their channel replicate on a random
    split (positive control of the confound) and stay at chance on a channel split."""
    world = synthetic_features(8000, n_latents=128, k=8, share_with_effect=0.0, n_channels=80, channel_sd=0.5,
                               channel_share=0.5, seed=6)
    rng = np.random.default_rng(6)
    by_random = rng.random(8000) < 0.5
    by_channel = np.isin(world.channels, rng.permutation(80)[:40])
    _, rand = split_replication(world.activations, world.views, by_random, ~by_random, PARAMS, rng, n_perm=2000,
                                clusters=world.channels, n_chance=500)
    table, chan = split_replication(world.activations, world.views, by_channel, ~by_channel, PARAMS, rng,
                                    n_perm=2000, clusters=world.channels, n_chance=500)
    assert rand["share_same_direction"] > 0.75 and rand["p_value_same_direction"] < 0.01
    assert chan["p_value_same_direction"] > 0.05
    assert 0.4 < chan["chance_same_direction"] < 0.6 and 0.4 < rand["chance_same_direction"] < 0.6
    m = table[table["measured"]]
    assert (m["ci_low"] <= m["stat_measure"]).all() and (m["stat_measure"] <= m["ci_high"]).all()


def test_split_replication_divides_like_by_like():
    """Issue 14, item 1: with the mean statistic the measured magnitude divides by the measured mean."""
    world = synthetic_features(4000, n_latents=64, k=6, share_with_effect=0.3, seed=8)
    rng = np.random.default_rng(8)
    select = rng.random(4000) < 0.5
    mean_params = GroupParams(threshold=0.05, min_count=60, group_size=60, top_k=5, statistic="mean")
    table, _ = split_replication(world.activations, world.views, select, ~select, mean_params, rng, n_perm=500)
    m = table[table["measured"]]
    np.testing.assert_allclose(m["magnitude_measure"], m["stat_measure"] / world.views[~select].mean())


def test_top_list_survivors_after_an_adjustment():
    """Issue 14, item 6: which listed features keep their place when the views change."""
    from thumbnail_lab.features.pipeline import top_list_survivors

    world = synthetic_features(4000, n_latents=64, k=6, share_with_effect=0.5, effect_sd=0.8, seed=10)
    params = GroupParams(threshold=0.05, min_count=60, group_size=60, top_k=5)
    rng = np.random.default_rng(10)
    raw = analyse(world.activations, world.views, params, rng, n_sim=1000, n_perm=200, n_boot=20)
    same = top_list_survivors(raw, reanalyse(raw.groups, world.views, params, rng, n_sim=1000, n_perm=200, n_boot=20))
    assert len(same) == 10 and same["stays"].all() and (same["rank_raw"] == same["rank_adjusted"]).all()
    shuffled = reanalyse(raw.groups, rng.permutation(world.views), params, rng, n_sim=1000, n_perm=200, n_boot=20)
    assert top_list_survivors(raw, shuffled)["stays"].sum() <= 5
