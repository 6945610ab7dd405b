"""The ask/tell protocol every strategy follows."""

from __future__ import annotations

import numpy as np

from ..space import SearchSpace


class Strategy:
    """Base class of ask/tell strategies.

    Parameters
    ----------
    space : SearchSpace
        The space to search; points are rows of the ``space.n_dims``-dimensional
        unit cube.
    random_state : numpy.random.RandomState
        The only source of randomness; the search loop derives it from the
        user's ``random_state`` with :func:`sklearn.utils.check_random_state`.

    Notes
    -----
    The search loop calls ``ask(n)`` and later ``tell(points, scores)`` with
    the points it really evaluated (it may drop duplicates, add the user's
    seed points, or replay a checkpoint). ``tell`` may therefore receive points
    the strategy never proposed, and must accept NaN scores (failed fits).
    In asynchronous mode the loop asks ``ask(n, pending=P)`` while the points
    ``P`` are still being evaluated: a strategy should then propose points
    that complement them (a strategy whose ``ask`` takes no ``pending`` is
    only used in batch mode).

    Examples
    --------
    A strategy that always proposes the centre of the cube:

    >>> import numpy as np
    >>> from skhypertune.space import SearchSpace
    >>> from skhypertune.strategies import Strategy
    >>> class Centre(Strategy):
    ...     def ask(self, n):
    ...         return np.full((n, self.space.n_dims), 0.5)
    >>> strategy = Centre(SearchSpace({"a": [1, 2, 3]}), np.random.RandomState(0))
    >>> strategy.tell(strategy.ask(1), [0.7])
    >>> strategy.X_, strategy.y_
    (array([[0.5]]), array([0.7]))
    """

    def __init__(self, space: SearchSpace, random_state: np.random.RandomState):
        self.space = space
        self.random_state = random_state
        self.X_ = np.empty((0, space.n_dims))
        self.y_ = np.empty(0)
        self.Y_: np.ndarray | None = None

    def ask(self, n: int, pending: np.ndarray | None = None) -> np.ndarray:
        """Propose ``n`` points as an ``(n, space.n_dims)`` array.

        ``pending`` holds points proposed earlier whose scores are not known
        yet (asynchronous evaluation).
        """
        raise NotImplementedError

    def n_ready(self) -> int:
        """How many next proposals do not depend on scores still to come.

        The search loop evaluates at least that many together (a fixed
        initial design in one batch instead of several): fewer waits for the
        slowest fit of a batch, and the same proposals.
        """
        return 0

    def tell(self, points: np.ndarray, scores: np.ndarray) -> None:
        """Record evaluated points and their scores (higher is better, NaN failed).

        ``scores`` of shape ``(n_points, n_objectives)`` are several
        objectives, each oriented so that higher is better: they are kept in
        ``Y_``, and ``y_`` holds the first column (NaN where any is missing).
        """
        points = np.atleast_2d(np.asarray(points, dtype=float))
        scores = np.asarray(scores, dtype=float)
        many = scores.ndim == 2 and scores.shape[1] > 1
        if not many:
            scores = scores.ravel()
        if points.shape[0] != scores.shape[0]:
            raise ValueError(
                f"tell got {points.shape[0]} points but {scores.shape[0]} scores."
            )
        scores = np.where(np.isfinite(scores), scores, np.nan)
        if many or self.Y_ is not None:
            scores = scores.reshape(len(points), -1)
            if self.Y_ is None:
                self.Y_ = np.full((len(self.y_), scores.shape[1]), np.nan)
            if scores.shape[1] != self.Y_.shape[1]:
                raise ValueError(
                    f"tell got {scores.shape[1]} objectives, earlier "
                    f"{self.Y_.shape[1]}."
                )
            self.Y_ = np.vstack([self.Y_, scores])
            scores = np.where(np.isnan(scores).any(axis=1), np.nan, scores[:, 0])
        self.X_ = np.vstack([self.X_, points])
        self.y_ = np.concatenate([self.y_, scores])

    @property
    def n_objectives(self) -> int:
        """Number of objectives told (1 until several were)."""
        return 1 if self.Y_ is None else self.Y_.shape[1]


class RandomStrategy(Strategy):
    """Uniform random search over the unit cube (what RandomizedSearchCV does).

    Examples
    --------
    >>> import numpy as np
    >>> from skhypertune.space import SearchSpace
    >>> from skhypertune.strategies import RandomStrategy
    >>> space = SearchSpace({"a": [1, 2, 3]})
    >>> RandomStrategy(space, np.random.RandomState(0)).ask(2).shape
    (2, 1)
    """

    def ask(self, n: int, pending: np.ndarray | None = None) -> np.ndarray:
        # Independent draws: pending points change nothing (the loop skips
        # a draw that repeats one).
        return self.space.sample(n, self.random_state, method="random")
