"""Derive the portfolios of ``skhypertune.portfolio`` from runs on other data.

For every estimator family a pool of candidate configurations is
cross-validated on derivation datasets, and a portfolio is chosen from the
pool greedily (Wistuba et al. 2015; Pfisterer et al. 2021): first the
configuration with the best mean normalised score over the datasets, then,
each time, the one that raises the mean over datasets of the *best* score of
the portfolio so far the most, until the portfolio has ``--size`` entries or
no candidate adds more than 0.005.

The pool of a family holds

* scikit-learn's default configuration,
* published optimal defaults where they exist (Probst, Boulesteix and Bischl
  2019, "Tunability", JMLR 20(53), Table 3: SVM, random forest, k-NN,
  decision tree, elastic-net logistic regression), translated to
  scikit-learn's parameters,
* random configurations over the ranges in :data:`FAMILIES` (seeded), with the
  hyperparameters varied that the literature finds important (van Rijn and
  Hutter 2018, "Hyperparameter Importance Across Datasets", KDD; Probst et al.
  2019).

Derivation data: only datasets shipped with scikit-learn that no benchmark
task uses (iris) and synthetic ``make_*`` data with seeds (101-110, 201-209)
and generators disjoint from the benchmark's (``benchmarks/common.py`` uses
digits, breast_cancer, wine, diabetes, make_classification with seeds 0 and 1
and make_friedman1 with seed 0). :func:`check_disjoint` verifies that no
derivation dataset equals a benchmark task's data. Scale-sensitive families
(SVM, k-NN, MLP, linear models) see standardised features; regression targets
are standardised.

Normalised score on a dataset: ``(score - median) / max(best - median, 0.01)``
over the pool, clipped to [-1, 1] (1 = the pool's best, 0 = its median; a
failed fit is -1; the 0.01 floor keeps noise-sized differences small where
every configuration scores alike). Usage::

    python benchmarks/derive_portfolio.py                   # all families (~30 min)
    python benchmarks/derive_portfolio.py --families svc knn_clf
    python benchmarks/derive_portfolio.py --report-only     # re-render from the JSON
    python benchmarks/derive_portfolio.py --steps           # step portfolios (~2 min)

Writes ``results/portfolio_derivation.json`` (every score) and
``results/portfolio_derivation.md``, and prints the entries to paste into
``skhypertune/portfolio.py``. ``--steps`` derives the portfolios of pipeline
steps instead (:data:`STEPS`: ``PolynomialFeatures``, ``PCA``,
``SelectKBest``), whose parameters an estimator's portfolio leaves open: a
setting is scored by the estimators that usually follow the step (see
:func:`evaluate_step`), into ``results/portfolio_steps.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import (
    load_iris,
    make_blobs,
    make_circles,
    make_classification,
    make_friedman2,
    make_friedman3,
    make_gaussian_quantiles,
    make_hastie_10_2,
    make_moons,
    make_regression,
    make_s_curve,
    make_sparse_uncorrelated,
    make_swiss_roll,
)
from sklearn.decomposition import PCA
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectKBest, f_classif, f_regression
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from skhypertune.portfolio import _PORTFOLIOS, Relative, _data_summary

N_SPLITS = 3
CV_SEED = 12345  # not a benchmark seed (those are 0-9)
HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------
# Derivation data
# --------------------------------------------------------------------------


def _iris():
    return load_iris(return_X_y=True)


CLASSIFICATION: dict[str, Callable[[], tuple]] = {
    "iris": _iris,
    "clf_10f_seed101": lambda: make_classification(
        450, 10, n_informative=5, n_redundant=2, flip_y=0.05, random_state=101
    ),
    "clf_25f_3class_seed102": lambda: make_classification(
        450,
        25,
        n_informative=8,
        n_redundant=5,
        n_classes=3,
        class_sep=0.8,
        random_state=102,
    ),
    "moons_seed103": lambda: make_moons(400, noise=0.3, random_state=103),
    "circles_seed104": lambda: make_circles(
        400, noise=0.15, factor=0.5, random_state=104
    ),
    "quantiles_seed105": lambda: make_gaussian_quantiles(
        n_samples=400, n_features=6, n_classes=3, random_state=105
    ),
    "hastie_seed106": lambda: _first(make_hastie_10_2(450, random_state=106)),
    "clf_40f_sparse_seed107": lambda: make_classification(
        450,
        40,
        n_informative=4,
        n_redundant=0,
        flip_y=0.1,
        class_sep=1.2,
        random_state=107,
    ),
    "blobs_seed108": lambda: make_blobs(
        450, n_features=8, centers=4, cluster_std=3.0, random_state=108
    ),
    "clf_15f_4class_seed109": lambda: make_classification(
        400,
        15,
        n_informative=10,
        n_redundant=0,
        n_classes=4,
        n_clusters_per_class=1,
        random_state=109,
    ),
    "clf_8f_noisy_seed110": lambda: make_classification(
        500, 8, n_informative=3, n_redundant=1, flip_y=0.2, random_state=110
    ),
}


def _first(data):
    X, y = data
    return X, y


def _manifold(make, seed):
    def load():
        X, t = make(400, noise=0.1, random_state=seed)
        return X, t

    return load


REGRESSION: dict[str, Callable[[], tuple]] = {
    "reg_10f_seed201": lambda: make_regression(
        400, 10, n_informative=5, noise=20.0, random_state=201
    ),
    "friedman2_seed202": lambda: make_friedman2(400, noise=50.0, random_state=202),
    "friedman3_seed203": lambda: make_friedman3(400, noise=0.1, random_state=203),
    "sparse_uncorrelated_seed204": lambda: make_sparse_uncorrelated(
        400, n_features=20, random_state=204
    ),
    "reg_lowrank_seed205": lambda: make_regression(
        400, 40, n_informative=10, effective_rank=8, noise=2.0, random_state=205
    ),
    "s_curve_seed206": _manifold(make_s_curve, 206),
    "swiss_roll_seed207": _manifold(make_swiss_roll, 207),
    "reg_20f_noisy_seed208": lambda: make_regression(
        400, 20, n_informative=3, noise=50.0, random_state=208
    ),
    "friedman2_seed209": lambda: make_friedman2(400, noise=10.0, random_state=209),
}


def _digest(X) -> str:
    return hashlib.sha256(np.ascontiguousarray(X, dtype=float).tobytes()).hexdigest()


def check_disjoint() -> None:
    """Fail if a derivation dataset is (a subsample of) a benchmark task's data."""
    from common import TASKS

    task_rows = set()
    for task in TASKS.values():
        X, _ = task.load()
        task_rows.update(_digest(row) for row in np.asarray(X, dtype=float))
    for name, load in {**CLASSIFICATION, **REGRESSION}.items():
        X, _ = load()
        shared = sum(_digest(row) in task_rows for row in np.asarray(X, dtype=float))
        if shared:
            raise RuntimeError(f"{name} shares {shared} rows with benchmark data")


