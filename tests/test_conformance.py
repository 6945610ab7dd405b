"""scikit-learn conformance: every skhypertune search works where GridSearchCV does.

Each test runs for every searcher in ``SEARCHERS``; a searcher whose module is
not importable is reported as skipped, never silently dropped.
"""

import pickle
import warnings
from importlib import import_module

import numpy as np
import pytest
from scipy.stats import loguniform, uniform
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skhypertune._sklearn_compat import SKLEARN_VERSION

from conftest import RandomHyperSearchCV


def _loop(est, space, **kw):
    kw.setdefault("n_iter", 4)
    return RandomHyperSearchCV(est, space, cv=3, random_state=0, **kw)


def _bayes(est, space, **kw):
    cls = import_module("skhypertune").BayesSearchCV
    kw.setdefault("n_iter", 4)
    return cls(est, space, n_initial_points=2, cv=3, random_state=0, **kw)


def _evolution(est, space, **kw):
    cls = import_module("skhypertune").EvolutionSearchCV
    kw.setdefault("n_iter", 4)
    return cls(
        est,
        space,
        population_size=2,
        tournament_size=2,
        elitism=1,
        cv=3,
        random_state=0,
        **kw,
    )


def _halving(est, space, **kw):
    cls = import_module("skhypertune").HalvingRandomSearchCV
    n_iter = kw.pop("n_iter", 4)
    return cls(
        est,
        space,
        n_candidates=n_iter,
        factor=2,
        min_resources=40,
        cv=3,
        random_state=0,
        **kw,
    )


def _hyperband(est, space, **kw):
    cls = import_module("skhypertune").HyperbandSearchCV
    kw.pop("n_iter", None)
    return cls(est, space, factor=3, min_resources=30, cv=3, random_state=0, **kw)


SEARCHERS = {
    "loop": _loop,
    "bayes": _bayes,
    "evolution": _evolution,
    "halving": _halving,
    "hyperband": _hyperband,
}


@pytest.fixture(params=sorted(SEARCHERS))
def make_search(request):
    factory = SEARCHERS[request.param]
    try:
        factory(LogisticRegression(), {"C": [1.0]})
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"{request.param} searcher not available: {exc}")
    return factory


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=120, n_features=6, n_informative=4, random_state=0
    )


def test_pipeline(make_search, data):
    X, y = data
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    search = make_search(pipe, {"clf__C": loguniform(1e-3, 1e2)}).fit(X, y)
    assert set(search.best_params_) == {"clf__C"}
    assert isinstance(search.best_estimator_, Pipeline)
    assert search.best_estimator_.named_steps["clf"].C == search.best_params_["clf__C"]
    assert search.predict(X).shape == y.shape


def test_column_transformer_with_dataframe(make_search, data):
    pd = pytest.importorskip("pandas")
    X, y = data
    df = pd.DataFrame(X, columns=[f"num{i}" for i in range(X.shape[1])])
    df["colour"] = np.where(X[:, 0] > 0, "red", "blue")
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), [c for c in df.columns if c.startswith("num")]),
            ("cat", OneHotEncoder(), ["colour"]),
        ]
    )
    pipe = Pipeline([("pre", pre), ("clf", LogisticRegression())])
    search = make_search(pipe, {"clf__C": loguniform(1e-2, 1e2)}).fit(df, y)
    np.testing.assert_array_equal(search.feature_names_in_, df.columns)
    assert search.score(df, y) > 0.6


def test_nested_cross_validation(make_search, data):
    X, y = data
    search = make_search(LogisticRegression(), {"C": loguniform(1e-3, 1e2)})
    scores = cross_val_score(search, X, y, cv=2)
    assert scores.shape == (2,)
    assert np.isfinite(scores).all() and (scores > 0.5).all()


def test_group_kfold_needs_and_uses_groups(make_search, data):
    X, y = data
    groups = np.arange(len(y)) % 6
    search = make_search(LogisticRegression(), {"C": loguniform(1e-3, 1e2)})
    search.set_params(cv=GroupKFold(3))
    with pytest.raises(ValueError, match="groups"):
        clone(search).fit(X, y)
    search.fit(X, y, groups=groups)
    assert search.n_splits_ == 3


