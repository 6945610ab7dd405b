"""The search loop shared by every skhypertune searcher.

:class:`BaseHyperSearchCV` derives from scikit-learn's ``BaseSearchCV`` and
overrides ``_run_search``, the extension point scikit-learn documents for
custom searches. ``evaluate_candidates`` then gives cross-validation, joblib
parallelism, ``error_score``, multi-metric scoring, metadata routing and the
``cv_results_`` format; this module adds what a model-guided search needs on
top: ask a strategy, decode, evaluate, tell the scores back, skip duplicates,
stop on budgets and callbacks, and carry earlier evaluations over.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any

import numpy as np
from joblib import effective_n_jobs
from scipy.stats import rankdata
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _async, _progress
from . import _sklearn_compat as compat
from . import checkpoint as _checkpoint
from .callbacks import SearchState
from .pareto import _TIME_COLUMNS, objective_matrix, pareto_front, resolve_objectives
from .space import SearchSpace
from .strategies import RandomStrategy, Strategy

# How often the loop asks a strategy again when it proposes only points that
# were already evaluated, before it fills the batch by random sampling.
_MAX_ASK_ROUNDS = 5
_MAX_RANDOM_TRIES = 50


class BaseHyperSearchCV(compat.BaseSearchCV):
    """Base class of skhypertune searches (not for direct use).

    Subclasses implement ``_make_strategy(space, rng)`` and may override
    ``_batch_size()``; everything else (budget, duplicate skipping, seeding,
    callbacks, time limit, warm start, checkpoint and resume, failing fits)
    lives here. Subclasses must list ``checkpoint=None`` in their own
    ``__init__`` and pass it on, like the other shared parameters.
    """

    _parameter_constraints: dict = {
        **compat.BaseSearchCV._parameter_constraints,
        "param_distributions": [dict, list],
        "n_iter": [compat.Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "initial_params": [list, None],
        "callbacks": [list, tuple, callable, None],
        "max_time": [compat.Interval(Real, 0, None, closed="neither"), None],
        "warm_start": ["boolean"],
        "checkpoint": [str, os.PathLike, None],
        "asynchronous": ["boolean"],
    }

    #: Name of the column telling which batch a candidate came from. It is
    #: kept beside the results while searching (checkpoints store it) and
    #: ends in ``search_history_``, since ``cv_results_`` keeps exactly
    #: scikit-learn's keys.
    _batch_column = "batch"
    #: Columns moved from the results to ``search_history_`` after a fit.
    _history_columns: tuple[str, ...] = ("batch",)
    #: Column of ``search_history_`` marking the candidates of the design
    #: seeds (:meth:`_design_params`), or None for searchers without them.
    _design_column: str | None = None

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=50,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        initial_params=None,
        callbacks=None,
        max_time=None,
        warm_start=False,
        checkpoint=None,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.random_state = random_state
        self.initial_params = initial_params
        self.callbacks = callbacks
        self.max_time = max_time
        self.warm_start = warm_start
        self.checkpoint = checkpoint

    # -- hooks for subclasses ---------------------------------------------
    def _make_strategy(
        self, space: SearchSpace, rng: np.random.RandomState
    ) -> Strategy:
        raise NotImplementedError

    def _batch_size(self) -> int:
        """Candidates proposed and evaluated together in one batch."""
        return 1

    def _check_search_params(self) -> None:
        """Validate subclass parameters that constraints cannot express."""

    def _design_params(self, X, y) -> list[dict]:
        """Parameter sets the initial design starts with, after ``initial_params``.

        Each must fit the space; at most :meth:`_design_size` candidates of
        the design are seeds (``initial_params`` first). None by default.
        """
        return []

    def _design_size(self) -> int:
        """Candidates of the initial design (seeds included)."""
        return 0

    def _later_design_size(self) -> int:
        """Design points evaluated after the initial design, one per batch.

        0 by default: the design is the initial design. A searcher may give
        design points beyond its initial design a place in later batches of
        the batch loop (:meth:`_design_seeds`, :meth:`_next_design_seed`).
        """
        return 0

    # -- validation -------------------------------------------------------
    def _validate_search(self) -> None:
        """Every check that must fail before the first fit starts."""
        self._space = SearchSpace(self.param_distributions)
        _check_param_names(self.estimator, self._space)
        if isinstance(self.scoring, (list, tuple, dict)):
            try:
                compat.check_multimetric_scoring(self.estimator, self.scoring)
            except ValueError as exc:  # scikit-learn's message, naming scoring
                raise ValueError(f"Invalid scoring={self.scoring!r}: {exc}") from None
        self._check_search_params()
        self._callbacks = _as_callback_list(self.callbacks)
        self._seed_points = self._encode_initial_params()
        objectives = getattr(self, "objectives", None)
        self._objectives = (
            None
            if objectives is None
            else resolve_objectives(objectives, self.scoring, self.refit)
        )

    def _decode(self, U: np.ndarray) -> list[dict]:
        """Parameters of each point; seeds come back exactly as the user gave them.

        Decoding goes through the unit cube (CDF then PPF), which returns a
        seed such as ``gamma=0.1`` as ``0.10000000000000006``.
        """
        candidates = self._space.decode_many(U)
        given = dict(getattr(self, "_design_given", {}))
        if self.initial_params:
            given.update(
                (self._space.key(u), dict(p))
                for u, p in zip(self._seed_points, self.initial_params)
            )
        if given:
            candidates = [
                given.get(self._space.key(u), c) for u, c in zip(U, candidates)
            ]
        return candidates

    def _prepare_design(self, X, y) -> None:
        """Encode :meth:`_design_params` (exact values kept for ``_decode``)."""
        self._design_keys: set = set()
        self._design_later: list = []  # filled by _design_seeds in this fit
        params = self._design_params(X, y)
        points = [self._space.snap(self._space.encode(p)[None])[0] for p in params]
        self._design_points = points
        self._design_given = {
            self._space.key(u): dict(p) for u, p in zip(points, params)
        }

    def _design_seeds(self, seeds: list, seen: set, n_done: int) -> list:
        """The design points to evaluate after ``seeds`` in this fit.

        They fill the initial design's free places: :meth:`_design_size`
        minus the candidates evaluated before (warm start, checkpoint) and
        the seeds still to come, so a resumed search does not add them again.
        Records which points they are for :meth:`_design_flags`.
        """
        space, taken = self._space, {self._space.key(u) for u in seeds}
        free = self._design_size() - n_done - len(seeds)
        design = getattr(self, "_design_points", [])
        chosen, later = [], []
        # Design points a resumed fit evaluated already count against the
        # later share, so resuming does not add more of them.
        share = self._later_design_size()
        n_seen = sum(space.key(u) in seen for u in design)
        n_later = min(share, self._design_size() + share - n_seen)
        for u in design:
            k = space.key(u)
            if k in seen or k in taken:
                continue
            taken.add(k)
            if len(chosen) < free:
                chosen.append(u)
            elif len(later) < n_later:
                later.append(u)
        self._design_keys = {space.key(u) for u in chosen}
        self._design_later = later
        return chosen

    def _next_design_seed(self, seeds: list, seen: set, n_done: int) -> None:
        """Add one later design point to ``seeds`` when a batch has none.

        Not for the first batch of a fit (the initial design and the
        ``initial_params`` go first). The point is flagged as a design point.
        """
        if seeds or not n_done:
            return
        later = self._design_later  # set for each fit by _prepare_design
        while later:
            u = later.pop(0)
            k = self._space.key(u)
            if k not in seen:
                seeds.append(u)
                self._design_keys.add(k)
                return

    def _design_flags(self, prev_results, points: np.ndarray) -> np.ndarray:
        """Per row of the results, whether it is a design seed (see above).

        Earlier rows keep their recorded flags; rows from a checkpoint, which
        does not store them, are flagged when they are design points.
        """
        n_prev = len(prev_results["params"]) if prev_results else 0
        keys = [self._space.key(u) for u in points]
        if prev_results and self._design_column in prev_results:
            before = np.asarray(prev_results[self._design_column], dtype=bool)
        else:
            design = set(getattr(self, "_design_given", {}))
            before = np.array([k in design for k in keys[:n_prev]], dtype=bool)
        new = getattr(self, "_design_keys", set())
        after = np.array([k in new for k in keys[n_prev:]], dtype=bool)
        return np.concatenate([before, after])

    def _encode_initial_params(self) -> np.ndarray:
        if self.initial_params is None:
            return np.empty((0, self._space.n_dims))
        points = []
        for i, params in enumerate(self.initial_params):
            if not isinstance(params, Mapping):
                raise TypeError(
                    f"initial_params[{i}] must be a dict of parameters, got "
                    f"{type(params).__name__}."
                )
            try:
                points.append(self._space.encode(params))
            except ValueError as exc:
                raise ValueError(f"initial_params[{i}]: {exc}") from None
        return (
            self._space.snap(np.array(points))
            if points
            else np.empty((0, self._space.n_dims))
        )

    def fit(self, X, y=None, **params):
        """Run the search and refit the best candidate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Target; None for unsupervised learning.
        **params : dict
            Passed to the estimator's ``fit``, the scorer and the CV splitter
            (``groups``, ``sample_weight``, ...), as in scikit-learn's searches.

        Returns
        -------
        self : object
            The fitted search.
        """
        self._validate_params()
        self._validate_search()
        X, y = self._prepare(X, y, params)
        self._prepare_design(X, y)
        self._check_checkpoint(X, y, params)
        return super().fit(X, y, **params)

    def _prepare(self, X, y, params) -> tuple[Any, Any]:
        """Checks and set-up that need the data, before any fit; returns it."""
        self._n_splits = _count_splits(self, X, y, params)
        return X, y

    def _check_checkpoint(self, X, y, params) -> None:
        """Validate ``checkpoint`` and digest the data it will be tied to."""
        checkpoint = getattr(self, "checkpoint", None)
        if checkpoint is not None and not str(os.fspath(checkpoint)).strip():
            raise ValueError("checkpoint must be a file path, got an empty string.")
        self._data_digest = (
            _checkpoint.data_digest(X, y, params) if checkpoint is not None else None
        )

    def _open_checkpoint(self) -> _checkpoint.Checkpoint | None:
        """The open checkpoint file of this fit, or None without one."""
        path = getattr(self, "checkpoint", None)
        if path is None:
            return None
        fingerprint = _checkpoint.settings_fingerprint(
            self, getattr(self, "_data_digest", None)
        )
        return _checkpoint.Checkpoint(path, fingerprint, self._space)

    # -- the loop ---------------------------------------------------------
    def _run_search(self, evaluate_candidates, callback_ctx=None):
        """Ask, decode, evaluate and tell until the budget is spent."""
        self._checkpoint = self._open_checkpoint()
        self._progress, evaluate_candidates = _progress.start(self, evaluate_candidates)
        try:
            with compat.tolerate_failed_batches() as failures:
                self._search_loop(evaluate_candidates, callback_ctx, failures)
        finally:
            self.__dict__.pop("_defer_non_finite_warnings", None)
            if self._progress is not None:
                self._progress.close()
            del self._progress
            if self._checkpoint is not None:
                self._checkpoint.close()
            del self._checkpoint
            self.__dict__.pop("_format_cache", None)

    def _dispatch_order(self, U, done, results) -> list[int] | None:
        """Order to hand a batch to parallel workers: longest fit first.

        A batch ends when its slowest fit does, and scikit-learn dispatches
        all folds of one candidate before the next; starting with the
        candidate predicted to fit longest (log fit times of the evaluated
        points, weighted by inverse squared distance) lets the short ones fill
        in beside it. :meth:`_format_results` puts the rows back in proposal
        order, so ``cv_results_`` does not depend on timing. None: keep the
        order (one worker, or no fit times yet).
        """
        if len(U) < 2 or results is None or effective_n_jobs(self.n_jobs) == 1:
            return None
        P = np.vstack(done) if done else np.empty((0, U.shape[1]))
        seconds = np.asarray(results["mean_fit_time"], dtype=float) + np.asarray(
            results["mean_score_time"], dtype=float
        )
        if len(P) == 0 or len(P) != len(seconds):
            return None
        log_t = np.log(np.maximum(seconds, 1e-6))
        d2 = ((U[:, None, :] - P[None, :, :]) ** 2).sum(axis=-1)
        w = 1.0 / (d2 + 1e-4)
        order = np.argsort(-(w @ log_t) / w.sum(axis=1), kind="stable")
        return [int(i) for i in order]

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        """scikit-learn's ``cv_results_`` formatting, done incrementally.

        ``evaluate_candidates`` formats every result so far again after each
        call, which makes a search of many small batches quadratic (about
        50 ms per batch at 2,000 candidates). Within one fit the candidate
        list only grows, so we format the new candidates and append them.
        """
        capture = getattr(self, "_async_capture", None)
        if capture is not None and compat.capturing():
            # evaluate_candidates of the asynchronous loop, whose fits have
            # not run yet: keep its running lists, format at the end.
            capture.lists = (candidate_params, n_splits, out, more_results)
            return capture.results
        order = self.__dict__.pop("_order", None)
        if order is not None:
            _restore_proposal_order(
                candidate_params, out, more_results, order, n_splits
            )
        n = len(candidate_params)
        cache = getattr(self, "_format_cache", None)
        results = None
        if (
            cache is not None
            and cache[0] is candidate_params
            and cache[1] < n
            and cache[2] == n_splits
            and len(out) == n * n_splits
            and all(len(v) == n for v in (more_results or {}).values())
        ):
            m = cache[1]
            new = self._format_all(
                candidate_params[m:],
                n_splits,
                out[m * n_splits :],
                {k: list(v)[m:] for k, v in (more_results or {}).items()},
            )
            results = _append_formatted(cache[3], new, candidate_params, m)
        if results is None:
            results = self._format_all(candidate_params, n_splits, out, more_results)
        self._format_cache = (candidate_params, n, n_splits, results)
        return results

    def _format_all(self, candidate_params, n_splits, out, more_results):
        """scikit-learn's formatting; its non-finite score warning deferred.

        scikit-learn warns once per fit about non-finite scores; formatting
        after every batch would warn once per batch, so the loop warns
        itself at the end (:func:`_warn_non_finite`).
        """
        if not getattr(self, "_defer_non_finite_warnings", False):
            return super()._format_results(
                candidate_params, n_splits, out, more_results
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = super()._format_results(
                candidate_params, n_splits, out, more_results
            )
        for w in caught:
            if not str(w.message).startswith(_NON_FINITE):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return results

    def __getstate__(self):
        # scikit-learn >= 1.9 pickles the running search for its workers;
        # the formatting cache is large and only needed in this process.
        # A copy: on Python >= 3.11 object.__getstate__ returns the live
        # __dict__, and popping from it would strip the running search.
        state = dict(super().__getstate__())
        state.pop("_format_cache", None)
        state.pop("_async_capture", None)
        return state

    def _search_loop(self, evaluate_candidates, callback_ctx, failures):
        start = time.monotonic()
        space = self._space
        rng = check_random_state(self.random_state)
        if space.n_dims == 0:
            # param_distributions={} (RandomizedSearchCV accepts it): the one
            # candidate is the estimator as given; no model to build.
            strategy = RandomStrategy(space, rng)
        else:
            strategy = self._make_strategy(space, rng)

        prev_results, prev_points = self._previous_evaluations()
        points = [
            np.asarray(prev_points, dtype=float).reshape(len(prev_points), space.n_dims)
        ]
        scores = [
            _objective(prev_results, self.refit, self.scoring)
            if prev_results
            else np.empty(0)
        ]
        seen = {space.key(u) for u in points[0]}
        all_params = list(prev_results["params"]) if prev_results else []
        if len(points[0]):
            strategy.tell(points[0], self._strategy_values(prev_results))
        if self._checkpoint is not None and self._checkpoint.n_records == 0:
            if prev_results:  # warm start into a new checkpoint file
                self._checkpoint.append(points[0], prev_results, start=0)

        n_target = self.n_iter
        cardinality = space.cardinality()
        # A list-only space that n_iter covers is evaluated whole, in
        # ParameterGrid order, as RandomizedSearchCV does: no model can choose
        # better when every candidate is fitted.
        exhaustive = space.is_grid() and cardinality <= n_target
        if cardinality < n_target:
            if exhaustive:  # scikit-learn's ParameterSampler warning
                message = (
                    f"The total space of parameters {int(cardinality)} is smaller "
                    f"than n_iter={self.n_iter}. Running {int(cardinality)} "
                    "iterations. For exhaustive searches, use GridSearchCV."
                )
            else:
                message = (
                    f"The search space has only {int(cardinality)} distinct "
                    f"parameter sets, fewer than n_iter={self.n_iter}; running "
                    f"{int(cardinality)} candidates."
                )
            warnings.warn(message, UserWarning, stacklevel=4)
            n_target = int(cardinality)

        seeds = [u for u in self._seed_points if space.key(u) not in seen]
        if exhaustive:
            seeds += list(space.grid())
        else:
            seeds += self._design_seeds(seeds, seen, len(points[0]))
        n_done = len(points[0])
        search_ctx = compat.search_context(
            callback_ctx,
            self,
            max_evaluations=max(n_target - n_done, 1) * self._n_splits,
        )
        batch_index = (
            int(prev_results[self._batch_column].max()) + 1
            if (prev_results and len(prev_results.get(self._batch_column, ())) > 0)
            else 0
        )
        results = None
        self._stopped_by_ = None
        self._defer_non_finite_warnings = True
        parallel = self._async_parallel() if n_done < n_target else None
        if parallel is not None:
            run = _async.AsyncRun(
                self,
                evaluate_candidates,
                strategy,
                seeds=seeds,
                seen=seen,
                rng=rng,
                n_left=n_target - n_done,
                sequence=batch_index,
                search_ctx=search_ctx,
                start=start,
                prior=(list(points[0]), list(scores[0]), all_params),
            )
            self._async_capture = _async.Capture()
            try:
                results = run.run(parallel)
            finally:
                self.__dict__.pop("_async_capture", None)
            new_points, new_scores, new_params = run.new_rows()
            points.append(new_points)
            scores.append(new_scores)
            all_params.extend(new_params)
            n_done += len(new_points)
        while parallel is None and n_done < n_target:
            n = _next_batch(self._batch_size(), strategy, n_target - n_done)
            if n > 1:  # a batch of one is the strategy's own
                self._next_design_seed(seeds, seen, n_done)
            if exhaustive and not (self.max_time or self._callbacks or self.checkpoint):
                n = n_target - n_done  # one call, nothing to steer between batches
            U = self._propose(strategy, seeds, seen, n, rng)
            if len(U) == 0:
                break  # every distinct parameter set has been evaluated
            candidates = self._decode(U)
            eval_ctx = compat.evaluation_context(search_ctx, n_done * self._n_splits)
            kwargs = {"callback_ctx": eval_ctx} if eval_ctx is not None else {}
            order = self._dispatch_order(U, points[1:], results)
            self._order = order
            try:
                results = evaluate_candidates(
                    candidates if order is None else [candidates[i] for i in order],
                    more_results={self._batch_column: [batch_index] * len(U)},
                    **kwargs,
                )
            finally:
                self.__dict__.pop("_order", None)
            batch_scores = _objective(results, self.refit, self.scoring)[-len(U) :]
            # Record before anything else can fail: the checkpoint holds every
            # batch whose evaluation finished.
            if self._checkpoint is not None:
                self._checkpoint.append(U, results)
            strategy.tell(U, self._strategy_values(results)[-len(U) :])
            points.append(U)
            scores.append(batch_scores)
            all_params.extend(candidates)
            n_done += len(U)
            self._after_batch(U, candidates, results)
            if self._should_stop(
                results, all_params, np.concatenate(scores), batch_index, start
            ):
                break
            if len(U) < n:
                break  # no unseen parameter set could be found
            batch_index += 1

        if (
            failures.n_fits
            and failures.n_failed == failures.n_fits
            and not np.isfinite(scores[0]).any()
        ):
            raise ValueError(failures.all_failed_message())
        if results is None:
            # Everything was evaluated earlier; fit() still needs one evaluation
            # in this call, so re-score the best earlier candidate and keep the
            # earlier record of it.
            best = int(np.nanargmax(np.where(np.isnan(scores[0]), -np.inf, scores[0])))
            results = evaluate_candidates(
                [prev_results["params"][best]],
                more_results={self._batch_column: [batch_index]},
            )
            _replace_results(results, prev_results, n_splits=self._n_splits)
        elif prev_results:
            _replace_results(
                results, _concat_results(prev_results, results), self._n_splits
            )
        else:
            _replace_results(results, results, self._n_splits)
        self._defer_non_finite_warnings = False
        _warn_non_finite(results)
        if self._design_column is not None:
            results[self._design_column] = self._design_flags(
                prev_results, np.vstack(points)
            )
        self._split_history(results)
        self._set_pareto_front(results)
        compat.end_context(search_ctx, self)
        self._search_points_ = np.vstack(points)
        self._search_space_repr_ = _checkpoint.describe(self.param_distributions)
        # The space itself: a warm start into a narrower one checks against it.
        self._search_distributions_ = self.param_distributions
        self._settings_fingerprint_ = _checkpoint.settings_fingerprint(self)
        self.n_evaluated_ = len(results["params"])

    def _async_parallel(self):
        """joblib's unordered ``Parallel`` when the fit runs asynchronously.

        None in batch mode, with one worker, or when the backend cannot
        return results as they finish (then with a warning): the batch loop
        runs instead.
        """
        if not getattr(self, "asynchronous", False):
            return None
        # One candidate's fits queued beyond the busy workers, so a worker
        # never waits for the next proposal to be computed.
        parallel = compat.async_parallel(self.n_jobs, f"n_jobs + {self._n_splits}")
        if parallel is None and effective_n_jobs(self.n_jobs) > 1:
            warnings.warn(
                "asynchronous=True needs a joblib backend that returns results as "
                "they finish (loky, threading, dask); this one does not, so the "
                "search runs in batches.",
                UserWarning,
                stacklevel=5,
            )
        return parallel

    def _objective_of(self, results: Mapping) -> np.ndarray:
        """The optimised metric of each row of ``results``."""
        return _objective(results, self.refit, self.scoring)

    def _strategy_values(self, results: Mapping) -> np.ndarray:
        """What the strategy is told of each row of ``results``.

        The optimised metric; with ``objectives``, one column per objective,
        each oriented so that higher is better, times on a log scale (they
        span orders of magnitude, and only their order matters to the front),
        and a row with any missing value missing whole (a failed fit).
        """
        objectives = getattr(self, "_objectives", None)
        if objectives is None:
            return self._objective_of(results)
        values = objective_matrix(results, objectives, maximise=True)
        for j, objective in enumerate(objectives):
            if objective.column in _TIME_COLUMNS:
                values[:, j] = -np.log(np.maximum(-values[:, j], 1e-6))
        values[np.isnan(values).any(axis=1)] = np.nan
        return values

    def _set_pareto_front(self, results: Mapping) -> None:
        """``objectives_`` and ``pareto_front_`` of a multi-objective fit."""
        objectives = getattr(self, "_objectives", None)
        if objectives is None:
            for name in ("objectives_", "pareto_front_"):
                self.__dict__.pop(name, None)
            return
        self.objectives_ = objectives
        self.pareto_front_ = pareto_front(
            objective_matrix(results, objectives), [o.direction for o in objectives]
        )

    def _split_history(self, results: dict) -> None:
        """Move the search's own columns from the results to ``search_history_``.

        ``cv_results_`` keeps exactly the keys of the scikit-learn search we
        replace, so code comparing the two keeps working.
        """
        self.search_history_ = {
            name: np.asarray(results.pop(name))
            for name in self._history_columns
            if name in results
        }

    def _propose(self, strategy, seeds, seen, n, rng, pending=None) -> np.ndarray:
        """``n`` new, distinct points: seeds first, then the strategy's.

        ``pending`` (asynchronous mode) are the points still being evaluated.
        """
        space = self._space
        chosen = []
        while seeds and len(chosen) < n:
            u = seeds.pop(0)
            k = space.key(u)
            if k not in seen:  # the user may list a parameter set twice
                seen.add(k)
                chosen.append(u)
        for _ in range(_MAX_ASK_ROUNDS):
            if len(chosen) >= n:
                break
            asked = (
                strategy.ask(n - len(chosen))
                if pending is None
                else strategy.ask(n - len(chosen), pending=pending)
            )
            for u in space.snap(asked):
                k = space.key(u)
                if k not in seen and len(chosen) < n:
                    seen.add(k)
                    chosen.append(u)
        tries = 0
        while len(chosen) < n and tries < _MAX_RANDOM_TRIES:
            # The strategy keeps proposing evaluated points (a small discrete
            # space); fill the batch with unseen random points.
            tries += 1
            for u in space.sample(4 * (n - len(chosen)), rng, method="random"):
                k = space.key(u)
                if k not in seen and len(chosen) < n:
                    seen.add(k)
                    chosen.append(u)
        return np.array(chosen).reshape(len(chosen), space.n_dims)

    def _previous_evaluations(self):
        """Results and points carried over from a checkpoint or an earlier fit.

        A non-empty checkpoint wins: it holds everything a previous fit with
        the same settings finished, including fits of other processes.
        """
        ckpt = getattr(self, "_checkpoint", None)
        if ckpt is not None and ckpt.n_records:
            results = dict(ckpt.results)
            # Seeds and design points as given: decoding the stored unit-cube
            # point turns C=100 into 99.99999908.
            results["params"] = self._decode(ckpt.points)
            return results, ckpt.points
        if not (self.warm_start and hasattr(self, "_search_points_")):
            return None, np.empty((0, self._space.n_dims))
        narrowed = self._search_space_repr_ != _checkpoint.describe(
            self.param_distributions
        )
        if narrowed:
            # A space inside the last one (narrowing.narrow) keeps the
            # evaluations that lie in it; any other change starts afresh.
            from .narrowing import _check_inside

            previous = getattr(self, "_search_distributions_", None)
            if previous is None:
                raise ValueError(
                    "warm_start=True but param_distributions changed since the "
                    "last fit; set warm_start=False to start a new search."
                )
            try:
                _check_inside(previous, self.param_distributions)
            except ValueError as exc:
                raise ValueError(
                    f"warm_start=True but param_distributions changed: {exc} Set "
                    "warm_start=False to start a new search."
                ) from None
        # Only what changes the meaning of a score matters here; strategy
        # parameters and random_state may change between warm-started fits.
        before = getattr(self, "_settings_fingerprint_", {})
        now = _checkpoint.settings_fingerprint(self)
        differ = [
            k
            for k in ("estimator", "cv", "scoring", "error_score", "return_train_score")
            if before.get(k) != now.get(k)
        ]
        if differ:
            raise ValueError(
                f"warm_start=True but {', '.join(differ)} changed since the last "
                "fit, so the earlier scores are not comparable; set "
                "warm_start=False to start a new search."
            )
        prev = self.cv_results_
        metric = _metric_name(prev, self.refit, self.scoring)
        last, extra = self._n_splits - 1, self._n_splits
        if (
            f"split{last}_test_{metric}" not in prev
            or f"split{extra}_test_{metric}" in prev
        ):
            raise ValueError(
                "warm_start=True but the number of CV splits changed since the "
                "last fit; set warm_start=False to start a new search."
            )
        prev = {**prev, **getattr(self, "search_history_", {})}
        if narrowed:
            from .narrowing import _carry_over

            return _carry_over(prev, self.param_distributions)
        return prev, self._search_points_

    @property
    def param_importances_(self) -> dict:
        """Share of the score's variance each hyperparameter explains.

        Functional ANOVA on a random-forest surrogate of the ``cv_results_``
        (see :func:`skhypertune.param_importances`), weighted by the search
        space's priors; computed on first access and cached. Parameter name
        to share, summing to one, most important first.
        """
        check_is_fitted(self, "cv_results_")
        from .importance import param_importances

        key = (id(self.cv_results_), len(self.cv_results_["params"]))
        cached = getattr(self, "_param_importances_cache", None)
        if cached is None or cached[0] != key:
            seed = self.random_state if isinstance(self.random_state, int) else 0
            cached = (key, param_importances(self, random_state=seed))
            self._param_importances_cache = cached
        return dict(cached[1])

    def _after_batch(self, points, candidates, results) -> None:
        """Called after each evaluated batch (checkpointing hooks in here)."""

    def _candidate_budget(self) -> int:
        """Planned number of evaluations, shown to callbacks as ``n_iter``."""
        return self.n_iter

    def _should_stop(self, results, all_params, scores, batch_index, start) -> bool:
        """Check ``max_time`` and call the callbacks after a batch.

        Shared by every searcher (the halving searches call it after each
        iteration); sets ``_stopped_by_`` when the search must end.
        """
        elapsed = time.monotonic() - start
        n_done = len(all_params)
        if self.verbose > 0:
            _print_progress(self, scores, n_done, elapsed)
        # Checked after each batch, so every fit evaluates at least one batch
        # and the batch in flight when time runs out still finishes.
        if self.max_time is not None and elapsed >= self.max_time:
            self._stopped_by_ = "max_time"
            return True
        if not self._callbacks:
            return False
        view = np.array(scores, dtype=float)
        view.setflags(write=False)
        finite = np.where(np.isnan(view), -np.inf, view)
        best = int(np.argmax(finite)) if np.isfinite(finite).any() else None
        state = SearchState(
            estimator=self,
            n_evaluated=n_done,
            n_iter=self._candidate_budget(),
            batch=batch_index,
            elapsed=elapsed,
            params=tuple(all_params),
            scores=view,
            best_index=best,
            best_score=float(view[best]) if best is not None else math.nan,
            best_params=dict(all_params[best]) if best is not None else None,
            cv_results=MappingProxyType(results),
        )
        for callback in self._callbacks:
            try:
                stop = callback(state)
            except StopIteration:
                stop = True
            if stop:
                self._stopped_by_ = getattr(
                    callback, "__name__", type(callback).__name__
                )
                return True
        return False


# -- helpers ---------------------------------------------------------------
_NON_FINITE = "One or more of the "


def _warn_non_finite(results: Mapping) -> None:
    """scikit-learn's warning about non-finite mean scores, once per metric."""
    for key, values in results.items():
        if key.startswith(("mean_test_", "mean_train_")):
            means = np.asarray(values, dtype=float)
            if not np.isfinite(means).all():
                warnings.warn(
                    f"{_NON_FINITE}{key.split('_')[1]} scores are non-finite: {means}",
                    UserWarning,
                    stacklevel=5,
                )


