"""Picking metrics on hand-worked cases: a perfect, a reversed and a random ranker."""
import numpy as np
import pytest

from thumbnail_lab.choosing import picking


def test_hand_worked_case():
    true = np.array([[0.0, 1.0, 2.0], [0.0, 0.3, 0.6]])
    scores = np.array([[0.0, 5.0, 1.0], [3.0, 2.0, 1.0]])     # picks 1.0 (mean 1, best 2) and 0.0 (mean .3, best .6)
    m = picking.pick_metrics(true, scores, n_boot=20)
    assert m["p_best"] == 0.0 and m["p_best_chance"] == pytest.approx(1 / 3)
    assert m["uplift_share"] == pytest.approx((0.0 + -0.3) / (1.0 + 0.3))
    assert m["regret"] == pytest.approx((1.0 + 0.6) / 2)


def test_perfect_reversed_and_random_rankers():
    rng = np.random.default_rng(0)
    true = rng.normal(size=(2000, 5))
    groups = np.repeat(np.arange(400), 5)
    perfect = picking.pick_metrics(true, true, groups, n_boot=50)
    assert perfect["p_best"] == 1 and perfect["uplift_share"] == pytest.approx(1) and perfect["regret"] == 0
    assert perfect["ci_unit"] == "channel"
    assert picking.pick_metrics(true, -true, n_boot=50)["uplift_share"] < 0
    chance = picking.pick_metrics(true, rng.random(true.shape), groups, n_boot=200)
    assert chance["uplift_share_low"] < 0 < chance["uplift_share_high"]
    assert chance["p_best_low"] < 0.2 < chance["p_best_high"]


def test_ties_count_as_best_and_are_broken_at_random():
    true = np.array([[1.0, 1.0, 0.0]] * 400)
    m = picking.pick_metrics(true, np.zeros_like(true), n_boot=10)
    assert m["p_best_chance"] == pytest.approx(2 / 3)
    assert 0.55 < m["p_best"] < 0.78


def test_paired_difference_of_a_ranker_with_itself_is_zero():
    rng = np.random.default_rng(1)
    true, s = rng.normal(size=(100, 4)), rng.normal(size=(100, 4))
    d = picking.paired_share_difference(true, s, s, n_boot=20)
    assert d["difference"] == 0 and d["low"] == 0 and d["high"] == 0
