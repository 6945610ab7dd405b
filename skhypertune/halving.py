"""Successive halving and Hyperband searches.

:class:`HalvingRandomSearchCV` and :class:`HalvingGridSearchCV` are stable
drop-ins for scikit-learn's experimental classes of the same names: same
parameters, same iterations, same fitted attributes, no
``enable_halving_search_cv`` import; they share one successive-halving run.
:class:`HyperbandSearchCV` runs several halving brackets (Hyperband) and can
let later brackets propose their candidates from a Gaussian-process model of
the results so far (BOHB-style, ``sampler="bayes"``).

Why two classes rather than extra parameters on the first: Hyperband has no
``n_candidates``, ``min_resources='exhaust'`` or ``aggressive_elimination``
(each bracket fixes those), and its result is the best candidate at the full
resource across brackets, not the last iteration's. Keeping
:class:`HalvingRandomSearchCV` exactly scikit-learn's estimator means its
parameters, defaults and attributes mean what scikit-learn's documentation says.
"""

from __future__ import annotations

import contextlib
import itertools
import time
import warnings
from collections import defaultdict
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn import get_config
from sklearn.base import is_classifier
from sklearn.metrics import get_scorer_names
from sklearn.model_selection import ParameterGrid, check_cv
from sklearn.utils import check_random_state, indexable, resample
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples

from . import _sklearn_compat as compat
from . import checkpoint as _checkpoint
from ._search import (
    BaseHyperSearchCV,
    _concat_results,
    _objective,
    _replace_results,
)
from .space import SearchSpace
from .strategies import RandomStrategy, Strategy
from .strategies.halving import (
    HalvingPlan,
    n_kept,
    plan_halving,
    plan_hyperband,
    rung_counts,
)

__all__ = ["HalvingGridSearchCV", "HalvingRandomSearchCV", "HyperbandSearchCV"]

# The steering parameters of skhypertune's searches (not scikit-learn's).
_STEERING = ("initial_params", "callbacks", "max_time", "checkpoint")

# min_resources values from which min_resources_ is derived.
_DERIVED = ("smallest", "exhaust")

# Enumerate an all-list space (and sample it without replacement, as
# scikit-learn's ParameterSampler does) up to this many parameter sets.
_MAX_GRID = 100_000


class _SubsampleSplitter:
    """Each fold of ``base_cv`` with a fraction of its train and test indices.

    Subsamples without replacement with :func:`sklearn.utils.resample`, fold
    by fold, train and test alike, from the same seed for every fold and
    iteration: what scikit-learn's successive halving does, so that the two
    evaluate candidates on the same samples.
    """

    def __init__(self, base_cv, fraction: float, random_state):
        self.base_cv = base_cv
        self.fraction = fraction
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.base_cv.get_n_splits(X, y, groups)

    def split(self, X, y=None, **split_params):
        for train, test in self.base_cv.split(X, y, **split_params):
            yield self._sub(train), self._sub(test)

    def _sub(self, idx):
        return resample(
            idx,
            replace=False,
            n_samples=int(self.fraction * len(idx)),
            random_state=self.random_state,
        )


def _yields_constant_splits(cv) -> bool:
    """False when two calls to ``cv.split`` may give different folds."""
    shuffle = getattr(cv, "shuffle", True)
    random_state = getattr(cv, "random_state", 0)
    return isinstance(random_state, Integral) or not shuffle


def _all_lists(space: SearchSpace) -> bool:
    """True when every parameter is given as a list of values."""
    return all(
        isinstance(space.dimensions[j].prior, (list, tuple, np.ndarray))
        for idx in space._branch_dims
        for j in idx
    )


def _grid_points(space: SearchSpace) -> np.ndarray | None:
    """Every point of an all-list space, or None if the space has a distribution."""
    if not _all_lists(space) or space.cardinality() > _MAX_GRID:
        return None
    rows = []
    for b, idx in enumerate(space._branch_dims):
        dims = [space.dimensions[j] for j in idx]
        for levels in itertools.product(*(range(d.n_levels) for d in dims)):
            u = np.full(space.n_dims, 0.5)
            for j, d, level in zip(idx, dims, levels):
                u[j] = (level + 0.5) / d.n_levels
            if space.n_branches > 1:
                u[0] = (b + 0.5) / space.n_branches
            rows.append(u)
    return np.array(rows, dtype=float).reshape(len(rows), space.n_dims)


def _best_in(results, metric: str, rows: np.ndarray) -> int:
    """Index of the best of ``rows`` on ``metric`` (the first if all failed)."""
    scores = np.asarray(results[f"mean_test_{metric}"], dtype=float)[rows]
    if np.isnan(scores).all():
        return int(rows[0])
    return int(rows[np.nanargmax(scores)])


