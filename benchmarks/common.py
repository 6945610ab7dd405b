"""Tasks, searcher registry and metrics of the side-by-side search benchmark.

Everything here is shared by every searcher so that they differ only in the
object that :func:`Searcher.build` returns:

* a :class:`Task` fixes the data (datasets shipped with scikit-learn, no
  downloads), the estimator, the search space written exactly as a
  ``RandomizedSearchCV`` user writes it, the scoring, the train/test split and
  the CV splitter for a seed;
* a :class:`Searcher` turns a task, a budget (number of evaluated candidates)
  and a seed into a search object, and reads the evaluated candidates back in a
  common form (:class:`Evaluations`);
* :func:`run_one` fits one search and measures it (:class:`RunResult`).

Peers whose import or fit fails give a row with ``status="failed"`` and the
error text; they are never dropped.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import random
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
from scipy.stats import loguniform, randint, uniform
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_wine,
    make_classification,
    make_friedman1,
)
from sklearn.decomposition import PCA
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge, SGDClassifier
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    KFold,
    RandomizedSearchCV,
    StratifiedKFold,
    train_test_split,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier

N_SPLITS = 3
TEST_SIZE = 0.3

# --------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One tuning problem: data, estimator, search space, scoring.

    ``make_estimator(seed)`` and ``make_space()`` return fresh objects on each
    call so no state leaks between searchers. ``n_train`` caps the training
    set (subsampled per seed) so a candidate's fit stays well under a second.
    """

    name: str
    kind: str  # "classification" or "regression"
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    make_estimator: Callable[[int], Any]
    make_space: Callable[[], dict]
    n_train: int
    description: str

    @property
    def scoring(self) -> str:
        return "accuracy" if self.kind == "classification" else "r2"

    def split(self, seed: int):
        """Held-out split for ``seed``: (X_train, X_test, y_train, y_test)."""
        X, y = self.load()
        stratify = y if self.kind == "classification" else None
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=TEST_SIZE, random_state=seed, stratify=stratify
        )
        if len(y_tr) > self.n_train:
            strat = y_tr if self.kind == "classification" else None
            X_tr, _, y_tr, _ = train_test_split(
                X_tr, y_tr, train_size=self.n_train, random_state=seed, stratify=strat
            )
        return X_tr, X_te, y_tr, y_te

    def cv(self, seed: int):
        """The CV splitter every searcher receives for ``seed``."""
        splitter = StratifiedKFold if self.kind == "classification" else KFold
        return splitter(n_splits=N_SPLITS, shuffle=True, random_state=seed)


def _digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _breast_cancer():
    return load_breast_cancer(return_X_y=True)


def _wine():
    return load_wine(return_X_y=True)


def _synthetic_classification(n_features, n_informative, flip_y, class_sep, seed):
    """Loader of fixed make_classification data (1500 rows, 4 redundant)."""

    def load():
        return make_classification(
            n_samples=1500,
            n_features=n_features,
            n_informative=n_informative,
            n_redundant=4,
            flip_y=flip_y,
            class_sep=class_sep,
            random_state=seed,
        )

    return load


# Fixed data; only the split and CV depend on the benchmark seed.
_hard_classification = _synthetic_classification(20, 8, 0.05, 0.8, seed=0)
# Few informative among many noise features, so the penalty choice matters
# and a linear model stays well below perfect accuracy.
_sparse_signal_classification = _synthetic_classification(40, 6, 0.03, 0.7, seed=1)


def _standardised(X, y):
    return X, (y - y.mean()) / y.std()


def _diabetes():
    return _standardised(*load_diabetes(return_X_y=True))


def _friedman1():
    return _standardised(*make_friedman1(n_samples=1200, noise=1.0, random_state=0))


def _hgb_space(**extra) -> dict:
    """The five numeric parameters both gradient-boosting tasks tune, plus ``extra``."""
    return {
        "max_iter": randint(10, 80),
        "learning_rate": loguniform(1e-2, 1.0),
        "max_leaf_nodes": randint(2, 48),
        "min_samples_leaf": randint(2, 60),
        "l2_regularization": loguniform(1e-4, 1e1),
        **extra,
    }


def _scaled(step_name: str, estimator) -> Pipeline:
    return Pipeline([("scale", StandardScaler()), (step_name, estimator)])


