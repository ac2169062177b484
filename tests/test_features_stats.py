"""KS, held-out probabilities, permutation p-values, Benjamini-Hochberg and bootstrap intervals."""
import numpy as np

from thumbnail_lab.features.stats import (
    bh,
    bootstrap_ci,
    held_out_test,
    permutation_pvalues,
    random_group_comparison,
    two_sided_pvalues,
)


def test_bh_on_known_pvalues():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    reject, q = bh(p, alpha=0.05)
    # BH thresholds 0.005 * i: p(1)=0.001<=0.005, p(2)=0.008<=0.01, p(3)=0.039>0.015 ... largest i passing is 2
    assert reject.tolist() == [True, True] + [False] * 8
    np.testing.assert_allclose(q[:2], [0.01, 0.04])
    assert bh(np.array([]))[0].size == 0


def test_two_sided_pvalues():
    null = np.arange(1, 100, dtype=float)       # 99 values
    p = two_sided_pvalues(np.array([50.0, 1000.0, -5.0]), null)
    assert p[0] == 1.0
    np.testing.assert_allclose(p[1:], [2 / 100, 2 / 100])


def test_permutation_pvalues_calibrated_under_null():
    """Groups drawn at random: about alpha of them fall below alpha, not many more."""
    rng = np.random.default_rng(0)
    views = rng.lognormal(9, 1, 3000)
    groups = np.array([np.median(views[rng.choice(3000, 50, replace=False)]) for _ in range(400)])
    p = permutation_pvalues(groups, views, 50, 4000, rng)
    assert 0.02 < (p < 0.05).mean() < 0.09
    assert bh(p)[0].sum() <= 2


def test_held_out_and_ks_fire_only_on_real_difference():
    rng = np.random.default_rng(1)
    views = rng.lognormal(9, 1, 5000)
    order = np.argsort(views)
    res, null_high, _ = held_out_test(views, order[-50:], order[:50], rng, n_sim=100_000)
    assert res.p_random_ge_high < 1e-4 and res.p_random_le_low < 1e-4 and null_high.size == 100_000
    res, _, _ = held_out_test(views, rng.choice(5000, 50), rng.choice(5000, 50), rng, n_sim=100_000)
    assert res.p_random_ge_high > 0.01 or res.p_random_le_low > 0.01
    shifted = np.array([np.median(views[order[-400:]][rng.choice(400, 99)]) for _ in range(100)])
    ks, random_stats = random_group_comparison(shifted, views, 99, rng)
    assert ks.pvalue < 1e-10 and random_stats.size == 100


def test_bootstrap_ci_covers_group_median():
    rng = np.random.default_rng(2)
    views = rng.lognormal(9, 1, 2000)
    members = rng.choice(2000, size=(5, 101))
    lo, hi = bootstrap_ci(views, members, rng, n_boot=2000)
    med = np.median(views[members], axis=1)
    assert np.all(lo <= med) and np.all(med <= hi) and np.all(hi > lo)
    lo, hi = bootstrap_ci(views, members, rng, n_boot=2000, statistic="mean")
    mean = views[members].mean(axis=1)
    assert np.all(lo <= mean) and np.all(mean <= hi)