def _as_callback_list(callbacks) -> list[Callable]:
    if callbacks is None:
        return []
    if callable(callbacks):
        return [callbacks]
    out = list(callbacks)
    for i, cb in enumerate(out):
        if not callable(cb):
            raise TypeError(
                f"callbacks[{i}] must be callable (taking a SearchState), got "
                f"{type(cb).__name__}."
            )
    return out


def _metric_name(results: Mapping, refit: Any, scoring: Any = None) -> str:
    """The metric a search optimises: ``score``, or one of several.

    With multi-metric scoring it is the metric ``refit`` names; when
    ``refit`` is False or a callable (which scikit-learn accepts), the first
    metric of ``scoring``, or the first a callable scorer returns.
    """
    if "mean_test_score" in results:
        return "score"
    if isinstance(refit, str) and f"mean_test_{refit}" in results:
        return refit
    names = [k[len("mean_test_") :] for k in results if k.startswith("mean_test_")]
    if isinstance(scoring, (list, tuple, Mapping)):
        order = {name: i for i, name in enumerate(scoring)}
        names = sorted(names, key=lambda n: order.get(n, len(order)))
    if not names:
        raise ValueError("The results hold no test score to optimise.")
    return names[0]


def _objective(results: Mapping, refit: Any, scoring: Any = None) -> np.ndarray:
    """The optimised metric per candidate, NaN where it is not finite."""
    values = np.asarray(
        results[f"mean_test_{_metric_name(results, refit, scoring)}"], dtype=float
    )
    return np.where(np.isfinite(values), values, np.nan)


