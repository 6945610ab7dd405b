"""Steering callbacks: the ready-made ones and how every searcher calls them."""

import math

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.model_selection import KFold

from skhypertune import BayesSearchCV, EvolutionSearchCV
from skhypertune.callbacks import NoImprovement, SearchState, TargetScore, TimeBudget

X = np.zeros((20, 1))
CV = KFold(2)


class Bowl(BaseEstimator):
    """Free to fit; its score is ``-(x - 0.3)^2`` so the optimum is known."""

    def __init__(self, x=0.0):
        self.x = x

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def score(self, X, y=None):
        return -((self.x - 0.3) ** 2)


def _state(scores, elapsed=0.0):
    scores = np.asarray(scores, dtype=float)
    finite = np.where(np.isnan(scores), -np.inf, scores)
    best = int(np.argmax(finite)) if np.isfinite(finite).any() else None
    return SearchState(
        estimator=None,
        n_evaluated=len(scores),
        n_iter=100,
        batch=len(scores) - 1,
        elapsed=elapsed,
        params=tuple({"x": i} for i in range(len(scores))),
        scores=scores,
        best_index=best,
        best_score=float(scores[best]) if best is not None else math.nan,
        best_params={"x": best} if best is not None else None,
        cv_results={},
    )


def _searchers(random_search_cls):
    return [
        lambda **kw: random_search_cls(Bowl(), {"x": np.linspace(0, 1, 50)}, **kw),
        lambda **kw: BayesSearchCV(Bowl(), {"x": np.linspace(0, 1, 50)}, **kw),
        lambda **kw: EvolutionSearchCV(
            Bowl(), {"x": np.linspace(0, 1, 50)}, population_size=4, **kw
        ),
    ]


# -- the ready-made callbacks on synthetic states ----------------------------
def test_time_budget():
    stop = TimeBudget(1.5)
    assert not stop(_state([0.1], elapsed=1.49))
    assert stop(_state([0.1], elapsed=1.5))


def test_no_improvement_counts_candidates_since_the_best():
    stop = NoImprovement(3)
    assert not stop(_state([0.1, 0.5, 0.4, 0.3]))  # 2 since the best
    assert stop(_state([0.1, 0.5, 0.4, 0.3, 0.2]))  # 3 since the best
    # A tie is not an improvement: the first time the best was reached counts.
    assert stop(_state([0.5, 0.1, 0.5, 0.5]))


def test_no_improvement_min_delta():
    scores = [0.1, 0.5, 0.505, 0.51, 0.512]
    assert not NoImprovement(3)(_state(scores))
    assert NoImprovement(3, min_delta=0.05)(_state(scores))
    # Small gains that add up beyond min_delta count once they do.
    assert not NoImprovement(2, min_delta=0.05)(_state([0.1, 0.13, 0.16, 0.19]))


def test_no_improvement_with_failures():
    stop = NoImprovement(2)
    assert not stop(_state([np.nan]))
    assert stop(_state([np.nan, np.nan]))
    assert not stop(_state([np.nan, 0.3, np.nan]))
    assert stop(_state([np.nan, 0.3, np.nan, np.inf]))  # inf is a failure too


def test_target_score():
    assert TargetScore(0.9)(_state([0.5, 0.95]))
    assert not TargetScore(0.9)(_state([0.5, 0.85]))
    assert not TargetScore(-1.0)(_state([np.nan]))


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: TimeBudget(0), ValueError),
        (lambda: TimeBudget("1"), TypeError),
        (lambda: NoImprovement(0), ValueError),
        (lambda: NoImprovement(2.5), TypeError),
        (lambda: NoImprovement(2, min_delta=-1), ValueError),
        (lambda: TargetScore(float("nan")), ValueError),
        (lambda: TargetScore(None), TypeError),
    ],
)
def test_invalid_callback_parameters(make, error):
    with pytest.raises(error):
        make()


