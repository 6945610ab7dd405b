"""HalvingRandomSearchCV and HalvingGridSearchCV against scikit-learn's, and
HyperbandSearchCV.

The estimators here are toys whose score is a cheap, exact function of their
parameters and of the very samples they were fitted and scored on, so that
two searches agree only if they run the same iterations on the same
subsamples, and a whole search takes milliseconds per fit.
"""

import warnings

import numpy as np
import pytest
from scipy.stats import randint, uniform
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    ParameterGrid,
    ShuffleSplit,
)
from sklearn.model_selection import HalvingGridSearchCV as SkHalvingGrid
from sklearn.model_selection import HalvingRandomSearchCV as SkHalving
from sklearn.model_selection._search_successive_halving import _top_k
from sklearn.pipeline import Pipeline

from skhypertune import HalvingGridSearchCV, HalvingRandomSearchCV, HyperbandSearchCV
from skhypertune.halving import _SubsampleSplitter


class ToyRegressor(RegressorMixin, BaseEstimator):
    """Score: a smooth function of ``a`` plus traces of the data it saw."""

    def __init__(self, a=0.0, kind="p", n_estimators=1):
        self.a = a
        self.kind = kind
        self.n_estimators = n_estimators

    def fit(self, X, y=None):
        self.n_fit_ = len(X)
        self.fit_sum_ = float(np.sum(X[:, 0]))
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y=None):
        bonus = {"p": 0.0, "q": 0.05}.get(self.kind, 0.0)
        return (
            -((self.a - 0.3 - 0.2 / self.n_estimators) ** 2)
            + bonus
            + 1e-4 * self.n_fit_
            + 1e-6 * self.fit_sum_
            + 1e-7 * float(np.sum(X[:, 0]))
        )


class ToyClassifier(ClassifierMixin, ToyRegressor):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return super().fit(X, y)

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y=None):
        return ToyRegressor.score(self, X, y)


class FailingFit(ToyRegressor):
    def fit(self, X, y=None):
        raise RuntimeError("fit must not be called")


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.rand(120, 2)
    y = (X[:, 1] > 0.5).astype(int) + (X[:, 1] > 0.8)
    return X, y


def _grid(n):
    # Distinct values, so that scores never tie at a promotion boundary.
    return {"a": list(np.round(np.linspace(0.0, 1.0, n) + 0.001 * np.arange(n), 6))}


def _fit_both(estimator, space, X, y, **kwargs):
    ours = HalvingRandomSearchCV(estimator, space, **kwargs)
    theirs = SkHalving(estimator, space, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours.fit(X, y)
        theirs.fit(X, y)
    return ours, theirs


_ATTRS = [
    "n_resources_",
    "n_candidates_",
    "n_remaining_candidates_",
    "max_resources_",
    "min_resources_",
    "n_iterations_",
    "n_possible_iterations_",
    "n_required_iterations_",
]


def _settings_grid():
    cases = []
    for resource in ("n_samples", "n_estimators"):
        for factor in (2, 3):
            for min_resources in ("smallest", "exhaust", "int"):
                for n_candidates in ("exhaust", 10):
                    for aggressive in (False, True):
                        if min_resources == n_candidates == "exhaust":
                            continue
                        cases.append(
                            (resource, factor, min_resources, n_candidates, aggressive)
                        )
    return cases


@pytest.mark.parametrize(
    "resource, factor, min_resources, n_candidates, aggressive", _settings_grid()
)
def test_same_iterations_as_scikit_learn(
    data, resource, factor, min_resources, n_candidates, aggressive
):
    """Same settings, same candidates => same iterations, resources and scores."""
    X, _ = data
    kwargs = dict(
        factor=factor,
        n_candidates=n_candidates,
        aggressive_elimination=aggressive,
        cv=2,
        random_state=0,
        return_train_score=False,
    )
    if resource == "n_samples":
        kwargs["min_resources"] = 30 if min_resources == "int" else min_resources
    else:
        kwargs.update(resource="n_estimators", max_resources=40)
        kwargs["min_resources"] = 3 if min_resources == "int" else min_resources
    # A grid no larger than the number of candidates: both searches then
    # evaluate the whole grid (scikit-learn samples it without replacement).
    n_grid = 10 if n_candidates == 10 else 12
    ours, theirs = _fit_both(ToyRegressor(), _grid(n_grid), X, None, **kwargs)
    for attr in _ATTRS:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    # Row for row (up to order within an iteration) the same candidates,
    # resources and scores: same subsamples, same promotions.
    for res in (ours.cv_results_, theirs.cv_results_):
        assert set(res) >= {"iter", "n_resources", "mean_test_score"}

    def rows(res):
        return sorted(
            (int(i), int(r), p["a"], round(float(s), 12))
            for i, r, p, s in zip(
                res["iter"], res["n_resources"], res["params"], res["mean_test_score"]
            )
        )

    assert rows(ours.cv_results_) == rows(theirs.cv_results_)
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_score_ == pytest.approx(theirs.best_score_)


@pytest.mark.parametrize("factor", [2, 3])
def test_classifier_smallest_uses_classes(data, factor):
    X, y = data
    ours, theirs = _fit_both(
        ToyClassifier(), _grid(8), X, y, factor=factor, cv=2, random_state=1
    )
    # 2 samples * 2 splits * 3 classes.
    assert ours.min_resources_ == theirs.min_resources_ == 12
    for attr in _ATTRS:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert ours.best_params_ == theirs.best_params_


def test_same_counts_with_distributions(data):
    # Continuous distributions: the sampled candidates differ from
    # scikit-learn's, the schedule does not.
    X, _ = data
    space = {"a": uniform(0, 1), "kind": ["p", "q"]}
    ours, theirs = _fit_both(ToyRegressor(), space, X, None, cv=3, random_state=0)
    for attr in _ATTRS:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert len(ours.cv_results_["params"]) == sum(ours.n_candidates_)


def test_subsample_splitter_matches_resample(data):
    X, _ = data
    split = _SubsampleSplitter(KFold(3), 0.5, random_state=7)
    folds = list(split.split(X))
    assert len(folds) == 3 == split.get_n_splits()
    for (train, test), (full_train, full_test) in zip(folds, KFold(3).split(X)):
        assert len(train) == 40 and len(test) == 20
        assert set(train) <= set(full_train) and set(test) <= set(full_test)
        assert len(set(train)) == len(train)
    # Same seed, same subsample on every call.
    again = list(split.split(X))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(folds, again))