def _next_batch(batch_size: int, strategy: Strategy, n_left: int) -> int:
    """Candidates in the next batch: at least those ready without new scores."""
    return min(max(batch_size, strategy.n_ready()), n_left)


def _restore_proposal_order(params: list, out: list, more, order, n_splits) -> None:
    """Undo :meth:`BaseHyperSearchCV._dispatch_order` on the last batch, in place.

    ``params``, ``out`` and ``more`` are scikit-learn's running lists of this
    fit (changed in place so later batches see proposal order too);
    ``order[i]`` is the proposal index of the i-th dispatched candidate, and
    ``out`` holds ``n_splits`` consecutive entries per candidate.
    """
    n = len(order)
    m = len(params) - n
    position = np.argsort(order)  # dispatch position of each proposal index
    params[m:] = [params[m + i] for i in position]
    out[m * n_splits :] = [
        out[(m + i) * n_splits + j] for i in position for j in range(n_splits)
    ]
    for values in (more or {}).values():
        if len(values) == m + n:
            values[m:] = [values[m + i] for i in position]


def _rank(means: np.ndarray) -> np.ndarray:
    """scikit-learn's ranking: 1 is best, failures tie with the worst.

    Unlike scikit-learn, non-finite means (a scorer returning inf) count as
    failures too, so they never become ``best_index_``.
    """
    means = np.asarray(means, dtype=float)
    means = np.where(np.isfinite(means), means, np.nan)
    if np.isnan(means).all():
        return np.ones(len(means), dtype=np.int32)
    filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
    return rankdata(-filled, method="min").astype(np.int32)


