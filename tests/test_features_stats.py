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


def test_held_out_counts_each_video_once_and_says_its_statistic():
    """Issue 14, item 2: HHM is the median of distinct videos, simulated with that many videos."""
    rng = np.random.default_rng(3)
    views = rng.lognormal(9, 1, 4000)
    rows = np.array([7, 7, 7, 7, 11, 12])
    res, null_high, _ = held_out_test(views, rows, np.arange(6), rng, n_sim=50_000)
    assert res.n_high == 3 and res.n_high_listed == 6 and res.statistic == "median"
    assert res.high_held_out_stat == np.median(views[[7, 11, 12]])
    # the null is the median of 3 random videos: wider than a median of 6
    three = np.median(rng.choice(views, (50_000, 3)), axis=1)
    assert abs(np.std(np.log(null_high)) / np.std(np.log(three)) - 1) < 0.05
    published, _, _ = held_out_test(views, rows, np.arange(6), rng, n_sim=50_000, distinct=False)
    assert published.n_high == 6 and published.high_held_out_stat == np.median(views[rows])
    mean, _, _ = held_out_test(views, rows, np.arange(6), rng, n_sim=1000, statistic="mean")
    assert mean.statistic == "mean" and mean.high_held_out_stat == views[[7, 11, 12]].mean()


def test_pvalue_text_writes_an_underflow_as_a_bound():
    from thumbnail_lab.features.stats import pvalue_text

    assert pvalue_text(0.0) == "p < 1e-300"
    assert pvalue_text(1e-310) == "p < 1e-300"
    assert pvalue_text(0.01234) == "p = 0.012"
    assert pvalue_text(3.2e-7) == "p = 3.2e-07"


def test_channel_bootstrap_covers_where_the_video_bootstrap_does_not():
    """Positive and negative control: with channel effects, resampling videos undercovers; channels do not."""
    from thumbnail_lab.features.stats import bootstrap_ci

    rng = np.random.default_rng(4)
    n_channels, per = 2000, 20
    channel = np.repeat(np.arange(n_channels), per)
    views = 10 ** (4 + rng.normal(0, 0.5, n_channels)[channel] + rng.normal(0, 0.2, channel.size))
    truth = np.median(views)
    # 200 groups, each 10 channels x 4 videos: the thing to cover is the population median
    picks = rng.choice(n_channels, (200, 10), replace=True)
    members = (picks[:, :, None] * per + rng.integers(0, per, (200, 10, 4))).reshape(200, 40)
    lo, hi = bootstrap_ci(views, members, rng, n_boot=400)
    video_cover = np.mean((lo <= truth) & (truth <= hi))
    lo_c, hi_c = bootstrap_ci(views, members, rng, n_boot=400, clusters=channel)
    channel_cover = np.mean((lo_c <= truth) & (truth <= hi_c))
    assert video_cover < 0.8 and channel_cover > 0.87
    # without repeated channels the two agree (the exact video sampler is used)
    single = rng.choice(views.size, (5, 30), replace=False)
    a = bootstrap_ci(views, single, np.random.default_rng(0), n_boot=200, clusters=np.arange(views.size))
    b = bootstrap_ci(views, single, np.random.default_rng(0), n_boot=200)
    np.testing.assert_allclose(a, b)


def test_monte_carlo_p_counts_ties_and_never_counts_nan():
    from thumbnail_lab.features.stats import monte_carlo_p

    draws = np.array([1.0, 2.0, 2.0, 3.0, np.nan])
    assert monte_carlo_p(2.0, draws) == (1 + 3) / 6             # 2, 2, 3 are >= 2
    assert monte_carlo_p(2.0, draws, upper=False) == (1 + 3) / 6  # 1, 2, 2 are <= 2
    assert monte_carlo_p(np.nan, draws) == 1 / 6
    assert np.array_equal(monte_carlo_p([0.0, 4.0], draws), [5 / 6, 1 / 6])
    assert monte_carlo_p(2.5, np.sort(draws[:4]), presorted=True) == (1 + 1) / 5