# --------------------------------------------------------------------------
# Families and their pools
# --------------------------------------------------------------------------


def _sig(x: float) -> float:
    """Three significant digits, so the stored entry is what was evaluated."""
    return float(f"{x:.3g}")


def _logu(rng, lo, hi) -> float:
    return _sig(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _intlog(rng, lo, hi) -> int:
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi + 0.5)))))


def _rel(factor: float, unit: str) -> Relative:
    return Relative(_sig(factor), unit)


@dataclass
class Family:
    """An estimator family: how to build it, its fixed entries and its pool."""

    kind: str  # classification or regression
    make: Callable[[], Any]
    default: dict
    sample: Callable[[np.random.RandomState], dict]
    published: tuple[tuple[str, dict], ...] = ()
    scale: bool = False  # standardise features
    n_random: int = 40
    #: Settings only the derivation needs (the portfolio entry omits them).
    extra: Callable[[dict], dict] = lambda params: {}


def _svc(rng):
    kernel = rng.choice(["rbf"] * 6 + ["poly", "linear"])
    if kernel == "linear":
        return {"kernel": "linear", "C": _logu(rng, 1e-3, 1e2)}
    top_c, top_g = (1e4, 1e2) if kernel == "rbf" else (1e1, 2.0)
    return {
        "kernel": str(kernel),
        "C": _logu(rng, 1e-2, top_c),
        "gamma": _rel(_logu(rng, 1e-2, top_g), "1/(p*var)"),
    }


def _svr(rng):
    return {
        "kernel": "rbf",
        "C": _rel(_logu(rng, 1e-2, 1e3), "std(y)"),
        "epsilon": _rel(_logu(rng, 1e-3, 1.0), "std(y)"),
        "gamma": _rel(_logu(rng, 1e-2, 1e2), "1/(p*var)"),
    }