class _BaseHalving(BaseHyperSearchCV):
    """Resource handling and the rung loop shared by both searches."""

    _parameter_constraints: dict = {
        **{
            k: v
            for k, v in compat.BaseSearchCV._parameter_constraints.items()
            if k != "pre_dispatch"
        },
        "param_distributions": [dict, list],
        "factor": [compat.Interval(Real, 1, None, closed="neither")],
        "resource": [str],
        "max_resources": [
            compat.Interval(Integral, 0, None, closed="neither"),
            compat.StrOptions({"auto"}),
        ],
        "random_state": ["random_state"],
        **{k: BaseHyperSearchCV._parameter_constraints[k] for k in _STEERING},
    }

    _batch_column = "iter"
    # iter and n_resources are scikit-learn's own halving columns.
    _history_columns: tuple[str, ...] = ()

    # -- validation -------------------------------------------------------
    def _check_search_params(self) -> None:
        if getattr(self, "checkpoint", None) is not None and (
            isinstance(self.random_state, bool)
            or not isinstance(self.random_state, Integral)
        ):
            raise ValueError(
                "checkpoint needs random_state to be an int with "
                f"{type(self).__name__}: a resumed search reuses the finished "
                "iterations only if it draws the same candidates and subsamples "
                f"again; got random_state={self.random_state!r}."
            )

    def _searched_names(self) -> set:
        """Names of the parameters the search sets on the estimator."""
        return set(self._space.param_names)

    def _check_exhaust(self) -> None:
        """Refuse settings that cannot both be 'exhaust' (none here)."""

    def _split_params(self, params) -> dict:
        """What ``cv.split`` receives, as in ``BaseSearchCV.fit``.

        With metadata routing enabled, whatever the splitter requested
        (``groups``, or any other metadata); otherwise ``groups`` only.
        """
        if get_config().get("enable_metadata_routing", False):
            return dict(self._get_routed_params_for_fit(params).splitter.split)
        return {"groups": params.get("groups")}

    def _check_inputs(self, X, y, split_params) -> tuple[int, int]:
        """scikit-learn's input checks, in its order; returns the resources.

        (Not named like ``BaseSearchCV._check_input_parameters``, which
        recent scikit-learn releases call again from their own ``fit``.)

        The messages start with scikit-learn's own text (its tests match
        them), sometimes followed by a hint of ours. Returns
        ``min_resources_`` before resolving 'exhaust' and ``max_resources_``.
        """
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        self._cv_orig = cv
        if not _yields_constant_splits(cv):
            raise ValueError(
                "The cv parameter must yield consistent folds across calls to "
                "split(). Set its random_state to an int, or set shuffle=False. "
                "(Every halving iteration splits the data again and must get "
                "the same folds.)"
            )
        resource = self.resource
        if resource != "n_samples" and resource not in self.estimator.get_params():
            raise ValueError(
                f"Cannot use resource={resource} which is not supported by "
                f"estimator {type(self.estimator).__name__}: it is not one of its "
                "parameters. Use 'n_samples' or an integer parameter such as "
                "'n_estimators' or 'max_iter'."
            )
        self._check_exhaust()
        n_samples = _num_samples(X)
        self._n_samples_orig = n_samples
        n_splits = cv.get_n_splits(X, y, **split_params)
        self._n_splits = n_splits

        min_res = self.min_resources
        if min_res in _DERIVED:
            if resource == "n_samples":
                # Two samples per class and fold, so that the smallest
                # iteration can still be cross-validated.
                min_res = 2 * n_splits
                if is_classifier(self.estimator):
                    if y is None:
                        raise ValueError(
                            f"{type(self.estimator).__name__} requires y to be "
                            "passed, but the target y is None."
                        )
                    y = np.asarray(y)
                    check_classification_targets(y)
                    min_res *= len(np.unique(y))
            else:
                min_res = 1
        if self.max_resources == "auto":
            if resource != "n_samples":
                raise ValueError(
                    "resource can only be 'n_samples' when max_resources='auto'; "
                    f"with resource={resource!r} give max_resources as an integer "
                    f"(the largest value of {resource!r} to try)."
                )
            max_res = n_samples
        else:
            max_res = self.max_resources
        if min_res > max_res:
            hint = ""
            if resource == "n_samples" and self.min_resources in _DERIVED:
                per = (
                    " per CV split and class of y"
                    if is_classifier(self.estimator)
                    else " per CV split"
                )
                hint = (
                    f" X has n_samples={n_samples}, and min_resources="
                    f"{self.min_resources!r} needs 2 samples{per} ({n_splits} "
                    "splits)."
                )
            raise ValueError(
                f"min_resources_={min_res} is greater than max_resources_="
                f"{max_res}.{hint}"
            )
        if min_res == 0:
            raise ValueError(
                f"min_resources_={min_res}: you might have passed an empty dataset X."
            )
        # scikit-learn checks this when its search starts, before any fit.
        searched = self._searched_names()
        if resource != "n_samples" and resource in searched:
            raise ValueError(
                f"Cannot use parameter {resource} as the resource since it is part "
                "of the searched parameters."
            )
        if resource == "n_samples" and max_res > n_samples:
            raise ValueError(
                f"max_resources={max_res} is greater than the number of samples "
                f"in X ({n_samples}) with resource='n_samples'."
            )
        return int(min_res), int(max_res)

    def _check_small_folds(self, X, y, split_params, n_resources: int) -> None:
        """Refuse empty subsampled CV folds, warn about one-sample training sets.

        scikit-learn runs a search whose first iteration leaves a single
        training sample in a fold (the fits that fail get ``error_score``),
        and so do we, with a warning; it fails when a subsampled fold would be
        empty, and so do we, before any fit and with its message first.
        """
        if self.resource != "n_samples":
            return
        fraction = n_resources / self._n_samples_orig
        for train, test in self._cv_orig.split(X, y, **split_params):
            n_train, n_test = int(fraction * len(train)), int(fraction * len(test))
            if n_train >= 2 and n_test >= 1:
                continue
            where = (
                f"The first iteration uses {n_resources} of "
                f"{self._n_samples_orig} samples, leaving {n_train} training "
                f"and {n_test} test samples in a CV fold"
            )
            if min(n_train, n_test) == 0:
                raise ValueError(
                    "The 'n_samples' parameter of resample must be an int in the "
                    f"range [1, inf) or None. Got {min(n_train, n_test)} instead. "
                    f"({where}; raise min_resources or use fewer splits.)"
                )
            warnings.warn(
                f"{where}: fits on a single sample may fail (they then get "
                "error_score). Raise min_resources or use fewer splits.",
                UserWarning,
                stacklevel=6,
            )
            return

    def _prepare(self, X, y, params) -> tuple[Any, Any]:
        X, y = indexable(X, y)
        split_params = self._split_params(params)
        min_res, max_res = self._check_inputs(X, y, split_params)
        self._plan_resources(X, y, split_params, min_res, max_res)
        return X, y

    def _plan_resources(self, X, y, split_params, min_res, max_res) -> None:
        raise NotImplementedError

    def fit(self, X, y=None, **params):
        super().fit(X, y, **params)
        if not getattr(self, "multimetric_", False) and hasattr(self, "best_index_"):
            self.best_score_ = float(
                self.cv_results_["mean_test_score"][self.best_index_]
            )
        return self

    # -- sampling and rungs -----------------------------------------------
    def _subsample_seed(self, rng):
        # scikit-learn subsamples with the user's random_state itself; with an
        # int we do the same (same samples), otherwise we draw one seed so
        # every iteration subsamples consistently and the fit is reproducible.
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(rng.randint(np.iinfo(np.int32).max))

    def _take_seeds(self, seeds: list, seen: set, n: int) -> np.ndarray:
        """Up to ``n`` unseen points of ``seeds`` (popped in order)."""
        space = self._space
        chosen = []
        while seeds and len(chosen) < n:
            u = seeds.pop(0)
            k = space.key(u)
            if k not in seen:  # the user may list a parameter set twice
                seen.add(k)
                chosen.append(u)
        return np.array(chosen).reshape(len(chosen), space.n_dims)

    def _start_steering(self) -> None:
        self._start = time.monotonic()
        self._rung_index = 0
        self._stopped_by_ = None

    def _after_rung(self, results) -> bool:
        """Callbacks and ``max_time`` after an iteration; True to stop."""
        stop = self._should_stop(
            results,
            list(results["params"]),
            _objective(results, self.refit),
            self._rung_index,
            self._start,
        )
        self._rung_index += 1
        return stop

    def _sample(self, strategy, seen: set, n: int, rng) -> np.ndarray:
        """``n`` distinct unseen points: without replacement on a grid."""
        space = self._space
        if self._grid is not None and isinstance(strategy, RandomStrategy):
            free = [u for u in self._grid if space.key(u) not in seen]
            if not free:
                return np.empty((0, space.n_dims))
            pick = rng.choice(len(free), size=min(n, len(free)), replace=False)
            U = np.array([free[i] for i in pick]).reshape(len(pick), space.n_dims)
            seen.update(space.key(u) for u in U)
            return U
        return self._propose(strategy, [], seen, n, rng)

    # -- checkpoint and warm start ---------------------------------------------
    # A halving search cannot simply tell a strategy what a checkpoint holds:
    # which candidates reach a rung depends on the rungs before. With the same
    # random stream it draws the same candidates again, so a resumed (or
    # warm-started) fit replays the stored rungs in order (no fitting) and goes
    # on live from the first candidate the stored results do not hold.
    @contextlib.contextmanager
    def _checkpoint_replay(self, evaluate_candidates):
        """The checkpoint open for one run; what it answered ends in cv_results_."""
        self._checkpoint = None
        self._rung_points: list = []  # the points of every row, rung by rung
        self._replayed_params: list = []
        self._live = None  # the dict evaluate_candidates returned last
        self._last_call = None
        try:
            self._checkpoint = self._open_checkpoint()
            stored, points = self._earlier_evaluations()
            self._stored = stored if len(points) else None
            self._stored_points = points
            yield
            self._merge_replayed(evaluate_candidates)
            if self._live is not None:
                self._split_history(self._live)
            self._remember_run()
        finally:
            if self._checkpoint is not None:
                self._checkpoint.close()
            for name in (
                "_checkpoint",
                "_stored",
                "_stored_points",
                "_replay_mismatch",
                "_rung_points",
                "_live",
                "_last_call",
                "_replayed_params",
                "_warm_seed",
                "_run_seed",
                "_format_cache",  # BaseHyperSearchCV's, for this fit only
            ):
                self.__dict__.pop(name, None)

    def _earlier_evaluations(self) -> tuple[dict | None, np.ndarray]:
        """Results and points to replay, in evaluation order: the checkpoint's."""
        ckpt = self._checkpoint
        if ckpt is not None and ckpt.n_records:
            self._replay_mismatch = (
                f"checkpoint {ckpt.path!r} holds other candidates than this "
                "search draws (was it written by another version of "
                "skhypertune?); delete it or pass another path."
            )
            return ckpt.results, ckpt.points
        return None, np.empty((0, 0))

    def _remember_run(self) -> None:
        """Keep what a later fit needs to continue this one (warm start)."""

    def _replayed(self) -> dict:
        """The candidates answered from the checkpoint, as cv_results_ columns."""
        n = len(self._replayed_params)
        out = {
            k: np.asarray(v)[:n]
            for k, v in self._stored.items()
            if not (k == "params" or k.startswith("param_") or k.startswith("rank_"))
        }
        for key, column in compat.param_columns(self._replayed_params):
            out[key] = column
        out["params"] = list(self._replayed_params)
        return out

    def _evaluate_rung(self, evaluate_candidates, U, candidates, cv, more, kwargs):
        """``evaluate_candidates``, answered from the checkpoint where it can."""
        n = len(U)
        k = 0
        if self._live is None and self._stored is not None:
            lo = len(self._replayed_params)
            k = min(n, len(self._stored_points) - lo)
            same = np.allclose(
                self._stored_points[lo : lo + k], U[:k], rtol=0, atol=1e-12
            ) and all(
                np.array_equal(np.asarray(self._stored[c][lo : lo + k]), v[:k])
                for c, v in more.items()
            )
            if not same:
                raise ValueError(self._replay_mismatch)
            self._replayed_params.extend(candidates[:k])
        self._rung_points.append(U)
        self._last_call = (candidates, cv, more, kwargs)
        if k == n:
            return self._replayed()
        self._live = evaluate_candidates(
            candidates[k:],
            cv,
            more_results={c: v[k:] for c, v in more.items()},
            **kwargs,
        )
        if self._checkpoint is not None:
            self._checkpoint.append(U[k:], self._live)
        if self._replayed_params:
            return _concat_results(self._replayed(), self._live)
        return self._live

    def _merge_replayed(self, evaluate_candidates) -> None:
        """Put the candidates answered from the checkpoint into ``cv_results_``."""
        if not self._replayed_params:
            return
        if self._live is None:
            # Everything was replayed; fit() still needs one evaluation in this
            # call, so score the last candidate again and keep its stored record.
            candidates, cv, more, kwargs = self._last_call
            self._live = evaluate_candidates(
                candidates[-1:],
                cv,
                more_results={c: v[-1:] for c, v in more.items()},
                **kwargs,
            )
            merged = self._replayed()
        else:
            merged = _concat_results(self._replayed(), self._live)
        _replace_results(self._live, merged, self._n_splits)

    @staticmethod
    def _promote(scores: np.ndarray, keep: int) -> np.ndarray:
        """Rows of the ``keep`` best scores: failed fits (NaN) rank last, ties
        keep their order, and so does the next iteration."""
        order = np.argsort(-np.where(np.isnan(scores), -np.inf, scores), kind="stable")
        return np.sort(order[:keep])

    def _run_rungs(
        self,
        evaluate_candidates,
        U: np.ndarray,
        resources,
        search_ctx,
        extra_columns: dict,
        on_rung=None,
        params: list | None = None,
    ) -> tuple[list[int], int, bool]:
        """Successive halving of points ``U`` through ``resources``.

        Returns the candidates per iteration run, how many were kept after the
        last, and whether a callback or ``max_time`` stopped the search.
        ``on_rung(U, scores, n_resources)`` sees every iteration's results.
        ``params`` are the candidates of ``U`` when they are not decoded from
        the search space (a grid's own parameter sets).
        """
        params = self._decode(U) if params is None else list(params)
        counts = rung_counts(len(U), self.factor, len(resources))
        for itr, (n, r) in enumerate(zip(counts, resources)):
            if self.verbose > 0:
                name = type(self).__name__
                print(f"[{name}] iter {itr}: {n} candidates, {r} {self.resource}")
            if self.resource == "n_samples":
                cv = _SubsampleSplitter(
                    self._cv_orig, r / self._n_samples_orig, self._seed
                )
                candidates = params
            else:
                cv = None
                candidates = [{**p, self.resource: r} for p in params]
            batch_ctx = compat.batch_context(
                search_ctx, self, n * getattr(self, "n_splits_", 1)
            )
            kwargs = {"callback_ctx": batch_ctx} if batch_ctx is not None else {}
            more = {"iter": [itr] * n, "n_resources": [r] * n}
            for key, value in extra_columns.items():
                more[key] = [value] * n
            results = self._evaluate_rung(
                evaluate_candidates, U, candidates, cv, more, kwargs
            )
            compat.end_context(batch_ctx, self)
            scores = _objective(results, self.refit)[-n:]
            if on_rung is not None:
                on_rung(U, scores, r)
            top = self._promote(scores, n_kept(n, self.factor))
            U = U[top]
            params = [params[i] for i in top]
            if self._after_rung(results):
                return counts[: itr + 1], len(U), True
        return counts, len(U), False