class _WeightRecorder(ClassifierMixin, BaseEstimator):
    """Refuses to fit without sample_weight, records the weights it saw."""

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y, sample_weight=None):
        if sample_weight is None:
            raise AssertionError("sample_weight was not passed through")
        self.weight_sum_ = float(np.sum(sample_weight))
        self.clf_ = DummyClassifier().fit(X, y)
        self.classes_ = self.clf_.classes_
        return self

    def predict(self, X):
        return self.clf_.predict(X)


def test_sample_weight_reaches_the_estimator(make_search, data):
    X, y = data
    w = np.linspace(1, 2, len(y))
    search = make_search(
        _WeightRecorder(), {"C": loguniform(1e-3, 1e2)}, error_score="raise"
    )
    search.fit(X, y, sample_weight=w)
    assert search.best_estimator_.weight_sum_ == pytest.approx(w.sum())


def test_multimetric_refit_on_named_metric(make_search, data):
    X, y = data
    search = make_search(
        LogisticRegression(),
        {"C": loguniform(1e-4, 1e2)},
        scoring={"acc": "accuracy", "f1": "f1"},
        refit="f1",
    ).fit(X, y)
    res = search.cv_results_
    assert "mean_test_acc" in res and "mean_test_f1" in res
    candidates = np.arange(len(res["params"]))
    if isinstance(search, import_module("skhypertune").HyperbandSearchCV):
        # Hyperband picks among the candidates run at the full resource.
        candidates = candidates[res["n_resources"] == res["n_resources"].max()]
    elif "iter" in res:  # halving picks among its last iteration
        candidates = candidates[res["iter"] == res["iter"].max()]
    best = candidates[np.nanargmax(res["mean_test_f1"][candidates])]
    assert res["mean_test_f1"][search.best_index_] == res["mean_test_f1"][best]
    assert search.best_score_ == res["mean_test_f1"][search.best_index_]


def test_clone_and_pickle(make_search, data):
    X, y = data
    search = make_search(SVC(), {"C": loguniform(1e-2, 1e2)})
    cloned = clone(search)
    # clone deep-copies the frozen distributions, so compare what they are.
    got = cloned.get_params()["param_distributions"]
    assert got.keys() == search.param_distributions.keys()
    assert got["C"].args == search.param_distributions["C"].args
    assert not hasattr(cloned, "cv_results_")
    search.fit(X, y)
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))
    assert restored.best_params_ == search.best_params_


class _Flaky(ClassifierMixin, BaseEstimator):
    """Fails to fit when ``threshold`` is above 0.5."""

    def __init__(self, threshold=0.0):
        self.threshold = threshold

    def fit(self, X, y):
        if self.threshold > 0.5:
            raise ValueError("threshold too high")
        self.clf_ = LogisticRegression().fit(X, y)
        self.classes_ = self.clf_.classes_
        return self

    def predict(self, X):
        return self.clf_.predict(X)


def test_failing_fits_become_nan(make_search, data):
    X, y = data
    search = make_search(_Flaky(), {"threshold": uniform(0, 1)}, n_iter=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X, y)
    res = search.cv_results_
    failed = np.array([p["threshold"] > 0.5 for p in res["params"]])
    assert failed.any() and (~failed).any()
    assert np.isnan(res["mean_test_score"][failed]).all()
    assert np.isfinite(res["mean_test_score"][~failed]).all()
    assert search.best_params_["threshold"] <= 0.5


def test_error_score_raise_propagates(make_search, data):
    X, y = data
    search = make_search(
        _Flaky(), {"threshold": [0.8, 0.9]}, n_iter=2, error_score="raise"
    )
    with pytest.raises(ValueError, match="threshold too high"):
        search.fit(X, y)


