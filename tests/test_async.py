"""Asynchronous mode: the next candidate as soon as a worker frees up.

Every feature of the batch loop must still hold (scikit-learn's cv_results_,
error_score, callbacks, max_time, checkpoint, multi-metric, metadata
routing); what changes is only which candidates are proposed.
"""

import threading
import time
import warnings

import numpy as np
import pytest
from joblib import parallel_backend
from scipy.stats import loguniform, uniform
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold, RandomizedSearchCV

from skhypertune import BayesSearchCV, EvolutionSearchCV
from skhypertune.callbacks import NoImprovement
from skhypertune.space import SearchSpace
from skhypertune.strategies import GPStrategy
from skhypertune.strategies.evolution import EvolutionStrategy

from conftest import RandomHyperSearchCV

rng = np.random.RandomState(0)
X = rng.rand(40, 2)
Y = X[:, 0] + 0.1 * rng.randn(40)


class Sleepy(RegressorMixin, BaseEstimator):
    """Score peaks at x=0.3; fit time grows with x; fails above ``fail_above``."""

    active: list = []
    overlap = 0

    def __init__(self, x=0.5, fail_above=2.0, seconds=0.0):
        self.x = x
        self.fail_above = fail_above
        self.seconds = seconds

    def fit(self, X, y=None, sample_weight=None):
        if self.x > self.fail_above:
            raise ValueError(f"toy failure at x={self.x}")
        Sleepy.active.append(self.x)
        Sleepy.overlap = max(Sleepy.overlap, len(Sleepy.active))
        time.sleep(self.seconds * (1 + 4 * self.x))
        Sleepy.active.remove(self.x)
        self.sample_weight_seen_ = sample_weight is not None
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y=None):
        return -((self.x - 0.3) ** 2)


def _make(kind, est, space, **kw):
    kw.setdefault("cv", KFold(2))
    kw.setdefault("random_state", 0)
    kw.setdefault("n_jobs", 2)
    if kind == "bayes":
        return BayesSearchCV(est, space, n_initial_points=3, asynchronous=True, **kw)
    if kind == "evolution":
        return EvolutionSearchCV(est, space, population_size=3, asynchronous=True, **kw)
    return RandomHyperSearchCV(est, space, batch_size=2, asynchronous=True, **kw)


@pytest.fixture(params=["bayes", "evolution", "loop"])
def kind(request):
    return request.param


def test_processes_give_scikit_learns_results_for_every_candidate(kind):
    space = {"x": uniform(0, 1)}
    search = _make(kind, Sleepy(), space, n_iter=8).fit(X, Y)
    ref = RandomizedSearchCV(Sleepy(), space, n_iter=2, cv=KFold(2)).fit(X, Y)
    res = search.cv_results_
    assert list(res) == list(ref.cv_results_)
    assert len(res["params"]) == 8
    assert len({p["x"] for p in res["params"]}) == 8
    # Every row is its candidate's own scores, as the estimator gives them.
    for params, split0 in zip(res["params"], res["split0_test_score"]):
        assert split0 == pytest.approx(-((params["x"] - 0.3) ** 2))
    assert search.best_index_ == int(np.argmin(res["rank_test_score"]))
    assert search.best_score_ == pytest.approx(np.max(res["mean_test_score"]))
    assert search.best_estimator_.x == search.best_params_["x"]
    assert sorted(search.search_history_[search._batch_column]) == list(range(8))
    np.testing.assert_array_equal(
        search._search_points_[:, 0],
        [search._space.encode(p)[0] for p in res["params"]],
    )


def test_workers_overlap_and_never_wait_for_a_batch(kind):
    """Threads show it directly: two fits always run at once."""
    Sleepy.active, Sleepy.overlap = [], 0
    with parallel_backend("threading", n_jobs=2):
        search = _make(kind, Sleepy(seconds=0.01), {"x": uniform(0, 1)}, n_iter=6)
        search.fit(X, Y)
    assert Sleepy.overlap == 2
    assert search.n_evaluated_ == 6


