"""The mSPRT against its closed form, and the false-winner rates of the three readings of a test."""
import numpy as np
import pytest
from scipy import integrate, stats

from thumbnail_lab.choosing import abtest, study
from thumbnail_lab.choosing.sequential import msprt_log_statistic, msprt_statistic, z_boundary


@pytest.mark.parametrize("delta,var,tau2", [(0.0, 1.0, 1.0), (0.3, 0.04, 0.01), (-1.2, 0.5, 2.0)])
def test_msprt_statistic_is_the_mixture_likelihood_ratio(delta, var, tau2):
    num, _ = integrate.quad(lambda th: stats.norm.pdf(delta, th, np.sqrt(var)) * stats.norm.pdf(th, 0, np.sqrt(tau2)),
                            -50, 50, points=[0.0, delta])
    assert msprt_statistic(delta, var, tau2) == pytest.approx(num / stats.norm.pdf(delta, 0, np.sqrt(var)), rel=1e-6)
    assert np.exp(msprt_log_statistic(delta, var, tau2)) == pytest.approx(msprt_statistic(delta, var, tau2))


def test_z_boundary_is_where_the_statistic_reaches_one_over_alpha():
    var = np.array([0.1, 0.01, 0.001])   # past var = tau2 the boundary widens as data accrue
    z = z_boundary(var, 0.5, 0.05)
    assert np.allclose(msprt_statistic(z * np.sqrt(var), var, 0.5), 20.0)
    assert np.all(np.diff(z) > 0)  # more data (smaller variance), a wider boundary in z


def test_sequential_test_holds_alpha_under_daily_peeking_and_fixed_peeking_does_not():
    alpha, n = 0.05, 4000
    null = abtest.simulate_tests(0.04, 0.04, 2000, 14, n, alpha, (0.1 * 0.04) ** 2, seed=1)
    lo, hi = study.alpha_interval(alpha, n)
    assert lo <= null["fixed_once"] <= hi                       # negative control: the simulation is right
    assert null["sequential"] <= hi                             # the mSPRT: at most alpha however often one looks
    assert null["fixed_peeking"] > hi                           # peeking is caught: well above alpha
    planted = abtest.simulate_tests(0.04, 0.046, 2000, 14, n, alpha, (0.1 * 0.04) ** 2, seed=2)
    assert planted["sequential"] > 0.5                          # positive control: a planted 15 % uplift is found


def test_sequential_test_holds_alpha_when_looked_at_every_step():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 500)).cumsum(1)                  # sum of n unit-variance differences
    n = np.arange(1, 501)
    rejects = msprt_log_statistic(x / n, 1.0 / n, 1.0) >= np.log(20)
    rate = rejects.any(1).mean()
    assert rate <= stats.binom.ppf(0.99, 2000, 0.05) / 2000