def test_n_jobs_2_gives_the_same_results(make_search, data):
    X, y = data
    space = {"C": loguniform(1e-3, 1e2), "fit_intercept": [True, False]}
    a = make_search(LogisticRegression(), space, n_jobs=1).fit(X, y)
    b = make_search(LogisticRegression(), space, n_jobs=2).fit(X, y)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    np.testing.assert_allclose(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )


# predict_proba needs SVC(probability=True), deprecated since scikit-learn 1.9.
@pytest.mark.filterwarnings("ignore:The `probability` parameter:FutureWarning")
def test_delegated_classifier_methods(make_search, data):
    X, y = data
    search = make_search(
        SVC(probability=True, random_state=0), {"C": loguniform(1e-1, 1e1)}
    )
    search.fit(X, y)
    best = search.best_estimator_
    np.testing.assert_array_equal(search.classes_, np.unique(y))
    np.testing.assert_array_equal(search.predict(X), best.predict(X))
    np.testing.assert_allclose(search.predict_proba(X), best.predict_proba(X))
    np.testing.assert_allclose(search.predict_log_proba(X), best.predict_log_proba(X))
    np.testing.assert_allclose(search.decision_function(X), best.decision_function(X))
    assert search.score(X, y) == pytest.approx(best.score(X, y))
    assert search.n_features_in_ == X.shape[1]


def test_delegated_transformer_methods(make_search, data):
    X, _ = data
    search = make_search(PCA(), {"n_components": [1, 2, 3]}, n_iter=2)
    search.fit(X)
    best = search.best_estimator_
    np.testing.assert_allclose(search.transform(X), best.transform(X))
    np.testing.assert_allclose(
        search.inverse_transform(search.transform(X)),
        best.inverse_transform(best.transform(X)),
    )


def test_regressor_scoring(make_search):
    rng = np.random.RandomState(0)
    X = rng.randn(80, 3)
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.randn(80)
    search = make_search(
        Ridge(), {"alpha": loguniform(1e-3, 1e3)}, scoring="neg_mean_squared_error"
    ).fit(X, y)
    assert search.best_score_ < 0
    assert search.best_score_ == np.nanmax(search.cv_results_["mean_test_score"]) or (
        "iter" in search.cv_results_
    )


# -- scikit-learn's own estimator checks -----------------------------------
def _check_instances():
    out = [RandomHyperSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=2, cv=2)]
    for name in ("bayes", "evolution"):
        try:
            out.append(
                SEARCHERS[name](LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=2)
            )
            out[-1].set_params(cv=2)
        except (ImportError, AttributeError):
            pass
    # The halving searches with their default first resource ('smallest'),
    # which adapts to the small datasets of the checks.
    for name in ("halving", "hyperband"):
        try:
            out.append(
                SEARCHERS[name](LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=2)
            )
            out[-1].set_params(cv=2, min_resources="smallest")
        except (ImportError, AttributeError):
            pass
    try:
        grid_cls = import_module("skhypertune").HalvingGridSearchCV
    except AttributeError:
        pass
    else:
        out.append(
            grid_cls(
                LogisticRegression(),
                {"C": [0.1, 1.0]},
                min_resources="smallest",
                cv=2,
                random_state=0,
            )
        )
    return out


# Checks that do not apply to a search meta-estimator, with the reason.
SKIPPED_CHECKS = {}
if SKLEARN_VERSION < (1, 6):
    SKIPPED_CHECKS["check_parameters_default_constructible"] = (
        "scikit-learn < 1.6 builds the estimator with no arguments except for its "
        "own searches; ours need param_distributions (or param_grid) as "
        "RandomizedSearchCV (GridSearchCV) does"
    )


@parametrize_with_checks(_check_instances())
def test_sklearn_estimator_checks(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in SKIPPED_CHECKS:
        pytest.skip(SKIPPED_CHECKS[name])
    # The checks feed deliberately broken data (NaN, objects, one class), so
    # the searches' fits fail and warn; a check that expects a warning sets
    # its own filters.
    with warnings.catch_warnings():
        for category in (UserWarning, FitFailedWarning, RuntimeWarning):
            warnings.simplefilter("ignore", category)
        check(estimator)
