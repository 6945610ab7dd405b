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
* ``sklearn.utils._param_validation`` constraint objects.
"""

from __future__ import annotations

from inspect import signature

import sklearn
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

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


def batch_context(search_ctx, estimator, n_tasks: int):
    """A callback context for one batch of candidates, or None before 1.9."""
    if search_ctx is None:
        return None
    return search_ctx.subcontext(
        task_name="batch", max_subtasks=n_tasks, sequential_subtasks=False
    ).call_on_fit_task_begin(estimator=estimator)


def search_context(callback_ctx, estimator):
    """The "search" task under the root context scikit-learn >= 1.9 passes."""
    if callback_ctx is None:
        return None
    return callback_ctx.subcontext(
        task_name="search", max_subtasks=None, sequential_subtasks=True
    ).call_on_fit_task_begin(estimator=estimator)


def end_context(ctx, estimator) -> None:
    if ctx is not None:
        ctx.call_on_fit_task_end(estimator=estimator)


__all__ = [
    "BaseSearchCV",
    "HAS_CALLBACK_CTX",
    "HasMethods",
    "Interval",
    "SKLEARN_VERSION",
    "StrOptions",
    "batch_context",
    "end_context",
    "param_columns",
    "search_context",
]