def _forest(criterion, bootstrap):
    # Split criterion and bootstrap stay at scikit-learn's defaults: they
    # matter little (van Rijn and Hutter 2018), and an entry that changes one
    # is dropped for every user who does not search it.
    def sample(rng):
        mf = rng.uniform()
        return {
            "n_estimators": 100,
            "max_features": "sqrt" if mf < 0.2 else _sig(rng.uniform(0.05, 1.0)),
            "min_samples_leaf": _intlog(rng, 1, 20),
            "min_samples_split": _intlog(rng, 2, 20),
            "max_depth": None if rng.uniform() < 0.5 else _intlog(rng, 2, 30),
            "bootstrap": bootstrap,
            "criterion": criterion,
        }

    return sample


def _forest_default(max_features, bootstrap, criterion):
    return {
        "n_estimators": 100,
        "max_features": max_features,
        "min_samples_leaf": 1,
        "min_samples_split": 2,
        "max_depth": None,
        "bootstrap": bootstrap,
        "criterion": criterion,
    }


def _hgb(rng):
    return {
        "learning_rate": _logu(rng, 0.01, 0.5),
        "max_iter": _intlog(rng, 20, 300),
        "max_leaf_nodes": _intlog(rng, 4, 64),
        "min_samples_leaf": _intlog(rng, 1, 60),
        "l2_regularization": 0.0 if rng.uniform() < 0.3 else _logu(rng, 1e-4, 10.0),
        "max_features": _sig(rng.uniform(0.2, 1.0)),
        "max_depth": None if rng.uniform() < 0.7 else _intlog(rng, 2, 10),
    }


_HGB_DEFAULT = {
    "learning_rate": 0.1,
    "max_iter": 100,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 20,
    "l2_regularization": 0.0,
    "max_features": 1.0,
    "max_depth": None,
}


def _gb(rng):
    return {
        "learning_rate": _logu(rng, 0.01, 0.5),
        "n_estimators": _intlog(rng, 20, 300),
        "max_depth": _intlog(rng, 1, 8),
        "subsample": _sig(rng.uniform(0.5, 1.0)),
        "min_samples_leaf": _intlog(rng, 1, 30),
        "max_features": None if rng.uniform() < 0.4 else _sig(rng.uniform(0.2, 1.0)),
    }


_GB_DEFAULT = {
    "learning_rate": 0.1,
    "n_estimators": 100,
    "max_depth": 3,
    "subsample": 1.0,
    "min_samples_leaf": 1,
    "max_features": None,
}


def _knn(rng):
    return {
        "n_neighbors": _intlog(rng, 1, 60),
        "weights": str(rng.choice(["uniform", "distance"])),
        "p": int(rng.choice([1, 2])),
    }


def _mlp(rng):
    return {
        "hidden_layer_sizes": (_intlog(rng, 16, 256),),
        "alpha": _logu(rng, 1e-6, 1.0),
        "learning_rate_init": _logu(rng, 1e-4, 3e-2),
        "activation": str(rng.choice(["relu"] * 5 + ["tanh"] * 3 + ["logistic"] * 2)),
        "batch_size": int(rng.choice([32, 64, 128, 200])),
    }


# batch_size="auto" is min(200, n_samples): written as 200 so that it maps
# into a searched integer batch size.
_MLP_DEFAULT = {
    "hidden_layer_sizes": (100,),
    "alpha": 1e-4,
    "learning_rate_init": 1e-3,
    "activation": "relu",
    "batch_size": 200,
}


def _tree(criterion):
    # The criterion stays at its default, as for forests.
    def sample(rng):
        return {
            "max_depth": None if rng.uniform() < 0.3 else _intlog(rng, 1, 30),
            "min_samples_split": _intlog(rng, 2, 40),
            "min_samples_leaf": _intlog(rng, 1, 30),
            "max_features": None if rng.uniform() < 0.4 else _sig(rng.uniform(0.2, 1)),
            "criterion": criterion,
            "ccp_alpha": 0.0 if rng.uniform() < 0.5 else _logu(rng, 1e-4, 0.05),
        }

    return sample


def _tree_default(criterion):
    return {
        "max_depth": None,
        "min_samples_split": 2,
        "min_samples_leaf": 1,
        "max_features": None,
        "criterion": criterion,
        "ccp_alpha": 0.0,
    }


def _elasticnet(rng):
    l1 = _sig(rng.uniform(0.05, 1.0))
    return {"alpha": _rel(_logu(rng, 1e-4, 0.5) / l1, "alpha_max"), "l1_ratio": l1}