def test_best_comes_from_last_iteration(data):
    X, _ = data
    # With few estimators the optimum of `a` is at 0.5; with 40 at 0.305:
    # early iterations favour other candidates than the last one.
    search = HalvingRandomSearchCV(
        ToyRegressor(),
        _grid(20),
        resource="n_estimators",
        max_resources=40,
        min_resources=1,
        n_candidates=20,
        factor=2,
        cv=2,
        random_state=0,
    ).fit(X)
    res = search.cv_results_
    last = np.flatnonzero(res["iter"] == max(res["iter"]))
    assert search.best_index_ in last
    assert search.best_score_ == pytest.approx(res["mean_test_score"][last].max())
    assert search.best_params_["n_estimators"] == search.n_resources_[-1]
    # An early iteration's score is higher than the winner's.
    assert res["mean_test_score"].max() > search.best_score_
    assert search.best_estimator_.n_estimators == search.n_resources_[-1]


def test_refit_callable_and_multimetric(data):
    X, _ = data
    search = HalvingRandomSearchCV(
        ToyRegressor(), _grid(6), cv=2, random_state=0, refit=lambda res: 0
    ).fit(X)
    assert search.best_index_ == 0
    scoring = {
        "s": lambda est, X, y=None: est.score(X),
        "neg": "neg_mean_squared_error",
    }
    y = np.zeros(len(X))
    multi = HalvingRandomSearchCV(
        ToyRegressor(), _grid(6), cv=2, random_state=0, scoring=scoring, refit="s"
    ).fit(X, y)
    single = HalvingRandomSearchCV(ToyRegressor(), _grid(6), cv=2, random_state=0).fit(
        X, y
    )
    assert multi.n_candidates_ == single.n_candidates_
    assert multi.best_params_ == single.best_params_
    assert "mean_test_neg" in multi.cv_results_


def test_pipeline_resource(data):
    X, _ = data
    pipe = Pipeline([("toy", ToyRegressor())])
    search = HalvingRandomSearchCV(
        pipe,
        {"toy__a": _grid(9)["a"]},
        resource="toy__n_estimators",
        max_resources=9,
        factor=3,
        cv=2,
        random_state=0,
    ).fit(X)
    assert search.n_resources_ == [1, 3, 9]
    assert search.best_params_["toy__n_estimators"] == 9


def test_deterministic_and_clone(data):
    X, _ = data
    search = HalvingRandomSearchCV(
        ToyRegressor(), {"a": uniform(0, 1)}, cv=2, random_state=3
    )
    a = clone(search).fit(X).cv_results_
    b = clone(search).fit(X).cv_results_
    assert [p["a"] for p in a["params"]] == [p["a"] for p in b["params"]]
    np.testing.assert_array_equal(a["mean_test_score"], b["mean_test_score"])


def test_same_parameters_and_defaults_as_scikit_learn():
    ours = HalvingRandomSearchCV(ToyRegressor(), {"a": [1]}).get_params(deep=False)
    theirs = SkHalving(ToyRegressor(), {"a": [1]}).get_params(deep=False)
    # The steering parameters every skhypertune search has (issue 6), all
    # off by default, are the only additions.
    extra = {"initial_params", "callbacks", "max_time", "checkpoint"}
    assert set(ours) - set(theirs) == extra
    assert set(theirs) <= set(ours)
    assert all(ours[name] is None for name in extra)
    for name in theirs:
        if name in ("estimator", "param_distributions", "error_score"):
            continue
        assert ours[name] == theirs[name], name


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"factor": 1}, "factor"),
        ({"factor": 0.5}, "factor"),
        ({"resource": "nope"}, "resource=nope which is not supported by estimator"),
        ({"resource": "a", "max_resources": 10}, "part of the searched"),
        ({"resource": "n_estimators"}, "max_resources='auto'"),
        ({"n_candidates": "exhaust", "min_resources": "exhaust"}, "both set to"),
        ({"min_resources": 500}, "greater than max_resources_"),
        ({"max_resources": 500}, "greater than the number of samples"),
        ({"cv": KFold(3, shuffle=True)}, "consistent folds"),
        ({"n_candidates": 0}, "n_candidates"),
    ],
)
def test_errors_before_any_fit(data, kwargs, match):
    X, _ = data
    search = HalvingRandomSearchCV(
        FailingFit(), _grid(5), error_score="raise", **kwargs
    )
    with pytest.raises(ValueError, match=match):
        search.fit(X)


def test_too_few_samples_for_classifier():
    X = np.random.RandomState(0).rand(20, 2)
    y = np.arange(20) % 4  # 4 classes, smallest = 2 * 5 * 4 = 40 > 20
    search = HalvingRandomSearchCV(ToyClassifier(), _grid(5))
    match = "min_resources_=40 is greater than max_resources_=20. X has n_samples=20"
    with pytest.raises(ValueError, match=match):
        search.fit(X, y)


