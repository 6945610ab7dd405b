"""EvolutionSearchCV: evolutionary search as a RandomizedSearchCV drop-in."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from . import _sklearn_compat as compat
from ._search import BaseHyperSearchCV
from .portfolio import _search_design
from .space import SearchSpace
from .strategies.evolution import EvolutionStrategy

__all__ = ["EvolutionSearchCV"]


def _default_population(n_iter: int) -> int:
    """Population used when ``population_size=None``.

    About ``sqrt(n_iter)``, at least 4: 6 for ``n_iter=40`` (a Sobol generation
    and six bred ones), 10 for ``n_iter=100``. Never more than ``n_iter`` so
    that one generation fits in the budget. Small populations and many
    generations won at budgets 40 and 100 (benchmarks/results/
    evolution_step_rules.md).
    """
    return int(min(n_iter, max(4, round(math.sqrt(n_iter)))))


class EvolutionSearchCV(BaseHyperSearchCV):
    """Evolutionary search over hyperparameters, one generation per batch.

    A drop-in for :class:`~sklearn.model_selection.RandomizedSearchCV`: the
    same ``param_distributions`` (a dict or a list of dicts of scipy.stats
    distributions and lists of values) and the same fitted attributes. The
    first generation starts, for common scikit-learn estimators, with a
    portfolio of configurations known to be good across many datasets (see
    ``initial_design``) and is filled with a scrambled Sobol design; each
    later generation is
    bred from a pool of the best candidates by tournament selection,
    crossover and mutation suited to each kind of parameter (continuous,
    integer, categorical, and the branch of a list of dicts), with step sizes
    that shrink as the population converges. Each generation is evaluated as
    one parallel batch, so ``n_jobs`` workers stay busy, and no parameter set
    is evaluated twice.

    Parameters
    ----------
    estimator : estimator object
        The object to tune; it must implement ``fit`` and either ``score`` or
        have ``scoring`` set.
    param_distributions : dict or list of dicts
        Parameter names (``str``) mapped to scipy.stats frozen distributions
        or lists of values, as for ``RandomizedSearchCV``. A list of dicts is
        a conditional space: each candidate uses the parameters of one dict.
    n_iter : int, default=50
        Total number of candidates evaluated (as in ``RandomizedSearchCV``),
        including ``initial_params`` and, with ``warm_start``, the candidates
        of earlier fits. The last generation is cut short to fit the budget.
    population_size : int or None, default=None
        Candidates per generation, and size of the parent pool. None uses
        ``max(4, round(sqrt(n_iter)))`` capped at ``n_iter``: 6 for
        ``n_iter=40``, 10 for ``n_iter=100``. Must be at least 2 and at most
        ``n_iter``.
    initial_design : {"auto", "portfolio", "sobol", "random"}, default="auto"
        How the first generation is made. ``"portfolio"``: the
        ``initial_params``, then the estimator's portfolio of configurations
        known to do well across many datasets, mapped into
        ``param_distributions`` (:func:`skhypertune.portfolio.portfolio_params`
        with ``open_values="spread"``, :ref:`portfolio`), up to half the
        generation, then scrambled Sobol points; the rest of the portfolio
        comes one configuration per later generation, up to ``n_iter // 4``
        portfolio candidates in all (not with ``asynchronous=True``, where
        there are no generations, nor with ``objectives``); an error when the
        estimator (or the last step of a pipeline) has no portfolio.
        ``"auto"``: ``"portfolio"`` when the estimator has one, else
        ``"sobol"``.
        ``"sobol"``: a scrambled Sobol generation only (the behaviour before
        portfolios existed); ``"random"``: uniformly random points.
    mutation_probability : float, default=0.8
        Probability that a child is mutated (Gaussian steps on numeric
        parameters, a new level for categorical ones). A child that equals an
        already evaluated candidate is always mutated.
    crossover_probability : float, default=0.6
        Probability that a child is bred from two parents rather than copied
        from one.
    tournament_size : int, default=3
        Candidates drawn per selection tournament; the best of them becomes a
        parent. Must not exceed ``population_size`` (when the population is
        derived from ``n_iter`` it is capped at the population instead).
    elitism : int, default=2
        Number of best candidates ever evaluated kept in the parent pool
        whatever the newest generation scores; 0 lets the pool forget them.
        Must be smaller than ``population_size`` (capped likewise when the
        population is derived).
    scoring : str, callable, list, tuple or dict, default=None
        As in ``RandomizedSearchCV``. With several metrics, ``refit`` names
        the metric that is optimised.
    n_jobs : int, default=None
        Number of jobs run in parallel; None means 1, -1 all processors.
    refit : bool, str, or callable, default=True
        Refit the best candidate on the whole data, as in ``RandomizedSearchCV``.
        With multi-metric scoring the search optimises the metric ``refit``
        names; when ``refit`` is ``False`` or a callable, the first metric of
        ``scoring``.
    cv : int, cross-validation generator or iterable, default=None
        Cross-validation splitting strategy (5-fold when None).
    verbose : int, default=0
        Prints progress after each generation when > 0, and scikit-learn's
        per-fit messages when higher.
    pre_dispatch : int or str, default="2*n_jobs"
        Controls the number of jobs dispatched during parallel execution.
    random_state : int, RandomState instance or None, default=None
        Seeds the Sobol design and every evolutionary choice. The same value
        gives the same candidates, whatever ``n_jobs``.
    error_score : "raise" or numeric, default=np.nan
        Score of a candidate whose fit fails. With ``np.nan``, failed
        candidates get the worst fitness: they lose every selection
        tournament against a successful candidate, and until one candidate
        succeeds the search keeps sampling the space.
    return_train_score : bool, default=False
        Include training scores in ``cv_results_``.
    initial_params : list of dict or None, default=None
        Parameter sets evaluated first, in the first generation (e.g. the
        estimator's defaults or a known good configuration).
    callbacks : callable, list of callables or None, default=None
        Called with a :class:`~skhypertune.callbacks.SearchState` after each
        generation; returning True or raising ``StopIteration`` stops the search.
    max_time : float or None, default=None
        Seconds after which no new generation is started.
    warm_start : bool, default=False
        When True, a new ``fit`` continues from the candidates of the previous
        one (same data and space) up to ``n_iter`` candidates in total.
    checkpoint : str or path-like, default=None
        File to which every completed generation is appended (JSON lines,
        flushed to disk). If the file exists from an interrupted run with the
        same settings and data, its candidates are reloaded instead of being
        fitted again and the search continues where it stopped.
    asynchronous : bool, default=False
        With ``n_jobs`` above 1, breed a child as soon as a worker frees up,
        from the parent pool as it stands (steady-state evolution), instead of
        waiting for a whole generation's slowest fit. Faster in parallel, but
        the search then depends on which fit finishes first, so a repeated fit
        with the same ``random_state`` may differ; the default generational
        mode gives the same search whatever ``n_jobs``. Needs a joblib backend
        that returns results as they finish (loky, threading, dask). See
        :ref:`asynchronous`.

    objectives : list of str or dict, default=None
        Search for the trade-off between several objectives instead of one
        score: e.g. ``["score", "fit_time"]``. Names are ``"score"`` (the
        optimised metric), metric names of a multi-metric ``scoring``,
        ``"fit_time"`` and ``"score_time"`` (mean seconds per fit and per
        scoring), or numeric ``cv_results_`` columns by their full name. Scores
        are maximised, times and ``std_*`` columns minimised; a dict gives each
        its direction (``{"score": "max", "n_leaves": "min"}`` for a scorer
        ``"n_leaves"``). The search then looks for the Pareto front
        (``pareto_front_``) with NSGA-II selection: parents and children ranked
        by front, then by crowding distance; ``refit=True`` still refits the
        best score, and a callable ``refit`` such as
        :func:`skhypertune.pareto.best_within` picks another model from the
        front. Measured times make the search depend on timing: with
        ``"fit_time"`` or ``"score_time"`` a repeated fit with the same
        ``random_state`` may propose other candidates, while objectives
        computed by scorers keep it reproducible. See :ref:`multi-objective`.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As in ``RandomizedSearchCV``, with exactly its keys.
    objectives_ : tuple of Objective
        With ``objectives``: each objective's name, ``cv_results_`` column
        and direction (:func:`skhypertune.pareto.resolve_objectives`).

    pareto_front_ : ndarray of int
        With ``objectives``: indices into ``cv_results_`` of the candidates
        no other candidate beats on every objective, best first along the
        first objective.

    search_history_ : dict of ndarray
        One entry per row of ``cv_results_``: ``"generation"`` is the
        generation (0 for the first one) of each candidate, ``"portfolio"``
        is True for the candidates taken from the portfolio (see
        ``initial_design``).
    best_estimator_ : estimator
        The best candidate refitted on the whole data (when ``refit``).
    best_score_ : float
        Mean cross-validated score of the best candidate.
    best_params_ : dict
        Parameters of the best candidate.
    best_index_ : int
        Index of the best candidate in ``cv_results_``.
    scorer_ : function or dict
        The scorer(s) used.
    n_splits_ : int
        Number of cross-validation splits.
    refit_time_ : float
        Seconds used to refit the best candidate.
    multimetric_ : bool
        Whether several metrics were scored.
    n_evaluated_ : int
        Candidates in ``cv_results_``.
    population_size_ : int
        The population size used.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers with ``refit``).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit`` (when X has string column names).

    See Also
    --------
    sklearn.model_selection.RandomizedSearchCV : Random search it replaces.
    skhypertune.BayesSearchCV : Model-based search, usually better at small budgets.

    Notes
    -----
    ``n_iter`` counts evaluated candidates, not generations: with
    ``n_iter=40`` and ``population_size=10`` the search runs four generations.
    Points are bred in a unit-cube encoding of the space in which every
    distribution is searched through its CDF (``loguniform`` on a log scale).

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skhypertune import EvolutionSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = EvolutionSearchCV(
    ...     SVC(),
    ...     {"C": loguniform(1e-2, 1e2), "kernel": ["rbf", "linear"]},
    ...     n_iter=12, population_size=4, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> search.search_history_["generation"].tolist()
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    >>> len(search.cv_results_["params"])
    12
    >>> bool(search.best_score_ > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseHyperSearchCV._parameter_constraints,
        "objectives": [list, tuple, dict, None],
        "population_size": [compat.Interval(Integral, 2, None, closed="left"), None],
        "mutation_probability": [compat.Interval(Real, 0, 1, closed="both")],
        "crossover_probability": [compat.Interval(Real, 0, 1, closed="both")],
        "tournament_size": [compat.Interval(Integral, 1, None, closed="left")],
        "elitism": [compat.Interval(Integral, 0, None, closed="left")],
        "initial_design": [compat.StrOptions({"auto", "portfolio", "sobol", "random"})],
    }

    _batch_column = "generation"
    _history_columns = ("generation", "portfolio")
    _design_column = "portfolio"

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=50,
        population_size=None,
        initial_design="auto",
        mutation_probability=0.8,
        crossover_probability=0.6,
        tournament_size=3,
        elitism=2,
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
        asynchronous=False,
        objectives=None,
    ):
        super().__init__(
            estimator,
            param_distributions,
            n_iter=n_iter,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            random_state=random_state,
            error_score=error_score,
            return_train_score=return_train_score,
            initial_params=initial_params,
            callbacks=callbacks,
            max_time=max_time,
            warm_start=warm_start,
            checkpoint=checkpoint,
        )
        self.population_size = population_size
        self.initial_design = initial_design
        self.mutation_probability = mutation_probability
        self.crossover_probability = crossover_probability
        self.tournament_size = tournament_size
        self.elitism = elitism
        self.asynchronous = asynchronous
        self.objectives = objectives

    def _evolution_settings(self) -> tuple[int, int, int]:
        """Population, tournament and elite sizes actually used."""
        if self.population_size is None:
            population = _default_population(self.n_iter)
            return (
                population,
                min(self.tournament_size, population),
                min(self.elitism, population - 1),
            )
        return self.population_size, self.tournament_size, self.elitism

    def _check_search_params(self) -> None:
        if self.population_size is None:
            return
        if self.population_size > self.n_iter:
            raise ValueError(
                f"n_iter={self.n_iter} is smaller than one generation "
                f"(population_size={self.population_size}); n_iter counts "
                "evaluated candidates. Raise n_iter or lower population_size."
            )
        if self.tournament_size > self.population_size:
            raise ValueError(
                f"tournament_size={self.tournament_size} must not exceed "
                f"population_size={self.population_size}."
            )
        if self.elitism >= self.population_size:
            raise ValueError(
                f"elitism={self.elitism} must be smaller than "
                f"population_size={self.population_size}, or no new candidate "
                "could ever become a parent."
            )

    def _batch_size(self) -> int:
        return self._evolution_settings()[0]

    def _design_size(self) -> int:
        # Seeds fill at most half the first generation, Sobol points the rest.
        # Portfolio configurations are alike by design (good values of the
        # same few parameters): a first generation made only of them leaves
        # crossover little to mix and, with objectives, covers one end of the
        # trade-off only.
        return max(1, self._evolution_settings()[0] // 2)

    def _later_design_size(self) -> int:
        # The rest of the portfolio, one configuration per later generation,
        # up to a quarter of the budget in all: the share BayesSearchCV's
        # initial design has. Half a small first generation holds two
        # configurations of a portfolio of five or six. Not with objectives:
        # the portfolio holds one end of the trade-off (the best scores), and
        # half the first generation covers it.
        if self.asynchronous or self.objectives is not None:
            return 0
        return max(0, self.n_iter // 4 - self._design_size())

    def _design_params(self, X, y) -> list[dict]:
        # A population needs variety in every parameter for crossover to
        # mix: what the portfolio does not set is spread, not repeated.
        return _search_design(self, X, y, self._n_splits, open_values="spread")

    def _make_strategy(
        self, space: SearchSpace, rng: np.random.RandomState
    ) -> EvolutionStrategy:
        population, tournament, elitism = self._evolution_settings()
        self.population_size_ = population
        return EvolutionStrategy(
            space,
            rng,
            population_size=population,
            mutation_probability=self.mutation_probability,
            crossover_probability=self.crossover_probability,
            tournament_size=tournament,
            elitism=elitism,
            budget=self.n_iter,
            initial_design="random" if self.initial_design == "random" else "sobol",
        )
