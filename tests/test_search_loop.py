"""The shared loop: budget, duplicates, seeding, warm start, validation."""

import time

import numpy as np
import pytest
from joblib import parallel_backend
from scipy.stats import loguniform, randint, uniform
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ParameterGrid
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from skhypertune._search import _restore_proposal_order
from skhypertune.callbacks import SearchState


def _fit(cls, data, space, **kw):
    X, y = data
    return cls(LogisticRegression(), space, random_state=0, **kw).fit(X, y)


def test_budget_batches_and_batch_column(random_search_cls, tiny_classification):
    search = _fit(
        random_search_cls,
        tiny_classification,
        {"C": loguniform(1e-3, 1e3)},
        n_iter=7,
        batch_size=3,
    )
    assert len(search.cv_results_["params"]) == 7
    assert search.search_history_["batch"].tolist() == [0, 0, 0, 1, 1, 1, 2]
    assert search.n_evaluated_ == 7
    assert search.best_score_ == pytest.approx(
        np.nanmax(search.cv_results_["mean_test_score"])
    )


def test_never_refits_a_duplicate(random_search_cls, tiny_classification):
    space = {"C": [0.1, 1.0, 10.0], "fit_intercept": [True, False]}
    # RandomizedSearchCV's warning and order: the whole grid, as ParameterGrid.
    with pytest.warns(UserWarning, match="total space of parameters 6 is smaller"):
        search = _fit(random_search_cls, tiny_classification, space, n_iter=20)
    assert search.cv_results_["params"] == list(ParameterGrid(space))
    space = {"C": randint(1, 4), "fit_intercept": [True, False]}
    with pytest.warns(UserWarning, match="only 6 distinct"):
        search = _fit(random_search_cls, tiny_classification, space, n_iter=20)
    keys = [tuple(sorted(p.items())) for p in search.cv_results_["params"]]
    assert len(keys) == 6 == len(set(keys))


def test_integer_space_duplicates_are_skipped(random_search_cls, tiny_classification):
    X, y = tiny_classification
    search = random_search_cls(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(1, 5), "min_samples_leaf": randint(1, 4)},
        n_iter=12,
        random_state=3,
    ).fit(X, y)
    params = [tuple(sorted(p.items())) for p in search.cv_results_["params"]]
    assert len(params) == 12 == len(set(params))


def test_initial_params_are_evaluated_first(random_search_cls, tiny_classification):
    seeds = [{"C": 0.1}, {"C": 0.03}]
    search = _fit(
        random_search_cls,
        tiny_classification,
        {"C": loguniform(1e-3, 1e3)},
        n_iter=5,
        initial_params=seeds,
    )
    # Exactly the values given, not their round trip through the unit cube.
    assert search.cv_results_["params"][:2] == seeds


def test_initial_params_outside_the_space_are_refused(
    random_search_cls, tiny_classification
):
    with pytest.raises(ValueError, match=r"initial_params\[0\].*'C'"):
        _fit(
            random_search_cls,
            tiny_classification,
            {"C": loguniform(1e-3, 1e3)},
            n_iter=3,
            initial_params=[{"C": 1e9}],
        )


def test_same_seed_same_results(random_search_cls, tiny_classification):
    space = {"C": loguniform(1e-3, 1e3), "fit_intercept": [True, False]}
    a = _fit(random_search_cls, tiny_classification, space, n_iter=6)
    b = _fit(random_search_cls, tiny_classification, space, n_iter=6, n_jobs=2)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )


def test_warm_start_continues_without_refitting(random_search_cls, tiny_classification):
    X, y = tiny_classification
    search = random_search_cls(
        LogisticRegression(), {"C": loguniform(1e-3, 1e3)}, n_iter=4, random_state=0
    ).fit(X, y)
    first = list(search.cv_results_["params"])
    first_scores = search.cv_results_["mean_test_score"].copy()
    search.set_params(n_iter=9, warm_start=True).fit(X, y)
    res = search.cv_results_
    assert len(res["params"]) == 9
    assert res["params"][:4] == first
    np.testing.assert_array_equal(res["mean_test_score"][:4], first_scores)
    # Only the new candidates were fitted in the second call: their batches
    # continue the numbering instead of restarting at 0.
    assert search.search_history_["batch"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4]
    assert res["rank_test_score"].min() == 1
    assert search.best_index_ == int(np.argmin(res["rank_test_score"]))
    assert search.best_params_ == res["params"][search.best_index_]


def test_warm_start_refuses_a_changed_space(random_search_cls, tiny_classification):
    X, y = tiny_classification
    search = random_search_cls(
        LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=2, warm_start=True
    ).fit(X, y)
    search.set_params(param_distributions={"C": [0.5, 5.0]}, n_iter=4)
    with pytest.raises(ValueError, match="param_distributions changed"):
        search.fit(X, y)


def test_callback_sees_state_and_stops(random_search_cls, tiny_classification):
    seen = []

    def stop_after_two_batches(state):
        assert isinstance(state, SearchState)
        assert not state.scores.flags.writeable
        seen.append(state.n_evaluated)
        return state.batch == 1

    search = _fit(
        random_search_cls,
        tiny_classification,
        {"C": loguniform(1e-3, 1e3)},
        n_iter=10,
        callbacks=[stop_after_two_batches],
    )
    assert seen == [2, 4]
    assert len(search.cv_results_["params"]) == 4
    assert hasattr(search, "best_estimator_")


def test_unknown_parameter_name_fails_before_fitting(
    random_search_cls, tiny_classification
):
    with pytest.raises(ValueError, match="Invalid parameter 'Cee'"):
        _fit(random_search_cls, tiny_classification, {"Cee": [1.0]}, n_iter=1)