def test_unknown_searched_parameter(data):
    X, _ = data
    with pytest.raises(ValueError, match="Invalid parameter 'b'"):
        HalvingRandomSearchCV(FailingFit(), {"b": [1, 2]}).fit(X)


# -- scikit-learn's input errors, to the letter ------------------------------
def _error(search, X, y):
    with pytest.raises(ValueError) as info:
        search.fit(X, y)
    return str(info.value)


_INPUT_ERRORS = [
    {"resource": "not_a_parameter"},
    {"resource": "a", "max_resources": 100},
    {"resource": "n_estimators"},
    {"min_resources": 15, "max_resources": 14},
    {"cv": KFold(2, shuffle=True)},
    {"cv": ShuffleSplit(2)},
    # Two errors at once: the one scikit-learn checks first wins.
    {"cv": KFold(2, shuffle=True), "resource": "not_a_parameter"},
    {"resource": "not_a_parameter", "min_resources": "exhaust"},
    {"resource": "a", "min_resources": 15, "max_resources": 14},
]


@pytest.mark.parametrize(
    "ours, theirs, kwargs",
    [(HalvingRandomSearchCV, SkHalving, kw) for kw in _INPUT_ERRORS]
    + [
        (
            HalvingRandomSearchCV,
            SkHalving,
            {"n_candidates": "exhaust", "min_resources": "exhaust"},
        )
    ]
    + [(HalvingGridSearchCV, SkHalvingGrid, kw) for kw in _INPUT_ERRORS],
)
def test_input_errors_start_with_scikit_learns_message(data, ours, theirs, kwargs):
    """Same type, raised for the same reason, scikit-learn's text first."""
    X, _ = data
    ours = ours(FailingFit(), _grid(4), error_score="raise", **kwargs)
    theirs = theirs(FailingFit(), _grid(4), error_score="raise", **kwargs)
    expected = _error(theirs, X, None)
    assert _error(ours, X, None).startswith(expected)


@pytest.mark.parametrize("estimator", [ToyClassifier(), ToyRegressor()])
def test_empty_data_errors_like_scikit_learn(estimator):
    X, y = np.empty((0, 2)), np.array([], dtype=int)
    ours = HalvingRandomSearchCV(estimator, _grid(2), min_resources="smallest")
    theirs = SkHalving(estimator, _grid(2), min_resources="smallest")
    # A classifier: 0 classes, so min_resources_=0; a regressor: 10 > 0.
    assert _error(ours, X, y).startswith(_error(theirs, X, y))


def test_one_sample_error_names_the_number_of_samples():
    # scikit-learn's check_fit2d_1sample accepts this message.
    search = HalvingRandomSearchCV(ToyClassifier(), _grid(2), cv=2)
    with pytest.raises(ValueError, match="n_samples=1"):
        search.fit(np.ones((1, 2)), [0])


@pytest.mark.parametrize(
    "n_samples, min_resources, error", [(21, 4, False), (21, 2, True)]
)
def test_small_data_runs_as_scikit_learn_does(n_samples, min_resources, error):
    # 21 samples in 2 folds, 4 in the first iteration: 1 training sample per
    # fold; scikit-learn runs, we warn and run. With 2, a fold's test set is
    # empty: scikit-learn's resample raises, and so do we, before any fit.
    X = np.random.RandomState(0).rand(n_samples, 2)
    kwargs = dict(min_resources=min_resources, factor=2, cv=2, random_state=0)
    ours = HalvingRandomSearchCV(ToyRegressor(), _grid(4), **kwargs)
    theirs = SkHalving(ToyRegressor(), _grid(4), **kwargs)
    if error:
        expected = _error(theirs, X, None)
        assert _error(ours, X, None).startswith(expected)
        assert "leaving 0 training and 1 test samples" in _error(ours, X, None)
        return
    with pytest.warns(UserWarning, match="leaving 1 training and 2 test samples"):
        ours.fit(X)
    theirs.fit(X)
    for attr in _ATTRS:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert ours.best_params_ == theirs.best_params_


def test_small_data_failing_fits_follow_error_score():
    class NeedsTwo(ToyRegressor):
        def fit(self, X, y=None):
            if len(X) < 2:
                raise ValueError("needs two samples")
            return super().fit(X, y)

    X = np.random.RandomState(0).rand(21, 2)
    search = HalvingRandomSearchCV(
        NeedsTwo(), _grid(4), min_resources=4, factor=2, cv=2, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X)
    first = search.cv_results_["iter"] == 0
    assert np.isnan(search.cv_results_["mean_test_score"][first]).all()
    assert np.isfinite(search.best_score_)
    search.set_params(error_score="raise")
    with pytest.warns(UserWarning, match="CV fold"):
        with pytest.raises(ValueError, match="needs two samples"):
            search.fit(X)


def test_hyperband_warns_about_small_folds_and_runs():
    # The first bracket starts at 30 // 9 = 3 samples: 1 per training fold.
    X = np.random.RandomState(0).rand(30, 2)
    search = HyperbandSearchCV(
        ToyRegressor(), _grid(4), min_resources=3, cv=2, random_state=0
    )
    with pytest.warns(UserWarning, match="leaving 1 training"):
        search.fit(X)
    assert search.n_brackets_ >= 1