class _SuccessiveHalving(_BaseHalving):
    """One successive-halving run: scikit-learn's two halving searches.

    Subclasses give the first iteration's candidates (``_first_candidates``)
    and their number (``_n_first``); planning, the rungs, the fitted
    attributes and the choice of the best candidate are shared.
    """

    def _n_first(self, min_res: int, max_res: int) -> int:
        raise NotImplementedError

    def _first_candidates(self, rng) -> tuple[np.ndarray, list | None]:
        """Points of the first iteration, and their parameter sets if not decoded."""
        raise NotImplementedError

    def _plan_resources(self, X, y, split_params, min_res, max_res) -> None:
        self._plan = plan_halving(
            self._n_first(min_res, max_res),
            factor=self.factor,
            min_resources=min_res,
            max_resources=max_res,
            exhaust_min_resources=self.min_resources == "exhaust",
            aggressive_elimination=self.aggressive_elimination,
        )
        self._check_small_folds(X, y, split_params, self._plan.n_resources[0])
        if self.verbose > 0:
            p = self._plan
            print(
                f"n_iterations: {p.n_iterations}\n"
                f"n_required_iterations: {p.n_required_iterations}\n"
                f"n_possible_iterations: {p.n_possible_iterations}\n"
                f"min_resources_: {p.min_resources}\n"
                f"max_resources_: {p.max_resources}\n"
                f"aggressive_elimination: {self.aggressive_elimination}\n"
                f"factor: {self.factor}"
            )

    def _run_search(self, evaluate_candidates, callback_ctx=None):
        with self._checkpoint_replay(evaluate_candidates):
            self._run_halving(evaluate_candidates, callback_ctx)

    def _run_halving(self, evaluate_candidates, callback_ctx):
        plan: HalvingPlan = self._plan
        rng = check_random_state(self.random_state)
        self._seed = self._subsample_seed(rng)
        search_ctx = compat.search_context(callback_ctx, self)
        self._start_steering()
        U, params = self._first_candidates(rng)
        counts, remaining, _ = self._run_rungs(
            evaluate_candidates, U, plan.n_resources, search_ctx, {}, params=params
        )
        compat.end_context(search_ctx, self)
        self.n_resources_ = list(plan.n_resources[: len(counts)])
        self.n_candidates_ = counts
        self.n_remaining_candidates_ = remaining
        self.min_resources_ = plan.min_resources
        self.max_resources_ = plan.max_resources
        self.n_iterations_ = len(counts)
        self.n_possible_iterations_ = plan.n_possible_iterations
        self.n_required_iterations_ = plan.n_required_iterations

    @staticmethod
    def _promote(scores: np.ndarray, keep: int) -> np.ndarray:
        """Rows of the ``keep`` best scores, chosen and ordered as scikit-learn.

        Its ``_top_k``: ascending by score with failed fits (NaN) first, the
        last ``keep`` go on, in that order; ties break as numpy's default
        ``argsort`` breaks them. Same candidates in, same candidates out.
        """
        order = np.roll(np.argsort(scores), np.count_nonzero(np.isnan(scores)))
        return order[len(order) - keep :]

    def _candidate_budget(self) -> int:
        return int(sum(self._plan.n_candidates))

    @staticmethod
    def _select_best_index(refit, refit_metric, results):
        """The best candidate of the last iteration (or ``refit(cv_results_)``)."""
        if callable(refit):
            return compat.BaseSearchCV._select_best_index(refit, refit_metric, results)
        iters = np.asarray(results["iter"])
        return _best_in(results, refit_metric, np.flatnonzero(iters == iters.max()))


