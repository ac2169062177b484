"""Impressions needed against closed forms, the click model and pre-screening."""
import numpy as np
import pytest
from scipy import stats

from thumbnail_lab.choosing import abtest


@pytest.mark.parametrize("p_a,p_b", [(0.04, 0.046), (0.1, 0.12), (0.02, 0.03)])
def test_impressions_needed_matches_the_arcsine_closed_form_and_the_wald_formula(p_a, p_b):
    h = 2 * np.arcsin(np.sqrt(p_b)) - 2 * np.arcsin(np.sqrt(p_a))
    closed = 2 * ((stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) / h) ** 2  # var of 2 asin(sqrt p) is 1/n per arm
    assert abtest.impressions_needed(p_a, p_b) == pytest.approx(closed, rel=1e-4)
    assert abtest.impressions_needed(p_a, p_b) == pytest.approx(abtest.wald_impressions(p_a, p_b), rel=0.05)


def test_click_model_turns_content_differences_into_ctr_ratios():
    ctr = abtest.ctr_from_content(np.array([[0.0, 0.1, 0.2]]), 0.04)
    assert ctr[0, 2] / ctr[0, 0] == pytest.approx(10 ** 0.2)
    assert np.exp(np.log(ctr).mean()) == pytest.approx(0.04)


def test_expected_winner_ctr_limits():
    assert abtest.expected_winner_ctr(0.05, 0.04, 1e9) == pytest.approx(0.05)
    assert abtest.expected_winner_ctr(0.05, 0.05, 100) == pytest.approx(0.05)
    assert 0.04 < abtest.expected_winner_ctr(0.05, 0.04, 1000) < 0.05


def test_prescreen_perfect_scores_reach_the_best_and_random_scores_do_not():
    rng = np.random.default_rng(0)
    ctr = abtest.ctr_from_content(rng.normal(0, 0.2, (300, 6)), 0.04)
    perfect = abtest.prescreen_uplift(ctr, ctr, 5000, np.random.default_rng(1))
    assert np.allclose(perfect["model_top1"], perfect["best"])
    assert perfect["test_model_top2"].mean() > perfect["test_random2"].mean()
    noise = abtest.prescreen_uplift(ctr, rng.random(ctr.shape), 5000, np.random.default_rng(1))
    assert abs(noise["model_top1"].mean()) < 0.25 * perfect["best"].mean()


def test_binomial_interval_covers_the_rate():
    lo, hi = abtest.binomial_interval(0.05, 1000)
    assert lo < 0.05 < hi and hi - lo < 0.03


def test_more_looks_raise_the_peeking_rate_and_leave_the_msprt_valid():
    from thumbnail_lab.choosing.abtest import false_winners_by_looks

    rates = false_winners_by_looks(0.04, 2000, 14, 3000, 0.05, (0.1 * 0.04) ** 2, looks_per_day=(1, 24), seed=3)
    assert rates[24]["fixed_peeking"] > rates[1]["fixed_peeking"] > 0.1      # peeking gets worse with looks
    assert rates[24]["sequential"] >= rates[1]["sequential"]                   # the mSPRT gets closer to alpha ...
    assert rates[24]["sequential"] <= 0.05 + 0.015                             # ... and stays valid