def test_discrete_distribution_gets_n_candidates_like_scikit_learn(data):
    # randint(1, 3) has two values: scikit-learn still samples 10 candidates
    # (with replacement); a list of two values is sampled without.
    X, _ = data
    kwargs = dict(n_candidates=10, cv=2, random_state=0)
    ours, theirs = _fit_both(ToyRegressor(), {"a": randint(1, 3)}, X, None, **kwargs)
    assert ours.n_candidates_ == theirs.n_candidates_
    assert ours.n_candidates_[0] == 10
    assert {p["a"] for p in ours.cv_results_["params"]} == {1, 2}
    search = HalvingRandomSearchCV(ToyRegressor(), {"a": [1, 2]}, **kwargs)
    with pytest.warns(UserWarning, match="total space of parameters 2 is smaller"):
        search.fit(X)
    assert search.n_candidates_[0] == 2


class _MetaKFold(GroupKFold):
    """GroupKFold that records the keyword arguments of every split call."""

    def split(self, X, y=None, groups=None, metadata=None):
        self.calls.append({"groups": groups, "metadata": metadata})
        return super().split(X, y, groups)

    def get_n_splits(self, X=None, y=None, groups=None, metadata=None):
        return super().get_n_splits(X, y, groups)


@pytest.mark.parametrize(
    "cls", [HalvingRandomSearchCV, HalvingGridSearchCV, HyperbandSearchCV]
)
def test_splitter_gets_routed_metadata(data, cls):
    X, _ = data
    groups, metadata = np.arange(len(X)) % 4, np.ones(len(X))
    cv = _MetaKFold(2)
    cv.calls = []
    search = cls(ToyRegressor(), _grid(4), cv=cv, random_state=0)
    with config_context(enable_metadata_routing=True):
        cv.set_split_request(groups=True, metadata=True)
        search.fit(X, groups=groups, metadata=metadata)
    assert cv.calls
    for call in cv.calls:
        assert call["groups"] is groups and call["metadata"] is metadata
    # Without routing, groups only (scikit-learn's searches do the same).
    cv.calls.clear()
    search.fit(X, groups=groups)
    assert cv.calls and all(c["groups"] is groups for c in cv.calls)


# -- HalvingGridSearchCV -----------------------------------------------------
def _toy_grid():
    # kind 'p' and 'r' score the same: ties at the promotion boundaries,
    # which scikit-learn breaks in its own way.
    return {"a": _grid(6)["a"], "kind": ["p", "q", "r"]}


