"""BayesSearchCV-specific behaviour (general conformance: test_conformance.py)."""

import warnings

import numpy as np
import pytest
from joblib import parallel_backend
from scipy.stats import loguniform, uniform
from sklearn.base import BaseEstimator
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import RandomizedSearchCV, cross_val_score

from skhypertune import BayesSearchCV
from skhypertune.space import SearchSpace
from skhypertune.strategies.bayes import GPStrategy


class QuadraticScore(BaseEstimator):
    """Scores a known function of its parameters: a tiny search problem.

    The score peaks at ``C = 10 ** 1.3`` and ``shift = 0.7``; fits fail for
    ``C > fail_above``.
    """

    def __init__(self, C=1.0, shift=0.0, fail_above=np.inf):
        self.C = C
        self.shift = shift
        self.fail_above = fail_above

    def fit(self, X, y=None):
        if self.C > self.fail_above:
            raise ValueError("C too large")
        self.fitted_ = True
        return self

    def score(self, X, y=None):
        return -((np.log10(self.C) - 1.3) ** 2) - (self.shift - 0.7) ** 2


X_TINY = np.zeros((6, 1))
SPACE = {"C": loguniform(1e-4, 1e4), "shift": uniform(0, 1)}


def _bayes(**kw):
    params = dict(n_iter=16, n_initial_points=5, cv=2, random_state=0)
    params.update(kw)
    return BayesSearchCV(QuadraticScore(), SPACE, **params)


def test_finds_a_better_optimum_than_random_search_at_equal_budget():
    gaps = {"bayes": [], "random": []}
    for seed in range(4):
        bayes = _bayes(random_state=seed).fit(X_TINY)
        rand = RandomizedSearchCV(
            QuadraticScore(), SPACE, n_iter=16, cv=2, random_state=seed
        ).fit(X_TINY)
        gaps["bayes"].append(-bayes.best_score_)
        gaps["random"].append(-rand.best_score_)
    assert np.mean(gaps["bayes"]) < 0.02
    assert np.mean(gaps["bayes"]) < 0.25 * np.mean(gaps["random"])


def test_tunes_a_real_estimator(tiny_classification):
    X, y = tiny_classification
    search = BayesSearchCV(
        RidgeClassifier(),
        {"alpha": loguniform(1e-3, 1e4)},
        n_iter=8,
        n_initial_points=3,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    grid = [
        cross_val_score(RidgeClassifier(alpha=a), X, y, cv=3).mean()
        for a in np.logspace(-3, 4, 8)
    ]
    assert search.best_score_ >= max(grid) - 0.02


@pytest.mark.parametrize(
    "n_points, n_jobs, expected",
    [(3, None, [0, 0, 0, 1, 1, 1, 2]), ("auto", None, [0, 0, 1, 1, 2, 2, 3])],
)
def test_batches_of_n_points(n_points, n_jobs, expected):
    search = _bayes(n_iter=7, n_points=n_points, n_jobs=n_jobs).fit(X_TINY)
    assert search.search_history_["batch"].tolist() == expected


def test_the_initial_design_is_one_batch():
    """Design points do not depend on scores: evaluated together, not in twos."""
    search = _bayes(n_iter=10).fit(X_TINY)  # a design of min(5, 10 // 4) = 2
    assert search.search_history_["batch"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    search = _bayes(n_iter=20).fit(X_TINY)  # a design of 5, then batches of 2
    batches = search.search_history_["batch"].tolist()
    assert batches[:7] == [0] * 5 + [1] * 2
    # Seeds count towards the design and share its batch.
    seeded = _bayes(n_iter=20, initial_params=[{"C": 1.0, "shift": 0.5}]).fit(X_TINY)
    assert seeded.search_history_["batch"].tolist()[:6] == [0] * 5 + [1]
    assert seeded.cv_results_["params"][0] == {"C": 1.0, "shift": 0.5}


@pytest.mark.parametrize("n_jobs", [None, 1, 2])
def test_auto_batch_size_is_the_same_for_one_and_two_jobs(n_jobs):
    assert _bayes(n_jobs=n_jobs)._batch_size() == 2
    assert _bayes(n_jobs=n_jobs, n_points=5)._batch_size() == 5


def test_same_results_with_one_and_two_jobs():
    def results(n_jobs):
        # Threads keep the test fast; the proposals never see the backend.
        with parallel_backend("threading"):
            search = _bayes(n_iter=10, n_jobs=n_jobs, random_state=3).fit(X_TINY)
        return search.cv_results_

    one, two = results(1), results(2)
    assert one["params"] == two["params"]
    np.testing.assert_array_equal(one["mean_test_score"], two["mean_test_score"])
    assert not np.array_equal(
        one["mean_test_score"],
        _bayes(n_iter=10, random_state=4).fit(X_TINY).cv_results_["mean_test_score"],
    )


def test_initial_design_is_capped_by_the_budget():
    space = SearchSpace(SPACE)
    made = _bayes(n_iter=12, n_initial_points=10)._make_strategy(
        space, np.random.RandomState(0)
    )
    assert isinstance(made, GPStrategy)
    assert made.n_initial_points == 3
    made = _bayes(n_iter=100, n_initial_points=10)._make_strategy(
        space, np.random.RandomState(0)
    )
    assert made.n_initial_points == 10


def test_failing_configurations_are_avoided():
    # Fits fail for C > 10**1.5, right next to the optimum at 10**1.3.
    est = QuadraticScore(fail_above=10**1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)
        search = BayesSearchCV(
            est, SPACE, n_iter=24, n_initial_points=6, cv=2, random_state=0
        ).fit(X_TINY)
    scores = search.cv_results_["mean_test_score"]
    assert np.isnan(scores[:6]).sum() >= 1  # the design does hit the failing region
    assert np.isnan(scores[6:]).mean() < 0.4
    assert search.best_score_ > -0.1
    assert search.best_params_["C"] <= 10**1.5


@pytest.mark.parametrize(
    "param, value",
    [
        ("n_initial_points", 0),
        ("n_initial_points", 2.5),
        ("n_points", 0),
        ("n_points", "many"),
        ("n_iter", 0),
    ],
)
def test_invalid_parameters_are_named_before_any_fit(param, value):
    fitted = []

    class Recorder(QuadraticScore):
        def fit(self, X, y=None):
            fitted.append(1)
            return super().fit(X, y)

    search = BayesSearchCV(Recorder(), SPACE, cv=2, **{param: value})
    with pytest.raises(ValueError, match=param):
        search.fit(X_TINY)
    assert fitted == []


def test_check_search_params_names_the_parameter():
    search = _bayes(n_points=-1)
    with pytest.raises(ValueError, match="n_points"):
        search._check_search_params()
    search = _bayes(n_initial_points=0)
    with pytest.raises(ValueError, match="n_initial_points"):
        search._check_search_params()


def test_initial_params_seed_the_model():
    seed = {"C": 10**1.3, "shift": 0.7}
    search = _bayes(n_iter=6, initial_params=[seed]).fit(X_TINY)
    assert search.cv_results_["params"][0] == seed
    assert search.best_score_ == pytest.approx(0.0)


def test_warm_start_continues_without_refitting_candidates():
    search = _bayes(n_iter=8, warm_start=True).fit(X_TINY)
    first = list(search.cv_results_["params"])
    search.set_params(n_iter=14).fit(X_TINY)
    params = search.cv_results_["params"]
    assert len(params) == 14
    assert params[:8] == first
    keys = {tuple(sorted(p.items())) for p in params}
    assert len(keys) == 14
