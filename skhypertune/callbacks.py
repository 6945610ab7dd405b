"""Steering a running search: the state callbacks see, and ready-made callbacks.

A callback is any callable taking a :class:`SearchState`. It is called after
every batch of candidates; returning ``True`` (or raising ``StopIteration``)
stops the search cleanly, and the search then refits on what it has.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = ["NoImprovement", "SearchState", "TargetScore", "TimeBudget"]


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
