"""The Gaussian-process regressor behind GPStrategy."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime
from scipy.stats import norm
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

from skhypertune.strategies._gp import GaussianProcess
from skhypertune.strategies.bayes import log_expected_improvement


def _data(n=30, d=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.rand(n, d)
    y = np.sin(6 * X[:, 0]) + 0.5 * X[:, 1] ** 2 + 0.01 * rng.randn(n)
    return X, y


@given(seed=st.integers(0, 10_000))
@settings(max_examples=15, deadline=None)
def test_gradient_matches_finite_differences(seed):
    rng = np.random.RandomState(seed)
    X, y = _data(20, 4, seed)
    gp = GaussianProcess([0, 1, 2, 2])
    D2 = gp._group_sq_dists(X, X).reshape(3, -1)
    ys = (y - y.mean()) / y.std()
    lo, hi = np.array(gp.bounds()).T
    theta = np.clip(gp.default_theta() + 0.7 * rng.randn(5), lo + 0.1, hi - 0.1)
    value, grad = gp._neg_log_posterior(theta, D2, ys)
    numeric = approx_fprime(theta, lambda t: gp._neg_log_posterior(t, D2, ys)[0], 1e-6)
    assert np.isfinite(value)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-3 * (1 + abs(value)))


def test_prediction_matches_scikit_learn_with_the_same_kernel():
    X, y = _data(25, 3)
    gp = GaussianProcess([0, 1, 2]).fit(
        X, y, n_restarts=1, random_state=np.random.RandomState(0)
    )
    ls, signal, noise = (
        np.exp(gp.theta_[:3]),
        math.exp(gp.theta_[3]),
        math.exp(gp.theta_[4]),
    )
    kernel = ConstantKernel(signal, "fixed") * Matern(
        ls, "fixed", nu=2.5
    ) + WhiteKernel(noise + 1e-8, "fixed")
    ys = (y - y.mean()) / y.std()
    ref = GaussianProcessRegressor(kernel, optimizer=None).fit(X, ys)
    Xt = np.random.RandomState(1).rand(7, 3)
    mean, std = gp.predict(Xt)
    ref_mean, ref_std = ref.predict(Xt, return_std=True)
    np.testing.assert_allclose((mean - y.mean()) / y.std(), ref_mean, atol=1e-6)
    # scikit-learn's std includes the white noise; ours is the latent function's.
    np.testing.assert_allclose(
        std / y.std(), np.sqrt(ref_std**2 - noise - 1e-8), atol=1e-5
    )


def test_fit_improves_the_posterior_and_generalises():
    X, y = _data(40, 3)
    gp = GaussianProcess([0, 1, 2])
    gp.fit(X, y, optimize=False)
    default = gp.log_marginal_likelihood()
    gp.fit(X, y, n_restarts=2, random_state=np.random.RandomState(0))
    assert gp.log_marginal_likelihood() > default
    Xt, yt = _data(200, 3, seed=5)
    mean, _ = gp.predict(Xt)
    r2 = 1 - np.mean((mean - yt) ** 2) / np.var(yt)
    assert r2 > 0.9


def test_irrelevant_dimension_gets_a_longer_length_scale():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 2)
    y = np.sin(8 * X[:, 0])
    gp = GaussianProcess([0, 1]).fit(X, y, n_restarts=2, random_state=rng)
    assert gp.theta_[1] > gp.theta_[0] + 1.0


def test_grouped_columns_share_a_length_scale():
    gp = GaussianProcess([0, 1, 1, 1])
    assert gp.default_theta().shape == (4,)
    X, y = _data(15, 4)
    gp.fit(X, y)
    assert gp.theta_.shape == (4,)


def test_std_is_small_at_data_and_large_far_away():
    X, y = _data(20, 2)
    gp = GaussianProcess([0, 1]).fit(X, y)
    _, std_at = gp.predict(X)
    _, std_far = gp.predict(np.array([[3.0, 3.0]]))
    assert std_at.max() < 0.3 * std_far[0]


def test_condition_on_reduces_uncertainty_and_keeps_hyperparameters():
    X, y = _data(15, 2)
    gp = GaussianProcess([0, 1]).fit(X, y)
    x_new = np.array([[0.05, 0.95]])
    mean, std = gp.predict(x_new)
    other = gp.condition_on(x_new, mean)
    mean2, std2 = other.predict(x_new)
    assert std2[0] < 0.5 * std[0]
    assert mean2[0] == pytest.approx(mean[0], abs=1e-6)
    np.testing.assert_array_equal(other.theta_, gp.theta_)
    assert len(gp.y_train_) == 15  # the original is untouched


@pytest.mark.parametrize("y", [np.zeros(6), np.array([1.0, 1, 1, 2, 2, 2])])
def test_duplicates_and_constant_targets_do_not_crash(y):
    X = np.repeat(np.array([[0.2, 0.4], [0.6, 0.1]]), 3, axis=0)
    gp = GaussianProcess([0, 1]).fit(
        X, y, n_restarts=2, random_state=np.random.RandomState(0)
    )
    mean, std = gp.predict(np.array([[0.2, 0.4], [0.9, 0.9]]))
    assert np.all(np.isfinite(mean)) and np.all(np.isfinite(std))
    assert np.all(std > 0)


def test_log_expected_improvement_matches_closed_form_and_stays_finite():
    mean = np.array([0.0, 0.5, 1.0, -2.0, -40.0, -1e4])
    std = np.array([1.0, 0.1, 2.0, 0.3, 1.0, 1.0])
    best = 0.2
    z = (mean - best) / std
    naive = std * (z * norm.cdf(z) + norm.pdf(z))
    got = log_expected_improvement(mean, std, best)
    ok = naive > 1e-300
    np.testing.assert_allclose(got[ok], np.log(naive[ok]), rtol=1e-6)
    assert np.all(np.isfinite(got))
    # Still ranks candidates where the improvement underflows to zero.
    assert got[3] > got[4] > got[5]


@given(
    m=st.floats(-50, 50),
    s=st.floats(1e-3, 10),
    dm=st.floats(1e-3, 5),
    ds=st.floats(1e-3, 5),
)
@settings(max_examples=50)
def test_log_expected_improvement_is_monotone(m, s, dm, ds):
    # Up to rounding: with mean far above the incumbent EI is flat in std.
    base = log_expected_improvement(np.array([m]), np.array([s]), 0.0)[0]
    base -= 1e-12 * (1 + abs(base))
    assert log_expected_improvement(np.array([m + dm]), np.array([s]), 0.0)[0] >= base
    assert log_expected_improvement(np.array([m]), np.array([s + ds]), 0.0)[0] >= base