TASKS: dict[str, Task] = {
    t.name: t
    for t in [
        Task(
            "svc_digits",
            "classification",
            _digits,
            lambda seed: SVC(),
            lambda: {
                "C": loguniform(1e-3, 1e3),
                "gamma": loguniform(1e-5, 1e1),
                "kernel": ["rbf", "sigmoid"],
            },
            n_train=500,
            description="SVC on digits (3 dims, 1 categorical)",
        ),
        Task(
            "rf_breast_cancer",
            "classification",
            _breast_cancer,
            lambda seed: RandomForestClassifier(random_state=seed),
            lambda: {
                "n_estimators": randint(5, 50),
                "max_depth": randint(1, 20),
                "min_samples_split": randint(2, 20),
                "min_samples_leaf": randint(1, 20),
                "max_features": uniform(0.05, 0.9),
                "criterion": ["gini", "entropy"],
                "bootstrap": [True, False],
            },
            n_train=400,
            description="random forest on breast_cancer (7 dims, 4 integer, 2 cat.)",
        ),
        Task(
            "hgb_classification",
            "classification",
            _hard_classification,
            lambda seed: HistGradientBoostingClassifier(
                early_stopping=False, random_state=seed
            ),
            lambda: _hgb_space(max_features=uniform(0.1, 0.9)),
            n_train=600,
            description="HistGradientBoosting on make_classification (6 dims)",
        ),
        Task(
            "mlp_digits",
            "classification",
            _digits,
            lambda seed: MLPClassifier(max_iter=40, random_state=seed),
            lambda: {
                "hidden_layer_sizes": randint(8, 96),
                "alpha": loguniform(1e-6, 1e0),
                "learning_rate_init": loguniform(1e-4, 1e-1),
                "activation": ["relu", "tanh", "logistic"],
                "batch_size": randint(16, 128),
            },
            n_train=450,
            description="MLP on digits (5 dims, 40 epochs)",
        ),
        Task(
            "knn_digits",
            "classification",
            _digits,
            lambda seed: Pipeline(
                [("pca", PCA(random_state=seed)), ("knn", KNeighborsClassifier())]
            ),
            lambda: {
                "pca__n_components": randint(2, 40),
                "knn__n_neighbors": randint(1, 50),
                "knn__weights": ["uniform", "distance"],
                "knn__p": [1, 2],
            },
            n_train=600,
            description="PCA + k-NN pipeline on digits (4 dims)",
        ),
        Task(
            "sgd_pipeline",
            "classification",
            _sparse_signal_classification,
            lambda seed: _scaled(
                "clf", SGDClassifier(max_iter=50, tol=None, random_state=seed)
            ),
            lambda: {
                "clf__loss": ["hinge", "log_loss", "modified_huber", "squared_hinge"],
                "clf__penalty": ["l2", "l1", "elasticnet"],
                "clf__alpha": loguniform(1e-7, 1e0),
                "clf__l1_ratio": uniform(0.0, 1.0),
                "clf__learning_rate": ["optimal", "invscaling", "adaptive"],
                "clf__eta0": loguniform(1e-4, 1e0),
            },
            n_train=400,
            description="StandardScaler + SGDClassifier on make_classification "
            "(40 features, 6 informative; 6 dims)",
        ),
        Task(
            "tree_wine",
            "classification",
            _wine,
            lambda seed: DecisionTreeClassifier(random_state=seed),
            lambda: {
                "max_depth": randint(1, 20),
                "min_samples_split": randint(2, 40),
                "min_samples_leaf": randint(1, 20),
                "max_features": uniform(0.1, 0.9),
                "criterion": ["gini", "entropy"],
                "ccp_alpha": loguniform(1e-5, 1e-1),
            },
            n_train=400,
            description="decision tree on wine (6 dims)",
        ),
        Task(
            "svr_diabetes",
            "regression",
            _diabetes,
            lambda seed: _scaled("svr", SVR()),
            lambda: {
                "svr__C": loguniform(1e-2, 1e3),
                "svr__gamma": loguniform(1e-4, 1e1),
                "svr__epsilon": loguniform(1e-3, 1e0),
            },
            n_train=400,
            description="StandardScaler + SVR on diabetes (3 dims, r2)",
        ),
        Task(
            "hgb_friedman1",
            "regression",
            _friedman1,
            lambda seed: HistGradientBoostingRegressor(
                early_stopping=False, random_state=seed
            ),
            lambda: _hgb_space(loss=["squared_error", "absolute_error"]),
            n_train=600,
            description="HistGradientBoostingRegressor on friedman1 (6 dims, r2)",
        ),
        Task(
            "ridge_poly_diabetes",
            "regression",
            _diabetes,
            lambda seed: Pipeline(
                [
                    ("poly", PolynomialFeatures()),
                    ("scale", StandardScaler()),
                    ("ridge", Ridge()),
                ]
            ),
            lambda: {
                "poly__degree": [1, 2, 3],
                "poly__interaction_only": [True, False],
                "ridge__alpha": loguniform(1e-4, 1e4),
            },
            n_train=400,
            description="PolynomialFeatures + Ridge on diabetes (3 dims, r2)",
        ),
    ]
}