def _saga(params):
    # The published glmnet default mixes L1 and L2: only saga solves it.
    return {"solver": "saga", "max_iter": 500} if "l1_ratio" in params else {}


_PROBST = "Probst et al. (2019), Table 3"

FAMILIES: dict[str, Family] = {
    "svc": Family(
        "classification",
        SVC,
        {"C": 1.0, "gamma": Relative(1.0, "1/(p*var)"), "kernel": "rbf"},
        _svc,
        n_random=60,
        published=(
            (
                _PROBST,
                {"C": 682.478, "gamma": Relative(0.005, "1/var"), "kernel": "rbf"},
            ),
        ),
        scale=True,
    ),
    "svr": Family(
        "regression",
        SVR,
        {
            "C": 1.0,
            "epsilon": 0.1,
            "gamma": Relative(1.0, "1/(p*var)"),
            "kernel": "rbf",
        },
        _svr,
        scale=True,
        n_random=60,
    ),
    "logistic": Family(
        "classification",
        LogisticRegression,
        {"C": 1.0},
        lambda rng: {"C": _rel(_logu(rng, 0.1, 1e5), "1/(n*var)")},
        published=(
            # glmnet: lambda = 0.004 per sample, i.e. C = 1 / (0.004 n).
            (_PROBST, {"C": Relative(250.0, "1/(n*var)"), "l1_ratio": 0.403}),
        ),
        scale=True,
        n_random=25,
        extra=_saga,
    ),
    "ridge": Family(
        "regression",
        Ridge,
        {"alpha": 1.0},
        lambda rng: {"alpha": _rel(_logu(rng, 1e-6, 10.0), "n*var")},
        scale=True,
        n_random=25,
    ),
    "lasso": Family(
        "regression",
        Lasso,
        {"alpha": 1.0},
        lambda rng: {"alpha": _rel(_logu(rng, 1e-4, 0.5), "alpha_max")},
        scale=True,
        n_random=25,
    ),
    "elasticnet": Family(
        "regression",
        ElasticNet,
        {"alpha": 1.0, "l1_ratio": 0.5},
        _elasticnet,
        scale=True,
        n_random=30,
    ),
    "knn_clf": Family(
        "classification",
        KNeighborsClassifier,
        {"n_neighbors": 5, "weights": "uniform", "p": 2},
        _knn,
        # kknn's k = 30 with its distance-weighting kernel; weights="distance"
        # is scikit-learn's nearest equivalent.
        published=((_PROBST, {"n_neighbors": 30, "weights": "distance", "p": 2}),),
        scale=True,
        n_random=60,
    ),
    "knn_reg": Family(
        "regression",
        KNeighborsRegressor,
        {"n_neighbors": 5, "weights": "uniform", "p": 2},
        _knn,
        scale=True,
        n_random=60,
    ),
    "rf_clf": Family(
        "classification",
        RandomForestClassifier,
        _forest_default("sqrt", True, "gini"),
        _forest("gini", True),
        published=(
            # ranger: 983 trees, mtry = 0.257 p, subsamples of 70.3 % drawn
            # without replacement (scikit-learn can only draw them with
            # replacement: bootstrap with max_samples).
            (
                _PROBST,
                {
                    "n_estimators": 983,
                    "max_features": 0.257,
                    "min_samples_leaf": 1,
                    "min_samples_split": 2,
                    "max_depth": None,
                    "bootstrap": True,
                    "max_samples": 0.703,
                    "criterion": "gini",
                },
            ),
        ),
        n_random=30,
    ),
    "rf_reg": Family(
        "regression",
        RandomForestRegressor,
        _forest_default(1.0, True, "squared_error"),
        _forest("squared_error", True),
        n_random=30,
    ),
    "et_clf": Family(
        "classification",
        ExtraTreesClassifier,
        _forest_default("sqrt", False, "gini"),
        _forest("gini", False),
        n_random=30,
    ),
    "et_reg": Family(
        "regression",
        ExtraTreesRegressor,
        _forest_default(1.0, False, "squared_error"),
        _forest("squared_error", False),
        n_random=30,
    ),
    "hgb_clf": Family(
        "classification", HistGradientBoostingClassifier, _HGB_DEFAULT, _hgb
    ),
    "hgb_reg": Family("regression", HistGradientBoostingRegressor, _HGB_DEFAULT, _hgb),
    "gb_clf": Family("classification", GradientBoostingClassifier, _GB_DEFAULT, _gb),
    "gb_reg": Family("regression", GradientBoostingRegressor, _GB_DEFAULT, _gb),
    "mlp_clf": Family(
        "classification", MLPClassifier, _MLP_DEFAULT, _mlp, scale=True, n_random=30
    ),
    "mlp_reg": Family(
        "regression", MLPRegressor, _MLP_DEFAULT, _mlp, scale=True, n_random=30
    ),
    "tree_clf": Family(
        "classification",
        DecisionTreeClassifier,
        _tree_default("gini"),
        _tree("gini"),
        published=(
            # rpart: cp = 0, maxdepth = 21, minbucket = 12, minsplit = 24.
            (
                _PROBST,
                {
                    "max_depth": 21,
                    "min_samples_split": 24,
                    "min_samples_leaf": 12,
                    "max_features": None,
                    "criterion": "gini",
                    "ccp_alpha": 0.0,
                },
            ),
        ),
    ),
    "tree_reg": Family(
        "regression",
        DecisionTreeRegressor,
        _tree_default("squared_error"),
        _tree("squared_error"),
    ),
}