def _fit_both_grid(estimator, grid, X, y, **kwargs):
    ours = HalvingGridSearchCV(estimator, grid, **kwargs)
    theirs = SkHalvingGrid(estimator, grid, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours.fit(X, y)
        theirs.fit(X, y)
    return ours, theirs


def _assert_same_results(ours, theirs):
    a, b = ours.cv_results_, theirs.cv_results_
    assert list(a) == list(b)
    for key in a:
        if key.endswith("_time"):
            continue
        if key == "params":
            assert a[key] == b[key]
            continue
        assert type(a[key]) is type(b[key]), key
        assert np.asarray(a[key]).dtype == np.asarray(b[key]).dtype, key
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize(
    "resource, factor, min_resources, aggressive",
    [
        (resource, factor, min_resources, aggressive)
        for resource in ("n_samples", "n_estimators")
        for factor in (2, 3)
        for min_resources in ("exhaust", "smallest", "int")
        for aggressive in (False, True)
    ],
)
def test_grid_same_search_as_scikit_learn(
    data, resource, factor, min_resources, aggressive
):
    """Same grid, same settings: the same cv_results_, row for row."""
    X, _ = data
    kwargs = dict(
        factor=factor, aggressive_elimination=aggressive, cv=2, random_state=0
    )
    if resource == "n_samples":
        kwargs["min_resources"] = 20 if min_resources == "int" else min_resources
    else:
        kwargs.update(resource="n_estimators", max_resources=30)
        kwargs["min_resources"] = 2 if min_resources == "int" else min_resources
    ours, theirs = _fit_both_grid(ToyRegressor(), _toy_grid(), X, None, **kwargs)
    for attr in _ATTRS + ["best_index_", "best_params_", "best_score_"]:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    _assert_same_results(ours, theirs)


def test_grid_classifier_and_list_of_grids(data):
    X, y = data
    grid = [{"a": [0.1, 0.3], "kind": ["p"]}, {"a": [0.5, 0.7, 0.9]}]
    ours, theirs = _fit_both_grid(
        ToyClassifier(), grid, X, y, cv=2, random_state=0, min_resources="smallest"
    )
    first = ours.cv_results_["iter"] == 0
    assert list(np.asarray(ours.cv_results_["params"])[first]) == list(
        ParameterGrid(grid)
    )
    for attr in _ATTRS + ["best_index_", "best_params_", "best_score_"]:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    _assert_same_results(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_grid_same_parameters_and_defaults_as_scikit_learn():
    ours = HalvingGridSearchCV(ToyRegressor(), {"a": [1]}).get_params(deep=False)
    theirs = SkHalvingGrid(ToyRegressor(), {"a": [1]}).get_params(deep=False)
    assert list(ours) == list(theirs)
    for name in theirs:
        if name in ("estimator", "error_score"):
            continue
        assert ours[name] == theirs[name], name
    assert np.isnan(ours["error_score"])


@pytest.mark.parametrize(
    "param_grid",
    [
        {"a": 1},
        {"a": "1,2,3"},
        {"a": []},
        {"a": np.ones((3, 2))},
        [{"a": [0.1]}, 0],
    ],
)
def test_grid_param_grid_errors_as_grid_search(data, param_grid):
    X, _ = data
    errors = []
    for search in (
        HalvingGridSearchCV(ToyRegressor(), param_grid, cv=2),
        GridSearchCV(ToyRegressor(), param_grid, cv=2),
    ):
        with pytest.raises((TypeError, ValueError)) as info:
            search.fit(X)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]


def test_grid_one_metric_as_scikit_learn(data):
    X, _ = data
    scoring = {"r2": "r2", "mse": "neg_mean_squared_error"}
    for cls in (HalvingGridSearchCV, SkHalvingGrid):
        with pytest.raises(ValueError, match="The 'scoring' parameter"):
            cls(ToyRegressor(), {"a": [1]}, scoring=scoring, refit="r2").fit(X)


@pytest.mark.parametrize(
    "cls", [HalvingRandomSearchCV, HalvingGridSearchCV, HyperbandSearchCV]
)
def test_fitted_search_keeps_no_formatting_cache(data, cls):
    # The incremental cv_results_ formatting holds every result of the fit.
    X, _ = data
    search = cls(ToyRegressor(), _grid(4), cv=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X)
    assert "_format_cache" not in vars(search)


@pytest.mark.parametrize("seed", range(5))
def test_promotion_is_scikit_learns(seed):
    # Scores with ties and NaNs: the same rows go on, in the same order.
    rng = np.random.RandomState(seed)
    scores = rng.randint(0, 4, size=11).astype(float)
    scores[rng.rand(11) < 0.3] = np.nan
    results = {"iter": np.zeros(11), "mean_test_score": scores, "params": np.arange(11)}
    for keep in (1, 4, 11):
        expected = _top_k(results, keep, 0)
        got = HalvingGridSearchCV._promote(scores, keep)
        np.testing.assert_array_equal(got, expected)
        assert HalvingRandomSearchCV._promote(scores, keep).tolist() == got.tolist()


# -- Hyperband -------------------------------------------------------------
def _hyperband(**kwargs):
    args = dict(
        resource="n_estimators", max_resources=27, factor=3, cv=2, random_state=0
    )
    args.update(kwargs)
    return HyperbandSearchCV(ToyRegressor(), {"a": uniform(0, 1)}, **args)


def test_hyperband_brackets(data):
    X, _ = data
    search = _hyperband().fit(X)
    assert search.n_candidates_ == [[27, 9, 3, 1], [12, 4, 2], [6, 2], [4]]
    assert search.n_resources_ == [[1, 3, 9, 27], [3, 9, 27], [9, 27], [27]]
    assert search.n_brackets_ == 4
    res = search.cv_results_
    assert len(res["params"]) == sum(map(sum, search.n_candidates_))
    assert sorted(set(search.search_history_["bracket"])) == [0, 1, 2, 3]
    assert "bracket" not in res  # cv_results_ keeps scikit-learn's keys
    full = np.flatnonzero(res["n_resources"] == 27)
    assert search.best_index_ in full
    assert search.best_score_ == pytest.approx(res["mean_test_score"][full].max())
    assert search.n_model_candidates_ == [0, 0, 0, 0]


def test_hyperband_bayes_proposes_from_model(data):
    pytest.importorskip("skhypertune.strategies.bayes")
    X, _ = data
    search = _hyperband(sampler="bayes", n_rounds=2).fit(X)
    assert search.n_brackets_ == 8
    assert search.n_model_candidates_[0] == 0
    # 2/3 of each later bracket comes from the model.
    assert search.n_model_candidates_[1] == 12 - round(12 / 3)
    assert sum(search.n_model_candidates_) > 0
    # The model concentrates on the optimum a = 0.3 + 0.2/27 at full resource.
    last = np.flatnonzero(np.asarray(search.search_history_["bracket"]) >= 4)
    a = np.array([search.cv_results_["params"][i]["a"] for i in last])
    assert np.median(np.abs(a - 0.307)) < 0.2
    again = _hyperband(sampler="bayes", n_rounds=2).fit(X)
    assert again.best_params_ == search.best_params_


def test_hyperband_random_fraction_one_is_random(data):
    X, _ = data
    search = _hyperband(sampler="bayes", random_fraction=1.0, n_brackets=2).fit(X)
    assert search.n_model_candidates_ == [0, 0]


def test_hyperband_small_grid_stops(data):
    X, _ = data
    search = HyperbandSearchCV(
        ToyRegressor(),
        _grid(5),
        resource="n_estimators",
        max_resources=9,
        cv=2,
        random_state=0,
    ).fit(X)
    # 9 + 5 + 3 candidates wanted, only 5 distinct: the first bracket uses all.
    assert search.n_candidates_ == [[5, 2, 1]]
    assert len({p["a"] for p in search.cv_results_["params"]}) == 5


def test_hyperband_n_samples(data):
    X, _ = data
    search = HyperbandSearchCV(
        ToyRegressor(), {"a": uniform(0, 1)}, cv=2, factor=3, random_state=0
    ).fit(X)
    # smallest = 2 * 2 splits = 4 samples; 120 / 4 = 30 -> 4 brackets.
    assert search.min_resources_ == 4 and search.max_resources_ == 120
    assert [r[0] for r in search.n_resources_] == [4, 13, 40, 120]
    assert search.best_estimator_.n_fit_ == 120


def test_hyperband_errors(data):
    X, _ = data
    with pytest.raises(ValueError, match="sampler"):
        _hyperband(sampler="tpe").fit(X)
    with pytest.raises(ValueError, match="min_resources"):
        _hyperband(min_resources="exhaust").fit(X)
    with pytest.raises(ValueError, match="factor"):
        _hyperband(factor=1.0).fit(X)


@pytest.mark.slow
def test_n_jobs_does_not_change_results(data):
    X, _ = data
    one = _hyperband(sampler="bayes", n_brackets=2, n_jobs=1).fit(X).cv_results_
    two = _hyperband(sampler="bayes", n_brackets=2, n_jobs=2).fit(X).cv_results_
    assert [p["a"] for p in one["params"]] == [p["a"] for p in two["params"]]
    np.testing.assert_array_equal(one["mean_test_score"], two["mean_test_score"])


class FlakyToy(ToyRegressor):
    """Fails with exactly 3 estimators, or whenever ``a`` is above 2."""

    def fit(self, X, y=None):
        if self.n_estimators == 3 or self.a > 2:
            raise ValueError("cannot fit this")
        return super().fit(X, y)


def test_hyperband_survives_a_failing_iteration(data):
    X, _ = data
    search = HyperbandSearchCV(
        FlakyToy(),
        {"a": uniform(0, 1)},
        resource="n_estimators",
        max_resources=9,
        cv=2,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X)
    res = search.cv_results_
    at3 = np.asarray(res["n_resources"]) == 3
    assert at3.any() and np.isnan(res["mean_test_score"][at3]).all()
    assert np.isfinite(search.best_score_)
    assert res["n_resources"][search.best_index_] == 9
    everything_fails = clone(search).set_params(param_distributions={"a": [3, 4]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="All the .* fits failed"):
            everything_fails.fit(X)


# -- steering: callbacks, max_time, initial_params (issue 6) -----------------
def _halving(**kwargs):
    args = dict(
        resource="n_estimators",
        max_resources=27,
        min_resources=1,
        n_candidates=27,
        factor=3,
        cv=2,
        random_state=0,
    )
    args.update(kwargs)
    space = args.pop("param_distributions", {"a": uniform(0, 1)})
    return HalvingRandomSearchCV(ToyRegressor(), space, **args)


_BOTH = pytest.mark.parametrize("make", [_halving, _hyperband], ids=["halving", "hb"])


@_BOTH
def test_callback_stops_after_the_first_iteration_and_refits(data, make):
    X, _ = data
    states = []

    def stop_now(state):
        states.append(state)
        return True

    search = make(callbacks=stop_now).fit(X)
    res = search.cv_results_
    # Both start with 27 candidates at n_estimators=1 (Hyperband's first
    # bracket), and nothing else is evaluated.
    assert len(res["params"]) == 27
    assert set(res["iter"]) == {0} and set(res["n_resources"]) == {1}
    assert search._stopped_by_ == "stop_now"
    assert len(states) == 1 and states[0].n_evaluated == 27 and states[0].batch == 0
    # 27 + 9 + 3 + 1 rows planned by halving; Hyperband's four brackets.
    assert states[0].n_iter == (40 if make is _halving else 40 + 18 + 8 + 4)
    scores = res["mean_test_score"]
    assert search.best_index_ == int(np.argmax(scores))
    assert search.best_score_ == scores.max()
    assert search.best_params_["n_estimators"] == 1
    assert search.best_estimator_.n_estimators == 1
    assert search.best_estimator_.a == search.best_params_["a"]
    if make is _halving:
        assert search.n_candidates_ == [27] and search.n_resources_ == [1]
        assert search.n_iterations_ == 1 and search.n_remaining_candidates_ == 9
    else:
        assert search.n_candidates_ == [[27]] and search.n_resources_ == [[1]]
        assert search.n_brackets_ == 1


@_BOTH
def test_callbacks_see_every_iteration(data, make):
    X, _ = data
    states = []
    search = make(callbacks=[lambda s: states.append(s)]).fit(X)
    counts = np.concatenate([np.ravel(c) for c in search.n_candidates_])
    assert [s.n_evaluated for s in states] == list(np.cumsum(counts))
    assert [s.batch for s in states] == list(range(len(counts)))
    assert all(s.n_iter == counts.sum() for s in states)
    last = states[-1]
    assert last.params == tuple(search.cv_results_["params"])
    np.testing.assert_array_equal(last.scores, search.cv_results_["mean_test_score"])
    assert last.scores.flags.writeable is False
    assert last.estimator is search and search._stopped_by_ is None


def test_hyperband_stopped_mid_bracket_keeps_the_full_resource_best(data):
    X, _ = data

    def after_six(state):
        if state.batch == 5:
            raise StopIteration

    search = _hyperband(callbacks=after_six).fit(X)
    assert search.n_candidates_ == [[27, 9, 3, 1], [12, 4]]
    assert search.n_resources_ == [[1, 3, 9, 27], [3, 9]]
    res = search.cv_results_
    assert len(res["params"]) == 27 + 9 + 3 + 1 + 12 + 4
    assert res["n_resources"][search.best_index_] == 27
    assert search.best_estimator_.n_estimators == 27
    assert search._stopped_by_ == "after_six"


def test_hyperband_stopped_before_the_full_resource_uses_the_largest_reached(data):
    X, _ = data
    search = _hyperband(callbacks=lambda s: s.batch == 1).fit(X)
    res = search.cv_results_
    at3 = np.flatnonzero(res["n_resources"] == 3)
    assert len(at3) == 9 and res["n_resources"].max() == 3
    assert search.best_index_ == at3[np.argmax(res["mean_test_score"][at3])]
    assert search.best_estimator_.n_estimators == 3


@_BOTH
@pytest.mark.parametrize("how", ["max_time", "TimeBudget"])
def test_tiny_time_budget_stops_after_the_first_iteration(data, make, how):
    from skhypertune.callbacks import TimeBudget

    X, _ = data
    kw = {"max_time": 1e-9} if how == "max_time" else {"callbacks": TimeBudget(1e-9)}
    search = make(**kw).fit(X)
    res = search.cv_results_
    assert len(res["params"]) == 27 and set(res["iter"]) == {0}
    assert search._stopped_by_ == how
    assert search.best_params_ == res["params"][search.best_index_]
    assert hasattr(search, "best_estimator_")


def test_halving_initial_params_in_the_first_iteration(data):
    X, _ = data
    seeds = [{"a": 0.31}, {"a": 0.31}, {"a": 0.77}]
    search = _halving(n_candidates=9, initial_params=seeds).fit(X)
    res = search.cv_results_
    first = [p["a"] for p, i in zip(res["params"], res["iter"]) if i == 0]
    # Seeds first, deduplicated, and counted towards n_candidates.
    assert first[:2] == [0.31, 0.77]
    assert len(first) == len(set(first)) == 9
    assert search.n_candidates_ == [9, 3, 1]
    assert search.initial_params is seeds


def test_halving_seeds_on_a_grid_and_beyond_n_candidates(data):
    X, _ = data
    grid = _grid(20)
    seeds = [{"a": grid["a"][5]}, {"a": grid["a"][2]}, {"a": grid["a"][7]}]
    search = _halving(param_distributions=grid, n_candidates=2, initial_params=seeds)
    search.set_params(max_resources=3).fit(X)
    first = [
        p["a"]
        for p, i in zip(search.cv_results_["params"], search.cv_results_["iter"])
        if i == 0
    ]
    assert first == [grid["a"][5], grid["a"][2]]
    search = _halving(param_distributions=grid, n_candidates=6, initial_params=seeds)
    search.set_params(max_resources=3).fit(X)
    res = search.cv_results_
    first = [p["a"] for p, i in zip(res["params"], res["iter"]) if i == 0]
    assert first[:3] == [s["a"] for s in seeds]
    assert len(set(first)) == 6 and set(first) <= set(grid["a"])


def test_hyperband_initial_params_in_the_first_bracket(data):
    X, _ = data
    seeds = [{"a": 0.31}, {"a": 0.77}, {"a": 0.31}]
    search = _hyperband(initial_params=seeds).fit(X)
    res = search.cv_results_
    first = (search.search_history_["bracket"] == 0) & (res["iter"] == 0)
    a = [p["a"] for p, f in zip(res["params"], first) if f]
    assert a[:2] == [0.31, 0.77] and len(a) == 27
    assert search.n_candidates_ == [[27, 9, 3, 1], [12, 4, 2], [6, 2], [4]]
    starts = [p["a"] for p, i in zip(res["params"], res["iter"]) if i == 0]
    assert len(starts) == len(set(starts)) == 27 + 12 + 6 + 4


def test_hyperband_more_seeds_than_the_first_bracket(data):
    X, _ = data
    seeds = [{"a": v} for v in (0.1, 0.2, 0.3, 0.4, 0.5)]
    search = _hyperband(max_resources=3, initial_params=seeds).fit(X)
    assert search.n_candidates_[0][0] == 3
    res = search.cv_results_
    starts = [
        (b, p["a"])
        for p, b, i in zip(
            res["params"], search.search_history_["bracket"], res["iter"]
        )
        if i == 0
    ]
    assert starts[:5] == [(0, 0.1), (0, 0.2), (0, 0.3), (1, 0.4), (1, 0.5)]


@pytest.mark.parametrize("cls", [HalvingRandomSearchCV, HyperbandSearchCV])
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"initial_params": [{"b": 1}]}, ValueError, r"initial_params\[0\]"),
        ({"initial_params": [{"a": 0.5}, "a"]}, TypeError, r"initial_params\[1\]"),
        ({"initial_params": {"a": 0.5}}, ValueError, "initial_params"),
        ({"callbacks": [print, "stop"]}, TypeError, r"callbacks\[1\]"),
        ({"max_time": 0}, ValueError, "max_time"),
    ],
)
def test_steering_errors_before_any_fit(data, cls, kwargs, error, match):
    X, _ = data
    search = cls(FailingFit(), {"a": uniform(0, 1)}, error_score="raise", **kwargs)
    with pytest.raises(error, match=match):
        search.fit(X)
    assert not hasattr(search, "cv_results_")


