"""Issue 14, item 3: every truth-check number with its chance level and a p-value."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from thumbnail_lab.features.monosemantic import (
    lift_with_chance,
    precision_with_chance,
    random_group_lift,
    recovery_with_chance,
    truth_matrix,
)


def test_precision_of_a_list_against_random_lists():
    agreement = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], dtype=bool)     # 8 of 10 features point the right way
    listed = np.array([0, 1, 2, 3, 4])
    out = precision_with_chance(agreement, listed)
    assert out["precision"] == 1.0 and out["chance_precision"] == 0.8 and out["n_listed"] == 5
    # P(5 of 5 right) drawing 5 of 10 features, 8 of them right: C(8,5) / C(10,5)
    assert out["p_value"] == pytest.approx(56 / 252)
    # a list at chance is not significant; a list below chance has p near 1
    assert precision_with_chance(agreement, np.array([0, 1, 2, 3, 8]))["p_value"] > 0.5
    shuffled = np.array([[0, 1, 2, 8, 9], [0, 1, 2, 3, 4], [3, 4, 5, 6, 9]])
    out = precision_with_chance(agreement, listed, shuffled)
    assert out["chance_precision_shuffled"] == pytest.approx((0.6 + 1.0 + 0.8) / 3)
    assert out["p_value_shuffled"] == pytest.approx((1 + 1) / 4)


def test_precision_chance_is_calibrated_for_random_lists():
    """Negative control: lists drawn at random have p < 0.05 in at most about 5 % of draws."""
    rng = np.random.default_rng(0)
    agreement = rng.random(200) < 0.8
    p = np.array([precision_with_chance(agreement, rng.choice(200, 10, replace=False))["p_value"] for _ in range(2000)])
    assert (p < 0.05).mean() <= stats.binom.interval(0.95, 2000, 0.05)[1] / 2000


def test_recovery_against_random_lists():
    dominant = np.array(["face", "text", "none", "none", "food", "none", "none", "none"], dtype=object)
    out = recovery_with_chance(dominant, np.array([0, 1]), ["face", "text"], np.random.default_rng(0), n_draws=20_000)
    assert out["found"] == 2 and out["n_targets"] == 2
    # two random features of eight: expected targets found 2 * 2/8 = 0.5; both found with P = 1 / C(8,2)
    assert out["chance_found"] == pytest.approx(0.5, abs=0.02)
    assert out["p_value"] == pytest.approx(1 / 28, abs=0.005)


def test_lift_beats_random_groups_only_when_groups_share_an_element():
    rng = np.random.default_rng(1)
    meta = pd.DataFrame({f"true_{e}": (rng.random(3000) < r).astype(int) for e, r in (("face", 0.3), ("food", 0.1))})
    truth = truth_matrix(meta, ["face", "food"])
    random_lifts = random_group_lift(truth, 50, 2000, rng)
    assert random_lifts.shape == (2000,) and np.median(random_lifts) > 0      # picking the best element is a selection
    faces = np.flatnonzero(meta["true_face"])
    planted = np.array([rng.choice(faces, 50, replace=False) for _ in range(10)])
    lifts = (truth.to_numpy()[planted].mean(axis=1) - truth.to_numpy().mean(axis=0)).max(axis=1)
    out = lift_with_chance(lifts, random_lifts, rng)
    assert out["p_value"] < 0.01 and out["median_lift"] > 3 * out["chance_median_lift"]
    noise = lift_with_chance(rng.choice(random_lifts, 10), random_lifts, rng)
    assert noise["p_value"] > 0.05


def test_truth_check_of_an_analysis_and_its_flat_names():
    from thumbnail_lab.features.calibration import pipeline_draws
    from thumbnail_lab.features.monosemantic import flat_truth_check, truth_check, truth_summary
    from thumbnail_lab.features.pipeline import GroupParams, analyse
    from thumbnail_lab.features.synthetic import synthetic_features

    world = synthetic_features(3000, n_latents=64, k=6, share_with_effect=0.0, seed=9)
    params = GroupParams(threshold=0.05, min_count=60, group_size=60, top_k=4)
    rng = np.random.default_rng(9)
    res = analyse(world.activations, world.views, params, rng, n_sim=1000, n_perm=200, n_boot=20)
    # every feature's 'dominant element' is made up: half of them a positive one
    described = res.table.assign(dominant_element=np.where(np.arange(len(res.table)) % 2, "good", "bad"),
                                 lift=0.1)
    draws = pipeline_draws(res.groups, world.views, params, rng, 99, n_sim=1000)
    out = truth_check(described, res, {"good": 0.2, "bad": -0.1}, rng, draws, random_lifts=np.full(50, 0.05))
    assert out["high"]["chance_precision"] == pytest.approx(0.5, abs=0.05)
    assert 0.3 < out["high"]["chance_precision_shuffled"] < 0.7 and out["high"]["targets"] == ["good"]
    assert out["low"]["targets"] == ["bad"] and out["high"]["lift_p_value"] < 0.05
    flat = flat_truth_check({"raw": out, "adjusted": out})
    assert flat["high_precision"] == out["high"]["precision"] and flat["low_p_value_adj"] == out["low"]["p_value"]
    empty = flat_truth_check({})
    assert set(empty) == set(flat) and all(np.isnan(v) for v in empty.values())
    assert set(truth_summary({"raw": out})["high"]) == {"precision", "chance_precision", "p_value"}


def test_planted_element_coverage_needs_twice_the_base_rate_and_the_ceiling():
    import pandas as pd

    from thumbnail_lab.features.monosemantic import planted_element_coverage

    described = pd.DataFrame({"dominant_element": ["face", "face", "text", "none"],
                              "share": [0.5, 0.9, 0.3, 0.1], "base_rate": [0.3, 0.3, 0.2, 0.1]})
    effects = {"face": 0.3, "text": -0.2, "logo": 0.15, "tiny": 0.05}
    t = planted_element_coverage(described, effects, {"face": 0.95, "text": 0.97, "logo": 0.6}).set_index("element")
    assert "tiny" not in t.index                                       # |effect| < 0.1 is not a target
    assert t.loc["face", "met"] and t.loc["face", "best_ratio"] == pytest.approx(3.0)
    assert t.loc["face", "n_features"] == 2 and t.loc["face", "n_features_over_ratio"] == 1
    assert not t.loc["text", "met"] and t.loc["text", "best_ratio"] == pytest.approx(1.5)
    assert not t.loc["logo", "eligible"] and t.loc["logo", "best_ratio"] == 0.0
    rated = planted_element_coverage(described, effects, base_rates={"face": 0.3, "text": 0.6}).set_index("element")
    assert rated.loc["face", "achievable"] and not rated.loc["text", "achievable"]     # 1 / 0.6 < 2: out of reach
    assert rated.loc["text", "max_ratio"] == pytest.approx(1 / 0.6)
    without = planted_element_coverage(described, effects).set_index("element")
    assert without["eligible"].all() and without["ceiling_auc"].isna().all()


def test_coverage_records_count_the_reachable_elements_and_name_the_missed():
    from thumbnail_lab.features.contrast import coverage_records

    table = pd.DataFrame({"element": ["a", "b", "c", "d"], "eligible": [True, True, True, False],
                          "achievable": [True, True, False, True], "met": [True, False, False, False]})
    out = coverage_records({"pretrained": table}, {"pretrained": 0.1}, "pretrained")
    assert out["features_cov_main_met"] == 1 and out["features_cov_main_eligible"] == 3
    assert out["features_cov_main_achievable"] == 2 and out["features_cov_main_achievable_met"] == 1
    assert out["features_cov_main_missed"] == "b" and not out["features_cov_main_all_met"]
    assert out["features_cov_pixel_eligible"] == 0 and out["features_cov_pixel_missed"] == "none"