def _append_formatted(prev: Mapping, new: Mapping, params: list, m: int) -> dict | None:
    """``prev`` then ``new`` (both formatted by scikit-learn) as one results dict.

    ``m`` is the number of candidates in ``prev`` (its ``params`` list may be
    the growing list of all candidates). Keys keep scikit-learn's order.
    Returns None when the two cannot be appended exactly (other columns, or
    a ``param_*`` column whose inferred dtype would change), so the caller
    formats everything again.
    """
    skip = ("params", "param_", "rank_")
    if {k for k in new if not k.startswith(skip)} != {
        k for k in prev if not k.startswith(skip)
    }:
        return None
    k_new = len(new["params"])
    param_names = [k for k in prev if k.startswith("param_")]
    param_names += [k for k in new if k.startswith("param_") and k not in prev]
    merged: dict = {}
    for key in new:
        if key.startswith("param_"):
            continue
        if key == "params":
            for name in param_names:
                a, b = prev.get(name), new.get(name)
                dtype = (a if a is not None else b).dtype
                if a is None:
                    a = np.ma.MaskedArray(np.empty(m, dtype=dtype), mask=True)
                if b is None:
                    b = np.ma.MaskedArray(np.empty(k_new, dtype=dtype), mask=True)
                if a.dtype != b.dtype:
                    # Inferring over all values: once the earlier ones need
                    # object, so do all; numbers promote as numpy does.
                    if a.dtype == object:
                        b = b.astype(object)
                    elif not (a.dtype.kind in "biuf" and b.dtype.kind in "biuf"):
                        return None
                merged[name] = np.ma.concatenate([a, b])
            merged["params"] = params
        elif key.startswith("rank_"):
            merged[key] = _rank(merged["mean_" + key[len("rank_") :]])
        else:
            merged[key] = np.concatenate([prev[key], new[key]])
    return merged