def test_parameters_of_a_searched_step_are_accepted(
    random_search_cls, tiny_classification
):
    X, y = tiny_classification
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    space = [
        {"clf": [SVC()], "clf__gamma": loguniform(1e-3, 1e1)},
        {"clf": [LogisticRegression()], "clf__C": loguniform(1e-3, 1e1)},
    ]
    search = random_search_cls(pipe, space, n_iter=4, random_state=0).fit(X, y)
    for params in search.cv_results_["params"]:
        if isinstance(params["clf"], SVC):
            assert set(params) == {"clf", "clf__gamma"}
        else:
            assert set(params) == {"clf", "clf__C"}


@pytest.mark.parametrize(
    "scoring, refit, metric",
    [
        (["f1", "accuracy"], False, "f1"),
        ({"acc": "accuracy", "bal": "balanced_accuracy"}, False, "acc"),
        (["f1", "accuracy"], "accuracy", "accuracy"),
        (
            ["f1", "accuracy"],
            lambda res: int(np.argmin(res["rank_test_accuracy"])),
            "f1",
        ),
    ],
)
def test_multimetric_optimises_refit_or_the_first_metric(
    random_search_cls, tiny_classification, scoring, refit, metric
):
    """RandomizedSearchCV accepts refit=False and a callable refit; so do we."""
    states = []
    search = _fit(
        random_search_cls,
        tiny_classification,
        {"C": loguniform(1e-3, 1e3)},
        n_iter=4,
        scoring=scoring,
        refit=refit,
        callbacks=[states.append],
    )
    np.testing.assert_array_equal(
        states[-1].scores, search.cv_results_[f"mean_test_{metric}"]
    )
    assert hasattr(search, "best_estimator_") == (refit is not False)
    if callable(refit):
        assert search.best_index_ == refit(search.cv_results_)


def test_multimetric_refit_must_name_a_metric(random_search_cls, tiny_classification):
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        _fit(
            random_search_cls,
            tiny_classification,
            {"C": [0.1, 1.0]},
            n_iter=2,
            scoring=["accuracy", "f1"],
            refit="precision",
        )


class _Slow(BaseEstimator):
    """Fit time grows with ``x``; records the order fits start in (threads)."""

    started: list = []

    def __init__(self, x=0.0):
        self.x = x

    def fit(self, X, y=None):
        _Slow.started.append(self.x)
        time.sleep(0.02 * self.x)
        return self

    def score(self, X, y=None):
        return -((self.x - 0.5) ** 2)


def test_parallel_batches_start_with_the_longest_fit(random_search_cls, monkeypatch):
    """Workers start each batch as _dispatch_order says; cv_results_ keeps
    proposal order. Which candidate is predicted slowest depends on measured
    fit times, so that part is checked on fixed times below."""
    recorded = []
    dispatch = random_search_cls._dispatch_order

    def recording(self, U, done, results):
        order = dispatch(self, U, done, results)
        recorded.append(order)
        return order

    monkeypatch.setattr(random_search_cls, "_dispatch_order", recording)
    X = np.zeros((6, 1))
    space = {"x": uniform(0, 1)}
    kw = dict(n_iter=12, batch_size=3, cv=2, random_state=0)
    _Slow.started = []
    with parallel_backend("threading", n_jobs=2):
        parallel = random_search_cls(_Slow(), space, n_jobs=2, **kw).fit(X)
    started, orders = list(_Slow.started), list(recorded)
    sequential = random_search_cls(_Slow(), space, n_jobs=1, **kw).fit(X)
    assert parallel.cv_results_["params"] == sequential.cv_results_["params"]
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
    )
    # No fit times before the first batch; one permutation for each later one.
    assert orders[0] is None
    assert [sorted(o) for o in orders[1:]] == [[0, 1, 2]] * 3
    xs = np.array([p["x"] for p in parallel.cv_results_["params"]])
    for b, order in enumerate(orders[1:], start=1):
        # A batch starts after the last one ended, and its first two jobs
        # are the two folds of the candidate dispatched first.
        assert started[b * 6 : b * 6 + 2] == [xs[b * 3 + order[0]]] * 2


def test_dispatch_order_puts_the_predicted_slowest_first(random_search_cls):
    done = [np.array([0.1]), np.array([0.5]), np.array([0.9])]
    results = {
        "mean_fit_time": np.array([0.01, 0.1, 1.0]),
        "mean_score_time": np.zeros(3),
    }
    U = np.array([[0.45], [0.95], [0.05]])
    search = random_search_cls(_Slow(), {"x": uniform(0, 1)}, n_jobs=2)
    assert search._dispatch_order(U, done, results) == [1, 0, 2]
    # One worker, a single candidate, or no fit times: keep proposal order.
    assert search.set_params(n_jobs=1)._dispatch_order(U, done, results) is None
    search.set_params(n_jobs=2)
    assert search._dispatch_order(U[:1], done, results) is None
    assert search._dispatch_order(U, [], None) is None


def test_restore_proposal_order_undoes_the_dispatch_permutation():
    params = ["old", "c", "a", "b"]  # an earlier row, then a batch sent as c, a, b
    out = ["o0", "o1", "c0", "c1", "a0", "a1", "b0", "b1"]
    more = {"batch": [0, 1, 1, 1]}
    _restore_proposal_order(params, out, more, order=[2, 0, 1], n_splits=2)
    assert params == ["old", "a", "b", "c"]
    assert out == ["o0", "o1", "a0", "a1", "b0", "b1", "c0", "c1"]
    assert more == {"batch": [0, 1, 1, 1]}