# -- warm start (issue 15) -----------------------------------------------------
class LoggedToy(ToyRegressor):
    """Records ``(a, n_estimators, n_samples)`` of every fit, in any search."""

    fits: list = []

    def fit(self, X, y=None):
        LoggedToy.fits.append((self.a, self.n_estimators, len(X)))
        return super().fit(X, y)


class DrawingToy(LoggedToy):
    """Draws from numpy's global generator in every fit, as estimators with
    ``random_state=None`` do."""

    def fit(self, X, y=None):
        np.random.rand()  # noqa: NPY002 (the legacy global generator on purpose)
        return super().fit(X, y)


def _warm(estimator=None, **kwargs):
    args = dict(
        resource="n_estimators",
        max_resources=9,
        factor=3,
        cv=2,
        random_state=0,
        sampler="bayes",
        warm_start=True,
    )
    args.update(kwargs)
    return HyperbandSearchCV(estimator or LoggedToy(), {"a": uniform(0, 1)}, **args)


def _cv_fits(X):
    """(a, n_estimators) of the cross-validation fits logged, not the refits."""
    return [(a, n) for a, n, n_samples in LoggedToy.fits if n_samples < len(X)]


def _rows(search):
    res = search.cv_results_
    return [
        (p["a"], int(r), int(i), int(b), s)
        for p, r, i, b, s in zip(
            res["params"],
            res["n_resources"],
            res["iter"],
            search.search_history_["bracket"],
            res["mean_test_score"],
        )
    ]


