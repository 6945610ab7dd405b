"""Every contact skhypertune has with scikit-learn's private API, in one place.

scikit-optimize's BayesSearchCV broke whenever scikit-learn changed a private
detail it relied on. We rely on few, and only here, so a new scikit-learn
release is checked against this one module (and its tests,
``tests/test_sklearn_compat.py``). Supported: scikit-learn 1.4.2 to 1.9.x.

What we rely on:

* ``BaseSearchCV`` and its documented extension point ``_run_search``, with
  ``evaluate_candidates(candidate_params, cv=None, more_results=None)``
  returning the (cumulative) ``cv_results_`` dict. Since 1.9 ``_run_search``
  may take a ``callback_ctx`` keyword, and ``evaluate_candidates`` too.
* ``BaseSearchCV.fit`` keeping that returned dict object as ``cv_results_``
  and choosing ``best_index_`` from it after ``_run_search`` returns; we
  update it in place to merge earlier evaluations (warm start, resume).
* ``sklearn.utils._param_validation`` constraint objects, and
  ``sklearn.metrics._scorer._check_multimetric_scoring`` to validate a
  multi-metric ``scoring`` before any fit.
* Since 1.9, ``evaluate_candidates`` creating one
  ``candidate-split-evaluation`` subtask per fit under the ``callback_ctx`` it
  is given, numbered from 0 on every call (see :func:`evaluation_context`).
* ``BaseSearchCV._format_results(candidate_params, n_splits, out,
  more_results)``, which ``evaluate_candidates`` calls with the growing lists
  of all candidates; ``BaseHyperSearchCV`` overrides it to format only the
  new batch and append (tests compare it with the full formatting).
* ``evaluate_candidates`` running its fits through the module-level
  ``Parallel`` class of ``sklearn.model_selection._search`` (scikit-learn's
  ``sklearn.utils.parallel.Parallel``), whose ``__call__`` wraps each
  ``delayed`` task with the configuration and hands them to
  ``joblib.Parallel.__call__``; and on the ``out`` dicts of ``_fit_and_score``
  being stored in a list it formats later. The asynchronous mode captures the
  wrapped tasks there instead of running them (:func:`capture_evaluations`),
  runs them itself, and fills the stored dicts in place.
* ``evaluate_candidates`` raising through the module-level
  ``_warn_or_raise_about_fit_failures`` when every fit of one call failed. A
  model-guided search calls it once per small batch, so a single failing
  candidate would abort the whole search; :func:`tolerate_failed_batches`
  turns that into a warning for our loop only (see below).
"""

from __future__ import annotations

import threading
import warnings
from collections import Counter
from contextlib import contextmanager
from inspect import signature

import joblib
import sklearn
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics._scorer import _check_multimetric_scoring
from sklearn.model_selection import _search as _sk_search
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import _insert_error_scores
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.parallel import Parallel as _SkParallel

try:  # scikit-learn >= 1.5 infers numeric dtypes for param_* columns
    from sklearn.model_selection._search import (
        _yield_masked_array_for_each_param as _sk_param_columns,
    )
except ImportError:  # pragma: no cover - older releases
    _sk_param_columns = None

import numpy as np
from numpy.ma import MaskedArray

SKLEARN_VERSION = tuple(int(p) for p in sklearn.__version__.split(".")[:2])

#: Whether ``evaluate_candidates`` takes a ``callback_ctx`` (scikit-learn >= 1.9).
HAS_CALLBACK_CTX = "callback_ctx" in signature(BaseSearchCV._run_search).parameters


def param_columns(candidate_params: list[dict]):
    """Yield ``("param_<name>", MaskedArray)`` as scikit-learn formats them."""
    if _sk_param_columns is not None:
        yield from _sk_param_columns(candidate_params)
        return
    names = sorted({k for p in candidate_params for k in p})  # pragma: no cover
    for name in names:  # pragma: no cover
        ma = MaskedArray(np.empty(len(candidate_params), dtype=object), mask=True)
        for i, p in enumerate(candidate_params):
            if name in p:
                ma[i] = p[name]
        yield f"param_{name}", ma