class HalvingRandomSearchCV(_SuccessiveHalving):
    """Randomized search with successive halving, stable and drop-in.

    The same estimator as scikit-learn's experimental
    :class:`~sklearn.model_selection.HalvingRandomSearchCV`, without the
    ``enable_halving_search_cv`` import: it samples ``n_candidates``
    parameter sets, evaluates all of them with a small resource (a subsample
    of the training data, or a small value of an estimator parameter such as
    ``n_estimators``), keeps the best ``1 / factor`` of them, multiplies the
    resource by ``factor``, and repeats. For the same settings it runs the
    same iterations as scikit-learn's class (``n_candidates_``,
    ``n_resources_`` and the other attributes are equal), and with an int
    ``random_state`` it subsamples the same training and test samples.

    Candidates are sampled from the :class:`~skhypertune.SearchSpace` of
    ``param_distributions`` (anything scikit-learn's ``RandomizedSearchCV``
    accepts). When every parameter is given as a list the candidates are
    drawn without replacement from the grid, as scikit-learn does; otherwise
    a parameter set is sampled twice only when the space has fewer distinct
    sets than ``n_candidates`` (scikit-learn samples such a space with
    replacement, ``n_candidates`` times, and so do we once every distinct set
    is drawn).

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune; it must provide ``score`` or ``scoring`` must
        be given.
    param_distributions : dict or list of dicts
        Parameter names mapped to scipy.stats distributions or lists of
        values, as for ``RandomizedSearchCV``. A list of dicts is a
        conditional space (one dict is chosen per candidate).
    n_candidates : int or 'exhaust', default='exhaust'
        Candidates sampled for the first iteration. ``'exhaust'`` samples
        ``max_resources_ // min_resources_`` so that the last iteration uses
        as much of the resource as possible. A grid (every parameter a list)
        with fewer parameter sets is evaluated whole, with scikit-learn's
        warning.
    factor : float, default=3
        Elimination rate: each iteration keeps ``ceil(n / factor)`` candidates
        and gives them ``factor`` times more resource. Must be greater than 1.
    resource : 'n_samples' or str, default='n_samples'
        What grows from iteration to iteration: the number of training
        samples, or any integer parameter of the estimator (for example
        ``'n_estimators'``, ``'max_iter'`` or ``'clf__max_iter'`` in a
        Pipeline). That parameter must not be searched over.
    max_resources : int or 'auto', default='auto'
        Largest resource a candidate gets. ``'auto'`` is the number of
        samples and requires ``resource='n_samples'``.
    min_resources : int, 'exhaust' or 'smallest', default='smallest'
        Resource of the first iteration. ``'smallest'`` is
        ``2 * n_splits * n_classes`` samples for a classifier,
        ``2 * n_splits`` for a regressor, or 1 for an estimator parameter.
        ``'exhaust'`` starts as high as possible so the last iteration gets
        (close to) ``max_resources``; it cannot be combined with
        ``n_candidates='exhaust'``.
    aggressive_elimination : bool, default=False
        When the resource runs out before fewer than ``factor`` candidates
        are left, repeat the first resource while eliminating, so that the
        last iteration has fewer than ``factor`` candidates.
    cv : int, cross-validation generator or iterable, default=5
        As for scikit-learn's searches. It must give the same folds on every
        call to ``split`` (set ``random_state`` when shuffling).
    scoring : str, callable, list, tuple, dict or None, default=None
        As for scikit-learn's searches. With several metrics, ``refit`` names
        the one that decides which candidates go on (scikit-learn's class
        allows a single metric only).
    refit : bool, str or callable, default=True
        Refit the best candidate of the last iteration on the whole dataset.
        A callable receives ``cv_results_`` and returns the index to refit.
    error_score : 'raise' or float, default=np.nan
        Score of a failed fit; failed candidates are eliminated first.
    return_train_score : bool, default=True
        Whether ``cv_results_`` includes training scores.
    random_state : int, RandomState instance or None, default=None
        Seeds the candidate sampling and the subsampling of ``n_samples``.
    n_jobs : int, default=None
        Parallel fits (joblib).
    verbose : int, default=0
        Print each iteration when positive.
    initial_params : list of dict, default=None
        Your own parameter sets (for example the estimator's defaults or last
        year's best), evaluated in the first iteration together with sampled
        candidates; they count towards ``n_candidates`` (seeds beyond it are
        ignored) and duplicates are evaluated once. They go on through the
        iterations like any other candidate.
    callbacks : callable or list of callables, default=None
        Called after every iteration with a read-only
        :class:`~skhypertune.callbacks.SearchState` over all ``cv_results_``
        rows so far (``scores`` is the optimised metric per row; rows
        evaluated at different resources are not comparable, and
        ``n_iter`` is the planned number of rows). Returning True or
        raising ``StopIteration`` ends the search after that iteration;
        the best candidate is then chosen among the last completed
        iteration's candidates, as always, and refitted.
    max_time : float, default=None
        Seconds after which no new iteration starts; the iteration running
        when the time is up finishes, and the search ends as if a callback
        had stopped it.
    checkpoint : str or path-like, default=None
        JSON-lines file that records every finished iteration as the search
        runs. Fitting again with the same settings (``random_state`` must be
        an int, so the same candidates are drawn) replays the recorded
        iterations without fitting and continues from the first candidate the
        file does not hold; a file written with other settings is refused.
        It also finishes a run a callback or ``max_time`` ended. There is no
        ``warm_start`` (see Notes). See :ref:`checkpoint_resume`.

    Attributes
    ----------
    n_resources_ : list of int
        Resource of each iteration.
    n_candidates_ : list of int
        Candidates evaluated in each iteration.
    n_remaining_candidates_ : int
        Candidates left after the last iteration (``ceil(n_candidates_[-1] /
        factor)``).
    max_resources_ : int
        Largest resource a candidate may get.
    min_resources_ : int
        Resource of the first iteration.
    n_iterations_ : int
        Iterations run (fewer than planned when a callback or ``max_time``
        stopped the search; ``n_resources_`` and ``n_candidates_`` then list
        the iterations run).
    n_possible_iterations_ : int
        Iterations possible from ``min_resources_`` up to ``max_resources_``.
    n_required_iterations_ : int
        Iterations needed to end with fewer than ``factor`` candidates.
    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate *and iteration* (a candidate promoted twice has
        three rows); ``iter`` and ``n_resources`` say which iteration and
        resource. With an estimator-parameter resource, its value appears as
        a ``param_<resource>`` column.
    best_estimator_ : estimator
        The best candidate of the last iteration, refitted on all of ``X``
        with the full resource it had there (when ``refit`` is not False).
    best_index_ : int
        Row of ``cv_results_`` of that candidate, in the last iteration.
    best_score_ : float
        Its mean cross-validated score in the last iteration.
    best_params_ : dict
        Its parameters (including the resource when it is a parameter).
    refit_time_ : float
        Seconds spent refitting.
    scorer_ : callable or dict
        The scorer(s) used.
    n_splits_ : int
        Number of CV splits.
    multimetric_ : bool
        Whether several metrics were scored.

    See Also
    --------
    HyperbandSearchCV : Several halving brackets, optionally model-guided.
    sklearn.model_selection.HalvingRandomSearchCV : The experimental original.

    Notes
    -----
    **Subsampling.** With ``resource='n_samples'`` each CV fold's training
    and test indices are subsampled without replacement to the iteration's
    share of the data, as scikit-learn does; like scikit-learn, the subsample
    is not stratified (the folds themselves are, for classifiers with an
    integer ``cv``). ``min_resources='smallest'`` keeps about two samples
    per class and fold in the first iteration. A smaller first resource runs
    as in scikit-learn, with a warning when a fold keeps a single training
    sample (fits that fail get ``error_score``); a fold left with no
    training or test sample is an error before any fit.

    **Why the best candidate comes from the last iteration.** A candidate
    eliminated early may show a higher ``mean_test_score`` in ``cv_results_``
    than the winner, because it was scored on a small subsample (or with few
    estimators) where scores are noisy and not comparable with those of later
    iterations. Only the last iteration's candidates were evaluated with the
    largest resource, so ``best_index_``, ``best_score_`` and
    ``best_params_`` are chosen among them, as in scikit-learn. The
    ``rank_test_score`` column, however, ranks all rows together.

    **Why there is no warm_start.** The iterations are fixed by
    ``n_candidates`` and the resources: a larger ``n_candidates`` is another
    schedule from the first iteration on, not more of the same run, and a
    finished run has nothing left to add. (scikit-learn's class has no
    ``warm_start`` either.) :class:`HyperbandSearchCV` takes one: more rounds
    or brackets add to the earlier ones.

    Examples
    --------
    >>> from scipy.stats import randint
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skhypertune import HalvingRandomSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> space = {"max_depth": randint(1, 8), "min_samples_leaf": randint(1, 10)}
    >>> search = HalvingRandomSearchCV(
    ...     DecisionTreeClassifier(random_state=0), space,
    ...     factor=2, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> search.n_candidates_, search.n_resources_
    ([8, 4, 2, 1], [18, 36, 72, 144])
    >>> int(search.cv_results_["iter"][search.best_index_])  # the last iteration
    3
    """

    _parameter_constraints: dict = {
        **_BaseHalving._parameter_constraints,
        "n_candidates": [
            compat.Interval(Integral, 0, None, closed="neither"),
            compat.StrOptions({"exhaust"}),
        ],
        "min_resources": [
            compat.Interval(Integral, 0, None, closed="neither"),
            compat.StrOptions({"exhaust", "smallest"}),
        ],
        "aggressive_elimination": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_candidates="exhaust",
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="smallest",
        aggressive_elimination=False,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
        initial_params=None,
        callbacks=None,
        max_time=None,
        checkpoint=None,
    ):
        compat.BaseSearchCV.__init__(
            self,
            estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates
        self.factor = factor
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.aggressive_elimination = aggressive_elimination
        self.random_state = random_state
        self.initial_params = initial_params
        self.callbacks = callbacks
        self.max_time = max_time
        self.checkpoint = checkpoint

    def _check_exhaust(self) -> None:
        if self.n_candidates == "exhaust" and self.min_resources == "exhaust":
            raise ValueError(
                "n_candidates and min_resources cannot be both set to 'exhaust'. "
                "Each is derived from the other: give one of them as an integer."
            )

    def _n_first(self, min_res: int, max_res: int) -> int:
        space = self._space
        n = self.n_candidates
        if n == "exhaust":
            n = max_res // min_res
        cardinality = space.cardinality()
        if cardinality < n and _all_lists(space):
            # scikit-learn's ParameterSampler samples a grid without
            # replacement and warns; a space with a distribution it samples
            # n_candidates times with replacement (see _first_candidates).
            warnings.warn(
                f"The total space of parameters {int(cardinality)} is smaller "
                f"than n_iter={n}. Running {int(cardinality)} iterations. For "
                "exhaustive searches, use GridSearchCV.",
                UserWarning,
                stacklevel=6,
            )
            n = int(cardinality)
        self._grid = _grid_points(space)
        return int(n)

    def _first_candidates(self, rng) -> tuple[np.ndarray, None]:
        seen: set = set()
        n = self._plan.n_candidates[0]
        # The user's seeds are among the first iteration's candidates.
        U_seed = self._take_seeds(list(self._seed_points), seen, n)
        U = np.vstack(
            [
                U_seed,
                self._sample(
                    RandomStrategy(self._space, rng), seen, n - len(U_seed), rng
                ),
            ]
        )
        if len(U) < n and not _all_lists(self._space):
            # A space with a distribution but fewer distinct parameter sets
            # than n_candidates (randint(1, 3) has two): scikit-learn samples
            # it with replacement, n_candidates times; after every distinct
            # set, so do we, so that the iterations are the same.
            more = self._space.sample(n - len(U), rng, method="random")
            U = np.vstack([U, self._space.snap(more)])
        return U, None


class HalvingGridSearchCV(_SuccessiveHalving):
    """Grid search with successive halving, stable and drop-in.

    The same estimator as scikit-learn's experimental
    :class:`~sklearn.model_selection.HalvingGridSearchCV`, without the
    ``enable_halving_search_cv`` import: it evaluates every parameter set of
    ``param_grid`` with a small resource (a subsample of the training data,
    or a small value of an estimator parameter such as ``n_estimators``),
    keeps the best ``1 / factor`` of them, multiplies the resource by
    ``factor``, and repeats. The candidates are scikit-learn's
    :class:`~sklearn.model_selection.ParameterGrid` of ``param_grid``, in its
    order; for the same settings the iterations (``n_candidates_``,
    ``n_resources_`` and the other attributes) are scikit-learn's, and with an
    int ``random_state`` so are the subsamples. It shares its halving with
    :class:`HalvingRandomSearchCV`, which samples its candidates instead.

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune; it must provide ``score`` or ``scoring`` must
        be given.
    param_grid : dict or list of dicts
        Parameter names mapped to lists of values, as for ``GridSearchCV``; a
        list of dicts searches the grid of each dict. Checked as
        ``GridSearchCV`` checks it, with the same errors.
    factor : float, default=3
        Elimination rate: each iteration keeps ``ceil(n / factor)`` candidates
        and gives them ``factor`` times more resource. Must be greater than 1.
    resource : 'n_samples' or str, default='n_samples'
        What grows from iteration to iteration: the number of training
        samples, or an integer parameter of the estimator (``'n_estimators'``,
        ``'max_iter'``, ``'clf__max_iter'`` in a Pipeline), which must not be
        in ``param_grid``.
    max_resources : int or 'auto', default='auto'
        Largest resource a candidate gets. ``'auto'`` is the number of
        samples and requires ``resource='n_samples'``.
    min_resources : int, 'exhaust' or 'smallest', default='exhaust'
        Resource of the first iteration. ``'exhaust'`` starts as high as
        possible so that the last iteration gets (close to)
        ``max_resources``; ``'smallest'`` is ``2 * n_splits * n_classes``
        samples for a classifier, ``2 * n_splits`` for a regressor, or 1 for
        an estimator parameter.
    aggressive_elimination : bool, default=False
        When the resource runs out before fewer than ``factor`` candidates
        are left, repeat the first resource while eliminating, so that the
        last iteration has fewer than ``factor`` candidates.
    cv : int, cross-validation generator or iterable, default=5
        As for scikit-learn's searches. It must give the same folds on every
        call to ``split`` (set ``random_state`` when shuffling).
    scoring : str, callable or None, default=None
        One metric, as for scikit-learn's halving searches; None uses the
        estimator's ``score``.
    refit : bool or callable, default=True
        Refit the best candidate of the last iteration on the whole dataset.
        A callable receives ``cv_results_`` and returns the index to refit.
    error_score : 'raise' or float, default=np.nan
        Score of a failed fit; failed candidates are eliminated first.
    return_train_score : bool, default=True
        Whether ``cv_results_`` includes training scores.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling of ``n_samples`` (the grid itself is not
        random).
    n_jobs : int, default=None
        Parallel fits (joblib).
    verbose : int, default=0
        Print each iteration when positive.

    Attributes
    ----------
    n_resources_ : list of int
        Resource of each iteration.
    n_candidates_ : list of int
        Candidates evaluated in each iteration; the first is the size of the
        grid.
    n_remaining_candidates_ : int
        Candidates left after the last iteration (``ceil(n_candidates_[-1] /
        factor)``).
    max_resources_ : int
        Largest resource a candidate may get.
    min_resources_ : int
        Resource of the first iteration.
    n_iterations_ : int
        Iterations run.
    n_possible_iterations_ : int
        Iterations possible from ``min_resources_`` up to ``max_resources_``.
    n_required_iterations_ : int
        Iterations needed to end with fewer than ``factor`` candidates.
    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate *and iteration*, with scikit-learn's columns;
        ``iter`` and ``n_resources`` say which iteration and resource. With
        an estimator-parameter resource, its value appears as a
        ``param_<resource>`` column.
    best_estimator_ : estimator
        The best candidate of the last iteration, refitted on all of ``X``
        (when ``refit`` is not False).
    best_index_ : int
        Row of ``cv_results_`` of that candidate, in the last iteration.
    best_score_ : float
        Its mean cross-validated score in the last iteration.
    best_params_ : dict
        Its parameters (including the resource when it is a parameter).
    refit_time_ : float
        Seconds spent refitting.
    scorer_ : callable
        The scorer used.
    n_splits_ : int
        Number of CV splits.
    multimetric_ : bool
        Always False: one metric.

    See Also
    --------
    HalvingRandomSearchCV : Samples its candidates from distributions.
    sklearn.model_selection.HalvingGridSearchCV : The experimental original.

    Notes
    -----
    As in :class:`HalvingRandomSearchCV`, the best candidate comes from the
    last iteration, the only one whose candidates all had the largest
    resource; ``rank_test_score`` ranks all rows together.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skhypertune import HalvingGridSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> grid = {"max_depth": [1, 2, 3, 4], "min_samples_leaf": [1, 5, 10]}
    >>> search = HalvingGridSearchCV(
    ...     DecisionTreeClassifier(random_state=0), grid,
    ...     factor=2, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> search.n_candidates_, search.n_resources_
    ([12, 6, 3, 2], [18, 36, 72, 144])
    >>> search.best_params_
    {'max_depth': 3, 'min_samples_leaf': 1}
    """

    _parameter_constraints: dict = {
        **{
            k: v
            for k, v in _BaseHalving._parameter_constraints.items()
            if k not in _STEERING and k != "param_distributions"
        },
        "param_grid": [dict, list],
        # One metric, as scikit-learn's halving searches.
        "scoring": [compat.StrOptions(set(get_scorer_names())), callable, None],
        "min_resources": [
            compat.Interval(Integral, 0, None, closed="neither"),
            compat.StrOptions({"exhaust", "smallest"}),
        ],
        "aggressive_elimination": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="exhaust",
        aggressive_elimination=False,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        compat.BaseSearchCV.__init__(
            self,
            estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_grid = param_grid
        self.factor = factor
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.aggressive_elimination = aggressive_elimination
        self.random_state = random_state

    def _validate_search(self) -> None:
        # No search space, seeds or callbacks: param_grid is checked by
        # ParameterGrid where scikit-learn checks it (_searched_names).
        self._callbacks = []

    def _searched_names(self) -> set:
        # GridSearchCV's validation of param_grid, with its errors, at the
        # point where scikit-learn's halving search builds its candidates.
        self._candidates = list(ParameterGrid(self.param_grid))
        return {name for candidate in self._candidates for name in candidate}

    def _n_first(self, min_res: int, max_res: int) -> int:
        return len(self._candidates)

    def _first_candidates(self, rng) -> tuple[np.ndarray, list]:
        # The rungs select rows of U: here simply each candidate's index.
        n = len(self._candidates)
        return np.arange(n, dtype=float).reshape(n, 1), self._candidates

    def _after_rung(self, results) -> bool:
        return False  # no callbacks or max_time: scikit-learn's parameters only


class HyperbandSearchCV(_BaseHalving):
    """Hyperband: several successive-halving brackets, optionally model-guided.

    One successive-halving run must guess how many candidates to start with
    and how small a resource still ranks them reliably. Hyperband (Li et al.,
    2018) hedges: it runs brackets from very exploratory (many candidates, a
    tiny first resource) to conservative (a few candidates, all at the full
    resource), each spending about the same compute. With
    ``sampler="bayes"`` the brackets after the first draw most of their
    candidates from a Gaussian-process model fitted on the scores seen so far
    at the largest resource that has enough of them (the BOHB idea, with our
    GP in place of BOHB's kernel density estimator); a ``random_fraction``
    is still sampled at random.

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune.
    param_distributions : dict or list of dicts
        As for :class:`HalvingRandomSearchCV`.
    factor : float, default=3
        Elimination rate inside every bracket; greater than 1.
    resource : 'n_samples' or str, default='n_samples'
        What grows: training samples or an integer estimator parameter (not
        searched over).
    max_resources : int or 'auto', default='auto'
        Resource of every bracket's last iteration; ``'auto'`` (the number of
        samples) requires ``resource='n_samples'``.
    min_resources : int or 'smallest', default='smallest'
        Smallest first resource of a bracket; ``'smallest'`` as in
        :class:`HalvingRandomSearchCV`. The number of brackets follows:
        ``1 + floor(log(max_resources_ / min_resources_, factor))``.
    n_brackets : int or None, default=None
        Run only the most exploratory ``n_brackets`` brackets of a round.
        ``n_brackets=1`` with ``sampler='bayes'`` and several rounds is
        model-guided successive halving: scikit-learn's single aggressive
        bracket, repeated, each round after the first proposed by the model.
    n_rounds : int, default=1
        How many times the brackets are run; later rounds are where a
        model-guided search gains.
    sampler : {'random', 'bayes'}, default='random'
        How a bracket samples its candidates: uniformly at random (plain
        Hyperband) or mostly from the Gaussian-process strategy (BOHB-style).
    random_fraction : float, default=1/3
        With ``sampler='bayes'``, the share of each bracket's candidates still
        sampled at random (keeps exploring and guards against a wrong model).
    cv : int, cross-validation generator or iterable, default=5
        Must give the same folds on every call to ``split``.
    scoring : str, callable, list, tuple, dict or None, default=None
        As for scikit-learn's searches (``refit`` names the deciding metric).
    refit : bool, str or callable, default=True
        Refit the best candidate at the full resource on the whole dataset.
    error_score : 'raise' or float, default=np.nan
        Score of a failed fit.
    return_train_score : bool, default=True
        Whether ``cv_results_`` includes training scores.
    random_state : int, RandomState instance or None, default=None
        Seeds sampling, the model and the subsampling of ``n_samples``.
    n_jobs : int, default=None
        Parallel fits (joblib).
    verbose : int, default=0
        Print each iteration when positive.
    initial_params : list of dict, default=None
        Your own parameter sets, evaluated first: they take the place of
        sampled candidates in the first bracket (and in the next brackets
        when there are more of them than the first bracket's candidates);
        duplicates are evaluated once. With ``sampler='bayes'`` the model
        learns from their scores like from any other candidate's.
    callbacks : callable or list of callables, default=None
        Called after every iteration of every bracket with a read-only
        :class:`~skhypertune.callbacks.SearchState` over all ``cv_results_``
        rows so far (``scores`` is the optimised metric per row; rows
        evaluated at different resources are not comparable, and
        ``n_iter`` is the planned number of rows). Returning True or
        raising ``StopIteration`` ends the search after that iteration;
        the best candidate is then chosen among those at the largest
        resource reached, and refitted.
    max_time : float, default=None
        Seconds after which no new iteration starts; the iteration running
        when the time is up finishes, and the search ends as if a callback
        had stopped it.
    warm_start : bool, default=False
        Fitting again with a larger ``n_rounds`` (or ``n_brackets``) keeps the
        brackets of the last fit and adds the next ones: the earlier
        evaluations are replayed from ``cv_results_`` without fitting, the
        next brackets' model is told all of them, and the result is what one
        fit with the larger budget gives. Everything else must stay as in the
        last fit (the earlier brackets must be the first ones planned);
        otherwise ``fit`` raises a ``ValueError`` before fitting anything.
        A bracket a callback or ``max_time`` stopped is finished first
        (callbacks see the replayed iterations too). See :ref:`warm_start`.
    checkpoint : str or path-like, default=None
        JSON-lines file that records every finished iteration as the search
        runs. Fitting again with the same settings (``random_state`` must be
        an int, so the same candidates are drawn; ``n_rounds`` may grow)
        replays the recorded iterations without fitting and continues from
        the first candidate the file does not hold; a file written with other
        settings is refused. See :ref:`checkpoint_resume`.

    Attributes
    ----------
    n_resources_ : list of list of int
        Resource of each iteration, per bracket.
    n_candidates_ : list of list of int
        Candidates evaluated in each iteration, per bracket.
    n_brackets_ : int
        Brackets run (over all rounds), including one a callback or
        ``max_time`` stopped part-way (its lists in ``n_resources_`` and
        ``n_candidates_`` then end at the last iteration run).
    min_resources_ : int
        Smallest first resource.
    max_resources_ : int
        Full resource.
    n_model_candidates_ : list of int
        Per bracket, how many candidates the model proposed (0 with
        ``sampler='random'`` and in the first bracket).
    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate and iteration, with columns ``bracket``,
        ``iter`` (iteration inside the bracket) and ``n_resources``.
    best_index_, best_score_, best_params_, best_estimator_
        The best candidate among those evaluated at the full resource
        (``max_resources_``), over all brackets: scores at smaller resources
        are not comparable with them. When a callback or ``max_time`` stopped
        the search before any candidate reached ``max_resources_``, the best
        among those evaluated at the largest resource reached.

    See Also
    --------
    HalvingRandomSearchCV : A single bracket, as in scikit-learn.

    Examples
    --------
    >>> from scipy.stats import randint
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skhypertune import HyperbandSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> space = {"max_depth": randint(1, 8), "min_samples_leaf": randint(1, 10)}
    >>> search = HyperbandSearchCV(
    ...     DecisionTreeClassifier(random_state=0), space,
    ...     factor=3, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> search.n_candidates_
    [[3, 1], [2]]
    >>> search.n_resources_
    [[50, 150], [150]]
    """

    #: The bracket of each candidate ends in ``search_history_``.
    _history_columns = ("bracket",)

    _parameter_constraints: dict = {
        **_BaseHalving._parameter_constraints,
        "min_resources": [
            compat.Interval(Integral, 0, None, closed="neither"),
            compat.StrOptions({"smallest"}),
        ],
        "n_brackets": [compat.Interval(Integral, 1, None, closed="left"), None],
        "n_rounds": [compat.Interval(Integral, 1, None, closed="left")],
        "sampler": [compat.StrOptions({"random", "bayes"})],
        "random_fraction": [compat.Interval(Real, 0, 1, closed="both")],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="smallest",
        n_brackets=None,
        n_rounds=1,
        sampler="random",
        random_fraction=1 / 3,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
        initial_params=None,
        callbacks=None,
        max_time=None,
        warm_start=False,
        checkpoint=None,
    ):
        compat.BaseSearchCV.__init__(
            self,
            estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.factor = factor
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.n_brackets = n_brackets
        self.n_rounds = n_rounds
        self.sampler = sampler
        self.random_fraction = random_fraction
        self.random_state = random_state
        self.initial_params = initial_params
        self.callbacks = callbacks
        self.max_time = max_time
        self.warm_start = warm_start
        self.checkpoint = checkpoint

    def _plan_resources(self, X, y, split_params, min_res, max_res) -> None:
        plans = plan_hyperband(
            factor=self.factor,
            min_resources=min_res,
            max_resources=max_res,
            n_brackets=self.n_brackets,
        )
        self._plans = plans * self.n_rounds
        self._check_small_folds(X, y, split_params, plans[0].n_resources[0])
        self._grid = _grid_points(self._space)
        self.min_resources_ = min_res
        self.max_resources_ = max_res

    def _make_strategy(self, space: SearchSpace, rng) -> Strategy:
        """The model that proposes candidates with ``sampler='bayes'``."""
        from .strategies.bayes import GPStrategy

        # Called only once enough observations exist to fit the model, so
        # no initial space-filling design is needed.
        return GPStrategy(space, rng, n_initial_points=1)

    def _run_search(self, evaluate_candidates, callback_ctx=None):
        # A bracket whose candidates all fail must not end the search (as
        # one failing iteration ends scikit-learn's halving): only a search
        # in which every fit failed raises.
        with (
            compat.tolerate_failed_batches() as failures,
            self._checkpoint_replay(evaluate_candidates),
        ):
            self._run_brackets(evaluate_candidates, callback_ctx)
        if failures.n_fits and failures.n_failed == failures.n_fits:
            raise ValueError(failures.all_failed_message())

    # -- checkpoint and warm start ---------------------------------------------
    def _open_checkpoint(self) -> _checkpoint.Checkpoint | None:
        # n_rounds is the budget, as n_iter is for the other searches: a file
        # of fewer rounds holds the first brackets of this fit, one of more
        # rounds holds them and more (replayed as far as this fit goes).
        if self.checkpoint is None:
            return None
        fingerprint = _checkpoint.settings_fingerprint(self, self._data_digest)
        del fingerprint["n_rounds"]
        return _checkpoint.Checkpoint(self.checkpoint, fingerprint, self._space)

    def _earlier_evaluations(self) -> tuple[dict | None, np.ndarray]:
        """The checkpoint's evaluations, else with ``warm_start`` the last fit's."""
        if self._checkpoint is not None and self._checkpoint.n_records:
            return super()._earlier_evaluations()
        # BaseHyperSearchCV's checks: the space, estimator, cv, scoring,
        # error_score, return_train_score and number of splits are the same.
        stored, points = self._previous_evaluations()
        if stored is None:
            return None, points
        self._check_warm_start(stored)
        self._warm_seed = self._random_seed_
        self._replay_mismatch = (
            "warm_start=True but this fit draws other candidates than the last "
            "one; set warm_start=False to start a new search."
        )
        if self._checkpoint is not None:  # warm start into a new checkpoint
            self._checkpoint.append(points, stored, start=0)
        return stored, points

    def _check_warm_start(self, stored) -> None:
        """Refuse a warm start whose earlier brackets would not be replayed."""
        # The earlier brackets are replayed only if this fit plans and draws
        # them as the last one did: same settings but for the budget.
        before = self._settings_fingerprint_
        now = _checkpoint.settings_fingerprint(self)
        differ = [
            name
            for name in sorted(set(before) | set(now))
            if name not in ("n_rounds", "n_brackets")
            and before.get(name) != now.get(name)
        ]
        if differ:
            raise ValueError(
                f"warm_start=True but {', '.join(differ)} changed since the last "
                "fit. HyperbandSearchCV continues by replaying the earlier "
                "brackets, drawn and planned again as before, so only n_rounds "
                "and n_brackets may grow (n_jobs, verbose, callbacks, max_time "
                "and checkpoint may change). Set warm_start=False to start a "
                "new search."
            )
        brackets = np.asarray(stored["bracket"], dtype=int)
        if brackets.max() >= len(self._plans):
            raise ValueError(
                f"warm_start=True but this fit plans {len(self._plans)} brackets, "
                f"fewer than the {brackets.max() + 1} the last fit ran; raise "
                "n_rounds, or set warm_start=False to start a new search."
            )
        iters = np.asarray(stored["iter"], dtype=int)
        resources = np.asarray(stored["n_resources"], dtype=int)
        for b, i, r in sorted(set(zip(brackets, iters, resources))):
            planned = self._plans[b].n_resources
            if i >= len(planned) or planned[i] != r:
                raise ValueError(
                    f"warm_start=True but bracket {b} of the last fit ran "
                    f"iteration {i} with n_resources={r}, and this fit plans "
                    f"n_resources={list(planned)} for it: the earlier brackets "
                    "must stay the first ones planned (n_brackets may grow only "
                    "with n_rounds=1; a different X changes the resources). Set "
                    "warm_start=False to start a new search."
                )

    def _remember_run(self) -> None:
        # What the next warm-started fit replays and checks (the attributes
        # BaseHyperSearchCV._previous_evaluations reads, and the seed).
        self._search_points_ = np.vstack(self._rung_points)
        self._search_space_repr_ = _checkpoint.describe(self.param_distributions)
        self._settings_fingerprint_ = _checkpoint.settings_fingerprint(self)
        self._random_seed_ = self._run_seed

    def _random_stream(self) -> np.random.RandomState:
        """This fit's generator; its seed is kept for a warm start.

        An int ``random_state`` seeds it; otherwise one seed is drawn from
        ``random_state`` (the global generator for None), so that the
        estimator's own draws from that generator during the fits cannot
        change the candidates, and a warm start draws them again.
        """
        seed = getattr(self, "_warm_seed", None)
        if seed is None:
            if isinstance(self.random_state, Integral):
                seed = int(self.random_state)
            else:
                rng = check_random_state(self.random_state)
                seed = int(rng.randint(np.iinfo(np.int32).max))
        self._run_seed = seed
        return np.random.RandomState(seed)

    def _run_brackets(self, evaluate_candidates, callback_ctx):
        space = self._space
        rng = self._random_stream()
        self._seed = self._subsample_seed(rng)
        search_ctx = compat.search_context(callback_ctx, self)
        self._start_steering()
        random = RandomStrategy(space, rng)
        seen: set = set()
        seeds = list(self._seed_points)
        # Observations per resource level, pooled over brackets.
        observed: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
        n_min = space.n_dims + 2

        def record(U, scores, r):
            observed[r][0].extend(U)
            observed[r][1].extend(scores)

        self.n_candidates_, self.n_resources_, self.n_model_candidates_ = [], [], []
        for b, plan in enumerate(self._plans):
            n = plan.n_candidates[0]
            # Seeds come first: in the first bracket, and in the next ones
            # when there are more seeds than the first bracket's candidates.
            U_seed = self._take_seeds(seeds, seen, n)
            n_free = n - len(U_seed)
            U_model = np.empty((0, space.n_dims))
            if self.sampler == "bayes":
                levels = [r for r, (pts, _) in observed.items() if len(pts) >= n_min]
                n_model = n_free - int(round(self.random_fraction * n_free))
                if levels and n_model > 0:
                    pts, sc = observed[max(levels)]
                    guide = self._make_strategy(space, rng)
                    guide.tell(np.array(pts), np.array(sc))
                    U_model = self._sample(guide, seen, n_model, rng)
            U_rand = self._sample(random, seen, n_free - len(U_model), rng)
            U = np.vstack([U_seed, U_model, U_rand])
            if len(U) == 0:
                break  # every parameter set of a finite space was evaluated
            counts, _, stopped = self._run_rungs(
                evaluate_candidates,
                U,
                plan.n_resources,
                search_ctx,
                {"bracket": b},
                on_rung=record,
            )
            self.n_candidates_.append(counts)
            self.n_resources_.append(list(plan.n_resources[: len(counts)]))
            self.n_model_candidates_.append(len(U_model))
            if stopped:
                break
        compat.end_context(search_ctx, self)
        self.n_brackets_ = len(self.n_candidates_)

    def _candidate_budget(self) -> int:
        return int(sum(sum(p.n_candidates) for p in self._plans))

    @staticmethod
    def _select_best_index(refit, refit_metric, results):
        """The best candidate at the largest resource reached (or ``refit``).

        That is ``max_resources_`` unless a callback or ``max_time`` stopped
        the search before any candidate got it.
        """
        if callable(refit):
            return compat.BaseSearchCV._select_best_index(refit, refit_metric, results)
        resources = np.asarray(results["n_resources"])
        rows = np.flatnonzero(resources == resources.max())
        return _best_in(results, refit_metric, rows)
