"""Targets, metrics and the oracle against hand-computed values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thumbnail_lab.popularity import baselines, metrics, oracle, synthetic
from thumbnail_lab.popularity.targets import build_targets, channel_relative, split_masks, to_classes


def test_regression_metrics_by_hand():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([1.5, 2.0, 2.5, 5.0])
    # SSE = 0.25 + 0 + 0.25 + 1 = 1.5 ; SST = 5 -> R2 = 0.7
    assert metrics.r2(y, pred) == pytest.approx(0.7)
    assert metrics.mae(y, pred) == pytest.approx((0.5 + 0 + 0.5 + 1) / 4)
    # ranks of pred: 1, 2.5?, no ties: 1.5<2.0<2.5<5.0 -> identical order -> rho = 1
    assert metrics.spearman(y, pred) == pytest.approx(1.0)
    assert metrics.spearman(y, [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert metrics.spearman(y, [2, 2, 2, 2]) == 0.0  # a constant carries no ranking


def test_adjacent_credit_accuracy_on_a_small_table():
    truth = np.array([0, 1, 2, 3, 4, 2])
    pred = np.array([0, 2, 4, 3, 3, 0])
    # exact: rows 0 and 3 -> 2 ; adjacent (|d| = 1): rows 1 and 4 -> 2 x 0.5 ; far: rows 2 and 5
    assert metrics.accuracy(truth, pred) == pytest.approx(2 / 6)
    assert metrics.adjacent_accuracy(truth, pred) == pytest.approx(3 / 6)
    assert metrics.chance_level("ordinal", "adjacent_accuracy") == pytest.approx(0.2 + 0.5 * 8 / 25)


def test_bootstrap_interval_contains_estimate_and_is_reproducible():
    rng = np.random.default_rng(0)
    y = rng.normal(size=300)
    pred = y + rng.normal(0, 0.5, size=300)  # population R2 = 1 - 0.25 = 0.75
    a = metrics.score("log_views", y, pred, pred, y, n_boot=100, seed=3)
    b = metrics.score("log_views", y, pred, pred, y, n_boot=100, seed=3)
    assert a.values == b.values and a.ci_unit == "video"
    for est, lo, hi in a.values.values():
        assert lo <= est <= hi
    # the interval of R2 should cover the population value and be reasonably tight
    assert a.values["r2"][1] < 0.75 < a.values["r2"][2]
    assert a.values["r2"][2] - a.values["r2"][1] < 0.15


def test_classification_cuts_come_from_training_scores():
    train_score = np.arange(10.0)  # median 4.5, quintile edges 1.8, 3.6, 5.4, 7.2
    classes = metrics.classes_from_score("ordinal", np.array([0.0, 2.0, 9.0]), train_score)
    assert classes.tolist() == [0, 1, 4]
    assert metrics.classes_from_score("popular", np.array([4.0, 5.0]), train_score).tolist() == [0, 1]


def test_targets_use_training_rows_only():
    meta = pd.DataFrame({"log_views": [1.0, 2, 3, 4, 5, 100], "channel_id": ["a", "a", "a", "b", "b", "b"]})
    train = np.array([True] * 5 + [False])
    t = build_targets(meta, train)
    assert t.median == 3.0  # the huge test value does not move the cut
    assert t.popular.tolist() == [0, 0, 0, 1, 1, 1]
    assert t.ordinal.min() == 0 and t.ordinal.max() == 4
    assert channel_relative(meta["log_views"], meta["channel_id"]).tolist() == [-1, 0, 1, -1, 0, 95]
    # from training rows only: channel b's median is that of its training rows 4 and 5, not of 4, 5 and 100
    assert t.channel_relative.tolist() == [-1, 0, 1, -0.5, 0.5, 95.5]
    assert to_classes([0.5, 1.5], np.array([1.0])).tolist() == [0, 1]
    with pytest.raises(ValueError, match="empty"):
        build_targets(meta, np.zeros(6, bool))


def test_split_masks_and_unknown_split():
    meta, _, _ = synthetic.make_world(50, seed=2)
    masks = split_masks(meta, "channel")
    assert (masks["train"] | masks["val"] | masks["test"]).all()
    with pytest.raises(KeyError, match="split_bogus"):
        split_masks(meta, "bogus")


def test_oracle_on_a_synthetic_truth():
    meta, _, truth = synthetic.make_world(6000, n_channels=200, seed=0, noise_sd=0.15)
    train = meta["split_random"].eq("train").to_numpy()
    y = meta["log_views"].to_numpy()
    full = oracle.predictions(meta, y, train, "full")
    content = oracle.predictions(meta, y, train, "content")
    test = ~train
    # full oracle: only the noise is left -> R2 = 1 - noise_var / var(y)
    expected = 1 - 0.15**2 / y[test].var()
    assert metrics.r2(y[test], full[test]) == pytest.approx(expected, abs=0.03)
    # the content oracle can explain the content variance only, and never beats the full one
    expected_content = np.var(meta["true_content_effect"][test]) / y[test].var()
    assert metrics.r2(y[test], content[test]) == pytest.approx(expected_content, abs=0.05)
    assert metrics.r2(y[test], content[test]) < metrics.r2(y[test], full[test])
    with pytest.raises(KeyError, match="truth columns"):
        oracle.predictions(meta.drop(columns="true_age_effect"), y, train, "full")


def test_fraction_of_oracle():
    assert metrics.fraction_of_oracle(0.3, 0.6) == pytest.approx(0.5)
    assert metrics.fraction_of_oracle(0.6, 0.7, chance=0.5) == pytest.approx(0.5)
    assert np.isnan(metrics.fraction_of_oracle(0.1, 0.0))


def test_channel_mean_falls_back_for_unseen_channels():
    y = np.array([1.0, 3.0, 10.0, 7.0])
    ch = np.array(["a", "a", "b", "c"])
    train = np.array([True, True, True, False])
    pred = baselines.channel_mean(y, ch, train)
    assert pred.tolist() == [2.0, 2.0, 10.0, pytest.approx(14 / 3)]


def test_adjusting_the_null_world_leaves_only_noise():
    from thumbnail_lab.popularity.data import StudyData
    from thumbnail_lab.popularity.null import adjusted_for_channel_and_age

    meta, images, _ = synthetic.make_world(200, seed=7, object_effect=0.0, word_effect=0.0)
    data = StudyData(meta, images)
    adjusted = adjusted_for_channel_and_age(data)
    residual = adjusted.metadata["log_views"] - adjusted.metadata["true_noise"]
    assert np.allclose(residual, residual.iloc[0])  # only the intercept and the noise remain
    assert data.metadata["log_views"].std() > 1.5 * adjusted.metadata["log_views"].std()
    with pytest.raises(KeyError, match="true_age_effect"):
        adjusted_for_channel_and_age(StudyData(meta.drop(columns="true_age_effect"), images))
