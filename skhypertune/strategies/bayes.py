"""Bayesian optimisation with a Gaussian process: the strategy of BayesSearchCV.

Outline of one proposal (``ask``):

1. Until ``n_initial_points`` observations exist, serve a scrambled Sobol
   design (space-filling, snapped to valid values; ``initial_design="random"``
   draws it uniformly instead).
2. Otherwise warp the scores (failed fits get the lower quartile of the
   observed scores), encode the points for the GP (categorical coordinates
   one-hot, one shared length scale per parameter; inactive coordinates of
   a conditional space constant) and fit the
   :class:`~skhypertune.strategies._gp.GaussianProcess`.
3. Score many candidates with the logarithm of expected improvement: random
   points of the cube and perturbations of the best observations, then
   polish the most promising ones with a shrinking local search. When some
   fits failed, expected improvement is multiplied by a power of the
   probability that the fit succeeds, estimated from the nearest evaluated
   points, so the search learns to avoid where fits fail.
4. Return the best candidate whose parameter set was never evaluated. For a
   batch, add it to the model with its predicted mean ("kriging believer")
   and repeat, so the batch spreads out.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfcx, ndtr

from ..space import SearchSpace
from ._base import Strategy
from ._gp import GaussianProcess

__all__ = ["GPStrategy", "log_expected_improvement"]

_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_EPS = 1e-9
# Failed evaluations are imputed with this quantile of the finite scores.
_IMPUTE_QUANTILE = 0.25
# Success model (expected improvement is multiplied by P(success)**power):
# the most recent failures it looks at, the weight of a prior success
# relative to the nearest evaluation, the width of its kernel in the GP's
# input encoding, and the power. Chosen by measurement (see the commit adding
# them); a kernel scaled by the GP's length scales did worse, as those follow
# how the score varies, not where fits fail.
_MAX_FAILURES = 200
_SUCCESS_PRIOR = 0.01
_SUCCESS_WIDTH = 0.05
_SUCCESS_POWER = 2.0

# Weight of the sum in ParEGO's augmented Chebyshev scalarisation: it breaks
# ties between points the max term scores alike (Knowles, 2006, uses 0.05).
_CHEBYSHEV_RHO = 0.05

_BLAS = None


def _single_thread_blas():
    """Context manager limiting BLAS to one thread.

    The matrices here have at most a few hundred rows: threading them costs
    more than it saves, and next to parallel CV fits it is far slower.
    """
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # threadpoolctl < 3 (allowed by scikit-learn 1.4)
            from threadpoolctl import threadpool_limits

            return threadpool_limits(limits=1, user_api="blas")
        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def log_expected_improvement(mean, std, best, xi: float = 0.0) -> np.ndarray:
    """Logarithm of the expected improvement over ``best`` (maximisation).

    Stable far below the incumbent, where the improvement itself underflows
    to zero but candidates must still be ranked.
    """
    std = np.maximum(np.asarray(std, dtype=float), 1e-12)
    z = (np.asarray(mean, dtype=float) - best - xi) / std
    out = np.empty_like(z)
    hi = z > -5.0
    zh = z[hi]
    h = zh * ndtr(zh) + np.exp(-0.5 * zh * zh) / math.sqrt(2.0 * math.pi)
    out[hi] = np.log(np.maximum(h, 1e-300))
    zl = z[~hi]
    # For z < 0: h(z) = phi(z) * (1 - |z| * erfcx(|z| / sqrt(2)) * sqrt(pi / 2))
    ratio = -zl * erfcx(-zl / math.sqrt(2.0)) * _SQRT_HALF_PI
    tail = -np.expm1(np.log(ratio))
    out[~hi] = -0.5 * zl * zl - _LOG_SQRT_2PI + np.log(np.maximum(tail, 1e-300))
    return out + np.log(std)


class _Geometry:
    """How a SearchSpace looks to the GP: its feature columns and their groups."""

    def __init__(self, space: SearchSpace):
        self.space = space
        dims = space.dimensions
        self.categorical = np.array([d.kind == "categorical" for d in dims])
        self.numeric = ~self.categorical
        # GP feature columns: one per numeric coordinate, a scaled one-hot
        # block per categorical (distance 1 between two levels); constant
        # coordinates (a single level) are dropped.
        cols, groups, g = [], [], 0
        for j, d in enumerate(dims):
            if d.kind == "categorical":
                if (d.n_levels or 1) < 2:
                    continue
                cols.append((j, d.n_levels))
                groups.extend([g] * d.n_levels)
            else:
                cols.append((j, 0))
                groups.append(g)
            g += 1
        self.cols = cols
        self.groups = np.array(groups, dtype=int)
        self.n_features = len(groups)

    def features(self, U: np.ndarray) -> np.ndarray:
        """GP inputs for snapped points."""
        active = self.space.active_mask(U)
        F = np.zeros((len(U), self.n_features))
        c = 0
        for j, k in self.cols:
            if k == 0:
                F[:, c] = U[:, j]
                c += 1
            else:
                level = np.minimum((U[:, j] * k).astype(int), k - 1)
                block = np.zeros((len(U), k))
                block[np.arange(len(U)), level] = math.sqrt(0.5)
                block[~active[:, j]] = 0.0
                F[:, c : c + k] = block
                c += k
        return F


def _warp(y: np.ndarray, how: str) -> np.ndarray:
    """Transform finite scores before the GP sees them (order preserving)."""
    if how == "rank":
        from scipy.special import ndtri
        from scipy.stats import rankdata

        r = rankdata(y, method="average")
        return ndtri((r - 0.5) / len(y))
    if how == "clip":
        # Pull the lower tail (failed or terrible configurations) in, so it
        # does not dominate the standardisation; keeps magnitudes elsewhere.
        med = np.median(y)
        q = np.percentile(y, [25, 75])
        spread = max(q[1] - q[0], 1e-12)
        lo = med - 2.0 * spread
        below = y < lo
        out = y.copy()
        out[below] = lo - spread * np.log1p((lo - y[below]) / spread)
        return out
    return y


class GPStrategy(Strategy):
    """Gaussian-process Bayesian optimisation with expected improvement.

    Parameters
    ----------
    space : SearchSpace
        The space to search.
    random_state : numpy.random.RandomState
        The only source of randomness.
    n_initial_points : int, default=10
        Observations gathered from a scrambled Sobol design before the model
        is used. Points told from elsewhere (seeds, earlier fits) count.
    xi : float, default=0.0
        Exploration margin of expected improvement, in units of the standard
        deviation of the (warped) scores.
    warp : {"clip", "rank", "none"}, default="clip"
        How scores are transformed before the GP sees them.
    max_train : int, default=200
        Observations the GP is conditioned on at most; beyond it the best half
        and a random selection of the rest are kept, so the cost per proposal
        stops growing.
    max_fit : int, default=100
        Observations the hyperparameters are fitted on at most.
    n_candidates : int, default=256
        Random candidates scored per proposal (plus local perturbations of
        the best observations and a polishing search).
    initial_design : {"sobol", "random"}, default="sobol"
        How the ``n_initial_points`` design points are drawn: a scrambled
        Sobol sequence (space-filling) or uniformly at random.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import uniform
    >>> from skhypertune.space import SearchSpace
    >>> from skhypertune.strategies.bayes import GPStrategy
    >>> space = SearchSpace({"x": uniform(-2, 4)})
    >>> strategy = GPStrategy(space, np.random.RandomState(0), n_initial_points=4)
    >>> for _ in range(10):
    ...     u = strategy.ask(1)
    ...     x = space.decode(u[0])["x"]
    ...     strategy.tell(u, [-(x - 0.5) ** 2])
    >>> bool(abs(space.decode(strategy.X_[np.argmax(strategy.y_)])["x"] - 0.5) < 0.1)
    True
    """

    def __init__(
        self,
        space: SearchSpace,
        random_state: np.random.RandomState,
        *,
        n_initial_points: int = 10,
        xi: float = 0.0,
        warp: str = "clip",
        max_train: int = 200,
        max_fit: int = 100,
        n_candidates: int = 256,
        initial_design: str = "sobol",
    ):
        super().__init__(space, random_state)
        if initial_design not in ("sobol", "random"):
            raise ValueError(
                f"initial_design must be 'sobol' or 'random', got {initial_design!r}."
            )
        self.n_initial_points = n_initial_points
        self.xi = xi
        self.warp = warp
        self.max_train = max_train
        self.max_fit = max_fit
        self.n_candidates = n_candidates
        self.initial_design = initial_design
        self._geo = _Geometry(space)
        self._told_keys: set = set()
        self._design: np.ndarray | None = None
        self._design_pos = 0
        self._theta: np.ndarray | None = None
        self._n_at_fit = 0
        self._n_fits = 0
        self._success = None

    # -- ask / tell ---------------------------------------------------------
    def tell(self, points, scores) -> None:
        points = self.space.snap(np.atleast_2d(np.asarray(points, dtype=float)))
        super().tell(points, scores)
        for u in points:
            self._told_keys.add(self.space.point_key(u))

    def n_ready(self) -> int:
        # Design points are fixed in advance; the model needs every one of them.
        return max(self.n_initial_points - len(self.y_), 0)

    def ask(self, n: int, pending: np.ndarray | None = None) -> np.ndarray:
        """``n`` points; ``pending`` ones (still being evaluated) are believed.

        The model is conditioned on the pending points at their predicted
        mean, as on the earlier points of one batch, so an asynchronous
        proposal moves away from what is already running.
        """
        n = int(n)
        if n <= 0:
            return np.empty((0, self.space.n_dims))
        with _single_thread_blas():
            return self._ask(n, pending)

    def _ask(self, n: int, pending: np.ndarray | None = None) -> np.ndarray:
        running: list[np.ndarray] = []
        keys: set = set()
        if pending is not None and len(pending):
            running = list(self.space.snap(np.atleast_2d(pending)))
            keys = {self.space.point_key(u) for u in running}
        chosen: list[np.ndarray] = []
        rng = self.random_state
        n_design = len(self.y_) + len(running)
        while len(chosen) < n and n_design + len(chosen) < self.n_initial_points:
            u = self._next_design_point(keys)
            if u is None:
                break
            chosen.append(u)
        if len(chosen) < n:
            finite = self.y_[np.isfinite(self.y_)]
            if len(finite) < 2 or np.ptp(finite) <= 0 or self._geo.n_features == 0:
                # Nothing to model yet (all failed or all equal): spread out.
                while len(chosen) < n:
                    chosen.append(self._space_filling_point(running + chosen, keys))
            elif self.Y_ is not None:
                # Several objectives: new weights, so a new model, per point.
                while len(chosen) < n:
                    chosen.extend(self._model_points(1, keys, running + chosen, rng))
            else:
                chosen.extend(
                    self._model_points(n - len(chosen), keys, running + chosen, rng)
                )
        return np.array(chosen).reshape(-1, self.space.n_dims)

    # -- phases -------------------------------------------------------------
    def _next_design_point(self, keys: set) -> np.ndarray | None:
        if self._design is None:
            self._design = self.space.sample(
                max(self.n_initial_points, 1),
                self.random_state,
                method=self.initial_design,
            )
        while self._design_pos < len(self._design):
            u = self._design[self._design_pos]
            self._design_pos += 1
            k = self.space.point_key(u)
            if k not in self._told_keys and k not in keys:
                keys.add(k)
                return u
        return None

    def _space_filling_point(self, chosen, keys: set) -> np.ndarray:
        """The random candidate farthest from everything evaluated or chosen."""
        cand = self.space.snap(self.random_state.rand(256, self.space.n_dims))
        # The latest evaluations are enough to spread out from (and bound
        # the cost when a long search has only failures).
        ref = np.vstack([self.X_[-500:]] + [np.atleast_2d(c) for c in chosen])
        if len(ref):
            F, R = self._geo.features(cand), self._geo.features(ref)
            d2 = ((F[:, None, :] - R[None, :, :]) ** 2).sum(-1).min(1)
            order = np.argsort(-d2, kind="stable")
        else:
            order = np.arange(len(cand))
        return self._first_unseen(cand, order, keys)

    def _first_unseen(self, cand: np.ndarray, order, keys: set) -> np.ndarray:
        for i in order:
            k = self.space.point_key(cand[i])
            if k not in self._told_keys and k not in keys:
                keys.add(k)
                return cand[i]
        for _ in range(20):
            # Every candidate was evaluated already (a small discrete space):
            # try fresh random points.
            for u in self.space.snap(self.random_state.rand(64, self.space.n_dims)):
                k = self.space.point_key(u)
                if k not in self._told_keys and k not in keys:
                    keys.add(k)
                    return u
        return cand[order[0]]  # the space is exhausted; the search loop stops

    def _training_data(self, rng):
        """Observations for the GP (at most ``max_train``), failures imputed.

        A failed fit gets the lower quartile of the finite scores: not so low
        that a failure next to the optimum bends the model into a cliff there
        (the worst score seen can be orders of magnitude below the good
        ones). Avoiding where fits fail is the success model's job. Also
        returns which of the kept observations succeeded.
        """
        y = self.y_.copy() if self.Y_ is None else self._scalarised(rng)
        finite = np.isfinite(y)
        y[~finite] = np.quantile(y[finite], _IMPUTE_QUANTILE)
        X = self.X_
        if len(y) > self.max_train:
            order = np.argsort(-y, kind="stable")
            n_best = self.max_train // 2
            rest = rng.choice(order[n_best:], self.max_train - n_best, replace=False)
            idx = np.sort(np.concatenate([order[:n_best], rest]))
            X, y, finite = X[idx], y[idx], finite[idx]
        return X, _warp(y, self.warp), finite

    def _scalarised(self, rng) -> np.ndarray:
        """Several objectives as one score, under random weights (ParEGO).

        Each objective is scaled to [0, 1] over the evaluated points (1 the
        best seen), and a point scores minus its augmented Chebyshev
        distance to that ideal under weights drawn uniformly from the
        simplex: maximising it for one draw finds one point of the Pareto
        front, and fresh weights for every proposal spread the proposals
        along it. Rows with a missing objective stay missing (failed fits).
        """
        Y = self.Y_
        ok = ~np.isnan(Y).any(axis=1)
        y = np.full(len(Y), np.nan)
        if not ok.any():
            return y
        lo, hi = Y[ok].min(axis=0), Y[ok].max(axis=0)
        gap = (hi - Y[ok]) / np.where(hi > lo, hi - lo, 1.0)
        w = rng.dirichlet(np.ones(Y.shape[1]))
        y[ok] = -((w * gap).max(axis=1) + _CHEBYSHEV_RHO * (w * gap).sum(axis=1))
        return y

    def _fit_model(self, X, y, rng) -> GaussianProcess:
        gp = GaussianProcess(self._geo.groups)
        F = self._geo.features(X)
        n = len(y)
        # Hyperparameters move little once there is data: with many
        # observations they are refitted every few proposals only, warm
        # started; random restarts are for the first, scarce-data fits.
        n_obs = len(self.y_)
        if self._theta is not None and n_obs - self._n_at_fit < n_obs // 25:
            gp.fit(F, y, theta0=self._theta, optimize=False)
            return gp
        n_restarts = 0
        if self._theta is None:
            n_restarts = 2
        elif n <= 50 and self._n_fits % 4 == 0:
            n_restarts = 1
        self._n_fits += 1
        if n > self.max_fit:
            order = np.argsort(-y, kind="stable")
            n_best = self.max_fit // 2
            rest = rng.choice(order[n_best:], self.max_fit - n_best, replace=False)
            idx = np.concatenate([order[:n_best], rest])
            gp.fit(
                F[idx],
                y[idx],
                theta0=self._theta,
                n_restarts=n_restarts,
                random_state=rng,
                maxiter=50,
            )
            gp.fit(F, y, theta0=gp.theta_, optimize=False)
        else:
            gp.fit(
                F,
                y,
                theta0=self._theta,
                n_restarts=n_restarts,
                random_state=rng,
                maxiter=100,
            )
        self._theta = gp.theta_
        self._n_at_fit = n_obs
        return gp

    def _success_model(self, X, ok):
        """Scaled features and success flags of evaluated points, or None.

        None without failures, so searches where every fit succeeds are
        unchanged. Successes are the GP's training points (a bounded set),
        failures the most recent ``_MAX_FAILURES`` ones.
        """
        failed = ~np.isfinite(self.y_)
        if not failed.any():
            return None
        P = np.vstack([X[ok], self.X_[failed][-_MAX_FAILURES:]])
        is_ok = np.concatenate([np.ones(ok.sum()), np.zeros(len(P) - ok.sum())])
        return self._geo.features(P) / _SUCCESS_WIDTH, is_ok

    def _log_success(self, F, model) -> np.ndarray:
        """Log probability that a fit succeeds, from the nearest evaluations.

        A soft nearest-neighbour classifier: Gaussian weights on the GP's
        inputs, relative to the nearest evaluated point (so a candidate far
        from everything, e.g. in a corner of the cube, is judged by its
        nearest neighbours, not by the prior), plus a small prior success.
        A candidate whose nearest evaluation failed gets a small probability;
        one as near that succeeded cancels it. The GP alone, with failures
        imputed as mediocre scores, keeps exploring the gaps between
        failures, where it is uncertain.
        """
        P, is_ok = model
        Fs = F / _SUCCESS_WIDTH
        r2 = (
            np.sum(Fs * Fs, axis=1)[:, None]
            + np.sum(P * P, axis=1)[None, :]
            - 2.0 * Fs @ P.T
        )
        w = np.exp(-0.5 * (r2 - r2.min(axis=1, keepdims=True)))
        p = (w @ is_ok + _SUCCESS_PRIOR) / (w.sum(axis=1) + _SUCCESS_PRIOR)
        return np.log(p)

    def _model_points(self, n: int, keys: set, chosen, rng) -> list[np.ndarray]:
        X, y, ok = self._training_data(rng)
        gp = self._fit_model(X, y, rng)
        self._success = self._success_model(X, ok)
        if chosen:
            # Points of this batch (and running ones) are pending: believe
            # their mean.
            C = np.array(chosen)
            F = self._geo.features(C)
            gp = gp.condition_on(F, gp.predict(F)[0])
        best = float(np.max(y))
        xi = self.xi * float(np.std(y)) if len(y) > 1 else 0.0
        top = X[np.argsort(-y, kind="stable")[:5]]
        base = self._candidates(top, rng)
        out = []
        for i in range(n):
            acq = self._acquisition(gp, base, best, xi)
            cand, acq = self._polish(gp, base, acq, best, xi, rng)
            order = np.argsort(-acq, kind="stable")
            u = self._first_unseen(cand, order, keys)
            out.append(u)
            if i + 1 < n:
                f = self._geo.features(u[None, :])
                gp = gp.condition_on(f, gp.predict(f)[0])
        return out

    # -- acquisition --------------------------------------------------------
    def _acquisition(self, gp, U, best, xi) -> np.ndarray:
        F = self._geo.features(U)
        mean, std = gp.predict(F)
        acq = log_expected_improvement(mean, std, best, xi)
        if self._success is not None:
            # Expected improvement times the probability that the fit succeeds.
            acq = acq + _SUCCESS_POWER * self._log_success(F, self._success)
        return acq

    def _perturb(self, centres: np.ndarray, n_each: int, scales, rng, cat_prob):
        """Gaussian steps on numeric coordinates, level flips on categoricals."""
        d = self.space.n_dims
        P = np.repeat(centres, n_each, axis=0)
        m = len(P)
        sigma = rng.choice(np.asarray(scales), size=(m, 1))
        step = rng.standard_normal((m, d)) * sigma
        move = rng.rand(m, d) < 0.5
        num = self._geo.numeric
        P[:, num] += np.where(move[:, num], step[:, num], 0.0)
        cat = self._geo.categorical
        if cat.any() and cat_prob > 0:
            flip = (rng.rand(m, d) < cat_prob) & cat[None, :]
            P[flip] = rng.rand(int(flip.sum()))
        # Reflect at the cube's faces rather than piling points on them.
        P = np.abs(P)
        P = 1.0 - np.abs(1.0 - P)
        return self.space.snap(P)

    def _candidates(self, top: np.ndarray, rng) -> np.ndarray:
        d = self.space.n_dims
        n_cat = int(self._geo.categorical.sum())
        cat_prob = 1.0 / max(n_cat, 1)
        parts = [self.space.snap(rng.rand(self.n_candidates, d))]
        if len(top):
            parts.append(
                self._perturb(
                    top, self.n_candidates // 8, (0.02, 0.05, 0.1, 0.2), rng, cat_prob
                )
            )
        return np.vstack(parts)

    def _polish(self, gp, cand, acq, best, xi, rng):
        """Shrinking local search around the most promising candidates."""
        for scale in (0.05, 0.015, 0.004):
            idx = np.argsort(-acq, kind="stable")[:5]
            local = self._perturb(
                cand[idx], self.n_candidates // 20, (scale,), rng, 0.0
            )
            local_acq = self._acquisition(gp, local, best, xi)
            cand = np.vstack([cand, local])
            acq = np.concatenate([acq, local_acq])
        return cand, acq