def check_multimetric_scoring(estimator, scoring) -> dict:
    """scikit-learn's validation of a list, tuple or dict ``scoring``.

    Raises the ValueError its searches raise, before any fit.
    """
    return _check_multimetric_scoring(estimator, scoring)


def batch_context(search_ctx, estimator, n_tasks: int):
    """A callback context for one batch of candidates, or None before 1.9."""
    if search_ctx is None:
        return None
    if (
        search_ctx.max_subtasks is not None
        and len(search_ctx._children_map) >= search_ctx.max_subtasks
    ):
        # More batches than planned (short batches in a nearly exhausted
        # space): the total becomes unknown rather than an error.
        search_ctx.max_subtasks = None
    return search_ctx.subcontext(
        task_name="batch", max_subtasks=n_tasks, sequential_subtasks=False
    ).call_on_fit_task_begin(estimator=estimator)


def search_context(
    callback_ctx,
    estimator,
    max_batches: int | None = None,
    *,
    max_evaluations: int | None = None,
):
    """The "search" task under the root context scikit-learn >= 1.9 passes.

    Its subtasks are either the evaluations themselves (``max_evaluations``,
    the tree RandomizedSearchCV builds: fit > search >
    candidate-split-evaluation) or the halving iterations (``max_batches``,
    as scikit-learn's halving searches do). The total (when known) lets
    progress callbacks show it.
    """
    if callback_ctx is None:
        return None
    if max_evaluations is not None:
        return callback_ctx.subcontext(
            task_name="search", max_subtasks=max_evaluations, sequential_subtasks=False
        ).call_on_fit_task_begin(estimator=estimator)
    return callback_ctx.subcontext(
        task_name="search", max_subtasks=max_batches, sequential_subtasks=True
    ).call_on_fit_task_begin(estimator=estimator)


class _ShiftedContext:
    """The search task as one ``evaluate_candidates`` call sees it.

    ``evaluate_candidates`` numbers the evaluation subtasks it creates from 0
    on every call; a model-guided search calls it once per batch, so the ids
    are shifted past those of the earlier batches and every evaluation is a
    child of the one search task.
    """

    def __init__(self, ctx, offset: int):
        self._ctx = ctx
        self._offset = offset

    def subcontext(self, task_name="", task_id=None, **kwargs):
        return self._ctx.subcontext(
            task_name=task_name, task_id=self._offset + task_id, **kwargs
        )

    def __getattr__(self, name):
        return getattr(self._ctx, name)


def evaluation_context(search_ctx, n_before: int):
    """What to pass as ``callback_ctx`` to one ``evaluate_candidates`` call.

    ``n_before`` is the number of evaluations (candidates x splits) the
    search task already has; None before scikit-learn 1.9.
    """
    if search_ctx is None:
        return None
    return _ShiftedContext(search_ctx, n_before)


def end_context(ctx, estimator) -> bool:
    """End a task; True when a scikit-learn callback asks to stop."""
    if ctx is None:
        return False
    return bool(ctx.call_on_fit_task_end(estimator=estimator))


# -- batches whose fits all failed ----------------------------------------
_failures = threading.local()
_sk_warn_or_raise = _sk_search._warn_or_raise_about_fit_failures


class FitFailures:
    """Fit errors seen by one search loop: counts and distinct messages."""

    def __init__(self) -> None:
        self.n_fits = 0
        self.n_failed = 0
        self.errors: Counter = Counter()

    def all_failed_message(self) -> str:
        delimiter = "-" * 80 + "\n"
        details = "\n".join(
            f"{delimiter}{n} fits failed with the following error:\n{error}"
            for error, n in self.errors.most_common(5)
        )
        return (
            f"\nAll the {self.n_fits} fits failed.\n"
            "It is very likely that your model is misconfigured.\n"
            "You can try to debug the error by setting error_score='raise'.\n\n"
            f"Below are more details about the failures:\n{details}"
        )