def _concat_results(first: Mapping, second: Mapping) -> dict:
    """Candidates of ``first`` then ``second`` in one cv_results_ dict."""
    params = list(first["params"]) + list(second["params"])
    merged: dict = {}
    for key in second:
        if key.startswith("param_") or key == "params" or key.startswith("rank_"):
            continue
        if key not in first:
            raise ValueError(f"Cannot merge results: earlier results lack {key!r}.")
        merged[key] = np.concatenate([np.asarray(first[key]), np.asarray(second[key])])
    for key, column in compat.param_columns(params):
        merged[key] = column
    merged["params"] = params
    return merged


def _count_splits(search, X, y, params: Mapping) -> int:
    """Number of CV splits, known before the first evaluation.

    scikit-learn < 1.5 sets ``n_splits_`` only after ``_run_search``, and the
    loop needs it earlier (warm-start checks, callback contexts).
    """
    cv = check_cv(search.cv, y, classifier=is_classifier(search.estimator))
    try:
        return cv.get_n_splits(X, y, groups=params.get("groups"))
    except (TypeError, ValueError):
        return cv.get_n_splits(X, y)


def _replace_results(target: dict, source: Mapping, n_splits: int) -> None:
    """Make ``target`` hold ``source`` with fresh ranks, updating it in place.

    ``BaseSearchCV.fit`` keeps the dict returned by ``evaluate_candidates`` as
    ``cv_results_`` and picks ``best_index_`` from it, so changing the object
    itself is what carries earlier evaluations into the fitted attributes.
    """
    del n_splits
    new = dict(source)
    for key in list(new):
        if key.startswith("mean_test_"):
            new["rank_test_" + key[len("mean_test_") :]] = _rank(new[key])
    target.clear()
    target.update(new)


