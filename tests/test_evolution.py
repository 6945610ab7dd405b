"""EvolutionSearchCV's own behaviour (general conformance: test_conformance.py)."""

import numpy as np
import pytest
from scipy.stats import loguniform, randint
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ParameterGrid, RandomizedSearchCV
from sklearn.tree import DecisionTreeClassifier

from skhypertune.evolution import EvolutionSearchCV, _default_population

SPACE = {"C": loguniform(1e-3, 1e2), "fit_intercept": [True, False]}


def search(**kwargs):
    kwargs.setdefault("cv", 2)
    kwargs.setdefault("random_state", 0)
    return EvolutionSearchCV(LogisticRegression(), SPACE, **kwargs)


class FailingFit(ClassifierMixin, BaseEstimator):
    """Fails whenever ``depth`` is odd; otherwise predicts the majority class."""

    def __init__(self, depth=0):
        self.depth = depth

    def fit(self, X, y):
        if self.depth % 2:
            raise ValueError("odd depth")
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def test_generation_column_counts_generations(tiny_classification):
    X, y = tiny_classification
    s = search(n_iter=10, population_size=4).fit(X, y)
    assert s.search_history_["generation"].tolist() == [0] * 4 + [1] * 4 + [2] * 2
    assert s.population_size_ == 4
    assert s.n_evaluated_ == 10


@pytest.mark.parametrize("n_iter", [7, 13])
def test_n_iter_is_the_number_of_candidates(tiny_classification, n_iter):
    X, y = tiny_classification
    s = search(n_iter=n_iter, population_size=3).fit(X, y)
    r = RandomizedSearchCV(LogisticRegression(), SPACE, n_iter=n_iter, cv=2).fit(X, y)
    assert len(s.cv_results_["params"]) == len(r.cv_results_["params"]) == n_iter
    keys = {(round(p["C"], 12), p["fit_intercept"]) for p in s.cv_results_["params"]}
    assert len(keys) == n_iter  # no candidate evaluated twice


@pytest.mark.parametrize(
    "n_iter, expected", [(1, 1), (3, 3), (10, 4), (40, 6), (100, 10), (400, 20)]
)
def test_default_population(n_iter, expected):
    assert _default_population(n_iter) == expected


def test_default_population_adapts_to_small_budgets(tiny_classification):
    X, y = tiny_classification
    # RandomizedSearchCV's default n_iter works unchanged; tournament and
    # elitism are capped at the derived population.
    s = search(n_iter=3, tournament_size=5, elitism=4).fit(X, y)
    assert s.population_size_ == 3
    assert len(s.cv_results_["params"]) == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"population_size": 1}, "population_size"),
        ({"population_size": 2.5}, "population_size"),
        ({"mutation_probability": 1.5}, "mutation_probability"),
        ({"mutation_probability": -0.1}, "mutation_probability"),
        ({"crossover_probability": 2}, "crossover_probability"),
        ({"tournament_size": 0}, "tournament_size"),
        ({"population_size": 4, "tournament_size": 5}, "tournament_size=5"),
        ({"population_size": 4, "elitism": 4}, "elitism=4"),
        ({"elitism": -1}, "elitism"),
        ({"n_iter": 5, "population_size": 6}, "n_iter=5 is smaller than one"),
        ({"n_iter": 0}, "n_iter"),
    ],
)
def test_bad_parameters_fail_before_any_fit(kwargs, match):
    calls = []

    class Spy(LogisticRegression):
        def fit(self, X, y, **kw):
            calls.append(1)
            return super().fit(X, y, **kw)

    s = EvolutionSearchCV(Spy(), SPACE, cv=2, **kwargs)
    with pytest.raises(ValueError, match=match):
        s.fit(np.zeros((10, 2)), np.arange(10) % 2)
    assert calls == []


def test_constructor_stores_parameters_unchanged():
    s = EvolutionSearchCV(
        LogisticRegression(), SPACE, population_size=None, elitism=7, n_iter=3
    )
    assert s.get_params()["population_size"] is None
    assert s.get_params()["elitism"] == 7