#: The two cheapest tasks, used by ``--quick``.
QUICK_TASKS = ["svc_digits", "ridge_poly_diabetes"]

# --------------------------------------------------------------------------
# Search-space conversion for the peers
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dim:
    """A RandomizedSearchCV dimension in the form every peer understands."""

    kind: str  # "real", "int" or "cat"
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    values: tuple = ()


def describe(dist) -> Dim:
    """Describe a scipy.stats frozen distribution or a list as a :class:`Dim`.

    Only the shapes the tasks use are supported (loguniform, uniform, randint,
    lists): they are what a RandomizedSearchCV user writes, and what every peer
    can express.
    """
    if isinstance(dist, (list, tuple, np.ndarray)):
        return Dim("cat", values=tuple(dist))
    name = getattr(getattr(dist, "dist", None), "name", None)
    if name not in ("loguniform", "reciprocal", "uniform", "randint"):
        raise TypeError(f"benchmark spaces do not use {dist!r}")
    low, high = (v.item() if hasattr(v, "item") else v for v in dist.support())
    if name in ("loguniform", "reciprocal"):
        return Dim("real", float(low), float(high), log=True)
    if name == "uniform":
        return Dim("real", float(low), float(high))
    return Dim("int", int(low), int(high))


def convert_space(space: dict, make: dict[str, Callable[[Dim], Any]]) -> dict:
    """Map every dimension of ``space`` through ``make[kind](dim)``."""
    out = {}
    for name, dist in space.items():
        dim = describe(dist)
        out[name] = make[dim.kind](dim)
    return out


# --------------------------------------------------------------------------
# Searchers
# --------------------------------------------------------------------------


@dataclass
class Evaluations:
    """The candidates a search evaluated, in a form shared by all searchers.

    ``params``/``scores``/``fit_score_time`` have one entry per real
    cross-validation (fit and score of all folds); ``n_proposed`` counts
    proposals including any a cache answered without fitting.
    """

    params: list[dict]
    scores: np.ndarray
    fit_score_time: np.ndarray
    n_proposed: int


def _from_cv_results(search, n_splits: int) -> Evaluations:
    """Evaluations of a scikit-learn style ``cv_results_`` (one row per fit)."""
    res = search.cv_results_
    per_fold = np.asarray(res["mean_fit_time"], float) + np.asarray(
        res["mean_score_time"], float
    )
    params = [dict(p) for p in res["params"]]
    return Evaluations(
        params,
        np.asarray(res["mean_test_score"], float),
        per_fold * n_splits,
        len(params),
    )


@dataclass
class Searcher:
    """How to build one searcher and read its evaluations back.

    ``build(task, estimator, space, cv, budget, seed)`` returns the unfitted
    search; ``fit_kwargs(budget)`` extra keyword arguments of ``fit``;
    ``evaluations(search, n_splits)`` the evaluated candidates. Imports happen
    inside ``build`` so a missing peer fails only its own rows.
    """

    name: str
    build: Callable[..., Any]
    evaluations: Callable[[Any, int], Evaluations] = _from_cv_results
    fit_kwargs: Callable[[int], dict] = field(default=lambda budget: {})
    package: str = "scikit-learn"


def _common(task: Task, cv, seed: int) -> dict:
    return {"cv": cv, "scoring": task.scoring, "n_jobs": 1, "refit": True}