def test_numpy_numbers_are_accepted():
    assert NoImprovement(np.int64(3)).n_candidates == 3
    assert TimeBudget(np.float32(2.0)).seconds == 2.0


# -- callbacks inside a search ---------------------------------------------
@pytest.mark.parametrize("which", [0, 1, 2], ids=["random", "bayes", "evolution"])
def test_target_score_stops_and_refits(random_search_cls, which):
    make = _searchers(random_search_cls)[which]
    search = make(n_iter=40, cv=CV, random_state=0, callbacks=[TargetScore(-0.01)]).fit(
        X
    )
    n = search.n_evaluated_
    assert n < 40
    assert len(search.cv_results_["params"]) == n
    assert search._stopped_by_ == "TargetScore"
    # It stopped right after the first batch that reached the target.
    scores = search.cv_results_["mean_test_score"]
    batch = search.search_history_[search._batch_column]
    reached = np.flatnonzero(scores >= -0.01)
    assert len(reached) and batch[reached[0]] == batch[-1]
    assert search.best_score_ >= -0.01
    assert search.best_estimator_.x == search.best_params_["x"]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["random", "bayes", "evolution"])
def test_same_state_schema_for_every_searcher(random_search_cls, which):
    seen = []

    def spy(state):
        seen.append(state)
        assert state.scores.flags.writeable is False
        with pytest.raises(TypeError):
            state.cv_results["mean_test_score"] = None
        return state.n_evaluated >= 6

    make = _searchers(random_search_cls)[which]
    search = make(n_iter=20, cv=CV, random_state=0, callbacks=spy).fit(X)
    last = seen[-1]
    assert last.n_evaluated == search.n_evaluated_ >= 6
    assert [s.batch for s in seen] == list(range(len(seen)))
    assert last.n_iter == 20
    assert last.params == tuple(search.cv_results_["params"])
    np.testing.assert_array_equal(last.scores, search.cv_results_["mean_test_score"])
    assert last.best_index == search.best_index_
    assert last.best_params == search.best_params_
    assert last.best_score == search.best_score_
    assert last.estimator is search
    assert np.all(np.diff([s.elapsed for s in seen]) >= 0)


def test_stop_iteration_and_first_stopper_wins(random_search_cls):
    calls = []

    def first(state):
        calls.append("first")
        raise StopIteration

    def second(state):
        calls.append("second")
        return False

    search = random_search_cls(
        Bowl(), {"x": np.linspace(0, 1, 50)}, n_iter=10, batch_size=2, cv=CV
    )
    search.set_params(callbacks=[first, second], random_state=0).fit(X)
    assert search.n_evaluated_ == 2
    assert calls == ["first"]
    assert search._stopped_by_ == "first"


def test_no_improvement_on_a_flat_objective(random_search_cls):
    class Flat(Bowl):
        def score(self, X, y=None):
            return 1.0

    search = random_search_cls(
        Flat(),
        {"x": np.linspace(0, 1, 50)},
        n_iter=30,
        batch_size=1,
        cv=CV,
        random_state=0,
        callbacks=[NoImprovement(4)],
    ).fit(X)
    assert search.n_evaluated_ == 5  # the first, then 4 without improvement
    assert search.best_index_ == 0


def test_a_failing_callback_error_propagates(random_search_cls):
    def broken(state):
        raise RuntimeError("callback bug")

    search = random_search_cls(
        Bowl(), {"x": [0.1, 0.2, 0.3]}, n_iter=3, cv=CV, callbacks=[broken]
    )
    with pytest.raises(RuntimeError, match="callback bug"):
        search.fit(X)


def test_non_callable_callback_is_refused_before_fitting(random_search_cls):
    search = random_search_cls(
        Bowl(), {"x": [0.1]}, n_iter=1, cv=CV, callbacks=[TargetScore(1), "stop"]
    )
    with pytest.raises(TypeError, match=r"callbacks\[1\]"):
        search.fit(X)
    assert not hasattr(search, "cv_results_")