def _check_param_names(estimator, space: SearchSpace) -> None:
    """Fail before any fit when ``set_params`` would refuse a searched name.

    Names that ``get_params(deep=True)`` lists, or that belong to a step
    searched over (``{"clf": [SVC()], "clf__C": ...}``), are fine. Any other
    dict of the space is tried on a clone with its first values, as
    scikit-learn's fits do (``clone(estimator).set_params(**params)``), so an
    estimator whose ``set_params`` takes any name is accepted, and the error
    is the one ``set_params`` raises. (Trying only those keeps the number of
    ``set_params`` calls of a valid space what scikit-learn's search makes.)
    """
    try:
        valid = set(estimator.get_params(deep=True))
        base = clone(estimator)
    except Exception:
        return  # scikit-learn's fit fails on it first, with its own message
    for b, branch in enumerate(space._branches):
        if all(name in valid or _set_by_sibling(name, branch) for name in branch):
            continue
        u = np.full(space.n_dims, 0.5)
        for j, dim in enumerate(space.dimensions):
            if dim.n_levels:
                u[j] = 0.5 / dim.n_levels
        if space.n_branches > 1:
            u[0] = (b + 0.5) / space.n_branches
        params = space.decode(u)
        clone(base).set_params(**clone(params, safe=False))


def _set_by_sibling(name: str, branch: Mapping) -> bool:
    """True when ``a__b`` refers to a value searched for ``a`` itself."""
    parts = name.split("__")
    return any("__".join(parts[:i]) in branch for i in range(1, len(parts)))


def _print_progress(search, scores, n_done, elapsed) -> None:
    display = getattr(search, "_progress", None)
    if display is None:
        return
    finite = scores[np.isfinite(scores)]
    display.update(n_done, float(finite.max()) if finite.size else math.nan, elapsed)