def _warn_or_raise_in_batches(results, error_score):
    if getattr(_capture, "tasks", None) is not None:
        return None  # placeholders of captured fits; counted when they finish
    state = getattr(_failures, "state", None)
    if state is None:
        return _sk_warn_or_raise(results, error_score)
    fit_errors = [r["fit_error"] for r in results if r["fit_error"] is not None]
    state.n_fits += len(results)
    state.n_failed += len(fit_errors)
    for error in fit_errors:
        if error in state.errors or len(state.errors) < 20:
            state.errors[error] += 1
    if fit_errors and len(fit_errors) == len(results):
        warnings.warn(
            f"\nAll the {len(results)} fits of this batch failed; their score is "
            f"set to {error_score} and the search goes on. If these failures "
            "are not expected, debug them by setting error_score='raise'.\n"
            f"The first error was:\n{fit_errors[0]}",
            FitFailedWarning,
            stacklevel=2,
        )
        return None
    return _sk_warn_or_raise(results, error_score)


_sk_search._warn_or_raise_about_fit_failures = _warn_or_raise_in_batches


@contextmanager
def tolerate_failed_batches():
    """Within the block, a batch whose fits all failed warns instead of raising.

    scikit-learn raises when every fit of one ``evaluate_candidates`` call
    fails; our loop makes many small calls, so it decides itself, from the
    yielded :class:`FitFailures`, whether the whole search failed. Searches
    running outside the block (GridSearchCV, ...) keep scikit-learn's
    behaviour; the state is per thread.
    """
    previous = getattr(_failures, "state", None)
    _failures.state = FitFailures()
    try:
        yield _failures.state
    finally:
        _failures.state = previous


# -- asynchronous evaluation -----------------------------------------------
_capture = threading.local()


class _Interceptor(joblib.Parallel):
    """Between scikit-learn's ``Parallel`` and joblib's in the method order.

    scikit-learn's ``__call__`` attaches the configuration to each task and
    calls this one; while :func:`capture_evaluations` is active in the
    calling thread the tasks are recorded, not run, and each gets a
    placeholder result dict that is filled in place when it has run.
    """

    def __call__(self, iterable):
        tasks = getattr(_capture, "tasks", None)
        if tasks is None:
            return super().__call__(iterable)
        out = []
        for func, args, kwargs in iterable:
            placeholder = {"fit_error": None, "test_scores": np.nan}
            tasks.append((func, args, kwargs, placeholder))
            out.append(placeholder)
        return out


class _SearchParallel(_SkParallel, _Interceptor):
    """scikit-learn's ``Parallel`` for its searches, able to capture tasks."""


_sk_search.Parallel = _SearchParallel


@contextmanager
def capture_evaluations():
    """Within the block, ``evaluate_candidates`` records its fits instead.

    Yields the list of ``(func, args, kwargs, placeholder)`` tasks, one per
    candidate and split, in scikit-learn's order; ``func(*args, **kwargs)``
    runs one fit (in any process) and returns the dict to copy into
    ``placeholder``. Per thread; other searches are unaffected.
    """
    previous = getattr(_capture, "tasks", None)
    _capture.tasks = []
    try:
        yield _capture.tasks
    finally:
        _capture.tasks = previous


def capturing() -> bool:
    """Whether the calling thread is inside :func:`capture_evaluations`."""
    return getattr(_capture, "tasks", None) is not None


def insert_error_scores(out: list, error_score) -> None:
    """scikit-learn's error scores for failed fits of a callable multi-metric."""
    _insert_error_scores(out, error_score)


def async_parallel(n_jobs, pre_dispatch) -> joblib.Parallel | None:
    """A joblib ``Parallel`` yielding results as they finish, or None.

    None when the active backend cannot return results unordered (for
    instance ``multiprocessing``) or runs one job at a time.
    """
    if joblib.effective_n_jobs(n_jobs) == 1:
        return None
    try:
        return joblib.Parallel(
            n_jobs=n_jobs,
            pre_dispatch=pre_dispatch,
            batch_size=1,
            return_as="generator_unordered",
        )
    except ValueError:  # "Backend ... does not support return_as=..."
        return None


__all__ = [
    "BaseSearchCV",
    "FitFailures",
    "HAS_CALLBACK_CTX",
    "HasMethods",
    "Interval",
    "SKLEARN_VERSION",
    "StrOptions",
    "async_parallel",
    "batch_context",
    "capture_evaluations",
    "capturing",
    "check_multimetric_scoring",
    "end_context",
    "evaluation_context",
    "insert_error_scores",
    "param_columns",
    "search_context",
    "tolerate_failed_batches",
]