@pytest.fixture
def fit_log():
    LoggedToy.fits = []
    yield LoggedToy.fits
    LoggedToy.fits = []


@pytest.mark.parametrize(
    "first, then",
    [
        ({"n_rounds": 1}, {"n_rounds": 3}),  # more rounds, model-guided
        ({"n_brackets": 1}, {"n_brackets": 3}),  # more brackets in one round
        ({"n_rounds": 2, "sampler": "random"}, {"n_rounds": 3, "sampler": "random"}),
    ],
)
def test_hyperband_warm_start_adds_brackets_without_refitting(
    data, fit_log, first, then
):
    X, _ = data
    reference = _warm(**then).fit(X)  # one fit with the larger budget
    fit_log.clear()

    search = _warm(**first).fit(X)
    n_before = search.n_brackets_
    earlier = _rows(search)
    earlier_fits = set(_cv_fits(X))
    fit_log.clear()
    search.set_params(**then).fit(X)

    assert search.n_brackets_ == reference.n_brackets_ > n_before
    assert search.n_candidates_ == reference.n_candidates_
    assert search.n_resources_ == reference.n_resources_
    assert search.n_model_candidates_ == reference.n_model_candidates_
    # The earlier rows first, as they were, then the next brackets: the rows
    # of the one longer fit, whose model was told the same scores.
    assert _rows(search) == _rows(reference)
    assert _rows(search)[: len(earlier)] == earlier
    assert search.best_params_ == reference.best_params_
    # Only the new brackets' candidates were fitted, each once per split,
    # then the best one refitted.
    fitted = _cv_fits(X)
    assert not set(fitted) & earlier_fits
    assert len(fitted) == 2 * (len(search.cv_results_["params"]) - len(earlier))
    assert len(fit_log) == len(fitted) + 1
    if then.get("sampler", "bayes") == "bayes":
        assert sum(search.n_model_candidates_[n_before:]) > 0


