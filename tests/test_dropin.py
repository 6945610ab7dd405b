"""Drop-in to the letter: what RandomizedSearchCV accepts and returns, we do.

scikit-learn's own search tests run against our classes in
``tests/sklearn_suite/run.py``; these unit tests pin each behaviour that run
found different, on tiny data.
"""

import warnings

import numpy as np
import pytest
from scipy.stats import loguniform, norm, randint
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ParameterGrid, RandomizedSearchCV
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline

from skhypertune import BayesSearchCV, EvolutionSearchCV

from conftest import RandomHyperSearchCV

X, Y = make_classification(n_samples=60, n_features=4, random_state=0)


def _bayes(est, space, **kw):
    return BayesSearchCV(est, space, n_initial_points=2, n_points=2, **kw)


def _evolution(est, space, **kw):
    return EvolutionSearchCV(
        est, space, population_size=2, tournament_size=2, elitism=1, **kw
    )


def _loop(est, space, **kw):
    return RandomHyperSearchCV(est, space, batch_size=2, **kw)


SEARCHES = {"loop": _loop, "bayes": _bayes, "evolution": _evolution}
HISTORY = {"loop": "batch", "bayes": "batch", "evolution": "generation"}
#: Columns beside the batch column: which candidates came from a portfolio.
EXTRA_HISTORY = {"loop": [], "bayes": ["portfolio"], "evolution": ["portfolio"]}


@pytest.fixture(params=sorted(SEARCHES))
def kind(request):
    return request.param


@pytest.mark.parametrize(
    "scoring, refit",
    [(None, True), (["accuracy", "f1"], "f1"), (["accuracy", "f1"], False)],
)
def test_cv_results_keys_are_exactly_randomized_search_cvs(kind, scoring, refit):
    space = {"C": loguniform(1e-2, 1e2), "fit_intercept": [True, False]}
    kw = dict(cv=2, n_iter=5, scoring=scoring, refit=refit, random_state=0)
    kw["return_train_score"] = True
    ours = SEARCHES[kind](LogisticRegression(), space, **kw).fit(X, Y)
    ref = RandomizedSearchCV(LogisticRegression(), space, **kw).fit(X, Y)
    assert list(ours.cv_results_) == list(ref.cv_results_)
    # The search's own history is an attribute of its own, row by row.
    history = ours.search_history_
    assert list(history) == [HISTORY[kind], *EXTRA_HISTORY[kind]]
    assert len(history[HISTORY[kind]]) == len(ours.cv_results_["params"]) == 5
    assert history[HISTORY[kind]][0] == 0 < history[HISTORY[kind]][-1]


class AnyParams(ClassifierMixin, BaseEstimator):
    """Like scikit-learn's MinimalClassifier: set_params takes any name."""

    def __init__(self, param="default"):
        self.param = param

    def get_params(self, deep=True):
        return {"param": self.param}

    def set_params(self, **params):
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_names_are_checked_by_what_set_params_accepts(kind):
    search = SEARCHES[kind](AnyParams(), {"parama": [1, 2, 3]}, n_iter=3, cv=2)
    search.fit(X, Y)
    assert sorted(p["parama"] for p in search.cv_results_["params"]) == [1, 2, 3]
    assert search.best_estimator_.parama in (1, 2, 3)


def test_an_invalid_name_fails_before_any_fit_with_set_params_error(kind):
    class Counting(LogisticRegression):
        fits = 0

        def fit(self, X, y, **kw):
            Counting.fits += 1
            return super().fit(X, y, **kw)

    search = SEARCHES[kind](Counting(), {"Cc": [1.0, 2.0]}, n_iter=2, cv=2)
    with pytest.raises(ValueError, match="Invalid parameter 'Cc' for estimator"):
        search.fit(X, Y)
    assert Counting.fits == 0
    # A step searched over names what its parameters refer to.
    pipe = Pipeline([("clf", LogisticRegression())])
    space = {"clf": [AnyParams()], "clf__other": [1, 2]}
    search = SEARCHES[kind](pipe, space, n_iter=2, cv=2).fit(X, Y)
    assert search.best_estimator_.named_steps["clf"].other in (1, 2)


