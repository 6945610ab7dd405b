"""A small Gaussian-process regressor for Bayesian optimisation.

Written for :class:`~skhypertune.strategies.bayes.GPStrategy` on numpy and
scipy only. The model is the usual one in Bayesian optimisation:

* a Matern-5/2 kernel with one length scale per *group* of input columns
  (automatic relevance determination; a categorical parameter is one-hot
  encoded into several columns that share a length scale),
* a signal variance and a Gaussian noise variance,
* a zero prior mean on internally standardised targets,
* hyperparameters fitted by maximising the log marginal likelihood plus
  weak log-normal priors (maximum a posteriori), with scipy's L-BFGS-B and
  the analytic gradient, warm-started from the previous fit.

Everything is dense linear algebra on a Cholesky factor; the caller keeps the
number of training points bounded so that a fit costs a few milliseconds.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.linalg import LinAlgError, cho_solve, cholesky, solve_triangular
from scipy.optimize import minimize

__all__ = ["GaussianProcess"]

_SQRT5 = math.sqrt(5.0)
# Bounds of the log-hyperparameters: length scales, signal variance and noise
# variance (targets are standardised, so these are relative to their spread).
_LOG_LS_BOUNDS = (math.log(0.01), math.log(20.0))
_LOG_SIGNAL_BOUNDS = (math.log(0.05), math.log(20.0))
_LOG_NOISE_BOUNDS = (math.log(1e-6), math.log(1.0))
# Weak log-normal priors (mean, standard deviation of the logarithm). The
# length-scale prior keeps a model fitted on a dozen points from collapsing
# onto tiny length scales (interpolating noise) or infinite ones (ignoring a
# dimension it has barely explored).
_LS_PRIOR = (math.log(0.5), 1.0)
_SIGNAL_PRIOR = (0.0, 1.0)
_NOISE_PRIOR = (math.log(1e-2), 2.0)
_JITTER = 1e-8


def _matern52(r2: np.ndarray, signal: float) -> tuple[np.ndarray, np.ndarray]:
    """Kernel values and ``(5/3)(1 + a) exp(-a)`` (gradients); ``a = sqrt(5 r2)``."""
    a = _SQRT5 * np.sqrt(np.maximum(r2, 0.0))
    e = np.exp(-a)
    k = signal * (1.0 + a + a * a / 3.0) * e
    return k, (5.0 / 3.0) * (1.0 + a) * e


class GaussianProcess:
    """Gaussian-process regression with a grouped-ARD Matern-5/2 kernel.

    Parameters
    ----------
    groups : array-like of int of shape (n_columns,)
        Length-scale group of each input column, numbered ``0..n_groups-1``.
        Columns of one one-hot encoded categorical share a group.

    Attributes
    ----------
    theta_ : ndarray of shape (n_groups + 2,)
        Fitted log length scales, log signal variance and log noise variance.
    X_train_, y_train_ : ndarray
        The training data (targets after standardisation).
    """

    def __init__(self, groups):
        self.groups = np.asarray(groups, dtype=int)
        self.n_groups = int(self.groups.max()) + 1 if self.groups.size else 0
        G = self.n_groups
        self._prior_mu = np.concatenate(
            [np.full(G, _LS_PRIOR[0]), [_SIGNAL_PRIOR[0], _NOISE_PRIOR[0]]]
        )
        self._prior_sd = np.concatenate(
            [np.full(G, _LS_PRIOR[1]), [_SIGNAL_PRIOR[1], _NOISE_PRIOR[1]]]
        )

    # -- hyperparameters ------------------------------------------------------
    def default_theta(self) -> np.ndarray:
        return np.concatenate(
            [np.full(self.n_groups, _LS_PRIOR[0]), [_SIGNAL_PRIOR[0], _NOISE_PRIOR[0]]]
        )

    def bounds(self) -> list[tuple[float, float]]:
        return [_LOG_LS_BOUNDS] * self.n_groups + [
            _LOG_SIGNAL_BOUNDS,
            _LOG_NOISE_BOUNDS,
        ]

    def _group_sq_dists(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """``(n_groups, len(A), len(B))`` squared distances per group."""
        out = np.zeros((self.n_groups, len(A), len(B)))
        for j, g in enumerate(self.groups):
            diff = A[:, j][:, None] - B[:, j][None, :]
            out[g] += diff * diff
        return out

    def _sq_dist(self, A: np.ndarray, B: np.ndarray, log_ls: np.ndarray) -> np.ndarray:
        """Scaled squared distances ``sum_j ((a_j - b_j) / l_g(j))**2``."""
        scale = np.exp(-log_ls)[self.groups]
        As, Bs = A * scale, B * scale
        r2 = (
            np.sum(As * As, axis=1)[:, None]
            + np.sum(Bs * Bs, axis=1)[None, :]
            - 2.0 * As @ Bs.T
        )
        return np.maximum(r2, 0.0)

    def _neg_log_posterior(
        self, theta: np.ndarray, D2: np.ndarray, y: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Negative (log marginal likelihood + log prior) and its gradient.

        ``D2`` holds the per-group squared distances, flattened to
        ``(n_groups, n * n)``.
        """
        G = self.n_groups
        n = len(y)
        log_ls, log_sig, log_noise = theta[:G], theta[G], theta[G + 1]
        inv_ls2 = np.exp(-2.0 * log_ls)
        r2 = (inv_ls2 @ D2).reshape(n, n)
        signal, noise = math.exp(log_sig), math.exp(log_noise)
        Kf, dfac = _matern52(r2, signal)
        K = Kf.copy()
        K.flat[:: n + 1] += noise + _JITTER
        try:
            L = cholesky(K, lower=True, check_finite=False)
        except LinAlgError:
            return 1e25, np.zeros_like(theta)
        alpha = cho_solve((L, True), y, check_finite=False)
        lml = (
            -0.5 * y @ alpha
            - np.log(np.diag(L)).sum()
            - 0.5 * n * math.log(2.0 * math.pi)
        )
        Kinv = cho_solve((L, True), np.eye(n), check_finite=False)
        W = np.outer(alpha, alpha)
        W -= Kinv
        grad = np.empty_like(theta)
        # dK/dlog l_g = signal * (5/3)(1 + a) e^-a * D2_g / l_g^2
        grad[:G] = (0.5 * signal) * (D2 @ (W * dfac).ravel()) * inv_ls2
        grad[G] = 0.5 * np.vdot(W, Kf)
        grad[G + 1] = 0.5 * noise * np.trace(W)
        z = (theta - self._prior_mu) / self._prior_sd
        return -(lml - 0.5 * float(z @ z)), -(grad - z / self._prior_sd)

    def _log_prior(self, theta: np.ndarray) -> float:
        z = (theta - self._prior_mu) / self._prior_sd
        return -0.5 * float(z @ z)

    # -- fitting --------------------------------------------------------------
    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        theta0: np.ndarray | None = None,
        n_restarts: int = 0,
        maxiter: int = 100,
        random_state: np.random.RandomState | None = None,
        optimize: bool = True,
    ) -> GaussianProcess:
        """Fit hyperparameters (unless ``optimize=False``) and condition on data.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_columns)
        y : ndarray of shape (n_samples,)
            Finite targets; standardised internally.
        theta0 : ndarray, default=None
            Starting point (the previous fit's ``theta_`` for a warm start);
            the prior mean when None.
        n_restarts : int, default=0
            Extra optimiser starts drawn from the prior.
        maxiter : int, default=100
            L-BFGS-B iterations per start.
        random_state : RandomState, default=None
            Source of the restart points.
        optimize : bool, default=True
            When False, keep ``theta0`` and only recompute the factorisation.
        """
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).ravel()
        self._y_mean = float(y.mean())
        std = float(y.std())
        self._y_std = std if std > 1e-12 else 1.0
        ys = (y - self._y_mean) / self._y_std
        theta = (
            self.default_theta() if theta0 is None else np.array(theta0, dtype=float)
        )
        bounds = self.bounds()
        lo = np.array([b[0] for b in bounds])
        hi = np.array([b[1] for b in bounds])
        theta = np.clip(theta, lo, hi)
        if optimize and len(y) > 1:
            D2 = self._group_sq_dists(X, X).reshape(self.n_groups, -1)
            starts = [theta]
            if n_restarts > 0:
                rng = random_state if random_state is not None else np.random
                mu = self.default_theta()
                sd = np.concatenate(
                    [np.full(self.n_groups, _LS_PRIOR[1]), [_SIGNAL_PRIOR[1], 0.5]]
                )
                for _ in range(n_restarts):
                    starts.append(
                        np.clip(mu + sd * rng.standard_normal(len(mu)), lo, hi)
                    )
            best_val, best_theta = np.inf, theta
            for start in starts:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = minimize(
                        self._neg_log_posterior,
                        start,
                        args=(D2, ys),
                        jac=True,
                        method="L-BFGS-B",
                        bounds=bounds,
                        options={"maxiter": maxiter, "ftol": 1e-7, "gtol": 1e-4},
                    )
                if np.isfinite(res.fun) and res.fun < best_val:
                    best_val, best_theta = float(res.fun), np.asarray(res.x)
            theta = best_theta
        self.theta_ = theta
        self._condition(X, ys)
        return self

    def _condition(self, X: np.ndarray, ys: np.ndarray) -> None:
        G = self.n_groups
        self.X_train_ = X
        self.y_train_ = ys
        self._signal = math.exp(self.theta_[G])
        noise = math.exp(self.theta_[G + 1])
        K, _ = _matern52(self._sq_dist(X, X, self.theta_[:G]), self._signal)
        K[np.diag_indices_from(K)] += noise + _JITTER
        jitter = _JITTER
        while True:
            try:
                self._L = cholesky(K, lower=True, check_finite=False)
                break
            except LinAlgError:
                # Nearly duplicate rows with tiny noise: add jitter until the
                # factorisation succeeds.
                jitter *= 10.0
                K[np.diag_indices_from(K)] += jitter
        self._alpha = cho_solve((self._L, True), ys, check_finite=False)

    def condition_on(self, X_new: np.ndarray, y_new: np.ndarray) -> GaussianProcess:
        """A copy with extra observations added, hyperparameters unchanged.

        ``y_new`` is on the original (unstandardised) scale. Used for
        "kriging believer" batches: a pending point is added with its
        predicted mean so that the next proposal moves elsewhere.
        """
        other = GaussianProcess(self.groups)
        other.theta_ = self.theta_
        other._y_mean, other._y_std = self._y_mean, self._y_std
        ys_new = (np.asarray(y_new, dtype=float).ravel() - self._y_mean) / self._y_std
        other._condition(
            np.vstack([self.X_train_, np.atleast_2d(X_new)]),
            np.concatenate([self.y_train_, ys_new]),
        )
        return other

    # -- prediction -----------------------------------------------------------
    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation (of the latent function)."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        Ks, _ = _matern52(
            self._sq_dist(X, self.X_train_, self.theta_[: self.n_groups]),
            self._signal,
        )
        mean = Ks @ self._alpha
        v = solve_triangular(self._L, Ks.T, lower=True, check_finite=False)
        var = np.maximum(self._signal - np.einsum("ij,ij->j", v, v), 1e-12)
        return mean * self._y_std + self._y_mean, np.sqrt(var) * self._y_std

    def log_marginal_likelihood(self, theta: np.ndarray | None = None) -> float:
        """Log marginal likelihood of the (standardised) training targets."""
        theta = self.theta_ if theta is None else np.asarray(theta, dtype=float)
        D2 = self._group_sq_dists(self.X_train_, self.X_train_)
        D2 = D2.reshape(self.n_groups, -1)
        val, _ = self._neg_log_posterior(theta, D2, self.y_train_)
        return -val - self._log_prior(theta)