def _build_random(task, estimator, space, cv, budget, seed):
    return RandomizedSearchCV(
        estimator, space, n_iter=budget, random_state=seed, **_common(task, cv, seed)
    )


def _build_skhypertune(class_name: str, **options):
    def build(task, estimator, space, cv, budget, seed):
        import skhypertune

        cls = getattr(skhypertune, class_name)
        return cls(
            estimator,
            space,
            n_iter=budget,
            random_state=seed,
            **options,
            **_common(task, cv, seed),
        )

    return build


def _build_skopt(task, estimator, space, cv, budget, seed):
    from skopt import BayesSearchCV
    from skopt.space import Categorical, Integer, Real

    spaces = convert_space(
        space,
        {
            "real": lambda d: Real(
                d.low, d.high, prior="log-uniform" if d.log else "uniform"
            ),
            "int": lambda d: Integer(int(d.low), int(d.high)),
            "cat": lambda d: Categorical(list(d.values)),
        },
    )
    return BayesSearchCV(
        estimator,
        spaces,
        n_iter=budget,
        random_state=seed,
        **_common(task, cv, seed),
    )


def _build_optuna(task, estimator, space, cv, budget, seed):
    import optuna
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )
    from optuna_integration import OptunaSearchCV

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    dists = convert_space(
        space,
        {
            "real": lambda d: FloatDistribution(d.low, d.high, log=d.log),
            "int": lambda d: IntDistribution(int(d.low), int(d.high)),
            "cat": lambda d: CategoricalDistribution(list(d.values)),
        },
    )
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed)
    )
    return OptunaSearchCV(
        estimator,
        dists,
        n_trials=budget,
        random_state=seed,
        study=study,
        **_common(task, cv, seed),
    )


def _optuna_evaluations(search, n_splits: int) -> Evaluations:
    trials = [t for t in search.trials_ if "mean_test_score" in t.user_attrs]
    times = [
        (t.user_attrs["mean_fit_time"] + t.user_attrs["mean_score_time"]) * n_splits
        for t in trials
    ]
    return Evaluations(
        [dict(t.params) for t in trials],
        np.array([t.user_attrs["mean_test_score"] for t in trials], float),
        np.array(times, float),
        len(search.trials_),
    )


def ga_population_size(budget: int) -> int:
    """GASearchCV population for ``budget`` evaluated candidates.

    eaMuPlusLambda evaluates the population, then ``2 * population_size``
    offspring per generation (crossover and mutation probabilities sum to 1),
    minus the offspring its cache recognises. ``ceil(budget / 7)`` makes three
    offspring generations propose slightly more than the budget (42 at budget
    40, 105 at budget 100), which leaves room for those cache hits.
    """
    return max(4, math.ceil(budget / 7))


def _build_ga(task, estimator, space, cv, budget, seed):
    from sklearn_genetic import GASearchCV
    from sklearn_genetic.space import Categorical, Continuous, Integer

    # sklearn-genetic-opt treats random_state=0 as "unseeded"; offset it.
    rs = seed + 1
    grid = convert_space(
        space,
        {
            "real": lambda d: Continuous(
                d.low,
                d.high,
                distribution="log-uniform" if d.log else "uniform",
                random_state=rs,
            ),
            "int": lambda d: Integer(int(d.low), int(d.high), random_state=rs),
            "cat": lambda d: Categorical(list(d.values), random_state=rs),
        },
    )
    common = _common(task, cv, seed)
    # Mutation and selection draw from the global generators of the peer.
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (the peer reads the legacy global)
    return GASearchCV(
        estimator,
        param_grid=grid,
        population_size=ga_population_size(budget),
        generations=budget,  # the budget callback stops it much earlier
        verbose=False,
        **common,
    )


def _ga_budget_callback(budget: int):
    """Stop GASearchCV once its real evaluations are closest to ``budget``.

    After each generation: stop when the count reached the budget, or when the
    next generation (about ``2 * population_size`` evaluations) would overshoot
    the budget by more than stopping now undershoots it.
    """
    from sklearn_genetic.callbacks.base import BaseCallback

    class _BudgetStop(BaseCallback):
        def on_step(self, record=None, logbook=None, estimator=None):
            done = len(estimator.fitness_cache)
            step = 2 * estimator.population_size
            return done >= budget or done + step - budget > budget - done

    return {"callbacks": [_BudgetStop()]}