# The space searches LogisticRegression's penalty, deprecated since 1.8.
@pytest.mark.filterwarnings("ignore:'penalty' was deprecated:FutureWarning")
@pytest.mark.filterwarnings("ignore:Inconsistent values. penalty:UserWarning")
def test_same_results_with_one_or_two_jobs(tiny_classification):
    X, y = tiny_classification
    space = {
        "C": loguniform(1e-3, 1e2),
        "penalty": ["l1", "l2"],
        "max_iter": randint(50, 200),
    }

    def fitted(n_jobs):
        return EvolutionSearchCV(
            LogisticRegression(solver="liblinear"),
            space,
            n_iter=12,
            population_size=4,
            cv=2,
            n_jobs=n_jobs,
            random_state=3,
        ).fit(X, y)

    a, b = fitted(1), fitted(2)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )
    assert a.best_params_ == b.best_params_


def test_random_state_changes_the_candidates(tiny_classification):
    X, y = tiny_classification
    a = search(n_iter=8, population_size=4, random_state=0).fit(X, y)
    b = search(n_iter=8, population_size=4, random_state=1).fit(X, y)
    assert a.cv_results_["params"] != b.cv_results_["params"]


@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_failed_fits_do_not_stop_the_search(tiny_classification):
    X, y = tiny_classification
    with pytest.warns(FitFailedWarning, match="fits failed"):
        s = EvolutionSearchCV(
            FailingFit(),
            {"depth": randint(0, 20)},
            n_iter=12,
            population_size=4,
            cv=2,
            random_state=0,
        ).fit(X, y)
    scores = s.cv_results_["mean_test_score"]
    depths = np.array([p["depth"] for p in s.cv_results_["params"]])
    assert len(scores) == 12
    assert np.all(np.isnan(scores[depths % 2 == 1]))
    assert s.best_params_["depth"] % 2 == 0
    # parents are the successful candidates: later generations favour even depths
    late = depths[s.search_history_["generation"] > 0]
    assert np.mean(late % 2 == 0) >= 0.5


def test_conditional_space_and_initial_params(tiny_classification):
    X, y = tiny_classification
    space = [
        {"max_depth": randint(1, 6), "criterion": ["gini", "entropy"]},
        {"min_samples_leaf": randint(1, 20)},
    ]
    s = EvolutionSearchCV(
        DecisionTreeClassifier(random_state=0),
        space,
        n_iter=15,
        population_size=5,
        cv=2,
        random_state=0,
        initial_params=[{"min_samples_leaf": 3}],
    ).fit(X, y)
    params = s.cv_results_["params"]
    assert params[0] == {"min_samples_leaf": 3}
    assert s.search_history_["generation"][0] == 0
    for p in params:
        assert set(p) in ({"max_depth", "criterion"}, {"min_samples_leaf"})
    assert len({tuple(sorted(p.items())) for p in params}) == 15


def test_warm_start_continues_the_generations(tiny_classification):
    X, y = tiny_classification
    s = search(n_iter=8, population_size=4, warm_start=True).fit(X, y)
    first = list(s.cv_results_["params"])
    s.set_params(n_iter=16).fit(X, y)
    assert s.cv_results_["params"][:8] == first
    assert (
        s.search_history_["generation"].tolist()
        == [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4
    )


def test_callback_sees_generations_and_can_stop(tiny_classification):
    X, y = tiny_classification
    seen = []

    def stop_after_two(state):
        seen.append(state.batch)
        return state.batch == 1

    s = search(n_iter=20, population_size=4, callbacks=stop_after_two).fit(X, y)
    assert seen == [0, 1]
    assert len(s.cv_results_["params"]) == 8


def test_small_discrete_space_is_exhausted_without_repeats(tiny_classification):
    X, y = tiny_classification
    space = {"C": [0.01, 0.1, 1.0], "fit_intercept": [True, False]}
    with pytest.warns(UserWarning, match="total space of parameters 6 is smaller"):
        s = EvolutionSearchCV(
            LogisticRegression(), space, n_iter=10, population_size=4, cv=2
        ).fit(X, y)
    # The whole grid, in ParameterGrid order, as RandomizedSearchCV runs it.
    assert s.cv_results_["params"] == list(ParameterGrid(space))
    space = {"C": randint(1, 4), "fit_intercept": [True, False]}
    with pytest.warns(UserWarning, match="only 6 distinct"):
        s = EvolutionSearchCV(
            LogisticRegression(), space, n_iter=10, population_size=4, cv=2
        ).fit(X, y)
    params = s.cv_results_["params"]
    assert len(params) == 6
    assert len({tuple(sorted(p.items())) for p in params}) == 6
