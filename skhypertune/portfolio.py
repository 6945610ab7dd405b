"""Portfolios: configurations known to do well across many datasets.

A search of a common scikit-learn estimator does better starting from
configurations that were good on many other datasets than from random points
(a *meta-learned initial design*). For each estimator listed in
:func:`known_estimators` this module holds a small ordered portfolio of full
configurations, in the estimator's own parameter names, and maps it into a
user's ``param_distributions``:

* only the parameters the user searches are kept; a configuration sharing
  none of them is dropped;
* a number is moved inside the user's distribution: clipped into the range
  the distribution produces, rounded to the nearest integer for integer
  distributions, or replaced by the nearest listed number (on a log scale
  when all are positive) for a list of numbers;
* any other value (a kernel, a loss) must be listed, or the configuration is
  dropped; it is dropped too when it sets such a value for a parameter the
  user does not search and the estimator has another one (a configuration for
  ``kernel="linear"`` says nothing about the user's fixed ``"rbf"``);
* searched parameters of a pipeline's earlier steps that have a *step
  portfolio* (``PolynomialFeatures``, ``PCA``, ``SelectKBest``: a few
  settings, also derived on other data) take the step's first setting;
* any other searched parameter the configuration does not set takes the
  estimator's own value when the distribution can produce it, else the
  distribution's median (the first value of a list);
* with ``open_values="spread"`` only the first configuration does so; the
  ``r``-th of the others takes each step's ``r``-th setting, and values spread
  over the space by a fixed low-discrepancy sequence for what is still open
  (EvolutionSearchCV's first generation);
* two configurations that map to the same parameter set count once.

Values that depend on the data (``gamma`` relative to scikit-learn's
``"scale"``, ``alpha`` relative to the smallest all-zero Lasso penalty, ...)
are :class:`Relative` values, resolved with the training data as it reaches
the estimator (through the earlier steps of a pipeline). The last step of a
:class:`~sklearn.pipeline.Pipeline` (nested pipelines too) is the estimator
whose portfolio is used, with its step name as prefix (``svc__C``); in a list
of dicts each dict is mapped on its own, and a dict listing estimators for the
last step (``{"clf": [SVC(), LogisticRegression()], ...}``) gets the
portfolio of each listed estimator.

The sources of every entry (published optimal defaults, scikit-learn's own
defaults, and the project's runs of ``benchmarks/derive_portfolio.py`` on
datasets that are not benchmark tasks) are given in the user guide
(:ref:`portfolio`).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

import numpy as np

from .space import Dimension, SearchSpace

__all__ = [
    "PortfolioEntry",
    "Relative",
    "get_portfolio",
    "known_estimators",
    "portfolio_params",
]

# What a Relative value is proportional to; computed by _data_summary on the
# data reaching the estimator (``n`` = training samples of one CV fit, ``p``
# = features, ``var`` = variance of all entries of X, as scikit-learn's
# gamma="scale" computes it).
_UNITS: dict[str, Callable[[Mapping[str, float]], float]] = {
    "1/(p*var)": lambda d: 1.0 / (d["p"] * d["var"]),
    "1/var": lambda d: 1.0 / d["var"],
    "1/(n*var)": lambda d: 1.0 / (d["n"] * d["var"]),
    "n*var": lambda d: d["n"] * d["var"],
    "p": lambda d: d["p"],
    "min(n,p)": lambda d: min(d["n"], d["p"]),
    "std(y)": lambda d: d["y_std"],
    "alpha_max": lambda d: d["alpha_max"],
}
# Rows of X used to compute the data summary (evenly spaced, no randomness).
_MAX_SUMMARY_ROWS = 1000
# Parameters for which None means "no limit": it maps to the largest value a
# numeric distribution produces.
_UNLIMITED = frozenset({"max_depth", "max_leaf_nodes"})


@dataclass(frozen=True)
class Relative:
    """A portfolio value proportional to a property of the training data.

    Parameters
    ----------
    factor : float
        The multiplier.
    unit : str
        What the value is proportional to, computed on the data that reaches
        the estimator (after the earlier steps of a pipeline): ``"1/(p*var)"``
        (scikit-learn's ``gamma="scale"``: one over the number of features
        times the variance of X), ``"1/var"``, ``"1/(n*var)"`` and ``"n*var"``
        (``n`` is the number of training samples of one CV fit),
        ``"std(y)"`` (standard deviation of the target), ``"alpha_max"``
        (the smallest Lasso ``alpha`` for which every coefficient is zero),
        or the counts ``"p"`` and ``"min(n,p)"`` (for a pipeline step, of
        the data reaching that step).

    Examples
    --------
    >>> from skhypertune.portfolio import Relative
    >>> gamma = Relative(0.5, "1/(p*var)")
    >>> gamma.resolve({"p": 4, "var": 2.0})
    0.0625
    """

    factor: float
    unit: str

    def __post_init__(self):
        if self.unit not in _UNITS:
            raise ValueError(
                f"Unknown unit {self.unit!r}; choose from {sorted(_UNITS)}."
            )

    def resolve(self, data: Mapping[str, float]) -> float:
        """The value for data described by ``data`` (keys n, p, var, y_std, ...).

        Raises
        ------
        KeyError
            If ``data`` lacks what the unit needs (no target for ``std(y)``).
        """
        try:
            value = float(_UNITS[self.unit](data))
        except (KeyError, TypeError, ZeroDivisionError):
            raise KeyError(self.unit) from None
        if not math.isfinite(value):
            raise KeyError(self.unit)
        return float(self.factor * value)


@dataclass(frozen=True)
class PortfolioEntry:
    """One configuration of a portfolio and where it comes from.

    Parameters
    ----------
    params : dict
        Parameter values in the estimator's own names (no pipeline prefix);
        numbers may be :class:`Relative`.
    source : str
        ``"scikit-learn default"``, a published source, or ``"own runs"``
        (chosen by ``benchmarks/derive_portfolio.py``).

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from skhypertune.portfolio import get_portfolio
    >>> get_portfolio(SVC())[0].source
    'scikit-learn default'
    """

    params: dict = field(hash=False)
    source: str


# -- the portfolios ---------------------------------------------------------
_DEFAULT = "scikit-learn default"
_PROBST = "Probst et al. (2019), Table 3"
_OWN = "own runs"


def _entry(source: str, **params: Any) -> PortfolioEntry:
    return PortfolioEntry(params, source)


_PORTFOLIOS: dict[str, tuple[PortfolioEntry, ...]] = {
    "svc": (
        _entry(_DEFAULT, C=1.0, gamma=Relative(1.0, "1/(p*var)"), kernel="rbf"),
        _entry(_OWN, kernel="rbf", C=2670.0, gamma=Relative(0.0248, "1/(p*var)")),
        _entry(_OWN, kernel="linear", C=0.643),
        _entry(_OWN, kernel="rbf", C=620.0, gamma=Relative(0.174, "1/(p*var)")),
        _entry(_OWN, kernel="rbf", C=2.57, gamma=Relative(0.289, "1/(p*var)")),
        _entry(_OWN, kernel="rbf", C=25.1, gamma=Relative(1.59, "1/(p*var)")),
    ),
    "svr": (
        _entry(
            _DEFAULT, C=1.0, epsilon=0.1, gamma=Relative(1.0, "1/(p*var)"), kernel="rbf"
        ),
        _entry(
            _OWN,
            kernel="rbf",
            C=Relative(109.0, "std(y)"),
            epsilon=Relative(0.0115, "std(y)"),
            gamma=Relative(0.0177, "1/(p*var)"),
        ),
        _entry(
            _OWN,
            kernel="rbf",
            C=Relative(559.0, "std(y)"),
            epsilon=Relative(0.00323, "std(y)"),
            gamma=Relative(0.304, "1/(p*var)"),
        ),
        _entry(
            _OWN,
            kernel="rbf",
            C=Relative(55.8, "std(y)"),
            epsilon=Relative(0.00234, "std(y)"),
            gamma=Relative(1.9, "1/(p*var)"),
        ),
        _entry(
            _OWN,
            kernel="rbf",
            C=Relative(73.7, "std(y)"),
            epsilon=Relative(0.658, "std(y)"),
            gamma=Relative(0.0213, "1/(p*var)"),
        ),
    ),
    "logistic": (
        _entry(_DEFAULT, C=1.0),
        _entry(_OWN, C=Relative(0.273, "1/(n*var)")),
        _entry(_OWN, C=Relative(39.8, "1/(n*var)")),
        _entry(_OWN, C=Relative(2310.0, "1/(n*var)")),
        _entry(_OWN, C=Relative(5.98, "1/(n*var)")),
        _entry(_OWN, C=Relative(0.399, "1/(n*var)")),
    ),
    "ridge": (
        _entry(_DEFAULT, alpha=1.0),
        _entry(_OWN, alpha=Relative(0.0346, "n*var")),
        _entry(_OWN, alpha=Relative(0.0776, "n*var")),
    ),
    "lasso": (
        _entry(_OWN, alpha=Relative(0.0206, "alpha_max")),
        _entry(_OWN, alpha=Relative(0.0873, "alpha_max")),
        _entry(_OWN, alpha=Relative(0.00413, "alpha_max")),
    ),
    "elasticnet": (
        _entry(_OWN, alpha=Relative(0.0313, "alpha_max"), l1_ratio=0.862),
        _entry(_OWN, alpha=Relative(0.00638, "alpha_max"), l1_ratio=0.953),
        _entry(_OWN, alpha=Relative(0.11, "alpha_max"), l1_ratio=0.373),
    ),
    "knn_clf": (
        _entry(_DEFAULT, n_neighbors=5, weights="uniform", p=2),
        _entry(_OWN, n_neighbors=12, weights="distance", p=1),
        _entry(_OWN, n_neighbors=44, weights="distance", p=1),
        _entry(_OWN, n_neighbors=9, weights="distance", p=1),
        _entry(_OWN, n_neighbors=2, weights="distance", p=1),
        _entry(_OWN, n_neighbors=19, weights="distance", p=2),
    ),
    "knn_reg": (
        _entry(_OWN, n_neighbors=7, weights="distance", p=2),
        _entry(_OWN, n_neighbors=12, weights="distance", p=2),
        _entry(_OWN, n_neighbors=5, weights="distance", p=1),
        _entry(_OWN, n_neighbors=5, weights="distance", p=2),
        _entry(_OWN, n_neighbors=9, weights="distance", p=1),
        _entry(_OWN, n_neighbors=2, weights="distance", p=2),
    ),
    "rf_clf": (
        _entry(
            _DEFAULT,
            n_estimators=100,
            max_features="sqrt",
            min_samples_leaf=1,
            min_samples_split=2,
            max_depth=None,
            bootstrap=True,
            criterion="gini",
        ),
        _entry(
            _PROBST,
            n_estimators=983,
            max_features=0.257,
            min_samples_leaf=1,
            min_samples_split=2,
            max_depth=None,
            bootstrap=True,
            max_samples=0.703,
            criterion="gini",
        ),
        _entry(
            _OWN,
            n_estimators=100,
            max_features=0.839,
            min_samples_leaf=1,
            min_samples_split=13,
            max_depth=None,
            bootstrap=True,
            criterion="gini",
        ),
        _entry(
            _OWN,
            n_estimators=100,
            max_features=0.707,
            min_samples_leaf=2,
            min_samples_split=3,
            max_depth=14,
            bootstrap=True,
            criterion="gini",
        ),
        _entry(
            _OWN,
            n_estimators=100,
            max_features=0.449,
            min_samples_leaf=2,
            min_samples_split=8,
            max_depth=None,
            bootstrap=True,
            criterion="gini",
        ),
    ),
    "rf_reg": (
        _entry(
            _DEFAULT,
            n_estimators=100,
            max_features=1.0,
            min_samples_leaf=1,
            min_samples_split=2,
            max_depth=None,
            bootstrap=True,
            criterion="squared_error",
        ),
        _entry(
            _OWN,
            n_estimators=100,
            max_features=0.722,
            min_samples_leaf=2,
            min_samples_split=3,
            max_depth=None,
            bootstrap=True,
            criterion="squared_error",
        ),
    ),
    "et_clf": (
        _entry(
            _DEFAULT,
            n_estimators=100,
            max_features="sqrt",
            min_samples_leaf=1,
            min_samples_split=2,
            max_depth=None,
            bootstrap=False,
            criterion="gini",
        ),
        _entry(
            _OWN,
            n_estimators=100,
            max_features=0.497,
            min_samples_leaf=1,
            min_samples_split=20,
            max_depth=None,
            bootstrap=False,
            criterion="gini",
        ),
        _entry(
            _OWN,
            n_estimators=100,
            max_features=0.967,
            min_samples_leaf=3,
            min_samples_split=8,
            max_depth=None,
            bootstrap=False,
            criterion="gini",
        ),
        _entry(
            _OWN,
            n_estimators=100,
            max_features=0.344,
            min_samples_leaf=1,
            min_samples_split=9,
            max_depth=None,
            bootstrap=False,
            criterion="gini",
        ),
    ),
    "et_reg": (
        _entry(
            _DEFAULT,
            n_estimators=100,
            max_features=1.0,
            min_samples_leaf=1,
            min_samples_split=2,
            max_depth=None,
            bootstrap=False,
            criterion="squared_error",
        ),
    ),
    "hgb_clf": (
        _entry(
            _OWN,
            learning_rate=0.195,
            max_iter=31,
            max_leaf_nodes=11,
            min_samples_leaf=6,
            l2_regularization=0.0,
            max_features=0.774,
            max_depth=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0252,
            max_iter=280,
            max_leaf_nodes=10,
            min_samples_leaf=1,
            l2_regularization=9.79,
            max_features=0.781,
            max_depth=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.199,
            max_iter=81,
            max_leaf_nodes=6,
            min_samples_leaf=2,
            l2_regularization=0.669,
            max_features=0.211,
            max_depth=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0286,
            max_iter=53,
            max_leaf_nodes=24,
            min_samples_leaf=32,
            l2_regularization=0.0,
            max_features=0.478,
            max_depth=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0838,
            max_iter=292,
            max_leaf_nodes=26,
            min_samples_leaf=3,
            l2_regularization=0.000802,
            max_features=0.766,
            max_depth=4,
        ),
        _entry(
            _OWN,
            learning_rate=0.202,
            max_iter=23,
            max_leaf_nodes=64,
            min_samples_leaf=7,
            l2_regularization=0.0,
            max_features=0.748,
            max_depth=None,
        ),
    ),
    "hgb_reg": (
        _entry(
            _OWN,
            learning_rate=0.0187,
            max_iter=278,
            max_leaf_nodes=7,
            min_samples_leaf=1,
            l2_regularization=0.0,
            max_features=0.831,
            max_depth=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0348,
            max_iter=226,
            max_leaf_nodes=4,
            min_samples_leaf=15,
            l2_regularization=0.000873,
            max_features=0.359,
            max_depth=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0412,
            max_iter=131,
            max_leaf_nodes=7,
            min_samples_leaf=4,
            l2_regularization=0.0,
            max_features=0.53,
            max_depth=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0881,
            max_iter=211,
            max_leaf_nodes=6,
            min_samples_leaf=19,
            l2_regularization=5.41,
            max_features=0.924,
            max_depth=None,
        ),
        _entry(
            _DEFAULT,
            learning_rate=0.1,
            max_iter=100,
            max_leaf_nodes=31,
            min_samples_leaf=20,
            l2_regularization=0.0,
            max_features=1.0,
            max_depth=None,
        ),
    ),
    "gb_clf": (
        _entry(
            _OWN,
            learning_rate=0.0343,
            n_estimators=143,
            max_depth=7,
            subsample=0.868,
            min_samples_leaf=21,
            max_features=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0348,
            n_estimators=58,
            max_depth=4,
            subsample=0.851,
            min_samples_leaf=3,
            max_features=0.736,
        ),
        _entry(
            _OWN,
            learning_rate=0.341,
            n_estimators=155,
            max_depth=1,
            subsample=0.865,
            min_samples_leaf=4,
            max_features=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0929,
            n_estimators=33,
            max_depth=1,
            subsample=0.632,
            min_samples_leaf=3,
            max_features=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0865,
            n_estimators=158,
            max_depth=2,
            subsample=0.528,
            min_samples_leaf=2,
            max_features=0.885,
        ),
        _entry(
            _OWN,
            learning_rate=0.0258,
            n_estimators=292,
            max_depth=8,
            subsample=0.982,
            min_samples_leaf=18,
            max_features=0.43,
        ),
    ),
    "gb_reg": (
        _entry(
            _DEFAULT,
            learning_rate=0.1,
            n_estimators=100,
            max_depth=3,
            subsample=1.0,
            min_samples_leaf=1,
            max_features=None,
        ),
        _entry(
            _OWN,
            learning_rate=0.0819,
            n_estimators=289,
            max_depth=1,
            subsample=0.73,
            min_samples_leaf=2,
            max_features=0.405,
        ),
        _entry(
            _OWN,
            learning_rate=0.0845,
            n_estimators=102,
            max_depth=4,
            subsample=0.896,
            min_samples_leaf=4,
            max_features=None,
        ),
    ),
    "mlp_clf": (
        _entry(
            _DEFAULT,
            hidden_layer_sizes=(100,),
            alpha=0.0001,
            learning_rate_init=0.001,
            activation="relu",
            batch_size=200,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(231,),
            alpha=0.00039,
            learning_rate_init=0.0178,
            activation="relu",
            batch_size=32,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(52,),
            alpha=0.000131,
            learning_rate_init=0.00528,
            activation="relu",
            batch_size=128,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(49,),
            alpha=0.599,
            learning_rate_init=0.0212,
            activation="relu",
            batch_size=32,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(43,),
            alpha=1.99e-05,
            learning_rate_init=0.0157,
            activation="relu",
            batch_size=128,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(44,),
            alpha=4.4e-06,
            learning_rate_init=0.0189,
            activation="tanh",
            batch_size=200,
        ),
    ),
    "mlp_reg": (
        _entry(
            _OWN,
            hidden_layer_sizes=(38,),
            alpha=0.185,
            learning_rate_init=0.00992,
            activation="relu",
            batch_size=32,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(106,),
            alpha=0.000775,
            learning_rate_init=0.000334,
            activation="logistic",
            batch_size=32,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(32,),
            alpha=0.0509,
            learning_rate_init=0.0186,
            activation="tanh",
            batch_size=128,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(60,),
            alpha=0.000311,
            learning_rate_init=0.00207,
            activation="relu",
            batch_size=32,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(224,),
            alpha=0.00239,
            learning_rate_init=0.00646,
            activation="tanh",
            batch_size=200,
        ),
        _entry(
            _OWN,
            hidden_layer_sizes=(43,),
            alpha=0.517,
            learning_rate_init=0.000992,
            activation="tanh",
            batch_size=32,
        ),
    ),
    "tree_clf": (
        _entry(
            _DEFAULT,
            max_depth=None,
            min_samples_split=2,
            min_samples_leaf=1,
            max_features=None,
            criterion="gini",
            ccp_alpha=0.0,
        ),
        _entry(
            _PROBST,
            max_depth=21,
            min_samples_split=24,
            min_samples_leaf=12,
            max_features=None,
            criterion="gini",
            ccp_alpha=0.0,
        ),
        _entry(
            _OWN,
            max_depth=None,
            min_samples_split=2,
            min_samples_leaf=3,
            max_features=0.619,
            criterion="gini",
            ccp_alpha=0.000214,
        ),
        _entry(
            _OWN,
            max_depth=3,
            min_samples_split=2,
            min_samples_leaf=5,
            max_features=None,
            criterion="gini",
            ccp_alpha=0.000263,
        ),
        _entry(
            _OWN,
            max_depth=8,
            min_samples_split=17,
            min_samples_leaf=9,
            max_features=0.897,
            criterion="gini",
            ccp_alpha=0.0,
        ),
        _entry(
            _OWN,
            max_depth=26,
            min_samples_split=39,
            min_samples_leaf=1,
            max_features=None,
            criterion="gini",
            ccp_alpha=0.0,
        ),
    ),
    "tree_reg": (
        _entry(
            _DEFAULT,
            max_depth=None,
            min_samples_split=2,
            min_samples_leaf=1,
            max_features=None,
            criterion="squared_error",
            ccp_alpha=0.0,
        ),
        _entry(
            _OWN,
            max_depth=5,
            min_samples_split=38,
            min_samples_leaf=3,
            max_features=None,
            criterion="squared_error",
            ccp_alpha=0.000367,
        ),
        _entry(
            _OWN,
            max_depth=6,
            min_samples_split=10,
            min_samples_leaf=1,
            max_features=None,
            criterion="squared_error",
            ccp_alpha=0.000432,
        ),
        _entry(
            _OWN,
            max_depth=23,
            min_samples_split=6,
            min_samples_leaf=5,
            max_features=None,
            criterion="squared_error",
            ccp_alpha=0.0,
        ),
        _entry(
            _OWN,
            max_depth=None,
            min_samples_split=33,
            min_samples_leaf=4,
            max_features=None,
            criterion="squared_error",
            ccp_alpha=0.0,
        ),
    ),
}

# Estimator class -> portfolio name. Classifier and regressor of one family
# have their own portfolio (derived on classification or regression data).
_CLASSES = {
    ("sklearn.svm", "SVC"): "svc",
    ("sklearn.svm", "SVR"): "svr",
    ("sklearn.linear_model", "LogisticRegression"): "logistic",
    ("sklearn.linear_model", "Ridge"): "ridge",
    ("sklearn.linear_model", "Lasso"): "lasso",
    ("sklearn.linear_model", "ElasticNet"): "elasticnet",
    ("sklearn.ensemble", "RandomForestClassifier"): "rf_clf",
    ("sklearn.ensemble", "RandomForestRegressor"): "rf_reg",
    ("sklearn.ensemble", "ExtraTreesClassifier"): "et_clf",
    ("sklearn.ensemble", "ExtraTreesRegressor"): "et_reg",
    ("sklearn.ensemble", "HistGradientBoostingClassifier"): "hgb_clf",
    ("sklearn.ensemble", "HistGradientBoostingRegressor"): "hgb_reg",
    ("sklearn.ensemble", "GradientBoostingClassifier"): "gb_clf",
    ("sklearn.ensemble", "GradientBoostingRegressor"): "gb_reg",
    ("sklearn.neighbors", "KNeighborsClassifier"): "knn_clf",
    ("sklearn.neighbors", "KNeighborsRegressor"): "knn_reg",
    ("sklearn.neural_network", "MLPClassifier"): "mlp_clf",
    ("sklearn.neural_network", "MLPRegressor"): "mlp_reg",
    ("sklearn.tree", "DecisionTreeClassifier"): "tree_clf",
    ("sklearn.tree", "DecisionTreeRegressor"): "tree_reg",
}
_BY_TYPE: dict[type, str] | None = None

# Settings of common pipeline steps, for the searched parameters of the steps
# before the estimator (which its portfolio leaves open). Chosen by
# ``benchmarks/derive_portfolio.py --steps`` as the estimator portfolios are:
# each setting scored with the first configurations of the estimators that
# usually follow the step, on the derivation datasets.
_STEP_PORTFOLIOS: dict[tuple[str, str], tuple[PortfolioEntry, ...]] = {
    ("sklearn.preprocessing", "PolynomialFeatures"): (
        _entry(_DEFAULT, degree=2, interaction_only=False),
        _entry(_OWN, degree=1, interaction_only=False),
        _entry(_OWN, degree=3, interaction_only=False),
        _entry(_OWN, degree=2, interaction_only=True),
    ),
    ("sklearn.decomposition", "PCA"): (
        _entry(_DEFAULT, n_components=Relative(1.0, "min(n,p)")),
        _entry(_OWN, n_components=Relative(0.25, "min(n,p)")),
        _entry(_OWN, n_components=Relative(0.75, "min(n,p)")),
        _entry(_OWN, n_components=Relative(0.1, "min(n,p)")),
    ),
    ("sklearn.feature_selection", "SelectKBest"): (
        _entry(_DEFAULT, k=10),
        _entry(_OWN, k=Relative(0.5, "p")),
        _entry(_OWN, k=Relative(0.75, "p")),
        _entry(_OWN, k=Relative(0.1, "p")),
    ),
}
# Units that count features or samples: they fit integer parameters only (a
# float ``n_components`` is a share of the variance, not a count).
_COUNTS = frozenset({"p", "min(n,p)"})


def _portfolio_name(estimator: Any) -> str | None:
    """Name of the portfolio of exactly this scikit-learn class, or None."""
    global _BY_TYPE
    if _BY_TYPE is None:
        _BY_TYPE = {
            getattr(import_module(module), name): key
            for (module, name), key in _CLASSES.items()
        }
    name = _BY_TYPE.get(type(estimator))
    return name if name in _PORTFOLIOS else None


def known_estimators() -> list[str]:
    """Names of the scikit-learn estimators that have a portfolio.

    Returns
    -------
    names : list of str
        Class names, sorted.

    Examples
    --------
    >>> from skhypertune.portfolio import known_estimators
    >>> "SVC" in known_estimators()
    True
    """
    return sorted(name for (_, name), key in _CLASSES.items() if key in _PORTFOLIOS)


def _walk(estimator: Any) -> tuple[str, Any, list, list]:
    """Follow nested pipelines to their innermost last step.

    Returns the prefix of the final estimator's parameters, the final
    estimator, the earlier steps that transform the data before it, and
    every pipeline on the way as (its parameter prefix, it, the earlier
    steps before it).
    """
    from sklearn.pipeline import Pipeline

    prefix, heads, levels = "", [], []
    while isinstance(estimator, Pipeline) and estimator.steps:
        levels.append((prefix, estimator, list(heads)))
        name, last = estimator.steps[-1]
        if len(estimator.steps) > 1:
            heads.append(estimator[:-1])
        prefix += f"{name}__"
        estimator = last
    return prefix, estimator, heads, levels


def _unwrap(estimator: Any) -> tuple[str, Any, list]:
    """(prefix of the final estimator's parameters, final estimator, earlier steps).

    Nested pipelines are followed to their innermost last step.
    """
    return _walk(estimator)[:3]


def _chain_steps(estimator: Any) -> list[tuple[str, Any, list]]:
    """(parameter prefix, step, earlier steps) of every step before the estimator.

    The steps of each pipeline on the way to the final estimator; "earlier
    steps" are what transforms the data before it reaches the step.
    """
    return [
        (f"{prefix}{name}__", step, before + ([pipe[:i]] if i else []))
        for prefix, pipe, before in _walk(estimator)[3]
        for i, (name, step) in enumerate(pipe.steps[:-1])
    ]


_STEP_BY_TYPE: dict[type, tuple[PortfolioEntry, ...]] | None = None


def _step_portfolio(step: Any) -> tuple[PortfolioEntry, ...]:
    """Settings of exactly this scikit-learn class (empty for others)."""
    global _STEP_BY_TYPE
    if _STEP_BY_TYPE is None:
        _STEP_BY_TYPE = {
            getattr(import_module(module), name): entries
            for (module, name), entries in _STEP_PORTFOLIOS.items()
        }
    return _STEP_BY_TYPE.get(type(step), ())


def _step_settings(
    estimator: Any,
    dims: Mapping[str, Dimension],
    X: Any,
    y: Any,
    n_samples: int | None,
) -> list[dict]:
    """Values of the searched step parameters, one dict per setting rank.

    Rank ``r`` holds every step's ``r``-th setting that fits the space (a
    step whose portfolio is shorter adds nothing to it); a parameter left
    out keeps the rule of :func:`_fill`. A step the space replaces (the step
    itself is searched) has no settings.
    """
    ranks: list[dict] = []
    for prefix, step, heads in _chain_steps(estimator):
        entries = _step_portfolio(step)
        if not entries or prefix[:-2] in dims:
            continue
        cache: list[dict] = []

        def data(heads=heads, cache=cache) -> dict:
            if not cache:
                cache.append(_data_summary(heads, X, y, n_samples))
            return cache[0]

        for r, entry in enumerate(entries):
            while len(ranks) <= r:
                ranks.append({})
            for base, value in entry.params.items():
                name = prefix + base
                if name not in dims:
                    continue
                try:
                    if isinstance(value, Relative) and value.unit in _COUNTS:
                        if dims[name].kind == "continuous":
                            continue
                        value = _at_most(dims[name], value.resolve(data()))
                    ranks[r][name] = _fit(dims[name], value, base, data)
                except (_Drop, KeyError):
                    continue
    return ranks


def _at_most(dim: Dimension, count: float) -> float:
    """A count for a list: the largest listed number not above it, if any.

    The nearest listed number could exceed what the data allows (6 of
    ``[1, 3, 6]`` components for 5 features); a range clips to it anyway.
    """
    if dim.kind != "categorical":
        return count
    below = [x for x in map(_number, _levels(dim)) if x is not None and x <= count]
    return max(below) if below else count


def get_portfolio(estimator: Any) -> list[PortfolioEntry]:
    """The portfolio of an estimator, or of a pipeline's last step.

    Parameters
    ----------
    estimator : estimator object
        A scikit-learn estimator or a :class:`~sklearn.pipeline.Pipeline`.

    Returns
    -------
    entries : list of PortfolioEntry
        In order of priority, with parameter names of the estimator itself
        (no pipeline prefix); empty when the estimator has no portfolio.

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skhypertune.portfolio import get_portfolio
    >>> pipe = make_pipeline(StandardScaler(), KNeighborsClassifier())
    >>> get_portfolio(pipe)[0].params
    {'n_neighbors': 5, 'weights': 'uniform', 'p': 2}
    """
    name = _portfolio_name(_unwrap(estimator)[1])
    return list(_PORTFOLIOS[name]) if name else []


# -- the data -----------------------------------------------------------------
def _data_summary(heads: list, X: Any, y: Any, n_samples: int | None) -> dict:
    """What Relative values need, on the data reaching the final estimator.

    At most ``_MAX_SUMMARY_ROWS`` evenly spaced rows pass through clones of
    the earlier pipeline steps. Keys that cannot be computed (no numeric
    target, a step that fails) are left out.
    """
    import scipy.sparse as sp
    from sklearn.base import clone
    from sklearn.utils import _safe_indexing, check_array
    from sklearn.utils.validation import _num_samples

    out: dict[str, float] = {}
    try:
        n_rows = _num_samples(X)
        rows = np.unique(
            np.linspace(0, n_rows - 1, min(n_rows, _MAX_SUMMARY_ROWS)).round()
        ).astype(int)
        Xs = _safe_indexing(X, rows)
        ys = None if y is None else _safe_indexing(y, rows)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for head in heads:
                Xs = clone(head).fit_transform(Xs, ys)
        Xs = check_array(Xs, accept_sparse="csr", dtype=np.float64)
    except Exception:
        return out
    out["n"] = float(n_samples if n_samples is not None else n_rows)
    out["p"] = float(Xs.shape[1])
    if sp.issparse(Xs):
        var = float(Xs.multiply(Xs).mean() - Xs.mean() ** 2)
    else:
        var = float(Xs.var())
    out["var"] = var if var > 0 and math.isfinite(var) else 1.0
    try:
        yv = np.asarray(ys, dtype=np.float64)
    except (TypeError, ValueError):
        return out
    if yv.ndim in (1, 2) and len(yv) == Xs.shape[0] and np.isfinite(yv).all():
        yc = yv - yv.mean(axis=0)
        std = float(yv.std())
        if std > 0:
            out["y_std"] = std
        # X.T @ yc needs no centring of X: yc sums to zero.
        Xy = np.asarray(Xs.T @ yc).reshape(Xs.shape[1], -1)
        alpha_max = float(np.sqrt((Xy**2).sum(axis=1)).max()) / Xs.shape[0]
        if alpha_max > 0:
            out["alpha_max"] = alpha_max
    return out


# -- mapping into a space ---------------------------------------------------------
_MISSING = object()


def _is_bool(x: Any) -> bool:
    return isinstance(x, (bool, np.bool_))


def _number(x: Any) -> float | None:
    """``x`` as a finite float (a 1-tuple of a number too), else None."""
    if isinstance(x, (tuple, list)) and len(x) == 1:
        x = x[0]
    if _is_bool(x) or not isinstance(x, numbers.Real):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _same(a: Any, b: Any) -> bool:
    """Equality that tells True from 1 and never raises."""
    if a is b:
        return True
    if _is_bool(a) or _is_bool(b):
        return _is_bool(a) and _is_bool(b) and bool(a) == bool(b)
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return float(a) == float(b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, z) for x, z in zip(a, b))
    if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        return type(a) is type(b) and a == b
    return False


def _levels(dim: Dimension) -> list:
    """Every value a categorical dimension produces, in order."""
    k = dim.n_levels
    return [dim.decode((i + 0.5) / k) for i in range(k)]


def _find(values: list, x: Any) -> int | None:
    for i, v in enumerate(values):
        if _same(v, x):
            return i
    return None


def _nearest(candidates: list[tuple[int, float]], x: float) -> int | None:
    """Index of the candidate nearest to ``x``, on a log scale when all > 0."""
    if not candidates:
        return None
    log = x > 0 and all(v > 0 for _, v in candidates)
    key = math.log(x) if log else x
    dist = [abs((math.log(v) if log else v) - key) for _, v in candidates]
    return candidates[int(np.argmin(dist))][0]


def _shape(x: Any) -> str:
    return "tuple" if isinstance(x, (tuple, list)) else "scalar"


def _fraction(value: Any, p: float) -> float | None:
    """A ``max_features`` value as a fraction of the ``p`` features."""
    if value is None:
        return 1.0
    if value == "sqrt":
        return max(1, int(math.sqrt(p))) / p
    if value == "log2":
        return max(1, int(math.log2(p))) / p
    if _is_bool(value) or not isinstance(value, numbers.Real):
        return None
    if isinstance(value, numbers.Integral):
        return min(float(value), p) / p
    return float(value) if 0 < value <= 1 else None


def _bounds(dim: Dimension) -> tuple[float, float]:
    """The smallest and largest value of a numeric dimension.

    The distribution's support when finite (``loguniform(1, 100)`` gives
    exactly 1 and 100), else the values the dimension decodes the cube's
    edges to.
    """
    lo, hi = dim.decode(0.0), dim.decode(1.0)
    support = getattr(dim.prior, "support", None)
    if callable(support) and hasattr(dim.prior, "ppf"):
        a, b = (float(v) for v in support())
        lo = a if math.isfinite(a) else lo
        hi = b if math.isfinite(b) else hi
    return lo, hi


def _clip(dim: Dimension, x: float) -> Any:
    """The value of a numeric dimension closest to ``x`` that it produces."""
    lo, hi = _bounds(dim)
    x = min(max(x, lo), hi)
    if dim.kind == "integer":
        return dim.decode(dim.snap(dim.encode(int(math.floor(x + 0.5)))))
    back = dim.decode(dim.encode(x))
    return x if math.isclose(back, x, rel_tol=1e-6, abs_tol=1e-12) else back


class _Drop(Exception):
    """The configuration does not fit the space."""


def _fit(dim: Dimension, value: Any, base: str, data: Callable[[], dict]) -> Any:
    """``value`` moved into ``dim`` (raises _Drop when it cannot be)."""
    if isinstance(value, Relative):
        try:
            value = value.resolve(data())
        except KeyError:
            raise _Drop from None
    if dim.kind == "categorical":
        levels = _levels(dim)
        i = _find(levels, value)
        if i is None and base == "max_features" and "p" in data():
            p = data()["p"]
            fractions = [(j, _fraction(v, p)) for j, v in enumerate(levels)]
            f = _fraction(value, p)
            if f is not None:
                i = _nearest([(j, v) for j, v in fractions if v is not None], f)
        elif i is None and _number(value) is not None:
            numeric = [
                (j, _number(v))
                for j, v in enumerate(levels)
                if _number(v) is not None and _shape(v) == _shape(value)
            ]
            i = _nearest(numeric, _number(value))
        if i is None:
            raise _Drop
        return levels[i]
    if base == "max_features" and not isinstance(value, numbers.Integral):
        fraction = _number(value)
        if dim.kind != "integer" and fraction is not None and 0 < fraction <= 1:
            x = fraction  # a share of the features, as the space's values are
        else:
            p = data().get("p")
            f = None if p is None else _fraction(value, p)
            if f is None:
                raise _Drop
            x = max(1.0, round(f * p)) if dim.kind == "integer" else f
    elif value is None and base in _UNLIMITED:
        return _clip(dim, _bounds(dim)[1])
    else:
        x = _number(value)
        if x is None:
            raise _Drop
    return _clip(dim, x)


def _fill(dim: Dimension, current: Any, spread: float | None = None) -> Any:
    """A searched parameter the configuration leaves open.

    ``spread`` is a unit-cube coordinate: given, the value is decoded from it
    instead of taken from the estimator.
    """
    if spread is not None:
        return dim.decode(dim.snap(spread))
    if dim.kind == "categorical":
        levels = _levels(dim)
        i = None if current is _MISSING else _find(levels, current)
        return levels[0 if i is None else i]
    x = None if isinstance(current, (tuple, list)) else _number(current)
    if x is not None:
        mapped = _clip(dim, x)
        if math.isclose(mapped, x, rel_tol=1e-9, abs_tol=1e-12):
            return current if dim.kind != "integer" else mapped
    return dim.decode(dim.snap(0.5))


def _spread_points(names: list[str], n: int) -> list[dict[str, float] | None]:
    """Unit-cube coordinates for the open parameters of ``n`` configurations.

    The first configuration keeps the estimator's own values (None); the
    others take points of an unscrambled Sobol sequence, so that what the
    portfolio says nothing about (a preprocessing step's parameters, a
    parameter the portfolio does not tune) is spread over the space instead
    of repeated. The sequence skips its corner and its centre point, and has
    no randomness: the same space always gets the same design.
    """
    if n <= 1 or not names:
        return [None] * n
    from scipy.stats import qmc

    m = max(1, math.ceil(math.log2(n + 1)))
    rows = qmc.Sobol(len(names), scramble=False).random_base2(m)[2 : n + 1]
    return [None] + [dict(zip(names, row.tolist())) for row in rows]


def _structural(base: str, value: Any) -> bool:
    """A choice of model (kernel, loss, ...), not a number."""
    return isinstance(value, (str, bool, np.bool_)) and base != "max_features"


def _map_entry(
    entry: Mapping,
    dims: dict[str, Dimension],
    prefix: str,
    current: Mapping,
    fixed: Mapping,
    data: Callable[[], dict],
    spread: Mapping[str, float] | None = None,
    steps: Mapping[str, Any] | None = None,
) -> dict | None:
    """One configuration in one dict of the space, or None when it does not fit.

    The searched parameters the configuration leaves open take the value
    ``steps`` gives them (a step portfolio's setting, already in the space),
    else the unit-cube coordinate ``spread`` gives, else the estimator's
    value.
    """
    steps = steps or {}
    values = {prefix + k: v for k, v in entry.items()}
    if not set(values) & (set(dims) - set(fixed)):
        return None
    for name, v in values.items():
        if name in dims or not _structural(name[len(prefix) :], v):
            continue
        if not _same(current.get(name, _MISSING), v):
            return None  # made for another model than the user's
    out = dict(fixed)
    try:
        for name, dim in dims.items():
            if name in fixed:
                continue
            if name in values:
                out[name] = _fit(dim, values[name], name[len(prefix) :], data)
            elif name in steps:
                out[name] = steps[name]
            else:
                out[name] = _fill(
                    dim,
                    current.get(name, _MISSING),
                    None if spread is None else spread[name],
                )
    except _Drop:
        return None
    return dict(sorted(out.items()))


def portfolio_params(
    estimator: Any,
    param_distributions: Any,
    X: Any,
    y: Any = None,
    *,
    n_samples: int | None = None,
    open_values: str = "estimator",
) -> list[dict]:
    """The portfolio of ``estimator`` mapped into ``param_distributions``.

    This is what the searchers evaluate first with ``initial_design="auto"``
    or ``"portfolio"`` (as many as the initial design has room for). The
    mapping rules are given in the module's documentation
    (:mod:`skhypertune.portfolio`): values are moved inside the user's
    distributions, configurations that do not fit are dropped, and every
    returned parameter set is one the space can produce.

    Parameters
    ----------
    estimator : estimator object
        The estimator searched; for a pipeline, its last step's portfolio is
        used.
    param_distributions : dict or list of dicts
        The search space, as for ``RandomizedSearchCV``.
    X : array-like of shape (n_samples, n_features)
        Training data, for the values that depend on it (:class:`Relative`).
        Only up to 1000 evenly spaced rows are used.
    y : array-like of shape (n_samples,), default=None
        Target, for values relative to its scale.
    n_samples : int, default=None
        Training samples of one fit (for values relative to it); None uses
        the number of rows of ``X``. The searchers pass the size of a CV
        training fold.
    open_values : {"estimator", "spread"}, default="estimator"
        Searched parameters a configuration does not set: ``"estimator"``
        gives them, in every configuration, the first setting of their
        step's portfolio (``PolynomialFeatures``, ``PCA``, ``SelectKBest``)
        or else the estimator's own value (or the distribution's median), so
        the configurations differ only in what the estimator's portfolio
        knows; ``"spread"`` does so in the first configuration only, and
        gives the ``r``-th of the others each step's ``r``-th setting and
        spreads what is still open over the space (a fixed Sobol sequence,
        no randomness), for a design that needs variety in every parameter.
        BayesSearchCV uses ``"estimator"``, EvolutionSearchCV ``"spread"``.

    Returns
    -------
    params : list of dict
        Parameter sets in order of priority, without duplicates; empty when
        the estimator has no portfolio or none of it fits the space.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skhypertune.portfolio import portfolio_params
    >>> X, y = load_iris(return_X_y=True)
    >>> space = {"C": loguniform(1e-2, 1e2), "kernel": ["rbf", "poly"]}
    >>> portfolio_params(SVC(), space, X, y)[0]
    {'C': 1.0, 'kernel': 'rbf'}
    """
    if open_values not in ("estimator", "spread"):
        raise ValueError(
            f"open_values must be 'estimator' or 'spread', got {open_values!r}."
        )
    space = SearchSpace(param_distributions)
    prefix, final, heads = _unwrap(estimator)
    try:
        current = dict(estimator.get_params(deep=True))
    except Exception:
        current = {}
    cache: list[dict] = []

    def data() -> dict:
        if not cache:
            cache.append(_data_summary(heads, X, y, n_samples))
        return cache[0]

    per_branch: list[list[dict]] = []
    for b in range(space.n_branches):
        dims = {
            d.name: d
            for d in space.dimensions
            if d.name != "__branch__" and (space.n_branches == 1 or d.branch == b)
        }
        step = prefix[:-2]
        if prefix and step in dims and dims[step].kind == "categorical":
            # The dict chooses the last step itself: each listed estimator
            # with a portfolio contributes it.
            finals = [(v, {step: v}) for v in _levels(dims[step])]
        else:
            finals = [(final, {})]
        # The steps before the last one are the same for every listed
        # estimator: their settings are computed once per dict.
        settings: list[dict] | None = None
        for est, fixed in finals:
            name = _portfolio_name(est)
            if name is None:
                continue
            here = dict(current)
            if fixed:
                try:
                    own = est.get_params(deep=True)
                except Exception:
                    own = {}
                here.update({prefix + k: v for k, v in own.items()})
            entries = [e.params for e in _PORTFOLIOS[name]]
            if settings is None:
                settings = _step_settings(estimator, dims, X, y, n_samples) or [{}]
            mapped = [
                _map_entry(e, dims, prefix, here, fixed, data, steps=settings[0])
                for e in entries
            ]
            fitting = [i for i, m in enumerate(mapped) if m is not None]
            if open_values == "spread":
                # Open values never make an entry drop: spread over those that
                # fit, the r-th taking each step's r-th setting where it has one.
                points = _spread_points(sorted(dims), len(fitting))
                for r, (i, u) in enumerate(zip(fitting[1:], points[1:]), start=1):
                    step = settings[r] if r < len(settings) else {}
                    mapped[i] = _map_entry(
                        entries[i], dims, prefix, here, fixed, data, u, step
                    )
            per_branch.append([mapped[i] for i in fitting])
    out, keys = [], set()
    # Round robin over the dicts (and listed estimators): each one's best
    # configurations come first.
    for rank in range(max((len(m) for m in per_branch), default=0)):
        for mapped in per_branch:
            if rank >= len(mapped):
                continue
            try:
                key = space.key(space.encode(mapped[rank]))
            except ValueError:  # pragma: no cover - the mapping fits by design
                continue
            if key not in keys:
                keys.add(key)
                out.append(mapped[rank])
    return out


def _has_portfolio(estimator: Any, param_distributions: Any) -> bool:
    """Whether a portfolio applies: the last step, or an estimator listed for it."""
    prefix, final, _ = _unwrap(estimator)
    if _portfolio_name(final) is not None:
        return True
    step = prefix[:-2]
    if not prefix:
        return False
    branches = (
        [param_distributions]
        if isinstance(param_distributions, Mapping)
        else list(param_distributions)
    )
    for branch in branches:
        values = branch.get(step) if isinstance(branch, Mapping) else None
        if isinstance(values, (list, tuple)):
            if any(_portfolio_name(v) is not None for v in values):
                return True
    return False


def _search_design(
    search: Any, X: Any, y: Any, n_splits: int, open_values: str = "estimator"
) -> list[dict]:
    """Portfolio parameter sets a searcher's initial design starts with.

    Follows ``search.initial_design``: ``"auto"`` uses the portfolio when the
    estimator has one, ``"portfolio"`` requires it, ``"sobol"`` and
    ``"random"`` use none. ``open_values`` as for :func:`portfolio_params`.
    """
    design = search.initial_design
    if design in ("sobol", "random"):
        return []
    known = _has_portfolio(search.estimator, search.param_distributions)
    if not known:
        if design == "portfolio":
            _, final, _ = _unwrap(search.estimator)
            raise ValueError(
                "initial_design='portfolio' but there is no portfolio for "
                f"{type(final).__name__}; portfolios exist for "
                f"{', '.join(known_estimators())}. Use initial_design='auto' to "
                "fall back to the Sobol design."
            )
        return []
    from sklearn.utils.validation import _num_samples

    try:
        n_train = max(1, round(_num_samples(X) * (n_splits - 1) / max(n_splits, 1)))
    except TypeError:
        n_train = None
    params = portfolio_params(
        search.estimator,
        search.param_distributions,
        X,
        y,
        n_samples=n_train,
        open_values=open_values,
    )
    if not params and design == "portfolio":
        warnings.warn(
            "initial_design='portfolio': no portfolio configuration fits "
            "param_distributions (none of its parameters is searched, or its "
            "choices are not listed); the initial design is Sobol only.",
            UserWarning,
            stacklevel=4,
        )
    return params