def candidates(name: str) -> list[tuple[str, dict]]:
    """(source, params) of every configuration in a family's pool."""
    family = FAMILIES[name]
    pool = [("scikit-learn default", family.default), *family.published]
    seed = 1000 + sorted(FAMILIES).index(name)
    rng = np.random.RandomState(seed)
    seen = {_key(p) for _, p in pool}
    while len(pool) < 1 + len(family.published) + family.n_random:
        params = family.sample(rng)
        if _key(params) not in seen:
            seen.add(_key(params))
            pool.append(("own runs", params))
    return pool


def _key(params: dict) -> str:
    return repr(sorted(params.items()))


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def _load(kind: str, name: str, scale: bool):
    X, y = (CLASSIFICATION if kind == "classification" else REGRESSION)[name]()
    X = np.asarray(X, dtype=float)
    if scale:
        X = StandardScaler().fit_transform(X)
    if kind == "regression":
        y = (y - y.mean()) / y.std()
    return X, y


def _resolve(params: dict, summary: dict) -> dict:
    return {
        k: v.resolve(summary) if isinstance(v, Relative) else v
        for k, v in params.items()
    }


def _datasets(family: Family) -> dict[str, Callable[[], tuple]]:
    return CLASSIFICATION if family.kind == "classification" else REGRESSION


def _n_train(X) -> int:
    """Training samples of one CV fit."""
    return int(round(len(X) * (N_SPLITS - 1) / N_SPLITS))