def test_hyperband_warm_start_with_the_same_budget_scores_one_candidate(data, fit_log):
    X, _ = data
    search = _warm().fit(X)
    rows = _rows(search)
    fit_log.clear()
    search.fit(X)
    assert _rows(search) == rows
    assert len(_cv_fits(X)) == 2  # fit() evaluates something: one candidate


def test_hyperband_warm_start_finishes_a_stopped_bracket(data, fit_log):
    X, _ = data
    reference = _warm(n_rounds=2).fit(X)
    search = _warm(n_rounds=2, callbacks=lambda state: state.batch == 3).fit(X)
    assert search.n_candidates_ == [[9, 3, 1], [5]]  # stopped in bracket 1
    n_earlier = len(search.cv_results_["params"])
    fit_log.clear()
    search.set_params(callbacks=None).fit(X)
    assert _rows(search) == _rows(reference)
    assert len(_cv_fits(X)) == 2 * (len(search.cv_results_["params"]) - n_earlier)


def test_hyperband_warm_start_without_an_int_random_state(data, fit_log):
    """The earlier draws are replayed even when the estimator's fits draw from
    numpy's global generator in between."""
    X, _ = data
    search = _warm(DrawingToy(), random_state=None).fit(X)
    earlier = _rows(search)
    fit_log.clear()
    search.set_params(n_rounds=2).fit(X)
    assert _rows(search)[: len(earlier)] == earlier
    assert search.n_brackets_ == 6
    assert len(_cv_fits(X)) == 2 * (len(_rows(search)) - len(earlier))
    # Two fits without warm start draw other candidates.
    other = _warm(DrawingToy(), random_state=None, warm_start=False).fit(X)
    assert _rows(other) != earlier


# The first fit of the scoring case scores a regressor with r2 on a toy
# estimator whose predictions make r2 fail: scikit-learn warns per split.
@pytest.mark.filterwarnings("ignore:Scoring failed:UserWarning")
@pytest.mark.filterwarnings("ignore:One or more of the (test|train) scores:UserWarning")
@pytest.mark.parametrize(
    "change, match",
    [
        ({"param_distributions": {"a": uniform(0, 2)}}, "param_distributions"),
        ({"estimator": LoggedToy(kind="q")}, "estimator"),
        ({"cv": 3}, "cv changed"),
        ({"scoring": "r2"}, "scoring changed"),
        ({"error_score": 0.0}, "error_score changed"),
        ({"factor": 2}, "factor changed"),
        ({"max_resources": 27}, "max_resources changed"),
        ({"sampler": "bayes"}, "sampler changed"),
        ({"random_fraction": 0.5}, "random_fraction changed"),
        ({"random_state": 1}, "random_state changed"),
        ({"initial_params": [{"a": 0.5}]}, "initial_params changed"),
        ({"n_rounds": 1}, "this fit plans 3 brackets, fewer than the 6"),
        # With two rounds, one more bracket per round moves the second round.
        ({"n_brackets": 3}, "bracket 2 of the last fit ran iteration 0"),
    ],
)
def test_hyperband_warm_start_refuses_other_settings(data, fit_log, change, match):
    X, _ = data
    n_brackets = 2 if "n_brackets" in change else None
    search = _warm(n_rounds=2, n_brackets=n_brackets, sampler="random").fit(X)
    rows = _rows(search)
    fit_log.clear()
    search.set_params(**change)
    with pytest.raises(ValueError, match=f"warm_start=True but {match}"):
        search.fit(X)
    assert fit_log == []
    assert _rows(search) == rows
    # Without warm start the same settings start a new search.
    search.set_params(warm_start=False).fit(X)
    assert fit_log


def test_hyperband_warm_start_changes_nothing_for_a_first_fit(data):
    X, _ = data
    one = _warm(warm_start=False).fit(X)
    two = _warm().fit(X)
    assert _rows(one) == _rows(two)
    assert "warm_start" not in HalvingRandomSearchCV(ToyRegressor(), {}).get_params()