def test_one_worker_runs_the_reproducible_batch_loop(kind):
    space = {"x": uniform(0, 1)}
    a = _make(kind, Sleepy(), space, n_iter=6, n_jobs=1).fit(X, Y)
    b = _make(kind, Sleepy(), space, n_iter=6, n_jobs=1).set_params(asynchronous=False)
    b.fit(X, Y)
    assert a.cv_results_["params"] == b.cv_results_["params"]


def test_a_backend_without_unordered_results_falls_back_with_a_warning():
    with parallel_backend("multiprocessing", n_jobs=2):
        with pytest.warns(UserWarning, match="runs in batches"):
            search = _make("loop", Sleepy(), {"x": uniform(0, 1)}, n_iter=4)
            search.fit(X, Y)
    assert search.n_evaluated_ == 4


def test_failing_fits_get_error_score_and_the_search_goes_on(kind):
    search = _make(kind, Sleepy(fail_above=0.6), {"x": uniform(0, 1)}, n_iter=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X, Y)
    res = search.cv_results_
    failed = np.isnan(res["mean_test_score"])
    xs = np.array([p["x"] for p in res["params"]])
    np.testing.assert_array_equal(failed, xs > 0.6)
    assert search.best_params_["x"] <= 0.6


def test_error_score_raise_propagates(kind):
    search = _make(
        kind, Sleepy(fail_above=-1), {"x": uniform(0, 1)}, n_iter=4
    ).set_params(error_score="raise")
    with pytest.raises(ValueError, match="toy failure"):
        search.fit(X, Y)


def test_all_failing_raises_like_scikit_learn(kind):
    search = _make(kind, Sleepy(fail_above=-1), {"x": uniform(0, 1)}, n_iter=4)
    with pytest.raises(ValueError, match="All the 8 fits failed"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X, Y)


def test_a_callback_stops_and_every_proposed_candidate_finishes(kind):
    seen = []

    def stop_after_three(state):
        seen.append(state.n_evaluated)
        return state.n_evaluated >= 3

    search = _make(
        kind,
        Sleepy(seconds=0.01),
        {"x": uniform(0, 1)},
        n_iter=30,
        callbacks=[stop_after_three],
    ).fit(X, Y)
    assert search._stopped_by_ == "stop_after_three"
    # The candidates already proposed when it stopped still finished (one
    # per worker, the queued one, and any whose result was on its way), and
    # no others were proposed.
    assert 3 <= search.n_evaluated_ <= 3 + 6
    assert seen[:3] == [1, 2, 3]
    assert not np.isnan(search.cv_results_["mean_test_score"]).any()


def test_max_time_stops_the_asynchronous_loop(kind):
    search = _make(
        kind, Sleepy(seconds=0.02), {"x": uniform(0, 1)}, n_iter=200, max_time=0.3
    )
    start = time.monotonic()
    search.fit(X, Y)
    assert time.monotonic() - start < 10
    assert search._stopped_by_ == "max_time"
    assert 2 <= search.n_evaluated_ < 200


def test_multimetric_and_routed_metadata(kind):
    groups = np.repeat(np.arange(4), 10)
    search = _make(
        kind,
        Sleepy(),
        {"x": uniform(0, 1)},
        n_iter=4,
        cv=GroupKFold(2),
        scoring={"neg": "neg_mean_squared_error", "r2": "r2"},
        refit="neg",
    )
    search.fit(X, Y, groups=groups, sample_weight=np.ones(len(X)))
    res = search.cv_results_
    assert {"mean_test_neg", "mean_test_r2", "rank_test_neg"} <= set(res)
    assert search.best_estimator_.sample_weight_seen_


def test_checkpoint_resume_refits_nothing_finished(kind, tmp_path):
    path = str(tmp_path / "run.jsonl")
    first = _make(kind, Sleepy(), {"x": uniform(0, 1)}, n_iter=5, checkpoint=path)
    first.fit(X, Y)
    again = _make(kind, Sleepy(), {"x": uniform(0, 1)}, n_iter=8, checkpoint=path)
    again.fit(X, Y)
    res = again.cv_results_
    assert len(res["params"]) == 8
    before = {p["x"] for p in first.cv_results_["params"]}
    assert before <= {p["x"] for p in res["params"]}
    assert len({p["x"] for p in res["params"]}) == 8