def test_a_covered_grid_runs_whole_in_parameter_grid_order(kind):
    space = [{"fit_intercept": [True, False], "C": [0.1, 1.0]}, {"tol": [1e-3]}]
    with pytest.warns(UserWarning, match="total space of parameters 5 is smaller"):
        search = SEARCHES[kind](
            LogisticRegression(), space, n_iter=9, cv=2, random_state=0
        ).fit(X, Y)
    assert search.cv_results_["params"] == list(ParameterGrid(space))
    # Keys in sorted order, as scikit-learn builds its candidates.
    assert list(search.cv_results_["params"][0]) == ["C", "fit_intercept"]


def test_sampled_candidates_have_sorted_keys(kind):
    space = {"tol": loguniform(1e-5, 1e-2), "C": loguniform(1e-2, 1e2)}
    search = SEARCHES[kind](LogisticRegression(), space, n_iter=4, cv=2).fit(X, Y)
    assert all(list(p) == ["C", "tol"] for p in search.cv_results_["params"])


class NaNScorer:
    """Scores every third call NaN."""

    def __init__(self):
        self.calls = 0

    def __call__(self, estimator, X, y):
        self.calls += 1
        return np.nan if self.calls % 3 == 0 else 1.0


@pytest.mark.parametrize("return_train_score", [False, True])
def test_non_finite_scores_warn_once_per_fit_not_per_batch(kind, return_train_score):
    search = SEARCHES[kind](
        LogisticRegression(),
        {"C": loguniform(1e-2, 1e2)},
        n_iter=6,
        cv=2,
        scoring=NaNScorer(),
        return_train_score=return_train_score,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, Y)
    messages = [str(w.message) for w in caught if "non-finite" in str(w.message)]
    sets = ["test", "train"] if return_train_score else ["test"]
    assert len(set(search.search_history_[HISTORY[kind]])) > 1  # several batches
    assert [m.split()[5] for m in messages] == sets
    means = search.cv_results_["mean_test_score"]
    assert messages[0] == f"One or more of the test scores are non-finite: {means}"


def test_tuple_values_stay_objects_in_param_columns(kind):
    space = {"vect__ngram_range": ((1, 1), (1, 2)), "vect__norm": ("l1", "l2")}
    pipe = Pipeline([("vect", TfidfVectorizer()), ("clf", ComplementNB())])
    docs = ["one", "two", "three", "four", "five", "six"]
    search = SEARCHES[kind](pipe, space, n_iter=3, cv=2, random_state=0)
    search.fit(docs, [0, 0, 1, 0, 1, 1])
    column = search.cv_results_["param_vect__ngram_range"]
    assert column.dtype == object
    assert all(v in ((1, 1), (1, 2)) for v in column.data)
    assert all(isinstance(v, tuple) for v in column.data)


def test_an_unfrozen_distribution_is_drawn_with_its_defaults(kind):
    search = SEARCHES[kind](
        AnyParams(), {"x": norm, "y": [1, 2]}, n_iter=4, cv=2, random_state=0
    ).fit(X, Y)
    values = [p["x"] for p in search.cv_results_["params"]]
    assert all(-10 < v < 10 for v in values) and len(set(values)) == 4


@pytest.mark.parametrize(
    "space, error, words",
    [
        ({"C": randint(5, 5)}, ValueError, ["'C'", "low < high"]),
        ({"C": loguniform}, TypeError, ["'C'", "shape parameters"]),
        ({"C": type(norm)}, TypeError, ["'C'", "class"]),
    ],
)
def test_broken_distributions_name_the_parameter(kind, space, error, words):
    search = SEARCHES[kind](LogisticRegression(), space, n_iter=2, cv=2)
    with pytest.raises(error) as info:
        search.fit(X, Y)
    assert all(word in str(info.value) for word in words)


def test_a_pickled_search_warm_starts(kind):
    """The space is compared by content: a distribution's repr has its address."""
    import pickle

    space = {"C": loguniform(1e-2, 1e2)}
    search = SEARCHES[kind](LogisticRegression(), space, n_iter=3, cv=2)
    search.set_params(random_state=0).fit(X, Y)
    again = pickle.loads(pickle.dumps(search))
    again.set_params(n_iter=5, warm_start=True).fit(X, Y)
    assert again.cv_results_["params"][:3] == search.cv_results_["params"]
    assert len(again.cv_results_["params"]) == 5
