"""The exact order-statistic sampler against brute-force resampling."""
import numpy as np
import pytest
from scipy.stats import ks_2samp

from thumbnail_lab.features.null import brute_force_medians, sample_means, sample_medians, sample_order_statistics


@pytest.mark.parametrize("m", [100, 399, 4])
def test_medians_match_brute_force(m):
    rng = np.random.default_rng(123)
    views = np.round(10 ** rng.normal(4, 0.8, size=3000))
    fast = sample_medians(views, m, 20_000, np.random.default_rng(1))
    slow = brute_force_medians(views, m, 20_000, np.random.default_rng(2))
    assert ks_2samp(fast, slow).pvalue > 0.001
    # and it is not trivially the same as some wrong distribution: medians of m-1 vs m+... differ in spread
    assert abs(np.std(fast) / np.std(slow) - 1) < 0.06


def test_sampler_detects_a_wrong_group_size():
    """The KS check has power: medians of 10 are not medians of 100."""
    rng = np.random.default_rng(0)
    views = rng.lognormal(9, 1, 2000)
    assert ks_2samp(sample_medians(views, 10, 20_000, rng), brute_force_medians(views, 100, 20_000, rng)).pvalue < 1e-6


def test_order_statistics_exact_on_tiny_population():
    # population {0, 1}; min of 3 draws is 1 only if all three draws are 1: P = 1/8
    x = np.array([0.0, 1.0])
    mins = sample_order_statistics(x, 3, 1, 200_000, np.random.default_rng(0))
    assert abs(mins.mean() - 1 / 8) < 0.005
    lo, hi = sample_order_statistics(x, 3, 1, 200_000, np.random.default_rng(0), pair=True)
    assert np.all(hi >= lo)
    assert abs(hi.mean() - 0.5) < 0.005          # 2nd smallest of 3 is 1 iff at least two 1s: P = 1/2


def test_means_and_errors():
    rng = np.random.default_rng(0)
    x = rng.normal(size=500)
    means = sample_means(x, 10, 50_000, rng)
    assert abs(means.std() - x.std() / np.sqrt(10)) < 0.01
    with pytest.raises(ValueError):
        sample_order_statistics(x, 5, 6, 10, rng)
    with pytest.raises(ValueError):
        sample_medians(np.array([]), 5, 10, rng)