def test_warm_start_continues(kind):
    search = _make(kind, Sleepy(), {"x": uniform(0, 1)}, n_iter=4).fit(X, Y)
    first = list(search.cv_results_["params"])
    search.set_params(n_iter=7, warm_start=True).fit(X, Y)
    assert search.cv_results_["params"][:4] == first
    assert len(search.cv_results_["params"]) == 7


def test_no_improvement_callback_works_unchanged():
    search = _make(
        "bayes",
        LogisticRegression(),
        {"C": loguniform(1e-3, 1e3)},
        n_iter=40,
        callbacks=[NoImprovement(3)],
    )
    rs = np.random.RandomState(1)
    Xc, yc = rs.rand(40, 3), rs.randint(0, 2, 40)
    search.fit(Xc, yc)
    assert search.n_evaluated_ < 40


def test_pickling_the_search_keeps_its_state():
    """scikit-learn >= 1.9 pickles the running search for its workers."""
    import pickle

    search = _make("loop", Sleepy(), {"x": uniform(0, 1)}, n_iter=2).fit(X, Y)
    search._format_cache = "cache"
    pickle.dumps(search)
    assert search._format_cache == "cache"


# -- strategies with pending points -------------------------------------
def test_gp_counts_pending_points_against_its_design_and_avoids_them():
    space = SearchSpace({"a": uniform(0, 1), "b": uniform(0, 1)})
    gp = GPStrategy(space, np.random.RandomState(0), n_initial_points=4)
    first = gp.ask(2)
    third = gp.ask(1, pending=first)
    fourth = gp.ask(1, pending=np.vstack([first, third]))
    design = GPStrategy(space, np.random.RandomState(0), n_initial_points=4).ask(4)
    np.testing.assert_allclose(np.vstack([first, third, fourth]), design)
    # Past the design, a proposal next to a pending point is discouraged.
    for u in design:
        gp.tell(u[None, :], [-float(np.sum((u - 0.3) ** 2))])
    alone = gp.ask(1)
    gp2 = GPStrategy(space, np.random.RandomState(0), n_initial_points=4)
    gp2.ask(4)
    for u in design:
        gp2.tell(u[None, :], [-float(np.sum((u - 0.3) ** 2))])
    beside = gp2.ask(1, pending=alone)
    assert np.linalg.norm(beside - alone) > 1e-3


def test_evolution_never_breeds_a_pending_point():
    space = SearchSpace({"k": [1, 2, 3, 4, 5]})
    evo = EvolutionStrategy(space, np.random.RandomState(0), population_size=2)
    U = space.snap(evo.ask(2))
    evo.tell(U, [0.1, 0.2])
    for _ in range(5):
        pending = space.snap(evo.ask(1))
        child = space.snap(evo.ask(1, pending=pending))
        assert space.point_key(child[0]) != space.point_key(pending[0])


def test_no_thread_is_left_running():
    before = threading.active_count()
    _make("loop", Sleepy(), {"x": uniform(0, 1)}, n_iter=4).fit(X, Y)
    assert threading.active_count() <= before + 2  # loky's manager threads


def test_evolution_first_generation_is_the_same_design_one_at_a_time():
    """Asked point by point (async), the first generation is batch mode's."""
    space = SearchSpace({"a": uniform(0, 1), "k": [1, 2, 3]})
    batch = EvolutionStrategy(space, np.random.RandomState(0), population_size=4)
    whole = batch.ask(4)
    steady = EvolutionStrategy(space, np.random.RandomState(0), population_size=4)
    one_by_one = []
    for _ in range(4):
        pending = np.array(one_by_one) if one_by_one else None
        one_by_one.append(steady.ask(1, pending=pending)[0])
    np.testing.assert_allclose(np.array(one_by_one), whole)
    # Breeding starts once a generation is proposed, from what is told.
    steady.tell(np.array(one_by_one[:2]), [0.5, 0.7])
    child = steady.ask(1, pending=np.array(one_by_one[2:]))
    assert space.point_key(space.snap(child)[0]) not in {
        space.point_key(u) for u in space.snap(np.array(one_by_one))
    }