def _cv_score(family: Family, params: dict, summary: dict, X, y, head=()) -> float:
    """Mean CV score of the family's estimator with ``params`` after ``head``.

    ``params`` may hold :class:`Relative` values, resolved with ``summary``
    (the data as it reaches the estimator).
    """
    est = family.make().set_params(**_resolve(params, summary), **family.extra(params))
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    if family.kind == "classification":
        scoring, splitter = "accuracy", StratifiedKFold
    else:
        scoring, splitter = "r2", KFold
    cv = splitter(N_SPLITS, shuffle=True, random_state=CV_SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        s = cross_val_score(
            make_pipeline(*head, est) if head else est,
            X,
            y,
            cv=cv,
            scoring=scoring,
            error_score=np.nan,
        )
    return float(np.mean(s))


def evaluate(name: str) -> dict:
    """Mean CV score of every pool configuration on every derivation dataset."""
    family = FAMILIES[name]
    pool = candidates(name)
    datasets = _datasets(family)
    scores = np.full((len(pool), len(datasets)), np.nan)
    for j, ds in enumerate(datasets):
        X, y = _load(family.kind, ds, family.scale)
        summary = _data_summary([], X, y, _n_train(X))
        for i, (_, params) in enumerate(pool):
            scores[i, j] = _cv_score(family, params, summary, X, y)
    return {
        "kind": family.kind,
        "datasets": list(datasets),
        "pool": [{"source": src, "params": _jsonable(p)} for src, p in pool],
        "scores": scores.tolist(),
    }


def _jsonable(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, Relative):
            out[k] = {"relative": v.factor, "unit": v.unit}
        elif isinstance(v, tuple):
            out[k] = {"tuple": list(v)}
        else:
            out[k] = v
    return out


def _from_json(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, dict) and "relative" in v:
            out[k] = Relative(v["relative"], v["unit"])
        elif isinstance(v, dict) and "tuple" in v:
            out[k] = tuple(v["tuple"])
        else:
            out[k] = v
    return out


# --------------------------------------------------------------------------
# Greedy portfolio
# --------------------------------------------------------------------------


#: Smallest gap between the pool's median and best score used as the unit
#: of the normalised score, so that differences of noise size on a dataset
#: where every configuration scores alike are not magnified.
MIN_GAP = 0.01


def normalised(scores: np.ndarray) -> np.ndarray:
    """Per dataset (column): 0 = the pool's median, 1 = its best, in [-1, 1].

    The unit is the gap between median and best, at least :data:`MIN_GAP`;
    failed fits and anything below -1 count as -1.
    """
    out = np.zeros_like(scores)
    for j in range(scores.shape[1]):
        col = scores[:, j]
        finite = np.isfinite(col)
        if finite.sum() < 2:
            continue
        med, best = np.median(col[finite]), np.max(col[finite])
        z = np.where(finite, (col - med) / max(best - med, MIN_GAP), -1.0)
        out[:, j] = np.clip(z, -1.0, 1.0)
    return out


def first_entry(norm: np.ndarray) -> int:
    """The best single configuration, unless it does not clearly beat the default.

    Row 0 is scikit-learn's default. Another configuration goes first only
    when its mean normalised score beats the default's by more than two
    standard errors of the paired differences over the datasets: with a
    handful of datasets, smaller margins are noise.
    """
    i = int(np.argmax(norm.mean(axis=1)))
    diff = norm[i] - norm[0]
    if i == 0 or len(diff) < 2:
        return i
    se = diff.std(ddof=1) / math.sqrt(len(diff))
    return i if diff.mean() > 2 * se else 0


def greedy(norm: np.ndarray, size: int, min_gain: float = 5e-3) -> list[int]:
    """Indices of the portfolio, :func:`first_entry` first."""
    chosen: list[int] = [first_entry(norm)]
    best = norm[chosen[0]].copy()
    while len(chosen) < size:
        gains = np.maximum(best[None, :], norm).mean(axis=1)
        gains[chosen] = -np.inf
        i = int(np.argmax(gains))
        if gains[i] - best.mean() < min_gain:
            break
        chosen.append(i)
        best = np.maximum(best, norm[i])
    return chosen


# --------------------------------------------------------------------------
# Step portfolios
# --------------------------------------------------------------------------


@dataclass
class StepFamily:
    """A pipeline step whose searched parameters an estimator portfolio leaves open.

    A setting of the step is scored, on a dataset, by the best of the first
    :data:`N_DOWNSTREAM` configurations of each ``downstream`` estimator's
    portfolio placed after it: what a short search starting from the
    portfolio would see.
    """

    module: str
    make: Callable[[str], Any]  # kind -> a fresh step
    pool: tuple[tuple[str, dict], ...]  # row 0: scikit-learn's default
    downstream: tuple[str, ...]
    rescale: bool = False  # a StandardScaler after the step


N_DOWNSTREAM = 3
_FRACTIONS = (0.75, 0.5, 0.25, 0.1)
_MODELS = ("svc", "knn_clf", "logistic", "svr", "knn_reg", "ridge")

STEPS: dict[str, StepFamily] = {
    "PolynomialFeatures": StepFamily(
        "sklearn.preprocessing",
        lambda kind: PolynomialFeatures(),
        (
            ("scikit-learn default", {"degree": 2, "interaction_only": False}),
            ("own runs", {"degree": 1, "interaction_only": False}),
            ("own runs", {"degree": 2, "interaction_only": True}),
            ("own runs", {"degree": 3, "interaction_only": False}),
            ("own runs", {"degree": 3, "interaction_only": True}),
        ),
        ("logistic", "ridge"),
        rescale=True,
    ),
    "PCA": StepFamily(
        "sklearn.decomposition",
        lambda kind: PCA(random_state=0),
        (
            # n_components=None keeps min(n, p) components.
            ("scikit-learn default", {"n_components": Relative(1.0, "min(n,p)")}),
            *(
                ("own runs", {"n_components": Relative(f, "min(n,p)")})
                for f in _FRACTIONS
            ),
        ),
        _MODELS,
    ),
    "SelectKBest": StepFamily(
        "sklearn.feature_selection",
        lambda kind: SelectKBest(
            f_classif if kind == "classification" else f_regression
        ),
        (
            ("scikit-learn default", {"k": 10}),
            ("own runs", {"k": Relative(1.0, "p")}),
            *(("own runs", {"k": Relative(f, "p")}) for f in _FRACTIONS),
        ),
        _MODELS,
    ),
}


def _count(value, summary: dict):
    """A step setting resolved on the data reaching the step."""
    if isinstance(value, Relative):
        return max(1, int(round(value.resolve(summary))))
    return value


def evaluate_step(name: str) -> dict:
    """Score of every setting of a step, per (downstream estimator, dataset)."""
    step = STEPS[name]
    columns, scores = [], []
    for model in step.downstream:
        family = FAMILIES[model]
        entries = _PORTFOLIOS[model][:N_DOWNSTREAM]
        for ds in _datasets(family):
            X, y = _load(family.kind, ds, family.scale)
            n_train = _n_train(X)
            reach = _data_summary([], X, y, n_train)
            column = []
            for _, setting in step.pool:
                params = {k: _count(v, reach) for k, v in setting.items()}
                head = [step.make(family.kind).set_params(**params)]
                if step.rescale:
                    head.append(StandardScaler())
                summary = _data_summary([make_pipeline(*head)], X, y, n_train)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # e.g. k above the features
                    scores_here = [
                        _cv_score(family, e.params, summary, X, y, head)
                        for e in entries
                    ]
                column.append(float(np.nanmax([-np.inf, *scores_here])))
            columns.append(f"{model}/{ds}")
            scores.append(column)
    return {
        "columns": columns,
        "pool": [{"source": src, "params": _jsonable(p)} for src, p in step.pool],
        "scores": np.array(scores).T.tolist(),
    }


def render_steps(results: dict, meta: dict) -> tuple[str, str]:
    """Markdown report and the entries of ``_STEP_PORTFOLIOS``."""
    md = [
        "# Step portfolio derivation",
        "",
        f"Generated {meta.get('date', '?')} by `python benchmarks/derive_portfolio.py "
        f"--steps` in {meta.get('minutes', float('nan')):.1f} min (scikit-learn "
        f"{meta.get('sklearn', '?')}).",
        "",
        "A setting of a pipeline step is scored on a derivation dataset by the "
        f"best mean CV score ({N_SPLITS}-fold, seed {CV_SEED}) of the first "
        f"{N_DOWNSTREAM} portfolio configurations of an estimator placed after "
        "it (with a StandardScaler between for PolynomialFeatures); each (estimator, "
        "dataset) pair is one column of the normalised score, and the portfolio "
        "is chosen from the columns as the estimator portfolios are (see "
        "`portfolio_derivation.md`), up to four settings.",
        "",
    ]
    code = ["_STEP_PORTFOLIOS = {"]
    for name, res in results.items():
        scores, norm, pool, chosen = _choose(res, 4)
        models = sorted({c.split("/")[0] for c in res["columns"]})
        md += [
            f"## {name}",
            "",
            f"{len(pool)} settings, {len(res['columns'])} columns (followed by "
            f"{', '.join(models)}).",
            "",
            "| rank | source | alone | portfolio | setting |",
            "|---|---|---|---|---|",
        ]
        code.append(f'    ("{STEPS[name].module}", "{name}"): (')
        _chosen_rows(norm, pool, chosen, None, md, code)
        md.append("")
    code.append("}")
    return "\n".join(md), "\n".join(code)


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def _literal(value) -> str:
    if isinstance(value, Relative):
        return f'Relative({value.factor!r}, "{value.unit}")'
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _choose(res: dict, size: int) -> tuple:
    """Raw and normalised scores, the pool and the greedy choice of a result."""
    scores = np.array(res["scores"], dtype=float)
    norm = normalised(scores)
    pool = [(p["source"], _from_json(p["params"])) for p in res["pool"]]
    return scores, norm, pool, greedy(norm, size)


def _chosen_rows(norm, pool, chosen, scores, md: list, code: list) -> None:
    """The report's rows and the code's entries of one chosen portfolio.

    ``scores`` (raw, per configuration and dataset) adds their mean column.
    """
    best = np.full(norm.shape[1], -np.inf)
    for rank, i in enumerate(chosen, start=1):
        best = np.maximum(best, norm[i])
        source, params = pool[i]
        shown = ", ".join(f"{k}={_literal(v)}" for k, v in params.items())
        raw = "" if scores is None else f"{np.nanmean(scores[i]):.4f} | "
        md.append(
            f"| {rank} | {source} | {norm[i].mean():.2f} | {best.mean():.2f} | "
            f"{raw}`{shown}` |"
        )
        tag = {"scikit-learn default": "_DEFAULT", "own runs": "_OWN"}.get(
            source, "_PROBST"
        )
        code.append(f"        _entry({tag}, {shown}),")
    code.append("    ),")


def render(results: dict, size: int, meta: dict) -> tuple[str, str]:
    """Markdown report and the Python entries for skhypertune/portfolio.py."""
    md = [
        "# Portfolio derivation",
        "",
        f"Generated {meta.get('date', '?')} by `python benchmarks/derive_portfolio.py"
        f"{meta.get('args', '')}` in {meta.get('minutes', float('nan')):.1f} min "
        f"(scikit-learn {meta.get('sklearn', '?')}).",
        "",
        "Every configuration of a family's pool is cross-validated "
        f"({N_SPLITS}-fold, seed {CV_SEED}) on the derivation datasets (none is "
        "a benchmark task; see the script's docstring). Normalised score per "
        "dataset: 0 = the pool's median, 1 = its best (in units of the gap "
        f"between them, at least {MIN_GAP}), clipped to [-1, 1]; 'alone' is its "
        "mean over datasets. The first entry is scikit-learn's default unless "
        "the best single configuration beats it by more than two paired "
        "standard errors over the datasets; each next entry maximises the mean "
        "over datasets of the best normalised score of the entries so far "
        "('portfolio' column), until six entries or a gain below 0.005.",
        "",
    ]
    code = ["_PORTFOLIOS = {"]
    for name, res in results.items():
        scores, norm, pool, chosen = _choose(res, size)
        default_alone = norm[0].mean()
        md += [
            f"## {name}",
            "",
            f"{len(pool)} configurations ({res['kind']}) on {len(res['datasets'])} "
            f"datasets: {', '.join(res['datasets'])}. scikit-learn's default alone "
            f"scores {default_alone:.2f}; the best single configuration "
            f"{norm.mean(axis=1).max():.2f}.",
            "",
            "| rank | source | alone | portfolio | raw score (mean) | configuration |",
            "|---|---|---|---|---|---|",
        ]
        code.append(f'    "{name}": (')
        _chosen_rows(norm, pool, chosen, scores, md, code)
        md.append("")
    code.append("}")
    return "\n".join(md), "\n".join(code)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", nargs="+", default=["all"])
    parser.add_argument("--size", type=int, default=6)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument(
        "--steps", action="store_true", help="derive the step portfolios instead"
    )
    args = parser.parse_args(argv)
    if args.steps:
        return _main_steps(args)
    names = list(FAMILIES) if args.families == ["all"] else args.families
    path = args.out / "portfolio_derivation.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    results = stored.get("families", {})
    meta = stored.get("meta", {})
    if not args.report_only:
        check_disjoint()
        import sklearn

        start = time.perf_counter()
        # A run of some families adds to the time of the stored ones.
        earlier = 0.0 if args.families == ["all"] else meta.get("minutes", 0.0)
        for name in names:
            t0 = time.perf_counter()
            with threadpool_limits(limits=1):
                results[name] = evaluate(name)
            print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)
            meta = {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "args": "" if args.families == ["all"] else " --families ...",
                "minutes": earlier + (time.perf_counter() - start) / 60,
                "sklearn": sklearn.__version__,
            }
            args.out.mkdir(parents=True, exist_ok=True)
            ordered = {k: results[k] for k in FAMILIES if k in results}
            path.write_text(json.dumps({"meta": meta, "families": ordered}, indent=1))
    ordered = {k: results[k] for k in FAMILIES if k in results}
    md, code = render(ordered, args.size, meta)
    (args.out / "portfolio_derivation.md").write_text(md + "\n")
    print(code)
    return 0


def _main_steps(args) -> int:
    path = args.out / "portfolio_steps.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    results, meta = stored.get("steps", {}), stored.get("meta", {})
    if not args.report_only:
        check_disjoint()
        import sklearn

        start = time.perf_counter()
        with threadpool_limits(limits=1):
            results = {name: evaluate_step(name) for name in STEPS}
        meta = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "minutes": (time.perf_counter() - start) / 60,
            "sklearn": sklearn.__version__,
        }
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"meta": meta, "steps": results}, indent=1))
    md, code = render_steps(results, meta)
    (args.out / "portfolio_steps.md").write_text(md + "\n")
    print(code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
