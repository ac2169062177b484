"""The clustered bootstrap, the vectorised metrics behind it, chance levels and the null test's calibration."""
from __future__ import annotations

import numpy as np
import pytest

from thumbnail_lab.popularity import metrics, null


def test_weighted_metrics_equal_the_metrics_of_explicit_resamples():
    rng = np.random.default_rng(0)
    y = np.round(rng.normal(size=60), 1)  # rounded: ties, as in class labels and rounded views
    s = y + rng.normal(0, 1, size=60)
    idx = rng.integers(0, 60, size=(25, 60))
    W = metrics._counts(idx, 60)
    for b in range(25):
        assert metrics.weighted_spearman(W[b:b + 1], y, s)[0] == pytest.approx(metrics.spearman(y[idx[b]], s[idx[b]]))
        assert metrics.weighted_r2(W[b:b + 1], y, s)[0] == pytest.approx(metrics.r2(y[idx[b]], s[idx[b]]))
    assert metrics.weighted_spearman(np.ones((1, 60)), y, np.zeros(60))[0] == 0.0  # constant: no ranking


def test_clustered_bootstrap_draws_whole_channels():
    groups = np.repeat(np.array(["a", "b", "c", "d"]), [1, 2, 3, 4])
    W, unit = metrics.bootstrap_weights(groups, 10, 50, seed=1)
    assert unit == "channel" and W.shape == (50, 10)
    for g in "abcd":  # every video of a channel is drawn as often as its channel
        assert (W[:, groups == g] == W[:, groups == g][:, :1]).all()
    assert np.allclose(np.array([W[:, groups == g][:, 0] for g in "abcd"]).sum(0), 4)  # four channels per resample
    _, unit = metrics.bootstrap_weights(np.arange(10), 10, 5, seed=1)
    assert unit == "video"  # no channel repeats: videos are resampled


def test_one_channel_resamples_videos_not_a_zero_width_channel_draw():
    y = np.random.default_rng(0).normal(size=40)
    W, unit = metrics.bootstrap_weights(np.array(["only"] * 40), 40, 200, seed=2)
    assert unit == "video" and W.std(axis=0).min() > 0
    means = W @ y / W.sum(axis=1)
    assert 0.5 * y.std() / np.sqrt(40) < means.std() < 2 * y.std() / np.sqrt(40)   # the video interval, not a point


def test_perfectly_correlated_channels_give_the_channel_level_interval():
    """Every video of a channel has the channel's value: the interval is the one of the channel means."""
    rng = np.random.default_rng(2)
    n_channels, size = 30, 20
    channel_y = rng.normal(size=n_channels)
    y, groups = np.repeat(channel_y, size), np.repeat(np.arange(n_channels), size)
    pred = np.zeros_like(y)  # MAE = mean |y|: a mean over videos, equal to the mean over channels
    video = metrics.score("log_views", y, pred, pred, y, None, n_boot=2000, seed=3).values["mae"]
    clustered = metrics.score("log_views", y, pred, pred, y, groups, n_boot=2000, seed=3).values["mae"]
    channel_level = metrics.score("log_views", channel_y, np.zeros(n_channels), np.zeros(n_channels), channel_y,
                                  None, n_boot=2000, seed=3).values["mae"]
    width = lambda v: v[2] - v[1]  # noqa: E731
    assert width(clustered) == pytest.approx(width(channel_level), rel=0.15)
    assert width(video) < 0.4 * width(clustered)  # resampling videos pretends there are 600 independent ones


def test_independent_videos_give_the_video_interval():
    rng = np.random.default_rng(4)
    y = rng.normal(size=1200)
    s = 0.5 * y + rng.normal(size=1200)
    groups = np.repeat(np.arange(400), 3)  # channels, but nothing shared within them
    video = metrics.score("log_views", y, s, s, y, None, n_boot=1000, seed=5)
    clustered = metrics.score("log_views", y, s, s, y, groups, n_boot=1000, seed=5)
    assert clustered.ci_unit == "channel" and video.ci_unit == "video" and clustered.n_channels == 400
    for m in ("r2", "spearman"):
        wv, wc = np.subtract(*video.values[m][2:0:-1]), np.subtract(*clustered.values[m][2:0:-1])
        assert wc == pytest.approx(wv, rel=0.2)


def test_paired_difference_cancels_what_two_models_share():
    rng = np.random.default_rng(6)
    y = rng.normal(size=300)
    groups = np.repeat(np.arange(30), 10)
    a = y + rng.normal(0, 0.5, 300)
    b = a + rng.normal(0, 0.05, 300)  # almost the same model
    weights = metrics.bootstrap_weights(groups, 300, 400, 7)
    sa = metrics.score("log_views", y, a, a, y, groups, weights=weights)
    sb = metrics.score("log_views", y, b, b, y, groups, weights=weights)
    est, lo, hi = metrics.paired_difference((sa.values["r2"][0], sa.draws["r2"]), (sb.values["r2"][0], sb.draws["r2"]))
    assert lo <= est <= hi
    assert hi - lo < 0.2 * (sa.values["r2"][2] - sa.values["r2"][1])  # paired: far narrower than either interval


def test_chance_comes_from_the_observed_class_shares():
    y = np.array([1] * 59 + [0] * 41)  # 59 % popular, as on an unbalanced test split
    always = np.ones(100, int)
    assert metrics.chance_levels("popular", y, always)["accuracy"] == pytest.approx(0.59)
    half = np.array([0, 1] * 50)
    assert metrics.chance_levels("popular", y, half)["accuracy"] == pytest.approx(0.5)
    classes = np.arange(100) % 5
    chance = metrics.chance_levels("ordinal", classes, classes)
    assert chance["accuracy"] == pytest.approx(0.2)
    assert chance["adjacent_accuracy"] == pytest.approx(metrics.chance_level("ordinal", "adjacent_accuracy"))


def test_constant_predictions_are_split_at_random():
    rng = np.random.default_rng(8)
    y = (rng.random(2000) < 0.59).astype(int)
    constant = np.full(2000, 3.0)
    s = metrics.score("popular", y, constant, np.full(500, 3.0), y.astype(float), n_boot=0, seed=1)
    assert s.values["accuracy"][0] == pytest.approx(0.5, abs=0.03)  # not the majority share, 0.59
    assert s.chance["accuracy"] == pytest.approx(0.5, abs=0.03)
    classes = metrics.classes_from_score("ordinal", constant, np.full(500, 3.0), seed=2)
    assert np.allclose(np.bincount(classes, minlength=5) / 2000, 0.2, atol=0.03)
    # distinct scores keep their order: the nudge is smaller than any gap
    ordered = metrics.classes_from_score("popular", np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 4.0]))
    assert ordered.tolist() == [0, 0, 1, 1]


def test_holm_and_the_null_test_calibration():
    assert null.holm(np.array([0.01, 0.04, 0.03, np.nan])).tolist()[:3] == pytest.approx([0.03, 0.06, 0.06])
    rng = np.random.default_rng(9)
    groups = np.repeat(np.arange(25), 12)
    y = np.repeat(rng.normal(size=25), 12) + rng.normal(0, 0.5, 300)  # views that vary by channel
    calib = null.calibration(y, groups, n_worlds=150, n_boot=150, seed=0)
    channel, video, planted = calib["share flagged"]
    assert channel <= 0.12  # negative control: near its 5 %
    assert video > 2 * max(channel, 0.05)  # resampling videos flags chance correlations far too often
    assert planted >= 0.6  # positive control: the planted effect of detectable size is caught
