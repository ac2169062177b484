"""Issue 14, items 2 and 7: the published tests' false-alarm rates, and the whole-pipeline tests that fix them.

A calibrated test fires in about alpha of the worlds where nothing is there; over ``n`` repeats
"about" is the binomial 95 % interval around alpha. The positive control is a test that is known
to be miscalibrated (the held-out test counting one thumbnail several times) and must land
outside that interval; the corrected tests must land inside it, and still catch planted effects.
"""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from thumbnail_lab.features.calibration import TESTS, binomial_interval, calibration_table, pipeline_draws, pipeline_pvalues
from thumbnail_lab.features.groups import find_feature_groups
from thumbnail_lab.features.pipeline import GroupParams, analyse
from thumbnail_lab.features.synthetic import synthetic_features

ALPHA = 0.05


def loud_world(seed: int, share_with_effect: float = 0.0):
    """A small world where a few 'loud' thumbnails top many features, so held-out duplicates occur."""
    world = synthetic_features(1500, n_latents=48, k=8, share_with_effect=share_with_effect, effect_sd=0.6, seed=seed)
    rng = np.random.default_rng(seed)
    loud = np.where(rng.random(1500) < 0.01, 4.0, 1.0)
    return sp.diags(loud) @ world.activations, world.views


def test_binomial_interval_is_scipys():
    lo, hi = binomial_interval(200, 0.05)
    assert (lo, hi) == tuple(np.array(stats.binom.interval(0.95, 200, 0.05)) / 200) == (0.02, 0.08)


def test_published_held_out_test_fires_too_often_where_duplicates_occur_and_the_pipeline_test_does_not():
    acts, views = loud_world(5)
    params = GroupParams(threshold=0.05, min_count=30, group_size=30, top_k=8)
    groups = find_feature_groups(acts, views, threshold=0.05, min_count=30, group_size=30)
    rng = np.random.default_rng(5)
    repeats = pipeline_draws(groups, views, params, rng, 300, n_sim=20_000)
    reference = pipeline_draws(groups, views, params, rng, 999, n_sim=20_000)
    assert (repeats.table["n_high"] < params.top_k).mean() > 0.5          # duplicates do occur here
    table = calibration_table(repeats, reference, ALPHA)
    lo, hi = binomial_interval(300, ALPHA)
    assert table.index.tolist() == list(TESTS) and (table["n_repeats"] == 300).all()
    for test in TESTS:
        assert lo <= table.loc[test, "corrected_rate"] <= hi, table
    # the positive control: counting a thumbnail once per feature is outside the interval
    assert table.loc[["held-out high", "held-out low"], "published_rate"].max() > hi, table


def test_pipeline_pvalues_catch_planted_effects_and_not_shuffled_ones():
    world = synthetic_features(6000, n_latents=128, k=8, share_with_effect=0.5, effect_sd=0.6, seed=0)
    acts, views = world.activations, world.views
    params = GroupParams(threshold=0.05, min_count=100, group_size=100, top_k=10)
    rng = np.random.default_rng(6)
    res = analyse(acts, views, params, rng, n_sim=20_000, n_perm=500, n_boot=50)
    reference = pipeline_draws(res.groups, views, params, rng, 499, n_sim=20_000)
    p = pipeline_pvalues(res, reference)
    assert p.index.tolist() == list(TESTS)
    assert (p["pipeline_p"] < ALPHA).all(), p            # every test catches the planted world
    assert p.loc[["held-out high", "held-out low"], "pipeline_p"].max() < 0.01, p
    assert p.loc["held-out high", "published_p"] == res.held_out_published.p_random_ge_high
    assert p.loc["held-out high", "distinct_p"] == res.held_out.p_random_ge_high
    shuffled = analyse(acts, rng.permutation(views), params, rng, n_sim=20_000, n_perm=500, n_boot=50)
    assert (pipeline_pvalues(shuffled, reference)["pipeline_p"] > ALPHA).all()


def test_pipeline_draws_rerank_under_every_shuffle():
    acts, views = loud_world(7)
    params = GroupParams(threshold=0.05, min_count=30, group_size=30, top_k=4)
    groups = find_feature_groups(acts, views, threshold=0.05, min_count=30, group_size=30)
    draws = pipeline_draws(groups, views, params, np.random.default_rng(7), 20, n_sim=1000)
    assert draws.high.shape == (20, 4) and draws.low.shape == (20, 4)
    assert len({tuple(r) for r in draws.high}) > 10          # a new top-4 nearly every time
    assert not any(set(h) & set(lo) for h, lo in zip(draws.high, draws.low))
    t = draws.table
    assert ((t["p_high"] > 0) & (t["p_high"] <= 1)).all() and (t["n_high"] <= 4).all()
    again = pipeline_draws(groups, views, params, np.random.default_rng(7), 20, n_sim=1000)
    assert again.table.equals(t)                             # the seed decides every draw
    with pytest.raises(ValueError, match="n_draws"):
        pipeline_draws(groups, views, params, np.random.default_rng(7), 0)
