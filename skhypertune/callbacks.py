"""Steering a running search: the state callbacks see, and ready-made callbacks.

A callback is any callable taking a :class:`SearchState`. It is called after
every batch of candidates; returning ``True`` (or raising ``StopIteration``)
stops the search cleanly, and the search then refits on what it has.

Besides the stopping rules, :class:`LiveReport` keeps an HTML report of the
running search up to date, and :class:`MLflowLogger` (defined in
:mod:`skhypertune.tracking`, needs the ``mlflow`` extra) logs every candidate
to MLflow.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tracking import MLflowLogger

__all__ = [
    "LiveReport",
    "MLflowLogger",
    "NoImprovement",
    "SearchState",
    "TargetScore",
    "TimeBudget",
]


def __getattr__(name: str) -> Any:
    # MLflowLogger lives with the MLflow code; reaching it from here imports
    # neither that module nor MLflow until it is used.
    if name == "MLflowLogger":
        from .tracking import MLflowLogger

        return MLflowLogger
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class SearchState:
    """A read-only view of a search's results so far.

    The same schema for every skhypertune searcher.

    Attributes
    ----------
    estimator : BaseSearchCV
        The search being fitted (read its parameters, do not change them).
    n_evaluated : int
        Candidates evaluated so far, including those from a warm start or a
        checkpoint.
    n_iter : int
        The candidate budget.
    batch : int
        Index of the batch (generation, halving iteration) just finished.
    elapsed : float
        Seconds since the search started.
    params : tuple of dict
        Parameters of every evaluated candidate, in evaluation order.
    scores : ndarray of shape (n_evaluated,)
        The optimised metric's mean test score per candidate; NaN for failed
        fits. The array is read-only.
    best_index : int or None
        Index into ``params``/``scores`` of the best candidate so far, None
        while every candidate failed.
    best_score : float
        Its score (NaN while every candidate failed).
    best_params : dict or None
        Its parameters.
    cv_results : Mapping
        The ``cv_results_`` of this fit so far (read-only mapping).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skhypertune import EvolutionSearchCV
    >>> seen = []
    >>> def log(state):
    ...     seen.append((state.n_evaluated, round(state.best_score, 3)))
    >>> X, y = load_iris(return_X_y=True)
    >>> search = EvolutionSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, 4]},
    ...     n_iter=4, population_size=2, tournament_size=2, elitism=1,
    ...     callbacks=[log], random_state=0,
    ... ).fit(X, y)
    >>> [n for n, _ in seen]
    [2, 4]
    """

    estimator: Any
    n_evaluated: int
    n_iter: int
    batch: int
    elapsed: float
    params: tuple
    scores: np.ndarray
    best_index: int | None
    best_score: float
    best_params: dict | None
    cv_results: Mapping


class TimeBudget:
    """Stop once the search has run for ``seconds``.

    The batch in flight when the budget runs out still finishes.

    Parameters
    ----------
    seconds : float
        Wall-clock budget for the search (refit excluded).

    Examples
    --------
    >>> from skhypertune.callbacks import TimeBudget
    >>> stop = TimeBudget(60)
    >>> stop.seconds
    60
    """

    def __init__(self, seconds: float):
        if isinstance(seconds, bool) or not isinstance(seconds, Real):
            raise TypeError(f"seconds must be a number, got {seconds!r}.")
        if not seconds > 0:
            raise ValueError(f"seconds must be a positive number, got {seconds!r}.")
        self.seconds = seconds

    def __call__(self, state: SearchState) -> bool:
        return state.elapsed >= self.seconds


class NoImprovement:
    """Stop when the best score has not improved for ``n_candidates`` candidates.

    Parameters
    ----------
    n_candidates : int
        Patience, counted in evaluated candidates.
    min_delta : float, default=0.0
        Smallest gain that counts as an improvement.

    Examples
    --------
    >>> from skhypertune.callbacks import NoImprovement
    >>> NoImprovement(20, min_delta=1e-4).n_candidates
    20
    """

    def __init__(self, n_candidates: int, min_delta: float = 0.0):
        if isinstance(n_candidates, bool) or not isinstance(n_candidates, Integral):
            raise TypeError(f"n_candidates must be an integer, got {n_candidates!r}.")
        if n_candidates < 1:
            raise ValueError(
                f"n_candidates must be a positive integer, got {n_candidates!r}."
            )
        if isinstance(min_delta, bool) or not isinstance(min_delta, Real):
            raise TypeError(f"min_delta must be a number, got {min_delta!r}.")
        if not min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}.")
        self.n_candidates = n_candidates
        self.min_delta = min_delta

    def __call__(self, state: SearchState) -> bool:
        scores = np.where(np.isfinite(state.scores), state.scores, -np.inf)
        if not np.isfinite(scores).any():
            return state.n_evaluated >= self.n_candidates
        if self.min_delta == 0:
            last = int(np.argmax(scores))  # first time the best was reached
        else:
            # An improvement counts when it beats the last counted one by
            # more than min_delta.
            last, reference = -1, -np.inf
            for i, score in enumerate(scores):
                if score > reference + self.min_delta:
                    last, reference = i, score
        return len(scores) - 1 - last >= self.n_candidates


class TargetScore:
    """Stop once a candidate reaches ``score``.

    Parameters
    ----------
    score : float
        Target for the optimised metric (higher is better, as in scikit-learn:
        use e.g. ``-0.1`` for ``neg_mean_squared_error``).

    Examples
    --------
    >>> from skhypertune.callbacks import TargetScore
    >>> TargetScore(0.95).score
    0.95
    """

    def __init__(self, score: float):
        if isinstance(score, bool) or not isinstance(score, Real):
            raise TypeError(f"score must be a number, got {score!r}.")
        if math.isnan(score):
            raise ValueError("score must not be NaN.")
        self.score = score

    def __call__(self, state: SearchState) -> bool:
        return bool(np.isfinite(state.best_score) and state.best_score >= self.score)


class LiveReport:
    """Keep an HTML report of the running search, rewritten after every batch.

    The page is :func:`skhypertune.report`'s, drawn from the results so far,
    with a status line (candidates evaluated, batch, time, best score) and an
    HTML meta refresh, so a browser showing it reloads it every ``refresh``
    seconds and follows the search. Each page replaces the last atomically (a
    temporary file, then ``os.replace``): a reload never reads half a page.
    The page written after the batch that spends the budget does not reload.

    A callback only sees batches, not the end of the fit. Call
    :meth:`finish` after ``fit`` (or use the callback as a context manager
    around it) to write the final report: the fitted search's full page,
    refit time included, and no reload even when a callback or ``max_time``
    stopped the search early.

    Parameters
    ----------
    path : str or path-like
        The HTML file to write (its folder must exist).
    every : int, default=1
        Write the page after every ``every``-th batch (and always after the
        batch that spends the budget).
    refresh : float, default=3.0
        Seconds between two reloads of the page by the browser while the
        search runs.
    plots : bool, default=True
        Draw the plots (needs matplotlib). They take about a second per
        page; with batches faster than that, set ``plots=False`` or a larger
        ``every``.
    title, notes, metric : optional
        As for :func:`skhypertune.report`.

    Attributes
    ----------
    path : pathlib.Path
        The file written.
    n_written_ : int
        Pages written so far (the final one included).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skhypertune import BayesSearchCV
    >>> from skhypertune.callbacks import LiveReport
    >>> X, y = load_iris(return_X_y=True)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "search.html"
    >>> with LiveReport(path, plots=False) as live:
    ...     search = BayesSearchCV(
    ...         DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 4, 8]},
    ...         n_iter=4, n_points=2, callbacks=[live], random_state=0,
    ...     ).fit(X, y)
    >>> live.n_written_  # two batches, then the final report
    3
    >>> 'http-equiv="refresh"' in path.read_text()
    False
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        every: int = 1,
        refresh: float = 3.0,
        plots: bool = True,
        title: str | None = None,
        notes: Mapping[str, Any] | None = None,
        metric: str | None = None,
    ):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(
                f"path must be a file path (str or path-like), got {path!r}."
            )
        out = Path(path)
        if not str(path).strip() or out.is_dir():
            raise ValueError(f"path must be a file path, got {str(path)!r}.")
        if not out.parent.is_dir():
            raise ValueError(
                f"path {str(path)!r}: its folder {str(out.parent)!r} does not exist."
            )
        if isinstance(every, bool) or not isinstance(every, Integral):
            raise TypeError(f"every must be an integer, got {every!r}.")
        if every < 1:
            raise ValueError(f"every must be a positive integer, got {every!r}.")
        if isinstance(refresh, bool) or not isinstance(refresh, Real):
            raise TypeError(f"refresh must be a number of seconds, got {refresh!r}.")
        if not refresh > 0:
            raise ValueError(f"refresh must be a positive number, got {refresh!r}.")
        if not isinstance(plots, bool):
            raise TypeError(f"plots must be True or False, got {plots!r}.")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a string or None, got {title!r}.")
        if notes is not None and not isinstance(notes, Mapping):
            raise TypeError(f"notes must be a mapping or None, got {notes!r}.")
        if metric is not None and not isinstance(metric, str):
            raise TypeError(f"metric must be a string or None, got {metric!r}.")
        self.path = out
        self.every = every
        self.refresh = refresh
        self.plots = plots
        self.title = title
        self.notes = notes
        self.metric = metric
        self.n_written_ = 0
        self._n_calls = 0
        self._state: SearchState | None = None

    def __call__(self, state: SearchState) -> bool:
        from ._report import report

        self._state = state
        self._n_calls += 1
        spent = state.n_evaluated >= state.n_iter
        if spent or self._n_calls % self.every == 0:
            report(
                state,
                self.path,
                refresh=None if spent else self.refresh,
                **self._report_kwargs(),
            )
            self.n_written_ += 1
        return False

    def finish(self, search: Any = None, **kwargs: Any) -> Path:
        """Write the final report of the fitted search, which does not reload.

        Parameters
        ----------
        search : fitted search, default=None
            The search; by default the one this callback last saw.
        **kwargs
            More arguments of :func:`skhypertune.report` (``held_out``,
            ``compare``, ``labels``...).

        Returns
        -------
        path : pathlib.Path
            The file written.
        """
        from ._report import report

        if search is None:
            if self._state is None:
                raise ValueError(
                    "finish() needs the fitted search: this LiveReport has not "
                    "seen one yet (pass it, or use the callback in a fit first)."
                )
            search = self._state.estimator
        out = report(search, self.path, **{**self._report_kwargs(), **kwargs})
        self.n_written_ += 1
        return out

    def _report_kwargs(self) -> dict:
        return {
            "title": self.title,
            "notes": self.notes,
            "plots": self.plots,
            "metric": self.metric,
        }

    def __enter__(self) -> LiveReport:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        state = self._state
        if state is None:
            return
        if exc_type is None:
            if hasattr(state.estimator, "cv_results_"):
                self.finish()
            return
        # The fit failed: the last page must not go on reloading as if the
        # search were running.
        from ._report import _Running, report

        reason = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
        report(_Running(state, ended=reason), self.path, **self._report_kwargs())
        self.n_written_ += 1

    def __getstate__(self) -> dict:
        # scikit-learn may pickle the running search (callbacks included) for
        # its workers; the last state holds that search and its results.
        state = dict(self.__dict__)
        state["_state"] = None
        return state