def _ga_evaluations(search, n_splits: int) -> Evaluations:
    # The logbook records a cache hit again under its first index; keep the
    # first record of each index, which is the real cross-validation.
    entries = search.logbook.chapters["parameters"]
    names = list(search.space.parameters)
    first: dict[int, dict] = {}
    for entry in entries:
        first.setdefault(entry["index"], entry)
    rows = [first[i] for i in sorted(first)]
    return Evaluations(
        [{k: r[k] for k in names} for r in rows],
        np.array([r["score"] for r in rows], float),
        np.array(
            [np.sum(r["fit_time"]) + np.sum(r["score_time"]) for r in rows], float
        ),
        len(entries),
    )


SEARCHERS: dict[str, Searcher] = {
    s.name: s
    for s in [
        Searcher("random", _build_random),
        Searcher("bayes", _build_skhypertune("BayesSearchCV"), package="skhypertune"),
        Searcher(
            "evolution",
            _build_skhypertune("EvolutionSearchCV"),
            package="skhypertune",
        ),
        # Asynchronous mode: a candidate per freed worker (only differs from
        # the rows above with n_jobs > 1).
        Searcher(
            "bayes_async",
            _build_skhypertune("BayesSearchCV", asynchronous=True),
            package="skhypertune",
        ),
        Searcher(
            "evolution_async",
            _build_skhypertune("EvolutionSearchCV", asynchronous=True),
            package="skhypertune",
        ),
        Searcher("skopt", _build_skopt, package="scikit-optimize"),
        Searcher(
            "optuna",
            _build_optuna,
            evaluations=_optuna_evaluations,
            package="optuna-integration",
        ),
        Searcher(
            "ga",
            _build_ga,
            evaluations=_ga_evaluations,
            fit_kwargs=_ga_budget_callback,
            package="sklearn-genetic-opt",
        ),
    ]
}

# --------------------------------------------------------------------------
# One run and its metrics
# --------------------------------------------------------------------------


def _canonical(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 12)
    return value if isinstance(value, (int, str, bool, type(None))) else repr(value)


def params_key(params: dict) -> tuple:
    """Hashable identity of a parameter set (numpy and python scalars agree)."""
    return tuple(sorted((k, _canonical(v)) for k, v in params.items()))


def duplicate_rate(params: Sequence[dict], n_proposed: int) -> float:
    """Share of proposals that repeat an earlier one.

    Repeats among the evaluated candidates count, and so do proposals a cache
    answered without fitting (``n_proposed - len(params)``).
    """
    if n_proposed == 0:
        return math.nan
    unique = len({params_key(p) for p in params})
    return (n_proposed - unique) / n_proposed


@dataclass
class RunResult:
    """One searcher on one task, seed and budget (one row of the raw results)."""

    task: str
    searcher: str
    seed: int
    budget: int
    status: str = "ok"
    error: str = ""
    best_cv: float = math.nan
    test_score: float = math.nan
    wall_time: float = math.nan
    fit_score_time: float = math.nan
    refit_time: float = math.nan
    n_evaluated: int = 0
    n_proposed: int = 0
    duplicate_rate: float = math.nan
    overhead_ms: float = math.nan
    best_params: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@contextlib.contextmanager
