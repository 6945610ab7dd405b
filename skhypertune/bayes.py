"""BayesSearchCV: Gaussian-process Bayesian optimisation as a drop-in search."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from joblib import effective_n_jobs

from . import _sklearn_compat as compat
from ._search import BaseHyperSearchCV
from .portfolio import _search_design
from .space import SearchSpace
from .strategies.bayes import GPStrategy

__all__ = ["BayesSearchCV"]


class BayesSearchCV(BaseHyperSearchCV):
    """Bayesian optimisation over hyperparameters with a Gaussian process.

    A drop-in replacement for
    :class:`~sklearn.model_selection.RandomizedSearchCV`: it accepts the same
    ``param_distributions`` and exposes the same fitted attributes, but
    chooses each new candidate where a Gaussian-process model of the
    cross-validated score expects the largest improvement, so it usually
    needs far fewer candidates to find a good configuration.

    The search first evaluates an initial design of ``n_initial_points``
    candidates: for common scikit-learn estimators (see
    :func:`skhypertune.portfolio.known_estimators`, also as the last step of a
    pipeline) it starts with configurations known to be good across many
    datasets, mapped into ``param_distributions`` (a meta-learned
    *portfolio*, see :ref:`portfolio`), and fills the rest with a
    space-filling (scrambled Sobol) design. It then proposes batches of
    ``n_points`` candidates at a time, each chosen by expected improvement
    under the model fitted to every score seen so far. Candidates of a batch
    are cross-validated in parallel with ``n_jobs`` workers.

    Parameters
    ----------
    estimator : estimator object
        An object of that type is instantiated for each candidate. It must
        implement ``fit`` and either ``score`` or be used with ``scoring``.

    param_distributions : dict or list of dicts
        Parameter names (``str``) mapped to the values to try, exactly as for
        :class:`~sklearn.model_selection.RandomizedSearchCV`: scipy.stats
        frozen distributions (searched through their quantiles, so
        ``loguniform`` is searched on a log scale and ``randint`` gives
        integers), lists, tuples or 1-d arrays of values (unordered choices),
        or any object with an ``rvs`` method. A list of dicts is a
        conditional space: each dict is a branch, and a candidate sets only
        the parameters of its branch.

    n_iter : int, default=50
        Number of distinct candidates evaluated (fewer when the space has
        fewer distinct parameter sets). With ``warm_start=True`` this is the
        total including earlier fits.

    n_initial_points : int, default=10
        Size of the initial design evaluated before the model is used.
        Capped at ``max(2, n_iter // 4)`` so small budgets keep most of their
        evaluations for model-guided proposals. ``initial_params`` and
        portfolio configurations count towards it.

    initial_design : {"auto", "portfolio", "sobol", "random"}, default="auto"
        How the initial design is made. ``"portfolio"``: first the
        ``initial_params``, then the estimator's portfolio mapped into
        ``param_distributions`` (:func:`skhypertune.portfolio.portfolio_params`)
        in its order of priority, as many as the design has room for, then
        scrambled Sobol points; an error when the estimator (or the last step
        of a pipeline) has no portfolio. ``"auto"``: ``"portfolio"`` when the
        estimator has one, else ``"sobol"``. ``"sobol"``: a scrambled Sobol
        design only (the behaviour before portfolios existed); ``"random"``:
        uniformly random points. ``search_history_["portfolio"]`` tells which
        candidates came from the portfolio.

    n_points : int or "auto", default="auto"
        Number of candidates proposed, and evaluated in parallel, per batch.
        ``"auto"`` means ``max(2, effective_n_jobs(n_jobs))``: at least two,
        so that a search with ``n_jobs=1`` and one with ``n_jobs=2`` propose
        the same batches and give identical results for the same
        ``random_state``, and two workers are both busy. Larger batches use
        more workers but each candidate is chosen with less information.
        The initial design does not depend on any score, so it is evaluated
        as one batch whatever ``n_points`` is.

    scoring : str, callable, list, tuple or dict, default=None
        Strategy to evaluate the performance of the cross-validated model,
        as in :class:`~sklearn.model_selection.RandomizedSearchCV`. With
        several metrics, the one named by ``refit`` is optimised.

    n_jobs : int, default=None
        Number of jobs to run in parallel. ``None`` means 1 unless in a
        :obj:`joblib.parallel_backend` context; ``-1`` means all processors.

    refit : bool, str, or callable, default=True
        Refit an estimator using the best found parameters on the whole
        dataset, as in ``RandomizedSearchCV``. With multi-metric scoring the
        search optimises the metric ``refit`` names; when ``refit`` is
        ``False`` or a callable, the first metric of ``scoring``.

    cv : int, cross-validation generator or an iterable, default=None
        Cross-validation splitting strategy, as in scikit-learn's searches
        (``None`` is 5-fold, stratified for classifiers).

    verbose : int, default=0
        Controls the verbosity: above 0, a progress line after each batch;
        higher values add scikit-learn's per-fit messages.

    pre_dispatch : int or str, default="2*n_jobs"
        Controls the number of jobs dispatched during parallel execution.

    random_state : int, RandomState instance or None, default=None
        Seed of the design, of the candidate generation and of the model's
        hyperparameter restarts. Pass an int for reproducible results,
        identical for ``n_jobs=1`` and ``n_jobs=2``.

    error_score : "raise" or numeric, default=np.nan
        Value assigned to the score if fitting a candidate fails. The model
        sees a failed candidate (a non-finite score) as a poor one, the lower
        quartile of the scores seen, so it steers away from where fits fail
        without being distorted by them.

    return_train_score : bool, default=False
        Whether ``cv_results_`` includes training scores.

    initial_params : list of dict, default=None
        Parameter sets to evaluate first (e.g. the estimator's defaults or a
        known good configuration); each must fit ``param_distributions``.

    callbacks : callable or list of callables, default=None
        Called with a :class:`skhypertune.callbacks.SearchState` after each
        batch; returning True or raising StopIteration stops the search.

    max_time : float, default=None
        Stop proposing new batches after this many seconds.

    warm_start : bool, default=False
        When True and the search was fitted before with the same
        ``param_distributions``, continue it: earlier candidates are kept in
        ``cv_results_``, told to the model and never re-evaluated, and
        ``n_iter`` counts them.

    checkpoint : str or path-like, default=None
        File to which every completed batch is appended (JSON lines, flushed
        to disk). If the file exists from an interrupted run with the same
        settings and data, its candidates are reloaded instead of being fitted
        again and the search continues where it stopped.

    asynchronous : bool, default=False
        With ``n_jobs`` above 1, propose the next candidate as soon as a
        worker frees up, from every finished result and the candidates still
        running, instead of waiting for a whole batch's slowest fit. Faster
        in parallel, but which candidates are proposed then depends on which
        fit finishes first, so a repeated fit with the same ``random_state``
        may differ; the default batch mode gives the same search whatever
        ``n_jobs``. Needs a joblib backend that returns results as they
        finish (loky, threading, dask); ``n_points`` and ``pre_dispatch`` do
        not apply. See :ref:`asynchronous`.

    objectives : list of str or dict, default=None
        Search for the trade-off between several objectives instead of one
        score: e.g. ``["score", "fit_time"]``. Names are ``"score"`` (the
        optimised metric), metric names of a multi-metric ``scoring``,
        ``"fit_time"`` and ``"score_time"`` (mean seconds per fit and per
        scoring), or numeric ``cv_results_`` columns by their full name. Scores
        are maximised, times and ``std_*`` columns minimised; a dict gives each
        its direction (``{"score": "max", "n_leaves": "min"}`` for a scorer
        ``"n_leaves"``). The search then looks for the Pareto front
        (``pareto_front_``) with random scalarisations of the objectives
        (ParEGO): each proposal maximises expected improvement of a new
        weighting; ``refit=True`` still refits the best score, and a callable
        ``refit`` such as :func:`skhypertune.pareto.best_within` picks another
        model from the front. Measured times make the search depend on
        timing: with ``"fit_time"`` or ``"score_time"`` a repeated fit with
        the same ``random_state`` may propose other candidates, while
        objectives computed by scorers keep it reproducible. See
        :ref:`multi-objective`.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        A dict with keys as column headers and values as columns, that can be
        imported into a pandas ``DataFrame``, as in
        :class:`~sklearn.model_selection.RandomizedSearchCV`, with exactly
        its keys.

    objectives_ : tuple of Objective
        With ``objectives``: each objective's name, ``cv_results_`` column
        and direction (:func:`skhypertune.pareto.resolve_objectives`).

    pareto_front_ : ndarray of int
        With ``objectives``: indices into ``cv_results_`` of the candidates
        no other candidate beats on every objective, best first along the
        first objective.

    search_history_ : dict of ndarray
        The search's own record, one entry per row of ``cv_results_``:
        ``"batch"`` numbers the batch each candidate was proposed in (the
        initial design is batch 0; warm-started fits continue the count);
        ``"portfolio"`` is True for the candidates taken from the portfolio
        (see ``initial_design``).

    best_estimator_ : estimator
        Estimator refitted on the whole data with the best parameters. Not
        available if ``refit=False``.

    best_score_ : float
        Mean cross-validated score of the best candidate. Not available if
        ``refit`` is a callable.

    best_params_ : dict
        Parameter setting that gave the best results on the hold out data.

    best_index_ : int
        The index (of the ``cv_results_`` arrays) of the best candidate.

    scorer_ : function or a dict
        Scorer function used on the held out data to choose the best
        parameters for the model.

    n_splits_ : int
        The number of cross-validation splits (folds/iterations).

    refit_time_ : float
        Seconds used for refitting the best model on the whole dataset.

    multimetric_ : bool
        Whether or not the scorers compute several metrics.

    classes_ : ndarray of shape (n_classes,)
        The classes labels. Only available when ``refit=True`` and the
        estimator is a classifier.

    n_features_in_ : int
        Number of features seen during fit. Only available when
        ``refit=True``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit. Only defined if
        ``best_estimator_`` is defined and exposes it.

    n_evaluated_ : int
        Number of candidates in ``cv_results_``.

    param_importances_ : dict
        Share of the score's variance each hyperparameter explains
        (functional ANOVA on a random-forest surrogate of ``cv_results_``, see
        :func:`skhypertune.param_importances`), most important first; computed
        on first access.

    See Also
    --------
    sklearn.model_selection.RandomizedSearchCV : Random search, the baseline
        this class replaces.
    sklearn.model_selection.GridSearchCV : Exhaustive search over a grid.
    skhypertune.EvolutionSearchCV : Evolutionary search, robust on large
        discrete and conditional spaces.
    skhypertune.HalvingRandomSearchCV : Successive halving, for expensive
        fits on large data.

    Notes
    -----
    The Gaussian process uses a Matern-5/2 kernel with one length scale per
    parameter (a categorical parameter is one-hot encoded and unordered),
    fitted by maximising its marginal likelihood under weak priors. Scores
    are compressed in their lower tail before modelling so that a few very
    bad configurations do not flatten the model near the optimum. Proposals
    maximise the logarithm of expected improvement over random candidates,
    perturbations of the best candidates and a local refinement. Within a
    batch, each chosen candidate is added to the model at its predicted
    score before the next is chosen ("kriging believer"), which spreads the
    batch out.

    The model's own cost grows with the number of evaluated candidates up to
    a cap (200 candidates are modelled; beyond, the best half and a random
    selection of the rest), so it stays in the milliseconds per proposal,
    negligible next to fitting an estimator.

    With the same ``random_state``, the proposals depend only on the scores,
    never on timing: ``n_jobs=1`` and ``n_jobs=2`` give the same
    ``cv_results_`` (times aside) as long as ``n_points`` is the same, which
    ``"auto"`` guarantees for ``n_jobs`` in ``{None, 1, 2}``.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skhypertune import BayesSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(
    ...     SVC(),
    ...     {"C": loguniform(1e-2, 1e2), "kernel": ["linear", "rbf"]},
    ...     n_iter=8, n_initial_points=4, cv=3, random_state=0,
    ... )
    >>> search.fit(X, y)
    BayesSearchCV(...)
    >>> len(search.cv_results_["params"])
    8
    >>> bool(search.best_score_ > 0.95)
    True
    """

    _parameter_constraints: dict = {
        **BaseHyperSearchCV._parameter_constraints,
        "objectives": [list, tuple, dict, None],
        "n_initial_points": [compat.Interval(Integral, 1, None, closed="left")],
        "n_points": [
            compat.Interval(Integral, 1, None, closed="left"),
            compat.StrOptions({"auto"}),
        ],
        "initial_design": [compat.StrOptions({"auto", "portfolio", "sobol", "random"})],
    }

    _design_column = "portfolio"
    _history_columns = ("batch", "portfolio")

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=50,
        n_initial_points=10,
        initial_design="auto",
        n_points="auto",
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
            estimator=estimator,
            param_distributions=param_distributions,
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
        self.n_initial_points = n_initial_points
        self.initial_design = initial_design
        self.n_points = n_points
        self.asynchronous = asynchronous
        self.objectives = objectives

    def _check_search_params(self) -> None:
        # _parameter_constraints already rejected wrong types; these messages
        # repeat the check for callers that bypass fit's validation.
        if not isinstance(self.n_initial_points, Integral) or self.n_initial_points < 1:
            raise ValueError(
                "n_initial_points must be a positive integer, got "
                f"{self.n_initial_points!r}."
            )
        if self.n_points != "auto" and (
            not isinstance(self.n_points, Integral) or self.n_points < 1
        ):
            raise ValueError(
                f"n_points must be a positive integer or 'auto', got {self.n_points!r}."
            )

    def _batch_size(self) -> int:
        if self.n_points == "auto":
            return max(2, effective_n_jobs(self.n_jobs))
        return int(self.n_points)

    def _design_size(self) -> int:
        return min(self.n_initial_points, max(2, self.n_iter // 4))

    def _design_params(self, X, y) -> list[dict]:
        return _search_design(self, X, y, self._n_splits)

    def _make_strategy(
        self, space: SearchSpace, rng: np.random.RandomState
    ) -> GPStrategy:
        return GPStrategy(
            space,
            rng,
            n_initial_points=self._design_size(),
            initial_design="random" if self.initial_design == "random" else "sobol",
        )