def quiet_fit_warnings():
    """Silence what searchers' fits warn about at benchmark scale.

    Convergence of short MLP/SGD fits, peers' deprecation and user warnings:
    thousands of lines that would bury the benchmark's own output.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def _short_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= 300 else text[:297] + "..."


def run_one(
    task: Task, searcher: Searcher, budget: int, seed: int, n_jobs: int | None = None
) -> RunResult:
    """Fit ``searcher`` on ``task`` for ``seed`` with ``budget`` and measure it.

    Overhead per candidate = (wall time of ``fit`` - fit and score time of
    every candidate's folds - refit time) / evaluated candidates, with n_jobs=1
    (``n_jobs`` other than None sets the search's, for parallel runs; the
    overhead is then not meaningful).
    """
    row = RunResult(task.name, searcher.name, seed, budget)
    X_tr, X_te, y_tr, y_te = task.split(seed)
    try:
        search = searcher.build(
            task,
            task.make_estimator(seed),
            task.make_space(),
            task.cv(seed),
            budget,
            seed,
        )
        if n_jobs is not None:
            search.set_params(n_jobs=n_jobs)
        kwargs = searcher.fit_kwargs(budget)
        with quiet_fit_warnings():
            start = time.perf_counter()
            search.fit(X_tr, y_tr, **kwargs)
            row.wall_time = time.perf_counter() - start
        ev = searcher.evaluations(search, N_SPLITS)
        row.refit_time = float(getattr(search, "refit_time_", math.nan))
        row.n_evaluated = len(ev.params)
        row.n_proposed = ev.n_proposed
        row.duplicate_rate = duplicate_rate(ev.params, ev.n_proposed)
        # Rounded so that peers averaging folds differently tie exactly.
        row.best_cv = round(float(np.nanmax(ev.scores)), 10)
        row.fit_score_time = float(np.sum(ev.fit_score_time))
        row.test_score = round(
            float(get_scorer(task.scoring)(search.best_estimator_, X_te, y_te)), 10
        )
        refit = 0.0 if math.isnan(row.refit_time) else row.refit_time
        row.overhead_ms = (
            1000.0
            * (row.wall_time - row.fit_score_time - refit)
            / max(row.n_evaluated, 1)
        )
        row.best_params = repr(dict(params_key(search.best_params_)))
    except Exception as exc:  # a failing peer is a result, not a crash
        row.status = "failed"
        row.error = _short_error(exc)
        traceback.print_exc()
    return row


def check_choices(parser, **choices: tuple[Sequence[str], Any]) -> None:
    """``parser.error`` for names not among the known ones, per kind.

    ``choices`` maps a kind ("task", "searcher", ...) to the names chosen and
    the known ones (anything supporting ``in``).
    """
    for kind, (chosen, known) in choices.items():
        unknown = [c for c in chosen if c not in known]
        if unknown:
            parser.error(f"unknown {kind}(s) {unknown}; choose from {list(known)}")


def machine(cores: bool = False) -> str:
    """The machine of a run record: architecture, host, Python (, cores seen)."""
    text = f"{platform.machine()} {platform.node()}, Python {platform.python_version()}"
    if cores:
        n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        text += f", cores visible: {n or os.cpu_count() or 1}"
    return text


def run_record_lines(meta: dict) -> list[str]:
    """Markdown lines of a :func:`continue_run` record: when, where, how long.

    The date and machine, the commands (indented as code), run time, worker
    processes and versions, then the record's ``note`` when it has one.
    """
    minutes = meta.get("run_seconds", math.nan) / 60
    run_time = "–" if math.isnan(minutes) else f"{round(minutes, 1) + 0.0:.1f}"
    versions = ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())
    lines = [
        f"Generated {meta.get('date', '?')} on {meta.get('machine', '?')} by",
        "",
        "\n".join(f"    {c}" for c in meta.get("commands", ["?"])),
        "",
        f"Run time: {run_time} min (worker processes: {meta.get('jobs', 1)}). "
        f"Versions: {versions}.",
        "",
    ]
    return lines + ([meta["note"], ""] if meta.get("note") else [])


def continue_run(
    script: str,
    argv: Sequence[str] | None,
    rows: list,
    meta: dict,
    *,
    resume: bool,
    jobs: int,
    versions: dict,
    machine: str,
) -> tuple[list, dict]:
    """The rows kept and the run record (``meta``) of a benchmark run.

    With ``resume`` the finished rows of the stored run are kept, this command
    is added to its list and its seconds so far carry on; otherwise the run
    starts afresh. The record holds the date, commands, machine, package
    versions, worker processes and run seconds; scripts add their own keys.
    """
    command = f"python benchmarks/{script} " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    commands, seconds = [command], 0.0
    if resume:
        rows = [r for r in rows if r["status"] == "ok"]
        commands = meta.get("commands", []) + commands
        seconds = meta.get("run_seconds", 0.0)
    else:
        rows = []
    record = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commands": commands,
        "machine": machine,
        "versions": versions,
        "jobs": jobs,
        "run_seconds": seconds,
    }
    if resume and meta.get("note"):  # what was said of the earlier commands
        record["note"] = meta["note"]
    return rows, record
